//! The group-commit writer for survey responses.
//!
//! Every accepted submission is handed to one writer thread, which commits whatever has
//! arrived together — up to `MAX_BATCH` submissions; an idle writer waits up to
//! `MAX_WAIT` after the first for more — in a single transaction, and answers each
//! caller only once that transaction is durable. Inside a batch the submissions are written in a random order, so the physical order
//! of rows within a batch carries nothing about arrival. A durable (`synchronous=FULL`)
//! SQLite pays one fsync per batch instead of one per submission; PostgreSQL takes the
//! same path, and there the committed rows are then handed to the mixer
//! ([`crate::surveys::mixer`]), which moves them among earlier rows after the callers
//! have been answered.
//!
//! A submission that turns out to be a duplicate (the participation row already exists,
//! e.g. written by another replica a moment ago) or whose round has just closed fails
//! alone: the participation insert is `ON CONFLICT DO NOTHING` and its response is then
//! skipped. Should the batch transaction fail as a whole, each submission is retried in
//! a transaction of its own, so one bad submission cannot fail its batch-mates.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use diesel::prelude::*;
use rand::seq::SliceRandom;
use tokio::sync::oneshot;

use crate::db::schema::{participation, responses, rounds};
use crate::db::{AnyConnection, Backend, Db};
use crate::error::ApiError;
use crate::surveys::answers::Checked;
use crate::surveys::mixer::Mixer;
use crate::surveys::model::{AnswerRow, ResponseRow};

/// Most submissions committed in one transaction.
pub const MAX_BATCH: usize = 64;
/// Longest a submission waits for batch-mates.
pub const MAX_WAIT: Duration = Duration::from_millis(2);

/// One response to store: who answered (for the participation record only) and what.
pub struct Submission {
    pub round_id: String,
    pub person_id: String,
    pub team_id: String,
    pub location: Option<String>,
    pub job_family: Option<String>,
    pub tenure: Option<String>,
    pub answers: Vec<Checked>,
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
    /// The mixer that moves committed rows (PostgreSQL only).
    pub mixer: Option<Mixer>,
}

/// A stored submission's new rows: (round, response id, person id).
type Fresh = Vec<(String, String, String)>;

impl ResponseWriter {
    /// Starts the writer thread; it ends when every handle is dropped.
    pub fn start(db: Db) -> anyhow::Result<ResponseWriter> {
        let (tx, rx) = mpsc::channel::<Job>();
        let stats = Arc::new(WriterStats::default());
        let thread_stats = stats.clone();
        let mixer = match db.backend() {
            Backend::Postgres => Some(Mixer::start(db.with_own_writer()?)?),
            Backend::Sqlite => None,
        };
        let thread_mixer = mixer.clone();
        let nudge = match db.backend() {
            Backend::Sqlite => Some(start_checkpointer(db.clone(), stats.clone())?),
            Backend::Postgres => None,
        };
        let db = db.with_own_writer()?;
        std::thread::Builder::new()
            .name("pulseline-response-writer".into())
            .spawn(move || {
                run(db, rx, &thread_stats, thread_mixer.as_ref(), nudge.as_ref());
                if let Some(m) = thread_mixer {
                    m.close();
                }
            })?;
        Ok(ResponseWriter { tx, stats, mixer })
    }

    /// Waits until the mixer has moved every committed row (at once on SQLite, which
    /// needs no mixing); whether it did within `timeout`.
    pub async fn settled(&self, timeout: Duration) -> bool {
        match &self.mixer {
            Some(m) => m.settled(timeout).await,
            None => true,
        }
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

fn run(
    db: Db,
    rx: mpsc::Receiver<Job>,
    stats: &WriterStats,
    mixer: Option<&Mixer>,
    nudge: Option<&mpsc::Sender<()>>,
) {
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
        commit(&db, batch, stats, mixer);
        let busy = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
        stats.busy_micros.fetch_add(busy, Ordering::Relaxed);
        if let Some(n) = nudge {
            let _ = n.send(());
        }
    }
}

/// Hands committed rows to the mixer, grouped by round.
fn hand_over(mixer: Option<&Mixer>, fresh: Fresh) {
    let Some(mixer) = mixer else { return };
    let mut by_round: HashMap<String, (Vec<String>, Vec<String>)> = HashMap::new();
    for (round, response, person) in fresh {
        let e = by_round.entry(round).or_default();
        e.0.push(response);
        e.1.push(person);
    }
    for (round, (responses, people)) in by_round {
        mixer.add(&round, responses, people);
    }
}

fn commit(db: &Db, batch: Vec<Job>, stats: &WriterStats, mixer: Option<&Mixer>) {
    let (subs, replies): (Vec<Submission>, Vec<_>) = batch.into_iter().unzip();
    let result = db.write_blocking(|conn| {
        let mut open: HashMap<String, bool> = HashMap::new();
        let mut fresh = Fresh::new();
        let outcomes = match conn {
            // One multi-row statement per table for the whole batch.
            AnyConnection::Postgresql(_) => store_batch(conn, &subs, &mut open, &mut fresh)?,
            // diesel's multi-row insert opens its own transaction on SQLite, which fails
            // inside BEGIN IMMEDIATE: one statement per row there.
            AnyConnection::Sqlite(_) => subs
                .iter()
                .map(|s| store_one(conn, s, &mut open, &mut fresh))
                .collect::<Result<Vec<_>, ApiError>>()?,
        };
        Ok((outcomes, fresh))
    });
    match result {
        Ok((outcomes, fresh)) => {
            stats.transactions.fetch_add(1, Ordering::Relaxed);
            // Queued for mixing before anyone is answered, so a caller who has its 201
            // and then waits for `settled` waits for its own rows too.
            hand_over(mixer, fresh);
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
                    .write_blocking(|conn| {
                        let mut fresh = Fresh::new();
                        let outcome = store_one(conn, &sub, &mut HashMap::new(), &mut fresh)?;
                        Ok((outcome, fresh))
                    })
                    .and_then(|(outcome, fresh)| {
                        hand_over(mixer, fresh);
                        outcome
                    });
                stats.transactions.fetch_add(1, Ordering::Relaxed);
                if outcome.is_ok() {
                    stats.stored.fetch_add(1, Ordering::Relaxed);
                }
                let _ = reply.send(outcome);
            }
        }
    }
}

/// Whether a round is open now, looked up once per batch.
fn round_open(
    conn: &mut AnyConnection,
    round_id: &str,
    open: &mut HashMap<String, bool>,
) -> Result<bool, ApiError> {
    if let Some(v) = open.get(round_id) {
        return Ok(*v);
    }
    let now = crate::clock::now();
    let v = rounds::table
        .find(round_id)
        .select((rounds::opens_at, rounds::closes_at))
        .first::<(chrono::NaiveDateTime, chrono::NaiveDateTime)>(conn)
        .optional()?
        .is_some_and(|(o, c)| o <= now && now < c);
    open.insert(round_id.to_owned(), v);
    Ok(v)
}

/// The whole batch in three statements (PostgreSQL), each with its columns as arrays:
/// participation with `ON CONFLICT DO NOTHING RETURNING` tells which submissions are
/// new (a duplicate — already stored, or twice in this batch — is refused alone), then
/// their responses, then all their answers.
fn store_batch(
    conn: &mut AnyConnection,
    subs: &[Submission],
    open: &mut HashMap<String, bool>,
    fresh: &mut Fresh,
) -> Result<Vec<Result<(), ApiError>>, ApiError> {
    let mut outcomes: Vec<Option<Result<(), ApiError>>> = Vec::with_capacity(subs.len());
    for s in subs {
        outcomes.push(if round_open(conn, &s.round_id, open)? {
            None
        } else {
            Some(Err(ApiError::Conflict("the round is not open".into())))
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
        .map(|(s, _)| (s.round_id.as_str(), s.person_id.as_str()))
        .unzip();
    let inserted = crate::db::anonymous::insert_participation_batch(pg, &rounds, &people)?;
    let mut inserted: std::collections::HashSet<(String, String)> = inserted.into_iter().collect();
    let mut new_responses = Vec::new();
    let mut new_answers = Vec::new();
    for (s, outcome) in subs.iter().zip(outcomes.iter_mut()) {
        if outcome.is_some() {
            continue;
        }
        if !inserted.remove(&(s.round_id.clone(), s.person_id.clone())) {
            *outcome = Some(Err(ApiError::Conflict(
                "you have already answered this round".into(),
            )));
            continue;
        }
        let response_id = uuid::Uuid::new_v4().to_string();
        new_answers.extend(s.answers.iter().map(|a| answer_row(&response_id, a)));
        fresh.push((s.round_id.clone(), response_id.clone(), s.person_id.clone()));
        new_responses.push(ResponseRow {
            id: response_id,
            round_id: s.round_id.clone(),
            team_id: s.team_id.clone(),
            location: s.location.clone(),
            job_family: s.job_family.clone(),
            tenure: s.tenure.clone(),
        });
        *outcome = Some(Ok(()));
    }
    new_answers.shuffle(&mut rand::thread_rng());
    crate::db::anonymous::insert_responses_batch(pg, &new_responses, &new_answers)?;
    Ok(outcomes.into_iter().map(|o| o.unwrap_or(Ok(()))).collect())
}

/// Writes one submission inside the batch transaction. The outer `Result` is a database
/// failure (fails the batch); the inner one is this submission's own refusal.
fn store_one(
    conn: &mut AnyConnection,
    s: &Submission,
    open: &mut HashMap<String, bool>,
    fresh: &mut Fresh,
) -> Result<Result<(), ApiError>, ApiError> {
    if !round_open(conn, &s.round_id, open)? {
        return Ok(Err(ApiError::Conflict("the round is not open".into())));
    }
    // The query builder's form (not raw SQL) so the prepared statement is cached.
    let row = (
        participation::round_id.eq(&s.round_id),
        participation::person_id.eq(&s.person_id),
    );
    let insert = diesel::insert_into(participation::table)
        .values(row)
        .on_conflict_do_nothing();
    let inserted = match conn {
        AnyConnection::Sqlite(c) => insert.execute(c)?,
        AnyConnection::Postgresql(c) => insert.execute(c)?,
    };
    if inserted == 0 {
        return Ok(Err(ApiError::Conflict(
            "you have already answered this round".into(),
        )));
    }
    let response_id = uuid::Uuid::new_v4().to_string();
    diesel::insert_into(responses::table)
        .values(ResponseRow {
            id: response_id.clone(),
            round_id: s.round_id.clone(),
            team_id: s.team_id.clone(),
            location: s.location.clone(),
            job_family: s.job_family.clone(),
            tenure: s.tenure.clone(),
        })
        .execute(conn)?;
    let mut rows: Vec<AnswerRow> = s
        .answers
        .iter()
        .map(|a| answer_row(&response_id, a))
        .collect();
    rows.shuffle(&mut rand::thread_rng());
    crate::db::anonymous::insert_answers(conn, &rows)?;
    fresh.push((s.round_id.clone(), response_id, s.person_id.clone()));
    Ok(Ok(()))
}

/// The row that stores checked answer `a` of response `response_id`.
fn answer_row(response_id: &str, a: &Checked) -> AnswerRow {
    AnswerRow {
        response_id: response_id.to_owned(),
        question_id: a.question_id.clone(),
        value: a.value,
        choice: a.choice.clone(),
        text: a.text.clone(),
    }
}
