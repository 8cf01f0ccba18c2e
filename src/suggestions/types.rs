//! The suggestion shapes the API exchanges and the web pages draw: a suggestion as raised
//! and as updated, as read (with its author, replies and the caller's vote), a page of
//! them and the list filter, and the manager view of frontline insights.

use chrono::NaiveDate;
use poem_openapi::{Enum, Object};

use crate::suggestions::workflow::{Status, Touchpoint};

#[derive(Object, serde::Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct CreateSuggestion {
    /// At most 140 characters.
    #[oai(validator(
        max_length = 140,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
    ))]
    pub title: String,
    /// At most 5,000 characters.
    #[oai(validator(
        max_length = 5000,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
    ))]
    pub body: String,
    pub touchpoint: Touchpoint,
    /// Which customers are affected (free text, at most 100 characters).
    #[oai(validator(max_length = 100, pattern = r"^[^\x00-\x1f\x7f-\x9f]*$"))]
    pub customer_segment: Option<String>,
    /// Anonymous: no author is stored, only the day, and the team is the nearest one
    /// (own or above) whose catchment — the people whose anonymous suggestions are filed
    /// there — holds at least k; below that, the organisation as a whole (no team);
    /// refused (422) where the whole organisation has fewer than k who could write it.
    /// Keep the follow-up code to read replies.
    pub anonymous: bool,
}

#[derive(Object, serde::Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct UpdateSuggestion {
    pub status: Status,
    /// The answer everyone who can see the suggestion reads (10 to 2,000 characters,
    /// not counting surrounding white space).
    #[oai(validator(max_length = 2000, pattern = r"^\s*\S[\s\S]{8,}\S\s*$"))]
    pub reply: String,
}

#[derive(Object, Clone)]
pub struct Author {
    pub id: String,
    pub name: String,
}

#[derive(Object)]
pub struct Reply {
    pub from_status: Status,
    pub to_status: Status,
    pub reply: String,
    pub replied_on: NaiveDate,
    pub replied_by: String,
}

#[derive(Object)]
pub struct Suggestion {
    pub id: String,
    /// The team it is filed at; null for an anonymous suggestion filed at the
    /// organisation as a whole (its author's part of the tree is too small to hide them).
    pub team_id: Option<String>,
    /// The team's name; null at the organisation.
    pub team: Option<String>,
    pub title: String,
    pub body: String,
    pub touchpoint: Touchpoint,
    pub customer_segment: Option<String>,
    pub anonymous: bool,
    /// Only for signed suggestions.
    pub author: Option<Author>,
    pub status: Status,
    pub votes: i32,
    pub voted_by_me: bool,
    /// The day it was raised.
    pub created_on: NaiveDate,
    pub replies: Vec<Reply>,
    /// An anonymous author's answers back, written with the follow-up code, in order.
    pub author_answers: Vec<AuthorAnswer>,
    /// Whether the anonymous author closed the conversation.
    pub author_closed: bool,
}

/// What an anonymous author wrote back: the text and its day only.
#[derive(Object)]
pub struct AuthorAnswer {
    pub text: String,
    pub written_on: NaiveDate,
    /// How many of the suggestion's replies came before it.
    pub after_replies: i64,
}

#[derive(Object)]
pub struct CreatedSuggestion {
    #[oai(flatten)]
    pub suggestion: Suggestion,
    /// Anonymous only, shown once, in five groups of four: read the replies and answer
    /// back at `GET|POST /api/v1/conversations/{code}` (or read them at
    /// `GET /api/v1/suggestions/followup/{code}`).
    pub followup_code: Option<String>,
}

#[derive(Object)]
pub struct SuggestionPage {
    pub items: Vec<Suggestion>,
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
}

#[derive(Object)]
pub struct VoteState {
    pub voted: bool,
    pub votes: i32,
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[oai(rename_all = "lowercase")]
pub enum Sort {
    Recent,
    Votes,
}

/// What to list: every field narrows the list; `sort` orders it.
#[derive(Default)]
pub struct Filter {
    pub team: Option<String>,
    pub touchpoint: Option<Touchpoint>,
    pub status: Option<Status>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub q: Option<String>,
    pub sort: Option<Sort>,
}

#[derive(Object)]
pub struct ThemeSummary {
    pub label: String,
    pub stems: Vec<String>,
    /// Suggestions of the period in this theme.
    pub count: i64,
    /// Up to three of them.
    pub example_ids: Vec<String>,
    /// Suggestions of the previous period of equal length sharing the theme's stems.
    pub previous_count: i64,
    /// count − previous_count.
    pub trend: i64,
}

#[derive(Object)]
pub struct Count {
    pub key: String,
    pub count: i64,
}

#[derive(Object)]
pub struct TopVoted {
    pub id: String,
    pub title: String,
    pub votes: i32,
    pub status: Status,
}

#[derive(Object)]
pub struct LoopClosureFigures {
    /// Share (0–1) of the period's suggestions answered within 7 days.
    pub answered_within_7_days: Option<f64>,
    /// Median days from being raised to the first reply, over those answered.
    pub median_days_to_first_reply: Option<f64>,
    /// Suggestions without a reply raised more than 14 days ago.
    pub waiting_over_14_days: i64,
}

#[derive(Object)]
pub struct FrontlineInsights {
    pub team_id: Option<String>,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub total: i64,
    pub themes: Vec<ThemeSummary>,
    pub touchpoints: Vec<Count>,
    pub statuses: Vec<Count>,
    pub top_voted: Vec<TopVoted>,
    pub loop_closure: LoopClosureFigures,
}
