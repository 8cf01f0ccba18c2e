//! The rows of company sign-in: sign-ins under way (`oidc_logins`, keyed by the hash of
//! their `state`, taken once) and the provider accounts linked to people (`identities`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::schema::{identities, oidc_logins};
use crate::error::ApiError;

/// A sign-in under way, as its trip to the provider left it.
#[derive(Queryable, Debug, Clone)]
pub struct Login {
    pub nonce: String,
    pub pkce_verifier: String,
    pub next_path: String,
    pub created_at: NaiveDateTime,
}

/// Records a trip to the provider.
pub fn insert_login(
    conn: &mut AnyConnection,
    state_hash: &str,
    login: &Login,
) -> Result<(), ApiError> {
    diesel::insert_into(oidc_logins::table)
        .values((
            oidc_logins::state_hash.eq(state_hash),
            oidc_logins::nonce.eq(&login.nonce),
            oidc_logins::pkce_verifier.eq(&login.pkce_verifier),
            oidc_logins::next_path.eq(&login.next_path),
            oidc_logins::created_at.eq(login.created_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Takes the sign-in of `state_hash` (it is deleted: a second answer finds nothing).
/// Two answers racing: the delete's count decides which one had it.
pub fn take_login(conn: &mut AnyConnection, state_hash: &str) -> Result<Option<Login>, ApiError> {
    let row: Option<Login> = oidc_logins::table
        .find(state_hash)
        .select((
            oidc_logins::nonce,
            oidc_logins::pkce_verifier,
            oidc_logins::next_path,
            oidc_logins::created_at,
        ))
        .first(conn)
        .optional()?;
    let deleted = diesel::delete(oidc_logins::table.find(state_hash)).execute(conn)?;
    Ok(row.filter(|_| deleted == 1))
}

/// Forgets sign-ins started before `before` (never finished).
pub fn forget_logins_before(
    conn: &mut AnyConnection,
    before: NaiveDateTime,
) -> Result<usize, ApiError> {
    Ok(
        diesel::delete(oidc_logins::table.filter(oidc_logins::created_at.lt(before)))
            .execute(conn)?,
    )
}

/// The person the provider account (`issuer`, `subject`) is linked to.
pub fn person_of(
    conn: &mut AnyConnection,
    issuer: &str,
    subject: &str,
) -> Result<Option<String>, ApiError> {
    Ok(identities::table
        .find((issuer, subject))
        .select(identities::person_id)
        .first(conn)
        .optional()?)
}

/// Links a provider account to a person, or notes its use when it is linked already.
pub fn link(
    conn: &mut AnyConnection,
    issuer: &str,
    subject: &str,
    person_id: &str,
    at: NaiveDateTime,
) -> Result<(), ApiError> {
    let used = diesel::update(identities::table.find((issuer, subject)))
        .set(identities::last_used_at.eq(at))
        .execute(conn)?;
    if used == 0 {
        diesel::insert_into(identities::table)
            .values((
                identities::issuer.eq(issuer),
                identities::subject.eq(subject),
                identities::person_id.eq(person_id),
                identities::created_at.eq(at),
                identities::last_used_at.eq(at),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// How many provider accounts are linked to `person_id`.
pub fn count_for(conn: &mut AnyConnection, person_id: &str) -> Result<i64, ApiError> {
    Ok(identities::table
        .filter(identities::person_id.eq(person_id))
        .count()
        .get_result(conn)?)
}

/// The id of the team whose id or import key is `reference`.
pub fn team_by_id_or_key(
    conn: &mut AnyConnection,
    reference: &str,
) -> Result<Option<String>, ApiError> {
    use crate::db::schema::teams;
    Ok(teams::table
        .filter(teams::id.eq(reference).or(teams::team_key.eq(reference)))
        .select(teams::id)
        .first(conn)
        .optional()?)
}
