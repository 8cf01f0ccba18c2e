//! What the sign-in API and the web pages exchange: the sign-in, activation and
//! password-change bodies, the access token answer and the signed-in person ([`Me`]).
//! Plain shapes; the checks that fill them are in [`crate::auth::service`].

use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object};

#[derive(Object, serde::Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// The account's e-mail address; someone without one gives their employee number.
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
    /// Absent for someone without an e-mail address.
    pub email: Option<String>,
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
    /// Whether e-mail reminders of pulses not yet answered reach this person (on
    /// unless they turned them off; invitations to answer always come).
    pub reminders: bool,
    /// The person's own time zone (an IANA name); absent when they read times in the
    /// organisation's.
    pub time_zone: Option<String>,
    /// The time zone the web pages show this person's times in: their own, else the
    /// organisation's (`PULSELINE_TIME_ZONE`).
    pub shown_time_zone: String,
}

/// One's own time zone for the times the pages show.
#[derive(Object, serde::Deserialize, Debug, Clone)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct TimeZoneChoice {
    /// An IANA time zone name, e.g. `Europe/Berlin`; null (or absent) for the
    /// organisation's.
    #[oai(validator(max_length = 64))]
    pub time_zone: Option<String>,
}

/// One's own choice about pulse reminders by e-mail.
#[derive(Object, serde::Deserialize, Debug, Clone, Copy)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct ReminderChoice {
    /// True: remind me of pulses I have not answered; false: do not.
    pub enabled: bool,
}

#[derive(ApiResponse)]
pub enum TokenResult {
    /// Signed in.
    #[oai(status = 200)]
    Ok(Json<TokenResponse>),
}
