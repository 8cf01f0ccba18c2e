//! Small server-rendered SVG charts. A suppressed value is never drawn as a zero: its
//! row carries a hatched placeholder and the words "fewer than k answers", and a trend
//! line breaks around it. Every chart is placed beside a table of its numbers.

use maud::{Markup, html};

/// Horizontal bars of values on `0..=max`; `None` is a suppressed row.
pub fn bars(
    id: &str,
    title: &str,
    rows: &[(String, Option<f64>)],
    max: f64,
    hidden: &str,
) -> Markup {
    let (w, label_w, row_h) = (640.0, 220.0, 30.0);
    let h = row_h * rows.len() as f64 + 10.0;
    let scale = |v: f64| (v.clamp(0.0, max) / max) * (w - label_w - 60.0);
    html! {
        svg.chart role="img" aria-labelledby={ (id) "-t" } viewBox={ "0 0 " (w) " " (h) }
            width=(w) height=(h) xmlns="http://www.w3.org/2000/svg" {
            title id={ (id) "-t" } { (title) }
            defs {
                pattern id={ (id) "-hatch" } width="8" height="8" patternUnits="userSpaceOnUse"
                    patternTransform="rotate(45)" {
                    rect width="8" height="8" fill="#f6f8fa" {}
                    line x1="0" y1="0" x2="0" y2="8" stroke="#c8d1da" stroke-width="4" {}
                }
            }
            @for (i, (label, value)) in rows.iter().enumerate() {
                @let y = 5.0 + i as f64 * row_h;
                text x=(label_w - 8.0) y=(y + 19.0) text-anchor="end" font-size="14" fill="#1b1f24" { (label) }
                @match value {
                    Some(v) => {
                        rect x=(label_w) y=(y + 4.0) width=(format!("{:.1}", scale(*v))) height=(row_h - 10.0) fill="#0b5cad" {}
                        text x=(label_w + scale(*v) + 6.0) y=(y + 19.0) font-size="13" fill="#1b1f24" { (format!("{v:.0}")) }
                    }
                    None => {
                        rect x=(label_w) y=(y + 4.0) width=(w - label_w - 60.0) height=(row_h - 10.0)
                            fill={ "url(#" (id) "-hatch)" } stroke="#8c959f" stroke-dasharray="4 3" {}
                        text x=(label_w + 8.0) y=(y + 19.0) font-size="13" font-style="italic" fill="#57606a" { (hidden) }
                    }
                }
            }
        }
    }
}

/// A line through `points` on `lo..=hi`; `None` breaks the line and is marked.
pub fn line(
    id: &str,
    title: &str,
    points: &[(String, Option<f64>)],
    lo: f64,
    hi: f64,
    hidden: &str,
) -> Markup {
    let (w, h, left, right, top, bottom) = (640.0, 280.0, 50.0, 20.0, 20.0, 50.0);
    let n = points.len().max(1);
    let px = |i: usize| {
        if n == 1 {
            left + (w - left - right) / 2.0
        } else {
            left + i as f64 * (w - left - right) / (n - 1) as f64
        }
    };
    let py = |v: f64| h - bottom - (v.clamp(lo, hi) - lo) / (hi - lo) * (h - top - bottom);
    // Runs of consecutive released points.
    let mut runs: Vec<Vec<(f64, f64)>> = vec![vec![]];
    for (i, (_, v)) in points.iter().enumerate() {
        match v {
            Some(v) => runs.last_mut().map_or((), |r| r.push((px(i), py(*v)))),
            None => runs.push(vec![]),
        }
    }
    let ticks = [lo, lo + (hi - lo) / 2.0, hi];
    html! {
        svg.chart role="img" aria-labelledby={ (id) "-t" } viewBox={ "0 0 " (w) " " (h) }
            width=(w) height=(h) xmlns="http://www.w3.org/2000/svg" {
            title id={ (id) "-t" } { (title) }
            @for tick in ticks {
                line x1=(left) x2=(w - right) y1=(py(tick)) y2=(py(tick)) stroke="#d0d7de" {}
                text x=(left - 6.0) y=(py(tick) + 4.0) text-anchor="end" font-size="12" fill="#57606a" { (format!("{tick:.0}")) }
            }
            @for run in runs.iter().filter(|r| !r.is_empty()) {
                polyline fill="none" stroke="#0b5cad" stroke-width="3"
                    points=(run.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect::<Vec<_>>().join(" ")) {}
            }
            @for (i, (label, v)) in points.iter().enumerate() {
                text x=(px(i)) y=(h - bottom + 20.0) text-anchor="middle" font-size="12" fill="#1b1f24" { (label) }
                @match v {
                    Some(v) => {
                        circle cx=(px(i)) cy=(py(*v)) r="5" fill="#0b5cad" {}
                        text x=(px(i)) y=(py(*v) - 10.0) text-anchor="middle" font-size="12" fill="#1b1f24" { (format!("{v:.0}")) }
                    }
                    None => {
                        circle cx=(px(i)) cy=(py((lo + hi) / 2.0)) r="6" fill="none" stroke="#8c959f" stroke-dasharray="2 2" {}
                        text x=(px(i)) y=(h - bottom + 36.0) text-anchor="middle" font-size="11" font-style="italic" fill="#57606a" { (hidden) }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_suppressed_bar_is_a_marked_placeholder_not_a_zero() {
        let svg = bars(
            "d",
            "Drivers",
            &[("Growth".into(), Some(72.0)), ("Voice".into(), None)],
            100.0,
            "fewer than 5 answers",
        )
        .into_string();
        assert!(svg.contains("fewer than 5 answers"));
        assert!(svg.contains(">72<"));
        assert!(!svg.contains("width=\"0.0\""), "{svg}");
    }

    #[test]
    fn a_suppressed_point_breaks_the_line() {
        let svg = line(
            "t",
            "Trend",
            &[
                ("#1".into(), Some(60.0)),
                ("#2".into(), Some(65.0)),
                ("#3".into(), None),
                ("#4".into(), Some(70.0)),
            ],
            0.0,
            100.0,
            "fewer than 5",
        )
        .into_string();
        assert_eq!(svg.matches("<polyline").count(), 2, "{svg}");
        assert!(svg.contains("fewer than 5"));
    }

    #[test]
    fn labels_are_escaped() {
        let svg = bars("x", "<t>", &[("<b>".into(), Some(1.0))], 10.0, "").into_string();
        assert!(svg.contains("&lt;b&gt;") && !svg.contains("<b>"));
    }
}
