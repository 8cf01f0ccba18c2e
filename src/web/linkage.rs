//! The EX–CX linkage page: the scatter plot (the API's own SVG) with its points as a
//! table, r with its confidence interval, the lag sweep and the within-team result,
//! each explained in one plain sentence, and the at-risk quadrant.

use std::collections::HashMap;

use maud::{Markup, PreEscaped, html};
use poem::http::StatusCode;
use poem::{Request, Response, handler};

use crate::cx::metrics::{Metric, Period};
use crate::linkage::analysis::{linkage_analysis, too_few_points};
use crate::linkage::plot::{ChartText, EMPTY, linkage_chart, metric_label};
use crate::linkage::stats::clearly_strongest;
use crate::linkage::types::{Linkage, LinkageQuery, PearsonBlock};
use crate::org::domain::Language;
use crate::reports::service::Purpose;
use crate::web::account::query;
use crate::web::i18n::{t, tf, tn};
use crate::web::layout::{filters, page};
use crate::web::respond::html as html_response;
use crate::web::signed::{Reader, Signed};

const METRICS: [(Metric, &str); 3] = [
    (Metric::Csat, "csat"),
    (Metric::Nps, "nps"),
    (Metric::Ces, "ces"),
];

fn f2(v: f64) -> String {
    format!("{v:.2}")
}

/// One plain sentence on r and its interval.
fn r_sentence(lang: Language, metric: &str, n: i64, b: &PearsonBlock) -> String {
    let args = [
        ("n", n.to_string()),
        ("m", metric.to_uppercase()),
        ("r", f2(b.r)),
        ("lo", f2(b.ci_low)),
        ("hi", f2(b.ci_high)),
    ];
    let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let text = if b.ci_low > 0.0 {
        "Across {n} team-periods, engagement and {m} move together: r = {r} (95% interval {lo} to {hi}), so teams with higher engagement tend to have better {m}."
    } else if b.ci_high < 0.0 {
        "Across {n} team-periods, engagement and {m} move in opposite directions: r = {r} (95% interval {lo} to {hi})."
    } else {
        "Across {n} team-periods, r = {r}, but the 95% interval ({lo} to {hi}) includes zero: these data show no clear link between engagement and {m}."
    };
    tf(lang, text, &args)
}

/// The lag sweep in one sentence: a lag is called strongest only when it clearly stands
/// out ([`clearly_strongest`]: its 95% interval clears every other lag's); otherwise the
/// page says that no lag stands out. `None` with fewer than two lags to compare.
fn lag_sentence(lang: Language, l: &Linkage) -> Option<String> {
    let rows: Vec<Option<(f64, usize)>> = l
        .lags
        .iter()
        .map(|x| Some((x.r?, usize::try_from(x.n).ok()?)))
        .collect();
    let rs: Vec<f64> = rows.iter().flatten().map(|x| x.0).collect();
    if rs.len() < 2 {
        return None;
    }
    Some(match clearly_strongest(&rows) {
        Some(i) => tn(
            lang,
            "The link is strongest when customer scores are taken {n} period after engagement (r = {r}).",
            "The link is strongest when customer scores are taken {n} periods after engagement (r = {r}).",
            l.lags[i].lag as u64,
            &[("r", &f2(rows[i].map_or(0.0, |x| x.0)))],
        ),
        None => tf(
            lang,
            "No lag stands out: the correlations at the different lags (r from {lo} to {hi}) differ by less than their uncertainty.",
            &[
                ("lo", &f2(rs.iter().copied().fold(f64::INFINITY, f64::min))),
                (
                    "hi",
                    &f2(rs.iter().copied().fold(f64::NEG_INFINITY, f64::max)),
                ),
            ],
        ),
    })
}

/// An analysis warning in the page's language: each of the analysis' three warnings is
/// rebuilt from the answer and, where it matches, given in the page's wording; any other
/// text is shown as the API gave it.
fn warning(lang: Language, l: &Linkage, w: &str) -> String {
    let n = l.points.len().to_string();
    if w == too_few_points(l.points.len()) {
        return tn(
            lang,
            "Only {n} team-period has both engagement and customer scores: too few for a conclusion (at least 10 are needed).",
            "Only {n} team-periods have both engagement and customer scores: too few for a conclusion (at least 10 are needed).",
            l.points.len() as u64,
            &[],
        );
    }
    if w == "The 95% confidence interval of r includes zero: the data are consistent with no relationship."
    {
        return t(
            lang,
            "The 95% interval of r includes zero: the data are consistent with no link.",
        )
        .into();
    }
    if w.starts_with("One team (") {
        let mut per_team: HashMap<&str, (&str, usize)> = HashMap::new();
        for p in &l.points {
            per_team.entry(&p.team_id).or_insert((&p.team, 0)).1 += 1;
        }
        for (team, k) in per_team.into_values() {
            let k = k.to_string();
            if w == format!(
                "One team ({team}) supplies {k} of the {n} points and dominates the result."
            ) {
                return tf(
                    lang,
                    "One team ({team}) supplies {k} of the {n} points and dominates the result.",
                    &[("team", team), ("k", &k), ("n", &n)],
                );
            }
        }
    }
    w.to_owned()
}

/// The chart's texts in the page's language.
fn chart_text(lang: Language, l: &Linkage) -> ChartText {
    let metric = t(lang, metric_label(l.metric));
    ChartText {
        title: tf(
            lang,
            "Engagement and {metric}, lag {lag}",
            &[
                ("metric", &l.metric.as_str().to_uppercase()),
                ("lag", &l.lag.to_string()),
            ],
        ),
        x_label: t(lang, "Engagement index (0–100)").into(),
        y_label: metric.into(),
        empty: t(lang, EMPTY).into(),
    }
}

fn within_sentence(lang: Language, b: &PearsonBlock) -> String {
    let args = [("r", f2(b.r)), ("lo", f2(b.ci_low)), ("hi", f2(b.ci_high))];
    let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let text = if b.ci_low > 0.0 || b.ci_high < 0.0 {
        "Within each team over time, r = {r} (95% interval {lo} to {hi}): when a team's engagement moves away from its usual level, its customer scores move with it."
    } else {
        "Within each team over time, r = {r} (95% interval {lo} to {hi}): a team's customer scores do not clearly follow changes in its own engagement."
    };
    tf(lang, text, &args)
}

#[handler]
pub async fn show(req: &Request, Signed(state, s, _): Signed<'_, Reader>) -> Response {
    let c = s.chrome();
    let lang = c.lang;
    let q = query(req);
    let metric = METRICS
        .into_iter()
        .find(|(_, k)| *k == q.text("metric"))
        .map_or(Metric::Csat, |(m, _)| m);
    let metric_key = METRICS
        .into_iter()
        .find(|(m, _)| *m == metric)
        .map_or("csat", |(_, k)| k);
    let lag = q
        .text("lag")
        .parse::<i32>()
        .ok()
        .filter(|l| (0..=3).contains(l))
        .unwrap_or(0);
    let quarter = q.text("period") == "quarter";
    let l = or_page!(
        &c,
        linkage_analysis(
            state,
            &s.principal,
            LinkageQuery {
                metric: Some(metric),
                period: Some(if quarter {
                    Period::Quarter
                } else {
                    Period::Month
                }),
                lag: Some(lag),
                ..LinkageQuery::default()
            },
            Purpose::Read,
        )
        .await
    );
    let svg = linkage_chart(&l, &chart_text(lang, &l));
    let at_risk: Vec<_> = l.quadrants.iter().filter(|x| x.at_risk).collect();
    html_response(
        StatusCode::OK,
        page(
            &c,
            t(lang, "Engagement and customer experience"),
            html! {
                h1 { (t(lang, "Engagement and customer experience")) }
                (filters(lang, &[metric != Metric::Csat, lag != 0, quarter], html! {
                    form.filters method="get" action="/hr/linkage" {
                        div.field {
                            label for="f-metric" { (t(lang, "Customer metric")) }
                            select id="f-metric" name="metric" {
                                @for (m, k) in METRICS { option value=(k) selected[m == metric] { (k.to_uppercase()) } }
                            }
                        }
                        div.field {
                            label for="f-lag" { (t(lang, "Customer scores taken this many periods later")) }
                            select id="f-lag" name="lag" {
                                @for v in 0..=3 { option value=(v) selected[v == lag] { (v) } }
                            }
                        }
                        div.field {
                            label for="f-period" { (t(lang, "Period")) }
                            select id="f-period" name="period" {
                                option value="month" selected[!quarter] { (t(lang, "Month")) }
                                option value="quarter" selected[quarter] { (t(lang, "Quarter")) }
                            }
                        }
                        button type="submit" { (t(lang, "Show")) }
                    }
                }))
                @if l.points.is_empty() {
                    // Nothing to draw: a warning, and no empty axes.
                    p.warning role="status" { (t(lang, EMPTY)) " " (t(lang, "Import customer ratings and close a survey round to see the link.")) }
                } @else {
                    @for w in &l.warnings { p.warning role="status" { (warning(lang, &l, w)) } }
                }
                h2 { (t(lang, "Correlation")) }
                @match &l.pearson {
                    Some(b) => p.sentence { (r_sentence(lang, metric_key, l.n, b)) },
                    None => p { (t(lang, "Too few points for a correlation.")) },
                }
                @if !l.points.is_empty() {
                    // The plot across the page; its numbers, one row a point, folded
                    // below it (beside it, a long table covered the plot).
                    figure.scatter { (PreEscaped(svg)) }
                    details.points {
                        summary { (t(lang, "Points of the plot")) " (" (l.points.len()) ")" }
                        (points_table(lang, &l))
                    }
                }
                h2 { (t(lang, "Lag sweep")) }
                @if let Some(sentence) = lag_sentence(lang, &l) { p.sentence { (sentence) } }
                div.table-wrap tabindex="0" { table {
                    caption { (t(lang, "Lag sweep")) }
                    thead { tr { th.num { (t(lang, "Lag")) } th.num { "n" } th.num { "r" } th.num { "p" } } }
                    tbody { @for x in &l.lags { tr {
                        td.num { (x.lag) } td.num { (x.n) }
                        td.num { (x.r.map(f2).unwrap_or_else(|| "—".into())) }
                        td.num { (x.p.map(|p| format!("{p:.3}")).unwrap_or_else(|| "—".into())) }
                    } } }
                } }
                h2 { (t(lang, "Within teams")) }
                @match &l.within_team {
                    Some(b) => p.sentence { (within_sentence(lang, b)) },
                    None => p { (t(lang, "Too few teams with several periods to compare each team with itself.")) },
                }
                h2 { (t(lang, "Teams at risk")) }
                p { (t(lang, "Teams below the median on both engagement and customer scores.")) }
                @if at_risk.is_empty() {
                    p { (t(lang, "No team is low on both.")) }
                } @else {
                    div.table-wrap tabindex="0" { table {
                        caption.visually-hidden { (t(lang, "Teams at risk")) }
                        thead { tr { th { (t(lang, "Team")) } th.num { (t(lang, "Engagement index")) } th.num { (metric_key.to_uppercase()) } } }
                        tbody { @for x in &at_risk { tr { th scope="row" { (x.team) } td.num { (format!("{:.1}", x.engagement)) } td.num { (format!("{:.1}", x.cx)) } } } }
                    } }
                }
            },
        ),
    )
}

fn points_table(lang: Language, l: &Linkage) -> Markup {
    html! {
        div.table-wrap tabindex="0" { table {
            caption { (t(lang, "Points of the plot")) }
            thead { tr { th { (t(lang, "Team")) } th { (t(lang, "Period")) } th.num { (t(lang, "Engagement index")) } th.num { (l.metric.as_str().to_uppercase()) } th.num { (t(lang, "Answers")) } th.num { (t(lang, "Ratings")) } } }
            tbody { @for p in &l.points { tr {
                th scope="row" { (p.team) } td { (p.period) }
                td.num { (format!("{:.1}", p.engagement)) } td.num { (format!("{:.1}", p.cx)) }
                td.num { (p.n_responses) } td.num { (p.n_ratings) }
            } } }
        } }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linkage::plot::{TITLE, X_LABEL};
    use crate::linkage::types::Point;

    fn point(team: &str) -> Point {
        Point {
            team_id: team.to_lowercase(),
            team: team.into(),
            period: "2026-03".into(),
            engagement: 50.0,
            cx: 60.0,
            n_responses: 5,
            n_ratings: 10,
            via_service_map: false,
        }
    }

    /// A month's CSAT analysis of `points` with no result yet.
    fn analysis(points: Vec<Point>) -> Linkage {
        Linkage {
            metric: Metric::Csat,
            period: Period::Month,
            lag: 0,
            n: i64::try_from(points.len()).unwrap_or(i64::MAX),
            points,
            pearson: None,
            spearman: None,
            regression: None,
            within_team: None,
            lags: vec![],
            quadrants: vec![],
            warnings: vec![],
        }
    }

    /// The analysis' warnings read in Russian on a Russian page; an unknown text stays.
    #[test]
    fn the_analysis_warnings_are_translated() {
        let l = analysis(vec![point("Sales"), point("Sales"), point("Ops")]);
        let ru = |w: &str| warning(Language::Ru, &l, w);
        assert_eq!(
            ru(
                "Only 3 team-periods have both engagement and CX: too few for a conclusion (at least 10 are needed)."
            ),
            "Точек (команда × период), где есть и вовлечённость, и клиентские оценки: 3 — для вывода мало (нужно не меньше 10)."
        );
        assert_eq!(
            ru(
                "The 95% confidence interval of r includes zero: the data are consistent with no relationship."
            ),
            "95% интервал r включает ноль: данные совместимы с отсутствием связи."
        );
        assert_eq!(
            ru("One team (Sales) supplies 2 of the 3 points and dominates the result."),
            "Одна команда (Sales) даёт 2 из 3 точек и определяет результат."
        );
        assert_eq!(ru("Something else."), "Something else.");
    }

    /// One team-period is one, not "1 team-periods", in the API and on the page.
    #[test]
    fn too_few_points_speak_of_one_in_the_singular() {
        let one = too_few_points(1);
        assert!(one.starts_with("Only 1 team-period has both"), "{one}");
        assert!(too_few_points(3).starts_with("Only 3 team-periods have both"));
        let l = analysis(vec![point("Sales")]);
        let en = warning(Language::En, &l, &one);
        assert!(
            en.starts_with("Only 1 team-period has both engagement and customer scores"),
            "{en}"
        );
        assert!(warning(Language::Ru, &l, &one).contains(": 1 — для вывода мало"));
    }

    /// The chart's texts live in the linkage module (the API draws them in English), so
    /// the page-source scan of `i18n` does not see them: each has a Russian entry.
    #[test]
    fn the_charts_texts_are_translated() {
        for en in [
            TITLE,
            X_LABEL,
            EMPTY,
            metric_label(Metric::Csat),
            metric_label(Metric::Nps),
            metric_label(Metric::Ces),
        ] {
            assert_ne!(t(Language::Ru, en), en, "no Russian for {en}");
        }
    }
}
