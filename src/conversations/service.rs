//! The rules of conversations, for the API and the pages.
//!
//! - **The author** holds a code and nothing else: [`by_code`] and [`author_post`] take
//!   no sign-in and record nothing about who called (no audit entry, no log line: the
//!   paths are anonymous actions, [`crate::ops::metrics::is_anonymous_action`]).
//! - **A manager or HR** reads and answers a comment's conversation only where they may
//!   read the comment itself: some group on the comment's way up the round's frozen tree
//!   that they may read and whose comments the round's release plan shows (the comment
//!   floor, [`crate::anonymity::min_group::MinGroup::comment_floor`]). Anyone else gets
//!   404, as for a conversation that does not exist. Their reads, replies and closes are
//!   audited. A suggestion's conversation is answered through the suggestion's own
//!   replies ([`crate::suggestions::service::update_suggestion`]).

use chrono::NaiveDate;

use crate::auth::Principal;
use crate::clock::now;
use crate::conversations::code;
use crate::conversations::model::{ConversationRow, MessageRow, Side};
use crate::conversations::store;
use crate::conversations::types::{
    AuthorPost, Conversation, ConversationKind, MESSAGE_MAX, Message, ReplyPost, Thread,
};
use crate::db::AnyConnection;
use crate::error::ApiError;
use crate::org::access::readable_teams;
use crate::org::domain::parse_long_text;
use crate::reports::audit_log::record;
use crate::reports::closed_rounds::RoundCache;
use crate::state::AppState;
use crate::suggestions::model::SuggestionRow;
use crate::suggestions::service as suggestions;

/// A message's text: not blank, at most [`MESSAGE_MAX`] characters, no control
/// characters but line breaks and tabs ([`parse_long_text`]).
pub fn parse_message(raw: &str, field: &str) -> Result<String, ApiError> {
    parse_long_text(raw, field, MESSAGE_MAX, true)
}

/// What a code opens: a comment's conversations, or an anonymous suggestion (with its
/// conversation once the author has written or closed).
enum Found {
    Comments(Vec<ConversationRow>),
    Suggestion(Box<(SuggestionRow, Option<ConversationRow>)>),
}

fn find_code(conn: &mut AnyConnection, typed: &str) -> Result<Found, ApiError> {
    if let Some(h) = code::hash(typed) {
        let rows = store::by_code(conn, &hex::encode(h))?;
        if !rows.is_empty() {
            return Ok(Found::Comments(rows));
        }
    }
    if let Some(s) = suggestions::by_followup_code(conn, typed)?
        && s.anonymous
    {
        let c = store::of_suggestion(conn, &s.id)?;
        return Ok(Found::Suggestion(Box::new((s, c))));
    }
    Err(ApiError::NotFound("conversation"))
}

fn message(m: MessageRow) -> Message {
    Message {
        from: Side::from_db(&m.side),
        text: m.body,
        on: m.written_on,
    }
}

fn messages_of(rows: Vec<MessageRow>) -> Vec<Message> {
    rows.into_iter().map(message).collect()
}

/// Whether the plan of the comment's round shows its group's comments somewhere on its
/// way up the tree that `readable` allows (`None`: anywhere).
fn comment_readable(
    conn: &mut AnyConnection,
    rounds: &RoundCache,
    c: &ConversationRow,
    readable: Option<&std::collections::HashSet<String>>,
) -> Result<bool, ApiError> {
    let (Some(round_id), Some(response_id), Some(question_id)) =
        (&c.round_id, &c.response_id, &c.question_id)
    else {
        return Ok(false);
    };
    let round = crate::surveys::store::find_round(conn, round_id)?
        .ok_or(ApiError::NotFound("conversation"))?;
    if round.comments_purged_at.is_some() || round.answers_purged_at.is_some() {
        return Ok(false);
    }
    let model = rounds.closed(conn, round)?;
    let (data, plan) = (&model.data, &model.plan);
    let Some(node) = data
        .responses
        .iter()
        .find(|r| r.id == *response_id)
        .map(|r| r.node)
    else {
        return Ok(false);
    };
    let Some(mask) = plan.comments.get(question_id) else {
        return Ok(false);
    };
    Ok(data.ancestors[node].iter().any(|&a| {
        mask.get(a).copied().unwrap_or(false)
            && match readable {
                None => true,
                Some(set) => data.team_id(a).is_some_and(|t| set.contains(t)),
            }
    }))
}

fn comment_thread(
    conn: &mut AnyConnection,
    c: ConversationRow,
    readable: bool,
) -> Result<Thread, ApiError> {
    let about = match (&c.response_id, &c.question_id) {
        (Some(r), Some(q)) => store::comment_text(conn, r, q)?.unwrap_or_default(),
        _ => String::new(),
    };
    let messages = messages_of(store::messages(conn, std::slice::from_ref(&c.id))?);
    Ok(Thread {
        id: c.id,
        about,
        round_id: c.round_id,
        question_id: c.question_id,
        suggestion_id: None,
        readable,
        closed: c.closed_by.is_some(),
        closed_by: c.closed_by.as_deref().map(Side::from_db),
        messages,
    })
}

/// An anonymous suggestion's thread: its replies (each from a manager or HR) and its
/// author's answers, in the order they were written.
fn suggestion_thread(
    conn: &mut AnyConnection,
    s: &SuggestionRow,
    c: Option<&ConversationRow>,
) -> Result<Thread, ApiError> {
    let replies = suggestions::replies_by_side(conn, &s.id)?;
    let mine = match c {
        Some(c) => store::messages(conn, std::slice::from_ref(&c.id))?,
        None => Vec::new(),
    };
    let mut messages = Vec::with_capacity(replies.len() + mine.len());
    let mut own = mine.into_iter().peekable();
    for (i, (side, text, on)) in replies.into_iter().enumerate() {
        while let Some(m) = own.next_if(|m| m.replies_before as usize <= i) {
            messages.push(message(m));
        }
        messages.push(Message {
            from: side,
            text,
            on,
        });
    }
    messages.extend(messages_of(own.collect()));
    let status_closed = suggestions::is_closed_status(&s.status);
    let closed_by = c
        .and_then(|c| c.closed_by.as_deref().map(Side::from_db))
        .or(status_closed.then_some(Side::Manager));
    Ok(Thread {
        id: s.id.clone(),
        about: s.title.clone(),
        round_id: None,
        question_id: None,
        suggestion_id: Some(s.id.clone()),
        readable: true,
        closed: closed_by.is_some(),
        closed_by,
        messages,
    })
}

fn conversation(
    conn: &mut AnyConnection,
    rounds: &RoundCache,
    found: Found,
) -> Result<Conversation, ApiError> {
    match found {
        Found::Comments(rows) => {
            let mut threads = Vec::with_capacity(rows.len());
            for c in rows {
                let readable = comment_readable(conn, rounds, &c, None)?;
                threads.push(comment_thread(conn, c, readable)?);
            }
            Ok(Conversation {
                kind: ConversationKind::Comment,
                threads,
            })
        }
        Found::Suggestion(found) => Ok(Conversation {
            kind: ConversationKind::Suggestion,
            threads: vec![suggestion_thread(conn, &found.0, found.1.as_ref())?],
        }),
    }
}

/// What a code opens, for its author.
pub async fn by_code(state: &AppState, typed: &str) -> Result<Conversation, ApiError> {
    let (typed, rounds) = (typed.to_owned(), state.rounds.clone());
    state
        .db
        .read(move |conn| {
            let found = find_code(conn, &typed)?;
            conversation(conn, &rounds, found)
        })
        .await
}

fn check_post(text: Option<&str>, close: bool) -> Result<Option<String>, ApiError> {
    let text = text.map(|t| parse_message(t, "text")).transpose()?;
    if text.is_none() && !close {
        return Err(ApiError::invalid(
            "text",
            "write a message, close the conversation, or both",
        ));
    }
    Ok(text)
}

fn closed_conflict() -> ApiError {
    ApiError::Conflict("this conversation is closed: nobody can write in it any more".into())
}

/// The author's message and/or close, by code; what the code opens afterwards.
pub async fn author_post(
    state: &AppState,
    typed: &str,
    post: AuthorPost,
) -> Result<Conversation, ApiError> {
    let close = post.close.unwrap_or(false);
    let text = check_post(post.text.as_deref(), close)?;
    let (typed, rounds) = (typed.to_owned(), state.rounds.clone());
    let thread_id = post.thread_id;
    state
        .db
        .write(move |conn| {
            let today = now().date();
            let found = find_code(conn, &typed)?;
            match &found {
                Found::Comments(rows) => {
                    let c = match (&thread_id, rows.as_slice()) {
                        (None, [only]) => only,
                        (None, _) => {
                            return Err(ApiError::invalid(
                                "thread_id",
                                "this code opens several conversations: choose one",
                            ));
                        }
                        (Some(id), _) => rows.iter().find(|c| c.id == *id).ok_or_else(|| {
                            ApiError::invalid("thread_id", "not a conversation of this code")
                        })?,
                    };
                    if c.closed_by.is_some() {
                        return Err(closed_conflict());
                    }
                    if let Some(text) = &text {
                        if !comment_readable(conn, &rounds, c, None)? {
                            return Err(ApiError::Conflict(
                                "nobody can read this conversation: the group of your comment is too small for comments to be shown"
                                    .into(),
                            ));
                        }
                        store::add_message(conn, &c.id, Side::Author, text, today, 0)?;
                    }
                    if close {
                        store::close(conn, &c.id, Side::Author, today)?;
                    }
                }
                Found::Suggestion(found) => {
                    let (s, c) = (&found.0, &found.1);
                    if thread_id.as_ref().is_some_and(|t| *t != s.id) {
                        return Err(ApiError::invalid(
                            "thread_id",
                            "not a conversation of this code",
                        ));
                    }
                    let closed = c.as_ref().is_some_and(|c| c.closed_by.is_some())
                        || suggestions::is_closed_status(&s.status);
                    if closed {
                        return Err(closed_conflict());
                    }
                    let id = match c {
                        Some(c) => c.id.clone(),
                        None => {
                            let row = ConversationRow {
                                id: uuid::Uuid::new_v4().to_string(),
                                code_hash: s.followup_hash.clone().unwrap_or_default(),
                                round_id: None,
                                response_id: None,
                                question_id: None,
                                suggestion_id: Some(s.id.clone()),
                                closed_by: None,
                                closed_on: None,
                            };
                            store::insert(conn, &row)?;
                            row.id
                        }
                    };
                    if let Some(text) = &text {
                        let before = suggestions::replies_by_side(conn, &s.id)?.len();
                        store::add_message(conn, &id, Side::Author, text, today, before as i32)?;
                    }
                    if close {
                        store::close(conn, &id, Side::Author, today)?;
                    }
                }
            }
            let found = find_code(conn, &typed)?;
            conversation(conn, &rounds, found)
        })
        .await
}

/// A comment's conversation, for a manager or HR who may read the comment; audited.
pub async fn read_thread(state: &AppState, p: &Principal, id: &str) -> Result<Thread, ApiError> {
    let (p2, id2, rounds) = (p.clone(), id.to_owned(), state.rounds.clone());
    let thread = state
        .db
        .read(move |conn| {
            let c = reader_may(conn, &rounds, &p2, &id2)?;
            comment_thread(conn, c, true)
        })
        .await?;
    // Answered only once recorded.
    let t = format!(
        "rounds/{}/conversations/{}",
        thread.round_id.as_deref().unwrap_or(""),
        thread.id
    );
    crate::reports::audit_log::append(state, &p.id, "conversation.read", &t).await?;
    Ok(thread)
}

/// The conversation, when `p` may read its comment; 404 otherwise.
fn reader_may(
    conn: &mut AnyConnection,
    rounds: &RoundCache,
    p: &Principal,
    id: &str,
) -> Result<ConversationRow, ApiError> {
    let c = store::find(conn, id)?
        .filter(|c| c.round_id.is_some())
        .ok_or(ApiError::NotFound("conversation"))?;
    let readable = readable_teams(conn, p)?;
    if !comment_readable(conn, rounds, &c, readable.as_ref())? {
        return Err(ApiError::NotFound("conversation"));
    }
    Ok(c)
}

/// A manager's or HR's reply and/or close on a comment's conversation; audited.
pub async fn reply(
    state: &AppState,
    p: &Principal,
    id: &str,
    post: ReplyPost,
) -> Result<Thread, ApiError> {
    let close = post.close.unwrap_or(false);
    let text = check_post(post.text.as_deref(), close)?;
    let side = if p.is_hr_or_admin() {
        Side::Hr
    } else {
        Side::Manager
    };
    let (p2, id2, rounds) = (p.clone(), id.to_owned(), state.rounds.clone());
    state
        .db
        .write(move |conn| {
            let c = reader_may(conn, &rounds, &p2, &id2)?;
            if c.closed_by.is_some() {
                return Err(closed_conflict());
            }
            let today: NaiveDate = now().date();
            let t = format!(
                "rounds/{}/conversations/{}",
                c.round_id.as_deref().unwrap_or(""),
                c.id
            );
            if let Some(text) = &text {
                store::add_message(conn, &c.id, side, text, today, 0)?;
                record(conn, &p2.id, "conversation.reply", &t)?;
            }
            if close {
                store::close(conn, &c.id, side, today)?;
                record(conn, &p2.id, "conversation.close", &t)?;
            }
            let c = store::find(conn, &c.id)?.ok_or(ApiError::NotFound("conversation"))?;
            comment_thread(conn, c, true)
        })
        .await
}
