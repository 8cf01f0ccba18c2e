//! What every API handler shares: the OpenAPI tags, the 201 and 204 response shapes,
//! the bounds of a list page, the [`Id`] of a path and the client address of a request.
//! Plumbing below every capability; it imports none of them.

use poem::{Request, RequestBody};
use poem_openapi::error::ParseParamError;
use poem_openapi::registry::{MetaParamIn, MetaSchema, MetaSchemaRef};
use poem_openapi::validation::{MaxLength, Validator, ValidatorMeta};
use poem_openapi::{ApiExtractor, ApiExtractorType, ApiResponse, ExtractParamOptions, Tags};

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

/// The client's IP address, for login throttling.
pub fn client_addr(req: &poem::Request) -> String {
    req.remote_addr()
        .as_socket_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// Longest id accepted in a path.
pub const ID_MAX: usize = 64;

/// The id of a resource, the one parameter of a request path like `/teams/:id`:
/// documented as a path parameter of at most [`ID_MAX`] characters, and a longer one
/// answered exactly as poem-openapi's own `max_length` validator answers (400, naming
/// the parameter). It reads the route's only path parameter, so a route with two
/// cannot take it.
pub struct Id(pub String);

impl<'a> ApiExtractor<'a> for Id {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::Parameter];
    const PARAM_IS_REQUIRED: bool = true;

    type ParamType = String;
    type ParamRawType = String;

    fn param_in() -> Option<MetaParamIn> {
        Some(MetaParamIn::Path)
    }

    fn param_schema_ref() -> Option<MetaSchemaRef> {
        let mut schema = MetaSchema::new("string");
        MaxLength::new(ID_MAX).update_meta(&mut schema);
        Some(MetaSchemaRef::Inline(Box::new(schema)))
    }

    fn param_raw_type(&self) -> Option<&String> {
        Some(&self.0)
    }

    async fn from_request(
        request: &'a Request,
        _body: &mut RequestBody,
        param_opts: ExtractParamOptions<String>,
    ) -> poem::Result<Id> {
        let invalid = |reason: String| ParseParamError {
            name: param_opts.name,
            reason,
        };
        // poem-openapi routes path parameters under names of its own (`param0`), so
        // the value is read by position, not by the documented name.
        let id: String = request
            .path_params()
            .map_err(|_| invalid("the path has no single id".into()))?;
        let max = MaxLength::new(ID_MAX);
        if !max.check(&id) {
            return Err(invalid(format!("verification failed. {max}")).into());
        }
        Ok(Id(id))
    }
}
