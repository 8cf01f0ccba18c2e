//! Rows of the action tables.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::{action_updates, actions};

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = actions)]
pub struct ActionRow {
    pub id: String,
    /// None: the whole organisation.
    pub team_id: Option<String>,
    pub driver: Option<String>,
    pub theme: Option<String>,
    pub suggestion_id: Option<String>,
    pub title: String,
    pub description: String,
    /// None: nobody owns it (its owner was erased and it has no team manager).
    pub owner_id: Option<String>,
    pub due_on: NaiveDate,
    pub status: String,
    /// The day it was marked done or dropped.
    pub closed_on: Option<NaiveDate>,
    /// The moment it was marked done or dropped.
    pub closed_at: Option<NaiveDateTime>,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = action_updates)]
pub struct UpdateRow {
    pub id: String,
    pub action_id: String,
    pub body: String,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub author_id: String,
    pub created_on: NaiveDate,
    pub created_at: NaiveDateTime,
}
