//! Text messages through an HTTP gateway, for people with a phone number and no e-mail
//! address: the pulse-open message and its reminders, short, with the personal link.
//!
//! The gateway is `PULSELINE_SMS_URL`, spoken to in the common form-POST shape: one
//! `POST` of `application/x-www-form-urlencoded` fields `To`, `From` and `Body`, with
//! HTTP basic authentication from the URL's user and password (or the password in
//! `PULSELINE_SMS_PASSWORD_FILE`). A 2xx answer is sent; a 408, 425, 429, a 5xx or no
//! answer is temporary (tried again); any other answer fails the message. Neither the
//! log nor a kept error names the phone number.

use std::time::Duration;

use chrono::NaiveDateTime;
use openidconnect::reqwest;

use crate::notify::mail::SendError;

/// How long one request to the gateway may take.
const TIMEOUT_SECS: u64 = 20;
/// Most characters of a survey's title in a text message.
const TITLE_CHARS: usize = 40;
/// Most characters of a gateway's answer kept with a failed message.
const ANSWER_CHARS: usize = 200;

/// What `PULSELINE_SMS_URL` says: where to post and as whom.
#[derive(Clone, PartialEq, Eq)]
pub struct SmsSettings {
    /// The URL without its user and password.
    pub url: String,
    /// The gateway's host (for the log: the URL's query may hold a key).
    pub host: String,
    pub user: Option<String>,
    pub password: Option<String>,
}

impl std::fmt::Debug for SmsSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SmsSettings({} user={:?})", self.url, self.user)
    }
}

impl SmsSettings {
    /// Reads `http(s)://[user[:password]@]host[:port]/path[?query]`.
    pub fn parse(url: &str) -> anyhow::Result<SmsSettings> {
        let bad = |why: &str| anyhow::anyhow!("PULSELINE_SMS_URL: {why}");
        let mut u = reqwest::Url::parse(url).map_err(|e| bad(&format!("not a URL ({e})")))?;
        if !matches!(u.scheme(), "http" | "https") {
            return Err(bad("the scheme must be http or https"));
        }
        let host = u.host_str().unwrap_or_default().to_owned();
        if host.is_empty() {
            return Err(bad("the URL names no host"));
        }
        if u.fragment().is_some() {
            return Err(bad("the URL may not have a #fragment"));
        }
        let user = Some(u.username())
            .filter(|s| !s.is_empty())
            .map(|s| crate::notify::mail::decode(s).map_err(|e| bad(&e.to_string())))
            .transpose()?;
        let password = u
            .password()
            .map(|s| crate::notify::mail::decode(s).map_err(|e| bad(&e.to_string())))
            .transpose()?;
        u.set_username("")
            .and_then(|()| u.set_password(None))
            .map_err(|()| bad("the URL cannot carry a user"))?;
        Ok(SmsSettings {
            url: u.to_string(),
            host,
            user,
            password,
        })
    }
}

/// A configured gateway.
pub struct SmsGateway {
    http: reqwest::Client,
    settings: SmsSettings,
    from: String,
}

impl SmsGateway {
    /// A gateway posting to `settings.url` as `from`; `password` (from a file) replaces
    /// the URL's.
    pub fn new(
        mut settings: SmsSettings,
        password: Option<String>,
        from: &str,
    ) -> anyhow::Result<SmsGateway> {
        if password.is_some() {
            settings.password = password;
        }
        let http = reqwest::ClientBuilder::new()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(TIMEOUT_SECS))
            .user_agent(concat!("pulseline/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(SmsGateway {
            http,
            settings,
            from: from.to_owned(),
        })
    }

    /// Posts one text message `body` to phone number `to`.
    pub async fn send(&self, to: &str, body: &str) -> Result<(), SendError> {
        let form = form(&[("To", to), ("From", &self.from), ("Body", body)]);
        let mut req = self
            .http
            .post(&self.settings.url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form);
        if let Some(user) = &self.settings.user {
            req = req.basic_auth(user, self.settings.password.as_deref());
        }
        let hide = |s: &str| s.replace(to, "<recipient>");
        match req.send().await {
            Ok(r) if r.status().is_success() => Ok(()),
            Ok(r) => {
                let code = r.status();
                let answer: String = r
                    .text()
                    .await
                    .unwrap_or_default()
                    .chars()
                    .take(ANSWER_CHARS)
                    .collect();
                let answer = answer.trim();
                let e = if answer.is_empty() {
                    format!("the SMS gateway answered HTTP {code}")
                } else {
                    hide(&format!("the SMS gateway answered HTTP {code}: {answer}"))
                };
                if temporary(code.as_u16()) {
                    Err(SendError::Temporary(e))
                } else {
                    Err(SendError::Permanent(e))
                }
            }
            Err(e) => Err(SendError::Temporary(hide(&format!(
                "the SMS gateway did not answer: {}",
                e.without_url()
            )))),
        }
    }
}

/// Whether a gateway's HTTP status says "try again later".
pub fn temporary(code: u16) -> bool {
    matches!(code, 408 | 425 | 429) || code >= 500
}

/// `application/x-www-form-urlencoded` of `fields`.
pub fn form(fields: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(fields).unwrap_or_default()
}

/// A survey's title cut to [`TITLE_CHARS`] characters (an ellipsis marks a cut).
fn short_title(title: &str) -> String {
    if title.chars().count() <= TITLE_CHARS {
        return title.to_owned();
    }
    let mut t: String = title.chars().take(TITLE_CHARS - 1).collect();
    t.push('…');
    t
}

/// The text of a pulse-open message (or, with `reminder`, of a reminder) in `lang`
/// (`ru`, else English), from `org`, its closing time in `zone`.
pub fn pulse_text(
    reminder: bool,
    lang: &str,
    org: &str,
    title: &str,
    closes_at: NaiveDateTime,
    zone: chrono_tz::Tz,
    link: &str,
) -> String {
    let title = short_title(title);
    let until = crate::clock::in_zone(closes_at, zone);
    match (lang == "ru", reminder) {
        (true, false) => format!(
            "{org}: пульс-опрос «{title}» открыт до {until}. Ответы анонимны. Ваша ссылка: {link}"
        ),
        (true, true) => format!(
            "{org}, напоминание: пульс-опрос «{title}» открыт до {until}. Ваша ссылка: {link}"
        ),
        (false, false) => format!(
            "{org}: the pulse \"{title}\" is open until {until}. Answers are anonymous. Your link: {link}"
        ),
        (false, true) => format!(
            "{org} reminder: the pulse \"{title}\" is open until {until}. Your link: {link}"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sms_urls_are_read_and_their_credentials_taken_out() {
        let s = SmsSettings::parse("https://AC12:t%40ken@sms.example.org:8443/send?x=1")
            .expect("a URL");
        assert_eq!(s.url, "https://sms.example.org:8443/send?x=1");
        assert_eq!(s.host, "sms.example.org");
        assert_eq!(s.user.as_deref(), Some("AC12"));
        assert_eq!(s.password.as_deref(), Some("t@ken"));
        let s = SmsSettings::parse("http://127.0.0.1:9/sms").expect("a URL");
        assert_eq!((s.user, s.password), (None, None));
        assert!(
            !format!(
                "{:?}",
                SmsSettings::parse("https://u:secret@h/").expect("url")
            )
            .contains("secret")
        );
        for bad in [
            "smtp://h/",
            "sms.example.org/send",
            "https://h/#x",
            "https://",
        ] {
            assert!(SmsSettings::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_gateway_needs_a_public_url_and_a_sender() {
        let mut c = crate::config::Config::for_database("x.db");
        c.sms_url = Some(crate::config::Secret::new(
            "https://u:p@sms.example.org/send".into(),
        ));
        let e = c.validate().map(|_| ()).unwrap_err().to_string();
        assert!(e.contains("PULSELINE_PUBLIC_URL"), "{e}");
        c.public_url = Some("https://pulse.example.org".into());
        let e = c.validate().map(|_| ()).unwrap_err().to_string();
        assert!(e.contains("PULSELINE_SMS_FROM"), "{e}");
        c.sms_from = Some("Acme".into());
        assert!(c.validate().is_ok());
        c.sms_url = Some(crate::config::Secret::new("ftp://sms.example.org/".into()));
        let e = c.validate().map(|_| ()).unwrap_err().to_string();
        assert!(e.contains("PULSELINE_SMS_URL"), "{e}");
    }

    #[test]
    fn only_busy_and_server_errors_are_tried_again() {
        for code in [408, 425, 429, 500, 502, 503] {
            assert!(temporary(code), "{code}");
        }
        for code in [400, 401, 403, 404, 410, 422] {
            assert!(!temporary(code), "{code}");
        }
    }

    #[test]
    fn the_form_escapes_its_fields() {
        assert_eq!(
            form(&[("To", "+4420"), ("Body", "a b&c=d «é»")]),
            "To=%2B4420&Body=a+b%26c%3Dd+%C2%AB%C3%A9%C2%BB"
        );
    }

    #[test]
    fn a_text_message_is_short_has_the_link_and_cuts_a_long_title() {
        let closes = chrono::NaiveDate::from_ymd_opt(2026, 12, 10)
            .and_then(|d| d.and_hms_opt(17, 0, 0))
            .expect("a time");
        let link = "https://pulse.example.org/p/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        let title = "How was this quarter on the shop floor, with all the changes?";
        for (reminder, lang) in [(false, "en"), (true, "en"), (false, "ru"), (true, "ru")] {
            let t = pulse_text(reminder, lang, "Acme", title, closes, chrono_tz::UTC, link);
            assert!(t.ends_with(link), "{t}");
            assert!(t.contains("2026-12-10 17:00 UTC"), "{t}");
            assert!(
                t.contains("How was this quarter on the shop floor,…"),
                "{t}"
            );
            assert!(!t.contains("changes"), "{t}");
            // Three segments at most even in UCS-2 (67 characters each).
            assert!(
                t.chars().count() <= 201,
                "{} characters: {t}",
                t.chars().count()
            );
        }
        let ru = pulse_text(true, "ru", "Acme", "Q4", closes, chrono_tz::UTC, link);
        assert!(ru.contains("напоминание"), "{ru}");
    }
}
