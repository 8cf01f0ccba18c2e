//! The outbox (admins) and answering through a personal link (no sign-in), over HTTP.

use poem_openapi::OpenApi;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;

use crate::auth::bearer::BearerAuth;
use crate::error::ApiError;
use crate::http::{Created, Id, Tag, page_bounds};
use crate::notify::service;
use crate::notify::types::{OutboxMessage, OutboxPage, OutboxStatus};
use crate::payload::JsonBody;
use crate::state::AppState;
use crate::surveys::answers::Given;
use crate::surveys::types::{Pulse, Recorded, ResponseInput};

pub struct NotifyApi {
    pub state: AppState,
}

#[OpenApi(prefix_path = "/api/v1")]
impl NotifyApi {
    /// The outbox (admins), newest first: every message with its status, tries and last
    /// error; reminders are not listed (who gets one is who has not answered). Without an SMTP server every message stays
    /// `queued` (`sending` is false).
    #[oai(
        path = "/outbox",
        method = "get",
        operation_id = "list_outbox",
        tag = "Tag::Operations"
    )]
    async fn list(
        &self,
        auth: BearerAuth,
        status: Query<Option<OutboxStatus>>,
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))] limit: Query<Option<i64>>,
        #[oai(validator(minimum(value = "0"), maximum(value = "1000000")))] offset: Query<
            Option<i64>,
        >,
    ) -> Result<Json<OutboxPage>, ApiError> {
        let (limit, offset) = page_bounds(limit.0, offset.0);
        service::list(&self.state, &auth.0, status.0, limit, offset)
            .await
            .map(Json)
    }

    /// Send a failed or cancelled message again (admins): queued now, tries reset.
    #[oai(
        path = "/outbox/:id/retry",
        method = "post",
        operation_id = "retry_outbox_message",
        tag = "Tag::Operations"
    )]
    async fn retry(&self, auth: BearerAuth, id: Id) -> Result<Json<OutboxMessage>, ApiError> {
        service::retry(&self.state, &auth.0, id.0).await.map(Json)
    }

    /// The pulse a personal answer link opens (no sign-in): that round's questions in
    /// the person's language. 404 for an unknown link, 410 once the round has closed,
    /// 409 once answered.
    #[oai(
        path = "/pulse-links/:token",
        method = "get",
        operation_id = "pulse_link",
        tag = "Tag::Surveys"
    )]
    async fn pulse(
        &self,
        #[oai(validator(max_length = 128))] token: Path<String>,
    ) -> Result<Json<Pulse>, ApiError> {
        service::link_pulse(&self.state, &token.0).await.map(Json)
    }

    /// Answer the pulse of a personal answer link (no sign-in), once: the same body as
    /// `POST /rounds/{id}/responses`, stored the same way (a sealed ballot; no person,
    /// no time).
    #[oai(
        path = "/pulse-links/:token/responses",
        method = "post",
        operation_id = "pulse_link_response",
        tag = "Tag::Surveys"
    )]
    async fn answer(
        &self,
        #[oai(validator(max_length = 128))] token: Path<String>,
        body: JsonBody<ResponseInput>,
    ) -> Result<Created<Recorded>, ApiError> {
        let allow_replies = body.0.allow_replies.unwrap_or(false);
        let given: Vec<Given> = body
            .0
            .answers
            .into_iter()
            .map(|a| Given {
                question_id: a.question_id,
                value: a.value,
                choice: a.choice,
                text: a.text,
            })
            .collect();
        let code = service::link_answer(&self.state, &token.0, given, allow_replies).await?;
        Ok(Created::Created(Json(Recorded {
            status: "recorded".into(),
            conversation_code: code,
        })))
    }
}
