//! The outbox page (admins, `/admin/outbox`): every message the server queued — its
//! kind, recipient, status, tries and last error — newest first, filtered by status and
//! paged; a failed or cancelled message can be sent again. Reminders are never listed
//! (who gets one is who has not answered). It reads and retries through the API's own
//! functions (`notify::service`), which check the admin role again.

use maud::{Markup, html};
use poem::http::StatusCode;
use poem::web::Path;
use poem::{Request, Response, handler};

use crate::notify::service;
use crate::notify::types::{OutboxPage, OutboxStatus};
use crate::web::account::query;
use crate::web::i18n::{t, tn};
use crate::web::layout::{Chrome, csrf_field, page};
use crate::web::respond::{html as html_response, see_other};
use crate::web::signed::{Hr, Posted, Signed};

/// Messages per page.
const PAGE: i64 = 50;

/// The statuses the filter offers, in the order shown.
const STATUSES: [OutboxStatus; 5] = [
    OutboxStatus::Failed,
    OutboxStatus::Queued,
    OutboxStatus::Sending,
    OutboxStatus::Sent,
    OutboxStatus::Cancelled,
];

/// The status a `?status=` names, when it names one the filter offers.
fn status_of(v: &str) -> Option<OutboxStatus> {
    STATUSES.into_iter().find(|s| s.as_str() == v)
}

fn kind_label(kind: &str) -> &'static str {
    match kind {
        "invitation" => "Invitation to activate",
        "pulse_open" => "A pulse opened",
        "results_ready" => "Results ready",
        "action_new" => "A new action",
        "action_due" => "An action is due",
        "suggestion_reply" => "A reply to a suggestion",
        _ => "Other",
    }
}

/// The page's address with the filter `only` and `offset`.
fn link(only: Option<OutboxStatus>, offset: i64) -> String {
    let mut q = Vec::new();
    if let Some(s) = only {
        q.push(format!("status={}", s.as_str()));
    }
    if offset > 0 {
        q.push(format!("offset={offset}"));
    }
    if q.is_empty() {
        "/admin/outbox".to_owned()
    } else {
        format!("/admin/outbox?{}", q.join("&"))
    }
}

fn view(
    c: &Chrome,
    only: Option<OutboxStatus>,
    offset: i64,
    box_: &OutboxPage,
    retried: bool,
) -> Markup {
    let lang = c.lang;
    let total = u64::try_from(box_.total).unwrap_or(0);
    page(
        c,
        t(lang, "Outbox"),
        html! {
            h1 { (t(lang, "Outbox")) }
            p { (t(lang, "Every message the server queued: invitations, pulse openings, results and actions, by e-mail (pulse openings by text message to people with only a phone number). A message that cannot be delivered is tried a few times, then marked as not delivered; it can be sent again here. Reminders are not listed: who gets one is who has not answered.")) }
            @if !box_.sending {
                p.warning role="note" { (t(lang, "No SMTP server is configured: messages stay in the queue until one is.")) }
            }
            @if !box_.texting && box_.waiting_for_sms > 0 {
                p.warning role="note" id="waiting-for-sms" { (tn(lang, "{n} pulse opening waits for an SMS gateway (PULSELINE_SMS_URL): its recipient has only a phone number.", "{n} pulse openings wait for an SMS gateway (PULSELINE_SMS_URL): their recipients have only a phone number.", u64::try_from(box_.waiting_for_sms).unwrap_or(0), &[])) }
            }
            @if retried {
                p.notice role="status" { (t(lang, "The message is queued to be sent again.")) }
            }
            nav aria-label=(t(lang, "Status")) {
                ul.inline {
                    li { @if only.is_none() { strong { (t(lang, "All")) } } @else { a href=(link(None, 0)) { (t(lang, "All")) } } }
                    @for s in STATUSES {
                        li { @if only == Some(s) { strong { (t(lang, s.as_str())) } } @else { a href=(link(Some(s), 0)) { (t(lang, s.as_str())) } } }
                    }
                }
            }
            p id="outbox-total" { (tn(lang, "{n} message", "{n} messages", total, &[])) }
            @if !box_.items.is_empty() {
                div.table-wrap tabindex="0" { table id="outbox" {
                    caption.visually-hidden { (t(lang, "Outbox")) }
                    thead { tr {
                        th { (t(lang, "Created")) }
                        th { (t(lang, "Message")) }
                        th { (t(lang, "Recipient")) }
                        th { (t(lang, "Status")) }
                        th.num { (t(lang, "Tries")) }
                        th { (t(lang, "Last error")) }
                        th { span.visually-hidden { (t(lang, "Actions")) } }
                    } }
                    tbody { @for m in &box_.items { tr {
                        td { (c.when(m.created_at)) }
                        td { (t(lang, kind_label(&m.kind))) }
                        td { a href={ "/hr/people/" (m.recipient_id) } { (m.recipient.as_deref().unwrap_or("—")) } }
                        td { (t(lang, m.status.as_str()))
                            @if let Some(at) = m.sent_at { br; small { (c.when(at)) } } }
                        td.num { (m.tries) }
                        td { (m.last_error.as_deref().unwrap_or("")) }
                        td { @if matches!(m.status, OutboxStatus::Failed | OutboxStatus::Cancelled) {
                            form.inline method="post" action={ "/admin/outbox/" (m.id) "/retry" } {
                                (csrf_field(c))
                                @if let Some(s) = only { input type="hidden" name="status" value=(s.as_str()); }
                                button type="submit" { (t(lang, "Send again")) }
                            }
                        } }
                    } } }
                } }
            }
            @if offset > 0 {
                p { a href=(link(only, (offset - PAGE).max(0))) { (t(lang, "Newer messages")) } }
            }
            @if offset + PAGE < box_.total {
                p { a href=(link(only, offset + PAGE)) { (t(lang, "Older messages")) } }
            }
        },
    )
}

#[handler]
pub async fn show(req: &Request, Signed(state, s, _): Signed<'_, Hr>) -> Response {
    let c = s.chrome();
    let q = query(req);
    let only = status_of(q.text("status"));
    let offset = q
        .text("offset")
        .parse::<i64>()
        .unwrap_or(0)
        .clamp(0, 1_000_000);
    let box_ = or_page!(
        &c,
        service::list(state, &s.principal, only, PAGE, offset).await
    );
    let retried = q.text("retried") == "1";
    html_response(StatusCode::OK, view(&c, only, offset, &box_, retried))
}

/// `POST /admin/outbox/{id}/retry`: queues the message again, then back to the list
/// with the same filter (post/redirect/get).
#[handler]
pub async fn retry(Path(id): Path<String>, Posted(state, s, form, _): Posted<'_, Hr>) -> Response {
    let c = s.chrome();
    or_page!(&c, service::retry(state, &s.principal, id).await);
    let only = status_of(form.text("status"));
    let back = link(only, 0);
    let sep = if back.contains('?') { '&' } else { '?' };
    see_other(&format!("{back}{sep}retried=1"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filter_takes_only_a_known_status_and_links_keep_it() {
        assert_eq!(status_of("failed"), Some(OutboxStatus::Failed));
        assert_eq!(status_of("cancelled"), Some(OutboxStatus::Cancelled));
        assert_eq!(status_of("FAILED"), None);
        assert_eq!(status_of("x' OR 1=1"), None);
        assert_eq!(status_of(""), None);
        assert_eq!(link(None, 0), "/admin/outbox");
        assert_eq!(
            link(Some(OutboxStatus::Failed), 0),
            "/admin/outbox?status=failed"
        );
        assert_eq!(
            link(Some(OutboxStatus::Sent), 100),
            "/admin/outbox?status=sent&offset=100"
        );
        assert_eq!(link(None, 50), "/admin/outbox?offset=50");
    }
}
