//! Sign-in, activation, logout, password change and `GET /me` over HTTP. Each handler
//! parses the request, calls one function of [`crate::auth::service`] and wraps its
//! answer.

use poem::Request;
use poem_openapi::OpenApi;
use poem_openapi::payload::Json;

use crate::auth::bearer::BearerAuth;
use crate::auth::service::{self, activate, change_password, load_me, revoke, sign_in};
use crate::auth::types::{
    ActivateRequest, ChangePasswordRequest, LoginRequest, Me, ReminderChoice, TimeZoneChoice,
    TokenResponse, TokenResult,
};
use crate::error::ApiError;
use crate::http::{NoContent, Tag, client_addr};
use crate::payload::JsonBody;
use crate::state::AppState;

pub struct AuthApi {
    pub state: AppState,
}

impl AuthApi {
    fn token_response(&self, access_token: String) -> TokenResponse {
        TokenResponse {
            access_token,
            token_type: "Bearer".into(),
            expires_in: self.state.tokens.ttl_secs(),
        }
    }
}

#[OpenApi(prefix_path = "/api/v1", tag = "Tag::Auth")]
impl AuthApi {
    /// Sign in with e-mail and password.
    ///
    /// An unknown e-mail and a wrong password answer the same 401. Repeated failures for
    /// one account or one client address answer 429 with `Retry-After`.
    #[oai(path = "/auth/login", method = "post", operation_id = "login")]
    async fn login(
        &self,
        req: &Request,
        body: JsonBody<LoginRequest>,
    ) -> Result<TokenResult, ApiError> {
        let token = sign_in(&self.state, &body.email, &body.password, &client_addr(req)).await?;
        Ok(TokenResult::Ok(Json(self.token_response(token))))
    }

    /// Activate an account: exchange the one-time activation token for a password.
    ///
    /// Answers with an access token, so the person is signed in at once.
    #[oai(path = "/auth/activate", method = "post", operation_id = "activate")]
    async fn activate(&self, body: JsonBody<ActivateRequest>) -> Result<TokenResult, ApiError> {
        let token = activate(&self.state, &body.token, &body.password).await?;
        Ok(TokenResult::Ok(Json(self.token_response(token))))
    }

    /// Sign out: the token used for this request stops working at once, on every replica.
    #[oai(path = "/auth/logout", method = "post", operation_id = "logout")]
    async fn logout(&self, auth: BearerAuth) -> Result<NoContent, ApiError> {
        revoke(&self.state, &auth.0).await?;
        Ok(NoContent::Done)
    }

    /// The signed-in person, their roles, team and managed teams.
    #[oai(path = "/me", method = "get", operation_id = "me")]
    async fn me(&self, auth: BearerAuth) -> Result<Json<Me>, ApiError> {
        load_me(&self.state, &auth.0.id).await.map(Json)
    }

    /// Turn one's own e-mail reminders of unanswered pulses on or off (invitations to
    /// answer always come).
    #[oai(
        path = "/me/reminders",
        method = "put",
        operation_id = "set_my_reminders"
    )]
    async fn set_reminders(
        &self,
        auth: BearerAuth,
        body: JsonBody<ReminderChoice>,
    ) -> Result<Json<ReminderChoice>, ApiError> {
        service::set_reminders(&self.state, &auth.0.id, body.0)
            .await
            .map(Json)
    }

    /// Set one's own time zone (an IANA name), or clear it (null) to read times in the
    /// organisation's; the web pages show times in it.
    #[oai(
        path = "/me/time-zone",
        method = "put",
        operation_id = "set_my_time_zone"
    )]
    async fn set_time_zone(
        &self,
        auth: BearerAuth,
        body: JsonBody<TimeZoneChoice>,
    ) -> Result<Json<TimeZoneChoice>, ApiError> {
        service::set_time_zone(&self.state, &auth.0.id, body.0)
            .await
            .map(Json)
    }

    /// Change one's own password. Every token issued before the change stops working.
    #[oai(
        path = "/me/password",
        method = "post",
        operation_id = "change_password"
    )]
    async fn change_password(
        &self,
        auth: BearerAuth,
        body: JsonBody<ChangePasswordRequest>,
    ) -> Result<NoContent, ApiError> {
        change_password(
            &self.state,
            &auth.0.id,
            &body.current_password,
            &body.new_password,
        )
        .await?;
        Ok(NoContent::Done)
    }
}
