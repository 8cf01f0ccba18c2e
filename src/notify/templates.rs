//! The words of each message, in English and Russian, as plain text and as HTML. The
//! HTML has no images, no remote content and no tracking: a heading, the text and
//! one link, which is the same link as in the text part.

use chrono::NaiveDateTime;
use maud::{DOCTYPE, html};

/// What a message says, in one language.
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Which message, with what it needs.
pub enum Content<'a> {
    Invitation {
        expires_at: NaiveDateTime,
    },
    PulseOpen {
        title: &'a str,
        closes_at: NaiveDateTime,
    },
    Reminder {
        title: &'a str,
        closes_at: NaiveDateTime,
    },
    /// A new action on the person's team (`team` None: the whole organisation).
    ActionNew {
        title: &'a str,
        team: Option<&'a str>,
    },
    /// An action the person owns is due on `due_on`.
    ActionDue {
        title: &'a str,
        due_on: chrono::NaiveDate,
    },
    /// A manager or HR replied to the person's signed suggestion, leaving it `status`.
    SuggestionReply {
        title: &'a str,
        status: &'a str,
    },
    /// A closed round of survey `title` released results for `team`, which the person
    /// manages (no score: the link leads to the report).
    ResultsReady {
        title: &'a str,
        team: &'a str,
    },
}

/// A suggestion's status in words.
fn status_words(status: &str, ru: bool) -> &'static str {
    match (status, ru) {
        ("new", false) => "new",
        ("new", true) => "новое",
        ("acknowledged", false) => "acknowledged",
        ("acknowledged", true) => "принято к рассмотрению",
        ("in_progress", false) => "in progress",
        ("in_progress", true) => "в работе",
        ("done", false) => "done",
        ("done", true) => "выполнено",
        ("declined", false) => "declined",
        ("declined", true) => "отклонено",
        (_, false) => "updated",
        (_, true) => "обновлено",
    }
}

/// The message `content` for `name` in `lang` (`ru`, else English), from `org`, with
/// `link` as its one link and its times in `zone` (the recipient's).
pub fn render(
    content: &Content<'_>,
    lang: &str,
    org: &str,
    name: &str,
    link: &str,
    zone: chrono_tz::Tz,
) -> Rendered {
    let ru = lang == "ru";
    let (subject, lines, button): (String, Vec<String>, &str) = match content {
        Content::Invitation { expires_at } => {
            if ru {
                (
                    format!("{org}: приглашение в pulseline"),
                    vec![
                        format!("Здравствуйте, {name}!"),
                        format!(
                            "{org} приглашает вас в pulseline — анонимные пульс-опросы и предложения."
                        ),
                        "Задайте пароль по ссылке, чтобы войти.".into(),
                        format!(
                            "Ссылка действует до {}.",
                            crate::clock::in_zone(*expires_at, zone)
                        ),
                    ],
                    "Задать пароль",
                )
            } else {
                (
                    format!("{org}: your pulseline invitation"),
                    vec![
                        format!("Hello {name},"),
                        format!(
                            "{org} invites you to pulseline: anonymous pulse surveys and suggestions."
                        ),
                        "Set your password with the link below to sign in.".into(),
                        format!(
                            "The link works until {}.",
                            crate::clock::in_zone(*expires_at, zone)
                        ),
                    ],
                    "Set your password",
                )
            }
        }
        Content::PulseOpen { title, closes_at } | Content::Reminder { title, closes_at } => {
            let reminder = matches!(content, Content::Reminder { .. });
            if ru {
                (
                    if reminder {
                        format!("Напоминание: пульс-опрос «{title}» открыт")
                    } else {
                        format!("Пульс-опрос «{title}» открыт")
                    },
                    vec![
                        format!("Здравствуйте, {name}!"),
                        format!(
                            "{org} спрашивает, как вам работается: пульс-опрос «{title}» займёт пару минут."
                        ),
                        "Ответы анонимны: отчёты показывают только группы не меньше k человек."
                            .into(),
                        format!(
                            "Ссылка личная, не пересылайте её. Опрос открыт до {}.",
                            crate::clock::in_zone(*closes_at, zone)
                        ),
                    ],
                    "Ответить",
                )
            } else {
                (
                    if reminder {
                        format!("Reminder: the pulse \"{title}\" is open")
                    } else {
                        format!("The pulse \"{title}\" is open")
                    },
                    vec![
                        format!("Hello {name},"),
                        format!(
                            "{org} asks how work is going: the pulse \"{title}\" takes a couple of minutes."
                        ),
                        "Answers are anonymous: reports show only groups of at least k people."
                            .into(),
                        format!(
                            "The link is yours alone; do not forward it. The pulse is open until {}.",
                            crate::clock::in_zone(*closes_at, zone)
                        ),
                    ],
                    "Answer now",
                )
            }
        }
        Content::ActionNew { title, team } => {
            if ru {
                (
                    format!("Новое действие по итогам опросов: «{title}»"),
                    vec![
                        format!("Здравствуйте, {name}!"),
                        match team {
                            Some(t) => format!(
                                "Для команды «{t}» запланировано действие по вашим отзывам: «{title}»."
                            ),
                            None => {
                                format!("{org} запланировала действие по вашим отзывам: «{title}».")
                            }
                        },
                        "По ссылке — что именно будет сделано, кто отвечает и к какому сроку."
                            .into(),
                    ],
                    "Посмотреть",
                )
            } else {
                (
                    format!("A new action on your feedback: \"{title}\""),
                    vec![
                        format!("Hello {name},"),
                        match team {
                            Some(t) => format!(
                                "An action on your feedback is planned for {t}: \"{title}\"."
                            ),
                            None => format!("{org} plans an action on your feedback: \"{title}\"."),
                        },
                        "The link shows what will be done, who owns it and by when.".into(),
                    ],
                    "See the action",
                )
            }
        }
        Content::SuggestionReply { title, status } => {
            if ru {
                (
                    format!("Ответ на ваше предложение «{title}»"),
                    vec![
                        format!("Здравствуйте, {name}!"),
                        format!(
                            "На ваше предложение «{title}» ответили; его статус — «{}».",
                            status_words(status, true)
                        ),
                        "Ответ — по ссылке.".into(),
                    ],
                    "Прочитать ответ",
                )
            } else {
                (
                    format!("A reply to your suggestion \"{title}\""),
                    vec![
                        format!("Hello {name},"),
                        format!(
                            "Your suggestion \"{title}\" got a reply; it is now {}.",
                            status_words(status, false)
                        ),
                        "The link shows the reply.".into(),
                    ],
                    "Read the reply",
                )
            }
        }
        Content::ResultsReady { title, team } => {
            if ru {
                (
                    format!("Результаты опроса «{title}» готовы: {team}"),
                    vec![
                        format!("Здравствуйте, {name}!"),
                        format!(
                            "Пульс-опрос «{title}» закрыт, и результаты команды «{team}» можно посмотреть."
                        ),
                        "Отчёт показывает только группы не меньше k ответов; то, что могло бы указать на человека, скрыто."
                            .into(),
                    ],
                    "Посмотреть результаты",
                )
            } else {
                (
                    format!("Results of \"{title}\" are ready: {team}"),
                    vec![
                        format!("Hello {name},"),
                        format!(
                            "The pulse \"{title}\" has closed and the results for {team} are ready to read."
                        ),
                        "The report shows only groups of at least k answers; whatever could point to a person stays hidden."
                            .into(),
                    ],
                    "See the results",
                )
            }
        }
        Content::ActionDue { title, due_on } => {
            if ru {
                (
                    format!("Срок действия «{title}» — {due_on}"),
                    vec![
                        format!("Здравствуйте, {name}!"),
                        format!("Вы отвечаете за действие «{title}»; срок — {due_on}."),
                        "Отметьте, что сделано, или перенесите срок: команда видит ход работы."
                            .into(),
                    ],
                    "Открыть действие",
                )
            } else {
                (
                    format!("\"{title}\" is due on {due_on}"),
                    vec![
                        format!("Hello {name},"),
                        format!("You own the action \"{title}\", due on {due_on}."),
                        "Add an update or move the day: the team sees how it goes.".into(),
                    ],
                    "Open the action",
                )
            }
        }
    };
    let text = format!("{}\n\n{link}\n", lines.join("\n\n"));
    let lang_attr = if ru { "ru" } else { "en" };
    let html = html! {
        (DOCTYPE)
        html lang=(lang_attr) {
            head {
                meta charset="utf-8";
                title { (subject) }
            }
            body {
                @for l in &lines {
                    p { (l) }
                }
                p { a href=(link) { (button) } }
                p { (link) }
            }
        }
    }
    .into_string();
    Rendered {
        subject,
        text,
        html,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_html_escapes_and_tracks_nothing() {
        let t = chrono::NaiveDate::from_ymd_opt(2026, 12, 3)
            .and_then(|d| d.and_hms_opt(10, 0, 0))
            .expect("time");
        let r = render(
            &Content::PulseOpen {
                title: "<b>Q4</b>",
                closes_at: t,
            },
            "en",
            "Acme",
            "Ann",
            "https://p.example.org/p/abc",
            chrono_tz::Tz::UTC,
        );
        assert!(r.html.contains("&lt;b&gt;Q4&lt;/b&gt;"));
        assert!(!r.html.contains("<img"));
        assert!(r.text.contains("https://p.example.org/p/abc"));
        let ru = render(
            &Content::Invitation { expires_at: t },
            "ru",
            "Acme",
            "Аня",
            "x",
            chrono_tz::Tz::Europe__Moscow,
        );
        assert!(ru.subject.contains("приглашение"));
        // 10:00 UTC is 13:00 in Moscow (UTC+3 all year since 2014).
        assert!(ru.text.contains("2026-12-03 13:00 MSK"), "{}", ru.text);
        assert!(r.text.contains("2026-12-03 10:00 UTC"), "{}", r.text);
    }
}
