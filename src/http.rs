//! What every API handler shares: the OpenAPI tags, the 201 and 204 response shapes,
//! the bounds of a list page and the client address of a request. Plumbing below every
//! capability; it imports none of them.

use poem_openapi::{ApiResponse, Tags};

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
