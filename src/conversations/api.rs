//! Conversations over HTTP: the author's side by code (no sign-in; the paths are
//! anonymous actions, never logged), and the manager's and HR's side of a comment's
//! conversation. The handlers parse, call [`super::service`] and wrap.

use poem_openapi::OpenApi;
use poem_openapi::payload::Json;

use crate::auth::bearer::BearerAuth;
use crate::conversations::service;
use crate::conversations::types::{AuthorPost, Conversation, ReplyPost, Thread};
use crate::error::ApiError;
use crate::http::{Code, Id, Tag};
use crate::payload::JsonBody;
use crate::state::AppState;

pub struct ConversationsApi {
    pub state: AppState,
}

#[OpenApi(prefix_path = "/api/v1", tag = "Tag::Conversations")]
impl ConversationsApi {
    /// What a conversation code opens, for its author: the conversation about each
    /// comment of their answer (or about their anonymous suggestion), with every
    /// message by side (author, manager, HR) and day. No sign-in: the code is the key.
    #[oai(
        path = "/conversations/:code",
        method = "get",
        operation_id = "read_conversation"
    )]
    async fn read(&self, code: Code) -> Result<Json<Conversation>, ApiError> {
        service::by_code(&self.state, &code.0).await.map(Json)
    }

    /// The author answers back and/or closes, by code. 409 when the conversation is
    /// closed, or when nobody can read it (its group is too small for comments).
    #[oai(
        path = "/conversations/:code",
        method = "post",
        operation_id = "post_conversation"
    )]
    async fn post(
        &self,
        code: Code,
        body: JsonBody<AuthorPost>,
    ) -> Result<Json<Conversation>, ApiError> {
        service::author_post(&self.state, &code.0, body.0)
            .await
            .map(Json)
    }

    /// A comment's conversation (a manager or HR who may read the comment; audited).
    /// Its id is the comment's `conversation_id` in `GET /rounds/{id}/comments`.
    #[oai(
        path = "/comment-threads/:id",
        method = "get",
        operation_id = "read_comment_thread"
    )]
    async fn thread(&self, auth: BearerAuth, id: Id) -> Result<Json<Thread>, ApiError> {
        service::read_thread(&self.state, &auth.0, &id.0)
            .await
            .map(Json)
    }

    /// Reply to a comment's author and/or close the conversation (a manager or HR who
    /// may read the comment; audited). The author sees the reply as from "your
    /// manager" or "HR", never a name.
    #[oai(
        path = "/comment-threads/:id",
        method = "post",
        operation_id = "reply_comment_thread"
    )]
    async fn reply(
        &self,
        auth: BearerAuth,
        id: Id,
        body: JsonBody<ReplyPost>,
    ) -> Result<Json<Thread>, ApiError> {
        service::reply(&self.state, &auth.0, &id.0, body.0)
            .await
            .map(Json)
    }
}
