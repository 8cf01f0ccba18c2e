//! The owners' reminders: once a day, every open action due within
//! [`REMIND_DAYS_BEFORE`] days (and not yet past its day) queues one reminder to its
//! owner. The message's idempotency key names the action, the owner and the due day,
//! so each owner is reminded once per due day however often the job runs, on however
//! many replicas; a new due day or a new owner is reminded again.

use chrono::{NaiveDate, TimeDelta};

use crate::actions::store;
use crate::clock::now;
use crate::db::{AnyConnection, Db};
use crate::error::ApiError;
use crate::notify::queue;

/// How many days before its due day an owner is reminded.
pub const REMIND_DAYS_BEFORE: i64 = 3;

/// Queues the reminders due on `today`; returns how many were new.
pub fn queue_due(conn: &mut AnyConnection, today: NaiveDate) -> Result<usize, ApiError> {
    let rows = store::due_between(conn, today, today + TimeDelta::days(REMIND_DAYS_BEFORE))?;
    let mut added = 0;
    for r in rows {
        if let Some(owner) = &r.owner_id {
            added += queue::action_due(conn, &r.id, &r.title, owner, r.due_on)?;
        }
    }
    Ok(added)
}

/// [`queue_due`] in its own transaction.
pub fn run(db: &Db, today: NaiveDate) -> Result<usize, ApiError> {
    db.write_blocking(|conn| queue_due(conn, today))
}

/// Runs [`run`] once a day (the first run a minute after start).
pub fn spawn(db: Db) {
    let job = move || run(&db, now().date());
    crate::ops::daily::spawn("queueing action reminders", job, |n: usize| {
        tracing::info!(queued = n, "action reminders")
    });
}
