//! The detail sections of a round's report page: the survey's cuts (the chosen cut's
//! values as rows, each under the same suppression as a team), the results per question
//! (a 1–5 item's answers per point, a 0–10 item split into detractors, passives and
//! promoters, a choice question's counts per option) and the CSV download of what the
//! page shows. The numbers are the report service's, as on the rest of the page.

use maud::{Markup, html};
use poem::http::{StatusCode, header};
use poem::web::Path;
use poem::{Request, Response, handler};

use crate::reports::csv;
use crate::reports::service::{Purpose, round_report};
use crate::reports::types::{Bucket, DistributionWithheld, Group, QuestionCell, Report};
use crate::surveys::model::{Cut, QuestionRow};
use crate::web::account::query;
use crate::web::i18n::{t, tf};
use crate::web::layout::Chrome;
use crate::web::respond::error_page;
use crate::web::signed::{Reader, Signed};

/// The cuts a survey collects, from its stored list.
pub fn survey_cuts(stored: &str) -> Vec<Cut> {
    stored
        .split(',')
        .filter_map(|c| match c.trim() {
            "location" => Some(Cut::Location),
            "job_family" => Some(Cut::JobFamily),
            "tenure" => Some(Cut::Tenure),
            _ => None,
        })
        .collect()
}

/// The cut named in a page's query, if the survey collects it.
pub fn chosen_cut(requested: &str, cuts: &[Cut]) -> Option<Cut> {
    cuts.iter().copied().find(|c| c.as_str() == requested)
}

pub fn cut_label(lang: crate::org::domain::Language, cut: Cut) -> &'static str {
    match cut {
        Cut::Location => t(lang, "Location"),
        Cut::JobFamily => t(lang, "Job family"),
        Cut::Tenure => t(lang, "Length of service"),
    }
}

/// The cut select of the report's filter form (nothing when the survey collects none).
pub fn cut_field(c: &Chrome, cuts: &[Cut], chosen: Option<Cut>) -> Markup {
    let lang = c.lang;
    html! {
        @if !cuts.is_empty() {
            div.field {
                label for="f-cut" { (t(lang, "Break down by")) }
                select id="f-cut" name="cut" {
                    option value="" selected[chosen.is_none()] { (t(lang, "No breakdown")) }
                    @for cut in cuts {
                        option value=(cut.as_str()) selected[chosen == Some(*cut)] { (cut_label(lang, *cut)) }
                    }
                }
            }
        }
    }
}

/// The link to the CSV of the report as shown (team and cut kept).
pub fn csv_link(c: &Chrome, round_id: &str, team: Option<&str>, cut: Option<Cut>) -> Markup {
    let mut href = format!("/reports/{round_id}/report.csv");
    let mut sep = '?';
    if let Some(team) = team {
        href.push_str(&format!("{sep}team_id={team}"));
        sep = '&';
    }
    if let Some(cut) = cut {
        href.push_str(&format!("{sep}cut={}", cut.as_str()));
    }
    html! {
        p { a.button href=(href) download { (t(c.lang, "Download CSV")) } }
    }
}

fn count_of(buckets: &[Bucket], range: std::ops::RangeInclusive<u32>) -> i64 {
    buckets
        .iter()
        .filter(|b| b.label.parse::<u32>().is_ok_and(|v| range.contains(&v)))
        .map(|b| b.count)
        .sum()
}

/// A shown question's answers per option, or why they are withheld.
fn distribution(
    lang: crate::org::domain::Language,
    question: &QuestionRow,
    q: &QuestionCell,
    k: i64,
) -> Markup {
    // A choice's counts are named by its English options (the values answers store);
    // the page names them as its reader's language does.
    let values = question.options_list();
    let labels = question.option_labels(lang.as_str());
    let label = |value: &str| -> String {
        values
            .iter()
            .position(|v| v == value)
            .and_then(|i| labels.get(i))
            .cloned()
            .unwrap_or_else(|| value.to_owned())
    };
    match (&q.distribution, q.distribution_withheld) {
        (Some(b), _) if question.kind == "scale11" => html! {
            (t(lang, "Detractors (0–6)")) ": " (count_of(b, 0..=6)) " · "
            (t(lang, "Passives (7–8)")) ": " (count_of(b, 7..=8)) " · "
            (t(lang, "Promoters (9–10)")) ": " (count_of(b, 9..=10))
        },
        (Some(b), _) => html! {
            @for (i, bucket) in b.iter().enumerate() {
                @if i > 0 { " · " }
                (label(&bucket.label)) ": " (bucket.count)
            }
        },
        (None, Some(DistributionWithheld::ProtectsSmallerGroup)) => html! {
            span.suppressed { (t(lang, "hidden to protect a smaller group")) }
        },
        (None, Some(DistributionWithheld::FewerThanTwiceMinGroup)) => html! {
            span.suppressed { (tf(lang, "shown from {n} answers", &[("n", &(2 * k).to_string())])) }
        },
        (None, None) => html! {},
    }
}

fn one_decimal(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.1}")).unwrap_or_default()
}

/// Results per question of a shown group, in the survey's order; text questions are
/// the comments below.
pub fn questions_section(
    lang: crate::org::domain::Language,
    g: &Group,
    questions: &[QuestionRow],
    k: i64,
) -> Markup {
    let cells = g.questions.as_deref().unwrap_or_default();
    let rows: Vec<(&QuestionRow, &QuestionCell)> = questions
        .iter()
        .filter(|q| q.kind != "text")
        .filter_map(|q| cells.iter().find(|c| c.question_id == q.id).map(|c| (q, c)))
        .collect();
    html! {
        @if !rows.is_empty() {
            h2 { (t(lang, "Results per question")) }
            p.hint { (tf(lang, "Counts per answer are shown for groups of at least {n} answers to the question.", &[("n", &(2 * k).to_string())])) }
            div.table-wrap tabindex="0" { table.key-first #questions {
                caption.visually-hidden { (t(lang, "Results per question")) }
                thead { tr {
                    th { (t(lang, "Question")) } th.num { (t(lang, "Answers")) } th.num { (t(lang, "Mean")) }
                    th.num { (t(lang, "Favourable %")) } th { (t(lang, "Answers per option")) }
                } }
                tbody {
                    @for (q, cell) in &rows {
                        tr {
                            th scope="row" { (q.text(lang.as_str())) }
                            @if cell.suppressed {
                                td.suppressed colspan="4" { (t(lang, "not shown")) }
                            } @else {
                                td.num { (cell.n.map(|n| n.to_string()).unwrap_or_default()) }
                                td.num { (one_decimal(cell.mean)) }
                                td.num { (one_decimal(cell.favorable)) }
                                td { (distribution(lang, q, cell, k)) }
                            }
                        }
                    }
                }
            } }
        }
    }
}

/// `GET /reports/{id}/report.csv`: the report as the page shows it (team and cut from
/// the query), as a download; its reads are audited as an export.
#[handler]
pub async fn report_csv(
    req: &Request,
    Path(id): Path<String>,
    Signed(state, s, _): Signed<'_, Reader>,
) -> Response {
    let c = s.chrome();
    let q = query(req);
    let team = Some(q.text("team_id").to_owned()).filter(|t| !t.is_empty());
    let cut = match q.text("cut") {
        "" => None,
        "location" => Some(Cut::Location),
        "job_family" => Some(Cut::JobFamily),
        "tenure" => Some(Cut::Tenure),
        _ => {
            return error_page(
                &c,
                &crate::error::ApiError::invalid("cut", "this survey does not collect that cut"),
            );
        }
    };
    let report: Report =
        match round_report(state, &s.principal, &id, team, cut, Purpose::Export).await {
            Ok(r) => r,
            Err(e) => return error_page(&c, &e),
        };
    let name = format!("pulseline-report-{}.csv", report.round_id);
    Response::builder()
        .status(StatusCode::OK)
        .content_type("text/csv; charset=utf-8")
        .header(
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        )
        .body(csv::report(&report))
}

fn signed(x: f64) -> String {
    if x > 0.0 {
        format!("+{x:.1}")
    } else if x < 0.0 {
        format!("−{:.1}", -x)
    } else {
        "±0.0".to_owned()
    }
}

/// The group's engagement index with its change since the previous round of the survey
/// whose index was released for the same group (from the trend), and its gap to the
/// organisation's (`org`: the whole organisation's group, when the reader may read it
/// and the report is of a team). Nothing when the group's index is not shown.
pub fn headline(
    lang: crate::org::domain::Language,
    g: &Group,
    round_id: &str,
    trend: Option<&crate::reports::types::Trend>,
    org: Option<&Group>,
) -> Markup {
    let Some(index) = g.engagement_index.filter(|_| !g.suppressed) else {
        return html! {};
    };
    let previous = trend.and_then(|tr| {
        let at = tr.points.iter().position(|p| p.round_id == round_id)?;
        tr.points[..at]
            .iter()
            .rev()
            .find_map(|p| p.engagement_index.filter(|_| !p.suppressed).map(|v| (p, v)))
    });
    let gap = org
        .filter(|o| !o.suppressed)
        .and_then(|o| o.engagement_index);
    html! {
        p.headline #headline {
            (t(lang, "Engagement index")) ": " strong { (format!("{index:.1}")) }
            @if let Some((p, v)) = previous {
                " · " (tf(lang, "{change} since #{round}", &[("change", &signed(index - v)), ("round", &p.sequence.to_string())]))
            }
            @if let Some(o) = gap {
                " · " (tf(lang, "{gap} against the organisation", &[("gap", &signed(index - o))]))
            }
        }
    }
}
