//! A closed round's responses loaded for reporting, and the release plan the anonymity
//! engine makes for it: which groups (teams, segments) and which items (engagement
//! index, eNPS, each driver, each question, each comment question) may be shown.
//!
//! The plan covers the whole organisation and every cut the survey collects at once, so
//! whichever report is asked for, by whom, it shows cells of the same plan.

use std::collections::HashMap;

use diesel::prelude::*;

use crate::anonymity::aggregate::restrict;
use crate::anonymity::min_group::MinGroup;
use crate::anonymity::suppress::{Atom, Grid, Tree, release};
use crate::anonymity::uniform::hide_uniform;
use crate::db::AnyConnection;
use crate::db::schema::{answers, responses, round_invitees, round_teams, teams};
use crate::error::ApiError;
use crate::reports::scores::{
    Answer, GroupScores, QuestionIds, QuestionInfo, engagement_index, score_group,
};
use crate::surveys::bank::{Driver, ENPS_KEY, QuestionKind};
use crate::surveys::model::{CUTS, RoundRow, SurveyRow, cuts_mask};
use crate::surveys::store;

/// One stored response (its id names its conversations), placed in the tree and cuts.
pub struct Resp {
    pub id: String,
    pub node: usize,
    /// Per collected cut, the index of its value in `RoundData::cuts`.
    pub values: Vec<usize>,
    pub answers: Vec<Answer>,
    /// (question id, text) of the free-text answers.
    pub texts: Vec<(String, String)>,
}

/// What may be shown about one item.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Item {
    Engagement,
    Enps,
    Driver(Driver),
    Question(String),
}

/// How much of a round [`RoundData::load_with`] reads.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Loaded {
    /// Everything a report shows.
    Answers,
    /// Where each response is stored, without its answers: enough for the plan of the
    /// groups ([`RoundData::groups_after`]) and for participation.
    Cells,
}

/// Where a response is stored: its node and the index of its value of each collected cut.
pub type StoredCell = (usize, Vec<usize>);

pub struct RoundData {
    pub round: RoundRow,
    pub survey: SurveyRow,
    pub questions: Vec<QuestionInfo>,
    /// Node 0 is the organisation; node i + 1 is `teams[i]`.
    pub teams: Vec<(String, String)>,
    pub node_of: HashMap<String, usize>,
    /// The tree with each node's children by name, for display.
    pub tree: Tree,
    /// The tree with each node's children by team id: the release plan's ties follow
    /// this order, never a name.
    pub plan_tree: Tree,
    /// For each node, itself and its ancestors up to the root.
    pub ancestors: Vec<Vec<usize>>,
    /// The collected cuts: (name, values seen in this round).
    pub cuts: Vec<(&'static str, Vec<String>)>,
    pub responses: Vec<Resp>,
    /// Per node, the indexes of the responses in its subtree.
    pub subtree: Vec<Vec<usize>>,
    /// Invitees per atom (node, values), for participation rates.
    pub invitees: Vec<Atom>,
    /// The invited team's node of everyone who has answered (participation, which is
    /// live while the round is open; what they answered is sealed until the close).
    pub answered: Vec<usize>,
    /// For a closed round, everyone who answered and the cell their answers are stored
    /// in (node, value per collected cut), or `None` where they were dropped: the
    /// placement the close made ([`crate::surveys::placement`]), recomputed from who
    /// answered. It says nothing of what anyone answered; it lets the plan compare the
    /// people behind a group with an earlier round's ([`super::across_rounds`]).
    pub people: Vec<(String, Option<StoredCell>)>,
    pub k: MinGroup,
}

pub struct Plan {
    /// `[node][col]`: whether the group itself is shown.
    pub groups: Vec<Vec<bool>>,
    pub items: HashMap<Item, Vec<Vec<bool>>>,
    /// Per text question: `[node]` whether its comments are shown.
    pub comments: HashMap<String, Vec<bool>>,
    /// Per question with a distribution: `[node][col]` whether its counts per answer are
    /// shown (the question shown, and its group of at least 2k answers; planned like
    /// the question itself, so no difference gives a smaller group's counts).
    pub distributions: HashMap<String, Vec<Vec<bool>>>,
    /// `[node][col]`: whether the group's participation is shown (a shown group's cells
    /// of [`RoundData::participation_plan`]).
    pub participation: Vec<Vec<bool>>,
}

/// (id, name, parent id) of every team, ordered by id: the tree a round is reported on.
/// The release plan breaks every tie between equal groups by this order, so a team's
/// name never decides which of two equal teams is shown (renaming one would otherwise
/// flip the choice and let a reader subtract the two plans).
pub type TeamRows = Vec<(String, String, Option<String>)>;

/// Loads the current team tree (an open round's reports are made on it).
pub fn team_rows(conn: &mut AnyConnection) -> Result<TeamRows, ApiError> {
    Ok(teams::table
        .select((teams::id, teams::name, teams::parent_id))
        .order(teams::id)
        .load(conn)?)
}

/// The tree a closed round's reports are made on: the one frozen when it closed
/// ([`crate::surveys::materialise`]); the current tree for a round closed before trees
/// were frozen.
pub fn closed_team_rows(conn: &mut AnyConnection, round_id: &str) -> Result<TeamRows, ApiError> {
    let frozen = frozen_team_rows(conn, round_id)?;
    if frozen.is_empty() {
        return team_rows(conn);
    }
    Ok(frozen)
}

/// The tree frozen when round `round_id` closed: written with its materialisation and
/// never changed after; empty for a round closed before trees were frozen.
pub fn frozen_team_rows(conn: &mut AnyConnection, round_id: &str) -> Result<TeamRows, ApiError> {
    Ok(round_teams::table
        .filter(round_teams::round_id.eq(round_id))
        .select((
            round_teams::team_id,
            round_teams::name,
            round_teams::parent_id,
        ))
        .order(round_teams::team_id)
        .load(conn)?)
}

impl RoundData {
    /// Loads everything a report needs about a round.
    pub fn load(conn: &mut AnyConnection, round: RoundRow) -> Result<RoundData, ApiError> {
        let teams = team_rows(conn)?;
        Self::load_with(conn, round, teams, Loaded::Answers)
    }

    /// [`RoundData::load`] on a team tree already read, with or without the answers.
    pub fn load_with(
        conn: &mut AnyConnection,
        round: RoundRow,
        team_rows: TeamRows,
        loaded: Loaded,
    ) -> Result<RoundData, ApiError> {
        let survey =
            store::find_survey(conn, &round.survey_id)?.ok_or(ApiError::NotFound("survey"))?;
        let rows = store::questions(conn, &survey.id)?;
        let questions: Vec<QuestionInfo> = rows
            .iter()
            .map(|q| QuestionInfo {
                id: q.id.clone(),
                kind: QuestionKind::parse(&q.kind).unwrap_or(QuestionKind::Text),
                driver: Driver::parse(&q.driver).unwrap_or(Driver::Voice),
                is_enps: q.bank_item.as_deref() == Some(ENPS_KEY),
                options: q.options_list(),
            })
            .collect();
        let node_of: HashMap<String, usize> = team_rows
            .iter()
            .enumerate()
            .map(|(i, t)| (t.0.clone(), i + 1))
            .collect();
        let mut parents = vec![None];
        parents.extend(team_rows.iter().map(|t| {
            Some(
                t.2.as_ref()
                    .and_then(|p| node_of.get(p).copied())
                    .unwrap_or(0),
            )
        }));
        let plan_tree = Tree::from_parents(&parents);
        let tree = plan_tree.sorted_by(|n| {
            n.checked_sub(1)
                .and_then(|i| team_rows.get(i))
                .map(|t| (t.1.clone(), t.0.clone()))
        });
        let mask = cuts_mask(&survey.cuts);
        let collected: Vec<usize> = (0..3).filter(|&i| mask[i]).collect();

        type Row = (
            String,
            String,
            Option<String>,
            Option<String>,
            Option<String>,
        );
        let resp_rows: Vec<Row> = responses::table
            .filter(responses::round_id.eq(&round.id))
            .select((
                responses::id,
                responses::team_id,
                responses::location,
                responses::job_family,
                responses::tenure,
            ))
            .load(conn)?;
        let answer_rows: Vec<AnswerTuple> = if loaded == Loaded::Cells {
            Vec::new()
        } else {
            answers::table
                .inner_join(responses::table.on(responses::id.eq(answers::response_id)))
                .filter(responses::round_id.eq(&round.id))
                .select((
                    answers::response_id,
                    answers::question_id,
                    answers::value,
                    answers::choice,
                    answers::text,
                ))
                .load(conn)?
        };
        let invitee_rows: Vec<InviteeTuple> = round_invitees::table
            .filter(round_invitees::round_id.eq(&round.id))
            .select((
                round_invitees::team_id,
                round_invitees::location,
                round_invitees::job_family,
                round_invitees::tenure,
            ))
            .load(conn)?;
        let respondents: Vec<(String, InviteeTuple)> = store::respondents(conn, &round.id)?;
        let answered: Vec<usize> = respondents
            .iter()
            .map(|(_, (t, ..))| node_of.get(t).copied().unwrap_or(0))
            .collect();
        let mut cuts: Vec<(&'static str, Vec<String>)> =
            collected.iter().map(|&i| (CUTS[i], Vec::new())).collect();
        let mut value_index = |cut: usize, v: Option<&String>| -> usize {
            let v = v
                .cloned()
                .unwrap_or_else(|| crate::surveys::generalise::OTHER.to_owned());
            let list = &mut cuts[cut].1;
            match list.iter().position(|x| *x == v) {
                Some(i) => i,
                None => {
                    list.push(v);
                    list.len() - 1
                }
            }
        };
        let pick = |i: usize,
                    l: &Option<String>,
                    j: &Option<String>,
                    t: &Option<String>|
         -> Option<String> {
            match i {
                0 => l.clone(),
                1 => j.clone(),
                _ => t.clone(),
            }
        };
        let mut by_id: HashMap<String, usize> = HashMap::new();
        let mut resps = Vec::new();
        for (id, team, l, j, t) in &resp_rows {
            let node = node_of.get(team).copied().unwrap_or(0);
            let values = collected
                .iter()
                .enumerate()
                .map(|(c, &i)| value_index(c, pick(i, l, j, t).as_ref()))
                .collect();
            by_id.insert(id.clone(), resps.len());
            resps.push(Resp {
                id: id.clone(),
                node,
                values,
                answers: Vec::new(),
                texts: Vec::new(),
            });
        }
        let mut ids = QuestionIds::default();
        for (rid, qid, value, choice, text) in answer_rows {
            let Some(&i) = by_id.get(&rid) else { continue };
            match text {
                Some(t) => resps[i].texts.push((qid, t)),
                None => resps[i].answers.push(ids.answer(qid, value, choice)),
            }
        }
        // The round is kept for its reports: no spare capacity per response.
        resps.iter_mut().for_each(|r| r.answers.shrink_to_fit());
        let mut invitees: Vec<Atom> = Vec::new();
        let mut invitee_index = HashMap::new();
        for (team, l, j, t) in &invitee_rows {
            let node = node_of.get(team).copied().unwrap_or(0);
            let values: Vec<usize> = collected
                .iter()
                .enumerate()
                .map(|(c, &i)| value_index(c, pick(i, l, j, t).as_ref()))
                .collect();
            add_atom_indexed(&mut invitees, &mut invitee_index, node, values, 1);
        }
        // The plan must be a function of the round's data, not of the order rows come
        // back in (PostgreSQL's heap order moves): every cut's values in one order.
        for (c, (_, values)) in cuts.iter_mut().enumerate() {
            let mut order: Vec<usize> = (0..values.len()).collect();
            order.sort_by(|&x, &y| values[x].cmp(&values[y]));
            let mut rank = vec![0; order.len()];
            for (new, &old) in order.iter().enumerate() {
                rank[old] = new;
            }
            *values = order.iter().map(|&old| values[old].clone()).collect();
            for r in resps.iter_mut() {
                if let Some(v) = r.values.get_mut(c) {
                    *v = rank.get(*v).copied().unwrap_or(*v);
                }
            }
            for a in invitees.iter_mut() {
                if let Some(v) = a.values.get_mut(c) {
                    *v = rank.get(*v).copied().unwrap_or(*v);
                }
            }
        }
        let people = if round.materialised_at.is_some() {
            super::across_rounds::placed_people(
                &respondents,
                &team_rows,
                &node_of,
                &cuts,
                mask,
                MinGroup::stored(survey.min_group).get(),
            )
        } else {
            Vec::new()
        };
        let ancestors = crate::anonymity::suppress::paths_of(&parents);
        let mut subtree = vec![Vec::new(); parents.len()];
        for (i, r) in resps.iter().enumerate() {
            for &a in ancestors.get(r.node).map(Vec::as_slice).unwrap_or(&[]) {
                subtree[a].push(i);
            }
            // The organisation (node 0) holds everyone, whatever the chain says.
            if !ancestors.get(r.node).is_some_and(|c| c.contains(&0)) {
                subtree[0].push(i);
            }
        }
        Ok(RoundData {
            subtree,
            k: MinGroup::stored(survey.min_group),
            round,
            survey,
            questions,
            teams: team_rows
                .into_iter()
                .map(|(id, name, _)| (id, name))
                .collect(),
            node_of,
            ancestors,
            tree,
            plan_tree,
            cuts,
            responses: resps,
            invitees,
            answered,
            people,
        })
    }

    pub(crate) fn grid(&self, size: impl Fn(&Resp) -> usize, with_cuts: bool) -> Grid {
        let mut atoms = Vec::new();
        let mut index = HashMap::new();
        for r in &self.responses {
            let n = size(r);
            if n > 0 {
                let values = if with_cuts {
                    r.values.clone()
                } else {
                    Vec::new()
                };
                add_atom_indexed(&mut atoms, &mut index, r.node, values, n);
            }
        }
        Grid {
            tree: self.plan_tree.clone(),
            cut_sizes: if with_cuts {
                self.cuts.iter().map(|c| c.1.len()).collect()
            } else {
                Vec::new()
            },
            atoms,
        }
    }

    /// The release plan for this round whose released groups are `groups` (planned by
    /// [`RoundData::groups_after`] or recorded, [`super::recorded_release`]).
    pub fn plan_on(&self, groups: Vec<Vec<bool>>) -> Plan {
        let k = self.k.get();
        let mut items = HashMap::new();
        let qs = &self.questions;
        let answered = |r: &Resp, id: &str| {
            r.answers.iter().any(|a| {
                *a.question_id == *id && a.value.or(a.choice.as_ref().map(|_| 0.0)).is_some()
            })
        };
        // Items answered by the same responses share a grid, and so a plan: most
        // questions are required, so most items are planned once.
        let mut planned: HashMap<Vec<Atom>, Vec<Vec<bool>>> = HashMap::new();
        let mut grids: HashMap<Item, Grid> = HashMap::new();
        let mut add = |item: Item, size: &dyn Fn(&Resp) -> usize| {
            let grid = self.grid(size, true);
            let mask = match planned.get(&grid.atoms) {
                Some(mask) => mask.clone(),
                None => {
                    let mask = release(&grid, k, Some(&groups));
                    planned.insert(grid.atoms.clone(), mask.clone());
                    mask
                }
            };
            items.insert(item.clone(), mask);
            grids.insert(item, grid);
        };
        add(Item::Engagement, &|r| {
            usize::from(engagement_index(qs, &r.answers).is_some())
        });
        let enps_ids = self.enps_items();
        if !enps_ids.is_empty() {
            let ids = enps_ids.clone();
            add(Item::Enps, &move |r| {
                usize::from(ids.iter().any(|id| answered(r, id)))
            });
        }
        for d in Driver::ALL {
            let ids = self.driver_items(d);
            if !ids.is_empty() {
                add(Item::Driver(d), &move |r| {
                    usize::from(ids.iter().any(|id| answered(r, id)))
                });
            }
        }
        for q in qs.iter().filter(|q| q.kind != QuestionKind::Text) {
            let id = q.id.clone();
            add(Item::Question(q.id.clone()), &move |r| {
                usize::from(answered(r, &id))
            });
        }
        let before_uniform = items.clone();
        // A group whose answers to an item are all equal would name each member's
        // answer: no released block of an item is single-valued.
        for (item, grid) in &grids {
            if let Some(mask) = items.get(item) {
                let kept = hide_uniform(grid, k, &self.given(item), mask.clone());
                items.insert(item.clone(), kept);
            }
        }
        // Numbers over several items show only beside those items (their equations are
        // then sums of released ones).
        for d in Driver::ALL {
            let mut over = vec![Item::Driver(d)];
            if d == Driver::EngagementOutcome {
                over.push(Item::Engagement);
            }
            self.restrict_aggregate(&mut items, &over, &self.driver_items(d));
        }
        self.restrict_aggregate(&mut items, &[Item::Enps], &enps_ids);
        // Counts per answer only for groups of at least 2k answers, planned inside the
        // question's cells before the single-valued rule (shared by questions answered by
        // the same responses), then cut to where the question is shown: a subset of a
        // safe plan's cells is safe (fewer differences can be formed).
        let mut distributions = HashMap::new();
        type Planned = HashMap<(Vec<Atom>, Vec<Vec<bool>>), Vec<Vec<bool>>>;
        let mut dist_planned: Planned = HashMap::new();
        for q in qs.iter().filter(|q| q.kind != QuestionKind::Text) {
            let item = Item::Question(q.id.clone());
            let (Some(grid), Some(first), Some(mask)) = (
                grids.get(&item),
                before_uniform.get(&item),
                items.get(&item),
            ) else {
                continue;
            };
            let key = (grid.atoms.clone(), first.clone());
            let planned = dist_planned
                .entry(key)
                .or_insert_with(|| release(grid, 2 * k, Some(first)));
            let dist = planned
                .iter()
                .zip(mask)
                .map(|(d, m)| d.iter().zip(m).map(|(d, m)| *d && *m).collect())
                .collect();
            distributions.insert(q.id.clone(), dist);
        }
        let participation = self
            .participation_plan(true)
            .into_iter()
            .zip(&groups)
            .map(|(p, g)| p.iter().zip(g).map(|(p, g)| *p && *g).collect())
            .collect();
        let whole: Vec<Vec<bool>> = groups.iter().map(|row| vec![row[0]]).collect();
        let mut comments = HashMap::new();
        for q in qs.iter().filter(|q| q.kind == QuestionKind::Text) {
            let id = q.id.clone();
            let mask = release(
                &self.grid(
                    |r| r.texts.iter().filter(|(qid, _)| *qid == id).count(),
                    false,
                ),
                self.k.comment_floor(),
                Some(&whole),
            );
            comments.insert(q.id.clone(), mask.into_iter().map(|row| row[0]).collect());
        }
        Plan {
            groups,
            items,
            comments,
            distributions,
            participation,
        }
    }

    /// The likert items of a driver: its mean and favourable share cover their answers
    /// (the engagement index, for the engagement outcome, too).
    fn driver_items(&self, d: Driver) -> Vec<String> {
        self.questions
            .iter()
            .filter(|q| q.driver == d && q.kind == QuestionKind::Likert5)
            .map(|q| q.id.clone())
            .collect()
    }

    /// The items eNPS counts promoters, passives and detractors over.
    fn enps_items(&self) -> Vec<String> {
        self.questions
            .iter()
            .filter(|q| q.is_enps && q.kind == QuestionKind::Scale11)
            .map(|q| q.id.clone())
            .collect()
    }

    /// Hides the cells of `over` (numbers covering the answers to `ids`) where they would
    /// give away a hidden item ([`crate::anonymity::aggregate`]).
    fn restrict_aggregate(
        &self,
        items: &mut HashMap<Item, Vec<Vec<bool>>>,
        over: &[Item],
        ids: &[String],
    ) {
        let numeric = |a: &Answer, id: &str| *a.question_id == *id && a.value.is_some();
        let members: Vec<(Grid, Vec<Vec<bool>>)> = ids
            .iter()
            .map(|id| {
                let grid = self.grid(
                    |r| r.answers.iter().filter(|a| numeric(a, id)).count(),
                    true,
                );
                // An item without a plan counts as hidden everywhere.
                let mask = items
                    .get(&Item::Question(id.clone()))
                    .cloned()
                    .unwrap_or_else(|| vec![vec![false; grid.cols()]; grid.tree.len()]);
                (grid, mask)
            })
            .collect();
        let present: Vec<&Item> = over.iter().filter(|i| items.contains_key(i)).collect();
        // The numbers over the items are planned on the responses they cover.
        let covered = self.grid(
            |r| {
                usize::from(
                    r.answers
                        .iter()
                        .any(|a| ids.iter().any(|id| numeric(a, id))),
                )
            },
            true,
        );
        let members: Vec<(&Grid, &[Vec<bool>])> =
            members.iter().map(|(g, m)| (g, m.as_slice())).collect();
        for item in present {
            if let Some(mask) = items.get(item).cloned() {
                let kept = restrict(&members, &covered, self.k.get(), mask);
                items.insert(item.clone(), kept);
            }
        }
    }

    /// Whether `node`'s subtree contains `member`.
    pub fn contains(&self, node: usize, member: usize) -> bool {
        node == 0
            || self
                .ancestors
                .get(member)
                .is_some_and(|a| a.contains(&node))
    }

    /// The responses of a cell: a node's subtree, optionally one value of one cut.
    pub fn cell(&self, node: usize, segment: Option<(usize, usize)>) -> Vec<&Resp> {
        self.subtree
            .get(node)
            .map(Vec::as_slice)
            .unwrap_or(&[])
            .iter()
            .map(|&i| &self.responses[i])
            .filter(|r| segment.is_none_or(|(c, v)| r.values.get(c) == Some(&v)))
            .collect()
    }

    /// Invitees of a cell.
    /// How many people of `node`'s subtree have answered (participation).
    pub fn answered(&self, node: usize) -> usize {
        self.answered
            .iter()
            .filter(|&&n| self.contains(node, n))
            .count()
    }

    pub fn invited(&self, node: usize, segment: Option<(usize, usize)>) -> usize {
        self.invitees
            .iter()
            .filter(|a| self.contains(node, a.node))
            .filter(|a| segment.is_none_or(|(c, v)| a.values.get(c) == Some(&v)))
            .map(|a| a.size)
            .sum()
    }

    /// Scores of a cell, before any suppression.
    pub fn scores(&self, node: usize, segment: Option<(usize, usize)>) -> GroupScores {
        let answers: Vec<&[Answer]> = self
            .cell(node, segment)
            .into_iter()
            .map(|r| r.answers.as_slice())
            .collect();
        score_group(&self.questions, &answers)
    }

    /// The plan's column for a cell.
    pub fn column(&self, segment: Option<(usize, usize)>) -> usize {
        match segment {
            None => 0,
            Some((c, v)) => 1 + self.cuts[..c].iter().map(|x| x.1.len()).sum::<usize>() + v,
        }
    }

    /// The node of a team id (None for unknown teams).
    pub fn node(&self, team_id: &str) -> Option<usize> {
        self.node_of.get(team_id).copied()
    }

    pub fn team_id(&self, node: usize) -> Option<&str> {
        node.checked_sub(1)
            .and_then(|i| self.teams.get(i))
            .map(|t| t.0.as_str())
    }

    pub fn label(&self, node: usize) -> String {
        node.checked_sub(1)
            .and_then(|i| self.teams.get(i))
            .map_or_else(|| "All".to_owned(), |t| t.1.clone())
    }
}

/// (response id, question id, value, choice, text).
type AnswerTuple = (String, String, Option<f64>, Option<String>, Option<String>);
/// (team id, location, job family, tenure).
pub(super) type InviteeTuple = (String, Option<String>, Option<String>, Option<String>);

/// Adds `n` to the atom (node, values), found through `index` in constant time.
fn add_atom_indexed(
    atoms: &mut Vec<Atom>,
    index: &mut HashMap<(usize, Vec<usize>), usize>,
    node: usize,
    values: Vec<usize>,
    n: usize,
) {
    match index.get(&(node, values.clone())) {
        Some(&i) => atoms[i].size += n,
        None => {
            index.insert((node, values.clone()), atoms.len());
            atoms.push(Atom {
                node,
                values,
                size: n,
            });
        }
    }
}
