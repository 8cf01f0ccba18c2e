//! What the webhook endpoints call (admins only): hooks are created, read, changed and
//! deleted, and their deliveries listed. A webhook's signing secret is made here,
//! shown once in the answer to its creation and stored sealed under a key derived
//! from the master key (the hook's id as associated data), so the sender can sign and
//! the database alone holds no working secret. Every change is in the audit log.

use crate::auth::{Principal, require_admin};
use crate::clock::now;
use crate::db::AnyConnection;
use crate::error::ApiError;
use crate::hooks::model::{DeliveryRow, HookRow, kind};
use crate::hooks::sign::new_secret;
use crate::hooks::store;
use crate::hooks::types::{
    CreateHook, CreatedHook, Delivery, DeliveryPage, Hook, HookEvent, HookKind, HookList,
    UpdateHook,
};
use crate::notify::types::OutboxStatus;
use crate::org::domain::Language;
use crate::reports::audit_log::record;
use crate::state::AppState;

/// The longest URL taken.
const URL_MAX: usize = 2000;

/// What the schema's pattern says: `http://` or `https://`, a host, then a path, query
/// or fragment; no spaces or control characters anywhere.
pub fn url_ok(url: &str) -> bool {
    let Some(rest) = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
    else {
        return false;
    };
    let host_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    host_end > 0
        && url.chars().count() <= URL_MAX
        && !url.chars().any(|c| c.is_whitespace() || c.is_control())
}

fn check_url(url: &str) -> Result<String, ApiError> {
    if url_ok(url) {
        Ok(url.to_owned())
    } else {
        Err(ApiError::invalid(
            "url",
            "must be an http:// or https:// URL with a host, without spaces",
        ))
    }
}

fn events_text(events: Option<Vec<HookEvent>>) -> Result<String, ApiError> {
    let events = events.unwrap_or_else(|| HookEvent::ALL.to_vec());
    if events.is_empty() || events.len() > HookEvent::ALL.len() {
        return Err(ApiError::invalid("events", "give one to five events"));
    }
    Ok(HookEvent::ALL
        .into_iter()
        .filter(|e| events.contains(e))
        .map(HookEvent::as_str)
        .collect::<Vec<_>>()
        .join(","))
}

fn check_team(conn: &mut AnyConnection, team: Option<&str>) -> Result<(), ApiError> {
    match team {
        // A control character (NUL, which PostgreSQL refuses) names no team.
        Some(t) if t.chars().any(char::is_control) || !store::team_exists(conn, t)? => {
            Err(ApiError::invalid("team_id", "unknown team"))
        }
        _ => Ok(()),
    }
}

/// A chat URL shown as its origin only.
fn shown_url(row: &HookRow) -> String {
    if row.kind == kind::WEBHOOK {
        return row.url.clone();
    }
    let after = row.url.find("://").map_or(0, |i| i + 3);
    let end = row.url[after..]
        .find(['/', '?', '#'])
        .map_or(row.url.len(), |i| after + i);
    format!("{}/…", &row.url[..end])
}

fn view(row: HookRow) -> Hook {
    Hook {
        url: shown_url(&row),
        kind: HookKind::parse(&row.kind),
        events: row.events.split(',').filter_map(HookEvent::parse).collect(),
        language: if row.language == "ru" {
            Language::Ru
        } else {
            Language::En
        },
        id: row.id,
        team_id: row.team_id,
        enabled: row.enabled,
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

fn delivery(r: DeliveryRow) -> Delivery {
    Delivery {
        event: HookEvent::parse(&r.event).unwrap_or(HookEvent::RoundOpened),
        status: OutboxStatus::parse(&r.status),
        id: r.id,
        tries: r.tries,
        response_status: r.response_status,
        last_error: r.last_error,
        next_attempt_at: r.next_attempt_at,
        sent_at: r.sent_at,
        created_at: r.created_at,
    }
}

pub async fn list(state: &AppState, p: &Principal) -> Result<HookList, ApiError> {
    require_admin(p)?;
    state
        .db
        .read(|conn| {
            Ok(HookList {
                items: store::all(conn)?.into_iter().map(view).collect(),
            })
        })
        .await
}

pub async fn create(
    state: &AppState,
    p: &Principal,
    b: CreateHook,
) -> Result<CreatedHook, ApiError> {
    require_admin(p)?;
    let url = check_url(&b.url)?;
    let events = events_text(b.events)?;
    let id = uuid::Uuid::new_v4().to_string();
    let secret = (b.kind == HookKind::Webhook).then(new_secret);
    let sealed = match &secret {
        Some(s) => Some(crate::notify::queue::seal(
            &state.master.hook_key(),
            &id,
            s,
        )?),
        None => None,
    };
    let t = now();
    let row = HookRow {
        id,
        kind: b.kind.as_str().to_owned(),
        url,
        events,
        team_id: b.team_id,
        language: b.language.unwrap_or(Language::En).as_str().to_owned(),
        secret: sealed,
        enabled: b.enabled.unwrap_or(true),
        created_at: t,
        updated_at: t,
    };
    let actor = p.id.clone();
    let hook = state
        .db
        .write(move |conn| {
            check_team(conn, row.team_id.as_deref())?;
            store::insert(conn, &row)?;
            record(
                conn,
                &actor,
                "webhook.create",
                &format!("webhooks/{}", row.id),
            )?;
            Ok(view(row))
        })
        .await?;
    Ok(CreatedHook { hook, secret })
}

pub async fn get(state: &AppState, p: &Principal, id: String) -> Result<Hook, ApiError> {
    require_admin(p)?;
    state
        .db
        .read(move |conn| {
            store::find(conn, &id)?
                .map(view)
                .ok_or(ApiError::NotFound("webhook"))
        })
        .await
}

pub async fn update(
    state: &AppState,
    p: &Principal,
    id: String,
    b: UpdateHook,
) -> Result<Hook, ApiError> {
    require_admin(p)?;
    let url = b.url.as_deref().map(check_url).transpose()?;
    let events = b.events.map(|e| events_text(Some(e))).transpose()?;
    let actor = p.id.clone();
    state
        .db
        .write(move |conn| {
            let mut row = store::find(conn, &id)?.ok_or(ApiError::NotFound("webhook"))?;
            if let Some(u) = url {
                row.url = u;
            }
            if let Some(e) = events {
                row.events = e;
            }
            match b.team_id {
                poem_openapi::types::MaybeUndefined::Value(t) => row.team_id = Some(t),
                poem_openapi::types::MaybeUndefined::Null => row.team_id = None,
                poem_openapi::types::MaybeUndefined::Undefined => {}
            }
            check_team(conn, row.team_id.as_deref())?;
            if let Some(l) = b.language {
                row.language = l.as_str().to_owned();
            }
            if let Some(e) = b.enabled {
                row.enabled = e;
            }
            row.updated_at = now();
            store::update(conn, &row)?;
            record(conn, &actor, "webhook.update", &format!("webhooks/{id}"))?;
            Ok(view(row))
        })
        .await
}

pub async fn delete(state: &AppState, p: &Principal, id: String) -> Result<(), ApiError> {
    require_admin(p)?;
    let actor = p.id.clone();
    state
        .db
        .write(move |conn| {
            if !store::delete(conn, &id)? {
                return Err(ApiError::NotFound("webhook"));
            }
            record(conn, &actor, "webhook.delete", &format!("webhooks/{id}"))
        })
        .await
}

pub async fn deliveries(
    state: &AppState,
    p: &Principal,
    id: String,
    limit: i64,
    offset: i64,
) -> Result<DeliveryPage, ApiError> {
    require_admin(p)?;
    state
        .db
        .read(move |conn| {
            store::find(conn, &id)?.ok_or(ApiError::NotFound("webhook"))?;
            let (total, rows) = store::deliveries(conn, &id, limit, offset)?;
            Ok(DeliveryPage {
                items: rows.into_iter().map(delivery).collect(),
                total,
                limit,
                offset,
            })
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::url_ok;

    #[test]
    fn urls_are_http_or_https_with_a_host() {
        assert!(url_ok("https://hooks.slack.com/services/T/B/x"));
        assert!(url_ok("http://127.0.0.1:8080"));
        assert!(url_ok("http://h?q=1"));
        assert!(!url_ok("ftp://h/x"));
        assert!(!url_ok("http:///x"));
        assert!(!url_ok("https://h/a b"));
        assert!(!url_ok("javascript:alert(1)"));
    }
}
