//! The shapes of the outbox and personal-link endpoints.

use chrono::NaiveDateTime;
use poem_openapi::{Enum, Object};

/// Where a message stands.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[oai(rename_all = "lowercase")]
pub enum OutboxStatus {
    /// Waiting to be sent (also every message while no SMTP server is configured).
    Queued,
    /// Claimed by a sender right now.
    Sending,
    /// Accepted by the SMTP server.
    Sent,
    /// Given up; `last_error` says why. An admin may retry it.
    Failed,
    /// Not sent and not to be: replaced by a newer message, the person deactivated, or
    /// the round closed first.
    Cancelled,
}

impl OutboxStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxStatus::Queued => "queued",
            OutboxStatus::Sending => "sending",
            OutboxStatus::Sent => "sent",
            OutboxStatus::Failed => "failed",
            OutboxStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> OutboxStatus {
        match s {
            "sending" => OutboxStatus::Sending,
            "sent" => OutboxStatus::Sent,
            "failed" => OutboxStatus::Failed,
            "cancelled" => OutboxStatus::Cancelled,
            _ => OutboxStatus::Queued,
        }
    }
}

/// One message of the outbox.
#[derive(Object)]
pub struct OutboxMessage {
    pub id: String,
    /// `invitation` or `pulse_open`. Reminders are never listed: who gets one is who has
    /// not answered.
    pub kind: String,
    pub recipient_id: String,
    /// The recipient's e-mail address, else their phone number (absent once removed).
    pub recipient: Option<String>,
    pub language: String,
    pub status: OutboxStatus,
    /// Tries so far.
    pub tries: i32,
    pub next_attempt_at: NaiveDateTime,
    /// The last error (recipients' addresses removed).
    pub last_error: Option<String>,
    pub sent_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

#[derive(Object)]
pub struct OutboxPage {
    pub items: Vec<OutboxMessage>,
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
    /// Whether this server sends (an SMTP server is configured); when not, messages stay
    /// queued.
    pub sending: bool,
    /// Whether this server sends text messages (an SMS gateway is configured).
    pub texting: bool,
    /// Pulse-open messages waiting for an SMS gateway (to people with a phone number and
    /// no e-mail address); 0 when this server has one.
    pub waiting_for_sms: i64,
}

/// Whether a person's address takes mail, as HR sees it on the person's page: the
/// outcome of the latest message that goes to everyone alike (never a reminder).
#[derive(Debug, Clone)]
pub struct AddressStatus {
    pub status: OutboxStatus,
    /// When it was sent; for a failed message, when it was last tried; otherwise when
    /// it was queued.
    pub at: NaiveDateTime,
    /// Why it failed (recipients' addresses removed).
    pub error: Option<String>,
}
