//! The erasure of a person from the people page (admins): a confirmation page that says
//! what goes and what stays, with a box to tick and the choice to delete the person's
//! signed suggestions; the erasure itself is the API's own function
//! (`org::erasure::erase_person`), which checks the admin role again.

use maud::{Markup, html};
use poem::http::StatusCode;
use poem::web::Path;
use poem::{Response, handler};

use crate::error::ApiError;
use crate::org::erasure::erase_person;
use crate::org::service::get_person;
use crate::org::types::{ErasePerson, Person};
use crate::web::account::status_of;
use crate::web::i18n::t;
use crate::web::layout::{Chrome, Errors, csrf_field, page};
use crate::web::respond::{Form, html as html_response, see_other};
use crate::web::signed::{Hr, Posted, Signed};

fn confirm_view(c: &Chrome, person: &Person, form: &Form, errors: &Errors) -> Markup {
    let lang = c.lang;
    let delete = form.get("delete_suggestions").is_some();
    page(
        c,
        t(lang, "Erase a person"),
        html! {
            h1 { (t(lang, "Erase a person")) }
            (errors.summary(lang, &["confirm"]))
            p { strong { (person.name) } " · " (person.identifier()) }
            p { (t(lang, "Erasing removes the person's name, e-mail, team, roles, attributes, password and sessions. It cannot be undone.")) }
            p { (t(lang, "Their anonymous answers stay in the reports, which keep their numbers; their signed suggestions stay without an author unless you delete them.")) }
            form method="post" action={ "/hr/people/" (person.id) "/erase" } novalidate {
                (csrf_field(c))
                div.field {
                    input id="f-delete_suggestions" type="checkbox" name="delete_suggestions" value="1" checked[delete];
                    label for="f-delete_suggestions" { (t(lang, "Also delete their signed suggestions")) }
                }
                div.field.invalid[errors.field("confirm").is_some()] {
                    input id="f-confirm" type="checkbox" name="confirm" value="1" required
                        aria-invalid=[errors.field("confirm").map(|_| "true")]
                        aria-describedby=[errors.field("confirm").map(|_| "f-confirm-err")];
                    label for="f-confirm" { (t(lang, "I understand that this cannot be undone")) }
                    @if let Some(m) = errors.field("confirm") { p.error id="f-confirm-err" { (m) } }
                }
                button.primary type="submit" { (t(lang, "Erase")) }
                " "
                a href="/hr/people" { (t(lang, "Cancel")) }
            }
        },
    )
}

#[handler]
pub async fn confirm_page(Path(id): Path<String>, Signed(state, s, _): Signed<'_, Hr>) -> Response {
    let c = s.chrome();
    if !s.principal.is_admin {
        return crate::web::respond::error_page(&c, &ApiError::Forbidden);
    }
    let person = or_page!(&c, get_person(state, &s.principal, id).await);
    html_response(
        StatusCode::OK,
        confirm_view(&c, &person, &Form(vec![]), &Errors::default()),
    )
}

#[handler]
pub async fn erase(Path(id): Path<String>, Posted(state, s, form, _): Posted<'_, Hr>) -> Response {
    let c = s.chrome();
    let outcome = if form.get("confirm").is_none() {
        Err(ApiError::invalid(
            "confirm",
            "tick the box to confirm the erasure",
        ))
    } else {
        let body = ErasePerson {
            delete_suggestions: Some(form.get("delete_suggestions").is_some()),
        };
        erase_person(state, &s.principal, id.clone(), body).await
    };
    match outcome {
        Ok(_) => see_other("/hr/people"),
        Err(e) => {
            let person = or_page!(&c, get_person(state, &s.principal, id).await);
            html_response(
                status_of(&e),
                confirm_view(&c, &person, &form, &Errors::from_api(c.lang, &e)),
            )
        }
    }
}
