//! The bearer security schemes: how a request's `Authorization: Bearer` token becomes a
//! [`Principal`]. The token's signature is checked first, then its standing in the
//! database ([`super::principal`]).

use poem::Request;
use poem_openapi::SecurityScheme;
use poem_openapi::auth::Bearer;

use super::token;
use super::{Principal, principal};
use crate::error::ApiError;
use crate::state::AppState;

/// A JWT bearer token (from `POST /api/v1/auth/login`).
#[derive(SecurityScheme)]
#[oai(
    rename = "bearer",
    ty = "bearer",
    bearer_format = "JWT",
    checker = "check_bearer"
)]
pub struct BearerAuth(pub Principal);

async fn check_bearer(req: &Request, bearer: Bearer) -> poem::Result<Principal> {
    Ok(authenticate(app_state(req)?, &bearer.token).await?)
}

fn app_state(req: &Request) -> Result<&AppState, ApiError> {
    req.data::<AppState>()
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("application state missing")))
}

/// The same `bearer` scheme, for a handler that finishes the check itself: the token's
/// signature and expiry are verified here, and the handler calls [`principal`] inside
/// its own database call, so the request takes one trip to a database thread instead
/// of two (answering a pulse does this).
#[derive(SecurityScheme)]
#[oai(
    rename = "bearer",
    ty = "bearer",
    bearer_format = "JWT",
    checker = "check_bearer_token"
)]
pub struct BearerToken(pub token::Claims);

async fn check_bearer_token(req: &Request, bearer: Bearer) -> poem::Result<token::Claims> {
    Ok(app_state(req)?.tokens.verify(&bearer.token)?)
}

/// Verifies a token and checks, in the database, that it was not revoked by logout,
/// password change or deactivation.
pub async fn authenticate(state: &AppState, token: &str) -> Result<Principal, ApiError> {
    let claims = state.tokens.verify(token)?;
    state.db.read(move |conn| principal(conn, claims)).await
}
