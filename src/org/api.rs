//! Teams, managers, the service map and people over HTTP. HR and admins manage;
//! managers read their subtrees; employees read themselves (and the chain of teams
//! above them). Each handler parses the request, calls one function of
//! [`crate::org::service`] and wraps its answer.

use poem_openapi::OpenApi;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;

use crate::auth::bearer::BearerAuth;
use crate::error::ApiError;
use crate::http::{Created, Id, Limit, NoContent, Offset, QueryId, Search, Tag};
use crate::org::domain::PersonStatus;
use crate::org::import::ImportReport;
use crate::org::types::{
    ActivationIssued, CreatePerson, CreateTeam, CreatedPerson, ErasePerson, Erased, ImportBody,
    PeopleQuery, Person, PersonExport, PersonPage, ServedTeam, SetManagers, Team, TeamPage,
    UpdatePerson, UpdateTeam,
};
use crate::org::{erasure, export, service};
use crate::payload::JsonBody;
use crate::state::AppState;

pub struct OrgApi {
    pub state: AppState,
}

#[OpenApi(prefix_path = "/api/v1", tag = "Tag::Organisation")]
impl OrgApi {
    /// Create a team (HR).
    #[oai(path = "/teams", method = "post", operation_id = "create_team")]
    async fn create_team(
        &self,
        auth: BearerAuth,
        body: JsonBody<CreateTeam>,
    ) -> Result<Created<Team>, ApiError> {
        let team = service::create_team(&self.state, &auth.0, body.0).await?;
        Ok(Created::Created(Json(team)))
    }

    /// List the teams the caller may see, paged, optionally the children of one parent.
    #[oai(path = "/teams", method = "get", operation_id = "list_teams")]
    async fn list_teams(
        &self,
        auth: BearerAuth,
        /// Page size, 1 to 200 (default 50).
        limit: Limit,
        /// Items to skip.
        offset: Offset,
        /// Only the direct children of this team.
        parent_id: QueryId,
    ) -> Result<Json<TeamPage>, ApiError> {
        service::list_teams(&self.state, &auth.0, limit.0, offset.0, parent_id.0)
            .await
            .map(Json)
    }

    /// One team, its managers and the teams it serves.
    #[oai(path = "/teams/:id", method = "get", operation_id = "get_team")]
    async fn get_team(&self, auth: BearerAuth, id: Id) -> Result<Json<Team>, ApiError> {
        service::get_team(&self.state, &auth.0, id.0)
            .await
            .map(Json)
    }

    /// Rename, move, re-kind or re-key a team (HR). Moving a team under its own
    /// descendant is refused.
    #[oai(path = "/teams/:id", method = "patch", operation_id = "update_team")]
    async fn update_team(
        &self,
        auth: BearerAuth,
        id: Id,
        body: JsonBody<UpdateTeam>,
    ) -> Result<Json<Team>, ApiError> {
        service::update_team(&self.state, &auth.0, id.0, body.0)
            .await
            .map(Json)
    }

    /// Replace the managers of a team (HR). A manager reads the reports and answers the
    /// suggestions of the team's whole subtree.
    #[oai(
        path = "/teams/:id/managers",
        method = "put",
        operation_id = "set_team_managers"
    )]
    async fn set_managers(
        &self,
        auth: BearerAuth,
        id: Id,
        body: JsonBody<SetManagers>,
    ) -> Result<Json<Team>, ApiError> {
        service::set_managers(&self.state, &auth.0, id.0, body.0)
            .await
            .map(Json)
    }

    /// Delete a team (HR) with no child teams, nobody in it and no history; 409 says
    /// what keeps it. Its managers and service-map links go with it.
    #[oai(path = "/teams/:id", method = "delete", operation_id = "delete_team")]
    async fn delete_team(&self, auth: BearerAuth, id: Id) -> Result<NoContent, ApiError> {
        service::delete_team(&self.state, &auth.0, id.0).await?;
        Ok(NoContent::Done)
    }

    /// Replace the frontline teams an internal team serves, with weights (HR).
    #[oai(
        path = "/teams/:id/serves",
        method = "put",
        operation_id = "set_team_serves"
    )]
    async fn set_serves(
        &self,
        auth: BearerAuth,
        id: Id,
        body: JsonBody<Vec<ServedTeam>>,
    ) -> Result<Json<Team>, ApiError> {
        service::set_serves(&self.state, &auth.0, id.0, body.0)
            .await
            .map(Json)
    }

    /// Create a person (HR). Answers with a one-time activation token.
    #[oai(path = "/people", method = "post", operation_id = "create_person")]
    async fn create_person(
        &self,
        auth: BearerAuth,
        body: JsonBody<CreatePerson>,
    ) -> Result<Created<CreatedPerson>, ApiError> {
        let created = service::create_person(&self.state, &auth.0, body.0).await?;
        Ok(Created::Created(Json(created)))
    }

    /// List people (HR: everyone; managers: their subtrees), paged.
    #[oai(path = "/people", method = "get", operation_id = "list_people")]
    #[allow(clippy::too_many_arguments)]
    async fn list_people(
        &self,
        auth: BearerAuth,
        /// Page size, 1 to 200 (default 50).
        limit: Limit,
        /// Items to skip.
        offset: Offset,
        /// Only people in this team's subtree.
        team_id: QueryId,
        /// Case-insensitive search in name and e-mail.
        q: Search,
        /// Include deactivated people.
        include_inactive: Query<Option<bool>>,
        /// Only people in this state; `deactivated` and `erased` need no
        /// `include_inactive`.
        status: Query<Option<PersonStatus>>,
    ) -> Result<Json<PersonPage>, ApiError> {
        let query = PeopleQuery {
            limit: limit.0,
            offset: offset.0,
            team_id: team_id.0,
            q: q.0,
            include_inactive: include_inactive.0.unwrap_or(false),
            status: status.0,
        };
        service::list_people(&self.state, &auth.0, query)
            .await
            .map(Json)
    }

    /// One person (HR: anyone; managers: their subtrees; everyone: themselves).
    #[oai(path = "/people/:id", method = "get", operation_id = "get_person")]
    async fn get_person(&self, auth: BearerAuth, id: Id) -> Result<Json<Person>, ApiError> {
        service::get_person(&self.state, &auth.0, id.0)
            .await
            .map(Json)
    }

    /// Change a person's name, team, roles or attributes (HR; granting or removing
    /// `admin` needs an admin).
    #[oai(path = "/people/:id", method = "patch", operation_id = "update_person")]
    async fn update_person(
        &self,
        auth: BearerAuth,
        id: Id,
        body: JsonBody<UpdatePerson>,
    ) -> Result<Json<Person>, ApiError> {
        service::update_person(&self.state, &auth.0, id.0, body.0)
            .await
            .map(Json)
    }

    /// Deactivate a person (HR): they can no longer sign in, their tokens stop working,
    /// and they stop managing teams. Their past answers stay anonymous and counted.
    #[oai(
        path = "/people/:id",
        method = "delete",
        operation_id = "deactivate_person"
    )]
    async fn deactivate_person(&self, auth: BearerAuth, id: Id) -> Result<NoContent, ApiError> {
        service::deactivate_person(&self.state, &auth.0, id.0).await?;
        Ok(NoContent::Done)
    }

    /// Erase a person (admins): their name, e-mail, attributes, roles, password and
    /// sessions go, and their signed suggestions lose their author (or are deleted with
    /// `delete_suggestions`). The row stays as "erased person" so reports keep their
    /// numbers. Erasing an erased person is refused (409).
    #[oai(
        path = "/people/:id/erase",
        method = "post",
        operation_id = "erase_person"
    )]
    async fn erase_person(
        &self,
        auth: BearerAuth,
        id: Id,
        body: JsonBody<ErasePerson>,
    ) -> Result<Json<Erased>, ApiError> {
        erasure::erase_person(&self.state, &auth.0, id.0, body.0)
            .await
            .map(Json)
    }

    /// Everything stored about a person (admins), and what is not stored because it is
    /// anonymous, in the person's language.
    #[oai(
        path = "/people/:id/export",
        method = "get",
        operation_id = "export_person"
    )]
    async fn export_person(
        &self,
        auth: BearerAuth,
        id: Id,
    ) -> Result<Json<PersonExport>, ApiError> {
        export::export_person(&self.state, &auth.0, id.0)
            .await
            .map(Json)
    }

    /// Everything stored about the signed-in person, and what is not stored because it
    /// is anonymous, in their language.
    #[oai(path = "/me/export", method = "get", operation_id = "export_me")]
    async fn export_me(&self, auth: BearerAuth) -> Result<Json<PersonExport>, ApiError> {
        export::export_me(&self.state, &auth.0).await.map(Json)
    }

    /// Issue a new activation token for a person who has not activated yet (HR); any
    /// earlier token stops working.
    #[oai(
        path = "/people/:id/activation",
        method = "post",
        operation_id = "reissue_activation"
    )]
    async fn reissue_activation(
        &self,
        auth: BearerAuth,
        id: Id,
    ) -> Result<Json<ActivationIssued>, ApiError> {
        service::reissue_activation(&self.state, &auth.0, id.0)
            .await
            .map(Json)
    }

    /// Import people from CSV (HR): upsert by e-mail.
    ///
    /// Header: `email,name,team,manager,location,job_family,start_date,language,roles`
    /// (`team` is an id or a path of names like `Company/Sales`; `manager` true makes the
    /// person a manager of that team; `roles` is `hr`, `admin` or both separated by `;`).
    /// Every row is checked first. With any invalid row nothing is written and the
    /// answer is 422 listing each row's errors, unless `partial=true`. `dry_run=true`
    /// writes nothing and reports what would happen.
    #[oai(
        path = "/people/import",
        method = "post",
        operation_id = "import_people"
    )]
    async fn import_people(
        &self,
        auth: BearerAuth,
        /// Check and report without writing.
        dry_run: Query<Option<bool>>,
        /// Import the valid rows even if some are invalid.
        partial: Query<Option<bool>>,
        body: ImportBody,
    ) -> Result<Json<ImportReport>, ApiError> {
        let ImportBody::Csv(bytes) = body;
        service::import_people_csv(
            &self.state,
            &auth.0,
            &bytes.0,
            dry_run.0.unwrap_or(false),
            partial.0.unwrap_or(false),
        )
        .await
        .map(Json)
    }
}
