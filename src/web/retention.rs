//! The retention settings page (admins, `/admin/retention`): how many months each kind
//! of data is kept, empty for ever. It saves through the API's own function
//! (`ops::retention::set`), which checks the role and the limits again.

use maud::{Markup, html};
use poem::http::StatusCode;
use poem::{Request, Response, handler};

use crate::error::ApiError;
use crate::ops::retention::{self, Retention};
use crate::web::account::status_of;
use crate::web::i18n::{t, tf};
use crate::web::layout::{Chrome, Errors, Field, csrf_field, page};
use crate::web::respond::{Form, html as html_response, see_other};
use crate::web::signed::{Hr, Posted, Signed};

/// The settings in the order the page shows them: (field, label, help).
const FIELDS: [(&str, &str, &str); 5] = [
    (
        "answers_months",
        "Survey answers",
        "Months after a round closes. The round's reports are deleted with its answers.",
    ),
    (
        "comments_months",
        "Comments",
        "Months after a round closes; the other answers are kept.",
    ),
    (
        "suggestions_months",
        "Closed suggestions",
        "Months after the last reply to a done or declined suggestion.",
    ),
    (
        "cx_months",
        "Customer ratings",
        "Months after the day a rating describes.",
    ),
    ("audit_months", "Audit log", "Months; at least {n}."),
];

fn value_of(r: &Retention, field: &str) -> Option<i32> {
    match field {
        "answers_months" => r.answers_months,
        "comments_months" => r.comments_months,
        "suggestions_months" => r.suggestions_months,
        "cx_months" => r.cx_months,
        _ => r.audit_months,
    }
}

fn view(c: &Chrome, form: &Form, errors: &Errors, saved: bool) -> Markup {
    let lang = c.lang;
    let min = crate::db::anonymous::AUDIT_LOG_MIN_MONTHS.to_string();
    let shown: Vec<&str> = FIELDS.iter().map(|f| f.0).collect();
    page(
        c,
        t(lang, "Data retention"),
        html! {
            h1 { (t(lang, "Data retention")) }
            @if saved { p.notice role="status" { (t(lang, "Saved.")) } }
            (errors.summary(lang, &shown))
            p { (t(lang, "A daily job deletes what is older than these limits, for good, and records each run in the audit log. Leave a field empty to keep that data for ever.")) }
            form method="post" action="/admin/retention" novalidate {
                (csrf_field(c))
                @for (name, label, help) in FIELDS {
                    @let hint = tf(lang, help, &[("n", &min)]);
                    (Field::new(name, t(lang, label)).kind("number")
                        .value(form.get(name).unwrap_or("")).hint(&hint).render(errors))
                }
                button.primary type="submit" { (t(lang, "Save")) }
            }
        },
    )
}

/// The stored settings as the form's fields.
fn as_form(r: &Retention) -> Form {
    Form(
        FIELDS
            .iter()
            .map(|(name, _, _)| {
                let v = value_of(r, name).map(|m| m.to_string()).unwrap_or_default();
                ((*name).to_owned(), v)
            })
            .collect(),
    )
}

#[handler]
pub async fn show(req: &Request, Signed(state, s, _): Signed<'_, Hr>) -> Response {
    let c = s.chrome();
    let r = or_page!(&c, retention::get(state, &s.principal).await);
    let saved = req.uri().query().is_some_and(|q| q.contains("saved=1"));
    html_response(
        StatusCode::OK,
        view(&c, &as_form(&r), &Errors::default(), saved),
    )
}

/// Reads one field: empty is for ever, else a whole number of months.
fn months(form: &Form, field: &'static str) -> Result<Option<i32>, ApiError> {
    match form.get(field).map(str::trim).unwrap_or("") {
        "" => Ok(None),
        v => v
            .parse::<i32>()
            .map(Some)
            .map_err(|_| ApiError::invalid(field, "must be a whole number of months")),
    }
}

fn parse(form: &Form) -> Result<Retention, ApiError> {
    Ok(Retention {
        answers_months: months(form, "answers_months")?,
        comments_months: months(form, "comments_months")?,
        suggestions_months: months(form, "suggestions_months")?,
        cx_months: months(form, "cx_months")?,
        audit_months: months(form, "audit_months")?,
    })
}

#[handler]
pub async fn save(Posted(state, s, form, _): Posted<'_, Hr>) -> Response {
    let c = s.chrome();
    let outcome = match parse(&form) {
        Ok(r) => retention::set(state, &s.principal, r).await,
        Err(e) => Err(e),
    };
    match outcome {
        Ok(_) => see_other("/admin/retention?saved=1"),
        Err(e) => html_response(
            status_of(&e),
            view(&c, &form, &Errors::from_api(c.lang, &e), false),
        ),
    }
}
