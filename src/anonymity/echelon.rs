//! Sparse row echelon form over the integers modulo the prime 2⁶¹ − 1, for the linear
//! audit ([`super::linear_audit`]).
//!
//! The rows are a component's blocks: 0/1 indicators over its atoms, each atom in only a
//! few blocks (one per column it belongs to). Eliminated densely, a component of ten
//! thousand atoms costs a cube of that; eliminated sparsely, in the order of the team
//! tree, it costs little more than its non-zeros:
//!
//! - **Columns deepest first.** Atoms are eliminated in the order given by the caller —
//!   the audit passes the atoms of the deepest teams first — so a team's own blocks
//!   settle its atoms before an ancestor's block is touched, and the fill an ancestor's
//!   row takes on stays within the atoms its subtree leaves free.
//! - **The shortest row as pivot.** Among the rows holding the column, the one with the
//!   fewest non-zeros is the pivot (ties to the first), so little is copied into others.
//!
//! The form is not reduced: a pivot row is zero on the pivot columns eliminated before
//! it, not on later ones. A vector is brought to its canonical representative — zero on
//! every pivot column — by subtracting pivot rows in elimination order
//! ([`Echelon::reduce`]); two vectors are equal modulo the row space exactly when their
//! representatives are, and a vector lies in the row space exactly when its
//! representative is zero.
//!
//! Exact arithmetic means no tolerance decides a rank. A rank can only be lower modulo a
//! prime than over the rationals, so a wrong verdict, vanishingly unlikely, would find an
//! exposure that is not there and hide more, never less.

use std::collections::{BTreeMap, HashMap};

/// The prime modulus: 2⁶¹ − 1.
pub const P: u64 = (1 << 61) - 1;

/// A sparse vector: (coordinate, non-zero value), sorted by coordinate.
pub type Sparse = Vec<(usize, u64)>;

pub fn add(a: u64, b: u64) -> u64 {
    let s = a + b;
    if s >= P { s - P } else { s }
}

pub fn neg(a: u64) -> u64 {
    if a == 0 { 0 } else { P - a }
}

/// a·b mod P, folding the 122-bit product at bit 61 (2⁶¹ ≡ 1 mod P).
pub fn mul(a: u64, b: u64) -> u64 {
    let p = u128::from(a) * u128::from(b);
    let s = (p as u64 & P) + (p >> 61) as u64;
    let s = (s & P) + (s >> 61);
    if s >= P { s - P } else { s }
}

pub fn inv(a: u64) -> u64 {
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

/// `a + g·b`, dropping zeros.
pub fn axpy(a: &[(usize, u64)], g: u64, b: &[(usize, u64)]) -> Sparse {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if j >= b.len() || (i < a.len() && a[i].0 < b[j].0) {
            out.push(a[i]);
            i += 1;
        } else if i >= a.len() || b[j].0 < a[i].0 {
            let v = mul(g, b[j].1);
            if v != 0 {
                out.push((b[j].0, v));
            }
            j += 1;
        } else {
            let v = add(a[i].1, mul(g, b[j].1));
            if v != 0 {
                out.push((a[i].0, v));
            }
            i += 1;
            j += 1;
        }
    }
    out
}

/// The sum of two sparse vectors.
pub fn merge(a: &[(usize, u64)], b: &[(usize, u64)]) -> Sparse {
    axpy(a, 1, b)
}

/// Rows in (unreduced) echelon form over `width` columns.
pub struct Echelon {
    /// Per pivot: its row, scaled to 1 on the pivot, zero on earlier pivots.
    rows: Vec<Sparse>,
    /// Per pivot row: the combination of input rows it is, when tracked.
    combos: Vec<Sparse>,
    /// Per column: the pivot row it heads, if any.
    pivot_row: Vec<Option<usize>>,
    /// Per column: its place in the elimination order.
    place: Vec<usize>,
    /// When tracked: the combinations of input rows that sum to zero (the rows that
    /// reduced to nothing), a basis of every such combination.
    dependencies: Vec<Sparse>,
}

impl Echelon {
    /// Eliminates `rows` (sparse, coordinates below `width`) taking columns in `order`
    /// (a permutation of `0..width`). With `track`, each pivot row also records which
    /// combination of the input rows it is ([`Echelon::combination`]).
    pub fn new(rows: Vec<Sparse>, width: usize, order: &[usize], track: bool) -> Echelon {
        let mut place = vec![usize::MAX; width];
        for (i, &c) in order.iter().enumerate() {
            if c < width {
                place[c] = i;
            }
        }
        // Columns missing from `order` go last, in index order.
        for (next, p) in (order.len()..).zip(place.iter_mut().filter(|p| **p == usize::MAX)) {
            *p = next;
        }
        let mut by_place: Vec<usize> = (0..width).collect();
        by_place.sort_unstable_by_key(|&c| place[c]);

        let mut work: Vec<Option<Sparse>> = rows.into_iter().map(Some).collect();
        let mut combos: Vec<Sparse> = if track {
            (0..work.len()).map(|i| vec![(i, 1)]).collect()
        } else {
            Vec::new()
        };
        // Per column: the rows that may hold it (stale entries are checked on use).
        let mut holders: Vec<Vec<usize>> = vec![Vec::new(); width];
        for (i, row) in work.iter().enumerate() {
            for &(c, _) in row.iter().flatten() {
                holders[c].push(i);
            }
        }
        let mut pivot_row = vec![None; width];
        let mut out_rows: Vec<Sparse> = Vec::new();
        let mut out_combos: Vec<Sparse> = Vec::new();
        for &c in &by_place {
            let mut live: Vec<usize> = std::mem::take(&mut holders[c]);
            live.sort_unstable();
            live.dedup();
            live.retain(|&i| {
                work[i]
                    .as_ref()
                    .is_some_and(|r| r.binary_search_by_key(&c, |e| e.0).is_ok())
            });
            let Some(&p) = live
                .iter()
                .min_by_key(|&&i| (work[i].as_ref().map_or(usize::MAX, Vec::len), i))
            else {
                continue;
            };
            let Some(mut pivot) = work[p].take() else {
                continue;
            };
            let head = pivot
                .binary_search_by_key(&c, |e| e.0)
                .map_or(1, |at| pivot[at].1);
            let f = inv(head);
            if f != 1 {
                for e in pivot.iter_mut() {
                    e.1 = mul(e.1, f);
                }
            }
            let mut combo = if track {
                std::mem::take(&mut combos[p])
            } else {
                Vec::new()
            };
            if track && f != 1 {
                for e in combo.iter_mut() {
                    e.1 = mul(e.1, f);
                }
            }
            for &i in live.iter().filter(|&&i| i != p) {
                let Some(row) = work[i].as_ref() else {
                    continue;
                };
                let g = row
                    .binary_search_by_key(&c, |e| e.0)
                    .map_or(0, |at| neg(row[at].1));
                if g == 0 {
                    continue;
                }
                let updated = axpy(row, g, &pivot);
                // Fill: columns the row did not hold before.
                for &(j, _) in &pivot {
                    if j != c && row.binary_search_by_key(&j, |e| e.0).is_err() {
                        holders[j].push(i);
                    }
                }
                work[i] = Some(updated);
                if track {
                    combos[i] = axpy(&combos[i], g, &combo);
                }
            }
            pivot_row[c] = Some(out_rows.len());
            out_rows.push(pivot);
            if track {
                out_combos.push(std::mem::take(&mut combo));
            }
        }
        // Every column was eliminated, so a row never made a pivot is now empty.
        let dependencies = if track {
            work.iter()
                .zip(combos)
                .filter(|(row, _)| row.as_ref().is_some_and(Vec::is_empty))
                .map(|(_, combo)| combo)
                .collect()
        } else {
            Vec::new()
        };
        Echelon {
            rows: out_rows,
            combos: out_combos,
            pivot_row,
            place,
            dependencies,
        }
    }

    /// When tracked: a basis of the combinations of input rows that sum to zero. Two
    /// combinations give the same vector exactly when they differ by one of these.
    pub fn dependencies(&self) -> &[Sparse] {
        &self.dependencies
    }

    /// The number of independent rows.
    pub fn rank(&self) -> usize {
        self.rows.len()
    }

    /// Whether column `c` heads a pivot row.
    pub fn is_pivot(&self, c: usize) -> bool {
        self.pivot_row.get(c).copied().flatten().is_some()
    }

    /// The canonical representative of `v` modulo the row space (zero on every pivot
    /// column), and the multiples of the pivot rows subtracted to reach it.
    fn reduce_with_steps(&self, v: &[(usize, u64)]) -> (Sparse, Vec<(usize, u64)>) {
        // Pivot columns still to clear, by elimination place; free columns as they are.
        let mut pending: BTreeMap<usize, (usize, u64)> = BTreeMap::new();
        let mut free: HashMap<usize, u64> = HashMap::new();
        let put = |pending: &mut BTreeMap<usize, (usize, u64)>,
                   free: &mut HashMap<usize, u64>,
                   c: usize,
                   x: u64| {
            if self.is_pivot(c) {
                let e = pending.entry(self.place[c]).or_insert((c, 0));
                e.1 = add(e.1, x);
                if e.1 == 0 {
                    pending.remove(&self.place[c]);
                }
            } else {
                let e = free.entry(c).or_insert(0);
                *e = add(*e, x);
                if *e == 0 {
                    free.remove(&c);
                }
            }
        };
        for &(c, x) in v {
            put(&mut pending, &mut free, c, x);
        }
        let mut steps = Vec::new();
        while let Some((_, (c, x))) = pending.pop_first() {
            let Some(r) = self.pivot_row[c] else {
                continue;
            };
            steps.push((r, x));
            let g = neg(x);
            for &(j, y) in &self.rows[r] {
                if j != c {
                    put(&mut pending, &mut free, j, mul(g, y));
                }
            }
        }
        let mut out: Sparse = free.into_iter().collect();
        out.sort_unstable();
        (out, steps)
    }

    /// The canonical representative of `v` modulo the row space: zero on every pivot
    /// column, sorted by column.
    pub fn reduce(&self, v: &[(usize, u64)]) -> Sparse {
        self.reduce_with_steps(v).0
    }

    /// When `v` lies in the row space and the form was tracked: one combination of the
    /// input rows that sums to `v` (input row index, weight), sorted by row.
    pub fn combination(&self, v: &[(usize, u64)]) -> Option<Sparse> {
        let (rest, steps) = self.reduce_with_steps(v);
        if !rest.is_empty() || self.combos.len() != self.rows.len() {
            return None;
        }
        let mut out: Sparse = Vec::new();
        for (r, x) in steps {
            out = axpy(&out, x, &self.combos[r]);
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modular_inverse_and_product() {
        for a in [1u64, 2, 3, 12345, P - 1, P - 2, 1 << 60] {
            assert_eq!(mul(a, inv(a)), 1, "{a}");
        }
        // Against the plain remainder of the 128-bit product.
        for (a, b) in [
            (P - 1, P - 1),
            (1 << 60, 3),
            (123_456_789_012, 987_654_321_098),
        ] {
            let want = ((u128::from(a) * u128::from(b)) % u128::from(P)) as u64;
            assert_eq!(mul(a, b), want, "{a}·{b}");
        }
        assert_eq!(add(P - 1, 1), 0);
        assert_eq!(neg(5), P - 5);
    }

    fn ones(cols: &[usize]) -> Sparse {
        cols.iter().map(|&c| (c, 1)).collect()
    }

    /// Rows {0,1,2}, {0}, {1,2}: rank 2 (the third is the first minus the second).
    /// {1,2} and {0,1,2} lie in the row space, {1} does not, and a combination of the
    /// input rows is found that sums to each vector in it.
    #[test]
    fn membership_rank_and_combination() {
        let rows = vec![ones(&[0, 1, 2]), ones(&[0]), ones(&[1, 2])];
        for order in [vec![0, 1, 2], vec![2, 1, 0], vec![1, 0, 2]] {
            let e = Echelon::new(rows.clone(), 3, &order, true);
            assert_eq!(e.rank(), 2, "{order:?}");
            assert!(e.reduce(&ones(&[1, 2])).is_empty());
            assert!(e.reduce(&ones(&[0, 1, 2])).is_empty());
            assert!(!e.reduce(&ones(&[1])).is_empty());
            // 1 + 2 lies in the row space: their representatives are opposite.
            let minus_two: Sparse = e
                .reduce(&ones(&[2]))
                .into_iter()
                .map(|(c, x)| (c, neg(x)))
                .collect();
            assert_eq!(e.reduce(&ones(&[1])), minus_two, "{order:?}");
            for target in [ones(&[1, 2]), ones(&[0]), vec![(0, 3), (1, 2), (2, 2)]] {
                let w = e.combination(&target).expect("in the row space");
                // Σ w_i · row_i == target.
                let mut sum: Sparse = Vec::new();
                for &(i, x) in &w {
                    sum = axpy(&sum, x, &rows[i]);
                }
                assert_eq!(sum, target, "{order:?}");
            }
            assert_eq!(e.combination(&ones(&[1])), None);
        }
    }
}

/// The reference the engine's tests check it against.
#[cfg(test)]
pub(crate) mod reference {
    /// Rank by floating-point Gaussian elimination, for small 0/1 and small-integer
    /// matrices (exact enough at these sizes): a different method from the sparse modular
    /// form.
    pub fn rank(rows: &[Vec<f64>]) -> usize {
        let mut m = rows.to_vec();
        let width = m.first().map_or(0, Vec::len);
        let mut r = 0;
        for c in 0..width {
            let Some(p) = (r..m.len()).find(|&i| m[i][c].abs() > 1e-9) else {
                continue;
            };
            m.swap(r, p);
            let pivot = m[r].clone();
            for (i, row) in m.iter_mut().enumerate() {
                if i != r && row[c].abs() > 1e-9 {
                    let f = row[c] / pivot[c];
                    for (x, y) in row.iter_mut().zip(&pivot) {
                        *x -= f * y;
                    }
                }
            }
            r += 1;
        }
        r
    }

    /// Whether adding `v` to `rows` leaves their rank unchanged: `v` lies in their span.
    pub fn in_span(rows: &[Vec<f64>], v: &[f64]) -> bool {
        let mut with = rows.to_vec();
        with.push(v.to_vec());
        rank(&with) == rank(rows)
    }
}

#[cfg(test)]
mod property {
    use super::reference::{in_span, rank};
    use super::*;
    use proptest::prelude::*;

    fn dense(v: &[(usize, u64)], width: usize) -> Vec<f64> {
        let mut out = vec![0.0; width];
        for &(c, x) in v {
            // Small values only: read back as signed.
            out[c] = if x > P / 2 {
                -((P - x) as f64)
            } else {
                x as f64
            };
        }
        out
    }

    fn matrix() -> impl Strategy<Value = (usize, Vec<Vec<usize>>, Vec<usize>, Vec<u64>)> {
        (1usize..10).prop_flat_map(|width| {
            let row = proptest::collection::btree_set(0..width, 1..=width.min(4))
                .prop_map(|s| s.into_iter().collect::<Vec<_>>());
            (
                Just(width),
                proptest::collection::vec(row, 0..12),
                Just((0..width).collect::<Vec<_>>()).prop_shuffle(),
                proptest::collection::vec(0u64..3, width),
            )
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        /// Whatever the elimination order: the rank is the floating-point rank, a vector
        /// reduces to zero exactly when adding it leaves the rank unchanged, and a tracked
        /// form gives a combination of the input rows that sums to it.
        #[test]
        fn membership_agrees_with_a_rank_test((width, sets, order, target) in matrix()) {
            let rows: Vec<Sparse> = sets.iter().map(|s| s.iter().map(|&c| (c, 1)).collect()).collect();
            let e = Echelon::new(rows.clone(), width, &order, true);
            let floats: Vec<Vec<f64>> = rows.iter().map(|r| dense(r, width)).collect();
            let base = rank(&floats);
            prop_assert_eq!(e.rank(), base);
            let v: Sparse = target.iter().enumerate().filter(|(_, x)| **x != 0).map(|(c, &x)| (c, x)).collect();
            let inside = in_span(&floats, &dense(&v, width));
            prop_assert_eq!(e.reduce(&v).is_empty(), inside);
            match e.combination(&v) {
                Some(w) => {
                    prop_assert!(inside);
                    let mut sum: Sparse = Vec::new();
                    for &(i, x) in &w {
                        sum = axpy(&sum, x, &rows[i]);
                    }
                    prop_assert_eq!(&sum, &v);
                }
                None => prop_assert!(!inside),
            }
            // The dependencies are combinations summing to zero, as many as rows beyond
            // the rank.
            prop_assert_eq!(e.dependencies().len(), rows.len() - base);
            for dep in e.dependencies() {
                let mut sum: Sparse = Vec::new();
                for &(i, x) in dep {
                    sum = axpy(&sum, x, &rows[i]);
                }
                prop_assert!(sum.is_empty() && !dep.is_empty());
            }
            // The representative is canonical: a vector plus a row reduces the same.
            if let Some(r) = rows.first() {
                prop_assert_eq!(e.reduce(&merge(&v, r)), e.reduce(&v));
            }
        }
    }
}
