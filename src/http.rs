//! What every API handler shares: the OpenAPI tags, the 201 and 204 response shapes,
//! the JSON-or-CSV choice, the [`Limit`] and [`Offset`] of a list page and their bounds,
//! the [`Id`] or [`Code`] of a path and the client address of a request. Plumbing below every capability; it
//! imports none of them.

use poem::{Request, RequestBody};
use poem_openapi::error::ParseParamError;
use poem_openapi::param::Query;
use poem_openapi::registry::{MetaParamIn, MetaSchema, MetaSchemaRef};
use poem_openapi::types::Type;
use poem_openapi::validation::{MaxLength, Maximum, Minimum, Validator, ValidatorMeta};
use poem_openapi::{ApiExtractor, ApiExtractorType, ApiResponse, ExtractParamOptions, Tags};

use crate::payload::JsonOrCsv;

#[derive(Tags)]
pub enum Tag {
    /// Sign-in, activation, tokens and the signed-in person.
    Auth,
    /// Teams, managers, the service map and people.
    Organisation,
    /// Pulse surveys, rounds, the question bank and answering.
    Surveys,
    /// Engagement reports, heatmaps, comments, trends and the audit log.
    Reports,
    /// Frontline suggestions about customer pain points, votes and replies.
    Suggestions,
    /// Customer satisfaction ratings and summaries.
    Cx,
    /// Action plans on the results: owners, due days, dated updates.
    Actions,
    /// Anonymous two-way conversations about pulse comments and anonymous suggestions.
    Conversations,
    /// Health, readiness and metrics.
    Operations,
}

/// A 201 answer carrying the created resource.
#[derive(poem_openapi::ApiResponse)]
pub enum Created<T: poem_openapi::types::ToJSON> {
    /// Created; the body is the new resource.
    #[oai(status = 201)]
    Created(poem_openapi::payload::Json<T>),
}

/// Default page size for list endpoints.
pub const DEFAULT_LIMIT: i64 = 50;
/// Largest page size for list endpoints.
pub const MAX_LIMIT: i64 = 200;
/// Largest offset for list endpoints.
pub const MAX_OFFSET: i64 = 1_000_000;

/// The page size a list request asks for: absent, or 1 to [`MAX_LIMIT`].
pub type Limit = Bounded<1, MAX_LIMIT>;
/// How many items a list request skips: absent, or 0 to [`MAX_OFFSET`].
pub type Offset = Bounded<0, MAX_OFFSET>;

/// An optional integer query parameter from `MIN` to `MAX`: documented with its bounds,
/// and a value outside them answered exactly as poem-openapi's own `minimum` and
/// `maximum` validators answer (400, naming the parameter).
pub struct Bounded<const MIN: i64, const MAX: i64>(pub Option<i64>);

impl<'a, const MIN: i64, const MAX: i64> ApiExtractor<'a> for Bounded<MIN, MAX> {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::Parameter];
    const PARAM_IS_REQUIRED: bool = false;

    type ParamType = Option<i64>;
    type ParamRawType = i64;

    fn param_in() -> Option<MetaParamIn> {
        Some(MetaParamIn::Query)
    }

    fn param_schema_ref() -> Option<MetaSchemaRef> {
        let mut bounds = MetaSchema::ANY;
        Maximum::new(MAX as f64, false).update_meta(&mut bounds);
        Minimum::new(MIN as f64, false).update_meta(&mut bounds);
        Some(<Option<i64> as Type>::schema_ref().merge(bounds))
    }

    fn param_raw_type(&self) -> Option<&i64> {
        self.0.as_ref()
    }

    async fn from_request(
        request: &'a Request,
        body: &mut RequestBody,
        param_opts: ExtractParamOptions<Option<i64>>,
    ) -> poem::Result<Self> {
        let name = param_opts.name;
        let Query(value) = Query::<Option<i64>>::from_request(request, body, param_opts).await?;
        if let Some(n) = &value {
            verify(name, Maximum::new(MAX as f64, false), n)?;
            verify(name, Minimum::new(MIN as f64, false), n)?;
        }
        Ok(Bounded(value))
    }
}

/// An optional id in a query string, like `team_id`: at most [`ID_MAX`] characters.
pub type QueryId = QueryText<ID_MAX>;
/// An optional case-insensitive search of a list (`q`): at most 100 characters.
pub type Search = QueryText<100>;

/// An optional text query parameter of at most `MAX` characters: documented with its
/// bound, and a longer one answered exactly as poem-openapi's own `max_length`
/// validator answers (400, naming the parameter).
pub struct QueryText<const MAX: usize>(pub Option<String>);

impl<'a, const MAX: usize> ApiExtractor<'a> for QueryText<MAX> {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::Parameter];
    const PARAM_IS_REQUIRED: bool = false;

    type ParamType = Option<String>;
    type ParamRawType = String;

    fn param_in() -> Option<MetaParamIn> {
        Some(MetaParamIn::Query)
    }

    fn param_schema_ref() -> Option<MetaSchemaRef> {
        let mut bound = MetaSchema::ANY;
        MaxLength::new(MAX).update_meta(&mut bound);
        Some(<Option<String> as Type>::schema_ref().merge(bound))
    }

    fn param_raw_type(&self) -> Option<&String> {
        self.0.as_ref()
    }

    async fn from_request(
        request: &'a Request,
        body: &mut RequestBody,
        param_opts: ExtractParamOptions<Option<String>>,
    ) -> poem::Result<Self> {
        let name = param_opts.name;
        let Query(value) = Query::<Option<String>>::from_request(request, body, param_opts).await?;
        if let Some(text) = &value {
            verify(name, MaxLength::new(MAX), text)?;
        }
        Ok(QueryText(value))
    }
}

/// A parameter's value checked by one of poem-openapi's validators, refused with the
/// 400 its own checks give (`verification failed. …`, naming the parameter).
fn verify<T>(name: &'static str, validator: impl Validator<T>, value: &T) -> poem::Result<()> {
    if validator.check(value) {
        return Ok(());
    }
    let reason = format!("verification failed. {validator}");
    Err(ParseParamError { name, reason }.into())
}

/// Applies the defaults and bounds of `limit` and `offset` (already validated by the
/// schema; clamped again so no handler can be called with an unbounded page).
pub fn page_bounds(limit: Option<i64>, offset: Option<i64>) -> (i64, i64) {
    (
        limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT),
        offset.unwrap_or(0).max(0),
    )
}

/// A 204 answer: done, nothing to return.
#[derive(ApiResponse)]
pub enum NoContent {
    /// Done.
    #[oai(status = 204)]
    Done,
}

/// Whether a request's `Accept` header asks for CSV.
pub fn wants_csv(accept: &Option<String>) -> bool {
    accept.as_deref().is_some_and(|a| a.contains("text/csv"))
}

/// The answer as JSON, or as CSV by `render` when the request asked for it.
pub fn json_or_csv<T>(csv: bool, value: T, render: fn(&T) -> String) -> JsonOrCsv<T> {
    if csv {
        JsonOrCsv::Csv(render(&value))
    } else {
        JsonOrCsv::Json(value)
    }
}

/// The client's IP address, for login throttling.
pub fn client_addr(req: &poem::Request) -> String {
    req.remote_addr()
        .as_socket_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// Longest id accepted in a path.
pub const ID_MAX: usize = 64;
/// Longest code or token accepted in a path (conversation codes, follow-up codes,
/// personal answer links).
pub const CODE_MAX: usize = 128;

/// The id of a resource, the one parameter of a request path like `/teams/:id`.
pub type Id = PathKey<ID_MAX>;
/// A code or token, the one parameter of a request path like `/conversations/:code`.
pub type Code = PathKey<CODE_MAX>;

/// The one parameter of a request path, at most `MAX` characters: documented as a path
/// parameter of at most `MAX` characters, and a longer one answered exactly as
/// poem-openapi's own `max_length` validator answers (400, naming the parameter). It
/// reads the route's only path parameter, so a route with two cannot take it.
pub struct PathKey<const MAX: usize>(pub String);

impl<'a, const MAX: usize> ApiExtractor<'a> for PathKey<MAX> {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::Parameter];
    const PARAM_IS_REQUIRED: bool = true;

    type ParamType = String;
    type ParamRawType = String;

    fn param_in() -> Option<MetaParamIn> {
        Some(MetaParamIn::Path)
    }

    fn param_schema_ref() -> Option<MetaSchemaRef> {
        let mut schema = MetaSchema::new("string");
        MaxLength::new(MAX).update_meta(&mut schema);
        Some(MetaSchemaRef::Inline(Box::new(schema)))
    }

    fn param_raw_type(&self) -> Option<&String> {
        Some(&self.0)
    }

    async fn from_request(
        request: &'a Request,
        _body: &mut RequestBody,
        param_opts: ExtractParamOptions<String>,
    ) -> poem::Result<Self> {
        let name = param_opts.name;
        // poem-openapi routes path parameters under names of its own (`param0`), so
        // the value is read by position, not by the documented name.
        let key: String = request.path_params().map_err(|_| ParseParamError {
            name,
            reason: "the path has no single id".into(),
        })?;
        verify(name, MaxLength::new(MAX), &key)?;
        Ok(PathKey(key))
    }
}
