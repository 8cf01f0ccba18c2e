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
//! 3. **Sparse, exact elimination.** Each component is brought to echelon form over the
//!    integers modulo the prime 2⁶¹ − 1, sparsely and deepest teams first
//!    ([`super::echelon`]), so no tolerance decides a rank and a component of thousands
//!    of atoms costs about its non-zeros, not their cube.
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

use super::echelon::{Echelon, Sparse, merge};

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
    pub fn first_exposed(&self, d: &Decomposition, cache: &mut Verdicts) -> Option<Vec<usize>> {
        self.exposures(d, cache)
            .and_then(|(_, found)| found.into_iter().next())
    }

    /// The first component with determined unions of fewer than k people, and those
    /// unions: one per small atom that is the lowest member of one, in atom order (one
    /// defect can show as several). Verdicts are remembered in `cache`.
    pub fn exposures(
        &self,
        d: &Decomposition,
        cache: &mut Verdicts,
    ) -> Option<(usize, Vec<Vec<usize>>)> {
        self.all_exposures(d, cache, true).into_iter().next()
    }

    /// Every component with determined unions of fewer than k people, with those unions
    /// (see [`Audit::exposures`]); with `first_only`, the first such component alone.
    pub fn all_exposures(
        &self,
        d: &Decomposition,
        cache: &mut Verdicts,
        first_only: bool,
    ) -> Vec<(usize, Vec<Vec<usize>>)> {
        let mut out = Vec::new();
        for (c, comp) in d.components.iter().enumerate() {
            let key = ComponentKey::of(comp);
            let found = match cache.get(&key) {
                Some(v) => v.clone(),
                None => {
                    let v = self.exposed_in(comp);
                    cache.insert(key, v.clone());
                    v
                }
            };
            if !found.is_empty() {
                out.push((c, found));
                if first_only {
                    break;
                }
            }
        }
        out
    }

    /// Whether the released sums determine the total of the atoms in `set` (the planner
    /// asks [`super::fixes::Solved`] instead; kept for the tests' own questions).
    #[cfg(test)]
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
            let comp = &d.components[c];
            let e = self.echelon(comp, false);
            e.reduce(&indicator(comp, &atoms)).is_empty()
        })
    }

    /// The released cells whose sums combine into the total of `set`, when it is
    /// determined: the blocks with a non-zero weight in one such combination. Hiding
    /// one of them (or folding a cell into one) is what can end the exposure.
    #[cfg(test)]
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
            let e = self.echelon(comp, true);
            match e.combination(&indicator(comp, &atoms)) {
                Some(weights) => out.extend(weights.iter().map(|&(b, _)| comp.blocks[b].0)),
                // Not determined after all (a search cut short by its budget): any of
                // the component's cells may be the one to hide.
                None => out.extend(comp.blocks.iter().map(|(cell, _)| *cell)),
            }
        }
        out.sort_unstable();
        out
    }

    /// A component's blocks in echelon form over its local atom indexes, eliminating the
    /// atoms of the deepest teams first ([`super::echelon`] explains why).
    pub(super) fn echelon(&self, comp: &Component, track: bool) -> Echelon {
        let rows: Vec<Sparse> = comp
            .blocks
            .iter()
            .map(|(_, atoms)| indicator(comp, atoms))
            .collect();
        let mut order: Vec<usize> = (0..comp.atoms.len()).collect();
        order.sort_by_key(|&l| (std::cmp::Reverse(self.paths[comp.atoms[l]].len()), l));
        Echelon::new(rows, comp.atoms.len(), &order, track)
    }

    /// The determined unions of 1 to k − 1 people inside one component: from each small
    /// atom, the first found with it as the lowest member. When the search exhausts its
    /// budget, what it holds then counts as one (erring on the side of hiding) and the
    /// search ends.
    fn exposed_in(&self, comp: &Component) -> Vec<Vec<usize>> {
        self.search(comp, &self.echelon(comp, false), &|_| true)
    }

    /// [`Audit::exposed_in`] on a component already eliminated (`e`), counting only the
    /// unions `keep` accepts (the others are passed over as if not determined).
    pub(super) fn search(
        &self,
        comp: &Component,
        e: &Echelon,
        keep: &dyn Fn(&[usize]) -> bool,
    ) -> Vec<Vec<usize>> {
        let k = self.k;
        let small: Vec<usize> = (0..comp.atoms.len())
            .filter(|&l| self.sizes[comp.atoms[l]] < k)
            .collect();
        if small.is_empty() {
            return Vec::new();
        }
        let reduced: Vec<Sparse> = small.iter().map(|&l| e.reduce(&[(l, 1)])).collect();
        // Which small atoms touch each coordinate.
        let mut touching: HashMap<usize, Vec<usize>> = HashMap::new();
        for (i, r) in reduced.iter().enumerate() {
            for &(j, _) in r {
                touching.entry(j).or_default().push(i);
            }
        }
        let mut budget = BUDGET;
        let mut chosen: Vec<usize> = Vec::new();
        let mut found = Vec::new();
        for start in 0..small.len() {
            chosen.clear();
            chosen.push(start);
            if let Some(union) = self.grow(
                &reduced,
                &touching,
                &small,
                comp,
                reduced[start].clone(),
                &mut chosen,
                &mut budget,
                keep,
            ) {
                found.push(union);
            }
            if budget == 0 {
                break;
            }
        }
        found
    }

    /// Extends `chosen` (whose reduced sum is `residual`) to a union with a zero sum and
    /// fewer than k people, branching over the atoms that touch the first non-zero
    /// coordinate.
    #[allow(clippy::too_many_arguments)]
    fn grow(
        &self,
        reduced: &[Sparse],
        touching: &HashMap<usize, Vec<usize>>,
        small: &[usize],
        comp: &Component,
        residual: Sparse,
        chosen: &mut Vec<usize>,
        budget: &mut usize,
        keep: &dyn Fn(&[usize]) -> bool,
    ) -> Option<Vec<usize>> {
        let global = |chosen: &[usize]| {
            let mut v: Vec<usize> = chosen.iter().map(|&i| comp.atoms[small[i]]).collect();
            v.sort_unstable();
            v
        };
        let Some(&(j, _)) = residual.first() else {
            let union = global(chosen);
            return keep(&union).then_some(union);
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
            let found = self.grow(reduced, touching, small, comp, next, chosen, budget, keep);
            if let Some(found) = found {
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

/// The indicator of `atoms` (global indexes, all in `comp`) over the component's local
/// indexes.
pub(super) fn indicator(comp: &Component, atoms: &[usize]) -> Sparse {
    let mut v: Sparse = atoms
        .iter()
        .filter_map(|a| comp.atoms.binary_search(a).ok())
        .map(|l| (l, 1))
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// Each component's exposures, by content, remembered between runs of the audit.
pub type Verdicts = HashMap<ComponentKey, Vec<Vec<usize>>>;

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

#[cfg(test)]
mod tests {
    use super::*;

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
