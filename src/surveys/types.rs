//! The request and response shapes of surveys, rounds, the question bank and answering:
//! what the HTTP API and the web pages exchange. Their `///` docs become the OpenAPI
//! descriptions. No handlers and no queries here; the rules live in `service.rs`.

use chrono::{NaiveDate, NaiveDateTime};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object};

use crate::http::Created;
use crate::surveys::answers::Given;
use crate::surveys::bank::{Driver, QuestionKind};
use crate::surveys::model::Cut;
use crate::surveys::schedule::Cadence;

/// A question of the built-in bank.
#[derive(Object)]
pub struct BankQuestion {
    /// Use as `bank_item` when building a survey.
    pub key: String,
    pub driver: Driver,
    pub kind: QuestionKind,
    pub text: String,
}

/// A question to put in a survey: either `bank_item`, or `kind`, `driver` and `text`.
#[derive(Object, serde::Deserialize, Clone)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct QuestionInput {
    /// Take the question from the bank (its kind, driver and texts).
    pub bank_item: Option<String>,
    pub kind: Option<QuestionKind>,
    pub driver: Option<Driver>,
    /// The English text (≤ 500 characters).
    pub text: Option<String>,
    /// The Russian text; the English one is shown when absent.
    pub text_ru: Option<String>,
    /// Whether an answer is required (default: yes, except for free text).
    pub required: Option<bool>,
    /// The options of a `choice` question (2 to 20).
    pub options: Option<Vec<String>>,
    /// The options in Russian, one for each of `options` in the same order; Russian
    /// readers see these, and an answer still names the English option.
    pub options_ru: Option<Vec<String>>,
}

#[derive(Object, serde::Deserialize, Clone)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct AudienceInput {
    /// Teams whose whole subtrees are invited; empty means everyone.
    pub team_ids: Vec<String>,
}

#[derive(Object, serde::Deserialize, serde::Serialize, Clone)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct ScheduleInput {
    /// The day the first round opens (00:00 UTC).
    pub starts_on: NaiveDate,
    pub cadence: Cadence,
    /// Days each round stays open; no longer than the cadence.
    pub window_days: i32,
    /// No round opens after this day.
    pub ends_on: Option<NaiveDate>,
}

#[derive(Object, serde::Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct CreateSurvey {
    #[oai(validator(
        max_length = 200,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
    ))]
    pub title: String,
    /// The title in Russian (≤ 200 characters); "" or none: the English one is shown.
    #[oai(validator(max_length = 200))]
    pub title_ru: Option<String>,
    pub questions: Vec<QuestionInput>,
    pub audience: Option<AudienceInput>,
    pub cuts: Option<Vec<Cut>>,
    pub schedule: ScheduleInput,
    /// Minimum group size k for this survey's reports (at least the configured minimum).
    pub min_group: Option<i32>,
    /// Automatic reminders per round to invitees who have not answered, 0 to 3
    /// (default 2: at half the window and one day before the close), in working hours.
    #[oai(validator(minimum(value = "0"), maximum(value = "3")))]
    pub reminders: Option<i32>,
}

#[derive(Object, serde::Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct UpdateSurvey {
    #[oai(validator(
        max_length = 200,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
    ))]
    pub title: Option<String>,
    /// Frozen once the first round has opened.
    /// The title in Russian (≤ 200 characters); "" or none: the English one is shown.
    #[oai(validator(max_length = 200))]
    pub title_ru: Option<String>,
    pub questions: Option<Vec<QuestionInput>>,
    pub audience: Option<AudienceInput>,
    /// Frozen once the first round has opened.
    pub cuts: Option<Vec<Cut>>,
    pub schedule: Option<ScheduleInput>,
    /// Frozen once the first round has opened.
    pub min_group: Option<i32>,
    /// Automatic reminders per round, 0 to 3; a change applies to the reminders still
    /// to come of an open round.
    #[oai(validator(minimum(value = "0"), maximum(value = "3")))]
    pub reminders: Option<i32>,
}

#[derive(Object)]
pub struct Question {
    pub id: String,
    pub position: i32,
    pub kind: QuestionKind,
    pub driver: Driver,
    pub required: bool,
    pub bank_item: Option<String>,
    pub text: String,
    pub text_ru: String,
    pub options: Vec<String>,
    /// The options in Russian, in the order of `options`; empty when untranslated.
    pub options_ru: Vec<String>,
}

#[derive(Object)]
pub struct Audience {
    pub team_ids: Vec<String>,
}

#[derive(Object)]
pub struct Survey {
    pub id: String,
    pub title: String,
    /// The title in Russian; "" when there is none.
    pub title_ru: String,
    pub questions: Vec<Question>,
    pub audience: Audience,
    pub cuts: Vec<Cut>,
    pub schedule: ScheduleInput,
    pub min_group: i32,
    /// Automatic reminders per round (0 to 3) to invitees who have not answered.
    pub reminders: i32,
    pub archived: bool,
    /// True once a round has opened: questions, cuts and min_group can no longer change.
    pub frozen: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Object)]
pub struct SurveyPage {
    pub items: Vec<Survey>,
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[oai(rename_all = "lowercase")]
pub enum RoundStatus {
    Scheduled,
    Open,
    Closed,
}

#[derive(Object)]
pub struct Round {
    pub id: String,
    pub survey_id: String,
    pub sequence: i32,
    pub opens_at: NaiveDateTime,
    pub closes_at: NaiveDateTime,
    pub status: RoundStatus,
    /// Closed before its scheduled end by HR.
    pub closed_early: bool,
    /// People invited when the round opened.
    pub invited: i64,
    /// The round's pulse-open messages by status (counts only).
    pub messages: RoundMessages,
}

/// How many of a round's pulse-open messages are waiting, sent, failed or cancelled.
/// Every invitee gets one whether or not they answer, so these say nothing of who did.
#[derive(Object, Default)]
pub struct RoundMessages {
    /// Queued or being sent (all of them while no SMTP server is configured).
    pub queued: i64,
    pub sent: i64,
    pub failed: i64,
    /// Not sent: the person was deactivated or the round closed first.
    pub cancelled: i64,
}

#[derive(Object)]
pub struct TeamParticipation {
    pub team_id: String,
    pub team: String,
    /// True when the team's count is not shown (nothing else is then): it had fewer
    /// than k invitees, or showing it would let a difference of shown counts cover
    /// fewer than k invitees.
    pub suppressed: bool,
    /// Why it is suppressed; absent when shown.
    pub hidden: Option<crate::reports::types::HiddenReason>,
    pub invited: Option<i64>,
    pub answered: Option<i64>,
    /// Answered over invited (0–1).
    pub rate: Option<f64>,
    /// Invitees who can sign in (an activated account), or who answered; absent where
    /// the team's count is not shown or this one is withheld (`reachable_hidden`).
    pub reachable: Option<i64>,
    /// Answered over reachable (0–1): the headline response rate.
    pub reachable_rate: Option<f64>,
    /// Why `reachable` is withheld for a shown team.
    pub reachable_hidden: Option<crate::reports::types::HiddenReason>,
}

#[derive(Object)]
pub struct Participation {
    pub round_id: String,
    pub min_group: i32,
    pub teams: Vec<TeamParticipation>,
}

#[derive(Object)]
pub struct Reminded {
    /// How many reminders were queued (invitees who have not answered and were not
    /// reminded of this round today, nor, by hand or automatically, in the last 12
    /// hours).
    pub reminded: i64,
}

#[derive(Object)]
pub struct PulseQuestion {
    pub id: String,
    pub kind: QuestionKind,
    pub driver: Driver,
    pub required: bool,
    /// In the caller's language.
    pub text: String,
    /// The values a `choice` answer names.
    pub options: Vec<String>,
    /// The options as shown to the caller, in their language, in the order of `options`.
    pub option_labels: Vec<String>,
}

/// An open round the caller has not answered yet.
#[derive(Object)]
pub struct Pulse {
    pub round_id: String,
    pub survey_id: String,
    /// In the caller's language.
    pub title: String,
    pub closes_at: NaiveDateTime,
    /// Reports about this survey only ever show groups of at least this many answers.
    pub min_group: i32,
    pub questions: Vec<PulseQuestion>,
}

#[derive(Object, serde::Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct AnswerInput {
    pub question_id: String,
    /// For likert5 (1–5) and scale11 (0–10) questions.
    pub value: Option<f64>,
    /// For choice questions: one of the options.
    pub choice: Option<String>,
    /// For text questions (≤ 2,000 characters).
    pub text: Option<String>,
}

#[derive(Object, serde::Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct ResponseInput {
    pub answers: Vec<AnswerInput>,
    /// Allow managers and HR to reply to this answer's comments: the answer then
    /// carries a conversation code, shown once, to read and answer the replies by.
    #[serde(default)]
    pub allow_replies: Option<bool>,
}

impl ResponseInput {
    /// The answers as given, and whether their author allows replies (not by default):
    /// what every way of answering a pulse stores.
    pub fn into_given(self) -> (Vec<Given>, bool) {
        let given = self
            .answers
            .into_iter()
            .map(|a| Given {
                question_id: a.question_id,
                value: a.value,
                choice: a.choice,
                text: a.text,
            })
            .collect();
        (given, self.allow_replies.unwrap_or(false))
    }
}

/// The answer to a submission: no response id, nothing that could identify it.
#[derive(Object)]
pub struct Recorded {
    /// Always `recorded`.
    pub status: String,
    /// With `allow_replies` and at least one comment: the conversation code (five
    /// groups of four), shown only here. Read and answer replies at
    /// `GET|POST /api/v1/conversations/{code}` once the round has closed. Absent
    /// otherwise.
    #[oai(skip_serializing_if_is_none)]
    pub conversation_code: Option<String>,
}

impl Recorded {
    /// The 201 for a stored answer, with its conversation code if replies were allowed.
    pub fn created(conversation_code: Option<String>) -> Created<Recorded> {
        Created::Created(Json(Recorded {
            status: "recorded".into(),
            conversation_code,
        }))
    }
}

#[derive(ApiResponse)]
pub enum RemindersSent {
    /// The reminders were queued in the outbox.
    #[oai(status = 202)]
    Accepted(Json<Reminded>),
}
