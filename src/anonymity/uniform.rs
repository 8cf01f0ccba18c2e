//! Homogeneous groups: where everyone of a released group gave the same answer, the
//! group's mean (and its distribution) states that answer, and so names each member's.
//! A team of five who all answered "4" must not be shown as "mean 4.0".
//!
//! What a reader can compute is not only the released cells but every *determined
//! block*: a released cell minus its released children in the same column (its total,
//! count and — where distributions are shown — counts per answer follow by
//! subtraction), and a released whole group minus its released values of one cut. The
//! blocks of one column partition the released cells, so a cell's answers are the
//! union of the blocks below it.
//!
//! **The rule:** no released block of an item is single-valued. While one is, it is
//! merged into a larger block: the smallest released part of it (a child, or a value of
//! the cut) holding another answer is hidden, so the block takes in that part's answers;
//! where there is no such part the cell itself is single-valued and is hidden. Then the
//! engine's rules 2–4 are applied again ([`super::suppress::settle`]) and the blocks are
//! checked again, until none is single-valued.
//!
//! Hiding more keeps it so: a hidden cell's answers join the block above it, and they
//! are a union of blocks that were not single-valued (or, on the first pass, are checked
//! again). So aggregates restricted afterwards ([`super::aggregate`]) stay safe.
//!
//! Not searched: unions of blocks across a two-way table (a team's value cells minus
//! its children's value cells minus …) that happen to be single-valued; and a reader who
//! guesses that a hidden cell was hidden for this reason learns that its answers were
//! all equal (not which value, unless a larger block pins it down).

// The rule works on a (node × column) grid; index loops read closer to it.
#![allow(clippy::needless_range_loop)]

use super::suppress::{Grid, settle};

/// One answer to an item: where it was given (a node and its cut values, as an atom of
/// the item's grid) and what it was, as a key (equal keys, equal answers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Given {
    pub node: usize,
    pub values: Vec<usize>,
    pub key: u64,
}

/// The answers seen in a set: none, all one value, or several values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seen {
    Nothing,
    One(u64),
    Several,
}

impl Seen {
    fn add(self, key: u64) -> Seen {
        match self {
            Seen::Nothing => Seen::One(key),
            Seen::One(k) if k == key => self,
            _ => Seen::Several,
        }
    }

    /// Whether the set holds an answer other than `key`.
    fn differs_from(self, key: u64) -> bool {
        match self {
            Seen::Nothing => false,
            Seen::One(k) => k != key,
            Seen::Several => true,
        }
    }
}

/// Hides cells of `shown` (an item's plan on `grid`, whose atoms count the item's
/// answers) until no released block of `answers` is single-valued. See the module
/// documentation.
pub fn hide_uniform(
    grid: &Grid,
    k: usize,
    answers: &[Given],
    mut shown: Vec<Vec<bool>>,
) -> Vec<Vec<bool>> {
    if answers.is_empty() {
        return shown;
    }
    let nodes = grid.tree.len();
    let cols = grid.cols();
    let paths = grid.node_paths();
    let columns: Vec<Vec<usize>> = answers.iter().map(|a| grid.columns_of(&a.values)).collect();
    let counts = grid.counts();
    // What every cell holds (fixed: the answers do not change, only what is shown).
    let mut cells = vec![vec![Seen::Nothing; cols]; nodes];
    for (a, cs) in answers.iter().zip(&columns) {
        for &n in paths.get(a.node).map(Vec::as_slice).unwrap_or(&[]) {
            for &c in cs {
                cells[n][c] = cells[n][c].add(a.key);
            }
        }
    }
    // A bound on the passes: each hides at least one released cell.
    for _ in 0..=nodes * cols {
        // Rule (a): a cell minus its released children; rule (b): a whole group minus
        // its released values of one cut.
        let mut blocks = vec![vec![Seen::Nothing; cols]; nodes];
        let mut rests = vec![vec![Seen::Nothing; grid.cut_sizes.len()]; nodes];
        for (a, cs) in answers.iter().zip(&columns) {
            let path = paths.get(a.node).map(Vec::as_slice).unwrap_or(&[]);
            for &c in cs {
                for (i, &n) in path.iter().enumerate() {
                    let below_shown = i > 0 && shown[path[i - 1]][c];
                    if shown[n][c] && !below_shown {
                        blocks[n][c] = blocks[n][c].add(a.key);
                    }
                }
            }
            for &n in path {
                if !shown[n][0] {
                    continue;
                }
                for (cut, rest) in rests[n].iter_mut().enumerate() {
                    let value = a.values.get(cut).copied();
                    let hidden = match value {
                        Some(v) if v < grid.cut_sizes[cut] => !shown[n][grid.col(cut, v)],
                        _ => true,
                    };
                    if hidden {
                        *rest = rest.add(a.key);
                    }
                }
            }
        }
        let smallest = |parts: Vec<(usize, usize)>| {
            parts.into_iter().min_by_key(|&(n, c)| (counts[n][c], n, c))
        };
        let mut fixes: Vec<(usize, usize)> = Vec::new();
        for n in 0..nodes {
            for c in 0..cols {
                let Seen::One(v) = blocks[n][c] else { continue };
                if !shown[n][c] {
                    continue;
                }
                let parts: Vec<(usize, usize)> = grid
                    .tree
                    .children(n)
                    .iter()
                    .filter(|&&ch| shown[ch][c] && cells[ch][c].differs_from(v))
                    .map(|&ch| (ch, c))
                    .collect();
                fixes.push(smallest(parts).unwrap_or((n, c)));
            }
            if !shown[n][0] {
                continue;
            }
            for (cut, rest) in rests[n].iter().enumerate() {
                let Seen::One(v) = *rest else { continue };
                let parts: Vec<(usize, usize)> = (0..grid.cut_sizes[cut])
                    .map(|value| grid.col(cut, value))
                    .filter(|&c| shown[n][c] && cells[n][c].differs_from(v))
                    .map(|c| (n, c))
                    .collect();
                fixes.push(smallest(parts).unwrap_or((n, 0)));
            }
        }
        if fixes.is_empty() {
            return shown;
        }
        for (n, c) in fixes {
            shown[n][c] = false;
        }
        shown = settle(grid, k, shown);
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::anonymity::suppress::tests::{LargeOrg, tally};
    use crate::anonymity::suppress::{Tree, release};
    use proptest::prelude::*;

    /// A grid and its answers from (node, cut values, answer) per person.
    fn setup(
        parents: &[Option<usize>],
        cut_sizes: &[usize],
        people: &[(usize, &[usize], u64)],
    ) -> (Grid, Vec<Given>) {
        let atoms = tally(
            people
                .iter()
                .map(|&(node, values, _)| (node, values.to_vec())),
        );
        let grid = Grid {
            tree: Tree::from_parents(parents),
            cut_sizes: cut_sizes.to_vec(),
            atoms,
        };
        let given = people
            .iter()
            .map(|&(node, values, key)| Given {
                node,
                values: values.to_vec(),
                key,
            })
            .collect();
        (grid, given)
    }

    fn plan(grid: &Grid, given: &[Given], k: usize) -> Vec<Vec<bool>> {
        hide_uniform(grid, k, given, release(grid, k, None))
    }

    fn whole(shown: &[Vec<bool>]) -> Vec<bool> {
        shown.iter().map(|r| r[0]).collect()
    }

    /// Every released block, recomputed by brute force: none is single-valued.
    fn no_uniform_block(grid: &Grid, given: &[Given], shown: &[Vec<bool>]) -> bool {
        let paths = grid.node_paths();
        let inside = |n: usize, g: &Given| paths[g.node].contains(&n);
        for n in 0..grid.tree.len() {
            for c in 0..grid.cols() {
                if !shown[n][c] {
                    continue;
                }
                let in_col = |g: &Given| grid.columns_of(&g.values).contains(&c);
                let block: Vec<u64> = given
                    .iter()
                    .filter(|g| inside(n, g) && in_col(g))
                    .filter(|g| {
                        !grid
                            .tree
                            .children(n)
                            .iter()
                            .any(|&ch| shown[ch][c] && inside(ch, g))
                    })
                    .map(|g| g.key)
                    .collect();
                if !block.is_empty() && block.iter().all(|&x| x == block[0]) {
                    return false;
                }
            }
            if !shown[n][0] {
                continue;
            }
            for cut in 0..grid.cut_sizes.len() {
                let rest: Vec<u64> = given
                    .iter()
                    .filter(|g| inside(n, g))
                    .filter(|g| !shown[n][grid.col(cut, g.values[cut])])
                    .map(|g| g.key)
                    .collect();
                if !rest.is_empty() && rest.iter().all(|&x| x == rest[0]) {
                    return false;
                }
            }
        }
        true
    }

    #[test]
    fn a_team_that_all_gave_one_answer_is_hidden() {
        // root -> a (5, all "4"), b (6, mixed): a is hidden, and with it b (the root's
        // remainder would otherwise be a alone).
        let people: Vec<(usize, &[usize], u64)> = [4, 4, 4, 4, 4]
            .iter()
            .map(|&v| (1, &[][..], v))
            .chain([1, 2, 3, 4, 5, 5].iter().map(|&v| (2, &[][..], v)))
            .collect();
        let (grid, given) = setup(&[None, Some(0), Some(0)], &[], &people);
        let before = release(&grid, 5, None);
        assert_eq!(whole(&before), vec![true, true, true]);
        let after = plan(&grid, &given, 5);
        assert!(!after[1][0], "the single-valued team is hidden");
        assert!(after[0][0], "the organisation (mixed) stays");
        assert!(
            !after[2][0],
            "b alone would give a as the organisation minus b"
        );
        assert!(no_uniform_block(&grid, &given, &after));
    }

    #[test]
    fn a_single_valued_remainder_takes_in_the_smallest_part_with_another_answer() {
        // root: 5 direct members all "3"; a (5, mixed), b (6, mixed). The root's block
        // (its direct members) is single-valued: a, the smallest part, is hidden, and the
        // root stays with a mixed block.
        let people: Vec<(usize, &[usize], u64)> = [3, 3, 3, 3, 3]
            .iter()
            .map(|&v| (0, &[][..], v))
            .chain([1, 2, 3, 4, 5].iter().map(|&v| (1, &[][..], v)))
            .chain([1, 2, 3, 4, 5, 5].iter().map(|&v| (2, &[][..], v)))
            .collect();
        let (grid, given) = setup(&[None, Some(0), Some(0)], &[], &people);
        let after = plan(&grid, &given, 5);
        assert_eq!(whole(&after), vec![true, false, true]);
        assert!(no_uniform_block(&grid, &given, &after));
    }

    #[test]
    fn a_parent_equal_to_its_single_valued_children_is_hidden_too() {
        // t (10, all "5") -> t1 (5), t2 (5); root holds t and a mixed team s (5).
        let people: Vec<(usize, &[usize], u64)> = (0..5)
            .map(|_| (2, &[][..], 5))
            .chain((0..5).map(|_| (3, &[][..], 5)))
            .chain([1, 2, 3, 4, 5].iter().map(|&v| (4, &[][..], v)))
            .collect();
        let (grid, given) = setup(&[None, Some(0), Some(1), Some(1), Some(0)], &[], &people);
        let after = plan(&grid, &given, 5);
        assert!(!after[1][0] && !after[2][0] && !after[3][0]);
        assert!(no_uniform_block(&grid, &given, &after));
    }

    #[test]
    fn a_single_valued_value_of_a_cut_is_hidden_and_not_given_by_the_rest() {
        // One team of 10: paris 5 mixed, rome 5 all "4". Rome is hidden; the team minus
        // paris would then be rome, so the whole-group block across the cut is checked
        // as well: paris goes too (or the team).
        let people: Vec<(usize, &[usize], u64)> = [1, 2, 3, 4, 5]
            .iter()
            .map(|&v| (0, &[0][..], v))
            .chain((0..5).map(|_| (0, &[1][..], 4)))
            .collect();
        let (grid, given) = setup(&[None], &[2], &people);
        let before = release(&grid, 5, None);
        assert_eq!(before, vec![vec![true, true, true]]);
        let after = plan(&grid, &given, 5);
        assert!(!after[0][2], "rome");
        assert!(
            !(after[0][0] && after[0][1]),
            "the team and paris give rome"
        );
        assert!(no_uniform_block(&grid, &given, &after));
    }

    #[test]
    fn mixed_groups_are_left_alone() {
        let people: Vec<(usize, &[usize], u64)> = [1, 2, 3, 4, 5, 1]
            .iter()
            .map(|&v| (1, &[][..], v))
            .chain([2, 2, 3, 3, 4].iter().map(|&v| (2, &[][..], v)))
            .collect();
        let (grid, given) = setup(&[None, Some(0), Some(0)], &[], &people);
        let before = release(&grid, 5, None);
        assert_eq!(plan(&grid, &given, 5), before);
    }

    /// How long the check takes for a large organisation (the shape of
    /// `suppress::tests::plan_for_a_large_org`: 500 teams, 8,000 answers, two cuts), with
    /// answers 3–5 so that some teams are single-valued; and the plan of its
    /// distributions at 2k. Run with
    /// `cargo test --release --lib -- --ignored --nocapture uniform_for_a_large_org`.
    #[test]
    #[ignore = "a timing, meaningful only in a release build"]
    fn uniform_for_a_large_org() {
        let mut org = LargeOrg::new(7);
        let mut people: Vec<(usize, Vec<usize>, u64)> = Vec::new();
        for _ in 0..8000 {
            let node = org.leaf();
            // A team's answers lean on its node, so some small teams agree entirely.
            let key = if org.rng.below(4) == 0 {
                3 + org.rng.below(3) as u64
            } else {
                3 + (node % 3) as u64
            };
            people.push((node, vec![org.rng.below(3), org.rng.below(4)], key));
        }
        let refs: Vec<(usize, &[usize], u64)> = people
            .iter()
            .map(|(n, v, k)| (*n, v.as_slice(), *k))
            .collect();
        let mut cut_grid = setup(&org.parents, &[3, 4], &refs);
        cut_grid.0.tree = org.tree;
        let (grid, given) = cut_grid;
        let start = std::time::Instant::now();
        let base = release(&grid, 5, None);
        let planned = start.elapsed();
        let start = std::time::Instant::now();
        let kept = hide_uniform(&grid, 5, &given, base.clone());
        let uniform = start.elapsed();
        let start = std::time::Instant::now();
        let dist = release(&grid, 10, Some(&kept));
        let distributions = start.elapsed();
        let count = |m: &[Vec<bool>]| m.iter().flatten().filter(|b| **b).count();
        println!(
            "plan {planned:?} ({} cells), uniform {uniform:?} ({} cells), distributions {distributions:?} ({} cells)",
            count(&base),
            count(&kept),
            count(&dist)
        );
        assert!(no_uniform_block(&grid, &given, &kept));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(120))]
        /// Random trees, one cut, few answer values (so blocks are often single-valued):
        /// afterwards no released block is, and the engine's rules still hold.
        #[test]
        fn no_released_block_is_single_valued(
            parents in (1usize..6).prop_flat_map(|t| (1..=t).map(|i| (0..i).prop_map(Some).boxed()).collect::<Vec<_>>()),
            people in proptest::collection::vec((0usize..6, 0usize..2, 0u64..2), 0..40),
            k in 3usize..=5,
        ) {
            let mut parent = vec![None];
            parent.extend(parents);
            let teams = parent.len();
            let people: Vec<(usize, Vec<usize>, u64)> = people
                .into_iter()
                .map(|(n, v, key)| (n % teams, vec![v], key))
                .collect();
            let refs: Vec<(usize, &[usize], u64)> = people.iter().map(|(n, v, key)| (*n, v.as_slice(), *key)).collect();
            let (grid, given) = setup(&parent, &[2], &refs);
            let before = release(&grid, k, None);
            let after = plan(&grid, &given, k);
            prop_assert!(no_uniform_block(&grid, &given, &after));
            for (b, a) in before.iter().flatten().zip(after.iter().flatten()) {
                prop_assert!(*b || !*a, "only hides");
            }
            prop_assert_eq!(settle(&grid, k, after.clone()), after);
        }
    }
}
