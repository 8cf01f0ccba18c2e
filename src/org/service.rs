//! What the organisation API, the web pages and the CLI all call: the access checks
//! (HR manages; managers read their subtrees; everyone reads themselves), the
//! validation of names, keys, roles and the service map, and the orchestration of the
//! queries in [`crate::org::store`]. Each function answers the shape in
//! [`crate::org::types`] that the API sends.

use std::collections::HashSet;

use poem_openapi::types::MaybeUndefined;

use crate::auth::token::new_activation_token;
use crate::auth::{Principal, require_hr};
use crate::clock::now;
use crate::db::AnyConnection;
use crate::error::ApiError;
use crate::http::page_bounds;
use crate::notify::queue::Invitation;
use crate::org::access::{may_change_admin, may_read_person, readable_teams, teams_visible_to};
use crate::org::domain::{
    ATTR_MAX, GrantedRole, IdentifierChanges, Identifiers, Language, Name, TeamKind,
    parse_optional_text, taken_message,
};
use crate::org::import::{self, ImportOptions, ImportReport};
use crate::org::model::{PersonChanges, PersonRow, TeamChanges, TeamRow, TeamServes};
use crate::org::store::{self, TeamTree};
use crate::org::types::{
    ActivationIssued, CreatePerson, CreateTeam, CreatedPerson, PeopleQuery, Person, PersonPage,
    ServedTeam, SetManagers, Team, TeamPage, UpdatePerson, UpdateTeam,
};
use crate::org::{audit, lifecycle};
use crate::state::AppState;

// ---------- conversions ----------

/// The API's view of a stored team, with its managers and the teams it serves.
fn team_view(conn: &mut AnyConnection, row: TeamRow) -> Result<Team, ApiError> {
    let manager_ids = store::team_manager_ids(conn, &row.id)?;
    let serves = store::team_serves_list(conn, &row.id)?
        .into_iter()
        .map(|s| ServedTeam {
            team_id: s.served_team_id,
            weight: s.weight,
        })
        .collect();
    Ok(Team {
        kind: TeamKind::from_db(&row.kind),
        id: row.id,
        name: row.name,
        parent_id: row.parent_id,
        key: row.team_key,
        manager_ids,
        serves,
        created_at: row.created_at,
    })
}

/// The API's view of a stored person: the role flags become `roles` and the password
/// hash only says whether the person has activated; neither hash leaves the service.
pub fn person_view(row: PersonRow) -> Person {
    let mut roles = Vec::new();
    if row.is_hr {
        roles.push(GrantedRole::Hr);
    }
    if row.is_admin {
        roles.push(GrantedRole::Admin);
    }
    Person {
        language: Language::from_db(&row.language),
        activated: row.password_hash.is_some() && row.erased_at.is_none(),
        id: row.id,
        email: row.email,
        phone: row.phone,
        employee_number: row.employee_number,
        name: row.name,
        team_id: row.team_id,
        roles,
        location: row.location,
        job_family: row.job_family,
        start_date: row.start_date,
        active: row.active,
        erased: row.erased_at.is_some(),
        created_at: row.created_at,
    }
}

// ---------- helpers ----------

fn ensure_team_exists(conn: &mut AnyConnection, id: &str, field: &str) -> Result<(), ApiError> {
    match store::find_team(conn, id)? {
        Some(_) => Ok(()),
        None => Err(ApiError::invalid(field, "no such team")),
    }
}

fn roles_to_flags(roles: &[GrantedRole]) -> (bool, bool) {
    (
        roles.contains(&GrantedRole::Hr),
        roles.contains(&GrantedRole::Admin),
    )
}

fn team_row(conn: &mut AnyConnection, id: &str) -> Result<TeamRow, ApiError> {
    store::find_team(conn, id)?.ok_or(ApiError::NotFound("team"))
}

fn load_team(conn: &mut AnyConnection, id: &str) -> Result<Team, ApiError> {
    let row = team_row(conn, id)?;
    team_view(conn, row)
}

fn person_row(conn: &mut AnyConnection, id: &str) -> Result<PersonRow, ApiError> {
    store::find_person(conn, id)?.ok_or(ApiError::NotFound("person"))
}

/// Refuses, as forbidden, a change that [`may_change_admin`] does not allow.
fn require_admin_rights(caller_is_admin: bool, touches_admin: bool) -> Result<(), ApiError> {
    if may_change_admin(caller_is_admin, touches_admin) {
        Ok(())
    } else {
        Err(ApiError::Forbidden)
    }
}

// ---------- teams ----------

/// Creates a team (HR): the `POST /api/v1/teams` operation, for the API and the pages.
pub async fn create_team(
    state: &AppState,
    p: &Principal,
    body: CreateTeam,
) -> Result<Team, ApiError> {
    require_hr(p)?;
    let name = Name::parse(&body.name, "name")?.into_inner();
    let key = parse_optional_text(body.key.as_deref(), "key", ATTR_MAX)?;
    let parent_id = body.parent_id.clone();
    let kind = body.kind;
    let actor = p.id.clone();
    state
        .db
        .write(move |conn| {
            if let Some(p) = &parent_id {
                ensure_team_exists(conn, p, "parent_id")?;
            }
            if let Some(k) = &key
                && store::team_key_taken(conn, k, None)?
            {
                return Err(ApiError::invalid("key", "another team has this key"));
            }
            let row = TeamRow {
                team_key: key,
                ..TeamRow::new(name, parent_id, kind, now())
            };
            store::insert_team(conn, &row)?;
            audit::team_created(conn, &actor, &row)?;
            load_team(conn, &row.id)
        })
        .await
}

/// The teams `p` may see, paged, optionally only the children of `parent`.
pub async fn list_teams(
    state: &AppState,
    p: &Principal,
    limit: Option<i64>,
    offset: Option<i64>,
    parent: Option<String>,
) -> Result<TeamPage, ApiError> {
    let (limit, offset) = page_bounds(limit, offset);
    let principal = p.clone();
    state
        .db
        .read_replicated(move |conn| {
            let visible = teams_visible_to(conn, &principal)?;
            let (total, rows) =
                store::page_teams(conn, visible.as_ref(), parent.as_deref(), limit, offset)?;
            let items = rows
                .into_iter()
                .map(|r| team_view(conn, r))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(TeamPage {
                items,
                total,
                limit,
                offset,
            })
        })
        .await
}

/// One team `p` may see, its managers and the teams it serves; a team they may not see
/// is not found.
pub async fn get_team(state: &AppState, p: &Principal, id: String) -> Result<Team, ApiError> {
    let principal = p.clone();
    state
        .db
        .read(move |conn| {
            if let Some(v) = teams_visible_to(conn, &principal)?
                && !v.contains(&id)
            {
                return Err(ApiError::NotFound("team"));
            }
            load_team(conn, &id)
        })
        .await
}

/// Renames, moves, re-kinds or re-keys a team (HR); moving a team under itself or its
/// own descendant is refused on `parent_id`.
pub async fn update_team(
    state: &AppState,
    p: &Principal,
    id: String,
    body: UpdateTeam,
) -> Result<Team, ApiError> {
    require_hr(p)?;
    let mut changes = TeamChanges::default();
    if let Some(n) = &body.name {
        changes.name = Some(Name::parse(n, "name")?.into_inner());
    }
    changes.kind = body.kind.map(|k| k.as_str().to_owned());
    changes.team_key = optional_attr(body.key, "key")?;
    let parent = body.parent_id;
    let actor = p.id.clone();
    state
        .db
        .write(move |conn| {
            let before = team_row(conn, &id)?;
            match parent {
                MaybeUndefined::Undefined => {}
                MaybeUndefined::Null => changes.parent_id = Some(None),
                MaybeUndefined::Value(p) => {
                    ensure_team_exists(conn, &p, "parent_id")?;
                    if TeamTree::load(conn)?.would_cycle(&id, &p) {
                        return Err(ApiError::invalid(
                            "parent_id",
                            "a team cannot be placed under itself or its own descendant",
                        ));
                    }
                    changes.parent_id = Some(Some(p));
                }
            }
            if let Some(Some(k)) = &changes.team_key
                && store::team_key_taken(conn, k, Some(&id))?
            {
                return Err(ApiError::invalid("key", "another team has this key"));
            }
            changes.updated_at = Some(now());
            store::update_team(conn, &id, &changes)?;
            let after = team_row(conn, &id)?;
            audit::team_changed(conn, &actor, &before, &after)?;
            load_team(conn, &id)
        })
        .await
}

/// Deletes a team (HR) with no child teams, nobody in it and no history (surveys,
/// rounds, answers, suggestions or ratings naming it: past reports keep such a team).
/// Its managers and service-map links go with it; audited.
pub async fn delete_team(state: &AppState, p: &Principal, id: String) -> Result<(), ApiError> {
    require_hr(p)?;
    let actor = p.id.clone();
    state
        .db
        .write(move |conn| lifecycle::delete_team(conn, &actor, &id))
        .await
}

/// Replaces the managers of a team (HR) with active people, each listed once.
pub async fn set_managers(
    state: &AppState,
    p: &Principal,
    id: String,
    body: SetManagers,
) -> Result<Team, ApiError> {
    require_hr(p)?;
    if body.person_ids.len() > 100 {
        return Err(ApiError::invalid("person_ids", "at most 100 managers"));
    }
    let mut ids = body.person_ids;
    ids.sort();
    ids.dedup();
    let actor = p.id.clone();
    state
        .db
        .write(move |conn| {
            team_row(conn, &id)?;
            for (i, pid) in ids.iter().enumerate() {
                match store::find_person(conn, pid)? {
                    Some(p) if p.active => {}
                    _ => {
                        return Err(ApiError::invalid(
                            format!("person_ids[{i}]"),
                            "no such active person",
                        ));
                    }
                }
            }
            let before = store::team_manager_ids(conn, &id)?;
            store::set_managers(conn, &id, &ids)?;
            audit::managers_changed(conn, &actor, &id, &before, &ids)?;
            load_team(conn, &id)
        })
        .await
}

/// Replaces the frontline teams an internal team serves, with weights (HR). Only an
/// internal team serves; each served team is an existing frontline team other than
/// itself, listed once, with a weight in (0, 1 000 000].
pub async fn set_serves(
    state: &AppState,
    p: &Principal,
    id: String,
    entries: Vec<ServedTeam>,
) -> Result<Team, ApiError> {
    require_hr(p)?;
    if entries.len() > 500 {
        return Err(ApiError::invalid("serves", "at most 500 teams"));
    }
    let actor = p.id.clone();
    state
        .db
        .write(move |conn| {
            let team = team_row(conn, &id)?;
            if !entries.is_empty() && team.kind != "internal" {
                return Err(ApiError::invalid(
                    "kind",
                    "only an internal team serves other teams",
                ));
            }
            let mut seen = HashSet::new();
            let mut rows = Vec::new();
            for (i, e) in entries.iter().enumerate() {
                if !(e.weight.is_finite() && e.weight > 0.0 && e.weight <= 1_000_000.0) {
                    return Err(ApiError::invalid(
                        format!("[{i}].weight"),
                        "must be a positive number",
                    ));
                }
                if e.team_id == id {
                    return Err(ApiError::invalid(
                        format!("[{i}].team_id"),
                        "a team cannot serve itself",
                    ));
                }
                match store::find_team(conn, &e.team_id)? {
                    Some(t) if t.kind == "frontline" => {}
                    Some(_) => {
                        return Err(ApiError::invalid(
                            format!("[{i}].team_id"),
                            "served teams must be frontline teams",
                        ));
                    }
                    None => {
                        return Err(ApiError::invalid(format!("[{i}].team_id"), "no such team"));
                    }
                }
                if !seen.insert(e.team_id.clone()) {
                    return Err(ApiError::invalid(format!("[{i}].team_id"), "listed twice"));
                }
                rows.push(TeamServes {
                    team_id: id.clone(),
                    served_team_id: e.team_id.clone(),
                    weight: e.weight,
                });
            }
            let before = store::team_serves_list(conn, &id)?;
            store::set_serves(conn, &id, &rows)?;
            if !same_serves(&before, &rows) {
                audit::serves_changed(conn, &actor, &id, rows.len())?;
            }
            load_team(conn, &id)
        })
        .await
}

// ---------- people ----------

/// Creates a person (HR; granting `admin` needs an admin) with a one-time activation
/// token, answered once.
pub async fn create_person(
    state: &AppState,
    p: &Principal,
    body: CreatePerson,
) -> Result<CreatedPerson, ApiError> {
    require_hr(p)?;
    let ids = Identifiers::parse(
        body.email.as_deref(),
        body.phone.as_deref(),
        body.employee_number.as_deref(),
    )?
    .require_one()?;
    let name = Name::parse(&body.name, "name")?.into_inner();
    let location = parse_optional_text(body.location.as_deref(), "location", ATTR_MAX)?;
    let job_family = parse_optional_text(body.job_family.as_deref(), "job_family", ATTR_MAX)?;
    let roles = body.roles.clone().unwrap_or_default();
    let (is_hr, is_admin) = roles_to_flags(&roles);
    require_admin_rights(p.is_admin, is_admin)?;
    let team_id = body.team_id.clone();
    let start_date = body.start_date;
    let language = body.language.unwrap_or(Language::En);
    let ttl = chrono::TimeDelta::hours(state.config.activation_ttl_hours);
    let (token, hash) = new_activation_token();
    let actor = p.id.clone();
    let (outbox_key, sealed_token) = (state.master.outbox_key(), token.clone());
    let created = state
        .db
        .write(move |conn| {
            if let Some(t) = &team_id {
                ensure_team_exists(conn, t, "team_id")?;
            }
            if let Some(field) = store::identifier_taken(conn, &ids, None)? {
                return Err(ApiError::Conflict(taken_message(field).into()));
            }
            let t = now();
            let expires = t + ttl;
            let id = uuid::Uuid::new_v4().to_string();
            store::insert_person(
                conn,
                &PersonRow {
                    id: id.clone(),
                    team_id,
                    is_hr,
                    is_admin,
                    location,
                    job_family,
                    start_date,
                    language: language.as_str().into(),
                    activation_hash: Some(hash.clone()),
                    activation_expires_at: Some(expires),
                    phone: ids.phone.clone(),
                    employee_number: ids.employee_number.clone(),
                    ..PersonRow::new(ids.email.clone(), name, t)
                },
            )?;
            crate::notify::queue::invitation(
                conn,
                &outbox_key,
                &Invitation {
                    person_id: &id,
                    language: language.as_str(),
                    token: &sealed_token,
                    token_hash: &hash,
                    expires_at: expires,
                },
            )?;
            let row = person_row(conn, &id)?;
            audit::person_created(conn, &actor, &row)?;
            Ok((person_view(row), expires))
        })
        .await?;
    Ok(CreatedPerson {
        person: created.0,
        activation_token: token,
        activation_expires_at: created.1,
    })
}

/// People `p` may see (HR: everyone; managers: their subtrees), paged.
pub async fn list_people(
    state: &AppState,
    p: &Principal,
    query: PeopleQuery,
) -> Result<PersonPage, ApiError> {
    let (limit, offset) = page_bounds(query.limit, query.offset);
    let principal = p.clone();
    let (team_filter, search, inactive, status) =
        (query.team_id, query.q, query.include_inactive, query.status);
    state
        .db
        .read_replicated(move |conn| {
            let readable = readable_teams(conn, &principal)?;
            let managed = readable.is_some();
            if managed && readable.as_ref().is_some_and(|s| s.is_empty()) {
                return Err(ApiError::Forbidden);
            }
            let mut allowed: Option<HashSet<String>> = readable;
            if let Some(t) = &team_filter {
                let tree = TeamTree::load(conn)?;
                if !tree.contains(t) || allowed.as_ref().is_some_and(|a| !a.contains(t)) {
                    return Err(ApiError::NotFound("team"));
                }
                allowed = Some(tree.subtrees([t]));
            }
            let pattern =
                search.map(|s| format!("%{}%", s.trim().to_lowercase().replace(['%', '_'], "")));
            let (total, rows) = store::page_people(
                conn,
                &store::PeopleFilter {
                    allowed: allowed.as_ref(),
                    include_inactive: inactive,
                    status,
                    pattern: pattern.as_deref(),
                },
                limit,
                offset,
            )?;
            Ok(PersonPage {
                items: rows.into_iter().map(person_view).collect(),
                total,
                limit,
                offset,
            })
        })
        .await
}

/// One person `p` may read (HR: anyone; managers: their subtrees; everyone:
/// themselves); anyone else is not found.
pub async fn get_person(state: &AppState, p: &Principal, id: String) -> Result<Person, ApiError> {
    let principal = p.clone();
    state
        .db
        .read(move |conn| {
            let row = person_row(conn, &id)?;
            if !may_read_person(conn, &principal, &row)? {
                return Err(ApiError::NotFound("person"));
            }
            Ok(person_view(row))
        })
        .await
}

/// Changes a person's name, team, roles or attributes (HR; granting or removing
/// `admin` needs an admin).
pub async fn update_person(
    state: &AppState,
    p: &Principal,
    id: String,
    body: UpdatePerson,
) -> Result<Person, ApiError> {
    require_hr(p)?;
    let mut changes = PersonChanges::default();
    if let Some(n) = &body.name {
        changes.name = Some(Name::parse(n, "name")?.into_inner());
    }
    if let Some(roles) = &body.roles {
        let (hr, admin) = roles_to_flags(roles);
        changes.is_hr = Some(hr);
        changes.is_admin = Some(admin);
    }
    changes.location = optional_attr(body.location, "location")?;
    changes.job_family = optional_attr(body.job_family, "job_family")?;
    changes.start_date = body.start_date.into();
    changes.language = body.language.map(|l| l.as_str().to_owned());
    let id_changes = IdentifierChanges::parse(
        body.email.into(),
        body.phone.into(),
        body.employee_number.into(),
    )?;
    changes.email = id_changes.email.clone();
    changes.phone = id_changes.phone.clone();
    changes.employee_number = id_changes.employee_number.clone();
    let team = body.team_id.clone();
    let caller_is_admin = p.is_admin;
    let actor = p.id.clone();
    state
        .db
        .write(move |conn| {
            let row = person_row(conn, &id)?;
            if row.erased_at.is_some() {
                // An erased row stays nameless: nothing is written back into it.
                return Err(ApiError::Conflict("the person is already erased".into()));
            }
            require_admin_rights(
                caller_is_admin,
                changes.is_admin.is_some_and(|a| a != row.is_admin),
            )?;
            match team {
                MaybeUndefined::Undefined => {}
                MaybeUndefined::Null => changes.team_id = Some(None),
                MaybeUndefined::Value(t) => {
                    ensure_team_exists(conn, &t, "team_id")?;
                    changes.team_id = Some(Some(t));
                }
            }
            let ids = id_changes.applied_to(Identifiers {
                email: row.email.clone(),
                phone: row.phone.clone(),
                employee_number: row.employee_number.clone(),
            })?;
            if let Some(field) = store::identifier_taken(conn, &ids, Some(&id))? {
                return Err(ApiError::Conflict(taken_message(field).into()));
            }
            changes.updated_at = Some(now());
            store::update_person(conn, &id, &changes)?;
            let after = person_row(conn, &id)?;
            audit::person_changed(conn, &actor, &row, &after)?;
            Ok(person_view(after))
        })
        .await
}

/// Deactivates a person (HR; an admin only by an admin; never oneself): they can no
/// longer sign in, their tokens stop working, and they stop managing teams.
pub async fn deactivate_person(
    state: &AppState,
    p: &Principal,
    id: String,
) -> Result<(), ApiError> {
    require_hr(p)?;
    if id == p.id {
        return Err(ApiError::Conflict("you cannot deactivate yourself".into()));
    }
    let (caller_is_admin, actor) = (p.is_admin, p.id.clone());
    state
        .db
        .write(move |conn| lifecycle::deactivate(conn, &actor, caller_is_admin, &id))
        .await
}

/// Issues a new activation token for an active person who has not activated yet (HR);
/// any earlier token stops working.
pub async fn reissue_activation(
    state: &AppState,
    p: &Principal,
    id: String,
) -> Result<ActivationIssued, ApiError> {
    require_hr(p)?;
    let caller_is_admin = p.is_admin;
    let (token, hash) = new_activation_token();
    let expires = now() + chrono::TimeDelta::hours(state.config.activation_ttl_hours);
    let (outbox_key, sealed_token) = (state.master.outbox_key(), token.clone());
    state
        .db
        .write(move |conn| {
            let row = person_row(conn, &id)?;
            require_admin_rights(caller_is_admin, row.is_admin)?;
            if !row.active {
                return Err(ApiError::Conflict("the person is deactivated".into()));
            }
            if row.password_hash.is_some() {
                return Err(ApiError::Conflict(
                    "the person has already activated their account".into(),
                ));
            }
            store::set_activation(conn, &id, hash.clone(), expires, now())?;
            // The new link in a new invitation; one still queued is cancelled.
            crate::notify::queue::invitation(
                conn,
                &outbox_key,
                &Invitation {
                    person_id: &id,
                    language: &row.language,
                    token: &sealed_token,
                    token_hash: &hash,
                    expires_at: expires,
                },
            )
        })
        .await?;
    Ok(ActivationIssued {
        activation_token: token,
        activation_expires_at: expires,
    })
}

/// Imports people from CSV (HR): every row checked first; a dry run writes nothing.
pub async fn import_people_csv(
    state: &AppState,
    p: &Principal,
    csv: &[u8],
    dry_run: bool,
    partial: bool,
) -> Result<ImportReport, ApiError> {
    require_hr(p)?;
    let opts = ImportOptions {
        dry_run,
        partial,
        caller_is_admin: p.is_admin,
        activation_ttl: chrono::TimeDelta::hours(state.config.activation_ttl_hours),
        actor: p.id.clone(),
        outbox_key: state.master.outbox_key(),
    };
    let rows = import::parse_csv(csv)?;
    state
        .db
        .write(move |conn| import::apply(conn, &rows, &opts))
        .await
}

/// Whether a team's service map is unchanged: the same teams with the same weights.
fn same_serves(before: &[TeamServes], after: &[TeamServes]) -> bool {
    let key = |s: &TeamServes| (s.served_team_id.clone(), s.weight.to_bits());
    let mut a: Vec<_> = before.iter().map(key).collect();
    let mut b: Vec<_> = after.iter().map(key).collect();
    a.sort();
    b.sort();
    a == b
}

/// An attribute of a PATCH body as a change: absent leaves it, null clears it, a value
/// is checked like any attribute text.
fn optional_attr(
    v: MaybeUndefined<String>,
    field: &str,
) -> Result<Option<Option<String>>, ApiError> {
    Option::<Option<String>>::from(v)
        .map(|s| parse_optional_text(s.as_deref(), field, ATTR_MAX))
        .transpose()
}
