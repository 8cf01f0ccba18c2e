//! The linkage analysis the API and the web page call: who may see which teams (HR all,
//! managers their subtrees), the query's defaults and checks, then the analysis over the
//! loaded inputs — points, Pearson with its interval, Spearman, OLS, the within-team
//! result, the lag sweep, quadrants and plain warnings — and its SVG and CSV renderings.
//!
//! A team's engagement for a period is the mean engagement index of its subtree's
//! responses in rounds that closed in that period, counted only where the round's report
//! releases that team's engagement index (so linkage and reports cannot be subtracted to
//! reveal a small group). Its CX is the metric over its own ratings in the period shifted
//! by `lag`, counted only with at least `min_ratings` ratings; an internal team takes the
//! weighted CX of the frontline teams it serves (the service map).

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use crate::auth::Principal;
use crate::cx::metrics::{Metric, Period};
use crate::error::ApiError;
use crate::linkage::plot;
use crate::linkage::stats::{ols, pearson, pearson_within, spearman};
use crate::linkage::store::{Inputs, load};
use crate::linkage::types::{
    LagRow, Linkage, LinkageQuery, PearsonBlock, Point, QuadrantTeam, RegressionBlock,
    SpearmanBlock,
};
use crate::org::access::readable_teams;
use crate::payload::csv_field;
use crate::reports::audit_log;
use crate::reports::service::Purpose;
use crate::state::AppState;

/// The linkage analysis over the teams `p` may read (HR all, managers their subtrees),
/// audited: one `linkage.read` (JSON, SVG, the page) or `linkage.export` (CSV) row.
pub async fn linkage_analysis(
    state: &AppState,
    p: &Principal,
    q: LinkageQuery,
    purpose: Purpose,
) -> Result<Linkage, ApiError> {
    let metric = q.metric.unwrap_or(Metric::Csat);
    let period = q.period.unwrap_or(Period::Month);
    let today = crate::clock::now().date();
    let to = q.to.unwrap_or(today);
    let from = q.from.unwrap_or(to - chrono::TimeDelta::days(730));
    if from > to {
        return Err(ApiError::invalid("from", "must not be after `to`"));
    }
    let lag = q.lag.unwrap_or(0);
    if !(0..=3).contains(&lag) {
        return Err(ApiError::invalid("lag", "must be 0 to 3"));
    }
    let min_ratings = usize::try_from(q.min_ratings.unwrap_or(10)).unwrap_or(10);
    let survey = q.survey_id;
    let rounds_cache = state.rounds.clone();
    let (from_s, to_s, lag_s, min_s) = (
        from.to_string(),
        to.to_string(),
        lag.to_string(),
        min_ratings.to_string(),
    );
    let target = audit_log::target(
        "insights/linkage",
        &[
            ("metric", Some(metric.as_str())),
            ("period", Some(period_key(period))),
            ("from", Some(&from_s)),
            ("to", Some(&to_s)),
            ("lag", Some(&lag_s)),
            ("survey_id", survey.as_deref()),
            ("min_ratings", Some(&min_s)),
        ],
    );
    let action = match purpose {
        Purpose::Read => "linkage.read",
        Purpose::Export => "linkage.export",
    };
    let inputs = audit_log::audited_read(state, p, action, move |conn, p| {
        let scope = readable_teams(conn, p)?;
        if scope.as_ref().is_some_and(|s| s.is_empty()) {
            return Err(ApiError::Forbidden);
        }
        let inputs = load(
            conn,
            &rounds_cache,
            metric,
            period,
            from,
            to,
            survey.as_deref(),
            scope,
        )?;
        Ok((target, inputs))
    })
    .await?;
    Ok(analyse(&inputs, metric, period, lag, min_ratings))
}

fn period_key(period: Period) -> &'static str {
    match period {
        Period::Month => "month",
        Period::Quarter => "quarter",
    }
}

/// The scatter plot of a linkage analysis: points, the OLS fit and its band, in English
/// (the web page draws it in the reader's language with [`plot::linkage_chart`]).
pub fn linkage_svg(linkage: &Linkage) -> String {
    plot::linkage_chart(linkage, &plot::ChartText::english(linkage))
}

/// The points of a linkage analysis as CSV, one line per team-period.
pub fn linkage_csv(linkage: &Linkage) -> String {
    let mut out =
        String::from("team_id,team,period,engagement,cx,n_responses,n_ratings,via_service_map\n");
    for p in &linkage.points {
        let name = csv_field(&p.team);
        let _ = writeln!(
            out,
            "{},{name},{},{},{},{},{},{}",
            p.team_id, p.period, p.engagement, p.cx, p.n_responses, p.n_ratings, p.via_service_map
        );
    }
    out
}

fn period_label(p: Period, i: i64) -> String {
    match p {
        Period::Month => format!("{:04}-{:02}", i.div_euclid(12), i.rem_euclid(12) + 1),
        Period::Quarter => format!("{:04}-Q{}", i.div_euclid(4), i.rem_euclid(4) + 1),
    }
}

/// The analysis tables, computed once per request and shared by every lag: each
/// team-period's engagement (in scope, sorted) and each team-period's CX value where it
/// has at least `min_ratings` ratings.
struct Tables<'a> {
    /// (team, period, engagement, responses).
    engagement: Vec<(&'a str, i64, f64, i64)>,
    cx: HashMap<&'a str, HashMap<i64, (f64, usize)>>,
}

fn tables<'a>(inputs: &'a Inputs, metric: Metric, min_ratings: usize) -> Tables<'a> {
    let mut engagement: Vec<(&str, i64, f64, i64)> = inputs
        .engagement
        .iter()
        .filter(|((team, _), (_, n))| {
            *n > 0 && inputs.scope.as_ref().is_none_or(|s| s.contains(team))
        })
        .map(|((team, p), (sum, n))| (team.as_str(), *p, sum / *n as f64, *n))
        .collect();
    engagement.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    let mut cx: HashMap<&str, HashMap<i64, (f64, usize)>> = HashMap::new();
    for ((team, p), scores) in &inputs.ratings {
        if scores.len() >= min_ratings
            && let Some(v) = metric.value(scores)
        {
            cx.entry(team.as_str())
                .or_default()
                .insert(*p, (v, scores.len()));
        }
    }
    Tables { engagement, cx }
}

/// A team's CX in period `p`: its own, or the weighted CX of the teams it serves.
fn cx_for(inputs: &Inputs, t: &Tables, team: &str, p: i64) -> Option<(f64, usize, bool)> {
    let own = |team: &str| t.cx.get(team).and_then(|m| m.get(&p)).copied();
    match inputs.serves.get(team) {
        Some(served) if !served.is_empty() => {
            let mut acc = (0.0, 0.0, 0usize);
            for (s, w) in served {
                if let Some((v, k)) = own(s) {
                    acc = (acc.0 + w * v, acc.1 + w, acc.2 + k);
                }
            }
            (acc.1 > 0.0).then(|| (acc.0 / acc.1, acc.2, true))
        }
        _ => own(team).map(|(v, k)| (v, k, false)),
    }
}

/// (engagement, CX) pairs at a lag, for the lag sweep.
fn pairs_at(inputs: &Inputs, t: &Tables, lag: i64) -> (Vec<f64>, Vec<f64>) {
    t.engagement
        .iter()
        .filter_map(|(team, p, e, _)| cx_for(inputs, t, team, p + lag).map(|(c, _, _)| (*e, c)))
        .unzip()
}

fn points_for(inputs: &Inputs, t: &Tables, period: Period, lag: i64) -> Vec<Point> {
    t.engagement
        .iter()
        .filter_map(|(team, p, e, n)| {
            let (cx, n_ratings, via) = cx_for(inputs, t, team, p + lag)?;
            Some(Point {
                team_id: (*team).to_owned(),
                team: inputs.names.get(*team).cloned().unwrap_or_default(),
                period: period_label(period, *p),
                engagement: *e,
                cx,
                n_responses: *n,
                n_ratings: n_ratings as i64,
                via_service_map: via,
            })
        })
        .collect()
}

fn block(x: &[f64], y: &[f64]) -> Option<PearsonBlock> {
    pearson(x, y).map(|p| PearsonBlock {
        r: p.r,
        ci_low: p.ci_low,
        ci_high: p.ci_high,
        p: p.p,
    })
}

/// The whole analysis over loaded inputs: points, statistics, lag sweep, quadrants and
/// warnings. No I/O (the benchmark times exactly this).
fn analyse(
    inputs: &Inputs,
    metric: Metric,
    period: Period,
    lag: i32,
    min_ratings: usize,
) -> Linkage {
    let t = tables(inputs, metric, min_ratings);
    let points = points_for(inputs, &t, period, i64::from(lag));
    let x: Vec<f64> = points.iter().map(|p| p.engagement).collect();
    let y: Vec<f64> = points.iter().map(|p| p.cx).collect();
    let fit = ols(&x, &y);
    // Within-team: teams with at least two periods, centred on their own means.
    let mut per_team: HashMap<&str, usize> = HashMap::new();
    for p in &points {
        *per_team.entry(p.team_id.as_str()).or_default() += 1;
    }
    let kept: Vec<&Point> = points
        .iter()
        .filter(|p| per_team[p.team_id.as_str()] >= 2)
        .collect();
    let mut index: HashMap<&str, usize> = HashMap::new();
    let groups: Vec<usize> = kept
        .iter()
        .map(|p| {
            let next = index.len();
            *index.entry(p.team_id.as_str()).or_insert(next)
        })
        .collect();
    let within = pearson_within(
        &groups,
        &kept.iter().map(|p| p.engagement).collect::<Vec<_>>(),
        &kept.iter().map(|p| p.cx).collect::<Vec<_>>(),
    )
    .map(|p| PearsonBlock {
        r: p.r,
        ci_low: p.ci_low,
        ci_high: p.ci_high,
        p: p.p,
    });
    let lags = (0..=3)
        .map(|l| {
            let (lx, ly) = pairs_at(inputs, &t, l);
            let r = pearson(&lx, &ly);
            LagRow {
                lag: l as i32,
                n: lx.len() as i64,
                r: r.as_ref().map(|r| r.r),
                p: r.as_ref().map(|r| r.p),
            }
        })
        .collect();
    // Quadrants over per-team means, against the medians.
    let mut team_means: BTreeMap<&str, (f64, f64, f64)> = BTreeMap::new();
    for p in &points {
        let e = team_means
            .entry(p.team_id.as_str())
            .or_insert((0.0, 0.0, 0.0));
        *e = (e.0 + p.engagement, e.1 + p.cx, e.2 + 1.0);
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        let n = v.len();
        if n == 0 {
            0.0
        } else if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        }
    };
    let me = median(team_means.values().map(|t| t.0 / t.2).collect());
    let mc = median(team_means.values().map(|t| t.1 / t.2).collect());
    let quadrants: Vec<QuadrantTeam> = team_means
        .iter()
        .map(|(id, (e, c, n))| {
            let (e, c) = (e / n, c / n);
            // At or above the median counts as high (lower is better for CES).
            let hi_e = e >= me;
            let hi_c = if metric == Metric::Ces {
                c <= mc
            } else {
                c >= mc
            };
            QuadrantTeam {
                team_id: (*id).to_owned(),
                team: inputs.names.get(*id).cloned().unwrap_or_default(),
                engagement: e,
                cx: c,
                quadrant: format!(
                    "{}_{}",
                    if hi_e { "high" } else { "low" },
                    if hi_c { "high" } else { "low" }
                ),
                at_risk: !hi_e && !hi_c,
            }
        })
        .collect();
    let pear = block(&x, &y);
    let mut warnings = Vec::new();
    if points.len() < 10 {
        warnings.push(too_few_points(points.len()));
    }
    if let Some(p) = &pear
        && p.ci_low <= 0.0
        && p.ci_high >= 0.0
    {
        warnings.push("The 95% confidence interval of r includes zero: the data are consistent with no relationship.".into());
    }
    if let Some((team, n)) = per_team.iter().max_by_key(|(_, n)| **n)
        && points.len() >= 4
        && *n * 2 > points.len()
    {
        warnings.push(format!(
            "One team ({}) supplies {n} of the {} points and dominates the result.",
            inputs.names.get(*team).cloned().unwrap_or_default(),
            points.len()
        ));
    }
    Linkage {
        metric,
        period,
        lag,
        n: points.len() as i64,
        pearson: pear,
        spearman: spearman(&x, &y).map(|s| SpearmanBlock { rho: s.rho, p: s.p }),
        regression: fit.map(|f| RegressionBlock {
            slope: f.slope,
            intercept: f.intercept,
            slope_se: f.slope_se,
            intercept_se: f.intercept_se,
            slope_ci_low: f.slope_ci_low,
            slope_ci_high: f.slope_ci_high,
            r_squared: f.r_squared,
        }),
        within_team: within,
        lags,
        quadrants,
        warnings,
        points,
    }
}

/// The warning that `n` team-periods are too few for a conclusion, in English with the
/// count's plural form ("1 team-period has", "3 team-periods have").
pub fn too_few_points(n: usize) -> String {
    crate::plural::english_n(
        n as u64,
        "Only {n} team-period has both engagement and CX: too few for a conclusion (at least 10 are needed).",
        "Only {n} team-periods have both engagement and CX: too few for a conclusion (at least 10 are needed).",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 1,000 teams × 24 monthly periods, each with an engagement value and 20 CSAT
    /// ratings, a tenth of the teams internal and serving three others.
    fn generated() -> Inputs {
        let mut engagement = HashMap::new();
        let mut ratings = HashMap::new();
        let mut serves = HashMap::new();
        let mut names = HashMap::new();
        let mut rng = crate::testing::Lcg(0x5eed);
        let mut next = || rng.unit();
        for t in 0..1000 {
            let id = format!("team-{t:04}");
            names.insert(id.clone(), format!("Team {t}"));
            if t % 10 == 0 {
                serves.insert(
                    id.clone(),
                    (1..=3)
                        .map(|j| (format!("team-{:04}", (t + j) % 1000), 1.0))
                        .collect(),
                );
            }
            for p in 0..24i64 {
                let e = 40.0 + 40.0 * next();
                engagement.insert((id.clone(), 24_300 + p), (e * 8.0, 8));
                let share = 0.3 + 0.5 * e / 100.0;
                let scores = (0..20)
                    .map(|_| if next() < share { 5.0 } else { 2.0 })
                    .collect();
                ratings.insert((id.clone(), 24_300 + p), scores);
            }
        }
        Inputs {
            engagement,
            ratings,
            serves,
            names,
            scope: None,
        }
    }

    #[test]
    fn the_analysis_finds_the_generated_link() {
        let inputs = generated();
        let l = analyse(&inputs, Metric::Csat, Period::Month, 0, 10);
        assert_eq!(l.n, 24_000);
        assert!(
            l.pearson.as_ref().is_some_and(|p| p.r > 0.3),
            "{:?}",
            l.pearson.as_ref().map(|p| p.r)
        );
        assert_eq!(l.lags.len(), 4);
        // Lag 3 drops the last three periods of every team.
        assert_eq!(l.lags[3].n, 21_000);
    }

    /// The timing of the analysis alone: run with
    /// `cargo test --release --lib -- --ignored --nocapture linkage_over_a_thousand_teams`.
    #[test]
    #[ignore = "a timing, meaningful only in a release build"]
    fn linkage_over_a_thousand_teams_and_24_periods() {
        let inputs = generated();
        let mut times = Vec::new();
        for _ in 0..5 {
            let start = std::time::Instant::now();
            let l = analyse(&inputs, Metric::Csat, Period::Month, 1, 10);
            times.push(start.elapsed());
            assert!(l.n > 20_000);
        }
        times.sort();
        println!(
            "linkage for 1,000 teams × 24 periods: {:?} to {:?} over 5 runs",
            times[0], times[4]
        );
    }
}
