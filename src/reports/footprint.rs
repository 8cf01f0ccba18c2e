//! What the plan of a later round needs of an earlier round of its survey
//! ([`super::across_rounds`]): where each respondent's answers are stored, the tree and
//! cuts those cells are counted on, and the groups its plan released — not its answers.
//!
//! A round's released groups depend on the footprints of the rounds before it, so the
//! twelfth monthly round needs the eleven before it. A footprint is a few bytes a
//! respondent; a whole kept round ([`super::closed_rounds::Closed`]) is kilobytes a
//! respondent, so the footprints of a survey's history are kept where its rounds are
//! not, and an earlier round missing from them is planned from its stored cells alone
//! ([`super::release::Loaded::Cells`]): the groups only, never its items or comments.
//!
//! A survey's trend reads one figure per round, so each footprint also keeps, once the
//! round has been planned in full, every team's point as the plan shows its whole group
//! ([`Points`]): a trend over twelve rounds reads twelve kept rows, not twelve rounds.

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::OnceLock;

use crate::anonymity::suppress::release;
use crate::error::ApiError;

use super::release::{Item, Plan, RoundData, StoredCell};
use super::types::HiddenReason;
use super::views::scored_group_view;

/// A closed round as the plans of later rounds see it.
pub struct Footprint {
    /// Per respondent: a key of their person id ([`person_key`]) and the cell their
    /// answers are stored in (`None` where the close dropped them).
    pub(super) people: Vec<(u128, Option<StoredCell>)>,
    /// For each node, itself and its ancestors up to the root.
    ancestors: Vec<Vec<usize>>,
    /// How many values each collected cut has in this round.
    cut_sizes: Vec<usize>,
    /// `[node][col]`: the groups the round's plan released.
    pub groups: Vec<Vec<bool>>,
    /// Every team's trend point, once the round has been planned in full.
    pub points: OnceLock<Points>,
}

/// A closed round's whole group of every team as a trend shows it.
pub struct Points {
    node_of: HashMap<String, usize>,
    /// By node (node 0: the organisation).
    cells: Vec<Point>,
}

/// One team's point of a round: what [`super::views::group_view`] shows of its whole group.
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    pub suppressed: bool,
    pub hidden: Option<HiddenReason>,
    pub n: Option<i64>,
    pub engagement_index: Option<f64>,
    pub enps: Option<f64>,
    /// The exact engagement index and how many responses it is the mean of, where the
    /// plan releases the group and its engagement index (what the EX–CX linkage
    /// weighs; the report shows it to one decimal).
    pub engagement: Option<(f64, usize)>,
}

impl Point {
    fn of(data: &RoundData, plan: &Plan, node: usize) -> Point {
        let (g, scores) = scored_group_view(data, plan, None, node, None);
        let released = plan.groups[node][0]
            && plan
                .items
                .get(&Item::Engagement)
                .is_some_and(|m| m[node][0]);
        let engagement = scores
            .filter(|_| released)
            .and_then(|s| s.engagement_index.map(|ei| (ei, s.engagement_n)));
        Point {
            suppressed: g.suppressed,
            hidden: g.hidden,
            n: g.n,
            engagement_index: g.engagement_index,
            enps: g.enps,
            engagement,
        }
    }
}

impl Points {
    /// Every node's point under `plan`.
    pub fn of(data: &RoundData, plan: &Plan) -> Points {
        Points {
            node_of: data.node_of.clone(),
            cells: (0..data.tree.len())
                .map(|n| Point::of(data, plan, n))
                .collect(),
        }
    }

    /// Every team's point, with its team id.
    pub fn teams(&self) -> impl Iterator<Item = (&str, &Point)> {
        self.node_of
            .iter()
            .filter_map(|(id, &n)| Some((id.as_str(), self.cells.get(n)?)))
    }

    /// The point of `team` (`None`: the organisation); 404 for a team the round's tree
    /// does not hold.
    pub fn of_team(&self, team: &Option<String>) -> Result<&Point, ApiError> {
        let node = match team {
            Some(t) => *self.node_of.get(t).ok_or(ApiError::NotFound("team"))?,
            None => 0,
        };
        self.cells.get(node).ok_or(ApiError::NotFound("team"))
    }
}

impl Footprint {
    /// The footprint of `data` whose plan released `groups`.
    pub fn of(data: &RoundData, groups: Vec<Vec<bool>>) -> Footprint {
        Footprint {
            people: data
                .people
                .iter()
                .map(|(id, cell)| (person_key(id), cell.clone()))
                .collect(),
            ancestors: data.ancestors.clone(),
            cut_sizes: data.cuts.iter().map(|c| c.1.len()).collect(),
            groups,
            points: OnceLock::new(),
        }
    }

    /// How many respondents it describes (what bounds the footprints kept).
    pub fn respondents(&self) -> usize {
        self.people.len()
    }

    /// The nodes whose subtree holds `node`, itself first, the organisation last.
    pub(super) fn chain(&self, node: usize) -> Vec<usize> {
        let mut chain = self
            .ancestors
            .get(node)
            .cloned()
            .unwrap_or_else(|| vec![node]);
        if !chain.contains(&0) {
            chain.push(0);
        }
        chain
    }

    /// The columns of a stored cell: the whole group, then one per collected cut.
    pub(super) fn columns(&self, values: &[usize]) -> Vec<usize> {
        let mut cols = vec![0];
        let mut before = 1;
        for (c, &v) in values.iter().enumerate() {
            cols.push(before + v);
            before += self.cut_sizes.get(c).copied().unwrap_or(0);
        }
        cols
    }
}

impl RoundData {
    /// The release plan for this round, on its own.
    pub fn plan(&self) -> Plan {
        self.plan_after(&[])
    }

    /// The release plan for this round, after the `earlier` closed rounds of its survey
    /// ([`super::across_rounds`]).
    pub fn plan_after(&self, earlier: &[&Footprint]) -> Plan {
        self.plan_on(self.groups_after(earlier))
    }

    /// The groups this round's plan releases after the earlier closed rounds of its
    /// survey: the engine's plan of the round on its own, less what could be subtracted
    /// from an earlier round's releases ([`super::across_rounds::limit`]). It reads where
    /// responses are stored, never their answers.
    pub fn groups_after(&self, earlier: &[&Footprint]) -> Vec<Vec<bool>> {
        let groups = release(&self.grid(|_| 1, true), self.k.get(), None);
        super::across_rounds::limit(self, groups, earlier)
    }
}

/// A 128-bit key of a person id under keys drawn once per process: footprints match a
/// respondent across rounds by it without holding their id. Two of a million people
/// share a key with a probability under 10⁻²⁶.
pub(super) fn person_key(id: &str) -> u128 {
    static KEYS: OnceLock<(std::hash::RandomState, std::hash::RandomState)> = OnceLock::new();
    let (a, b) =
        KEYS.get_or_init(|| (std::hash::RandomState::new(), std::hash::RandomState::new()));
    (u128::from(a.hash_one(id)) << 64) | u128::from(b.hash_one(id))
}
