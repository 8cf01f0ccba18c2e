//! Erasure of a person (admins): everything that names or describes them goes, in one
//! transaction, and the row that other records point at stays as a nameless "erased
//! person".
//!
//! What goes: name, e-mail (replaced by `erased-<id>@erased.invalid`, which names no
//! one and keeps the column unique), team, roles, location, job family, start date,
//! language, password hash, any pending activation, the accounts at the company's
//! identity provider that sign them in; every token of theirs stops working
//! (the token version is bumped) and they manage no team any more. Their signed
//! suggestions lose their author and their time of day (they become anonymous, as if
//! written so) — or are deleted with their votes and replies when the admin asks.
//! The actions they own pass to a manager of the action's team (the nearest team above
//! it that has one when it has none) or, for the organisation's actions or where no team
//! above has a manager, to nobody; the actions they created and the updates they wrote
//! stay, under the erased person's name.
//!
//! What stays: the person's id, which then names nobody. Their round records
//! (`round_invitees`, with segments already generalised to groups of at least k, and
//! `participation`, which says only that the record answered) stay attached to that id:
//! deleting them would change the invited and answered counts of rounds already
//! reported, and a count that drops by one after an erasure tells every reader of the
//! report which team the erased person was in and whether they answered. Anonymous
//! responses, anonymous suggestions and vote hashes never named them and stay. The
//! audit log (append-only) keeps the ids of what they did; its erasure entry holds ids
//! and counts only.
//!
//! Erasing an erased person is refused with 409, so a repeated request cannot be
//! mistaken for a second erasure in the audit log. On SQLite the write-ahead log is
//! emptied afterwards ([`crate::db::Db::checkpoint_truncate`]): its frames held the
//! pages as they were before, and `secure_delete` already zeroes what the update freed.

use diesel::prelude::*;

use crate::auth::{Principal, require_admin};
use crate::clock::now;
use crate::db::AnyConnection;
use crate::db::schema::{
    actions, identities, outbox, people, pulse_links, suggestion_events, suggestion_votes,
    suggestions, team_managers,
};
use crate::error::ApiError;
use crate::org::domain::natural_key;
use crate::org::store::{TeamTree, team_manager_ids};
use crate::org::types::{ErasePerson, Erased};
use crate::reports::audit_log::{record, target};
use crate::state::AppState;

/// The name an erased person is shown with.
pub const ERASED_NAME: &str = "erased person";

/// The password hash kept for an erased person who had activated: no password matches
/// it (it is not a PHC string), and reports that count who could be reached by a round
/// count them as before.
const LOCKED_HASH: &str = "!erased";

/// The e-mail an erased person's row keeps: unique, and naming no one.
pub fn erased_email(id: &str) -> String {
    format!("erased-{id}@erased.invalid")
}

/// Erases person `id` (admins; never oneself): see the module's documentation.
pub async fn erase_person(
    state: &AppState,
    p: &Principal,
    id: String,
    body: ErasePerson,
) -> Result<Erased, ApiError> {
    require_admin(p)?;
    if id == p.id {
        return Err(ApiError::Conflict("you cannot erase yourself".into()));
    }
    let delete = body.delete_suggestions.unwrap_or(false);
    let actor = p.id.clone();
    let erased = state
        .db
        .write(move |conn| erase_in(conn, &actor, &id, delete))
        .await?;
    let db = state.db.clone();
    let emptied = tokio::task::spawn_blocking(move || db.checkpoint_truncate()).await;
    if !matches!(emptied, Ok(Ok(()))) {
        // The erasure is committed; the next checkpoint of the background writer copies
        // it into the file, and the log is emptied when the server stops.
        tracing::warn!("the write-ahead log could not be emptied after an erasure");
    }
    Ok(erased)
}

fn erase_in(
    conn: &mut AnyConnection,
    actor: &str,
    id: &str,
    delete_suggestions: bool,
) -> Result<Erased, ApiError> {
    let row: Option<(Option<String>, Option<chrono::NaiveDateTime>)> = people::table
        .find(id)
        .select((people::password_hash, people::erased_at))
        .first(conn)
        .optional()?;
    let Some((hash, erased_at)) = row else {
        return Err(ApiError::NotFound("person"));
    };
    if erased_at.is_some() {
        return Err(ApiError::Conflict("the person is already erased".into()));
    }
    let signed: Vec<String> = suggestions::table
        .filter(suggestions::author_id.eq(id))
        .select(suggestions::id)
        .load(conn)?;
    let (anonymised, deleted) = if delete_suggestions {
        diesel::delete(
            suggestion_votes::table.filter(suggestion_votes::suggestion_id.eq_any(&signed)),
        )
        .execute(conn)?;
        diesel::delete(
            suggestion_events::table.filter(suggestion_events::suggestion_id.eq_any(&signed)),
        )
        .execute(conn)?;
        let n = diesel::delete(suggestions::table.filter(suggestions::id.eq_any(&signed)))
            .execute(conn)?;
        (0, n)
    } else {
        let n = diesel::update(suggestions::table.filter(suggestions::id.eq_any(&signed)))
            .set((
                suggestions::author_id.eq(None::<String>),
                suggestions::anonymous.eq(true),
                suggestions::created_at.eq(None::<chrono::NaiveDateTime>),
            ))
            .execute(conn)?;
        (n, 0)
    };
    diesel::delete(team_managers::table.filter(team_managers::person_id.eq(id))).execute(conn)?;
    let reassigned = reassign_actions(conn, id)?;
    // Messages to them, sent or not (with their delivery records), and personal links.
    diesel::delete(outbox::table.filter(outbox::person_id.eq(id))).execute(conn)?;
    diesel::delete(pulse_links::table.filter(pulse_links::person_id.eq(id))).execute(conn)?;
    // Webhook deliveries that name them as a suggestion's author.
    crate::hooks::store::forget_author(conn, id)?;
    // Their accounts at the company's identity provider: the subject names them there.
    diesel::delete(identities::table.filter(identities::person_id.eq(id))).execute(conn)?;
    let at = now();
    diesel::update(people::table.find(id))
        .set((
            people::email.eq(erased_email(id)),
            people::name.eq(ERASED_NAME),
            // The sort key is the name's, lower-cased: it goes with it.
            people::name_key.eq(natural_key(ERASED_NAME)),
            people::team_id.eq(None::<String>),
            people::is_hr.eq(false),
            people::is_admin.eq(false),
            people::location.eq(None::<String>),
            people::job_family.eq(None::<String>),
            people::start_date.eq(None::<chrono::NaiveDate>),
            people::language.eq("en"),
            people::password_hash.eq(hash.map(|_| LOCKED_HASH.to_owned())),
            people::token_version.eq(people::token_version + 1),
            people::active.eq(false),
            people::activation_hash.eq(None::<String>),
            people::activation_expires_at.eq(None::<chrono::NaiveDateTime>),
            people::updated_at.eq(at),
            people::erased_at.eq(Some(at)),
            // What a SCIM client sent about them.
            people::external_id.eq(None::<String>),
            people::phone.eq(None::<String>),
            people::employee_number.eq(None::<String>),
            people::time_zone.eq(None::<String>),
        ))
        .execute(conn)?;
    let (a, d, r) = (
        anonymised.to_string(),
        deleted.to_string(),
        reassigned.to_string(),
    );
    let t = target(
        &format!("people/{id}"),
        &[
            ("suggestions_anonymised", Some(&a)),
            ("suggestions_deleted", Some(&d)),
            ("actions_reassigned", (reassigned > 0).then_some(r.as_str())),
        ],
    );
    record(conn, actor, "person.erase", &t)?;
    Ok(Erased {
        id: id.to_owned(),
        erased_at: at,
        suggestions_anonymised: anonymised as i64,
        suggestions_deleted: deleted as i64,
    })
}

/// Gives the actions `id` owns to a manager of each action's team — the team's own,
/// else the nearest team above with one (the first by id) — or to nobody; `id` no
/// longer manages anything when this runs. Returns how many actions changed owner.
fn reassign_actions(conn: &mut AnyConnection, id: &str) -> Result<usize, ApiError> {
    let owned: Vec<(String, Option<String>)> = actions::table
        .filter(actions::owner_id.eq(id))
        .select((actions::id, actions::team_id))
        .load(conn)?;
    if owned.is_empty() {
        return Ok(0);
    }
    let tree = TeamTree::load(conn)?;
    for (action, team) in &owned {
        let mut heir = None;
        if let Some(team) = team {
            for t in tree.ancestors_inclusive(team) {
                // Ordered by id: the same heir on every replica.
                if let Some(m) = team_manager_ids(conn, &t)?.into_iter().find(|m| m != id) {
                    heir = Some(m);
                    break;
                }
            }
        }
        diesel::update(actions::table.find(action))
            .set(actions::owner_id.eq(heir))
            .execute(conn)?;
    }
    Ok(owned.len())
}
