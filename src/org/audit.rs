//! The audit-log rows of organisational changes. Each function is called inside the
//! transaction of the change it records (after the change is written and checked), so
//! a refused or failed change leaves no row and a change never lands unaudited. A row
//! says who (the actor), what (the action) and which (the target: ids, the new parent,
//! roles, a team's new name — team names are not personal data); never a person's name
//! or attributes.
//!
//! Actions: `team.create`, `team.delete`, `team.rename`, `team.move`, `team.rekind`, `team.rekey`,
//! `team.serves`, `manager.add`, `manager.remove`, `person.create`, `person.move`,
//! `role.change`, `person.update` (which attribute fields changed, not their values),
//! `person.deactivate` and `people.import` (one row per import, with counts).

use crate::db::AnyConnection;
use crate::error::ApiError;
use crate::org::model::{PersonRow, TeamRow};
use crate::reports::audit_log::{record, target};

/// The target's word for "no team" / "no parent" (the root).
const NONE: &str = "none";

fn team_path(id: &str) -> String {
    format!("teams/{id}")
}

fn person_path(id: &str) -> String {
    format!("people/{id}")
}

/// `hr`, `admin`, `hr;admin` or `none`.
fn roles(is_hr: bool, is_admin: bool) -> &'static str {
    match (is_hr, is_admin) {
        (true, true) => "hr;admin",
        (true, false) => "hr",
        (false, true) => "admin",
        (false, false) => NONE,
    }
}

/// A new team, under its parent (`none`: a root).
pub fn team_created(conn: &mut AnyConnection, actor: &str, team: &TeamRow) -> Result<(), ApiError> {
    let t = target(
        &team_path(&team.id),
        &[("parent_id", Some(team.parent_id.as_deref().unwrap_or(NONE)))],
    );
    record(conn, actor, "team.create", &t)
}

/// One row for each thing about a team that changed between `before` and `after`: its
/// name (the new name), its parent (old and new parent ids), its kind or its key.
pub fn team_changed(
    conn: &mut AnyConnection,
    actor: &str,
    before: &TeamRow,
    after: &TeamRow,
) -> Result<(), ApiError> {
    let path = team_path(&after.id);
    if before.name != after.name {
        let t = target(&path, &[("name", Some(&after.name))]);
        record(conn, actor, "team.rename", &t)?;
    }
    if before.parent_id != after.parent_id {
        let t = target(
            &path,
            &[
                (
                    "from_parent",
                    Some(before.parent_id.as_deref().unwrap_or(NONE)),
                ),
                (
                    "to_parent",
                    Some(after.parent_id.as_deref().unwrap_or(NONE)),
                ),
            ],
        );
        record(conn, actor, "team.move", &t)?;
    }
    if before.kind != after.kind {
        let t = target(&path, &[("kind", Some(&after.kind))]);
        record(conn, actor, "team.rekind", &t)?;
    }
    if before.team_key != after.team_key {
        let t = target(
            &path,
            &[("key", Some(after.team_key.as_deref().unwrap_or(NONE)))],
        );
        record(conn, actor, "team.rekey", &t)?;
    }
    Ok(())
}

/// One row per manager added to or removed from `team` (`before` → `after`).
pub fn managers_changed(
    conn: &mut AnyConnection,
    actor: &str,
    team: &str,
    before: &[String],
    after: &[String],
) -> Result<(), ApiError> {
    for pid in after.iter().filter(|p| !before.contains(p)) {
        record(
            conn,
            actor,
            "manager.add",
            &format!("teams/{team}/managers/{pid}"),
        )?;
    }
    for pid in before.iter().filter(|p| !after.contains(p)) {
        record(
            conn,
            actor,
            "manager.remove",
            &format!("teams/{team}/managers/{pid}"),
        )?;
    }
    Ok(())
}

/// The frontline teams `team` serves were replaced (the service map behind linkage).
pub fn serves_changed(
    conn: &mut AnyConnection,
    actor: &str,
    team: &str,
    count: usize,
) -> Result<(), ApiError> {
    let n = count.to_string();
    let t = target(&format!("teams/{team}/serves"), &[("count", Some(&n))]);
    record(conn, actor, "team.serves", &t)
}

/// A new person, in their team with their roles.
pub fn person_created(
    conn: &mut AnyConnection,
    actor: &str,
    person: &PersonRow,
) -> Result<(), ApiError> {
    let t = target(
        &person_path(&person.id),
        &[
            ("team_id", Some(person.team_id.as_deref().unwrap_or(NONE))),
            ("roles", Some(roles(person.is_hr, person.is_admin))),
        ],
    );
    record(conn, actor, "person.create", &t)
}

/// One row for each kind of change to a person: a move between teams (old and new team
/// ids), a change of roles (old and new), and any other attribute (only which fields).
pub fn person_changed(
    conn: &mut AnyConnection,
    actor: &str,
    before: &PersonRow,
    after: &PersonRow,
) -> Result<(), ApiError> {
    let path = person_path(&after.id);
    if before.team_id != after.team_id {
        let t = target(
            &path,
            &[
                ("from_team", Some(before.team_id.as_deref().unwrap_or(NONE))),
                ("to_team", Some(after.team_id.as_deref().unwrap_or(NONE))),
            ],
        );
        record(conn, actor, "person.move", &t)?;
    }
    let (old, new) = (
        roles(before.is_hr, before.is_admin),
        roles(after.is_hr, after.is_admin),
    );
    if old != new {
        let t = target(&path, &[("from_roles", Some(old)), ("to_roles", Some(new))]);
        record(conn, actor, "role.change", &t)?;
    }
    let fields: Vec<&str> = [
        ("name", before.name != after.name),
        ("location", before.location != after.location),
        ("job_family", before.job_family != after.job_family),
        ("start_date", before.start_date != after.start_date),
        ("language", before.language != after.language),
        ("email", before.email != after.email),
        ("phone", before.phone != after.phone),
        (
            "employee_number",
            before.employee_number != after.employee_number,
        ),
    ]
    .into_iter()
    .filter_map(|(f, changed)| changed.then_some(f))
    .collect();
    if !fields.is_empty() {
        let t = target(&path, &[("fields", Some(&fields.join(",")))]);
        record(conn, actor, "person.update", &t)?;
    }
    Ok(())
}

/// A team was deleted (its name kept in the entry: team names are not personal data).
pub fn team_deleted(conn: &mut AnyConnection, actor: &str, team: &TeamRow) -> Result<(), ApiError> {
    let t = target(&team_path(&team.id), &[("name", Some(&team.name))]);
    record(conn, actor, "team.delete", &t)
}

/// A person was deactivated (and stopped managing their teams).
pub fn person_deactivated(conn: &mut AnyConnection, actor: &str, id: &str) -> Result<(), ApiError> {
    record(conn, actor, "person.deactivate", &person_path(id))
}

/// What one CSV import changed, counted.
#[derive(Debug, Default, Clone, Copy)]
pub struct ImportCounts {
    pub created: u64,
    pub updated: u64,
    pub moved: u64,
    pub role_changes: u64,
    pub managers_added: u64,
}

/// One row for a whole import that wrote something, with its counts.
pub fn imported(conn: &mut AnyConnection, actor: &str, c: ImportCounts) -> Result<(), ApiError> {
    if c.created == 0 && c.updated == 0 && c.managers_added == 0 {
        return Ok(());
    }
    let n = [
        c.created.to_string(),
        c.updated.to_string(),
        c.moved.to_string(),
        c.role_changes.to_string(),
        c.managers_added.to_string(),
    ];
    let t = target(
        "people/import",
        &[
            ("created", Some(&n[0])),
            ("updated", Some(&n[1])),
            ("moved", Some(&n[2])),
            ("role_changes", Some(&n[3])),
            ("managers_added", Some(&n[4])),
        ],
    );
    record(conn, actor, "people.import", &t)
}
