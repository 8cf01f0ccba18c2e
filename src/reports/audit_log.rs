//! The append-only audit log: every report read and export is recorded with who, what
//! and when — never the report's content. Admins read it, newest first.

use diesel::prelude::*;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use crate::auth::bearer::BearerAuth;
use crate::auth::{Principal, require_admin};
use crate::db::AnyConnection;
use crate::db::schema::{audit_log, people};
use crate::error::ApiError;
use crate::http::{Tag, page_bounds};
use crate::state::AppState;

/// Appends one entry (inside the caller's transaction).
pub fn record(
    conn: &mut AnyConnection,
    actor_id: &str,
    action: &str,
    target: &str,
) -> Result<(), ApiError> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::id.eq(uuid::Uuid::new_v4().to_string()),
            audit_log::at.eq(crate::clock::now()),
            audit_log::actor_id.eq(actor_id),
            audit_log::action.eq(action),
            audit_log::target.eq(target),
        ))
        .execute(conn)?;
    Ok(())
}

/// Appends one entry in its own write; a report is answered only once it is recorded.
pub async fn append(
    state: &AppState,
    actor_id: &str,
    action: &str,
    target: &str,
) -> Result<(), ApiError> {
    let (actor, action, target) = (actor_id.to_owned(), action.to_owned(), target.to_owned());
    state
        .db
        .write(move |conn| record(conn, &actor, &action, &target))
        .await
}

#[derive(Object)]
pub struct AuditEntry {
    pub at: chrono::NaiveDateTime,
    pub actor_id: String,
    pub actor_email: Option<String>,
    /// What was done, e.g. `report.read` or `report.export`.
    pub action: String,
    /// Which report, e.g. `round/<id>/report?team_id=<id>&cut=location`.
    pub target: String,
}

#[derive(Object)]
pub struct AuditPage {
    pub items: Vec<AuditEntry>,
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
}

pub struct AuditApi {
    pub state: AppState,
}

#[OpenApi(prefix_path = "/api/v1", tag = "Tag::Reports")]
impl AuditApi {
    /// The audit log of report reads and exports (admins), newest first.
    #[oai(path = "/audit-log", method = "get", operation_id = "audit_log")]
    async fn audit_log(
        &self,
        auth: BearerAuth,
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))] limit: Query<Option<i64>>,
        #[oai(validator(minimum(value = "0"), maximum(value = "1000000")))] offset: Query<
            Option<i64>,
        >,
    ) -> Result<Json<AuditPage>, ApiError> {
        let (limit, offset) = page_bounds(limit.0, offset.0);
        audit_page(&self.state, &auth.0, limit, offset)
            .await
            .map(Json)
    }
}

/// The audit log (admins), newest first.
pub async fn audit_page(
    state: &AppState,
    p: &Principal,
    limit: i64,
    offset: i64,
) -> Result<AuditPage, ApiError> {
    require_admin(p)?;
    state
        .db
        .read(move |conn| {
            let total: i64 = audit_log::table.count().get_result(conn)?;
            let rows: Vec<(
                chrono::NaiveDateTime,
                String,
                Option<String>,
                String,
                String,
            )> = audit_log::table
                .left_join(people::table.on(people::id.eq(audit_log::actor_id)))
                .select((
                    audit_log::at,
                    audit_log::actor_id,
                    people::email.nullable(),
                    audit_log::action,
                    audit_log::target,
                ))
                .order((audit_log::at.desc(), audit_log::id))
                .limit(limit)
                .offset(offset)
                .load(conn)?;
            Ok(AuditPage {
                items: rows
                    .into_iter()
                    .map(|(at, actor_id, actor_email, action, target)| AuditEntry {
                        at,
                        actor_id,
                        actor_email,
                        action,
                        target,
                    })
                    .collect(),
                total,
                limit,
                offset,
            })
        })
        .await
}
