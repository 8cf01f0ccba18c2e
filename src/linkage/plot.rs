//! The linkage scatter plot as SVG: points, the fitted OLS line and its 95% confidence
//! band for the mean, labelled axes; readable at 800×500. Pure string building.

use std::fmt::Write as _;

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

/// Draws the points (x = engagement 0–100, y = the CX metric), the fit and its band.
pub fn scatter(
    points: &[(f64, f64, String)],
    fit: Option<&Fit>,
    x_label: &str,
    y_label: &str,
    title: &str,
) -> String {
    let (w, h) = (800.0, 500.0);
    let (left, right, top, bottom) = (70.0, 20.0, 40.0, 60.0);
    let xs = || points.iter().map(|p| p.0);
    let ys = || points.iter().map(|p| p.1);
    let pad = |lo: f64, hi: f64| {
        if (hi - lo).abs() < 1e-9 {
            (lo - 1.0, hi + 1.0)
        } else {
            (lo - (hi - lo) * 0.05, hi + (hi - lo) * 0.05)
        }
    };
    let (x0, x1) = pad(
        xs().fold(f64::INFINITY, f64::min).min(0.0),
        xs().fold(f64::NEG_INFINITY, f64::max).max(100.0),
    );
    let (y0, y1) = if points.is_empty() {
        (0.0, 1.0)
    } else {
        pad(
            ys().fold(f64::INFINITY, f64::min),
            ys().fold(f64::NEG_INFINITY, f64::max),
        )
    };
    let px = |x: f64| left + (x - x0) / (x1 - x0) * (w - left - right);
    let py = |y: f64| h - bottom - (y - y0) / (y1 - y0) * (h - top - bottom);
    let mut out = String::new();
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"sans-serif\" font-size=\"12\">"
    );
    let _ = write!(
        out,
        "<title>{}</title><rect width=\"{w}\" height=\"{h}\" fill=\"white\"/>",
        esc(title)
    );
    let _ = write!(
        out,
        "<text x=\"{}\" y=\"24\" text-anchor=\"middle\" font-size=\"15\">{}</text>",
        w / 2.0,
        esc(title)
    );
    // Axes and ticks.
    let _ = write!(
        out,
        "<line x1=\"{left}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"black\"/><line x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{}\" stroke=\"black\"/>",
        h - bottom,
        w - right,
        h - bottom,
        h - bottom
    );
    for i in 0..=5 {
        let x = x0 + (x1 - x0) * i as f64 / 5.0;
        let y = y0 + (y1 - y0) * i as f64 / 5.0;
        let _ = write!(
            out,
            "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\">{x:.0}</text>",
            px(x),
            h - bottom + 18.0
        );
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{y:.1}</text>",
            left - 6.0,
            py(y) + 4.0
        );
    }
    let _ = write!(
        out,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
        (left + w - right) / 2.0,
        h - 15.0,
        esc(x_label)
    );
    let _ = write!(
        out,
        "<text x=\"18\" y=\"{}\" text-anchor=\"middle\" transform=\"rotate(-90 18 {})\">{}</text>",
        (top + h - bottom) / 2.0,
        (top + h - bottom) / 2.0,
        esc(y_label)
    );
    if let Some(f) = fit {
        let steps = 40;
        let at = |i: usize| x0 + (x1 - x0) * i as f64 / steps as f64;
        let half = |x: f64| f.t * f.s * (1.0 / f.n as f64 + (x - f.mean_x).powi(2) / f.sxx).sqrt();
        let mut band = String::new();
        for i in 0..=steps {
            let x = at(i);
            let _ = write!(
                band,
                "{:.1},{:.1} ",
                px(x),
                py(f.intercept + f.slope * x + half(x))
            );
        }
        for i in (0..=steps).rev() {
            let x = at(i);
            let _ = write!(
                band,
                "{:.1},{:.1} ",
                px(x),
                py(f.intercept + f.slope * x - half(x))
            );
        }
        let _ = write!(
            out,
            "<polygon class=\"band\" points=\"{}\" fill=\"#9ecae1\" fill-opacity=\"0.4\"/>",
            band.trim_end()
        );
        let _ = write!(
            out,
            "<line class=\"fit\" x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#08519c\" stroke-width=\"2\"/>",
            px(x0),
            py(f.intercept + f.slope * x0),
            px(x1),
            py(f.intercept + f.slope * x1)
        );
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
