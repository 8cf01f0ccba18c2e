//! What is queued, called inside the transaction of the event that causes it: a new
//! person or a re-sent activation (an invitation), a round that opens (a pulse-open
//! message to each invitee), a reminder (to those who have not answered; the list
//! goes into the outbox and nowhere else), a closed round's results (to the managers
//! of the teams it releases). Each message has an idempotency key, so the
//! same event queues it once however often it is replayed.
//!
//! A secret a message carries (an activation token) is sealed with XChaCha20-Poly1305
//! under a key derived from the master key, the idempotency key as associated data:
//! the database alone does not hold a working activation link. A personal answer
//! link is not stored at all: the sender derives it from the master key
//! ([`crate::keys::MasterKey::pulse_link_bytes`]).

use base64::Engine;
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use crate::db::AnyConnection;
use crate::error::ApiError;
use crate::notify::model::{OutboxRow, kind, status};
use crate::notify::store;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// What a pulse-open message or a reminder says.
#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct PulsePayload {
    pub round_id: String,
    pub title: String,
    pub closes_at: NaiveDateTime,
}

/// What "results ready" says: the survey's title and the team whose report it links to.
#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct ResultsPayload {
    pub round_id: String,
    pub title: String,
    pub team_id: String,
    pub team: String,
}

/// What an invitation carries: the sealed activation token and when it expires.
#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct InvitationPayload {
    pub secret: String,
    pub expires_at: NaiveDateTime,
}

/// What a message about an action says: its title, its team's name (none: the whole
/// organisation) and, for a reminder, its due day.
#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct ActionPayload {
    pub action_id: String,
    pub title: String,
    pub team: Option<String>,
    pub due_on: Option<chrono::NaiveDate>,
}

/// What a message about a reply to a signed suggestion says: its title and the status
/// the reply left it in.
#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct SuggestionPayload {
    pub suggestion_id: String,
    pub title: String,
    pub status: String,
}

fn row(kind: &str, person_id: &str, language: &str, payload: String, key: String) -> OutboxRow {
    let t = crate::clock::now();
    OutboxRow {
        id: uuid::Uuid::new_v4().to_string(),
        kind: kind.to_owned(),
        person_id: person_id.to_owned(),
        language: language.to_owned(),
        payload,
        idempotency_key: key,
        status: status::QUEUED.to_owned(),
        tries: 0,
        next_attempt_at: t,
        claimed_until: None,
        last_error: None,
        sent_at: None,
        created_at: t,
    }
}

fn to_json<T: Serialize>(v: &T) -> Result<String, ApiError> {
    serde_json::to_string(v).map_err(|e| ApiError::Internal(e.into()))
}

/// Seals `secret` for the message with idempotency key `aad`.
pub fn seal(key: &[u8; 32], aad: &str, secret: &str) -> Result<String, ApiError> {
    let sealed = crate::keys::seal(key, aad.as_bytes(), secret.as_bytes())
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("sealing a message secret failed")))?;
    Ok(B64.encode(sealed))
}

/// Opens what [`seal`] sealed; `None` if it was not sealed for `aad` under `key`.
pub fn open(key: &[u8; 32], aad: &str, sealed: &str) -> Option<String> {
    let bytes = B64.decode(sealed).ok()?;
    let plain = crate::keys::open(key, aad.as_bytes(), &bytes)?;
    String::from_utf8(plain).ok()
}

/// The idempotency key of person `person_id`'s invitation with activation token hash
/// `hash`: a re-sent invitation (a new token) is a new message.
fn invitation_key(person_id: &str, hash: &str) -> String {
    format!(
        "{}:{person_id}:{}",
        kind::INVITATION,
        &hash[..hash.len().min(16)]
    )
}

/// An account invitation: to whom, in which language, and the activation token it
/// carries (with its hash, which names the message, and when it expires).
pub struct Invitation<'a> {
    pub person_id: &'a str,
    pub language: &'a str,
    pub token: &'a str,
    pub token_hash: &'a str,
    pub expires_at: NaiveDateTime,
}

/// Queues `invitation`, its token sealed with `outbox_key`; an earlier invitation still
/// queued is cancelled, its link no longer working. Someone without an e-mail address
/// gets none (HR hands them the link).
pub fn invitation(
    conn: &mut AnyConnection,
    outbox_key: &[u8; 32],
    invitation: &Invitation,
) -> Result<(), ApiError> {
    let person_id = invitation.person_id;
    store::cancel_queued(
        conn,
        person_id,
        kind::INVITATION,
        "replaced by a newer invitation",
    )?;
    if !store::has_email(conn, person_id)? {
        return Ok(());
    }
    store::enqueue(conn, &[invitation_row(outbox_key, invitation)?])?;
    Ok(())
}

/// The outbox row of an invitation ([`invitation`]), for a caller that writes it itself:
/// the people import, which queues a chunk of new people's invitations at once (a new
/// person has none queued to cancel, and has an address when the import gave one).
pub fn invitation_row(
    outbox_key: &[u8; 32],
    invitation: &Invitation,
) -> Result<OutboxRow, ApiError> {
    let key = invitation_key(invitation.person_id, invitation.token_hash);
    let payload = InvitationPayload {
        secret: seal(outbox_key, &key, invitation.token)?,
        expires_at: invitation.expires_at,
    };
    Ok(row(
        kind::INVITATION,
        invitation.person_id,
        invitation.language,
        to_json(&payload)?,
        key,
    ))
}

/// Queues the pulse-open message of round `round_id` to each of its invitees.
pub fn pulse_open(conn: &mut AnyConnection, round_id: &str) -> Result<usize, ApiError> {
    let Some((title, closes_at)) = store::round_title(conn, round_id)? else {
        return Ok(0);
    };
    let payload = to_json(&PulsePayload {
        round_id: round_id.to_owned(),
        title,
        closes_at,
    })?;
    let rows: Vec<OutboxRow> = store::invitees(conn, round_id)?
        .into_iter()
        .map(|(person, lang)| {
            let key = format!("{}:{round_id}:{person}", kind::PULSE_OPEN);
            row(kind::PULSE_OPEN, &person, &lang, payload.clone(), key)
        })
        .collect();
    store::enqueue(conn, &rows)
}

/// Nobody gets two reminders of one round, by hand or automatic, within this many hours.
pub const REMINDER_GAP_HOURS: i64 = 12;

/// Queues a reminder of round `round_id` to each of `pending` (invitees who have not
/// answered), at most one per person, round and day `day`, and none to someone reminded
/// of the round in the last [`REMINDER_GAP_HOURS`]. Returns how many were new.
pub fn reminders(
    conn: &mut AnyConnection,
    round_id: &str,
    pending: &[String],
    day: chrono::NaiveDate,
) -> Result<usize, ApiError> {
    reminder_rows(
        conn,
        round_id,
        pending,
        &day.to_string(),
        crate::clock::now(),
    )
}

/// Queues automatic reminder `number` (1 to 3) of round `round_id` to each of `pending`
/// (invitees who have not answered), at most once per person, round and number, and
/// none to someone reminded of the round in the [`REMINDER_GAP_HOURS`] before `now`.
/// Returns how many were new.
pub fn numbered_reminders(
    conn: &mut AnyConnection,
    round_id: &str,
    pending: &[String],
    number: i32,
    now: NaiveDateTime,
) -> Result<usize, ApiError> {
    reminder_rows(conn, round_id, pending, &format!("#{number}"), now)
}

/// Queues a reminder of `round_id` to those of `pending` who have not turned reminders
/// off and were not reminded of it in the [`REMINDER_GAP_HOURS`] before `now`, under
/// keys ending in `which` (a day, or an automatic reminder's number).
fn reminder_rows(
    conn: &mut AnyConnection,
    round_id: &str,
    pending: &[String],
    which: &str,
    now: NaiveDateTime,
) -> Result<usize, ApiError> {
    let Some((title, closes_at)) = store::round_title(conn, round_id)? else {
        return Ok(0);
    };
    let prefix = format!("{}:{round_id}:", kind::REMINDER);
    let since = now - chrono::TimeDelta::hours(REMINDER_GAP_HOURS);
    let recent = store::reminded_since(conn, &prefix, since)?;
    let pending: Vec<String> = pending
        .iter()
        .filter(|p| !recent.contains(*p))
        .cloned()
        .collect();
    let pending = pending.as_slice();
    let payload = to_json(&PulsePayload {
        round_id: round_id.to_owned(),
        title,
        closes_at,
    })?;
    // One time for the whole batch: the rows' order says nothing.
    let t = crate::clock::now();
    // Those who turned reminders off get none.
    let rows: Vec<OutboxRow> = store::reminder_languages(conn, pending)?
        .into_iter()
        .map(|(person, lang)| {
            let key = format!("{}:{round_id}:{person}:{which}", kind::REMINDER);
            OutboxRow {
                created_at: t,
                next_attempt_at: t,
                ..row(kind::REMINDER, &person, &lang, payload.clone(), key)
            }
        })
        .collect();
    store::enqueue(conn, &rows)
}

/// Queues "the results of round `round_id` are ready" to each manager in `managers`
/// (person, team id, team name: the team the message links to), once per round and
/// manager; active people only. The message carries no score.
pub fn results_ready(
    conn: &mut AnyConnection,
    round_id: &str,
    title: &str,
    managers: &[(String, String, String)],
) -> Result<usize, ApiError> {
    let ids: Vec<String> = managers.iter().map(|m| m.0.clone()).collect();
    let langs: std::collections::HashMap<String, String> =
        store::languages(conn, &ids)?.into_iter().collect();
    let mut rows = Vec::with_capacity(managers.len());
    for (person, team_id, team) in managers {
        let Some(lang) = langs.get(person) else {
            continue;
        };
        let payload = to_json(&ResultsPayload {
            round_id: round_id.to_owned(),
            title: title.to_owned(),
            team_id: team_id.clone(),
            team: team.clone(),
        })?;
        let key = format!("{}:{round_id}:{person}", kind::RESULTS_READY);
        rows.push(row(kind::RESULTS_READY, person, lang, payload, key));
    }
    store::enqueue(conn, &rows)
}

/// The token of a personal answer link as it appears in the link.
pub fn link_token(bytes: &[u8; 32]) -> String {
    B64.encode(bytes)
}

/// What the database keeps of a link's token: its SHA-256, in hex.
pub fn link_hash(token: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(token.as_bytes()))
}

/// Queues "a new action on your team" about action `action_id` to each of `audience`
/// (person, language), once per person and action.
pub fn action_new(
    conn: &mut AnyConnection,
    action_id: &str,
    title: &str,
    team: Option<&str>,
    audience: &[(String, String)],
) -> Result<usize, ApiError> {
    let payload = to_json(&ActionPayload {
        action_id: action_id.to_owned(),
        title: title.to_owned(),
        team: team.map(str::to_owned),
        due_on: None,
    })?;
    let rows: Vec<OutboxRow> = audience
        .iter()
        .map(|(person, lang)| {
            let key = format!("{}:{action_id}:{person}", kind::ACTION_NEW);
            row(kind::ACTION_NEW, person, lang, payload.clone(), key)
        })
        .collect();
    store::enqueue(conn, &rows)
}

/// Queues the reminder that action `action_id`, due on `due_on`, is due soon to its
/// owner (active people only), once per action, owner and due day. Returns 1 when new.
pub fn action_due(
    conn: &mut AnyConnection,
    action_id: &str,
    title: &str,
    owner: &str,
    due_on: chrono::NaiveDate,
) -> Result<usize, ApiError> {
    let payload = to_json(&ActionPayload {
        action_id: action_id.to_owned(),
        title: title.to_owned(),
        team: None,
        due_on: Some(due_on),
    })?;
    let rows: Vec<OutboxRow> = store::languages(conn, &[owner.to_owned()])?
        .into_iter()
        .map(|(person, lang)| {
            let key = format!("{}:{action_id}:{person}:{due_on}", kind::ACTION_DUE);
            row(kind::ACTION_DUE, &person, &lang, payload.clone(), key)
        })
        .collect();
    store::enqueue(conn, &rows)
}

/// Queues "your suggestion got a reply" to `author` (an active person) about reply
/// `event_id` of suggestion `suggestion_id`, once per reply.
pub fn suggestion_reply(
    conn: &mut AnyConnection,
    suggestion_id: &str,
    event_id: &str,
    title: &str,
    status: &str,
    author: &str,
) -> Result<usize, ApiError> {
    let payload = to_json(&SuggestionPayload {
        suggestion_id: suggestion_id.to_owned(),
        title: title.to_owned(),
        status: status.to_owned(),
    })?;
    let rows: Vec<OutboxRow> = store::languages(conn, &[author.to_owned()])?
        .into_iter()
        .map(|(person, lang)| {
            let key = format!("{}:{event_id}:{person}", kind::SUGGESTION_REPLY);
            row(kind::SUGGESTION_REPLY, &person, &lang, payload.clone(), key)
        })
        .collect();
    store::enqueue(conn, &rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_secret_opens_only_for_its_message() {
        let key = [7u8; 32];
        let s = seal(&key, "invitation:a:1", "the token").expect("seal");
        assert_eq!(
            open(&key, "invitation:a:1", &s).as_deref(),
            Some("the token")
        );
        assert_eq!(open(&key, "invitation:b:1", &s), None);
        assert_eq!(open(&[8u8; 32], "invitation:a:1", &s), None);
        assert!(!s.contains("the token"));
    }
}
