//! The audit log page (admins): who read, exported or changed what, and when — readable
//! (rounds, teams, people and surveys by name, the raw target beside it), filtered by
//! who, what and when, paged, and downloadable as CSV with the same filters.

use std::collections::HashMap;

use maud::{Markup, html};
use poem::http::{StatusCode, header};
use poem::{Request, Response, handler};

use crate::error::ApiError;
use crate::reports::audit_log::{AuditFilter, audit_actions, audit_page, target_names};
use crate::reports::csv;
use crate::web::account::query;
use crate::web::i18n::t;
use crate::web::layout::{Chrome, filters, page};
use crate::web::respond::{Form, error_page, html as html_response};
use crate::web::signed::Signed;

/// Entries per page, and at most per CSV download.
const PAGE: i64 = 100;
const CSV_MAX: i64 = 10_000;

fn filter_of(q: &Form) -> Result<AuditFilter, ApiError> {
    let day = |field: &'static str| -> Result<Option<chrono::NaiveDate>, ApiError> {
        match q.text(field).trim() {
            "" => Ok(None),
            d => d
                .parse()
                .map(Some)
                .map_err(|_| ApiError::invalid(field, "a day as YYYY-MM-DD")),
        }
    };
    let text = |field: &str, max: usize| {
        Some(q.text(field).trim().chars().take(max).collect::<String>()).filter(|s| !s.is_empty())
    };
    Ok(AuditFilter {
        actor: text("actor", 254),
        action: text("action", 64),
        from: day("from")?,
        to: day("to")?,
    })
}

/// The filters as a query string (for paging and the CSV link).
fn query_of(f: &AuditFilter) -> String {
    let mut pairs: Vec<(&str, String)> = Vec::new();
    if let Some(a) = &f.actor {
        pairs.push(("actor", a.clone()));
    }
    if let Some(a) = &f.action {
        pairs.push(("action", a.clone()));
    }
    if let Some(d) = f.from {
        pairs.push(("from", d.to_string()));
    }
    if let Some(d) = f.to {
        pairs.push(("to", d.to_string()));
    }
    serde_urlencoded::to_string(&pairs).unwrap_or_default()
}

/// A target in words: its path with ids replaced by names, then its parameters.
pub fn readable(target: &str, names: &HashMap<String, String>) -> String {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let name = |s: &str| names.get(s).cloned().unwrap_or_else(|| s.to_owned());
    let mut out: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(name)
        .collect();
    let params = serde_urlencoded::from_str::<Vec<(String, String)>>(query).unwrap_or_default();
    for (k, v) in params {
        out.push(format!("{k}: {}", name(&v)));
    }
    out.join(" · ")
}

fn filter_form(c: &Chrome, f: &AuditFilter, actions: &[String]) -> Markup {
    let lang = c.lang;
    html! {
        (filters(lang, &[f.actor.is_some(), f.action.is_some(), f.from.is_some(), f.to.is_some()], html! {
            form.filters method="get" action="/admin/audit" {
                div.field {
                    label for="f-actor" { (t(lang, "Who")) }
                    input id="f-actor" name="actor" type="search" maxlength="254" value=(f.actor.as_deref().unwrap_or(""));
                }
                div.field {
                    label for="f-action" { (t(lang, "Action")) }
                    select id="f-action" name="action" {
                        option value="" selected[f.action.is_none()] { (t(lang, "All")) }
                        @for a in actions {
                            option value=(a) selected[f.action.as_deref() == Some(a.as_str())] { (a) }
                        }
                    }
                }
                div.field {
                    label for="f-from" { (t(lang, "From")) }
                    input id="f-from" name="from" type="date" value=(f.from.map(|d| d.to_string()).unwrap_or_default());
                }
                div.field {
                    label for="f-to" { (t(lang, "To")) }
                    input id="f-to" name="to" type="date" value=(f.to.map(|d| d.to_string()).unwrap_or_default());
                }
                button type="submit" { (t(lang, "Show")) }
            }
        }))
    }
}

#[handler]
pub async fn audit(req: &Request, Signed(state, s, _): Signed<'_>) -> Response {
    let c = s.chrome();
    let lang = c.lang;
    let q = query(req);
    let offset = q
        .text("offset")
        .parse::<i64>()
        .unwrap_or(0)
        .clamp(0, 1_000_000);
    let filter = or_page!(&c, filter_of(&q));
    let actions = or_page!(&c, audit_actions(state, &s.principal).await);
    let log = or_page!(
        &c,
        audit_page(state, &s.principal, filter.clone(), PAGE, offset).await
    );
    let names = or_page!(&c, target_names(state, &s.principal, &log).await);
    let qs = query_of(&filter);
    let amp = if qs.is_empty() { "" } else { "&" };
    html_response(
        StatusCode::OK,
        page(
            &c,
            t(lang, "Audit log"),
            html! {
                h1 { (t(lang, "Audit log")) }
                p { (t(lang, "Who read or exported which report, and when. The reports' contents are not logged.")) }
                (filter_form(&c, &filter, &actions))
                p { a.button href={ "/admin/audit.csv" @if !qs.is_empty() { "?" (qs) } } download { (t(lang, "Download CSV")) } }
                div.table-wrap tabindex="0" { table #audit {
                    caption.visually-hidden { (t(lang, "Audit log")) }
                    thead { tr { th { (t(lang, "When")) } th { (t(lang, "Who")) } th { (t(lang, "Action")) } th { (t(lang, "What")) } } }
                    tbody {
                        @for e in &log.items {
                            tr {
                                td { (c.when(e.at)) }
                                td { (e.actor_email.as_deref().unwrap_or(&e.actor_id)) }
                                td { code { (e.action) } }
                                td { (readable(&e.target, &names)) br; small { code { (e.target) } } }
                            }
                        }
                    }
                } }
                @if log.items.is_empty() {
                    p { (t(lang, "No entries match.")) }
                }
                @if offset + PAGE < log.total {
                    p { a href={ "/admin/audit?" (qs) (amp) "offset=" (offset + PAGE) } { (t(lang, "Older entries")) } }
                }
            },
        ),
    )
}

/// `GET /admin/audit.csv`: the filtered log as CSV, newest first, up to [`CSV_MAX`]
/// entries.
#[handler]
pub async fn audit_csv(req: &Request, Signed(state, s, _): Signed<'_>) -> Response {
    let c = s.chrome();
    let q = query(req);
    let filter = match filter_of(&q) {
        Ok(f) => f,
        Err(e) => return error_page(&c, &e),
    };
    match audit_page(state, &s.principal, filter, CSV_MAX, 0).await {
        Ok(log) => Response::builder()
            .status(StatusCode::OK)
            .content_type("text/csv; charset=utf-8")
            .header(
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"pulseline-audit-log.csv\"",
            )
            .body(csv::audit(&log)),
        Err(e) => error_page(&c, &e),
    }
}
