//! What a chat channel is sent: "a pulse is open — answer it" when a round opens and
//! "results are ready" when a closed round releases results, in the channel's language,
//! with a link to the site — never a personal answer link, never a score or a count.
//!
//! Slack (an incoming webhook) gets `{"text": …}` in Slack's link markup; Microsoft
//! Teams (a Workflows webhook) gets a message with one Adaptive Card (version 1.4:
//! two text blocks and an `Action.OpenUrl`; enum values in lower case, as the
//! Adaptive Card JSON schema lists them — renderers read them in any case).

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::hooks::model::{event, kind};

/// What a channel's message is about (kept in the delivery).
#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct ChatNews {
    pub round_id: String,
    pub title: String,
    /// The day the round closes (a pulse that opened).
    pub closes_on: Option<chrono::NaiveDate>,
}

/// The words of one message: a headline, a line under it, the link's label and path.
struct Words {
    headline: String,
    detail: String,
    button: &'static str,
    path: &'static str,
}

fn words(ev: &str, ru: bool, news: &ChatNews) -> Option<Words> {
    let title = news.title.as_str();
    match ev {
        event::ROUND_OPENED => {
            let until = news.closes_on.map(|d| d.format("%d.%m.%Y").to_string());
            Some(Words {
                headline: if ru {
                    "Открыт пульс-опрос — ответьте на него".into()
                } else {
                    "A pulse is open — answer it".into()
                },
                detail: match (ru, until) {
                    (true, Some(d)) => format!("«{title}», до {d}. Ответы анонимны."),
                    (true, None) => format!("«{title}». Ответы анонимны."),
                    (false, Some(d)) => {
                        format!("“{title}”, open until {d}. Answers are anonymous.")
                    }
                    (false, None) => format!("“{title}”. Answers are anonymous."),
                },
                button: if ru { "Ответить" } else { "Answer" },
                path: "/pulses",
            })
        }
        event::RESULTS_READY => Some(Words {
            headline: if ru {
                "Результаты готовы".into()
            } else {
                "Results are ready".into()
            },
            detail: if ru {
                format!("Результаты опроса «{title}» опубликованы.")
            } else {
                format!("The results of “{title}” are out.")
            },
            button: if ru {
                "Открыть отчёты"
            } else {
                "Open reports"
            },
            path: "/reports",
        }),
        _ => None,
    }
}

/// The body for a channel of `hook_kind` about `ev`, or `None` when the channel says
/// nothing about that event.
pub fn message(
    hook_kind: &str,
    language: &str,
    ev: &str,
    news: &ChatNews,
    public_url: &str,
) -> Option<Value> {
    let w = words(ev, language == "ru", news)?;
    let link = format!("{}{}", public_url.trim_end_matches('/'), w.path);
    match hook_kind {
        kind::SLACK => Some(json!({
            "text": format!("*{}*\n{}\n<{}|{}>", slack_escape(&w.headline),
                slack_escape(&w.detail), link, slack_escape(w.button)),
        })),
        kind::TEAMS => Some(json!({
            "type": "message",
            "attachments": [{
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": null,
                "content": {
                    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "type": "AdaptiveCard",
                    "version": "1.4",
                    "body": [
                        {"type": "TextBlock", "text": w.headline, "weight": "bolder",
                         "size": "medium", "wrap": true},
                        {"type": "TextBlock", "text": w.detail, "wrap": true},
                    ],
                    "actions": [
                        {"type": "Action.OpenUrl", "title": w.button, "url": link},
                    ],
                },
            }],
        })),
        _ => None,
    }
}

/// Slack's three control characters in message text.
fn slack_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_link_to_the_site_in_the_channels_language() {
        let news = ChatNews {
            round_id: "r".into(),
            title: "Q<1>".into(),
            closes_on: chrono::NaiveDate::from_ymd_opt(2026, 5, 1),
        };
        let s = message(
            kind::SLACK,
            "en",
            event::ROUND_OPENED,
            &news,
            "https://p.test/",
        )
        .expect("slack");
        let text = s["text"].as_str().expect("text");
        assert!(text.contains("<https://p.test/pulses|Answer>"), "{text}");
        assert!(text.contains("Q&lt;1&gt;"), "{text}");
        let t = message(
            kind::TEAMS,
            "ru",
            event::RESULTS_READY,
            &news,
            "https://p.test",
        )
        .expect("teams");
        let card = &t["attachments"][0]["content"];
        assert_eq!(card["type"], "AdaptiveCard");
        assert_eq!(card["body"][0]["text"], "Результаты готовы");
        assert_eq!(card["actions"][0]["url"], "https://p.test/reports");
        assert!(message(kind::SLACK, "en", event::ROUND_CLOSED, &news, "x").is_none());
    }
}
