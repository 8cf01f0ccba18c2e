//! The rules of two organisational changes that more than one door makes, at the level
//! of a connection inside the caller's transaction: deactivating a person and deleting
//! a team. The organisation API and pages reach them through [`crate::org::service`];
//! SCIM provisioning (`crate::scim`) calls them directly, with its own actor.

use crate::clock::now;
use crate::db::AnyConnection;
use crate::error::{ApiError, Msg};
use crate::org::access::may_change_admin;
use crate::org::audit;
use crate::org::domain::team_in_use;
use crate::org::store;

/// Deactivates person `id` (audited as `actor`): no sign-in, every token revoked, no team
/// managed. An admin is deactivated only when `caller_is_admin` (403 otherwise).
pub fn deactivate(
    conn: &mut AnyConnection,
    actor: &str,
    caller_is_admin: bool,
    id: &str,
) -> Result<(), ApiError> {
    let row = store::find_person(conn, id)?.ok_or(ApiError::NotFound("person"))?;
    if !may_change_admin(caller_is_admin, row.is_admin) {
        return Err(ApiError::Forbidden);
    }
    store::deactivate_person(conn, id, now())?;
    audit::person_deactivated(conn, actor, id)
}

/// Deletes team `id` (audited as `actor`) when it has no child teams, nobody in it and no
/// history (surveys, rounds, answers, suggestions, ratings or plans naming it: past
/// reports keep such a team); 409 saying why otherwise. Its managers and service-map
/// links go with it.
pub fn delete_team(conn: &mut AnyConnection, actor: &str, id: &str) -> Result<(), ApiError> {
    let team = store::find_team(conn, id)?.ok_or(ApiError::NotFound("team"))?;
    let used = store::team_use(conn, id)?;
    if let Some(why) = team_in_use(used.children, used.people) {
        return Err(ApiError::Conflict(why));
    }
    if used.history {
        return Err(ApiError::Conflict(Msg::new(
            "the team has history (surveys, answers, suggestions, customer ratings or \
             action plans) that past reports keep: rename or move it instead",
        )));
    }
    store::delete_team(conn, id)?;
    audit::team_deleted(conn, actor, &team)
}
