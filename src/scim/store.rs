//! The queries of SCIM provisioning: its tokens, the attributes only SCIM writes
//! (`external_id`, `phone`, `employee_number`), the people it deleted, the users and
//! groups a filter selects, and the mass-change guard's records. Plain functions on a
//! connection; [`crate::db::Db::write`] holds the transaction.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{
    people, scim_deactivations, scim_deleted, scim_held, scim_releases, scim_tokens, teams,
};
use crate::db::{AnyConnection, lower, lower_nullable};
use crate::error::ApiError;
use crate::org::model::{PersonRow, TeamRow};
use crate::scim::filter::{Filter, Term};

// One shape for a token as stored and as the admin API shows it (`scim::tokens`
// re-exports it); its hash never leaves the store. The doc line below is the
// OpenAPI description.
/// A provisioning token, without its secret.
#[derive(Queryable, Selectable, poem_openapi::Object, Debug, Clone)]
#[diesel(table_name = scim_tokens)]
pub struct ScimToken {
    pub id: String,
    /// What the admin called it (e.g. the identity provider's name).
    pub name: String,
    /// The admin who created it.
    pub created_by: String,
    pub created_at: NaiveDateTime,
    /// When a SCIM request last used it (to the minute).
    pub last_used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

pub fn insert_token(
    conn: &mut AnyConnection,
    id: &str,
    name: &str,
    hash: &str,
    by: &str,
    at: NaiveDateTime,
) -> Result<(), ApiError> {
    diesel::insert_into(scim_tokens::table)
        .values((
            scim_tokens::id.eq(id),
            scim_tokens::name.eq(name),
            scim_tokens::token_hash.eq(hash),
            scim_tokens::created_by.eq(by),
            scim_tokens::created_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Every token, newest first (revoked ones too, marked).
pub fn tokens(conn: &mut AnyConnection) -> Result<Vec<ScimToken>, ApiError> {
    Ok(scim_tokens::table
        .select(ScimToken::as_select())
        .order((scim_tokens::created_at.desc(), scim_tokens::id))
        .load(conn)?)
}

pub fn find_token(conn: &mut AnyConnection, id: &str) -> Result<Option<ScimToken>, ApiError> {
    Ok(scim_tokens::table
        .find(id)
        .select(ScimToken::as_select())
        .first(conn)
        .optional()?)
}

/// The live (not revoked) token with this hash.
pub fn live_token_by_hash(
    conn: &mut AnyConnection,
    hash: &str,
) -> Result<Option<ScimToken>, ApiError> {
    Ok(scim_tokens::table
        .filter(scim_tokens::token_hash.eq(hash))
        .filter(scim_tokens::revoked_at.is_null())
        .select(ScimToken::as_select())
        .first(conn)
        .optional()?)
}

pub fn touch_token(conn: &mut AnyConnection, id: &str, at: NaiveDateTime) -> Result<(), ApiError> {
    diesel::update(scim_tokens::table.find(id))
        .set(scim_tokens::last_used_at.eq(Some(at)))
        .execute(conn)?;
    Ok(())
}

pub fn revoke_token(conn: &mut AnyConnection, id: &str, at: NaiveDateTime) -> Result<(), ApiError> {
    diesel::update(scim_tokens::table.find(id))
        .set(scim_tokens::revoked_at.eq(Some(at)))
        .execute(conn)?;
    Ok(())
}

/// What only SCIM writes about a person: (external id, phone, employee number).
pub type Extra = (Option<String>, Option<String>, Option<String>);

/// A person with [`Extra`].
pub type UserRow = (PersonRow, Extra);

/// A person SCIM still sees: not erased, not deleted through SCIM.
pub fn find_user(conn: &mut AnyConnection, id: &str) -> Result<Option<UserRow>, ApiError> {
    Ok(people::table
        .filter(people::id.eq(id))
        .filter(people::erased_at.is_null())
        .filter(diesel::dsl::not(diesel::dsl::exists(
            scim_deleted::table.filter(scim_deleted::person_id.eq(people::id)),
        )))
        .select((
            PersonRow::as_select(),
            (people::external_id, people::phone, people::employee_number),
        ))
        .first(conn)
        .optional()?)
}

/// One page of the users `filter` selects, oldest first, and how many there are.
pub fn page_users(
    conn: &mut AnyConnection,
    filter: &Filter,
    offset: i64,
    limit: i64,
) -> Result<(i64, Vec<UserRow>), ApiError> {
    let build = || {
        let mut q = people::table
            .filter(people::erased_at.is_null())
            .filter(diesel::dsl::not(diesel::dsl::exists(
                scim_deleted::table.filter(scim_deleted::person_id.eq(people::id)),
            )))
            .into_boxed();
        for t in &filter.0 {
            q = match t {
                Term::UserName(v) | Term::Email(v) => {
                    q.filter(lower_nullable(people::email).eq(v.trim().to_lowercase()))
                }
                Term::ExternalId(v) => q.filter(people::external_id.eq(v.clone())),
                Term::DisplayName(_) => q.filter(people::id.eq("")),
            };
        }
        q
    };
    let total: i64 = build().count().get_result(conn)?;
    let rows = build()
        .select((
            PersonRow::as_select(),
            (people::external_id, people::phone, people::employee_number),
        ))
        .order((people::created_at, people::id))
        .offset(offset)
        .limit(limit)
        .load(conn)?;
    Ok((total, rows))
}

/// Any person (erased or deleted too) with this e-mail address, but `except`.
pub fn email_taken(
    conn: &mut AnyConnection,
    email: &str,
    except: Option<&str>,
) -> Result<bool, ApiError> {
    let mut q = people::table
        .filter(lower_nullable(people::email).eq(email.to_lowercase()))
        .into_boxed();
    if let Some(id) = except {
        q = q.filter(people::id.ne(id.to_owned()));
    }
    Ok(q.count().get_result::<i64>(conn)? > 0)
}

pub fn set_extra(conn: &mut AnyConnection, id: &str, extra: &Extra) -> Result<(), ApiError> {
    diesel::update(people::table.find(id))
        .set((
            people::external_id.eq(extra.0.clone()),
            people::phone.eq(extra.1.clone()),
            people::employee_number.eq(extra.2.clone()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Turns a deactivated person active again (their old tokens stay revoked).
pub fn reactivate(conn: &mut AnyConnection, id: &str, at: NaiveDateTime) -> Result<(), ApiError> {
    diesel::update(people::table.find(id))
        .set((people::active.eq(true), people::updated_at.eq(at)))
        .execute(conn)?;
    Ok(())
}

pub fn mark_deleted(conn: &mut AnyConnection, id: &str, at: NaiveDateTime) -> Result<(), ApiError> {
    diesel::delete(scim_deleted::table.filter(scim_deleted::person_id.eq(id))).execute(conn)?;
    diesel::insert_into(scim_deleted::table)
        .values((scim_deleted::person_id.eq(id), scim_deleted::at.eq(at)))
        .execute(conn)?;
    Ok(())
}

/// Active people (not erased): the guard's base.
pub fn active_people(conn: &mut AnyConnection) -> Result<i64, ApiError> {
    Ok(people::table
        .filter(people::active.eq(true))
        .filter(people::erased_at.is_null())
        .count()
        .get_result(conn)?)
}

pub fn deactivations_since(
    conn: &mut AnyConnection,
    since: NaiveDateTime,
) -> Result<i64, ApiError> {
    Ok(scim_deactivations::table
        .filter(scim_deactivations::at.gt(since))
        .count()
        .get_result(conn)?)
}

pub fn record_deactivation(
    conn: &mut AnyConnection,
    person: &str,
    at: NaiveDateTime,
) -> Result<(), ApiError> {
    diesel::insert_into(scim_deactivations::table)
        .values((
            scim_deactivations::id.eq(uuid::Uuid::new_v4().to_string()),
            scim_deactivations::person_id.eq(person),
            scim_deactivations::at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// A deactivation held back by the guard: (person, token, delete after, when asked).
pub type Held = (String, String, bool, NaiveDateTime);

pub fn hold(conn: &mut AnyConnection, h: &Held) -> Result<(), ApiError> {
    diesel::delete(scim_held::table.filter(scim_held::person_id.eq(&h.0))).execute(conn)?;
    diesel::insert_into(scim_held::table)
        .values((
            scim_held::person_id.eq(&h.0),
            scim_held::token_id.eq(&h.1),
            scim_held::delete_after.eq(h.2),
            scim_held::requested_at.eq(h.3),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn held(conn: &mut AnyConnection) -> Result<Vec<Held>, ApiError> {
    Ok(scim_held::table
        .select((
            scim_held::person_id,
            scim_held::token_id,
            scim_held::delete_after,
            scim_held::requested_at,
        ))
        .order((scim_held::requested_at, scim_held::person_id))
        .load(conn)?)
}

pub fn unhold(conn: &mut AnyConnection, person: &str) -> Result<(), ApiError> {
    diesel::delete(scim_held::table.filter(scim_held::person_id.eq(person))).execute(conn)?;
    Ok(())
}

/// The end of the latest admin confirmation still running at `at`, if any.
pub fn released_until(
    conn: &mut AnyConnection,
    at: NaiveDateTime,
) -> Result<Option<NaiveDateTime>, ApiError> {
    Ok(scim_releases::table
        .filter(scim_releases::until.gt(at))
        .select(scim_releases::until)
        .order(scim_releases::until.desc())
        .first(conn)
        .optional()?)
}

pub fn release(
    conn: &mut AnyConnection,
    by: &str,
    at: NaiveDateTime,
    until: NaiveDateTime,
) -> Result<(), ApiError> {
    diesel::insert_into(scim_releases::table)
        .values((
            scim_releases::id.eq(uuid::Uuid::new_v4().to_string()),
            scim_releases::confirmed_by.eq(by),
            scim_releases::confirmed_at.eq(at),
            scim_releases::until.eq(until),
        ))
        .execute(conn)?;
    Ok(())
}

/// One page of teams by name (`displayName` compared without regard to case,
/// `externalId` is the team's import key), and how many there are.
pub fn page_groups(
    conn: &mut AnyConnection,
    filter: &Filter,
    offset: i64,
    limit: i64,
) -> Result<(i64, Vec<TeamRow>), ApiError> {
    let build = || {
        let mut q = teams::table.into_boxed();
        for t in &filter.0 {
            q = match t {
                Term::DisplayName(v) => q.filter(lower(teams::name).eq(v.trim().to_lowercase())),
                Term::ExternalId(v) => q.filter(teams::team_key.eq(v.clone())),
                _ => q.filter(teams::id.eq("")),
            };
        }
        q
    };
    let total: i64 = build().count().get_result(conn)?;
    let rows = build()
        .select(TeamRow::as_select())
        .order((teams::created_at, teams::id))
        .offset(offset)
        .limit(limit)
        .load(conn)?;
    Ok((total, rows))
}

/// The people of a team SCIM sees (deactivated ones too: membership is not `active`),
/// (id, name), oldest first.
pub fn members(conn: &mut AnyConnection, team: &str) -> Result<Vec<(String, String)>, ApiError> {
    Ok(people::table
        .filter(people::team_id.eq(team))
        .filter(people::erased_at.is_null())
        .filter(diesel::dsl::not(diesel::dsl::exists(
            scim_deleted::table.filter(scim_deleted::person_id.eq(people::id)),
        )))
        .select((people::id, people::name))
        .order((people::created_at, people::id))
        .load(conn)?)
}

/// Moves a person into `team` (or out of every team).
pub fn set_team(
    conn: &mut AnyConnection,
    person: &str,
    team: Option<&str>,
    at: NaiveDateTime,
) -> Result<(), ApiError> {
    diesel::update(people::table.find(person))
        .set((
            people::team_id.eq(team.map(str::to_owned)),
            people::updated_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// The names of the teams, those no other team shares (what `department` may name).
pub fn unique_team_names(conn: &mut AnyConnection) -> Result<Vec<String>, ApiError> {
    let names: Vec<String> = teams::table.select(teams::name).load(conn)?;
    let mut seen: std::collections::HashMap<String, (usize, String)> = Default::default();
    for n in names {
        seen.entry(n.to_lowercase()).or_insert((0, n.clone())).0 += 1;
    }
    let mut out: Vec<String> = seen
        .into_values()
        .filter(|(count, _)| *count == 1)
        .map(|(_, n)| n)
        .collect();
    out.sort_by_key(|n| n.to_lowercase());
    Ok(out)
}

/// Changes a person's e-mail address (their login).
pub fn set_email(conn: &mut AnyConnection, id: &str, email: &str) -> Result<(), ApiError> {
    diesel::update(people::table.find(id))
        .set(people::email.eq(email))
        .execute(conn)?;
    Ok(())
}
