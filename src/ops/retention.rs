//! Retention (admins): how many months the organisation keeps suggestions after they are
//! closed (`done` or `declined`, counted from their last reply) and customer ratings
//! (counted from the day they describe). Unset means for ever, the default. A daily job
//! ([`spawn`]) deletes what has expired, in one transaction, with one audit entry per
//! run (counts only); on SQLite `secure_delete` zeroes the freed
//! space and the write-ahead log is emptied afterwards, so no copy of the files keeps
//! the deleted text.

use std::time::Duration;

use chrono::{Months, NaiveDateTime};
use diesel::prelude::*;

use crate::auth::{Principal, require_admin};
use crate::clock::now;
use crate::db::schema::{
    cx_ratings, retention_settings, suggestion_events, suggestion_votes, suggestions,
};
use crate::db::{AnyConnection, Db};
use crate::error::ApiError;
use crate::reports::audit_log::{record, target};
use crate::state::AppState;

/// The retention settings: months, or none for ever.
#[derive(poem_openapi::Object, serde::Deserialize, Debug, Clone, Copy, Default, PartialEq)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct Retention {
    /// Months a closed suggestion (done or declined) is kept after its last reply.
    #[oai(validator(minimum(value = "1"), maximum(value = "1200")))]
    pub suggestions_months: Option<i32>,
    /// Months a customer rating is kept after the day it describes.
    #[oai(validator(minimum(value = "1"), maximum(value = "1200")))]
    pub cx_months: Option<i32>,
}

/// What one purge deleted.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Purged {
    pub suggestions: usize,
    pub cx_ratings: usize,
}

/// The audit log's actor for the purge job.
const SYSTEM: &str = "system";

fn load(conn: &mut AnyConnection) -> Result<Retention, ApiError> {
    let row: Option<(Option<i32>, Option<i32>)> = retention_settings::table
        .find(1)
        .select((
            retention_settings::suggestions_months,
            retention_settings::cx_months,
        ))
        .first(conn)
        .optional()?;
    Ok(row.map_or_else(Retention::default, |(s, c)| Retention {
        suggestions_months: s,
        cx_months: c,
    }))
}

/// The settings (admins).
pub async fn get(state: &AppState, p: &Principal) -> Result<Retention, ApiError> {
    require_admin(p)?;
    state.db.read(load).await
}

/// Replaces the settings (admins); audited with the new values.
pub async fn set(state: &AppState, p: &Principal, r: Retention) -> Result<Retention, ApiError> {
    require_admin(p)?;
    for (field, months) in [
        ("suggestions_months", r.suggestions_months),
        ("cx_months", r.cx_months),
    ] {
        if months.is_some_and(|m| !(1..=1200).contains(&m)) {
            return Err(ApiError::invalid(field, "must be 1 to 1200 months"));
        }
    }
    let actor = p.id.clone();
    state
        .db
        .write(move |conn| {
            diesel::delete(retention_settings::table).execute(conn)?;
            diesel::insert_into(retention_settings::table)
                .values((
                    retention_settings::id.eq(1),
                    retention_settings::suggestions_months.eq(r.suggestions_months),
                    retention_settings::cx_months.eq(r.cx_months),
                    retention_settings::updated_at.eq(now()),
                ))
                .execute(conn)?;
            let (s, c) = (
                r.suggestions_months.map(|m| m.to_string()),
                r.cx_months.map(|m| m.to_string()),
            );
            let t = target(
                "retention",
                &[
                    ("suggestions_months", Some(s.as_deref().unwrap_or("never"))),
                    ("cx_months", Some(c.as_deref().unwrap_or("never"))),
                ],
            );
            record(conn, &actor, "retention.change", &t)?;
            Ok(r)
        })
        .await
}

/// `at` less `months` (never before the calendar's start).
fn before(at: NaiveDateTime, months: i32) -> NaiveDateTime {
    at.checked_sub_months(Months::new(months.unsigned_abs()))
        .unwrap_or(NaiveDateTime::MIN)
}

/// Deletes what has expired at `at`, in one transaction, and records the run; then
/// empties the SQLite write-ahead log.
pub fn purge(db: &Db, at: NaiveDateTime) -> Result<Purged, ApiError> {
    let purged = db.write_blocking(|conn| {
        let r = load(conn)?;
        let mut out = Purged::default();
        if let Some(m) = r.suggestions_months {
            let cutoff = before(at, m);
            let closed: Vec<String> = suggestions::table
                .filter(suggestions::status.eq_any(["done", "declined"]))
                .select(suggestions::id)
                .load(conn)?;
            let mut expired = Vec::new();
            for id in closed {
                let last: Option<NaiveDateTime> = suggestion_events::table
                    .filter(suggestion_events::suggestion_id.eq(&id))
                    .select(diesel::dsl::max(suggestion_events::replied_at))
                    .first(conn)?;
                if last.is_some_and(|l| l < cutoff) {
                    expired.push(id);
                }
            }
            for chunk in expired.chunks(500) {
                diesel::delete(
                    suggestion_votes::table.filter(suggestion_votes::suggestion_id.eq_any(chunk)),
                )
                .execute(conn)?;
                diesel::delete(
                    suggestion_events::table.filter(suggestion_events::suggestion_id.eq_any(chunk)),
                )
                .execute(conn)?;
                out.suggestions +=
                    diesel::delete(suggestions::table.filter(suggestions::id.eq_any(chunk)))
                        .execute(conn)?;
            }
        }
        if let Some(m) = r.cx_months {
            let cutoff = before(at, m).date();
            out.cx_ratings +=
                diesel::delete(cx_ratings::table.filter(cx_ratings::occurred_on.lt(cutoff)))
                    .execute(conn)?;
        }
        {
            let (s, c) = (out.suggestions.to_string(), out.cx_ratings.to_string());
            let t = target(
                "retention/purge",
                &[("suggestions", Some(&s)), ("cx_ratings", Some(&c))],
            );
            record(conn, SYSTEM, "retention.purge", &t)?;
        }
        Ok(out)
    })?;
    if purged != Purged::default()
        && let Err(e) = db.checkpoint_truncate()
    {
        tracing::warn!(error = %e, "the write-ahead log was not emptied after a purge");
    }
    Ok(purged)
}

/// Runs [`purge`] once a day (the first run a minute after start).
pub fn spawn(db: Db) {
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(60)).await;
        let mut interval = tokio::time::interval(Duration::from_secs(24 * 60 * 60));
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            let db = db.clone();
            match tokio::task::spawn_blocking(move || purge(&db, now())).await {
                Ok(Ok(p)) => tracing::info!(
                    suggestions = p.suggestions,
                    cx_ratings = p.cx_ratings,
                    "retention purge"
                ),
                Ok(Err(e)) => tracing::warn!(error = %e, "the retention purge failed"),
                Err(e) => tracing::warn!(error = %e, "the retention purge panicked"),
            }
        }
    });
}
