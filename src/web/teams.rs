//! HR pages for a team's service map and its deletion. The service map says which
//! frontline teams an internal team serves, with weights (the EX–CX linkage reads it):
//! one row per frontline team, a box to tick and a weight beside it, and an error from
//! the API shown on the row it concerns. Deleting asks first, and the API's answer when
//! something keeps the team (child teams, people, history) is shown on that page. Both
//! call the API's own functions (`org::service`), which check the HR role again.

use maud::{Markup, html};
use poem::http::StatusCode;
use poem::web::Path;
use poem::{Response, handler};

use crate::auth::Principal;
use crate::error::ApiError;
use crate::org::domain::TeamKind;
use crate::org::service::{delete_team, list_teams, set_serves};
use crate::org::types::{ServedTeam, Team};
use crate::state::AppState;
use crate::web::account::status_of;
use crate::web::i18n::{t, tf};
use crate::web::layout::{Chrome, Errors, csrf_field, field_id, titled};
use crate::web::respond::{Form, html as html_response, see_other};
use crate::web::signed::{Hr, Posted, Signed};

/// Every team the principal may see, through the API's paged list.
pub async fn all_teams(state: &AppState, p: &Principal) -> Result<Vec<Team>, ApiError> {
    let mut out = Vec::new();
    loop {
        let page = list_teams(state, p, Some(200), Some(out.len() as i64), None).await?;
        let got = page.items.len();
        out.extend(page.items);
        if got == 0 || out.len() as i64 >= page.total {
            return Ok(out);
        }
    }
}

/// The team's service map as a short read-only block for its page, with the way to
/// edit it and to delete the team.
pub fn team_tools(c: &Chrome, team: &Team, teams: &[Team]) -> Markup {
    let lang = c.lang;
    let name_of = |id: &str| {
        teams
            .iter()
            .find(|t| t.id == id)
            .map_or(id.to_owned(), |t| t.name.clone())
    };
    html! {
        @if team.kind == TeamKind::Internal {
            h2 { (t(lang, "Teams served")) }
            @if team.serves.is_empty() {
                p { (t(lang, "This team serves no frontline team yet.")) }
            } @else {
                ul #serves {
                    @for s in &team.serves {
                        li { (name_of(&s.team_id)) " · " (t(lang, "weight")) " " (format_weight(s.weight)) }
                    }
                }
            }
            p { a href={ "/hr/teams/" (team.id) "/serves" } { (t(lang, "Edit the teams served")) } }
        }
        h2 { (t(lang, "Delete the team")) }
        p { a href={ "/hr/teams/" (team.id) "/delete" } { (t(lang, "Delete this team…")) } }
    }
}

fn format_weight(w: f64) -> String {
    let s = format!("{w:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

fn find<'a>(teams: &'a [Team], id: &str) -> Result<&'a Team, ApiError> {
    teams
        .iter()
        .find(|t| t.id == id)
        .ok_or(ApiError::NotFound("team"))
}

/// The form's name for the weight of a served team.
fn weight_field(team_id: &str) -> String {
    format!("weight-{team_id}")
}

fn serves_view(c: &Chrome, team: &Team, teams: &[Team], form: &Form, errors: &Errors) -> Markup {
    let lang = c.lang;
    let fresh = form.0.is_empty();
    let frontline: Vec<&Team> = teams
        .iter()
        .filter(|t| t.kind == TeamKind::Frontline && t.id != team.id)
        .collect();
    let title = tf(lang, "Teams served by {name}", &[("name", &team.name)]);
    let shown: Vec<String> = frontline.iter().map(|t| weight_field(&t.id)).collect();
    let shown: Vec<&str> = shown.iter().map(String::as_str).collect();
    titled(
        c,
        &title,
        html! {
            p { a href={ "/hr/teams/" (team.id) } { (t(lang, "Back to the team")) } }
            (errors.summary(lang, &shown))
            p { (t(lang, "Tick the frontline teams this team serves. A weight says how much of its work goes to each (any positive numbers; the linkage uses their proportions).")) }
            @if frontline.is_empty() {
                p { (t(lang, "There is no frontline team to serve yet.")) }
            } @else {
                form method="post" action={ "/hr/teams/" (team.id) "/serves" } novalidate {
                    (csrf_field(c))
                    table {
                        thead { tr {
                            th scope="col" { (t(lang, "Serves")) }
                            th scope="col" { (t(lang, "Weight")) }
                        } }
                        tbody {
                            @for f in &frontline {
                                @let current = team.serves.iter().find(|s| s.team_id == f.id);
                                @let checked = if fresh { current.is_some() } else { form.0.iter().any(|(k, v)| k == "serves" && *v == f.id) };
                                @let wname = weight_field(&f.id);
                                @let weight = if fresh { current.map_or("1".to_owned(), |s| format_weight(s.weight)) } else { form.text(&wname).to_owned() };
                                @let err = errors.field(&wname);
                                @let box_id = field_id(&format!("serves-{}", f.id));
                                tr {
                                    td {
                                        input id=(box_id) type="checkbox" name="serves" value=(f.id) checked[checked];
                                        " "
                                        label for=(box_id) { (f.name) }
                                    }
                                    td.invalid[err.is_some()] {
                                        label.visually-hidden for=(field_id(&wname)) { (tf(lang, "Weight for {name}", &[("name", &f.name)])) }
                                        input id=(field_id(&wname)) name=(wname) type="text" inputmode="decimal" value=(weight) size="6"
                                            aria-invalid=[err.map(|_| "true")]
                                            aria-describedby=[err.map(|_| format!("{}-err", field_id(&wname)))];
                                        @if let Some(m) = err { p.error id={ (field_id(&wname)) "-err" } { (m) } }
                                    }
                                }
                            }
                        }
                    }
                    button.primary type="submit" { (t(lang, "Save")) }
                }
            }
        },
    )
}

#[handler]
pub async fn serves_page(Path(id): Path<String>, Signed(state, s, _): Signed<'_, Hr>) -> Response {
    let c = s.chrome();
    let list = or_page!(&c, all_teams(state, &s.principal).await);
    let team = or_page!(&c, find(&list, &id));
    html_response(
        StatusCode::OK,
        serves_view(&c, team, &list, &Form(vec![]), &Errors::default()),
    )
}

/// The entries the form asks for, with the form field of each weight; a weight that is
/// not a number is refused here, beside its row.
fn entries(form: &Form) -> Result<Vec<(ServedTeam, String)>, ApiError> {
    let mut out = Vec::new();
    for (k, v) in &form.0 {
        if k != "serves" {
            continue;
        }
        let wname = weight_field(v);
        let raw = form.text(&wname).trim().replace(',', ".");
        let weight = raw
            .parse::<f64>()
            .map_err(|_| ApiError::invalid(wname.clone(), "must be a positive number"))?;
        out.push((
            ServedTeam {
                team_id: v.clone(),
                weight,
            },
            wname,
        ));
    }
    Ok(out)
}

#[handler]
pub async fn save_serves(
    Path(id): Path<String>,
    Posted(state, s, form, _): Posted<'_, Hr>,
) -> Response {
    let c = s.chrome();
    let outcome = match entries(&form) {
        Err(e) => Err(e),
        Ok(list) => {
            let fields: Vec<String> = list.iter().map(|(_, f)| f.clone()).collect();
            let served = list.into_iter().map(|(e, _)| e).collect();
            set_serves(state, &s.principal, id.clone(), served)
                .await
                .map_err(|e| on_row(e, &fields))
        }
    };
    match outcome {
        Ok(_) => see_other(&format!("/hr/teams/{id}")),
        Err(e) => {
            let list = or_page!(&c, all_teams(state, &s.principal).await);
            let team = or_page!(&c, find(&list, &id));
            html_response(
                status_of(&e),
                serves_view(&c, team, &list, &form, &Errors::from_api(c.lang, &e)),
            )
        }
    }
}

/// The API names an entry by its position (`[2].weight`); the page by its row.
fn on_row(e: ApiError, fields: &[String]) -> ApiError {
    match e {
        ApiError::Validation { field, message } => {
            let row = field
                .strip_prefix('[')
                .and_then(|r| r.split_once(']'))
                .and_then(|(i, _)| i.parse::<usize>().ok())
                .and_then(|i| fields.get(i));
            match row {
                Some(f) => ApiError::Validation {
                    field: f.clone(),
                    message,
                },
                None => ApiError::Validation { field, message },
            }
        }
        other => other,
    }
}

fn delete_view(c: &Chrome, team: &Team, errors: &Errors) -> Markup {
    let lang = c.lang;
    let title = tf(lang, "Delete the team {name}", &[("name", &team.name)]);
    titled(
        c,
        &title,
        html! {
            (errors.summary(lang, &[]))
            p { (t(lang, "Only a team with no child teams, nobody in it and no history (surveys, answers, suggestions, customer ratings) can be deleted; its managers and the teams it serves or is served by are let go. A team with history is renamed or moved instead, so past reports keep it.")) }
            form method="post" action={ "/hr/teams/" (team.id) "/delete" } {
                (csrf_field(c))
                button.danger type="submit" { (t(lang, "Delete the team")) }
                " "
                a href={ "/hr/teams/" (team.id) } { (t(lang, "Cancel")) }
            }
        },
    )
}

#[handler]
pub async fn delete_page(Path(id): Path<String>, Signed(state, s, _): Signed<'_, Hr>) -> Response {
    let c = s.chrome();
    let list = or_page!(&c, all_teams(state, &s.principal).await);
    let team = or_page!(&c, find(&list, &id));
    html_response(StatusCode::OK, delete_view(&c, team, &Errors::default()))
}

#[handler]
pub async fn delete(
    Path(id): Path<String>,
    Posted(state, s, _form, _): Posted<'_, Hr>,
) -> Response {
    let c = s.chrome();
    let list = or_page!(&c, all_teams(state, &s.principal).await);
    // Sent twice (a reload), the team is already gone: the list is where it led.
    let Ok(team) = find(&list, &id) else {
        return see_other("/hr/teams");
    };
    match delete_team(state, &s.principal, id).await {
        Ok(()) => see_other("/hr/teams"),
        Err(e) => html_response(
            status_of(&e),
            delete_view(&c, team, &Errors::from_api(c.lang, &e)),
        ),
    }
}
