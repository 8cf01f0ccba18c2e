//! Identity and access: passwords, tokens, login throttling, the caller a token names
//! (a [`Principal`], loaded here by [`principal`]) and one small function per role check
//! ([`require_hr`], [`require_admin`]).
//!
//! The shapes are in [`types`]; what the sign-in API and the web pages call — sign-in,
//! activation, logout, the signed-in person and password change, with their queries — in
//! [`service`]; the parts it is built from in [`password`] (argon2id on its own threads),
//! [`token`] (JWT access tokens and one-time activation tokens) and [`throttle`] (failed
//! logins per account and address); the bearer security schemes that turn a request's
//! token into a [`Principal`] in [`bearer`]; and the handlers in [`api`]. Which teams and
//! people a caller may read is decided in [`crate::org::access`].

pub mod api;
pub mod bearer;
pub mod oidc;
pub mod password;
pub mod service;
pub mod throttle;
pub mod token;
pub mod types;

use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::schema::{people, revoked_tokens};
use crate::error::ApiError;

/// The authenticated caller of a request.
#[derive(Debug, Clone)]
pub struct Principal {
    pub id: String,
    pub is_hr: bool,
    pub is_admin: bool,
    pub team_id: Option<String>,
    pub jti: String,
    pub exp: i64,
    /// When this token was issued.
    pub iat: i64,
    /// The token version the token was issued at.
    pub ver: i32,
    /// The sign-in session the token belongs to (its own `jti` for a token that names
    /// none).
    pub sid: String,
    /// When the person signed in for this session.
    pub auth_time: i64,
}

impl Principal {
    /// HR rights: the whole organisation. Admins have them too.
    pub fn is_hr_or_admin(&self) -> bool {
        self.is_hr || self.is_admin
    }
}

/// The caller a verified token names, if the database still honours the token: the
/// person exists and is active, the token's version is current and it is not on the
/// denylist. 401 otherwise.
pub fn principal(conn: &mut AnyConnection, claims: token::Claims) -> Result<Principal, ApiError> {
    // One query: the person, and whether this token is on the denylist.
    let row: Option<Standing> = people::table
        .filter(people::id.eq(&claims.sub))
        .select(standing(&claims.jti))
        // The key is unique: no LIMIT. A bound LIMIT (`first`) makes SQLite
        // prepare the statement again on every run; this runs on every request.
        .load(conn)?
        .into_iter()
        .next();
    honour(claims, row)
}

/// What the database says of a token's person — the columns of [`standing`], in order.
#[derive(Queryable, Debug, Clone)]
pub struct Standing {
    pub is_hr: bool,
    pub is_admin: bool,
    pub team_id: Option<String>,
    /// The person's current token version; an older token is revoked.
    pub token_version: i32,
    pub active: bool,
    /// Whether this very token is on the denylist (logged out).
    pub revoked: bool,
}

/// The select clause of a person's [`Standing`] for the token `jti`, for a query on
/// `people` (alone or joined).
#[allow(clippy::type_complexity)]
pub fn standing(
    jti: &str,
) -> (
    people::is_hr,
    people::is_admin,
    people::team_id,
    people::token_version,
    people::active,
    diesel::dsl::exists<
        diesel::dsl::Filter<revoked_tokens::table, diesel::dsl::Eq<revoked_tokens::jti, String>>,
    >,
) {
    (
        people::is_hr,
        people::is_admin,
        people::team_id,
        people::token_version,
        people::active,
        diesel::dsl::exists(revoked_tokens::table.filter(revoked_tokens::jti.eq(jti.to_owned()))),
    )
}

/// The caller `claims` names if `row` (the person's [`Standing`], `None` when there is no
/// such person) still honours the token; 401 otherwise.
pub fn honour(claims: token::Claims, row: Option<Standing>) -> Result<Principal, ApiError> {
    match row {
        Some(s) if s.active && !s.revoked && s.token_version == claims.ver => Ok(Principal {
            id: claims.sub,
            is_hr: s.is_hr,
            is_admin: s.is_admin,
            team_id: s.team_id,
            sid: claims.sid.unwrap_or_else(|| claims.jti.clone()),
            auth_time: claims.auth_time.unwrap_or(claims.iat),
            jti: claims.jti,
            exp: claims.exp,
            iat: claims.iat,
            ver: s.token_version,
        }),
        _ => Err(ApiError::Unauthorized),
    }
}

/// HR or admin, or 403.
pub fn require_hr(p: &Principal) -> Result<(), ApiError> {
    if p.is_hr_or_admin() {
        Ok(())
    } else {
        Err(ApiError::Forbidden)
    }
}

/// Admin, or 403.
pub fn require_admin(p: &Principal) -> Result<(), ApiError> {
    if p.is_admin {
        Ok(())
    } else {
        Err(ApiError::Forbidden)
    }
}
