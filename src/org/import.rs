//! CSV import of people: upsert by e-mail address, employee number or phone number
//! (whichever the row gives; a person without an e-mail address is matched by the
//! others). A blank identifier cell leaves the stored one as it is: an import adds and
//! changes identifiers, it never removes one. Every row is checked before anything is
//! written, so an invalid row means nothing is imported (unless a partial import is
//! asked for); the same code serves `POST /api/v1/people/import` and the
//! `pulseline import people` subcommand.

use std::collections::{HashMap, HashSet};

use poem_openapi::Object;

use crate::auth::token::{activation_hash, new_activation_token};
use crate::clock::now;
use crate::db::AnyConnection;
use crate::error::{ApiError, FieldError, Msg};
use crate::notify::queue::Invitation;
use crate::org::access::may_change_admin;
use crate::org::audit;
use crate::org::bulk;
use crate::org::domain::ATTR_MAX;
use crate::org::domain::{
    GrantedRole, Identifiers, Language, Name, parse_identifier, parse_optional_text,
};
use crate::org::model::{PersonChanges, PersonRow};
use crate::org::store::{self, TeamTree};
use crate::payload::{csv_header, missing_column};

/// Most rows accepted in one import.
pub const MAX_ROWS: usize = 100_000;

/// One CSV data row as read, before checking.
#[derive(Debug, Clone, Default)]
pub struct RawRow {
    /// 1-based data row number (the header is row 0).
    pub row: u64,
    pub email: String,
    pub name: String,
    pub team: String,
    pub manager: String,
    pub location: String,
    pub job_family: String,
    pub start_date: String,
    pub language: String,
    pub roles: String,
    pub employee_number: String,
    pub phone: String,
}

pub struct ImportOptions {
    pub dry_run: bool,
    pub partial: bool,
    pub caller_is_admin: bool,
    pub activation_ttl: chrono::TimeDelta,
    /// Who imports, for the audit log (a person's id, or `cli`).
    pub actor: String,
    /// The key that seals the activation token in each new person's invitation
    /// ([`crate::notify::queue::invitation`]).
    pub outbox_key: [u8; 32],
}

/// A new person's activation token, shown once.
#[derive(Object, Debug, Clone)]
pub struct ImportActivation {
    pub email: Option<String>,
    pub employee_number: Option<String>,
    pub phone: Option<String>,
    pub activation_token: String,
}

impl ImportActivation {
    /// The person's e-mail address, else employee number, else phone number.
    pub fn identifier(&self) -> &str {
        Identifiers::shown(
            self.email.as_deref(),
            self.employee_number.as_deref(),
            self.phone.as_deref(),
        )
        .unwrap_or_default()
    }
}

/// What an import did (or, in a dry run, would do).
#[derive(Object, Debug)]
pub struct ImportReport {
    pub dry_run: bool,
    /// Data rows read.
    pub rows: u64,
    pub created: u64,
    pub updated: u64,
    /// Rows skipped because they were invalid (partial imports and dry runs only).
    pub skipped: u64,
    pub errors: Vec<FieldError>,
    /// Activation tokens of the people created (empty in a dry run).
    pub activations: Vec<ImportActivation>,
}

const COLUMNS: [&str; 11] = [
    "email",
    "name",
    "team",
    "manager",
    "location",
    "job_family",
    "start_date",
    "language",
    "roles",
    "employee_number",
    "phone",
];

/// Reads CSV records from any reader. `name` and at least one of `email`,
/// `employee_number` and `phone` are required columns; the others may be absent.
pub fn read_rows<R: std::io::Read>(reader: R) -> Result<Vec<RawRow>, ApiError> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(false)
        .trim(csv::Trim::All)
        .from_reader(reader);
    let headers = csv_header(&mut rdr)?;
    let mut index = [None; COLUMNS.len()];
    for (i, h) in headers.into_iter().enumerate() {
        match COLUMNS.iter().position(|c| *c == h) {
            Some(pos) => index[pos] = Some(i),
            None => {
                return Err(ApiError::invalid(
                    "csv",
                    Msg::new("unknown column `{column}`").arg("column", h),
                ));
            }
        }
    }
    if index[0].is_none() && index[9].is_none() && index[10].is_none() {
        return Err(missing_column(COLUMNS[0]));
    }
    if index[1].is_none() {
        return Err(missing_column(COLUMNS[1]));
    }
    let mut rows = Vec::new();
    for (n, record) in rdr.records().enumerate() {
        let row = n as u64 + 1;
        if rows.len() >= MAX_ROWS {
            return Err(ApiError::invalid(
                "csv",
                Msg::new("at most {n} rows per import").arg("n", MAX_ROWS),
            ));
        }
        let record = record.map_err(|e| {
            ApiError::ValidationMany(vec![FieldError::new(
                "csv",
                Msg::new("unreadable row: {error}").arg("error", e),
                Some(row),
            )])
        })?;
        let get = |i: usize| {
            index[i]
                .and_then(|c| record.get(c))
                .unwrap_or("")
                .to_owned()
        };
        rows.push(RawRow {
            row,
            email: get(0),
            name: get(1),
            team: get(2),
            manager: get(3),
            location: get(4),
            job_family: get(5),
            start_date: get(6),
            language: get(7),
            roles: get(8),
            employee_number: get(9),
            phone: get(10),
        });
    }
    Ok(rows)
}

/// Parses a CSV body held in memory.
pub fn parse_csv(bytes: &[u8]) -> Result<Vec<RawRow>, ApiError> {
    if std::str::from_utf8(bytes).is_err() {
        return Err(ApiError::invalid("csv", "the file must be UTF-8"));
    }
    read_rows(bytes)
}

/// How both imports (people and CX ratings) find a team from what a file says: its id,
/// its key for imports (as the Teams page shows it), its path of names from a root
/// (`Company/Sales`), or its name alone when no other team has it (`Support EMEA`).
/// Names are matched without regard to case.
pub struct TeamRefs {
    tree: TeamTree,
    keys: HashMap<String, String>,
    /// Lower-cased name → the ids of the teams with it.
    names: HashMap<String, Vec<String>>,
}

impl TeamRefs {
    pub fn load(conn: &mut AnyConnection) -> Result<TeamRefs, ApiError> {
        Ok(TeamRefs::from_rows(store::team_refs(conn)?))
    }

    /// From (id, parent id, name, key) rows.
    pub fn from_rows(rows: Vec<(String, Option<String>, String, Option<String>)>) -> TeamRefs {
        let mut keys = HashMap::new();
        let mut names: HashMap<String, Vec<String>> = HashMap::new();
        let mut tree_rows = Vec::with_capacity(rows.len());
        for (id, parent, name, key) in rows {
            if let Some(k) = key {
                keys.insert(k, id.clone());
            }
            names
                .entry(name.to_lowercase())
                .or_default()
                .push(id.clone());
            tree_rows.push((id, parent, name));
        }
        TeamRefs {
            tree: TeamTree::from_rows(tree_rows),
            keys,
            names,
        }
    }

    /// The id of the team `reference` names, or why none.
    pub fn resolve(&self, reference: &str) -> Result<String, Msg> {
        let r = reference.trim();
        if self.tree.contains(r) {
            return Ok(r.to_owned());
        }
        if let Some(id) = self.keys.get(r) {
            return Ok(id.clone());
        }
        if let Some(id) = self.tree.resolve_path(r) {
            return Ok(id);
        }
        match self.names.get(&r.to_lowercase()).map(Vec::as_slice) {
            Some([id]) => Ok(id.clone()),
            Some([_, _, ..]) => Err(Msg::new(
                "several teams are named {name}: give its path like Company/Sales, or its key for imports",
            )
            .arg("name", r)),
            _ => Err(Msg::new(
                "no such team: give its id, its key for imports, its name or its path like Company/Sales",
            )),
        }
    }
}

/// A row that passed every check.
struct Planned {
    row: u64,
    ids: Identifiers,
    name: String,
    team_id: Option<String>,
    manager: bool,
    location: Option<String>,
    job_family: Option<String>,
    start_date: Option<chrono::NaiveDate>,
    language: Option<Language>,
    roles: Option<(bool, bool)>,
}

fn parse_bool(s: &str) -> Option<bool> {
    match s.to_lowercase().as_str() {
        "" | "false" | "no" | "0" | "n" => Some(false),
        "true" | "yes" | "1" | "y" => Some(true),
        _ => None,
    }
}

fn check_row(
    raw: &RawRow,
    teams: &TeamRefs,
    seen: &mut HashSet<String>,
    caller_is_admin: bool,
) -> Result<Planned, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut err = |field: &str, e: ApiError| {
        let message = match e {
            ApiError::Validation { message, .. } => message,
            other => other.msg(),
        };
        errors.push(FieldError::new(field, message, Some(raw.row)));
    };
    let mut given = |field: &'static str, v: &str| {
        (!v.is_empty())
            .then(|| parse_identifier(field, v).map_err(|e| err(field, e)).ok())
            .flatten()
    };
    let email = given("email", &raw.email);
    let phone = given("phone", &raw.phone);
    let employee_number = given("employee_number", &raw.employee_number);
    let ids = Identifiers {
        email,
        phone,
        employee_number,
    };
    for (field, value) in [
        ("email", &ids.email),
        ("phone", &ids.phone),
        ("employee_number", &ids.employee_number),
    ] {
        if let Some(v) = value
            && !seen.insert(format!("{field}:{}", v.to_lowercase()))
        {
            err(field, ApiError::invalid(field, "appears twice in the file"));
        }
    }
    let ids = if raw.email.is_empty() && raw.phone.is_empty() && raw.employee_number.is_empty() {
        match ids.require_one() {
            Ok(ids) => Some(ids),
            Err(e) => {
                err("email", e);
                None
            }
        }
    } else {
        Some(ids)
    };
    let name = Name::parse(&raw.name, "name")
        .map(Name::into_inner)
        .map_err(|e| err("name", e))
        .ok();
    let team_id = if raw.team.is_empty() {
        Some(None)
    } else {
        match teams.resolve(&raw.team) {
            Ok(id) => Some(Some(id)),
            Err(why) => {
                err("team", ApiError::invalid("team", why));
                None
            }
        }
    };
    let manager = parse_bool(&raw.manager);
    if manager.is_none() {
        err(
            "manager",
            ApiError::invalid("manager", "must be true or false"),
        );
    }
    if manager == Some(true) && team_id == Some(None) {
        err(
            "manager",
            ApiError::invalid("manager", "a manager needs a team"),
        );
    }
    let location = parse_optional_text(Some(&raw.location), "location", ATTR_MAX)
        .map_err(|e| err("location", e))
        .ok();
    let job_family = parse_optional_text(Some(&raw.job_family), "job_family", ATTR_MAX)
        .map_err(|e| err("job_family", e))
        .ok();
    let start_date = if raw.start_date.is_empty() {
        Some(None)
    } else {
        match chrono::NaiveDate::parse_from_str(&raw.start_date, "%Y-%m-%d") {
            Ok(d) => Some(Some(d)),
            Err(_) => {
                err(
                    "start_date",
                    ApiError::invalid("start_date", "must be a date like 2024-03-31"),
                );
                None
            }
        }
    };
    let language = if raw.language.is_empty() {
        Some(None)
    } else {
        Language::parse(&raw.language, "language")
            .map(Some)
            .map_err(|e| err("language", e))
            .ok()
    };
    let roles = if raw.roles.is_empty() {
        Some(None)
    } else {
        let mut flags = (false, false);
        let mut ok = true;
        for r in raw.roles.split([';', ',', ' ']).filter(|r| !r.is_empty()) {
            match GrantedRole::parse(r, "roles") {
                Ok(GrantedRole::Hr) => flags.0 = true,
                Ok(GrantedRole::Admin) => flags.1 = true,
                Err(e) => {
                    err("roles", e);
                    ok = false;
                }
            }
        }
        if !may_change_admin(caller_is_admin, flags.1) {
            err(
                "roles",
                ApiError::invalid("roles", "only an admin may grant admin"),
            );
            ok = false;
        }
        ok.then_some(Some(flags))
    };
    match (
        ids, name, team_id, manager, location, job_family, start_date, language, roles,
    ) {
        (
            Some(ids),
            Some(name),
            Some(team_id),
            Some(manager),
            Some(location),
            Some(job_family),
            Some(start_date),
            Some(language),
            Some(roles),
        ) if errors.is_empty() => Ok(Planned {
            row: raw.row,
            ids,
            name,
            team_id,
            manager,
            location,
            job_family,
            start_date,
            language,
            roles,
        }),
        _ => Err(errors),
    }
}

/// Checks every row, then (unless a dry run, or errors without `partial`) upserts the
/// valid ones. Runs inside the caller's transaction: an error rolls everything back.
pub fn apply(
    conn: &mut AnyConnection,
    rows: &[RawRow],
    opts: &ImportOptions,
) -> Result<ImportReport, ApiError> {
    apply_with_progress(conn, rows, opts, &mut |_| {})
}

/// [`apply`], calling `progress` with the number of rows handled so far (new people are
/// written a chunk at a time, all of them before it returns).
pub fn apply_with_progress(
    conn: &mut AnyConnection,
    rows: &[RawRow],
    opts: &ImportOptions,
    progress: &mut dyn FnMut(u64),
) -> Result<ImportReport, ApiError> {
    let teams = TeamRefs::load(conn)?;
    let mut seen = HashSet::new();
    let mut planned = Vec::new();
    let mut errors = Vec::new();
    for raw in rows {
        match check_row(raw, &teams, &mut seen, opts.caller_is_admin) {
            Ok(p) => planned.push(p),
            Err(mut e) => errors.append(&mut e),
        }
    }
    if !errors.is_empty() && !opts.partial && !opts.dry_run {
        return Err(ApiError::ValidationMany(errors));
    }
    let skipped = rows.len() as u64 - planned.len() as u64;
    let mut report = ImportReport {
        dry_run: opts.dry_run,
        rows: rows.len() as u64,
        created: 0,
        updated: 0,
        skipped,
        errors,
        activations: Vec::new(),
    };
    let mut counts = audit::ImportCounts::default();
    let mut holders = bulk::Holders::load(conn)?;
    let mut new_people = bulk::NewPeople::default();
    for (done, p) in planned.into_iter().enumerate() {
        let existing = match holders.find(&p.ids) {
            Ok(None) => None,
            Ok(Some(id)) => {
                // A person this import created and has not yet written (their
                // identifiers appear once in the file, so this is a safeguard).
                if new_people.holds(&id) {
                    new_people.flush(conn)?;
                }
                holders.row(conn, &id)?
            }
            Err(field) => {
                report.errors.push(FieldError::new(
                    field,
                    "names someone other than the row's other identifiers do",
                    Some(p.row),
                ));
                if !opts.partial && !opts.dry_run {
                    return Err(ApiError::ValidationMany(report.errors));
                }
                continue;
            }
        };
        let removes_admin = |row: &PersonRow| row.is_admin && p.roles.is_some_and(|r| !r.1);
        if let Some(row) = &existing
            && !may_change_admin(opts.caller_is_admin, removes_admin(row))
        {
            report.errors.push(FieldError::new(
                "roles",
                "only an admin may remove admin",
                None,
            ));
            if !opts.partial && !opts.dry_run {
                return Err(ApiError::ValidationMany(report.errors));
            }
            continue;
        }
        if opts.dry_run {
            if existing.is_some() {
                report.updated += 1;
            } else {
                report.created += 1;
            }
            continue;
        }
        let t = now();
        match existing {
            Some(row) => {
                let changes = PersonChanges {
                    name: Some(p.name),
                    team_id: Some(p.team_id.clone()),
                    is_hr: p.roles.map(|r| r.0),
                    is_admin: p.roles.map(|r| r.1),
                    location: Some(p.location),
                    job_family: Some(p.job_family),
                    start_date: Some(p.start_date),
                    language: p.language.map(|l| l.as_str().to_owned()),
                    email: p.ids.email.clone().map(Some),
                    phone: p.ids.phone.clone().map(Some),
                    employee_number: p.ids.employee_number.clone().map(Some),
                    updated_at: Some(t),
                };
                // A row that matches the person as stored writes nothing (an unchanged
                // re-import is reads only).
                if changes.alter(&row) {
                    store::update_person(conn, &row.id, &changes)?;
                    // A blank cell keeps the stored identifier.
                    let before = bulk::held(&row);
                    let after = (
                        p.ids.email.or(before.0.clone()),
                        p.ids.employee_number.or(before.1.clone()),
                        p.ids.phone.or(before.2.clone()),
                    );
                    holders.changed(&row.id, &before, &after);
                }
                report.updated += 1;
                counts.moved += u64::from(row.team_id != p.team_id);
                counts.role_changes +=
                    u64::from(p.roles.is_some_and(|r| r != (row.is_hr, row.is_admin)));
                if p.manager
                    && let Some(team) = &p.team_id
                {
                    counts.managers_added += u64::from(store::add_manager(conn, team, &row.id)?);
                }
            }
            None => {
                let (token, _) = new_activation_token();
                let hash = activation_hash(&token);
                let (is_hr, is_admin) = p.roles.unwrap_or((false, false));
                let language = p.language.unwrap_or(Language::En).as_str();
                let person = PersonRow {
                    team_id: p.team_id.clone(),
                    is_hr,
                    is_admin,
                    location: p.location,
                    job_family: p.job_family,
                    start_date: p.start_date,
                    language: language.into(),
                    activation_hash: Some(hash.clone()),
                    activation_expires_at: Some(t + opts.activation_ttl),
                    phone: p.ids.phone.clone(),
                    employee_number: p.ids.employee_number.clone(),
                    ..PersonRow::new(p.ids.email.clone(), p.name, t)
                };
                // What [`crate::notify::queue::invitation`] queues for someone with an
                // address; a new person has no earlier invitation to cancel.
                let invitation = match &p.ids.email {
                    Some(_) => Some(crate::notify::queue::invitation_row(
                        &opts.outbox_key,
                        &Invitation {
                            person_id: &person.id,
                            language,
                            token: &token,
                            token_hash: &hash,
                            expires_at: t + opts.activation_ttl,
                        },
                    )?),
                    None => None,
                };
                let manages = p.team_id.clone().filter(|_| p.manager);
                counts.managers_added += u64::from(manages.is_some());
                holders.add(&person.id, &bulk::held(&person));
                new_people.push(conn, person, invitation, manages)?;
                report.created += 1;
                report.activations.push(ImportActivation {
                    email: p.ids.email,
                    employee_number: p.ids.employee_number,
                    phone: p.ids.phone,
                    activation_token: token,
                });
            }
        }
        progress(done as u64 + 1);
    }
    new_people.flush(conn)?;
    counts.created = report.created;
    counts.updated = report.updated;
    if !opts.dry_run {
        audit::imported(conn, &opts.actor, counts)?;
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_header_without_email_is_refused() {
        assert!(parse_csv(b"name,team\nAnn,\n").is_err());
    }

    #[test]
    fn an_unknown_column_is_refused() {
        let e = parse_csv(b"email,name,salary\na@x.org,Ann,1\n").expect_err("unknown column");
        assert!(e.to_string().contains("salary"));
    }

    #[test]
    fn rows_are_numbered_from_one_after_the_header() {
        let rows = parse_csv(b"Email,Name\n a@x.org , Ann \nb@x.org,Bob\n").expect("parses");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].row, 1);
        assert_eq!(rows[0].email, "a@x.org");
        assert_eq!(rows[1].name, "Bob");
    }

    #[test]
    fn a_row_with_bad_fields_reports_each_one() {
        let tree = TeamRefs::from_rows(vec![("t1".into(), None, "Company".into(), None)]);
        let raw = RawRow {
            row: 3,
            email: "not-an-email".into(),
            name: "".into(),
            team: "Nowhere".into(),
            start_date: "31/03/2024".into(),
            ..RawRow::default()
        };
        let errs = check_row(&raw, &tree, &mut HashSet::new(), false)
            .err()
            .expect("invalid");
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["email", "name", "team", "start_date"]);
        assert!(errs.iter().all(|e| e.row == Some(3)));
    }

    #[test]
    fn a_team_is_found_by_id_key_path_or_unique_name() {
        let refs = TeamRefs::from_rows(vec![
            ("t1".into(), None, "Company".into(), None),
            (
                "t2".into(),
                Some("t1".into()),
                "Support EMEA".into(),
                Some("SUP-EU".into()),
            ),
            ("t3".into(), Some("t1".into()), "Desk".into(), None),
            ("t4".into(), Some("t2".into()), "Desk".into(), None),
        ]);
        assert_eq!(refs.resolve("t2"), Ok("t2".into()));
        assert_eq!(refs.resolve("SUP-EU"), Ok("t2".into()));
        assert_eq!(refs.resolve("Company/Support EMEA"), Ok("t2".into()));
        assert_eq!(refs.resolve("support emea"), Ok("t2".into()));
        assert_eq!(refs.resolve("Company/Desk"), Ok("t3".into()));
        assert!(refs.resolve("Desk").is_err(), "two teams are named Desk");
        assert!(refs.resolve("Nowhere").is_err());
    }

    #[test]
    fn granting_admin_needs_an_admin() {
        let tree = TeamRefs::from_rows(vec![]);
        let raw = RawRow {
            row: 1,
            email: "a@x.org".into(),
            name: "Ann".into(),
            roles: "hr;admin".into(),
            ..RawRow::default()
        };
        assert!(check_row(&raw, &tree, &mut HashSet::new(), false).is_err());
        assert!(check_row(&raw, &tree, &mut HashSet::new(), true).is_ok());
    }
}
