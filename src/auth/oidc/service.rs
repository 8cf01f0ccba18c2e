//! What the sign-in pages call for company sign-in: [`start`] a trip to the provider and
//! [`finish`] it when the browser comes back. A finished sign-in ends as a password
//! sign-in does: the same token, with the same lifetime and revocation.

use chrono::TimeDelta;

use crate::auth::oidc::Refusal;
use crate::auth::oidc::client::Verified;
use crate::auth::oidc::store::{self, Login};
use crate::auth::token::activation_hash;
use crate::clock::now;
use crate::db::AnyConnection;
use crate::error::ApiError;
use crate::org::model::PersonRow;
use crate::state::AppState;

/// How long a trip to the provider may take.
pub const LOGIN_TTL: TimeDelta = TimeDelta::minutes(10);

/// A trip to the provider: where to send the browser, and the `state` the browser keeps
/// (in a cookie) to prove the answer is for it.
pub struct Started {
    pub url: String,
    pub state: String,
}

/// Starts a company sign-in that returns to `next` (a path on this site).
pub async fn start(state: &AppState, next: &str) -> Result<Started, Refusal> {
    let provider = state.oidc.as_ref().ok_or(Refusal::Off)?;
    let auth = provider.authorize().await?;
    let login = Login {
        nonce: auth.nonce,
        pkce_verifier: auth.pkce_verifier,
        next_path: next.to_owned(),
        created_at: now(),
    };
    let hash = activation_hash(&auth.state);
    state
        .db
        .write(move |conn| {
            store::forget_logins_before(conn, now() - LOGIN_TTL)?;
            store::insert_login(conn, &hash, &login)
        })
        .await
        .map_err(unavailable)?;
    Ok(Started {
        url: auth.url,
        state: auth.state,
    })
}

/// What came back from the provider.
pub struct Answer<'a> {
    /// The `state` the browser kept in its cookie.
    pub cookie_state: Option<&'a str>,
    pub state: Option<&'a str>,
    pub code: Option<&'a str>,
    pub error: Option<&'a str>,
}

/// A finished company sign-in: the access token and the page to go to.
pub struct Finished {
    pub token: String,
    pub next: String,
}

fn unavailable(e: ApiError) -> Refusal {
    tracing::error!(error = %e, "company sign-in could not use the database");
    Refusal::Unavailable
}

/// Finishes a company sign-in: checks the answer belongs to a sign-in this browser
/// started (and takes it, so it is used once), exchanges the code, checks the ID token,
/// decides who it names and issues their token. A refusal creates nothing.
pub async fn finish(state: &AppState, answer: Answer<'_>) -> Result<Finished, Refusal> {
    let provider = state.oidc.as_ref().ok_or(Refusal::Off)?;
    let (Some(sent), Some(kept)) = (answer.state, answer.cookie_state) else {
        return Err(Refusal::State);
    };
    // The state in the answer must be the one this browser was given (login CSRF).
    if !constant_eq(sent.as_bytes(), kept.as_bytes()) {
        return Err(Refusal::State);
    }
    let hash = activation_hash(sent);
    let login = state
        .db
        .write(move |conn| store::take_login(conn, &hash))
        .await
        .map_err(unavailable)?
        .filter(|l| l.created_at > now() - LOGIN_TTL)
        .ok_or(Refusal::State)?;
    if let Some(error) = answer.error {
        let code: String = error
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
            .take(64)
            .collect();
        return Err(Refusal::Provider(code));
    }
    let code = answer
        .code
        .ok_or_else(|| Refusal::Provider("no_code".into()))?;
    let verified = provider
        .redeem(code, &login.pkce_verifier, &login.nonce)
        .await?;
    let config = state.config.oidc.clone();
    let domains = config.domains();
    let jit_team = config
        .oidc_jit
        .then(|| config.oidc_jit_team.clone())
        .flatten();
    let (id, ver) = state
        .db
        .write(
            move |conn| match who(conn, &verified, &domains, jit_team.as_deref()) {
                Ok(found) => Ok(Ok(found)),
                Err(Choice::Refused(r)) => Ok(Err(r)),
                Err(Choice::Failed(e)) => Err(e),
            },
        )
        .await
        .map_err(unavailable)??;
    let token = state.tokens.issue(&id, ver).map_err(unavailable)?;
    // No person id, as with password sign-ins.
    tracing::info!("signed in with the identity provider");
    Ok(Finished {
        token,
        next: login.next_path,
    })
}

enum Choice {
    Refused(Refusal),
    Failed(ApiError),
}

impl From<ApiError> for Choice {
    fn from(e: ApiError) -> Self {
        Choice::Failed(e)
    }
}

/// The person the verified token names: (id, token version).
fn who(
    conn: &mut AnyConnection,
    v: &Verified,
    domains: &[String],
    jit_team: Option<&str>,
) -> Result<(String, i32), Choice> {
    let at = now();
    let email = v.email.as_deref().map(|e| e.trim().to_lowercase());
    let domain_ok = |e: &str| {
        domains.is_empty()
            || e.rsplit_once('@')
                .is_some_and(|(_, d)| domains.iter().any(|a| a == d))
    };
    // A linked account names its person whatever its e-mail says now.
    if let Some(id) = store::person_of(conn, &v.issuer, &v.subject)? {
        if let Some(e) = &email
            && !domain_ok(e)
        {
            return Err(Choice::Refused(Refusal::Domain));
        }
        let person = crate::org::store::find_person(conn, &id)?;
        return match person {
            Some(p) if p.active => {
                store::link(conn, &v.issuer, &v.subject, &p.id, at)?;
                Ok((p.id, p.token_version))
            }
            _ => Err(Choice::Refused(Refusal::Deactivated)),
        };
    }
    let Some(email) = email.filter(|_| v.email_verified) else {
        return Err(Choice::Refused(Refusal::Unverified));
    };
    if !domain_ok(&email) {
        return Err(Choice::Refused(Refusal::Domain));
    }
    match crate::org::store::find_person_by_email(conn, &email)? {
        Some(p) if p.active => {
            store::link(conn, &v.issuer, &v.subject, &p.id, at)?;
            Ok((p.id, p.token_version))
        }
        Some(_) => Err(Choice::Refused(Refusal::Deactivated)),
        None => match jit_team {
            None => Err(Choice::Refused(Refusal::Unknown)),
            Some(team) => {
                let team = store::team_by_id_or_key(conn, team)?.ok_or_else(|| {
                    Choice::Failed(ApiError::Internal(anyhow::anyhow!(
                        "PULSELINE_OIDC_JIT_TEAM names no team"
                    )))
                })?;
                let name = v
                    .name
                    .as_deref()
                    .map(str::trim)
                    .filter(|n| !n.is_empty() && n.chars().count() <= 200)
                    .map(str::to_owned)
                    .unwrap_or_else(|| email.split('@').next().unwrap_or("").to_owned());
                let row = PersonRow {
                    team_id: Some(team),
                    ..PersonRow::new(Some(email.clone()), name, at)
                };
                crate::org::store::insert_person(conn, &row)?;
                store::link(conn, &v.issuer, &v.subject, &row.id, at)?;
                // The new person is the actor: nobody else created them.
                crate::org::audit::person_created(conn, &row.id, &row)?;
                Ok((row.id.clone(), row.token_version))
            }
        },
    }
}

fn constant_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
