//! What a closed round's reports reuse from one read to the next: the participation
//! plan (it depends on the invitees alone), the plan of reachable counts for the reach
//! last read, and each group as the release plan shows it. A closed round's data and
//! plan never change while it is kept ([`super::closed_rounds`]), so neither do these,
//! nor the reach counted at its close. A round closed before that count was kept is
//! counted afresh, so the reachable counts are filled in on every read.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use crate::db::AnyConnection;
use crate::error::ApiError;
use crate::reports::crowds::Reach;
use crate::reports::release::{Item, Plan, RoundData};
use crate::reports::scores::GroupScores;
use crate::reports::types::{
    Bucket, DistributionWithheld, DriverCell, Group, HiddenReason, ParticipationCell, QuestionCell,
};
use crate::surveys::store;

/// Groups kept per round; past it the kept ones are dropped and made again as read
/// (a report reads a team, its children and one cut's values).
const MAX_GROUPS: usize = 2048;

type GroupKey = (usize, Option<(usize, usize)>);

/// Who could be reached when the plan was made (per team, [`Reach::direct`]) and the plan.
type KeptReach = Option<(Vec<usize>, Arc<Vec<bool>>)>;

/// The reusable parts of a closed round's reports, made on first use.
#[derive(Default)]
pub struct Views {
    participation: OnceLock<Vec<Vec<bool>>>,
    /// The reach counted when the round closed, once read.
    frozen: OnceLock<Arc<Reach>>,
    reach: Mutex<KeptReach>,
    groups: Mutex<HashMap<GroupKey, Arc<Group>>>,
}

impl Views {
    /// The round's participation plan without cuts
    /// ([`RoundData::participation_plan`]).
    pub fn participation(&self, data: &RoundData) -> &[Vec<bool>] {
        self.participation
            .get_or_init(|| data.participation_plan(false))
    }

    /// Who of the round's invitees could be reached ([`Reach::load`]): the counts kept
    /// at its close are read once; a round closed before they were kept is counted
    /// afresh on every read.
    pub fn reach(
        &self,
        conn: &mut AnyConnection,
        data: &RoundData,
    ) -> Result<Arc<Reach>, ApiError> {
        if let Some(kept) = self.frozen.get() {
            return Ok(kept.clone());
        }
        let counts = store::frozen_reach(conn, &data.round.id)?;
        if counts.is_empty() {
            return Ok(Arc::new(Reach::load(conn, data)?));
        }
        let reach = Arc::new(Reach::counted(data, counts));
        Ok(self.frozen.get_or_init(|| reach).clone())
    }

    /// [`Reach::plan`] for `reach`, made again only when who can be reached has changed.
    pub fn reach_plan(&self, data: &RoundData, reach: &Reach) -> Arc<Vec<bool>> {
        {
            let kept = self.reach.lock().unwrap_or_else(|e| e.into_inner());
            if let Some((direct, plan)) = kept.as_ref()
                && *direct == reach.direct
            {
                return plan.clone();
            }
        }
        let plan = Arc::new(reach.plan_within(data, self.participation(data)));
        *self.reach.lock().unwrap_or_else(|e| e.into_inner()) =
            Some((reach.direct.clone(), plan.clone()));
        plan
    }

    /// The group of `node` (one value of a cut with `segment`) as `plan` shows it,
    /// without reachable counts ([`group_view`] with none).
    pub fn group(
        &self,
        data: &RoundData,
        plan: &Plan,
        node: usize,
        segment: Option<(usize, usize)>,
    ) -> Arc<Group> {
        let key = (node, segment);
        if let Some(g) = self
            .groups
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
        {
            return g.clone();
        }
        let g = Arc::new(group_view(data, plan, None, node, segment));
        let mut groups = self.groups.lock().unwrap_or_else(|e| e.into_inner());
        if groups.len() >= MAX_GROUPS {
            groups.clear();
        }
        groups.insert(key, g.clone());
        g
    }
}

fn shown(plan: &Plan, item: &Item, node: usize, col: usize) -> bool {
    plan.items.get(item).is_some_and(|m| m[node][col])
}

/// A released mean, share, index or eNPS as it is shown: to one decimal, for reading.
/// Rounding is not the protection (the plan holds for the exact numbers).
fn legible(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// A round's reachable invitees and, per node, whether their count may be shown
/// ([`Reach::plan`]).
pub(crate) type Reached<'a> = Option<(&'a Reach, &'a [bool])>;

/// The participation cell of a shown group: invited, answered and, for a team where
/// `reached` allows it, reachable (a cut's values carry no reachable count).
pub(crate) fn participation_cell(
    data: &RoundData,
    reached: Reached<'_>,
    node: usize,
    segment: Option<(usize, usize)>,
    invited: usize,
    answered: usize,
) -> ParticipationCell {
    let mut cell = ParticipationCell {
        invited: invited as i64,
        rate: answered as f64 / invited as f64,
        answered: answered as i64,
        reachable: None,
        reachable_rate: None,
        reachable_hidden: None,
    };
    reach_into(&mut cell, data, reached, node, segment);
    cell
}

/// Sets the reachable count of a team's participation cell where `reached` allows it.
pub(crate) fn reach_into(
    cell: &mut ParticipationCell,
    data: &RoundData,
    reached: Reached<'_>,
    node: usize,
    segment: Option<(usize, usize)>,
) {
    let (reachable, reachable_hidden) = match (reached, segment) {
        (Some((reach, shown)), None) => {
            let r = reach.reachable(node);
            if shown.get(node).copied().unwrap_or(false) {
                (Some(r), None)
            } else {
                (None, Some(HiddenReason::of(r, data.k.get())))
            }
        }
        _ => (None, None),
    };
    cell.reachable = reachable.map(|r| r as i64);
    // Nobody reachable: nobody could answer, and there is no rate to give.
    cell.reachable_rate = reachable
        .filter(|&r| r > 0)
        .map(|r| cell.answered as f64 / r as f64);
    cell.reachable_hidden = reachable_hidden;
}

pub(crate) fn group_view(
    data: &RoundData,
    plan: &Plan,
    reached: Reached<'_>,
    node: usize,
    segment: Option<(usize, usize)>,
) -> Group {
    scored_group_view(data, plan, reached, node, segment).0
}

/// [`group_view`] with the scores it was made from (`None`: the group is hidden, and
/// was not scored).
pub(crate) fn scored_group_view(
    data: &RoundData,
    plan: &Plan,
    reached: Reached<'_>,
    node: usize,
    segment: Option<(usize, usize)>,
) -> (Group, Option<GroupScores>) {
    let col = data.column(segment);
    let (cut, value) = match segment {
        Some((c, v)) => (
            Some(data.cuts[c].0.to_owned()),
            Some(data.cuts[c].1[v].clone()),
        ),
        None => (None, None),
    };
    let label = match &value {
        Some(v) => v.clone(),
        None => data.label(node),
    };
    let team_id = data.team_id(node).map(str::to_owned);
    let k = data.k.get();
    if !plan.groups[node][col] {
        // A team whose people answered but whose answers the close stored higher up (to
        // keep a smaller group unsingled) is hidden to protect that group.
        let people = match segment {
            None => data.cell(node, None).len().max(data.answered(node)),
            Some(_) => data.cell(node, segment).len(),
        };
        let group = Group::unscored(
            label,
            team_id,
            cut.zip(value),
            Some(HiddenReason::of(people, k)),
            None,
        );
        return (group, None);
    }
    let s = data.scores(node, segment);
    let invited = data.invited(node, segment);
    // (sd, low, high) of a mean shown, when it has a spread.
    let spread_of = |mean: Option<f64>, sd: Option<f64>, n: usize| {
        let (mean, sd) = mean.zip(sd)?;
        let (low, high) = crate::reports::scores::mean_interval(mean, sd, n)?;
        Some((sd, low, high))
    };
    let spread = spread_of(s.engagement_index, s.engagement_sd, s.engagement_n)
        .filter(|_| shown(plan, &Item::Engagement, node, col));
    let drivers = s
        .drivers
        .iter()
        .map(|d| {
            let on = shown(plan, &Item::Driver(d.driver), node, col);
            let spread = spread_of(d.mean, d.sd, d.answers).filter(|_| on);
            DriverCell {
                driver: d.driver,
                suppressed: !on,
                hidden: (!on).then(|| HiddenReason::of(d.n, k)),
                n: on.then_some(d.n as i64),
                mean: d.mean.filter(|_| on).map(legible),
                favorable: d.favorable.filter(|_| on).map(legible),
                answers: spread.map(|_| d.answers as i64),
                sd: spread.map(|s| (s.0 * 100.0).round() / 100.0),
                low: spread.map(|s| (s.1 * 100.0).round() / 100.0),
                high: spread.map(|s| (s.2 * 100.0).round() / 100.0),
            }
        })
        .collect();
    let questions = s
        .questions
        .iter()
        .filter(|q| {
            plan.items
                .contains_key(&Item::Question(q.question_id.clone()))
        })
        .map(|q| {
            let on = shown(plan, &Item::Question(q.question_id.clone()), node, col);
            let counts = on
                && plan
                    .distributions
                    .get(&q.question_id)
                    .is_some_and(|m| m[node][col]);
            QuestionCell {
                question_id: q.question_id.clone(),
                suppressed: !on,
                n: on.then_some(q.n as i64),
                mean: q.mean.filter(|_| on).map(legible),
                favorable: q.favorable.filter(|_| on).map(legible),
                distribution: counts.then(|| {
                    q.distribution
                        .iter()
                        .map(|(label, count)| Bucket {
                            label: label.clone(),
                            count: *count as i64,
                        })
                        .collect()
                }),
                distribution_withheld: (on && !counts).then_some(if q.n < 2 * k {
                    DistributionWithheld::FewerThanTwiceMinGroup
                } else {
                    DistributionWithheld::ProtectsSmallerGroup
                }),
            }
        })
        .collect();
    let group = Group {
        label,
        team_id,
        cut,
        value,
        suppressed: false,
        hidden: None,
        n: Some(s.n as i64),
        // Planned on the invitees: no difference of shown counts covers 1 to k − 1.
        participation: (plan.participation[node][col] && invited > 0).then(|| {
            // A team's participation counts who answered (as while the round was open),
            // also those whose answers the close stored higher up the tree; a cut's
            // counts the responses stored in it.
            let answered = match segment {
                None => data.answered(node),
                Some(_) => s.n,
            };
            participation_cell(data, reached, node, segment, invited, answered)
        }),
        engagement_index_sd: spread.map(|(sd, _, _)| legible(sd)),
        engagement_index_low: spread.map(|(_, low, _)| legible(low)),
        engagement_index_high: spread.map(|(_, _, high)| legible(high)),
        engagement_index: s
            .engagement_index
            .filter(|_| shown(plan, &Item::Engagement, node, col))
            .map(legible),
        enps: s
            .enps
            .filter(|_| shown(plan, &Item::Enps, node, col))
            .map(legible),
        drivers: Some(drivers),
        questions: Some(questions),
    };
    (group, Some(s))
}
