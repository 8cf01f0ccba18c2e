//! What the organisation API and the web pages exchange: teams, people, the service
//! map, pages of them, the request bodies that create or change them and the CSV
//! import body. Plain shapes; the rules that fill and check them are in
//! [`crate::org::service`].

use poem_openapi::payload::Binary;
use poem_openapi::types::MaybeUndefined;
use poem_openapi::{ApiRequest, Object};

use crate::org::domain::{GrantedRole, Language, PersonStatus, TeamKind};

/// A team the owning team serves, and how much weight its CX carries.
#[derive(Object, Clone, serde::Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct ServedTeam {
    /// A `frontline` team this (internal) team serves.
    #[oai(validator(max_length = 64))]
    pub team_id: String,
    /// Relative weight (> 0) of that team's CX in this team's linkage.
    #[oai(validator(minimum(value = "0", exclusive), maximum(value = "1000000")))]
    pub weight: f64,
}

#[derive(Object)]
pub struct Team {
    pub id: String,
    pub name: String,
    pub parent_id: Option<String>,
    pub kind: TeamKind,
    /// Optional stable key for matching external systems (e.g. CX imports).
    pub key: Option<String>,
    pub manager_ids: Vec<String>,
    pub serves: Vec<ServedTeam>,
    pub created_at: chrono::NaiveDateTime,
}

#[derive(Object, serde::Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct CreateTeam {
    #[oai(validator(
        max_length = 200,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
    ))]
    pub name: String,
    /// The parent team; none for a root.
    #[oai(validator(max_length = 64))]
    pub parent_id: Option<String>,
    pub kind: TeamKind,
    #[oai(validator(max_length = 100, pattern = r"^[^\x00-\x1f\x7f-\x9f]*$"))]
    pub key: Option<String>,
}

#[derive(Object, serde::Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct UpdateTeam {
    #[oai(validator(
        max_length = 200,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
    ))]
    pub name: Option<String>,
    /// A new parent (null makes it a root). A team cannot become its own ancestor.
    #[serde(default)]
    pub parent_id: MaybeUndefined<String>,
    pub kind: Option<TeamKind>,
    #[serde(default)]
    #[oai(validator(max_length = 100, pattern = r"^[^\x00-\x1f\x7f-\x9f]*$"))]
    pub key: MaybeUndefined<String>,
}

#[derive(Object, serde::Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct SetManagers {
    /// The people who manage this team (and so its subtree). Replaces the list.
    #[oai(validator(max_items = 100))]
    pub person_ids: Vec<String>,
}

#[derive(Object)]
pub struct TeamPage {
    pub items: Vec<Team>,
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
}

#[derive(Object)]
pub struct Person {
    pub id: String,
    /// Absent for someone reached by phone, kiosk code or employee number only.
    pub email: Option<String>,
    /// A mobile number in international form (`+` and digits).
    pub phone: Option<String>,
    pub employee_number: Option<String>,
    pub name: String,
    pub team_id: Option<String>,
    /// Granted roles (everyone is also an employee; managers are named on teams).
    pub roles: Vec<GrantedRole>,
    pub location: Option<String>,
    pub job_family: Option<String>,
    pub start_date: Option<chrono::NaiveDate>,
    pub language: Language,
    /// False once deactivated.
    pub active: bool,
    /// Whether the person has set a password.
    pub activated: bool,
    /// True once erased: the row then holds no personal data.
    pub erased: bool,
    pub created_at: chrono::NaiveDateTime,
}

impl Person {
    /// How pages name the person beside their name: their e-mail address, else their
    /// employee number, else their phone number.
    pub fn identifier(&self) -> &str {
        crate::org::domain::Identifiers::shown(
            self.email.as_deref(),
            self.employee_number.as_deref(),
            self.phone.as_deref(),
        )
        .unwrap_or("—")
    }
}

#[derive(Object)]
pub struct CreatedPerson {
    #[oai(flatten)]
    pub person: Person,
    /// Shown once: the person exchanges it for a password at `POST /api/v1/auth/activate`.
    pub activation_token: String,
    pub activation_expires_at: chrono::NaiveDateTime,
}

#[derive(Object)]
pub struct ActivationIssued {
    /// Shown once.
    pub activation_token: String,
    pub activation_expires_at: chrono::NaiveDateTime,
}

#[derive(Object, serde::Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct CreatePerson {
    /// At least one of `email`, `phone` and `employee_number` identifies the person;
    /// each is unique.
    #[oai(validator(max_length = 254))]
    pub email: Option<String>,
    /// A mobile number in international form, e.g. `+44 20 7946 0000` (kept as
    /// `+442079460000`).
    #[oai(validator(max_length = 32))]
    pub phone: Option<String>,
    #[oai(validator(max_length = 64, pattern = r"^[^\x00-\x1f\x7f-\x9f]*$"))]
    pub employee_number: Option<String>,
    #[oai(validator(
        max_length = 200,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
    ))]
    pub name: String,
    #[oai(validator(max_length = 64))]
    pub team_id: Option<String>,
    /// Roles to grant: `hr`, `admin` (admin only by an admin).
    #[oai(validator(max_items = 2))]
    pub roles: Option<Vec<GrantedRole>>,
    #[oai(validator(max_length = 100, pattern = r"^[^\x00-\x1f\x7f-\x9f]*$"))]
    pub location: Option<String>,
    #[oai(validator(max_length = 100, pattern = r"^[^\x00-\x1f\x7f-\x9f]*$"))]
    pub job_family: Option<String>,
    pub start_date: Option<chrono::NaiveDate>,
    pub language: Option<Language>,
}

#[derive(Object, serde::Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct UpdatePerson {
    #[oai(validator(
        max_length = 200,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
    ))]
    pub name: Option<String>,
    /// `null` removes it; the person keeps at least one of `email`, `phone` and
    /// `employee_number`.
    #[serde(default)]
    #[oai(validator(max_length = 254))]
    pub email: MaybeUndefined<String>,
    #[serde(default)]
    #[oai(validator(max_length = 32))]
    pub phone: MaybeUndefined<String>,
    #[serde(default)]
    #[oai(validator(max_length = 64, pattern = r"^[^\x00-\x1f\x7f-\x9f]*$"))]
    pub employee_number: MaybeUndefined<String>,
    #[serde(default)]
    pub team_id: MaybeUndefined<String>,
    #[oai(validator(max_items = 2))]
    pub roles: Option<Vec<GrantedRole>>,
    #[serde(default)]
    #[oai(validator(max_length = 100, pattern = r"^[^\x00-\x1f\x7f-\x9f]*$"))]
    pub location: MaybeUndefined<String>,
    #[serde(default)]
    #[oai(validator(max_length = 100, pattern = r"^[^\x00-\x1f\x7f-\x9f]*$"))]
    pub job_family: MaybeUndefined<String>,
    #[serde(default)]
    pub start_date: MaybeUndefined<chrono::NaiveDate>,
    pub language: Option<Language>,
}

#[derive(Object)]
pub struct PersonPage {
    pub items: Vec<Person>,
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
}

#[derive(ApiRequest)]
pub enum ImportBody {
    /// CSV with the header `email,name,team,manager,location,job_family,start_date,language,roles`.
    #[oai(content_type = "text/csv")]
    Csv(Binary<Vec<u8>>),
}

/// What to list of people: a page, optionally one team's subtree and a search.
#[derive(Debug, Clone, Default)]
pub struct PeopleQuery {
    pub limit: Option<i64>,
    pub offset: Option<i64>,
    pub team_id: Option<String>,
    /// Case-insensitive search in name and e-mail.
    pub q: Option<String>,
    pub include_inactive: bool,
    /// Only people in this state (deactivated and erased ones too when asked for).
    pub status: Option<PersonStatus>,
}

/// How to erase a person.
#[derive(Object, Default, serde::Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct ErasePerson {
    /// Delete the person's signed suggestions (with their votes and replies) instead of
    /// keeping their text as anonymous suggestions. Default false.
    pub delete_suggestions: Option<bool>,
}

/// What an erasure did.
#[derive(Object)]
pub struct Erased {
    pub id: String,
    pub erased_at: chrono::NaiveDateTime,
    /// Signed suggestions kept as anonymous ones.
    pub suggestions_anonymised: i64,
    /// Signed suggestions deleted.
    pub suggestions_deleted: i64,
}

/// A team named in an export.
#[derive(Object)]
pub struct ExportTeam {
    pub id: String,
    pub name: String,
}

/// A reply to a suggestion (a change of its status), in an export.
#[derive(Object)]
pub struct ExportReply {
    pub suggestion_id: String,
    pub from_status: String,
    pub to_status: String,
    pub reply: String,
    pub replied_on: chrono::NaiveDate,
}

/// A suggestion the person signed, with the replies it received.
#[derive(Object)]
pub struct ExportSuggestion {
    pub id: String,
    pub team_id: String,
    pub title: String,
    pub body: String,
    pub touchpoint: String,
    pub customer_segment: Option<String>,
    pub status: String,
    pub votes: i64,
    pub created_on: chrono::NaiveDate,
    pub created_at: Option<chrono::NaiveDateTime>,
    pub replies: Vec<ExportReply>,
}

/// An action the person owns, in an export.
#[derive(Object)]
pub struct ExportAction {
    pub id: String,
    /// Null: the whole organisation.
    pub team_id: Option<String>,
    pub title: String,
    pub description: String,
    pub status: String,
    pub due_on: chrono::NaiveDate,
    pub closed_on: Option<chrono::NaiveDate>,
}

/// An update the person wrote on an action, in an export.
#[derive(Object)]
pub struct ExportActionUpdate {
    pub action_id: String,
    pub text: String,
    pub to_status: Option<String>,
    pub created_at: chrono::NaiveDateTime,
}

/// A pulse round the person was invited to: the team and segments recorded for them
/// when it opened (already generalised), and whether they answered — never what.
#[derive(Object)]
pub struct ExportRound {
    pub round_id: String,
    pub survey_title: String,
    pub team_id: String,
    pub location: Option<String>,
    pub job_family: Option<String>,
    pub tenure: Option<String>,
    pub answered: bool,
}

/// An audit-log entry of something the person did (read a report, changed the
/// organisation).
#[derive(Object)]
pub struct ExportAuditEntry {
    pub at: chrono::NaiveDateTime,
    pub action: String,
    pub target: String,
}

/// Everything pulseline stores about one person, and what it does not hold because it
/// is anonymous.
#[derive(Object)]
pub struct PersonExport {
    pub generated_at: chrono::NaiveDateTime,
    /// The language of `not_included` (the person's own).
    pub language: Language,
    pub profile: Person,
    /// What an identity provider sent through SCIM: its id of the person, their work
    /// phone number and employee number.
    pub provisioning: ExportProvisioning,
    /// The person's own choices: reminders and time zone.
    pub settings: ExportSettings,
    pub team: Option<ExportTeam>,
    /// Teams the person manages.
    pub manages: Vec<ExportTeam>,
    pub signed_suggestions: Vec<ExportSuggestion>,
    /// Replies the person wrote to suggestions.
    pub replies_written: Vec<ExportReply>,
    /// Actions the person owns.
    pub actions_owned: Vec<ExportAction>,
    /// Updates the person wrote on actions.
    pub action_updates_written: Vec<ExportActionUpdate>,
    pub rounds: Vec<ExportRound>,
    /// What the person did, from the audit log.
    pub audit_entries: Vec<ExportAuditEntry>,
    /// What is not in this export, and why, in the person's language.
    pub not_included: Vec<String>,
}

/// What a person chose for themselves.
#[derive(Object, Debug, Clone)]
pub struct ExportSettings {
    /// Whether e-mail reminders of unanswered pulses reach them.
    pub reminders: bool,
    /// Their own time zone (an IANA name); absent when they read the organisation's.
    pub time_zone: Option<String>,
}

/// What SCIM provisioning keeps about a person.
#[derive(Object, Debug, Clone)]
pub struct ExportProvisioning {
    pub external_id: Option<String>,
    pub phone: Option<String>,
    pub employee_number: Option<String>,
}
