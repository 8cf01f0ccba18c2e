//! Small crowds: what a release plan adds so that a small or homogeneous group is not
//! named — the answers an item's single-valued blocks are checked on
//! ([`crate::anonymity::uniform`]), and participation planned by the engine on the
//! invitees (complementary suppression, as for scores).

use std::collections::HashMap;

use crate::anonymity::suppress::{Atom, Grid, release};
use crate::anonymity::uniform::Given;
use crate::db::AnyConnection;
use crate::error::ApiError;
use crate::reports::release::{Item, RoundData};
use crate::reports::scores::{Answer, engagement_index};
use crate::surveys::bank::QuestionKind;
use crate::surveys::store;

impl RoundData {
    /// The answers to `item`, for [`crate::anonymity::uniform::hide_uniform`]: each
    /// question's answers (a choice by its option), a driver's likert answers, each
    /// response's engagement index. eNPS states shares of categories only (as a
    /// favourable share does), and its item is checked as a question.
    pub(super) fn given(&self, item: &Item) -> Vec<Given> {
        let value = |a: &Answer| -> Option<u64> {
            match (&a.value, &a.choice) {
                (Some(v), _) => Some(v.to_bits()),
                (None, Some(c)) => {
                    use std::hash::{Hash, Hasher};
                    let mut h = std::collections::hash_map::DefaultHasher::new();
                    c.hash(&mut h);
                    Some(h.finish() | 1 << 63)
                }
                (None, None) => None,
            }
        };
        let ids: Vec<String> = match item {
            Item::Question(id) => vec![id.clone()],
            Item::Driver(d) => self
                .questions
                .iter()
                .filter(|q| q.driver == *d && q.kind == QuestionKind::Likert5)
                .map(|q| q.id.clone())
                .collect(),
            Item::Engagement | Item::Enps => Vec::new(),
        };
        let mut out = Vec::new();
        for r in &self.responses {
            let mut push = |key: u64| {
                out.push(Given {
                    node: r.node,
                    values: r.values.clone(),
                    key,
                })
            };
            if *item == Item::Engagement {
                if let Some(index) = engagement_index(&self.questions, &r.answers) {
                    push(index.to_bits());
                }
                continue;
            }
            for a in r
                .answers
                .iter()
                .filter(|a| ids.iter().any(|id| **id == *a.question_id))
            {
                if let Some(key) = value(a) {
                    push(key);
                }
            }
        }
        out
    }

    /// Which groups' participation may be shown, whether the round is open or closed:
    /// the engine's rules on the invitees (`[node][col]`; the whole-group column does not
    /// depend on the cuts). A count is shown only where it and every difference a
    /// reader can form from shown counts cover 0 or at least k invitees, so no
    /// difference follows whether fewer than k people have answered. It depends on the
    /// invitees alone (fixed when the round opens), not on who has answered.
    pub fn participation_plan(&self, with_cuts: bool) -> Vec<Vec<bool>> {
        let mut atoms: Vec<Atom> = Vec::new();
        let mut index = HashMap::new();
        for a in &self.invitees {
            let values = if with_cuts {
                a.values.clone()
            } else {
                Vec::new()
            };
            match index.get(&(a.node, values.clone())) {
                Some(&i) => {
                    let atom: &mut Atom = &mut atoms[i];
                    atom.size += a.size;
                }
                None => {
                    index.insert((a.node, values.clone()), atoms.len());
                    atoms.push(Atom {
                        node: a.node,
                        values,
                        size: a.size,
                    });
                }
            }
        }
        let grid = Grid {
            tree: self.tree.clone(),
            cut_sizes: if with_cuts {
                self.cuts.iter().map(|c| c.1.len()).collect()
            } else {
                Vec::new()
            },
            atoms,
        };
        release(&grid, self.k.get(), None)
    }

    /// Per node, whether the participation of its direct members (not its subtree) may
    /// be shown: only where the plan already determines it — the team is shown and so
    /// is each of its child teams with invitees (its direct members are then the
    /// difference of shown counts).
    pub fn direct_participation_shown(&self) -> Vec<bool> {
        let plan = self.participation_plan(false);
        (0..self.tree.len())
            .map(|n| {
                plan[n][0]
                    && self
                        .tree
                        .children(n)
                        .iter()
                        .all(|&c| plan[c][0] || self.invited(c, None) == 0)
            })
            .collect()
    }
}

/// Who of a round's invitees can be reached: their account is activated (it has a
/// password, so they can sign in and answer), or they have answered (which proves it;
/// it matters only for people given a session without a password, as the demo's are),
/// or they have neither an e-mail address nor a phone and a sheet of kiosk codes was
/// printed for their team.
/// A deactivated invitee who had activated stays reachable: they could answer until
/// they left. Counted per team (node) of the invitee's round record: while the round is
/// open, afresh on every report (people activate while it runs); once it has closed, as
/// counted when its ballots were opened (who could answer it; an activation after the
/// close changes nothing), kept with the round.
pub struct Reach {
    /// Per node, the reachable invitees recorded in that team itself (not its subtree).
    pub direct: Vec<usize>,
    /// Per node, the reachable invitees of its subtree.
    total: Vec<usize>,
}

impl Reach {
    /// Loads who of `data`'s round invitees can be reached: a closed round's counts as
    /// they stood when its ballots were opened ([`store::frozen_reach`]), an open
    /// round's (or one closed before counts were kept) as they stand now.
    pub fn load(conn: &mut AnyConnection, data: &RoundData) -> Result<Reach, ApiError> {
        let round_id = data.round.id.as_str();
        let frozen = store::frozen_reach(conn, round_id)?;
        let counts = if frozen.is_empty() {
            store::reachable_by_team(conn, round_id)?
        } else {
            frozen
        };
        Ok(Reach::counted(data, counts))
    }

    /// The reach of `counts` reachable invitees per team id.
    pub fn counted(data: &RoundData, counts: Vec<(String, i64)>) -> Reach {
        let mut direct = vec![0; data.tree.len()];
        for (team, n) in counts {
            let node = data.node(&team).unwrap_or(0);
            if let Some(d) = direct.get_mut(node) {
                *d += usize::try_from(n).unwrap_or(0);
            }
        }
        Reach::of(data, direct)
    }

    /// The reach of `direct` reachable invitees per node of `data`'s tree.
    pub fn of(data: &RoundData, direct: Vec<usize>) -> Reach {
        let mut total = vec![0; direct.len()];
        for (node, &d) in direct.iter().enumerate().filter(|&(_, &d)| d > 0) {
            // Its subtree's nodes: the organisation and every ancestor ([`RoundData::contains`]).
            let ancestors = data.ancestors.get(node).map(Vec::as_slice).unwrap_or(&[]);
            for &n in std::iter::once(&0).chain(ancestors.iter().filter(|&&a| a != 0)) {
                if let Some(t) = total.get_mut(n) {
                    *t += d;
                }
            }
        }
        Reach { direct, total }
    }

    /// Reachable invitees in `node`'s subtree.
    pub fn reachable(&self, node: usize) -> usize {
        self.total.get(node).copied().unwrap_or(0)
    }

    /// Per node, whether its reachable count may be shown: only where its participation
    /// is shown (the whole-group column of [`RoundData::participation_plan`]) and the
    /// engine, run on the reachable invitees within that plan, releases it — every shown
    /// count and every difference of shown counts covers 0 or at least k reachable
    /// people — or where nobody of the group is reachable (a 0 adds no equation about
    /// anyone). Any subset of these cells is as safe (fewer differences can be formed),
    /// so a closed round shows it only on groups whose participation it shows.
    pub fn plan(&self, data: &RoundData) -> Vec<bool> {
        self.plan_within(data, &data.participation_plan(false))
    }

    /// [`Reach::plan`] within `participation`, the round's
    /// [`RoundData::participation_plan`] without cuts.
    pub fn plan_within(&self, data: &RoundData, participation: &[Vec<bool>]) -> Vec<bool> {
        let atoms = self
            .direct
            .iter()
            .enumerate()
            .filter(|&(_, &size)| size > 0)
            .map(|(node, &size)| Atom {
                node,
                values: Vec::new(),
                size,
            })
            .collect();
        let grid = Grid {
            tree: data.plan_tree.clone(),
            cut_sizes: Vec::new(),
            atoms,
        };
        let released = release(&grid, data.k.get(), Some(participation));
        (0..data.tree.len())
            .map(|n| participation[n][0] && (released[n][0] || self.reachable(n) == 0))
            .collect()
    }

    /// Per node, whether the reachable count of its direct members may be shown (the
    /// per-team list): where the team's is shown and so is each child team's.
    pub fn direct_shown(&self, data: &RoundData, plan: &[bool]) -> Vec<bool> {
        (0..data.tree.len())
            .map(|n| {
                plan[n]
                    && data
                        .tree
                        .children(n)
                        .iter()
                        .all(|&c| plan[c] || self.reachable(c) == 0)
            })
            .collect()
    }
}
