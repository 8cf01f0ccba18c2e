//! The action queries: plain functions on a connection, no rules.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::actions::model::{ActionRow, UpdateRow};
use crate::db::AnyConnection;
use crate::db::schema::{action_updates, actions, people, teams};
use crate::error::ApiError;

pub fn insert(conn: &mut AnyConnection, row: &ActionRow) -> Result<(), ApiError> {
    diesel::insert_into(actions::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Writes the changeable fields of `row` (title, description, owner, due day, status,
/// closed day, updated time).
pub fn save(conn: &mut AnyConnection, row: &ActionRow) -> Result<(), ApiError> {
    diesel::update(actions::table.find(&row.id))
        .set((
            actions::title.eq(&row.title),
            actions::description.eq(&row.description),
            actions::owner_id.eq(&row.owner_id),
            actions::due_on.eq(row.due_on),
            actions::status.eq(&row.status),
            actions::closed_on.eq(row.closed_on),
            actions::closed_at.eq(row.closed_at),
            actions::updated_at.eq(row.updated_at),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut AnyConnection, id: &str) -> Result<Option<ActionRow>, ApiError> {
    Ok(actions::table
        .find(id)
        .select(ActionRow::as_select())
        .first(conn)
        .optional()?)
}

/// The actions of `teams` (`None`: of every team) and, when `organisation`, the
/// organisation's own; narrowed to one team, status and owner when given.
pub fn list(
    conn: &mut AnyConnection,
    teams: Option<&HashSet<String>>,
    organisation: bool,
    team: Option<&str>,
    status: Option<&str>,
    owner: Option<&str>,
) -> Result<Vec<ActionRow>, ApiError> {
    let mut q = actions::table.select(ActionRow::as_select()).into_boxed();
    match (teams, organisation) {
        (None, true) => {}
        (None, false) => q = q.filter(actions::team_id.is_not_null()),
        (Some(set), org) => {
            let ids: Vec<String> = set.iter().cloned().collect();
            q = if org {
                q.filter(actions::team_id.eq_any(ids).or(actions::team_id.is_null()))
            } else {
                q.filter(actions::team_id.eq_any(ids))
            };
        }
    }
    if let Some(t) = team {
        q = q.filter(actions::team_id.eq(t.to_owned()));
    }
    if let Some(s) = status {
        q = q.filter(actions::status.eq(s.to_owned()));
    }
    if let Some(o) = owner {
        q = q.filter(actions::owner_id.eq(o.to_owned()));
    }
    Ok(q.order(actions::id).load(conn)?)
}

pub fn insert_update(conn: &mut AnyConnection, row: &UpdateRow) -> Result<(), ApiError> {
    diesel::insert_into(action_updates::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// An action's updates, oldest first.
pub fn updates(conn: &mut AnyConnection, action_id: &str) -> Result<Vec<UpdateRow>, ApiError> {
    Ok(action_updates::table
        .filter(action_updates::action_id.eq(action_id))
        .order((action_updates::created_at, action_updates::id))
        .select(UpdateRow::as_select())
        .load(conn)?)
}

/// The names of people `ids`.
pub fn person_names(
    conn: &mut AnyConnection,
    ids: &[String],
) -> Result<HashMap<String, String>, ApiError> {
    let rows: Vec<(String, String)> = people::table
        .filter(people::id.eq_any(ids))
        .select((people::id, people::name))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

/// The names of teams `ids`.
pub fn team_names(
    conn: &mut AnyConnection,
    ids: &[String],
) -> Result<HashMap<String, String>, ApiError> {
    let rows: Vec<(String, String)> = teams::table
        .filter(teams::id.eq_any(ids))
        .select((teams::id, teams::name))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

/// A person's team and whether they are active, if they exist.
pub fn person_standing(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<(Option<String>, bool, bool)>, ApiError> {
    Ok(people::table
        .find(id)
        .select((
            people::team_id,
            people::active,
            people::is_hr.or(people::is_admin),
        ))
        .first(conn)
        .optional()?)
}

/// The active people who hear of a new action of `team` (`None`: everyone), with
/// their language, leaving out `except` (who created it).
pub fn audience(
    conn: &mut AnyConnection,
    team: Option<&str>,
    except: &str,
) -> Result<Vec<(String, String)>, ApiError> {
    let mut q = people::table
        .filter(people::active.eq(true))
        .filter(people::id.ne(except))
        .select((people::id, people::language))
        .into_boxed();
    if let Some(t) = team {
        q = q.filter(people::team_id.eq(t.to_owned()));
    }
    Ok(q.load(conn)?)
}

/// Open actions with an owner due between `from` and `to` (both included).
pub fn due_between(
    conn: &mut AnyConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<ActionRow>, ApiError> {
    Ok(actions::table
        .filter(actions::status.eq_any(["planned", "in_progress"]))
        .filter(actions::due_on.ge(from))
        .filter(actions::due_on.le(to))
        .filter(actions::owner_id.is_not_null())
        .select(ActionRow::as_select())
        .load(conn)?)
}

/// Active people who may own an action of `team`: its members and the managers of it
/// and of the teams above it (`chain`: the team and its ancestors); for the
/// organisation (`team` None), HR and admins and every team's managers. By name.
pub fn owner_candidates(
    conn: &mut AnyConnection,
    team: Option<&str>,
    chain: &[String],
) -> Result<Vec<(String, String)>, ApiError> {
    use crate::db::schema::team_managers;
    let managers: Vec<String> = match team {
        Some(_) => team_managers::table
            .filter(team_managers::team_id.eq_any(chain))
            .select(team_managers::person_id)
            .load(conn)?,
        None => team_managers::table
            .select(team_managers::person_id)
            .load(conn)?,
    };
    let mut q = people::table
        .filter(people::active.eq(true))
        .select((people::id, people::name))
        .into_boxed();
    q = match team {
        Some(t) => q.filter(
            people::team_id
                .eq(t.to_owned())
                .or(people::id.eq_any(managers)),
        ),
        None => q.filter(
            people::is_hr
                .or(people::is_admin)
                .or(people::id.eq_any(managers)),
        ),
    };
    Ok(q.order((people::name, people::id)).load(conn)?)
}
