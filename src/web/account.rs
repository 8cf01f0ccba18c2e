//! Everyone's pages: sign in, activate an account from its link, change password, the
//! reminder and time zone settings, sign out, and switch language. Each calls the same function as its API operation.

use maud::html;
use poem::http::StatusCode;
use poem::web::Data;
use poem::{Body, Request, Response, handler};

use crate::auth::oidc::config::PasswordLogin;
use crate::auth::service::{
    activate as activate_account, change_password, revoke, set_reminders, set_time_zone, sign_in,
};
use crate::auth::types::{Me, ReminderChoice, TimeZoneChoice};
use crate::error::ApiError;
use crate::http::client_addr;
use crate::org::domain::Language;
use crate::state::AppState;
use crate::web::i18n::{msg, t, tf};
use crate::web::layout::{Chrome, Errors, Field, csrf_field, page};
use crate::web::respond::{Form, error_page, html as html_response, see_other};
use crate::web::session::{
    Guest, LANG_COOKIE, SESSION_COOKIE, clear_session_cookie, cookie, guest_form, safe_next,
    session, session_cookie, session_form, set_cookie, urlencode, with_cookie,
};
use crate::web::signed::{Posted, Signed};

/// `/`: a person's start page is their pulses; anyone else signs in.
pub fn query(req: &Request) -> Form {
    Form(
        req.uri()
            .query()
            .and_then(|q| serde_urlencoded::from_str(q).ok())
            .unwrap_or_default(),
    )
}

/// How the sign-in page offers to sign in: the company's provider (its name) first
/// when configured, and the password form unless it is off.
pub struct Ways<'a> {
    pub company: Option<&'a str>,
    pub password: PasswordLogin,
}

impl<'a> Ways<'a> {
    pub fn of(state: &'a AppState) -> Ways<'a> {
        let o = &state.config.oidc;
        Ways {
            company: state.oidc.as_ref().map(|_| o.oidc_name.as_str()),
            password: o.password_login,
        }
    }
}

fn signin_view(
    c: &Chrome,
    ways: &Ways,
    email: &str,
    next: &str,
    notice: Option<&str>,
    errors: &Errors,
) -> maud::Markup {
    let lang = c.lang;
    let start = format!("/auth/oidc/start?next={}", urlencode(next));
    page(
        c,
        t(lang, "Sign in"),
        html! {
            h1 { (t(lang, "Sign in")) }
            @if let Some(n) = notice { p.notice role="status" { (n) } }
            @if let Some(name) = ways.company {
                p { a.button.primary href=(start) {
                    (tf(lang, "Sign in with {name}", &[("name", name)]))
                } }
            }
            @if ways.password == PasswordLogin::Admins {
                p.hint { (t(lang, "Only administrators sign in with a password here.")) }
            }
            (errors.summary(lang, &["email", "password"]))
            @if ways.password != PasswordLogin::Off {
            form method="post" action="/signin" novalidate {
                (csrf_field(c))
                input type="hidden" name="next" value=(next);
                (Field::new("email", t(lang, "E-mail or employee number")).value(email)
                    .autocomplete("username").required().maxlength(254).render(errors))
                (Field::new("password", t(lang, "Password")).kind("password")
                    .autocomplete("current-password").required().render(errors))
                button.primary[ways.company.is_none()] type="submit" { (t(lang, "Sign in")) }
            }
            }
        },
    )
}

#[handler]
pub async fn signin_page(req: &Request, Data(state): Data<&AppState>) -> Response {
    let q = query(req);
    let next = safe_next(q.get("next"));
    if cookie(req, SESSION_COOKIE).is_some() && session(state, req).await.is_ok() {
        return see_other(&next);
    }
    let guest = Guest::new(state, req);
    let lang = guest.lang;
    let notice = if q.get("bye").is_some() {
        Some(t(lang, "You are signed out."))
    } else if q.get("changed").is_some() {
        Some(t(
            lang,
            "Your password was changed. Please sign in with the new one.",
        ))
    } else {
        None
    };
    let view = signin_view(
        &guest.chrome(),
        &Ways::of(state),
        "",
        &next,
        notice,
        &Errors::default(),
    );
    guest.finish(html_response(StatusCode::OK, view))
}

#[handler]
pub async fn signin(req: &Request, Data(state): Data<&AppState>, body: Body) -> Response {
    let (guest, form) = or_respond!(guest_form(state, req, body).await);
    let c = guest.chrome();
    let (email, next) = (form.text("email"), safe_next(form.get("next")));
    match sign_in(state, email, form.text("password"), &client_addr(req)).await {
        Ok(token) => with_cookie(see_other(&next), &session_cookie(state, req, &token)),
        Err(e) => {
            let lang = c.lang;
            let (status, errors) = match &e {
                ApiError::Unauthorized => (
                    StatusCode::UNAUTHORIZED,
                    Errors::general(t(lang, "The e-mail or the password is wrong.")),
                ),
                ApiError::TooManyRequests { retry_after_secs } => (
                    StatusCode::TOO_MANY_REQUESTS,
                    Errors::general(tf(
                        lang,
                        "Too many attempts. Try again in {s} seconds.",
                        &[("s", &retry_after_secs.to_string())],
                    )),
                ),
                ApiError::PasswordLoginOff => (
                    StatusCode::FORBIDDEN,
                    Errors::general(t(
                        lang,
                        "Password sign-in is off here. Sign in with your company account.",
                    )),
                ),
                other => (status_of(other), Errors::from_api(c.lang, other)),
            };
            guest.finish(html_response(
                status,
                signin_view(&c, &Ways::of(state), email, &next, None, &errors),
            ))
        }
    }
}

/// The status an error answers with.
pub fn status_of(e: &ApiError) -> StatusCode {
    StatusCode::from_u16(e.problem().status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

fn activate_view(c: &Chrome, token: &str, errors: &Errors) -> maud::Markup {
    let lang = c.lang;
    page(
        c,
        t(lang, "Activate your account"),
        html! {
            h1 { (t(lang, "Activate your account")) }
            (errors.summary(lang, &["token", "password"]))
            form method="post" action="/activate" novalidate {
                (csrf_field(c))
                (Field::new("token", t(lang, "Activation code")).value(token)
                    .autocomplete("off").required().maxlength(256).render(errors))
                (Field::new("password", t(lang, "New password")).kind("password")
                    .hint(t(lang, "At least 12 characters.")).autocomplete("new-password")
                    .required().maxlength(128).render(errors))
                button.primary type="submit" { (t(lang, "Activate")) }
            }
        },
    )
}

#[handler]
pub async fn activate_page(req: &Request, Data(state): Data<&AppState>) -> Response {
    let guest = Guest::new(state, req);
    let q = query(req);
    let view = activate_view(&guest.chrome(), q.text("token"), &Errors::default());
    guest.finish(html_response(StatusCode::OK, view))
}

#[handler]
pub async fn activate(req: &Request, Data(state): Data<&AppState>, body: Body) -> Response {
    let (guest, form) = or_respond!(guest_form(state, req, body).await);
    let c = guest.chrome();
    let token = form.text("token");
    match activate_account(state, token, form.text("password")).await {
        Ok(access) => with_cookie(see_other("/pulses"), &session_cookie(state, req, &access)),
        Err(e) => {
            let errors = match &e {
                ApiError::NotFound(_) => Errors {
                    fields: vec![(
                        "token".into(),
                        t(c.lang, "This activation code is unknown or already used.").into(),
                    )],
                    general: None,
                },
                ApiError::Gone(m) => Errors {
                    fields: vec![("token".into(), msg(c.lang, m))],
                    general: None,
                },
                other => Errors::from_api(c.lang, other),
            };
            guest.finish(html_response(
                status_of(&e),
                activate_view(&c, token, &errors),
            ))
        }
    }
}

#[handler]
pub async fn signout(req: &Request, Posted(state, s, _, _): Posted<'_>) -> Response {
    if let Err(e) = revoke(state, &s.principal).await {
        return error_page(&s.chrome(), &e);
    }
    with_cookie(
        see_other("/signin?bye=1"),
        &clear_session_cookie(state, req),
    )
}

/// The time zones a person may pick, by IANA name.
fn zone_names() -> impl Iterator<Item = &'static str> {
    chrono_tz::TZ_VARIANTS.iter().map(|z| z.name())
}

fn password_view(c: &Chrome, errors: &Errors, me: &Me, org_zone: &str) -> maud::Markup {
    let lang = c.lang;
    let reminders_on = me.reminders;
    let own = me.time_zone.as_deref().unwrap_or("");
    page(
        c,
        t(lang, "Settings"),
        html! {
            h1 { (t(lang, "Settings")) }
            h2 id="password" { (t(lang, "Change password")) }
            p { (t(lang, "After the change you will sign in again on every device.")) }
            (errors.summary(lang, &["current_password", "new_password"]))
            form method="post" action="/password" novalidate {
                (csrf_field(c))
                (Field::new("current_password", t(lang, "Current password")).kind("password")
                    .autocomplete("current-password").required().render(errors))
                (Field::new("new_password", t(lang, "New password")).kind("password")
                    .hint(t(lang, "At least 12 characters.")).autocomplete("new-password")
                    .required().maxlength(128).render(errors))
                button.primary type="submit" { (t(lang, "Change password")) }
            }
            h2 #reminders { (t(lang, "Reminders")) }
            form method="post" action="/account/reminders" {
                (csrf_field(c))
                div.field {
                    input id="f-reminders" type="checkbox" name="reminders" value="1" checked[reminders_on];
                    " " label for="f-reminders" { (t(lang, "Remind me by e-mail of pulses I have not answered")) }
                }
                p.hint { (t(lang, "Invitations to answer a pulse always come.")) }
                button type="submit" { (t(lang, "Save")) }
            }
            h2 id="time-zone" { (t(lang, "Time zone")) }
            form method="post" action="/account/time-zone" {
                (csrf_field(c))
                div.field {
                    label for="f-time_zone" { (t(lang, "Show times in")) }
                    select id="f-time_zone" name="time_zone" aria-describedby="f-time_zone-hint" {
                        option value="" selected[own.is_empty()] { (tf(lang, "The organisation's ({zone})", &[("zone", org_zone)])) }
                        @for z in zone_names() {
                            option value=(z) selected[own == z] { (z) }
                        }
                    }
                    p.hint id="f-time_zone-hint" { (tf(lang, "Now: {time}.", &[("time", &c.when(crate::clock::now()))])) }
                }
                button type="submit" { (t(lang, "Save")) }
            }
        },
    )
}

#[handler]
pub async fn password_page(Signed(state, s, _): Signed<'_>) -> Response {
    html_response(
        StatusCode::OK,
        password_view(
            &s.chrome(),
            &Errors::default(),
            &s.me,
            &state.config.time_zone,
        ),
    )
}

#[handler]
pub async fn password(req: &Request, Posted(state, s, form, _): Posted<'_>) -> Response {
    match change_password(
        state,
        &s.principal.id,
        form.text("current_password"),
        form.text("new_password"),
    )
    .await
    {
        Ok(()) => with_cookie(
            see_other("/signin?changed=1"),
            &clear_session_cookie(state, req),
        ),
        Err(e) => html_response(
            status_of(&e),
            password_view(
                &s.chrome(),
                &Errors::from_api(s.lang, &e),
                &s.me,
                &state.config.time_zone,
            ),
        ),
    }
}

/// Turns one's own pulse reminders on or off (the box ticked or not), then back to the
/// account page.
#[handler]
pub async fn reminders(Posted(state, s, form, _): Posted<'_>) -> Response {
    let choice = ReminderChoice {
        enabled: form.get("reminders").is_some(),
    };
    match set_reminders(state, &s.principal.id, choice).await {
        Ok(_) => see_other("/password#reminders"),
        Err(e) => error_page(&s.chrome(), &e),
    }
}

/// Sets or clears one's own time zone (the API's own function), then back to the
/// account page.
#[handler]
pub async fn time_zone(Posted(state, s, form, _): Posted<'_>) -> Response {
    let choice = TimeZoneChoice {
        time_zone: Some(form.text("time_zone").to_owned()),
    };
    match set_time_zone(state, &s.principal.id, choice).await {
        Ok(_) => see_other("/password#time-zone"),
        Err(e) => error_page(&s.chrome(), &e),
    }
}

/// Switches the page language: the person's own setting when signed in (the same one
/// that picks the language of their questions), a cookie otherwise.
#[handler]
pub async fn language(req: &Request, Data(state): Data<&AppState>, body: Body) -> Response {
    let signed_in = cookie(req, SESSION_COOKIE).is_some() && session(state, req).await.is_ok();
    let (form, person) = if signed_in {
        match session_form(state, req, body).await {
            Ok((s, f)) => (f, Some(s.principal.id)),
            Err(r) => return r,
        }
    } else {
        match guest_form(state, req, body).await {
            Ok((_, f)) => (f, None),
            Err(r) => return r,
        }
    };
    let lang = Language::from_db(form.text("lang"));
    if let Some(id) = person
        && let Err(e) = state
            .db
            .write(move |conn| crate::org::store::set_language(conn, &id, lang))
            .await
    {
        let guest = Guest::new(state, req);
        return error_page(&guest.chrome(), &e);
    }
    with_cookie(
        see_other(&safe_next(form.get("next"))),
        &set_cookie(state, req, LANG_COOKIE, lang.as_str(), 365 * 86_400),
    )
}
