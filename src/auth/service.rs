//! What the sign-in API and the web pages both call: checking a password (throttled)
//! and issuing a token, exchanging an activation token for a password, revoking a
//! token, loading the signed-in person and changing one's password.

use diesel::prelude::*;

use crate::auth::Principal;
use crate::auth::oidc::config::PasswordLogin;
use crate::auth::password::Password;
use crate::auth::types::{Me, ReminderChoice, TeamRef, TimeZoneChoice};
use crate::clock::now;
use crate::db::schema::{people, revoked_tokens};
use crate::error::ApiError;
use crate::org::store;
use crate::state::AppState;

/// Checks an account (an e-mail address, or the employee number of someone who has no
/// e-mail) and password (throttled per account and client address) and issues a
/// token. An unknown account and a wrong password fail alike.
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
    let mode = state.config.oidc.password_login;
    if mode == PasswordLogin::Off {
        return Err(ApiError::PasswordLoginOff);
    }
    let account = email.trim().to_lowercase();
    if let Some(wait) = state.throttle.retry_after(&account, addr) {
        return Err(ApiError::TooManyRequests {
            retry_after_secs: wait,
        });
    }
    let lookup = email.trim().to_owned();
    let person = state
        .db
        .read(move |conn| store::find_person_to_sign_in(conn, &lookup))
        .await?
        .filter(|p| p.active);
    let stored = person.as_ref().and_then(|p| p.password_hash.clone());
    let ok = state.hasher.verify(password, stored).await?;
    match person {
        Some(p) if ok => {
            state.throttle.success(&account);
            // Checked only once the password is right, so the refusal tells a stranger
            // nothing about who has an account.
            if mode == PasswordLogin::Admins && !p.is_admin {
                return Err(ApiError::PasswordLoginOff);
            }
            let token = state.tokens.issue(&p.id, p.token_version)?;
            // No person id: with the log's timestamps, a sign-in named just before an
            // anonymous action would name who acted.
            tracing::info!("signed in");
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
    tracing::info!("account activated");
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
/// Turns one's own pulse reminders on or off.
pub async fn set_reminders(
    state: &AppState,
    id: &str,
    choice: ReminderChoice,
) -> Result<ReminderChoice, ApiError> {
    let id = id.to_owned();
    state
        .db
        .write(move |conn| store::set_reminders_off(conn, &id, !choice.enabled))
        .await?;
    Ok(choice)
}

/// Sets or clears one's own time zone; an unknown name is refused (422, `time_zone`).
pub async fn set_time_zone(
    state: &AppState,
    id: &str,
    choice: TimeZoneChoice,
) -> Result<TimeZoneChoice, ApiError> {
    let zone = match choice.time_zone.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(name) => Some(
            name.parse::<chrono_tz::Tz>()
                .map_err(|_| {
                    ApiError::invalid(
                        "time_zone",
                        "not a known time zone; use an IANA name such as Europe/Berlin",
                    )
                })?
                .name()
                .to_owned(),
        ),
    };
    let (id, stored) = (id.to_owned(), zone.clone());
    state
        .db
        .write(move |conn| store::set_time_zone(conn, &id, stored))
        .await?;
    Ok(TimeZoneChoice { time_zone: zone })
}

pub async fn load_me(state: &AppState, id: &str) -> Result<Me, ApiError> {
    let id = id.to_owned();
    let org_zone = state.config.time_zone.clone();
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
            let (reminders_off, time_zone) = store::settings(conn, &id)?;
            Ok(Me {
                reminders: !reminders_off,
                shown_time_zone: time_zone.clone().unwrap_or(org_zone),
                time_zone,
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
