//! The admin API of SCIM provisioning under `/api/v1` (problem+json like the rest):
//! provisioning tokens, and the mass-change guard's state and confirmation. The SCIM
//! protocol itself is in [`crate::scim::routes`].

use poem_openapi::OpenApi;
use poem_openapi::payload::Json;

use crate::auth::bearer::BearerAuth;
use crate::error::ApiError;
use crate::http::{Created, Id, NoContent, Tag};
use crate::payload::JsonBody;
use crate::scim::guard::{self, GuardState};
use crate::scim::tokens::{self, CreateScimToken, CreatedScimToken, ScimToken};
use crate::state::AppState;

pub struct ScimApi {
    pub state: AppState,
}

#[OpenApi(prefix_path = "/api/v1", tag = "Tag::Auth")]
impl ScimApi {
    /// Create a SCIM provisioning token (admins). The secret is in this answer only;
    /// only its SHA-256 is kept. Audited.
    #[oai(
        path = "/scim-tokens",
        method = "post",
        operation_id = "create_scim_token"
    )]
    async fn create_token(
        &self,
        auth: BearerAuth,
        body: JsonBody<CreateScimToken>,
    ) -> Result<Created<CreatedScimToken>, ApiError> {
        tokens::create(&self.state, &auth.0, body.0)
            .await
            .map(|t| Created::Created(Json(t)))
    }

    /// The SCIM provisioning tokens with their last use, newest first (admins).
    #[oai(
        path = "/scim-tokens",
        method = "get",
        operation_id = "list_scim_tokens"
    )]
    async fn list_tokens(&self, auth: BearerAuth) -> Result<Json<Vec<ScimToken>>, ApiError> {
        tokens::list(&self.state, &auth.0).await.map(Json)
    }

    /// Revoke a SCIM provisioning token (admins): requests with it get 401. Audited.
    #[oai(
        path = "/scim-tokens/:id",
        method = "delete",
        operation_id = "revoke_scim_token"
    )]
    async fn revoke_token(&self, auth: BearerAuth, id: Id) -> Result<NoContent, ApiError> {
        tokens::revoke(&self.state, &auth.0, id.0).await?;
        Ok(NoContent::Done)
    }

    /// The mass-change guard: deactivations in the last hour, the held ones, and
    /// whether a confirmation is running (admins).
    #[oai(path = "/scim-guard", method = "get", operation_id = "get_scim_guard")]
    async fn guard(&self, auth: BearerAuth) -> Result<Json<GuardState>, ApiError> {
        guard::state_of(&self.state, &auth.0).await.map(Json)
    }

    /// Confirm the held deactivations (admins): they are applied now, and SCIM may
    /// deactivate freely for the next hour. Audited.
    #[oai(
        path = "/scim-guard/confirm",
        method = "post",
        operation_id = "confirm_scim_guard"
    )]
    async fn confirm(&self, auth: BearerAuth) -> Result<Json<GuardState>, ApiError> {
        guard::confirm_held(&self.state, &auth.0).await.map(Json)
    }
}
