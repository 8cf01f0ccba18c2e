//! Driver impact, pure: how strongly each driver goes with the engagement index across
//! the respondents of one group, and which drivers to focus on.
//!
//! - A respondent's **driver score** is the mean of their answers to the driver's
//!   `likert5` items (1–5); their **engagement index** is [`engagement_index`] (0–100).
//!   Only respondents with an engagement index and a score on every modelled driver
//!   count (complete cases), so every figure of a group rests on the same people.
//! - **Correlation**: Pearson's r of a driver's scores with the engagement indexes, with
//!   its Fisher-z 95% interval ([`crate::linkage::stats::pearson`]).
//! - **Relative weights** (Johnson, 2000, "A heuristic method for estimating the relative
//!   weight of predictor variables in multiple regression", Multivariate Behavioral
//!   Research 35(1)): with `R` the drivers' correlation matrix and `r` their correlations
//!   with the index, `Λ = R^½` (the correlations of the drivers with their closest
//!   orthogonal counterparts), `β = Λ⁻¹ r`, and driver j's weight `ε_j = Σ_k Λ_jk² β_k²`.
//!   The weights sum to `R² = rᵀ R⁻¹ r` of regressing the index on the drivers. `R^½` is
//!   found by the Denman–Beavers iteration (no eigen-decomposition here; the tests check
//!   it against one).
//! - **Focus areas**: up to three drivers whose weight is above the group's median weight
//!   and whose score is below the organisation's, largest weight first.
//!
//! Nothing here knows about release rules: the caller decides which groups and drivers
//! may be shown ([`super::impact`]).

use std::collections::HashMap;

use crate::linkage::stats::{PearsonResult, pearson};
use crate::reports::scores::{Answer, QuestionInfo, engagement_indexes};
use crate::surveys::bank::{Driver, QuestionKind};

/// Per response: its engagement index and its score per driver of `drivers` (the mean
/// of its answers to the driver's likert items), the questions looked up once for all.
pub fn respondents_scores(
    questions: &[QuestionInfo],
    drivers: &[Driver],
    responses: &[&[Answer]],
) -> Vec<(Option<f64>, Vec<Option<f64>>)> {
    // Per question id (its first entry, as everywhere): the position of its driver in
    // `drivers`, for a likert item of one of them.
    let mut driver_of: HashMap<&str, Option<usize>> = HashMap::with_capacity(questions.len());
    for q in questions {
        driver_of.entry(q.id.as_str()).or_insert_with(|| {
            (q.kind == QuestionKind::Likert5)
                .then(|| drivers.iter().position(|d| *d == q.driver))
                .flatten()
        });
    }
    let indexes = engagement_indexes(questions, responses.iter().copied());
    responses
        .iter()
        .zip(indexes)
        .map(|(answers, index)| {
            let mut sums = vec![(0.0, 0usize); drivers.len()];
            for a in *answers {
                let Some(Some(j)) = driver_of.get(&*a.question_id) else {
                    continue;
                };
                if let Some(v) = a.value
                    && v.is_finite()
                    && v.fract() == 0.0
                    && (1.0..=5.0).contains(&v)
                {
                    sums[*j].0 += v;
                    sums[*j].1 += 1;
                }
            }
            let scores = sums
                .into_iter()
                .map(|(sum, n)| (n > 0).then(|| sum / n as f64))
                .collect();
            (index, scores)
        })
        .collect()
}

/// What the data of one group say about its drivers.
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    /// Complete cases.
    pub n: usize,
    /// Per driver (in the order given): r with its interval; `None` when the driver's
    /// scores or the index do not vary (or fewer than 4 cases).
    pub correlations: Vec<Option<PearsonResult>>,
    /// Per driver: its relative weight; `None` when it does not vary (it is left out of
    /// the regression) or the weights cannot be found (drivers that are exact linear
    /// combinations of each other).
    pub weights: Vec<Option<f64>>,
    /// R² of the regression on the drivers that vary; the sum of their weights.
    pub r_squared: Option<f64>,
}

/// Fits a group: `columns[j][i]` is respondent i's score on driver j, `index[i]` their
/// engagement index (complete cases only).
pub fn fit(columns: &[Vec<f64>], index: &[f64]) -> Fit {
    let correlations: Vec<Option<PearsonResult>> =
        columns.iter().map(|c| pearson(c, index)).collect();
    let varying: Vec<usize> = (0..columns.len())
        .filter(|&j| correlations[j].is_some())
        .collect();
    let mut weights = vec![None; columns.len()];
    let mut r_squared = None;
    if !varying.is_empty() {
        let used: Vec<&[f64]> = varying.iter().map(|&j| columns[j].as_slice()).collect();
        if let Some((w, r2)) = relative_weights(&used, index) {
            for (k, &j) in varying.iter().enumerate() {
                weights[j] = Some(w[k]);
            }
            r_squared = Some(r2);
        }
    }
    Fit {
        n: index.len(),
        correlations,
        weights,
        r_squared,
    }
}

type Matrix = Vec<Vec<f64>>;

/// Johnson's relative weights of `columns` for `y`, and R² (their sum). `None` when a
/// variable does not vary, lengths differ, or the predictors' correlation matrix is
/// singular.
pub fn relative_weights(columns: &[&[f64]], y: &[f64]) -> Option<(Vec<f64>, f64)> {
    let p = columns.len();
    if p == 0 || columns.iter().any(|c| c.len() != y.len()) || y.len() < 2 {
        return None;
    }
    let r_xx: Matrix = (0..p)
        .map(|i| {
            (0..p)
                .map(|j| {
                    if i == j {
                        Some(1.0)
                    } else {
                        correlation(columns[i], columns[j])
                    }
                })
                .collect::<Option<Vec<f64>>>()
        })
        .collect::<Option<Matrix>>()?;
    let r_xy: Vec<f64> = columns
        .iter()
        .map(|c| correlation(c, y))
        .collect::<Option<Vec<f64>>>()?;
    let lambda = sqrt_spd(&r_xx)?;
    let beta = mat_vec(&invert(&lambda)?, &r_xy);
    let weights: Vec<f64> = (0..p)
        .map(|j| (0..p).map(|k| (lambda[j][k] * beta[k]).powi(2)).sum())
        .collect();
    let r2 = weights.iter().sum();
    Some((weights, r2))
}

/// Pearson's r without its interval (`None` when either variable is constant).
fn correlation(x: &[f64], y: &[f64]) -> Option<f64> {
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let (mut sxx, mut syy, mut sxy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxx += (a - mx).powi(2);
        syy += (b - my).powi(2);
        sxy += (a - mx) * (b - my);
    }
    (sxx > 0.0 && syy > 0.0).then(|| (sxy / (sxx * syy).sqrt()).clamp(-1.0, 1.0))
}

fn mat_vec(m: &Matrix, v: &[f64]) -> Vec<f64> {
    m.iter()
        .map(|row| row.iter().zip(v).map(|(a, b)| a * b).sum())
        .collect()
}

/// The inverse by Gauss–Jordan elimination with partial pivoting; `None` if singular.
fn invert(m: &Matrix) -> Option<Matrix> {
    let n = m.len();
    let mut a: Matrix = m
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let mut r = row.clone();
            r.extend((0..n).map(|j| if i == j { 1.0 } else { 0.0 }));
            r
        })
        .collect();
    for col in 0..n {
        let pivot = (col..n).max_by(|&x, &y| a[x][col].abs().total_cmp(&a[y][col].abs()))?;
        if a[pivot][col].abs() < 1e-12 {
            return None;
        }
        a.swap(col, pivot);
        let d = a[col][col];
        for v in a[col].iter_mut() {
            *v /= d;
        }
        let pivot_row = a[col].clone();
        for (i, row) in a.iter_mut().enumerate() {
            let f = row[col];
            if i != col && f != 0.0 {
                for (v, p) in row.iter_mut().zip(&pivot_row) {
                    *v -= f * p;
                }
            }
        }
    }
    Some(a.into_iter().map(|r| r[n..].to_vec()).collect())
}

/// The symmetric square root of a symmetric positive definite matrix by the
/// Denman–Beavers iteration (`Y ← (Y + Z⁻¹)/2`, `Z ← (Z + Y⁻¹)/2` from `Y = A`, `Z = I`;
/// `Y → A^½`). `None` if it does not converge to a root (a singular matrix).
fn sqrt_spd(a: &Matrix) -> Option<Matrix> {
    let n = a.len();
    let mut y = a.clone();
    let mut z: Matrix = (0..n)
        .map(|i| (0..n).map(|j| if i == j { 1.0 } else { 0.0 }).collect())
        .collect();
    for _ in 0..100 {
        let (yi, zi) = (invert(&y)?, invert(&z)?);
        let next_y: Matrix = (0..n)
            .map(|i| (0..n).map(|j| (y[i][j] + zi[i][j]) / 2.0).collect())
            .collect();
        let next_z: Matrix = (0..n)
            .map(|i| (0..n).map(|j| (z[i][j] + yi[i][j]) / 2.0).collect())
            .collect();
        let change = (0..n)
            .flat_map(|i| (0..n).map(move |j| (i, j)))
            .map(|(i, j)| (next_y[i][j] - y[i][j]).abs())
            .fold(0.0, f64::max);
        y = next_y;
        z = next_z;
        if change < 1e-15 {
            break;
        }
    }
    // Symmetrise against rounding, then check it is a root.
    let y: Matrix = (0..n)
        .map(|i| (0..n).map(|j| (y[i][j] + y[j][i]) / 2.0).collect())
        .collect();
    let worst = (0..n)
        .flat_map(|i| (0..n).map(move |j| (i, j)))
        .map(|(i, j)| ((0..n).map(|k| y[i][k] * y[k][j]).sum::<f64>() - a[i][j]).abs())
        .fold(0.0, f64::max);
    (worst < 1e-10).then_some(y)
}

/// The median of `v` (the mean of the two middle values for an even count).
pub fn median(v: &[f64]) -> Option<f64> {
    let mut s: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
    if s.is_empty() {
        return None;
    }
    s.sort_by(f64::total_cmp);
    let m = s.len() / 2;
    Some(if s.len() % 2 == 1 {
        s[m]
    } else {
        (s[m - 1] + s[m]) / 2.0
    })
}

/// The focus areas among `(weight, score relative to the organisation)` per driver:
/// the indexes of up to three drivers with a weight above the median of the known
/// weights and a score below the organisation's, largest weight first (ties: the
/// earlier driver).
pub fn focus_areas(drivers: &[(Option<f64>, Option<f64>)]) -> Vec<usize> {
    let known: Vec<f64> = drivers.iter().filter_map(|d| d.0).collect();
    let Some(mid) = median(&known) else {
        return Vec::new();
    };
    let mut picked: Vec<(usize, f64)> = drivers
        .iter()
        .enumerate()
        .filter_map(|(i, (w, rel))| match (w, rel) {
            (Some(w), Some(rel)) if *w > mid && *rel < 0.0 => Some((i, *w)),
            _ => None,
        })
        .collect();
    picked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    picked.into_iter().take(3).map(|(i, _)| i).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn uncorrelated_drivers_weigh_their_squared_correlations() {
        // x1 and x2 are orthogonal (centred and Σ x1·x2 = 0): each weight is r_jy² and
        // R² their sum.
        let x1 = [1.0, -1.0, 1.0, -1.0, 0.0, 0.0];
        let x2 = [1.0, 1.0, -1.0, -1.0, 0.0, 0.0];
        let y = [3.0, 0.5, 1.0, -2.0, 0.2, -0.1];
        let (w, r2) = relative_weights(&[&x1, &x2], &y).expect("weights");
        let r1 = correlation(&x1, &y).expect("r1");
        let r2y = correlation(&x2, &y).expect("r2");
        assert!(close(w[0], r1 * r1), "{w:?}");
        assert!(close(w[1], r2y * r2y), "{w:?}");
        assert!(close(r2, r1 * r1 + r2y * r2y));
    }

    #[test]
    fn two_correlated_drivers_match_the_closed_form_root() {
        // For R = [[1, a], [a, 1]] the eigenvalues are 1 ± a with eigenvectors
        // (1, 1)/√2 and (1, −1)/√2, so R^½ = [[p, q], [q, p]] with
        // p = (√(1+a) + √(1−a))/2 and q = (√(1+a) − √(1−a))/2 (Johnson 2000).
        let x1 = [1.0, 2.0, 3.0, 4.0, 5.0, 2.0, 4.0, 1.0];
        let x2 = [2.0, 2.0, 4.0, 3.0, 5.0, 1.0, 5.0, 2.0];
        let y = [10.0, 30.0, 45.0, 50.0, 90.0, 20.0, 70.0, 5.0];
        let a = correlation(&x1, &x2).expect("a");
        let (r1, r2) = (
            correlation(&x1, &y).expect("r1"),
            correlation(&x2, &y).expect("r2"),
        );
        let p = ((1.0 + a).sqrt() + (1.0 - a).sqrt()) / 2.0;
        let q = ((1.0 + a).sqrt() - (1.0 - a).sqrt()) / 2.0;
        // Λ⁻¹ = [[p, −q], [−q, p]] / (p² − q²).
        let det = p * p - q * q;
        let b1 = (p * r1 - q * r2) / det;
        let b2 = (-q * r1 + p * r2) / det;
        let e1 = p * p * b1 * b1 + q * q * b2 * b2;
        let e2 = q * q * b1 * b1 + p * p * b2 * b2;
        // R² of y on x1, x2 from the correlations: (r1² + r2² − 2·a·r1·r2)/(1 − a²).
        let r_squared = (r1 * r1 + r2 * r2 - 2.0 * a * r1 * r2) / (1.0 - a * a);
        let (w, sum) = relative_weights(&[&x1, &x2], &y).expect("weights");
        assert!(close(w[0], e1), "{} vs {e1}", w[0]);
        assert!(close(w[1], e2), "{} vs {e2}", w[1]);
        assert!(close(sum, r_squared), "{sum} vs {r_squared}");
    }

    #[test]
    fn identical_drivers_have_no_weights_and_constant_ones_are_left_out() {
        let x = [1.0, 2.0, 3.0, 4.0, 5.0];
        let y = [2.0, 1.0, 4.0, 3.0, 5.0];
        assert!(relative_weights(&[&x, &x], &y).is_none());
        let flat = vec![3.0; 5];
        let f = fit(&[x.to_vec(), flat], &y);
        assert!(f.correlations[1].is_none() && f.weights[1].is_none());
        let r = correlation(&x, &y).expect("r");
        assert!(close(f.weights[0].expect("w"), r * r));
        assert!(close(f.r_squared.expect("r2"), r * r));
    }

    #[test]
    fn respondent_scores_average_the_drivers_likert_items() {
        let q = |id: &str, driver, kind| QuestionInfo {
            id: id.into(),
            kind,
            driver,
            is_enps: false,
            options: Vec::new(),
        };
        let qs = [
            q("e1", Driver::EngagementOutcome, QuestionKind::Likert5),
            q("e2", Driver::EngagementOutcome, QuestionKind::Likert5),
            q("r1", Driver::Recognition, QuestionKind::Likert5),
            q("r2", Driver::Recognition, QuestionKind::Likert5),
            q("g1", Driver::Growth, QuestionKind::Likert5),
        ];
        let a = |id: &str, v: f64| Answer {
            question_id: id.into(),
            value: Some(v),
            choice: None,
        };
        let one = [a("e1", 4.0), a("e2", 5.0), a("r1", 2.0), a("r2", 5.0)];
        let other = [a("r1", 3.0), a("g1", 1.0)];
        let scored =
            respondents_scores(&qs, &[Driver::Recognition, Driver::Growth], &[&one, &other]);
        assert_eq!(scored[0], (Some(87.5), vec![Some(3.5), None]));
        assert_eq!(scored[1], (None, vec![Some(3.0), Some(1.0)]));
    }

    #[test]
    fn focus_areas_are_above_the_median_weight_and_below_the_organisation() {
        let d = [
            (Some(0.30), Some(-8.0)),  // picked first
            (Some(0.05), Some(-20.0)), // below the median
            (Some(0.20), Some(3.0)),   // the median (0.20), and above the company
            (Some(0.25), Some(-1.0)),  // picked second
            (Some(0.10), Some(-5.0)),  // below the median
            (None, Some(-9.0)),        // no weight
        ];
        assert_eq!(focus_areas(&d), vec![0, 3]);
        assert_eq!(median(&[3.0, 1.0, 2.0, 10.0]), Some(2.5));
        assert!(focus_areas(&[]).is_empty());
    }
}
