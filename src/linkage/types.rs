//! The linkage shapes the API answers and the web page draws: the points (a team's
//! engagement and CX in one period), the statistics blocks, the lag sweep, the quadrants,
//! and the query parameters an analysis takes.

use chrono::NaiveDate;
use poem_openapi::Object;

use crate::cx::metrics::{Metric, Period};

#[derive(Object, Clone)]
pub struct Point {
    pub team_id: String,
    pub team: String,
    /// The engagement period (`2026-03` or `2026-Q1`).
    pub period: String,
    /// Engagement index, 0–100.
    pub engagement: f64,
    pub cx: f64,
    pub n_responses: i64,
    pub n_ratings: i64,
    /// True for an internal team whose CX comes from the teams it serves.
    pub via_service_map: bool,
}

#[derive(Object, Clone)]
pub struct PearsonBlock {
    pub r: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub p: f64,
}

#[derive(Object)]
pub struct SpearmanBlock {
    pub rho: f64,
    pub p: f64,
}

#[derive(Object)]
pub struct RegressionBlock {
    pub slope: f64,
    pub intercept: f64,
    pub slope_se: f64,
    pub intercept_se: f64,
    pub slope_ci_low: f64,
    pub slope_ci_high: f64,
    pub r_squared: f64,
}

#[derive(Object)]
pub struct LagRow {
    pub lag: i32,
    pub n: i64,
    pub r: Option<f64>,
    pub p: Option<f64>,
}

#[derive(Object)]
pub struct QuadrantTeam {
    pub team_id: String,
    pub team: String,
    /// Mean engagement over the team's points.
    pub engagement: f64,
    /// Mean CX over the team's points.
    pub cx: f64,
    /// `high_high`, `high_low`, `low_high` or `low_low` (engagement first), against the
    /// medians over teams (at the median counts as high; for CES lower effort is high).
    pub quadrant: String,
    /// Low engagement and low CX.
    pub at_risk: bool,
}

#[derive(Object)]
pub struct Linkage {
    pub metric: Metric,
    pub period: Period,
    pub lag: i32,
    pub n: i64,
    pub points: Vec<Point>,
    pub pearson: Option<PearsonBlock>,
    pub spearman: Option<SpearmanBlock>,
    pub regression: Option<RegressionBlock>,
    /// Pearson after centring each team (with at least two periods) on its own means,
    /// with one degree of freedom spent per team.
    pub within_team: Option<PearsonBlock>,
    pub lags: Vec<LagRow>,
    pub quadrants: Vec<QuadrantTeam>,
    pub warnings: Vec<String>,
}

/// The parameters of a linkage analysis; absent ones take the API's defaults.
#[derive(Default)]
pub struct LinkageQuery {
    pub metric: Option<Metric>,
    pub period: Option<Period>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub lag: Option<i32>,
    pub survey_id: Option<String>,
    pub min_ratings: Option<i64>,
}
