//! What is queued for hooks, called inside the transaction of the event that causes
//! it: a round that opens or closes, a closed round's results released, a suggestion
//! filed or moved to another status. Each enabled hook that wants the event gets one
//! delivery under the key `{event}:{subject}:{hook}`, so a replayed event queues
//! nothing twice.
//!
//! A webhook's body is written here, whole, and signed when it is sent. An anonymous
//! suggestion's event names no author and says only the day it was filed (its team is
//! the one it was filed under, already widened to a team of at least k people); it is
//! sent at the start of the next day (UTC), so neither the body, the delivery's times
//! nor the `webhook-timestamp` header tell when in the day it was written.

use std::collections::HashSet;

use chrono::NaiveDateTime;
use serde_json::{Value, json};

use crate::db::AnyConnection;
use crate::error::ApiError;
use crate::hooks::chat::ChatNews;
use crate::hooks::model::{DeliveryRow, event, kind};
use crate::hooks::store;
use crate::suggestions::model::SuggestionRow;

/// One event as the hooks see it.
struct Event<'a> {
    name: &'a str,
    /// What makes it one event (a round, a suggestion, a status change).
    subject: &'a str,
    /// The webhook body's `data`.
    data: Value,
    /// The webhook body's `timestamp`: when it happened (a day, for an anonymous
    /// suggestion).
    stamp: String,
    /// The teams it concerns (with those above them); `None`: the whole organisation.
    teams: Option<HashSet<String>>,
    /// What a chat channel says of it, when a channel says anything.
    news: Option<ChatNews>,
    /// When its deliveries are due and said to be created.
    due: NaiveDateTime,
}

fn fire(conn: &mut AnyConnection, ev: Event) -> Result<usize, ApiError> {
    let mut rows = Vec::new();
    for hook in store::all(conn)? {
        if !hook.wants(ev.name) {
            continue;
        }
        if let (Some(team), Some(teams)) = (&hook.team_id, &ev.teams)
            && !teams.contains(team)
        {
            continue;
        }
        let payload = if hook.kind == kind::WEBHOOK {
            json!({"type": ev.name, "timestamp": ev.stamp, "data": ev.data}).to_string()
        } else {
            match &ev.news {
                Some(news) if event::CHAT.contains(&ev.name) => {
                    serde_json::to_string(news).map_err(|e| ApiError::Internal(e.into()))?
                }
                _ => continue,
            }
        };
        rows.push(DeliveryRow {
            id: format!("msg_{}", uuid::Uuid::new_v4().simple()),
            idempotency_key: format!("{}:{}:{}", ev.name, ev.subject, hook.id),
            hook_id: hook.id,
            event: ev.name.to_owned(),
            payload,
            status: crate::notify::model::status::QUEUED.to_owned(),
            tries: 0,
            next_attempt_at: ev.due,
            claimed_until: None,
            last_error: None,
            response_status: None,
            sent_at: None,
            created_at: ev.due,
        });
    }
    store::enqueue(conn, &rows)
}

fn stamp(t: NaiveDateTime) -> String {
    t.and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn round_event(conn: &mut AnyConnection, name: &str, round_id: &str) -> Result<usize, ApiError> {
    let Some((survey_id, title, opens_at, closes_at)) = store::round_facts(conn, round_id)? else {
        return Ok(0);
    };
    let now = crate::clock::now();
    let teams = store::round_teams(conn, round_id)?;
    let teams = store::with_ancestors(conn, &teams)?;
    let data = json!({
        "round_id": round_id, "survey_id": survey_id, "title": title,
        "opens_at": stamp(opens_at), "closes_at": stamp(closes_at),
    });
    let news = ChatNews {
        round_id: round_id.to_owned(),
        title,
        closes_on: Some(closes_at.date()),
    };
    fire(
        conn,
        Event {
            name,
            subject: round_id,
            data,
            stamp: stamp(now),
            teams: Some(teams),
            news: Some(news),
            due: now,
        },
    )
}

/// A round opened (by the schedule or by hand).
pub fn round_opened(conn: &mut AnyConnection, round_id: &str) -> Result<usize, ApiError> {
    round_event(conn, event::ROUND_OPENED, round_id)
}

/// A round closed (when its window ended, or early) and its ballots were opened.
pub fn round_closed(conn: &mut AnyConnection, round_id: &str) -> Result<usize, ApiError> {
    round_event(conn, event::ROUND_CLOSED, round_id)
}

/// A closed round released results for `teams` (each released team and every team
/// above one); nothing when it released none. No score, no count.
pub fn results_ready(
    conn: &mut AnyConnection,
    round_id: &str,
    title: &str,
    teams: &[String],
) -> Result<usize, ApiError> {
    if teams.is_empty() {
        return Ok(0);
    }
    let now = crate::clock::now();
    fire(
        conn,
        Event {
            name: event::RESULTS_READY,
            subject: round_id,
            data: json!({"round_id": round_id, "title": title, "team_ids": teams}),
            stamp: stamp(now),
            teams: Some(teams.iter().cloned().collect()),
            news: Some(ChatNews {
                round_id: round_id.to_owned(),
                title: title.to_owned(),
                closes_on: None,
            }),
            due: now,
        },
    )
}

/// What a webhook says of a suggestion: never an anonymous one's author or time.
fn suggestion_data(row: &SuggestionRow, status: &str) -> Value {
    json!({
        "suggestion_id": row.id, "title": row.title, "body": row.body,
        "touchpoint": row.touchpoint, "customer_segment": row.customer_segment,
        "team_id": row.team_id, "anonymous": row.anonymous,
        "author_id": if row.anonymous { None } else { row.author_id.clone() },
        "status": status, "created_on": row.created_on.to_string(),
    })
}

/// A suggestion was filed. An anonymous one is sent at the start of the next day.
pub fn suggestion_created(
    conn: &mut AnyConnection,
    row: &SuggestionRow,
) -> Result<usize, ApiError> {
    let now = crate::clock::now();
    let (due, when) = if row.anonymous {
        let next_day = row.created_on.succ_opt().unwrap_or(row.created_on);
        (
            next_day.and_time(chrono::NaiveTime::MIN),
            row.created_on.to_string(),
        )
    } else {
        (now, stamp(now))
    };
    fire(
        conn,
        Event {
            name: event::SUGGESTION_CREATED,
            subject: &row.id,
            data: suggestion_data(row, &row.status),
            stamp: when,
            teams: None,
            news: None,
            due,
        },
    )
}

/// A manager or HR replied to suggestion `row` (as it was before) with `event_id`,
/// moving it to status `to` (perhaps the same).
pub fn suggestion_status(
    conn: &mut AnyConnection,
    row: &SuggestionRow,
    event_id: &str,
    to: &str,
) -> Result<usize, ApiError> {
    if row.status == to {
        return Ok(0);
    }
    let now = crate::clock::now();
    let mut data = suggestion_data(row, to);
    data["previous_status"] = json!(row.status);
    fire(
        conn,
        Event {
            name: event::SUGGESTION_STATUS_CHANGED,
            subject: event_id,
            data,
            stamp: stamp(now),
            teams: None,
            news: None,
            due: now,
        },
    )
}
