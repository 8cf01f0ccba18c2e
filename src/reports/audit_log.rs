//! The append-only audit log: every report read and export is recorded with who, what
//! and when — never the report's content. Admins read it, newest first.

use diesel::prelude::*;

use crate::auth::{Principal, require_admin};
use crate::db::AnyConnection;
use crate::db::schema::{audit_log, people};
use crate::error::ApiError;
use crate::reports::types::{AuditEntry, AuditPage};
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
