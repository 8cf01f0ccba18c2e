//! Opens and closes rounds on schedule with nobody acting. Every replica runs the same
//! loop; it is safe because opening is idempotent: a round is keyed by (survey, slot)
//! with a unique constraint, the check and the insert share one transaction, and a
//! replica that loses the race gets a unique violation, rolls back, and moves on. A
//! round stops taking answers by time alone (`closes_at`); the same pass then opens its
//! sealed ballots ([`crate::surveys::materialise`], also idempotent), and the first pass
//! after a start does so for rounds that ended while the server was down.

use std::time::Duration;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::Db;
use crate::db::schema::surveys;
use crate::error::ApiError;
use crate::surveys::model::SurveyRow;
use crate::surveys::schedule::{Cadence, Schedule};
use crate::surveys::store;

pub fn schedule_of(s: &SurveyRow) -> Schedule {
    Schedule {
        starts_on: s.starts_on,
        cadence: Cadence::from_db(&s.cadence),
        window_days: s.window_days,
        ends_on: s.ends_on,
    }
}

/// One pass: opens every round that is due at `now` and whose slot has had no round —
/// neither its own nor one HR opened by hand during its window (a one-off survey: no
/// round at all). Returns how many rounds this pass opened.
pub fn tick(db: &Db, now: NaiveDateTime) -> Result<usize, ApiError> {
    let active: Vec<SurveyRow> = db.read_blocking(|conn| {
        Ok(surveys::table
            .filter(surveys::archived.eq(false))
            .select(SurveyRow::as_select())
            .load(conn)?)
    })?;
    let mut opened = 0;
    for survey in active {
        let schedule = schedule_of(&survey);
        let Some(slot) = schedule.due(now) else {
            continue;
        };
        let Some((opens, closes)) = schedule.window(slot) else {
            continue;
        };
        let result = db.write_blocking(|conn| {
            // A slot that had its round (see `Schedule::slot_taken`) opens none: another
            // would ask again people who have answered.
            let held: Vec<_> = store::rounds_of(conn, &survey.id)?
                .iter()
                .map(|r| r.held())
                .collect();
            if schedule.slot_taken(slot, opens, closes, &held)
                || store::open_round_of(conn, &survey.id, now)?.is_some()
            {
                return Ok(false);
            }
            let slot = i32::try_from(slot).unwrap_or(i32::MAX);
            let round = store::open_round(conn, &survey, Some(slot), opens, closes)?;
            crate::notify::queue::pulse_open(conn, &round.id)?;
            crate::hooks::queue::round_opened(conn, &round.id)?;
            Ok(true)
        });
        match result {
            Ok(true) => {
                opened += 1;
                tracing::info!(survey = %survey.id, slot, "round opened on schedule");
            }
            Ok(false) => {}
            Err(ApiError::Conflict(_)) => {
                tracing::debug!(survey = %survey.id, slot, "round opened by another replica");
            }
            Err(e) => return Err(e),
        }
    }
    Ok(opened)
}

/// What the scheduler's pass needs besides the database.
pub struct Pass {
    pub master: std::sync::Arc<crate::keys::MasterKey>,
    /// Closed rounds' plans, for the "results ready" messages.
    pub cache: std::sync::Arc<crate::reports::closed_rounds::RoundCache>,
    pub hours: crate::surveys::reminder_times::WorkingHours,
}

/// Every `every` (the first time at once) until the process ends: closes ended rounds
/// ([`crate::surveys::materialise::close_due`]) and queues their "results ready"
/// messages ([`crate::reports::results_ready`]), opens due rounds ([`tick`]) and queues
/// the automatic reminders that have come ([`crate::surveys::reminders`]).
pub fn spawn(db: Db, pass: Pass, every: Duration) {
    let pass = std::sync::Arc::new(pass);
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(every);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            let (db, pass) = (db.clone(), pass.clone());
            let outcome = tokio::task::spawn_blocking(move || {
                let now = crate::clock::now();
                if let Err(e) = crate::surveys::materialise::close_due(&db, &pass.master, now) {
                    tracing::warn!(error = %e, "closing ended rounds failed");
                }
                if let Err(e) = crate::reports::results_ready::run(&db, &pass.cache, now) {
                    tracing::warn!(error = %e, "queueing results-ready messages failed");
                }
                let opened = tick(&db, now);
                if let Err(e) = crate::surveys::reminders::run(&db, &pass.hours, now) {
                    tracing::warn!(error = %e, "queueing reminders failed");
                }
                opened
            })
            .await;
            match outcome {
                Ok(Err(e)) => tracing::warn!(error = %e, "scheduler pass failed"),
                Err(e) => tracing::warn!(error = %e, "scheduler pass panicked"),
                Ok(Ok(_)) => {}
            }
        }
    });
}
