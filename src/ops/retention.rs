//! Retention (admins): how many months the organisation keeps
//! - the answer values of a closed round (counted from its close; the round's reports
//!   are gone afterwards, 410, and it leaves trends and the linkage),
//! - a closed round's comments (the same, for the written answers only),
//! - suggestions after they are closed (`done` or `declined`, counted from their last
//!   reply),
//! - customer ratings (counted from the day they describe),
//! - the audit log (never less than [`AUDIT_LOG_MIN_MONTHS`], which the database's own
//!   trigger also enforces).
//!
//! Unset means for ever, the default. A daily job ([`spawn`]) deletes what has expired,
//! in one transaction, with one audit entry per run (counts only); on SQLite
//! `secure_delete` zeroes the freed space and the write-ahead log is emptied afterwards,
//! so no copy of the files keeps the deleted text.
//!
//! What a purge of answers keeps: each response's cell (team and the collected cuts,
//! no value) and who took part, so the release plans of the survey's later rounds,
//! which must not be subtracted from what this round released, stay exactly as they
//! were.

use chrono::{Months, NaiveDateTime};
use diesel::prelude::*;

use crate::auth::{Principal, require_admin};
use crate::clock::now;
use crate::db::anonymous::AUDIT_LOG_MIN_MONTHS;
use crate::db::schema::{
    answers, audit_log, cx_ratings, responses, retention_settings, rounds, suggestion_events,
    suggestion_votes, suggestions,
};
use crate::db::{AnyConnection, Db};
use crate::error::ApiError;
use crate::reports::audit_log::{record, target};
use crate::reports::closed_rounds::RoundCache;
use crate::state::AppState;

/// The retention settings: months, or none for ever.
#[derive(poem_openapi::Object, serde::Deserialize, Debug, Clone, Copy, Default, PartialEq)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct Retention {
    /// Months a closed round's answer values are kept after it closes; its reports go
    /// with them.
    #[oai(validator(minimum(value = "1"), maximum(value = "1200")))]
    pub answers_months: Option<i32>,
    /// Months a closed round's written comments are kept after it closes.
    #[oai(validator(minimum(value = "1"), maximum(value = "1200")))]
    pub comments_months: Option<i32>,
    /// Months a closed suggestion (done or declined) is kept after its last reply.
    #[oai(validator(minimum(value = "1"), maximum(value = "1200")))]
    pub suggestions_months: Option<i32>,
    /// Months a customer rating is kept after the day it describes.
    #[oai(validator(minimum(value = "1"), maximum(value = "1200")))]
    pub cx_months: Option<i32>,
    /// Months an audit log entry is kept: at least 12 (PCI DSS v4.0 requirement 10.5.1).
    #[oai(validator(minimum(value = "12"), maximum(value = "1200")))]
    pub audit_months: Option<i32>,
}

/// What one purge deleted.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Purged {
    /// Rounds whose answer values were deleted.
    pub rounds: usize,
    /// Answer values deleted (comments included when their round's answers went).
    pub answers: usize,
    /// Comments deleted from rounds whose other answers stay.
    pub comments: usize,
    pub suggestions: usize,
    pub cx_ratings: usize,
    pub audit_entries: usize,
}

/// The audit log's actor for the purge job.
const SYSTEM: &str = "system";

type Row = (
    Option<i32>,
    Option<i32>,
    Option<i32>,
    Option<i32>,
    Option<i32>,
);

fn load(conn: &mut AnyConnection) -> Result<Retention, ApiError> {
    let row: Option<Row> = retention_settings::table
        .find(1)
        .select((
            retention_settings::answers_months,
            retention_settings::comments_months,
            retention_settings::suggestions_months,
            retention_settings::cx_months,
            retention_settings::audit_months,
        ))
        .first(conn)
        .optional()?;
    Ok(
        row.map_or_else(Retention::default, |(a, c, s, x, l)| Retention {
            answers_months: a,
            comments_months: c,
            suggestions_months: s,
            cx_months: x,
            audit_months: l,
        }),
    )
}

impl Retention {
    /// Each setting by its field name.
    fn fields(&self) -> [(&'static str, Option<i32>); 5] {
        [
            ("answers_months", self.answers_months),
            ("comments_months", self.comments_months),
            ("suggestions_months", self.suggestions_months),
            ("cx_months", self.cx_months),
            ("audit_months", self.audit_months),
        ]
    }
}

/// The settings (admins).
pub async fn get(state: &AppState, p: &Principal) -> Result<Retention, ApiError> {
    require_admin(p)?;
    state.db.read(load).await
}

/// Replaces the settings (admins); audited with the new values.
pub async fn set(state: &AppState, p: &Principal, r: Retention) -> Result<Retention, ApiError> {
    require_admin(p)?;
    for (field, months) in r.fields() {
        if months.is_some_and(|m| !(1..=1200).contains(&m)) {
            return Err(ApiError::invalid(field, "must be 1 to 1200 months"));
        }
    }
    if r.audit_months
        .is_some_and(|m| m < AUDIT_LOG_MIN_MONTHS as i32)
    {
        return Err(ApiError::invalid(
            "audit_months",
            crate::error::Msg::new(
                "the audit log is kept for at least {n} months (PCI DSS v4.0 requirement 10.5.1)",
            )
            .arg("n", AUDIT_LOG_MIN_MONTHS),
        ));
    }
    let actor = p.id.clone();
    state
        .db
        .write(move |conn| {
            diesel::delete(retention_settings::table).execute(conn)?;
            diesel::insert_into(retention_settings::table)
                .values((
                    retention_settings::id.eq(1),
                    retention_settings::answers_months.eq(r.answers_months),
                    retention_settings::comments_months.eq(r.comments_months),
                    retention_settings::suggestions_months.eq(r.suggestions_months),
                    retention_settings::cx_months.eq(r.cx_months),
                    retention_settings::audit_months.eq(r.audit_months),
                    retention_settings::updated_at.eq(now()),
                ))
                .execute(conn)?;
            let values: Vec<(&str, String)> = r
                .fields()
                .iter()
                .map(|(f, m)| (*f, m.map_or_else(|| "never".to_owned(), |m| m.to_string())))
                .collect();
            let pairs: Vec<(&str, Option<&str>)> =
                values.iter().map(|(f, v)| (*f, Some(v.as_str()))).collect();
            record(
                conn,
                &actor,
                "retention.change",
                &target("retention", &pairs),
            )?;
            Ok(r)
        })
        .await
}

/// `at` less `months` (never before the calendar's start).
fn before(at: NaiveDateTime, months: i32) -> NaiveDateTime {
    at.checked_sub_months(Months::new(months.unsigned_abs()))
        .unwrap_or(NaiveDateTime::MIN)
}

/// Deletes the answer values (`text_only`: the comments) of the closed rounds that
/// closed before `cutoff` and were not purged so before, and marks them. Returns the
/// rounds and the answers deleted.
fn purge_rounds(
    conn: &mut AnyConnection,
    cutoff: NaiveDateTime,
    at: NaiveDateTime,
    text_only: bool,
) -> Result<(Vec<String>, usize), ApiError> {
    let mut due = rounds::table
        .filter(rounds::closes_at.lt(cutoff))
        .filter(rounds::materialised_at.is_not_null())
        .select(rounds::id)
        .into_boxed();
    due = if text_only {
        due.filter(rounds::comments_purged_at.is_null())
    } else {
        due.filter(rounds::answers_purged_at.is_null())
    };
    let due: Vec<String> = due.load(conn)?;
    let mut deleted = 0;
    for id in &due {
        let of_round = responses::table
            .filter(responses::round_id.eq(id))
            .select(responses::id);
        deleted += if text_only {
            diesel::delete(
                answers::table
                    .filter(answers::response_id.eq_any(of_round))
                    .filter(answers::text.is_not_null()),
            )
            .execute(conn)?
        } else {
            diesel::delete(answers::table.filter(answers::response_id.eq_any(of_round)))
                .execute(conn)?
        };
        // The conversations about the comments go with them.
        crate::conversations::store::delete_of(conn, std::slice::from_ref(id), &[])?;
        diesel::update(rounds::table.find(id))
            .filter(rounds::comments_purged_at.is_null())
            .set(rounds::comments_purged_at.eq(Some(at)))
            .execute(conn)?;
        if !text_only {
            diesel::update(rounds::table.find(id))
                .set(rounds::answers_purged_at.eq(Some(at)))
                .execute(conn)?;
        }
    }
    Ok((due, deleted))
}

/// The closed suggestions whose last reply is older than `cutoff`, deleted with their
/// votes and events; how many.
fn purge_suggestions(conn: &mut AnyConnection, cutoff: NaiveDateTime) -> Result<usize, ApiError> {
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
    let mut deleted = 0;
    for chunk in expired.chunks(500) {
        diesel::delete(
            suggestion_votes::table.filter(suggestion_votes::suggestion_id.eq_any(chunk)),
        )
        .execute(conn)?;
        diesel::delete(
            suggestion_events::table.filter(suggestion_events::suggestion_id.eq_any(chunk)),
        )
        .execute(conn)?;
        crate::conversations::store::delete_of(conn, &[], chunk)?;
        deleted += diesel::delete(suggestions::table.filter(suggestions::id.eq_any(chunk)))
            .execute(conn)?;
    }
    Ok(deleted)
}

/// Deletes what has expired at `at`, in one transaction, and records the run; then
/// drops the purged rounds from the report cache and empties the SQLite write-ahead log.
pub fn purge(db: &Db, cache: &RoundCache, at: NaiveDateTime) -> Result<Purged, ApiError> {
    let (purged, forgotten) = db.write_blocking(|conn| {
        let r = load(conn)?;
        let mut out = Purged::default();
        let mut forgotten = Vec::new();
        if let Some(m) = r.answers_months {
            let (ids, n) = purge_rounds(conn, before(at, m), at, false)?;
            (out.rounds, out.answers) = (ids.len(), n);
            forgotten.extend(ids);
        }
        if let Some(m) = r.comments_months {
            let (ids, n) = purge_rounds(conn, before(at, m), at, true)?;
            out.comments = n;
            forgotten.extend(ids);
        }
        if let Some(m) = r.suggestions_months {
            out.suggestions = purge_suggestions(conn, before(at, m))?;
        }
        if let Some(m) = r.cx_months {
            let cutoff = before(at, m).date();
            out.cx_ratings =
                diesel::delete(cx_ratings::table.filter(cx_ratings::occurred_on.lt(cutoff)))
                    .execute(conn)?;
        }
        if let Some(m) = r.audit_months {
            // Never younger than the floor, whatever the stored setting says (the
            // database's trigger refuses it too).
            let cutoff = before(at, m.max(AUDIT_LOG_MIN_MONTHS as i32));
            out.audit_entries =
                diesel::delete(audit_log::table.filter(audit_log::at.lt(cutoff))).execute(conn)?;
        }
        let counts = [
            ("rounds", out.rounds),
            ("answers", out.answers),
            ("comments", out.comments),
            ("suggestions", out.suggestions),
            ("cx_ratings", out.cx_ratings),
            ("audit_entries", out.audit_entries),
        ]
        .map(|(k, n)| (k, n.to_string()));
        let pairs: Vec<(&str, Option<&str>)> =
            counts.iter().map(|(k, v)| (*k, Some(v.as_str()))).collect();
        record(
            conn,
            SYSTEM,
            "retention.purge",
            &target("retention/purge", &pairs),
        )?;
        Ok((out, forgotten))
    })?;
    cache.forget(&forgotten);
    if purged != Purged::default()
        && let Err(e) = db.checkpoint_truncate()
    {
        tracing::warn!(error = %e, "the write-ahead log was not emptied after a purge");
    }
    Ok(purged)
}

/// Runs [`purge`] once a day (the first run a minute after start).
pub fn spawn(db: Db, cache: std::sync::Arc<RoundCache>) {
    let job = move || purge(&db, &cache, now());
    crate::ops::daily::spawn("the retention purge", job, |p: Purged| {
        tracing::info!(
            rounds = p.rounds,
            answers = p.answers,
            comments = p.comments,
            suggestions = p.suggestions,
            cx_ratings = p.cx_ratings,
            audit_entries = p.audit_entries,
            "retention purge"
        )
    });
}
