//! The page of a personal answer link, `/p/{token}`: the pulse form without signing
//! in, in the person's language. The token in the path is the only key; the form also
//! carries the pre-session CSRF token of every guest form. Answers go through the same
//! checks and the same anonymous writer as the API
//! ([`crate::notify::service::link_answer`]).

use maud::html;
use poem::http::StatusCode;
use poem::web::{Data, Path};
use poem::{Body, Request, Response, handler};

use crate::error::ApiError;
use crate::notify::service::{link_answer, link_pulse_and_language};
use crate::org::domain::Language;
use crate::state::AppState;
use crate::web::account::status_of;
use crate::web::conversations::code_page;
use crate::web::i18n::t;
use crate::web::layout::{Chrome, Errors, page};
use crate::web::pulses::{answers_from_form, pulse_form};
use crate::web::respond::{Form, error_page, html as html_response};
use crate::web::session::{Guest, guest_form};

/// A short page with one notice: answered, thank you; or closed.
fn notice(c: &Chrome, text: &str) -> Response {
    html_response(
        StatusCode::OK,
        page(
            c,
            t(c.lang, "My pulses"),
            html! { p.notice role="status" { (text) } },
        ),
    )
}

fn refused(c: &Chrome, e: &ApiError) -> Response {
    match e {
        ApiError::Conflict(_) => notice(c, t(c.lang, "You have answered this pulse — thank you.")),
        ApiError::Gone(_) => notice(
            c,
            t(
                c.lang,
                "This pulse has closed: answers are no longer taken.",
            ),
        ),
        other => error_page(c, other),
    }
}

#[handler]
pub async fn show(
    req: &Request,
    Data(state): Data<&AppState>,
    Path(token): Path<String>,
) -> Response {
    let mut guest = Guest::new(state, req);
    let resp = match link_pulse_and_language(state, &token).await {
        Ok((p, lang)) => {
            guest.lang = Language::from_db(&lang);
            let c = guest.chrome();
            let action = format!("/p/{token}");
            html_response(
                StatusCode::OK,
                pulse_form(&c, &p, &action, &Form(vec![]), &Errors::default()),
            )
        }
        Err(e) => refused(&guest.chrome(), &e),
    };
    guest.finish(resp)
}

#[handler]
pub async fn answer(
    req: &Request,
    Data(state): Data<&AppState>,
    Path(token): Path<String>,
    body: Body,
) -> Response {
    let (mut guest, form) = match guest_form(state, req, body).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let pulse = match link_pulse_and_language(state, &token).await {
        Ok((p, lang)) => {
            guest.lang = Language::from_db(&lang);
            p
        }
        Err(e) => return guest.finish(refused(&guest.chrome(), &e)),
    };
    let c = guest.chrome();
    let action = format!("/p/{token}");
    let outcome = match answers_from_form(&pulse.questions, &form) {
        Ok(given) => link_answer(state, &token, given, form.get("allow_replies").is_some()).await,
        Err(e) => Err(e),
    };
    let resp = match outcome {
        Ok(None) => notice(&c, t(c.lang, "Thank you, your answers were recorded.")),
        Ok(Some(code)) => html_response(StatusCode::OK, code_page(&c, &code, &guest.csrf)),
        Err(e @ (ApiError::Validation { .. } | ApiError::ValidationMany(_))) => html_response(
            status_of(&e),
            pulse_form(&c, &pulse, &action, &form, &Errors::from_api(c.lang, &e)),
        ),
        Err(e) => refused(&c, &e),
    };
    guest.finish(resp)
}
