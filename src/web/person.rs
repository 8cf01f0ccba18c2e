//! A person's page for HR: the profile (team, the teams they manage, roles, language,
//! status), an edit form, a new activation link for someone who has not activated yet
//! (shown once; any earlier link stops working) and deactivation behind an explicit
//! confirmation. Each action is the people service's, as in the API, so the same rules
//! and the same audit rows apply.

use maud::{Markup, html};
use poem::http::StatusCode;
use poem::web::Path;
use poem::{Request, Response, handler};
use poem_openapi::types::MaybeUndefined;

use crate::error::ApiError;
use crate::notify::service::address_status;
use crate::notify::types::{AddressStatus, OutboxStatus};
use crate::org::domain::{GrantedRole, Language};
use crate::org::service::create_person;
use crate::org::service::{deactivate_person, get_person, reissue_activation, update_person};
use crate::org::types::{CreatePerson, Person, Team, UpdatePerson};
use crate::state::AppState;
use crate::web::account::query;
use crate::web::account::status_of;
use crate::web::i18n::{t, tf};
use crate::web::layout::{Chrome, Errors, Field, csrf_field, page, select_field};
use crate::web::once::{self, Done};
use crate::web::respond::{Form, error_page, html as html_response, see_other};
use crate::web::session::Session;
use crate::web::signed::{Hr, Posted, Signed};
use crate::web::teams::all_teams;

/// The purpose of the "add a person" form's keys ([`once`]).
const PURPOSE_NEW: &str = "person";

fn status(lang: Language, p: &Person) -> &'static str {
    if !p.active {
        t(lang, "Deactivated")
    } else if p.activated {
        t(lang, "Active")
    } else {
        t(lang, "Not activated yet")
    }
}

fn optional(v: &str) -> Option<String> {
    Some(v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// A field of the edit form: unchanged when not sent, removed when sent blank.
fn defined(v: Option<&str>) -> MaybeUndefined<String> {
    match v.map(optional) {
        None => MaybeUndefined::Undefined,
        Some(Some(v)) => MaybeUndefined::Value(v),
        Some(None) => MaybeUndefined::Null,
    }
}

/// The team choices of a person's form: none, then every team.
fn team_options(lang: Language, teams: &[Team]) -> Vec<(String, String)> {
    let mut out = vec![(String::new(), t(lang, "No team").to_owned())];
    out.extend(teams.iter().map(|t| (t.id.clone(), t.name.clone())));
    out
}

fn language_options() -> Vec<(String, String)> {
    vec![
        ("en".to_owned(), "English".to_owned()),
        ("ru".to_owned(), "Русский".to_owned()),
    ]
}

/// What the latest message to the person says of their address.
fn delivery(c: &Chrome, d: Option<&AddressStatus>) -> Markup {
    let lang = c.lang;
    html! {
        @match d {
            None => { (t(lang, "No message yet")) }
            Some(d) => { @match d.status {
                OutboxStatus::Sent => { (tf(lang, "Delivered on {date}", &[("date", &c.when(d.at))])) }
                OutboxStatus::Failed => {
                    strong { (tf(lang, "Could not be delivered ({date})", &[("date", &c.when(d.at))])) }
                    @if let Some(e) = &d.error { br; small { (e) } }
                }
                _ => { (t(lang, "Waiting to be sent")) }
            } }
        }
    }
}

struct View<'a> {
    person: &'a Person,
    /// The outcome of the latest message that goes to everyone alike.
    delivery: Option<&'a AddressStatus>,
    teams: &'a [Team],
    form: &'a Form,
    errors: &'a Errors,
    /// A new activation token to show once, with its expiry when known.
    issued: Option<(&'a str, Option<chrono::NaiveDateTime>)>,
}

fn view(c: &Chrome, v: View) -> Markup {
    let lang = c.lang;
    let p = v.person;
    let fresh = v.form.0.is_empty();
    let pick = |field: &str, current: &str| -> String {
        if fresh {
            current.to_owned()
        } else {
            v.form.text(field).to_owned()
        }
    };
    let team_name = |id: &str| {
        v.teams
            .iter()
            .find(|t| t.id == id)
            .map(|t| t.name.clone())
            .unwrap_or_else(|| "—".to_owned())
    };
    let manages: Vec<&Team> = v
        .teams
        .iter()
        .filter(|t| t.manager_ids.contains(&p.id))
        .collect();
    let (team_options, languages) = (team_options(lang, v.teams), language_options());
    let roles: Vec<&str> = p
        .roles
        .iter()
        .map(|r| match r {
            GrantedRole::Hr => "HR",
            GrantedRole::Admin => t(lang, "Admin"),
        })
        .collect();
    page(
        c,
        &p.name,
        html! {
            p { a href="/hr/people" { "← " (t(lang, "People")) } }
            h1 { (p.name) }
            (v.errors.summary(lang, &["name", "email", "employee_number", "phone", "team_id", "language", "location", "job_family", "confirm"]))
            @if let Some((token, expires)) = v.issued {
                div.notice role="status" {
                    p { (t(lang, "A new activation link; earlier links no longer work. It is shown only once:")) }
                    p { code { "/activate?token=" (token) } }
                    @if let Some(at) = expires { p.meta { (t(lang, "Valid until")) " " (c.when(at)) } }
                }
            }
            div.table-wrap { table #profile {
                caption.visually-hidden { (t(lang, "Profile")) }
                tbody {
                    tr { th scope="row" { (t(lang, "E-mail")) } td { (p.email.as_deref().unwrap_or("—")) } }
                    tr { th scope="row" { (t(lang, "Employee number")) } td { (p.employee_number.as_deref().unwrap_or("—")) } }
                    tr { th scope="row" { (t(lang, "Phone")) } td { (p.phone.as_deref().unwrap_or("—")) } }
                    tr { th scope="row" { (t(lang, "Team")) } td { (p.team_id.as_deref().map(team_name).unwrap_or_else(|| "—".to_owned())) } }
                    tr { th scope="row" { (t(lang, "Manager of")) } td {
                        @if manages.is_empty() { "—" }
                        @for (i, team) in manages.iter().enumerate() {
                            @if i > 0 { ", " }
                            a href={ "/hr/teams/" (team.id) } { (team.name) }
                        }
                    } }
                    tr { th scope="row" { (t(lang, "Role")) } td { @if roles.is_empty() { (t(lang, "Employee")) } @else { (roles.join(", ")) } } }
                    tr { th scope="row" { (t(lang, "Language")) } td { @if p.language == Language::Ru { "Русский" } @else { "English" } } }
                    tr { th scope="row" { (t(lang, "Status")) } td #status { (status(lang, p)) } }
                    tr { th scope="row" { (t(lang, "Messages")) } td id="delivery" { (delivery(c, v.delivery)) } }
                }
            } }
            @if p.active {
                h2 { (t(lang, "Edit")) }
                form method="post" action={ "/hr/people/" (p.id) } novalidate {
                    (csrf_field(c))
                    (Field::new("name", t(lang, "Name")).value(&pick("name", &p.name)).required().maxlength(200).render(v.errors))
                    (Field::new("email", t(lang, "E-mail")).kind("email").value(&pick("email", p.email.as_deref().unwrap_or(""))).maxlength(254).render(v.errors))
                    (Field::new("employee_number", t(lang, "Employee number")).value(&pick("employee_number", p.employee_number.as_deref().unwrap_or(""))).maxlength(64).render(v.errors))
                    (Field::new("phone", t(lang, "Mobile phone")).kind("tel").value(&pick("phone", p.phone.as_deref().unwrap_or(""))).maxlength(32).render(v.errors))
                    (select_field("team_id", t(lang, "Team"), &team_options, &pick("team_id", p.team_id.as_deref().unwrap_or("")), v.errors))
                    (select_field("language", t(lang, "Language"), &languages, &pick("language", p.language.as_str()), v.errors))
                    (Field::new("location", t(lang, "Location")).value(&pick("location", p.location.as_deref().unwrap_or(""))).maxlength(100).render(v.errors))
                    (Field::new("job_family", t(lang, "Job family")).value(&pick("job_family", p.job_family.as_deref().unwrap_or(""))).maxlength(100).render(v.errors))
                    button.primary type="submit" { (t(lang, "Save")) }
                }
                @if !p.activated {
                    h2 { (t(lang, "Activation")) }
                    form method="post" action={ "/hr/people/" (p.id) "/activation" } {
                        (csrf_field(c))
                        button type="submit" { (t(lang, "Send a new activation link")) }
                    }
                }
                h2 { (t(lang, "Deactivate")) }
                p.hint { (t(lang, "A deactivated person can no longer sign in, and stops managing teams. Their anonymous answers stay in the results.")) }
                form method="post" action={ "/hr/people/" (p.id) "/deactivate" } {
                    (csrf_field(c))
                    div.field.check.invalid[v.errors.field("confirm").is_some()] {
                        input id="f-confirm" type="checkbox" name="confirm" value="yes"
                            aria-describedby=[v.errors.field("confirm").map(|_| "f-confirm-err")];
                        label for="f-confirm" { (t(lang, "Yes, deactivate this person")) }
                        @if let Some(m) = v.errors.field("confirm") { p.error #f-confirm-err { (m) } }
                    }
                    button.danger type="submit" { (t(lang, "Deactivate")) }
                }
            }
        },
    )
}

type Loaded = (Person, Vec<Team>, Option<AddressStatus>);

async fn load(state: &AppState, s: &Session, id: &str) -> Result<Loaded, ApiError> {
    let person = get_person(state, &s.principal, id.to_owned()).await?;
    let teams = all_teams(state, &s.principal).await?;
    let delivery = address_status(state, &s.principal, person.id.clone()).await?;
    Ok((person, teams, delivery))
}

/// Renders the page after an action (`form`, `errors`, `issued` as it left them).
async fn respond(
    state: &AppState,
    s: &Session,
    id: &str,
    status: StatusCode,
    form: &Form,
    errors: &Errors,
    issued: Option<(&str, Option<chrono::NaiveDateTime>)>,
) -> Response {
    let c = s.chrome();
    let (person, teams, delivery) = or_page!(&c, load(state, s, id).await);
    html_response(
        status,
        view(
            &c,
            View {
                person: &person,
                delivery: delivery.as_ref(),
                teams: &teams,
                form,
                errors,
                issued,
            },
        ),
    )
}

/// The page as it first shows, with the activation link `issued` if there is one.
async fn shown(
    state: &AppState,
    s: &Session,
    id: &str,
    issued: Option<(&str, Option<chrono::NaiveDateTime>)>,
) -> Response {
    let empty = Form(vec![]);
    respond(
        state,
        s,
        id,
        StatusCode::OK,
        &empty,
        &Errors::default(),
        issued,
    )
    .await
}

/// The page again after an action refused with `e`: the error beside the `form` it
/// came from, with the error's status.
async fn refused(state: &AppState, s: &Session, id: &str, form: &Form, e: &ApiError) -> Response {
    let errors = Errors::from_api(s.lang, e);
    respond(state, s, id, status_of(e), form, &errors, None).await
}

#[handler]
pub async fn show(
    req: &Request,
    Path(id): Path<String>,
    Signed(state, s, _): Signed<'_, Hr>,
) -> Response {
    // Just created through the form: its activation link, once, to the same sign-in.
    let key = query(req).text(once::KEY_FIELD).to_owned();
    let created = once::done(PURPOSE_NEW, &s.principal.sid, &key).and_then(|d| d.secret);
    shown(
        state,
        &s,
        &id,
        created.as_deref().map(|token| (token, None)),
    )
    .await
}

#[handler]
pub async fn edit(Path(id): Path<String>, Posted(state, s, form, _): Posted<'_, Hr>) -> Response {
    let outcome = match Language::parse(form.text("language"), "language") {
        Err(e) => Err(e),
        Ok(language) => {
            let input = UpdatePerson {
                name: Some(form.text("name").to_owned()),
                team_id: match optional(form.text("team_id")) {
                    Some(t) => MaybeUndefined::Value(t),
                    None => MaybeUndefined::Null,
                },
                roles: None,
                email: defined(form.get("email")),
                phone: defined(form.get("phone")),
                employee_number: defined(form.get("employee_number")),
                location: match optional(form.text("location")) {
                    Some(v) => MaybeUndefined::Value(v),
                    None => MaybeUndefined::Null,
                },
                job_family: match optional(form.text("job_family")) {
                    Some(v) => MaybeUndefined::Value(v),
                    None => MaybeUndefined::Null,
                },
                start_date: MaybeUndefined::Undefined,
                language: Some(language),
            };
            update_person(state, &s.principal, id.clone(), input).await
        }
    };
    match outcome {
        Ok(_) => see_other(&format!("/hr/people/{id}")),
        Err(e) => refused(state, &s, &id, &form, &e).await,
    }
}

#[handler]
pub async fn reissue(Path(id): Path<String>, Posted(state, s, _, _): Posted<'_, Hr>) -> Response {
    match reissue_activation(state, &s.principal, id.clone()).await {
        Ok(issued) => {
            let link = issued.activation_token.as_str();
            shown(
                state,
                &s,
                &id,
                Some((link, Some(issued.activation_expires_at))),
            )
            .await
        }
        Err(e) => refused(state, &s, &id, &Form(vec![]), &e).await,
    }
}

#[handler]
pub async fn deactivate(
    Path(id): Path<String>,
    Posted(state, s, form, _): Posted<'_, Hr>,
) -> Response {
    let outcome = if form.text("confirm") == "yes" {
        deactivate_person(state, &s.principal, id.clone()).await
    } else {
        Err(ApiError::invalid(
            "confirm",
            "tick the box to confirm the deactivation",
        ))
    };
    match outcome {
        Ok(()) => see_other(&format!("/hr/people/{id}")),
        Err(ApiError::NotFound(what)) => error_page(&s.chrome(), &ApiError::NotFound(what)),
        Err(e) => refused(state, &s, &id, &Form(vec![]), &e).await,
    }
}

fn new_view(c: &Chrome, teams: &[Team], form: &Form, errors: &Errors) -> Markup {
    let lang = c.lang;
    let (team_options, languages) = (team_options(lang, teams), language_options());
    let language = match form.text("language") {
        "" => "en",
        l => l,
    };
    page(
        c,
        t(lang, "Add a person"),
        html! {
            p { a href="/hr/people" { "← " (t(lang, "People")) } }
            h1 { (t(lang, "Add a person")) }
            (errors.summary(lang, &["email", "employee_number", "phone", "name", "team_id", "language"]))
            form method="post" action="/hr/people/new" novalidate {
                (csrf_field(c))
                (once::once_field(form))
                (Field::new("name", t(lang, "Name")).value(form.text("name")).required().maxlength(200).render(errors))
                p.hint #ids-hint { (t(lang, "Give at least one of e-mail, employee number and phone. Someone without e-mail signs in with their employee number.")) }
                (Field::new("email", t(lang, "E-mail")).kind("email").value(form.text("email")).maxlength(254).render(errors))
                (Field::new("employee_number", t(lang, "Employee number")).value(form.text("employee_number")).maxlength(64).render(errors))
                (Field::new("phone", t(lang, "Mobile phone")).kind("tel").value(form.text("phone")).maxlength(32).render(errors))
                (select_field("team_id", t(lang, "Team"), &team_options, form.text("team_id"), errors))
                (select_field("language", t(lang, "Language"), &languages, language, errors))
                button.primary type="submit" { (t(lang, "Add")) }
            }
        },
    )
}

#[handler]
pub async fn new_page(Signed(state, s, _): Signed<'_, Hr>) -> Response {
    let c = s.chrome();
    let teams = or_page!(&c, all_teams(state, &s.principal).await);
    html_response(
        StatusCode::OK,
        new_view(&c, &teams, &Form(vec![]), &Errors::default()),
    )
}

#[handler]
pub async fn create(Posted(state, s, form, _): Posted<'_, Hr>) -> Response {
    let c = s.chrome();
    let act = || async {
        let outcome = match Language::parse(
            match form.text("language") {
                "" => "en",
                l => l,
            },
            "language",
        ) {
            Err(e) => Err(e),
            Ok(language) => {
                let input = CreatePerson {
                    email: optional(form.text("email")),
                    phone: optional(form.text("phone")),
                    employee_number: optional(form.text("employee_number")),
                    name: form.text("name").to_owned(),
                    team_id: optional(form.text("team_id")),
                    roles: None,
                    location: None,
                    job_family: None,
                    start_date: None,
                    language: Some(language),
                };
                create_person(state, &s.principal, input).await
            }
        };
        match outcome {
            Ok(created) => Ok(Done {
                location: format!("/hr/people/{}", created.person.id),
                secret: Some(created.activation_token),
            }),
            Err(e) => {
                let teams = match all_teams(state, &s.principal).await {
                    Ok(t) => t,
                    Err(e) => return Err(error_page(&c, &e)),
                };
                Err(html_response(
                    status_of(&e),
                    new_view(&c, &teams, &form, &Errors::from_api(c.lang, &e)),
                ))
            }
        }
    };
    // Sent at most once per form; the person's page shows the activation link once,
    // found by the form's key (post/redirect/get).
    once::at_most_once(PURPOSE_NEW, &s.principal.sid, &form, act, |d, key| {
        see_other(&format!("{}?{}={key}", d.location, once::KEY_FIELD))
    })
    .await
}
