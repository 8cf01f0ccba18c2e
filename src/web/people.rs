//! HR pages for people and teams: a paged list of people with a search by name or
//! e-mail, and the team tree with creating, renaming and moving teams. Every action is
//! the API's own function (`org::service`), which checks the HR role again and validates
//! as the API does — a move that would put a team under itself or its own descendant
//! is refused on `parent_id`, and the page shows that beside the parent field.

use std::collections::{HashMap, HashSet};

use maud::{Markup, html};
use poem::http::StatusCode;
use poem::web::Path;
use poem::{Response, handler};
use poem_openapi::types::MaybeUndefined;

use crate::auth::Principal;
use crate::error::ApiError;
use crate::org::domain::{GrantedRole, Language, PersonStatus, TeamKind};
use crate::org::service::{create_team, get_person, list_people, update_team};
use crate::org::types::{CreateTeam, PeopleQuery, Person, Team, UpdateTeam};
use crate::state::AppState;
use crate::web::account::status_of;
use crate::web::i18n::{t, tf};
use crate::web::layout::{
    Chrome, Errors, Field, csrf_field, filters, page, pager, select_field, titled,
};
use crate::web::once::{Done, at_most_once, once_field};
use crate::web::respond::{Form, error_page, html as html_response, see_other};
use crate::web::session::{Session, urlencode};
use crate::web::signed::{Hr, Posted, Signed};
use crate::web::teams::{all_teams, team_tools};

/// The page sizes offered for the list of people.
const PAGE_SIZES: [i64; 4] = [25, 50, 100, 200];
const DEFAULT_PAGE_SIZE: i64 = 50;

/// The teams in tree order (each parent before its children, siblings by name), with
/// their depth. A team whose parent is not visible starts a tree of its own.
fn tree_order(teams: &[Team]) -> Vec<(usize, &Team)> {
    let ids: HashSet<&str> = teams.iter().map(|t| t.id.as_str()).collect();
    let mut children: HashMap<&str, Vec<&Team>> = HashMap::new();
    let mut roots = Vec::new();
    for team in teams {
        match team.parent_id.as_deref().filter(|p| ids.contains(p)) {
            Some(p) => children.entry(p).or_default().push(team),
            None => roots.push(team),
        }
    }
    let mut out = Vec::with_capacity(teams.len());
    let mut seen = HashSet::new();
    let mut stack: Vec<(usize, &Team)> = roots.into_iter().rev().map(|t| (0, t)).collect();
    while let Some((depth, team)) = stack.pop() {
        if !seen.insert(team.id.as_str()) {
            continue;
        }
        out.push((depth, team));
        if let Some(kids) = children.get(team.id.as_str()) {
            stack.extend(kids.iter().rev().map(|k| (depth + 1, *k)));
        }
    }
    out
}

fn kind_label(lang: Language, k: TeamKind) -> &'static str {
    match k {
        TeamKind::Frontline => t(lang, "Frontline (serves customers)"),
        TeamKind::Internal => t(lang, "Internal (serves other teams)"),
    }
}

fn parse_kind(v: &str) -> Option<TeamKind> {
    [TeamKind::Frontline, TeamKind::Internal]
        .into_iter()
        .find(|k| k.as_str() == v)
}

/// The teams whose reports `p` may read (HR and admins: all; managers: their
/// subtrees), as (id, name indented by depth) in tree order.
pub async fn readable_team_options(
    state: &AppState,
    p: &Principal,
) -> Result<Vec<(String, String)>, ApiError> {
    let who = p.clone();
    let readable = state
        .db
        .read(move |conn| crate::org::access::readable_teams(conn, &who))
        .await?;
    let mut teams = all_teams(state, p).await?;
    if let Some(set) = &readable {
        teams.retain(|t| set.contains(&t.id));
    }
    Ok(tree_order(&teams)
        .into_iter()
        .map(|(depth, team)| {
            (
                team.id.clone(),
                format!("{}{}", "— ".repeat(depth), team.name),
            )
        })
        .collect())
}

/// The parent choices: none (a top-level team), then every team but `except`, indented
/// by depth.
fn parent_options(lang: Language, teams: &[Team], except: Option<&str>) -> Vec<(String, String)> {
    let mut out = vec![(String::new(), t(lang, "None (a top-level team)").to_owned())];
    for (depth, team) in tree_order(teams) {
        if Some(team.id.as_str()) != except {
            out.push((
                team.id.clone(),
                format!("{}{}", "— ".repeat(depth), team.name),
            ));
        }
    }
    out
}

fn kind_options(lang: Language) -> Vec<(String, String)> {
    [TeamKind::Frontline, TeamKind::Internal]
        .into_iter()
        .map(|k| (k.as_str().to_owned(), kind_label(lang, k).to_owned()))
        .collect()
}

// ---------- people ----------

fn role_labels(lang: Language, p: &Person, managers: &HashSet<&str>) -> String {
    let mut out = vec![t(lang, "Employee")];
    if managers.contains(p.id.as_str()) {
        out.push(t(lang, "Manager"));
    }
    for r in &p.roles {
        out.push(match r {
            GrantedRole::Hr => "HR",
            GrantedRole::Admin => t(lang, "Admin"),
        });
    }
    out.join(", ")
}

fn status_name(lang: Language, s: PersonStatus) -> &'static str {
    match s {
        PersonStatus::Erased => t(lang, "Erased"),
        PersonStatus::Deactivated => t(lang, "Deactivated"),
        PersonStatus::Active => t(lang, "Active"),
        PersonStatus::Invited => t(lang, "Not activated yet"),
    }
}

fn status_label(lang: Language, p: &Person) -> &'static str {
    status_name(
        lang,
        if p.erased {
            PersonStatus::Erased
        } else if !p.active {
            PersonStatus::Deactivated
        } else if p.activated {
            PersonStatus::Active
        } else {
            PersonStatus::Invited
        },
    )
}

/// The list of people for `q` (its `q`, `limit` and `offset`): a search form, the
/// table and links to the neighbouring pages.
pub async fn people_section(state: &AppState, s: &Session, q: &Form) -> Result<Markup, ApiError> {
    let lang = s.lang;
    let search = q.text("q").trim().chars().take(100).collect::<String>();
    let limit = q
        .text("limit")
        .parse::<i64>()
        .ok()
        .filter(|l| PAGE_SIZES.contains(l))
        .unwrap_or(DEFAULT_PAGE_SIZE);
    let offset = q
        .text("offset")
        .parse::<i64>()
        .unwrap_or(0)
        .clamp(0, 1_000_000);
    let team_filter = Some(q.text("team_id").trim().to_owned()).filter(|t| !t.is_empty());
    let status = PersonStatus::parse(q.text("status").trim());
    let people = list_people(
        state,
        &s.principal,
        PeopleQuery {
            limit: Some(limit),
            offset: Some(offset),
            q: Some(search.clone()).filter(|v| !v.is_empty()),
            team_id: team_filter.clone(),
            include_inactive: true,
            status,
        },
    )
    .await?;
    let teams = all_teams(state, &s.principal).await?;
    let team_names: HashMap<&str, &str> = teams
        .iter()
        .map(|t| (t.id.as_str(), t.name.as_str()))
        .collect();
    let managers: HashSet<&str> = teams
        .iter()
        .flat_map(|t| t.manager_ids.iter().map(String::as_str))
        .collect();
    let link = |offset: i64| {
        format!(
            "/hr/people?q={}&team_id={}&status={}&limit={limit}&offset={offset}",
            urlencode(&search),
            urlencode(team_filter.as_deref().unwrap_or("")),
            status.map_or("", PersonStatus::as_str)
        )
    };
    let shown_to = offset + people.items.len() as i64;
    Ok(html! {
        section aria-labelledby="people-h" {
            h2 id="people-h" { (t(lang, "Everyone")) }
            (filters(lang, &[!search.is_empty(), team_filter.is_some(), status.is_some()], html! {
                form.inline method="get" action="/hr/people" role="search" {
                    (Field::new("q", t(lang, "Search by name, e-mail or number")).kind("search").value(&search).maxlength(100).render(&Errors::default()))
                    div.field {
                        label for="f-team" { (t(lang, "Team")) }
                        select id="f-team" name="team_id" {
                            option value="" selected[team_filter.is_none()] { (t(lang, "All")) }
                            @for (depth, team) in tree_order(&teams) {
                                option value=(team.id) selected[team_filter.as_deref() == Some(team.id.as_str())] {
                                    (format!("{}{}", "\u{a0}\u{a0}".repeat(depth), team.name))
                                }
                            }
                        }
                    }
                    div.field {
                        label for="f-status" { (t(lang, "Status")) }
                        select id="f-status" name="status" {
                            option value="" selected[status.is_none()] { (t(lang, "All")) }
                            @for st in [PersonStatus::Active, PersonStatus::Invited, PersonStatus::Deactivated, PersonStatus::Erased] {
                                option value=(st.as_str()) selected[status == Some(st)] { (status_name(lang, st)) }
                            }
                        }
                    }
                    div.field {
                        label for="f-limit" { (t(lang, "Per page")) }
                        select id="f-limit" name="limit" {
                            @for n in PAGE_SIZES { option value=(n) selected[n == limit] { (n) } }
                        }
                    }
                    button type="submit" { (t(lang, "Search")) }
                }
            }))
            @if people.items.is_empty() {
                p { (t(lang, "Nobody matches.")) }
            } @else {
                p.meta role="status" {
                    (tf(lang, "{from}–{to} of {total}", &[
                        ("from", &(offset + 1).to_string()),
                        ("to", &shown_to.to_string()),
                        ("total", &people.total.to_string()),
                    ]))
                }
                div.table-wrap tabindex="0" { table {
                    caption.visually-hidden { (t(lang, "Everyone")) }
                    thead { tr {
                        th { (t(lang, "Name")) } th { (t(lang, "E-mail or number")) } th { (t(lang, "Team")) }
                        th { (t(lang, "Role")) } th { (t(lang, "Status")) }
                        @if s.principal.is_admin { th { span.visually-hidden { (t(lang, "Actions")) } } }
                    } }
                    tbody {
                        @for p in &people.items {
                            tr {
                                th scope="row" { a href={ "/hr/people/" (p.id) } { (p.name) } }
                                td { (p.identifier()) }
                                td { (p.team_id.as_deref().and_then(|id| team_names.get(id).copied()).unwrap_or("—")) }
                                td { (role_labels(lang, p, &managers)) }
                                td { (status_label(lang, p)) }
                                @if s.principal.is_admin {
                                    td { @if !p.erased && p.id != s.principal.id {
                                        a href={ "/hr/people/" (p.id) "/erase" } { (t(lang, "Erase…")) }
                                    } }
                                }
                            }
                        }
                    }
                } }
            }
            (pager(lang, (offset, limit), (shown_to, people.total), link))
            p { a href="/hr/teams" { (t(lang, "Manage teams")) } }
        }
    })
}

// ---------- teams ----------

fn teams_view(c: &Chrome, teams: &[Team], form: &Form, errors: &Errors) -> Markup {
    let lang = c.lang;
    let order = tree_order(teams);
    let kind = if form.0.is_empty() {
        "frontline"
    } else {
        form.text("kind")
    };
    page(
        c,
        t(lang, "Teams"),
        html! {
            h1 { (t(lang, "Teams")) }
            @if order.is_empty() {
                p { (t(lang, "No teams yet.")) }
            } @else {
                (tree_list(lang, &order, 0, 0).0)
            }
            h2 id="new-team-h" { (t(lang, "New team")) }
            (errors.summary(lang, &["name", "parent_id", "kind", "key"]))
            form method="post" action="/hr/teams" novalidate aria-labelledby="new-team-h" {
                (csrf_field(c))
                (once_field(form))
                (Field::new("name", t(lang, "Name")).value(form.text("name")).required().maxlength(200).render(errors))
                (select_field("parent_id", t(lang, "Parent team"), &parent_options(lang, teams, None), form.text("parent_id"), errors))
                (select_field("kind", t(lang, "Kind"), &kind_options(lang), kind, errors))
                (key_field(lang, form.text("key"), errors))
                button.primary type="submit" { (t(lang, "Create team")) }
            }
        },
    )
}

/// The nested list of `order[from..]` at `depth`: returns the markup and where it
/// stopped.
fn tree_list(
    lang: Language,
    order: &[(usize, &Team)],
    from: usize,
    depth: usize,
) -> (Markup, usize) {
    let mut i = from;
    let mut items = Vec::new();
    while i < order.len() && order[i].0 == depth {
        let team = order[i].1;
        i += 1;
        let (children, next) = if i < order.len() && order[i].0 > depth {
            let (m, n) = tree_list(lang, order, i, depth + 1);
            (Some(m), n)
        } else {
            (None, i)
        };
        i = next;
        items.push(html! {
            li {
                a href={ "/hr/teams/" (team.id) } { (team.name) }
                " · " (kind_label(lang, team.kind))
                @if let Some(ch) = children { (ch) }
            }
        });
    }
    (html! { ul.tree { @for item in items { (item) } } }, i)
}

#[handler]
pub async fn teams_page(Signed(state, s, _): Signed<'_, Hr>) -> Response {
    let c = s.chrome();
    let list = or_page!(&c, all_teams(state, &s.principal).await);
    html_response(
        StatusCode::OK,
        teams_view(&c, &list, &Form(vec![]), &Errors::default()),
    )
}

/// The team's optional key, the stable name other systems (CX imports) use for it.
fn key_field(lang: Language, value: &str, errors: &Errors) -> Markup {
    Field::new("key", t(lang, "Key for imports (optional)"))
        .value(value)
        .maxlength(100)
        .hint(t(
            lang,
            "A stable name other systems use for this team, for example in customer rating imports.",
        ))
        .render(errors)
}

fn optional(v: &str) -> Option<String> {
    Some(v.trim().to_owned()).filter(|v| !v.is_empty())
}

#[handler]
pub async fn create(Posted(state, s, form, _): Posted<'_, Hr>) -> Response {
    let c = s.chrome();
    let act = || async {
        let outcome = match parse_kind(form.text("kind")) {
            None => Err(ApiError::invalid("kind", "choose a kind")),
            Some(kind) => {
                let input = CreateTeam {
                    name: form.text("name").to_owned(),
                    parent_id: optional(form.text("parent_id")),
                    kind,
                    key: optional(form.text("key")),
                };
                create_team(state, &s.principal, input).await
            }
        };
        match outcome {
            Ok(_) => Ok(Done {
                location: "/hr/teams".to_owned(),
                secret: None,
            }),
            Err(e) => {
                let list = match all_teams(state, &s.principal).await {
                    Ok(l) => l,
                    Err(e) => return Err(error_page(&c, &e)),
                };
                Err(html_response(
                    status_of(&e),
                    teams_view(&c, &list, &form, &Errors::from_api(c.lang, &e)),
                ))
            }
        }
    };
    // Sent at most once per form: a second POST leads where the first one did.
    at_most_once("team", &s.principal.sid, &form, act, |d, _| {
        see_other(&d.location)
    })
    .await
}

fn edit_view(
    c: &Chrome,
    team: &Team,
    teams: &[Team],
    form: &Form,
    errors: &Errors,
    members: Markup,
) -> Markup {
    let lang = c.lang;
    let fresh = form.0.is_empty();
    let name = if fresh {
        team.name.as_str()
    } else {
        form.text("name")
    };
    let parent = if fresh {
        team.parent_id.as_deref().unwrap_or("")
    } else {
        form.text("parent_id")
    };
    let kind = if fresh {
        team.kind.as_str()
    } else {
        form.text("kind")
    };
    let key = if fresh {
        team.key.as_deref().unwrap_or("")
    } else {
        form.text("key")
    };
    let title = tf(lang, "Team: {name}", &[("name", &team.name)]);
    titled(
        c,
        &title,
        html! {
            p { a href="/hr/teams" { (t(lang, "Back to the teams")) } }
            (errors.summary(lang, &["name", "parent_id", "kind", "key"]))
            form method="post" action={ "/hr/teams/" (team.id) } novalidate {
                (csrf_field(c))
                (Field::new("name", t(lang, "Name")).value(name).required().maxlength(200).render(errors))
                (select_field("parent_id", t(lang, "Parent team"), &parent_options(lang, teams, Some(&team.id)), parent, errors))
                (select_field("kind", t(lang, "Kind"), &kind_options(lang), kind, errors))
                (key_field(lang, key, errors))
                button.primary type="submit" { (t(lang, "Save")) }
            }
            (members)
            (team_tools(c, team, teams))
        },
    )
}

/// The team's managers and direct members, each leading to their page.
async fn members_section(state: &AppState, s: &Session, team: &Team) -> Result<Markup, ApiError> {
    let lang = s.lang;
    let members = list_people(
        state,
        &s.principal,
        PeopleQuery {
            limit: Some(200),
            offset: Some(0),
            team_id: Some(team.id.clone()),
            ..PeopleQuery::default()
        },
    )
    .await?;
    let mut managers = Vec::new();
    for id in &team.manager_ids {
        if let Ok(p) = get_person(state, &s.principal, id.clone()).await {
            managers.push(p);
        }
    }
    Ok(html! {
        h2 { (t(lang, "Managers")) }
        @if managers.is_empty() { p { "—" } } @else {
            ul { @for m in &managers { li { a href={ "/hr/people/" (m.id) } { (m.name) } } } }
        }
        h2 { (t(lang, "Members")) " (" (members.total) ")" }
        @if members.items.is_empty() { p { "—" } } @else {
            ul #members { @for m in &members.items { li { a href={ "/hr/people/" (m.id) } { (m.name) } } } }
            @if members.total > members.items.len() as i64 {
                p { a href={ "/hr/people?team_id=" (team.id) } { (t(lang, "Everyone")) } }
            }
        }
    })
}

fn find<'a>(teams: &'a [Team], id: &str) -> Result<&'a Team, ApiError> {
    teams
        .iter()
        .find(|t| t.id == id)
        .ok_or(ApiError::NotFound("team"))
}

#[handler]
pub async fn edit_page(Path(id): Path<String>, Signed(state, s, _): Signed<'_, Hr>) -> Response {
    let c = s.chrome();
    let list = or_page!(&c, all_teams(state, &s.principal).await);
    let team = or_page!(&c, find(&list, &id));
    html_response(
        StatusCode::OK,
        edit_view(
            &c,
            team,
            &list,
            &Form(vec![]),
            &Errors::default(),
            or_page!(&c, members_section(state, &s, team).await),
        ),
    )
}

#[handler]
pub async fn edit(Path(id): Path<String>, Posted(state, s, form, _): Posted<'_, Hr>) -> Response {
    let c = s.chrome();
    let outcome = match parse_kind(form.text("kind")) {
        None => Err(ApiError::invalid("kind", "choose a kind")),
        Some(kind) => {
            let input = UpdateTeam {
                name: Some(form.text("name").to_owned()),
                parent_id: match optional(form.text("parent_id")) {
                    Some(p) => MaybeUndefined::Value(p),
                    None => MaybeUndefined::Null,
                },
                kind: Some(kind),
                key: match optional(form.text("key")) {
                    Some(k) => MaybeUndefined::Value(k),
                    None => MaybeUndefined::Null,
                },
            };
            update_team(state, &s.principal, id.clone(), input).await
        }
    };
    match outcome {
        Ok(_) => see_other("/hr/teams"),
        Err(e) => {
            let list = or_page!(&c, all_teams(state, &s.principal).await);
            let team = or_page!(&c, find(&list, &id));
            html_response(
                status_of(&e),
                edit_view(
                    &c,
                    team,
                    &list,
                    &form,
                    &Errors::from_api(c.lang, &e),
                    members_section(state, &s, team).await.unwrap_or_default(),
                ),
            )
        }
    }
}
