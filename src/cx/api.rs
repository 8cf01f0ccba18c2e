//! CX ingestion and summaries over HTTP, and the ingestion shared with the
//! `pulseline import cx` subcommand.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{Date, Double, Text, Timestamp};
use poem_openapi::param::Query;
use poem_openapi::payload::{Binary, Json};
use poem_openapi::{ApiRequest, Object, OpenApi};

use crate::auth::bearer::BearerAuth;
use crate::auth::require_hr;
use crate::cx::metrics::{Metric, Period};
use crate::db::AnyConnection;
use crate::db::schema::{cx_ratings, teams};
use crate::error::{ApiError, FieldError, Msg};
use crate::http::Tag;
use crate::org::access::readable_teams;
use crate::org::store::TeamTree;
use crate::payload::JsonBody;
use crate::state::AppState;

/// Most ratings in one request.
pub const MAX_BATCH: usize = 10_000;

pub struct CxApi {
    pub state: AppState,
}

/// One rating as sent. Give `team_id` or the team's `team_key`.
#[derive(Object, serde::Deserialize, Clone, Default)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct RatingInput {
    /// The source system's id of this rating: a repeat is counted once.
    pub external_id: String,
    pub team_id: Option<String>,
    pub team_key: Option<String>,
    /// `csat` (1–5), `nps` (0–10) or `ces` (1–7).
    pub metric: String,
    pub score: f64,
    pub occurred_on: NaiveDate,
}

#[derive(Object, serde::Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct RatingsBatch {
    pub ratings: Vec<RatingInput>,
}

#[derive(ApiRequest)]
pub enum RatingsBody {
    /// `{ratings: [...]}`.
    Json(JsonBody<RatingsBatch>),
    /// CSV with the header `external_id,team_id,team_key,metric,score,occurred_on`.
    #[oai(content_type = "text/csv")]
    Csv(Binary<Vec<u8>>),
}

/// What an ingestion did (or, in a dry run, would do).
#[derive(Object, Debug)]
pub struct IngestReport {
    pub dry_run: bool,
    pub received: i64,
    /// New ratings stored (or that would be).
    pub accepted: i64,
    /// Ratings whose external id was already stored (or repeated in the batch).
    pub duplicates: i64,
    /// Each refused row: its 0-based index in the batch, the field and the reason.
    pub errors: Vec<FieldError>,
}

/// A checked rating ready to store.
struct Checked {
    external_id: String,
    team_id: String,
    metric: Metric,
    score: f64,
    occurred_on: NaiveDate,
}

/// Reads the CSV form of a batch into ratings (a row that cannot be read is an error
/// with its index).
pub fn parse_csv<R: std::io::Read>(
    reader: R,
) -> Result<Vec<Result<RatingInput, FieldError>>, ApiError> {
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(reader);
    let headers = rdr
        .headers()
        .map_err(|e| {
            ApiError::invalid(
                "csv",
                Msg::new("cannot read the header: {error}").arg("error", e),
            )
        })?
        .clone();
    let col = |name: &str| {
        headers.iter().position(|h| {
            h.trim()
                .trim_start_matches('\u{feff}')
                .eq_ignore_ascii_case(name)
        })
    };
    let (ext, tid, tkey, metric, score, day) = (
        col("external_id"),
        col("team_id"),
        col("team_key"),
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
            return Err(ApiError::invalid(
                "csv",
                Msg::new("the header must have a `{column}` column").arg("column", name),
            ));
        }
    }
    let mut out = Vec::new();
    for (i, record) in rdr.records().enumerate() {
        if out.len() >= MAX_BATCH * 100 {
            return Err(ApiError::invalid("csv", "too many rows"));
        }
        let row = i as u64;
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
/// `external_id`); each refused row is reported.
pub fn ingest(
    conn: &mut AnyConnection,
    rows: Vec<Result<RatingInput, FieldError>>,
    dry_run: bool,
    progress: &mut dyn FnMut(u64),
) -> Result<IngestReport, ApiError> {
    let team_rows: Vec<(String, Option<String>)> = teams::table
        .select((teams::id, teams::team_key))
        .load(conn)?;
    let ids: HashSet<String> = team_rows.iter().map(|t| t.0.clone()).collect();
    let keys: HashMap<String, String> = team_rows
        .into_iter()
        .filter_map(|(id, k)| k.map(|k| (k, id)))
        .collect();
    let mut report = IngestReport {
        dry_run,
        received: rows.len() as i64,
        accepted: 0,
        duplicates: 0,
        errors: Vec::new(),
    };
    let mut checked = Vec::new();
    for (i, row) in rows.into_iter().enumerate() {
        let bad = |field: &str, message: Msg| FieldError::new(field, message, Some(i as u64));
        let r = match row {
            Ok(r) => r,
            Err(mut e) => {
                e.row = Some(i as u64);
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
        let team = match (&r.team_id, &r.team_key) {
            (Some(id), None) if ids.contains(id) => id.clone(),
            (None, Some(k)) if keys.contains_key(k) => keys[k].clone(),
            (Some(_), None) => {
                report.errors.push(bad("team_id", "no such team".into()));
                continue;
            }
            (None, Some(_)) => {
                report
                    .errors
                    .push(bad("team_key", "no team has this key".into()));
                continue;
            }
            _ => {
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

#[derive(Object)]
pub struct CxPeriod {
    /// `2026-03` or `2026-Q1`.
    pub period: String,
    /// Ratings of any metric in the period.
    pub n: i64,
    pub csat_n: i64,
    /// Percent of CSAT ratings that are 4 or 5.
    pub csat: Option<f64>,
    pub nps_n: i64,
    /// Percent promoters (9–10) minus percent detractors (0–6).
    pub nps: Option<f64>,
    pub ces_n: i64,
    /// Mean customer effort (1–7).
    pub ces: Option<f64>,
}

#[derive(Object)]
pub struct CxSummary {
    pub team_id: Option<String>,
    pub period: Period,
    pub periods: Vec<CxPeriod>,
}

#[OpenApi(prefix_path = "/api/v1", tag = "Tag::Cx")]
impl CxApi {
    /// Ingest customer ratings (HR), as JSON `{ratings: [...]}` or CSV, at most 10,000 a
    /// request. Idempotent by `external_id`; refused rows are reported by index;
    /// `dry_run=true` stores nothing.
    #[oai(
        path = "/cx/ratings",
        method = "post",
        operation_id = "ingest_cx_ratings"
    )]
    async fn ingest(
        &self,
        auth: BearerAuth,
        dry_run: Query<Option<bool>>,
        body: RatingsBody,
    ) -> Result<Json<IngestReport>, ApiError> {
        require_hr(&auth.0)?;
        let rows: Vec<Result<RatingInput, FieldError>> = match body {
            RatingsBody::Json(b) => b.0.ratings.into_iter().map(Ok).collect(),
            RatingsBody::Csv(bytes) => parse_csv(bytes.0.as_slice())?,
        };
        ingest_ratings(&self.state, &auth.0, rows, dry_run.0.unwrap_or(false))
            .await
            .map(Json)
    }

    /// CSAT, NPS and CES per period for a team's subtree (HR: any team or the whole
    /// organisation; managers: their subtrees).
    #[oai(path = "/cx/summary", method = "get", operation_id = "cx_summary")]
    async fn summary(
        &self,
        auth: BearerAuth,
        #[oai(validator(max_length = 64))] team_id: Query<Option<String>>,
        /// `month` (default) or `quarter`.
        period: Query<Option<Period>>,
        from: Query<Option<NaiveDate>>,
        to: Query<Option<NaiveDate>>,
    ) -> Result<Json<CxSummary>, ApiError> {
        let (p, team, period, from, to) = (
            auth.0,
            team_id.0,
            period.0.unwrap_or(Period::Month),
            from.0,
            to.0,
        );
        if let (Some(f), Some(t)) = (from, to)
            && f > t
        {
            return Err(ApiError::invalid("from", "must not be after `to`"));
        }
        self.state
            .db
            .read(move |conn| {
                let managed = readable_teams(conn, &p)?;
                if managed.as_ref().is_some_and(|m| m.is_empty()) {
                    return Err(ApiError::Forbidden);
                }
                let tree = TeamTree::load(conn)?;
                let scope: Option<HashSet<String>> = match (&team, managed) {
                    (Some(t), m)
                        if tree.contains(t) && m.as_ref().is_none_or(|m| m.contains(t)) =>
                    {
                        Some(tree.subtrees([t]))
                    }
                    (Some(_), _) => return Err(ApiError::NotFound("team")),
                    (None, m) => m,
                };
                let mut q = cx_ratings::table
                    .select((
                        cx_ratings::metric,
                        cx_ratings::score,
                        cx_ratings::occurred_on,
                    ))
                    .into_boxed();
                if let Some(s) = &scope {
                    q = q.filter(cx_ratings::team_id.eq_any(s.iter().cloned().collect::<Vec<_>>()));
                }
                if let Some(f) = from {
                    q = q.filter(cx_ratings::occurred_on.ge(f));
                }
                if let Some(t) = to {
                    q = q.filter(cx_ratings::occurred_on.le(t));
                }
                let rows: Vec<(String, f64, NaiveDate)> = q.load(conn)?;
                let mut by: BTreeMap<String, HashMap<Metric, Vec<f64>>> = BTreeMap::new();
                for (m, score, day) in rows {
                    if let Some(m) = Metric::parse(&m) {
                        by.entry(period.label(day))
                            .or_default()
                            .entry(m)
                            .or_default()
                            .push(score);
                    }
                }
                let periods = by
                    .into_iter()
                    .map(|(label, ms)| {
                        let get = |m: Metric| ms.get(&m).map(Vec::as_slice).unwrap_or(&[]);
                        CxPeriod {
                            period: label,
                            n: ms.values().map(Vec::len).sum::<usize>() as i64,
                            csat_n: get(Metric::Csat).len() as i64,
                            csat: Metric::Csat.value(get(Metric::Csat)),
                            nps_n: get(Metric::Nps).len() as i64,
                            nps: Metric::Nps.value(get(Metric::Nps)),
                            ces_n: get(Metric::Ces).len() as i64,
                            ces: Metric::Ces.value(get(Metric::Ces)),
                        }
                    })
                    .collect();
                Ok(Json(CxSummary {
                    team_id: team,
                    period,
                    periods,
                }))
            })
            .await
    }
}

/// Ingests checked rating rows (HR), at most a batch; a dry run stores nothing.
pub async fn ingest_ratings(
    state: &AppState,
    p: &crate::auth::Principal,
    rows: Vec<Result<RatingInput, FieldError>>,
    dry_run: bool,
) -> Result<IngestReport, ApiError> {
    require_hr(p)?;
    if rows.len() > MAX_BATCH {
        return Err(ApiError::invalid(
            "ratings",
            Msg::new("at most {n} ratings a request").arg("n", MAX_BATCH),
        ));
    }
    state
        .db
        .write(move |conn| ingest(conn, rows, dry_run, &mut |_| {}))
        .await
}
