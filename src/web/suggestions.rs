//! Frontline suggestions: raise a customer pain point (signed or anonymous, with what
//! anonymous means explained), browse and vote, follow an anonymous one by its code,
//! and — for the team's managers and HR — answer with a status and a reply. Every
//! action is the API's own function.

use maud::{Markup, html};
use poem::http::StatusCode;
use poem::web::Path;
use poem::{Request, Response, handler};

use crate::error::ApiError;
use crate::org::domain::Language;
use crate::suggestions::service::{
    BODY_MAX, REPLY_MAX, TITLE_MAX, create_suggestion, followup, get_suggestion, list_suggestions,
    toggle_vote, update_suggestion,
};
use crate::suggestions::types::{CreateSuggestion, Filter, Sort, Suggestion};
use crate::suggestions::workflow::{Status, Touchpoint};
use crate::web::account::{query, status_of};
use crate::web::i18n::{t, tf, tn};
use crate::web::layout::{
    Chrome, Errors, Field, check_field, csrf_field, filter_select, filters, page,
};
use crate::web::once::{self, Done, once_field};
use crate::web::respond::{Form, done_or_page, error_page, html as html_response, see_other};
use crate::web::session::safe_next;
use crate::web::signed::{Posted, Signed};

/// The purpose of the new-suggestion form's keys.
const PURPOSE_NEW: &str = "suggestion";

const STATUSES: [Status; 5] = [
    Status::New,
    Status::Acknowledged,
    Status::InProgress,
    Status::Done,
    Status::Declined,
];

pub fn touchpoint_label(lang: Language, tp: Touchpoint) -> &'static str {
    t(
        lang,
        match tp {
            Touchpoint::Awareness => "Awareness",
            Touchpoint::Purchase => "Purchase",
            Touchpoint::Onboarding => "Onboarding",
            Touchpoint::Usage => "Usage",
            Touchpoint::Support => "Support",
            Touchpoint::Billing => "Billing",
            Touchpoint::Renewal => "Renewal",
            Touchpoint::Other => "Other",
        },
    )
}

pub fn status_label(lang: Language, s: Status) -> &'static str {
    t(
        lang,
        match s {
            Status::New => "New",
            Status::Acknowledged => "Acknowledged",
            Status::InProgress => "In progress",
            Status::Done => "Done",
            Status::Declined => "Declined",
        },
    )
}

fn parse_touchpoint(v: &str) -> Option<Touchpoint> {
    Touchpoint::ALL.into_iter().find(|t| t.as_str() == v)
}

fn parse_status(v: &str) -> Option<Status> {
    STATUSES.into_iter().find(|s| s.as_str() == v)
}

#[handler]
pub async fn list(req: &Request, Signed(state, s, _): Signed<'_>) -> Response {
    let c = s.chrome();
    let lang = c.lang;
    let q = query(req);
    let filter = Filter {
        touchpoint: parse_touchpoint(q.text("touchpoint")),
        status: parse_status(q.text("status")),
        q: Some(q.text("q").trim().to_owned())
            .filter(|v| !v.is_empty() && v.chars().count() <= 100),
        sort: Some(if q.text("sort") == "votes" {
            Sort::Votes
        } else {
            Sort::Recent
        }),
        ..Filter::default()
    };
    let (tp, st, sort) = (filter.touchpoint, filter.status, filter.sort);
    let text = filter.q.clone().unwrap_or_default();
    let list = or_page!(
        &c,
        list_suggestions(state, &s.principal, filter, 100, 0).await
    );
    let here = s.here.clone();
    html_response(
        StatusCode::OK,
        page(
            &c,
            t(lang, "Suggestions"),
            html! {
                h1 { (t(lang, "Suggestions")) }
                p { a.button href="/suggestions/new" { (t(lang, "Raise a customer pain point")) } }
                details {
                    summary { (t(lang, "Follow an anonymous suggestion")) }
                    (followup_form(&c, "", &Errors::default()))
                }
                (filters(lang, &[!text.is_empty(), tp.is_some(), st.is_some(), sort == Some(Sort::Votes)], html! {
                    form.filters method="get" action="/suggestions" {
                        div.field {
                            label for="f-q" { (t(lang, "Search")) }
                            input id="f-q" name="q" type="search" value=(text) maxlength="100";
                        }
                        (filter_select(lang, "touchpoint", t(lang, "Touchpoint"),
                            Touchpoint::ALL.map(|x| (x.as_str(), touchpoint_label(lang, x))), tp.map(Touchpoint::as_str)))
                        (filter_select(lang, "status", t(lang, "Status"),
                            STATUSES.map(|x| (x.as_str(), status_label(lang, x))), st.map(Status::as_str)))
                        div.field {
                            label for="f-sort" { (t(lang, "Order")) }
                            select id="f-sort" name="sort" {
                                option value="recent" selected[sort != Some(Sort::Votes)] { (t(lang, "Newest first")) }
                                option value="votes" selected[sort == Some(Sort::Votes)] { (t(lang, "Most votes first")) }
                            }
                        }
                        button type="submit" { (t(lang, "Show")) }
                    }
                }))
                p.meta { (tn(lang, "{n} suggestion", "{n} suggestions", list.total as u64, &[])) }
                ul.cards {
                    @for item in &list.items {
                        // A vote comes back to its own card, not the top of the list.
                        li.card id={ "s-" (item.id) } {
                            h2 { a href={ "/suggestions/" (item.id) } { (item.title) } }
                            (summary_line(lang, item))
                            (vote_form(&c, item, &format!("{here}#s-{}", item.id)))
                        }
                    }
                }
            },
        ),
    )
}

fn summary_line(lang: Language, item: &Suggestion) -> Markup {
    html! {
        p.meta {
            span.badge { (status_label(lang, item.status)) }
            " " (touchpoint_label(lang, item.touchpoint))
            " · " (item.team.as_deref().unwrap_or(t(lang, "Whole organisation")))
            " · " (item.created_on)
            " · "
            @if let Some(a) = &item.author { (a.name) } @else { (t(lang, "Anonymous")) }
        }
    }
}

fn vote_form(c: &Chrome, item: &Suggestion, back: &str) -> Markup {
    let lang = c.lang;
    html! {
        form.inline method="post" action={ "/suggestions/" (item.id) "/vote" } {
            (csrf_field(c))
            input type="hidden" name="next" value=(back);
            span { (tn(lang, "{n} vote", "{n} votes", item.votes as u64, &[])) }
            button type="submit" aria-pressed=(if item.voted_by_me { "true" } else { "false" }) {
                @if item.voted_by_me { (t(lang, "Take back my vote")) } @else { (t(lang, "Vote")) }
                span.visually-hidden { ": " (item.title) }
            }
        }
    }
}

fn followup_form(c: &Chrome, code: &str, errors: &Errors) -> Markup {
    let lang = c.lang;
    html! {
        form method="post" action="/suggestions/followup" {
            (csrf_field(c))
            (Field::new("code", t(lang, "Follow-up code")).value(code).autocomplete("off")
                .required().maxlength(128).render(errors))
            button type="submit" { (t(lang, "Read replies")) }
        }
    }
}

#[handler]
pub async fn vote(Path(id): Path<String>, Posted(state, s, form, _): Posted<'_>) -> Response {
    let outcome = toggle_vote(state, &s.principal, &id).await;
    done_or_page(&s.chrome(), outcome, |_| safe_next(form.get("next")))
}

fn new_view(c: &Chrome, form: &Form, errors: &Errors) -> Markup {
    let lang = c.lang;
    let tp = parse_touchpoint(form.text("touchpoint"));
    let anonymous = form.get("anonymous").is_some();
    page(
        c,
        t(lang, "Raise a customer pain point"),
        html! {
            h1 { (t(lang, "Raise a customer pain point")) }
            p { (t(lang, "What gets in the way of our customers? Describe one pain point; colleagues can vote for it and managers answer.")) }
            (errors.summary(lang, &["title", "body", "touchpoint", "customer_segment", "anonymous"]))
            form method="post" action="/suggestions/new" novalidate {
                (csrf_field(c))
                (once_field(form))
                (Field::new("title", t(lang, "Title")).value(form.text("title"))
                    .required().maxlength(TITLE_MAX).render(errors))
                (Field::new("body", t(lang, "What happens, and what would help")).kind("textarea")
                    .value(form.text("body")).required().maxlength(BODY_MAX).render(errors))
                div.field.invalid[errors.field("touchpoint").is_some()] {
                    label for="f-touchpoint" { (t(lang, "Touchpoint")) }
                    select id="f-touchpoint" name="touchpoint" required {
                        @for x in Touchpoint::ALL {
                            option value=(x.as_str()) selected[tp == Some(x)] { (touchpoint_label(lang, x)) }
                        }
                    }
                    @if let Some(m) = errors.field("touchpoint") { p.error { (m) } }
                }
                (Field::new("customer_segment", t(lang, "Which customers (optional)"))
                    .value(form.text("customer_segment")).maxlength(100).render(errors))
                (check_field("anonymous", t(lang, "Raise it anonymously"),
                    t(lang, "Anonymous: your name is not stored, only the day, and the team shown is the nearest one (yours or above) with enough people that it does not point to you. You get a follow-up code, shown once, to read the replies. Signed: your name and team are shown."),
                    anonymous))
                button.primary type="submit" { (t(lang, "Send")) }
            }
        },
    )
}

#[handler]
pub async fn new_page(Signed(_, s, _): Signed<'_>) -> Response {
    html_response(
        StatusCode::OK,
        new_view(&s.chrome(), &Form(vec![]), &Errors::default()),
    )
}

#[handler]
pub async fn create(Posted(state, s, form, _): Posted<'_>) -> Response {
    let c = s.chrome();
    let Some(touchpoint) = parse_touchpoint(form.text("touchpoint")) else {
        let errors = Errors::from_api(
            c.lang,
            &ApiError::invalid("touchpoint", "choose a touchpoint"),
        );
        return html_response(
            StatusCode::UNPROCESSABLE_ENTITY,
            new_view(&c, &form, &errors),
        );
    };
    let input = CreateSuggestion {
        title: form.text("title").to_owned(),
        body: form.text("body").to_owned(),
        touchpoint,
        customer_segment: Some(form.text("customer_segment").to_owned())
            .filter(|v| !v.trim().is_empty()),
        anonymous: form.get("anonymous").is_some(),
    };
    // Sent at most once per form: a reload or a second click leads to the first result.
    once::at_most_once(
        PURPOSE_NEW,
        &s.principal.sid,
        &form,
        || async {
            match create_suggestion(state, &s.principal, input).await {
                Ok(created) => Ok(Done {
                    location: format!("/suggestions/{}", created.suggestion.id),
                    secret: created.followup_code,
                }),
                Err(e) => Err(html_response(
                    status_of(&e),
                    new_view(&c, &form, &Errors::from_api(c.lang, &e)),
                )),
            }
        },
        |done, key| match &done.secret {
            // The anonymous one's code is shown on a page of its own (post/redirect/get),
            // found by the form's key; the suggestion's id is not in that address.
            Some(_) => see_other(&format!("/suggestions/sent?{}={key}", once::KEY_FIELD)),
            None => see_other(&done.location),
        },
    )
    .await
}

/// The confirmation of an anonymous suggestion, with its follow-up code: shown to the
/// sign-in that sent it, for as long as its form key is remembered.
#[handler]
pub async fn sent(req: &Request, Signed(_, s, _): Signed<'_>) -> Response {
    let c = s.chrome();
    let lang = c.lang;
    let q = query(req);
    let done = once::done(PURPOSE_NEW, &s.principal.sid, q.text(once::KEY_FIELD));
    let Some(code) = done.and_then(|d| d.secret) else {
        return html_response(
            StatusCode::NOT_FOUND,
            page(
                &c,
                t(lang, "Your suggestion was sent"),
                html! {
                    h1 { (t(lang, "Your suggestion was sent")) }
                    p role="alert" { (t(lang, "Its follow-up code is no longer shown here: it is shown only for a few minutes after sending, to the sign-in that sent it.")) }
                    p { a href="/suggestions" { (t(lang, "Back to suggestions")) } }
                },
            ),
        );
    };
    html_response(
        StatusCode::OK,
        page(
            &c,
            t(lang, "Your suggestion was sent"),
            html! {
                h1 { (t(lang, "Your suggestion was sent")) }
                p { (t(lang, "It is anonymous. Keep this follow-up code: it is the only way to read the replies, and it is not shown again after a few minutes.")) }
                p.code { strong { (t(lang, "Follow-up code")) ": " } code id="followup-code" { (code) } " "
                    button type="button" data-copy="followup-code" hidden { (t(lang, "Copy")) } }
                p { (t(lang, "Read and answer the replies with it on the conversations page.")) " " a href="/conversations" { (t(lang, "Your conversations")) } }
                p { a href="/suggestions" { (t(lang, "Back to suggestions")) } }
            },
        ),
    )
}

#[handler]
pub async fn follow(Posted(state, s, form, _): Posted<'_>) -> Response {
    let c = s.chrome();
    let lang = c.lang;
    let code = form.text("code");
    match followup(state, &s.principal, code).await {
        Ok(item) => html_response(
            StatusCode::OK,
            detail_view(&c, &item, false, &Errors::default()),
        ),
        Err(e) => {
            let errors = match e {
                ApiError::NotFound(_) => Errors {
                    fields: vec![(
                        "code".into(),
                        t(lang, "No suggestion has this code.").into(),
                    )],
                    general: None,
                },
                other => Errors::from_api(c.lang, &other),
            };
            html_response(
                StatusCode::NOT_FOUND,
                page(
                    &c,
                    t(lang, "Follow an anonymous suggestion"),
                    html! {
                        h1 { (t(lang, "Follow an anonymous suggestion")) }
                        (followup_form(&c, code, &errors))
                    },
                ),
            )
        }
    }
}

fn detail_view(c: &Chrome, item: &Suggestion, can_answer: bool, errors: &Errors) -> Markup {
    let lang = c.lang;
    let back = format!("/suggestions/{}", item.id);
    page(
        c,
        &item.title,
        html! {
            h1 { (item.title) }
            (summary_line(lang, item))
            @if let Some(seg) = &item.customer_segment {
                p.meta { (t(lang, "Customers")) ": " (seg) }
            }
            div.body { @for para in item.body.split("\n\n") { p { (para) } } }
            (vote_form(c, item, &back))
            h2 { (t(lang, "Replies")) }
            @if item.replies.is_empty() {
                p { (t(lang, "No reply yet.")) }
            } @else {
                ol.replies {
                    @for r in &item.replies {
                        li {
                            p.meta {
                                @if r.from_status == r.to_status {
                                    strong { (status_label(lang, r.to_status)) } " (" (t(lang, "status kept")) ")"
                                } @else {
                                    (status_label(lang, r.from_status)) " → " strong { (status_label(lang, r.to_status)) }
                                }
                                " · " (r.replied_on) " · " (r.replied_by)
                            }
                            p { (r.reply) }
                        }
                    }
                }
            }
            @if can_answer {
                p { a href={ "/actions/new?suggestion_id=" (item.id) } { (t(lang, "Plan an action")) } }
            }
            @if can_answer && !item.status.next().is_empty() {
                h2 { (t(lang, "Answer")) }
                (errors.summary(lang, &["status", "reply"]))
                form method="post" action={ "/suggestions/" (item.id) "/reply" } novalidate {
                    (csrf_field(c))
                    (once_field(&Form(vec![])))
                    div.field {
                        label for="f-status" { (t(lang, "Status after this reply")) }
                        select id="f-status" name="status" {
                            // Keeping the status is the first choice: a reply need not move it.
                            @for x in item.status.reply_targets() {
                                @if x == item.status {
                                    option value=(x.as_str()) selected {
                                        (tf(lang, "Keep as it is ({status})", &[("status", status_label(lang, x))]))
                                    }
                                } @else {
                                    option value=(x.as_str()) { (status_label(lang, x)) }
                                }
                            }
                        }
                        @if let Some(m) = errors.field("status") { p.error { (m) } }
                    }
                    (Field::new("reply", t(lang, "Reply")).kind("textarea")
                        .hint(t(lang, "Everyone who can see the suggestion reads it, the author too. At least 10 characters."))
                        .required().maxlength(REPLY_MAX).render(errors))
                    button.primary type="submit" { (t(lang, "Send reply")) }
                }
            }
        },
    )
}

#[handler]
pub async fn detail(Path(id): Path<String>, Signed(state, s, _): Signed<'_>) -> Response {
    let c = s.chrome();
    let can_answer = s.is_manager() || s.principal.is_hr_or_admin();
    match get_suggestion(state, &s.principal, &id).await {
        Ok(item) => html_response(
            StatusCode::OK,
            detail_view(&c, &item, can_answer, &Errors::default()),
        ),
        Err(e) => error_page(&c, &e),
    }
}

#[handler]
pub async fn reply(Path(id): Path<String>, Posted(state, s, form, _): Posted<'_>) -> Response {
    let c = s.chrome();
    let act = || async {
        let outcome = match parse_status(form.text("status")) {
            Some(to) => update_suggestion(state, &s.principal, &id, to, form.text("reply")).await,
            None => Err(ApiError::invalid("status", "choose a status")),
        };
        match outcome {
            Ok(_) => Ok(Done {
                location: format!("/suggestions/{id}"),
                secret: None,
            }),
            Err(e @ (ApiError::Validation { .. } | ApiError::Conflict(_))) => {
                Err(match get_suggestion(state, &s.principal, &id).await {
                    Ok(item) => html_response(
                        status_of(&e),
                        detail_view(&c, &item, true, &Errors::from_api(c.lang, &e)),
                    ),
                    Err(e2) => error_page(&c, &e2),
                })
            }
            Err(e) => Err(error_page(&c, &e)),
        }
    };
    // One reply per form: a second POST of the same form adds no second reply.
    once::at_most_once("reply", &s.principal.sid, &form, act, |d, _| {
        see_other(&d.location)
    })
    .await
}
