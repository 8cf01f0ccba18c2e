//! Pure bivariate statistics for the EX-CX linkage analysis.
//!
//! Every function takes two equal-length `f64` slices `x` and `y` (length `n`)
//! and returns `None` whenever the statistic is undefined: lengths differ,
//! `n` is too small, a value is not finite, or a variable has zero variance.
//! Nothing here allocates state, touches I/O or panics on bad data.
//!
//! Notation: `x̄`, `ȳ` are sample means, `Sxx = Σ(x−x̄)²`, `Syy = Σ(y−ȳ)²`,
//! `Sxy = Σ(x−x̄)(y−ȳ)`. Sums are taken over centred values (two passes) for
//! numerical stability.
//!
//! # Pearson correlation ([`pearson`])
//!
//! * `r = Sxy / sqrt(Sxx · Syy)`, clamped to `[−1, 1]` against rounding.
//! * 95% confidence interval by the Fisher transformation:
//!   `z = atanh(r)`, `se = 1/sqrt(n − 3)`,
//!   `[tanh(z − 1.959963984540054·se), tanh(z + 1.959963984540054·se)]`,
//!   where 1.959963984540054 is the 0.975 quantile of the standard normal.
//!   The standard error requires `n ≥ 4`, so `pearson` returns `None` for
//!   `n < 4`.
//! * Two-sided p-value from Student's t with `n − 2` degrees of freedom:
//!   `t = r·sqrt((n − 2)/(1 − r²))`, `p = 2·P(T ≤ −|t|)`. When `|r| = 1`
//!   the statistic is infinite and `p = 0`.
//!
//! # Spearman rank correlation ([`spearman`])
//!
//! Each variable is replaced by its 1-based rank; tied values all receive the
//! mean of the positions they occupy ("average" ranks). `rho` is the Pearson
//! correlation of the two rank vectors and the p-value uses the same
//! t approximation as above with `n − 2` degrees of freedom (this is what
//! SciPy's `spearmanr` does). Requires `n ≥ 3` and non-constant ranks.
//!
//! # Ordinary least squares ([`ols`])
//!
//! Fits `y = intercept + slope·x`:
//!
//! * `slope = Sxy / Sxx`, `intercept = ȳ − slope·x̄`;
//! * residual variance `s² = SSE/(n − 2)` with `SSE = Σ(yᵢ − ŷᵢ)²`;
//! * `slope_se = sqrt(s²/Sxx)`,
//!   `intercept_se = sqrt(s²·(1/n + x̄²/Sxx))`;
//! * 95% CI for the slope: `slope ± t₀.₉₇₅,ₙ₋₂ · slope_se`, with the quantile
//!   taken from `statrs`' Student's t inverse CDF;
//! * `R² = 1 − SSE/Syy`.
//!
//! Requires `n ≥ 3`, `Sxx > 0` and `Syy > 0` (R² is undefined otherwise).
//!
//! # Within-group centring ([`centre_within`])
//!
//! For the within-team analysis each value has its own group's mean
//! subtracted, `vᵢ − mean{vⱼ : gⱼ = gᵢ}`, which removes between-team
//! differences before correlating.

use std::collections::HashMap;

use statrs::distribution::{ContinuousCDF, StudentsT};

/// 0.975 quantile of the standard normal distribution (two-sided 95%).
const Z_975: f64 = 1.959_963_984_540_054;

/// Pearson correlation with a Fisher-z 95% confidence interval and a
/// two-sided p-value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PearsonResult {
    /// Pearson's product-moment correlation coefficient.
    pub r: f64,
    /// Lower bound of the 95% Fisher-z confidence interval for `r`.
    pub ci_low: f64,
    /// Upper bound of the 95% Fisher-z confidence interval for `r`.
    pub ci_high: f64,
    /// Two-sided p-value for `r = 0` (Student's t, `n − 2` df).
    pub p: f64,
    /// Number of paired observations.
    pub n: usize,
}

/// Spearman rank correlation with a two-sided p-value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SpearmanResult {
    /// Spearman's rho (Pearson correlation of average ranks).
    pub rho: f64,
    /// Two-sided p-value for `rho = 0` (t approximation, `n − 2` df).
    pub p: f64,
    /// Number of paired observations.
    pub n: usize,
}

/// Simple linear regression `y = intercept + slope·x` fitted by OLS.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OlsResult {
    /// Estimated slope.
    pub slope: f64,
    /// Estimated intercept.
    pub intercept: f64,
    /// Standard error of the slope.
    pub slope_se: f64,
    /// Standard error of the intercept.
    pub intercept_se: f64,
    /// Lower bound of the 95% confidence interval for the slope.
    pub slope_ci_low: f64,
    /// Upper bound of the 95% confidence interval for the slope.
    pub slope_ci_high: f64,
    /// Coefficient of determination.
    pub r_squared: f64,
    /// Number of paired observations.
    pub n: usize,
}

/// Centred sums of squares and cross-products of a validated sample.
struct Moments {
    n: usize,
    mean_x: f64,
    mean_y: f64,
    sxx: f64,
    syy: f64,
    sxy: f64,
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

/// Validates the pair (equal length, at least `min_n`, all finite) and
/// computes centred moments.
fn moments(x: &[f64], y: &[f64], min_n: usize) -> Option<Moments> {
    let n = x.len();
    if n != y.len() || n < min_n || x.iter().chain(y).any(|v| !v.is_finite()) {
        return None;
    }
    let mean_x = mean(x);
    let mean_y = mean(y);
    let (mut sxx, mut syy, mut sxy) = (0.0, 0.0, 0.0);
    for (&xi, &yi) in x.iter().zip(y) {
        let dx = xi - mean_x;
        let dy = yi - mean_y;
        sxx += dx * dx;
        syy += dy * dy;
        sxy += dx * dy;
    }
    Some(Moments {
        n,
        mean_x,
        mean_y,
        sxx,
        syy,
        sxy,
    })
}

/// Correlation coefficient from moments; `None` if either variance is zero.
fn correlation(m: &Moments) -> Option<f64> {
    if m.sxx <= 0.0 || m.syy <= 0.0 {
        return None;
    }
    Some((m.sxy / (m.sxx * m.syy).sqrt()).clamp(-1.0, 1.0))
}

/// Two-sided p-value for a correlation `r` from `n` pairs using
/// `t = r·sqrt((n−2)/(1−r²))` on `n − 2` degrees of freedom.
fn correlation_p_value(r: f64, n: usize) -> Option<f64> {
    p_value_with_df(r, (n - 2) as f64)
}

/// Two-sided p-value for a correlation `r` tested on `df` degrees of freedom:
/// `t = r·sqrt(df/(1−r²))`.
fn p_value_with_df(r: f64, df: f64) -> Option<f64> {
    let one_minus_r2 = 1.0 - r * r;
    if one_minus_r2 <= 0.0 {
        return Some(0.0);
    }
    let t = r * (df / one_minus_r2).sqrt();
    let dist = StudentsT::new(0.0, 1.0, df).ok()?;
    // Use the lower tail at −|t| so that small p-values keep full precision.
    Some((2.0 * dist.cdf(-t.abs())).min(1.0))
}

/// Pearson correlation of `x` and `y` with a 95% Fisher-z confidence interval
/// and a two-sided Student's t p-value.
///
/// Returns `None` if the slices differ in length, contain non-finite values,
/// have fewer than 4 pairs (the Fisher interval needs `n − 3 > 0`), or either
/// variable has zero variance.
pub fn pearson(x: &[f64], y: &[f64]) -> Option<PearsonResult> {
    let m = moments(x, y, 4)?;
    let r = correlation(&m)?;
    let z = r.atanh();
    let se = 1.0 / ((m.n - 3) as f64).sqrt();
    Some(PearsonResult {
        r,
        ci_low: (z - Z_975 * se).tanh(),
        ci_high: (z + Z_975 * se).tanh(),
        p: correlation_p_value(r, m.n)?,
        n: m.n,
    })
}

/// The within-group correlation: `x` and `y` centred on their group's means, then
/// correlated. Centring spends one degree of freedom per group, so with `n` pairs in
/// `g` groups the test uses `n − g − 1` degrees of freedom (the slope test of
/// `y ~ x + group` in OLS) and the Fisher interval an effective sample of `n − g + 1`
/// (standard error `1/sqrt(n − g − 2)`). `None` when fewer than 1 degree of freedom is
/// left for the interval, or either centred variable has no variance.
pub fn pearson_within(groups: &[usize], x: &[f64], y: &[f64]) -> Option<PearsonResult> {
    if groups.len() != x.len() || x.len() != y.len() {
        return None;
    }
    let mut distinct = groups.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    let (n, g) = (x.len(), distinct.len());
    if n < g + 3 {
        return None;
    }
    let m = moments(&centre_within(groups, x), &centre_within(groups, y), 1)?;
    let r = correlation(&m)?;
    let z = r.atanh();
    let se = 1.0 / ((n - g - 2) as f64).sqrt();
    Some(PearsonResult {
        r,
        ci_low: (z - Z_975 * se).tanh(),
        ci_high: (z + Z_975 * se).tanh(),
        p: p_value_with_df(r, (n - g - 1) as f64)?,
        n,
    })
}

/// The index of the lag whose correlation clearly stands out from every other lag, from
/// each lag's `(r, n)` (`None` where a lag has no correlation); `None` when fewer than two
/// lags have one or the strongest does not clearly exceed the rest.
///
/// Rule: each r gets its 95% Fisher-z interval `tanh(atanh(r) ± 1.96/sqrt(n − 3))` (as
/// [`pearson`]). The lag with the largest |r| stands out only when the least strength its
/// interval allows (its bound nearest zero; 0 if it spans zero) exceeds the most strength
/// every other lag's interval allows (its bound farthest from zero). Two 95% intervals
/// that do not overlap imply a difference significant well below 5% (Schenker &
/// Gentleman 2001, "On judging the significance of differences by examining the overlap
/// between confidence intervals", The American Statistician 55(3), 182–186), so the rule
/// is conservative: it never ranks differences inside the noise (r = 0.65 against 0.64).
/// A sharper test for dependent correlations sharing a variable (Steiger 1980, "Tests for
/// comparing elements of a correlation matrix", Psychological Bulletin 87(2), 245–251)
/// needs the correlation between the CX series at two lags on the same pairs, which the
/// sweep does not have: each lag is computed on its own set of team-periods.
pub fn clearly_strongest(lags: &[Option<(f64, usize)>]) -> Option<usize> {
    // (index, |r|, least strength, most strength) per lag with an interval.
    let strengths: Vec<(usize, f64, f64, f64)> = lags
        .iter()
        .enumerate()
        .filter_map(|(i, l)| {
            let (r, n) = (*l)?;
            if n < 4 || !r.is_finite() {
                return None;
            }
            let (z, se) = (r.clamp(-1.0, 1.0).atanh(), 1.0 / ((n - 3) as f64).sqrt());
            let (lo, hi) = ((z - Z_975 * se).tanh(), (z + Z_975 * se).tanh());
            let least = if lo <= 0.0 && hi >= 0.0 {
                0.0
            } else {
                lo.abs().min(hi.abs())
            };
            Some((i, r.abs(), least, lo.abs().max(hi.abs())))
        })
        .collect();
    if strengths.len() < 2 {
        return None;
    }
    let best = strengths.iter().max_by(|a, b| a.1.total_cmp(&b.1))?;
    strengths
        .iter()
        .filter(|o| o.0 != best.0)
        .all(|o| best.2 > o.3)
        .then_some(best.0)
}

/// 1-based ranks of `v`, with ties receiving the mean of their positions.
/// All values must be finite (callers validate this).
fn average_ranks(v: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..v.len()).collect();
    order.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
    let mut ranks = vec![0.0; v.len()];
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && v[order[end]] == v[order[start]] {
            end += 1;
        }
        // Positions start+1 ..= end (1-based); their mean is the tie rank.
        let rank = (start + 1 + end) as f64 / 2.0;
        for &i in &order[start..end] {
            ranks[i] = rank;
        }
        start = end;
    }
    ranks
}

/// Spearman rank correlation of `x` and `y` (average ranks for ties) with a
/// two-sided p-value from the t approximation on `n − 2` degrees of freedom.
///
/// Returns `None` if the slices differ in length, contain non-finite values,
/// have fewer than 3 pairs, or either variable is constant.
pub fn spearman(x: &[f64], y: &[f64]) -> Option<SpearmanResult> {
    // Validate on the raw data before ranking.
    moments(x, y, 3)?;
    let rx = average_ranks(x);
    let ry = average_ranks(y);
    let m = moments(&rx, &ry, 3)?;
    let rho = correlation(&m)?;
    Some(SpearmanResult {
        rho,
        p: correlation_p_value(rho, m.n)?,
        n: m.n,
    })
}

/// Ordinary least-squares fit of `y = intercept + slope·x` with standard
/// errors, a 95% t confidence interval for the slope and R².
///
/// Returns `None` if the slices differ in length, contain non-finite values,
/// have fewer than 3 pairs, or `x` or `y` has zero variance.
pub fn ols(x: &[f64], y: &[f64]) -> Option<OlsResult> {
    let m = moments(x, y, 3)?;
    if m.sxx <= 0.0 || m.syy <= 0.0 {
        return None;
    }
    let n = m.n as f64;
    let df = n - 2.0;
    let slope = m.sxy / m.sxx;
    let intercept = m.mean_y - slope * m.mean_x;
    let sse: f64 = x
        .iter()
        .zip(y)
        .map(|(&xi, &yi)| {
            let resid = yi - (intercept + slope * xi);
            resid * resid
        })
        .sum();
    let s2 = sse / df;
    let slope_se = (s2 / m.sxx).sqrt();
    let intercept_se = (s2 * (1.0 / n + m.mean_x * m.mean_x / m.sxx)).sqrt();
    let t_crit = StudentsT::new(0.0, 1.0, df).ok()?.inverse_cdf(0.975);
    Some(OlsResult {
        slope,
        intercept,
        slope_se,
        intercept_se,
        slope_ci_low: slope - t_crit * slope_se,
        slope_ci_high: slope + t_crit * slope_se,
        r_squared: 1.0 - sse / m.syy,
        n: m.n,
    })
}

/// Subtracts from each value the mean of all values sharing its group id.
///
/// `groups[i]` is the group (e.g. team) of `values[i]`; group ids need not be
/// contiguous or sorted. A singleton group centres to `0.0`.
///
/// # Panics
///
/// Panics if `groups` and `values` have different lengths, which is a caller
/// bug rather than a data condition.
pub fn centre_within(groups: &[usize], values: &[f64]) -> Vec<f64> {
    assert_eq!(
        groups.len(),
        values.len(),
        "centre_within: groups and values must have equal length"
    );
    let mut sums: HashMap<usize, (f64, usize)> = HashMap::new();
    for (&g, &v) in groups.iter().zip(values) {
        let entry = sums.entry(g).or_insert((0.0, 0));
        entry.0 += v;
        entry.1 += 1;
    }
    let means: HashMap<usize, f64> = sums
        .into_iter()
        .map(|(g, (sum, count))| (g, sum / count as f64))
        .collect();
    groups
        .iter()
        .zip(values)
        .map(|(g, &v)| v - means.get(g).copied().unwrap_or(0.0))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    // Reference values were computed independently with
    // Python 3.11.7, SciPy 1.17.1, NumPy 2.4.6 and statsmodels 0.15.0.
    //
    // Pearson (r, p, 95% CI) — scipy.stats.pearsonr; the interval comes from
    // `pearsonr(...).confidence_interval(0.95)`, which uses the Fisher z
    // transformation with se = 1/sqrt(n-3) (cross-checked against
    // np.tanh(np.arctanh(r) ± 1.959963984540054/np.sqrt(n-3))):
    //   python -c "import scipy.stats as st; x=X; y=Y; r=st.pearsonr(x,y); c=r.confidence_interval(0.95); print(repr(float(r.statistic)), repr(float(r.pvalue)), repr(float(c.low)), repr(float(c.high)))"
    // Spearman (rho, p) — scipy.stats.spearmanr:
    //   python -c "import scipy.stats as st; x=X; y=Y; s=st.spearmanr(x,y); print(repr(float(s.statistic)), repr(float(s.pvalue)))"
    // OLS (intercept, slope, bse, slope conf_int, rsquared) — statsmodels OLS:
    //   python -c "import numpy as np, statsmodels.api as sm; x=np.array(X,float); y=np.array(Y,float); m=sm.OLS(y,sm.add_constant(x)).fit(); print(*map(repr,map(float,[*m.params,*m.bse,*m.conf_int(0.05)[1],m.rsquared])))"
    // with X and Y replaced by the literal lists of each data set below.

    /// Data set A: n = 10, strong positive linear relation, no ties.
    const AX: [f64; 10] = [1.2, 2.4, 3.1, 4.8, 5.0, 6.3, 7.7, 8.1, 9.4, 10.0];
    const AY: [f64; 10] = [2.0, 2.9, 3.8, 5.1, 4.7, 6.9, 7.2, 8.8, 9.1, 11.3];

    /// Data set B: n = 11, weak relation, many ties in both variables.
    const BX: [f64; 11] = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0, 5.0, 3.0, 5.0];
    const BY: [f64; 11] = [2.0, 7.0, 1.0, 8.0, 2.0, 8.0, 1.0, 8.0, 2.0, 8.0, 4.0];

    /// Data set C: n = 8, strong negative relation, negative x values.
    const CX: [f64; 8] = [0.5, -1.25, 2.0, 3.75, -0.5, 1.5, 4.25, 2.5];
    const CY: [f64; 8] = [10.1, 12.7, 8.3, 6.9, 12.0, 9.4, 5.2, 8.8];

    /// Relative agreement to 1e-9 (all reference values are non-zero).
    fn assert_close(actual: f64, expected: f64, what: &str) {
        let tol = 1e-9 * expected.abs();
        assert!(
            (actual - expected).abs() <= tol,
            "{what}: got {actual:e}, expected {expected:e}, |diff| = {:e}",
            (actual - expected).abs()
        );
    }

    fn check_pearson(x: &[f64], y: &[f64], expected: [f64; 4]) {
        let res = pearson(x, y).expect("pearson defined");
        assert_eq!(res.n, x.len());
        assert_close(res.r, expected[0], "r");
        assert_close(res.p, expected[1], "p");
        assert_close(res.ci_low, expected[2], "ci_low");
        assert_close(res.ci_high, expected[3], "ci_high");
    }

    fn check_spearman(x: &[f64], y: &[f64], expected: [f64; 2]) {
        let res = spearman(x, y).expect("spearman defined");
        assert_eq!(res.n, x.len());
        assert_close(res.rho, expected[0], "rho");
        assert_close(res.p, expected[1], "p");
    }

    /// `expected` is in statsmodels print order: intercept, slope,
    /// intercept_se, slope_se, slope_ci_low, slope_ci_high, r_squared.
    fn check_ols(x: &[f64], y: &[f64], expected: [f64; 7]) {
        let res = ols(x, y).expect("ols defined");
        assert_eq!(res.n, x.len());
        assert_close(res.intercept, expected[0], "intercept");
        assert_close(res.slope, expected[1], "slope");
        assert_close(res.intercept_se, expected[2], "intercept_se");
        assert_close(res.slope_se, expected[3], "slope_se");
        assert_close(res.slope_ci_low, expected[4], "slope_ci_low");
        assert_close(res.slope_ci_high, expected[5], "slope_ci_high");
        assert_close(res.r_squared, expected[6], "r_squared");
    }

    #[test]
    fn pearson_matches_scipy_on_a_strong_positive_relation() {
        check_pearson(
            &AX,
            &AY,
            [
                0.9815032909631438,
                5.00822088880314e-07,
                0.9210964188360194,
                0.99576589738683,
            ],
        );
    }

    #[test]
    fn pearson_matches_scipy_on_tied_weakly_related_data() {
        check_pearson(
            &BX,
            &BY,
            [
                0.09422924859889797,
                0.7828721022183328,
                -0.5359401983335541,
                0.6569686047681141,
            ],
        );
    }

    #[test]
    fn pearson_matches_scipy_on_a_strong_negative_relation() {
        check_pearson(
            &CX,
            &CY,
            [
                -0.9817234810120952,
                1.505387467123666e-05,
                -0.9968095696297482,
                -0.8989134438347127,
            ],
        );
    }

    #[test]
    fn spearman_matches_scipy_without_ties() {
        check_spearman(&AX, &AY, [0.9878787878787878, 9.307459988955516e-08]);
    }

    #[test]
    fn spearman_matches_scipy_with_ties_in_both_variables() {
        check_spearman(&BX, &BY, [0.1384567651467695, 0.6847503048108998]);
    }

    #[test]
    fn spearman_matches_scipy_on_a_negative_relation() {
        check_spearman(&CX, &CY, [-0.9761904761904763, 3.314396026200098e-05]);
    }

    #[test]
    fn ols_matches_statsmodels_on_a_strong_positive_relation() {
        check_ols(
            &AX,
            &AY,
            [
                0.5217936117936128,
                0.9755528255528255,
                0.434853416752402,
                0.06727576873162272,
                0.8204146246586644,
                1.1306910264469867,
                0.9633487101714817,
            ],
        );
    }

    #[test]
    fn ols_matches_statsmodels_on_tied_weakly_related_data() {
        check_ols(
            &BX,
            &BY,
            [
                4.136363636363637,
                0.12500000000000006,
                2.021687314740643,
                0.44021651992580235,
                -0.8708389537322525,
                1.1208389537322525,
                0.008879151291512954,
            ],
        );
    }

    #[test]
    fn ols_matches_statsmodels_on_a_strong_negative_relation() {
        check_ols(
            &CX,
            &CY,
            [
                11.177599999999998,
                -1.2565333333333322,
                0.2402330720131782,
                0.09944374673870698,
                -1.4998634157505342,
                -1.0132032509161302,
                0.9637809931705058,
            ],
        );
    }

    #[test]
    fn average_ranks_give_tied_values_the_mean_of_their_positions() {
        let ranks = average_ranks(&[10.0, 20.0, 10.0, 30.0, 20.0, 20.0]);
        assert_eq!(ranks, vec![1.5, 4.0, 1.5, 6.0, 4.0, 4.0]);
    }

    #[test]
    fn fewer_than_three_pairs_give_none() {
        for n in 0..3 {
            let x: Vec<f64> = (0..n).map(|i| i as f64).collect();
            let y: Vec<f64> = (0..n).map(|i| (i * i) as f64).collect();
            assert!(pearson(&x, &y).is_none(), "pearson n={n}");
            assert!(spearman(&x, &y).is_none(), "spearman n={n}");
            assert!(ols(&x, &y).is_none(), "ols n={n}");
        }
    }

    #[test]
    fn pearson_needs_four_pairs_for_the_fisher_interval() {
        let x = [1.0, 2.0, 3.0];
        let y = [1.0, 3.0, 2.0];
        assert!(pearson(&x, &y).is_none());
        assert!(spearman(&x, &y).is_some());
        assert!(ols(&x, &y).is_some());
        assert!(pearson(&[1.0, 2.0, 3.0, 4.0], &[1.0, 3.0, 2.0, 4.0]).is_some());
    }

    #[test]
    fn zero_variance_in_either_variable_gives_none() {
        let varying = [1.0, 2.0, 3.0, 4.0, 5.0];
        let constant = [7.0; 5];
        assert!(pearson(&varying, &constant).is_none());
        assert!(pearson(&constant, &varying).is_none());
        assert!(spearman(&varying, &constant).is_none());
        assert!(spearman(&constant, &varying).is_none());
        assert!(ols(&varying, &constant).is_none());
        assert!(ols(&constant, &varying).is_none());
    }

    #[test]
    fn mismatched_lengths_or_non_finite_values_give_none() {
        let x = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert!(pearson(&x, &[1.0, 2.0, 3.0, 4.0]).is_none());
        assert!(spearman(&x, &[1.0, 2.0, 3.0, 4.0]).is_none());
        assert!(ols(&x, &[1.0, 2.0, 3.0, 4.0]).is_none());
        let y = [1.0, f64::NAN, 3.0, 2.0, 5.0];
        assert!(pearson(&x, &y).is_none());
        assert!(spearman(&x, &y).is_none());
        assert!(ols(&x, &y).is_none());
    }

    #[test]
    fn a_perfect_linear_relation_has_zero_p_value() {
        let x = [1.0, 2.0, 3.0, 4.0, 5.0];
        let y = [3.0, 5.0, 7.0, 9.0, 11.0];
        let p = pearson(&x, &y).expect("defined");
        assert_eq!(p.r, 1.0);
        assert_eq!(p.p, 0.0);
        let s = spearman(&x, &y).expect("defined");
        assert_eq!(s.rho, 1.0);
        assert_eq!(s.p, 0.0);
    }

    #[test]
    fn centre_within_subtracts_each_groups_own_mean() {
        // Group 4: values 1, 3, 5 -> mean 3. Group 9: 10, 20 -> mean 15.
        // Group 0: singleton 7 -> mean 7.
        let groups = [4, 9, 4, 0, 9, 4];
        let values = [1.0, 10.0, 3.0, 7.0, 20.0, 5.0];
        let centred = centre_within(&groups, &values);
        assert_eq!(centred, vec![-2.0, -5.0, 0.0, 0.0, 5.0, 2.0]);
    }

    #[test]
    fn centre_within_of_empty_input_is_empty() {
        assert!(centre_within(&[], &[]).is_empty());
    }

    /// Hand-computed with z = atanh(r), se = 1/sqrt(n − 3), bounds tanh(z ± 1.96·se).
    #[test]
    fn a_lag_is_strongest_only_when_its_interval_clears_the_others() {
        // n = 30: r = 0.65 → (0.38, 0.82), r = 0.64 → (0.36, 0.81): inside the noise.
        let close = [Some((0.64, 30)), Some((0.65, 30)), None, Some((0.2, 30))];
        assert_eq!(clearly_strongest(&close), None);
        // n = 100: r = 0.9 → (0.855, 0.932); r = 0.1 → (−0.098, 0.291); r = −0.3 →
        // (−0.469, −0.110): 0.855 > 0.469, lag 1 stands out.
        let clear = [Some((0.1, 100)), Some((0.9, 100)), Some((-0.3, 100))];
        assert_eq!(clearly_strongest(&clear), Some(1));
        // A strong negative link counts by its size: −0.9 clears 0.1.
        assert_eq!(
            clearly_strongest(&[Some((0.1, 100)), Some((-0.9, 100))]),
            Some(1)
        );
        // Nothing to compare with, or an interval that spans zero.
        assert_eq!(clearly_strongest(&[Some((0.9, 100)), None]), None);
        assert_eq!(clearly_strongest(&[Some((0.3, 10)), Some((0.0, 10))]), None);
    }

    /// Reference: statsmodels 0.15.0 (SciPy 1.17.1, NumPy) — the slope p-value of
    /// `OLS(y, column_stack([x, one-hot(g)]))`, whose residual df is n − g − 1 = 7, and
    /// the within correlation of the group-centred data with its Fisher interval
    /// (se = 1/sqrt(n − g − 2)), printed by /tmp/within.py:
    /// r = 0.8701276706358558, p = 0.0022839985565843712,
    /// CI = (0.48801623194677296, 0.9723543273394909).
    #[test]
    fn the_within_group_correlation_spends_a_degree_of_freedom_per_group() {
        let g = [0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 3, 3];
        let x = [
            55.0, 60.0, 72.5, 40.0, 47.5, 52.5, 45.0, 80.0, 85.0, 77.5, 62.5, 70.0,
        ];
        let y = [
            70.0, 74.0, 79.0, 50.0, 58.0, 61.0, 52.0, 88.0, 86.0, 83.0, 66.0, 75.0,
        ];
        let w = pearson_within(&g, &x, &y).expect("defined");
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs().max(1e-12);
        assert!(close(w.r, 0.8701276706358558), "{}", w.r);
        assert!(close(w.p, 0.0022839985565843712), "{}", w.p);
        assert!(close(w.ci_low, 0.48801623194677296), "{}", w.ci_low);
        assert!(close(w.ci_high, 0.9723543273394909), "{}", w.ci_high);
        // Too few pairs for the groups: undefined.
        assert!(
            pearson_within(&[0, 0, 1, 1], &[1.0, 2.0, 3.0, 4.0], &[1.0, 3.0, 2.0, 5.0]).is_none()
        );
    }
}
