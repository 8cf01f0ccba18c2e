//! HR pages for surveys: the list, one survey with its rounds and live participation,
//! opening and closing rounds, archiving; the create/edit form is `survey_form.rs`.
//! Every action is a function of `surveys::service`, which checks the HR role again; a
//! person without it gets the 403 page.

use maud::html;
use poem::http::StatusCode;
use poem::web::Path;
use poem::{Request, Response, handler};

use crate::org::domain::Language;
use crate::surveys::opening;
use crate::surveys::schedule::Cadence;
use crate::surveys::service::{
    archive_survey, close_round_now, get_survey, list_rounds, list_surveys, open_round_now,
    round_participation,
};
use crate::surveys::types::{RoundMessages, RoundStatus};
use crate::web::account::query;
use crate::web::i18n::{t, tf, tn};
use crate::web::layout::{csrf_field, page};
use crate::web::once::{Done, at_most_once};
use crate::web::pulses::pulse_preview;
use crate::web::respond::{
    done_or_page, error_page, html as html_response, see_other, titled_page,
};
use crate::web::rounds::overlap_list;
use crate::web::signed::{Hr, Posted, Signed};

#[handler]
pub async fn surveys(req: &Request, Signed(state, s, _): Signed<'_, Hr>) -> Response {
    let c = s.chrome();
    let lang = c.lang;
    let with_archived = query(req).get("archived").is_some();
    let list = or_page!(
        &c,
        list_surveys(state, &s.principal, 200, 0, with_archived).await
    );
    html_response(
        StatusCode::OK,
        page(
            &c,
            t(lang, "Surveys"),
            html! {
                h1 { (t(lang, "Surveys")) }
                p {
                    a.button href="/hr/surveys/new" { (t(lang, "New survey")) }
                    " "
                    @if with_archived {
                        a href="/hr/surveys" { (t(lang, "Hide archived surveys")) }
                    } @else {
                        a href="/hr/surveys?archived=1" { (t(lang, "Show archived surveys too")) }
                    }
                }
                @if list.items.is_empty() {
                    p { (t(lang, "No surveys yet.")) }
                } @else {
                    div.table-wrap tabindex="0" { table {
                        caption.visually-hidden { (t(lang, "Surveys")) }
                        thead { tr {
                            th { (t(lang, "Title")) } th { (t(lang, "Cadence")) } th { (t(lang, "Starts")) }
                            th.num { (t(lang, "Questions")) } th.num { "k" }
                        } }
                        tbody {
                            @for sv in &list.items {
                                tr {
                                    td {
                                        a href={ "/hr/surveys/" (sv.id) } { (sv.title) }
                                        @if sv.archived { " " span.badge { (t(lang, "archived")) } }
                                    }
                                    td { (cadence_label(lang, sv.schedule.cadence)) }
                                    td { (sv.schedule.starts_on) }
                                    td.num { (sv.questions.len()) }
                                    td.num { (sv.min_group) }
                                }
                            }
                        }
                    } }
                }
            },
        ),
    )
}

pub fn cadence_label(lang: Language, c: Cadence) -> &'static str {
    t(
        lang,
        match c {
            Cadence::Once => "Once",
            Cadence::Weekly => "Weekly",
            Cadence::Biweekly => "Every two weeks",
            Cadence::Monthly => "Monthly",
            Cadence::Quarterly => "Quarterly",
        },
    )
}

/// The survey's pulse as an employee will see it, in English or Russian (`?lang=`).
#[handler]
pub async fn preview(
    req: &Request,
    Path(id): Path<String>,
    Signed(state, s, _): Signed<'_, Hr>,
) -> Response {
    let c = s.chrome();
    let lang = c.lang;
    let shown_in = match query(req).get("lang") {
        Some("ru") => Language::Ru,
        Some("en") => Language::En,
        _ => lang,
    };
    let p = or_page!(
        &c,
        opening::preview(state, &s.principal, &id, shown_in).await
    );
    let title = tf(lang, "Preview: {title}", &[("title", &p.title)]);
    let here = format!("/hr/surveys/{id}/preview");
    titled_page(
        &c,
        &title,
        html! {
            p.notice role="note" { (t(lang, "This is the pulse as the people invited will see it on their phone or computer. The answers given here are not sent.")) }
            nav.preview-languages aria-label=(t(lang, "Language of the preview")) {
                @for (code, name) in [("en", "English"), ("ru", "Русский")] {
                    @if code == shown_in.as_str() {
                        strong aria-current="true" { (name) }
                    } @else {
                        a href={ (here) "?lang=" (code) } lang=(code) { (name) }
                    }
                    " "
                }
            }
            (pulse_preview(shown_in, c.tz, &p))
            p { a href={ "/hr/surveys/" (id) } { (t(lang, "Back to the survey")) } }
        },
    )
}

#[handler]
pub async fn archive(Path(id): Path<String>, Posted(state, s, _, _): Posted<'_>) -> Response {
    let outcome = archive_survey(state, &s.principal, id.clone()).await;
    done_or_page(&s.chrome(), outcome, |_| format!("/hr/surveys/{id}"))
}

#[handler]
pub async fn survey(
    req: &Request,
    Path(id): Path<String>,
    Signed(state, s, _): Signed<'_, Hr>,
) -> Response {
    let c = s.chrome();
    let lang = c.lang;
    let (sv, rounds, next) = match (
        get_survey(state, &s.principal, &id).await,
        list_rounds(state, &s.principal, &id).await,
        opening::next_round(state, &s.principal, &id).await,
    ) {
        (Ok(a), Ok(b), Ok(n)) => (a, b, n),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return error_page(&c, &e),
    };
    let open = rounds.iter().find(|r| r.status == RoundStatus::Open);
    // The open round's live figures; a closed round keeps its own, shown when picked
    // (the latest closed one when none is open and none is picked).
    let picked = query(req).get("round").map(str::to_owned);
    let shown = picked
        .as_deref()
        .and_then(|p| rounds.iter().find(|r| r.id == p))
        .or(open)
        .or_else(|| {
            rounds
                .iter()
                .rev()
                .find(|r| r.status == RoundStatus::Closed)
        });
    let participation = match shown {
        Some(r) if r.status != RoundStatus::Scheduled => {
            round_participation(state, &s.principal, &r.id)
                .await
                .ok()
                .map(|p| (r, p))
        }
        _ => None,
    };
    html_response(
        StatusCode::OK,
        page(
            &c,
            &sv.title,
            html! {
                h1 { (sv.title) }
                p.meta {
                    (cadence_label(lang, sv.schedule.cadence)) " · " (sv.schedule.starts_on)
                    " · k = " (sv.min_group) " · " (tn(lang, "{n} question", "{n} questions", sv.questions.len() as u64, &[]))
                    " · " (tn(lang, "{n} reminder per round", "{n} reminders per round", u64::try_from(sv.reminders).unwrap_or(0), &[]))
                }
                @if sv.archived {
                    p.notice role="status" { (t(lang, "This survey is archived: no more rounds open. Its results stay.")) }
                } @else {
                    p {
                        a.button href={ "/hr/surveys/" (sv.id) "/edit" } { (t(lang, "Edit the survey")) }
                        " "
                        a href={ "/hr/surveys/" (sv.id) "/preview" } { (t(lang, "Preview as an employee sees it")) }
                    }
                    @if sv.frozen {
                        p.hint { (t(lang, "Questions, cuts and k are frozen since the first round opened.")) }
                    }
                }
                h2 { (t(lang, "Rounds")) }
                @if let Some(r) = open {
                    p {
                        a.button href={ "/hr/rounds/" (r.id) "/close" } { (t(lang, "Close the open round now…")) }
                        " "
                        a id="kiosk-link" href={ "/rounds/" (r.id) "/kiosk" } { (t(lang, "Kiosk codes for people without e-mail or phone")) }
                    }
                } @else if !sv.archived {
                    p { a.button.primary href={ "/hr/surveys/" (sv.id) "/open" } { (t(lang, "Open a round now…")) } }
                }
                @if let Some(n) = &next {
                    p id="next-round" { (tf(lang, "The schedule opens the next round on {from}; it stays open until {date}.", &[("from", &c.when(n.opens_at)), ("date", &c.when(n.closes_at))])) }
                    @if !n.overlaps.is_empty() {
                        div.warning id="schedule-overlaps" role="status" {
                            p { (t(lang, "Some of the people it invites are asked by another survey's round at the same time. Two pulses at once tire people and lower the response rate of both: consider moving one of the schedules.")) }
                            (overlap_list(&c, &n.overlaps))
                        }
                    }
                }
                @if rounds.is_empty() {
                    p { (t(lang, "No rounds yet.")) }
                } @else {
                    div.table-wrap tabindex="0" { table {
                        caption.visually-hidden { (t(lang, "Rounds")) }
                        thead { tr { th { "#" } th { (t(lang, "Status")) } th { (t(lang, "Opens")) } th { (t(lang, "Closes")) } th.num { (t(lang, "Invited")) } th { (t(lang, "Messages")) } th { (t(lang, "Report")) } } }
                        tbody {
                            @for r in &rounds {
                                tr {
                                    td.num { (r.sequence) }
                                    td { (round_status(lang, r.status)) }
                                    td { (c.when(r.opens_at)) }
                                    td { (c.when(r.closes_at)) }
                                    td.num { (r.invited) }
                                    td { (messages(lang, &r.messages)) }
                                    td {
                                        @if r.status == RoundStatus::Closed {
                                            a href={ "/reports/" (r.id) } { (t(lang, "Report")) }
                                            " · "
                                            a href={ "/hr/surveys/" (sv.id) "?round=" (r.id) "#participation" } { (t(lang, "Participation")) }
                                        }
                                    }
                                }
                            }
                        }
                    } }
                }
                @if let Some((r, p)) = &participation {
                    @if r.status == RoundStatus::Open {
                        h2 id="participation" { (t(lang, "Live participation")) }
                    } @else {
                        h2 id="participation" { (tf(lang, "Participation in round {n}", &[("n", &r.sequence.to_string())])) }
                        p.hint { (tf(lang, "Closed on {date}.", &[("date", &c.when(r.closes_at))])) }
                    }
                    p.hint { (tf(lang, "Shown only for teams of at least {k} invitees; never who answered.", &[("k", &p.min_group.to_string())])) }
                    p.hint { (t(lang, "Response rate: answered out of the reachable invitees, those who can sign in (their account is activated). People who never activated their account cannot answer; the rate over everyone invited is shown last.")) }
                    div.table-wrap tabindex="0" { table {
                        caption.visually-hidden { (t(lang, "Participation")) }
                        thead { tr { th { (t(lang, "Team")) } th.num { (t(lang, "Invited")) } th.num { (t(lang, "Reachable")) } th.num { (t(lang, "Answered")) } th.num { (t(lang, "Response rate")) } th.num { (t(lang, "Of invited")) } } }
                        tbody {
                            @for tp in &p.teams {
                                tr {
                                    th scope="row" { (tp.team) }
                                    @if tp.suppressed && tp.hidden == Some(crate::reports::types::HiddenReason::ProtectsSmallerGroup) {
                                        td.suppressed colspan="5" { (t(lang, "hidden to protect a smaller group")) }
                                    } @else if tp.suppressed {
                                        td.suppressed colspan="5" { (tf(lang, "fewer than {k} invitees", &[("k", &p.min_group.to_string())])) }
                                    } @else {
                                        td.num { (tp.invited.unwrap_or_default()) }
                                        @match tp.reachable {
                                            Some(r) => td.num { (r) },
                                            None => td.suppressed {
                                                @if tp.reachable_hidden == Some(crate::reports::types::HiddenReason::ProtectsSmallerGroup) {
                                                    (t(lang, "hidden to protect a smaller group"))
                                                } @else {
                                                    (tf(lang, "fewer than {k} reachable", &[("k", &p.min_group.to_string())]))
                                                }
                                            },
                                        }
                                        td.num { (tp.answered.unwrap_or_default()) }
                                        td.num { (tp.reachable_rate.map(|r| format!("{:.0}%", r * 100.0)).unwrap_or_else(|| "—".to_owned())) }
                                        td.num { (tp.rate.map(|r| format!("{:.0}%", r * 100.0)).unwrap_or_default()) }
                                    }
                                }
                            }
                        }
                    } }
                }
                h2 { (t(lang, "Questions")) }
                ol { @for q in &sv.questions { li { (if lang == Language::Ru && !q.text_ru.is_empty() { &q.text_ru } else { &q.text }) } } }
                @if !sv.archived {
                    h2 { (t(lang, "Archive")) }
                    form method="post" action={ "/hr/surveys/" (sv.id) "/archive" } {
                        (csrf_field(&c))
                        p.hint id="archive-hint" { (t(lang, "Archiving stops new rounds for good; the reports of past rounds stay.")) }
                        button type="submit" aria-describedby="archive-hint" { (t(lang, "Archive this survey")) }
                    }
                }
            },
        ),
    )
}

/// A round's pulse-open messages by status ("12 sent · 1 failed"), zeros left out.
fn messages(lang: Language, m: &RoundMessages) -> String {
    let parts: Vec<String> = [
        (m.sent, "sent"),
        (m.failed, "failed"),
        (m.queued, "queued"),
        (m.cancelled, "cancelled"),
    ]
    .into_iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, label)| format!("{n} {}", t(lang, label)))
    .collect();
    if parts.is_empty() {
        "—".to_owned()
    } else {
        parts.join(" · ")
    }
}

fn round_status(lang: Language, s: RoundStatus) -> &'static str {
    t(
        lang,
        match s {
            RoundStatus::Scheduled => "Scheduled",
            RoundStatus::Open => "Open",
            RoundStatus::Closed => "Closed",
        },
    )
}

#[handler]
pub async fn open_round(Path(id): Path<String>, Posted(state, s, form, _): Posted<'_>) -> Response {
    let act = || async {
        match open_round_now(state, &s.principal, &id).await {
            Ok(_) => Ok(Done {
                location: format!("/hr/surveys/{id}"),
                secret: None,
            }),
            Err(e) => Err(error_page(&s.chrome(), &e)),
        }
    };
    // Opened at most once per click: a second POST of the same form is not a conflict.
    at_most_once("round", &s.principal.sid, &form, act, |d, _| {
        see_other(&d.location)
    })
    .await
}

#[handler]
pub async fn close_round(Path(id): Path<String>, Posted(state, s, _, _): Posted<'_>) -> Response {
    let outcome = close_round_now(state, &s.principal, &id).await;
    done_or_page(&s.chrome(), outcome, |r| {
        format!("/hr/surveys/{}", r.survey_id)
    })
}
