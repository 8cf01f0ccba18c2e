//! The CX shapes the API exchanges: a rating as sent, a batch (JSON or CSV), what an
//! ingestion did, and the per-period summary of a team's subtree.

use chrono::NaiveDate;
use poem_openapi::payload::Binary;
use poem_openapi::{ApiRequest, Object};

use crate::cx::metrics::Period;
use crate::error::FieldError;
use crate::payload::JsonBody;

/// One rating as sent. Give `team_id` or `team_key`: either holds the team's id, its key
/// for imports, its path like `Company/Sales`, or its name when no other team has it.
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
    /// CSV with the header `external_id,team_id,team_key,metric,score,occurred_on` (a
    /// `team` column may replace `team_key`).
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
    /// Each refused row: its 0-based index in a JSON batch, or its data row in a CSV (1
    /// = the first row after the header); the field and the reason.
    pub errors: Vec<FieldError>,
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
