//! The people import's reads and writes in bulk. An import of 100,000 rows asked the
//! database who holds each row's e-mail address, employee number and phone number, then
//! wrote the new person, cancelled their queued invitations, checked their address and
//! queued the invitation, or read and rewrote the person it found: half a dozen
//! statements a row, each a round trip to PostgreSQL. Here everyone's row is read once
//! into [`Holders`] (with who holds which identifier), kept current as rows are
//! written; new people, their invitations and their manager places are written a chunk
//! at a time ([`NewPeople`]); and a person the row describes as stored is not written
//! at all ([`crate::org::model::PersonChanges::alter`]).
//!
//! Everything runs inside the import's transaction, so what [`Holders`] read at its
//! start plus what the import itself wrote is what the per-row queries would have seen
//! (on PostgreSQL, a person another transaction commits meanwhile is not seen; the
//! unique e-mail column still refuses a second holder, failing the whole import).

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::schema::{people, team_managers};
use crate::error::ApiError;
use crate::notify::model::OutboxRow;
use crate::org::domain::{Identifiers, natural_key};
use crate::org::model::PersonRow;

/// Rows a statement writes at most (PostgreSQL takes at most 65,535 parameters; a person
/// is 21).
const CHUNK: usize = 500;

/// The identifiers a person holds: e-mail address (compared whatever its case),
/// employee number and phone number.
pub type Held = (Option<String>, Option<String>, Option<String>);

/// Who holds each identifier value, and everyone's row as the import found it. A phone
/// number may be shared (a work number), so each value maps to every holder.
#[derive(Default)]
pub struct Holders {
    email: HashMap<String, Vec<String>>,
    employee_number: HashMap<String, Vec<String>>,
    phone: HashMap<String, Vec<String>>,
    /// The rows as read at the start, less those the import has changed since.
    rows: HashMap<String, PersonRow>,
}

impl Holders {
    /// Everyone, erased people included (an erased row holds no identifier).
    pub fn load(conn: &mut AnyConnection) -> Result<Holders, ApiError> {
        let rows: Vec<PersonRow> = people::table.select(PersonRow::as_select()).load(conn)?;
        let mut holders = Holders::default();
        for row in rows {
            holders.add(&row.id, &held(&row));
            holders.rows.insert(row.id.clone(), row);
        }
        Ok(holders)
    }

    /// Person `id` as stored now: as read at the start, or read again once the import
    /// has changed them.
    pub fn row(&self, conn: &mut AnyConnection, id: &str) -> Result<Option<PersonRow>, ApiError> {
        match self.rows.get(id) {
            Some(row) => Ok(Some(row.clone())),
            None => crate::org::store::find_person(conn, id),
        }
    }

    /// Person `id` was changed from `before` to hold `after`.
    pub fn changed(&mut self, id: &str, before: &Held, after: &Held) {
        self.rows.remove(id);
        self.remove(id, before);
        self.add(id, after);
    }

    fn map(&mut self, field: &str) -> &mut HashMap<String, Vec<String>> {
        match field {
            "email" => &mut self.email,
            "employee_number" => &mut self.employee_number,
            _ => &mut self.phone,
        }
    }

    fn holders_of(&self, field: &str, value: &str) -> &[String] {
        let map = match field {
            "email" => &self.email,
            "employee_number" => &self.employee_number,
            _ => &self.phone,
        };
        map.get(&Self::key(field, value))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    fn key(field: &str, value: &str) -> String {
        if field == "email" {
            value.to_lowercase()
        } else {
            value.to_owned()
        }
    }

    fn values(held: &Held) -> [(&'static str, Option<&str>); 3] {
        [
            ("email", held.0.as_deref()),
            ("employee_number", held.1.as_deref()),
            ("phone", held.2.as_deref()),
        ]
    }

    /// Records that person `id` (a new one, or a changed one) holds `held`.
    pub fn add(&mut self, id: &str, held: &Held) {
        for (field, value) in Self::values(held) {
            if let Some(v) = value {
                self.map(field)
                    .entry(Self::key(field, v))
                    .or_default()
                    .push(id.to_owned());
            }
        }
    }

    /// Records that person `id` no longer holds `held`.
    fn remove(&mut self, id: &str, held: &Held) {
        for (field, value) in Self::values(held) {
            if let Some(v) = value {
                let key = Self::key(field, v);
                let map = self.map(field);
                if let Some(ids) = map.get_mut(&key) {
                    ids.retain(|h| h != id);
                    if ids.is_empty() {
                        map.remove(&key);
                    }
                }
            }
        }
    }

    /// The one person `ids` names, by whichever identifiers it gives; `Err(field)` when
    /// `field` names someone other than an earlier identifier does, or more than one
    /// person (a work number colleagues share).
    pub fn find(&self, ids: &Identifiers) -> Result<Option<String>, &'static str> {
        let mut found: Option<String> = None;
        for (field, value) in ids.given() {
            match (&found, self.holders_of(field, value)) {
                (_, [_, _, ..]) => return Err(field),
                (Some(a), [b]) if a != b => return Err(field),
                (None, [b]) => found = Some(b.clone()),
                _ => {}
            }
        }
        Ok(found)
    }
}

/// What a person holds as stored.
pub fn held(row: &PersonRow) -> Held {
    (
        row.email.clone(),
        row.employee_number.clone(),
        row.phone.clone(),
    )
}

/// New people waiting to be written, with their invitations and the teams they manage.
/// People go first: the other two refer to them.
#[derive(Default)]
pub struct NewPeople {
    people: Vec<PersonRow>,
    invitations: Vec<OutboxRow>,
    managers: Vec<(String, String)>,
    ids: HashSet<String>,
}

impl NewPeople {
    /// Adds a new person, their invitation (if they have an address to send it to) and
    /// the team they manage; writes the chunk once it is full.
    pub fn push(
        &mut self,
        conn: &mut AnyConnection,
        person: PersonRow,
        invitation: Option<OutboxRow>,
        manages: Option<String>,
    ) -> Result<(), ApiError> {
        self.ids.insert(person.id.clone());
        if let Some(team) = manages {
            self.managers.push((team, person.id.clone()));
        }
        self.invitations.extend(invitation);
        self.people.push(person);
        if self.people.len() >= CHUNK {
            self.flush(conn)?;
        }
        Ok(())
    }

    /// Whether person `id` is waiting to be written.
    pub fn holds(&self, id: &str) -> bool {
        self.ids.contains(id)
    }

    /// Writes everything waiting.
    pub fn flush(&mut self, conn: &mut AnyConnection) -> Result<(), ApiError> {
        insert_people(conn, &self.people)?;
        insert_managers(conn, &self.managers)?;
        crate::notify::store::enqueue(conn, &self.invitations)?;
        self.people.clear();
        self.managers.clear();
        self.invitations.clear();
        self.ids.clear();
        Ok(())
    }
}

/// Inserts `rows` (with their sort keys): on PostgreSQL a chunk a statement, on SQLite
/// (in the process, where a statement costs no round trip) one at a time.
fn insert_people(conn: &mut AnyConnection, rows: &[PersonRow]) -> Result<(), ApiError> {
    let keyed = |p: &PersonRow| people::name_key.eq(natural_key(&p.name));
    match conn {
        AnyConnection::Sqlite(c) => {
            for p in rows {
                diesel::insert_into(people::table)
                    .values((p, keyed(p)))
                    .execute(c)?;
            }
        }
        AnyConnection::Postgresql(c) => {
            for chunk in rows.chunks(CHUNK) {
                let values: Vec<_> = chunk.iter().map(|p| (p, keyed(p))).collect();
                diesel::insert_into(people::table)
                    .values(values)
                    .execute(c)?;
            }
        }
    }
    Ok(())
}

/// Makes each (team, person) pair a manager place; the people are new, so none exists.
fn insert_managers(conn: &mut AnyConnection, pairs: &[(String, String)]) -> Result<(), ApiError> {
    let row = |(team, person): &(String, String)| {
        (
            team_managers::team_id.eq(team.clone()),
            team_managers::person_id.eq(person.clone()),
        )
    };
    match conn {
        AnyConnection::Sqlite(c) => {
            for pair in pairs {
                diesel::insert_into(team_managers::table)
                    .values(row(pair))
                    .execute(c)?;
            }
        }
        AnyConnection::Postgresql(c) => {
            for chunk in pairs.chunks(CHUNK) {
                let values: Vec<_> = chunk.iter().map(row).collect();
                diesel::insert_into(team_managers::table)
                    .values(values)
                    .execute(c)?;
            }
        }
    }
    Ok(())
}
