//! The start page (`/`): each role lands on what matters to it. Everyone sees their open
//! pulses; a manager sees the latest released results of each team they manage; HR and
//! admins see the organisation's open rounds (how many were invited) and the latest
//! results of the whole organisation; everyone sees what is being done about their
//! team's feedback (its actions and the organisation's). Every number comes from the reports service, so
//! the same suppression applies and each read is audited like any report read.

use maud::{Markup, html};
use poem::http::StatusCode;
use poem::{Response, handler};

use crate::actions::service::team_actions;
use crate::clock::now;
use crate::error::ApiError;
use crate::org::domain::Language;
use crate::reports::service::{Purpose, round_report};
use crate::reports::types::{HiddenReason, Report};
use crate::state::AppState;
use crate::surveys::model::RoundRow;
use crate::surveys::service::my_pulses;
use crate::surveys::store;
use crate::web::actions::feedback_section;
use crate::web::i18n::{t, tf};
use crate::web::layout::page;
use crate::web::pulses::pulse_cards;
use crate::web::respond::html as html_response;
use crate::web::session::Session;
use crate::web::signed::Signed;

/// How many of the latest closed rounds are tried for a team's latest results.
const ROUNDS_TRIED: usize = 5;

fn one_decimal(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.1}"))
        .unwrap_or_else(|| "—".to_owned())
}

/// The latest closed round whose report `team` (None: the organisation) has released
/// scores for, with that report.
async fn latest_results(
    state: &AppState,
    s: &Session,
    closed: &[(RoundRow, String)],
    team: Option<&str>,
) -> Option<(RoundRow, String, Report)> {
    for (round, title) in closed.iter().take(ROUNDS_TRIED) {
        let r = round_report(
            state,
            &s.principal,
            &round.id,
            team.map(str::to_owned),
            None,
            Purpose::Read,
        )
        .await;
        if let Ok(report) = r
            && report.scores_released
        {
            return Some((round.clone(), title.clone(), report));
        }
    }
    None
}

/// One line of results: the group's engagement index and eNPS, or why they are hidden.
fn results_line(lang: Language, report: &Report) -> Markup {
    let g = &report.group;
    let k = report.min_group.to_string();
    html! {
        @if g.suppressed {
            span.suppressed { @match g.hidden {
                Some(HiddenReason::ProtectsSmallerGroup) => (t(lang, "hidden to protect a smaller group")),
                _ => (tf(lang, "fewer than {k} answers", &[("k", &k)])),
            } }
        } @else {
            (t(lang, "Engagement index")) ": " strong { (one_decimal(g.engagement_index)) }
            " · eNPS: " strong { (one_decimal(g.enps)) }
            " · " (t(lang, "Answers")) ": " (g.n.map(|n| n.to_string()).unwrap_or_default())
        }
    }
}

#[handler]
pub async fn index(Signed(state, s, _): Signed<'_>) -> Response {
    let c = s.chrome();
    let lang = c.lang;
    let pulses = or_page!(&c, my_pulses(state, &s.principal.id).await);
    let hr = s.principal.is_hr_or_admin();
    let reads_reports = hr || s.is_manager();
    let at = now();
    let (open, closed) = if reads_reports {
        or_page!(
            &c,
            state
                .db
                .read(move |conn| Ok::<_, ApiError>((
                    store::open_rounds(conn, at, 20)?,
                    store::closed_rounds(conn, at, ROUNDS_TRIED as i64)?,
                )))
                .await
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let mut invited = Vec::new();
    if hr {
        for (round, title) in &open {
            let id = round.id.clone();
            let n = or_page!(
                &c,
                state
                    .db
                    .read(move |conn| store::invited_count(conn, &id))
                    .await
            );
            invited.push((round.clone(), title.clone(), n));
        }
    }
    let org_results = if hr {
        latest_results(state, &s, &closed, None).await
    } else {
        None
    };
    let mut team_results = Vec::new();
    for team in &s.me.managed_teams {
        let r = latest_results(state, &s, &closed, Some(&team.id)).await;
        team_results.push((team.clone(), r));
    }
    // What is being done about the feedback of the person's team and the organisation.
    let done = or_page!(&c, team_actions(state, &s.principal).await);
    let title = t(lang, "Home");
    html_response(
        StatusCode::OK,
        page(
            &c,
            title,
            html! {
                h1 { (tf(lang, "Hello, {name}", &[("name", &s.me.name)])) }
                section aria-labelledby="home-pulses" {
                    h2 #home-pulses { (t(lang, "My pulses")) }
                    (pulse_cards(lang, &pulses, |p| html! {
                        h3 { (p.title) }
                        p.meta { (tf(lang, "Open until {date}", &[("date", &c.when(p.closes_at))])) }
                        a.button href={ "/pulses/" (p.round_id) } { (t(lang, "Answer")) }
                    }))
                }
                (feedback_section(lang, &done))
                @if hr {
                    section aria-labelledby="home-open" {
                        h2 #home-open { (t(lang, "Open rounds")) }
                        @if invited.is_empty() {
                            p { (t(lang, "No round is open.")) " " a href="/hr/surveys" { (t(lang, "Surveys")) } }
                        } @else {
                            div.table-wrap tabindex="0" { table.key-first {
                                caption.visually-hidden { (t(lang, "Open rounds")) }
                                thead { tr { th { (t(lang, "Survey")) } th { (t(lang, "Closes")) } th.num { (t(lang, "Invited")) } } }
                                tbody {
                                    @for (round, title, n) in &invited {
                                        tr {
                                            th scope="row" { a href={ "/hr/surveys/" (round.survey_id) } { (title) " — #" (round.sequence) } }
                                            td { (c.when(round.closes_at)) }
                                            td.num { (n) }
                                        }
                                    }
                                }
                            } }
                        }
                    }
                    section aria-labelledby="home-org" {
                        h2 #home-org { (t(lang, "Latest results of the organisation")) }
                        @match &org_results {
                            Some((round, title, report)) => {
                                p { a href={ "/reports/" (round.id) } { (title) " — #" (round.sequence) } }
                                p { (results_line(lang, report)) }
                            }
                            None => p { (t(lang, "No results released yet.")) },
                        }
                    }
                }
                @if !team_results.is_empty() {
                    section aria-labelledby="home-teams" {
                        h2 #home-teams { (t(lang, "My teams")) }
                        ul.cards {
                            @for (team, r) in &team_results {
                                li.card {
                                    h3 { (team.name) }
                                    @match r {
                                        Some((round, title, report)) => {
                                            p.meta { a href={ "/reports/" (round.id) "?team_id=" (team.id) } { (title) " — #" (round.sequence) } }
                                            p { (results_line(lang, report)) }
                                        }
                                        None => p { (t(lang, "No results released yet.")) },
                                    }
                                }
                            }
                        }
                        p {
                            a href="/reports/insights" { (t(lang, "Frontline insights")) }
                            " · " a href="/actions" { (t(lang, "Actions")) }
                        }
                        @if !open.is_empty() {
                            p id="home-kiosk" {
                                (t(lang, "Kiosk codes for people without e-mail or phone")) ": "
                                @for (i, (round, title)) in open.iter().enumerate() {
                                    @if i > 0 { ", " }
                                    a href={ "/rounds/" (round.id) "/kiosk" } { (title) " — #" (round.sequence) }
                                }
                            }
                        }
                    }
                }
            },
        ),
    )
}
