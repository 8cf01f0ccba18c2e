//! What the SCIM routes call for users: a SCIM user mapped onto a person and back,
//! created, read, listed, replaced, patched and deleted — each change in one
//! transaction, audited as `scim:{token id}`, deactivations through the guard.
//!
//! The mapping: `userName` is the person's e-mail address (their login, unique without
//! regard to case); `displayName` (else `name.formatted`, else given and family name) is
//! their name; `externalId`, the work (else primary, else first) phone number and the
//! enterprise `employeeNumber` are kept as sent; `preferredLanguage` `ru…` is Russian
//! and anything else English; the enterprise `department` names the team (by name,
//! path or import key, as the CSV import resolves them) unless groups drive teams; the
//! enterprise `manager.value` (a user id) becomes a manager of the person's team.
//! Left as they are when absent from a PUT: name, language, team and active; a PATCH
//! that removes the department takes the person out of their team. SCIM never grants or
//! removes roles, never deactivates or renames an admin (403), and sends no invitation:
//! people it creates have no password and sign in with single sign-on or an activation
//! link HR issues.

use chrono::{NaiveDateTime, SecondsFormat};
use serde_json::{Value, json};

use crate::clock::now;
use crate::db::AnyConnection;
use crate::error::ApiError;
use crate::org::audit;
use crate::org::domain::{ATTR_MAX, Email, Identifiers, Language, Name, parse_optional_text};
use crate::org::import::TeamRefs;
use crate::org::model::{PersonChanges, PersonRow};
use crate::org::store as org_store;
use crate::reports::audit_log::{record, target};
use crate::scim::config::TeamSource;
use crate::scim::filter;
use crate::scim::guard::{self, Verdict};
use crate::scim::patch;
use crate::scim::store::{self, Extra};
use crate::scim::types::{
    ENTERPRISE, ListQuery, ListResponse, PatchRequest, ScimError, USER, UserIn, project,
};
use crate::state::AppState;

/// Who is calling and how answers name resources.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub token_id: String,
    /// The SCIM base URL, e.g. `https://pulse.example.org/scim/v2`.
    pub base: String,
    pub teams: TeamSource,
    pub share: f64,
}

impl Ctx {
    pub fn new(state: &AppState, token_id: String, base: String) -> Ctx {
        Ctx {
            token_id,
            base,
            teams: state.config.scim.scim_teams,
            share: state.config.scim.share(),
        }
    }
    /// The audit log's actor for this token's changes.
    pub fn actor(&self) -> String {
        format!("scim:{}", self.token_id)
    }
}

pub fn timestamp(t: NaiveDateTime) -> String {
    t.and_utc().to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A resource's `meta`: its type (`User` or `Group`), when it was created and last
/// changed, and where it is (`{base}/Users/{id}`, `{base}/Groups/{id}`).
pub fn meta(
    base: &str,
    resource_type: &str,
    id: &str,
    created: NaiveDateTime,
    updated: NaiveDateTime,
) -> Value {
    json!({
        "resourceType": resource_type,
        "created": timestamp(created),
        "lastModified": timestamp(updated),
        "location": format!("{base}/{resource_type}s/{id}"),
    })
}

/// The SCIM view of a person.
pub fn user_json(
    conn: &mut AnyConnection,
    base: &str,
    (row, (external_id, phone, employee_number)): &store::UserRow,
) -> Result<Value, ApiError> {
    let department = match &row.team_id {
        Some(t) => org_store::find_team(conn, t)?.map(|t| t.name),
        None => None,
    };
    let mut ext = serde_json::Map::new();
    if let Some(n) = employee_number {
        ext.insert("employeeNumber".into(), json!(n));
    }
    if let Some(d) = department {
        ext.insert("department".into(), json!(d));
    }
    let mut u = json!({
        "schemas": [USER],
        "id": row.id,
        // Someone imported without an e-mail address is named by their employee
        // number, else by their id: SCIM requires a userName.
        "userName": row.email.clone().or_else(|| employee_number.clone()).unwrap_or_else(|| row.id.clone()),
        "displayName": row.name,
        "active": row.active,
        "emails": row.email.iter().map(|e| json!({"value": e, "type": "work", "primary": true})).collect::<Vec<_>>(),
        "preferredLanguage": row.language,
        "meta": meta(base, "User", &row.id, row.created_at, row.updated_at),
    });
    if let Some(o) = u.as_object_mut() {
        if let Some(x) = external_id {
            o.insert("externalId".into(), json!(x));
        }
        if let Some(p) = phone {
            o.insert("phoneNumbers".into(), json!([{"value": p, "type": "work"}]));
        }
        if !ext.is_empty() {
            o.insert("schemas".into(), json!([USER, ENTERPRISE]));
            o.insert(ENTERPRISE.into(), Value::Object(ext));
        }
    }
    Ok(u)
}

/// A user as pulseline keeps it, read from what a client sent.
#[derive(Debug, Clone)]
struct Desired {
    email: String,
    name: Option<String>,
    extra: Extra,
    language: Option<Language>,
    department: Option<String>,
    /// The department was removed (by a PATCH): the person leaves their team when the
    /// department drives teams.
    clear_team: bool,
    manager: Option<String>,
    active: Option<bool>,
}

fn invalid(e: ApiError) -> ScimError {
    ScimError::bad("invalidValue", e.to_string())
}

fn desired(body: Value) -> Result<Desired, ScimError> {
    let u: UserIn = serde_json::from_value(patch::canonical_keys(body))
        .map_err(|e| ScimError::bad("invalidSyntax", format!("not a user: {e}")))?;
    let user_name = u
        .user_name
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| ScimError::bad("invalidValue", "userName is required"))?;
    let email = Email::parse(user_name, "userName")
        .map_err(|_| {
            ScimError::bad(
                "invalidValue",
                "userName must be the person's e-mail address, like name@example.org",
            )
        })?
        .into_inner();
    let name_in = u.name.clone().unwrap_or_default();
    let joined = [name_in.given_name, name_in.family_name]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let name = [u.display_name.clone(), name_in.formatted, Some(joined)]
        .into_iter()
        .flatten()
        .find(|n| !n.trim().is_empty())
        .map(|n| Name::parse(&n, "name").map(Name::into_inner))
        .transpose()
        .map_err(invalid)?;
    let phone = u
        .phone_numbers
        .iter()
        .find(|p| {
            p.kind
                .as_deref()
                .is_some_and(|k| k.eq_ignore_ascii_case("work"))
        })
        .or_else(|| {
            u.phone_numbers
                .iter()
                .find(|p| p.primary == Some(json!(true)))
        })
        .or_else(|| u.phone_numbers.first())
        .and_then(|p| p.value.clone());
    let ext = u.enterprise.unwrap_or_default();
    let text = |v: Option<String>, field: &str, max: usize| {
        parse_optional_text(v.as_deref(), field, max).map_err(invalid)
    };
    Ok(Desired {
        email,
        name,
        extra: (
            text(u.external_id, "externalId", 255)?,
            text(phone, "phoneNumbers", ATTR_MAX)?,
            text(ext.employee_number, "employeeNumber", ATTR_MAX)?,
        ),
        language: u.preferred_language.map(|l| {
            if l.trim().to_ascii_lowercase().starts_with("ru") {
                Language::Ru
            } else {
                Language::En
            }
        }),
        department: ext.department.filter(|d| !d.trim().is_empty()),
        clear_team: false,
        manager: ext.manager.and_then(|m| m.value).filter(|m| !m.is_empty()),
        active: u.active,
    })
}

/// What a change came to.
pub enum Outcome {
    Done(Value),
    /// The guard held the deactivation back.
    Held {
        done: i64,
        base: i64,
    },
}

fn held_error(done: i64, base: i64, share: f64) -> ScimError {
    ScimError::new(
        409,
        None,
        format!(
            "refused by the mass-change guard: SCIM has deactivated {done} of {base} people \
             within the last hour and may deactivate at most {:.0}% of them; the \
             deactivation is held until an admin confirms it on /admin/scim",
            share * 100.0
        ),
    )
}

impl Outcome {
    fn into_result(self, share: f64) -> Result<Value, ScimError> {
        match self {
            Outcome::Done(v) => Ok(v),
            Outcome::Held { done, base } => Err(held_error(done, base, share)),
        }
    }
}

fn team_of(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    d: &Desired,
) -> Result<Option<Option<String>>, ApiError> {
    match (&d.department, ctx.teams) {
        (Some(dep), TeamSource::Department) => TeamRefs::load(conn)?
            .resolve(dep)
            .map(|t| Some(Some(t)))
            .map_err(|m| ApiError::invalid("department", m)),
        (None, TeamSource::Department) if d.clear_team => Ok(Some(None)),
        _ => Ok(None),
    }
}

fn add_manager(
    conn: &mut AnyConnection,
    actor: &str,
    person: &str,
    d: &Desired,
) -> Result<(), ApiError> {
    let (Some(mgr), Some((row, _))) = (&d.manager, store::find_user(conn, person)?) else {
        return Ok(());
    };
    let Some(team) = row.team_id else {
        return Ok(());
    };
    // An unknown or deactivated manager is left out: the provider may send them later.
    match org_store::find_person(conn, mgr)? {
        Some(m) if m.active && m.id != person => {
            if org_store::add_manager(conn, &team, mgr)? {
                audit::managers_changed(conn, actor, &team, &[], std::slice::from_ref(mgr))?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

fn reload(conn: &mut AnyConnection, ctx: &Ctx, id: &str) -> Result<Outcome, ApiError> {
    let row = store::find_user(conn, id)?.ok_or(ApiError::NotFound("user"))?;
    Ok(Outcome::Done(user_json(conn, &ctx.base, &row)?))
}

/// Refuses an `employeeNumber` another person has (the database holds it unique).
fn employee_number_free(
    conn: &mut AnyConnection,
    d: &Desired,
    except: Option<&str>,
) -> Result<(), ApiError> {
    let ids = Identifiers {
        employee_number: d.extra.2.clone(),
        ..Identifiers::default()
    };
    if org_store::identifier_taken(conn, &ids, except)?.is_some() {
        return Err(ApiError::Conflict(
            "a person with this employeeNumber already exists".into(),
        ));
    }
    Ok(())
}

fn create_in(conn: &mut AnyConnection, ctx: &Ctx, d: Desired) -> Result<Outcome, ApiError> {
    if store::email_taken(conn, &d.email, None)? {
        return Err(ApiError::Conflict(
            "a person with this userName already exists".into(),
        ));
    }
    employee_number_free(conn, &d, None)?;
    let team = team_of(conn, ctx, &d)?.flatten();
    let t = now();
    let local = d.email.split('@').next().unwrap_or_default().to_owned();
    let row = PersonRow {
        team_id: team,
        language: d.language.unwrap_or(Language::En).as_str().into(),
        active: d.active.unwrap_or(true),
        ..PersonRow::new(Some(d.email.clone()), d.name.clone().unwrap_or(local), t)
    };
    org_store::insert_person(conn, &row)?;
    store::set_extra(conn, &row.id, &d.extra)?;
    let actor = ctx.actor();
    audit::person_created(conn, &actor, &row)?;
    add_manager(conn, &actor, &row.id, &d)?;
    reload(conn, ctx, &row.id)
}

fn replace_in(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    id: &str,
    d: Desired,
) -> Result<Outcome, ApiError> {
    let (row, extra) = store::find_user(conn, id)?.ok_or(ApiError::NotFound("user"))?;
    let actor = ctx.actor();
    let at = now();
    let deactivating = d.active == Some(false) && row.active;
    if deactivating
        && !row.is_admin
        && let Verdict::Hold { done, base } = guard::admit(conn, ctx.share, at)?
    {
        guard::hold(conn, &actor, &ctx.token_id, id, false, at)?;
        return Ok(Outcome::Held { done, base });
    }
    let email_changed = row.email.as_deref() != Some(d.email.as_str());
    if row.is_admin && (email_changed || deactivating) {
        return Err(ApiError::Forbidden);
    }
    if email_changed {
        if store::email_taken(conn, &d.email, Some(id))? {
            return Err(ApiError::Conflict(
                "a person with this userName already exists".into(),
            ));
        }
        store::set_email(conn, id, &d.email)?;
    }
    employee_number_free(conn, &d, Some(id))?;
    let mut changes = PersonChanges {
        name: d.name.clone().filter(|n| *n != row.name),
        language: d.language.map(|l| l.as_str().to_owned()),
        team_id: team_of(conn, ctx, &d)?,
        ..PersonChanges::default()
    };
    changes.updated_at = Some(at);
    org_store::update_person(conn, id, &changes)?;
    let after = org_store::find_person(conn, id)?.ok_or(ApiError::NotFound("user"))?;
    audit::person_changed(conn, &actor, &row, &after)?;
    let fields: Vec<&str> = [
        ("email", email_changed),
        ("external_id", extra.0 != d.extra.0),
        ("phone", extra.1 != d.extra.1),
        ("employee_number", extra.2 != d.extra.2),
    ]
    .into_iter()
    .filter_map(|(f, changed)| changed.then_some(f))
    .collect();
    if !fields.is_empty() {
        store::set_extra(conn, id, &d.extra)?;
        let t = target(
            &format!("people/{id}"),
            &[("fields", Some(&fields.join(",")))],
        );
        record(conn, &actor, "person.update", &t)?;
    }
    if deactivating {
        guard::deactivate(conn, &actor, id, false, at)?;
    } else if d.active == Some(true) && !row.active {
        store::reactivate(conn, id, at)?;
        record(conn, &actor, "person.reactivate", &format!("people/{id}"))?;
    }
    add_manager(conn, &actor, id, &d)?;
    reload(conn, ctx, id)
}

/// POST /Users: 201 with the new user.
pub async fn create(state: &AppState, ctx: Ctx, body: Value) -> Result<Value, ScimError> {
    let d = desired(body)?;
    let share = ctx.share;
    state
        .db
        .write(move |conn| create_in(conn, &ctx, d))
        .await?
        .into_result(share)
}

pub async fn get(state: &AppState, ctx: Ctx, id: String) -> Result<Value, ScimError> {
    Resource::USER.get(state, ctx, id).await
}

/// GET /Users (and its `.search`): a filtered page.
pub async fn list(state: &AppState, ctx: Ctx, q: ListQuery) -> Result<ListResponse, ScimError> {
    Resource::USER.list(state, ctx, q).await
}

/// A page of rows and how many match in all.
type Page<R> = Result<(i64, Vec<R>), ApiError>;

/// How the reads of one kind of SCIM resource (users or groups) find, page and render
/// its rows: one `get` and one filtered `list` for both.
pub(crate) struct Resource<R> {
    /// What a 404 names.
    pub what: &'static str,
    /// Whether filters may name user attributes (else group ones).
    pub users: bool,
    pub find: fn(&mut AnyConnection, &str) -> Result<Option<R>, ApiError>,
    pub page: fn(&mut AnyConnection, &filter::Filter, i64, i64) -> Page<R>,
    pub json: fn(&mut AnyConnection, &str, &R) -> Result<Value, ApiError>,
}

impl Resource<store::UserRow> {
    const USER: Resource<store::UserRow> = Resource {
        what: "user",
        users: true,
        find: store::find_user,
        page: store::page_users,
        json: user_json,
    };
}

impl<R: 'static> Resource<R> {
    /// GET one by id: 404 when there is none.
    pub async fn get(&self, state: &AppState, ctx: Ctx, id: String) -> Result<Value, ScimError> {
        let (what, find, json) = (self.what, self.find, self.json);
        state
            .db
            .read(move |conn| {
                let row = find(conn, &id)?.ok_or(ApiError::NotFound(what))?;
                json(conn, &ctx.base, &row)
            })
            .await
            .map_err(Into::into)
    }

    /// GET the list (and its `.search`): a filtered page, projected onto the asked
    /// attributes.
    pub async fn list(
        &self,
        state: &AppState,
        ctx: Ctx,
        q: ListQuery,
    ) -> Result<ListResponse, ScimError> {
        let f = match q.filter.as_deref().filter(|f| !f.trim().is_empty()) {
            Some(f) => {
                filter::parse(f, self.users).map_err(|e| ScimError::bad("invalidFilter", e.0))?
            }
            None => filter::Filter::default(),
        };
        let (offset, limit) = q.bounds();
        let (page, json) = (self.page, self.json);
        let (total, found) = state
            .db
            .read(move |conn| {
                let (total, rows) = page(conn, &f, offset, limit)?;
                let found = rows
                    .iter()
                    .map(|r| json(conn, &ctx.base, r))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok((total, found))
            })
            .await?;
        let (a, e) = (q.attributes.as_deref(), q.excluded_attributes.as_deref());
        let found = found.into_iter().map(|v| project(v, a, e)).collect();
        Ok(ListResponse::new(total, offset, found))
    }
}

/// PUT /Users/{id}.
pub async fn replace(
    state: &AppState,
    ctx: Ctx,
    id: String,
    body: Value,
) -> Result<Value, ScimError> {
    let d = desired(body)?;
    replace_with(state, ctx, id, d).await
}

async fn replace_with(
    state: &AppState,
    ctx: Ctx,
    id: String,
    d: Desired,
) -> Result<Value, ScimError> {
    let share = ctx.share;
    state
        .db
        .write(move |conn| replace_in(conn, &ctx, &id, d))
        .await?
        .into_result(share)
}

/// PATCH /Users/{id}: the operations applied to the user as it is, then a replacement
/// (a removed department takes the person out of their team).
pub async fn modify(
    state: &AppState,
    ctx: Ctx,
    id: String,
    req: PatchRequest,
) -> Result<Value, ScimError> {
    let mut current = get(state, ctx.clone(), id.clone()).await?;
    let had_department = current[ENTERPRISE]["department"].is_string();
    let name_before = current["displayName"].clone();
    patch::apply(&mut current, &req.operations)?;
    // `name.formatted` patched (the answers carry only `displayName`): the new name.
    if current["displayName"] == name_before
        && let Some(formatted) = current["name"]["formatted"].as_str().map(str::to_owned)
        && let Some(o) = current.as_object_mut()
    {
        o.insert("displayName".into(), Value::String(formatted));
    }
    let mut d = desired(current)?;
    d.clear_team = had_department && d.department.is_none();
    replace_with(state, ctx, id, d).await
}

/// DELETE /Users/{id}: the person is deactivated (their answers and suggestions stay,
/// as anonymous as ever) and SCIM answers 404 for them from then on.
pub async fn delete(state: &AppState, ctx: Ctx, id: String) -> Result<(), ScimError> {
    let share = ctx.share;
    let outcome = state
        .db
        .write(move |conn| {
            let (row, _) = store::find_user(conn, &id)?.ok_or(ApiError::NotFound("user"))?;
            let (actor, at) = (ctx.actor(), now());
            if row.is_admin {
                return Err(ApiError::Forbidden);
            }
            if row.active {
                if let Verdict::Hold { done, base } = guard::admit(conn, ctx.share, at)? {
                    guard::hold(conn, &actor, &ctx.token_id, &id, true, at)?;
                    return Ok(Outcome::Held { done, base });
                }
                guard::deactivate(conn, &actor, &id, true, at)?;
            } else {
                store::mark_deleted(conn, &id, at)?;
            }
            record(conn, &actor, "person.scim_delete", &format!("people/{id}"))?;
            Ok(Outcome::Done(Value::Null))
        })
        .await?;
    outcome.into_result(share).map(|_| ())
}
