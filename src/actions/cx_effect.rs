//! The customer side of a done action's effect: the ratings of the teams the action's
//! team serves (its own when it serves none — a frontline team; every rating for an
//! action of the whole organisation), pooled, in the 90 days before the day it was done
//! and from that day for up to 90 days (or until today), per metric.
//!
//! Each rating is one observation: CSAT 100 for a 4 or 5 and 0 otherwise, NPS 100 for
//! a 9 or 10, −100 for 0–6 and 0 otherwise, CES its score; the mean is the metric's
//! value. The change is after − before, with a 95% interval from the normal
//! approximation to the difference of two independent means (each side's unbiased
//! variance over its count, summed). It is a before/after comparison with no control
//! group: an interval that contains 0 reads as no clear change, and fewer than
//! [`MIN_RATINGS`] on a side is too few to compare.

use chrono::{Duration, NaiveDate};
use diesel::prelude::*;

use crate::actions::types::{CxEffect, CxVerdict};
use crate::cx::metrics::Metric;
use crate::db::AnyConnection;
use crate::db::schema::{cx_ratings, team_serves};
use crate::error::ApiError;

/// Days on each side of the day the action was done.
pub const WINDOW_DAYS: i64 = 90;
/// Ratings needed on each side to compare a metric.
pub const MIN_RATINGS: usize = 30;
/// The 97.5th percentile of the standard normal distribution.
const Z95: f64 = 1.959_963_984_540_054;

/// One rating as the observation whose mean is the metric's value.
fn observation(metric: Metric, score: f64) -> f64 {
    match metric {
        Metric::Csat => {
            if score >= 4.0 {
                100.0
            } else {
                0.0
            }
        }
        Metric::Nps => {
            if score >= 9.0 {
                100.0
            } else if score <= 6.0 {
                -100.0
            } else {
                0.0
            }
        }
        Metric::Ces => score,
    }
}

/// Mean and unbiased variance (0 for a single value).
fn mean_var(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let ss = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>();
    (mean, if xs.len() > 1 { ss / (n - 1.0) } else { 0.0 })
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Compares the scores of one metric before and after.
pub fn compare(metric: Metric, before: &[f64], after: &[f64]) -> CxEffect {
    let obs = |s: &[f64]| {
        s.iter()
            .map(|x| observation(metric, *x))
            .collect::<Vec<_>>()
    };
    let (b, a) = (obs(before), obs(after));
    let mut out = CxEffect {
        metric,
        before_n: b.len() as i64,
        before: (!b.is_empty()).then(|| round2(mean_var(&b).0)),
        after_n: a.len() as i64,
        after: (!a.is_empty()).then(|| round2(mean_var(&a).0)),
        change: None,
        change_low: None,
        change_high: None,
        verdict: CxVerdict::TooFewRatings,
    };
    if b.len() < MIN_RATINGS || a.len() < MIN_RATINGS {
        return out;
    }
    let ((mb, vb), (ma, va)) = (mean_var(&b), mean_var(&a));
    let change = ma - mb;
    let half = Z95 * (vb / b.len() as f64 + va / a.len() as f64).sqrt();
    out.change = Some(round2(change));
    out.change_low = Some(round2(change - half));
    out.change_high = Some(round2(change + half));
    out.verdict = if change - half > 0.0 || change + half < 0.0 {
        CxVerdict::Changed
    } else {
        CxVerdict::NoClearChange
    };
    out
}

/// The teams whose ratings count for an action of `team` (none: every rating), and
/// the comparison per metric that has a rating on either side.
pub fn load(
    conn: &mut AnyConnection,
    team: Option<&str>,
    done_on: NaiveDate,
    today: NaiveDate,
) -> Result<(Vec<String>, Vec<CxEffect>), ApiError> {
    let teams: Vec<String> = match team {
        None => Vec::new(),
        Some(t) => {
            let served: Vec<String> = team_serves::table
                .filter(team_serves::team_id.eq(t))
                .select(team_serves::served_team_id)
                .order(team_serves::served_team_id)
                .load(conn)?;
            if served.is_empty() {
                vec![t.to_owned()]
            } else {
                served
            }
        }
    };
    let from = done_on - Duration::days(WINDOW_DAYS);
    let until = (done_on + Duration::days(WINDOW_DAYS - 1)).min(today);
    let mut q = cx_ratings::table
        .filter(cx_ratings::occurred_on.ge(from))
        .filter(cx_ratings::occurred_on.le(until))
        .select((
            cx_ratings::metric,
            cx_ratings::score,
            cx_ratings::occurred_on,
        ))
        .into_boxed();
    if team.is_some() {
        q = q.filter(cx_ratings::team_id.eq_any(teams.clone()));
    }
    let rows: Vec<(String, f64, NaiveDate)> = q.load(conn)?;
    let mut out = Vec::new();
    for metric in [Metric::Csat, Metric::Nps, Metric::Ces] {
        let side = |after: bool| -> Vec<f64> {
            rows.iter()
                .filter(|(m, _, day)| {
                    Metric::parse(m) == Some(metric) && (*day >= done_on) == after
                })
                .map(|(_, s, _)| *s)
                .collect()
        };
        let (before, after) = (side(false), side(true));
        if !before.is_empty() || !after.is_empty() {
            out.push(compare(metric, &before, &after));
        }
    }
    Ok((teams, out))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Worked by hand: CSAT before 30 ratings, 15 of them 4–5 (p = 0.5), after 40
    /// ratings, 30 of them 4–5 (p = 0.75). Observations are 0/100, so the unbiased
    /// variances are 100² · p(1−p) · n/(n−1): 2500 · 30/29 and 1875 · 40/39. The change
    /// is 25; its half-width 1.959964 · √(2500/29 + 1875/39) = 1.959964 · √134.285...
    #[test]
    fn a_csat_change_and_its_interval_match_the_hand_computation() {
        let before: Vec<f64> = (0..30).map(|i| if i < 15 { 5.0 } else { 2.0 }).collect();
        let after: Vec<f64> = (0..40).map(|i| if i < 30 { 4.0 } else { 1.0 }).collect();
        let e = compare(Metric::Csat, &before, &after);
        let half = 1.959_963_984_540_054 * (2500.0_f64 / 29.0 + 1875.0 / 39.0).sqrt();
        assert_eq!(e.before, Some(50.0));
        assert_eq!(e.after, Some(75.0));
        assert_eq!(e.change, Some(25.0));
        assert_eq!(e.change_low, Some(((25.0 - half) * 100.0).round() / 100.0));
        assert_eq!(e.change_high, Some(((25.0 + half) * 100.0).round() / 100.0));
        assert_eq!(e.verdict, CxVerdict::Changed);
        // 25 ± 22.71: the interval is (2.29, 47.71).
        assert_eq!(e.change_low, Some(2.29));
    }

    #[test]
    fn nps_counts_promoters_and_detractors_and_a_small_side_is_not_compared() {
        // 10 promoters, 10 passives, 10 detractors: NPS 0; after: 20 promoters, 10
        // detractors: NPS 33.33.
        let before: Vec<f64> = (0..30).map(|i| [10.0, 7.0, 3.0][i % 3]).collect();
        let after: Vec<f64> = (0..30).map(|i| [9.0, 9.0, 0.0][i % 3]).collect();
        let e = compare(Metric::Nps, &before, &after);
        assert_eq!(
            (e.before, e.after, e.change),
            (Some(0.0), Some(33.33), Some(33.33))
        );
        // Before: values 100, 0, −100 → variance 20000/3 · 30/29; after: 100, 100, −100
        // → mean 33.33, variance (2·66.67² + 133.33²)/3 · 30/29 = 8888.89 · 30/29.
        let vb = 20000.0 / 3.0 * 30.0 / 29.0;
        let va = (2.0 * (200.0_f64 / 3.0).powi(2) + (400.0_f64 / 3.0).powi(2)) / 3.0 * 30.0 / 29.0;
        let half = 1.959_963_984_540_054 * (vb / 30.0 + va / 30.0).sqrt();
        assert_eq!(
            e.change_low,
            Some(((100.0 / 3.0 - half) * 100.0).round() / 100.0)
        );
        assert_eq!(e.verdict, CxVerdict::NoClearChange);
        let few = compare(Metric::Ces, &[3.0; 29], &[5.0; 40]);
        assert_eq!(few.verdict, CxVerdict::TooFewRatings);
        assert_eq!(
            (few.before, few.after, few.change),
            (Some(3.0), Some(5.0), None)
        );
    }
}
