//! E-mail over SMTP with `lettre` (tokio, rustls): the server named by
//! `PULSELINE_SMTP_URL`, and the multipart (text and HTML) message of one outbox row.

use std::time::Duration;

use lettre::message::{Mailbox, MultiPart, header};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// Plain text (`smtp://`): for a relay on the same host or network.
    None,
    /// STARTTLS, required (`smtp://…?tls=required`).
    StartTls,
    /// TLS from the first byte (`smtps://`).
    Wrapper,
}

/// What `PULSELINE_SMTP_URL` says.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub tls: TlsMode,
    pub user: Option<String>,
    pub password: Option<String>,
}

impl std::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "SmtpSettings({}:{} {:?} user={:?})",
            self.host, self.port, self.tls, self.user
        )
    }
}

/// `s` with its %-escapes decoded (the user and password of a URL).
pub(crate) fn decode(s: &str) -> anyhow::Result<String> {
    let mut out = Vec::with_capacity(s.len());
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| anyhow::anyhow!("a bad %-escape in the URL"))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| anyhow::anyhow!("the URL is not UTF-8"))
}

impl SmtpSettings {
    /// Reads `smtp://[user[:password]@]host[:port][?tls=required]` or `smtps://…`.
    pub fn parse(url: &str) -> anyhow::Result<SmtpSettings> {
        let bad = |why: &str| anyhow::anyhow!("PULSELINE_SMTP_URL: {why}");
        let (scheme, rest) = url
            .split_once("://")
            .ok_or_else(|| bad("expected smtp://host:port or smtps://host:port"))?;
        let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
        let rest = rest.trim_end_matches('/');
        let (auth, hostport) = match rest.rsplit_once('@') {
            Some((a, h)) => (Some(a), h),
            None => (None, rest),
        };
        let mut tls = match scheme {
            "smtp" => TlsMode::None,
            "smtps" => TlsMode::Wrapper,
            _ => return Err(bad("the scheme must be smtp or smtps")),
        };
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            match pair {
                "tls=required" if tls == TlsMode::None => tls = TlsMode::StartTls,
                "tls=required" => {}
                "tls=none" if tls == TlsMode::None => {}
                _ => return Err(bad("the only option is tls=required (STARTTLS)")),
            }
        }
        let (host, port) = match hostport.rsplit_once(':') {
            Some((h, p)) => (
                h,
                p.parse::<u16>()
                    .map_err(|_| bad("the port is not a number"))?,
            ),
            None => (
                hostport,
                match tls {
                    TlsMode::None => 25,
                    TlsMode::StartTls => 587,
                    TlsMode::Wrapper => 465,
                },
            ),
        };
        if host.is_empty() {
            return Err(bad("the host is missing"));
        }
        let (user, password) = match auth {
            None => (None, None),
            Some(a) => match a.split_once(':') {
                Some((u, p)) => (Some(decode(u)?), Some(decode(p)?)),
                None => (Some(decode(a)?), None),
            },
        };
        Ok(SmtpSettings {
            host: host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_owned(),
            port,
            tls,
            user,
            password,
        })
    }
}

/// A connection to the SMTP server (pooled by lettre) and the sender address.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

/// One rendered message.
pub struct Letter {
    pub to: String,
    pub to_name: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Why a message was not sent.
pub enum SendError {
    /// Worth another try later: a 4xx answer, a lost connection, a timeout.
    Temporary(String),
    /// The server refused it for good (a 5xx answer), or it cannot be built.
    Permanent(String),
}

impl Mailer {
    /// Builds the transport. `password` (from `PULSELINE_SMTP_PASSWORD_FILE`) wins over
    /// one in the URL; `ca_pem` is a CA to trust besides the public roots.
    pub fn new(
        settings: &SmtpSettings,
        password: Option<String>,
        ca_pem: Option<&[u8]>,
        from: &str,
    ) -> anyhow::Result<Mailer> {
        let from: Mailbox = from
            .parse()
            .map_err(|e| anyhow::anyhow!("PULSELINE_MAIL_FROM: {e}"))?;
        let tls_params = || -> anyhow::Result<TlsParameters> {
            let mut b = TlsParameters::builder(settings.host.clone());
            if let Some(pem) = ca_pem {
                let cert = Certificate::from_pem(pem)
                    .map_err(|e| anyhow::anyhow!("PULSELINE_SMTP_CA_FILE: {e}"))?;
                b = b.add_root_certificate(cert);
            }
            Ok(b.build_rustls()?)
        };
        let tls = match settings.tls {
            TlsMode::None => Tls::None,
            TlsMode::StartTls => Tls::Required(tls_params()?),
            TlsMode::Wrapper => Tls::Wrapper(tls_params()?),
        };
        let mut builder =
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(settings.host.clone())
                .port(settings.port)
                .tls(tls)
                .timeout(Some(Duration::from_secs(20)));
        if let Some(user) = &settings.user {
            let pass = password
                .or_else(|| settings.password.clone())
                .unwrap_or_default();
            builder = builder.credentials(Credentials::new(user.clone(), pass));
        }
        Ok(Mailer {
            transport: builder.build(),
            from,
        })
    }

    /// Sends one message: multipart/alternative, text and HTML.
    pub async fn send(&self, letter: &Letter) -> Result<(), SendError> {
        let to = Mailbox::new(
            Some(letter.to_name.clone()),
            letter
                .to
                .parse()
                .map_err(|e| SendError::Permanent(format!("bad recipient address: {e}")))?,
        );
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(letter.subject.clone())
            .header(header::MIME_VERSION_1_0)
            .multipart(MultiPart::alternative_plain_html(
                letter.text.clone(),
                letter.html.clone(),
            ))
            .map_err(|e| SendError::Permanent(format!("cannot build the message: {e}")))?;
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_permanent() => Err(SendError::Permanent(e.to_string())),
            Err(e) => Err(SendError::Temporary(e.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_urls_are_read() {
        let s = SmtpSettings::parse("smtp://127.0.0.1:2525").expect("plain");
        assert_eq!(
            (s.host.as_str(), s.port, s.tls),
            ("127.0.0.1", 2525, TlsMode::None)
        );
        let s = SmtpSettings::parse("smtp://u%40x:p%3Aw@mail.example.org?tls=required")
            .expect("starttls");
        assert_eq!((s.port, s.tls), (587, TlsMode::StartTls));
        assert_eq!(s.user.as_deref(), Some("u@x"));
        assert_eq!(s.password.as_deref(), Some("p:w"));
        let s = SmtpSettings::parse("smtps://mail.example.org").expect("tls");
        assert_eq!((s.port, s.tls), (465, TlsMode::Wrapper));
        assert!(SmtpSettings::parse("http://x").is_err());
        assert!(SmtpSettings::parse("smtp://:25").is_err());
        assert!(SmtpSettings::parse("smtp://x:port").is_err());
        assert!(SmtpSettings::parse("smtp://x?tls=maybe").is_err());
        assert!(
            !format!(
                "{:?}",
                SmtpSettings::parse("smtp://u:secret@x").expect("ok")
            )
            .contains("secret")
        );
    }
}
