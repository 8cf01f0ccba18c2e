//! Rows of the suggestion tables.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::{suggestion_events, suggestions};

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = suggestions)]
pub struct SuggestionRow {
    pub id: String,
    /// None: an anonymous suggestion filed at the organisation as a whole.
    pub team_id: Option<String>,
    /// None for anonymous suggestions.
    pub author_id: Option<String>,
    pub title: String,
    pub body: String,
    pub touchpoint: String,
    pub customer_segment: Option<String>,
    pub anonymous: bool,
    pub status: String,
    pub votes: i32,
    pub created_on: NaiveDate,
    /// None for anonymous suggestions: only the day is kept.
    pub created_at: Option<NaiveDateTime>,
    pub followup_hash: Option<String>,
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = suggestion_events)]
pub struct EventRow {
    pub id: String,
    pub suggestion_id: String,
    pub from_status: String,
    pub to_status: String,
    pub reply: String,
    pub replied_by: String,
    pub replied_on: NaiveDate,
    pub replied_at: NaiveDateTime,
}
