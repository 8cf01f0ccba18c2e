//! The append-only audit log: every read and export of released data (reports, heatmap,
//! comments, trend, linkage, participation, frontline insights) and every change to the
//! organisation is recorded with who, what and when — never the content. A read goes
//! through [`audited_read`] (answered only once recorded); a change calls [`record`] in
//! its own transaction (a failed change leaves no row, a change never lands unaudited).
//! Admins read the log, newest first.

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

/// Runs a read of released data as `principal` and writes who did what to the audit log:
/// the `action`, and the target that `read` answers beside its result. Nothing is
/// answered unless it is recorded; a read that fails records nothing.
pub async fn audited_read<T, F>(
    state: &AppState,
    principal: &Principal,
    action: &'static str,
    read: F,
) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&mut AnyConnection, &Principal) -> Result<(String, T), ApiError> + Send + 'static,
{
    let p = principal.clone();
    let (target, out) = state.db.read(move |conn| read(conn, &p)).await?;
    append(state, &principal.id, action, &target).await?;
    Ok(out)
}

/// A target: `path`, then the `params` that are set as a query string, each value
/// percent-encoded (`path?a=1&b=x%20y`). Ids and counts only — never content.
pub fn target(path: &str, params: &[(&str, Option<&str>)]) -> String {
    let set: Vec<(&str, &str)> = params
        .iter()
        .filter_map(|(k, v)| v.map(|v| (*k, v)))
        .collect();
    match serde_urlencoded::to_string(&set) {
        Ok(q) if !q.is_empty() => format!("{path}?{q}"),
        _ => path.to_owned(),
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
