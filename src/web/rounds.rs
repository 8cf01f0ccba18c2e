//! The confirmations HR sees before opening a round by hand (how many people it
//! invites, how many of them can sign in, until when, and which open rounds of other
//! surveys already ask some of the same people) and before closing one early. The
//! buttons on these pages post to the handlers in `surveys.rs`.

use maud::{Markup, html};
use poem::web::Path;
use poem::{Response, handler};

use crate::surveys::opening::{Overlap, closing, opening};
use crate::web::i18n::{t, tf, tn};
use crate::web::layout::{Chrome, csrf_field};
use crate::web::once::once_field;
use crate::web::respond::{Form, titled_page};
use crate::web::signed::{Hr, Signed};

/// Other surveys' rounds that ask some of the same people at the same time: each with
/// a link to its survey, how many people it shares, and its window.
pub fn overlap_list(c: &Chrome, overlaps: &[Overlap]) -> Markup {
    let lang = c.lang;
    html! {
        ul {
            @for ov in overlaps {
                li {
                    a href={ "/hr/surveys/" (ov.survey_id) } { (ov.title) }
                    ": "
                    (tn(lang, "{n} person in common", "{n} people in common", u64::try_from(ov.shared).unwrap_or(u64::MAX), &[]))
                    ", "
                    @if ov.scheduled {
                        (tf(lang, "on its schedule from {from} until {date}", &[("from", &c.when(ov.opens_at)), ("date", &c.when(ov.closes_at))]))
                    } @else {
                        (tf(lang, "open until {date}", &[("date", &c.when(ov.closes_at))]))
                    }
                }
            }
        }
    }
}

#[handler]
pub async fn confirm_open(Path(id): Path<String>, Signed(state, s, _): Signed<'_, Hr>) -> Response {
    let c = s.chrome();
    let lang = c.lang;
    let o = or_page!(&c, opening(state, &s.principal, &id).await);
    let title = tf(lang, "Open a round of “{title}”?", &[("title", &o.title)]);
    let back = format!("/hr/surveys/{}", o.survey_id);
    let invited = u64::try_from(o.invited).unwrap_or(u64::MAX);
    let activated = o.activated.to_string();
    titled_page(
        &c,
        &title,
        html! {
            @if o.archived {
                p.warning role="status" { (t(lang, "This survey is archived: no more rounds open. Its results stay.")) }
                p { a href=(back) { (t(lang, "Back to the survey")) } }
            } @else if o.already_open {
                p.warning role="status" { (t(lang, "A round of this survey is already open. Close it before opening another.")) }
                p { a href=(back) { (t(lang, "Back to the survey")) } }
            } @else {
                p id="invited" {
                    (tn(lang, "It invites {n} person", "It invites {n} people", invited, &[]))
                    " ("
                    (tf(lang, "{m} of them have activated their account and can sign in now", &[("m", &activated)]))
                    ")."
                }
                p { (tf(lang, "It stays open until {date}; a message that it is open is queued for everyone invited.", &[("date", &c.when(o.closes_at))])) }
                @if o.invited == 0 {
                    p.warning role="status" { (t(lang, "Nobody would be invited: the survey's audience has no active people in a team.")) }
                }
                @if !o.overlaps.is_empty() {
                    div.warning id="overlaps" role="status" {
                        p { (t(lang, "Some of these people are asked by another survey's round at the same time, open now or on its schedule. Two pulses at once tire people and lower the response rate of both.")) }
                        (overlap_list(&c, &o.overlaps))
                    }
                }
                form method="post" action={ "/hr/surveys/" (o.survey_id) "/open" } {
                    (csrf_field(&c))
                    (once_field(&Form(vec![])))
                    button.primary type="submit" { (t(lang, "Open the round")) }
                    " "
                    a href=(back) { (t(lang, "Cancel")) }
                }
            }
        },
    )
}

#[handler]
pub async fn confirm_close(
    Path(id): Path<String>,
    Signed(state, s, _): Signed<'_, Hr>,
) -> Response {
    let c = s.chrome();
    let lang = c.lang;
    let r = or_page!(&c, closing(state, &s.principal, &id).await);
    let seq = r.sequence.to_string();
    let title = tf(
        lang,
        "Close round {n} of “{title}” now?",
        &[("n", &seq), ("title", &r.title)],
    );
    let back = format!("/hr/surveys/{}", r.survey_id);
    let invited = u64::try_from(r.invited).unwrap_or(0);
    titled_page(
        &c,
        &title,
        html! {
            @if !r.open {
                p.warning role="status" { (t(lang, "This round is not open.")) }
                p { a href=(back) { (t(lang, "Back to the survey")) } }
            } @else {
                p { (tf(lang, "It would stay open until {date}.", &[("date", &c.when(r.closes_at))])) }
                p id="closing" {
                    (tn(lang, "Closing it now ends it for everyone: whoever of the {n} person invited has not answered can no longer answer. The answers are then opened and the reports released; this cannot be undone.", "Closing it now ends it for everyone: whoever of the {n} people invited has not answered can no longer answer. The answers are then opened and the reports released; this cannot be undone.", invited, &[]))
                }
                form method="post" action={ "/hr/rounds/" (r.round_id) "/close" } {
                    (csrf_field(&c))
                    button.primary type="submit" { (t(lang, "Close the round now")) }
                    " "
                    a href=(back) { (t(lang, "Cancel")) }
                }
            }
        },
    )
}
