//! Action plans over HTTP: the handlers parse the request, call [`super::service`] and
//! wrap the answer.

use poem_openapi::OpenApi;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;

use crate::actions::effect::action_effect;
use crate::actions::service::{
    add_update, create_action, get_action, list_actions, list_updates, update_action,
};
use crate::actions::types::{
    Action, ActionEffect, ActionPage, ActionUpdate, CreateAction, Filter, NewActionUpdate,
    UpdateAction,
};
use crate::actions::workflow::Status;
use crate::auth::bearer::BearerAuth;
use crate::error::ApiError;
use crate::http::{Created, Id, Limit, Offset, QueryId, Tag, page_bounds};
use crate::payload::JsonBody;
use crate::state::AppState;

pub struct ActionsApi {
    pub state: AppState,
}

#[OpenApi(prefix_path = "/api/v1", tag = "Tag::Actions")]
impl ActionsApi {
    /// Create an action: a manager for the teams in their subtrees, HR for any team or
    /// (no `team_id`) the whole organisation. The team's members are told (outbox).
    #[oai(path = "/actions", method = "post", operation_id = "create_action")]
    async fn create(
        &self,
        auth: BearerAuth,
        body: JsonBody<CreateAction>,
    ) -> Result<Created<Action>, ApiError> {
        create_action(&self.state, &auth.0, body.0)
            .await
            .map(|a| Created::Created(Json(a)))
    }

    /// The actions the caller may read — HR all, managers their subtrees' (and their
    /// own team's), employees their own team's — with the organisation's own; overdue
    /// ones first.
    #[oai(path = "/actions", method = "get", operation_id = "list_actions")]
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        auth: BearerAuth,
        /// Only this team's actions (not its subtree's).
        team_id: QueryId,
        /// Only the whole organisation's own actions.
        organisation: Query<Option<bool>>,
        status: Query<Option<Status>>,
        /// Only the actions this person owns.
        owner_id: QueryId,
        /// Only open actions past their due day.
        overdue: Query<Option<bool>>,
        limit: Limit,
        offset: Offset,
    ) -> Result<Json<ActionPage>, ApiError> {
        let (limit, offset) = page_bounds(limit.0, offset.0);
        let filter = Filter {
            team: team_id.0,
            organisation: organisation.0.unwrap_or(false),
            status: status.0,
            owner: owner_id.0,
            overdue: overdue.0.unwrap_or(false),
        };
        list_actions(&self.state, &auth.0, filter, limit, offset)
            .await
            .map(Json)
    }

    /// One action the caller may read.
    #[oai(path = "/actions/:id", method = "get", operation_id = "get_action")]
    async fn get(&self, auth: BearerAuth, id: Id) -> Result<Json<Action>, ApiError> {
        get_action(&self.state, &auth.0, &id.0).await.map(Json)
    }

    /// Change an action's title, description, owner, due day or status (whoever may
    /// create actions for its team). Any status move is allowed; `done` and `dropped`
    /// record the day.
    #[oai(
        path = "/actions/:id",
        method = "patch",
        operation_id = "update_action"
    )]
    async fn update(
        &self,
        auth: BearerAuth,
        id: Id,
        body: JsonBody<UpdateAction>,
    ) -> Result<Json<Action>, ApiError> {
        update_action(&self.state, &auth.0, &id.0, body.0)
            .await
            .map(Json)
    }

    /// The dated updates of an action the caller may read, oldest first.
    #[oai(
        path = "/actions/:id/updates",
        method = "get",
        operation_id = "list_action_updates"
    )]
    async fn updates(&self, auth: BearerAuth, id: Id) -> Result<Json<Vec<ActionUpdate>>, ApiError> {
        list_updates(&self.state, &auth.0, &id.0).await.map(Json)
    }

    /// Add a dated update, optionally moving the status (whoever may change the action).
    #[oai(
        path = "/actions/:id/updates",
        method = "post",
        operation_id = "add_action_update"
    )]
    async fn add_update(
        &self,
        auth: BearerAuth,
        id: Id,
        body: JsonBody<NewActionUpdate>,
    ) -> Result<Created<ActionUpdate>, ApiError> {
        add_update(&self.state, &auth.0, &id.0, body.0)
            .await
            .map(|u| Created::Created(Json(u)))
    }

    /// The effect of a done action: its team's engagement index and the score of the
    /// driver it answers in the rounds before and after it was done, each round under
    /// its own release plan (for the team's managers and HR; each round read is
    /// audited). Says plainly when the data cannot show an effect.
    #[oai(
        path = "/actions/:id/effect",
        method = "get",
        operation_id = "action_effect"
    )]
    async fn effect(&self, auth: BearerAuth, id: Id) -> Result<Json<ActionEffect>, ApiError> {
        action_effect(&self.state, &auth.0, &id.0).await.map(Json)
    }
}
