//! The outbox (admins) and answering through a personal link (no sign-in), over HTTP.

use poem_openapi::OpenApi;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;

use crate::auth::bearer::BearerAuth;
use crate::error::ApiError;
use crate::http::{Code, Created, Id, Limit, Offset, PathKey, Tag, page_bounds};
use crate::kiosk;
use crate::kiosk::types::{KioskSheet, PrintSheet};
use crate::notify::service;
use crate::notify::types::{OutboxMessage, OutboxPage, OutboxStatus};
use crate::org::domain::Language;
use crate::payload::JsonBody;
use crate::state::AppState;
use crate::surveys::types::{Pulse, Recorded, ResponseInput};

/// A kiosk code, the one parameter of a `/kiosk/:code` path: at most 32 characters.
type KioskCode = PathKey<32>;

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
        limit: Limit,
        offset: Offset,
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
    async fn pulse(&self, token: Code) -> Result<Json<Pulse>, ApiError> {
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
        token: Code,
        body: JsonBody<ResponseInput>,
    ) -> Result<Created<Recorded>, ApiError> {
        let (given, allow_replies) = body.0.into_given();
        service::link_answer(&self.state, &token.0, given, allow_replies)
            .await
            .map(Recorded::created)
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
        code: KioskCode,
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
        code: KioskCode,
        body: JsonBody<ResponseInput>,
    ) -> Result<Created<Recorded>, ApiError> {
        let (given, allow_replies) = body.0.into_given();
        kiosk::service::answer(&self.state, &code.0, given, allow_replies)
            .await
            .map(Recorded::created)
    }
}
