//! The web session: the API's access token in an HttpOnly, SameSite=Strict cookie, and
//! CSRF tokens. A CSRF token is an HMAC (under a key derived from the signing key) of
//! the session id (`sid`, the sign-in's first token `jti`) — or, before sign-in, of a
//! random pre-session cookie — so a form is accepted only from a page this server
//! rendered for this very sign-in.
//!
//! Sliding renewal: the access token lives at most an hour, so a page request made
//! with a token past half its lifetime gets a fresh token of the same session (new
//! `jti`, same `sid` and sign-in time) in a new cookie, and the old token is revoked
//! through the denylist. A session never outlives `session_max_age_secs` from its
//! sign-in: past that the person signs in again.

use std::sync::{Arc, Mutex};

use hmac::{Hmac, Mac};
use poem::http::{HeaderValue, header};
use poem::{Request, Response};
use sha2::Sha256;

use crate::auth::Principal;
use crate::auth::bearer::authenticate;
use crate::auth::service::{load_me, revoke};
use crate::auth::types::Me;
use crate::error::ApiError;
use crate::org::domain::Language;
use crate::state::AppState;
use crate::web::i18n::t;
use crate::web::layout::{CSRF_FIELD, Chrome};
use crate::web::respond::{Form, error_page, see_other};

pub const SESSION_COOKIE: &str = "pulseline_session";
pub const PRE_COOKIE: &str = "pulseline_pre";
pub const LANG_COOKIE: &str = "pulseline_lang";

/// A signed-in person on a page.
pub struct Session {
    pub here: String,
    /// The time zone of the pages: the person's own, else the organisation's.
    pub tz: chrono_tz::Tz,
    pub principal: Principal,
    pub me: Me,
    pub lang: Language,
    pub csrf: String,
}

impl Session {
    /// The page chrome (navigation, language, CSRF) for this session.
    pub fn chrome(&self) -> Chrome<'_> {
        Chrome {
            lang: self.lang,
            tz: self.tz,
            me: Some(&self.me),
            csrf: &self.csrf,
            here: &self.here,
        }
    }

    pub fn is_manager(&self) -> bool {
        !self.me.managed_teams.is_empty()
    }
}

/// The value of cookie `name` in the request.
pub fn cookie<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Whether the request came over TLS (directly, or as a proxy says).
pub fn is_tls(state: &AppState, req: &Request) -> bool {
    state.config.cookie_secure
        || req.uri().scheme_str() == Some("https")
        || req
            .headers()
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Strict, path `/`, Secure over TLS.
pub fn set_cookie(
    state: &AppState,
    req: &Request,
    name: &str,
    value: &str,
    max_age: i64,
) -> String {
    let secure = if is_tls(state, req) { "; Secure" } else { "" };
    format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}")
}

/// Adds a `Set-Cookie` header to a response.
pub fn with_cookie(mut resp: Response, cookie: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(cookie) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

fn mac(state: &AppState, purpose: &str, value: &str) -> Hmac<Sha256> {
    // An HMAC accepts a key of any length, so this cannot fail.
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(&state.csrf_key)
        .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
    m.update(purpose.as_bytes());
    m.update(b":");
    m.update(value.as_bytes());
    m
}

/// The CSRF token for a purpose-tagged value (`session:<jti>` or `pre:<random>`).
fn csrf_for(state: &AppState, purpose: &str, value: &str) -> String {
    hex::encode(mac(state, purpose, value).finalize().into_bytes())
}

/// Checks a submitted CSRF token in constant time.
fn csrf_ok(state: &AppState, purpose: &str, value: &str, given: &str) -> bool {
    match hex::decode(given) {
        Ok(bytes) => mac(state, purpose, value).verify_slice(&bytes).is_ok(),
        Err(_) => false,
    }
}

/// The language for someone not signed in: the language cookie, else the browser's
/// first preference, else English.
pub fn guest_language(req: &Request) -> Language {
    if let Some(l) = cookie(req, LANG_COOKIE) {
        return Language::from_db(l);
    }
    let accept = req
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if accept.trim_start().to_lowercase().starts_with("ru") {
        Language::Ru
    } else {
        Language::En
    }
}

/// A visitor who is not signed in: their language, the pre-session CSRF token, and the
/// cookie to set when they had no pre-session value yet.
pub struct Guest {
    pub here: String,
    /// The organisation's time zone.
    pub tz: chrono_tz::Tz,
    pub lang: Language,
    pub csrf: String,
    pub set_cookie: Option<String>,
}

impl Guest {
    pub fn new(state: &AppState, req: &Request) -> Guest {
        let (value, set_cookie) = match cookie(req, PRE_COOKIE).filter(|v| v.len() == 32) {
            Some(v) => (v.to_owned(), None),
            None => {
                let v = uuid::Uuid::new_v4().simple().to_string();
                let c = set_cookie(state, req, PRE_COOKIE, &v, 86_400);
                (v, Some(c))
            }
        };
        Guest {
            here: here(req),
            tz: org_zone(state),
            lang: guest_language(req),
            csrf: csrf_for(state, "pre", &value),
            set_cookie,
        }
    }

    pub fn chrome(&self) -> Chrome<'_> {
        Chrome {
            lang: self.lang,
            tz: self.tz,
            me: None,
            csrf: &self.csrf,
            here: &self.here,
        }
    }

    /// Adds the pre-session cookie to a response when one was minted.
    pub fn finish(&self, resp: Response) -> Response {
        match &self.set_cookie {
            Some(c) => with_cookie(resp, c),
            None => resp,
        }
    }
}

/// A form posted by someone not signed in, with its pre-session CSRF token checked; a
/// missing or wrong token is a 403 page.
pub async fn guest_form(
    state: &AppState,
    req: &Request,
    body: poem::Body,
) -> Result<(Guest, Form), Response> {
    let guest = Guest::new(state, req);
    let form = match Form::read(req, body).await {
        Ok(f) => f,
        Err(e) => return Err(error_page(&guest.chrome(), &e)),
    };
    let ok =
        cookie(req, PRE_COOKIE).is_some_and(|v| csrf_ok(state, "pre", v, form.text(CSRF_FIELD)));
    if !ok {
        return Err(guest.finish(csrf_refused(&guest.chrome())));
    }
    Ok((guest, form))
}

/// The organisation's time zone (`PULSELINE_TIME_ZONE`, checked at start), else UTC.
pub fn org_zone(state: &AppState) -> chrono_tz::Tz {
    state.config.hours().zone
}

/// The signed-in session, or a redirect to sign-in (clearing a dead cookie).
pub async fn session(state: &AppState, req: &Request) -> Result<Session, Response> {
    let to_signin = || {
        let next = here(req);
        let target = if next == "/" || safe_next(Some(&next)) != next {
            "/signin".to_owned()
        } else {
            format!("/signin?next={}", urlencode(&next))
        };
        see_other(&target)
    };
    // A page that asks twice in one request gets the token renewed the first time.
    let renewed = req.data::<Renewal>().and_then(Renewal::token);
    let Some(token) = renewed.as_deref().or_else(|| cookie(req, SESSION_COOKIE)) else {
        return Err(to_signin());
    };
    let clear = || set_cookie(state, req, SESSION_COOKIE, "", 0);
    let mut principal = match authenticate(state, token).await {
        Ok(p) => p,
        Err(_) => return Err(with_cookie(to_signin(), &clear())),
    };
    let now = crate::clock::unix_now();
    let max_age = i64::try_from(state.config.session_max_age_secs).unwrap_or(i64::MAX);
    if now.saturating_sub(principal.auth_time) >= max_age {
        // The session is over however active it was: its token stops working too.
        if let Err(e) = revoke(state, &principal).await {
            tracing::warn!(error = %e, "could not revoke an aged-out session token");
        }
        return Err(with_cookie(to_signin(), &clear()));
    }
    if now - principal.iat >= state.tokens.ttl_secs() / 2
        && let Some(slot) = req.data::<Renewal>()
    {
        match renew(
            state,
            &principal,
            principal.auth_time.saturating_add(max_age),
        )
        .await
        {
            Ok((token, next)) => {
                let max_age = (next.exp - now).max(0);
                let cookie = set_cookie(state, req, SESSION_COOKIE, &token, max_age);
                slot.set(cookie, token);
                principal = next;
            }
            // The old token still works until it expires; try again on the next page.
            Err(e) => tracing::warn!(error = %e, "could not renew a session token"),
        }
    }
    let me = match load_me(state, &principal.id).await {
        Ok(me) => me,
        Err(e) => {
            let guest = Guest::new(state, req);
            return Err(error_page(&guest.chrome(), &e));
        }
    };
    let csrf = csrf_for(state, "session", &principal.sid);
    Ok(Session {
        here: here(req),
        tz: me
            .shown_time_zone
            .parse()
            .unwrap_or_else(|_| org_zone(state)),
        lang: Language::from_db(&me.language),
        principal,
        me,
        csrf,
    })
}

/// Issues the next token of `p`'s session (expiring no later than `not_after`) and
/// revokes `p`'s token; returns the new token and the principal it stands for.
async fn renew(
    state: &AppState,
    p: &Principal,
    not_after: i64,
) -> Result<(String, Principal), ApiError> {
    let (token, claims) = state
        .tokens
        .renew(&p.id, p.ver, &p.sid, p.auth_time, not_after)?;
    match revoke(state, p).await {
        // Another request of the same browser renewed this token at the same moment:
        // both new tokens are valid, and the browser keeps the last cookie it gets.
        Ok(()) | Err(ApiError::Conflict(_)) => {}
        Err(e) => return Err(e),
    }
    let next = Principal {
        jti: claims.jti,
        exp: claims.exp,
        iat: claims.iat,
        ..p.clone()
    };
    Ok((token, next))
}

/// Where a page request's renewed session cookie waits until the page's response is
/// ready: put in the request by the page middleware, filled by [`session`].
#[derive(Clone, Default)]
pub struct Renewal(Arc<Mutex<Option<(String, String)>>>);

impl Renewal {
    /// Keeps the new cookie (and the token in it) for the response.
    fn set(&self, cookie: String, token: String) {
        if let Ok(mut slot) = self.0.lock() {
            *slot = Some((cookie, token));
        }
    }

    /// The token renewed earlier in this request, if any.
    fn token(&self) -> Option<String> {
        self.0
            .lock()
            .ok()
            .and_then(|slot| slot.as_ref().map(|(_, t)| t.clone()))
    }

    /// Adds the renewed session cookie to `resp`, unless the response sets the session
    /// cookie itself (signing out, changing the password).
    pub fn apply(&self, resp: Response) -> Response {
        let cookie = self
            .0
            .lock()
            .ok()
            .and_then(|mut slot| slot.take())
            .map(|(c, _)| c);
        let Some(cookie) = cookie else {
            return resp;
        };
        let prefix = format!("{SESSION_COOKIE}=");
        let sets_session = resp
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .any(|v| v.to_str().is_ok_and(|v| v.starts_with(&prefix)));
        if sets_session {
            resp
        } else {
            with_cookie(resp, &cookie)
        }
    }
}

/// A form from a signed-in person, with its CSRF token checked; a missing or wrong
/// token is a 403 page.
pub async fn session_form(
    state: &AppState,
    req: &Request,
    body: poem::Body,
) -> Result<(Session, Form), Response> {
    let s = session(state, req).await?;
    let form = match Form::read(req, body).await {
        Ok(f) => f,
        Err(e) => return Err(error_page(&s.chrome(), &e)),
    };
    if !csrf_ok(state, "session", &s.principal.sid, form.text(CSRF_FIELD)) {
        return Err(csrf_refused(&s.chrome()));
    }
    Ok((s, form))
}

/// The page for a form whose CSRF token is missing or wrong.
pub fn csrf_refused(c: &Chrome) -> Response {
    let lang = c.lang;
    crate::web::respond::html(
        poem::http::StatusCode::FORBIDDEN,
        crate::web::layout::titled(
            c,
            t(lang, "Not allowed"),
            maud::html! {
                p role="alert" { (t(lang, "The form has expired. Please reload the page and try again.")) }
            },
        ),
    )
}

/// The request's path and query.
fn here(req: &Request) -> String {
    req.uri()
        .path_and_query()
        .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned())
}

/// Percent-encodes a value for a query string.
pub fn urlencode(v: &str) -> String {
    serde_urlencoded::to_string([("", v)])
        .map(|s| s.trim_start_matches('=').to_owned())
        .unwrap_or_default()
}

/// A `next` target that stays on this site.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        // Only printable ASCII: browsers drop tabs and newlines, so "/\t/host" would
        // otherwise become "//host".
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.contains('\\')
                && n.chars().all(|c| c.is_ascii_graphic()) =>
        {
            n.to_owned()
        }
        _ => "/".to_owned(),
    }
}

/// The session cookie for a freshly issued token.
pub fn session_cookie(state: &AppState, req: &Request, token: &str) -> String {
    set_cookie(state, req, SESSION_COOKIE, token, state.tokens.ttl_secs())
}

/// The cookie that removes the session.
pub fn clear_session_cookie(state: &AppState, req: &Request) -> String {
    set_cookie(state, req, SESSION_COOKIE, "", 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_targets_stay_on_the_site() {
        assert_eq!(safe_next(Some("/pulses")), "/pulses");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil")), "/");
        assert_eq!(safe_next(Some("/\t/evil.example")), "/");
        assert_eq!(safe_next(Some("/ü")), "/");
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn values_are_percent_encoded() {
        assert_eq!(urlencode("/pulses/a b&c"), "%2Fpulses%2Fa+b%26c");
    }
}
