//! The shapes of the webhook and chat-channel endpoints.

use chrono::NaiveDateTime;
use poem_openapi::types::MaybeUndefined;
use poem_openapi::{Enum, Object};
use serde::Deserialize;

use crate::notify::types::OutboxStatus;
use crate::org::domain::Language;

/// Where a hook sends.
#[derive(Enum, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[oai(rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum HookKind {
    /// A signed outgoing webhook (Standard Webhooks) to an integration.
    Webhook,
    /// A Slack incoming webhook: "a pulse is open" and "results are ready".
    Slack,
    /// A Microsoft Teams Workflows webhook: the same, as an Adaptive Card.
    Teams,
}

impl HookKind {
    pub fn as_str(self) -> &'static str {
        match self {
            HookKind::Webhook => "webhook",
            HookKind::Slack => "slack",
            HookKind::Teams => "teams",
        }
    }

    pub fn parse(s: &str) -> HookKind {
        match s {
            "slack" => HookKind::Slack,
            "teams" => HookKind::Teams,
            _ => HookKind::Webhook,
        }
    }
}

/// An event a hook may want. Chat channels speak of `round.opened` and
/// `results.ready` only.
#[derive(Enum, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookEvent {
    #[oai(rename = "round.opened")]
    #[serde(rename = "round.opened")]
    RoundOpened,
    #[oai(rename = "round.closed")]
    #[serde(rename = "round.closed")]
    RoundClosed,
    #[oai(rename = "suggestion.created")]
    #[serde(rename = "suggestion.created")]
    SuggestionCreated,
    #[oai(rename = "suggestion.status_changed")]
    #[serde(rename = "suggestion.status_changed")]
    SuggestionStatusChanged,
    #[oai(rename = "results.ready")]
    #[serde(rename = "results.ready")]
    ResultsReady,
}

impl HookEvent {
    pub const ALL: [HookEvent; 5] = [
        HookEvent::RoundOpened,
        HookEvent::RoundClosed,
        HookEvent::SuggestionCreated,
        HookEvent::SuggestionStatusChanged,
        HookEvent::ResultsReady,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            HookEvent::RoundOpened => "round.opened",
            HookEvent::RoundClosed => "round.closed",
            HookEvent::SuggestionCreated => "suggestion.created",
            HookEvent::SuggestionStatusChanged => "suggestion.status_changed",
            HookEvent::ResultsReady => "results.ready",
        }
    }

    pub fn parse(s: &str) -> Option<HookEvent> {
        HookEvent::ALL.into_iter().find(|e| e.as_str() == s)
    }
}

#[derive(Object, Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct CreateHook {
    pub kind: HookKind,
    /// Where to POST: an `http://` or `https://` URL.
    #[oai(validator(
        max_length = 2000,
        pattern = r"^https?://[^\s\x00-\x1f\x7f-\x9f/?#]+([/?#][^\s\x00-\x1f\x7f-\x9f]*)?$"
    ))]
    pub url: String,
    /// The events wanted; by default all of them.
    #[oai(validator(min_items = 1, max_items = 5))]
    pub events: Option<Vec<HookEvent>>,
    /// Only rounds and results that concern this team (or a team below it); none: the
    /// whole organisation.
    #[oai(validator(max_length = 64))]
    pub team_id: Option<String>,
    /// The language of a channel's messages (default `en`).
    pub language: Option<Language>,
    /// Default true.
    pub enabled: Option<bool>,
}

#[derive(Object, Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct UpdateHook {
    #[oai(validator(
        max_length = 2000,
        pattern = r"^https?://[^\s\x00-\x1f\x7f-\x9f/?#]+([/?#][^\s\x00-\x1f\x7f-\x9f]*)?$"
    ))]
    pub url: Option<String>,
    #[oai(validator(min_items = 1, max_items = 5))]
    pub events: Option<Vec<HookEvent>>,
    /// A team, or null for the whole organisation.
    #[oai(validator(max_length = 64))]
    #[serde(default)]
    pub team_id: MaybeUndefined<String>,
    pub language: Option<Language>,
    pub enabled: Option<bool>,
}

/// A webhook or chat channel.
#[derive(Object)]
pub struct Hook {
    pub id: String,
    pub kind: HookKind,
    /// A webhook's URL; a chat channel's only as its origin followed by `/…` (the
    /// rest of a Slack or Teams URL is a credential).
    pub url: String,
    pub events: Vec<HookEvent>,
    pub team_id: Option<String>,
    pub language: Language,
    pub enabled: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A hook just created, with a webhook's signing secret: shown this once.
#[derive(Object)]
pub struct CreatedHook {
    #[oai(flatten)]
    pub hook: Hook,
    /// `whsec_…`, the Standard Webhooks signing secret (webhooks only); it is not shown
    /// again.
    pub secret: Option<String>,
}

/// One delivery of an event to a hook.
#[derive(Object)]
pub struct Delivery {
    /// Also the `webhook-id` header.
    pub id: String,
    pub event: HookEvent,
    /// `queued` (waiting, or waiting to be tried again), `sending`, `sent` or `failed`.
    pub status: OutboxStatus,
    pub tries: i32,
    /// The HTTP status of the last answer.
    pub response_status: Option<i32>,
    pub last_error: Option<String>,
    pub next_attempt_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

#[derive(Object)]
pub struct HookList {
    pub items: Vec<Hook>,
}

#[derive(Object)]
pub struct DeliveryPage {
    pub items: Vec<Delivery>,
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
}
