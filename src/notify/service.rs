//! What the outbox and personal-link endpoints (and the link page) call: the admins'
//! view of the outbox and its retry, and answering a pulse through a personal link.
//!
//! A personal link's token is checked by its SHA-256; it names one round and one person
//! and works only while that round is open. It signs nobody in: answering through it
//! goes through the same answering path as a signed-in person
//! ([`crate::surveys::service::submit_response`]) — sealed ballot, participation, once.

use crate::auth::{Principal, require_admin, require_hr};
use crate::clock::now;
use crate::error::ApiError;
use crate::notify::model::{OutboxRow, kind, status};
use crate::notify::queue::link_hash;
use crate::notify::store;
use crate::notify::types::{AddressStatus, OutboxMessage, OutboxPage, OutboxStatus};
use crate::state::AppState;
use crate::surveys::answers::Given;
use crate::surveys::service::{self as surveys, Answerer};
use crate::surveys::types::Pulse;

fn view(r: OutboxRow, email: Option<String>) -> OutboxMessage {
    OutboxMessage {
        recipient_id: r.person_id,
        recipient: email,
        id: r.id,
        kind: r.kind,
        language: r.language,
        status: OutboxStatus::parse(&r.status),
        tries: r.tries,
        next_attempt_at: r.next_attempt_at,
        last_error: r.last_error,
        sent_at: r.sent_at,
        created_at: r.created_at,
    }
}

/// The outbox, newest first (admins); reminders are not listed ([`store::page`]).
pub async fn list(
    state: &AppState,
    p: &Principal,
    only: Option<OutboxStatus>,
    limit: i64,
    offset: i64,
) -> Result<OutboxPage, ApiError> {
    require_admin(p)?;
    let sending = state.config.smtp_url.is_some();
    let texting = state.config.sms_url.is_some();
    state
        .db
        .read(move |conn| {
            let (total, rows) = store::page(conn, only.map(OutboxStatus::as_str), limit, offset)?;
            let waiting_for_sms = if texting {
                0
            } else {
                store::queued_for_sms(conn)?
            };
            Ok(OutboxPage {
                items: rows.into_iter().map(|(r, e)| view(r, e)).collect(),
                total,
                limit,
                offset,
                sending,
                texting,
                waiting_for_sms,
            })
        })
        .await
}

/// Queues a failed or cancelled message again, due now with its tries reset (admins).
pub async fn retry(state: &AppState, p: &Principal, id: String) -> Result<OutboxMessage, ApiError> {
    require_admin(p)?;
    state
        .db
        .write(move |conn| {
            let row = store::find(conn, &id)?
                .filter(|r| r.kind != kind::REMINDER)
                .ok_or(ApiError::NotFound("message"))?;
            if row.status != status::FAILED && row.status != status::CANCELLED {
                return Err(ApiError::Conflict(
                    "only a failed or cancelled message can be retried".into(),
                ));
            }
            store::requeue(conn, &id, now())?;
            let row = store::find(conn, &id)?.ok_or(ApiError::NotFound("message"))?;
            let email = store::recipient(conn, &row.person_id)?.and_then(|r| r.email.or(r.phone));
            Ok(view(row, email))
        })
        .await
}

/// Whether the person's address takes mail (HR): the latest message of the kinds that
/// go to everyone alike ([`store::ADDRESS_KINDS`]), none before any was queued.
pub async fn address_status(
    state: &AppState,
    p: &Principal,
    person_id: String,
) -> Result<Option<AddressStatus>, ApiError> {
    require_hr(p)?;
    state
        .db
        .read(move |conn| {
            Ok(store::latest_to(conn, &person_id)?.map(|r| {
                let status = OutboxStatus::parse(&r.status);
                let at = match status {
                    OutboxStatus::Sent => r.sent_at.unwrap_or(r.next_attempt_at),
                    OutboxStatus::Failed => r.next_attempt_at,
                    _ => r.created_at,
                };
                AddressStatus {
                    status,
                    at,
                    error: r.last_error.filter(|_| status == OutboxStatus::Failed),
                }
            }))
        })
        .await
}

/// The round and person of a personal link's token: 404 for a token that names
/// nothing (or a deactivated person), 410 once its round has closed.
async fn resolve(state: &AppState, token: &str) -> Result<(String, String), ApiError> {
    let hash = link_hash(token.trim());
    state
        .db
        .read(move |conn| {
            let link = store::find_link(conn, &hash)?.ok_or(ApiError::NotFound("pulse link"))?;
            if !store::recipient(conn, &link.person_id)?.is_some_and(|r| r.active) {
                return Err(ApiError::NotFound("pulse link"));
            }
            let (opens, closes) = store::round_window(conn, &link.round_id)?
                .ok_or(ApiError::NotFound("pulse link"))?;
            let t = now();
            if t >= closes {
                return Err(ApiError::Gone("the round has closed".into()));
            }
            if t < opens {
                return Err(ApiError::NotFound("pulse link"));
            }
            Ok((link.round_id, link.person_id))
        })
        .await
}

/// The pulse a personal link opens, in its person's language; 409 once answered.
pub async fn link_pulse(state: &AppState, token: &str) -> Result<Pulse, ApiError> {
    let (round, person) = resolve(state, token).await?;
    surveys::my_pulses(state, &person)
        .await?
        .into_iter()
        .find(|p| p.round_id == round)
        .ok_or_else(|| ApiError::Conflict("this pulse has already been answered".into()))
}

/// [`link_pulse`] with the person's language (`en` or `ru`), for the link's page.
pub async fn link_pulse_and_language(
    state: &AppState,
    token: &str,
) -> Result<(Pulse, String), ApiError> {
    let (round, person) = resolve(state, token).await?;
    let who = person.clone();
    let lang = state
        .db
        .read(move |conn| crate::surveys::store::person_language(conn, &who))
        .await?;
    let pulse = surveys::my_pulses(state, &person)
        .await?
        .into_iter()
        .find(|p| p.round_id == round)
        .ok_or_else(|| ApiError::Conflict("this pulse has already been answered".into()))?;
    Ok((pulse, lang))
}

/// Answers the pulse of a personal link, once, exactly as a signed-in answer; the
/// conversation code when replies were allowed to a comment.
pub async fn link_answer(
    state: &AppState,
    token: &str,
    given: Vec<Given>,
    allow_replies: bool,
) -> Result<Option<String>, ApiError> {
    let (round, person) = resolve(state, token).await?;
    surveys::submit_response(
        state,
        Answerer::Person(person),
        &round,
        given,
        allow_replies,
    )
    .await
}
