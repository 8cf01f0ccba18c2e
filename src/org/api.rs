//! Teams, managers, the service map and people over HTTP. HR and admins manage;
//! managers read their subtrees; employees read themselves (and the chain of teams
//! above them).

use std::collections::HashSet;

use diesel::prelude::*;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::{Binary, Json};
use poem_openapi::types::MaybeUndefined;
use poem_openapi::{ApiRequest, Object, OpenApi};

use crate::auth::bearer::BearerAuth;
use crate::auth::token::new_activation_token;
use crate::auth::{Principal, require_hr};
use crate::clock::now;
use crate::db::schema::{people, team_managers, teams};
use crate::db::{AnyConnection, lower};
use crate::error::ApiError;
use crate::http::NoContent;
use crate::http::{Created, Tag, page_bounds};
use crate::org::access::{may_read_person, readable_teams, teams_visible_to};
use crate::org::domain::{
    ATTR_MAX, Email, GrantedRole, Language, NAME_MAX, TeamKind, parse_optional_text, parse_text,
};
use crate::org::import::{self, ImportOptions, ImportReport};
use crate::org::model::{NewTeam, PersonChanges, PersonRow, TeamChanges, TeamRow, TeamServes};
use crate::org::store::{self, TeamTree};
use crate::payload::JsonBody;
use crate::state::AppState;

pub struct OrgApi {
    pub state: AppState,
}

// ---------- objects ----------

/// A team the owning team serves, and how much weight its CX carries.
#[derive(Object, Clone, serde::Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct ServedTeam {
    /// A `frontline` team this (internal) team serves.
    #[oai(validator(max_length = 64))]
    pub team_id: String,
    /// Relative weight (> 0) of that team's CX in this team's linkage.
    #[oai(validator(minimum(value = "0", exclusive), maximum(value = "1000000")))]
    pub weight: f64,
}

#[derive(Object)]
pub struct Team {
    pub id: String,
    pub name: String,
    pub parent_id: Option<String>,
    pub kind: TeamKind,
    /// Optional stable key for matching external systems (e.g. CX imports).
    pub key: Option<String>,
    pub manager_ids: Vec<String>,
    pub serves: Vec<ServedTeam>,
    pub created_at: chrono::NaiveDateTime,
}

#[derive(Object, serde::Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct CreateTeam {
    #[oai(validator(
        max_length = 200,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
    ))]
    pub name: String,
    /// The parent team; none for a root.
    #[oai(validator(max_length = 64))]
    pub parent_id: Option<String>,
    pub kind: TeamKind,
    #[oai(validator(max_length = 100, pattern = r"^[^\x00-\x1f\x7f-\x9f]*$"))]
    pub key: Option<String>,
}

#[derive(Object, serde::Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct UpdateTeam {
    #[oai(validator(
        max_length = 200,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
    ))]
    pub name: Option<String>,
    /// A new parent (null makes it a root). A team cannot become its own ancestor.
    #[serde(default)]
    pub parent_id: MaybeUndefined<String>,
    pub kind: Option<TeamKind>,
    #[serde(default)]
    #[oai(validator(max_length = 100, pattern = r"^[^\x00-\x1f\x7f-\x9f]*$"))]
    pub key: MaybeUndefined<String>,
}

#[derive(Object, serde::Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct SetManagers {
    /// The people who manage this team (and so its subtree). Replaces the list.
    #[oai(validator(max_items = 100))]
    pub person_ids: Vec<String>,
}

#[derive(Object)]
pub struct TeamPage {
    pub items: Vec<Team>,
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
}

#[derive(Object)]
pub struct Person {
    pub id: String,
    pub email: String,
    pub name: String,
    pub team_id: Option<String>,
    /// Granted roles (everyone is also an employee; managers are named on teams).
    pub roles: Vec<GrantedRole>,
    pub location: Option<String>,
    pub job_family: Option<String>,
    pub start_date: Option<chrono::NaiveDate>,
    pub language: Language,
    /// False once deactivated.
    pub active: bool,
    /// Whether the person has set a password.
    pub activated: bool,
    pub created_at: chrono::NaiveDateTime,
}

#[derive(Object)]
pub struct CreatedPerson {
    #[oai(flatten)]
    pub person: Person,
    /// Shown once: the person exchanges it for a password at `POST /api/v1/auth/activate`.
    pub activation_token: String,
    pub activation_expires_at: chrono::NaiveDateTime,
}

#[derive(Object)]
pub struct ActivationIssued {
    /// Shown once.
    pub activation_token: String,
    pub activation_expires_at: chrono::NaiveDateTime,
}

#[derive(Object, serde::Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct CreatePerson {
    #[oai(validator(max_length = 254))]
    pub email: String,
    #[oai(validator(
        max_length = 200,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
    ))]
    pub name: String,
    #[oai(validator(max_length = 64))]
    pub team_id: Option<String>,
    /// Roles to grant: `hr`, `admin` (admin only by an admin).
    #[oai(validator(max_items = 2))]
    pub roles: Option<Vec<GrantedRole>>,
    #[oai(validator(max_length = 100, pattern = r"^[^\x00-\x1f\x7f-\x9f]*$"))]
    pub location: Option<String>,
    #[oai(validator(max_length = 100, pattern = r"^[^\x00-\x1f\x7f-\x9f]*$"))]
    pub job_family: Option<String>,
    pub start_date: Option<chrono::NaiveDate>,
    pub language: Option<Language>,
}

#[derive(Object, serde::Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct UpdatePerson {
    #[oai(validator(
        max_length = 200,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
    ))]
    pub name: Option<String>,
    #[serde(default)]
    pub team_id: MaybeUndefined<String>,
    #[oai(validator(max_items = 2))]
    pub roles: Option<Vec<GrantedRole>>,
    #[serde(default)]
    #[oai(validator(max_length = 100, pattern = r"^[^\x00-\x1f\x7f-\x9f]*$"))]
    pub location: MaybeUndefined<String>,
    #[serde(default)]
    #[oai(validator(max_length = 100, pattern = r"^[^\x00-\x1f\x7f-\x9f]*$"))]
    pub job_family: MaybeUndefined<String>,
    #[serde(default)]
    pub start_date: MaybeUndefined<chrono::NaiveDate>,
    pub language: Option<Language>,
}

#[derive(Object)]
pub struct PersonPage {
    pub items: Vec<Person>,
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
}

#[derive(ApiRequest)]
pub enum ImportBody {
    /// CSV with the header `email,name,team,manager,location,job_family,start_date,language,roles`.
    #[oai(content_type = "text/csv")]
    Csv(Binary<Vec<u8>>),
}

// ---------- conversions ----------

fn team_view(conn: &mut AnyConnection, row: TeamRow) -> Result<Team, ApiError> {
    let manager_ids = store::team_manager_ids(conn, &row.id)?;
    let serves = store::team_serves_list(conn, &row.id)?
        .into_iter()
        .map(|s| ServedTeam {
            team_id: s.served_team_id,
            weight: s.weight,
        })
        .collect();
    Ok(Team {
        kind: TeamKind::from_db(&row.kind),
        id: row.id,
        name: row.name,
        parent_id: row.parent_id,
        key: row.team_key,
        manager_ids,
        serves,
        created_at: row.created_at,
    })
}

pub fn person_view(row: PersonRow) -> Person {
    let mut roles = Vec::new();
    if row.is_hr {
        roles.push(GrantedRole::Hr);
    }
    if row.is_admin {
        roles.push(GrantedRole::Admin);
    }
    Person {
        language: Language::from_db(&row.language),
        activated: row.password_hash.is_some(),
        id: row.id,
        email: row.email,
        name: row.name,
        team_id: row.team_id,
        roles,
        location: row.location,
        job_family: row.job_family,
        start_date: row.start_date,
        active: row.active,
        created_at: row.created_at,
    }
}

// ---------- helpers ----------

fn ensure_team_exists(conn: &mut AnyConnection, id: &str, field: &str) -> Result<(), ApiError> {
    match store::find_team(conn, id)? {
        Some(_) => Ok(()),
        None => Err(ApiError::invalid(field, "no such team")),
    }
}

fn roles_to_flags(roles: &[GrantedRole]) -> (bool, bool) {
    (
        roles.contains(&GrantedRole::Hr),
        roles.contains(&GrantedRole::Admin),
    )
}

fn load_team(conn: &mut AnyConnection, id: &str) -> Result<Team, ApiError> {
    let row = store::find_team(conn, id)?.ok_or(ApiError::NotFound("team"))?;
    team_view(conn, row)
}

// ---------- handlers ----------

#[OpenApi(prefix_path = "/api/v1", tag = "Tag::Organisation")]
impl OrgApi {
    /// Create a team (HR).
    #[oai(path = "/teams", method = "post", operation_id = "create_team")]
    async fn create_team(
        &self,
        auth: BearerAuth,
        body: JsonBody<CreateTeam>,
    ) -> Result<Created<Team>, ApiError> {
        let team = create_team(&self.state, &auth.0, body.0).await?;
        Ok(Created::Created(Json(team)))
    }

    /// List the teams the caller may see, paged, optionally the children of one parent.
    #[oai(path = "/teams", method = "get", operation_id = "list_teams")]
    async fn list_teams(
        &self,
        auth: BearerAuth,
        /// Page size, 1 to 200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<i64>>,
        /// Items to skip.
        #[oai(validator(minimum(value = "0"), maximum(value = "1000000")))]
        offset: Query<Option<i64>>,
        /// Only the direct children of this team.
        #[oai(validator(max_length = 64))]
        parent_id: Query<Option<String>>,
    ) -> Result<Json<TeamPage>, ApiError> {
        list_teams(&self.state, &auth.0, limit.0, offset.0, parent_id.0)
            .await
            .map(Json)
    }

    /// One team, its managers and the teams it serves.
    #[oai(path = "/teams/:id", method = "get", operation_id = "get_team")]
    async fn get_team(
        &self,
        auth: BearerAuth,
        #[oai(validator(max_length = 64))] id: Path<String>,
    ) -> Result<Json<Team>, ApiError> {
        let id = id.0;
        self.state
            .db
            .read(move |conn| {
                if let Some(v) = teams_visible_to(conn, &auth.0)?
                    && !v.contains(&id)
                {
                    return Err(ApiError::NotFound("team"));
                }
                load_team(conn, &id).map(Json)
            })
            .await
    }

    /// Rename, move, re-kind or re-key a team (HR). Moving a team under its own
    /// descendant is refused.
    #[oai(path = "/teams/:id", method = "patch", operation_id = "update_team")]
    async fn update_team(
        &self,
        auth: BearerAuth,
        #[oai(validator(max_length = 64))] id: Path<String>,
        body: JsonBody<UpdateTeam>,
    ) -> Result<Json<Team>, ApiError> {
        update_team(&self.state, &auth.0, id.0, body.0)
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
        #[oai(validator(max_length = 64))] id: Path<String>,
        body: JsonBody<SetManagers>,
    ) -> Result<Json<Team>, ApiError> {
        require_hr(&auth.0)?;
        let id = id.0;
        if body.person_ids.len() > 100 {
            return Err(ApiError::invalid("person_ids", "at most 100 managers"));
        }
        let mut ids = body.0.person_ids;
        ids.sort();
        ids.dedup();
        self.state
            .db
            .write(move |conn| {
                store::find_team(conn, &id)?.ok_or(ApiError::NotFound("team"))?;
                for (i, pid) in ids.iter().enumerate() {
                    match store::find_person(conn, pid)? {
                        Some(p) if p.active => {}
                        _ => {
                            return Err(ApiError::invalid(
                                format!("person_ids[{i}]"),
                                "no such active person",
                            ));
                        }
                    }
                }
                store::set_managers(conn, &id, &ids)?;
                load_team(conn, &id).map(Json)
            })
            .await
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
        #[oai(validator(max_length = 64))] id: Path<String>,
        body: JsonBody<Vec<ServedTeam>>,
    ) -> Result<Json<Team>, ApiError> {
        require_hr(&auth.0)?;
        let id = id.0;
        let entries = body.0;
        if entries.len() > 500 {
            return Err(ApiError::invalid("serves", "at most 500 teams"));
        }
        self.state
            .db
            .write(move |conn| {
                let team = store::find_team(conn, &id)?.ok_or(ApiError::NotFound("team"))?;
                if !entries.is_empty() && team.kind != "internal" {
                    return Err(ApiError::invalid(
                        "kind",
                        "only an internal team serves other teams",
                    ));
                }
                let mut seen = HashSet::new();
                let mut rows = Vec::new();
                for (i, e) in entries.iter().enumerate() {
                    if !(e.weight.is_finite() && e.weight > 0.0 && e.weight <= 1_000_000.0) {
                        return Err(ApiError::invalid(
                            format!("[{i}].weight"),
                            "must be a positive number",
                        ));
                    }
                    if e.team_id == id {
                        return Err(ApiError::invalid(
                            format!("[{i}].team_id"),
                            "a team cannot serve itself",
                        ));
                    }
                    match store::find_team(conn, &e.team_id)? {
                        Some(t) if t.kind == "frontline" => {}
                        Some(_) => {
                            return Err(ApiError::invalid(
                                format!("[{i}].team_id"),
                                "served teams must be frontline teams",
                            ));
                        }
                        None => {
                            return Err(ApiError::invalid(
                                format!("[{i}].team_id"),
                                "no such team",
                            ));
                        }
                    }
                    if !seen.insert(e.team_id.clone()) {
                        return Err(ApiError::invalid(format!("[{i}].team_id"), "listed twice"));
                    }
                    rows.push(TeamServes {
                        team_id: id.clone(),
                        served_team_id: e.team_id.clone(),
                        weight: e.weight,
                    });
                }
                store::set_serves(conn, &id, &rows)?;
                load_team(conn, &id).map(Json)
            })
            .await
    }

    /// Create a person (HR). Answers with a one-time activation token.
    #[oai(path = "/people", method = "post", operation_id = "create_person")]
    async fn create_person(
        &self,
        auth: BearerAuth,
        body: JsonBody<CreatePerson>,
    ) -> Result<Created<CreatedPerson>, ApiError> {
        require_hr(&auth.0)?;
        let email = Email::parse(&body.email, "email")?.into_inner();
        let name = parse_text(&body.name, "name", NAME_MAX)?;
        let location = parse_optional_text(body.location.as_deref(), "location", ATTR_MAX)?;
        let job_family = parse_optional_text(body.job_family.as_deref(), "job_family", ATTR_MAX)?;
        let roles = body.roles.clone().unwrap_or_default();
        let (is_hr, is_admin) = roles_to_flags(&roles);
        if is_admin && !auth.0.is_admin {
            return Err(ApiError::Forbidden);
        }
        let team_id = body.team_id.clone();
        let start_date = body.start_date;
        let language = body.language.unwrap_or(Language::En);
        let ttl = chrono::TimeDelta::hours(self.state.config.activation_ttl_hours);
        let (token, hash) = new_activation_token();
        let created = self
            .state
            .db
            .write(move |conn| {
                if let Some(t) = &team_id {
                    ensure_team_exists(conn, t, "team_id")?;
                }
                if store::find_person_by_email(conn, &email)?.is_some() {
                    return Err(ApiError::Conflict(
                        "a person with this e-mail already exists".into(),
                    ));
                }
                let t = now();
                let expires = t + ttl;
                let id = uuid::Uuid::new_v4().to_string();
                diesel::insert_into(people::table)
                    .values(PersonRow {
                        id: id.clone(),
                        team_id,
                        is_hr,
                        is_admin,
                        location,
                        job_family,
                        start_date,
                        language: language.as_str().into(),
                        activation_hash: Some(hash),
                        activation_expires_at: Some(expires),
                        ..PersonRow::new(email, name, t)
                    })
                    .execute(conn)?;
                let row = store::find_person(conn, &id)?.ok_or(ApiError::NotFound("person"))?;
                Ok((person_view(row), expires))
            })
            .await?;
        Ok(Created::Created(Json(CreatedPerson {
            person: created.0,
            activation_token: token,
            activation_expires_at: created.1,
        })))
    }

    /// List people (HR: everyone; managers: their subtrees), paged.
    #[oai(path = "/people", method = "get", operation_id = "list_people")]
    #[allow(clippy::too_many_arguments)]
    async fn list_people(
        &self,
        auth: BearerAuth,
        /// Page size, 1 to 200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<i64>>,
        /// Items to skip.
        #[oai(validator(minimum(value = "0"), maximum(value = "1000000")))]
        offset: Query<Option<i64>>,
        /// Only people in this team's subtree.
        #[oai(validator(max_length = 64))]
        team_id: Query<Option<String>>,
        /// Case-insensitive search in name and e-mail.
        #[oai(validator(max_length = 100))]
        q: Query<Option<String>>,
        /// Include deactivated people.
        include_inactive: Query<Option<bool>>,
    ) -> Result<Json<PersonPage>, ApiError> {
        let query = PeopleQuery {
            limit: limit.0,
            offset: offset.0,
            team_id: team_id.0,
            q: q.0,
            include_inactive: include_inactive.0.unwrap_or(false),
        };
        list_people(&self.state, &auth.0, query).await.map(Json)
    }

    /// One person (HR: anyone; managers: their subtrees; everyone: themselves).
    #[oai(path = "/people/:id", method = "get", operation_id = "get_person")]
    async fn get_person(
        &self,
        auth: BearerAuth,
        #[oai(validator(max_length = 64))] id: Path<String>,
    ) -> Result<Json<Person>, ApiError> {
        let id = id.0;
        self.state
            .db
            .read(move |conn| {
                let row = store::find_person(conn, &id)?.ok_or(ApiError::NotFound("person"))?;
                if !may_read_person(conn, &auth.0, &row)? {
                    return Err(ApiError::NotFound("person"));
                }
                Ok(Json(person_view(row)))
            })
            .await
    }

    /// Change a person's name, team, roles or attributes (HR; granting or removing
    /// `admin` needs an admin).
    #[oai(path = "/people/:id", method = "patch", operation_id = "update_person")]
    async fn update_person(
        &self,
        auth: BearerAuth,
        #[oai(validator(max_length = 64))] id: Path<String>,
        body: JsonBody<UpdatePerson>,
    ) -> Result<Json<Person>, ApiError> {
        require_hr(&auth.0)?;
        let id = id.0;
        let mut changes = PersonChanges::default();
        if let Some(n) = &body.name {
            changes.name = Some(parse_text(n, "name", NAME_MAX)?);
        }
        if let Some(roles) = &body.roles {
            let (hr, admin) = roles_to_flags(roles);
            changes.is_hr = Some(hr);
            changes.is_admin = Some(admin);
        }
        changes.location = optional_attr(&body.location, "location")?;
        changes.job_family = optional_attr(&body.job_family, "job_family")?;
        changes.start_date = match &body.start_date {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => Some(None),
            MaybeUndefined::Value(d) => Some(Some(*d)),
        };
        changes.language = body.language.map(|l| l.as_str().to_owned());
        let team = body.team_id.clone();
        let caller_is_admin = auth.0.is_admin;
        self.state
            .db
            .write(move |conn| {
                let row = store::find_person(conn, &id)?.ok_or(ApiError::NotFound("person"))?;
                if changes.is_admin.is_some_and(|a| a != row.is_admin) && !caller_is_admin {
                    return Err(ApiError::Forbidden);
                }
                match team {
                    MaybeUndefined::Undefined => {}
                    MaybeUndefined::Null => changes.team_id = Some(None),
                    MaybeUndefined::Value(t) => {
                        ensure_team_exists(conn, &t, "team_id")?;
                        changes.team_id = Some(Some(t));
                    }
                }
                changes.updated_at = Some(now());
                diesel::update(people::table.find(&id))
                    .set(&changes)
                    .execute(conn)?;
                let row = store::find_person(conn, &id)?.ok_or(ApiError::NotFound("person"))?;
                Ok(Json(person_view(row)))
            })
            .await
    }

    /// Deactivate a person (HR): they can no longer sign in, their tokens stop working,
    /// and they stop managing teams. Their past answers stay anonymous and counted.
    #[oai(
        path = "/people/:id",
        method = "delete",
        operation_id = "deactivate_person"
    )]
    async fn deactivate_person(
        &self,
        auth: BearerAuth,
        #[oai(validator(max_length = 64))] id: Path<String>,
    ) -> Result<NoContent, ApiError> {
        require_hr(&auth.0)?;
        let id = id.0;
        if id == auth.0.id {
            return Err(ApiError::Conflict("you cannot deactivate yourself".into()));
        }
        let caller_is_admin = auth.0.is_admin;
        self.state
            .db
            .write(move |conn| {
                let row = store::find_person(conn, &id)?.ok_or(ApiError::NotFound("person"))?;
                if row.is_admin && !caller_is_admin {
                    return Err(ApiError::Forbidden);
                }
                diesel::update(people::table.find(&id))
                    .set((
                        people::active.eq(false),
                        people::token_version.eq(people::token_version + 1),
                        people::activation_hash.eq(None::<String>),
                        people::updated_at.eq(now()),
                    ))
                    .execute(conn)?;
                diesel::delete(team_managers::table.filter(team_managers::person_id.eq(&id)))
                    .execute(conn)?;
                Ok(NoContent::Done)
            })
            .await
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
        #[oai(validator(max_length = 64))] id: Path<String>,
    ) -> Result<Json<ActivationIssued>, ApiError> {
        require_hr(&auth.0)?;
        let id = id.0;
        let caller_is_admin = auth.0.is_admin;
        let (token, hash) = new_activation_token();
        let expires = now() + chrono::TimeDelta::hours(self.state.config.activation_ttl_hours);
        self.state
            .db
            .write(move |conn| {
                let row = store::find_person(conn, &id)?.ok_or(ApiError::NotFound("person"))?;
                // The token signs its holder in as this person: only an admin may obtain
                // one for an admin account.
                if row.is_admin && !caller_is_admin {
                    return Err(ApiError::Forbidden);
                }
                if !row.active {
                    return Err(ApiError::Conflict("the person is deactivated".into()));
                }
                if row.password_hash.is_some() {
                    return Err(ApiError::Conflict(
                        "the person has already activated their account".into(),
                    ));
                }
                diesel::update(people::table.find(&id))
                    .set((
                        people::activation_hash.eq(Some(hash)),
                        people::activation_expires_at.eq(Some(expires)),
                        people::updated_at.eq(now()),
                    ))
                    .execute(conn)?;
                Ok(())
            })
            .await?;
        Ok(Json(ActivationIssued {
            activation_token: token,
            activation_expires_at: expires,
        }))
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
        import_people_csv(
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

/// Creates a team (HR): the `POST /api/v1/teams` operation, for the API and the pages.
pub async fn create_team(
    state: &AppState,
    p: &Principal,
    body: CreateTeam,
) -> Result<Team, ApiError> {
    require_hr(p)?;
    let name = parse_text(&body.name, "name", NAME_MAX)?;
    let key = parse_optional_text(body.key.as_deref(), "key", ATTR_MAX)?;
    let parent_id = body.parent_id.clone();
    let kind = body.kind;
    state
        .db
        .write(move |conn| {
            if let Some(p) = &parent_id {
                ensure_team_exists(conn, p, "parent_id")?;
            }
            if let Some(k) = &key {
                let taken: i64 = teams::table
                    .filter(teams::team_key.eq(k))
                    .count()
                    .get_result(conn)?;
                if taken > 0 {
                    return Err(ApiError::invalid("key", "another team has this key"));
                }
            }
            let t = now();
            let id = uuid::Uuid::new_v4().to_string();
            diesel::insert_into(teams::table)
                .values(NewTeam {
                    id: id.clone(),
                    name,
                    parent_id,
                    kind: kind.as_str().into(),
                    team_key: key,
                    created_at: t,
                    updated_at: t,
                })
                .execute(conn)?;
            load_team(conn, &id)
        })
        .await
}

/// The teams `p` may see, paged, optionally only the children of `parent`.
pub async fn list_teams(
    state: &AppState,
    p: &Principal,
    limit: Option<i64>,
    offset: Option<i64>,
    parent: Option<String>,
) -> Result<TeamPage, ApiError> {
    let (limit, offset) = page_bounds(limit, offset);
    let principal = p.clone();
    state
        .db
        .read(move |conn| {
            let visible = teams_visible_to(conn, &principal)?;
            let build = || {
                let mut q = teams::table.into_boxed();
                if let Some(v) = &visible {
                    q = q.filter(teams::id.eq_any(v.iter().cloned().collect::<Vec<_>>()));
                }
                if let Some(p) = &parent {
                    q = q.filter(teams::parent_id.eq(p.clone()));
                }
                q
            };
            let total: i64 = build().count().get_result(conn)?;
            let rows: Vec<TeamRow> = build()
                .select(TeamRow::as_select())
                .order((teams::name, teams::id))
                .limit(limit)
                .offset(offset)
                .load(conn)?;
            let items = rows
                .into_iter()
                .map(|r| team_view(conn, r))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(TeamPage {
                items,
                total,
                limit,
                offset,
            })
        })
        .await
}

/// Renames, moves, re-kinds or re-keys a team (HR); moving a team under itself or its
/// own descendant is refused on `parent_id`.
pub async fn update_team(
    state: &AppState,
    p: &Principal,
    id: String,
    body: UpdateTeam,
) -> Result<Team, ApiError> {
    require_hr(p)?;
    let mut changes = TeamChanges::default();
    if let Some(n) = &body.name {
        changes.name = Some(parse_text(n, "name", NAME_MAX)?);
    }
    changes.kind = body.kind.map(|k| k.as_str().to_owned());
    match &body.key {
        MaybeUndefined::Undefined => {}
        MaybeUndefined::Null => changes.team_key = Some(None),
        MaybeUndefined::Value(k) => {
            changes.team_key = Some(parse_optional_text(Some(k), "key", ATTR_MAX)?)
        }
    }
    let parent = body.parent_id;
    state
        .db
        .write(move |conn| {
            store::find_team(conn, &id)?.ok_or(ApiError::NotFound("team"))?;
            match parent {
                MaybeUndefined::Undefined => {}
                MaybeUndefined::Null => changes.parent_id = Some(None),
                MaybeUndefined::Value(p) => {
                    ensure_team_exists(conn, &p, "parent_id")?;
                    if TeamTree::load(conn)?.would_cycle(&id, &p) {
                        return Err(ApiError::invalid(
                            "parent_id",
                            "a team cannot be placed under itself or its own descendant",
                        ));
                    }
                    changes.parent_id = Some(Some(p));
                }
            }
            if let Some(Some(k)) = &changes.team_key {
                let taken: i64 = teams::table
                    .filter(teams::team_key.eq(k))
                    .filter(teams::id.ne(&id))
                    .count()
                    .get_result(conn)?;
                if taken > 0 {
                    return Err(ApiError::invalid("key", "another team has this key"));
                }
            }
            changes.updated_at = Some(now());
            diesel::update(teams::table.find(&id))
                .set(&changes)
                .execute(conn)?;
            load_team(conn, &id)
        })
        .await
}

/// What to list of people: a page, optionally one team's subtree and a search.
#[derive(Debug, Clone, Default)]
pub struct PeopleQuery {
    pub limit: Option<i64>,
    pub offset: Option<i64>,
    pub team_id: Option<String>,
    /// Case-insensitive search in name and e-mail.
    pub q: Option<String>,
    pub include_inactive: bool,
}

/// People `p` may see (HR: everyone; managers: their subtrees), paged.
pub async fn list_people(
    state: &AppState,
    p: &Principal,
    query: PeopleQuery,
) -> Result<PersonPage, ApiError> {
    let (limit, offset) = page_bounds(query.limit, query.offset);
    let principal = p.clone();
    let (team_filter, search, inactive) = (query.team_id, query.q, query.include_inactive);
    state
        .db
        .read(move |conn| {
            let readable = readable_teams(conn, &principal)?;
            let managed = readable.is_some();
            if managed && readable.as_ref().is_some_and(|s| s.is_empty()) {
                return Err(ApiError::Forbidden);
            }
            let mut allowed: Option<HashSet<String>> = readable;
            if let Some(t) = &team_filter {
                let tree = TeamTree::load(conn)?;
                if !tree.contains(t) || allowed.as_ref().is_some_and(|a| !a.contains(t)) {
                    return Err(ApiError::NotFound("team"));
                }
                allowed = Some(tree.subtrees([t]));
            }
            let pattern =
                search.map(|s| format!("%{}%", s.trim().to_lowercase().replace(['%', '_'], "")));
            let build = || {
                let mut q = people::table.into_boxed();
                if let Some(a) = &allowed {
                    q = q.filter(people::team_id.eq_any(a.iter().cloned().collect::<Vec<_>>()));
                }
                if !inactive {
                    q = q.filter(people::active.eq(true));
                }
                if let Some(p) = &pattern {
                    q = q.filter(
                        lower(people::name)
                            .like(p.clone())
                            .or(people::email.like(p.clone())),
                    );
                }
                q
            };
            let total: i64 = build().count().get_result(conn)?;
            let rows: Vec<PersonRow> = build()
                .select(PersonRow::as_select())
                .order((people::name, people::id))
                .limit(limit)
                .offset(offset)
                .load(conn)?;
            Ok(PersonPage {
                items: rows.into_iter().map(person_view).collect(),
                total,
                limit,
                offset,
            })
        })
        .await
}

/// Imports people from CSV (HR): every row checked first; a dry run writes nothing.
pub async fn import_people_csv(
    state: &AppState,
    p: &Principal,
    csv: &[u8],
    dry_run: bool,
    partial: bool,
) -> Result<ImportReport, ApiError> {
    require_hr(p)?;
    let opts = ImportOptions {
        dry_run,
        partial,
        caller_is_admin: p.is_admin,
        activation_ttl: chrono::TimeDelta::hours(state.config.activation_ttl_hours),
    };
    let rows = import::parse_csv(csv)?;
    state
        .db
        .write(move |conn| import::apply(conn, &rows, &opts))
        .await
}

fn optional_attr(
    v: &MaybeUndefined<String>,
    field: &str,
) -> Result<Option<Option<String>>, ApiError> {
    Ok(match v {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(s) => Some(parse_optional_text(Some(s), field, ATTR_MAX)?),
    })
}
