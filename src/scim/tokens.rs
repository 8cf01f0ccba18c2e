//! Provisioning tokens: an admin creates one (it is shown once; only its SHA-256 is
//! kept, like activation tokens), lists them with their last use, and revokes them. A
//! SCIM request is let in by [`authenticate`] when its bearer token is a live one.

use chrono::TimeDelta;
use poem_openapi::Object;

use crate::auth::token::{activation_hash, new_activation_token};
use crate::auth::{Principal, require_admin};
use crate::clock::now;
use crate::error::ApiError;
use crate::org::domain::parse_text;
use crate::reports::audit_log::{record, target};
use crate::scim::store;
pub use crate::scim::store::ScimToken;
use crate::scim::types::ScimError;
use crate::state::AppState;

/// What a provisioning token is prefixed with, so a leaked one is recognisable.
pub const PREFIX: &str = "scim_";

/// A token just created: the secret is shown this once.
#[derive(Object, Debug, Clone)]
pub struct CreatedScimToken {
    #[oai(flatten)]
    pub token: ScimToken,
    /// The bearer token for the identity provider; not shown again.
    pub secret: String,
}

#[derive(Object, serde::Deserialize, Debug, Clone)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct CreateScimToken {
    /// A name for the token (1 to 100 characters, not only spaces, no control
    /// characters).
    #[oai(validator(
        max_length = 100,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
    ))]
    pub name: String,
}

/// Creates a token (admins); audited.
pub async fn create(
    state: &AppState,
    p: &Principal,
    body: CreateScimToken,
) -> Result<CreatedScimToken, ApiError> {
    require_admin(p)?;
    let name = parse_text(&body.name, "name", 100)?;
    let (raw, _) = new_activation_token();
    let secret = format!("{PREFIX}{raw}");
    let hash = activation_hash(&secret);
    let actor = p.id.clone();
    let token = state
        .db
        .write(move |conn| {
            let id = uuid::Uuid::new_v4().to_string();
            store::insert_token(conn, &id, &name, &hash, &actor, now())?;
            record(
                conn,
                &actor,
                "scim.token.create",
                &format!("scim-tokens/{id}"),
            )?;
            store::find_token(conn, &id)?.ok_or(ApiError::NotFound("token"))
        })
        .await?;
    Ok(CreatedScimToken { token, secret })
}

/// Every token, newest first (admins).
pub async fn list(state: &AppState, p: &Principal) -> Result<Vec<ScimToken>, ApiError> {
    require_admin(p)?;
    state.db.read(store::tokens).await
}

/// Revokes a token (admins): SCIM requests with it get 401 from now on; audited once.
pub async fn revoke(state: &AppState, p: &Principal, id: String) -> Result<(), ApiError> {
    require_admin(p)?;
    let actor = p.id.clone();
    state
        .db
        .write(move |conn| {
            let row = store::find_token(conn, &id)?.ok_or(ApiError::NotFound("token"))?;
            if row.revoked_at.is_none() {
                store::revoke_token(conn, &id, now())?;
                let t = target(&format!("scim-tokens/{id}"), &[("name", Some(&row.name))]);
                record(conn, &actor, "scim.token.revoke", &t)?;
            }
            Ok(())
        })
        .await
}

/// The live token an `Authorization: Bearer …` header carries, or 401. Its last use is
/// written at most once a minute.
pub async fn authenticate(state: &AppState, header: Option<&str>) -> Result<ScimToken, ScimError> {
    let token = header
        .and_then(|h| {
            let (scheme, rest) = h.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
        })
        .filter(|t| t.starts_with(PREFIX) && t.len() < 200)
        .ok_or_else(ScimError::unauthorized)?;
    let hash = activation_hash(token);
    let row = state
        .db
        .read(move |conn| store::live_token_by_hash(conn, &hash))
        .await?
        .ok_or_else(ScimError::unauthorized)?;
    let at = now();
    if row
        .last_used_at
        .is_none_or(|t| at - t > TimeDelta::minutes(1))
    {
        let id = row.id.clone();
        if let Err(e) = state
            .db
            .write(move |conn| store::touch_token(conn, &id, at))
            .await
        {
            tracing::warn!(error = %e, "the SCIM token's last use was not written");
        }
    }
    Ok(row)
}
