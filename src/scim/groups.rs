//! What the SCIM routes call for groups. A group is a team: `displayName` its name,
//! `externalId` its import key, `members` its people. Creating a group creates a
//! root team (internal); members are the people of the team SCIM sees, deactivated
//! ones too; deleting one follows the organisation's team-deletion rules
//! (409 while people, child teams or history name it). Members are written only when
//! groups drive teams (`PULSELINE_SCIM_TEAMS=groups`): adding a person to a group moves
//! them into that team, removing them leaves them without a team. Otherwise `members`
//! is read-only and ignored when sent, as RFC 7643 says of read-only attributes.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::clock::now;
use crate::db::AnyConnection;
use crate::error::ApiError;
use crate::org::audit;
use crate::org::domain::{Name, TeamKind, parse_optional_text};
use crate::org::lifecycle;
use crate::org::model::{TeamChanges, TeamRow};
use crate::org::store as org_store;
use crate::scim::config::TeamSource;
use crate::scim::patch;
use crate::scim::service::{Ctx, Resource, meta};
use crate::scim::store;
use crate::scim::types::{GROUP, GroupIn, ListQuery, ListResponse, PatchRequest, ScimError};
use crate::state::AppState;

pub fn group_json(conn: &mut AnyConnection, base: &str, team: &TeamRow) -> Result<Value, ApiError> {
    let members: Vec<Value> = store::members(conn, &team.id)?
        .into_iter()
        .map(|(id, _)| json!({"value": id, "$ref": format!("{base}/Users/{id}")}))
        .collect();
    let mut g = json!({
        "schemas": [GROUP],
        "id": team.id,
        "displayName": team.name,
        "meta": meta(base, "Group", &team.id, team.created_at, team.updated_at),
    });
    if let Some(o) = g.as_object_mut() {
        if let Some(k) = &team.team_key {
            o.insert("externalId".into(), json!(k));
        }
        // No members: no attribute (RFC 7643 §2.5: unassigned, not an empty list).
        if !members.is_empty() {
            o.insert("members".into(), Value::Array(members));
        }
    }
    Ok(g)
}

struct Desired {
    name: String,
    key: Option<String>,
    members: Option<BTreeSet<String>>,
}

fn desired(body: Value, ctx: &Ctx) -> Result<Desired, ScimError> {
    let g: GroupIn = serde_json::from_value(patch::canonical_keys(body))
        .map_err(|e| ScimError::bad("invalidSyntax", format!("not a group: {e}")))?;
    let invalid = |e: ApiError| ScimError::bad("invalidValue", e.to_string());
    let name = Name::parse(g.display_name.as_deref().unwrap_or(""), "displayName")
        .map_err(invalid)?
        .into_inner();
    let key = parse_optional_text(g.external_id.as_deref(), "externalId", 100).map_err(invalid)?;
    let members = match ctx.teams {
        TeamSource::Groups => g
            .members
            .map(|m| m.into_iter().filter_map(|r| r.value).collect()),
        TeamSource::Department => None,
    };
    Ok(Desired { name, key, members })
}

fn key_taken(
    conn: &mut AnyConnection,
    key: &Option<String>,
    except: Option<&str>,
) -> Result<(), ApiError> {
    match key {
        Some(k) if org_store::team_key_taken(conn, k, except)? => Err(ApiError::Conflict(
            "a group with this externalId already exists".into(),
        )),
        _ => Ok(()),
    }
}

/// Makes the team's active people exactly `wanted` (people not found are refused).
fn set_members(
    conn: &mut AnyConnection,
    actor: &str,
    team: &str,
    wanted: &BTreeSet<String>,
) -> Result<(), ApiError> {
    let at = now();
    let current: BTreeSet<String> = store::members(conn, team)?
        .into_iter()
        .map(|m| m.0)
        .collect();
    for id in wanted.difference(&current) {
        let Some((before, _)) = store::find_user(conn, id)? else {
            return Err(ApiError::invalid("members", "no such user"));
        };
        store::set_team(conn, id, Some(team), at)?;
        let after = org_store::find_person(conn, id)?.ok_or(ApiError::NotFound("user"))?;
        audit::person_changed(conn, actor, &before, &after)?;
    }
    for id in current.difference(wanted) {
        let Some(before) = org_store::find_person(conn, id)? else {
            continue;
        };
        store::set_team(conn, id, None, at)?;
        let after = org_store::find_person(conn, id)?.ok_or(ApiError::NotFound("user"))?;
        audit::person_changed(conn, actor, &before, &after)?;
    }
    Ok(())
}

pub async fn create(state: &AppState, ctx: Ctx, body: Value) -> Result<Value, ScimError> {
    let d = desired(body, &ctx)?;
    let r = state
        .db
        .write(move |conn| {
            key_taken(conn, &d.key, None)?;
            let team = TeamRow {
                team_key: d.key.clone(),
                ..TeamRow::new(d.name.clone(), None, TeamKind::Internal, now())
            };
            org_store::insert_team(conn, &team)?;
            let actor = ctx.actor();
            audit::team_created(conn, &actor, &team)?;
            if let Some(m) = &d.members {
                set_members(conn, &actor, &team.id, m)?;
            }
            group_json(conn, &ctx.base, &team)
        })
        .await?;
    Ok(r)
}

/// How SCIM reads groups.
const GROUPS: Resource<TeamRow> = Resource {
    what: "group",
    users: false,
    find: org_store::find_team,
    page: store::page_groups,
    json: group_json,
};

pub async fn get(state: &AppState, ctx: Ctx, id: String) -> Result<Value, ScimError> {
    GROUPS.get(state, ctx, id).await
}

pub async fn list(state: &AppState, ctx: Ctx, q: ListQuery) -> Result<ListResponse, ScimError> {
    GROUPS.list(state, ctx, q).await
}

pub async fn replace(
    state: &AppState,
    ctx: Ctx,
    id: String,
    body: Value,
) -> Result<Value, ScimError> {
    let d = desired(body, &ctx)?;
    let r = state
        .db
        .write(move |conn| {
            let before = org_store::find_team(conn, &id)?.ok_or(ApiError::NotFound("group"))?;
            key_taken(conn, &d.key, Some(&id))?;
            let changes = TeamChanges {
                name: Some(d.name.clone()),
                team_key: Some(d.key.clone()),
                updated_at: Some(now()),
                ..TeamChanges::default()
            };
            org_store::update_team(conn, &id, &changes)?;
            let after = org_store::find_team(conn, &id)?.ok_or(ApiError::NotFound("group"))?;
            let actor = ctx.actor();
            audit::team_changed(conn, &actor, &before, &after)?;
            if let Some(m) = &d.members {
                set_members(conn, &actor, &id, m)?;
            }
            group_json(conn, &ctx.base, &after)
        })
        .await?;
    Ok(r)
}

pub async fn modify(
    state: &AppState,
    ctx: Ctx,
    id: String,
    req: PatchRequest,
) -> Result<Value, ScimError> {
    let mut current = get(state, ctx.clone(), id.clone()).await?;
    patch::apply(&mut current, &req.operations)?;
    // Members removed altogether: none (absent from a PUT would leave them).
    if let Some(o) = current.as_object_mut() {
        o.entry("members").or_insert_with(|| json!([]));
    }
    replace(state, ctx, id, current).await
}

pub async fn delete(state: &AppState, ctx: Ctx, id: String) -> Result<(), ScimError> {
    state
        .db
        .write(move |conn| lifecycle::delete_team(conn, &ctx.actor(), &id))
        .await?;
    Ok(())
}
