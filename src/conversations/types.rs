//! The shapes of the conversations API.

use chrono::NaiveDate;
use poem_openapi::{Enum, Object};

pub use crate::conversations::model::Side;

/// The most characters of one message.
pub const MESSAGE_MAX: usize = 2_000;

/// One message of a conversation: who wrote it only as a side, and its day only.
#[derive(Object, Debug, Clone)]
pub struct Message {
    pub from: Side,
    pub text: String,
    pub on: NaiveDate,
}

/// One conversation: about one comment, or about one anonymous suggestion.
#[derive(Object, Debug, Clone)]
pub struct Thread {
    pub id: String,
    /// What it is about: the comment, or the suggestion's title.
    pub about: String,
    /// For a comment: its round and question.
    pub round_id: Option<String>,
    pub question_id: Option<String>,
    /// For a suggestion: the suggestion.
    pub suggestion_id: Option<String>,
    /// Whether managers and HR can read it: a comment is read only where the round's
    /// release plan shows its group's comments.
    pub readable: bool,
    pub closed: bool,
    /// Which side closed it.
    pub closed_by: Option<Side>,
    pub messages: Vec<Message>,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[oai(rename_all = "snake_case")]
pub enum ConversationKind {
    /// Replies to pulse comments (one conversation per comment of the answer).
    Comment,
    /// Replies to an anonymous suggestion.
    Suggestion,
}

/// What a code opens.
#[derive(Object, Debug, Clone)]
pub struct Conversation {
    pub kind: ConversationKind,
    pub threads: Vec<Thread>,
}

/// The author's message, a close, or both (the message first).
#[derive(Object, serde::Deserialize, Debug, Clone)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct AuthorPost {
    /// Which conversation of the code, when it opens several (one per comment);
    /// optional when it opens one.
    #[oai(validator(max_length = 64))]
    #[serde(default)]
    pub thread_id: Option<String>,
    /// The message: not blank, no control characters but line breaks and tabs.
    #[oai(validator(
        max_length = 2000,
        pattern = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"
    ))]
    #[serde(default)]
    pub text: Option<String>,
    /// Close the conversation: nobody can write in it afterwards.
    #[serde(default)]
    pub close: Option<bool>,
}

/// A manager's or HR's reply, a close, or both (the reply first).
#[derive(Object, serde::Deserialize, Debug, Clone)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct ReplyPost {
    /// The reply: not blank, no control characters but line breaks and tabs.
    #[oai(validator(
        max_length = 2000,
        pattern = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"
    ))]
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub close: Option<bool>,
}
