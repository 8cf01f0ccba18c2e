//! Suggestions and the frontline insights over HTTP: the handlers parse the request, call
//! [`super::service`] or [`super::insights`] and wrap the answer (the insights as JSON or,
//! with `Accept: text/csv`, as CSV).

use chrono::NaiveDate;
use poem_openapi::OpenApi;
use poem_openapi::param::{Header, Query};
use poem_openapi::payload::Json;

use crate::auth::bearer::BearerAuth;
use crate::error::ApiError;
use crate::http::{
    Code, Created, Id, Limit, Offset, QueryId, Search, Tag, json_or_csv, page_bounds, wants_csv,
};
use crate::payload::{JsonBody, JsonOrCsv};
use crate::state::AppState;
use crate::suggestions::insights::insights_csv;
use crate::suggestions::service::{
    create_suggestion, followup, frontline_insights, get_suggestion, list_suggestions, toggle_vote,
    update_suggestion,
};
use crate::suggestions::types::{
    CreateSuggestion, CreatedSuggestion, Filter, FrontlineInsights, Sort, Suggestion,
    SuggestionPage, UpdateSuggestion, VoteState,
};
use crate::suggestions::workflow::{Status, Touchpoint};

pub struct SuggestionsApi {
    pub state: AppState,
}

#[OpenApi(prefix_path = "/api/v1", tag = "Tag::Suggestions")]
impl SuggestionsApi {
    /// Raise a suggestion about a customer pain point (any employee with a team).
    #[oai(
        path = "/suggestions",
        method = "post",
        operation_id = "create_suggestion"
    )]
    async fn create(
        &self,
        auth: BearerAuth,
        body: JsonBody<CreateSuggestion>,
    ) -> Result<Created<CreatedSuggestion>, ApiError> {
        create_suggestion(&self.state, &auth.0, body.0)
            .await
            .map(|c| Created::Created(Json(c)))
    }

    /// Suggestions the caller may see, filtered and paged.
    #[oai(
        path = "/suggestions",
        method = "get",
        operation_id = "list_suggestions"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        auth: BearerAuth,
        /// Only this team's subtree.
        team_id: QueryId,
        touchpoint: Query<Option<Touchpoint>>,
        status: Query<Option<Status>>,
        /// Raised on or after this day.
        from: Query<Option<NaiveDate>>,
        /// Raised on or before this day.
        to: Query<Option<NaiveDate>>,
        /// Case-insensitive search in title and body.
        q: Search,
        /// `recent` (default) or `votes`.
        sort: Query<Option<Sort>>,
        limit: Limit,
        offset: Offset,
    ) -> Result<Json<SuggestionPage>, ApiError> {
        let (limit, offset) = page_bounds(limit.0, offset.0);
        let filter = Filter {
            team: team_id.0,
            touchpoint: touchpoint.0,
            status: status.0,
            from: from.0,
            to: to.0,
            q: q.0,
            sort: sort.0,
        };
        list_suggestions(&self.state, &auth.0, filter, limit, offset)
            .await
            .map(Json)
    }

    /// One suggestion with its replies.
    #[oai(
        path = "/suggestions/:id",
        method = "get",
        operation_id = "get_suggestion"
    )]
    async fn get(&self, auth: BearerAuth, id: Id) -> Result<Json<Suggestion>, ApiError> {
        get_suggestion(&self.state, &auth.0, &id.0).await.map(Json)
    }

    /// Read an anonymous suggestion and its replies with the follow-up code given when
    /// it was raised.
    #[oai(
        path = "/suggestions/followup/:code",
        method = "get",
        operation_id = "followup_suggestion"
    )]
    async fn followup(&self, auth: BearerAuth, code: Code) -> Result<Json<Suggestion>, ApiError> {
        followup(&self.state, &auth.0, &code.0).await.map(Json)
    }

    /// Vote for a suggestion, or take the vote back (a toggle). One vote per person.
    #[oai(
        path = "/suggestions/:id/votes",
        method = "post",
        operation_id = "toggle_vote"
    )]
    async fn vote(&self, auth: BearerAuth, id: Id) -> Result<Json<VoteState>, ApiError> {
        toggle_vote(&self.state, &auth.0, &id.0).await.map(Json)
    }

    /// Move a suggestion along its workflow with a reply (the team's manager, a manager
    /// above it, or HR). Illegal moves are 409 naming the allowed ones.
    #[oai(
        path = "/suggestions/:id",
        method = "patch",
        operation_id = "update_suggestion"
    )]
    async fn update(
        &self,
        auth: BearerAuth,
        id: Id,
        body: JsonBody<UpdateSuggestion>,
    ) -> Result<Json<Suggestion>, ApiError> {
        update_suggestion(&self.state, &auth.0, &id.0, body.status, &body.reply)
            .await
            .map(Json)
    }
}

pub struct InsightsApi {
    pub state: AppState,
}

#[OpenApi(prefix_path = "/api/v1", tag = "Tag::Suggestions")]
impl InsightsApi {
    /// Frontline insights for a subtree and period (HR: any team or the whole
    /// organisation; managers: their subtrees). `from`/`to` default to the last 30 days.
    #[oai(
        path = "/insights/frontline",
        method = "get",
        operation_id = "frontline_insights"
    )]
    async fn frontline(
        &self,
        auth: BearerAuth,
        team_id: QueryId,
        from: Query<Option<NaiveDate>>,
        to: Query<Option<NaiveDate>>,
        accept: Header<Option<String>>,
    ) -> Result<JsonOrCsv<FrontlineInsights>, ApiError> {
        let insights = frontline_insights(&self.state, &auth.0, team_id.0, from.0, to.0).await?;
        Ok(json_or_csv(wants_csv(&accept.0), insights, insights_csv))
    }
}
