//! Which cells of a report may be released.
//!
//! A report cell is a group of responses: a team's subtree (a node of the team tree,
//! under a virtual organisation root), optionally narrowed to one value of a
//! segmentation cut. Column 0 of every node is the whole group; columns 1.. are the
//! values of the cut. The rules, applied until nothing changes:
//!
//! 1. **k rule** — a cell is released only if it covers at least `k` responses (for an
//!    item: `k` answers to that item), and only if the caller's `base` allows it (an item
//!    is never shown for a group whose responses are suppressed).
//! 2. **Complementary suppression down the tree** — for a released cell and its
//!    children's cells in the same column, the hidden remainder (the group minus its
//!    released children, direct members included) must be 0 or at least `k`; while it is
//!    between 1 and k − 1 the smallest released child is suppressed too.
//! 3. **The same across the values of a cut** — within a released whole-group cell, the
//!    hidden remainder across the cut's values must be 0 or at least `k`.
//! 4. **Nothing below a hidden cell** — when a cell is suppressed, so is the same column
//!    of every descendant (otherwise a child equal to the whole hidden group would reveal
//!    it), and a suppressed whole group hides all its values.
//!
//! Decisions are made once for the whole tree, top down, so every report — whichever
//! team it is asked for — shows the same cells: a team hidden by its parent's
//! complementary suppression stays hidden in its own report. The whole-group column
//! depends only on the tree, never on the cut, so asking for another cut never changes
//! which teams are shown.

// The engine works on a (node × column) grid; index loops read closer to the rules.
#![allow(clippy::needless_range_loop)]

/// A team tree with a virtual root at index 0. `parent[0]` is `None`.
#[derive(Debug, Clone)]
pub struct Tree {
    children: Vec<Vec<usize>>,
}

impl Tree {
    /// Builds the tree from each node's parent (`None` only for node 0, the root; nodes
    /// whose parent is missing hang under the root).
    pub fn from_parents(parent: &[Option<usize>]) -> Tree {
        let mut children = vec![Vec::new(); parent.len()];
        for (node, p) in parent.iter().enumerate().skip(1) {
            let p = p.filter(|p| *p < parent.len() && *p != node).unwrap_or(0);
            children[p].push(node);
        }
        Tree { children }
    }

    pub fn len(&self) -> usize {
        self.children.len()
    }

    pub fn is_empty(&self) -> bool {
        self.children.is_empty()
    }

    pub fn children(&self, node: usize) -> &[usize] {
        &self.children[node]
    }

    /// Nodes in top-down order (every parent before its children), from the root.
    pub fn top_down(&self) -> Vec<usize> {
        let mut order = Vec::with_capacity(self.len());
        let mut seen = vec![false; self.len()];
        let mut stack = vec![0];
        while let Some(n) = stack.pop() {
            if n >= self.len() || seen[n] {
                continue;
            }
            seen[n] = true;
            order.push(n);
            stack.extend(self.children[n].iter().rev());
        }
        order
    }
}

/// Suppresses the smallest released parts until the hidden remainder of `total` is 0 or
/// at least `k`. `parts` are (count, released) pairs; returns whether anything changed.
/// Ties go to the part listed first, so the outcome is deterministic.
pub fn complement(total: usize, parts: &mut [(usize, &mut bool)], k: usize) -> bool {
    let mut changed = false;
    loop {
        let shown: usize = parts.iter().filter(|(_, r)| **r).map(|(n, _)| *n).sum();
        let hidden = total.saturating_sub(shown);
        if hidden == 0 || hidden >= k {
            return changed;
        }
        let smallest = parts
            .iter_mut()
            .filter(|(_, r)| **r)
            .min_by_key(|(n, _)| *n);
        match smallest {
            Some((_, r)) => {
                **r = false;
                changed = true;
            }
            None => return changed,
        }
    }
}

/// Decides the released cells. `counts[node][col]` counts the responses (or an item's
/// answers) of the node's whole subtree in that column; column 0 is the whole group.
/// `base`, when given, is an upper bound (cells it forbids stay suppressed).
///
/// With a cut, the rules alone are not enough: in a two-way table (teams × values) a
/// hidden cell alone in its row can be computed from that row, and then a small cell in
/// its column follows from the column. So after the rules, an audit solves the released
/// sums as a linear system over the smallest groups the cells can describe (a team's
/// direct members with one value) and, while some group of 1 to k − 1 people can be
/// computed exactly, suppresses another value cell containing it. Only value cells are
/// suppressed this way, so the whole-group decisions stay those of the tree alone.
pub fn release(
    tree: &Tree,
    counts: &[Vec<usize>],
    k: usize,
    base: Option<&[Vec<bool>]>,
) -> Vec<Vec<bool>> {
    let k = k.max(1);
    let mut shown = apply_rules(tree, counts, k, initial(tree, counts, k, base));
    let cols = counts.first().map_or(1, Vec::len);
    if cols < 2 {
        return shown;
    }
    let atoms = Atoms::new(tree, counts);
    while let Some(exposed) = atoms.first_exposed(&shown, k) {
        // Released value cells, smallest first: suppress the first one whose removal
        // stops this exposure; if no single one does, the smallest, and look again.
        let mut candidates: Vec<(usize, usize)> = (0..tree.len())
            .flat_map(|n| (1..cols).map(move |c| (n, c)))
            .filter(|&(n, c)| shown[n][c])
            .collect();
        candidates.sort_by_key(|&(n, c)| (counts[n][c], n, c));
        let Some(&fallback) = candidates.first() else {
            break;
        };
        let fix = candidates.iter().copied().find(|&(n, c)| {
            let mut trial = shown.clone();
            trial[n][c] = false;
            let trial = apply_rules(tree, counts, k, trial);
            atoms.exposes(&trial, exposed) == Some(false)
        });
        let (n, c) = fix.unwrap_or(fallback);
        shown[n][c] = false;
        shown = apply_rules(tree, counts, k, shown);
    }
    shown
}

fn initial(
    tree: &Tree,
    counts: &[Vec<usize>],
    k: usize,
    base: Option<&[Vec<bool>]>,
) -> Vec<Vec<bool>> {
    let cols = counts.first().map_or(1, Vec::len);
    (0..tree.len())
        .map(|node| {
            (0..cols)
                .map(|c| {
                    let n = counts
                        .get(node)
                        .and_then(|r| r.get(c))
                        .copied()
                        .unwrap_or(0);
                    let allowed = base.is_none_or(|b| {
                        b.get(node).and_then(|r| r.get(c)).copied().unwrap_or(false)
                    });
                    allowed && n >= k
                })
                .collect()
        })
        .collect()
}

/// Rules 1–4 to a fixed point, starting from `shown`.
fn apply_rules(
    tree: &Tree,
    counts: &[Vec<usize>],
    k: usize,
    mut shown: Vec<Vec<bool>>,
) -> Vec<Vec<bool>> {
    let cols = counts.first().map_or(1, Vec::len);
    let order = tree.top_down();
    let count = |node: usize, col: usize| {
        counts
            .get(node)
            .and_then(|r| r.get(col))
            .copied()
            .unwrap_or(0)
    };
    loop {
        let mut changed = false;
        for &node in &order {
            // Rule 4: a hidden cell hides the same column below, and a hidden whole group
            // hides its values.
            if !shown[node][0] {
                for c in 1..cols {
                    changed |= std::mem::replace(&mut shown[node][c], false);
                }
            }
            for &child in tree.children(node) {
                for c in 0..cols {
                    if !shown[node][c] && shown[child][c] {
                        shown[child][c] = false;
                        changed = true;
                    }
                }
            }
            // Rule 2: down the tree, per column.
            for c in 0..cols {
                if !shown[node][c] {
                    continue;
                }
                let kids = tree.children(node).to_vec();
                let mut flags: Vec<bool> = kids.iter().map(|&ch| shown[ch][c]).collect();
                let mut parts: Vec<(usize, &mut bool)> = kids
                    .iter()
                    .zip(flags.iter_mut())
                    .map(|(&ch, f)| (count(ch, c), f))
                    .collect();
                if complement(count(node, c), &mut parts, k) {
                    changed = true;
                    for (&ch, f) in kids.iter().zip(&flags) {
                        shown[ch][c] = *f;
                    }
                }
            }
            // Rule 3: across the values of the cut.
            if cols > 1 && shown[node][0] {
                let mut flags: Vec<bool> = shown[node][1..].to_vec();
                let mut parts: Vec<(usize, &mut bool)> = flags
                    .iter_mut()
                    .enumerate()
                    .map(|(i, f)| (count(node, i + 1), f))
                    .collect();
                if complement(count(node, 0), &mut parts, k) {
                    changed = true;
                    shown[node][1..].copy_from_slice(&flags);
                }
            }
        }
        if !changed {
            return shown;
        }
    }
}

/// The smallest groups a report can describe: each node's direct members (the subtree
/// minus its children) with one value of the cut.
struct Atoms {
    /// (node, value column) of each atom with at least one member.
    cells: Vec<(usize, usize)>,
    sizes: Vec<usize>,
    parent: Vec<Option<usize>>,
    cols: usize,
}

impl Atoms {
    fn new(tree: &Tree, counts: &[Vec<usize>]) -> Atoms {
        let cols = counts.first().map_or(1, Vec::len);
        let mut parent = vec![None; tree.len()];
        for n in 0..tree.len() {
            for &c in tree.children(n) {
                parent[c] = Some(n);
            }
        }
        let mut cells = Vec::new();
        let mut sizes = Vec::new();
        for n in 0..tree.len() {
            for c in 1..cols {
                let below: usize = tree.children(n).iter().map(|&ch| counts[ch][c]).sum();
                let own = counts[n][c].saturating_sub(below);
                if own > 0 {
                    cells.push((n, c));
                    sizes.push(own);
                }
            }
        }
        Atoms {
            cells,
            sizes,
            parent,
            cols,
        }
    }

    fn ancestors_inclusive(&self, node: usize) -> Vec<usize> {
        let mut out = vec![node];
        let mut cur = node;
        while let Some(p) = self.parent[cur] {
            if out.contains(&p) {
                break;
            }
            out.push(p);
            cur = p;
        }
        out
    }

    /// Whether released cell (node, col) contains the atom at `member`/`value`.
    fn contains(&self, node: usize, col: usize, member: usize, value: usize) -> bool {
        (col == 0 || col == value) && self.ancestors_inclusive(member).contains(&node)
    }

    /// The first atom of 1 to k − 1 people whose sum the released cells determine.
    fn first_exposed(&self, shown: &[Vec<bool>], k: usize) -> Option<(usize, usize)> {
        let determined = self.determined(shown)?;
        (0..self.cells.len())
            .find(|&a| determined[a] && self.sizes[a] < k)
            .map(|a| self.cells[a])
    }

    /// Whether the given atom is determined by the released cells (None if unknown).
    fn exposes(&self, shown: &[Vec<bool>], atom: (usize, usize)) -> Option<bool> {
        let i = self.cells.iter().position(|&c| c == atom)?;
        Some(self.determined(shown)?[i])
    }

    /// Per atom: whether the released sums determine it exactly.
    fn determined(&self, shown: &[Vec<bool>]) -> Option<Vec<bool>> {
        let width = self.cells.len();
        if width == 0 {
            return None;
        }
        let mut rows: Vec<Vec<f64>> = Vec::new();
        for (node, flags) in shown.iter().enumerate() {
            for (col, on) in flags.iter().enumerate().take(self.cols) {
                if *on {
                    rows.push(
                        self.cells
                            .iter()
                            .map(|&(m, v)| {
                                if self.contains(node, col, m, v) {
                                    1.0
                                } else {
                                    0.0
                                }
                            })
                            .collect(),
                    );
                }
            }
        }
        Some(determined_columns(&mut rows, width))
    }
}

/// Reduces `rows` to reduced row echelon form and reports, per column, whether the unit
/// vector of that column lies in the row space — i.e. whether that unknown can be solved
/// for exactly from the released sums.
pub fn determined_columns(rows: &mut [Vec<f64>], width: usize) -> Vec<bool> {
    const EPS: f64 = 1e-9;
    let mut pivots: Vec<(usize, usize)> = Vec::new();
    let mut r = 0;
    for c in 0..width {
        let Some(p) =
            (r..rows.len()).max_by(|&a, &b| rows[a][c].abs().total_cmp(&rows[b][c].abs()))
        else {
            break;
        };
        if rows[p][c].abs() <= EPS {
            continue;
        }
        rows.swap(r, p);
        let lead = rows[r][c];
        for x in rows[r].iter_mut() {
            *x /= lead;
        }
        for i in 0..rows.len() {
            if i != r && rows[i][c].abs() > EPS {
                let f = rows[i][c];
                let (pivot_row, other) = if i < r {
                    let (a, b) = rows.split_at_mut(r);
                    (&b[0], &mut a[i])
                } else {
                    let (a, b) = rows.split_at_mut(i);
                    (&a[r], &mut b[0])
                };
                for (o, p) in other.iter_mut().zip(pivot_row.iter()) {
                    *o -= f * p;
                }
            }
        }
        pivots.push((r, c));
        r += 1;
    }
    let mut determined = vec![false; width];
    for (row, col) in pivots {
        determined[col] = rows[row]
            .iter()
            .enumerate()
            .all(|(j, x)| j == col || x.abs() <= EPS);
    }
    determined
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn tree(parents: &[Option<usize>]) -> Tree {
        Tree::from_parents(parents)
    }

    #[test]
    fn a_group_below_k_is_suppressed() {
        // root (9) -> a (5), b (4)
        let t = tree(&[None, Some(0), Some(0)]);
        let shown = release(&t, &[vec![9], vec![5], vec![4]], 5, None);
        // b is below k; then a alone would reveal b as root − a, so a goes too.
        assert_eq!(shown, vec![vec![true], vec![false], vec![false]]);
    }

    #[test]
    fn the_smallest_released_child_goes_first() {
        // root 20 -> a 7, b 6, c 5, direct members 2: remainder 2 hides c (smallest
        // released), remainder 7 is then safe.
        let t = tree(&[None, Some(0), Some(0), Some(0)]);
        let shown = release(&t, &[vec![20], vec![7], vec![6], vec![5]], 5, None);
        assert_eq!(shown, vec![vec![true], vec![true], vec![true], vec![false]]);
    }

    #[test]
    fn a_team_hidden_by_its_parent_stays_hidden_below() {
        // root 12 -> t 8 -> t1 8 (all of t), s 4: s hides t; t1 must not reveal t.
        let t = tree(&[None, Some(0), Some(1), Some(0)]);
        let shown = release(&t, &[vec![12], vec![8], vec![8], vec![4]], 5, None);
        assert_eq!(
            shown,
            vec![vec![true], vec![false], vec![false], vec![false]]
        );
    }

    #[test]
    fn segments_follow_the_same_rule_within_a_team() {
        // root only; cut with values paris 6, rome 5, berlin 1 (total 12).
        let t = tree(&[None]);
        let shown = release(&t, &[vec![12, 6, 5, 1]], 5, None);
        // berlin alone is hidden; remainder 1 → rome (smallest released) hidden too.
        assert_eq!(shown, vec![vec![true, true, false, false]]);
    }

    #[test]
    fn the_base_mask_is_an_upper_bound() {
        let t = tree(&[None, Some(0), Some(0)]);
        let base = vec![vec![true], vec![true], vec![false]];
        let shown = release(&t, &[vec![20], vec![10], vec![10]], 5, Some(&base));
        assert_eq!(shown, vec![vec![true], vec![true], vec![false]]);
    }

    #[test]
    fn complement_leaves_zero_or_at_least_k_hidden() {
        let (mut a, mut b, mut c) = (true, true, false);
        let mut parts = vec![(5, &mut a), (6, &mut b), (2, &mut c)];
        assert!(complement(13, &mut parts, 5));
        assert_eq!((a, b, c), (false, true, false));
    }

    /// Random small org: a tree of up to 7 teams, each person in one team with one of 3
    /// cut values.
    fn org() -> impl Strategy<Value = (Vec<Option<usize>>, Vec<(usize, usize)>)> {
        (1usize..7).prop_flat_map(|teams| {
            let parents = (1..=teams)
                .map(|i| (0..i).prop_map(Some).boxed())
                .collect::<Vec<_>>();
            let people = proptest::collection::vec((1..=teams, 0usize..3), 0..30);
            (parents, people).prop_map(|(ps, people)| {
                let mut parent = vec![None];
                parent.extend(ps);
                (parent, people)
            })
        })
    }

    fn subtree_members(t: &Tree, node: usize, people: &[(usize, usize)]) -> Vec<bool> {
        let mut inside = vec![false; t.len()];
        let mut stack = vec![node];
        while let Some(n) = stack.pop() {
            inside[n] = true;
            stack.extend(t.children(n));
        }
        people.iter().map(|(team, _)| inside[*team]).collect()
    }

    /// Whether person `i`'s own value can be computed from released sums: e_i lies in the
    /// span of the released cells' membership vectors. Checked by adding e_i and
    /// comparing ranks — a different method from the engine's reduced echelon form.
    fn exposes_someone(rows: &[Vec<f64>]) -> Option<usize> {
        let n = rows.first().map_or(0, Vec::len);
        let rank = |m: &[Vec<f64>]| {
            let mut m: Vec<Vec<f64>> = m.to_vec();
            let mut r = 0;
            for c in 0..n {
                let Some(p) = (r..m.len()).find(|&i| m[i][c].abs() > 1e-9) else {
                    continue;
                };
                m.swap(r, p);
                for i in 0..m.len() {
                    if i != r && m[i][c].abs() > 1e-9 {
                        let f = m[i][c] / m[r][c];
                        for j in 0..n {
                            m[i][j] -= f * m[r][j];
                        }
                    }
                }
                r += 1;
            }
            r
        };
        let base = rank(rows);
        (0..n).find(|&i| {
            let mut with = rows.to_vec();
            let mut e = vec![0.0; n];
            e[i] = 1.0;
            with.push(e);
            rank(&with) == base
        })
    }

    #[test]
    fn a_cell_alone_in_its_row_cannot_expose_a_small_cell_in_its_column() {
        // root -> t1, t2; values v0, v1, v2. t1 has a single person with v2; t2 has 4.
        // The rules hide (t1, v2) and (t2, v2) but (t2, v2) is t2 minus its other values,
        // and then (t1, v2) = (root, v2) − (t2, v2). The audit must prevent that.
        let t = tree(&[None, Some(0), Some(0)]);
        let counts = vec![vec![21, 9, 7, 5], vec![10, 5, 4, 1], vec![11, 4, 3, 4]];
        let shown = release(&t, &counts, 3, None);
        assert!(!(shown[0][3] && shown[2][1] && shown[2][2] && shown[2][0]));
        let atoms = Atoms::new(&t, &counts);
        assert_eq!(atoms.first_exposed(&shown, 3), None);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        #[test]
        fn released_cells_obey_every_rule_and_expose_nobody((parent, people) in org(), k in 3usize..6) {
            let t = Tree::from_parents(&parent);
            let cols = 4;
            let members: Vec<Vec<bool>> = (0..t.len()).map(|n| subtree_members(&t, n, &people)).collect();
            let cell = |node: usize, col: usize, i: usize| members[node][i] && (col == 0 || people[i].1 == col - 1);
            let counts: Vec<Vec<usize>> = (0..t.len())
                .map(|node| (0..cols).map(|c| (0..people.len()).filter(|&i| cell(node, c, i)).count()).collect())
                .collect();
            let shown = release(&t, &counts, k, None);
            for node in 0..t.len() {
                for c in 0..cols {
                    if !shown[node][c] { continue; }
                    prop_assert!(counts[node][c] >= k);
                    let kids: usize = t.children(node).iter().filter(|&&ch| shown[ch][c]).map(|&ch| counts[ch][c]).sum();
                    let rest = counts[node][c] - kids;
                    prop_assert!(rest == 0 || rest >= k, "node {node} col {c}: remainder {rest}");
                    for &ch in t.children(node) {
                        prop_assert!(shown[node][c] || !shown[ch][c]);
                    }
                }
                if shown[node][0] {
                    let vals: usize = (1..cols).filter(|&c| shown[node][c]).map(|c| counts[node][c]).sum();
                    let rest = counts[node][0] - vals;
                    prop_assert!(rest == 0 || rest >= k);
                } else {
                    prop_assert!((1..cols).all(|c| !shown[node][c]));
                }
            }
            // The adversary: every released cell is a known sum over its members.
            let rows: Vec<Vec<f64>> = (0..t.len())
                .flat_map(|node| (0..cols).map(move |c| (node, c)))
                .filter(|&(node, c)| shown[node][c])
                .map(|(node, c)| (0..people.len()).map(|i| if cell(node, c, i) { 1.0 } else { 0.0 }).collect())
                .collect();
            if !rows.is_empty() && !people.is_empty() {
                prop_assert_eq!(exposes_someone(&rows), None);
            }
        }
    }
}
