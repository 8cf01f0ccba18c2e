//! Queries on the organisation tables. Plain functions on a connection; the caller
//! decides the transaction. The team tree is small (hundreds to a few thousand teams),
//! so tree questions are answered in memory from one query.

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;

use crate::db::schema::{
    actions, cx_ratings, people, responses, round_invitees, round_teams, suggestions,
    survey_audience, team_managers, team_serves, teams,
};
use crate::db::{AnyConnection, coalesce, lower, lower_nullable};
use crate::error::ApiError;
use crate::org::domain::{PersonStatus, natural_key};
use crate::org::model::{PersonChanges, PersonRow, TeamChanges, TeamRow, TeamServes};

/// (id, parent id, name, key for imports) of a team.
pub type TeamRef = (String, Option<String>, String, Option<String>);

/// Every team as imports resolve team references ([`crate::org::import::TeamRefs`]).
pub fn team_refs(conn: &mut AnyConnection) -> Result<Vec<TeamRef>, ApiError> {
    Ok(teams::table
        .select((teams::id, teams::parent_id, teams::name, teams::team_key))
        .load(conn)?)
}

/// The team tree: each team's parent, name and children.
pub struct TeamTree {
    parent: HashMap<String, Option<String>>,
    children: HashMap<String, Vec<String>>,
    name: HashMap<String, String>,
}

impl TeamTree {
    pub fn load(conn: &mut AnyConnection) -> Result<TeamTree, ApiError> {
        let rows: Vec<(String, Option<String>, String)> = teams::table
            .select((teams::id, teams::parent_id, teams::name))
            .load(conn)?;
        Ok(TeamTree::from_rows(rows))
    }

    pub fn from_rows(rows: Vec<(String, Option<String>, String)>) -> TeamTree {
        let mut parent = HashMap::new();
        let mut children: HashMap<String, Vec<String>> = HashMap::new();
        let mut name = HashMap::new();
        for (id, p, n) in rows {
            if let Some(p) = &p {
                children.entry(p.clone()).or_default().push(id.clone());
            }
            parent.insert(id.clone(), p);
            name.insert(id, n);
        }
        TeamTree {
            parent,
            children,
            name,
        }
    }

    pub fn contains(&self, id: &str) -> bool {
        self.parent.contains_key(id)
    }

    /// The given teams and all their descendants.
    pub fn subtrees<'a>(&self, roots: impl IntoIterator<Item = &'a String>) -> HashSet<String> {
        let mut out = HashSet::new();
        let mut stack: Vec<String> = roots.into_iter().cloned().collect();
        while let Some(id) = stack.pop() {
            if out.insert(id.clone())
                && let Some(kids) = self.children.get(&id)
            {
                stack.extend(kids.iter().cloned());
            }
        }
        out
    }

    /// The team itself and its ancestors up to the root, nearest first.
    pub fn ancestors_inclusive(&self, id: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut cur = Some(id.to_owned());
        while let Some(c) = cur {
            if out.contains(&c) || !self.contains(&c) {
                break;
            }
            cur = self.parent.get(&c).cloned().flatten();
            out.push(c);
        }
        out
    }

    /// Whether making `new_parent` the parent of `team` would put `team` among its own
    /// ancestors.
    pub fn would_cycle(&self, team: &str, new_parent: &str) -> bool {
        self.ancestors_inclusive(new_parent)
            .iter()
            .any(|a| a == team)
    }

    /// Resolves a path of team names from a root (`Sales/EMEA`), case-insensitively.
    pub fn resolve_path(&self, path: &str) -> Option<String> {
        let mut current: Option<String> = None;
        for part in path.split('/').map(str::trim).filter(|p| !p.is_empty()) {
            let candidates: Vec<&String> = match &current {
                None => self
                    .parent
                    .iter()
                    .filter(|(_, p)| p.is_none())
                    .map(|(id, _)| id)
                    .collect(),
                Some(c) => self
                    .children
                    .get(c)
                    .map(|v| v.iter().collect())
                    .unwrap_or_default(),
            };
            let found: Vec<&String> = candidates
                .into_iter()
                .filter(|id| {
                    self.name
                        .get(*id)
                        .is_some_and(|n| n.to_lowercase() == part.to_lowercase())
                })
                .collect();
            if found.len() != 1 {
                return None;
            }
            current = Some(found[0].clone());
        }
        current
    }
}

pub fn managed_team_ids(
    conn: &mut AnyConnection,
    person_id: &str,
) -> Result<Vec<String>, ApiError> {
    Ok(team_managers::table
        .filter(team_managers::person_id.eq(person_id))
        .select(team_managers::team_id)
        .order(team_managers::team_id)
        .load(conn)?)
}

pub fn team_manager_ids(conn: &mut AnyConnection, team_id: &str) -> Result<Vec<String>, ApiError> {
    Ok(team_managers::table
        .filter(team_managers::team_id.eq(team_id))
        .select(team_managers::person_id)
        .order(team_managers::person_id)
        .load(conn)?)
}

pub fn team_serves_list(
    conn: &mut AnyConnection,
    team_id: &str,
) -> Result<Vec<TeamServes>, ApiError> {
    Ok(team_serves::table
        .filter(team_serves::team_id.eq(team_id))
        .order(team_serves::served_team_id)
        .load(conn)?)
}

pub fn find_team(conn: &mut AnyConnection, id: &str) -> Result<Option<TeamRow>, ApiError> {
    Ok(teams::table
        .find(id)
        .select(TeamRow::as_select())
        .first(conn)
        .optional()?)
}

/// Every team by name (for pickers), at most `limit`.
pub fn all_teams(conn: &mut AnyConnection, limit: i64) -> Result<Vec<TeamRow>, ApiError> {
    Ok(teams::table
        .order((teams::name, teams::id))
        .limit(limit)
        .select(TeamRow::as_select())
        .load(conn)?)
}

pub fn find_person(conn: &mut AnyConnection, id: &str) -> Result<Option<PersonRow>, ApiError> {
    Ok(people::table
        .find(id)
        .select(PersonRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn find_person_by_email(
    conn: &mut AnyConnection,
    email: &str,
) -> Result<Option<PersonRow>, ApiError> {
    Ok(people::table
        .filter(people::email.eq(email))
        .select(PersonRow::as_select())
        .first(conn)
        .optional()?)
}

/// Whom a sign-in names: the person with this e-mail address (any case), or, for
/// `account` without an `@`, the person without an e-mail address with this employee
/// number.
pub fn find_person_to_sign_in(
    conn: &mut AnyConnection,
    account: &str,
) -> Result<Option<PersonRow>, ApiError> {
    if account.contains('@') {
        return find_person_by_email(conn, &account.to_lowercase());
    }
    Ok(people::table
        .filter(people::employee_number.eq(account))
        .filter(people::email.is_null())
        .select(PersonRow::as_select())
        .first(conn)
        .optional()?)
}

/// Who (at most two people) has `value` as their `field`: `email` (without regard to
/// case), `employee_number` or `phone`.
fn holders(conn: &mut AnyConnection, field: &str, value: &str) -> Result<Vec<String>, ApiError> {
    let q = people::table.select(people::id).limit(2).into_boxed();
    let q = match field {
        "email" => q.filter(lower_nullable(people::email).eq(value.to_lowercase())),
        "employee_number" => q.filter(people::employee_number.eq(value.to_owned())),
        _ => q.filter(people::phone.eq(value.to_owned())),
    };
    Ok(q.load(conn)?)
}

/// Which of a person's identifiers (`email`, `employee_number`, `phone`) someone other
/// than `except` already has: the field's name, for a 409 that names it.
pub fn identifier_taken(
    conn: &mut AnyConnection,
    ids: &crate::org::domain::Identifiers,
    except: Option<&str>,
) -> Result<Option<&'static str>, ApiError> {
    for (field, value) in ids.given() {
        if holders(conn, field, value)?
            .iter()
            .any(|h| Some(h.as_str()) != except)
        {
            return Ok(Some(field));
        }
    }
    Ok(None)
}

/// Whether a team other than `except` already has the key `key`.
pub fn team_key_taken(
    conn: &mut AnyConnection,
    key: &str,
    except: Option<&str>,
) -> Result<bool, ApiError> {
    let mut q = teams::table.filter(teams::team_key.eq(key)).into_boxed();
    if let Some(id) = except {
        q = q.filter(teams::id.ne(id));
    }
    let taken: i64 = q.count().get_result(conn)?;
    Ok(taken > 0)
}

pub fn insert_team(conn: &mut AnyConnection, team: &TeamRow) -> Result<(), ApiError> {
    diesel::insert_into(teams::table)
        .values(team)
        .execute(conn)?;
    Ok(())
}

pub fn update_team(
    conn: &mut AnyConnection,
    id: &str,
    changes: &TeamChanges,
) -> Result<(), ApiError> {
    diesel::update(teams::table.find(id))
        .set(changes)
        .execute(conn)?;
    Ok(())
}

/// One page of teams by name, and how many there are in all: only those in `visible`
/// (all when `None`) and, given a `parent`, only its direct children.
pub fn page_teams(
    conn: &mut AnyConnection,
    visible: Option<&HashSet<String>>,
    parent: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<(i64, Vec<TeamRow>), ApiError> {
    let build = || {
        let mut q = teams::table.into_boxed();
        if let Some(v) = visible {
            q = q.filter(teams::id.eq_any(v.iter().cloned().collect::<Vec<_>>()));
        }
        if let Some(p) = parent {
            q = q.filter(teams::parent_id.eq(p.to_owned()));
        }
        q
    };
    let total: i64 = build().count().get_result(conn)?;
    let rows: Vec<TeamRow> = build()
        .select(TeamRow::as_select())
        .order((teams::name, teams::id))
        .limit(limit)
        .offset(offset)
        .load(conn)?;
    Ok((total, rows))
}

/// Which people a page lists.
pub struct PeopleFilter<'a> {
    /// Only people of these teams (all when `None`).
    pub allowed: Option<&'a HashSet<String>>,
    /// Deactivated people too (a `status` decides on its own).
    pub include_inactive: bool,
    pub status: Option<PersonStatus>,
    /// Lower-cased name or e-mail `LIKE` this.
    pub pattern: Option<&'a str>,
}

/// One page of people by name under `filter`, and how many there are in all.
pub fn page_people(
    conn: &mut AnyConnection,
    filter: &PeopleFilter<'_>,
    limit: i64,
    offset: i64,
) -> Result<(i64, Vec<PersonRow>), ApiError> {
    let build = || {
        let mut q = people::table.into_boxed();
        if let Some(a) = filter.allowed {
            q = q.filter(people::team_id.eq_any(a.iter().cloned().collect::<Vec<_>>()));
        }
        match filter.status {
            None if !filter.include_inactive => q = q.filter(people::active.eq(true)),
            None => {}
            Some(PersonStatus::Active) => {
                q = q
                    .filter(people::active.eq(true))
                    .filter(people::password_hash.is_not_null())
            }
            Some(PersonStatus::Invited) => {
                q = q
                    .filter(people::active.eq(true))
                    .filter(people::password_hash.is_null())
            }
            Some(PersonStatus::Deactivated) => {
                q = q
                    .filter(people::active.eq(false))
                    .filter(people::erased_at.is_null())
            }
            Some(PersonStatus::Erased) => q = q.filter(people::erased_at.is_not_null()),
        }
        if let Some(p) = filter.pattern {
            q = q.filter(
                lower(people::name)
                    .like(p.to_owned())
                    .or(people::email.like(p.to_owned()))
                    .or(lower_nullable(people::employee_number).like(p.to_owned()))
                    .or(people::phone.like(p.to_owned())),
            );
        }
        q
    };
    let total: i64 = build().count().get_result(conn)?;
    let rows: Vec<PersonRow> = build()
        .select(PersonRow::as_select())
        .order((coalesce(people::name_key, lower(people::name)), people::id))
        .limit(limit)
        .offset(offset)
        .load(conn)?;
    Ok((total, rows))
}

pub fn insert_person(conn: &mut AnyConnection, person: &PersonRow) -> Result<(), ApiError> {
    diesel::insert_into(people::table)
        .values((person, people::name_key.eq(natural_key(&person.name))))
        .execute(conn)?;
    Ok(())
}

pub fn update_person(
    conn: &mut AnyConnection,
    id: &str,
    changes: &PersonChanges,
) -> Result<(), ApiError> {
    let name_key = changes
        .name
        .as_ref()
        .map(|name| people::name_key.eq(natural_key(name)));
    diesel::update(people::table.find(id))
        .set((changes, name_key))
        .execute(conn)?;
    Ok(())
}

/// A person's own settings: whether they turned pulse reminders off, and their own
/// time zone (an IANA name), if they chose one.
pub fn settings(conn: &mut AnyConnection, id: &str) -> Result<(bool, Option<String>), ApiError> {
    Ok(people::table
        .find(id)
        .select((people::reminders_off, people::time_zone))
        .first::<(bool, Option<String>)>(conn)
        .optional()?
        .unwrap_or((false, None)))
}

pub fn set_reminders_off(conn: &mut AnyConnection, id: &str, off: bool) -> Result<(), ApiError> {
    diesel::update(people::table.find(id))
        .set(people::reminders_off.eq(off))
        .execute(conn)?;
    Ok(())
}

pub fn set_time_zone(
    conn: &mut AnyConnection,
    id: &str,
    zone: Option<String>,
) -> Result<(), ApiError> {
    diesel::update(people::table.find(id))
        .set(people::time_zone.eq(zone))
        .execute(conn)?;
    Ok(())
}

/// Writes the sort key of people written without one (by bulk inserts, or by a
/// previous version during an upgrade), at most `batch` of them; returns how many.
pub fn fill_name_keys(conn: &mut AnyConnection, batch: i64) -> Result<usize, ApiError> {
    let rows: Vec<(String, String)> = people::table
        .filter(people::name_key.is_null())
        .select((people::id, people::name))
        .limit(batch)
        .load(conn)?;
    for (id, name) in &rows {
        diesel::update(people::table.find(id))
            .set(people::name_key.eq(natural_key(name)))
            .execute(conn)?;
    }
    Ok(rows.len())
}

/// Deactivates a person: no sign-in, every token of theirs revoked (the token version
/// is bumped), no pending activation, and no team managed any more.
pub fn deactivate_person(
    conn: &mut AnyConnection,
    id: &str,
    at: chrono::NaiveDateTime,
) -> Result<(), ApiError> {
    diesel::update(people::table.find(id))
        .set((
            people::active.eq(false),
            people::token_version.eq(people::token_version + 1),
            people::activation_hash.eq(None::<String>),
            people::updated_at.eq(at),
        ))
        .execute(conn)?;
    diesel::delete(team_managers::table.filter(team_managers::person_id.eq(id))).execute(conn)?;
    Ok(())
}

/// Gives a person a new activation token (by its hash); an earlier one stops working.
pub fn set_activation(
    conn: &mut AnyConnection,
    id: &str,
    hash: String,
    expires: chrono::NaiveDateTime,
    at: chrono::NaiveDateTime,
) -> Result<(), ApiError> {
    diesel::update(people::table.find(id))
        .set((
            people::activation_hash.eq(Some(hash)),
            people::activation_expires_at.eq(Some(expires)),
            people::updated_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Sets the language a person reads pages and questions in.
pub fn set_language(
    conn: &mut AnyConnection,
    person_id: &str,
    lang: crate::org::domain::Language,
) -> Result<(), ApiError> {
    diesel::update(people::table.find(person_id))
        .set((
            people::language.eq(lang.as_str()),
            people::updated_at.eq(crate::clock::now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Replaces a team's managers.
pub fn set_managers(
    conn: &mut AnyConnection,
    team_id: &str,
    person_ids: &[String],
) -> Result<(), ApiError> {
    diesel::delete(team_managers::table.filter(team_managers::team_id.eq(team_id)))
        .execute(conn)?;
    for pid in person_ids {
        diesel::insert_into(team_managers::table)
            .values((
                team_managers::team_id.eq(team_id),
                team_managers::person_id.eq(pid),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Adds one manager if not already one; whether it was added.
pub fn add_manager(
    conn: &mut AnyConnection,
    team_id: &str,
    person_id: &str,
) -> Result<bool, ApiError> {
    let exists: i64 = team_managers::table
        .filter(team_managers::team_id.eq(team_id))
        .filter(team_managers::person_id.eq(person_id))
        .count()
        .get_result(conn)?;
    if exists == 0 {
        diesel::insert_into(team_managers::table)
            .values((
                team_managers::team_id.eq(team_id),
                team_managers::person_id.eq(person_id),
            ))
            .execute(conn)?;
    }
    Ok(exists == 0)
}

/// Replaces the teams a team serves.
pub fn set_serves(
    conn: &mut AnyConnection,
    team_id: &str,
    serves: &[TeamServes],
) -> Result<(), ApiError> {
    diesel::delete(team_serves::table.filter(team_serves::team_id.eq(team_id))).execute(conn)?;
    for s in serves {
        diesel::insert_into(team_serves::table)
            .values(s)
            .execute(conn)?;
    }
    Ok(())
}

/// What keeps a team from being deleted.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct TeamUse {
    pub children: i64,
    /// People whose team it is, active or not.
    pub people: i64,
    /// Surveys, rounds, answers, suggestions, customer ratings or action plans name
    /// it: reports, the linkage and the plans of the past keep it.
    pub history: bool,
}

pub fn team_use(conn: &mut AnyConnection, id: &str) -> Result<TeamUse, ApiError> {
    let children = teams::table
        .filter(teams::parent_id.eq(id))
        .count()
        .get_result(conn)?;
    let people = people::table
        .filter(people::team_id.eq(id))
        .count()
        .get_result(conn)?;
    // Whether any row of `$table` names the team (EXISTS: the first one answers).
    macro_rules! names_it {
        ($table:ident) => {
            diesel::select(diesel::dsl::exists(
                $table::table.filter($table::team_id.eq(id)),
            ))
            .get_result::<bool>(conn)?
        };
    }
    let history = names_it!(survey_audience)
        || names_it!(round_teams)
        || names_it!(round_invitees)
        || names_it!(responses)
        || names_it!(suggestions)
        || names_it!(cx_ratings)
        || names_it!(actions);
    Ok(TeamUse {
        children,
        people,
        history,
    })
}

/// Deletes a team with its managers and its service-map links (both ways); the caller
/// has checked [`team_use`].
pub fn delete_team(conn: &mut AnyConnection, id: &str) -> Result<(), ApiError> {
    diesel::delete(team_managers::table.filter(team_managers::team_id.eq(id))).execute(conn)?;
    diesel::delete(
        team_serves::table.filter(
            team_serves::team_id
                .eq(id)
                .or(team_serves::served_team_id.eq(id)),
        ),
    )
    .execute(conn)?;
    diesel::delete(teams::table.filter(teams::id.eq(id))).execute(conn)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> TeamTree {
        // root -> a -> a1, root -> b
        TeamTree::from_rows(vec![
            ("root".into(), None, "Company".into()),
            ("a".into(), Some("root".into()), "Sales".into()),
            ("a1".into(), Some("a".into()), "EMEA".into()),
            ("b".into(), Some("root".into()), "Support".into()),
        ])
    }

    #[test]
    fn a_subtree_holds_the_team_and_every_descendant() {
        let t = tree();
        let s = t.subtrees(&["a".to_string()]);
        assert_eq!(s.len(), 2);
        assert!(s.contains("a") && s.contains("a1"));
    }

    #[test]
    fn making_a_team_its_own_ancestor_is_a_cycle() {
        let t = tree();
        assert!(t.would_cycle("a", "a1"));
        assert!(t.would_cycle("a", "a"));
        assert!(!t.would_cycle("a1", "b"));
    }

    #[test]
    fn a_path_of_names_resolves_from_the_root() {
        let t = tree();
        assert_eq!(t.resolve_path("Company/Sales/emea").as_deref(), Some("a1"));
        assert_eq!(t.resolve_path("Company/Nope"), None);
        assert_eq!(t.ancestors_inclusive("a1"), vec!["a1", "a", "root"]);
    }
}
