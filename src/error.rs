//! One error type for the whole API and its single mapping to HTTP: every error leaves
//! as RFC 9457 `application/problem+json` with a stable `type` a client can match on,
//! and validation errors name the offending field. Internal errors are logged with their
//! cause chain and answered with a generic body.

use std::borrow::Cow;

use poem::http::{HeaderValue, StatusCode, header};
use poem::{IntoResponse, Response};
use poem_openapi::registry::{MetaHeader, MetaMediaType, MetaResponse, MetaResponses, Registry};
use poem_openapi::types::Type;
use poem_openapi::{ApiResponse, Object};

pub const PROBLEM_JSON: &str = "application/problem+json";

/// A message for a person: an English template that is also its stable translation key
/// (with `{name}` placeholders), and the values for the placeholders. The API answers
/// with the English text; the pages look the template up and show it in the person's
/// language (`web::i18n::msg`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Msg {
    template: Cow<'static, str>,
    args: Vec<(&'static str, String)>,
    /// The placeholders whose values are fixed terms of the API (a cadence, a status)
    /// that a translation may show in its own words.
    terms: Vec<&'static str>,
    /// For a message with a count: the English singular form (the template is the
    /// plural one) and the count `{n}`, whose CLDR category picks the form.
    plural: Option<(&'static str, u64)>,
}

impl Msg {
    /// A message with placeholders to fill with [`Msg::arg`].
    pub fn new(template: &'static str) -> Msg {
        Msg {
            template: Cow::Borrowed(template),
            args: Vec::new(),
            terms: Vec::new(),
            plural: None,
        }
    }

    /// A message about `n` things, in its English forms for one and for other counts
    /// (e.g. `"{n} invalid item"`, `"{n} invalid items"`); `{n}` is filled with `n`.
    /// The `other` form is the translation key.
    pub fn plural(one: &'static str, other: &'static str, n: u64) -> Msg {
        Msg {
            template: Cow::Borrowed(other),
            args: vec![("n", n.to_string())],
            terms: Vec::new(),
            plural: Some((one, n)),
        }
    }

    /// The count of a plural message ([`Msg::plural`]).
    pub fn count(&self) -> Option<u64> {
        self.plural.map(|(_, n)| n)
    }

    /// Fills the placeholder `{name}` with `value`.
    pub fn arg(mut self, name: &'static str, value: impl std::fmt::Display) -> Msg {
        self.args.push((name, value.to_string()));
        self
    }

    /// Fills the placeholder `{name}` with `value`, a fixed term of the API (like
    /// `weekly` or `in_progress`) that a translation may replace with its own words.
    pub fn term(mut self, name: &'static str, value: &'static str) -> Msg {
        self.args.push((name, value.to_owned()));
        self.terms.push(name);
        self
    }

    /// The English template: the key a translation is looked up by.
    pub fn key(&self) -> &str {
        &self.template
    }

    /// `template` (this message's, or its translation) with the placeholders filled.
    pub fn fill(&self, template: &str) -> String {
        self.fill_translated(template, |_| None)
    }

    /// [`Msg::fill`], with each term replaced by what `term` says of it (when it says).
    pub fn fill_translated(
        &self,
        template: &str,
        term: impl Fn(&str) -> Option<&'static str>,
    ) -> String {
        let mut s = template.to_owned();
        for (k, v) in &self.args {
            let value = if self.terms.contains(k) {
                term(v).unwrap_or(v)
            } else {
                v
            };
            s = s.replace(&format!("{{{k}}}"), value);
        }
        s
    }
}

impl std::fmt::Display for Msg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let template = match self.plural {
            Some((one, n)) => crate::plural::english(n, one, &self.template),
            None => &self.template,
        };
        f.write_str(&self.fill(template))
    }
}

impl From<&'static str> for Msg {
    fn from(s: &'static str) -> Msg {
        Msg::new(s)
    }
}

/// A message made at run time (e.g. a parser's own words): shown as it is, in English.
impl From<String> for Msg {
    fn from(s: String) -> Msg {
        Msg {
            template: Cow::Owned(s),
            args: Vec::new(),
            terms: Vec::new(),
            plural: None,
        }
    }
}

/// One invalid field (or CSV row) in a validation problem.
#[derive(Object, Debug, Clone, PartialEq, serde::Serialize)]
pub struct FieldError {
    /// The JSON field, query parameter or CSV column at fault.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
    /// For imports: the 1-based data row (after the header) the error is on.
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row: Option<u64>,
    /// `message` with its translation key, for the pages (never serialised).
    #[oai(skip)]
    #[serde(skip)]
    pub msg: Option<Msg>,
}

impl FieldError {
    /// An error on `field` (in `row`, for imports).
    pub fn new(field: impl Into<String>, msg: impl Into<Msg>, row: Option<u64>) -> FieldError {
        let msg = msg.into();
        FieldError {
            field: field.into(),
            message: msg.to_string(),
            row,
            msg: Some(msg),
        }
    }
}

/// An RFC 9457 problem details body.
#[derive(Object, Debug, Clone, serde::Serialize)]
pub struct Problem {
    /// A stable URI naming the kind of problem, e.g. `urn:pulseline:problem:validation`.
    #[oai(rename = "type")]
    #[serde(rename = "type")]
    pub type_: String,
    /// A short summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong with this request.
    pub detail: String,
    /// For validation problems: the field at fault.
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// For validation problems with several faults (e.g. CSV rows): each of them.
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
}

#[derive(thiserror::Error, Debug)]
pub enum ApiError {
    #[error("{detail}")]
    BadRequest {
        detail: String,
        field: Option<String>,
    },
    #[error("authentication is required")]
    Unauthorized,
    #[error("you are not allowed to do this")]
    Forbidden,
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Conflict(Msg),
    #[error("{0}")]
    Gone(Msg),
    /// Up, but not ready to serve (503), with what it waits for.
    #[error("{0}")]
    NotReady(Msg),
    #[error("the request body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    #[error("{field}: {message}")]
    Validation { field: String, message: Msg },
    #[error("{}", invalid_items(.0))]
    ValidationMany(Vec<FieldError>),
    #[error("too many attempts; retry after {retry_after_secs} s")]
    TooManyRequests { retry_after_secs: u64 },
    #[error("the service is temporarily unavailable")]
    Unavailable(String),
    /// Password sign-in is switched off for this person (`PULSELINE_PASSWORD_LOGIN`).
    #[error("password sign-in is off here; sign in with your company account")]
    PasswordLoginOff,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// "3 invalid items": the message of a validation problem with several faults.
fn invalid_items(list: &[FieldError]) -> Msg {
    Msg::plural("{n} invalid item", "{n} invalid items", list.len() as u64)
}

impl ApiError {
    /// A validation error naming `field`.
    pub fn invalid(field: impl Into<String>, message: impl Into<Msg>) -> Self {
        ApiError::Validation {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn bad_request(detail: impl Into<String>, field: Option<String>) -> Self {
        ApiError::BadRequest {
            detail: detail.into(),
            field,
        }
    }

    /// What went wrong, as a message the pages can translate; the English text is the
    /// problem's `detail`.
    pub fn msg(&self) -> Msg {
        match self {
            ApiError::BadRequest { detail, .. } => Msg::from(detail.clone()),
            ApiError::Unauthorized => Msg::new("authentication is required"),
            ApiError::Forbidden => Msg::new("you are not allowed to do this"),
            ApiError::NotFound(what) => Msg::new("{what} not found").arg("what", what),
            ApiError::Conflict(m) | ApiError::Gone(m) | ApiError::NotReady(m) => m.clone(),
            ApiError::Validation { message, .. } => message.clone(),
            ApiError::PayloadTooLarge(n) => {
                Msg::new("the request body is larger than {n} bytes").arg("n", n)
            }
            ApiError::ValidationMany(list) => invalid_items(list),
            ApiError::TooManyRequests { retry_after_secs } => {
                Msg::new("too many attempts; retry after {s} s").arg("s", retry_after_secs)
            }
            ApiError::Unavailable(_) => Msg::new("the service is temporarily unavailable"),
            ApiError::PasswordLoginOff => {
                Msg::new("password sign-in is off here; sign in with your company account")
            }
            ApiError::Internal(_) => Msg::new("an internal error occurred; it has been logged"),
        }
    }

    pub fn unavailable(e: impl std::fmt::Display) -> Self {
        ApiError::Unavailable(e.to_string())
    }

    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden | ApiError::PasswordLoginOff => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::Gone(_) => StatusCode::GONE,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Validation { .. } | ApiError::ValidationMany(_) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) | ApiError::NotReady(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The problem+json body for this error.
    pub fn problem(&self) -> Problem {
        let status = self.status_code();
        let (slug, field, errors, detail) = match self {
            ApiError::BadRequest { field, detail } => {
                ("bad-request", field.clone(), None, detail.clone())
            }
            ApiError::Unauthorized => ("unauthorized", None, None, self.to_string()),
            ApiError::Forbidden => ("forbidden", None, None, self.to_string()),
            ApiError::PasswordLoginOff => ("password-login-off", None, None, self.to_string()),
            ApiError::NotFound(_) => ("not-found", None, None, self.to_string()),
            ApiError::Conflict(_) => ("conflict", None, None, self.to_string()),
            ApiError::Gone(_) => ("gone", None, None, self.to_string()),
            ApiError::PayloadTooLarge(_) => ("payload-too-large", None, None, self.to_string()),
            ApiError::Validation { field, message } => {
                ("validation", Some(field.clone()), None, message.to_string())
            }
            ApiError::ValidationMany(list) => (
                "validation",
                list.first().map(|e| e.field.clone()),
                Some(list.clone()),
                self.to_string(),
            ),
            ApiError::TooManyRequests { .. } => ("too-many-requests", None, None, self.to_string()),
            ApiError::Unavailable(_) => ("unavailable", None, None, self.to_string()),
            ApiError::NotReady(_) => ("not-ready", None, None, self.to_string()),
            ApiError::Internal(_) => (
                "internal",
                None,
                None,
                "an internal error occurred; it has been logged".to_owned(),
            ),
        };
        Problem {
            type_: format!("urn:pulseline:problem:{slug}"),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail,
            field,
            errors,
        }
    }
}

/// Serialises a problem with its status and the problem+json content type.
pub fn problem_response(problem: &Problem) -> Response {
    let body = serde_json::to_vec(problem).unwrap_or_else(|_| b"{}".to_vec());
    Response::builder()
        .status(StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .header(header::CONTENT_TYPE, PROBLEM_JSON)
        .body(body)
}

impl poem::error::ResponseError for ApiError {
    fn status(&self) -> StatusCode {
        self.status_code()
    }

    fn as_response(&self) -> Response {
        match self {
            ApiError::Internal(e) => tracing::error!(error = ?e, "internal error"),
            ApiError::Unavailable(e) => tracing::warn!(error = %e, "dependency unavailable"),
            _ => {}
        }
        let mut resp = problem_response(&self.problem());
        if let ApiError::TooManyRequests { retry_after_secs } = self
            && let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        resp
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        poem::error::ResponseError::as_response(&self)
    }
}

/// The statuses any operation may answer with, each a problem+json body.
const ERROR_STATUSES: &[(u16, &str)] = &[
    (
        400,
        "The request is malformed (bad JSON, wrong types, bad parameters).",
    ),
    (401, "Authentication is missing or invalid."),
    (403, "The caller's role does not allow this."),
    (
        404,
        "The resource does not exist or is not visible to the caller.",
    ),
    (409, "The request conflicts with the current state."),
    (
        410,
        "The resource existed but is no longer available (e.g. an expired token).",
    ),
    (413, "The request body is too large."),
    (
        415,
        "The request body's `Content-Type` is missing or not one this operation reads.",
    ),
    (422, "A field failed validation; `field` names it."),
    (429, "Too many attempts; see `Retry-After`."),
    (500, "An internal error."),
    (503, "The database is unavailable."),
];

impl ApiResponse for ApiError {
    fn meta() -> MetaResponses {
        MetaResponses {
            responses: ERROR_STATUSES
                .iter()
                .map(|(status, description)| MetaResponse {
                    description,
                    status: Some(*status),
                    status_range: None,
                    content: vec![MetaMediaType {
                        content_type: PROBLEM_JSON,
                        schema: Problem::schema_ref(),
                    }],
                    headers: if *status == 429 {
                        vec![MetaHeader {
                            name: "Retry-After".into(),
                            description: Some("Seconds to wait before retrying.".into()),
                            required: true,
                            deprecated: false,
                            schema: u64::schema_ref(),
                        }]
                    } else {
                        vec![]
                    },
                })
                .collect(),
        }
    }

    fn register(registry: &mut Registry) {
        Problem::register(registry);
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match e {
            Error::NotFound => ApiError::NotFound("resource"),
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                tracing::debug!(constraint = ?info.constraint_name(), "unique violation");
                ApiError::Conflict("a record with the same unique value already exists".into())
            }
            Error::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => {
                ApiError::Conflict("the record is referenced by, or references, another".into())
            }
            other => ApiError::Internal(anyhow::Error::new(other)),
        }
    }
}

/// Maps any error poem or poem-openapi produced (parse failures, missing auth, unknown
/// routes, wrong methods) to problem+json, keeping our own errors as they are.
pub fn poem_error_to_problem(err: poem::Error) -> Response {
    if err.is::<ApiError>() {
        return err.into_response();
    }
    let status = err.status();
    let message = err.to_string();
    let problem = match status {
        StatusCode::UNAUTHORIZED => ApiError::Unauthorized.problem(),
        StatusCode::NOT_FOUND => ApiError::NotFound("route or resource").problem(),
        StatusCode::PAYLOAD_TOO_LARGE => Problem {
            detail: message,
            ..ApiError::PayloadTooLarge(0).problem()
        },
        s if s.is_server_error() => {
            tracing::error!(error = %message, "unhandled server error");
            ApiError::Internal(anyhow::anyhow!("unhandled")).problem()
        }
        s => {
            let slug = match s {
                StatusCode::METHOD_NOT_ALLOWED => "method-not-allowed",
                StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported-media-type",
                StatusCode::NOT_ACCEPTABLE => "not-acceptable",
                _ => "bad-request",
            };
            Problem {
                type_: format!("urn:pulseline:problem:{slug}"),
                title: s.canonical_reason().unwrap_or("Error").to_owned(),
                status: s.as_u16(),
                field: field_from_message(&message),
                detail: message,
                errors: None,
            }
        }
    };
    let mut resp = problem_response(&problem);
    if status == StatusCode::METHOD_NOT_ALLOWED {
        resp.set_status(status);
    }
    resp
}

/// Best effort to name the field in a parse error message from poem-openapi, which
/// quotes it as `field \`name\``, `parameter \`name\`` or a serde `` `name` ``.
fn field_from_message(message: &str) -> Option<String> {
    for marker in ["field `", "parameter `", "Parameter `", "\"name\": \""] {
        if let Some(start) = message.find(marker) {
            let rest = &message[start + marker.len()..];
            if let Some(end) = rest.find(['`', '"']) {
                return Some(rest[..end].to_owned());
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_validation_error_names_its_field() {
        let p = ApiError::invalid("email", "not an e-mail address").problem();
        assert_eq!(p.status, 422);
        assert_eq!(p.field.as_deref(), Some("email"));
        assert_eq!(p.type_, "urn:pulseline:problem:validation");
    }

    #[test]
    fn the_message_is_the_problem_detail() {
        let errors = [
            ApiError::bad_request("malformed JSON", None),
            ApiError::Unauthorized,
            ApiError::Forbidden,
            ApiError::NotFound("survey"),
            ApiError::Conflict("the round is not open".into()),
            ApiError::Gone(Msg::new("at most {n} rows per import").arg("n", 1)),
            ApiError::PayloadTooLarge(10),
            ApiError::invalid(
                "title",
                Msg::new("must be at most {n} characters").arg("n", 7),
            ),
            ApiError::ValidationMany(vec![FieldError::new("csv", "too many rows", Some(2))]),
            ApiError::TooManyRequests {
                retry_after_secs: 9,
            },
            ApiError::unavailable("db down"),
            ApiError::Internal(anyhow::anyhow!("secret")),
        ];
        for e in errors {
            assert_eq!(e.msg().to_string(), e.problem().detail, "{e:?}");
        }
        let p = ApiError::invalid(
            "title",
            Msg::new("must be at most {n} characters").arg("n", 7),
        )
        .problem();
        assert_eq!(p.detail, "must be at most 7 characters");
    }

    #[test]
    fn an_internal_error_does_not_leak_its_cause() {
        let p = ApiError::Internal(anyhow::anyhow!("password=hunter2")).problem();
        assert_eq!(p.status, 500);
        assert!(!p.detail.contains("hunter2"));
    }

    #[test]
    fn a_parse_message_yields_the_field() {
        assert_eq!(
            field_from_message("failed to parse parameter `limit`: bad"),
            Some("limit".into())
        );
        assert_eq!(field_from_message("nothing here"), None);
    }
}
