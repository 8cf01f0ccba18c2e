//! How a page answers: HTML with a status, a 303 after an action, an error as a whole
//! page in the reader's language, and the submitted form it reads.

use poem::http::{StatusCode, header};
use poem::web::Multipart;
use poem::{Body, FromRequest, Request, RequestBody, Response};

use crate::error::ApiError;
use crate::web::i18n::{msg, t};
use crate::web::layout::{self, Chrome};

/// A 303 to where `to` says once an action succeeded, or the error as a page.
pub fn done_or_page<T>(
    c: &Chrome,
    outcome: Result<T, ApiError>,
    to: impl FnOnce(T) -> String,
) -> Response {
    match outcome {
        Ok(v) => see_other(&to(v)),
        Err(e) => error_page(c, &e),
    }
}

/// A 303 to `to`.
pub fn see_other(to: &str) -> Response {
    Response::builder()
        .status(StatusCode::SEE_OTHER)
        .header(header::LOCATION, to)
        .finish()
}

/// An HTML answer with `status`.
pub fn html(status: StatusCode, markup: maud::Markup) -> Response {
    Response::builder()
        .status(status)
        .content_type("text/html; charset=utf-8")
        .body(markup.into_string())
}

/// A 200 page whose heading is its `title`, then `body`.
pub fn titled_page(c: &Chrome, title: &str, body: maud::Markup) -> Response {
    html(StatusCode::OK, layout::titled(c, title, body))
}

/// An error as a whole page: 401 sends to sign-in, the rest explain themselves in the
/// person's language with the matching status (a 403 is a page, never a blank answer).
pub fn error_page(c: &Chrome, err: &ApiError) -> Response {
    let problem = err.problem();
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if status == StatusCode::UNAUTHORIZED {
        return see_other("/signin");
    }
    if let ApiError::Internal(e) = err {
        tracing::error!(error = ?e, "internal error on a page");
    }
    let (title, text) = match status {
        StatusCode::FORBIDDEN => (
            t(c.lang, "Not allowed"),
            t(
                c.lang,
                "Your role does not give access to this page. If you think it should, ask HR.",
            )
            .to_owned(),
        ),
        StatusCode::NOT_FOUND => (
            t(c.lang, "Not found"),
            t(
                c.lang,
                "This page or item does not exist, or is not visible to you.",
            )
            .to_owned(),
        ),
        StatusCode::INTERNAL_SERVER_ERROR => (
            t(c.lang, "Something went wrong"),
            t(c.lang, "The error has been logged. Please try again later.").to_owned(),
        ),
        _ => (t(c.lang, "This did not work"), msg(c.lang, &err.msg())),
    };
    html(
        status,
        layout::titled(
            c,
            title,
            maud::html! {
                p role="alert" { (text) }
                p { a href="/" { (t(c.lang, "Back to the start page")) } }
            },
        ),
    )
}

/// A submitted form: its fields in order.
pub struct Form(pub Vec<(String, String)>);

impl Form {
    /// Reads a form body (the body limit applies): `application/x-www-form-urlencoded`,
    /// or `multipart/form-data` when the form sends a file (a chosen file's content is
    /// the field's value; it must be UTF-8 text, and a field left without a file is
    /// empty).
    pub async fn read(req: &Request, body: Body) -> Result<Form, ApiError> {
        let multipart = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim_start().starts_with("multipart/form-data"));
        if multipart {
            return Form::read_multipart(req, body).await;
        }
        let bytes = body
            .into_bytes()
            .await
            .map_err(|e| ApiError::bad_request(format!("unreadable form: {e}"), None))?;
        serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
            .map(Form)
            .map_err(|e| ApiError::bad_request(format!("malformed form: {e}"), None))
    }

    async fn read_multipart(req: &Request, body: Body) -> Result<Form, ApiError> {
        let bad =
            |e: &dyn std::fmt::Display| ApiError::bad_request(format!("malformed form: {e}"), None);
        let mut parts = Multipart::from_request(req, &mut RequestBody::new(body))
            .await
            .map_err(|e| bad(&e))?;
        let mut fields = Vec::new();
        while let Some(part) = parts.next_field().await.map_err(|e| bad(&e))? {
            let name = part.name().unwrap_or_default().to_owned();
            let bytes = part.bytes().await.map_err(|e| {
                ApiError::bad_request(format!("unreadable form: {e}"), Some(name.clone()))
            })?;
            let text = String::from_utf8(bytes)
                .map_err(|_| ApiError::invalid(name.clone(), "the file is not UTF-8 text"))?;
            fields.push((name, text));
        }
        Ok(Form(fields))
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The value of `name`, or "".
    pub fn text(&self, name: &str) -> &str {
        self.get(name).unwrap_or("")
    }

    /// Every value of `name`, in the order sent (ticked boxes of one name).
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }
}
