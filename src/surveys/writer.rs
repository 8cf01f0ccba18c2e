//! The group-commit writer for survey answers.
//!
//! Every accepted submission — a participation row and a sealed ballot
//! ([`crate::surveys::ballot`]) — is handed to one writer thread, which commits whatever
//! has arrived together — up to `MAX_BATCH` submissions; an idle writer waits up to
//! `MAX_WAIT` after the first for more — in a single transaction, and answers each
//! caller only once that transaction is durable. A durable (`synchronous=FULL`) SQLite
//! pays one fsync per batch instead of one per submission; PostgreSQL takes the same
//! path with one array statement per table.
//!
//! A submission that turns out to be a duplicate (the participation row already exists,
//! e.g. written by another replica a moment ago) or whose round has just closed fails
//! alone: the participation insert is `ON CONFLICT DO NOTHING` and its ballot is then
//! skipped. Should the batch transaction fail as a whole, each submission is retried in
//! a transaction of its own, so one bad submission cannot fail its batch-mates.
//!
//! A ballot is written only while its round is open and not yet materialised; on
//! PostgreSQL the check locks the round row (`FOR SHARE`), so the close
//! ([`crate::surveys::materialise`]), which updates that row first, either waits for the
//! batch and then sees its ballots, or has committed and the batch's check refuses them.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use diesel::prelude::*;
use rand::seq::SliceRandom;
use tokio::sync::oneshot;

use crate::db::schema::{ballots, participation, rounds};
use crate::db::{AnyConnection, Backend, Db};
use crate::error::ApiError;

/// Most submissions committed in one transaction.
pub const MAX_BATCH: usize = 64;
/// Longest a submission waits for batch-mates.
pub const MAX_WAIT: Duration = Duration::from_millis(2);

/// One answer to store: who answered (for the participation record only) and their
/// sealed ballot, which nothing but the round's key opens.
pub struct Submission {
    pub round_id: String,
    pub who: Respondent,
    pub sealed: Vec<u8>,
}

/// Who a submission's participation record names.
pub enum Respondent {
    /// A person: a `participation` row, once per round.
    Person(String),
    /// A kiosk code, by its hash: the code is marked used, once; no person is named.
    Code(String),
}

type Job = (Submission, oneshot::Sender<Result<(), ApiError>>);

/// Counters for tests and benchmarks.
#[derive(Default)]
pub struct WriterStats {
    /// Transactions committed (batches, plus any one-by-one retries).
    pub transactions: AtomicU64,
    /// Submissions stored.
    pub stored: AtomicU64,
    /// Microseconds spent writing and committing batches (the writer's busy time).
    pub busy_micros: AtomicU64,
    /// Write-ahead log checkpoints run off the commit path (SQLite).
    pub checkpoints: AtomicU64,
}

/// The handle request handlers submit through. Cloning shares the one writer.
#[derive(Clone)]
pub struct ResponseWriter {
    tx: mpsc::Sender<Job>,
    pub stats: Arc<WriterStats>,
}

impl ResponseWriter {
    /// Starts the writer thread; it ends when every handle is dropped.
    pub fn start(db: Db) -> anyhow::Result<ResponseWriter> {
        let (tx, rx) = mpsc::channel::<Job>();
        let stats = Arc::new(WriterStats::default());
        let thread_stats = stats.clone();
        let nudge = match db.backend() {
            Backend::Sqlite => Some(start_checkpointer(db.clone(), stats.clone())?),
            Backend::Postgres => None,
        };
        let db = db.with_own_writer()?;
        std::thread::Builder::new()
            .name("pulseline-response-writer".into())
            .spawn(move || run(db, rx, &thread_stats, nudge.as_ref()))?;
        Ok(ResponseWriter { tx, stats })
    }

    /// Queues a submission and waits until it is durable (or refused).
    pub async fn submit(&self, submission: Submission) -> Result<(), ApiError> {
        let (done, wait) = oneshot::channel();
        self.tx
            .send((submission, done))
            .map_err(|_| ApiError::Unavailable("the response writer has stopped".into()))?;
        wait.await
            .map_err(|_| ApiError::Unavailable("the response writer has stopped".into()))?
    }
}

/// How long the response writer must have been quiet before the SQLite checkpointer
/// runs: a checkpoint copies pages and syncs the database file, which slows the commits
/// of a burst of answers if it runs among them.
pub const CHECKPOINT_QUIET: Duration = Duration::from_millis(50);
/// Longest between two checkpoints, however busy the writer (the log does not grow
/// without bound under a steady load), and when nothing nudges (other writes).
pub const CHECKPOINT_EVERY: Duration = Duration::from_secs(1);

/// Starts the SQLite checkpointer thread: it checkpoints once the writer, which nudges
/// it after every commit, has been quiet for [`CHECKPOINT_QUIET`], and at least once per
/// [`CHECKPOINT_EVERY`]; it ends with the writer, after a last checkpoint.
fn start_checkpointer(db: Db, stats: Arc<WriterStats>) -> anyhow::Result<mpsc::Sender<()>> {
    let (tx, rx) = mpsc::channel::<()>();
    std::thread::Builder::new()
        .name("pulseline-wal-checkpoint".into())
        .spawn(move || {
            let mut conn = None;
            let mut last = Instant::now();
            let mut open = true;
            while open {
                match rx.recv_timeout(CHECKPOINT_EVERY.saturating_sub(last.elapsed())) {
                    Ok(()) => {
                        // Wait for a quiet moment, but not past the longest gap.
                        loop {
                            let left = CHECKPOINT_EVERY.saturating_sub(last.elapsed());
                            if left.is_zero() {
                                break;
                            }
                            match rx.recv_timeout(CHECKPOINT_QUIET.min(left)) {
                                Ok(()) => continue,
                                Err(mpsc::RecvTimeoutError::Timeout) => break,
                                Err(mpsc::RecvTimeoutError::Disconnected) => {
                                    open = false;
                                    break;
                                }
                            }
                        }
                    }
                    Err(mpsc::RecvTimeoutError::Timeout) => {}
                    Err(mpsc::RecvTimeoutError::Disconnected) => open = false,
                }
                match db.checkpoint_wal(&mut conn) {
                    Ok(_) => {
                        stats.checkpoints.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(e) => tracing::warn!(error = %e, "WAL checkpoint failed"),
                }
                last = Instant::now();
            }
        })?;
    Ok(tx)
}

fn run(db: Db, rx: mpsc::Receiver<Job>, stats: &WriterStats, nudge: Option<&mpsc::Sender<()>>) {
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        // Under load the queue already holds batch-mates: take them without waiting.
        // Only a writer that was idle waits up to MAX_WAIT for company.
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        if batch.len() == 1 {
            let deadline = Instant::now() + MAX_WAIT;
            while batch.len() < MAX_BATCH {
                let left = deadline.saturating_duration_since(Instant::now());
                match rx.recv_timeout(left) {
                    Ok(job) => batch.push(job),
                    Err(_) => break,
                }
            }
        }
        batch.shuffle(&mut rand::thread_rng());
        let started = Instant::now();
        commit(&db, batch, stats);
        let busy = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
        stats.busy_micros.fetch_add(busy, Ordering::Relaxed);
        if let Some(n) = nudge {
            let _ = n.send(());
        }
    }
}

fn commit(db: &Db, batch: Vec<Job>, stats: &WriterStats) {
    let (subs, replies): (Vec<Submission>, Vec<_>) = batch.into_iter().unzip();
    let result = db.write_blocking(|conn| {
        let mut open: HashMap<String, bool> = HashMap::new();
        match conn {
            // One array statement per table for the whole batch.
            AnyConnection::Postgresql(_) => store_batch(conn, &subs, &mut open),
            // diesel's multi-row insert opens its own transaction on SQLite, which fails
            // inside BEGIN IMMEDIATE: one statement per row there.
            AnyConnection::Sqlite(_) => subs
                .iter()
                .map(|s| store_one(conn, s, &mut open))
                .collect::<Result<Vec<_>, ApiError>>(),
        }
    });
    match result {
        Ok(outcomes) => {
            stats.transactions.fetch_add(1, Ordering::Relaxed);
            for (outcome, reply) in outcomes.into_iter().zip(replies) {
                if outcome.is_ok() {
                    stats.stored.fetch_add(1, Ordering::Relaxed);
                }
                let _ = reply.send(outcome);
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, size = subs.len(), "batch failed; retrying one by one");
            for (sub, reply) in subs.into_iter().zip(replies) {
                let outcome = db
                    .write_blocking(|conn| store_one(conn, &sub, &mut HashMap::new()))
                    .and_then(|outcome| outcome);
                stats.transactions.fetch_add(1, Ordering::Relaxed);
                if outcome.is_ok() {
                    stats.stored.fetch_add(1, Ordering::Relaxed);
                }
                let _ = reply.send(outcome);
            }
        }
    }
}

/// Whether a round takes ballots now (open, not materialised), looked up once per batch.
/// On PostgreSQL the round row is locked `FOR SHARE` until the batch commits, so a
/// concurrent close waits for the batch (see the module notes).
fn round_open(
    conn: &mut AnyConnection,
    round_id: &str,
    open: &mut HashMap<String, bool>,
) -> Result<bool, ApiError> {
    if let Some(v) = open.get(round_id) {
        return Ok(*v);
    }
    let now = crate::clock::now();
    let query = rounds::table
        .find(round_id)
        .filter(rounds::materialised_at.is_null())
        .select((rounds::opens_at, rounds::closes_at));
    let found = match conn {
        AnyConnection::Postgresql(pg) => query
            .for_share()
            .first::<(chrono::NaiveDateTime, chrono::NaiveDateTime)>(pg)
            .optional()?,
        AnyConnection::Sqlite(c) => query
            .first::<(chrono::NaiveDateTime, chrono::NaiveDateTime)>(c)
            .optional()?,
    };
    let v = found.is_some_and(|(o, c)| o <= now && now < c);
    open.insert(round_id.to_owned(), v);
    Ok(v)
}

/// The statement that marks a kiosk code of a round used, if it was not.
macro_rules! code_update {
    ($round_id:expr, $hash:expr) => {{
        use crate::db::schema::kiosk_codes;
        diesel::update(
            kiosk_codes::table
                .filter(kiosk_codes::code_hash.eq($hash))
                .filter(kiosk_codes::round_id.eq($round_id))
                .filter(kiosk_codes::used.eq(false)),
        )
        .set(kiosk_codes::used.eq(true))
    }};
}

/// Marks kiosk code `hash` of round `round_id` used; false when it already was (or is
/// not that round's).
fn use_code(conn: &mut AnyConnection, round_id: &str, hash: &str) -> Result<bool, ApiError> {
    match conn {
        AnyConnection::Sqlite(c) => Ok(code_update!(round_id, hash).execute(c)? > 0),
        AnyConnection::Postgresql(c) => use_code_pg(c, round_id, hash),
    }
}

/// [`use_code`] on the PostgreSQL connection of a batch.
fn use_code_pg(
    pg: &mut diesel::PgConnection,
    round_id: &str,
    hash: &str,
) -> Result<bool, ApiError> {
    Ok(code_update!(round_id, hash).execute(pg)? > 0)
}

fn not_open() -> ApiError {
    ApiError::Conflict("the round is not open".into())
}

fn already() -> ApiError {
    ApiError::Conflict("you have already answered this round".into())
}

/// The whole batch in two statements (PostgreSQL), each with its columns as arrays:
/// participation with `ON CONFLICT DO NOTHING RETURNING` tells which submissions are
/// new (a duplicate — already stored, or twice in this batch — is refused alone), then
/// their ballots.
fn store_batch(
    conn: &mut AnyConnection,
    subs: &[Submission],
    open: &mut HashMap<String, bool>,
) -> Result<Vec<Result<(), ApiError>>, ApiError> {
    let mut outcomes: Vec<Option<Result<(), ApiError>>> = Vec::with_capacity(subs.len());
    for s in subs {
        outcomes.push(if round_open(conn, &s.round_id, open)? {
            None
        } else {
            Some(Err(not_open()))
        });
    }
    let AnyConnection::Postgresql(pg) = conn else {
        return Err(ApiError::Internal(anyhow::anyhow!(
            "store_batch is for PostgreSQL"
        )));
    };
    let (rounds, people): (Vec<&str>, Vec<&str>) = subs
        .iter()
        .zip(&outcomes)
        .filter(|(_, o)| o.is_none())
        .filter_map(|(s, _)| match &s.who {
            Respondent::Person(p) => Some((s.round_id.as_str(), p.as_str())),
            Respondent::Code(_) => None,
        })
        .unzip();
    let inserted = crate::db::anonymous::insert_participation_batch(pg, &rounds, &people)?;
    let mut inserted: std::collections::HashSet<(String, String)> = inserted.into_iter().collect();
    let mut fresh: Vec<(String, &str, &[u8])> = Vec::new();
    for (s, outcome) in subs.iter().zip(outcomes.iter_mut()) {
        if outcome.is_some() {
            continue;
        }
        let new = match &s.who {
            Respondent::Person(p) => inserted.remove(&(s.round_id.clone(), p.clone())),
            Respondent::Code(hash) => use_code_pg(pg, &s.round_id, hash)?,
        };
        if !new {
            *outcome = Some(Err(already()));
            continue;
        }
        fresh.push((
            uuid::Uuid::new_v4().to_string(),
            s.round_id.as_str(),
            s.sealed.as_slice(),
        ));
        *outcome = Some(Ok(()));
    }
    fresh.shuffle(&mut rand::thread_rng());
    crate::db::anonymous::insert_ballots_batch(pg, &fresh)?;
    Ok(outcomes.into_iter().map(|o| o.unwrap_or(Ok(()))).collect())
}

/// Writes one submission inside the batch transaction. The outer `Result` is a database
/// failure (fails the batch); the inner one is this submission's own refusal.
fn store_one(
    conn: &mut AnyConnection,
    s: &Submission,
    open: &mut HashMap<String, bool>,
) -> Result<Result<(), ApiError>, ApiError> {
    if !round_open(conn, &s.round_id, open)? {
        return Ok(Err(not_open()));
    }
    let new = match &s.who {
        Respondent::Person(person_id) => {
            // The query builder's form (not raw SQL) so the prepared statement is cached.
            let row = (
                participation::round_id.eq(&s.round_id),
                participation::person_id.eq(person_id),
            );
            let insert = diesel::insert_into(participation::table)
                .values(row)
                .on_conflict_do_nothing();
            let inserted = match conn {
                AnyConnection::Sqlite(c) => insert.execute(c)?,
                AnyConnection::Postgresql(c) => insert.execute(c)?,
            };
            inserted > 0
        }
        Respondent::Code(hash) => use_code(conn, &s.round_id, hash)?,
    };
    if !new {
        return Ok(Err(already()));
    }
    diesel::insert_into(ballots::table)
        .values((
            ballots::id.eq(uuid::Uuid::new_v4().to_string()),
            ballots::round_id.eq(&s.round_id),
            ballots::sealed.eq(&s.sealed),
        ))
        .execute(conn)?;
    Ok(Ok(()))
}
