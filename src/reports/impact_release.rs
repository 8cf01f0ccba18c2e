//! Driver impact of every group of a closed round, made with the round's release plan
//! (pure): which groups and drivers are released, and the figures from the round's
//! materialised responses ([`super::impact_stats`]). Read by [`super::impact`].
//!
//! Release: the group must be shown by the round's release plan (the group and its
//! engagement index), and have at least max(k, [`MIN_RESPONDENTS`]) responses; a driver
//! the plan hides for the group is left out of the figures. Otherwise the answer says
//! `withheld` and why — never an empty list that looks like "no impact". Figures are
//! rounded to 2 decimals.
//!
//! The figures rest on every response of the group, the very set of people the report
//! releases, so impact adds no set an adversary could subtract from another: a driver
//! that somebody of the group left unanswered is left out (`protects_smaller_group`),
//! and a missing engagement index withholds the whole impact. (Computed over the complete
//! cases, "the group but its two skippers" beside the group itself would single the
//! skippers out; `tests/api/impact/adversary.rs` shows the attack.)

use crate::reports::impact_stats::{fit, focus_areas, respondents_scores};
use crate::reports::release::{Item, Plan, RoundData};
use crate::reports::scores::{Answer, GroupScores};
use crate::reports::types::{DriverImpact, FocusArea, HiddenReason, Impact, ImpactWithheld};
use crate::surveys::bank::{Driver, QuestionKind};

/// The fewest responses a group's driver impact rests on (or k, if larger):
/// correlations of fewer people are too unstable to act on.
pub const MIN_RESPONDENTS: usize = 25;

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// A 1–5 mean on the engagement index's 0–100 scale.
fn on_100(mean: f64) -> f64 {
    (mean - 1.0) / 4.0 * 100.0
}

fn shown(plan: &Plan, item: &Item, node: usize) -> bool {
    plan.items.get(item).is_some_and(|m| m[node][0])
}

/// The drivers the survey asks about with likert items, engagement aside.
fn asked_drivers(data: &RoundData) -> Vec<Driver> {
    Driver::ALL
        .into_iter()
        .filter(|&d| d != Driver::EngagementOutcome)
        .filter(|&d| {
            data.questions
                .iter()
                .any(|q| q.driver == d && q.kind == QuestionKind::Likert5)
        })
        .collect()
}

/// What every group's impact is computed from: each response scored once.
struct Scored<'a> {
    asked: Vec<Driver>,
    /// Per response (in `data.responses` order): its engagement index and its score per
    /// driver of `asked`.
    rows: Vec<(Option<f64>, Vec<Option<f64>>)>,
    organisation: &'a GroupScores,
}

/// The impact of every node's group under `plan`, in node order. Made once with the
/// round's plan (so the background warm-up of a closed round computes it too); each
/// request then only reads its node's.
pub fn impacts_of(data: &RoundData, plan: &Plan) -> Vec<Impact> {
    let asked = asked_drivers(data);
    let answers: Vec<&[Answer]> = data
        .responses
        .iter()
        .map(|r| r.answers.as_slice())
        .collect();
    let rows = respondents_scores(&data.questions, &asked, &answers);
    let organisation = data.scores(0, None);
    let scored = Scored {
        asked,
        rows,
        organisation: &organisation,
    };
    (0..data.subtree.len())
        .map(|node| impact_of(data, plan, node, &scored))
        .collect()
}

/// The impact of `node`'s group under `plan`.
fn impact_of(data: &RoundData, plan: &Plan, node: usize, scored: &Scored<'_>) -> Impact {
    let min = data.k.get().max(MIN_RESPONDENTS);
    let mut out = Impact {
        round_id: data.round.id.clone(),
        team_id: data.team_id(node).map(str::to_owned),
        label: data.label(node),
        min_respondents: min as i64,
        released: false,
        withheld: None,
        n: None,
        r_squared: None,
        drivers: Vec::new(),
        focus_areas: Vec::new(),
    };
    let withhold = |mut out: Impact, why: ImpactWithheld| {
        out.withheld = Some(why);
        out
    };
    let members: &[usize] = data.subtree.get(node).map_or(&[], Vec::as_slice);
    if members.len() < min {
        return withhold(out, ImpactWithheld::FewerThanMinRespondents);
    }
    let group_shown = plan.groups.get(node).is_some_and(|g| g[0]);
    if !group_shown || !shown(plan, &Item::Engagement, node) {
        return withhold(out, ImpactWithheld::ProtectsSmallerGroup);
    }
    // Impact rests on the whole group the report releases, never on a part of it: a
    // figure over "the group but those who skipped an item", beside the group's own
    // figures, would single the skippers out. So a driver somebody of the group left
    // unanswered is left out, and an engagement index missing for anybody withholds all.
    let asked = &scored.asked;
    let scored_rows: Vec<&(Option<f64>, Vec<Option<f64>>)> =
        members.iter().filter_map(|&i| scored.rows.get(i)).collect();
    if scored_rows.iter().any(|(e, _)| e.is_none()) {
        return withhold(out, ImpactWithheld::ProtectsSmallerGroup);
    }
    let answered_by_all = |j: usize| scored_rows.iter().all(|(_, s)| s[j].is_some());
    let modelled: Vec<Driver> = asked
        .iter()
        .enumerate()
        .filter(|&(j, d)| shown(plan, &Item::Driver(*d), node) && answered_by_all(j))
        .map(|(_, d)| *d)
        .collect();
    if modelled.is_empty() {
        return withhold(out, ImpactWithheld::NothingToRelate);
    }
    let mut columns: Vec<Vec<f64>> = vec![Vec::new(); modelled.len()];
    let mut index = Vec::new();
    for (e, scores) in &scored_rows {
        index.push(e.unwrap_or_default());
        let of_modelled = asked
            .iter()
            .zip(scores)
            .filter(|(d, _)| modelled.contains(d))
            .map(|(_, s)| s.unwrap_or_default());
        for (c, s) in columns.iter_mut().zip(of_modelled) {
            c.push(s);
        }
    }
    let f = fit(&columns, &index);
    if f.correlations.iter().all(Option::is_none) {
        return withhold(out, ImpactWithheld::NothingToRelate);
    }
    let group = data.scores(node, None);
    let org = scored.organisation;
    let score_of = |s: &GroupScores, d: Driver| {
        s.drivers
            .iter()
            .find(|x| x.driver == d)
            .and_then(|x| x.mean)
            .map(on_100)
    };
    let k = data.k.get();
    // (driver, exact weight, exact score relative to the organisation) of the modelled.
    let mut exact: Vec<(Driver, Option<f64>, Option<f64>)> = Vec::new();
    for &d in asked {
        let Some(j) = modelled.iter().position(|m| *m == d) else {
            let n = group
                .drivers
                .iter()
                .find(|x| x.driver == d)
                .map_or(0, |x| x.n);
            // Shown by the plan but skipped by somebody: left out for their sake.
            let hidden = if shown(plan, &Item::Driver(d), node) {
                HiddenReason::ProtectsSmallerGroup
            } else {
                HiddenReason::of(n, k)
            };
            out.drivers.push(DriverImpact {
                driver: d,
                suppressed: true,
                hidden: Some(hidden),
                score: None,
                organisation_score: None,
                relative_score: None,
                r: None,
                ci_low: None,
                ci_high: None,
                relative_weight: None,
                share: None,
            });
            continue;
        };
        let score = score_of(&group, d);
        let org_score = score_of(org, d).filter(|_| shown(plan, &Item::Driver(d), 0));
        let relative = score.zip(org_score).map(|(s, o)| s - o);
        let weight = f.weights[j];
        let share = weight
            .zip(f.r_squared)
            .filter(|(_, r2)| *r2 > 0.0)
            .map(|(w, r2)| 100.0 * w / r2);
        let c = f.correlations[j];
        exact.push((d, weight, relative));
        out.drivers.push(DriverImpact {
            driver: d,
            suppressed: false,
            hidden: None,
            score: score.map(round2),
            organisation_score: org_score.map(round2),
            relative_score: relative.map(round2),
            r: c.map(|c| round2(c.r)),
            ci_low: c.map(|c| round2(c.ci_low)),
            ci_high: c.map(|c| round2(c.ci_high)),
            relative_weight: weight.map(round2),
            share: share.map(round2),
        });
    }
    let pairs: Vec<(Option<f64>, Option<f64>)> = exact.iter().map(|e| (e.1, e.2)).collect();
    out.focus_areas = focus_areas(&pairs)
        .into_iter()
        .filter_map(|i| {
            let (d, w, rel) = exact[i];
            let (w, rel, r2) = (w?, rel?, f.r_squared?);
            Some(FocusArea {
                driver: d,
                relative_weight: round2(w),
                share: round2(if r2 > 0.0 { 100.0 * w / r2 } else { 0.0 }),
                points_below: round2(-rel),
            })
        })
        .collect();
    out.released = true;
    out.n = Some(f.n as i64);
    out.r_squared = f.r_squared.map(round2);
    out
}
