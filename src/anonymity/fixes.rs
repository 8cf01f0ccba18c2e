//! Which value cells to hide to end the exposures the linear audit finds
//! ([`super::linear_audit`]), chosen for many exposures from one solution of their
//! component.
//!
//! A released cell's sum enters the system as its *block* (the cell minus its released
//! children in the same column). Hiding cell `x` folds its block into the block of the
//! nearest released cell `y` above it in that column (or drops it, when there is none).
//! The equations after hiding are the old ones with `b_x` and `b_y` replaced by
//! `b_x + b_y`, so a set's total stays determined exactly when some combination `w` of
//! the old blocks that sums to it has `w_x = w_y` (or `w_x = 0`).
//!
//! Every such combination is one known combination `w⁰` plus a combination of the
//! *dependencies* (combinations of blocks that sum to zero, a basis from the same
//! elimination). So whether an exposure survives a set of hidden cells is a small
//! linear system over the dependencies' weights: solvable, and the total is still
//! determined; not, and the hiding ended it. Nothing is solved again per trial, and the
//! exposures of one component are all settled from one elimination.
//!
//! The choice stays what the planner always did — per exposure, the smallest of a few
//! candidate cells that ends it on its own, else the smallest — but exposures already
//! ended by the cells chosen before them in the same pass are skipped. The planner runs
//! the audit again after each pass, so what is released is checked afresh either way.

use std::collections::{HashMap, HashSet};

use super::echelon::{Echelon, Sparse, add, neg};
use super::linear_audit::{Audit, Cell, Component, indicator};

/// Candidate cells tried, per exposure, before the smallest is hidden outright.
pub const TRIALS: usize = 8;

/// Searches of one elimination for exposures left after the cells chosen so far, for a
/// large component.
pub const PASSES: usize = 64;

/// Components of this many atoms or more have their exposures settled together
/// ([`Solved::fixes`] with [`PASSES`]). Below it, one exposure is settled at a time and
/// the rules run before the next: in a small organisation that hides fewer cells (the
/// rules' own suppressions end some exposures for free), and solving again is cheap.
pub const BATCH_FROM: usize = 2_000;

/// A component solved once, to ask which hidden cells would end its exposures.
pub struct Solved<'a> {
    comp: &'a Component,
    echelon: Echelon,
    /// Per block: the dependencies it takes part in, with its weight in each.
    in_dependencies: Vec<Sparse>,
    dependencies: usize,
    block_of: HashMap<Cell, usize>,
}

/// A hidden cell and the nearest released cell above it in its column, if any.
type Hidden = (Cell, Option<Cell>);

impl<'a> Solved<'a> {
    pub fn new(audit: &Audit, comp: &'a Component) -> Solved<'a> {
        let echelon = audit.echelon(comp, true);
        let mut in_dependencies: Vec<Sparse> = vec![Vec::new(); comp.blocks.len()];
        for (j, dep) in echelon.dependencies().iter().enumerate() {
            for &(b, x) in dep {
                in_dependencies[b].push((j, x));
            }
        }
        Solved {
            comp,
            dependencies: echelon.dependencies().len(),
            echelon,
            in_dependencies,
            block_of: comp
                .blocks
                .iter()
                .enumerate()
                .map(|(b, (cell, _))| (*cell, b))
                .collect(),
        }
    }

    /// One combination of the component's blocks (block index, weight) that sums to the
    /// total of `set` (global atom indexes), when that total is determined.
    fn weights(&self, set: &[usize]) -> Option<Sparse> {
        let v = indicator(self.comp, set);
        if v.len() != set.len() {
            return None;
        }
        self.echelon.combination(&v)
    }

    /// Whether the total that `w` combines stays determined once the `hidden` cells are
    /// folded into the cells above them. Cells whose blocks lie outside this component
    /// are left out, which can only answer "still determined" more often: the caller
    /// then hides more, never less.
    fn still_determined(&self, w: &Sparse, hidden: &[Hidden]) -> bool {
        let weight = |b: usize| w.binary_search_by_key(&b, |e| e.0).map_or(0, |at| w[at].1);
        let rhs_col = self.dependencies;
        let mut rows: Vec<Sparse> = Vec::new();
        for &(x, above) in hidden {
            let Some(&bx) = self.block_of.get(&x) else {
                continue;
            };
            let by = match above {
                None => None,
                Some(y) => match self.block_of.get(&y) {
                    Some(&by) => Some(by),
                    // Above it, a cell with an empty block (hiding `x` changes nothing)
                    // or one in another component (unknown here): left out.
                    None => continue,
                },
            };
            // Σ_j t_j (D_j[x] − D_j[y]) = w_y − w_x.
            let mut row = self.in_dependencies[bx].clone();
            let mut rhs = neg(weight(bx));
            if let Some(by) = by {
                let minus: Sparse = self.in_dependencies[by]
                    .iter()
                    .map(|&(j, x)| (j, neg(x)))
                    .collect();
                row = super::echelon::merge(&row, &minus);
                rhs = add(rhs, weight(by));
            }
            match (row.is_empty(), rhs == 0) {
                (true, true) => {}
                (true, false) => return false,
                (false, _) => {
                    if rhs != 0 {
                        row.push((rhs_col, rhs));
                    }
                    rows.push(row);
                }
            }
        }
        if rows.is_empty() {
            return true;
        }
        let order: Vec<usize> = (0..=rhs_col).collect();
        let system = Echelon::new(rows, rhs_col + 1, &order, false);
        // Solvable exactly when no row is left asking 0 = non-zero.
        !system.is_pivot(rhs_col)
    }

    /// The cells to hide for `exposures` (each a set of global atom indexes in this
    /// component), in the order chosen. `candidates` lists, smallest first, the released
    /// value cells that may end an exposure given the cells its combination involves;
    /// `above` names the nearest released cell above a cell in its column.
    ///
    /// After the exposures given are settled, the component is searched again (on the
    /// same elimination) for unions still determined with the chosen cells hidden, and
    /// those are settled too, until none is left, a pass chooses nothing, or `passes`
    /// passes have run.
    pub fn fixes(
        &self,
        audit: &Audit,
        exposures: Vec<Vec<usize>>,
        passes: usize,
        candidates: impl Fn(&HashSet<Cell>) -> Vec<Cell>,
        above: impl Fn(Cell) -> Option<Cell>,
    ) -> Vec<Cell> {
        let mut hidden: Vec<Hidden> = Vec::new();
        let mut found = exposures;
        for pass in 0..passes {
            let before = hidden.len();
            self.fix_each(&found, &candidates, &above, &mut hidden);
            if hidden.len() == before || pass + 1 == passes {
                break;
            }
            let now = &hidden;
            found = audit.search(self.comp, &self.echelon, &|union| {
                self.weights(union)
                    .is_none_or(|w| self.still_determined(&w, now))
            });
            if found.is_empty() {
                break;
            }
        }
        hidden.into_iter().map(|(x, _)| x).collect()
    }

    /// Settles each of `exposures` in turn, adding to `hidden`.
    fn fix_each(
        &self,
        exposures: &[Vec<usize>],
        candidates: &impl Fn(&HashSet<Cell>) -> Vec<Cell>,
        above: &impl Fn(Cell) -> Option<Cell>,
        hidden: &mut Vec<Hidden>,
    ) {
        for set in exposures {
            let w = self.weights(set);
            let involved: HashSet<Cell> = match &w {
                Some(w) => w.iter().map(|&(b, _)| self.comp.blocks[b].0).collect(),
                // A search cut short by its budget: any of the component's cells.
                None => self.comp.blocks.iter().map(|(cell, _)| *cell).collect(),
            };
            if let Some(w) = &w
                && !self.still_determined(w, hidden)
            {
                continue;
            }
            let taken: HashSet<Cell> = hidden.iter().map(|(x, _)| *x).collect();
            let list: Vec<Cell> = candidates(&involved)
                .into_iter()
                .filter(|x| !taken.contains(x))
                .collect();
            let Some(&fallback) = list.first() else {
                continue;
            };
            let mut ends = |x: Cell| {
                let Some(w) = &w else {
                    return false;
                };
                hidden.push((x, above(x)));
                let ended = !self.still_determined(w, hidden);
                hidden.pop();
                ended
            };
            let fix = list
                .iter()
                .copied()
                .take(TRIALS)
                .find(|&x| ends(x))
                .unwrap_or(fallback);
            hidden.push((fix, above(fix)));
        }
    }
}

/// The released cells of `shown` in `columns` that may end an exposure whose combination
/// involves the cells `involved`: those cells, and released cells directly below one of
/// them (hiding such a cell folds its atoms into the block above). Smallest first (by
/// `counts`, then position).
pub fn candidates(
    shown: &[Vec<bool>],
    parent: &[Option<usize>],
    counts: &[Vec<usize>],
    columns: std::ops::Range<usize>,
    involved: &HashSet<Cell>,
) -> Vec<Cell> {
    let mut list: Vec<Cell> = (0..shown.len())
        .flat_map(|n| columns.clone().map(move |c| (n, c)))
        .filter(|&(n, c)| shown[n].get(c).copied().unwrap_or(false))
        .filter(|&(n, c)| {
            involved.contains(&(n, c))
                || parent
                    .get(n)
                    .copied()
                    .flatten()
                    .is_some_and(|p| involved.contains(&(p, c)))
        })
        .collect();
    list.sort_by_key(|&(n, c)| (counts.get(n).and_then(|r| r.get(c)), n, c));
    list
}

/// The nearest cell above `(node, col)` in its column that `shown` releases.
pub fn released_above(
    shown: &[Vec<bool>],
    parent: &[Option<usize>],
    (node, col): Cell,
) -> Option<Cell> {
    let mut up = parent.get(node).copied().flatten();
    while let Some(p) = up {
        if shown
            .get(p)
            .and_then(|r| r.get(col))
            .copied()
            .unwrap_or(false)
        {
            return Some((p, col));
        }
        up = parent.get(p).copied().flatten();
    }
    None
}

/// An exposed component settled in a pass: its index, the exposures settled (each a
/// union of atoms) and the passes of fixes they get.
pub type Settled = (usize, Vec<Vec<usize>>, usize);

/// The exposures one pass of an audit loop settles, from `exposed` (per component, its
/// exposures), each with the passes of fixes it gets: where some exposure is in a
/// `large` component, every exposure of the large components, at [`PASSES`] each; else
/// the first exposure alone, one pass. `true` first: the pass settles a batch.
pub fn this_pass(
    exposed: Vec<(usize, Vec<Vec<usize>>)>,
    large: impl Fn(usize) -> bool,
) -> (bool, Vec<Settled>) {
    if exposed.iter().any(|(c, _)| large(*c)) {
        let batch = exposed
            .into_iter()
            .filter(|(c, _)| large(*c))
            .map(|(c, found)| (c, found, PASSES))
            .collect();
        return (true, batch);
    }
    let first = exposed.into_iter().next().map(|(c, mut found)| {
        found.truncate(1);
        (c, found, 1)
    });
    (false, first.into_iter().collect())
}
