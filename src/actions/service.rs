//! The actions' rules and orchestration, shared by the API and the web pages: the
//! limits on what is written, who may read and change what ([`access`]), who may own an
//! action, what a change records (the audit log, in the change's own transaction) and
//! the messages it queues (a new action to its team's members).

use std::collections::HashSet;

use chrono::NaiveDate;

use crate::actions::access::Rights;
use crate::actions::model::{ActionRow, UpdateRow};
use crate::actions::store;
use crate::actions::types::{
    Action, ActionPage, ActionUpdate, CreateAction, Filter, NewActionUpdate, PersonRef,
    UpdateAction,
};
use crate::actions::workflow::{Status, closed_on_after, is_overdue};
use crate::auth::Principal;
use crate::clock::now;
use crate::db::AnyConnection;
use crate::error::ApiError;
use crate::notify::queue;
use crate::org::domain::{parse_long_text, parse_text};
use crate::org::store::{self as org_store, TeamTree};
use crate::reports::audit_log::{record, target};
use crate::state::AppState;
use crate::suggestions::service::get_suggestion;
use crate::surveys::bank::Driver;

pub const TITLE_MAX: usize = 200;
pub const DESCRIPTION_MAX: usize = 5_000;
pub const THEME_MAX: usize = 100;
pub const UPDATE_MAX: usize = 2_000;
/// How long a closed action stays on the team's pages ("what we are doing about your
/// feedback").
pub const SHOWN_AFTER_CLOSING_DAYS: i64 = 90;

/// Whether `owner` may own an action of `team` (`None`: the organisation): an active
/// person who may read it — HR, a manager of the team (or above it), a member of it;
/// anyone active for an organisation action. 422 on `owner_id` otherwise.
fn check_owner(conn: &mut AnyConnection, owner: &str, team: Option<&str>) -> Result<(), ApiError> {
    let Some((own_team, active, hr)) = store::person_standing(conn, owner)? else {
        return Err(ApiError::invalid("owner_id", "unknown person"));
    };
    if !active {
        return Err(ApiError::invalid("owner_id", "unknown person"));
    }
    let allowed = match team {
        None => true,
        Some(t) => {
            hr || own_team.as_deref() == Some(t) || {
                let managed = org_store::managed_team_ids(conn, owner)?;
                TeamTree::load(conn)?.subtrees(&managed).contains(t)
            }
        }
    };
    if allowed {
        Ok(())
    } else {
        Err(ApiError::invalid(
            "owner_id",
            "the owner must be able to see the action: a member of its team, one of its managers, or HR",
        ))
    }
}

/// The actions as read by a caller with `rights` on `today`.
fn views(
    conn: &mut AnyConnection,
    rows: Vec<ActionRow>,
    rights: &Rights,
    today: NaiveDate,
) -> Result<Vec<Action>, ApiError> {
    let mut people: Vec<String> = rows
        .iter()
        .flat_map(|r| r.owner_id.iter().chain(std::iter::once(&r.created_by)))
        .cloned()
        .collect();
    people.sort();
    people.dedup();
    let names = store::person_names(conn, &people)?;
    let team_ids: Vec<String> = rows.iter().filter_map(|r| r.team_id.clone()).collect();
    let teams = store::team_names(conn, &team_ids)?;
    let person = |id: &str| PersonRef {
        id: id.to_owned(),
        name: names.get(id).cloned().unwrap_or_default(),
    };
    Ok(rows
        .into_iter()
        .map(|r| {
            let status = Status::from_db(&r.status);
            Action {
                team: r.team_id.as_ref().and_then(|t| teams.get(t).cloned()),
                driver: r.driver.as_deref().and_then(Driver::parse),
                owner: r.owner_id.as_deref().map(person),
                overdue: is_overdue(status, r.due_on, today),
                created_by: person(&r.created_by),
                can_edit: rights.may_change(r.team_id.as_deref()),
                status,
                id: r.id,
                team_id: r.team_id,
                theme: r.theme,
                suggestion_id: r.suggestion_id,
                title: r.title,
                description: r.description,
                due_on: r.due_on,
                closed_on: r.closed_on,
                created_at: r.created_at,
                updated_at: r.updated_at,
            }
        })
        .collect())
}

fn view(conn: &mut AnyConnection, row: ActionRow, rights: &Rights) -> Result<Action, ApiError> {
    let today = now().date();
    views(conn, vec![row], rights, today)?
        .pop()
        .ok_or(ApiError::NotFound("action"))
}

/// The action if the caller may read it, else 404.
fn readable(conn: &mut AnyConnection, rights: &Rights, id: &str) -> Result<ActionRow, ApiError> {
    match store::find(conn, id)? {
        Some(row) if rights.may_read(row.team_id.as_deref()) => Ok(row),
        _ => Err(ApiError::NotFound("action")),
    }
}

/// The action if the caller may change it: 404 if they may not read it, 403 if they
/// may only read it.
fn changeable(conn: &mut AnyConnection, rights: &Rights, id: &str) -> Result<ActionRow, ApiError> {
    let row = readable(conn, rights, id)?;
    if rights.may_change(row.team_id.as_deref()) {
        Ok(row)
    } else {
        Err(ApiError::Forbidden)
    }
}

fn action_path(id: &str) -> String {
    format!("actions/{id}")
}

/// Creates an action (a manager for their teams, HR for any team or the organisation)
/// and queues "a new action on your team" to the team's members.
pub async fn create_action(
    state: &AppState,
    p: &Principal,
    b: CreateAction,
) -> Result<Action, ApiError> {
    let title = parse_text(&b.title, "title", TITLE_MAX)?;
    let description = parse_long_text(
        b.description.as_deref().unwrap_or(""),
        "description",
        DESCRIPTION_MAX,
        false,
    )?;
    let theme = match b.theme.as_deref() {
        Some(t) => Some(parse_text(t, "theme", THEME_MAX)?),
        None => None,
    };
    let links = [
        b.driver.is_some(),
        theme.is_some(),
        b.suggestion_id.is_some(),
    ];
    if links.iter().filter(|l| **l).count() > 1 {
        return Err(ApiError::invalid(
            "driver",
            "give at most one of driver, theme and suggestion_id",
        ));
    }
    if let Some(sid) = &b.suggestion_id {
        match get_suggestion(state, p, sid).await {
            Ok(_) => {}
            Err(ApiError::NotFound(_)) => {
                return Err(ApiError::invalid("suggestion_id", "unknown suggestion"));
            }
            Err(e) => return Err(e),
        }
    }
    let p = p.clone();
    let status = b.status.unwrap_or(Status::Planned);
    state
        .db
        .write(move |conn| {
            let rights = Rights::of(conn, &p)?;
            if rights.changes_nothing() {
                return Err(ApiError::Forbidden);
            }
            let team_name = match &b.team_id {
                Some(t) => Some(
                    org_store::find_team(conn, t)?
                        .ok_or_else(|| ApiError::invalid("team_id", "unknown team"))?
                        .name,
                ),
                None => None,
            };
            if !rights.may_change(b.team_id.as_deref()) {
                return Err(ApiError::Forbidden);
            }
            let owner = b.owner_id.clone().unwrap_or_else(|| p.id.clone());
            check_owner(conn, &owner, b.team_id.as_deref())?;
            let t = now();
            let row = ActionRow {
                id: uuid::Uuid::new_v4().to_string(),
                team_id: b.team_id.clone(),
                driver: b.driver.map(|d| d.as_str().to_owned()),
                theme,
                suggestion_id: b.suggestion_id.clone(),
                title,
                description,
                owner_id: Some(owner),
                due_on: b.due_on,
                status: status.as_str().to_owned(),
                closed_on: (!status.is_open()).then_some(t.date()),
                closed_at: (!status.is_open()).then_some(t),
                created_by: p.id.clone(),
                created_at: t,
                updated_at: t,
            };
            store::insert(conn, &row)?;
            let scope = row.team_id.as_deref().unwrap_or("organisation");
            record(
                conn,
                &p.id,
                "action.create",
                &target(&action_path(&row.id), &[("team_id", Some(scope))]),
            )?;
            let audience = store::audience(conn, row.team_id.as_deref(), &p.id)?;
            queue::action_new(conn, &row.id, &row.title, team_name.as_deref(), &audience)?;
            view(conn, row, &rights)
        })
        .await
}

/// The actions `p` may read, filtered, in the order of [`ActionPage::items`], paged.
pub async fn list_actions(
    state: &AppState,
    p: &Principal,
    filter: Filter,
    limit: i64,
    offset: i64,
) -> Result<ActionPage, ApiError> {
    let p = p.clone();
    state
        .db
        .read_replicated(move |conn| {
            let rights = Rights::of(conn, &p)?;
            if let Some(t) = &filter.team
                && (!TeamTree::load(conn)?.contains(t) || !rights.may_read(Some(t)))
            {
                return Err(ApiError::NotFound("team"));
            }
            let readable = rights.readable();
            let rows = store::list(
                conn,
                readable.as_ref(),
                filter.team.is_none(),
                filter.team.as_deref(),
                filter.status.map(Status::as_str),
                filter.owner.as_deref(),
            )?;
            let rows: Vec<ActionRow> = if filter.organisation {
                rows.into_iter().filter(|r| r.team_id.is_none()).collect()
            } else {
                rows
            };
            let today = now().date();
            let mut items = views(conn, rows, &rights, today)?;
            if filter.overdue {
                items.retain(|a| a.overdue);
            }
            sort(&mut items);
            let total = items.len() as i64;
            let items = items
                .into_iter()
                .skip(usize::try_from(offset).unwrap_or(0))
                .take(usize::try_from(limit).unwrap_or(0))
                .collect();
            Ok(ActionPage {
                items,
                total,
                limit,
                offset,
            })
        })
        .await
}

/// Overdue first (oldest due day first), then the other open actions by due day, then
/// the closed ones, most recently closed first; ties by id.
fn sort(items: &mut [Action]) {
    items.sort_by(|a, b| {
        let rank = |x: &Action| match (x.overdue, x.status.is_open()) {
            (true, _) => 0,
            (false, true) => 1,
            (false, false) => 2,
        };
        rank(a)
            .cmp(&rank(b))
            .then_with(|| {
                if rank(a) == 2 {
                    b.closed_on.cmp(&a.closed_on)
                } else {
                    a.due_on.cmp(&b.due_on)
                }
            })
            .then_with(|| a.id.cmp(&b.id))
    });
}

/// What an employee is shown about their team ("what we are doing about your
/// feedback"): the actions of their own team and of the organisation, open ones and
/// those closed in the last [`SHOWN_AFTER_CLOSING_DAYS`] days.
pub async fn team_actions(state: &AppState, p: &Principal) -> Result<Vec<Action>, ApiError> {
    let p = p.clone();
    state
        .db
        .read(move |conn| {
            let rights = Rights::of(conn, &p)?;
            let own: HashSet<String> = p.team_id.iter().cloned().collect();
            let rows = store::list(conn, Some(&own), true, None, None, None)?;
            let today = now().date();
            let since = today - chrono::TimeDelta::days(SHOWN_AFTER_CLOSING_DAYS);
            let rows = rows
                .into_iter()
                .filter(|r| r.closed_on.is_none_or(|d| d >= since))
                .collect();
            let mut items = views(conn, rows, &rights, today)?;
            sort(&mut items);
            Ok(items)
        })
        .await
}

/// One action `p` may read.
pub async fn get_action(state: &AppState, p: &Principal, id: &str) -> Result<Action, ApiError> {
    let (p, id) = (p.clone(), id.to_owned());
    state
        .db
        .read(move |conn| {
            let rights = Rights::of(conn, &p)?;
            let row = readable(conn, &rights, &id)?;
            view(conn, row, &rights)
        })
        .await
}

/// Changes an action (whoever may change it): the fields given; audited with the
/// names of the fields that changed and, for a status, the move.
pub async fn update_action(
    state: &AppState,
    p: &Principal,
    id: &str,
    b: UpdateAction,
) -> Result<Action, ApiError> {
    let title = match b.title.as_deref() {
        Some(t) => Some(parse_text(t, "title", TITLE_MAX)?),
        None => None,
    };
    let description = match b.description.as_deref() {
        Some(d) => Some(parse_long_text(d, "description", DESCRIPTION_MAX, false)?),
        None => None,
    };
    let (p, id) = (p.clone(), id.to_owned());
    state
        .db
        .write(move |conn| {
            let rights = Rights::of(conn, &p)?;
            let before = changeable(conn, &rights, &id)?;
            let mut after = before.clone();
            if let Some(t) = title {
                after.title = t;
            }
            if let Some(d) = description {
                after.description = d;
            }
            if let Some(o) = &b.owner_id
                && before.owner_id.as_ref() != Some(o)
            {
                check_owner(conn, o, before.team_id.as_deref())?;
                after.owner_id = Some(o.clone());
            }
            if let Some(d) = b.due_on {
                after.due_on = d;
            }
            let t = now();
            let from = Status::from_db(&before.status);
            if let Some(to) = b.status {
                after.status = to.as_str().to_owned();
                after.closed_at = closed_on_after(from, to, before.closed_at, t);
                after.closed_on = after.closed_at.map(|c| c.date());
            }
            let fields: Vec<&str> = [
                ("title", before.title != after.title),
                ("description", before.description != after.description),
                ("owner_id", before.owner_id != after.owner_id),
                ("due_on", before.due_on != after.due_on),
                ("status", before.status != after.status),
            ]
            .into_iter()
            .filter_map(|(f, changed)| changed.then_some(f))
            .collect();
            if fields.is_empty() {
                return view(conn, before, &rights);
            }
            after.updated_at = t;
            store::save(conn, &after)?;
            let (old, new) = (before.status.clone(), after.status.clone());
            let moved = old != new;
            if moved {
                // The action's timeline shows the move, as when an update makes it.
                store::insert_update(
                    conn,
                    &UpdateRow {
                        id: uuid::Uuid::new_v4().to_string(),
                        action_id: id.clone(),
                        body: String::new(),
                        from_status: Some(old.clone()),
                        to_status: Some(new.clone()),
                        author_id: p.id.clone(),
                        created_on: t.date(),
                        created_at: t,
                    },
                )?;
            }
            let joined = fields.join(",");
            record(
                conn,
                &p.id,
                "action.update",
                &target(
                    &action_path(&id),
                    &[
                        ("fields", Some(&joined)),
                        ("from_status", moved.then_some(old.as_str())),
                        ("to_status", moved.then_some(new.as_str())),
                    ],
                ),
            )?;
            view(conn, after, &rights)
        })
        .await
}

fn update_views(
    conn: &mut AnyConnection,
    rows: Vec<UpdateRow>,
) -> Result<Vec<ActionUpdate>, ApiError> {
    let ids: Vec<String> = rows.iter().map(|r| r.author_id.clone()).collect();
    let names = store::person_names(conn, &ids)?;
    Ok(rows
        .into_iter()
        .map(|r| ActionUpdate {
            author: PersonRef {
                name: names.get(&r.author_id).cloned().unwrap_or_default(),
                id: r.author_id,
            },
            from_status: r.from_status.as_deref().map(Status::from_db),
            to_status: r.to_status.as_deref().map(Status::from_db),
            id: r.id,
            text: r.body,
            created_on: r.created_on,
            created_at: r.created_at,
        })
        .collect())
}

/// The updates of an action `p` may read, oldest first.
pub async fn list_updates(
    state: &AppState,
    p: &Principal,
    id: &str,
) -> Result<Vec<ActionUpdate>, ApiError> {
    let (p, id) = (p.clone(), id.to_owned());
    state
        .db
        .read(move |conn| {
            let rights = Rights::of(conn, &p)?;
            readable(conn, &rights, &id)?;
            let rows = store::updates(conn, &id)?;
            update_views(conn, rows)
        })
        .await
}

/// Adds a dated update to an action (whoever may change it), moving its status when
/// `status` is given and differs; audited.
pub async fn add_update(
    state: &AppState,
    p: &Principal,
    id: &str,
    b: NewActionUpdate,
) -> Result<ActionUpdate, ApiError> {
    let text = parse_long_text(&b.text, "text", UPDATE_MAX, true)?;
    let (p, id) = (p.clone(), id.to_owned());
    state
        .db
        .write(move |conn| {
            let rights = Rights::of(conn, &p)?;
            let mut row = changeable(conn, &rights, &id)?;
            let t = now();
            let from = Status::from_db(&row.status);
            let to = b.status.filter(|s| *s != from);
            if let Some(to) = to {
                row.status = to.as_str().to_owned();
                row.closed_at = closed_on_after(from, to, row.closed_at, t);
                row.closed_on = row.closed_at.map(|c| c.date());
            }
            row.updated_at = t;
            store::save(conn, &row)?;
            let update = UpdateRow {
                id: uuid::Uuid::new_v4().to_string(),
                action_id: id.clone(),
                body: text,
                from_status: to.map(|_| from.as_str().to_owned()),
                to_status: to.map(|s| s.as_str().to_owned()),
                author_id: p.id.clone(),
                created_on: t.date(),
                created_at: t,
            };
            store::insert_update(conn, &update)?;
            record(
                conn,
                &p.id,
                "action.note",
                &target(
                    &format!("{}/updates/{}", action_path(&id), update.id),
                    &[
                        ("from_status", to.map(|_| from.as_str())),
                        ("to_status", to.map(Status::as_str)),
                    ],
                ),
            )?;
            update_views(conn, vec![update])?
                .pop()
                .ok_or(ApiError::NotFound("action"))
        })
        .await
}

/// The teams `p` may create actions for, as (id, name) by name; whether they may also
/// create the organisation's own (HR).
pub async fn action_teams(
    state: &AppState,
    p: &Principal,
) -> Result<(Vec<(String, String)>, bool), ApiError> {
    let p = p.clone();
    state
        .db
        .read(move |conn| {
            let rights = Rights::of(conn, &p)?;
            let mut teams: Vec<(String, String)> = org_store::team_refs(conn)?
                .into_iter()
                .filter(|(id, ..)| rights.may_change(Some(id)))
                .map(|(id, _, name, _)| (id, name))
                .collect();
            teams.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
            Ok((teams, rights.is_hr()))
        })
        .await
}

/// Who may own action `id`, as (id, name) by name, for a caller who may change it.
pub async fn owner_choices(
    state: &AppState,
    p: &Principal,
    id: &str,
) -> Result<Vec<(String, String)>, ApiError> {
    let (p, id) = (p.clone(), id.to_owned());
    state
        .db
        .read(move |conn| {
            let rights = Rights::of(conn, &p)?;
            let row = changeable(conn, &rights, &id)?;
            let chain = match &row.team_id {
                Some(t) => TeamTree::load(conn)?.ancestors_inclusive(t),
                None => Vec::new(),
            };
            store::owner_candidates(conn, row.team_id.as_deref(), &chain)
        })
        .await
}
