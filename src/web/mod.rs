//! The web app: server-rendered pages for employees, managers, HR and admins, served at
//! `/` by the same binary as the API. Pages call the capabilities' services, the same
//! functions as the API handlers (never the API over HTTP, never `db::schema`), so the
//! rules — access, validation, anonymity — are the API's own. Only `startup` mounts them
//! ([`mount`], [`WithIndex`]).
//!
//! Sessions are an HttpOnly, SameSite=Strict cookie holding the API's own access token
//! (`Secure` over TLS or when configured). Every state-changing form carries a CSRF
//! token bound to the session token's `jti` (or, before sign-in, to a random pre-session
//! cookie) and is refused without it. Signing out revokes the token server-side through
//! the same denylist as `POST /api/v1/auth/logout`.
//!
//! The pages: [`account`] (sign-in, activation, password, language), [`sso`] (company
//! sign-in), [`pulses`]
//! (answering), [`suggestions`], [`reports`] (with [`impact`], a team's driver impact),
//! [`surveys`], [`survey_form`], [`survey_questions`] and [`rounds`] (HR survey list, form, the form's question list, and the round confirmations), [`people`] (people and teams), [`imports`] (people and CX CSV) and
//! [`linkage`], [`actions`] (action plans), [`scim`] (provisioning tokens and the
//! mass-change guard), [`webhooks`] and [`outbox`] (e-mail delivery, with sending again). What they share: [`session`] (cookie, CSRF, renewal), [`signed`] (a
//! signed-in page's state, session and form, taken before the handler runs), [`respond`] (how a
//! page answers), [`layout`] (frame and form fields), [`i18n`] (English and Russian texts)
//! and [`charts`] (SVG charts).

/// The value of a `Result<T, Response>`, or that response as the page's answer.
macro_rules! or_respond {
    ($e:expr) => {
        match $e {
            Ok(x) => x,
            Err(r) => return r,
        }
    };
}

/// The value of a `Result<T, ApiError>`, or the error as a whole page.
macro_rules! or_page {
    ($chrome:expr, $e:expr) => {
        match $e {
            Ok(x) => x,
            Err(e) => return $crate::web::respond::error_page($chrome, &e),
        }
    };
}

pub mod account;
pub mod action_effect;
pub mod actions;
pub mod audit;
pub mod charts;
pub mod conversations;
pub mod erasure;
pub mod heatmap;
pub mod home;
pub mod i18n;
pub mod impact;
pub mod imports;
pub mod kiosk;
pub mod layout;
pub mod linkage;
pub mod links;
pub mod once;
pub mod outbox;
pub mod people;
pub mod person;
pub mod pulses;
pub mod report_details;
pub mod reports;
pub mod respond;
pub mod retention;
pub mod rounds;
pub mod scim;
pub mod session;
pub mod signed;
pub mod sso;
pub mod suggestions;
pub mod survey_form;
pub mod survey_questions;
pub mod surveys;
pub mod teams;
pub mod webhooks;

use poem::http::header;
use poem::{Endpoint, EndpointExt, IntoResponse, Response, Route, get, handler};

/// The site icon: a pulse line on the brand colour.
const ICON: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#0b5cad"/><path d="M4 17h6l3-7 5 13 3-6h7" fill="none" stroke="#fff" stroke-width="2.5" stroke-linecap="round" stroke-linejoin="round"/></svg>"##;

const STYLE: &str = include_str!("style.css");
const SCRIPT: &str = include_str!("app.js");

/// Adds the pages to `route` (which keeps the API nested at `/`: these exact paths are
/// matched before it).
pub fn mount(route: Route) -> Route {
    route
        .at(
            "/signin",
            secured(get(account::signin_page).post(account::signin)),
        )
        .at(
            "/activate",
            secured(get(account::activate_page).post(account::activate)),
        )
        .at("/signout", secured(poem::post(account::signout)))
        .at("/auth/oidc/start", secured(get(sso::begin)))
        .at("/auth/oidc/callback", secured(get(sso::callback)))
        .at(
            "/password",
            secured(get(account::password_page).post(account::password)),
        )
        .at("/language", secured(poem::post(account::language)))
        .at("/pulses", secured(get(pulses::list)))
        .at("/p/:token", secured(get(links::show).post(links::answer)))
        .at("/k", secured(get(kiosk::show).post(kiosk::submit)))
        .at(
            "/rounds/:id/kiosk",
            secured(get(kiosk::teams).post(kiosk::print_sheet)),
        )
        .at(
            "/pulses/:round",
            secured(get(pulses::show).post(pulses::answer)),
        )
        .at("/suggestions", secured(get(suggestions::list)))
        .at(
            "/suggestions/new",
            secured(get(suggestions::new_page).post(suggestions::create)),
        )
        .at("/suggestions/sent", secured(get(suggestions::sent)))
        .at(
            "/suggestions/followup",
            secured(poem::post(suggestions::follow)),
        )
        .at("/suggestions/:id", secured(get(suggestions::detail)))
        .at(
            "/suggestions/:id/vote",
            secured(poem::post(suggestions::vote)),
        )
        .at(
            "/suggestions/:id/reply",
            secured(poem::post(suggestions::reply)),
        )
        .at(
            "/conversations",
            secured(get(conversations::codes_page).post(conversations::codes_post)),
        )
        .at(
            "/comment-threads/:id",
            secured(get(conversations::thread_page).post(conversations::thread_post)),
        )
        .at("/actions", secured(get(actions::list)))
        .at(
            "/actions/new",
            secured(get(actions::new_page).post(actions::create)),
        )
        .at("/actions/:id", secured(get(actions::detail)))
        .at("/actions/:id/updates", secured(poem::post(actions::update)))
        .at("/actions/:id/edit", secured(poem::post(actions::edit)))
        .at("/reports", secured(get(reports::index)))
        .at("/reports/insights", secured(get(reports::insights)))
        .at("/admin/audit", secured(get(audit::audit)))
        .at("/admin/audit.csv", secured(get(audit::audit_csv)))
        .at(
            "/admin/retention",
            secured(get(retention::show).post(retention::save)),
        )
        .at("/admin/scim", secured(get(scim::show)))
        .at("/admin/webhooks", secured(get(webhooks::show)))
        .at("/admin/outbox", secured(get(outbox::show)))
        .at(
            "/admin/outbox/:id/retry",
            secured(poem::post(outbox::retry)),
        )
        .at("/admin/scim/tokens", secured(poem::post(scim::create)))
        .at(
            "/admin/scim/tokens/:id/revoke",
            secured(poem::post(scim::revoke)),
        )
        .at("/admin/scim/confirm", secured(poem::post(scim::confirm)))
        .at("/reports/:id", secured(get(reports::report)))
        .at(
            "/reports/:id/report.csv",
            secured(get(report_details::report_csv)),
        )
        .at("/hr/surveys", secured(get(surveys::surveys)))
        .at(
            "/hr/surveys/new",
            secured(get(survey_form::new_page).post(survey_form::create)),
        )
        .at("/hr/surveys/:id", secured(get(surveys::survey)))
        .at("/hr/surveys/:id/preview", secured(get(surveys::preview)))
        .at(
            "/hr/surveys/:id/edit",
            secured(get(survey_form::edit_page).post(survey_form::edit)),
        )
        .at(
            "/hr/surveys/:id/archive",
            secured(poem::post(surveys::archive)),
        )
        .at(
            "/hr/surveys/:id/open",
            secured(get(rounds::confirm_open).post(surveys::open_round)),
        )
        .at(
            "/hr/rounds/:id/close",
            secured(get(rounds::confirm_close).post(surveys::close_round)),
        )
        .at("/hr/linkage", secured(get(linkage::show)))
        .at("/hr/people", secured(get(imports::people)))
        .at(
            "/hr/people/import",
            secured(poem::post(imports::import_people)),
        )
        .at(
            "/hr/people/new",
            secured(get(person::new_page).post(person::create)),
        )
        .at(
            "/hr/people/:id",
            secured(get(person::show).post(person::edit)),
        )
        .at(
            "/hr/people/:id/activation",
            secured(poem::post(person::reissue)),
        )
        .at(
            "/hr/people/:id/deactivate",
            secured(poem::post(person::deactivate)),
        )
        .at(
            "/hr/teams",
            secured(get(people::teams_page).post(people::create)),
        )
        .at(
            "/hr/teams/:id",
            secured(get(people::edit_page).post(people::edit)),
        )
        .at(
            "/account/reminders",
            secured(poem::post(account::reminders)),
        )
        .at(
            "/account/time-zone",
            secured(poem::post(account::time_zone)),
        )
        .at(
            "/hr/teams/:id/serves",
            secured(get(teams::serves_page).post(teams::save_serves)),
        )
        .at(
            "/hr/teams/:id/delete",
            secured(get(teams::delete_page).post(teams::delete)),
        )
        .at(
            "/hr/people/:id/erase",
            secured(get(erasure::confirm_page).post(erasure::erase)),
        )
        .at("/hr/cx", secured(get(imports::cx)))
        .at("/hr/cx/import", secured(poem::post(imports::import_cx)))
        .at("/hr/heatmap", secured(get(heatmap::heatmap)))
        .at("/static/style.css", secured(get(style)))
        .at("/static/app.js", secured(get(script)))
        .at("/favicon.svg", secured(get(icon)))
}

/// Sends exactly `/` to the start page and everything else to `inner` (the router's
/// catch-all for the API would otherwise take `/`).
pub struct WithIndex<E> {
    index: poem::endpoint::BoxEndpoint<'static, Response>,
    inner: E,
}

impl<E: Endpoint> WithIndex<E> {
    pub fn new(inner: E) -> Self {
        WithIndex {
            index: secured(get(home::index)).map_to_response().boxed(),
            inner,
        }
    }
}

impl<E: Endpoint> Endpoint for WithIndex<E> {
    type Output = Response;

    async fn call(&self, req: poem::Request) -> poem::Result<Response> {
        if req.uri().path() == "/" {
            self.index.call(req).await
        } else {
            self.inner.call(req).await.map(IntoResponse::into_response)
        }
    }
}

/// A page endpoint with the headers every page carries: a strict content security
/// policy, no framing, no referrer (activation links carry a code), and no caching of
/// anything personal; and the renewed session cookie when the page renewed the session.
fn secured(ep: impl Endpoint + 'static) -> impl Endpoint + 'static {
    ep.around(|ep, mut req| async move {
        let renewal = session::Renewal::default();
        req.extensions_mut().insert(renewal.clone());
        let mut resp = match ep.call(req).await {
            Ok(resp) => resp.into_response(),
            // A refusal a page's extractor answered with (sign-in, 403, expired form).
            Err(e) if e.data::<signed::Answered>().is_some() => e.into_response(),
            Err(e) => {
                let status = e.status();
                tracing::warn!(error = %e, "page request failed");
                Response::builder()
                    .status(status)
                    .content_type("text/plain; charset=utf-8")
                    .body(status.canonical_reason().unwrap_or("error"))
            }
        };
        // Whatever the answer, a renewed session token reaches the browser: the old
        // one is already revoked.
        resp = renewal.apply(resp);
        let h = resp.headers_mut();
        for (name, value) in [
            (
                "content-security-policy",
                "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; \
                 form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
            ),
            ("x-content-type-options", "nosniff"),
            ("referrer-policy", "no-referrer"),
            ("x-frame-options", "DENY"),
        ] {
            h.insert(name, poem::http::HeaderValue::from_static(value));
        }
        if !h.contains_key(header::CACHE_CONTROL) {
            h.insert(
                header::CACHE_CONTROL,
                poem::http::HeaderValue::from_static("no-store"),
            );
        }
        Ok::<Response, poem::Error>(resp)
    })
}

#[handler]
fn style() -> Response {
    asset(STYLE, "text/css; charset=utf-8")
}

#[handler]
fn icon() -> Response {
    asset(ICON, "image/svg+xml")
}

#[handler]
fn script() -> Response {
    asset(SCRIPT, "text/javascript; charset=utf-8")
}

fn asset(body: &'static str, content_type: &'static str) -> Response {
    Response::builder()
        .content_type(content_type)
        .header(header::CACHE_CONTROL, "public, max-age=3600")
        .body(body)
}
