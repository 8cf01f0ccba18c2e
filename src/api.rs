//! Combines each capability's OpenAPI handlers into one documented service, and holds
//! the few things every API shares (tags, paging bounds).

use poem_openapi::{OpenApiService, Tags};

use crate::auth::api::AuthApi;
use crate::cx::api::CxApi;
use crate::linkage::api::LinkageApi;
use crate::ops::api::OpsApi;
use crate::org::api::OrgApi;
use crate::reports::api::ReportsApi;
use crate::reports::audit::AuditApi;
use crate::startup::AppState;
use crate::suggestions::api::SuggestionsApi;
use crate::suggestions::insights::InsightsApi;
use crate::surveys::api::SurveysApi;

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

pub type Apis = (
    AuthApi,
    OrgApi,
    SurveysApi,
    ReportsApi,
    AuditApi,
    SuggestionsApi,
    InsightsApi,
    CxApi,
    LinkageApi,
    OpsApi,
);

/// The whole API as one OpenAPI service.
pub fn service(state: &AppState) -> OpenApiService<Apis, ()> {
    OpenApiService::new(
        (
            AuthApi {
                state: state.clone(),
            },
            OrgApi {
                state: state.clone(),
            },
            SurveysApi {
                state: state.clone(),
            },
            ReportsApi {
                state: state.clone(),
            },
            AuditApi {
                state: state.clone(),
            },
            SuggestionsApi {
                state: state.clone(),
            },
            InsightsApi {
                state: state.clone(),
            },
            CxApi {
                state: state.clone(),
            },
            LinkageApi {
                state: state.clone(),
            },
            OpsApi {
                state: state.clone(),
            },
        ),
        "pulseline",
        env!("CARGO_PKG_VERSION"),
    )
    .description(
        "Anonymous pulse surveys, frontline insights and the EX-CX link. Every error is \
         RFC 9457 application/problem+json.",
    )
}
