//! The page frame (skip link, navigation by role, language switch, sign-out) and form
//! pieces: labelled fields with their error beside them. maud escapes every inserted
//! value, so text from people and the database can never become markup.

use maud::{DOCTYPE, Markup, html};

use crate::auth::types::Me;
use crate::error::{ApiError, FieldError};
use crate::org::domain::Language;
use crate::web::i18n::{msg, t, tf, tn};

/// What every page needs to draw its frame.
pub struct Chrome<'a> {
    pub lang: Language,
    /// The time zone the page shows times in: the person's own, else the organisation's.
    pub tz: chrono_tz::Tz,
    pub me: Option<&'a Me>,
    pub csrf: &'a str,
    /// This page's path and query, where the language switch returns to.
    pub here: &'a str,
}

impl Chrome<'_> {
    /// A time as the page shows it: in the viewer's time zone, to the minute, with the
    /// zone's abbreviation (e.g. `2026-12-06 10:30 CET`).
    pub fn when(&self, t: chrono::NaiveDateTime) -> String {
        when_in(self.tz, t)
    }

    fn has_role(&self, role: &str) -> bool {
        self.me.is_some_and(|m| m.roles.iter().any(|r| r == role))
    }
}

/// The hidden form field that carries the CSRF token.
pub const CSRF_FIELD: &str = "csrf";

/// The hidden CSRF field every state-changing form carries.
pub fn csrf_field(c: &Chrome) -> Markup {
    html! { input type="hidden" name=(CSRF_FIELD) value=(c.csrf); }
}

/// A page's filter form, folded on a phone behind one "Filters" line that says how many
/// of the form's filters are `set` (one flag each; a tap or the keyboard opens it); on a
/// wider screen the form is always shown and the line is not (see `details.filters` in
/// the style sheet).
pub fn filters(lang: Language, set: &[bool], form: Markup) -> Markup {
    let set = set.iter().filter(|s| **s).count();
    html! {
        details.filters {
            summary {
                (t(lang, "Filters"))
                @if set > 0 {
                    " · " (tn(lang, "{n} active", "{n} active", u64::try_from(set).unwrap_or(u64::MAX), &[]))
                }
            }
            (form)
        }
    }
}

/// A whole page with `title` and `body`.
pub fn page(c: &Chrome, title: &str, body: Markup) -> Markup {
    let lang = c.lang;
    html! {
        (DOCTYPE)
        html lang=(lang.as_str()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · pulseline" }
                link rel="stylesheet" href="/static/style.css";
                link rel="icon" href="/favicon.svg" type="image/svg+xml";
                script src="/static/app.js" defer {}
            }
            body {
                a.skip href="#main" { (t(lang, "Skip to content")) }
                header.top {
                    a.brand href="/" { "pulseline" }
                    @if let Some(me) = c.me {
                        nav aria-label=(t(lang, "Main navigation")) {
                            ul {
                                li { a href="/pulses" { (t(lang, "My pulses")) } }
                                li { a href="/suggestions" { (t(lang, "Suggestions")) } }
                                li { a href="/conversations" { (t(lang, "Conversations")) } }
                                @if c.has_role("manager") || c.has_role("hr") || c.has_role("admin") {
                                    li { a href="/reports" { (t(lang, "Reports")) } }
                                    li { a href="/actions" { (t(lang, "Actions")) } }
                                }
                                @if c.has_role("hr") || c.has_role("admin") {
                                    li { a href="/hr/surveys" { (t(lang, "Surveys")) } }
                                    li { a href="/hr/people" { (t(lang, "People")) } }
                                    li { a href="/hr/teams" { (t(lang, "Teams")) } }
                                    li { a href="/hr/heatmap" { (t(lang, "Heatmap")) } }
                                    li { a href="/hr/linkage" { (t(lang, "Linkage")) } }
                                    li { a href="/hr/cx" { (t(lang, "Customer ratings")) } }
                                }
                                @if c.has_role("admin") {
                                    li { a href="/admin/audit" { (t(lang, "Audit log")) } }
                                    li { a href="/admin/retention" { (t(lang, "Retention")) } }
                                    li { a href="/admin/scim" { (t(lang, "Provisioning")) } }
                                    li { a href="/admin/webhooks" { (t(lang, "Webhooks")) } }
                                    li { a href="/admin/outbox" { (t(lang, "Outbox")) } }
                                }
                                li { a href="/password" { (t(lang, "Settings")) } }
                            }
                        }
                        form.inline method="post" action="/signout" {
                            (csrf_field(c))
                            span.who { (me.name) }
                            button type="submit" { (t(lang, "Sign out")) }
                        }
                    }
                    form.inline method="post" action="/language" {
                        (csrf_field(c))
                        input type="hidden" name="next" value=(c.here);
                        label for="lang-switch" { (t(lang, "Language")) }
                        select id="lang-switch" name="lang" {
                            option value="en" selected[lang == Language::En] { "English" }
                            option value="ru" selected[lang == Language::Ru] { "Русский" }
                        }
                        button type="submit" { (t(lang, "Switch")) }
                    }
                }
                main id="main" tabindex="-1" { (body) }
            }
        }
    }
}

/// A whole page whose heading is its `title`, then `body`.
pub fn titled(c: &Chrome, title: &str, body: Markup) -> Markup {
    page(
        c,
        title,
        html! {
            h1 { (title) }
            (body)
        },
    )
}

/// Errors to show on a form: by field name, plus one for the whole form.
#[derive(Default)]
pub struct Errors {
    pub fields: Vec<(String, String)>,
    pub general: Option<String>,
}

impl Errors {
    /// The API's error in the person's language, placed next to the field it names when
    /// it names one.
    pub fn from_api(lang: Language, err: &ApiError) -> Errors {
        let p = err.problem();
        match err {
            ApiError::Validation { field, message } => Errors {
                fields: vec![(field.clone(), msg(lang, message))],
                general: None,
            },
            ApiError::ValidationMany(list) => Errors {
                fields: list
                    .iter()
                    .map(|e| match e.row {
                        Some(r) => (
                            e.field.clone(),
                            tf(
                                lang,
                                "row {row}: {problem}",
                                &[
                                    ("row", &r.to_string()),
                                    ("problem", &field_message(lang, e)),
                                ],
                            ),
                        ),
                        None => (e.field.clone(), field_message(lang, e)),
                    })
                    .collect(),
                general: None,
            },
            _ => {
                let text = msg(lang, &err.msg());
                Errors {
                    fields: p.field.map(|f| vec![(f, text.clone())]).unwrap_or_default(),
                    general: Some(text),
                }
            }
        }
    }

    pub fn general(message: impl Into<String>) -> Errors {
        Errors {
            fields: vec![],
            general: Some(message.into()),
        }
    }

    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(f, _)| f == name)
            .map(|(_, m)| m.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.general.is_none()
    }

    /// Field errors whose field is not in `shown`: they go in the summary.
    fn unplaced<'a>(&'a self, shown: &'a [&str]) -> impl Iterator<Item = &'a (String, String)> {
        self.fields
            .iter()
            .filter(move |(f, _)| !shown.contains(&f.as_str()))
    }

    /// The summary at the top of a form: the general error, and field errors that have
    /// no field on the form to sit beside.
    pub fn summary(&self, lang: Language, shown: &[&str]) -> Markup {
        let unplaced: Vec<_> = self.unplaced(shown).collect();
        html! {
            @if self.general.is_some() || !self.fields.is_empty() {
                div.alert role="alert" {
                    @if let Some(g) = &self.general {
                        p { (g) }
                    } @else {
                        p { (t(lang, "Please correct the marked fields.")) }
                    }
                    @if !unplaced.is_empty() {
                        ul { @for (f, m) in &unplaced { li { code { (f) } ": " (m) } } }
                    }
                }
            }
        }
    }
}

/// A field or row error's message in the person's language.
pub fn field_message(lang: Language, e: &FieldError) -> String {
    match &e.msg {
        Some(m) => msg(lang, m),
        None => e.message.clone(),
    }
}

/// The HTML id of a field.
pub fn field_id(name: &str) -> String {
    let clean: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("f-{clean}")
}

/// One labelled input with its hint and its error beside it.
pub struct Field<'a> {
    pub name: &'a str,
    pub label: &'a str,
    pub kind: &'a str,
    pub value: &'a str,
    pub hint: Option<&'a str>,
    pub autocomplete: Option<&'a str>,
    pub required: bool,
    pub maxlength: Option<usize>,
}

impl<'a> Field<'a> {
    pub fn new(name: &'a str, label: &'a str) -> Field<'a> {
        Field {
            name,
            label,
            kind: "text",
            value: "",
            hint: None,
            autocomplete: None,
            required: false,
            maxlength: None,
        }
    }

    pub fn kind(mut self, kind: &'a str) -> Self {
        self.kind = kind;
        self
    }
    pub fn value(mut self, value: &'a str) -> Self {
        self.value = value;
        self
    }
    pub fn hint(mut self, hint: &'a str) -> Self {
        self.hint = Some(hint);
        self
    }
    pub fn autocomplete(mut self, a: &'a str) -> Self {
        self.autocomplete = Some(a);
        self
    }
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }
    pub fn maxlength(mut self, n: usize) -> Self {
        self.maxlength = Some(n);
        self
    }

    pub fn render(&self, errors: &Errors) -> Markup {
        let id = field_id(self.name);
        let err = errors.field(self.name);
        let hint_id = format!("{id}-hint");
        let err_id = format!("{id}-err");
        let described = match (self.hint.is_some(), err.is_some()) {
            (true, true) => Some(format!("{hint_id} {err_id}")),
            (true, false) => Some(hint_id.clone()),
            (false, true) => Some(err_id.clone()),
            (false, false) => None,
        };
        html! {
            div.field.invalid[err.is_some()] {
                label for=(id) { (self.label) }
                @if let Some(h) = self.hint { p.hint id=(hint_id) { (h) } }
                @if self.kind == "textarea" {
                    textarea id=(id) name=(self.name) required[self.required]
                        maxlength=[self.maxlength] aria-invalid=[err.map(|_| "true")]
                        aria-describedby=[described] data-counter=[self.maxlength] { (self.value) }
                } @else {
                    input id=(id) name=(self.name) type=(self.kind) value=(self.value)
                        required[self.required] maxlength=[self.maxlength]
                        autocomplete=[self.autocomplete]
                        aria-invalid=[err.map(|_| "true")] aria-describedby=[described];
                }
                @if let Some(m) = err { p.error id=(err_id) { (m) } }
            }
        }
    }
}

/// A labelled `select` with its error beside it.
pub fn select_field(
    name: &str,
    label: &str,
    options: &[(String, String)],
    selected: &str,
    errors: &Errors,
) -> Markup {
    let id = field_id(name);
    let err = errors.field(name);
    let err_id = format!("{id}-err");
    html! {
        div.field.invalid[err.is_some()] {
            label for=(id) { (label) }
            select id=(id) name=(name) aria-invalid=[err.map(|_| "true")]
                aria-describedby=[err.map(|_| err_id.as_str())] {
                @for (value, text) in options {
                    option value=(value) selected[value == selected] { (text) }
                }
            }
            @if let Some(m) = err { p.error id=(err_id) { (m) } }
        }
    }
}

/// A ticked-or-not box (value `1`) with its label after it and its hint below.
pub fn check_field(name: &str, label: &str, hint: &str, checked: bool) -> Markup {
    let id = field_id(name);
    let hint_id = format!("{id}-hint");
    html! {
        div.field {
            input id=(id) type="checkbox" name=(name) value="1"
                checked[checked] aria-describedby=(hint_id);
            " "
            label for=(id) { (label) }
            p.hint id=(hint_id) { (hint) }
        }
    }
}

/// A list's links to the previous and the next page: this page starts at `offset` and
/// shows up to `shown_to` of `total`, `per_page` at a time; `link(offset)` is the
/// address of the page that starts at `offset`.
pub fn pager(
    lang: Language,
    (offset, per_page): (i64, i64),
    (shown_to, total): (i64, i64),
    link: impl Fn(i64) -> String,
) -> Markup {
    html! {
        nav aria-label=(t(lang, "Pages of the list")) {
            @if offset > 0 {
                a href=(link((offset - per_page).max(0))) rel="prev" { (t(lang, "Previous page")) }
                " "
            }
            @if shown_to < total {
                a href=(link(shown_to)) rel="next" { (t(lang, "Next page")) }
            }
        }
    }
}

/// A list page's filter `select` named `name`: "All" (no filter) first, then each of
/// `options` as (value, text), the one whose value is `chosen` selected.
pub fn filter_select(
    lang: Language,
    name: &str,
    label: &str,
    options: impl IntoIterator<Item = (&'static str, &'static str)>,
    chosen: Option<&str>,
) -> Markup {
    let id = field_id(name);
    html! {
        div.field {
            label for=(id) { (label) }
            select id=(id) name=(name) {
                option value="" { (t(lang, "All")) }
                @for (value, text) in options {
                    option value=(value) selected[Some(value) == chosen] { (text) }
                }
            }
        }
    }
}

/// A date and time (stored in UTC) in the time zone `tz`, to the minute, with the zone's
/// abbreviation.
pub fn when_in(tz: chrono_tz::Tz, t: chrono::NaiveDateTime) -> String {
    crate::clock::in_zone(t, tz)
}
