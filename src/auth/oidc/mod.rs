//! Company sign-in with OpenID Connect: the authorization-code flow with PKCE, `state`
//! and `nonce`, against the provider named by `PULSELINE_OIDC_ISSUER`.
//!
//! - [`config`]: the settings, and who may still sign in with a password.
//! - [`client`]: the provider's side, through the `openidconnect` crate — discovery (kept
//!   for a quarter of an hour), the URL a browser is sent to, the code exchange and the
//!   ID token's checks (signature from the provider's keys, issuer, audience, expiry, an
//!   issue time not in the future, nonce).
//! - [`store`]: the sign-ins under way (`oidc_logins`, used once) and the accounts linked
//!   to people (`identities`).
//! - [`service`]: what the pages call — [`service::start`] and [`service::finish`], which
//!   decides who the ID token names (a linked account, else an active person with the
//!   verified e-mail, else — only when configured — a new person) and issues the same
//!   token a password sign-in does. Every refusal is a [`Refusal`] and creates nothing.

pub mod client;
pub mod config;
pub mod service;
pub mod store;

/// Why a company sign-in was refused; each has its own sentence on the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Company sign-in is not configured.
    Off,
    /// The answer does not belong to a sign-in this browser started here (a wrong or
    /// missing `state`, a sign-in used or expired).
    State,
    /// The provider answered with an error (its code, e.g. `access_denied`).
    Provider(String),
    /// The provider refused to exchange the code (e.g. `invalid_grant` for a code used
    /// twice).
    Exchange(String),
    /// The ID token failed a check; the check's name (`signature`, `audience`,
    /// `issuer`, `expired`, `issued_in_future`, `nonce`, `missing`, `other`).
    Token(&'static str),
    /// The provider could not be reached or answered nonsense.
    Unavailable,
    /// The provider does not vouch for the e-mail (`email_verified` is not true) or
    /// gave none.
    Unverified,
    /// The e-mail's domain is not allowed here.
    Domain,
    /// Nobody here has that e-mail.
    Unknown,
    /// The person is deactivated.
    Deactivated,
}

impl Refusal {
    /// A short machine name, on the page (`data-reason`) and in the log.
    pub fn code(&self) -> String {
        match self {
            Refusal::Off => "off".into(),
            Refusal::State => "state".into(),
            Refusal::Provider(e) => format!("provider:{e}"),
            Refusal::Exchange(e) => format!("exchange:{e}"),
            Refusal::Token(k) => format!("token:{k}"),
            Refusal::Unavailable => "unavailable".into(),
            Refusal::Unverified => "unverified".into(),
            Refusal::Domain => "domain".into(),
            Refusal::Unknown => "unknown".into(),
            Refusal::Deactivated => "deactivated".into(),
        }
    }
}
