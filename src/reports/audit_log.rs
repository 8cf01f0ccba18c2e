//! The append-only audit log: every read and export of released data (reports, heatmap,
//! comments, trend, linkage, participation, frontline insights) and every change to the
//! organisation is recorded with who, what and when — never the content. A read goes
//! through [`audited_read`] (answered only once recorded); a change calls [`record`] in
//! its own transaction (a failed change leaves no row, a change never lands unaudited).
//! Admins read the log, newest first.

use diesel::prelude::*;

use crate::auth::{Principal, require_admin};
use crate::db::schema::{audit_log, people};
use crate::db::{AnyConnection, lower};
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
/// answered unless it is recorded; a read that fails records nothing. A round that has
/// just ended is closed (its ballots opened) before it is read.
pub async fn audited_read<T, F>(
    state: &AppState,
    principal: &Principal,
    action: &'static str,
    read: F,
) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&mut AnyConnection, &Principal) -> Result<(String, T), ApiError>
        + Clone
        + Send
        + 'static,
{
    crate::surveys::materialise::settle(state).await?;
    let p = principal.clone();
    let (target, out) = state.db.read_replicated(move |conn| read(conn, &p)).await?;
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

/// Which entries of the audit log to list: by who (an e-mail, or part of one, or a
/// person id), what (the action, exactly) and when (days, inclusive, UTC).
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub from: Option<chrono::NaiveDate>,
    pub to: Option<chrono::NaiveDate>,
}

/// The audit log (admins), newest first, filtered.
pub async fn audit_page(
    state: &AppState,
    p: &Principal,
    filter: AuditFilter,
    limit: i64,
    offset: i64,
) -> Result<AuditPage, ApiError> {
    require_admin(p)?;
    if let (Some(f), Some(t)) = (filter.from, filter.to)
        && f > t
    {
        return Err(ApiError::invalid("from", "must not be after `to`"));
    }
    state
        .db
        .read(move |conn| {
            let build = || {
                let mut q = audit_log::table
                    .left_join(people::table.on(people::id.eq(audit_log::actor_id)))
                    .into_boxed();
                if let Some(a) = filter
                    .actor
                    .as_deref()
                    .map(str::trim)
                    .filter(|a| !a.is_empty())
                {
                    let pattern = format!("%{}%", a.to_lowercase().replace(['%', '_'], ""));
                    q = q.filter(
                        audit_log::actor_id
                            .eq(a.to_owned())
                            .or(lower(people::email.assume_not_null()).like(pattern)),
                    );
                }
                if let Some(a) = filter.action.as_deref().filter(|a| !a.is_empty()) {
                    q = q.filter(audit_log::action.eq(a.to_owned()));
                }
                if let Some(f) = filter.from {
                    q = q.filter(audit_log::at.ge(f.and_time(chrono::NaiveTime::MIN)));
                }
                if let Some(t) = filter.to.and_then(|t| t.succ_opt()) {
                    q = q.filter(audit_log::at.lt(t.and_time(chrono::NaiveTime::MIN)));
                }
                q
            };
            let total: i64 = build().count().get_result(conn)?;
            let rows: Vec<(
                chrono::NaiveDateTime,
                String,
                Option<String>,
                String,
                String,
            )> = build()
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

/// The actions the audit log holds, for a filter's choices (admins).
pub async fn audit_actions(state: &AppState, p: &Principal) -> Result<Vec<String>, ApiError> {
    require_admin(p)?;
    state
        .db
        .read(|conn| {
            Ok(audit_log::table
                .select(audit_log::action)
                .distinct()
                .order(audit_log::action)
                .load(conn)?)
        })
        .await
}

/// Readable names for the ids an audit page's targets name: rounds (their survey's
/// title and number), teams, people and surveys; an id not found is left out.
pub async fn target_names(
    state: &AppState,
    p: &Principal,
    page: &AuditPage,
) -> Result<std::collections::HashMap<String, String>, ApiError> {
    require_admin(p)?;
    let mut ids: Vec<String> = page
        .items
        .iter()
        .flat_map(|e| target_ids(&e.target))
        .collect();
    ids.sort();
    ids.dedup();
    state
        .db
        .read(move |conn| {
            use crate::db::schema::{rounds, surveys, teams};
            let mut names = std::collections::HashMap::new();
            let found: Vec<(String, String, i32)> = rounds::table
                .inner_join(surveys::table.on(surveys::id.eq(rounds::survey_id)))
                .filter(rounds::id.eq_any(&ids))
                .select((rounds::id, surveys::title, rounds::sequence))
                .load(conn)?;
            for (id, title, seq) in found {
                names.insert(id, format!("{title} #{seq}"));
            }
            let pairs: Vec<(String, String)> = surveys::table
                .filter(surveys::id.eq_any(&ids))
                .select((surveys::id, surveys::title))
                .load(conn)?;
            names.extend(pairs);
            let pairs: Vec<(String, String)> = teams::table
                .filter(teams::id.eq_any(&ids))
                .select((teams::id, teams::name))
                .load(conn)?;
            names.extend(pairs);
            let pairs: Vec<(String, String)> = people::table
                .filter(people::id.eq_any(&ids))
                .select((people::id, people::name))
                .load(conn)?;
            names.extend(pairs);
            Ok(names)
        })
        .await
}

/// The ids a target names: its path segments and query values that look like ids
/// (UUIDs), in order.
pub fn target_ids(target: &str) -> Vec<String> {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let values = serde_urlencoded::from_str::<Vec<(String, String)>>(query).unwrap_or_default();
    path.split('/')
        .map(str::to_owned)
        .chain(values.into_iter().map(|(_, v)| v))
        .filter(|s| uuid::Uuid::parse_str(s).is_ok())
        .collect()
}
