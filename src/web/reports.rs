//! Reports for managers (their subtrees) and HR (everything): closed rounds, one
//! round's report with drivers, child teams and the survey's trend, the comments, and
//! the heatmap. Each number comes from the reports service the API also calls, so the same
//! suppression applies and each read is audited. A suppressed group reads why it is
//! hidden — "fewer than k answers", or "hidden to protect a smaller group" when it has
//! enough answers but complementary suppression hides it — and is never drawn as a zero.

use maud::{Markup, html};
use poem::http::StatusCode;
use poem::web::Path;
use poem::{Request, Response, handler};

use crate::actions::service::list_actions;
use crate::actions::types::Filter;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::org::domain::Language;
use crate::reports::impact::round_impact;
use crate::reports::service::{Purpose, round_comments, round_report, survey_trend};
use crate::reports::types::{Group, HiddenReason, ParticipationCell};
use crate::state::AppState;
use crate::suggestions::service::frontline_insights;
use crate::suggestions::workflow::Touchpoint;
use crate::surveys::bank::SEEN_ACTION_KEY;
use crate::surveys::model::Cut;
use crate::surveys::store;
use crate::web::account::query;
use crate::web::actions::report_section;
use crate::web::charts;
use crate::web::i18n::{t, tf, tn};
use crate::web::layout::{Chrome, filters, page};
use crate::web::people::readable_team_options;
use crate::web::report_details as details;
use crate::web::respond::{error_page, html as html_response, titled_page};
use crate::web::session::Session;
use crate::web::signed::{Reader, Signed};
use crate::web::suggestions::{status_label, touchpoint_label};

/// The latest closed rounds with their survey titles.
pub(crate) async fn closed_rounds(
    state: &AppState,
) -> Result<Vec<(crate::surveys::model::RoundRow, String)>, ApiError> {
    state
        .db
        .read(|conn| store::closed_rounds(conn, crate::clock::now(), 50))
        .await
}

fn fewer(lang: Language, k: i64) -> String {
    tf(lang, "fewer than {k} answers", &[("k", &k.to_string())])
}

/// Why a suppressed group or cell is not shown, as the service says: "fewer than k
/// answers" only where that is true.
pub(crate) fn hidden_text(lang: Language, hidden: Option<HiddenReason>, k: i64) -> String {
    match hidden {
        Some(HiddenReason::ProtectsSmallerGroup) => {
            t(lang, "hidden to protect a smaller group").to_owned()
        }
        Some(HiddenReason::FewerThanMinGroup) | None => fewer(lang, k),
    }
}

/// The label of a suppressed bar or point in a chart: the one reason when all hidden
/// ones share it, else a plain "not shown" (each table row says its own reason).
fn chart_gap(
    lang: Language,
    reasons: impl Iterator<Item = Option<HiddenReason>>,
    k: i64,
) -> String {
    let reasons: Vec<Option<HiddenReason>> = reasons.collect();
    match reasons.first() {
        None => fewer(lang, k),
        Some(one) if reasons.iter().all(|r| r == one) => hidden_text(lang, *one, k),
        Some(_) => t(lang, "not shown").to_owned(),
    }
}

pub(crate) fn num(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.1}")).unwrap_or_default()
}

#[handler]
pub async fn index(Signed(state, s, _): Signed<'_, Reader>) -> Response {
    let c = s.chrome();
    let lang = c.lang;
    let rounds = or_page!(&c, closed_rounds(state).await);
    html_response(
        StatusCode::OK,
        page(
            &c,
            t(lang, "Reports"),
            html! {
                h1 { (t(lang, "Reports")) }
                p { (t(lang, "Scores are released when a round closes. Groups with too few answers are never shown.")) }
                @if rounds.is_empty() {
                    p { (t(lang, "No round has closed yet.")) }
                } @else {
                    div.table-wrap tabindex="0" { table {
                        caption.visually-hidden { (t(lang, "Closed rounds")) }
                        thead { tr { th { (t(lang, "Survey")) } th { (t(lang, "Round")) } th { (t(lang, "Closed")) } } }
                        tbody {
                            @for (r, title) in &rounds {
                                tr {
                                    td { a href={ "/reports/" (r.id) } { (title) } }
                                    td.num { "#" (r.sequence) }
                                    td { (c.when(r.closes_at)) }
                                }
                            }
                        }
                    } }
                }
                p { a href="/reports/insights" { (t(lang, "Frontline insights")) } }
                @if s.principal.is_hr_or_admin() {
                    p { a href="/hr/heatmap" { (t(lang, "Heatmap")) } }
                }
            },
        ),
    )
}

/// The team picker: every team the reader may read (HR and admins: all, after "Whole
/// organisation"; managers: their subtrees), indented by depth, with the team of the
/// report shown selected.
fn team_picker(
    c: &Chrome,
    s: &Session,
    round_id: &str,
    teams: &[(String, String)],
    current: Option<&str>,
    cuts: &[Cut],
    cut: Option<Cut>,
) -> Markup {
    let lang = c.lang;
    let hr = s.principal.is_hr_or_admin();
    html! {
        @if teams.len() > 1 || hr || !cuts.is_empty() {
            form.filters method="get" action={ "/reports/" (round_id) } {
                div.field {
                    label for="f-team" { (t(lang, "Team")) }
                    select id="f-team" name="team_id" {
                        @if hr {
                            option value="" selected[current.is_none()] { (t(lang, "Whole organisation")) }
                        }
                        @for (id, name) in teams {
                            option value=(id) selected[current == Some(id.as_str())] { (name) }
                        }
                    }
                }
                (details::cut_field(c, cuts, cut))
                button type="submit" { (t(lang, "Show")) }
            }
        }
    }
}

/// A group's label, a link to its own report where `link` (a child team's).
fn group_label(g: &Group, link: Option<&str>) -> Markup {
    html! {
        th scope="row" {
            @match (link, &g.team_id) {
                (Some(round), Some(team)) => a href={ "/reports/" (round) "?team_id=" (team) } { (g.label) },
                _ => (g.label),
            }
        }
    }
}

/// Why a suppressed group is not shown, while its round is open (invitees) or after.
fn suppressed_text(lang: Language, g: &Group, k: i64, released: bool) -> String {
    match (released, g.hidden) {
        (false, Some(HiddenReason::ProtectsSmallerGroup)) => {
            t(lang, "hidden to protect a smaller group").to_owned()
        }
        (false, _) => tf(lang, "fewer than {k} invitees", &[("k", &k.to_string())]),
        (true, h) => hidden_text(lang, h, k),
    }
}

/// Why a shown group's reachable count is withheld.
fn reachable_hidden(lang: Language, hidden: Option<HiddenReason>, k: i64) -> String {
    match hidden {
        Some(HiddenReason::ProtectsSmallerGroup) => {
            t(lang, "hidden to protect a smaller group").to_owned()
        }
        _ => tf(lang, "fewer than {k} reachable", &[("k", &k.to_string())]),
    }
}

fn percent(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}

/// The headline response rate: answered over reachable, or over invited (said so)
/// where the reachable count is withheld.
fn response_rate(lang: Language, p: &ParticipationCell) -> String {
    match (p.reachable, p.reachable_rate) {
        (Some(_), Some(r)) => percent(r),
        (Some(_), None) => "—".to_owned(),
        (None, _) => format!("{} {}", percent(p.rate), t(lang, "of invited")),
    }
}

/// A row of the summary, the key columns first (engagement index and eNPS stay in view
/// on a phone); a child team's label leads to that team's report (`link`).
fn group_row(lang: Language, g: &Group, k: i64, released: bool, link: Option<&str>) -> Markup {
    html! {
        tr {
            (group_label(g, link))
            @if g.suppressed {
                td.suppressed colspan="4" { (suppressed_text(lang, g, k, released)) }
            } @else {
                td.num { (num(g.engagement_index)) }
                td.num { (num(g.enps)) }
                td.num { (g.n.or(g.participation.as_ref().map(|p| p.answered)).map(|n| n.to_string()).unwrap_or_default()) }
                td.num { (g.participation.as_ref().map(|p| response_rate(lang, p)).unwrap_or_default()) }
            }
        }
    }
}

/// A row of the participation table: invited, reachable (who can sign in), answered,
/// and the rate over each.
fn participation_row(
    lang: Language,
    g: &Group,
    k: i64,
    released: bool,
    link: Option<&str>,
) -> Markup {
    html! {
        tr {
            (group_label(g, link))
            @match (&g.participation, g.suppressed) {
                (Some(p), false) => {
                    td.num { (p.invited) }
                    @match p.reachable {
                        Some(r) => td.num { (r) },
                        None => td.suppressed { (reachable_hidden(lang, p.reachable_hidden, k)) },
                    }
                    td.num { (p.answered) }
                    td.num { (p.reachable_rate.map(percent).unwrap_or_else(|| "—".to_owned())) }
                    td.num { (percent(p.rate)) }
                }
                (None, false) => td.suppressed colspan="5" { (t(lang, "not shown")) },
                _ => td.suppressed colspan="5" { (suppressed_text(lang, g, k, released)) },
            }
        }
    }
}

/// A part of the report read for its team — the trend, the comments or the driver
/// impact of `of` (`read`) — when `released`; otherwise, or when the part cannot be
/// read, the report goes without it.
async fn released_part<'a, T, Fut>(
    (state, principal, team): (&'a AppState, &'a Principal, &Option<String>),
    released: bool,
    of: &'a str,
    read: impl FnOnce(&'a AppState, &'a Principal, &'a str, Option<String>, Purpose) -> Fut,
) -> Option<T>
where
    Fut: Future<Output = Result<T, ApiError>>,
{
    if released {
        read(state, principal, of, team.clone(), Purpose::Read)
            .await
            .ok()
    } else {
        None
    }
}

#[handler]
pub async fn report(
    req: &Request,
    Path(id): Path<String>,
    Signed(state, s, _): Signed<'_, Reader>,
) -> Response {
    let c = s.chrome();
    let lang = c.lang;
    let q = query(req);
    let team = Some(q.text("team_id").to_owned()).filter(|t| !t.is_empty());
    let round_id = id.clone();
    let meta = state
        .db
        .read(move |conn| {
            let r = store::find_round(conn, &round_id)?.ok_or(ApiError::NotFound("round"))?;
            let sv = store::find_survey(conn, &r.survey_id)?.ok_or(ApiError::NotFound("survey"))?;
            let questions = store::questions(conn, &sv.id)?;
            Ok((r, sv, questions))
        })
        .await;
    let (round_row, survey, questions) = or_page!(&c, meta);
    let cuts = details::survey_cuts(&survey.cuts);
    let cut = details::chosen_cut(q.text("cut"), &cuts);
    let report =
        match round_report(state, &s.principal, &id, team.clone(), cut, Purpose::Read).await {
            Ok(r) => r,
            Err(ApiError::Validation { field, .. }) if field == "team_id" => {
                // A manager of several teams: show the first until they choose.
                let first = s.me.managed_teams.first().map(|t| t.id.clone());
                or_page!(
                    &c,
                    round_report(state, &s.principal, &id, first, cut, Purpose::Read).await
                )
            }
            Err(e) => return error_page(&c, &e),
        };
    let k = report.min_group;
    let teams = or_page!(&c, readable_team_options(state, &s.principal).await);
    let reading = (state, &s.principal, &report.team_id);
    let trend = released_part(reading, report.scores_released, &survey.id, survey_trend).await;
    let comments = released_part(reading, report.scores_released, &id, round_comments).await;
    // HR's team report also says how far the team is from the organisation.
    let org = match (
        &report.team_id,
        report.scores_released && s.principal.is_hr_or_admin(),
    ) {
        (Some(_), true) => round_report(state, &s.principal, &id, None, None, Purpose::Read)
            .await
            .ok(),
        _ => None,
    };
    let g = &report.group;
    // A team's report lists the team's actions (a reader of the report may read them),
    // with the released share who have seen action on the last pulse.
    let actions = match &report.team_id {
        Some(team) => list_actions(
            state,
            &s.principal,
            Filter {
                team: Some(team.clone()),
                organisation: false,
                status: None,
                owner: None,
                overdue: false,
            },
            20,
            0,
        )
        .await
        .ok(),
        None => None,
    };
    let seen = questions
        .iter()
        .find(|q| q.bank_item.as_deref() == Some(SEEN_ACTION_KEY))
        .and_then(|q| {
            g.questions
                .iter()
                .flatten()
                .find(|c| c.question_id == q.id && !c.suppressed)
        })
        .and_then(|c| c.favorable);
    let impact = released_part(
        reading,
        report.scores_released && !g.suppressed,
        &id,
        round_impact,
    )
    .await;
    let lang_s = lang.as_str();
    let driver_rows: Vec<(String, Option<f64>)> = g
        .drivers
        .iter()
        .flatten()
        .map(|d| {
            (
                d.driver.label(lang_s).to_owned(),
                if d.suppressed { None } else { d.favorable },
            )
        })
        .collect();
    let title = format!("{} — #{}", survey.title, round_row.sequence);
    titled_page(
        &c,
        &title,
        html! {
            p.meta { (t(lang, "Closed")) ": " (c.when(round_row.closes_at)) " · k = " (k) }
            (team_picker(&c, &s, &id, &teams, report.team_id.as_deref(), &cuts, cut))
            @if !report.scores_released {
                p.notice { (t(lang, "This round is still open: scores are released when it closes. Only participation is shown.")) }
            }
            h2 { (g.label) }
            (details::headline(lang, g, &id, trend.as_ref(), org.as_ref().map(|o| &o.group)))
            p.hint { (tf(lang, "A group marked \"fewer than {k} answers\" is not shown. A larger group may be hidden too, marked \"hidden to protect a smaller group\", so that a small one cannot be worked out by subtraction.", &[("k", &k.to_string())])) }
            div.table-wrap tabindex="0" { table.key-first {
                caption { (t(lang, "Summary")) }
                thead { tr {
                    th { (t(lang, "Group")) } th.num { (t(lang, "Engagement index")) } th.num { "eNPS" }
                    th.num { (t(lang, "Answers")) } th.num { (t(lang, "Response rate")) }
                } }
                tbody {
                    (group_row(lang, g, k, report.scores_released, None))
                    @for child in &report.children { (group_row(lang, child, k, report.scores_released, Some(&id))) }
                }
            } }
            @if let (Some(cut), true) = (cut, report.scores_released) {
                h2 { (details::cut_label(lang, cut)) }
                div.table-wrap tabindex="0" { table.key-first #segments {
                    caption.visually-hidden { (details::cut_label(lang, cut)) }
                    thead { tr {
                        th { (details::cut_label(lang, cut)) } th.num { (t(lang, "Engagement index")) } th.num { "eNPS" }
                        th.num { (t(lang, "Answers")) } th.num { (t(lang, "Response rate")) }
                    } }
                    tbody {
                        @for seg in &report.segments { (group_row(lang, seg, k, true, None)) }
                    }
                } }
            }
            (details::csv_link(&c, &id, report.team_id.as_deref(), cut))
            h2 { (t(lang, "Participation")) }
            p.hint { (t(lang, "Response rate: answered out of the reachable invitees, those who can sign in (their account is activated). People who never activated their account cannot answer; the rate over everyone invited is shown last.")) }
            div.table-wrap tabindex="0" { table.key-first #participation {
                caption.visually-hidden { (t(lang, "Participation")) }
                thead { tr {
                    th { (t(lang, "Group")) } th.num { (t(lang, "Invited")) } th.num { (t(lang, "Reachable")) }
                    th.num { (t(lang, "Answered")) } th.num { (t(lang, "Response rate")) } th.num { (t(lang, "Of invited")) }
                } }
                tbody {
                    (participation_row(lang, g, k, report.scores_released, None))
                    @for child in &report.children { (participation_row(lang, child, k, report.scores_released, Some(&id))) }
                }
            } }
            @if report.scores_released && !g.suppressed {
                h2 { (t(lang, "Drivers")) }
                p.hint { (t(lang, "Share of favourable answers (4 or 5), per driver.")) }
                div.chart-pair {
                    (charts::bars("drivers", t(lang, "Drivers"), &driver_rows, 100.0,
                        &chart_gap(lang, g.drivers.iter().flatten().filter(|d| d.suppressed).map(|d| d.hidden), k)))
                    div.table-wrap tabindex="0" { table {
                        caption { (t(lang, "Drivers")) }
                        thead { tr { th { (t(lang, "Driver")) } th.num { (t(lang, "Answers")) } th.num { (t(lang, "Mean")) } th.num { (t(lang, "Favourable %")) } } }
                        tbody {
                            @for d in g.drivers.iter().flatten() {
                                tr {
                                    th scope="row" { (d.driver.label(lang_s)) }
                                    @if d.suppressed {
                                        td.suppressed colspan="3" { (hidden_text(lang, d.hidden, k)) }
                                    } @else {
                                        td.num { (d.n.map(|n| n.to_string()).unwrap_or_default()) }
                                        td.num { (d.mean.map(|m| format!("{m:.1}")).unwrap_or_default()) }
                                        td.num { (num(d.favorable)) }
                                    }
                                }
                            }
                        }
                    } }
                }
            }
            @if let Some(i) = &impact { (crate::web::impact::section(lang, i)) }
            @if let Some(page) = &actions {
                (report_section(lang, &page.items, if report.scores_released { seen } else { None }))
            }
            @if report.scores_released && !g.suppressed {
                (details::questions_section(lang, g, &questions, k))
            }
            @if let Some(trend) = &trend {
                h2 { (t(lang, "Trend")) }
                @let pts: Vec<(String, Option<f64>)> = trend.points.iter()
                    .map(|p| (format!("#{}", p.sequence), if p.suppressed { None } else { p.engagement_index }))
                    .collect();
                div.chart-pair {
                    @if pts.iter().any(|(_, v)| v.is_some()) {
                        (charts::line("trend", t(lang, "Engagement index by round"), &pts, 0.0, 100.0,
                            &chart_gap(lang, trend.points.iter().filter(|p| p.suppressed).map(|p| p.hidden), k)))
                    }
                    div.table-wrap tabindex="0" { table {
                        caption { (t(lang, "Engagement index by round")) }
                        thead { tr { th { (t(lang, "Round")) } th.num { (t(lang, "Answers")) } th.num { (t(lang, "Engagement index")) } th.num { "eNPS" } } }
                        tbody {
                            @for p in &trend.points {
                                tr {
                                    th scope="row" { "#" (p.sequence) }
                                    @if p.suppressed {
                                        td.suppressed colspan="3" { (hidden_text(lang, p.hidden, k)) }
                                    } @else {
                                        td.num { (p.n.map(|n| n.to_string()).unwrap_or_default()) }
                                        td.num { (num(p.engagement_index)) }
                                        td.num { (num(p.enps)) }
                                    }
                                }
                            }
                        }
                    } }
                }
            }
            @if let Some(cm) = &comments {
                h2 { (t(lang, "Comments")) }
                @if cm.comments.is_empty() {
                    p { (tf(lang, "Comments are shown only for groups with at least {n} of them.", &[("n", &cm.min_comments.to_string())])) }
                } @else {
                    @if !cm.themes.is_empty() {
                        h3 { (t(lang, "What the comments are about")) }
                        ul #comment-themes {
                            @for th in &cm.themes {
                                li { strong { (th.label) } " — " (tn(lang, "{n} comment", "{n} comments", u64::try_from(th.comments).unwrap_or(0), &[])) }
                            }
                        }
                    }
                    ul { @for x in &cm.comments { li {
                        (x.text)
                        @if let Some(id) = &x.conversation_id {
                            " " a.reply href={ "/comment-threads/" (id) } { (t(lang, "Reply to the author")) }
                        }
                    } } }
                }
            }
        },
    )
}

#[handler]
pub async fn insights(req: &Request, Signed(state, s, _): Signed<'_, Reader>) -> Response {
    let c = s.chrome();
    let lang = c.lang;
    let q = query(req);
    let team = Some(q.text("team_id").to_owned())
        .filter(|t| !t.is_empty())
        .or_else(|| {
            (!s.principal.is_hr_or_admin())
                .then(|| s.me.managed_teams.first().map(|t| t.id.clone()))
                .flatten()
        });
    let ins = or_page!(
        &c,
        frontline_insights(state, &s.principal, team.clone(), None, None).await
    );
    let touch: Vec<(String, Option<f64>)> = ins
        .touchpoints
        .iter()
        .map(|x| {
            let label = Touchpoint::ALL
                .into_iter()
                .find(|tp| tp.as_str() == x.key)
                .map_or(x.key.as_str(), |tp| touchpoint_label(lang, tp));
            (label.to_owned(), Some(x.count as f64))
        })
        .collect();
    let max = touch.iter().filter_map(|(_, v)| *v).fold(1.0_f64, f64::max);
    let lc = &ins.loop_closure;
    html_response(
        StatusCode::OK,
        page(
            &c,
            t(lang, "Frontline insights"),
            html! {
                h1 { (t(lang, "Frontline insights")) }
                p.meta { (ins.from) " – " (ins.to) " · " (tn(lang, "{n} suggestion", "{n} suggestions", ins.total as u64, &[])) }
                (filters(lang, &[team.is_some()], html! {
                    form.filters method="get" action="/reports/insights" {
                        div.field {
                            label for="f-team" { (t(lang, "Team")) }
                            select id="f-team" name="team_id" {
                                @if s.principal.is_hr_or_admin() {
                                    option value="" { (t(lang, "Whole organisation")) }
                                }
                                @for tm in &s.me.managed_teams {
                                    option value=(tm.id) selected[team.as_deref() == Some(tm.id.as_str())] { (tm.name) }
                                }
                            }
                        }
                        button type="submit" { (t(lang, "Show")) }
                    }
                }))
                h2 { (t(lang, "Closing the loop")) }
                div.table-wrap tabindex="0" { table {
                    caption.visually-hidden { (t(lang, "Closing the loop")) }
                    tbody {
                        tr { th scope="row" { (t(lang, "Answered within 7 days")) } td.num { (lc.answered_within_7_days.map(|v| format!("{:.0}%", v * 100.0)).unwrap_or_else(|| "—".into())) } }
                        tr { th scope="row" { (t(lang, "Median days to the first reply")) } td.num { (lc.median_days_to_first_reply.map(|v| format!("{v:.1}")).unwrap_or_else(|| "—".into())) } }
                        tr { th scope="row" { (t(lang, "Waiting over 14 days")) } td.num { (lc.waiting_over_14_days) } }
                    }
                } }
                h2 { (t(lang, "Themes")) }
                @if ins.themes.is_empty() {
                    p { (t(lang, "No themes in this period.")) }
                } @else {
                    div.table-wrap tabindex="0" { table {
                        caption.visually-hidden { (t(lang, "Themes")) }
                        thead { tr { th { (t(lang, "Theme")) } th.num { (t(lang, "Suggestions")) } th.num { (t(lang, "Change on the previous period")) } } }
                        tbody { @for th_ in &ins.themes { tr { td { (th_.label) } td.num { (th_.count) } td.num { (format!("{:+}", th_.trend)) } } } }
                    } }
                }
                h2 { (t(lang, "Touchpoints")) }
                div.chart-pair {
                    (charts::bars("touch", t(lang, "Touchpoints"), &touch, max, ""))
                    div.table-wrap tabindex="0" { table {
                        caption { (t(lang, "Touchpoints")) }
                        tbody { @for (label, v) in &touch { tr { th scope="row" { (label) } td.num { (v.unwrap_or_default()) } } } }
                    } }
                }
                h2 { (t(lang, "Top voted")) }
                ol { @for tv in &ins.top_voted {
                    li { a href={ "/suggestions/" (tv.id) } { (tv.title) } " · " (tn(lang, "{n} vote", "{n} votes", tv.votes as u64, &[])) " · " (status_label(lang, tv.status)) }
                } }
            },
        ),
    )
}
