//! Surveys, rounds, the question bank and answering, over HTTP. HR and admins build and
//! run surveys; every employee answers the rounds they are invited to. Each handler
//! parses its request, calls one function of `service.rs` and wraps the answer.

use poem_openapi::OpenApi;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;

use crate::auth::bearer::BearerAuth;
use crate::error::ApiError;
use crate::http::{Created, Id, Limit, NoContent, Offset, Tag, page_bounds};
use crate::payload::JsonBody;
use crate::state::AppState;
use crate::surveys::service::{self, Answerer};
use crate::surveys::types::{
    BankQuestion, CreateSurvey, Participation, Pulse, Recorded, RemindersSent, ResponseInput,
    Round, Survey, SurveyPage, UpdateSurvey,
};

pub struct SurveysApi {
    pub state: AppState,
}

#[OpenApi(prefix_path = "/api/v1", tag = "Tag::Surveys")]
impl SurveysApi {
    /// The built-in question bank, in English or Russian.
    #[oai(
        path = "/question-bank",
        method = "get",
        operation_id = "question_bank"
    )]
    async fn question_bank(
        &self,
        _auth: BearerAuth,
        /// `en` (default) or `ru`.
        lang: Query<Option<crate::org::domain::Language>>,
    ) -> Result<Json<Vec<BankQuestion>>, ApiError> {
        Ok(Json(service::question_bank(lang.0)))
    }

    /// Create a survey (HR): questions, audience, cuts, schedule and k.
    #[oai(path = "/surveys", method = "post", operation_id = "create_survey")]
    async fn create_survey(
        &self,
        auth: BearerAuth,
        body: JsonBody<CreateSurvey>,
    ) -> Result<Created<Survey>, ApiError> {
        service::create_survey(&self.state, &auth.0, body.0)
            .await
            .map(|x| Created::Created(Json(x)))
    }

    /// List surveys (HR), newest first.
    #[oai(path = "/surveys", method = "get", operation_id = "list_surveys")]
    async fn list_surveys(
        &self,
        auth: BearerAuth,
        limit: Limit,
        offset: Offset,
        /// Include archived surveys.
        include_archived: Query<Option<bool>>,
    ) -> Result<Json<SurveyPage>, ApiError> {
        let (limit, offset) = page_bounds(limit.0, offset.0);
        let archived = include_archived.0.unwrap_or(false);
        service::list_surveys(&self.state, &auth.0, limit, offset, archived)
            .await
            .map(Json)
    }

    /// One survey (HR).
    #[oai(path = "/surveys/:id", method = "get", operation_id = "get_survey")]
    async fn get_survey(&self, auth: BearerAuth, id: Id) -> Result<Json<Survey>, ApiError> {
        service::get_survey(&self.state, &auth.0, &id.0)
            .await
            .map(Json)
    }

    /// Edit a survey (HR). Questions, cuts and min_group freeze when the first round
    /// opens (409 after that); title, audience and schedule stay editable and apply to
    /// rounds that open later.
    #[oai(
        path = "/surveys/:id",
        method = "patch",
        operation_id = "update_survey"
    )]
    async fn update_survey(
        &self,
        auth: BearerAuth,
        id: Id,
        body: JsonBody<UpdateSurvey>,
    ) -> Result<Json<Survey>, ApiError> {
        service::update_survey(&self.state, &auth.0, id.0, body.0)
            .await
            .map(Json)
    }

    /// Archive a survey (HR): no more rounds open; results stay.
    #[oai(
        path = "/surveys/:id",
        method = "delete",
        operation_id = "archive_survey"
    )]
    async fn archive_survey(&self, auth: BearerAuth, id: Id) -> Result<NoContent, ApiError> {
        service::archive_survey(&self.state, &auth.0, id.0).await?;
        Ok(NoContent::Done)
    }

    /// A survey's rounds (HR).
    #[oai(
        path = "/surveys/:id/rounds",
        method = "get",
        operation_id = "list_rounds"
    )]
    async fn list_rounds(&self, auth: BearerAuth, id: Id) -> Result<Json<Vec<Round>>, ApiError> {
        service::list_rounds(&self.state, &auth.0, &id.0)
            .await
            .map(Json)
    }

    /// Open a round now (HR), for the survey's window length. 409 while another round of
    /// the survey is open, or when the survey is archived.
    #[oai(
        path = "/surveys/:id/rounds",
        method = "post",
        operation_id = "open_round"
    )]
    async fn open_round(&self, auth: BearerAuth, id: Id) -> Result<Created<Round>, ApiError> {
        service::open_round_now(&self.state, &auth.0, &id.0)
            .await
            .map(|r| Created::Created(Json(r)))
    }

    /// Close an open round now (HR).
    #[oai(
        path = "/rounds/:id/close",
        method = "post",
        operation_id = "close_round"
    )]
    async fn close_round(&self, auth: BearerAuth, id: Id) -> Result<Json<Round>, ApiError> {
        service::close_round_now(&self.state, &auth.0, &id.0)
            .await
            .map(Json)
    }

    /// Live participation per team (HR): invited and answered counts, only for teams of
    /// at least k invitees; never who answered.
    #[oai(
        path = "/rounds/:id/participation",
        method = "get",
        operation_id = "round_participation"
    )]
    async fn participation(
        &self,
        auth: BearerAuth,
        id: Id,
    ) -> Result<Json<Participation>, ApiError> {
        service::round_participation(&self.state, &auth.0, &id.0)
            .await
            .map(Json)
    }

    /// Remind the invitees who have not answered (HR): a reminder with their personal
    /// link is queued in the outbox for each, at most one a day per round and person.
    /// The list goes into the outbox only, never into an API response or the log; the
    /// answer is how many were queued.
    #[oai(
        path = "/rounds/:id/reminders",
        method = "post",
        operation_id = "send_reminders"
    )]
    async fn reminders(&self, auth: BearerAuth, id: Id) -> Result<RemindersSent, ApiError> {
        service::send_reminders(&self.state, &auth.0, id.0)
            .await
            .map(|r| RemindersSent::Accepted(Json(r)))
    }

    /// The caller's open rounds not answered yet, with questions in their language.
    #[oai(path = "/me/pulses", method = "get", operation_id = "my_pulses")]
    async fn my_pulses(&self, auth: BearerAuth) -> Result<Json<Vec<Pulse>>, ApiError> {
        service::my_pulses(&self.state, &auth.0.id).await.map(Json)
    }

    /// Answer a round, once. The answers are stored with the caller's team and the
    /// survey's (generalised) segment values only — no user id, no time — and the reply
    /// carries no response id.
    #[oai(
        path = "/rounds/:id/responses",
        method = "post",
        operation_id = "submit_response"
    )]
    async fn submit(
        &self,
        auth: crate::auth::bearer::BearerToken,
        id: Id,
        body: JsonBody<ResponseInput>,
    ) -> Result<Created<Recorded>, ApiError> {
        let (given, allow_replies) = body.0.into_given();
        let answerer = Answerer::Token(auth.0);
        service::submit_response(&self.state, answerer, &id.0, given, allow_replies)
            .await
            .map(Recorded::created)
    }
}
