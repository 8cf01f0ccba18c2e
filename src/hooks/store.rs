//! The queries of hooks and their deliveries.
//!
//! Claiming is one statement in a write transaction, as for the e-mail outbox
//! ([`crate::notify::store::claim_due`]): on PostgreSQL with `FOR UPDATE SKIP LOCKED`,
//! on SQLite on the single writer, so two replicas never claim one delivery at once.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::schema::{hook_deliveries, hooks, teams};
use crate::error::ApiError;
use crate::hooks::model::{DeliveryRow, HookRow};
use crate::notify::store::settle_claimed;

pub fn all(conn: &mut AnyConnection) -> Result<Vec<HookRow>, ApiError> {
    Ok(hooks::table
        .order((hooks::created_at, hooks::id))
        .select(HookRow::as_select())
        .load(conn)?)
}

pub fn find(conn: &mut AnyConnection, id: &str) -> Result<Option<HookRow>, ApiError> {
    Ok(hooks::table
        .find(id)
        .select(HookRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn insert(conn: &mut AnyConnection, row: &HookRow) -> Result<(), ApiError> {
    diesel::insert_into(hooks::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Writes every field of `row` but its id, secret and creation time.
pub fn update(conn: &mut AnyConnection, row: &HookRow) -> Result<(), ApiError> {
    diesel::update(hooks::table.find(&row.id))
        .set((
            hooks::url.eq(&row.url),
            hooks::events.eq(&row.events),
            hooks::team_id.eq(&row.team_id),
            hooks::language.eq(&row.language),
            hooks::enabled.eq(row.enabled),
            hooks::updated_at.eq(row.updated_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Deletes a hook and its deliveries.
pub fn delete(conn: &mut AnyConnection, id: &str) -> Result<bool, ApiError> {
    diesel::delete(hook_deliveries::table.filter(hook_deliveries::hook_id.eq(id))).execute(conn)?;
    Ok(diesel::delete(hooks::table.find(id)).execute(conn)? > 0)
}

pub fn team_exists(conn: &mut AnyConnection, id: &str) -> Result<bool, ApiError> {
    let n: i64 = teams::table
        .filter(teams::id.eq(id))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// `ids` and every team above one of them.
pub fn with_ancestors(
    conn: &mut AnyConnection,
    ids: &[String],
) -> Result<HashSet<String>, ApiError> {
    let parents: HashMap<String, Option<String>> = teams::table
        .select((teams::id, teams::parent_id))
        .load::<(String, Option<String>)>(conn)?
        .into_iter()
        .collect();
    let mut out = HashSet::new();
    for id in ids {
        let mut at = Some(id.clone());
        // A tree has no cycles; the bound only guards a damaged one.
        for _ in 0..=parents.len() {
            let Some(t) = at else { break };
            if !out.insert(t.clone()) {
                break;
            }
            at = parents.get(&t).cloned().flatten();
        }
    }
    Ok(out)
}

/// Queues `rows`; a row whose idempotency key is already there is left out. Returns how
/// many were new.
pub fn enqueue(conn: &mut AnyConnection, rows: &[DeliveryRow]) -> Result<usize, ApiError> {
    let mut added = 0;
    for r in rows {
        let insert = diesel::insert_into(hook_deliveries::table)
            .values(r)
            .on_conflict(hook_deliveries::idempotency_key)
            .do_nothing();
        added += match conn {
            AnyConnection::Sqlite(c) => insert.execute(c)?,
            AnyConnection::Postgresql(c) => insert.execute(c)?,
        };
    }
    Ok(added)
}

/// Claims up to `limit` due deliveries until `lease_until`, as the outbox's messages are
/// claimed ([`crate::notify::store::claim_due_ids`]).
pub fn claim_due(
    conn: &mut AnyConnection,
    at: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: i64,
) -> Result<Vec<DeliveryRow>, ApiError> {
    let ids =
        crate::notify::store::claim_due_ids(conn, "hook_deliveries", "", at, lease_until, limit)?;
    Ok(hook_deliveries::table
        .filter(hook_deliveries::id.eq_any(&ids))
        .order(hook_deliveries::next_attempt_at)
        .select(DeliveryRow::as_select())
        .load(conn)?)
}

/// Records the outcome of a claimed delivery (only while it is still claimed):
/// `status`, when to try again, the error and the HTTP status of the answer.
pub fn record(
    conn: &mut AnyConnection,
    id: &str,
    status: &str,
    next: Option<NaiveDateTime>,
    error: Option<&str>,
    http: Option<i32>,
    at: NaiveDateTime,
) -> Result<(), ApiError> {
    let sent = (status == crate::notify::model::status::SENT).then_some(at);
    let common = (
        hook_deliveries::status.eq(status),
        hook_deliveries::last_error.eq(error),
        hook_deliveries::response_status.eq(http),
        hook_deliveries::sent_at.eq(sent),
    );
    match next {
        Some(n) => settle_claimed!(
            hook_deliveries,
            conn,
            id,
            common,
            hook_deliveries::next_attempt_at.eq(n)
        )?,
        None => settle_claimed!(hook_deliveries, conn, id, common)?,
    };
    Ok(())
}

/// Hands a claimed delivery back unsent (the sender is stopping), not counting the try.
pub fn release(conn: &mut AnyConnection, id: &str, at: NaiveDateTime) -> Result<(), ApiError> {
    settle_claimed!(
        hook_deliveries,
        conn,
        id,
        hook_deliveries::status.eq(crate::notify::model::status::QUEUED),
        hook_deliveries::next_attempt_at.eq(at),
        hook_deliveries::tries.eq(hook_deliveries::tries - 1),
    )?;
    Ok(())
}

/// A hook's deliveries, newest first, and their total.
pub fn deliveries(
    conn: &mut AnyConnection,
    hook_id: &str,
    limit: i64,
    offset: i64,
) -> Result<(i64, Vec<DeliveryRow>), ApiError> {
    let total = hook_deliveries::table
        .filter(hook_deliveries::hook_id.eq(hook_id))
        .count()
        .get_result(conn)?;
    let rows = hook_deliveries::table
        .filter(hook_deliveries::hook_id.eq(hook_id))
        .order((hook_deliveries::created_at.desc(), hook_deliveries::id))
        .limit(limit)
        .offset(offset)
        .select(DeliveryRow::as_select())
        .load(conn)?;
    Ok((total, rows))
}

/// The teams of a round's invitees.
pub fn round_teams(conn: &mut AnyConnection, round_id: &str) -> Result<Vec<String>, ApiError> {
    use crate::db::schema::{people, round_invitees};
    Ok(round_invitees::table
        .inner_join(people::table.on(people::id.eq(round_invitees::person_id)))
        .filter(round_invitees::round_id.eq(round_id))
        .filter(people::team_id.is_not_null())
        .select(people::team_id.assume_not_null())
        .distinct()
        .load(conn)?)
}

/// A round's survey id, title, opening and closing times.
pub fn round_facts(
    conn: &mut AnyConnection,
    round_id: &str,
) -> Result<Option<(String, String, NaiveDateTime, NaiveDateTime)>, ApiError> {
    use crate::db::schema::{rounds, surveys};
    Ok(rounds::table
        .inner_join(surveys::table.on(surveys::id.eq(rounds::survey_id)))
        .filter(rounds::id.eq(round_id))
        .select((
            surveys::id,
            surveys::title,
            rounds::opens_at,
            rounds::closes_at,
        ))
        .first(conn)
        .optional()?)
}

/// Deletes the deliveries whose body names `person_id` as a suggestion's author (sent
/// or not), when that person is erased: what went out cannot be called back, but
/// pulseline keeps no copy linking them to a suggestion.
pub fn forget_author(conn: &mut AnyConnection, person_id: &str) -> Result<usize, ApiError> {
    let named = format!("%\"author_id\":\"{person_id}\"%");
    Ok(diesel::delete(
        hook_deliveries::table
            .filter(hook_deliveries::event.like("suggestion.%"))
            .filter(hook_deliveries::payload.like(named)),
    )
    .execute(conn)?)
}
