//! Company sign-in pages: `/auth/oidc/start` sends the browser to the identity provider,
//! `/auth/oidc/callback` takes its answer. Both call [`crate::auth::oidc::service`].
//!
//! The sign-in's `state` rides in its own cookie (`SameSite=Lax`, so it comes back with
//! the provider's redirect, limited to `/auth/oidc`, ten minutes). Because the session
//! cookie is `SameSite=Strict`, a browser arriving from the provider would not send it
//! on a redirect chain that started there; the callback therefore answers with a small
//! page that moves on to the destination from this site.

use maud::html;
use poem::http::StatusCode;
use poem::web::Data;
use poem::{Request, Response, handler};

use crate::auth::oidc::Refusal;
use crate::auth::oidc::service::{Answer, LOGIN_TTL, finish, start};
use crate::state::AppState;
use crate::web::account::query;
use crate::web::i18n::t;
use crate::web::layout::{Chrome, page, titled};
use crate::web::respond::{html as html_response, see_other};
use crate::web::session::{Guest, cookie, is_tls, safe_next, session_cookie, with_cookie};

/// The cookie that carries a company sign-in's `state`.
pub const STATE_COOKIE: &str = "pulseline_oidc";

fn state_cookie(state: &AppState, req: &Request, value: &str, max_age: i64) -> String {
    let secure = if is_tls(state, req) { "; Secure" } else { "" };
    format!(
        "{STATE_COOKIE}={value}; Path=/auth/oidc; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
    )
}

/// What a refusal says to the person, and its status.
fn explain(lang: crate::org::domain::Language, r: &Refusal) -> (StatusCode, &'static str) {
    match r {
        Refusal::Off => (
            StatusCode::NOT_FOUND,
            t(lang, "Company sign-in is not set up here."),
        ),
        Refusal::State => (
            StatusCode::BAD_REQUEST,
            t(
                lang,
                "This sign-in was not started here, was used already or took too long. Please start again.",
            ),
        ),
        Refusal::Provider(_) => (
            StatusCode::FORBIDDEN,
            t(lang, "The identity provider did not sign you in."),
        ),
        Refusal::Exchange(_) => (
            StatusCode::BAD_REQUEST,
            t(
                lang,
                "The identity provider refused this sign-in (it may have been used already). Please start again.",
            ),
        ),
        Refusal::Token(_) => (
            StatusCode::FORBIDDEN,
            t(
                lang,
                "The identity provider's answer failed our checks, so it was not trusted.",
            ),
        ),
        Refusal::Unavailable => (
            StatusCode::BAD_GATEWAY,
            t(
                lang,
                "The identity provider cannot be reached just now. Please try again later.",
            ),
        ),
        Refusal::Unverified => (
            StatusCode::FORBIDDEN,
            t(
                lang,
                "Your identity provider does not confirm your e-mail address.",
            ),
        ),
        Refusal::Domain => (
            StatusCode::FORBIDDEN,
            t(lang, "Accounts of your e-mail domain cannot sign in here."),
        ),
        Refusal::Unknown => (
            StatusCode::FORBIDDEN,
            t(
                lang,
                "There is no account here for your e-mail address. Ask HR to add you.",
            ),
        ),
        Refusal::Deactivated => (
            StatusCode::FORBIDDEN,
            t(
                lang,
                "Your account here is deactivated. Ask HR if this is a mistake.",
            ),
        ),
    }
}

fn refused(c: &Chrome, r: &Refusal) -> Response {
    let lang = c.lang;
    let (status, text) = explain(lang, r);
    tracing::info!(reason = %r.code(), "a company sign-in was refused");
    let title = t(lang, "You are not signed in");
    html_response(
        status,
        titled(
            c,
            title,
            html! {
                p role="alert" data-reason=(r.code()) { (text) }
                p { a href="/signin" { (t(lang, "Back to sign-in")) } }
            },
        ),
    )
}

/// `GET /auth/oidc/start?next=…`: to the provider.
#[handler]
pub async fn begin(req: &Request, Data(state): Data<&AppState>) -> Response {
    let guest = Guest::new(state, req);
    let next = safe_next(query(req).get("next"));
    match start(state, &next).await {
        Ok(s) => {
            let c = state_cookie(state, req, &s.state, LOGIN_TTL.num_seconds());
            guest.finish(with_cookie(see_other(&s.url), &c))
        }
        Err(r) => guest.finish(refused(&guest.chrome(), &r)),
    }
}

/// `GET /auth/oidc/callback`: the provider's answer.
#[handler]
pub async fn callback(req: &Request, Data(state): Data<&AppState>) -> Response {
    let guest = Guest::new(state, req);
    let q = query(req);
    let answer = Answer {
        cookie_state: cookie(req, STATE_COOKIE),
        state: q.get("state"),
        code: q.get("code"),
        error: q.get("error"),
    };
    let outcome = finish(state, answer).await;
    let clear = state_cookie(state, req, "", 0);
    let resp = match outcome {
        Ok(done) => {
            let lang = guest.lang;
            let next = safe_next(Some(&done.next));
            let title = t(lang, "Signed in");
            let view = page(
                &guest.chrome(),
                title,
                html! {
                    meta http-equiv="refresh" content={ "0;url=" (next) };
                    h1 { (title) }
                    p { a href=(next) { (t(lang, "Continue")) } }
                },
            );
            let resp = html_response(StatusCode::OK, view);
            with_cookie(resp, &session_cookie(state, req, &done.token))
        }
        Err(r) => refused(&guest.chrome(), &r),
    };
    guest.finish(with_cookie(resp, &clear))
}
