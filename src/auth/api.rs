//! Sign-in, activation, logout, password change and `GET /me`.

use diesel::prelude::*;
use poem::Request;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use crate::auth::Principal;
use crate::auth::bearer::BearerAuth;
use crate::auth::password::Password;
use crate::clock::now;
use crate::db::schema::{people, revoked_tokens};
use crate::error::ApiError;
use crate::http::{NoContent, Tag};
use crate::org::store;
use crate::payload::JsonBody;
use crate::state::AppState;

pub struct AuthApi {
    pub state: AppState,
}

#[derive(Object, serde::Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// The account's e-mail address.
    #[oai(validator(max_length = 254))]
    pub email: String,
    /// The account's password.
    #[oai(validator(max_length = 1024))]
    pub password: String,
}

/// An access token for the `Authorization: Bearer` header.
#[derive(Object)]
pub struct TokenResponse {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the token expires (at most 3600).
    pub expires_in: i64,
}

#[derive(Object, serde::Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct ActivateRequest {
    /// The one-time activation token HR received when the account was created.
    #[oai(validator(max_length = 256))]
    pub token: String,
    /// The new password, 12 to 128 characters.
    #[oai(validator(min_length = 12, max_length = 128))]
    pub password: String,
}

#[derive(Object, serde::Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    #[oai(validator(max_length = 1024))]
    pub current_password: String,
    /// 12 to 128 characters.
    #[oai(validator(min_length = 12, max_length = 128))]
    pub new_password: String,
}

/// A team named by id and name.
#[derive(Object, Clone)]
pub struct TeamRef {
    pub id: String,
    pub name: String,
}

/// The signed-in person.
#[derive(Object)]
pub struct Me {
    pub id: String,
    pub email: String,
    pub name: String,
    /// `employee` always; `manager` when managing a team; `hr`, `admin` when granted.
    pub roles: Vec<String>,
    pub team: Option<TeamRef>,
    /// Teams this person manages (each with its subtree).
    pub managed_teams: Vec<TeamRef>,
    /// `en` or `ru`.
    pub language: String,
    pub location: Option<String>,
    pub job_family: Option<String>,
    pub start_date: Option<chrono::NaiveDate>,
}

#[derive(ApiResponse)]
pub enum TokenResult {
    /// Signed in.
    #[oai(status = 200)]
    Ok(Json<TokenResponse>),
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

/// The client's IP address, for login throttling.
pub fn client_addr(req: &Request) -> String {
    req.remote_addr()
        .as_socket_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
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

// ---------- shared by the API and the web pages ----------

/// Checks e-mail and password (throttled per account and client address) and issues a
/// token. An unknown e-mail and a wrong password fail alike.
pub async fn sign_in(
    state: &AppState,
    email: &str,
    password: &str,
    addr: &str,
) -> Result<String, ApiError> {
    if email.len() > 254 {
        return Err(ApiError::invalid("email", "must be at most 254 characters"));
    }
    if password.len() > 1024 {
        return Err(ApiError::invalid("password", "must be at most 1024 bytes"));
    }
    let account = email.trim().to_lowercase();
    if let Some(wait) = state.throttle.retry_after(&account, addr) {
        return Err(ApiError::TooManyRequests {
            retry_after_secs: wait,
        });
    }
    let lookup = account.clone();
    let person = state
        .db
        .read(move |conn| store::find_person_by_email(conn, &lookup))
        .await?
        .filter(|p| p.active);
    let stored = person.as_ref().and_then(|p| p.password_hash.clone());
    let ok = state.hasher.verify(password, stored).await?;
    match person {
        Some(p) if ok => {
            state.throttle.success(&account);
            let token = state.tokens.issue(&p.id, p.token_version)?;
            tracing::info!(person = %p.id, "signed in");
            Ok(token)
        }
        _ => {
            state.throttle.failure(&account, addr);
            Err(ApiError::Unauthorized)
        }
    }
}

/// Exchanges a one-time activation token for a password; answers a new access token.
pub async fn activate(state: &AppState, token: &str, password: &str) -> Result<String, ApiError> {
    let password = Password::parse(password, "password")?;
    let hash = state.hasher.hash(&password).await?;
    let token_hash = crate::auth::token::activation_hash(token.trim());
    let (id, ver) = state
        .db
        .write(move |conn| {
            let row: Option<(String, Option<chrono::NaiveDateTime>, bool, i32)> = people::table
                .filter(people::activation_hash.eq(&token_hash))
                .select((
                    people::id,
                    people::activation_expires_at,
                    people::active,
                    people::token_version,
                ))
                .first(conn)
                .optional()?;
            let Some((id, expires, active, ver)) = row else {
                return Err(ApiError::NotFound("activation token"));
            };
            if !active {
                return Err(ApiError::NotFound("activation token"));
            }
            if expires.is_some_and(|e| e < now()) {
                return Err(ApiError::Gone(
                    "the activation token has expired; ask HR for a new one".into(),
                ));
            }
            diesel::update(people::table.find(&id))
                .set((
                    people::password_hash.eq(Some(hash)),
                    people::activation_hash.eq(None::<String>),
                    people::activation_expires_at.eq(None::<chrono::NaiveDateTime>),
                    people::updated_at.eq(now()),
                ))
                .execute(conn)?;
            Ok((id, ver))
        })
        .await?;
    tracing::info!(person = %id, "account activated");
    state.tokens.issue(&id, ver)
}

/// Puts the principal's token on the denylist: it stops working at once, everywhere.
pub async fn revoke(state: &AppState, principal: &Principal) -> Result<(), ApiError> {
    let Principal { jti, exp, .. } = principal.clone();
    let expires_at = chrono::DateTime::from_timestamp(exp, 0)
        .map(|d| d.naive_utc())
        .unwrap_or_else(now);
    state
        .db
        .write(move |conn| {
            diesel::delete(revoked_tokens::table.filter(revoked_tokens::expires_at.lt(now())))
                .execute(conn)?;
            diesel::insert_into(revoked_tokens::table)
                .values((
                    revoked_tokens::jti.eq(&jti),
                    revoked_tokens::expires_at.eq(expires_at),
                ))
                .execute(conn)?;
            Ok(())
        })
        .await
}

/// The person `id` with roles, team and managed teams.
pub async fn load_me(state: &AppState, id: &str) -> Result<Me, ApiError> {
    let id = id.to_owned();
    state
        .db
        .read(move |conn| {
            let p = store::find_person(conn, &id)?.ok_or(ApiError::NotFound("person"))?;
            let managed = store::managed_team_ids(conn, &id)?;
            let mut managed_teams = Vec::new();
            for t in &managed {
                if let Some(row) = store::find_team(conn, t)? {
                    managed_teams.push(TeamRef {
                        id: row.id,
                        name: row.name,
                    });
                }
            }
            let team = match &p.team_id {
                Some(t) => store::find_team(conn, t)?.map(|row| TeamRef {
                    id: row.id,
                    name: row.name,
                }),
                None => None,
            };
            let mut roles = vec!["employee".to_owned()];
            if !managed_teams.is_empty() {
                roles.push("manager".into());
            }
            if p.is_hr {
                roles.push("hr".into());
            }
            if p.is_admin {
                roles.push("admin".into());
            }
            Ok(Me {
                id: p.id,
                email: p.email,
                name: p.name,
                roles,
                team,
                managed_teams,
                language: p.language,
                location: p.location,
                job_family: p.job_family,
                start_date: p.start_date,
            })
        })
        .await
}

/// Changes person `id`'s password after checking the current one; every older token
/// stops working (the token version is bumped).
pub async fn change_password(
    state: &AppState,
    id: &str,
    current: &str,
    new: &str,
) -> Result<(), ApiError> {
    let new = Password::parse(new, "new_password")?;
    if current.len() > 1024 {
        return Err(ApiError::invalid(
            "current_password",
            "is not the current password",
        ));
    }
    let id = id.to_owned();
    let lookup = id.clone();
    let person = state
        .db
        .read(move |conn| store::find_person(conn, &lookup))
        .await?
        .ok_or(ApiError::Unauthorized)?;
    if !state
        .hasher
        .verify(current, person.password_hash.clone())
        .await?
    {
        return Err(ApiError::invalid(
            "current_password",
            "is not the current password",
        ));
    }
    let hash = state.hasher.hash(&new).await?;
    state
        .db
        .write(move |conn| {
            diesel::update(people::table.find(&id))
                .set((
                    people::password_hash.eq(Some(hash)),
                    people::token_version.eq(people::token_version + 1),
                    people::updated_at.eq(now()),
                ))
                .execute(conn)?;
            Ok(())
        })
        .await
}
