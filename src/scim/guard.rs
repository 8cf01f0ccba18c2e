//! The mass-change guard. An identity provider that loses a group mapping can deactivate
//! half a company in one sync; so SCIM may deactivate at most a configured share of the
//! active people (`PULSELINE_SCIM_MAX_DEACTIVATE_SHARE`, default 10%) within any hour.
//! A deactivation beyond it is refused with 409 and recorded as held. An admin who
//! confirms on `/admin/scim` applies every held deactivation at once and lets SCIM
//! deactivate freely for the next hour (a provider retrying its refused requests then
//! succeeds). The records are rows, so every replica sees the same state.

use chrono::{NaiveDateTime, TimeDelta};
use poem_openapi::Object;

use crate::auth::{Principal, require_admin};
use crate::clock::now;
use crate::db::AnyConnection;
use crate::error::ApiError;
use crate::org::lifecycle;
use crate::reports::audit_log::{record, target};
use crate::scim::store;
use crate::state::AppState;

/// The window the guard counts deactivations in, and how long a confirmation lasts.
pub const WINDOW: TimeDelta = TimeDelta::hours(1);

/// Whether one more deactivation stays within `share` of the people active an hour ago
/// (`active` now plus the `done` deactivated since).
pub fn within(done: i64, active: i64, share: f64) -> bool {
    (done + 1) as f64 <= share * (active + done) as f64
}

/// What the guard decided about one deactivation.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Allow,
    /// Held: `done` deactivations in the window already, of `base` people.
    Hold {
        done: i64,
        base: i64,
    },
}

/// Asks the guard about one more deactivation at `at`.
pub fn admit(conn: &mut AnyConnection, share: f64, at: NaiveDateTime) -> Result<Verdict, ApiError> {
    if store::released_until(conn, at)?.is_some() {
        return Ok(Verdict::Allow);
    }
    let done = store::deactivations_since(conn, at - WINDOW)?;
    let active = store::active_people(conn)?;
    Ok(if within(done, active, share) {
        Verdict::Allow
    } else {
        Verdict::Hold {
            done,
            base: active + done,
        }
    })
}

/// Deactivates person `id` for SCIM token `token` (audited as `actor`), counted by the
/// guard; `delete` also hides them from SCIM (a DELETE).
pub fn deactivate(
    conn: &mut AnyConnection,
    actor: &str,
    id: &str,
    delete: bool,
    at: NaiveDateTime,
) -> Result<(), ApiError> {
    lifecycle::deactivate(conn, actor, false, id)?;
    store::record_deactivation(conn, id, at)?;
    if delete {
        store::mark_deleted(conn, id, at)?;
    }
    store::unhold(conn, id)
}

/// Records a held deactivation (and says so in the audit log).
pub fn hold(
    conn: &mut AnyConnection,
    actor: &str,
    token: &str,
    id: &str,
    delete: bool,
    at: NaiveDateTime,
) -> Result<(), ApiError> {
    store::hold(conn, &(id.to_owned(), token.to_owned(), delete, at))?;
    record(conn, actor, "scim.guard.hold", &format!("people/{id}"))
}

/// An admin's confirmation: every held deactivation applied (people since reactivated
/// or erased are skipped), and SCIM free to deactivate until an hour from `at`.
/// Answers how many were applied.
pub fn confirm(conn: &mut AnyConnection, admin: &str, at: NaiveDateTime) -> Result<u64, ApiError> {
    let mut applied = 0u64;
    for (person, token, delete, _) in store::held(conn)? {
        store::unhold(conn, &person)?;
        let Some((row, _)) = store::find_user(conn, &person)? else {
            continue;
        };
        if row.active && !row.is_admin {
            deactivate(conn, &format!("scim:{token}"), &person, delete, at)?;
            applied += 1;
        }
    }
    store::release(conn, admin, at, at + WINDOW)?;
    let n = applied.to_string();
    record(
        conn,
        admin,
        "scim.guard.confirm",
        &target("scim/guard", &[("applied", Some(&n))]),
    )?;
    Ok(applied)
}

/// A deactivation the guard holds.
#[derive(Object, Debug, Clone)]
pub struct HeldDeactivation {
    pub person_id: String,
    /// The person's e-mail address (for the admin who decides).
    pub email: String,
    /// Whether the client asked to delete the user (not only to deactivate).
    pub delete: bool,
    pub requested_at: NaiveDateTime,
}

/// The guard as an admin sees it.
#[derive(Object, Debug, Clone)]
pub struct GuardState {
    /// The largest share of active people SCIM may deactivate within an hour.
    pub max_share: f64,
    /// Deactivations made through SCIM within the last hour.
    pub deactivated_last_hour: i64,
    pub active_people: i64,
    /// Until when an admin's confirmation lets SCIM deactivate freely, if it does now.
    pub released_until: Option<NaiveDateTime>,
    pub held: Vec<HeldDeactivation>,
}

/// The guard's state (admins).
pub async fn state_of(state: &AppState, p: &Principal) -> Result<GuardState, ApiError> {
    require_admin(p)?;
    let max_share = state.config.scim.share();
    state
        .db
        .read(move |conn| {
            let at = now();
            let mut held = Vec::new();
            for (person, _, delete, requested_at) in store::held(conn)? {
                let email = crate::org::store::find_person(conn, &person)?
                    .and_then(|r| r.email)
                    .unwrap_or_default();
                held.push(HeldDeactivation {
                    person_id: person,
                    email,
                    delete,
                    requested_at,
                });
            }
            Ok(GuardState {
                max_share,
                deactivated_last_hour: store::deactivations_since(conn, at - WINDOW)?,
                active_people: store::active_people(conn)?,
                released_until: store::released_until(conn, at)?,
                held,
            })
        })
        .await
}

/// An admin confirms (see [`confirm`]); answers the state after.
pub async fn confirm_held(state: &AppState, p: &Principal) -> Result<GuardState, ApiError> {
    require_admin(p)?;
    let admin = p.id.clone();
    state
        .db
        .write(move |conn| confirm(conn, &admin, now()))
        .await?;
    state_of(state, p).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ten_of_a_hundred_pass_and_the_eleventh_is_held() {
        // After n deactivations, 100 - n are active.
        for done in 0..10 {
            assert!(within(done, 100 - done, 0.10), "{done}");
        }
        assert!(!within(10, 90, 0.10));
    }

    #[test]
    fn a_share_of_one_never_holds_and_a_tiny_organisation_is_held_at_once() {
        assert!(within(4, 1, 1.0));
        assert!(!within(0, 5, 0.10));
    }
}
