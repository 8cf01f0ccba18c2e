//! Webhooks and chat channels (admins), over HTTP.

use poem_openapi::OpenApi;
use poem_openapi::payload::Json;

use crate::auth::bearer::BearerAuth;
use crate::error::ApiError;
use crate::hooks::service;
use crate::hooks::types::{CreateHook, CreatedHook, DeliveryPage, Hook, HookList, UpdateHook};
use crate::http::{Created, Id, Limit, NoContent, Offset, Tag, page_bounds};
use crate::payload::JsonBody;
use crate::state::AppState;

pub struct HooksApi {
    pub state: AppState,
}

#[OpenApi(prefix_path = "/api/v1", tag = "Tag::Operations")]
impl HooksApi {
    /// The webhooks and chat channels (admins).
    #[oai(path = "/webhooks", method = "get", operation_id = "list_webhooks")]
    async fn list(&self, auth: BearerAuth) -> Result<Json<HookList>, ApiError> {
        service::list(&self.state, &auth.0).await.map(Json)
    }

    /// Add a signed webhook (`kind` `webhook`: its `whsec_` signing secret is in this
    /// answer only) or a Slack or Teams channel (admins). Audited.
    #[oai(path = "/webhooks", method = "post", operation_id = "create_webhook")]
    async fn create(
        &self,
        auth: BearerAuth,
        body: JsonBody<CreateHook>,
    ) -> Result<Created<CreatedHook>, ApiError> {
        service::create(&self.state, &auth.0, body.0)
            .await
            .map(|h| Created::Created(Json(h)))
    }

    /// One webhook or chat channel (admins).
    #[oai(path = "/webhooks/:id", method = "get", operation_id = "get_webhook")]
    async fn get(&self, auth: BearerAuth, id: Id) -> Result<Json<Hook>, ApiError> {
        service::get(&self.state, &auth.0, id.0).await.map(Json)
    }

    /// Change a webhook's or channel's URL, events, team, language or whether it is
    /// enabled (admins). Audited.
    #[oai(
        path = "/webhooks/:id",
        method = "patch",
        operation_id = "update_webhook"
    )]
    async fn update(
        &self,
        auth: BearerAuth,
        id: Id,
        body: JsonBody<UpdateHook>,
    ) -> Result<Json<Hook>, ApiError> {
        service::update(&self.state, &auth.0, id.0, body.0)
            .await
            .map(Json)
    }

    /// Delete a webhook or channel and its delivery log (admins). Audited.
    #[oai(
        path = "/webhooks/:id",
        method = "delete",
        operation_id = "delete_webhook"
    )]
    async fn delete(&self, auth: BearerAuth, id: Id) -> Result<NoContent, ApiError> {
        service::delete(&self.state, &auth.0, id.0).await?;
        Ok(NoContent::Done)
    }

    /// The delivery log of a webhook or channel, newest first (admins): each event's
    /// status, tries, last HTTP status and error, and times.
    #[oai(
        path = "/webhooks/:id/deliveries",
        method = "get",
        operation_id = "list_webhook_deliveries"
    )]
    async fn deliveries(
        &self,
        auth: BearerAuth,
        id: Id,
        limit: Limit,
        offset: Offset,
    ) -> Result<Json<DeliveryPage>, ApiError> {
        let (limit, offset) = page_bounds(limit.0, offset.0);
        service::deliveries(&self.state, &auth.0, id.0, limit, offset)
            .await
            .map(Json)
    }
}
