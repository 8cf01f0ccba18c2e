//! The action shapes the API exchanges and the web pages draw: an action as created,
//! changed and read, its updates, a page of actions and the list filter.

use chrono::{NaiveDate, NaiveDateTime};
use poem_openapi::Object;

use crate::actions::workflow::Status;
use crate::surveys::bank::Driver;

#[derive(Object, serde::Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct CreateAction {
    /// The team it is for; absent or null: the whole organisation (HR only).
    #[oai(validator(max_length = 64))]
    pub team_id: Option<String>,
    /// What it answers (at most one of `driver`, `theme` and `suggestion_id`): a driver
    /// of engagement,
    pub driver: Option<Driver>,
    /// a theme of the suggestions (at most 100 characters),
    #[oai(validator(
        max_length = 100,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
    ))]
    pub theme: Option<String>,
    /// or one suggestion the creator may see.
    #[oai(validator(max_length = 64))]
    pub suggestion_id: Option<String>,
    /// 1 to 200 characters.
    #[oai(validator(
        max_length = 200,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
    ))]
    pub title: String,
    /// At most 5,000 characters; line breaks allowed.
    #[oai(validator(
        max_length = 5000,
        pattern = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"
    ))]
    pub description: Option<String>,
    /// Who owns it (default: the creator): someone who may see it — a member of the
    /// team, a manager of it, or HR.
    #[oai(validator(max_length = 64))]
    pub owner_id: Option<String>,
    /// The day it is due.
    pub due_on: NaiveDate,
    /// Default `planned`.
    pub status: Option<Status>,
}

/// A change to an action: every field given is changed, the others are kept.
#[derive(Object, serde::Deserialize, Default)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct UpdateAction {
    #[oai(validator(
        max_length = 200,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
    ))]
    pub title: Option<String>,
    #[oai(validator(
        max_length = 5000,
        pattern = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"
    ))]
    pub description: Option<String>,
    #[oai(validator(max_length = 64))]
    pub owner_id: Option<String>,
    pub due_on: Option<NaiveDate>,
    /// Any move is allowed; `done` and `dropped` record the day.
    pub status: Option<Status>,
}

/// A dated update: what happened, and optionally the status it moves the action to.
#[derive(Object, serde::Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct NewActionUpdate {
    /// 1 to 2,000 characters; line breaks allowed.
    #[oai(validator(
        max_length = 2000,
        pattern = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"
    ))]
    pub text: String,
    pub status: Option<Status>,
}

#[derive(Object, Clone, Debug)]
pub struct PersonRef {
    pub id: String,
    pub name: String,
}

#[derive(Object, Clone, Debug)]
pub struct Action {
    pub id: String,
    /// Null: the whole organisation.
    pub team_id: Option<String>,
    /// The team's name; null for the organisation.
    pub team: Option<String>,
    pub driver: Option<Driver>,
    pub theme: Option<String>,
    pub suggestion_id: Option<String>,
    pub title: String,
    pub description: String,
    /// Null when nobody owns it.
    pub owner: Option<PersonRef>,
    pub due_on: NaiveDate,
    pub status: Status,
    /// The day it was marked done or dropped.
    pub closed_on: Option<NaiveDate>,
    /// Open and past its due day.
    pub overdue: bool,
    pub created_by: PersonRef,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Whether the caller may change it and add updates.
    pub can_edit: bool,
}

#[derive(Object, Clone, Debug)]
pub struct ActionUpdate {
    pub id: String,
    pub text: String,
    /// Set when the update changed the status.
    pub from_status: Option<Status>,
    pub to_status: Option<Status>,
    pub author: PersonRef,
    pub created_on: NaiveDate,
    pub created_at: NaiveDateTime,
}

#[derive(Object)]
pub struct ActionPage {
    /// Open overdue actions first (oldest due day first), then the other open ones by
    /// due day, then the closed ones, most recently closed first.
    pub items: Vec<Action>,
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
}

/// What to list: every field narrows the list.
#[derive(Default, Clone)]
pub struct Filter {
    /// One team's actions (not its subtree's); "organisation" is not a team id.
    pub team: Option<String>,
    /// Only the organisation's own actions.
    pub organisation: bool,
    pub status: Option<Status>,
    pub owner: Option<String>,
    pub overdue: bool,
}

/// What the data can say about a done action's effect.
#[derive(poem_openapi::Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[oai(rename = "EffectVerdict", rename_all = "snake_case")]
pub enum EffectVerdict {
    /// The action is not done (yet, or it was dropped).
    NotDone,
    /// No round before it released the group's scores.
    NoResultsBefore,
    /// No round after it released the group's scores (yet).
    NoResultsAfter,
    /// The last released round before and the first after are compared.
    Compared,
}

/// What the customer ratings around a done action say, per metric.
#[derive(poem_openapi::Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[oai(rename = "CxEffectVerdict", rename_all = "snake_case")]
pub enum CxVerdict {
    /// Fewer than 30 ratings on a side: not compared.
    TooFewRatings,
    /// The 95% interval of the change contains 0.
    NoClearChange,
    /// The 95% interval of the change excludes 0 (a before/after comparison, not a
    /// proof of cause).
    Changed,
}

/// One metric of the ratings of the teams served, before and after a done action.
#[derive(Object, Clone, Debug)]
pub struct CxEffect {
    pub metric: crate::cx::metrics::Metric,
    /// Ratings in the 90 days before the day the action was done.
    pub before_n: i64,
    /// CSAT: % of 4–5; NPS: % 9–10 − % 0–6; CES: the mean.
    pub before: Option<f64>,
    /// Ratings from that day, for up to 90 days (or until today).
    pub after_n: i64,
    pub after: Option<f64>,
    /// After − before, with its 95% interval; absent with too few ratings.
    pub change: Option<f64>,
    pub change_low: Option<f64>,
    pub change_high: Option<f64>,
    pub verdict: CxVerdict,
}

/// The action's group in one round, as that round's own release plan shows it.
#[derive(Object, Clone, Debug)]
pub struct EffectRound {
    pub round_id: String,
    pub survey: String,
    pub opens_at: NaiveDateTime,
    pub closes_at: NaiveDateTime,
    /// Whether the round's plan releases the group's scores (false: the values are
    /// absent).
    pub released: bool,
    pub n: Option<i64>,
    /// 0–100.
    pub engagement_index: Option<f64>,
    /// The index's 95% interval and the spread of the responses' indexes, as the
    /// round's report gives them (absent where it withholds them).
    pub engagement_index_low: Option<f64>,
    pub engagement_index_high: Option<f64>,
    pub engagement_index_sd: Option<f64>,
    /// The action's driver: the mean answer (1–5), where the round asked it.
    pub driver_mean: Option<f64>,
    /// Its 95% interval and the spread of the responses' driver scores, as the round's
    /// report gives them.
    pub driver_mean_low: Option<f64>,
    pub driver_mean_high: Option<f64>,
    pub driver_sd: Option<f64>,
    /// How many answers the driver's mean is over.
    pub driver_n: Option<i64>,
    /// The action's driver: percent of answers 4 or 5.
    pub driver_favorable: Option<f64>,
}

/// The action's team (or the organisation) in the rounds before and after the action
/// was done, each round under its own release plan.
#[derive(Object, Clone, Debug)]
pub struct ActionEffect {
    pub action_id: String,
    pub team_id: Option<String>,
    pub driver: Option<Driver>,
    /// The rounds that closed before it was done, the latest first, up to the first that
    /// releases the group's results (at most six).
    pub before: Vec<EffectRound>,
    /// The rounds that opened after it was done, the earliest first, up to the first
    /// that releases the group's results (at most six).
    pub after: Vec<EffectRound>,
    pub verdict: EffectVerdict,
    /// Engagement index of the first released round after minus the last before.
    pub engagement_change: Option<f64>,
    /// Its 95% interval: Welch's, as if the two rounds' respondents were independent
    /// samples. Many are the same people, and their answers go together, so the true
    /// interval is narrower: this one errs on the side of "no clear change".
    pub engagement_change_low: Option<f64>,
    pub engagement_change_high: Option<f64>,
    /// The driver's favourable share, the same two rounds.
    pub driver_favorable_change: Option<f64>,
    /// The driver's mean answer (1–5), the same two rounds, with its 95% interval
    /// (Welch's, as for the engagement index).
    pub driver_mean_change: Option<f64>,
    pub driver_mean_change_low: Option<f64>,
    pub driver_mean_change_high: Option<f64>,
    /// What the figures can and cannot say, in plain words.
    pub note: String,
    /// The teams whose customer ratings `cx` pools: the teams the action's team serves,
    /// or the team itself when it serves none; empty for the whole organisation.
    pub cx_teams: Vec<String>,
    /// The customer ratings before and after the day the action was done, per metric
    /// rated on either side; empty while the action is not done.
    pub cx: Vec<CxEffect>,
}
