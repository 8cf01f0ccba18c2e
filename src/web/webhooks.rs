//! The webhooks page (admins, `/admin/webhooks`): the signed webhooks and the Slack and
//! Teams channels, each with its most recent deliveries — status, tries, the last HTTP
//! status and error. Read only; hooks are configured through `/api/v1/webhooks`. It
//! reads through the API's own functions (`hooks::service`), which check the role.

use maud::{Markup, html};
use poem::http::StatusCode;
use poem::{Response, handler};

use crate::hooks::service;
use crate::hooks::types::{DeliveryPage, Hook, HookKind};
use crate::web::i18n::t;
use crate::web::layout::{Chrome, page};
use crate::web::respond::html as html_response;
use crate::web::signed::{Hr, Signed};

/// Deliveries shown per hook.
const RECENT: i64 = 5;

fn kind_label(k: HookKind) -> &'static str {
    match k {
        HookKind::Webhook => "Signed webhook",
        HookKind::Slack => "Slack channel",
        HookKind::Teams => "Microsoft Teams channel",
    }
}

fn view(c: &Chrome, hooks: &[(Hook, DeliveryPage)]) -> Markup {
    let lang = c.lang;
    page(
        c,
        t(lang, "Webhooks and chat"),
        html! {
            h1 { (t(lang, "Webhooks and chat")) }
            p { (t(lang, "Events go to these endpoints and channels as they happen; each delivery is tried a few times before it is given up. Admins add and change them through the API (/api/v1/webhooks).")) }
            @if hooks.is_empty() {
                p { (t(lang, "No webhooks or channels yet.")) }
            }
            @for (h, log) in hooks {
                section.hook {
                    h2 { (t(lang, kind_label(h.kind))) }
                    p {
                        code { (h.url) }
                        " · "
                        (if h.enabled { t(lang, "enabled") } else { t(lang, "disabled") })
                    }
                    p {
                        (t(lang, "Events")) ": "
                        (h.events.iter().map(|e| e.as_str()).collect::<Vec<_>>().join(", "))
                    }
                    @if log.items.is_empty() {
                        p { (t(lang, "Nothing delivered yet.")) }
                    } @else {
                        div.table-wrap tabindex="0" { table {
                            thead { tr {
                                th { (t(lang, "Event")) }
                                th { (t(lang, "Status")) }
                                th { (t(lang, "Tries")) }
                                th { (t(lang, "HTTP status")) }
                                th { (t(lang, "Last error")) }
                                th { (t(lang, "Created")) }
                            } }
                            tbody { @for d in &log.items { tr {
                                td { (d.event.as_str()) }
                                td { (t(lang, d.status.as_str())) }
                                td { (d.tries) }
                                td { (d.response_status.map(|s| s.to_string()).unwrap_or_default()) }
                                td { (d.last_error.as_deref().unwrap_or("")) }
                                td { (c.when(d.created_at)) }
                            } } }
                        } }
                    }
                }
            }
        },
    )
}

#[handler]
pub async fn show(Signed(state, s, _): Signed<'_, Hr>) -> Response {
    let c = s.chrome();
    let list = or_page!(&c, service::list(state, &s.principal).await);
    let mut hooks = Vec::with_capacity(list.items.len());
    for h in list.items {
        let log = or_page!(
            &c,
            service::deliveries(state, &s.principal, h.id.clone(), RECENT, 0).await
        );
        hooks.push((h, log));
    }
    html_response(StatusCode::OK, view(&c, &hooks))
}
