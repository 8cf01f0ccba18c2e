//! The queries of the outbox and of the personal answer links.
//!
//! Claiming is one statement in a write transaction: on PostgreSQL the due rows are
//! picked with `FOR UPDATE SKIP LOCKED`, so replicas claiming at once take different
//! rows; on SQLite the transaction runs on the single writer (`BEGIN IMMEDIATE`), so
//! claims never overlap. A claimed row is `sending` until `claimed_until`; a sender
//! that dies leaves it to be claimed again when that passes.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};

use crate::db::AnyConnection;
use crate::db::schema::{outbox, people, pulse_links, round_invitees, rounds, surveys};
use crate::error::ApiError;
use crate::notify::model::{OutboxRow, PulseLinkRow, status};

/// Rows inserted per statement (SQLite binds at most 32,766 values).
const CHUNK: usize = 500;

/// Queues `rows`; a row whose idempotency key is already queued is left out. Returns
/// how many were new.
pub fn enqueue(conn: &mut AnyConnection, rows: &[OutboxRow]) -> Result<usize, ApiError> {
    let mut added = 0;
    match conn {
        // SQLite has no multi-row upsert in diesel; one row at a time on the writer.
        AnyConnection::Sqlite(c) => {
            for r in rows {
                added += diesel::insert_into(outbox::table)
                    .values(r)
                    .on_conflict(outbox::idempotency_key)
                    .do_nothing()
                    .execute(c)?;
            }
        }
        AnyConnection::Postgresql(c) => {
            for chunk in rows.chunks(CHUNK) {
                added += diesel::insert_into(outbox::table)
                    .values(chunk)
                    .on_conflict(outbox::idempotency_key)
                    .do_nothing()
                    .execute(c)?;
            }
        }
    }
    Ok(added)
}

/// Cancels the person's queued messages of `kind` (a newer one replaces them).
pub fn cancel_queued(
    conn: &mut AnyConnection,
    person_id: &str,
    kind: &str,
    why: &str,
) -> Result<usize, ApiError> {
    Ok(diesel::update(
        outbox::table
            .filter(outbox::person_id.eq(person_id))
            .filter(outbox::kind.eq(kind))
            .filter(outbox::status.eq(status::QUEUED)),
    )
    .set((
        outbox::status.eq(status::CANCELLED),
        outbox::last_error.eq(Some(why)),
    ))
    .execute(conn)?)
}

#[derive(QueryableByName)]
struct Claimed {
    #[diesel(sql_type = Text)]
    id: String,
}

/// Claims up to `limit` due rows of a delivery table (`outbox`, or the webhooks'
/// `hook_deliveries`, which share its status, claim, tries and next-attempt columns)
/// until `lease_until`: queued ones whose time has come, and `sending` ones whose claim
/// has lapsed (their sender died). Each claim counts as a try. PostgreSQL skips rows
/// another replica holds. Returns the ids claimed.
pub fn claim_due_ids(
    conn: &mut AnyConnection,
    table: &'static str,
    only: &str,
    at: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: i64,
) -> Result<Vec<String>, ApiError> {
    let lock = match conn {
        AnyConnection::Postgresql(_) => " FOR UPDATE SKIP LOCKED",
        AnyConnection::Sqlite(_) => "",
    };
    let sql = format!(
        "UPDATE {table} SET status = 'sending', claimed_until = $1, tries = tries + 1 \
         WHERE id IN (SELECT id FROM {table} \
           WHERE ((status = 'queued' AND next_attempt_at <= $2) \
              OR (status = 'sending' AND claimed_until <= $2)){only} \
           ORDER BY next_attempt_at LIMIT $3{lock}) \
         RETURNING id"
    );
    let ids: Vec<Claimed> = diesel::sql_query(sql)
        .bind::<Timestamp, _>(lease_until)
        .bind::<Timestamp, _>(at)
        .bind::<BigInt, _>(limit)
        .load(conn)?;
    Ok(ids.into_iter().map(|c| c.id).collect())
}

/// Which ways of sending a server has: a message that needs another stays queued for a
/// server that has it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Channels {
    pub mail: bool,
    pub sms: bool,
}

/// The messages that go by SMS: a pulse-open message or reminder to someone with a
/// phone number and no e-mail address.
macro_rules! by_sms {
    () => {
        "(kind IN ('pulse_open', 'reminder') AND person_id IN \
         (SELECT id FROM people WHERE email IS NULL AND phone IS NOT NULL))"
    };
}

impl Channels {
    /// The claim's extra condition: none with both channels; without a gateway, no
    /// message that goes by SMS; without SMTP, only those.
    fn only(self) -> &'static str {
        match (self.mail, self.sms) {
            (true, true) => "",
            (true, false) => concat!(" AND NOT ", by_sms!()),
            (false, _) => concat!(" AND ", by_sms!()),
        }
    }
}

/// Claims up to `limit` due messages until `lease_until` ([`claim_due_ids`]). Run inside
/// [`crate::db::Db::write`].
pub fn claim_due(
    conn: &mut AnyConnection,
    channels: Channels,
    at: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: i64,
) -> Result<Vec<OutboxRow>, ApiError> {
    let ids = claim_due_ids(conn, "outbox", channels.only(), at, lease_until, limit)?;
    Ok(outbox::table
        .filter(outbox::id.eq_any(&ids))
        .order(outbox::next_attempt_at)
        .select(OutboxRow::as_select())
        .load(conn)?)
}

/// Updates a claimed row of a delivery table (`$table`: `outbox`, or `hook_deliveries`,
/// which shares its claim columns) only while it is still `sending`, sets `$set` and
/// drops the claim; evaluates to the rows changed.
macro_rules! settle_claimed {
    ($table:ident, $conn:expr, $id:expr, $($set:expr),+ $(,)?) => {
        diesel::update(
            $table::table
                .filter($table::id.eq($id))
                .filter($table::status.eq($crate::notify::model::status::SENDING)),
        )
        .set(($($set,)+ $table::claimed_until.eq(None::<NaiveDateTime>)))
        .execute($conn)
    };
}
pub(crate) use settle_claimed;

/// Records a message as sent (only while it is still this sender's claim).
pub fn mark_sent(conn: &mut AnyConnection, id: &str, at: NaiveDateTime) -> Result<(), ApiError> {
    settle_claimed!(
        outbox,
        conn,
        id,
        outbox::status.eq(status::SENT),
        outbox::sent_at.eq(Some(at)),
        outbox::last_error.eq(None::<String>),
    )?;
    Ok(())
}

/// Puts a message back in the queue for `next` (a temporary failure), keeping the error.
pub fn mark_retry(
    conn: &mut AnyConnection,
    id: &str,
    next: NaiveDateTime,
    error: &str,
) -> Result<(), ApiError> {
    settle_claimed!(
        outbox,
        conn,
        id,
        outbox::status.eq(status::QUEUED),
        outbox::next_attempt_at.eq(next),
        outbox::last_error.eq(Some(error)),
    )?;
    Ok(())
}

/// Gives a message up (`failed`) or drops it (`cancelled`), keeping why.
pub fn mark_final(
    conn: &mut AnyConnection,
    id: &str,
    final_status: &str,
    error: &str,
) -> Result<(), ApiError> {
    settle_claimed!(
        outbox,
        conn,
        id,
        outbox::status.eq(final_status),
        outbox::last_error.eq(Some(error)),
    )?;
    Ok(())
}

/// Hands a claimed message back unsent (the sender is stopping): due at once, and the
/// claim does not count as a try.
pub fn release(conn: &mut AnyConnection, id: &str, at: NaiveDateTime) -> Result<(), ApiError> {
    settle_claimed!(
        outbox,
        conn,
        id,
        outbox::status.eq(status::QUEUED),
        outbox::next_attempt_at.eq(at),
        outbox::tries.eq(outbox::tries - 1),
    )?;
    Ok(())
}

/// A message and its recipient's address, if they have one.
pub type Addressed = (OutboxRow, Option<String>);

/// A page of the outbox, newest first, with each recipient's address; and the total.
/// Reminders are left out: their recipients, and even their outcomes beside the other
/// messages (a reminder failing like one person's invitation did), say who has not
/// answered.
pub fn page(
    conn: &mut AnyConnection,
    only: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<(i64, Vec<Addressed>), ApiError> {
    let mut count = outbox::table
        .filter(outbox::kind.ne(crate::notify::model::kind::REMINDER))
        .into_boxed();
    let mut q = outbox::table
        .inner_join(people::table.on(people::id.eq(outbox::person_id)))
        .filter(outbox::kind.ne(crate::notify::model::kind::REMINDER))
        .into_boxed();
    if let Some(s) = only {
        count = count.filter(outbox::status.eq(s.to_owned()));
        q = q.filter(outbox::status.eq(s.to_owned()));
    }
    let total = count.count().get_result(conn)?;
    let rows = q
        .order((outbox::created_at.desc(), outbox::id))
        .limit(limit)
        .offset(offset)
        .select((OutboxRow::as_select(), people::email, people::phone))
        .load::<(OutboxRow, Option<String>, Option<String>)>(conn)?
        .into_iter()
        .map(|(r, email, phone)| (r, email.or(phone)))
        .collect();
    Ok((total, rows))
}

/// How many pulse-open messages to people with a phone number and no e-mail address
/// are queued (they wait for an SMS gateway). Reminders are not counted: the outbox
/// says nothing of them.
pub fn queued_for_sms(conn: &mut AnyConnection) -> Result<i64, ApiError> {
    Ok(outbox::table
        .inner_join(people::table.on(people::id.eq(outbox::person_id)))
        .filter(outbox::kind.eq(crate::notify::model::kind::PULSE_OPEN))
        .filter(outbox::status.eq(status::QUEUED))
        .filter(people::email.is_null())
        .filter(people::phone.is_not_null())
        .count()
        .get_result(conn)?)
}

pub fn find(conn: &mut AnyConnection, id: &str) -> Result<Option<OutboxRow>, ApiError> {
    Ok(outbox::table
        .find(id)
        .select(OutboxRow::as_select())
        .first(conn)
        .optional()?)
}

/// Queues a failed or cancelled message again, due now, with a fresh count of tries.
pub fn requeue(conn: &mut AnyConnection, id: &str, at: NaiveDateTime) -> Result<(), ApiError> {
    diesel::update(outbox::table.find(id))
        .set((
            outbox::status.eq(status::QUEUED),
            outbox::next_attempt_at.eq(at),
            outbox::tries.eq(0),
        ))
        .execute(conn)?;
    Ok(())
}

/// Whether person `person_id` has an e-mail address (every message is an e-mail).
pub fn has_email(conn: &mut AnyConnection, person_id: &str) -> Result<bool, ApiError> {
    Ok(people::table
        .find(person_id)
        .filter(people::email.is_not_null())
        .select(people::id)
        .first::<String>(conn)
        .optional()?
        .is_some())
}

/// Where a message goes and in whose name.
pub struct Recipient {
    /// None once the address was removed after the message was queued.
    pub email: Option<String>,
    pub name: String,
    pub active: bool,
    /// Whether the person has set a password (an invitation is then moot).
    pub activated: bool,
    /// Their own time zone, if they chose one (the message's times are in it).
    pub time_zone: Option<String>,
    /// Their phone number: text messages go to it when there is no e-mail address.
    pub phone: Option<String>,
}

/// A recipient's row: e-mail, name, active, password hash, time zone, phone.
type RecipientRow = (
    Option<String>,
    String,
    bool,
    Option<String>,
    Option<String>,
    Option<String>,
);

pub fn recipient(conn: &mut AnyConnection, person_id: &str) -> Result<Option<Recipient>, ApiError> {
    let row: Option<RecipientRow> = people::table
        .find(person_id)
        .select((
            people::email,
            people::name,
            people::active,
            people::password_hash,
            people::time_zone,
            people::phone,
        ))
        .first(conn)
        .optional()?;
    Ok(
        row.map(|(email, name, active, hash, time_zone, phone)| Recipient {
            email,
            name,
            active,
            activated: hash.is_some(),
            time_zone,
            phone,
        }),
    )
}

/// The round's invitees with their language: who gets the pulse-open message (by
/// e-mail, else by SMS to a phone number; someone with neither gets none).
pub fn invitees(
    conn: &mut AnyConnection,
    round_id: &str,
) -> Result<Vec<(String, String)>, ApiError> {
    Ok(round_invitees::table
        .inner_join(people::table.on(people::id.eq(round_invitees::person_id)))
        .filter(round_invitees::round_id.eq(round_id))
        .filter(people::active.eq(true))
        .filter(people::email.is_not_null().or(people::phone.is_not_null()))
        .select((people::id, people::language))
        .load(conn)?)
}

/// The languages of `ids` (active people with an e-mail address only).
pub fn languages(
    conn: &mut AnyConnection,
    ids: &[String],
) -> Result<Vec<(String, String)>, ApiError> {
    active_languages(conn, ids, false)
}

/// The languages of the active people among `ids` who have not turned reminders off
/// and have an e-mail address or a phone number.
pub fn reminder_languages(
    conn: &mut AnyConnection,
    ids: &[String],
) -> Result<Vec<(String, String)>, ApiError> {
    active_languages(conn, ids, true)
}

/// The languages of the active people among `ids` whom a message can reach: by e-mail,
/// or for a `reminder` by e-mail or SMS unless they turned reminders off.
fn active_languages(
    conn: &mut AnyConnection,
    ids: &[String],
    reminder: bool,
) -> Result<Vec<(String, String)>, ApiError> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(CHUNK) {
        let q = people::table
            .filter(people::id.eq_any(chunk))
            .filter(people::active.eq(true))
            .into_boxed();
        let q = if reminder {
            q.filter(people::email.is_not_null().or(people::phone.is_not_null()))
                .filter(people::reminders_off.eq(false))
        } else {
            q.filter(people::email.is_not_null())
        };
        out.extend(
            q.select((people::id, people::language))
                .load::<(String, String)>(conn)?,
        );
    }
    Ok(out)
}

/// Who got a reminder whose idempotency key starts with `prefix` (one round's) queued at
/// or after `since`.
pub fn reminded_since(
    conn: &mut AnyConnection,
    prefix: &str,
    since: NaiveDateTime,
) -> Result<std::collections::HashSet<String>, ApiError> {
    Ok(outbox::table
        .filter(outbox::kind.eq(crate::notify::model::kind::REMINDER))
        .filter(outbox::idempotency_key.like(format!("{prefix}%")))
        .filter(outbox::created_at.ge(since))
        .select(outbox::person_id)
        .load::<String>(conn)?
        .into_iter()
        .collect())
}

/// Records a personal answer link by its hash (again: nothing changes).
pub fn insert_link(conn: &mut AnyConnection, row: &PulseLinkRow) -> Result<(), ApiError> {
    let insert = diesel::insert_into(pulse_links::table)
        .values(row)
        .on_conflict_do_nothing();
    match conn {
        AnyConnection::Sqlite(c) => insert.execute(c)?,
        AnyConnection::Postgresql(c) => insert.execute(c)?,
    };
    Ok(())
}

/// The round and person of a link, by the hash of its token.
pub fn find_link(
    conn: &mut AnyConnection,
    token_hash: &str,
) -> Result<Option<PulseLinkRow>, ApiError> {
    Ok(pulse_links::table
        .find(token_hash)
        .select(PulseLinkRow::as_select())
        .first(conn)
        .optional()?)
}

/// When a round closes and the title of its survey.
pub fn round_window(
    conn: &mut AnyConnection,
    round_id: &str,
) -> Result<Option<(NaiveDateTime, NaiveDateTime)>, ApiError> {
    Ok(rounds::table
        .find(round_id)
        .select((rounds::opens_at, rounds::closes_at))
        .first(conn)
        .optional()?)
}

/// The title of the round's survey and when the round closes.
pub fn round_title(
    conn: &mut AnyConnection,
    round_id: &str,
) -> Result<Option<(String, NaiveDateTime)>, ApiError> {
    Ok(rounds::table
        .inner_join(surveys::table.on(surveys::id.eq(rounds::survey_id)))
        .filter(rounds::id.eq(round_id))
        .select((surveys::title, rounds::closes_at))
        .first(conn)
        .optional()?)
}

/// The round's pulse-open messages per status.
pub fn pulse_open_counts(
    conn: &mut AnyConnection,
    round_id: &str,
) -> Result<Vec<(String, i64)>, ApiError> {
    let prefix = format!("{}:{round_id}:%", crate::notify::model::kind::PULSE_OPEN);
    Ok(outbox::table
        .filter(outbox::kind.eq(crate::notify::model::kind::PULSE_OPEN))
        .filter(outbox::idempotency_key.like(prefix))
        .group_by(outbox::status)
        .select((outbox::status, diesel::dsl::count_star()))
        .load(conn)?)
}

/// The kinds of message whose outcome HR may see on a person's page: every one goes to
/// a person whatever they answered. Reminders (sent only to who has not answered) and
/// replies to suggestions (sent only to who signed one) are never among them.
pub const ADDRESS_KINDS: [&str; 5] = [
    crate::notify::model::kind::INVITATION,
    crate::notify::model::kind::PULSE_OPEN,
    crate::notify::model::kind::RESULTS_READY,
    crate::notify::model::kind::ACTION_NEW,
    crate::notify::model::kind::ACTION_DUE,
];

/// The person's latest message of the [`ADDRESS_KINDS`] that was not cancelled: whether
/// their address takes mail.
pub fn latest_to(conn: &mut AnyConnection, person_id: &str) -> Result<Option<OutboxRow>, ApiError> {
    Ok(outbox::table
        .filter(outbox::person_id.eq(person_id))
        .filter(outbox::kind.eq_any(ADDRESS_KINDS))
        .filter(outbox::status.ne(status::CANCELLED))
        .order((outbox::created_at.desc(), outbox::id.desc()))
        .select(OutboxRow::as_select())
        .first(conn)
        .optional()?)
}
