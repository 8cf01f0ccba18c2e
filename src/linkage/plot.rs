//! The linkage scatter plot as SVG: points, the fitted OLS line and its 95% confidence
//! band for the mean, labelled axes; readable at 800×500. Pure string building.
//!
//! Each axis spans the data rounded out to "nice" tick values (1, 2 or 5 × 10ⁿ), kept
//! inside the variable's natural range (the engagement index 0–100; the CX metric on
//! its own scale, see [`metric_range`]). The fit line and its band are cut to the plot
//! rectangle by computation (and by a `clipPath` as well), so nothing is drawn outside
//! the axes. With no points only the title and a sentence are drawn, never empty axes.

use std::fmt::Write as _;

use crate::cx::metrics::Metric;
use crate::linkage::types::Linkage;

/// The English axis label of the engagement index (the web page translates it).
pub const X_LABEL: &str = "Engagement index (0–100)";
/// The English title; `{metric}` is the metric's short name (`CSAT`), `{lag}` the lag.
pub const TITLE: &str = "Engagement and {metric}, lag {lag}";
/// Drawn instead of the axes when there is nothing to plot.
pub const EMPTY: &str = "No team-period has both engagement and customer scores yet.";

/// The English label of a CX metric's value, with its unit.
pub fn metric_label(metric: Metric) -> &'static str {
    match metric {
        Metric::Csat => "Customer satisfaction (CSAT, % satisfied)",
        Metric::Nps => "Net Promoter Score (NPS, −100 to 100)",
        Metric::Ces => "Customer effort score (CES, 1–7)",
    }
}

/// The range a metric's value can take ([`Metric::value`]): CSAT is the share of 4s and
/// 5s in per cent, NPS promoters minus detractors in points, CES the mean 1–7 score.
pub fn metric_range(metric: Metric) -> (f64, f64) {
    match metric {
        Metric::Csat => (0.0, 100.0),
        Metric::Nps => (-100.0, 100.0),
        Metric::Ces => metric.range(),
    }
}

/// The texts of a chart, already in the reader's language.
pub struct ChartText {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub empty: String,
}

impl ChartText {
    /// The English texts for `linkage` (the API's SVG).
    pub fn english(linkage: &Linkage) -> ChartText {
        ChartText {
            title: TITLE
                .replace("{metric}", &linkage.metric.as_str().to_uppercase())
                .replace("{lag}", &linkage.lag.to_string()),
            x_label: X_LABEL.into(),
            y_label: metric_label(linkage.metric).into(),
            empty: EMPTY.into(),
        }
    }
}

/// An axis: its domain and the tick values, all multiples of `step`.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    pub lo: f64,
    pub hi: f64,
    pub step: f64,
    pub ticks: Vec<f64>,
}

impl Axis {
    /// A tick value written with as many decimals as the step needs (none for 10, one
    /// for 0.2, two for 0.05).
    pub fn label(&self, v: f64) -> String {
        let decimals = (-(self.step.log10() + 1e-9).floor()).max(0.0) as usize;
        let s = format!("{v:.decimals$}");
        // No "-0".
        if s.trim_start_matches('-')
            .chars()
            .all(|c| c == '0' || c == '.')
        {
            s.trim_start_matches('-').to_owned()
        } else {
            s.replace('-', "−")
        }
    }
}

/// The smallest of 1, 2, 5, 10 × 10ⁿ at least `raw`.
fn nice_step(raw: f64) -> f64 {
    let mag = 10f64.powf(raw.log10().floor());
    let norm = raw / mag;
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .find(|m| norm <= m + 1e-9)
        .unwrap_or(10.0)
        * mag
}

/// The axis for data spanning `lo..=hi` whose variable lives in `natural`: about five
/// intervals of a nice step, the domain the data rounded out to whole steps and kept
/// inside `natural` (unless data lie outside it). Constant data get a span of a tenth
/// of the natural range around them.
pub fn nice_axis(lo: f64, hi: f64, natural: (f64, f64)) -> Axis {
    let (nlo, nhi) = natural;
    let (mut a, mut b) = (lo.min(hi), lo.max(hi));
    if !(a.is_finite() && b.is_finite()) {
        (a, b) = (nlo, nhi);
    }
    if b - a < 1e-9 {
        let half = (nhi - nlo).abs().max(1e-9) / 20.0;
        (a, b) = (a - half, b + half);
        // Kept inside the natural range, shifted rather than cut.
        if a < nlo && lo >= nlo {
            (a, b) = (nlo, nlo + 2.0 * half);
        } else if b > nhi && hi <= nhi {
            (a, b) = (nhi - 2.0 * half, nhi);
        }
    }
    let step = nice_step((b - a) / 5.0);
    let mut d0 = (a / step + 1e-9).floor() * step;
    let mut d1 = (b / step - 1e-9).ceil() * step;
    if d0 < nlo && lo.min(hi) >= nlo {
        d0 = nlo;
    }
    if d1 > nhi && lo.max(hi) <= nhi {
        d1 = nhi;
    }
    let first = (d0 / step - 1e-9).ceil() as i64;
    let last = (d1 / step + 1e-9).floor() as i64;
    // Multiples of the step, rounded so that 0.1 × 3 reads 0.3.
    let ticks = (first..=last)
        .map(|k| {
            let v = k as f64 * step;
            let scale = 10f64.powi(((-step.log10()).ceil() as i32).max(0) + 1);
            (v * scale).round() / scale
        })
        .collect();
    Axis {
        lo: d0,
        hi: d1,
        step,
        ticks,
    }
}

/// Escapes text for XML.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A fitted line with its band: for x, the mean prediction and its half-width.
pub struct Fit {
    pub slope: f64,
    pub intercept: f64,
    /// Residual standard deviation s, mean of x and Sxx, and the t quantile, for the band
    /// ± t·s·sqrt(1/n + (x − x̄)²/Sxx).
    pub s: f64,
    pub mean_x: f64,
    pub sxx: f64,
    pub n: usize,
    pub t: f64,
}

/// The plot of a linkage analysis with `text` (the API passes [`ChartText::english`],
/// the web page the reader's language).
pub fn linkage_chart(linkage: &Linkage, text: &ChartText) -> String {
    let pts: Vec<(f64, f64, String)> = linkage
        .points
        .iter()
        .map(|p| (p.engagement, p.cx, format!("{} {}", p.team, p.period)))
        .collect();
    let x: Vec<f64> = linkage.points.iter().map(|p| p.engagement).collect();
    let mean_x = if x.is_empty() {
        0.0
    } else {
        x.iter().sum::<f64>() / x.len() as f64
    };
    let sxx: f64 = x.iter().map(|v| (v - mean_x).powi(2)).sum();
    let fit = linkage.regression.as_ref().map(|f| Fit {
        slope: f.slope,
        intercept: f.intercept,
        s: f.slope_se * sxx.sqrt(),
        mean_x,
        sxx,
        n: x.len(),
        t: if f.slope_se > 0.0 {
            (f.slope_ci_high - f.slope) / f.slope_se
        } else {
            0.0
        },
    });
    scatter(&pts, fit.as_ref(), metric_range(linkage.metric), text)
}

/// Draws the points (x = engagement 0–100, y = the CX metric in `y_natural`), the fit
/// and its band, cut to the plot rectangle.
pub fn scatter(
    points: &[(f64, f64, String)],
    fit: Option<&Fit>,
    y_natural: (f64, f64),
    text: &ChartText,
) -> String {
    let (w, h) = (800.0, 500.0);
    let (left, right, top, bottom) = (70.0, 20.0, 40.0, 60.0);
    let mut out = String::new();
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"sans-serif\" font-size=\"12\" role=\"img\">"
    );
    let _ = write!(
        out,
        "<title>{}</title><rect width=\"{w}\" height=\"{h}\" fill=\"white\"/><text x=\"{}\" y=\"24\" text-anchor=\"middle\" font-size=\"15\">{}</text>",
        esc(&text.title),
        w / 2.0,
        esc(&text.title)
    );
    if points.is_empty() {
        let _ = write!(
            out,
            "<text class=\"empty\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text></svg>",
            w / 2.0,
            h / 2.0,
            esc(&text.empty)
        );
        return out;
    }
    let span = |f: fn(&(f64, f64, String)) -> f64| {
        points
            .iter()
            .map(f)
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                (a.min(v), b.max(v))
            })
    };
    let (xa, xb) = span(|p| p.0);
    let (ya, yb) = span(|p| p.1);
    let (xs, ys) = (
        nice_axis(xa, xb, (0.0, 100.0)),
        nice_axis(ya, yb, y_natural),
    );
    let (x0, x1, y0, y1) = (xs.lo, xs.hi, ys.lo, ys.hi);
    let (pl, pr, pt, pb) = (left, w - right, top, h - bottom);
    let px = |x: f64| pl + (x - x0) / (x1 - x0) * (pr - pl);
    let py = |y: f64| pb - (y - y0) / (y1 - y0) * (pb - pt);
    let _ = write!(
        out,
        "<defs><clipPath id=\"linkage-plot-area\"><rect x=\"{pl}\" y=\"{pt}\" width=\"{}\" height=\"{}\"/></clipPath></defs>",
        pr - pl,
        pb - pt
    );
    // Axes, ticks and light grid lines.
    let _ = write!(
        out,
        "<line x1=\"{pl}\" y1=\"{pb}\" x2=\"{pr}\" y2=\"{pb}\" stroke=\"black\"/><line x1=\"{pl}\" y1=\"{pt}\" x2=\"{pl}\" y2=\"{pb}\" stroke=\"black\"/>"
    );
    for &x in &xs.ticks {
        let _ = write!(
            out,
            "<line x1=\"{0:.1}\" y1=\"{pb}\" x2=\"{0:.1}\" y2=\"{1}\" stroke=\"black\"/><text class=\"tick-x\" x=\"{0:.1}\" y=\"{2}\" text-anchor=\"middle\">{3}</text>",
            px(x),
            pb + 5.0,
            pb + 18.0,
            xs.label(x)
        );
    }
    for &y in &ys.ticks {
        let _ = write!(
            out,
            "<line x1=\"{pl}\" y1=\"{0:.1}\" x2=\"{pr}\" y2=\"{0:.1}\" stroke=\"#eaeef2\"/><text class=\"tick-y\" x=\"{1}\" y=\"{2:.1}\" text-anchor=\"end\">{3}</text>",
            py(y),
            pl - 6.0,
            py(y) + 4.0,
            ys.label(y)
        );
    }
    let mid = (pt + pb) / 2.0;
    let _ = write!(
        out,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text><text x=\"18\" y=\"{mid}\" text-anchor=\"middle\" transform=\"rotate(-90 18 {mid})\">{}</text>",
        (pl + pr) / 2.0,
        h - 15.0,
        esc(&text.x_label),
        esc(&text.y_label)
    );
    if let Some(f) = fit {
        let line = |x: f64| f.intercept + f.slope * x;
        let half = |x: f64| f.t * f.s * (1.0 / f.n as f64 + (x - f.mean_x).powi(2) / f.sxx).sqrt();
        // The band between its two edges, each edge held inside [y0, y1]: the band's
        // intersection with the plot's strip at every sampled x.
        let steps = 40;
        let at = |i: usize| x0 + (x1 - x0) * i as f64 / steps as f64;
        let mut band = String::new();
        let edges = (0..=steps)
            .map(|i| (at(i), 1.0))
            .chain((0..=steps).rev().map(|i| (at(i), -1.0)));
        for (x, sign) in edges {
            let y = (line(x) + sign * half(x)).clamp(y0, y1);
            let _ = write!(band, "{:.1},{:.1} ", px(x), py(y));
        }
        let _ = write!(
            out,
            "<g clip-path=\"url(#linkage-plot-area)\"><polygon class=\"band\" points=\"{}\" fill=\"#9ecae1\" fill-opacity=\"0.4\"/>",
            band.trim_end()
        );
        // The line's part with y inside [y0, y1] (x is inside [x0, x1] by construction).
        let (mut a, mut b) = (x0, x1);
        if f.slope.abs() > 1e-12 {
            let (u, v) = ((y0 - f.intercept) / f.slope, (y1 - f.intercept) / f.slope);
            a = a.max(u.min(v));
            b = b.min(u.max(v));
        } else if !(y0..=y1).contains(&f.intercept) {
            b = a - 1.0;
        }
        if a <= b {
            let _ = write!(
                out,
                "<line class=\"fit\" x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#08519c\" stroke-width=\"2\"/>",
                px(a),
                py(line(a).clamp(y0, y1)),
                px(b),
                py(line(b).clamp(y0, y1))
            );
        }
        out.push_str("</g>");
    }
    for (x, y, label) in points {
        let _ = write!(
            out,
            "<circle class=\"point\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"4\" fill=\"#d94801\"><title>{}</title></circle>",
            px(*x),
            py(*y),
            esc(label)
        );
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
#[path = "plot_tests.rs"]
mod tests;
