//! The linear-algebra audit of a release plan (rule 5 of [`super::suppress`]).
//!
//! Every released cell is a known sum over *atoms* (a team's direct members sharing one
//! combination of cut values). The audit asks whether the released sums determine the
//! total of some union of atoms with 1 to k − 1 people in all. It scales to large
//! organisations by three exact reductions:
//!
//! 1. **Blocks instead of cells.** Within one column the released cells are nested
//!    (a released cell's parent in that column is released too), so each cell minus its
//!    released children — its *block* — spans the same row space as the cells, and the
//!    blocks of one column are disjoint. Every atom then lies in at most one block per
//!    column: the system is as sparse as it can be.
//! 2. **Components.** Atoms linked through shared blocks form independent subsystems: a
//!    union's total is determined exactly when each component's part of it is, so an
//!    exposure, if any, lies inside one component, and only components that changed need
//!    another look (their verdicts are cached by content).
//! 3. **Exact arithmetic.** Each component is reduced to echelon form over the integers
//!    modulo the prime 2⁶¹ − 1, so no tolerance decides a rank. (A rank can only be lower
//!    modulo a prime than over the rationals, so an error, vanishingly unlikely, would
//!    report an exposure that is not there and hide more — never less.)
//!
//! The search for a determined union inside a component follows the residual: a union's
//! reduced indicator is the sum of its atoms' reduced vectors, and it is determined when
//! that sum is zero. Starting from each small atom, the first non-zero coordinate of the
//! running sum names the only atoms that can cancel it, so the search branches over those
//! alone. A component whose search exhausts its budget is reported as exposed, which
//! errs on the side of hiding.

// Index loops over atoms read closer to the definitions.
#![allow(clippy::needless_range_loop)]

use std::collections::HashMap;

/// The prime modulus: 2⁶¹ − 1.
const P: u64 = (1 << 61) - 1;

fn add(a: u64, b: u64) -> u64 {
    let s = a + b;
    if s >= P { s - P } else { s }
}

fn neg(a: u64) -> u64 {
    if a == 0 { 0 } else { P - a }
}

fn mul(a: u64, b: u64) -> u64 {
    ((u128::from(a) * u128::from(b)) % u128::from(P)) as u64
}

fn inv(a: u64) -> u64 {
    // Fermat: a^(P − 2).
    let (mut base, mut exp, mut acc) = (a, P - 2, 1u64);
    while exp > 0 {
        if exp & 1 == 1 {
            acc = mul(acc, base);
        }
        base = mul(base, base);
        exp >>= 1;
    }
    acc
}

/// Search steps allowed per component before it counts as exposed.
const BUDGET: usize = 200_000;

/// A cell of the grid: (node, column).
pub type Cell = (usize, usize);

/// What the audit needs to know about each atom.
pub struct Audit {
    /// Per atom: the nodes whose subtree contains it, its own team first.
    paths: Vec<Vec<usize>>,
    /// Per atom: the columns it belongs to (the whole group, then one value per cut).
    columns: Vec<Vec<usize>>,
    sizes: Vec<usize>,
    /// Per atom: the people it counts, as a group id. Atoms of one group count the same
    /// people (one team's combination answering two items of a driver), so a union
    /// counts, per group, only its largest atom there: a lower bound of the people in
    /// it, which errs on the side of hiding. By default every atom is its own group.
    groups: Vec<usize>,
    /// Whether some group holds more than one atom.
    grouped: bool,
    k: usize,
}

/// Atoms linked through shared blocks, with those blocks.
pub struct Component {
    /// Global atom indexes, ascending.
    pub atoms: Vec<usize>,
    /// The released cells whose blocks lie here, ascending, with their atoms.
    pub blocks: Vec<(Cell, Vec<usize>)>,
}

/// A plan's decomposition: every component that has at least one block.
pub struct Decomposition {
    pub components: Vec<Component>,
    /// Per atom: its component, if it lies in any block.
    pub component_of: Vec<Option<usize>>,
}

impl Audit {
    pub fn new(
        paths: Vec<Vec<usize>>,
        columns: Vec<Vec<usize>>,
        sizes: Vec<usize>,
        k: usize,
    ) -> Self {
        let groups = (0..sizes.len()).collect();
        Audit {
            paths,
            columns,
            sizes,
            groups,
            grouped: false,
            k,
        }
    }

    /// Declares which atoms count the same people (see the `groups` field): `groups[a]`
    /// names atom `a`'s group.
    pub fn with_groups(mut self, groups: Vec<usize>) -> Self {
        if groups.len() == self.sizes.len() {
            let mut seen = std::collections::HashSet::new();
            self.grouped = !groups.iter().all(|g| seen.insert(*g));
            self.groups = groups;
        }
        self
    }

    /// The people a union of atoms counts at least: per group, its largest atom.
    fn people(&self, atoms: impl IntoIterator<Item = usize>) -> usize {
        if !self.grouped {
            return atoms.into_iter().map(|a| self.sizes[a]).sum();
        }
        let mut largest: HashMap<usize, usize> = HashMap::new();
        for a in atoms {
            let m = largest.entry(self.groups[a]).or_default();
            *m = (*m).max(self.sizes[a]);
        }
        largest.values().sum()
    }

    /// The blocks and components of the plan `shown` (`[node][col]`).
    pub fn decompose(&self, shown: &[Vec<bool>]) -> Decomposition {
        let n = self.sizes.len();
        let width = shown.first().map_or(0, Vec::len);
        // Block of each cell, by its position in the grid (dense: the grid is small).
        let mut block_index: Vec<usize> = vec![usize::MAX; shown.len() * width];
        let mut block_cells: Vec<Cell> = Vec::new();
        let mut block_atoms: Vec<Vec<usize>> = Vec::new();
        let mut in_block = vec![false; n];
        for a in 0..n {
            if self.sizes[a] == 0 {
                continue;
            }
            for &col in &self.columns[a] {
                let deepest = self.paths[a]
                    .iter()
                    .copied()
                    .find(|&node| shown.get(node).and_then(|r| r.get(col)) == Some(&true));
                if let Some(node) = deepest {
                    let slot = node * width + col;
                    if block_index[slot] == usize::MAX {
                        block_index[slot] = block_cells.len();
                        block_cells.push((node, col));
                        block_atoms.push(Vec::new());
                    }
                    block_atoms[block_index[slot]].push(a);
                    in_block[a] = true;
                }
            }
        }
        // Union-find over atoms, linking the atoms of each block.
        let mut parent: Vec<usize> = (0..n).collect();
        fn root(parent: &mut [usize], mut x: usize) -> usize {
            while parent[x] != x {
                parent[x] = parent[parent[x]];
                x = parent[x];
            }
            x
        }
        for atoms in &block_atoms {
            if let Some((&first, rest)) = atoms.split_first() {
                let r = root(&mut parent, first);
                for &a in rest {
                    let s = root(&mut parent, a);
                    if s != r {
                        parent[s] = r;
                    }
                }
            }
        }
        let mut component_of: Vec<Option<usize>> = vec![None; n];
        let mut by_root: Vec<usize> = vec![usize::MAX; n];
        let mut components: Vec<Component> = Vec::new();
        for a in 0..n {
            if !in_block[a] {
                continue;
            }
            let r = root(&mut parent, a);
            if by_root[r] == usize::MAX {
                by_root[r] = components.len();
                components.push(Component {
                    atoms: Vec::new(),
                    blocks: Vec::new(),
                });
            }
            let c = by_root[r];
            components[c].atoms.push(a);
            component_of[a] = Some(c);
        }
        for (cell, atoms) in block_cells.into_iter().zip(block_atoms) {
            if let Some(c) = atoms.first().and_then(|&a| component_of[a]) {
                components[c].blocks.push((cell, atoms));
            }
        }
        for c in &mut components {
            c.blocks.sort_by_key(|(cell, _)| *cell);
        }
        Decomposition {
            components,
            component_of,
        }
    }

    /// The first determined union of fewer than k people, looking at components in order
    /// and remembering verdicts in `cache` (keyed by a component's content).
    pub fn first_exposed(
        &self,
        d: &Decomposition,
        cache: &mut HashMap<ComponentKey, Option<Vec<usize>>>,
    ) -> Option<Vec<usize>> {
        for comp in &d.components {
            let key = ComponentKey::of(comp);
            let verdict = match cache.get(&key) {
                Some(v) => v.clone(),
                None => {
                    let v = self.exposed_in(comp);
                    cache.insert(key, v.clone());
                    v
                }
            };
            if verdict.is_some() {
                return verdict;
            }
        }
        None
    }

    /// Whether the released sums determine the total of the atoms in `set`.
    pub fn determines(&self, d: &Decomposition, set: &[usize]) -> bool {
        let mut parts: HashMap<usize, Vec<usize>> = HashMap::new();
        for &a in set {
            match d.component_of.get(a).copied().flatten() {
                Some(c) => parts.entry(c).or_default().push(a),
                // An atom in no released cell is unknown to the adversary.
                None => return false,
            }
        }
        parts.into_iter().all(|(c, atoms)| {
            let e = Echelon::of(&d.components[c]);
            let mut residual: Vec<(usize, u64)> = Vec::new();
            for a in atoms {
                if let Some(l) = e.local(a) {
                    residual = merge(&residual, &e.reduced(l));
                }
            }
            residual.is_empty()
        })
    }

    /// The released cells whose sums combine into the total of `set`, when it is
    /// determined: the blocks with a non-zero weight in one such combination. Hiding
    /// one of them (or folding a cell into one) is what can end the exposure.
    pub fn involved(&self, d: &Decomposition, set: &[usize]) -> Vec<Cell> {
        let mut parts: HashMap<usize, Vec<usize>> = HashMap::new();
        for &a in set {
            if let Some(c) = d.component_of.get(a).copied().flatten() {
                parts.entry(c).or_default().push(a);
            }
        }
        let mut out = Vec::new();
        for (c, atoms) in parts {
            let comp = &d.components[c];
            let e = Echelon::tracked(comp);
            let mut weight = vec![0u64; comp.blocks.len()];
            for a in atoms {
                if let Some(r) = e.local(a).and_then(|l| e.pivot_row[l]) {
                    for (w, &x) in weight.iter_mut().zip(&e.combos[r]) {
                        *w = add(*w, x);
                    }
                }
            }
            out.extend(
                comp.blocks
                    .iter()
                    .zip(weight)
                    .filter(|(_, w)| *w != 0)
                    .map(|((cell, _), _)| *cell),
            );
        }
        out.sort_unstable();
        out
    }

    /// A determined union of 1 to k − 1 people inside one component, if there is one.
    fn exposed_in(&self, comp: &Component) -> Option<Vec<usize>> {
        let e = Echelon::of(comp);
        let k = self.k;
        let small: Vec<usize> = (0..comp.atoms.len())
            .filter(|&l| self.sizes[comp.atoms[l]] < k)
            .collect();
        if small.is_empty() {
            return None;
        }
        let reduced: Vec<Vec<(usize, u64)>> = small.iter().map(|&l| e.reduced(l)).collect();
        // Which small atoms touch each coordinate.
        let mut touching: HashMap<usize, Vec<usize>> = HashMap::new();
        for (i, r) in reduced.iter().enumerate() {
            for &(j, _) in r {
                touching.entry(j).or_default().push(i);
            }
        }
        let mut budget = BUDGET;
        let mut chosen: Vec<usize> = Vec::new();
        for start in 0..small.len() {
            chosen.clear();
            chosen.push(start);
            if let Some(found) = self.grow(
                &reduced,
                &touching,
                &small,
                comp,
                reduced[start].clone(),
                &mut chosen,
                &mut budget,
            ) {
                return Some(found);
            }
        }
        None
    }

    /// Extends `chosen` (whose reduced sum is `residual`) to a union with a zero sum and
    /// fewer than k people, branching over the atoms that touch the first non-zero
    /// coordinate.
    #[allow(clippy::too_many_arguments)]
    fn grow(
        &self,
        reduced: &[Vec<(usize, u64)>],
        touching: &HashMap<usize, Vec<usize>>,
        small: &[usize],
        comp: &Component,
        residual: Vec<(usize, u64)>,
        chosen: &mut Vec<usize>,
        budget: &mut usize,
    ) -> Option<Vec<usize>> {
        let global = |chosen: &[usize]| {
            let mut v: Vec<usize> = chosen.iter().map(|&i| comp.atoms[small[i]]).collect();
            v.sort_unstable();
            v
        };
        let Some(&(j, _)) = residual.first() else {
            return Some(global(chosen));
        };
        if *budget == 0 {
            return Some(global(chosen));
        }
        *budget -= 1;
        let start = chosen[0];
        for &i in touching.get(&j).map(Vec::as_slice).unwrap_or(&[]) {
            // The starting atom is the lowest of the union, so each union is found from
            // its lowest member only.
            if i <= start || chosen.contains(&i) {
                continue;
            }
            let people = self.people(chosen.iter().chain([&i]).map(|&c| comp.atoms[small[c]]));
            if people >= self.k {
                continue;
            }
            chosen.push(i);
            let next = merge(&residual, &reduced[i]);
            if let Some(found) = self.grow(reduced, touching, small, comp, next, chosen, budget) {
                return Some(found);
            }
            chosen.pop();
            if *budget == 0 {
                return Some(global(chosen));
            }
        }
        None
    }
}

/// A component's content, for caching its verdict.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ComponentKey {
    atoms: Vec<usize>,
    cells: Vec<Cell>,
}

impl ComponentKey {
    fn of(c: &Component) -> Self {
        // Given the atoms and the released cells of a component, its blocks are fixed:
        // each atom's block in a column is its deepest released ancestor there, and that
        // cell is in the same component.
        ComponentKey {
            atoms: c.atoms.clone(),
            cells: c.blocks.iter().map(|(cell, _)| *cell).collect(),
        }
    }
}

/// Sum of two sparse vectors (sorted by coordinate), dropping zeros.
fn merge(a: &[(usize, u64)], b: &[(usize, u64)]) -> Vec<(usize, u64)> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        let take_a = j >= b.len() || (i < a.len() && a[i].0 < b[j].0);
        let take_b = i >= a.len() || (j < b.len() && b[j].0 < a[i].0);
        if take_a {
            out.push(a[i]);
            i += 1;
        } else if take_b {
            out.push(b[j]);
            j += 1;
        } else {
            let v = add(a[i].1, b[j].1);
            if v != 0 {
                out.push((a[i].0, v));
            }
            i += 1;
            j += 1;
        }
    }
    out
}

/// A component's blocks in reduced row echelon form modulo P, over local atom indexes.
struct Echelon {
    atoms: Vec<usize>,
    rows: Vec<Vec<u64>>,
    /// Per local atom: the row whose pivot it is.
    pivot_row: Vec<Option<usize>>,
    /// When tracked: per row, its combination of the component's blocks.
    combos: Vec<Vec<u64>>,
}

impl Echelon {
    fn of(comp: &Component) -> Echelon {
        Self::build(comp, false)
    }

    /// [`Echelon::of`], also recording each row as a combination of blocks.
    fn tracked(comp: &Component) -> Echelon {
        Self::build(comp, true)
    }

    fn build(comp: &Component, track: bool) -> Echelon {
        let width = comp.atoms.len();
        let local: HashMap<usize, usize> = comp
            .atoms
            .iter()
            .enumerate()
            .map(|(l, &a)| (a, l))
            .collect();
        let mut rows: Vec<Vec<u64>> = comp
            .blocks
            .iter()
            .map(|(_, atoms)| {
                let mut row = vec![0u64; width];
                for a in atoms {
                    if let Some(&l) = local.get(a) {
                        row[l] = 1;
                    }
                }
                row
            })
            .collect();
        let blocks = rows.len();
        let mut combos: Vec<Vec<u64>> = if track {
            (0..blocks)
                .map(|i| {
                    let mut v = vec![0u64; blocks];
                    v[i] = 1;
                    v
                })
                .collect()
        } else {
            Vec::new()
        };
        let mut pivot_row = vec![None; width];
        let mut r = 0;
        for c in 0..width {
            let Some(p) = (r..rows.len()).find(|&i| rows[i][c] != 0) else {
                continue;
            };
            rows.swap(r, p);
            if track {
                combos.swap(r, p);
            }
            let f = inv(rows[r][c]);
            if f != 1 {
                for x in rows[r].iter_mut() {
                    *x = mul(*x, f);
                }
                for x in combos.get_mut(r).map(Vec::as_mut_slice).unwrap_or(&mut []) {
                    *x = mul(*x, f);
                }
            }
            if track {
                let (head, tail) = combos.split_at_mut(r);
                let (pivot, below) = tail.split_at_mut(1);
                let pivot = &pivot[0];
                for (i, other) in head.iter_mut().chain(below.iter_mut()).enumerate() {
                    // The same multiple as for the atom part, read before that changes.
                    let row = if i < r { i } else { i + 1 };
                    let g = rows[row][c];
                    if g != 0 {
                        let g = neg(g);
                        for (o, &x) in other.iter_mut().zip(pivot.iter()) {
                            if x != 0 {
                                *o = add(*o, mul(g, x));
                            }
                        }
                    }
                }
            }
            let (head, tail) = rows.split_at_mut(r);
            let (pivot, below) = tail.split_at_mut(1);
            let pivot = &pivot[0];
            for other in head.iter_mut().chain(below.iter_mut()) {
                let g = other[c];
                if g != 0 {
                    let g = neg(g);
                    for (o, &x) in other.iter_mut().zip(pivot.iter()).skip(c) {
                        if x != 0 {
                            *o = add(*o, mul(g, x));
                        }
                    }
                }
            }
            pivot_row[c] = Some(r);
            r += 1;
            if r == rows.len() {
                break;
            }
        }
        rows.truncate(r);
        combos.truncate(r);
        Echelon {
            atoms: comp.atoms.clone(),
            rows,
            pivot_row,
            combos,
        }
    }

    fn local(&self, atom: usize) -> Option<usize> {
        self.atoms.binary_search(&atom).ok()
    }

    /// The indicator of local atom `l` reduced by the rows: zero on every pivot column,
    /// so a union's indicator lies in the row space exactly when its atoms' reduced
    /// vectors sum to zero. Sparse, sorted by coordinate.
    fn reduced(&self, l: usize) -> Vec<(usize, u64)> {
        match self.pivot_row[l] {
            None => vec![(l, 1)],
            Some(r) => self.rows[r]
                .iter()
                .enumerate()
                .filter(|&(j, &x)| j != l && x != 0 && self.pivot_row[j].is_none())
                .map(|(j, &x)| (j, neg(x)))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modular_inverse_and_product() {
        for a in [1u64, 2, 3, 12345, P - 1] {
            assert_eq!(mul(a, inv(a)), 1, "{a}");
        }
        assert_eq!(add(P - 1, 1), 0);
        assert_eq!(neg(5), P - 5);
    }

    /// Three atoms under one node: blocks {0,1,2} (whole) and {0} (a value cell); the
    /// pair {1,2} is determined (whole − value), atom 1 alone is not.
    #[test]
    fn a_difference_of_two_blocks_is_determined() {
        let audit = Audit::new(
            vec![vec![1, 0], vec![1, 0], vec![1, 0]],
            vec![vec![0, 1], vec![0, 2], vec![0, 2]],
            vec![5, 1, 1],
            5,
        );
        let mut shown = vec![vec![false; 3]; 2];
        shown[1][0] = true;
        shown[1][1] = true;
        let d = audit.decompose(&shown);
        assert_eq!(d.components.len(), 1);
        assert!(audit.determines(&d, &[1, 2]));
        assert!(!audit.determines(&d, &[1]));
        assert!(audit.determines(&d, &[0]));
        let mut cache = HashMap::new();
        assert_eq!(audit.first_exposed(&d, &mut cache), Some(vec![1, 2]));
        // {1, 2} = whole − value: both cells take part, with weights 1 and −1.
        assert_eq!(audit.involved(&d, &[1, 2]), vec![(1, 0), (1, 1)]);
        // Atom 0 alone is the value cell itself.
        assert_eq!(audit.involved(&d, &[0]), vec![(1, 1)]);
        // Hiding the value cell ends it.
        shown[1][1] = false;
        let d = audit.decompose(&shown);
        assert_eq!(audit.first_exposed(&d, &mut cache), None);
    }

    /// A driver's sum is the sum of its items' sums. One team (node 1 under the
    /// organisation) answered a required item q1 (6 answers) and an optional item q2 (one
    /// answer). Atoms are (team, item); columns q1 = 0, q2 = 1, the driver = 2. With q2
    /// hidden and the driver shown beside q1, q2's single answer is driver − q1.
    #[test]
    fn a_driver_beside_its_required_item_determines_the_optional_one() {
        let audit = Audit::new(
            vec![vec![1, 0], vec![1, 0]],
            vec![vec![0, 2], vec![1, 2]],
            vec![6, 1],
            5,
        )
        .with_groups(vec![0, 0]);
        let mut shown = vec![vec![true, false, true]; 2];
        let d = audit.decompose(&shown);
        assert!(audit.determines(&d, &[1]));
        let mut cache = HashMap::new();
        assert_eq!(audit.first_exposed(&d, &mut cache), Some(vec![1]));
        // The team's driver cell and the item take part.
        assert_eq!(audit.involved(&d, &[1]), vec![(1, 0), (1, 2)]);
        // Hiding the team's driver is not enough: the organisation's driver covers the
        // same answers.
        shown[1][2] = false;
        let d = audit.decompose(&shown);
        assert_eq!(audit.first_exposed(&d, &mut cache), Some(vec![1]));
        shown[0][2] = false;
        let d = audit.decompose(&shown);
        assert_eq!(audit.first_exposed(&d, &mut cache), None);
        // Without the driver, the item alone tells nothing about q2.
        assert!(!audit.determines(&d, &[1]));
    }

    /// Two items answered by the same three people (k = 5): the driver's total over
    /// them is three people's total, though it sums six answers.
    #[test]
    fn atoms_of_the_same_people_count_them_once() {
        let shown = vec![vec![false, false, true]; 2];
        let grouped = Audit::new(
            vec![vec![1, 0], vec![1, 0]],
            vec![vec![0, 2], vec![1, 2]],
            vec![3, 3],
            5,
        )
        .with_groups(vec![7, 7]);
        let d = grouped.decompose(&shown);
        assert_eq!(
            grouped.first_exposed(&d, &mut HashMap::new()),
            Some(vec![0, 1])
        );
        let apart = Audit::new(
            vec![vec![1, 0], vec![1, 0]],
            vec![vec![0, 2], vec![1, 2]],
            vec![3, 3],
            5,
        );
        let d = apart.decompose(&shown);
        assert_eq!(apart.first_exposed(&d, &mut HashMap::new()), None);
    }

    /// Blocks are cells minus their released children: a parent and child released in
    /// one column give two disjoint blocks, and two unlinked teams two components.
    #[test]
    fn blocks_are_disjoint_and_components_independent() {
        // node 0 root; 1 and 2 its children; atoms: 0 in team 1, 1 in team 2, 2 in root.
        let audit = Audit::new(
            vec![vec![1, 0], vec![2, 0], vec![0]],
            vec![vec![0], vec![0], vec![0]],
            vec![5, 6, 7],
            5,
        );
        let shown = vec![vec![true], vec![true], vec![true]];
        let d = audit.decompose(&shown);
        assert_eq!(d.components.len(), 3);
        let root = d.component_of[2]
            .map(|c| &d.components[c])
            .map(|c| &c.blocks);
        assert_eq!(root, Some(&vec![((0, 0), vec![2])]));
    }
}
