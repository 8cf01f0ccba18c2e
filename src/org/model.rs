//! Rows of the organisation tables and the forms that insert or change them.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::{people, team_managers, team_serves, teams};
use crate::org::domain::TeamKind;

/// A team as stored: read with `TeamRow::as_select()` and inserted as it is, so the
/// columns are listed once for both.
#[derive(Queryable, Selectable, Insertable, Identifiable, Debug, Clone)]
#[diesel(table_name = teams)]
pub struct TeamRow {
    pub id: String,
    pub name: String,
    pub parent_id: Option<String>,
    pub kind: String,
    pub team_key: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl TeamRow {
    /// A team of `kind` with a fresh random id and no key; callers set what differs
    /// with `..`.
    pub fn new(
        name: String,
        parent_id: Option<String>,
        kind: TeamKind,
        at: NaiveDateTime,
    ) -> TeamRow {
        TeamRow {
            id: uuid::Uuid::new_v4().to_string(),
            name,
            parent_id,
            kind: kind.as_str().into(),
            team_key: None,
            created_at: at,
            updated_at: at,
        }
    }
}

#[derive(AsChangeset, Debug, Default)]
#[diesel(table_name = teams)]
pub struct TeamChanges {
    pub name: Option<String>,
    pub parent_id: Option<Option<String>>,
    pub kind: Option<String>,
    pub team_key: Option<Option<String>>,
    pub updated_at: Option<NaiveDateTime>,
}

/// A person as stored: read with `PersonRow::as_select()` and inserted as it is, so the
/// columns are listed once for both.
#[derive(Queryable, Selectable, Insertable, Identifiable, Debug, Clone)]
#[diesel(table_name = people)]
pub struct PersonRow {
    pub id: String,
    /// Absent for someone reached by phone, by a kiosk code or by employee number only.
    pub email: Option<String>,
    pub name: String,
    pub team_id: Option<String>,
    pub is_hr: bool,
    pub is_admin: bool,
    pub location: Option<String>,
    pub job_family: Option<String>,
    pub start_date: Option<NaiveDate>,
    pub language: String,
    pub password_hash: Option<String>,
    pub token_version: i32,
    pub active: bool,
    pub activation_hash: Option<String>,
    pub activation_expires_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// When the person was erased: the row then holds no personal data.
    pub erased_at: Option<NaiveDateTime>,
    /// A mobile number in international form (`+` and digits), for SMS.
    pub phone: Option<String>,
    pub employee_number: Option<String>,
}

impl PersonRow {
    /// An active employee with a fresh random id and no team, roles, attributes,
    /// password or activation token; callers set what differs with `..`.
    pub fn new(email: Option<String>, name: String, at: NaiveDateTime) -> PersonRow {
        PersonRow {
            id: uuid::Uuid::new_v4().to_string(),
            email,
            name,
            team_id: None,
            is_hr: false,
            is_admin: false,
            location: None,
            job_family: None,
            start_date: None,
            language: "en".into(),
            password_hash: None,
            token_version: 0,
            active: true,
            activation_hash: None,
            activation_expires_at: None,
            created_at: at,
            updated_at: at,
            erased_at: None,
            phone: None,
            employee_number: None,
        }
    }
}

#[derive(AsChangeset, Debug, Default, Clone)]
#[diesel(table_name = people)]
pub struct PersonChanges {
    pub name: Option<String>,
    pub team_id: Option<Option<String>>,
    pub is_hr: Option<bool>,
    pub is_admin: Option<bool>,
    pub location: Option<Option<String>>,
    pub job_family: Option<Option<String>>,
    pub start_date: Option<Option<NaiveDate>>,
    pub language: Option<String>,
    pub email: Option<Option<String>>,
    pub phone: Option<Option<String>>,
    pub employee_number: Option<Option<String>>,
    pub updated_at: Option<NaiveDateTime>,
}

impl PersonChanges {
    /// Whether writing these changes would alter `row` (`updated_at` aside): an import
    /// that finds a person as its row describes them writes nothing.
    pub fn alter(&self, row: &PersonRow) -> bool {
        fn differs<T: PartialEq>(new: &Option<T>, old: &T) -> bool {
            new.as_ref().is_some_and(|n| n != old)
        }
        differs(&self.name, &row.name)
            || differs(&self.team_id, &row.team_id)
            || differs(&self.is_hr, &row.is_hr)
            || differs(&self.is_admin, &row.is_admin)
            || differs(&self.location, &row.location)
            || differs(&self.job_family, &row.job_family)
            || differs(&self.start_date, &row.start_date)
            || differs(&self.language, &row.language)
            || differs(&self.email, &row.email)
            || differs(&self.phone, &row.phone)
            || differs(&self.employee_number, &row.employee_number)
    }
}

#[derive(Insertable, Queryable, Debug, Clone)]
#[diesel(table_name = team_managers)]
pub struct TeamManager {
    pub team_id: String,
    pub person_id: String,
}

#[derive(Insertable, Queryable, Debug, Clone)]
#[diesel(table_name = team_serves)]
pub struct TeamServes {
    pub team_id: String,
    pub served_team_id: String,
    pub weight: f64,
}
