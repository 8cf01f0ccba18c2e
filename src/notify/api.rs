//! The outbox (admins) and answering through a personal link (no sign-in), over HTTP.

use poem_openapi::OpenApi;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;

use crate::auth::bearer::BearerAuth;
use crate::error::ApiError;
use crate::http::{Created, Id, Tag, page_bounds};
use crate::kiosk;
use crate::kiosk::types::{KioskSheet, PrintSheet};
use crate::notify::service;
use crate::notify::types::{OutboxMessage, OutboxPage, OutboxStatus};
use crate::org::domain::Language;
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
        let given = givens(body.0);
        let code = service::link_answer(&self.state, &token.0, given, allow_replies).await?;
        Ok(recorded(code))
    }

    /// Print a sheet of kiosk codes for a round and a team (HR for any team, a manager
    /// for a team in their subtrees): one new one-time code, with its QR code, per
    /// invitee of that team with neither e-mail nor phone who has not answered. The codes
    /// are shown only here; printing again replaces those not used yet. Audited.
    #[oai(
        path = "/rounds/:id/kiosk-codes",
        method = "post",
        operation_id = "print_kiosk_codes",
        tag = "Tag::Surveys"
    )]
    async fn print_codes(
        &self,
        auth: BearerAuth,
        id: Id,
        body: JsonBody<PrintSheet>,
    ) -> Result<Created<KioskSheet>, ApiError> {
        kiosk::service::print(&self.state, &auth.0, id.0, body.0.team_id)
            .await
            .map(|s| Created::Created(Json(s)))
    }

    /// The pulse a kiosk code answers (no sign-in), in `lang` (`en` by default). 404 for
    /// an unknown code, 409 once used, 410 once its round has closed.
    #[oai(
        path = "/kiosk/:code",
        method = "get",
        operation_id = "kiosk_pulse",
        tag = "Tag::Surveys"
    )]
    async fn kiosk_pulse(
        &self,
        #[oai(validator(max_length = 32))] code: Path<String>,
        lang: Query<Option<Language>>,
    ) -> Result<Json<Pulse>, ApiError> {
        let lang = lang.0.unwrap_or(Language::En);
        kiosk::service::pulse(&self.state, &code.0, lang.as_str())
            .await
            .map(Json)
    }

    /// Answer a pulse with a kiosk code (no sign-in), once: the same body as
    /// `POST /rounds/{id}/responses`, stored as a sealed ballot of the code's team with
    /// no segment; it counts toward the team's participation and names nobody.
    #[oai(
        path = "/kiosk/:code/responses",
        method = "post",
        operation_id = "kiosk_response",
        tag = "Tag::Surveys"
    )]
    async fn kiosk_answer(
        &self,
        #[oai(validator(max_length = 32))] code: Path<String>,
        body: JsonBody<ResponseInput>,
    ) -> Result<Created<Recorded>, ApiError> {
        let allow_replies = body.0.allow_replies.unwrap_or(false);
        let given = givens(body.0);
        let code = kiosk::service::answer(&self.state, &code.0, given, allow_replies).await?;
        Ok(recorded(code))
    }
}

/// The answers of a response body.
fn givens(body: ResponseInput) -> Vec<Given> {
    body.answers
        .into_iter()
        .map(|a| Given {
            question_id: a.question_id,
            value: a.value,
            choice: a.choice,
            text: a.text,
        })
        .collect()
}

/// A 201 for a stored answer, with its conversation code if replies were allowed.
fn recorded(code: Option<String>) -> Created<Recorded> {
    Created::Created(Json(Recorded {
        status: "recorded".into(),
        conversation_code: code,
    }))
}
