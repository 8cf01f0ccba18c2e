//! The driver impact section of a team's report page: the priority matrix (an SVG
//! scatter of each driver's impact against its score relative to the organisation, with
//! a title and a description), the same figures as a table, and the focus areas in plain
//! words. What is withheld says why; a withheld group draws no chart.

use maud::{Markup, html};

use crate::org::domain::Language;
use crate::reports::types::{Impact, ImpactWithheld};
use crate::web::i18n::{t, tf};

fn two(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.2}")).unwrap_or_default()
}

fn signed(v: Option<f64>) -> String {
    v.map(|x| format!("{x:+.1}")).unwrap_or_default()
}

/// The largest relative weight of the group (the driver that "matters most").
fn top_weight(i: &Impact) -> f64 {
    i.drivers
        .iter()
        .filter_map(|d| d.relative_weight)
        .fold(f64::MIN, f64::max)
}

/// The scatter: x the driver's share of the explained engagement (0–100 %), y its score
/// against the organisation in points; a dashed line at the median share and at zero.
fn matrix(lang: Language, i: &Impact) -> Markup {
    let (w, h, left, right, top, bottom) = (640.0, 360.0, 60.0, 20.0, 20.0, 50.0);
    let points: Vec<(&str, f64, f64)> = i
        .drivers
        .iter()
        .filter_map(|d| Some((d.driver.label(lang.as_str()), d.share?, d.relative_score?)))
        .collect();
    let x_max = points
        .iter()
        .map(|p| p.1)
        .fold(10.0_f64, f64::max)
        .div_euclid(10.0)
        .mul_add(10.0, 10.0)
        .min(100.0);
    let y_max = points
        .iter()
        .map(|p| p.2.abs())
        .fold(5.0_f64, f64::max)
        .div_euclid(5.0)
        .mul_add(5.0, 5.0);
    let px = |x: f64| left + x.clamp(0.0, x_max) / x_max * (w - left - right);
    let py = |y: f64| top + (y_max - y.clamp(-y_max, y_max)) / (2.0 * y_max) * (h - top - bottom);
    let mut shares: Vec<f64> = points.iter().map(|p| p.1).collect();
    shares.sort_by(f64::total_cmp);
    let median = match shares.len() {
        0 => None,
        n if n % 2 == 1 => Some(shares[n / 2]),
        n => Some((shares[n / 2 - 1] + shares[n / 2]) / 2.0),
    };
    let f1 = |v: f64| format!("{v:.1}");
    html! {
        svg.chart #impact-matrix role="img" aria-labelledby="impact-t impact-d"
            viewBox={ "0 0 " (w) " " (h) } width=(w) height=(h) xmlns="http://www.w3.org/2000/svg" {
            title id="impact-t" { (t(lang, "Priority matrix")) }
            desc id="impact-d" { (t(lang, "Each driver is a point: further right, more of the team's engagement goes with it; lower, further below the company. Focus areas are right of the median and below zero.")) }
            rect x=(left) y=(top) width=(w - left - right) height=(h - top - bottom) fill="none" stroke="#8c959f" {}
            line x1=(left) x2=(w - right) y1=(f1(py(0.0))) y2=(f1(py(0.0))) stroke="#57606a" stroke-dasharray="4 3" {}
            @if let Some(m) = median {
                line x1=(f1(px(m))) x2=(f1(px(m))) y1=(top) y2=(h - bottom) stroke="#57606a" stroke-dasharray="4 3" {}
            }
            text x=(left - 6.0) y=(top + 12.0) text-anchor="end" font-size="12" fill="#1b1f24" { "+" (y_max) }
            text x=(left - 6.0) y=(f1(py(0.0) + 4.0)) text-anchor="end" font-size="12" fill="#1b1f24" { "0" }
            text x=(left - 6.0) y=(h - bottom) text-anchor="end" font-size="12" fill="#1b1f24" { "−" (y_max) }
            text x=(left) y=(h - bottom + 16.0) font-size="12" fill="#1b1f24" { "0" }
            text x=(w - right) y=(h - bottom + 16.0) text-anchor="end" font-size="12" fill="#1b1f24" { (x_max) }
            text x=((left + w - right) / 2.0) y=(h - 10.0) text-anchor="middle" font-size="13" fill="#1b1f24" {
                (t(lang, "Impact: share of the explained engagement, %"))
            }
            text x="14" y=((top + h - bottom) / 2.0) font-size="13" fill="#1b1f24" text-anchor="middle"
                transform={ "rotate(-90 14 " ((top + h - bottom) / 2.0) ")" } {
                (t(lang, "Score against the company, points"))
            }
            @for (_, x, y) in &points {
                circle cx=(f1(px(*x))) cy=(f1(py(*y))) r="6" fill="#0b5cad" {}
            }
            @for (label, x, y, anchor) in labels(&points, px, py, w) {
                text x=(f1(x)) y=(f1(y)) text-anchor=(anchor) font-size="12" fill="#1b1f24" { (label) }
            }
        }
    }
}

/// Where each point's label goes: right of the point, or left of it in the right half
/// of the plot (so it is not cut at the edge); moved down past labels it would overlap.
fn labels<'a>(
    points: &[(&'a str, f64, f64)],
    px: impl Fn(f64) -> f64,
    py: impl Fn(f64) -> f64,
    width: f64,
) -> Vec<(&'a str, f64, f64, &'static str)> {
    let mut placed: Vec<(&str, f64, f64, &'static str)> = Vec::new();
    let mut order: Vec<&(&str, f64, f64)> = points.iter().collect();
    order.sort_by(|a, b| b.2.total_cmp(&a.2));
    for (label, x, y) in order {
        let (cx, cy) = (px(*x), py(*y));
        let (lx, anchor) = if cx > width / 2.0 {
            (cx - 9.0, "end")
        } else {
            (cx + 9.0, "start")
        };
        let mut ly = cy + 4.0;
        while placed
            .iter()
            .any(|p| p.3 == anchor && (p.1 - lx).abs() < 110.0 && (p.2 - ly).abs() < 13.0)
        {
            ly += 13.0;
        }
        placed.push((label, lx, ly, anchor));
    }
    placed
}

/// The section of the report page, for a group the report shows.
pub fn section(lang: Language, i: &Impact) -> Markup {
    let lang_s = lang.as_str();
    html! {
        h2 { (t(lang, "Driver impact")) }
        p.hint { (t(lang, "How strongly each driver goes with engagement in this group: the correlation between people's score on the driver and their engagement index, and the driver's share of the engagement that all drivers together explain (relative weights). Correlation, not causation: it shows where to look, not what causes what.")) }
        @match i.withheld {
            Some(ImpactWithheld::FewerThanMinRespondents) => {
                p.notice { (tf(lang, "Driver impact is shown only for groups with at least {n} complete answers.", &[("n", &i.min_respondents.to_string())])) }
            }
            Some(ImpactWithheld::ProtectsSmallerGroup) => {
                p.notice { (t(lang, "Driver impact is hidden here to protect a smaller group.")) }
            }
            Some(ImpactWithheld::NothingToRelate) => {
                p.notice { (t(lang, "Driver impact cannot be worked out here: engagement does not vary in this group, or the survey asks about no other driver.")) }
            }
            None => {
                h3 { (t(lang, "Focus areas")) }
                @if i.focus_areas.is_empty() {
                    p { (t(lang, "No focus area: no driver with above-median impact scores below the company.")) }
                } @else {
                    ul.focus-areas { @for f in &i.focus_areas {
                        @let points = format!("{:.0}", f.points_below);
                        @let args = [("driver", f.driver.label(lang_s)), ("points", points.as_str())];
                        li { @if f.relative_weight >= top_weight(i) {
                            (tf(lang, "{driver} matters most to your team's engagement and scores {points} points below the company.", &args))
                        } @else {
                            (tf(lang, "{driver} is among the drivers that matter most to your team's engagement and scores {points} points below the company.", &args))
                        } }
                    } }
                }
                // The matrix above its table, each at full width: beside a five-column
                // table the matrix had no room left on a desktop screen.
                (matrix(lang, i))
                div {
                    div.table-wrap tabindex="0" { table {
                        caption { (t(lang, "Driver impact")) }
                        thead { tr {
                            th { (t(lang, "Driver")) }
                            th.num { (t(lang, "Against the company, points")) }
                            th.num { (t(lang, "Correlation (95% interval)")) }
                            th.num { (t(lang, "Relative weight")) }
                            th.num { (t(lang, "Share, %")) }
                        } }
                        tbody {
                            @for d in &i.drivers {
                                tr {
                                    th scope="row" { (d.driver.label(lang_s)) }
                                    @if d.suppressed {
                                        td.suppressed colspan="4" { (t(lang, "not shown")) }
                                    } @else {
                                        td.num { (signed(d.relative_score)) }
                                        td.num { (two(d.r)) @if d.r.is_some() { " (" (two(d.ci_low)) "; " (two(d.ci_high)) ")" } }
                                        td.num { (two(d.relative_weight)) }
                                        td.num { (d.share.map(|s| format!("{s:.1}")).unwrap_or_default()) }
                                    }
                                }
                            }
                        }
                    } }
                }
                p.hint { (tf(lang, "R² = {r2}, from {n} complete answers.", &[("r2", &two(i.r_squared)), ("n", &i.n.unwrap_or(0).to_string())])) }
            }
        }
    }
}
