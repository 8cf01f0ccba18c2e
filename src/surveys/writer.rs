//! The group-commit writer for survey responses.
//!
//! Every accepted submission is handed to one writer thread, which commits whatever has
//! arrived together — up to `MAX_BATCH` submissions; an idle writer waits up to
//! `MAX_WAIT` after the first for more — in a single transaction, and answers each
//! caller only once that transaction is durable. Inside a batch the submissions are written in a random order, so the physical order
//! of rows within a batch carries nothing about arrival. A durable (`synchronous=FULL`)
//! SQLite pays one fsync per batch instead of one per submission; PostgreSQL takes the
//! same path.
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
use diesel::sql_types::Text;
use rand::seq::SliceRandom;
use tokio::sync::oneshot;

use crate::db::schema::{responses, rounds};
use crate::db::{AnyConnection, Db};
use crate::error::ApiError;
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
    pub answers: Vec<crate::surveys::answers::Checked>,
}

type Job = (Submission, oneshot::Sender<Result<(), ApiError>>);

/// Counters for tests and benchmarks.
#[derive(Default)]
pub struct WriterStats {
    /// Transactions committed (batches, plus any one-by-one retries).
    pub transactions: AtomicU64,
    /// Submissions stored.
    pub stored: AtomicU64,
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
        std::thread::Builder::new()
            .name("pulseline-response-writer".into())
            .spawn(move || run(db, rx, &thread_stats))?;
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

fn run(db: Db, rx: mpsc::Receiver<Job>, stats: &WriterStats) {
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
        commit(&db, batch, stats);
    }
}

fn commit(db: &Db, batch: Vec<Job>, stats: &WriterStats) {
    let (subs, replies): (Vec<Submission>, Vec<_>) = batch.into_iter().unzip();
    let result = db.write_blocking(|conn| {
        let mut open: HashMap<String, bool> = HashMap::new();
        let outcomes = subs
            .iter()
            .map(|s| store_one(conn, s, &mut open))
            .collect::<Result<Vec<_>, ApiError>>()?;
        let mut added: HashMap<&str, i64> = HashMap::new();
        for (s, o) in subs.iter().zip(&outcomes) {
            if o.is_ok() {
                *added.entry(s.round_id.as_str()).or_default() += 1;
            }
        }
        for (round, n) in added {
            crate::db::anonymous::relocate(conn, round, n)?;
        }
        Ok(outcomes)
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
                    .and_then(|inner| inner);
                stats.transactions.fetch_add(1, Ordering::Relaxed);
                if outcome.is_ok() {
                    stats.stored.fetch_add(1, Ordering::Relaxed);
                }
                let _ = reply.send(outcome);
            }
        }
    }
}

/// Writes one submission inside the batch transaction. The outer `Result` is a database
/// failure (fails the batch); the inner one is this submission's own refusal.
fn store_one(
    conn: &mut AnyConnection,
    s: &Submission,
    open: &mut HashMap<String, bool>,
) -> Result<Result<(), ApiError>, ApiError> {
    let now = crate::org::model::now();
    let is_open = match open.get(&s.round_id) {
        Some(v) => *v,
        None => {
            let v = rounds::table
                .find(&s.round_id)
                .select((rounds::opens_at, rounds::closes_at))
                .first::<(chrono::NaiveDateTime, chrono::NaiveDateTime)>(conn)
                .optional()?
                .is_some_and(|(o, c)| o <= now && now < c);
            open.insert(s.round_id.clone(), v);
            v
        }
    };
    if !is_open {
        return Ok(Err(ApiError::Conflict("the round is not open".into())));
    }
    let inserted = diesel::sql_query(
        "INSERT INTO participation (round_id, person_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind::<Text, _>(&s.round_id)
    .bind::<Text, _>(&s.person_id)
    .execute(conn)?;
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
        .map(|(q, value, choice, text)| AnswerRow {
            response_id: response_id.clone(),
            question_id: q.clone(),
            value: *value,
            choice: choice.clone(),
            text: text.clone(),
        })
        .collect();
    rows.shuffle(&mut rand::thread_rng());
    crate::db::anonymous::insert_answers(conn, &rows)?;
    Ok(Ok(()))
}
