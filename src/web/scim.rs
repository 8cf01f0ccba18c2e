//! The provisioning page (admins, `/admin/scim`): the SCIM endpoint's address, the
//! provisioning tokens (created here and shown once, listed with their last use,
//! revoked), and the mass-change guard — how many people SCIM deactivated in the last
//! hour, the deactivations it holds, and the button that confirms them. Every action is
//! the admin API's own function (`scim::tokens`, `scim::guard`), which checks the role
//! again.

use maud::{Markup, html};
use poem::http::StatusCode;
use poem::web::Path;
use poem::{Request, Response, handler};

use crate::scim::guard::{self, GuardState};
use crate::scim::tokens::{self, CreateScimToken, ScimToken};
use crate::state::AppState;
use crate::web::account::status_of;
use crate::web::i18n::{t, tf};
use crate::web::layout::{Chrome, Errors, Field, csrf_field, page};
use crate::web::respond::{html as html_response, see_other};
use crate::web::session::Session;
use crate::web::signed::{Hr, Posted, Signed};

/// What a page shows once: a new token's secret, or how many held deactivations an
/// admin's confirmation applied.
#[derive(Default)]
struct Once {
    secret: Option<String>,
    confirmed: bool,
}

fn view(
    c: &Chrome,
    base: &str,
    list: &[ScimToken],
    g: &GuardState,
    once: &Once,
    errors: &Errors,
) -> Markup {
    let lang = c.lang;
    let share = format!("{:.0}", g.max_share * 100.0);
    let done = g.deactivated_last_hour.to_string();
    let active = g.active_people.to_string();
    page(
        c,
        t(lang, "Provisioning (SCIM)"),
        html! {
            h1 { (t(lang, "Provisioning (SCIM)")) }
            (errors.summary(lang, &["name"]))
            p { (t(lang, "Your identity provider creates, updates and deactivates people and teams through SCIM 2.0 at this address, with a token made here:")) }
            p { code { (base) } }
            @if let Some(secret) = &once.secret {
                div.notice role="status" {
                    p { (t(lang, "The new token (copy it now: it is not shown again):")) }
                    p { code #scim-secret { (secret) } }
                }
            }
            @if once.confirmed {
                p.notice role="status" { (t(lang, "Confirmed: the held deactivations were applied, and SCIM may deactivate freely for an hour.")) }
            }
            h2 { (t(lang, "Tokens")) }
            @if list.is_empty() {
                p { (t(lang, "No tokens yet.")) }
            } @else {
                div.table-wrap tabindex="0" { table {
                    thead { tr {
                        th { (t(lang, "Name")) }
                        th { (t(lang, "Created")) }
                        th { (t(lang, "Last used")) }
                        th { (t(lang, "Status")) }
                        th {}
                    } }
                    tbody { @for k in list { tr {
                        td { (k.name) }
                        td { (c.when(k.created_at)) }
                        td { (k.last_used_at.map(|at| c.when(at)).unwrap_or_else(|| t(lang, "never").to_owned())) }
                        td { @match k.revoked_at {
                            Some(at) => { (tf(lang, "revoked {date}", &[("date", &c.when(at))])) }
                            None => { (t(lang, "active")) }
                        } }
                        td { @if k.revoked_at.is_none() {
                            form.inline method="post" action={ "/admin/scim/tokens/" (k.id) "/revoke" } {
                                (csrf_field(c))
                                button type="submit" { (t(lang, "Revoke")) }
                            }
                        } }
                    } } }
                } }
            }
            form method="post" action="/admin/scim/tokens" novalidate {
                (csrf_field(c))
                (Field::new("name", t(lang, "Name of a new token")).hint(t(lang, "For example the identity provider's name.")).maxlength(100).render(errors))
                button.primary type="submit" { (t(lang, "Create a token")) }
            }
            h2 { (t(lang, "Mass-change guard")) }
            p { (tf(lang, "SCIM may deactivate at most {share}% of the active people within an hour; beyond that, deactivations wait here for an admin.", &[("share", &share)])) }
            p { (tf(lang, "Deactivated through SCIM in the last hour: {done}. Active people: {active}.", &[("done", &done), ("active", &active)])) }
            @if let Some(until) = g.released_until {
                p { (tf(lang, "Confirmed: SCIM may deactivate freely until {date}.", &[("date", &c.when(until))])) }
            }
            @if g.held.is_empty() {
                p { (t(lang, "No deactivation is held.")) }
            } @else {
                div.table-wrap tabindex="0" { table #scim-held {
                    thead { tr {
                        th { (t(lang, "Person")) }
                        th { (t(lang, "Asked")) }
                        th { (t(lang, "Requested")) }
                    } }
                    tbody { @for h in &g.held { tr {
                        td { (h.email) }
                        td { (if h.delete { t(lang, "delete") } else { t(lang, "deactivate") }) }
                        td { (c.when(h.requested_at)) }
                    } } }
                } }
                form method="post" action="/admin/scim/confirm" {
                    (csrf_field(c))
                    button.primary type="submit" { (t(lang, "Confirm the held deactivations")) }
                }
            }
        },
    )
}

fn base(state: &AppState) -> String {
    let root = state
        .config
        .public_url()
        .unwrap_or_else(|| format!("http://{}", state.config.bind));
    format!("{root}/scim/v2")
}

async fn render(
    state: &AppState,
    s: &Session,
    once: &Once,
    errors: &Errors,
    status: StatusCode,
) -> Response {
    let c = s.chrome();
    let list = or_page!(&c, tokens::list(state, &s.principal).await);
    let g = or_page!(&c, guard::state_of(state, &s.principal).await);
    html_response(status, view(&c, &base(state), &list, &g, once, errors))
}

#[handler]
pub async fn show(req: &Request, Signed(state, s, _): Signed<'_, Hr>) -> Response {
    let confirmed = req.uri().query().is_some_and(|q| q.contains("confirmed=1"));
    let once = Once {
        confirmed,
        ..Once::default()
    };
    render(state, &s, &once, &Errors::default(), StatusCode::OK).await
}

/// Creates a token and shows its secret on the page it answers with (never in a URL).
#[handler]
pub async fn create(Posted(state, s, form, _): Posted<'_, Hr>) -> Response {
    let name = form.get("name").unwrap_or("").to_owned();
    match tokens::create(state, &s.principal, CreateScimToken { name }).await {
        Ok(created) => {
            let once = Once {
                secret: Some(created.secret),
                ..Once::default()
            };
            render(state, &s, &once, &Errors::default(), StatusCode::OK).await
        }
        Err(e) => {
            let errors = Errors::from_api(s.chrome().lang, &e);
            render(state, &s, &Once::default(), &errors, status_of(&e)).await
        }
    }
}

#[handler]
pub async fn revoke(Path(id): Path<String>, Posted(state, s, _, _): Posted<'_, Hr>) -> Response {
    let c = s.chrome();
    or_page!(&c, tokens::revoke(state, &s.principal, id).await);
    see_other("/admin/scim")
}

#[handler]
pub async fn confirm(Posted(state, s, _, _): Posted<'_, Hr>) -> Response {
    let c = s.chrome();
    or_page!(&c, guard::confirm_held(state, &s.principal).await);
    see_other("/admin/scim?confirmed=1")
}
