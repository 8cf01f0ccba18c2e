//! Rows of the survey tables and the anonymous tables.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use poem_openapi::Enum;

use crate::db::schema::{answers, responses, round_invitees, rounds, survey_questions, surveys};

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = surveys)]
pub struct SurveyRow {
    pub id: String,
    pub title: String,
    /// Comma-separated subset of `location,job_family,tenure`, in that order.
    pub cuts: String,
    pub starts_on: NaiveDate,
    pub cadence: String,
    pub window_days: i32,
    pub ends_on: Option<NaiveDate>,
    pub min_group: i32,
    pub archived: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Automatic reminders each round sends to those who have not answered (0 to 3).
    pub reminders: i32,
    /// The title in Russian; "" when there is none (the English one is shown).
    pub title_ru: String,
}

impl SurveyRow {
    /// The title in language `lang` (`en`, `ru`), the English one when untranslated.
    pub fn title(&self, lang: &str) -> &str {
        if lang == "ru" && !self.title_ru.is_empty() {
            &self.title_ru
        } else {
            &self.title
        }
    }
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = survey_questions)]
pub struct QuestionRow {
    pub id: String,
    pub survey_id: String,
    pub position: i32,
    pub kind: String,
    pub driver: String,
    pub required: bool,
    pub bank_item: Option<String>,
    pub text_en: String,
    pub text_ru: String,
    /// JSON array of option labels, for `choice` questions.
    pub options: Option<String>,
    /// JSON array of the options in Russian, in the order of `options`; `None` when
    /// untranslated. The English options stay the values answers store.
    pub options_ru: Option<String>,
}

impl QuestionRow {
    pub fn options_list(&self) -> Vec<String> {
        self.options
            .as_deref()
            .and_then(|o| serde_json::from_str(o).ok())
            .unwrap_or_default()
    }

    /// The options as an answerer reading `lang` sees them, in the order of
    /// [`Self::options_list`] (whose values the answers carry).
    pub fn option_labels(&self, lang: &str) -> Vec<String> {
        let ru: Vec<String> = self
            .options_ru
            .as_deref()
            .filter(|_| lang == "ru")
            .and_then(|o| serde_json::from_str(o).ok())
            .unwrap_or_default();
        let en = self.options_list();
        if ru.len() == en.len() { ru } else { en }
    }

    pub fn options_ru_list(&self) -> Vec<String> {
        self.options_ru
            .as_deref()
            .and_then(|o| serde_json::from_str(o).ok())
            .unwrap_or_default()
    }

    pub fn text(&self, lang: &str) -> &str {
        if lang == "ru" && !self.text_ru.is_empty() {
            &self.text_ru
        } else {
            &self.text_en
        }
    }
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = rounds)]
pub struct RoundRow {
    pub id: String,
    pub survey_id: String,
    pub sequence: i32,
    pub slot: Option<i32>,
    pub opens_at: NaiveDateTime,
    pub closes_at: NaiveDateTime,
    pub closed_early_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    /// When the round's sealed ballots were opened and written as responses (at close).
    pub materialised_at: Option<NaiveDateTime>,
    /// When the retention purge deleted the round's answer values (its reports are gone).
    pub answers_purged_at: Option<NaiveDateTime>,
    /// When the retention purge deleted the round's comments.
    pub comments_purged_at: Option<NaiveDateTime>,
}

impl RoundRow {
    pub fn is_open(&self, now: NaiveDateTime) -> bool {
        self.opens_at <= now && now < self.closes_at
    }

    /// The round as its survey's schedule sees it.
    pub fn held(&self) -> crate::surveys::schedule::Held {
        crate::surveys::schedule::Held {
            slot: self.slot,
            opens_at: self.opens_at,
            closes_at: self.closes_at,
        }
    }
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = round_invitees)]
pub struct InviteeRow {
    pub round_id: String,
    pub person_id: String,
    pub team_id: String,
    pub location: Option<String>,
    pub job_family: Option<String>,
    pub tenure: Option<String>,
}

// `treat_none_as_null`: a `None` is bound as NULL instead of leaving the column out, so a
// row's INSERT has one text whatever its values and the connection's prepared-statement
// cache can reuse it (the writer inserts these one by one on SQLite).
#[derive(Insertable, Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = responses, treat_none_as_null = true)]
pub struct ResponseRow {
    pub id: String,
    pub round_id: String,
    pub team_id: String,
    pub location: Option<String>,
    pub job_family: Option<String>,
    pub tenure: Option<String>,
}

#[derive(Insertable, Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = answers, treat_none_as_null = true)]
pub struct AnswerRow {
    pub response_id: String,
    pub question_id: String,
    pub value: Option<f64>,
    pub choice: Option<String>,
    pub text: Option<String>,
}

/// The cuts a survey may collect, in storage order.
pub const CUTS: [&str; 3] = ["location", "job_family", "tenure"];

/// Which of the three cuts a stored `cuts` string collects.
pub fn cuts_mask(cuts: &str) -> [bool; 3] {
    let set: Vec<&str> = cuts.split(',').map(str::trim).collect();
    [0, 1, 2].map(|i| set.contains(&CUTS[i]))
}

/// A segmentation cut a survey may collect.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Cut {
    Location,
    JobFamily,
    /// Reported as a band: <1y, 1-2y, 2-5y, 5y+.
    Tenure,
}

impl Cut {
    pub fn as_str(self) -> &'static str {
        match self {
            Cut::Location => "location",
            Cut::JobFamily => "job_family",
            Cut::Tenure => "tenure",
        }
    }
}
