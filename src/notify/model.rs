//! The rows of the outbox and of the personal answer links.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{outbox, pulse_links};

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = outbox)]
pub struct OutboxRow {
    pub id: String,
    pub kind: String,
    pub person_id: String,
    pub language: String,
    pub payload: String,
    pub idempotency_key: String,
    pub status: String,
    pub tries: i32,
    pub next_attempt_at: NaiveDateTime,
    pub claimed_until: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub sent_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = pulse_links)]
pub struct PulseLinkRow {
    pub token_hash: String,
    pub round_id: String,
    pub person_id: String,
}

/// The states of a message.
pub mod status {
    pub const QUEUED: &str = "queued";
    pub const SENDING: &str = "sending";
    pub const SENT: &str = "sent";
    pub const FAILED: &str = "failed";
    pub const CANCELLED: &str = "cancelled";
}

/// The kinds of message.
pub mod kind {
    pub const INVITATION: &str = "invitation";
    pub const PULSE_OPEN: &str = "pulse_open";
    pub const REMINDER: &str = "reminder";
    /// A new action on the person's team (or the whole organisation).
    pub const ACTION_NEW: &str = "action_new";
    /// An action the person owns is due soon.
    pub const ACTION_DUE: &str = "action_due";
    /// A reply to a suggestion the person signed (never to an anonymous author).
    pub const SUGGESTION_REPLY: &str = "suggestion_reply";
    /// A closed round released results for a team the person manages.
    pub const RESULTS_READY: &str = "results_ready";
}
