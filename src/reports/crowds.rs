//! Small crowds: what a release plan adds so that a small or homogeneous group is not
//! named — the answers an item's single-valued blocks are checked on
//! ([`crate::anonymity::uniform`]), and participation planned by the engine on the
//! invitees (complementary suppression, as for scores).

use std::collections::HashMap;

use crate::anonymity::suppress::{Atom, Grid, release};
use crate::anonymity::uniform::Given;
use crate::reports::release::{Item, RoundData};
use crate::reports::scores::{Answer, engagement_index};
use crate::surveys::bank::QuestionKind;

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
            for a in r.answers.iter().filter(|a| ids.contains(&a.question_id)) {
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
