//! Opens rounds on schedule with nobody acting. Every replica runs the same loop; it is
//! safe because opening is idempotent: a round is keyed by (survey, slot) with a unique
//! constraint, the check and the insert share one transaction, and a replica that loses
//! the race gets a unique violation, rolls back, and moves on. Rounds close by time
//! alone (`closes_at`), so closing needs no job.

use std::time::Duration;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::Db;
use crate::db::schema::{rounds, surveys};
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
        let slot = i32::try_from(slot).unwrap_or(i32::MAX);
        let once = schedule.cadence == Cadence::Once;
        let result = db.write_blocking(|conn| {
            // The slot is taken by its own round, or by any round (opened by hand) that
            // was open during the slot's window; a one-off survey by any round at all.
            // Opening another would ask again people who have answered.
            let mut taken = rounds::table
                .filter(rounds::survey_id.eq(&survey.id))
                .into_boxed();
            if !once {
                taken = taken.filter(
                    rounds::slot.eq(slot).or(rounds::slot
                        .is_null()
                        .and(rounds::opens_at.lt(closes))
                        .and(rounds::closes_at.gt(opens))),
                );
            }
            let taken: i64 = taken.count().get_result(conn)?;
            if taken > 0 || store::open_round_of(conn, &survey.id, now)?.is_some() {
                return Ok(false);
            }
            store::open_round(conn, &survey, Some(slot), opens, closes)?;
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

/// Runs [`tick`] every `every` until the process ends.
pub fn spawn(db: Db, every: Duration) {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(every);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            let db = db.clone();
            let outcome = tokio::task::spawn_blocking(move || tick(&db, crate::clock::now())).await;
            match outcome {
                Ok(Err(e)) => tracing::warn!(error = %e, "scheduler pass failed"),
                Err(e) => tracing::warn!(error = %e, "scheduler pass panicked"),
                Ok(Ok(_)) => {}
            }
        }
    });
}
