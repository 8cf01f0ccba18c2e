//! CX ingestion, shared by the API, the HR import page and the `pulseline import cx`
//! subcommand: reading the CSV form of a batch, checking each rating (team, metric, score
//! range) and storing the valid ones idempotently by `external_id`, reporting each
//! refused row: by its 0-based index in a JSON batch, by its data row in a CSV (1 = the
//! first row after the header, as the people import counts). A team is found the way
//! the people import finds one ([`TeamRefs`]): by id, key for imports, path or unique
//! name, in any of the `team_id`, `team_key` or `team` columns. Only HR ingests, at most
//! [`MAX_BATCH`] ratings a request.

use std::collections::HashSet;

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{Date, Double, Text, Timestamp};

use crate::auth::require_hr;
use crate::cx::metrics::Metric;
use crate::cx::types::{IngestReport, RatingInput, RatingsBody};
use crate::db::AnyConnection;
use crate::db::schema::cx_ratings;
use crate::error::{ApiError, FieldError, Msg};
use crate::org::import::TeamRefs;
use crate::payload::{csv_header, missing_column};
use crate::state::AppState;

/// Most ratings in one request.
pub const MAX_BATCH: usize = 10_000;

/// A checked rating ready to store.
struct Checked {
    external_id: String,
    team_id: String,
    metric: Metric,
    score: f64,
    occurred_on: NaiveDate,
}

/// How the rows of a batch are numbered in its errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rows {
    /// A JSON batch: the 0-based index in `ratings`.
    Index,
    /// A CSV file: the data row, 1 being the first after the header.
    Csv,
}

impl Rows {
    fn number(self, index: usize) -> u64 {
        match self {
            Rows::Index => index as u64,
            Rows::Csv => index as u64 + 1,
        }
    }
}

/// Reads the CSV form of a batch into ratings (a row that cannot be read is an error
/// with its data row, 1 being the first after the header). A `team` column may stand
/// for `team_id` or `team_key`: each holds any team reference ([`TeamRefs`]).
pub fn parse_csv<R: std::io::Read>(
    reader: R,
) -> Result<Vec<Result<RatingInput, FieldError>>, ApiError> {
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(reader);
    let headers = csv_header(&mut rdr)?;
    let col = |name: &str| headers.iter().position(|h| h == name);
    let (ext, tid, tkey, metric, score, day) = (
        col("external_id"),
        col("team_id"),
        col("team_key").or_else(|| col("team")),
        col("metric"),
        col("score"),
        col("occurred_on"),
    );
    for (name, c) in [
        ("external_id", ext),
        ("metric", metric),
        ("score", score),
        ("occurred_on", day),
    ] {
        if c.is_none() {
            return Err(missing_column(name));
        }
    }
    let mut out = Vec::new();
    for (i, record) in rdr.records().enumerate() {
        if out.len() >= MAX_BATCH * 100 {
            return Err(ApiError::invalid("csv", "too many rows"));
        }
        let row = Rows::Csv.number(i);
        let bad = |field: &str, message: Msg| FieldError::new(field, message, Some(row));
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                out.push(Err(bad(
                    "csv",
                    Msg::new("unreadable row: {error}").arg("error", e),
                )));
                continue;
            }
        };
        let get = |c: Option<usize>| {
            c.and_then(|c| record.get(c))
                .map(str::to_owned)
                .filter(|s| !s.is_empty())
        };
        let parsed_score = get(score).and_then(|s| s.parse::<f64>().ok());
        let parsed_day = get(day).and_then(|s| NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok());
        out.push(match (parsed_score, parsed_day) {
            (None, _) => Err(bad("score", "must be a number".into())),
            (_, None) => Err(bad("occurred_on", "must be a date like 2026-03-31".into())),
            (Some(s), Some(d)) => Ok(RatingInput {
                external_id: get(ext).unwrap_or_default(),
                team_id: get(tid),
                team_key: get(tkey),
                metric: get(metric).unwrap_or_default(),
                score: s,
                occurred_on: d,
            }),
        });
    }
    Ok(out)
}

/// Checks and stores a batch in the caller's transaction. Valid ratings are stored even
/// when others are refused (a repeat is harmless: ingestion is idempotent by
/// `external_id`); each refused row is reported by its 0-based index.
pub fn ingest(
    conn: &mut AnyConnection,
    rows: Vec<Result<RatingInput, FieldError>>,
    dry_run: bool,
    progress: &mut dyn FnMut(u64),
) -> Result<IngestReport, ApiError> {
    ingest_numbered(conn, rows, dry_run, Rows::Index, progress)
}

/// [`ingest`], numbering refused rows as `numbering` says.
pub fn ingest_numbered(
    conn: &mut AnyConnection,
    rows: Vec<Result<RatingInput, FieldError>>,
    dry_run: bool,
    numbering: Rows,
    progress: &mut dyn FnMut(u64),
) -> Result<IngestReport, ApiError> {
    let teams = TeamRefs::load(conn)?;
    let mut report = IngestReport {
        dry_run,
        received: rows.len() as i64,
        accepted: 0,
        duplicates: 0,
        errors: Vec::new(),
    };
    let mut checked = Vec::new();
    for (i, row) in rows.into_iter().enumerate() {
        let bad =
            |field: &str, message: Msg| FieldError::new(field, message, Some(numbering.number(i)));
        let r = match row {
            Ok(r) => r,
            Err(mut e) => {
                e.row = Some(numbering.number(i));
                report.errors.push(e);
                continue;
            }
        };
        let ext = r.external_id.trim();
        if ext.is_empty() || ext.chars().count() > 200 {
            report
                .errors
                .push(bad("external_id", "must be 1 to 200 characters".into()));
            continue;
        }
        // Either column holds any reference the people import takes for a team.
        let given = match (&r.team_id, &r.team_key) {
            (Some(id), None) => Some(("team_id", id)),
            (None, Some(k)) => Some(("team_key", k)),
            _ => None,
        };
        let team = match given.map(|(field, v)| (field, teams.resolve(v))) {
            Some((_, Ok(id))) => id,
            Some((field, Err(why))) => {
                report.errors.push(bad(field, why));
                continue;
            }
            None => {
                report.errors.push(bad(
                    "team_id",
                    "give exactly one of team_id and team_key".into(),
                ));
                continue;
            }
        };
        let Some(metric) = Metric::parse(&r.metric) else {
            report
                .errors
                .push(bad("metric", "must be csat, nps or ces".into()));
            continue;
        };
        if !metric.accepts(r.score) {
            let (lo, hi) = metric.range();
            report.errors.push(bad(
                "score",
                Msg::new("a {metric} score is a whole number from {lo} to {hi}")
                    .arg("metric", metric.as_str())
                    .arg("lo", lo)
                    .arg("hi", hi),
            ));
            continue;
        }
        checked.push(Checked {
            external_id: ext.to_owned(),
            team_id: team,
            metric,
            score: r.score,
            occurred_on: r.occurred_on,
        });
    }
    let mut seen = HashSet::new();
    let now = crate::clock::now();
    for (done, c) in checked.into_iter().enumerate() {
        if !seen.insert(c.external_id.clone()) {
            report.duplicates += 1;
            continue;
        }
        let stored = if dry_run {
            let exists: i64 = cx_ratings::table
                .filter(cx_ratings::external_id.eq(&c.external_id))
                .count()
                .get_result(conn)?;
            usize::from(exists == 0)
        } else {
            diesel::sql_query(
                "INSERT INTO cx_ratings (id, external_id, team_id, metric, score, occurred_on, imported_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (external_id) DO NOTHING",
            )
            .bind::<Text, _>(uuid::Uuid::new_v4().to_string())
            .bind::<Text, _>(&c.external_id)
            .bind::<Text, _>(&c.team_id)
            .bind::<Text, _>(c.metric.as_str())
            .bind::<Double, _>(c.score)
            .bind::<Date, _>(c.occurred_on)
            .bind::<Timestamp, _>(now)
            .execute(conn)?
        };
        if stored == 0 {
            report.duplicates += 1;
        } else {
            report.accepted += 1;
        }
        progress(done as u64 + 1);
    }
    Ok(report)
}

/// Ingests checked rating rows (HR), at most a batch; a dry run stores nothing.
pub async fn ingest_ratings(
    state: &AppState,
    p: &crate::auth::Principal,
    rows: Vec<Result<RatingInput, FieldError>>,
    dry_run: bool,
    numbering: Rows,
) -> Result<IngestReport, ApiError> {
    require_hr(p)?;
    if rows.len() > MAX_BATCH {
        return Err(ApiError::invalid(
            "ratings",
            Msg::new("at most {n} ratings a request").arg("n", MAX_BATCH),
        ));
    }
    let actor = p.id.clone();
    state
        .db
        .write(move |conn| {
            let report = ingest_numbered(conn, rows, dry_run, numbering, &mut |_| {})?;
            if !dry_run && report.accepted > 0 {
                let n = report.accepted.to_string();
                let t = crate::reports::audit_log::target("cx/ratings", &[("accepted", Some(&n))]);
                crate::reports::audit_log::record(conn, &actor, "cx.import", &t)?;
            }
            Ok(report)
        })
        .await
}

/// Ingests a batch as the API receives it (HR): JSON ratings, or CSV read first.
pub async fn ingest_body(
    state: &AppState,
    p: &crate::auth::Principal,
    body: RatingsBody,
    dry_run: bool,
) -> Result<IngestReport, ApiError> {
    require_hr(p)?;
    let (rows, numbering): (Vec<Result<RatingInput, FieldError>>, Rows) = match body {
        RatingsBody::Json(b) => (b.0.ratings.into_iter().map(Ok).collect(), Rows::Index),
        RatingsBody::Csv(bytes) => (parse_csv(bytes.0.as_slice())?, Rows::Csv),
    };
    ingest_ratings(state, p, rows, dry_run, numbering).await
}
