//! The rows of hooks and their deliveries, and the names of events.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{hook_deliveries, hooks};

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = hooks)]
pub struct HookRow {
    pub id: String,
    /// [`kind`]: a signed webhook, or a Slack or Teams channel.
    pub kind: String,
    pub url: String,
    /// The events it wants, comma-separated ([`event`]).
    pub events: String,
    /// For a channel: only rounds and results concerning this team (or one below it).
    pub team_id: Option<String>,
    /// The language of a channel's messages (`en` or `ru`).
    pub language: String,
    /// A webhook's signing secret, sealed ([`crate::notify::queue::seal`]).
    pub secret: Option<String>,
    pub enabled: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl HookRow {
    pub fn wants(&self, event: &str) -> bool {
        self.enabled && self.events.split(',').any(|e| e == event)
    }
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = hook_deliveries)]
pub struct DeliveryRow {
    /// Also the `webhook-id` header: the same for every try of one delivery.
    pub id: String,
    pub hook_id: String,
    pub event: String,
    /// For a webhook the body as sent; for a channel what the message says.
    pub payload: String,
    pub idempotency_key: String,
    pub status: String,
    pub tries: i32,
    pub next_attempt_at: NaiveDateTime,
    pub claimed_until: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    /// The HTTP status of the last answer, if one came.
    pub response_status: Option<i32>,
    pub sent_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

/// The kinds of hook.
pub mod kind {
    pub const WEBHOOK: &str = "webhook";
    pub const SLACK: &str = "slack";
    pub const TEAMS: &str = "teams";
}

/// The events.
pub mod event {
    pub const ROUND_OPENED: &str = "round.opened";
    pub const ROUND_CLOSED: &str = "round.closed";
    pub const SUGGESTION_CREATED: &str = "suggestion.created";
    pub const SUGGESTION_STATUS_CHANGED: &str = "suggestion.status_changed";
    pub const RESULTS_READY: &str = "results.ready";
    pub const ALL: [&str; 5] = [
        ROUND_OPENED,
        ROUND_CLOSED,
        SUGGESTION_CREATED,
        SUGGESTION_STATUS_CHANGED,
        RESULTS_READY,
    ];
    /// What a chat channel can say.
    pub const CHAT: [&str; 2] = [ROUND_OPENED, RESULTS_READY];
}
