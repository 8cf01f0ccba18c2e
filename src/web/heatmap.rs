//! The heatmap for HR: teams × drivers of one closed round, each mean coloured by band
//! with a legend that names every band, each team (and each of its cells) leading to
//! that team's report. A suppressed cell reads why, never a zero. Where the whole
//! organisation's row and its one top-level team's row say the same, only the team's is
//! shown (it is the same group, and the team's row is a link).

use maud::{Markup, html};
use poem::http::StatusCode;
use poem::{Request, Response, handler};

use crate::error::ApiError;
use crate::org::domain::Language;
use crate::reports::heatmap::round_heatmap;
use crate::reports::service::Purpose;
use crate::reports::types::{Heatmap, HeatmapRow};
use crate::web::account::query;
use crate::web::i18n::t;
use crate::web::layout::page;
use crate::web::reports::{closed_rounds, hidden_text, num};
use crate::web::respond::{error_page, html as html_response};
use crate::web::signed::Signed;

/// The colour bands of a 1–5 mean: (class, lower bound), the last open-ended.
const BANDS: [(&str, f64); 5] = [
    ("h0", f64::NEG_INFINITY),
    ("h1", 2.5),
    ("h2", 3.0),
    ("h3", 3.5),
    ("h4", 4.0),
];

/// The colour band of a 1–5 mean.
fn heat_class(mean: Option<f64>) -> &'static str {
    match mean {
        Some(v) => BANDS
            .iter()
            .rev()
            .find(|(_, from)| v >= *from)
            .map_or("h0", |(class, _)| class),
        None => "",
    }
}

/// The legend: one swatch per band with its range, and the hatch of a hidden cell.
fn legend(lang: Language) -> Markup {
    let range = |i: usize| -> String {
        match (i, BANDS.get(i + 1)) {
            (0, Some((_, to))) => format!("< {to:.1}"),
            (_, Some((_, to))) => format!("{:.1}–{to:.1}", BANDS[i].1),
            (_, None) => format!("≥ {:.1}", BANDS[i].1),
        }
    };
    html! {
        ul.legend aria-label=(t(lang, "Legend")) {
            @for (i, (class, _)) in BANDS.iter().enumerate() {
                li { span.swatch.(class) {} (range(i)) }
            }
            li { span.swatch.suppressed {} (t(lang, "hidden")) }
        }
    }
}

/// The rows to draw: the organisation's row is left out where the next row (its one
/// top-level team) holds exactly the same group.
fn rows(m: &Heatmap) -> Vec<&HeatmapRow> {
    let same = |a: &HeatmapRow, b: &HeatmapRow| {
        a.suppressed == b.suppressed
            && a.n == b.n
            && a.engagement_index == b.engagement_index
            && a.cells.len() == b.cells.len()
            && a.cells
                .iter()
                .zip(&b.cells)
                .all(|(x, y)| x.suppressed == y.suppressed && x.mean == y.mean && x.n == y.n)
    };
    let skip_all = match (m.rows.first(), m.rows.get(1)) {
        (Some(all), Some(next)) => {
            all.team_id.is_none() && next.team_id.is_some() && same(all, next)
        }
        _ => false,
    };
    m.rows.iter().skip(usize::from(skip_all)).collect()
}

#[handler]
pub async fn heatmap(req: &Request, Signed(state, s, _): Signed<'_>) -> Response {
    let c = s.chrome();
    let lang = c.lang;
    if !s.principal.is_hr_or_admin() {
        return error_page(&c, &ApiError::Forbidden);
    }
    let rounds = or_page!(&c, closed_rounds(state).await);
    let q = query(req);
    let chosen = Some(q.text("round").to_owned())
        .filter(|r| !r.is_empty())
        .or_else(|| rounds.first().map(|(r, _)| r.id.clone()));
    let map = match &chosen {
        Some(r) => match round_heatmap(state, &s.principal, r, Purpose::Read).await {
            Ok(m) => Some(m),
            Err(e) => return error_page(&c, &e),
        },
        None => None,
    };
    let lang_s = lang.as_str();
    html_response(
        StatusCode::OK,
        page(
            &c,
            t(lang, "Heatmap"),
            html! {
                h1 { (t(lang, "Heatmap")) }
                form.filters method="get" action="/hr/heatmap" {
                    div.field {
                        label for="f-round" { (t(lang, "Round")) }
                        select id="f-round" name="round" {
                            @for (r, title) in &rounds {
                                option value=(r.id) selected[chosen.as_deref() == Some(r.id.as_str())] { (title) " #" (r.sequence) }
                            }
                        }
                    }
                    button type="submit" { (t(lang, "Show")) }
                }
                @if let Some(m) = &map {
                    p.hint { (t(lang, "Mean per driver (1–5). A team, or one of its cells, leads to that team's report.")) }
                    (legend(lang))
                    div.table-wrap tabindex="0" { table.heatmap {
                        caption { (t(lang, "Teams by driver")) }
                        thead { tr {
                            th { (t(lang, "Team")) } th.num { (t(lang, "Answers")) } th.num { (t(lang, "Engagement index")) }
                            @for d in &m.drivers { th.num { (d.label(lang_s)) } }
                        } }
                        tbody {
                            @for row in rows(m) {
                                @let href = format!("/reports/{}{}", m.round_id,
                                    row.team_id.as_deref().map(|t| format!("?team_id={t}")).unwrap_or_default());
                                tr {
                                    th scope="row" { a href=(href) { (row.team) } }
                                    @if row.suppressed {
                                        td.suppressed colspan=(m.drivers.len() + 2) { (hidden_text(lang, row.hidden, m.min_group)) }
                                    } @else {
                                        td.num { (row.n.map(|n| n.to_string()).unwrap_or_default()) }
                                        td.num { (num(row.engagement_index)) }
                                        @for cell in &row.cells {
                                            @if cell.suppressed {
                                                @let why = hidden_text(lang, cell.hidden, m.min_group);
                                                td.suppressed title=(why) { "—" span.visually-hidden { " " (why) } }
                                            } @else {
                                                td.num.(heat_class(cell.mean)) {
                                                    a href=(href) { (cell.mean.map(|v| format!("{v:.1}")).unwrap_or_default()) }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    } }
                } @else {
                    p { (t(lang, "No round has closed yet.")) }
                }
            },
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mean_falls_in_the_band_its_legend_names() {
        assert_eq!(heat_class(Some(1.0)), "h0");
        assert_eq!(heat_class(Some(2.49)), "h0");
        assert_eq!(heat_class(Some(2.5)), "h1");
        assert_eq!(heat_class(Some(3.0)), "h2");
        assert_eq!(heat_class(Some(3.99)), "h3");
        assert_eq!(heat_class(Some(4.0)), "h4");
        assert_eq!(heat_class(Some(5.0)), "h4");
        assert_eq!(heat_class(None), "");
        let html = legend(Language::En).into_string();
        for range in ["&lt; 2.5", "2.5–3.0", "3.0–3.5", "3.5–4.0", "≥ 4.0"] {
            assert!(html.contains(range), "{range}: {html}");
        }
    }
}
