//! The automatic reminders of open rounds, queued by the scheduler's pass with nobody
//! acting. When a round's reminder has come ([`crate::surveys::reminder_times::due`]),
//! one transaction raises the round's `reminders_queued` to its number — only where it
//! was lower, so a replayed pass, a restart or a second replica finds it raised and does
//! nothing — and queues it to each invitee who has not answered and has not turned
//! reminders off ([`crate::notify::queue::numbered_reminders`], each message under a key
//! naming the round, the person and the reminder's number), nor to anyone reminded of
//! the round, by hand or automatically, in the last 12 hours.
//!
//! Who has not answered goes into the outbox and nowhere else: nothing here logs, counts
//! aloud or returns it.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::Db;
use crate::db::schema::{rounds, surveys};
use crate::error::ApiError;
use crate::surveys::reminder_times::{WorkingHours, due};
use crate::surveys::store;

/// One pass at `now`: queues the reminder that has come of every open round, unless it
/// (or a later one) was queued already. Returns how many rounds had a reminder queued.
pub fn run(db: &Db, hours: &WorkingHours, now: NaiveDateTime) -> Result<usize, ApiError> {
    type Open = (String, NaiveDateTime, NaiveDateTime, i32, i32);
    let open: Vec<Open> = db.read_blocking(|conn| {
        Ok(rounds::table
            .inner_join(surveys::table.on(surveys::id.eq(rounds::survey_id)))
            .filter(rounds::opens_at.le(now))
            .filter(rounds::closes_at.gt(now))
            .filter(surveys::reminders.gt(0))
            .select((
                rounds::id,
                rounds::opens_at,
                rounds::closes_at,
                rounds::reminders_queued,
                surveys::reminders,
            ))
            .load(conn)?)
    })?;
    let mut queued = 0;
    for (id, opens, closes, done, count) in open {
        let Some(number) = due(opens, closes, count, hours, now) else {
            continue;
        };
        if number <= done {
            continue;
        }
        let claimed = db.write_blocking(|conn| {
            let claimed = diesel::update(
                rounds::table
                    .find(&id)
                    .filter(rounds::reminders_queued.lt(number))
                    .filter(rounds::closes_at.gt(now)),
            )
            .set(rounds::reminders_queued.eq(number))
            .execute(conn)?;
            if claimed == 0 {
                return Ok(false);
            }
            let pending = store::not_answered(conn, &id)?;
            crate::notify::queue::numbered_reminders(conn, &id, &pending, number, now)?;
            Ok(true)
        })?;
        if claimed {
            queued += 1;
            tracing::info!(round = %id, reminder = number, "automatic reminder queued");
        }
    }
    Ok(queued)
}
