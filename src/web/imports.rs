//! HR imports on the pages: people (CSV with a dry-run preview of every row's errors,
//! then the real import with the new people's activation links) and CX ratings (CSV,
//! also with a dry run). Both call the API's own import functions.

use maud::{Markup, html};
use poem::http::StatusCode;
use poem::{Request, Response, handler};

use crate::cx::ingest::{Rows, ingest_ratings, parse_csv as parse_ratings};
use crate::cx::types::RatingInput;
use crate::error::{ApiError, FieldError};
use crate::org::domain::Language;
use crate::org::service::import_people_csv;
use crate::state::AppState;
use crate::web::account::{query, status_of};
use crate::web::i18n::{msg, t};
use crate::web::layout::{Chrome, Errors, Field, csrf_field, field_message, page};
use crate::web::people::people_section;
use crate::web::respond::{Form, error_page, html as html_response};
use crate::web::session::Session;
use crate::web::signed::{Hr, Posted, Signed};

const PEOPLE_HEADER: &str =
    "email,name,team,manager,location,job_family,start_date,language,roles,employee_number,phone";

/// An import error: a problem with the CSV as a whole sits beside the CSV field.
fn csv_errors(lang: Language, e: &ApiError) -> Errors {
    match e {
        ApiError::Validation { message, .. } => Errors {
            fields: vec![("csv".into(), msg(lang, message))],
            general: None,
        },
        ApiError::BadRequest { detail, .. } => Errors {
            fields: vec![("csv".into(), detail.clone())],
            general: None,
        },
        other => Errors::from_api(lang, other),
    }
}

/// What an import did: its counts and its row errors.
fn result_section(
    lang: Language,
    dry_run: bool,
    counts: &[(&'static str, u64)],
    errors: &[FieldError],
) -> Markup {
    html! {
        section.result aria-labelledby="result-h" {
            h2 id="result-h" { @if dry_run { (t(lang, "Dry run: nothing was written")) } @else { (t(lang, "Imported")) } }
            div.table-wrap tabindex="0" { table {
                caption.visually-hidden { (t(lang, "Summary")) }
                tbody { @for (label, n) in counts { tr { th scope="row" { (t(lang, label)) } td.num { (n) } } } }
            } }
            (errors_table(lang, errors))
        }
    }
}

/// The form with the chosen file's content, when there is one, as the pasted CSV: it
/// is what is imported, and what the form shows again after a dry run, so the import
/// that follows needs no second choice of the file.
fn pasted(form: Form) -> Form {
    let file = form.text("csv_file").to_owned();
    let mut fields: Vec<(String, String)> = form
        .0
        .into_iter()
        .filter(|(k, _)| k != "csv_file")
        .collect();
    if !file.trim().is_empty() {
        fields.retain(|(k, _)| k != "csv");
        fields.push(("csv".to_owned(), file));
    }
    Form(fields)
}

fn errors_table(lang: Language, errors: &[FieldError]) -> Markup {
    html! {
        @if !errors.is_empty() {
            p.hint id="rows-hint" { (t(lang, "Rows are numbered from 1, the first row after the header.")) }
            div.table-wrap tabindex="0" aria-describedby="rows-hint" { table {
                caption { (t(lang, "Row errors")) }
                thead { tr { th.num { (t(lang, "Row")) } th { (t(lang, "Column")) } th { (t(lang, "Problem")) } } }
                tbody { @for e in errors { tr {
                    td.num { (e.row.map(|r| r.to_string()).unwrap_or_default()) }
                    td { code { (e.field) } }
                    td { (field_message(lang, e)) }
                } } }
            } }
        }
    }
}

fn import_form(c: &Chrome, action: &str, form: &Form, errors: &Errors, hint: &str) -> Markup {
    let lang = c.lang;
    let dry = form.0.is_empty() || form.get("dry_run").is_some();
    html! {
        form method="post" action=(action) enctype="multipart/form-data" novalidate {
            (csrf_field(c))
            div.field.invalid[errors.field("csv_file").is_some()] {
                label for="f-csv_file" { (t(lang, "CSV file")) }
                input id="f-csv_file" type="file" name="csv_file" accept=".csv,text/csv"
                    aria-invalid=[errors.field("csv_file").map(|_| "true")]
                    aria-describedby=[errors.field("csv_file").map(|_| "f-csv_file-err")];
                @if let Some(m) = errors.field("csv_file") { p.error id="f-csv_file-err" { (m) } }
            }
            (Field::new("csv", t(lang, "… or paste the CSV")).kind("textarea").value(form.text("csv")).hint(hint).render(errors))
            div.field {
                input id="f-dry_run" type="checkbox" name="dry_run" value="1" checked[dry];
                " " label for="f-dry_run" { (t(lang, "Dry run: check every row and show what would happen, without writing")) }
            }
            @if action.contains("people") {
                div.field {
                    input id="f-partial" type="checkbox" name="partial" value="1" checked[form.get("partial").is_some()];
                    " " label for="f-partial" { (t(lang, "Import the valid rows even if some rows are invalid")) }
                }
            }
            button.primary type="submit" { (t(lang, "Check or import")) }
        }
    }
}

fn people_view(c: &Chrome, list: Markup, form: &Form, errors: &Errors, result: Markup) -> Markup {
    let lang = c.lang;
    page(
        c,
        t(lang, "People"),
        html! {
            h1 { (t(lang, "People")) }
            p { a.button href="/hr/people/new" { (t(lang, "Add a person")) } }
            (list)
            (result)
            h2 { (t(lang, "Import people from CSV")) }
            (errors.summary(lang, &["csv"]))
            p.hint { (t(lang, "A team is given by its id, its key for imports, its name, or its path like Company/Sales.")) }
            (import_form(c, "/hr/people/import", form, errors, PEOPLE_HEADER))
        },
    )
}

#[handler]
pub async fn people(req: &Request, Signed(state, s, _): Signed<'_, Hr>) -> Response {
    let list = or_page!(&s.chrome(), people_section(state, &s, &query(req)).await);
    html_response(
        StatusCode::OK,
        people_view(
            &s.chrome(),
            list,
            &Form(vec![]),
            &Errors::default(),
            html! {},
        ),
    )
}

#[handler]
pub async fn import_people(Posted(state, s, form, _): Posted<'_, Hr>) -> Response {
    let form = pasted(form);
    let c = s.chrome();
    let lang = c.lang;
    let dry = form.get("dry_run").is_some();
    let outcome = import_people_csv(
        state,
        &s.principal,
        form.text("csv").as_bytes(),
        dry,
        form.get("partial").is_some(),
    )
    .await;
    match outcome {
        Ok(r) => {
            let result = html! {
                (result_section(lang, r.dry_run, &[
                    ("Rows read", r.rows), ("New people", r.created),
                    ("Updated people", r.updated), ("Rows skipped", r.skipped),
                ], &r.errors))
                section {
                    @if !r.activations.is_empty() {
                        h3 { (t(lang, "Activation links, shown once")) }
                        ul { @for a in &r.activations {
                            li { (a.identifier()) ": " code { "/activate?token=" (a.activation_token) } }
                        } }
                    }
                }
            };
            let keep = if r.dry_run { form } else { Form(vec![]) };
            html_response(
                StatusCode::OK,
                people_view(
                    &c,
                    people_list(state, &s).await,
                    &keep,
                    &Errors::default(),
                    result,
                ),
            )
        }
        Err(ApiError::ValidationMany(list)) => {
            let result = html! {
                div.alert role="alert" {
                    p { (t(lang, "Nothing was imported: fix these rows, or tick the box to import only the valid ones.")) }
                }
                (errors_table(lang, &list))
            };
            html_response(
                StatusCode::UNPROCESSABLE_ENTITY,
                people_view(
                    &c,
                    people_list(state, &s).await,
                    &form,
                    &Errors::default(),
                    result,
                ),
            )
        }
        Err(ApiError::Forbidden) => error_page(&c, &ApiError::Forbidden),
        Err(e) => {
            let errors = csv_errors(lang, &e);
            html_response(
                status_of(&e),
                people_view(&c, people_list(state, &s).await, &form, &errors, html! {}),
            )
        }
    }
}

/// The list of people as the import leaves it (first page), or nothing if it cannot be
/// read.
async fn people_list(state: &AppState, s: &Session) -> Markup {
    people_section(state, s, &Form(vec![]))
        .await
        .unwrap_or_default()
}

fn cx_view(c: &Chrome, form: &Form, errors: &Errors, result: Markup) -> Markup {
    let lang = c.lang;
    page(
        c,
        t(lang, "Customer ratings"),
        html! {
            h1 { (t(lang, "Customer ratings")) }
            (result)
            h2 { (t(lang, "Import ratings from CSV")) }
            (errors.summary(lang, &["csv"]))
            p.hint { (t(lang, "A team is given by its id, its key for imports, its name, or its path like Company/Sales.")) }
            (import_form(c, "/hr/cx/import", form, errors, "external_id,team,metric,score,occurred_on"))
        },
    )
}

#[handler]
pub async fn cx(Signed(_, s, _): Signed<'_, Hr>) -> Response {
    html_response(
        StatusCode::OK,
        cx_view(&s.chrome(), &Form(vec![]), &Errors::default(), html! {}),
    )
}

#[handler]
pub async fn import_cx(Posted(state, s, form, _): Posted<'_>) -> Response {
    let form = pasted(form);
    let c = s.chrome();
    let lang = c.lang;
    let rows: Result<Vec<Result<RatingInput, FieldError>>, ApiError> =
        parse_ratings(form.text("csv").as_bytes());
    let outcome = match rows {
        Ok(rows) => {
            let dry = form.get("dry_run").is_some();
            ingest_ratings(state, &s.principal, rows, dry, Rows::Csv).await
        }
        Err(e) => Err(e),
    };
    match outcome {
        Ok(r) => {
            let result = html! {
                (result_section(lang, r.dry_run, &[
                    ("Rows read", u64::try_from(r.received).unwrap_or(0)),
                    ("New ratings", u64::try_from(r.accepted).unwrap_or(0)),
                    ("Already stored", u64::try_from(r.duplicates).unwrap_or(0)),
                ], &r.errors))
            };
            html_response(
                StatusCode::OK,
                cx_view(&c, &form, &Errors::default(), result),
            )
        }
        Err(ApiError::Forbidden) => error_page(&c, &ApiError::Forbidden),
        Err(e) => {
            let errors = csv_errors(lang, &e);
            html_response(status_of(&e), cx_view(&c, &form, &errors, html! {}))
        }
    }
}
