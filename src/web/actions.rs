//! Action plans: the list (HR every action, with filters and overdue ones first;
//! managers their teams'; employees their own team's and the organisation's), the
//! create form for managers and HR, and an action's page with its dated updates and a
//! form to add one or move its status. What employees are shown on their start page
//! and beside each pulse ("what we are doing about your feedback") is
//! [`feedback_section`]. Every action is the API's own function.

use maud::{Markup, html};
use poem::http::StatusCode;
use poem::web::Path;
use poem::{Request, Response, handler};

use crate::actions::effect::action_effect;
use crate::actions::service::{
    DESCRIPTION_MAX, THEME_MAX, TITLE_MAX, UPDATE_MAX, action_teams, add_update, create_action,
    get_action, list_actions, list_updates, owner_choices, update_action,
};
use crate::actions::types::{Action, CreateAction, Filter, NewActionUpdate, UpdateAction};
use crate::actions::workflow::Status;
use crate::error::ApiError;
use crate::org::domain::Language;
use crate::state::AppState;
use crate::surveys::bank::Driver;
use crate::web::account::{query, status_of};
use crate::web::action_effect::effect_section;
use crate::web::i18n::{t, tf, tn};
use crate::web::layout::{
    Chrome, Errors, Field, csrf_field, filter_select, filters, page, pager, select_field,
};
use crate::web::once::{self, Done, once_field};
use crate::web::respond::{Form, error_page, html as html_response, see_other};
use crate::web::session::{Session, urlencode};
use crate::web::signed::{Posted, Signed};

/// The purpose of the new-action form's keys.
const PURPOSE_NEW: &str = "action";

pub fn status_label(lang: Language, s: Status) -> &'static str {
    t(
        lang,
        match s {
            Status::Planned => "Planned",
            Status::InProgress => "In progress",
            Status::Done => "Done",
            Status::Dropped => "Dropped",
        },
    )
}

fn may_create(s: &Session) -> bool {
    s.is_manager() || s.principal.is_hr_or_admin()
}

/// What an action answers, in words: a driver, a theme or a suggestion.
fn answers(lang: Language, a: &Action) -> Markup {
    html! {
        @if let Some(d) = a.driver {
            (t(lang, "Driver")) ": " (d.label(lang.as_str()))
        } @else if let Some(theme) = &a.theme {
            (t(lang, "Theme")) ": " (theme)
        } @else if let Some(sid) = &a.suggestion_id {
            a href={ "/suggestions/" (sid) } { (t(lang, "A suggestion")) }
        }
    }
}

fn due_line(lang: Language, a: &Action) -> Markup {
    html! {
        @if let Some(d) = a.closed_on {
            (tf(lang, "closed on {date}", &[("date", &d.to_string())]))
        } @else {
            (tf(lang, "due {date}", &[("date", &a.due_on.to_string())]))
            @if a.overdue { " " span.badge.overdue { (t(lang, "Overdue")) } }
        }
    }
}

fn summary_line(lang: Language, a: &Action) -> Markup {
    html! {
        p.meta {
            span.badge { (status_label(lang, a.status)) }
            " " (a.team.as_deref().unwrap_or(t(lang, "Whole organisation")))
            " · " (due_line(lang, a))
            " · " (t(lang, "Owner")) ": "
            @if let Some(o) = &a.owner { (o.name) } @else { (t(lang, "nobody")) }
        }
    }
}

/// Actions as cards (title and summary line), or the line that none is planned.
fn action_cards(lang: Language, items: &[Action]) -> Markup {
    html! {
        @if items.is_empty() {
            p { (t(lang, "No action is planned yet.")) }
        } @else {
            ul.cards {
                @for a in items {
                    li.card {
                        h3 { a href={ "/actions/" (a.id) } { (a.title) } }
                        (summary_line(lang, a))
                    }
                }
            }
        }
    }
}

/// "What we are doing about your feedback": the actions of the reader's team and of
/// the organisation (open ones and those closed lately).
pub fn feedback_section(lang: Language, items: &[Action]) -> Markup {
    html! {
        section aria-labelledby="feedback-actions" {
            h2 #feedback-actions { (t(lang, "What we are doing about your feedback")) }
            (action_cards(lang, items))
        }
    }
}

/// On a team's report: the team's actions, beside the share who have seen action on
/// the last pulse (the bank item `vo_seen_action`) when the survey asked it and the
/// report releases it.
pub fn report_section(lang: Language, items: &[Action], seen: Option<f64>) -> Markup {
    html! {
        section aria-labelledby="report-actions" {
            h2 #report-actions { (t(lang, "Actions on this team's feedback")) }
            @if let Some(share) = seen {
                p #seen-action { (tf(lang, "{share}% of the team have seen action on the results of the last pulse.", &[("share", &format!("{share:.0}"))])) }
            }
            (action_cards(lang, items))
            p { a href="/actions" { (t(lang, "All actions")) } }
        }
    }
}

/// Actions per page of the list.
const LIST_PAGE: i64 = 50;

#[handler]
pub async fn list(req: &Request, Signed(state, s, _): Signed<'_>) -> Response {
    let c = s.chrome();
    let lang = c.lang;
    let q = query(req);
    let team = q.text("team_id");
    let filter = Filter {
        team: (!team.is_empty() && team != "organisation").then(|| team.to_owned()),
        organisation: team == "organisation",
        status: Status::parse(q.text("status")),
        overdue: q.text("overdue") == "1",
        owner: None,
    };
    let (status, overdue) = (filter.status, filter.overdue);
    let offset = q
        .text("offset")
        .parse::<i64>()
        .unwrap_or(0)
        .clamp(0, 1_000_000);
    let page_items = or_page!(
        &c,
        list_actions(state, &s.principal, filter, LIST_PAGE, offset).await
    );
    let link = |offset: i64| {
        format!(
            "/actions?team_id={}&status={}&overdue={}&offset={offset}",
            urlencode(team),
            status.map_or("", Status::as_str),
            if overdue { "1" } else { "" }
        )
    };
    let shown_to = offset + page_items.items.len() as i64;
    let (teams, _) = if may_create(&s) {
        or_page!(&c, action_teams(state, &s.principal).await)
    } else {
        (Vec::new(), false)
    };
    html_response(
        StatusCode::OK,
        page(
            &c,
            t(lang, "Actions"),
            html! {
                h1 { (t(lang, "Actions")) }
                @if may_create(&s) {
                    p { a.button href="/actions/new" { (t(lang, "Plan an action")) } }
                }
                (filters(lang, &[!team.is_empty(), status.is_some(), overdue], html! {
                    form.filters method="get" action="/actions" {
                        @if !teams.is_empty() {
                            div.field {
                                label for="f-team" { (t(lang, "Team")) }
                                select id="f-team" name="team_id" {
                                    option value="" { (t(lang, "All")) }
                                    option value="organisation" selected[team == "organisation"] { (t(lang, "Whole organisation")) }
                                    @for (id, name) in &teams {
                                        option value=(id) selected[team == id] { (name) }
                                    }
                                }
                            }
                        }
                        (filter_select(lang, "status", t(lang, "Status"),
                            Status::ALL.map(|x| (x.as_str(), status_label(lang, x))), status.map(Status::as_str)))
                        div.field {
                            input id="f-overdue" type="checkbox" name="overdue" value="1" checked[overdue];
                            " " label for="f-overdue" { (t(lang, "Only overdue")) }
                        }
                        button type="submit" { (t(lang, "Show")) }
                    }
                }))
                p.meta role="status" {
                    (tn(lang, "{n} action", "{n} actions", page_items.total as u64, &[]))
                    @if page_items.total > LIST_PAGE {
                        " · "
                        (tf(lang, "{from}–{to} of {total}", &[
                            ("from", &(offset + 1).min(page_items.total).to_string()),
                            ("to", &shown_to.to_string()),
                            ("total", &page_items.total.to_string()),
                        ]))
                    }
                }
                ul.cards {
                    @for a in &page_items.items {
                        li.card {
                            h2 { a href={ "/actions/" (a.id) } { (a.title) } }
                            (summary_line(lang, a))
                        }
                    }
                }
                (pager(lang, (offset, LIST_PAGE), (shown_to, page_items.total), link))
            },
        ),
    )
}

fn new_view(
    c: &Chrome,
    teams: &[(String, String)],
    org: bool,
    form: &Form,
    errors: &Errors,
) -> Markup {
    let lang = c.lang;
    let mut team_options: Vec<(String, String)> = Vec::new();
    if org {
        team_options.push((String::new(), t(lang, "Whole organisation").to_owned()));
    }
    team_options.extend(teams.iter().cloned());
    let mut drivers = vec![(String::new(), t(lang, "None").to_owned())];
    drivers.extend(
        Driver::ALL
            .iter()
            .map(|d| (d.as_str().to_owned(), d.label(lang.as_str()).to_owned())),
    );
    let suggestion = form.text("suggestion_id");
    page(
        c,
        t(lang, "Plan an action"),
        html! {
            h1 { (t(lang, "Plan an action")) }
            p { (t(lang, "Say what you will do about the results, who owns it and by when. The team sees it on their start page and beside each pulse.")) }
            (errors.summary(lang, &["team_id", "title", "description", "driver", "theme", "suggestion_id", "owner_id", "due_on"]))
            form method="post" action="/actions/new" novalidate {
                (csrf_field(c))
                (once_field(form))
                (select_field("team_id", t(lang, "For"), &team_options, form.text("team_id"), errors))
                (Field::new("title", t(lang, "Title")).value(form.text("title"))
                    .required().maxlength(TITLE_MAX).render(errors))
                (Field::new("description", t(lang, "What will be done")).kind("textarea")
                    .value(form.text("description")).maxlength(DESCRIPTION_MAX).render(errors))
                (select_field("driver", t(lang, "Driver it answers (optional)"), &drivers, form.text("driver"), errors))
                (Field::new("theme", t(lang, "Or a theme of the suggestions (optional)"))
                    .value(form.text("theme")).maxlength(THEME_MAX).render(errors))
                @if !suggestion.is_empty() {
                    input type="hidden" name="suggestion_id" value=(suggestion);
                    p.meta { a href={ "/suggestions/" (suggestion) } { (t(lang, "A suggestion")) } }
                }
                (Field::new("due_on", t(lang, "Due on")).kind("date").value(form.text("due_on"))
                    .required().render(errors))
                button.primary type="submit" { (t(lang, "Create")) }
            }
        },
    )
}

#[handler]
pub async fn new_page(req: &Request, Signed(state, s, _): Signed<'_>) -> Response {
    let c = s.chrome();
    if !may_create(&s) {
        return error_page(&c, &ApiError::Forbidden);
    }
    let (teams, org) = or_page!(&c, action_teams(state, &s.principal).await);
    // A link from a suggestion names it.
    let q = query(req);
    let form = Form(
        q.get("suggestion_id")
            .map(|v| vec![("suggestion_id".to_owned(), v.to_owned())])
            .unwrap_or_default(),
    );
    html_response(
        StatusCode::OK,
        new_view(&c, &teams, org, &form, &Errors::default()),
    )
}

/// The form as the API's input, or the field at fault.
fn input_of(form: &Form) -> Result<CreateAction, ApiError> {
    let due_on = form
        .text("due_on")
        .parse()
        .map_err(|_| ApiError::invalid("due_on", "give a date"))?;
    let opt = |name: &str| Some(form.text(name).to_owned()).filter(|v| !v.trim().is_empty());
    let driver = match form.text("driver") {
        "" => None,
        d => Some(Driver::parse(d).ok_or_else(|| ApiError::invalid("driver", "unknown driver"))?),
    };
    Ok(CreateAction {
        team_id: opt("team_id"),
        driver,
        theme: opt("theme"),
        suggestion_id: opt("suggestion_id"),
        title: form.text("title").to_owned(),
        description: opt("description"),
        owner_id: None,
        due_on,
        status: None,
    })
}

#[handler]
pub async fn create(Posted(state, s, form, _): Posted<'_>) -> Response {
    let c = s.chrome();
    let (teams, org) = or_page!(&c, action_teams(state, &s.principal).await);
    let input = match input_of(&form) {
        Ok(i) => i,
        Err(e) => {
            return html_response(
                status_of(&e),
                new_view(&c, &teams, org, &form, &Errors::from_api(c.lang, &e)),
            );
        }
    };
    // Sent at most once per form: a reload or a second click leads to the first result.
    once::at_most_once(
        PURPOSE_NEW,
        &s.principal.sid,
        &form,
        || async {
            match create_action(state, &s.principal, input).await {
                Ok(a) => Ok(Done {
                    location: format!("/actions/{}", a.id),
                    secret: None,
                }),
                Err(e @ ApiError::Validation { .. }) => Err(html_response(
                    status_of(&e),
                    new_view(&c, &teams, org, &form, &Errors::from_api(c.lang, &e)),
                )),
                Err(e) => Err(error_page(&c, &e)),
            }
        },
        |done, _| see_other(&done.location),
    )
    .await
}

/// The action's page again after a change refused with `e`: the error beside the
/// `form` it came from, with the error's status.
async fn refused(state: &AppState, s: &Session, id: &str, form: &Form, e: &ApiError) -> Response {
    let errors = Errors::from_api(s.lang, e);
    detail_page(state, s, id, form, &errors, status_of(e)).await
}

async fn detail_page(
    state: &AppState,
    s: &Session,
    id: &str,
    form: &Form,
    errors: &Errors,
    status: StatusCode,
) -> Response {
    let c = s.chrome();
    let lang = c.lang;
    let a = or_page!(&c, get_action(state, &s.principal, id).await);
    let updates = or_page!(&c, list_updates(state, &s.principal, id).await);
    // The effect is read (and audited) only for a done action, by those who may read
    // the team's reports.
    let owners = if a.can_edit {
        or_page!(&c, owner_choices(state, &s.principal, id).await)
    } else {
        Vec::new()
    };
    let owner_now = a.owner.as_ref().map(|o| o.id.clone()).unwrap_or_default();
    let mut owner_options: Vec<(String, String)> = Vec::new();
    if a.owner.is_none() {
        owner_options.push((String::new(), t(lang, "nobody").to_owned()));
    }
    owner_options.extend(owners);
    let owner_selected = form.get("owner_id").unwrap_or(&owner_now).to_owned();
    let due_value = form
        .get("due_on")
        .map(str::to_owned)
        .unwrap_or_else(|| a.due_on.to_string());
    let effect = if a.status == Status::Done && a.can_edit {
        Some(or_page!(&c, action_effect(state, &s.principal, id).await))
    } else {
        None
    };
    let mut statuses = vec![(
        String::new(),
        tf(
            lang,
            "Keep as it is ({status})",
            &[("status", status_label(lang, a.status))],
        ),
    )];
    statuses.extend(
        Status::ALL
            .into_iter()
            .filter(|x| *x != a.status)
            .map(|x| (x.as_str().to_owned(), status_label(lang, x).to_owned())),
    );
    html_response(
        status,
        page(
            &c,
            &a.title,
            html! {
                h1 { (a.title) }
                (summary_line(lang, &a))
                p.meta { (answers(lang, &a)) }
                @if !a.description.is_empty() {
                    div.body { @for para in a.description.split("\n\n") { p { (para) } } }
                }
                p.meta { (tf(lang, "Planned by {name} on {date}", &[("name", &a.created_by.name), ("date", &c.when(a.created_at))])) }
                @if let Some(e) = &effect { (effect_section(lang, c.tz, e)) }
                h2 { (t(lang, "Updates")) }
                @if updates.is_empty() {
                    p { (t(lang, "No update yet.")) }
                } @else {
                    ol.replies {
                        @for u in &updates {
                            li {
                                p.meta {
                                    (u.created_on) " · " (u.author.name)
                                    @if let (Some(from), Some(to)) = (u.from_status, u.to_status) {
                                        " · " (status_label(lang, from)) " → " strong { (status_label(lang, to)) }
                                    }
                                }
                                @for para in u.text.split("\n\n").filter(|p| !p.trim().is_empty()) { p { (para) } }
                            }
                        }
                    }
                }
                @if a.can_edit {
                    h2 { (t(lang, "Add an update")) }
                    (errors.summary(lang, &["text", "status"]))
                    form method="post" action={ "/actions/" (a.id) "/updates" } novalidate {
                        (csrf_field(&c))
                        (once_field(form))
                        (Field::new("text", t(lang, "What happened")).kind("textarea")
                            .value(form.text("text")).required().maxlength(UPDATE_MAX).render(errors))
                        (select_field("status", t(lang, "Status after this update"), &statuses, form.text("status"), errors))
                        button.primary type="submit" { (t(lang, "Add the update")) }
                    }
                }
                @if a.can_edit {
                    h2 { (t(lang, "Owner and due day")) }
                    (errors.summary(lang, &["owner_id", "due_on"]))
                    form method="post" action={ "/actions/" (a.id) "/edit" } novalidate {
                        (csrf_field(&c))
                        (select_field("owner_id", t(lang, "Owner"), &owner_options, &owner_selected, errors))
                        (Field::new("due_on", t(lang, "Due on")).kind("date").value(&due_value)
                            .required().render(errors))
                        button type="submit" { (t(lang, "Save")) }
                    }
                }
                p { a href="/actions" { (t(lang, "All actions")) } }
            },
        ),
    )
}

#[handler]
pub async fn detail(Path(id): Path<String>, Signed(state, s, _): Signed<'_>) -> Response {
    detail_page(
        state,
        &s,
        &id,
        &Form(vec![]),
        &Errors::default(),
        StatusCode::OK,
    )
    .await
}

#[handler]
pub async fn update(Path(id): Path<String>, Posted(state, s, form, _): Posted<'_>) -> Response {
    let c = s.chrome();
    let input = NewActionUpdate {
        text: form.text("text").to_owned(),
        status: Status::parse(form.text("status")),
    };
    let act = || async {
        match add_update(state, &s.principal, &id, input).await {
            Ok(_) => Ok(Done {
                location: format!("/actions/{id}"),
                secret: None,
            }),
            Err(e @ ApiError::Validation { .. }) => Err(refused(state, &s, &id, &form, &e).await),
            Err(e) => Err(error_page(&c, &e)),
        }
    };
    // One update per form: a second POST of the same form adds nothing.
    once::at_most_once("action-update", &s.principal.sid, &form, act, |d, _| {
        see_other(&d.location)
    })
    .await
}

#[handler]
pub async fn edit(Path(id): Path<String>, Posted(state, s, form, _): Posted<'_>) -> Response {
    let c = s.chrome();
    let outcome = match form.text("due_on").parse() {
        Ok(due_on) => {
            let change = UpdateAction {
                owner_id: Some(form.text("owner_id").to_owned()).filter(|v| !v.is_empty()),
                due_on: Some(due_on),
                ..UpdateAction::default()
            };
            update_action(state, &s.principal, &id, change).await
        }
        Err(_) => Err(ApiError::invalid("due_on", "give a date")),
    };
    match outcome {
        Ok(_) => see_other(&format!("/actions/{id}")),
        Err(e @ ApiError::Validation { .. }) => refused(state, &s, &id, &form, &e).await,
        Err(e) => error_page(&c, &e),
    }
}
