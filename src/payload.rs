//! `JsonBody<T>`: the JSON request payload every operation uses. It documents `T`'s
//! OpenAPI schema like poem-openapi's `Json`, but parses strictly with serde (no string
//! from a number, unknown fields refused where the type says so) and reports the path of
//! the offending field: malformed JSON is 400; a missing field, a wrong type or an
//! unknown enum value is 422 with `field` set.

use poem::{FromRequest, Request, RequestBody, Result};
use poem_openapi::payload::{ParsePayload, Payload};
use poem_openapi::registry::{MetaSchemaRef, Registry};
use poem_openapi::types::Type;
use serde::de::DeserializeOwned;

use crate::error::{ApiError, Msg};

pub struct JsonBody<T>(pub T);

impl<T> std::ops::Deref for JsonBody<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: Type> Payload for JsonBody<T> {
    const CONTENT_TYPE: &'static str = "application/json";

    fn check_content_type(content_type: &str) -> bool {
        matches!(content_type.parse::<mime::Mime>(), Ok(m) if m.type_() == "application"
            && (m.subtype() == "json" || m.suffix().is_some_and(|s| s == "json")))
    }

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T: DeserializeOwned + Type + Send> ParsePayload for JsonBody<T> {
    const IS_REQUIRED: bool = true;

    async fn from_request(request: &Request, body: &mut RequestBody) -> Result<Self> {
        let data = Vec::<u8>::from_request(request, body).await?;
        // A named schema is an object: serde would also take its fields as an array.
        if matches!(T::schema_ref(), MetaSchemaRef::Reference(_)) {
            require_object(&data)?;
        }
        Ok(JsonBody(parse_json(&data)?))
    }
}

/// Refuses a document that is well-formed JSON but not an object (422 on `body`).
fn require_object(data: &[u8]) -> std::result::Result<(), ApiError> {
    let first = data.iter().find(|b| !b.is_ascii_whitespace());
    match first {
        Some(b'{') | None => Ok(()),
        Some(_) if serde_json::from_slice::<serde::de::IgnoredAny>(data).is_err() => Ok(()),
        Some(_) => Err(ApiError::invalid(
            "body",
            "the request body must be a JSON object",
        )),
    }
}

/// Parses `data` as `T`, naming the field at fault.
pub fn parse_json<T: DeserializeOwned>(data: &[u8]) -> std::result::Result<T, ApiError> {
    if data.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request(
            "the request body is empty; JSON is expected",
            None,
        ));
    }
    // Syntax first, so a malformed document is a 400 whatever its first fields say.
    serde_json::from_slice::<serde::de::IgnoredAny>(data)
        .map_err(|e| ApiError::bad_request(format!("malformed JSON: {e}"), None))?;
    let mut de = serde_json::Deserializer::from_slice(data);
    match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Ok(value) => {
            de.end()
                .map_err(|e| ApiError::bad_request(format!("malformed JSON: {e}"), None))?;
            Ok(value)
        }
        Err(err) => {
            let path = err.path().to_string();
            let inner = err.into_inner();
            if inner.is_syntax() || inner.is_eof() || inner.is_io() {
                return Err(ApiError::bad_request(
                    format!("malformed JSON: {inner}"),
                    None,
                ));
            }
            let message = strip_position(&inner.to_string());
            let named = quoted_name(&message);
            let field = match (path.as_str(), named) {
                (".", Some(n)) => n,
                (".", None) => "body".to_owned(),
                (p, Some(n)) if message.starts_with("missing field") => format!("{p}.{n}"),
                (p, _) => p.to_owned(),
            };
            Err(ApiError::invalid(field, message))
        }
    }
}

fn strip_position(message: &str) -> String {
    match message.find(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

/// The first name quoted in backticks in serde's message (`missing field \`name\``).
fn quoted_name(message: &str) -> Option<String> {
    let start = message.find('`')? + 1;
    let end = message[start..].find('`')? + start;
    Some(message[start..end].to_owned())
}

poem_openapi::impl_apirequest_for_payload!(JsonBody<T>, T: DeserializeOwned + Type + Send);

/// A CSV file's header, the one way every import reads its columns: each name trimmed,
/// without a byte-order mark and lower-cased. A header that cannot be read is a 422
/// on `csv`.
pub fn csv_header<R: std::io::Read>(rdr: &mut csv::Reader<R>) -> Result<Vec<String>, ApiError> {
    let headers = rdr.headers().map_err(|e| {
        ApiError::invalid(
            "csv",
            Msg::new("cannot read the header: {error}").arg("error", e),
        )
    })?;
    Ok(headers
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_lowercase())
        .collect())
}

/// The refusal of a header that lacks `column`.
pub fn missing_column(column: &str) -> ApiError {
    ApiError::invalid(
        "csv",
        Msg::new("the header must have a `{column}` column").arg("column", column),
    )
}

/// One CSV field, quoted when it holds a comma, quote or line break.
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// An optional number or id as a CSV field: empty when absent.
pub fn csv_optional<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

/// A 200 answer as JSON, or as CSV when the client asked for `text/csv`; both content
/// types are documented on the one status.
pub enum JsonOrCsv<T> {
    Json(T),
    Csv(String),
}

impl<T: poem_openapi::types::ToJSON> poem_openapi::ApiResponse for JsonOrCsv<T> {
    fn meta() -> poem_openapi::registry::MetaResponses {
        use poem_openapi::registry::{MetaMediaType, MetaResponse, MetaResponses};
        MetaResponses {
            responses: vec![MetaResponse {
                description: "JSON, or CSV with the same suppression when `Accept: text/csv`.",
                status: Some(200),
                status_range: None,
                content: vec![
                    MetaMediaType {
                        content_type: "application/json; charset=utf-8",
                        schema: T::schema_ref(),
                    },
                    MetaMediaType {
                        content_type: "text/csv; charset=utf-8",
                        schema: String::schema_ref(),
                    },
                ],
                headers: vec![],
            }],
        }
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T: poem_openapi::types::ToJSON> poem::IntoResponse for JsonOrCsv<T> {
    fn into_response(self) -> poem::Response {
        match self {
            JsonOrCsv::Json(v) => poem::web::Json(v.to_json()).into_response(),
            JsonOrCsv::Csv(text) => poem::Response::builder()
                .header(poem::http::header::CONTENT_TYPE, "text/csv; charset=utf-8")
                .body(text),
        }
    }
}

/// A 200 answer as JSON, CSV (`Accept: text/csv`) or an SVG chart
/// (`Accept: image/svg+xml`).
pub enum JsonCsvOrSvg<T> {
    Json(T),
    Csv(String),
    Svg(String),
}

impl<T: poem_openapi::types::ToJSON> poem_openapi::ApiResponse for JsonCsvOrSvg<T> {
    fn meta() -> poem_openapi::registry::MetaResponses {
        let mut meta = <JsonOrCsv<T> as poem_openapi::ApiResponse>::meta();
        if let Some(r) = meta.responses.first_mut() {
            r.description =
                "JSON; CSV with `Accept: text/csv`; an SVG chart with `Accept: image/svg+xml`.";
            r.content.push(poem_openapi::registry::MetaMediaType {
                content_type: "image/svg+xml",
                schema: String::schema_ref(),
            });
        }
        meta
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T: poem_openapi::types::ToJSON> poem::IntoResponse for JsonCsvOrSvg<T> {
    fn into_response(self) -> poem::Response {
        match self {
            JsonCsvOrSvg::Json(v) => JsonOrCsv::Json(v).into_response(),
            JsonCsvOrSvg::Csv(text) => JsonOrCsv::<T>::Csv(text).into_response(),
            JsonCsvOrSvg::Svg(svg) => poem::Response::builder()
                .header(poem::http::header::CONTENT_TYPE, "image/svg+xml")
                .body(svg),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Probe {
        name: String,
        inner: Option<Inner>,
    }

    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Inner {
        n: i64,
    }

    fn field_of(body: &str) -> (u16, Option<String>) {
        let p = parse_json::<Probe>(body.as_bytes())
            .expect_err("should fail")
            .problem();
        (p.status, p.field)
    }

    #[test]
    fn malformed_json_is_a_400() {
        assert_eq!(field_of("{\"name\": "), (400, None));
        assert_eq!(field_of("{} trailing"), (400, None));
    }

    #[test]
    fn a_wrong_type_names_the_field() {
        assert_eq!(field_of(r#"{"name": 5}"#), (422, Some("name".into())));
        assert_eq!(
            field_of(r#"{"name": "x", "inner": {"n": "7"}}"#),
            (422, Some("inner.n".into()))
        );
    }

    #[test]
    fn a_missing_or_unknown_field_is_named() {
        assert_eq!(field_of(r#"{}"#), (422, Some("name".into())));
        assert_eq!(
            field_of(r#"{"name": "x", "extra": 1}"#),
            (422, Some("extra".into()))
        );
        assert_eq!(
            field_of(r#"{"name": "x", "inner": {}}"#),
            (422, Some("inner.n".into()))
        );
    }
}
