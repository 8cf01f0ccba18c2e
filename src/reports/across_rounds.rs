//! Differencing across rounds: a later round of a survey may not release what, set
//! against an earlier round's releases, isolates the few people who joined or left a
//! group in between.
//!
//! Participation says exactly who answered each round, so the server sees a risky pair
//! of releases before it makes the second. The attacker is granted the strongest
//! assumption: everyone who answered both rounds gave the same answers twice. Under it,
//! a person is one unknown across both rounds, and every released sum of either round is
//! an equation over people. The released groups of the later round are audited
//! together with those of every earlier closed round of the same survey, pair by pair,
//! with the linear audit of a single round ([`crate::anonymity::linear_audit`]): the
//! atoms are the people who share their stored cells in both rounds (those who answered
//! only one of them are atoms of their own), and while the total of some union of fewer
//! than k people is determined, a later-round group that enters it is hidden. One person
//! joining a team between rounds is such a union: the team's two totals differ by them
//! alone, directly or as a parent less a sibling.
//!
//! After each pass the single-round rules run again, so the later plan stays a plan of
//! its own round too. A pass settles one exposure, or, as a single round's plan does,
//! every exposure of the large components (2,000 atoms or more) from one elimination:
//! a pair of monthly rounds of 100,000 people forms such components, and settling
//! their hundreds of exposures one elimination each took minutes a pair. The earlier round's releases are never changed: a report
//! once read stays as it was. What remains to an attacker is written in
//! `docs/SECURITY.md` ("Across rounds").

use std::collections::{HashMap, HashSet};

use crate::anonymity::fixes::{BATCH_FROM, Solved, candidates, released_above, this_pass};
use crate::anonymity::linear_audit::{Audit, Cell, Verdicts};
use crate::anonymity::suppress::settle;

use super::footprint::Footprint;
use super::release::{InviteeTuple, RoundData, StoredCell, TeamRows};

/// The later round's released groups once no earlier round can be subtracted from them
/// to isolate fewer than k people.
pub fn limit(
    later: &RoundData,
    mut groups: Vec<Vec<bool>>,
    earlier: &[&Footprint],
) -> Vec<Vec<bool>> {
    if earlier.is_empty() {
        return groups;
    }
    let this = Footprint::of(later, Vec::new());
    for e in earlier {
        groups = audit_pair(later, &this, groups, e);
    }
    groups
}

/// The linear audit over both rounds' released groups, people as unknowns.
fn audit_pair(
    later: &RoundData,
    this: &Footprint,
    mut groups: Vec<Vec<bool>>,
    e: &Footprint,
) -> Vec<Vec<bool>> {
    let k = later.k.get();
    let (n_before, c_before) = (e.groups.len(), e.groups.first().map_or(0, Vec::len));
    let grid = later.grid(|_| 1, true);
    let counts = grid.counts();
    let c_later = grid.cols();
    // Atoms: the people who share their stored cells in both rounds.
    type Stored = Option<StoredCell>;
    let mut pairs: HashMap<u128, (Stored, Stored)> = HashMap::new();
    for (p, cell) in &e.people {
        pairs.entry(*p).or_default().0 = cell.clone();
    }
    for (p, cell) in &this.people {
        pairs.entry(*p).or_default().1 = cell.clone();
    }
    let mut sizes: HashMap<(Stored, Stored), usize> = HashMap::new();
    for pair in pairs.into_values() {
        if pair.0.is_some() || pair.1.is_some() {
            *sizes.entry(pair).or_default() += 1;
        }
    }
    // One order, whatever order rows came back in: the plan is a function of the data.
    let mut atoms: Vec<((Stored, Stored), usize)> = sizes.into_iter().collect();
    atoms.sort();
    let (mut paths, mut cols, mut size) = (Vec::new(), Vec::new(), Vec::new());
    for ((before, now), n) in &atoms {
        let (mut path, mut col) = (Vec::new(), Vec::new());
        if let Some((node, values)) = before {
            path.extend(e.chain(*node));
            col.extend(e.columns(values));
        }
        if let Some((node, values)) = now {
            path.extend(this.chain(*node).into_iter().map(|x| x + n_before));
            col.extend(this.columns(values).into_iter().map(|x| x + c_before));
        }
        paths.push(path);
        cols.push(col);
        size.push(*n);
    }
    let audit = Audit::new(paths, cols, size, k);
    let both = |groups: &[Vec<bool>]| -> Vec<Vec<bool>> {
        let width = c_before + c_later;
        let mut shown = vec![vec![false; width]; n_before + groups.len()];
        for (n, row) in e.groups.iter().enumerate() {
            shown[n][..row.len()].copy_from_slice(row);
        }
        for (n, row) in groups.iter().enumerate() {
            shown[n_before + n][c_before..c_before + row.len()].copy_from_slice(row);
        }
        shown
    };
    let parent = grid.parents();
    let mut cache = Verdicts::new();
    loop {
        let shown = both(&groups);
        let d = audit.decompose(&shown);
        // As in a single round's plan ([`crate::anonymity::suppress::release`]): large
        // components settle all their exposures in one pass from one elimination; while
        // there is none, one exposure at a time, the rules between.
        let large = |c: usize| d.components[c].atoms.len() >= BATCH_FROM;
        let any_large = (0..d.components.len()).any(large);
        let exposed = audit.all_exposures(&d, &mut cache, !any_large);
        if exposed.is_empty() {
            break;
        }
        let (batch, settled) = this_pass(exposed, large);
        let now = &groups;
        let later = |(n, c): Cell| Some((n.checked_sub(n_before)?, c.checked_sub(c_before)?));
        let mut hide: Vec<Cell> = Vec::new();
        for (c, found, passes) in settled {
            let fixes = Solved::new(&audit, &d.components[c]).fixes(
                &audit,
                found,
                passes,
                // Later cells whose sums enter the combination, and released ones
                // directly below them; smallest first.
                |involved| {
                    let involved: HashSet<Cell> =
                        involved.iter().filter_map(|&x| later(x)).collect();
                    candidates(now, &parent, &counts, 0..c_later, &involved)
                        .into_iter()
                        .map(|(n, c)| (n + n_before, c + c_before))
                        .collect()
                },
                |x| {
                    let (p, c) = released_above(now, &parent, later(x)?)?;
                    Some((p + n_before, c + c_before))
                },
            );
            let cells: Vec<Cell> = if batch {
                fixes.iter().filter_map(|&x| later(x)).collect()
            } else {
                fixes.first().and_then(|&x| later(x)).into_iter().collect()
            };
            if cells.is_empty() {
                // Not expected: the earlier round alone exposes nobody, so some later
                // cell is involved. Never release what cannot be shown safe.
                return groups.iter().map(|row| vec![false; row.len()]).collect();
            }
            hide.extend(cells);
        }
        for (n, c) in hide {
            groups[n][c] = false;
        }
        groups = settle(&grid, k, groups);
    }
    groups
}

/// Where the close stored each respondent's answers, as (node, value indexes), from the
/// respondents' invitations and the round's frozen tree: the same pure placement the
/// close ran on the opened ballots, which carry the same team and segments.
pub(super) fn placed_people(
    respondents: &[(String, InviteeTuple)],
    team_rows: &TeamRows,
    node_of: &HashMap<String, usize>,
    cuts: &[(&'static str, Vec<String>)],
    mask: [bool; 3],
    k: usize,
) -> Vec<(String, Option<StoredCell>)> {
    let collected: Vec<usize> = (0..3).filter(|&i| mask[i]).collect();
    let parent_of: HashMap<String, Option<String>> = team_rows
        .iter()
        .map(|(id, _, parent)| (id.clone(), parent.clone()))
        .collect();
    let ballots: Vec<crate::surveys::placement::Placed> = respondents
        .iter()
        .map(|(_, (t, l, j, tn))| (t.clone(), [l.clone(), j.clone(), tn.clone()]))
        .collect();
    let places = crate::surveys::placement::place(&ballots, &parent_of, mask, k);
    respondents
        .iter()
        .zip(places)
        .map(|((person, _), place)| {
            let cell = place.and_then(|(team, segs)| {
                let node = node_of.get(&team).copied().unwrap_or(0);
                let values: Option<Vec<usize>> = collected
                    .iter()
                    .enumerate()
                    .map(|(c, &i)| {
                        let v = segs
                            .get(i)
                            .cloned()
                            .flatten()
                            .unwrap_or_else(|| crate::surveys::generalise::OTHER.to_owned());
                        cuts.get(c)?.1.iter().position(|x| *x == v)
                    })
                    .collect();
                Some((node, values?))
            });
            (person.clone(), cell)
        })
        .collect()
}
