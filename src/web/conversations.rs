//! Conversations on the web.
//!
//! - **The author's page** `/conversations`: a code is typed (or remembered on this
//!   device) and opens the conversations about the author's comments or anonymous
//!   suggestion, with a form to answer back or close each one. The page never looks at
//!   a sign-in: it works the same for a signed-in colleague, a personal link or a kiosk
//!   (its form carries the pre-session CSRF token), and nothing on the server notes who
//!   opened which code. "Remember my codes on this device" keeps the codes in a cookie
//!   sent only to `/conversations` (HttpOnly, SameSite=Strict); "forget" clears it.
//! - **The code panel** shown once after an answer that allows replies ([`code_page`]).
//! - **A manager's or HR's page** `/comment-threads/{id}`, reached from a comment of the
//!   report, to read and reply to a comment's author.

use maud::{Markup, html};
use poem::http::StatusCode;
use poem::web::{Data, Path};
use poem::{Body, Request, Response, handler};

use crate::conversations::code;
use crate::conversations::service::{author_post, by_code, read_thread, reply};
use crate::conversations::types::{
    AuthorPost, Conversation, ConversationKind, MESSAGE_MAX, ReplyPost, Side, Thread,
};
use crate::error::ApiError;
use crate::org::domain::Language;
use crate::state::AppState;
use crate::web::account::status_of;
use crate::web::i18n::t;
use crate::web::layout::{Chrome, Errors, Field, check_field, page};
use crate::web::respond::{error_page, html as html_response};
use crate::web::session::{Guest, cookie, guest_form, set_cookie, with_cookie};
use crate::web::signed::{Posted, Signed};

/// The cookie that remembers codes on a device; sent only to the conversations page.
const CODES_COOKIE: &str = "pulseline_codes";
/// How many codes a device remembers at most.
const CODES_MAX: usize = 20;
const CODES_AGE: i64 = 400 * 86_400;

fn remembered(req: &Request) -> Vec<String> {
    cookie(req, CODES_COOKIE)
        .map(|v| {
            v.split('.')
                .filter(|c| !c.is_empty() && c.len() <= 128)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// The form a code is remembered in: a conversation code's canonical groups, or a
/// follow-up code as it is (URL-safe base64); `None` for anything else, which a cookie
/// could not carry safely.
fn storable(typed: &str) -> Option<String> {
    if let Some(c) = code::normalise(typed) {
        let groups: Vec<&str> = (0..c.len()).step_by(4).map(|i| &c[i..i + 4]).collect();
        return Some(groups.join("-"));
    }
    let t = typed.trim();
    (!t.is_empty()
        && t.len() <= 128
        && t.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
    .then(|| t.to_owned())
}

fn codes_cookie(state: &AppState, req: &Request, codes: &[String]) -> String {
    let value = codes.join(".");
    let age = if codes.is_empty() { 0 } else { CODES_AGE };
    set_cookie(state, req, CODES_COOKIE, &value, age).replacen("Path=/;", "Path=/conversations;", 1)
}

/// The checkbox on a pulse with comment questions.
pub fn allow_replies_field(lang: Language, checked: bool) -> Markup {
    check_field(
        "allow_replies",
        t(lang, "Allow replies to my comments"),
        t(
            lang,
            "You get a conversation code, shown once. With it, and only with it, you read your manager's or HR's replies and answer back, without your name. Nobody can link the code to you.",
        ),
        checked,
    )
}

/// The thank-you page after an answer that allows replies: the code, shown once, to copy
/// or remember on this device. `csrf` is the pre-session token of the conversations
/// page's form.
pub fn code_page(c: &Chrome, code: &str, csrf: &str) -> Markup {
    let lang = c.lang;
    page(
        c,
        t(lang, "Thank you, your answers were recorded."),
        html! {
            h1 { (t(lang, "Thank you, your answers were recorded.")) }
            section.code-panel aria-labelledby="code-h" {
                h2 id="code-h" { (t(lang, "Your conversation code")) }
                p { (t(lang, "Keep this code: it is shown only now and it is the only way to read replies to your comments. Replies can come once the pulse has closed, if your group's comments are shown.")) }
                p.code { code id="conversation-code" { (code) } " "
                    button type="button" data-copy="conversation-code" hidden { (t(lang, "Copy")) } }
                form method="post" action="/conversations" {
                    input type="hidden" name="csrf" value=(csrf);
                    input type="hidden" name="code" value=(code);
                    input type="hidden" name="remember" value="1";
                    button type="submit" { (t(lang, "Remember it on this device")) }
                }
                p { a href="/pulses" { (t(lang, "Back to my pulses")) } }
            }
        },
    )
}

fn side_label(lang: Language, s: Side, for_author: bool) -> &'static str {
    match (s, for_author) {
        (Side::Author, true) => t(lang, "You"),
        (Side::Author, false) => t(lang, "The author"),
        (Side::Manager, true) => t(lang, "Your manager"),
        (Side::Manager, false) => t(lang, "A manager"),
        (Side::Hr, _) => t(lang, "HR"),
    }
}

fn messages(lang: Language, th: &Thread, for_author: bool) -> Markup {
    html! {
        @if th.messages.is_empty() {
            p { (t(lang, "No message yet.")) }
        } @else {
            ol.replies {
                @for m in &th.messages {
                    li data-side=(m.from.as_str()) {
                        p.meta { strong { (side_label(lang, m.from, for_author)) } " · " (m.on.to_string()) }
                        @for para in m.text.split("\n\n") { p { (para) } }
                    }
                }
            }
        }
        @if let Some(by) = th.closed_by {
            p.notice role="status" { (t(lang, "This conversation is closed.")) " (" (side_label(lang, by, for_author)) ")" }
        }
    }
}

fn thread_form(
    lang: Language,
    action: &str,
    hidden: &[(&str, &str)],
    csrf: &str,
    n: usize,
    errors: Option<&Errors>,
) -> Markup {
    let id = format!("f-text-{n}");
    let err = errors.and_then(|e| e.field("text").or(e.general.as_deref()));
    html! {
        form method="post" action=(action) {
            input type="hidden" name="csrf" value=(csrf);
            @for (k, v) in hidden { input type="hidden" name=(k) value=(v); }
            div.field.invalid[err.is_some()] {
                label for=(id) { (t(lang, "Your message")) }
                textarea id=(id) name="text" maxlength=(MESSAGE_MAX) data-counter=(MESSAGE_MAX) {}
                @if let Some(m) = err { p.error role="alert" { (m) } }
            }
            button.primary type="submit" { (t(lang, "Send")) }
            " "
            button type="submit" name="close" value="1" { (t(lang, "Close the conversation")) }
        }
    }
}

fn conversation_view(
    lang: Language,
    code: &str,
    conv: &Conversation,
    csrf: &str,
    failed: Option<(&str, &Errors)>,
) -> Markup {
    html! {
        @for (i, th) in conv.threads.iter().enumerate() {
            article.thread data-thread=(th.id) {
                h2 { @match conv.kind {
                    ConversationKind::Comment => (t(lang, "About your comment")),
                    ConversationKind::Suggestion => (t(lang, "About your suggestion")),
                } }
                blockquote { (th.about) }
                (messages(lang, th, true))
                @if !th.readable {
                    p.notice { (t(lang, "Your group's comments are not shown to managers (the group is too small), so nobody can read or answer this conversation.")) }
                } @else if !th.closed {
                    (thread_form(lang, "/conversations", &[("code", code), ("thread_id", &th.id)], csrf, i,
                        failed.filter(|(id, _)| *id == th.id).map(|(_, e)| e)))
                }
            }
        }
    }
}

fn code_form(lang: Language, csrf: &str, code: &str, errors: &Errors) -> Markup {
    html! {
        form method="post" action="/conversations" {
            input type="hidden" name="csrf" value=(csrf);
            (Field::new("code", t(lang, "Conversation or follow-up code")).value(code)
                .autocomplete("off").required().maxlength(128).render(errors))
            div.field {
                input id="f-remember" type="checkbox" name="remember" value="1";
                " "
                label for="f-remember" { (t(lang, "Remember my codes on this device")) }
            }
            button.primary type="submit" { (t(lang, "Open its conversations")) }
        }
    }
}

/// The codes page as it first shows: nothing typed, nothing refused.
fn codes_view(
    g: &Guest,
    opened: &[(String, Conversation)],
    remembers: bool,
    notice: Option<&str>,
) -> Markup {
    author_page(g, opened, "", &Errors::default(), None, remembers, notice)
}

fn author_page(
    g: &Guest,
    opened: &[(String, Conversation)],
    typed: &str,
    errors: &Errors,
    failed: Option<(&str, &Errors)>,
    remembers: bool,
    notice: Option<&str>,
) -> Markup {
    let c = g.chrome();
    let lang = c.lang;
    page(
        &c,
        t(lang, "Your conversations"),
        html! {
            h1 { (t(lang, "Your conversations")) }
            @if let Some(n) = notice { p.notice role="status" { (n) } }
            p { (t(lang, "Read and answer replies to your comments and anonymous suggestions with their code. Nobody sees your name: your messages show as from the author.")) }
            @for (code, conv) in opened {
                section.conversation { (conversation_view(lang, code, conv, &g.csrf, failed)) }
            }
            h2 { (t(lang, "Open a code")) }
            (code_form(lang, &g.csrf, typed, errors))
            @if remembers {
                form method="post" action="/conversations" {
                    input type="hidden" name="csrf" value=(g.csrf);
                    input type="hidden" name="forget" value="1";
                    button type="submit" { (t(lang, "Forget the codes remembered on this device")) }
                }
            }
        },
    )
}

/// The codes remembered on this device that still open something, each with it.
async fn open_all(state: &AppState, codes: &[String]) -> Vec<(String, Conversation)> {
    let mut out = Vec::new();
    for code in codes {
        if let Ok(conv) = by_code(state, code).await {
            out.push((code.clone(), conv));
        }
    }
    out
}

#[handler]
pub async fn codes_page(req: &Request, Data(state): Data<&AppState>) -> Response {
    let g = Guest::new(state, req);
    let codes = remembered(req);
    let opened = open_all(state, &codes).await;
    let body = codes_view(&g, &opened, !codes.is_empty(), None);
    g.finish(html_response(StatusCode::OK, body))
}

#[handler]
pub async fn codes_post(req: &Request, Data(state): Data<&AppState>, body: Body) -> Response {
    let (g, form) = match guest_form(state, req, body).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let lang = g.lang;
    let mut codes = remembered(req);
    if form.get("forget").is_some() {
        let page = codes_view(&g, &[], false, None);
        return g.finish(with_cookie(
            html_response(StatusCode::OK, page),
            &codes_cookie(state, req, &[]),
        ));
    }
    // One spelling of a code (its canonical groups), so that a code typed in lower
    // case or with spaces is the one remembered and shown once.
    let typed = form.text("code").trim();
    let code = storable(typed).unwrap_or_else(|| typed.to_owned());
    let text = Some(form.text("text")).filter(|s| !s.trim().is_empty());
    let close = form.get("close").is_some();
    let writes = text.is_some() || close;
    let outcome = if writes {
        let post = AuthorPost {
            thread_id: form.get("thread_id").map(str::to_owned),
            text: text.map(str::to_owned),
            close: Some(close),
        };
        author_post(state, &code, post).await
    } else {
        by_code(state, &code).await
    };
    match outcome {
        Ok(conv) => {
            let remember = form.get("remember").is_some()
                && storable(&code).is_some()
                && !codes.contains(&code);
            if remember {
                codes.insert(0, code.clone());
                codes.truncate(CODES_MAX);
            }
            let mut opened = open_all(state, &codes).await;
            opened.retain(|(c, _)| *c != code);
            opened.insert(0, (code.clone(), conv));
            let page = codes_view(&g, &opened, !codes.is_empty(), None);
            let resp = html_response(StatusCode::OK, page);
            g.finish(if remember {
                with_cookie(resp, &codes_cookie(state, req, &codes))
            } else {
                resp
            })
        }
        // A pulse's code opens nothing until the pulse has closed; remembered now, it
        // opens on this page once it does.
        Err(ApiError::NotFound(_))
            if form.get("remember").is_some() && code::normalise(&code).is_some() =>
        {
            if !codes.contains(&code) {
                codes.insert(0, code.clone());
                codes.truncate(CODES_MAX);
            }
            let opened = open_all(state, &codes).await;
            let note = t(
                lang,
                "The code is remembered on this device. Its conversations open here once the pulse has closed.",
            );
            let page = codes_view(&g, &opened, true, Some(note));
            let resp = html_response(StatusCode::OK, page);
            g.finish(with_cookie(resp, &codes_cookie(state, req, &codes)))
        }
        Err(ApiError::NotFound(_)) => {
            let errors = Errors {
                fields: vec![(
                    "code".into(),
                    t(lang, "Nothing opens with this code. A pulse's code works once the pulse has closed.").into(),
                )],
                general: None,
            };
            let opened = open_all(state, &codes).await;
            let page = author_page(&g, &opened, &code, &errors, None, !codes.is_empty(), None);
            g.finish(html_response(StatusCode::NOT_FOUND, page))
        }
        Err(e) if writes => {
            // The message is refused (too long, closed, unreadable): the conversation
            // again, with the reason beside the form it came from.
            let errors = Errors::from_api(lang, &e);
            let thread = form.text("thread_id").to_owned();
            let mut opened = open_all(state, &codes).await;
            if let Ok(conv) = by_code(state, &code).await {
                opened.retain(|(c, _)| *c != code);
                opened.insert(0, (code.clone(), conv));
            }
            let page = author_page(
                &g,
                &opened,
                "",
                &Errors::default(),
                Some((thread.as_str(), &errors)),
                !codes.is_empty(),
                None,
            );
            g.finish(html_response(status_of(&e), page))
        }
        Err(e) => g.finish(error_page(&g.chrome(), &e)),
    }
}

fn manager_view(c: &Chrome, th: &Thread, errors: Option<&Errors>) -> Markup {
    let lang = c.lang;
    page(
        c,
        t(lang, "Conversation about a comment"),
        html! {
            h1 { (t(lang, "Conversation about a comment")) }
            p { (t(lang, "The author allowed replies. They read your reply as from \"your manager\" or \"HR\", never with your name, and answer back without theirs.")) }
            blockquote { (th.about) }
            (messages(lang, th, false))
            @if !th.closed {
                (thread_form(lang, &format!("/comment-threads/{}", th.id), &[], c.csrf, 0, errors))
            }
            @if let Some(r) = &th.round_id { p { a href={ "/reports?round=" (r) } { (t(lang, "Back to the report")) } } }
        },
    )
}

#[handler]
pub async fn thread_page(Path(id): Path<String>, Signed(state, s, _): Signed<'_>) -> Response {
    let c = s.chrome();
    match read_thread(state, &s.principal, &id).await {
        Ok(th) => html_response(StatusCode::OK, manager_view(&c, &th, None)),
        Err(e) => error_page(&c, &e),
    }
}

#[handler]
pub async fn thread_post(
    Path(id): Path<String>,
    Posted(state, s, form, _): Posted<'_>,
) -> Response {
    let c = s.chrome();
    let post = ReplyPost {
        text: Some(form.text("text"))
            .filter(|t| !t.trim().is_empty())
            .map(str::to_owned),
        close: Some(form.get("close").is_some()),
    };
    match reply(state, &s.principal, &id, post).await {
        // The page again (a reload re-reads it; a second post of the same text is a
        // second message, as in any conversation).
        Ok(_) => crate::web::respond::see_other(&format!("/comment-threads/{id}")),
        Err(
            e @ (ApiError::Validation { .. } | ApiError::ValidationMany(_) | ApiError::Conflict(_)),
        ) => match read_thread(state, &s.principal, &id).await {
            Ok(th) => {
                let errors = Errors::from_api(c.lang, &e);
                html_response(status_of(&e), manager_view(&c, &th, Some(&errors)))
            }
            Err(e) => error_page(&c, &e),
        },
        Err(e) => error_page(&c, &e),
    }
}

#[cfg(test)]
mod tests {
    use super::storable;

    #[test]
    fn a_code_is_remembered_in_one_spelling_and_nothing_a_cookie_cannot_carry() {
        assert_eq!(
            storable(" abcd efgh jkmn pqrs tvwx ").as_deref(),
            Some("ABCD-EFGH-JKMN-PQRS-TVWX")
        );
        assert_eq!(storable("Zx_9-aQ").as_deref(), Some("Zx_9-aQ"));
        for unsafe_code in ["a;b", "a b", "a=b", "", "ж"] {
            assert_eq!(storable(unsafe_code), None, "{unsafe_code}");
        }
        assert_eq!(storable(&"a".repeat(129)), None);
    }
}
