//! Kiosk codes in the browser: `/k`, where someone without e-mail or phone types (or
//! scans) a one-time code and answers the round's pulse without signing in; and
//! `/rounds/{id}/kiosk`, where HR or a team's manager prints a sheet of codes with their
//! QR codes ([`crate::kiosk`]).

use maud::{Markup, PreEscaped, html};
use poem::http::StatusCode;
use poem::web::{Data, Path};
use poem::{Body, Request, Response, handler};

use crate::error::ApiError;
use crate::kiosk::code::{display, normalise};
use crate::kiosk::service::{answer, print, printable_teams, pulse};
use crate::kiosk::types::KioskSheet;
use crate::state::AppState;
use crate::web::account::{query, status_of};
use crate::web::conversations::code_page;
use crate::web::i18n::{t, tf, tn};
use crate::web::layout::{Chrome, Errors, csrf_field, page, titled};
use crate::web::pulses::{answers_from_form, pulse_form};
use crate::web::respond::{Form, error_page, html as html_response, titled_page};
use crate::web::session::guest_form;
use crate::web::signed::{Posted, Signed};

/// The `code` of the request's query, as typed.
fn query_code(req: &Request) -> Option<String> {
    query(req).get("code").map(str::to_owned)
}

/// A code in its shown form (`XXXXX-XXXXX`), if it can be one.
fn shown(typed: &str) -> Option<String> {
    normalise(typed).map(|n| display(&n))
}

/// The page that asks for a code, with `problem` above the field.
fn entry(c: &Chrome, problem: Option<&str>, status: StatusCode) -> Response {
    let lang = c.lang;
    html_response(
        status,
        page(
            c,
            t(lang, "Answer with a code"),
            html! {
                h1 { (t(lang, "Answer with a code")) }
                p { (t(lang, "Type the code on the slip you were given, or scan its QR code. Each code answers once; your answers are anonymous and the code says nothing about who you are.")) }
                @if let Some(p) = problem {
                    p.warning role="alert" id="code-problem" { (p) }
                }
                form method="get" action="/k" {
                    label for="code" { (t(lang, "Code")) }
                    input id="code" name="code" type="text" autocomplete="off" autocapitalize="characters" spellcheck="false" maxlength="32" required autofocus;
                    button.primary type="submit" { (t(lang, "Continue")) }
                }
            },
        ),
    )
}

/// What a refused code shows: the entry page again with why.
fn refused(c: &Chrome, e: &ApiError) -> Response {
    let lang = c.lang;
    match e {
        ApiError::NotFound(_) => entry(
            c,
            Some(t(lang, "This code is not valid. Check it and try again.")),
            StatusCode::NOT_FOUND,
        ),
        ApiError::Conflict(_) => entry(
            c,
            Some(t(lang, "This code has already been used.")),
            StatusCode::CONFLICT,
        ),
        ApiError::Gone(_) => entry(
            c,
            Some(t(
                lang,
                "This pulse has closed: answers are no longer taken.",
            )),
            StatusCode::GONE,
        ),
        other => error_page(c, other),
    }
}

#[handler]
pub async fn show(req: &Request, Data(state): Data<&AppState>) -> Response {
    let guest = crate::web::session::Guest::new(state, req);
    let c = guest.chrome();
    let resp = match query_code(req) {
        None => entry(&c, None, StatusCode::OK),
        Some(typed) => match pulse(state, &typed, c.lang.as_str()).await {
            Ok(p) => {
                let action = format!("/k?code={}", shown(&typed).unwrap_or_default());
                html_response(
                    StatusCode::OK,
                    pulse_form(&c, &p, &action, &Form(vec![]), &Errors::default()),
                )
            }
            Err(e) => refused(&c, &e),
        },
    };
    guest.finish(resp)
}

#[handler]
pub async fn submit(req: &Request, Data(state): Data<&AppState>, body: Body) -> Response {
    let (guest, form) = match guest_form(state, req, body).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let c = guest.chrome();
    let typed = query_code(req).unwrap_or_default();
    let p = match pulse(state, &typed, c.lang.as_str()).await {
        Ok(p) => p,
        Err(e) => return guest.finish(refused(&c, &e)),
    };
    let action = format!("/k?code={}", shown(&typed).unwrap_or_default());
    let outcome = match answers_from_form(&p.questions, &form) {
        Ok(given) => answer(state, &typed, given, form.get("allow_replies").is_some()).await,
        Err(e) => Err(e),
    };
    let resp = match outcome {
        Ok(None) => html_response(
            StatusCode::OK,
            page(
                &c,
                t(c.lang, "Answer with a code"),
                html! {
                    p.notice role="status" { (t(c.lang, "Thank you, your answers were recorded.")) }
                    p { a href="/k" { (t(c.lang, "Answer with another code")) } }
                },
            ),
        ),
        Ok(Some(code)) => html_response(StatusCode::OK, code_page(&c, &code, &guest.csrf)),
        Err(e @ (ApiError::Validation { .. } | ApiError::ValidationMany(_))) => html_response(
            status_of(&e),
            pulse_form(&c, &p, &action, &form, &Errors::from_api(c.lang, &e)),
        ),
        Err(e) => refused(&c, &e),
    };
    guest.finish(resp)
}

/// The printing page: the round's teams with people no message reaches.
#[handler]
pub async fn teams(Path(id): Path<String>, Signed(state, s, _): Signed<'_>) -> Response {
    let c = s.chrome();
    let lang = c.lang;
    let r = or_page!(&c, printable_teams(state, &s.principal, id).await);
    let title = tf(lang, "Kiosk codes for “{title}”", &[("title", &r.title)]);
    titled_page(
        &c,
        &title,
        html! {
            p { (t(lang, "People with neither an e-mail address nor a phone number get no message. Print a sheet of one-time codes for their team and hand the codes out at random, one each: a code answers this round once, for that team, and names nobody.")) }
            p.warning role="note" { (t(lang, "Hand codes out at random: if you know which code went to whom, you could tell that person's answers apart.")) }
            @if !r.open {
                p.warning role="status" { (t(lang, "This round is not open.")) }
            } @else if r.teams.is_empty() {
                p id="no-kiosk-teams" { (t(lang, "Everyone invited in your teams can be reached by e-mail or text message: no codes are needed.")) }
            } @else {
                div.table-wrap tabindex="0" { table id="kiosk-teams" {
                    caption.visually-hidden { (t(lang, "Teams")) }
                    thead { tr { th { (t(lang, "Team")) } th { (t(lang, "Codes")) } th { span.visually-hidden { (t(lang, "Print a sheet")) } } } }
                    tbody {
                        @for (team_id, name, n) in &r.teams {
                            tr {
                                td { (name) }
                                td { (n) }
                                td {
                                    form method="post" action={ "/rounds/" (r.round_id) "/kiosk" } {
                                        (csrf_field(&c))
                                        input type="hidden" name="team_id" value=(team_id);
                                        button type="submit" { (t(lang, "Print a sheet")) }
                                    }
                                }
                            }
                        }
                    }
                } }
                p.meta { (t(lang, "Printing again replaces the codes of the earlier sheet that were not used.")) }
            }
        },
    )
}

/// Prints a sheet: the codes with their QR codes, ready for the printer.
#[handler]
pub async fn print_sheet(
    Path(id): Path<String>,
    Posted(state, s, form, _): Posted<'_>,
) -> Response {
    let c = s.chrome();
    let team = form.get("team_id").unwrap_or_default().to_owned();
    let sheet = or_page!(&c, print(state, &s.principal, id, team).await);
    html_response(StatusCode::OK, sheet_page(&c, &sheet))
}

/// The answer page a slip names: its link without the code (`/k` without a public URL).
fn answer_page(link: &str) -> &str {
    match link.split_once('?') {
        Some((page, _)) if link.starts_with("http") => page,
        _ => "/k",
    }
}

fn sheet_page(c: &Chrome, sheet: &KioskSheet) -> Markup {
    let lang = c.lang;
    let title = tf(
        lang,
        "{team}: codes for “{title}”",
        &[("team", &sheet.team), ("title", &sheet.title)],
    );
    let n = u64::try_from(sheet.codes.len()).unwrap_or(0);
    titled(
        c,
        &title,
        html! {
            p.no-print { (tn(lang, "{n} one-time code. Print this page and cut it into slips; these codes are not shown again.", "{n} one-time codes. Print this page and cut it into slips; these codes are not shown again.", n, &[])) }
            p.warning role="note" { (t(lang, "Hand codes out at random: if you know which code went to whom, you could tell that person's answers apart.")) }
            ul.kiosk-sheet id="kiosk-sheet" {
                @for k in &sheet.codes {
                    li.kiosk-slip {
                        // The SVG document inline, without its XML declaration.
                        span.kiosk-qr role="img" aria-label=(tf(lang, "QR code of {code}", &[("code", &k.code)])) {
                            (PreEscaped(k.qr_svg.find("<svg").map_or("", |i| &k.qr_svg[i..])))
                        }
                        p.kiosk-code { code { (k.code) } }
                        p.meta { (tf(lang, "Scan, or type the code at {link}. Open until {date}.", &[("link", answer_page(&k.link)), ("date", &c.when(sheet.closes_at))])) }
                    }
                }
            }
        },
    )
}
