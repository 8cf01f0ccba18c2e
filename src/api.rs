//! Combines each capability's OpenAPI handlers into one documented service. What the
//! handlers share (tags, response shapes, paging) is in [`crate::http`].

use poem_openapi::OpenApiService;

use crate::actions::api::ActionsApi;
use crate::auth::api::AuthApi;
use crate::conversations::api::ConversationsApi;
use crate::cx::api::CxApi;
use crate::hooks::api::HooksApi;
use crate::linkage::api::LinkageApi;
use crate::notify::api::NotifyApi;
use crate::ops::api::OpsApi;
use crate::org::api::OrgApi;
use crate::reports::api::AuditApi;
use crate::reports::api::ReportsApi;
use crate::scim::api::ScimApi;
use crate::state::AppState;
use crate::suggestions::api::InsightsApi;
use crate::suggestions::api::SuggestionsApi;
use crate::surveys::api::SurveysApi;

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
    ActionsApi,
    ConversationsApi,
    NotifyApi,
    HooksApi,
    OpsApi,
    ScimApi,
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
            ActionsApi {
                state: state.clone(),
            },
            ConversationsApi {
                state: state.clone(),
            },
            NotifyApi {
                state: state.clone(),
            },
            HooksApi {
                state: state.clone(),
            },
            OpsApi {
                state: state.clone(),
            },
            ScimApi {
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
