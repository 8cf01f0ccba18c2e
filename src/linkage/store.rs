//! The linkage's reads: everything one analysis needs, loaded in one read — each team's
//! released engagement per period (from the round cache, only where the round's report
//! releases that team's engagement index), the CX ratings by team and period, the service
//! map and the team names.

use std::collections::{HashMap, HashSet};

use chrono::{Datelike, NaiveDate};
use diesel::prelude::*;

use crate::cx::metrics::{Metric, Period};
use crate::db::AnyConnection;
use crate::db::schema::{cx_ratings, rounds, team_serves, teams};
use crate::error::ApiError;
use crate::reports::closed_rounds::RoundCache;
use crate::surveys::model::RoundRow;

/// A period as a number (months or quarters since year 0) and back to its label.
fn period_index(p: Period, d: NaiveDate) -> i64 {
    match p {
        Period::Month => i64::from(d.year()) * 12 + i64::from(d.month0()),
        Period::Quarter => i64::from(d.year()) * 4 + i64::from(d.month0() / 3),
    }
}

/// Everything the analysis needs, loaded once.
pub(super) struct Inputs {
    /// (team id, period index) → (sum of index × n, n).
    pub(super) engagement: HashMap<(String, i64), (f64, i64)>,
    /// (team id, period index) → scores.
    pub(super) ratings: HashMap<(String, i64), Vec<f64>>,
    pub(super) serves: HashMap<String, Vec<(String, f64)>>,
    pub(super) names: HashMap<String, String>,
    pub(super) scope: Option<HashSet<String>>,
}

#[allow(clippy::too_many_arguments)]
pub(super) fn load(
    conn: &mut AnyConnection,
    rounds_cache: &RoundCache,
    metric: Metric,
    period: Period,
    from: NaiveDate,
    to: NaiveDate,
    survey: Option<&str>,
    scope: Option<HashSet<String>>,
) -> Result<Inputs, ApiError> {
    let now = crate::clock::now();
    let mut q = rounds::table
        .filter(rounds::closes_at.le(now))
        .select(RoundRow::as_select())
        .into_boxed();
    if let Some(s) = survey {
        q = q.filter(rounds::survey_id.eq(s.to_owned()));
    }
    let closed: Vec<RoundRow> = q.load(conn)?;
    let mut engagement: HashMap<(String, i64), (f64, i64)> = HashMap::new();
    for round in closed
        .into_iter()
        .filter(|r| (from..=to).contains(&r.closes_at.date()))
        // A round whose answers have expired under retention is no period's data.
        .filter(|r| r.answers_purged_at.is_none())
    {
        let p = period_index(period, round.closes_at.date());
        // Each team's released engagement is kept with the round's footprint.
        let kept = rounds_cache.points(conn, round)?;
        let Some(points) = kept.points.get() else {
            continue;
        };
        for (team_id, point) in points.teams() {
            if let Some((ei, n)) = point.engagement {
                let e = engagement
                    .entry((team_id.to_owned(), p))
                    .or_insert((0.0, 0));
                e.0 += ei * n as f64;
                e.1 += n as i64;
            }
        }
    }
    let rows: Vec<(String, f64, NaiveDate)> = cx_ratings::table
        .filter(cx_ratings::metric.eq(metric.as_str()))
        .filter(cx_ratings::occurred_on.ge(from))
        .select((
            cx_ratings::team_id,
            cx_ratings::score,
            cx_ratings::occurred_on,
        ))
        .load(conn)?;
    let mut ratings: HashMap<(String, i64), Vec<f64>> = HashMap::new();
    for (team, score, day) in rows {
        ratings
            .entry((team, period_index(period, day)))
            .or_default()
            .push(score);
    }
    let mut serves: HashMap<String, Vec<(String, f64)>> = HashMap::new();
    for (t, s, w) in team_serves::table
        .select((
            team_serves::team_id,
            team_serves::served_team_id,
            team_serves::weight,
        ))
        .load::<(String, String, f64)>(conn)?
    {
        serves.entry(t).or_default().push((s, w));
    }
    let names: HashMap<String, String> = teams::table
        .select((teams::id, teams::name))
        .load(conn)?
        .into_iter()
        .collect();
    Ok(Inputs {
        engagement,
        ratings,
        serves,
        names,
        scope,
    })
}
