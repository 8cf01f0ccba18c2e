//! The kiosk codes' queries: a round and team's sheet, a code by its hash, and the
//! counts the answering check and the participation figures read.

use std::collections::BTreeMap;

use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::schema::{kiosk_codes, participation, people, round_invitees};
use crate::error::ApiError;

/// A code's round, team and whether it was used.
#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = kiosk_codes)]
pub struct KioskCodeRow {
    pub code_hash: String,
    pub round_id: String,
    pub team_id: String,
    pub used: bool,
}

/// The invitees of `round_id` in team `team_id` (that team only) who can be reached
/// by no message: active, with neither an e-mail address nor a phone number; and how
/// many of them answered in person (signed in).
pub fn unreachable_invitees(
    conn: &mut AnyConnection,
    round_id: &str,
    team_id: &str,
) -> Result<(i64, i64), ApiError> {
    let ids: Vec<String> = round_invitees::table
        .inner_join(people::table.on(people::id.eq(round_invitees::person_id)))
        .filter(round_invitees::round_id.eq(round_id))
        .filter(round_invitees::team_id.eq(team_id))
        .filter(people::active.eq(true))
        .filter(people::email.is_null())
        .filter(people::phone.is_null())
        .select(round_invitees::person_id)
        .load(conn)?;
    let mut done = 0;
    for chunk in ids.chunks(500) {
        done += participation::table
            .filter(participation::round_id.eq(round_id))
            .filter(participation::person_id.eq_any(chunk))
            .count()
            .get_result::<i64>(conn)?;
    }
    Ok((i64::try_from(ids.len()).unwrap_or(i64::MAX), done))
}

/// How many of the round and team's codes were used.
pub fn used(conn: &mut AnyConnection, round_id: &str, team_id: &str) -> Result<i64, ApiError> {
    Ok(kiosk_codes::table
        .filter(kiosk_codes::round_id.eq(round_id))
        .filter(kiosk_codes::team_id.eq(team_id))
        .filter(kiosk_codes::used.eq(true))
        .count()
        .get_result(conn)?)
}

/// Replaces the round and team's unused codes by `hashes` (a new sheet).
pub fn replace_unused(
    conn: &mut AnyConnection,
    round_id: &str,
    team_id: &str,
    hashes: &[String],
) -> Result<(), ApiError> {
    diesel::delete(
        kiosk_codes::table
            .filter(kiosk_codes::round_id.eq(round_id))
            .filter(kiosk_codes::team_id.eq(team_id))
            .filter(kiosk_codes::used.eq(false)),
    )
    .execute(conn)?;
    for h in hashes {
        diesel::insert_into(kiosk_codes::table)
            .values(KioskCodeRow {
                code_hash: h.clone(),
                round_id: round_id.to_owned(),
                team_id: team_id.to_owned(),
                used: false,
            })
            .execute(conn)?;
    }
    Ok(())
}

/// A code by its hash.
pub fn find(conn: &mut AnyConnection, hash: &str) -> Result<Option<KioskCodeRow>, ApiError> {
    Ok(kiosk_codes::table
        .find(hash)
        .select(KioskCodeRow::as_select())
        .first(conn)
        .optional()?)
}

/// The round's used codes: (hash, team).
pub fn used_codes(
    conn: &mut AnyConnection,
    round_id: &str,
) -> Result<Vec<(String, String)>, ApiError> {
    Ok(kiosk_codes::table
        .filter(kiosk_codes::round_id.eq(round_id))
        .filter(kiosk_codes::used.eq(true))
        .select((kiosk_codes::code_hash, kiosk_codes::team_id))
        .load(conn)?)
}

/// Per team: the round's used codes (answers given by code).
pub fn used_by_team(
    conn: &mut AnyConnection,
    round_id: &str,
) -> Result<BTreeMap<String, i64>, ApiError> {
    Ok(kiosk_codes::table
        .filter(kiosk_codes::round_id.eq(round_id))
        .filter(kiosk_codes::used.eq(true))
        .group_by(kiosk_codes::team_id)
        .select((kiosk_codes::team_id, diesel::dsl::count_star()))
        .load::<(String, i64)>(conn)?
        .into_iter()
        .collect())
}

/// The teams of the round with a printed sheet.
pub fn teams_with_codes(
    conn: &mut AnyConnection,
    round_id: &str,
) -> Result<std::collections::HashSet<String>, ApiError> {
    Ok(kiosk_codes::table
        .filter(kiosk_codes::round_id.eq(round_id))
        .select(kiosk_codes::team_id)
        .distinct()
        .load::<String>(conn)?
        .into_iter()
        .collect())
}

/// Per team of the round: its active invitees with neither e-mail nor phone (teams
/// with none are left out).
pub fn unreachable_by_team(
    conn: &mut AnyConnection,
    round_id: &str,
) -> Result<Vec<(String, i64)>, ApiError> {
    Ok(round_invitees::table
        .inner_join(people::table.on(people::id.eq(round_invitees::person_id)))
        .filter(round_invitees::round_id.eq(round_id))
        .filter(people::active.eq(true))
        .filter(people::email.is_null())
        .filter(people::phone.is_null())
        .group_by(round_invitees::team_id)
        .select((round_invitees::team_id, diesel::dsl::count_star()))
        .load(conn)?)
}
