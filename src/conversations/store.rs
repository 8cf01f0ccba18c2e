//! The queries of the conversation tables.

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::conversations::model::{ConversationRow, MessageRow, Side};
use crate::db::AnyConnection;
use crate::db::schema::{answers, conversation_messages, conversations};

/// Writes conversations in the order given (the close draws it at random); one statement
/// per row on SQLite, where a multi-row insert would open a transaction of its own
/// inside the close's.
pub fn insert_conversations(conn: &mut AnyConnection, rows: &[ConversationRow]) -> QueryResult<()> {
    match conn {
        AnyConnection::Postgresql(pg) => {
            for chunk in rows.chunks(1_000) {
                diesel::insert_into(conversations::table)
                    .values(chunk)
                    .execute(pg)?;
            }
        }
        AnyConnection::Sqlite(sqlite) => {
            for row in rows {
                diesel::insert_into(conversations::table)
                    .values(row)
                    .execute(sqlite)?;
            }
        }
    }
    Ok(())
}

/// The comments' conversations a code's hash opens, in a stable order (a suggestion's
/// conversation carries its follow-up code's hash too, and is found by its suggestion).
pub fn by_code(conn: &mut AnyConnection, code_hash: &str) -> QueryResult<Vec<ConversationRow>> {
    conversations::table
        .filter(conversations::code_hash.eq(code_hash))
        .filter(conversations::round_id.is_not_null())
        .order(conversations::id)
        .select(ConversationRow::as_select())
        .load(conn)
}

pub fn find(conn: &mut AnyConnection, id: &str) -> QueryResult<Option<ConversationRow>> {
    conversations::table
        .find(id)
        .select(ConversationRow::as_select())
        .first(conn)
        .optional()
}

/// The conversation about an anonymous suggestion, if its author has opened one.
pub fn of_suggestion(
    conn: &mut AnyConnection,
    suggestion_id: &str,
) -> QueryResult<Option<ConversationRow>> {
    conversations::table
        .filter(conversations::suggestion_id.eq(suggestion_id))
        .select(ConversationRow::as_select())
        .first(conn)
        .optional()
}

/// A round's conversations by (response id, question id).
pub fn of_round(
    conn: &mut AnyConnection,
    round_id: &str,
) -> QueryResult<HashMap<(String, String), String>> {
    let rows: Vec<(Option<String>, Option<String>, String)> = conversations::table
        .filter(conversations::round_id.eq(round_id))
        .select((
            conversations::response_id,
            conversations::question_id,
            conversations::id,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(r, q, id)| Some(((r?, q?), id)))
        .collect())
}

/// The messages of these conversations, each conversation's in order.
pub fn messages(conn: &mut AnyConnection, ids: &[String]) -> QueryResult<Vec<MessageRow>> {
    conversation_messages::table
        .filter(conversation_messages::conversation_id.eq_any(ids))
        .order((
            conversation_messages::conversation_id,
            conversation_messages::seq,
        ))
        .select(MessageRow::as_select())
        .load(conn)
}

/// The comment a conversation is about, unless it was deleted since.
pub fn comment_text(
    conn: &mut AnyConnection,
    response_id: &str,
    question_id: &str,
) -> QueryResult<Option<String>> {
    Ok(answers::table
        .filter(answers::response_id.eq(response_id))
        .filter(answers::question_id.eq(question_id))
        .select(answers::text)
        .first::<Option<String>>(conn)
        .optional()?
        .flatten())
}

/// Appends a message after the conversation's last one.
pub fn add_message(
    conn: &mut AnyConnection,
    conversation_id: &str,
    side: Side,
    body: &str,
    on: NaiveDate,
    replies_before: i32,
) -> QueryResult<()> {
    let last: Option<i32> = conversation_messages::table
        .filter(conversation_messages::conversation_id.eq(conversation_id))
        .select(diesel::dsl::max(conversation_messages::seq))
        .first(conn)?;
    diesel::insert_into(conversation_messages::table)
        .values(MessageRow {
            conversation_id: conversation_id.to_owned(),
            seq: last.unwrap_or(0) + 1,
            side: side.as_str().to_owned(),
            body: body.to_owned(),
            written_on: on,
            replies_before,
        })
        .execute(conn)?;
    Ok(())
}

/// Closes a conversation that is still open; whether it was.
pub fn close(conn: &mut AnyConnection, id: &str, side: Side, on: NaiveDate) -> QueryResult<bool> {
    let n = diesel::update(
        conversations::table
            .find(id)
            .filter(conversations::closed_by.is_null()),
    )
    .set((
        conversations::closed_by.eq(Some(side.as_str())),
        conversations::closed_on.eq(Some(on)),
    ))
    .execute(conn)?;
    Ok(n > 0)
}

pub fn insert(conn: &mut AnyConnection, row: &ConversationRow) -> QueryResult<()> {
    diesel::insert_into(conversations::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Deletes the conversations of these rounds (their comments are being deleted) or of
/// these suggestions, with their messages; how many messages went.
pub fn delete_of(
    conn: &mut AnyConnection,
    rounds: &[String],
    suggestions: &[String],
) -> QueryResult<usize> {
    let ids: Vec<String> = conversations::table
        .filter(
            conversations::round_id
                .eq_any(rounds)
                .or(conversations::suggestion_id.eq_any(suggestions)),
        )
        .select(conversations::id)
        .load(conn)?;
    let mut gone = 0;
    for chunk in ids.chunks(500) {
        gone += diesel::delete(
            conversation_messages::table
                .filter(conversation_messages::conversation_id.eq_any(chunk)),
        )
        .execute(conn)?;
        diesel::delete(conversations::table.filter(conversations::id.eq_any(chunk)))
            .execute(conn)?;
    }
    Ok(gone)
}
