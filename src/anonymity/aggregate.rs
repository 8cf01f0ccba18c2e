//! Aggregates over several items: a driver's mean and favourable share cover all its
//! likert answers, the engagement index the engagement items, eNPS its items.
//!
//! Each item and each aggregate has its own plan ([`super::suppress::release`]), safe on
//! its own. Together they are not: a driver cell is the sum of its items' cells, so a
//! driver released beside its required item gives away an optional item suppressed in
//! the same group (driver − required item = the optional item's single answer).
//!
//! Read as the equations they are — a released mean times its count is a sum, a share
//! times its count a count — an aggregate's numbers and its items' numbers are sums over
//! the same unknowns: per item, the answers of each atom (a team's direct members
//! sharing one combination of cut values). An item cell sums its item's atoms in the
//! cell; an aggregate cell sums every item's atoms in it, so its equation is the sum of
//! its items' equations for the same cell. Sums, favourable counts and the count of each
//! answer value follow the same pattern, so the argument covers them all, exactly and
//! without relying on rounding.
//!
//! **The rule:** an aggregate cell is released only where each of its items that has
//! answers in that cell is released there too. Its equation is then a sum of released
//! item equations and tells the adversary nothing the items' plans (each audited) do
//! not; an aggregate cell beside a hidden item is suppressed, then the aggregate's own
//! rules 2–4 are applied again (hiding only removes equations). The tests check the
//! outcome with the linear audit ([`super::linear_audit`]) over (atom, item) unknowns,
//! an independent method: no union of fewer than k people has a determined total.
//!
//! What this gives up: a cell where two or more items are hidden and only their sum
//! would be safe to show (rare: a driver of optional items only).

use super::suppress::{Grid, settle};

/// Suppresses the cells of an aggregate (`grid`: the responses it covers; `shown`: its
/// plan) where one of its `items` (each: answers per atom, and its plan) has answers but
/// is not released. Every grid has the same tree and cuts.
pub fn restrict(
    items: &[(&Grid, &[Vec<bool>])],
    grid: &Grid,
    k: usize,
    mut shown: Vec<Vec<bool>>,
) -> Vec<Vec<bool>> {
    let counts: Vec<Vec<Vec<usize>>> = items.iter().map(|(g, _)| g.counts()).collect();
    let mut changed = false;
    for (n, row) in shown.iter_mut().enumerate() {
        for (c, on) in row.iter_mut().enumerate() {
            let gives_away = items.iter().zip(&counts).any(|((_, mask), count)| {
                let answered = count.get(n).and_then(|r| r.get(c)).is_some_and(|&x| x > 0);
                let released = mask.get(n).and_then(|r| r.get(c)).copied().unwrap_or(false);
                answered && !released
            });
            if *on && gives_away {
                *on = false;
                changed = true;
            }
        }
    }
    if changed {
        settle(grid, k, shown)
    } else {
        shown
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::anonymity::echelon::reference::in_span;
    use crate::anonymity::linear_audit::Audit;
    use crate::anonymity::suppress::tests::tally;
    use crate::anonymity::suppress::{Atom, Tree, release};
    use proptest::prelude::*;

    /// The checker: the linear audit over (atom, item) unknowns, with the items' and the
    /// aggregates' released cells as equations. Atoms of one team and combination count
    /// the same people. A determined union of fewer than k people, if any.
    fn exposure(
        items: &[(&Grid, &[Vec<bool>])],
        aggregates: &[&[Vec<bool>]],
        k: usize,
    ) -> Option<Vec<usize>> {
        let first = items.first()?.0;
        let (cols, m) = (first.cols(), items.len());
        let paths = first.node_paths();
        let mut group: HashMap<(usize, Vec<usize>), usize> = HashMap::new();
        let (mut ps, mut cs, mut sizes, mut gs) = (vec![], vec![], vec![], vec![]);
        for (j, (grid, _)) in items.iter().enumerate() {
            for a in grid.atoms.iter().filter(|a| a.size > 0) {
                let own = first.columns_of(&a.values);
                let mut columns: Vec<usize> = own.iter().map(|c| j * cols + c).collect();
                for g in 0..aggregates.len() {
                    columns.extend(own.iter().map(|c| (m + g) * cols + c));
                }
                ps.push(paths[a.node].clone());
                cs.push(columns);
                sizes.push(a.size);
                let next = group.len();
                gs.push(*group.entry((a.node, a.values.clone())).or_insert(next));
            }
        }
        let shown: Vec<Vec<bool>> = (0..first.tree.len())
            .map(|n| {
                let masks = items
                    .iter()
                    .map(|(_, mask)| *mask)
                    .chain(aggregates.iter().copied());
                masks.flat_map(|mask| mask[n].clone()).collect()
            })
            .collect();
        let audit = Audit::new(ps, cs, sizes, k).with_groups(gs);
        audit.first_exposed(&audit.decompose(&shown), &mut HashMap::new())
    }

    fn grid(parents: &[Option<usize>], atoms: &[(usize, usize)]) -> Grid {
        Grid {
            tree: Tree::from_parents(parents),
            cut_sizes: vec![],
            atoms: atoms
                .iter()
                .map(|&(node, size)| Atom {
                    node,
                    values: vec![],
                    size,
                })
                .collect(),
        }
    }

    /// The organisation (node 0) with teams 1 (6 people) and 2 (6 people). Everyone
    /// answers the required q1; one person of team 1 the optional q2. The plans on their
    /// own show the driver and q1 everywhere and q2 nowhere; then team 1's q2 = driver −
    /// q1 there (and the organisation's likewise). The rule hides the driver where q2 has
    /// an answer and is hidden, and the checker then finds nothing.
    #[test]
    fn a_driver_that_gives_away_a_suppressed_item_is_suppressed() {
        let parents = [None, Some(0), Some(0)];
        let q1 = grid(&parents, &[(1, 6), (2, 6)]);
        let q2 = grid(&parents, &[(1, 1)]);
        let driver = grid(&parents, &[(1, 6), (2, 6)]);
        let k = 5;
        let (m1, m2, md) = (
            release(&q1, k, None),
            release(&q2, k, None),
            release(&driver, k, None),
        );
        assert_eq!((m1[1][0], m2[1][0], md[1][0]), (true, false, true));
        let items = [(&q1, m1.as_slice()), (&q2, m2.as_slice())];
        // q2's atom in team 1 (the unknown after q1's two) is determined.
        assert_eq!(exposure(&items, &[&md], k), Some(vec![2]));
        let kept = restrict(&items, &driver, k, md.clone());
        assert_eq!(exposure(&items, &[&kept], k), None);
        // Hidden where q2 was answered (team 1, the organisation); team 2 alone would be
        // the organisation minus team 1, which is hidden: shown only as a team of its own.
        assert!(!kept[1][0] && !kept[0][0] && !kept[2][0], "{kept:?}");
        // Every item keeps its plan.
        assert!(m1[1][0] && m1[2][0]);
    }

    /// Items answered by the same people (the usual case of required items): their plans
    /// are the aggregate's, and nothing changes.
    #[test]
    fn aggregates_of_items_with_the_same_plan_are_left_alone() {
        let parents = [None, Some(0), Some(0)];
        let q = grid(&parents, &[(1, 6), (2, 3)]);
        let k = 5;
        let mask = release(&q, k, None);
        let items = [(&q, mask.as_slice()), (&q, mask.as_slice())];
        assert_eq!(restrict(&items, &q, k, mask.clone()), mask);
    }

    /// Random small org: up to 6 teams, cuts of 3 and 2 values; each person in one team
    /// with a value of each cut, answering the required item and, or not, each of two
    /// optional ones.
    type Person = (usize, usize, usize, bool, bool);

    fn org() -> impl Strategy<Value = (Vec<Option<usize>>, Vec<Person>)> {
        (1usize..6).prop_flat_map(|teams| {
            let parents = (1..=teams)
                .map(|i| (0..i).prop_map(Some).boxed())
                .collect::<Vec<_>>();
            let people = proptest::collection::vec(
                (
                    1..=teams,
                    0usize..3,
                    0usize..2,
                    any::<bool>(),
                    proptest::bool::weighted(0.2),
                ),
                0..28,
            );
            (parents, people).prop_map(|(ps, people)| {
                let mut parent = vec![None];
                parent.extend(ps);
                (parent, people)
            })
        })
    }

    /// Whether one person's answer to one item, or their total over several, follows from
    /// the released sums: rank of the equations over (person, item) unknowns, with and
    /// without that form (floating point: a different method from the audit's).
    fn one_person_exposed(rows: &[Vec<f64>], forms: &[Vec<f64>]) -> Option<usize> {
        forms.iter().position(|f| in_span(rows, f))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(120))]
        #[test]
        fn a_driver_beside_its_items_exposes_nobody((parent, people) in org(), k in 3usize..=6) {
            let tree = Tree::from_parents(&parent);
            let count = |answers: &dyn Fn(&Person) -> bool| {
                let atoms = tally(people.iter().filter(|p| answers(p)).map(|p| (p.0, vec![p.1, p.2])));
                Grid { tree: tree.clone(), cut_sizes: vec![3, 2], atoms }
            };
            let everyone = count(&|_| true);
            let q = [count(&|_| true), count(&|p| p.3), count(&|p| p.4)];
            let groups = release(&everyone, k, None);
            let masks: Vec<Vec<Vec<bool>>> = q.iter().map(|g| release(g, k, Some(&groups))).collect();
            let driver = release(&everyone, k, Some(&groups));
            let items: Vec<(&Grid, &[Vec<bool>])> =
                q.iter().zip(&masks).map(|(g, m)| (g, m.as_slice())).collect();
            let kept = restrict(&items, &everyone, k, driver.clone());
            for (n, row) in kept.iter().enumerate() {
                for (c, on) in row.iter().enumerate() {
                    prop_assert!(!on || driver[n][c], "restrict only hides");
                }
            }
            prop_assert_eq!(exposure(&items, &[&kept], k), None);
            // Independently, over people: no one's answer to an item, nor their total
            // over their items, follows from the released sums.
            let cols = everyone.cols();
            let paths = everyone.node_paths();
            let answers = |p: &Person, j: usize| j == 0 || (j == 1 && p.3) || (j == 2 && p.4);
            let in_cell = |n: usize, c: usize, p: &Person| {
                paths[p.0].contains(&n) && (c == 0 || c == everyone.col(0, p.1) || c == everyone.col(1, p.2))
            };
            let width = 3 * people.len();
            let mut rows: Vec<Vec<f64>> = Vec::new();
            for n in 0..tree.len() {
                for c in 0..cols {
                    let mut sum = vec![0.0; width];
                    for j in 0..3 {
                        let mut row = vec![0.0; width];
                        for (i, p) in people.iter().enumerate() {
                            if in_cell(n, c, p) && answers(p, j) {
                                row[3 * i + j] = 1.0;
                                sum[3 * i + j] = 1.0;
                            }
                        }
                        if masks[j][n][c] {
                            rows.push(row);
                        }
                    }
                    if kept[n][c] {
                        rows.push(sum);
                    }
                }
            }
            let mut forms = Vec::new();
            for (i, p) in people.iter().enumerate() {
                let mut total = vec![0.0; width];
                for j in (0..3).filter(|&j| answers(p, j)) {
                    let mut one = vec![0.0; width];
                    one[3 * i + j] = 1.0;
                    total[3 * i + j] = 1.0;
                    forms.push(one);
                }
                forms.push(total);
            }
            if !rows.is_empty() && !people.is_empty() {
                prop_assert_eq!(one_person_exposed(&rows, &forms), None);
            }
        }
    }
}
