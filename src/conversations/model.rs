//! Rows of the conversation tables.

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::db::schema::{conversation_messages, conversations};

/// One conversation: about one comment of a closed round (`round_id`, `response_id`,
/// `question_id`) or about one anonymous suggestion (`suggestion_id`). `code_hash` is
/// what its author's code hashes to; nothing names the author.
#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = conversations)]
pub struct ConversationRow {
    pub id: String,
    pub code_hash: String,
    pub round_id: Option<String>,
    pub response_id: Option<String>,
    pub question_id: Option<String>,
    pub suggestion_id: Option<String>,
    /// Which side closed it ([`Side`]), if it is closed.
    pub closed_by: Option<String>,
    pub closed_on: Option<NaiveDate>,
}

/// One message: its place in the conversation, its side, its text and its day only.
#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = conversation_messages)]
pub struct MessageRow {
    pub conversation_id: String,
    pub seq: i32,
    pub side: String,
    pub body: String,
    pub written_on: NaiveDate,
    /// For a suggestion: how many of the suggestion's replies came before it (the
    /// thread's order without a time of day). Zero for a comment's conversation.
    pub replies_before: i32,
}

/// Who wrote a message: the comment's or suggestion's author, a manager, or HR.
#[derive(Debug, Clone, Copy, PartialEq, Eq, poem_openapi::Enum)]
#[oai(rename_all = "snake_case")]
pub enum Side {
    Author,
    Manager,
    Hr,
}

impl Side {
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Author => "author",
            Side::Manager => "manager",
            Side::Hr => "hr",
        }
    }

    pub fn from_db(s: &str) -> Side {
        match s {
            "author" => Side::Author,
            "hr" => Side::Hr,
            _ => Side::Manager,
        }
    }
}
