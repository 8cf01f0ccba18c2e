//! The mixer: on PostgreSQL, moves freshly written anonymous rows among earlier ones so
//! that neither their physical position nor the transaction that wrote them says when
//! they arrived — without holding up the callers waiting for their batch.
//!
//! PostgreSQL keeps heap rows in insertion order (`ORDER BY ctid`) and stamps each row
//! with the id of its transaction (`xmin`). A batch of the group-commit writer writes its
//! participation rows and responses in one transaction, so until they are moved, a copy
//! of the database links that batch's people with its responses, and places them after
//! every earlier batch. The writer therefore hands each committed batch's new rows to
//! this thread, which, in its own transactions on its own connection, moves them
//! together with a random sample of earlier rows of the same round
//! ([`crate::db::anonymous::mix`]): the new rows leave their batch's transaction and
//! the end of the heap, and share their new `xmin` with at least
//! [`crate::db::anonymous::RELOCATE_MIN`] earlier arrivals.
//!
//! Mixing runs after the callers have been answered. A few fresh rows wait up to
//! [`GATHER`] for more, so that a trickle of single answers is mixed in groups rather
//! than paying one move of earlier rows each. While the writer is committing batches
//! (it committed one less than [`BUSY_GAP`] ago) the mixer takes chunks of
//! [`BUSY_CHUNK`] and rests [`BUSY_REST`] times as long as each took, so a burst is
//! answered at the writer's pace and the backlog is mixed, in random order, once the
//! writer is idle. [`MixerStats::pending`] counts the rows still to be mixed; it is
//! exported in `/metrics` as `pulseline_mix_pending_rows`. What a copy of the database
//! taken before the mixer catches up shows is the window documented in SECURITY.md. If
//! the process dies in that window, the rows stay where the writer put them (within
//! their batch in random order) until the next process starts: its mixer first mixes
//! the last [`TAIL`] rows in physical order of every recent round, where such rows are.
//!
//! SQLite needs none of this: its anonymous tables are `WITHOUT ROWID`, ordered by their
//! random keys, and have no transaction stamp; the writer does not start a mixer there.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use crate::db::Db;

/// Most fresh rows (responses, and separately participation rows) moved in one mixing
/// transaction.
pub const CHUNK: usize = 64;
/// Most fresh rows moved in one mixing transaction while the writer is busy.
pub const BUSY_CHUNK: usize = 8;
/// Rows at the end of each recent round's heap mixed again when the mixer starts.
pub const TAIL: i64 = 1024;
/// Rounds closed at most this many days ago count as recent for [`TAIL`].
pub const TAIL_DAYS: i64 = 1;
/// Most recent rounds whose heap tail is mixed at start.
pub const TAIL_ROUNDS: i64 = 200;
/// Most fresh rows waiting; beyond it waiting ids of the largest queue are dropped (they
/// stay where the writer put them), so a sustained flood cannot grow memory without
/// bound.
pub const MAX_PENDING: usize = 200_000;
/// The writer counts as busy for this long after it committed a batch.
pub const BUSY_GAP: Duration = Duration::from_millis(50);
/// While the writer is busy, the mixer rests this many times as long as its last
/// mixing transaction took: it takes at most 1 / (1 + `BUSY_REST`) of the time.
pub const BUSY_REST: u32 = 9;
/// How long fresh rows may wait to be mixed together with later ones when fewer than
/// [`CHUNK`] are waiting, so that a trickle of single answers is mixed in groups.
pub const GATHER: Duration = Duration::from_millis(250);
/// How long the mixer sleeps between looks at a writer that is busy or a queue that is
/// still gathering.
pub const NAP: Duration = Duration::from_millis(5);

/// Counters for tests, metrics and benchmarks.
#[derive(Default)]
pub struct MixerStats {
    /// Fresh responses and participation rows not mixed yet.
    pub pending: AtomicU64,
    /// Mixing transactions committed.
    pub transactions: AtomicU64,
    /// Mixing transactions that failed (their rows were dropped from the queue).
    pub failures: AtomicU64,
    /// Microseconds spent in mixing transactions.
    pub busy_micros: AtomicU64,
}

#[derive(Default)]
struct Fresh {
    responses: Vec<String>,
    people: Vec<String>,
}

#[derive(Default)]
struct Queue {
    rounds: HashMap<String, Fresh>,
    total: usize,
    /// When the oldest waiting row arrived.
    since: Option<Instant>,
    /// The writer has stopped: mix what is queued, then end.
    closed: bool,
}

/// Takes up to `n` ids at random positions of `from`, so a backlog left by a burst is
/// mixed in an order unrelated to its arrival.
fn take_random(from: &mut Vec<String>, n: usize) -> Vec<String> {
    use rand::Rng;
    let mut rng = rand::thread_rng();
    let mut out = Vec::with_capacity(n.min(from.len()));
    while out.len() < n && !from.is_empty() {
        let i = rng.gen_range(0..from.len());
        out.push(from.swap_remove(i));
    }
    out
}

/// The handle the writer hands fresh rows to. Cloning shares the one mixer thread.
#[derive(Clone)]
pub struct Mixer {
    queue: Arc<(Mutex<Queue>, Condvar)>,
    /// When the writer last committed a batch (for stepping aside).
    busy: Arc<Mutex<Instant>>,
    pub stats: Arc<MixerStats>,
}

impl Mixer {
    /// Starts the mixer thread for `db`; it ends after [`Mixer::close`], once the queue
    /// is empty.
    pub fn start(db: Db) -> anyhow::Result<Mixer> {
        let mixer = Mixer {
            queue: Arc::default(),
            busy: Arc::new(Mutex::new(Instant::now())),
            stats: Arc::default(),
        };
        mixer.queue_heap_tails(&db);
        let m = mixer.clone();
        std::thread::Builder::new()
            .name("pulseline-mixer".into())
            .spawn(move || m.run(&db))?;
        Ok(mixer)
    }

    /// Queues the last [`TAIL`] rows in physical order of every round open now or closed
    /// in the last [`TAIL_DAYS`] days: rows a previous process committed but had not
    /// mixed when it stopped (killed, crashed) are among them, and are mixed now. A
    /// failure is logged and leaves the rows where they are.
    fn queue_heap_tails(&self, db: &Db) {
        use crate::db::schema::rounds;
        use diesel::prelude::*;

        let since = crate::clock::now() - chrono::Duration::days(TAIL_DAYS);
        let tails = db.read_blocking(|conn| {
            let open: Vec<String> = rounds::table
                .filter(rounds::closes_at.gt(since))
                .order(rounds::closes_at.desc())
                .limit(TAIL_ROUNDS)
                .select(rounds::id)
                .load(conn)?;
            let mut tails = Vec::with_capacity(open.len());
            for round in open {
                let (responses, people) = crate::db::anonymous::heap_tail(conn, &round, TAIL)?;
                tails.push((round, responses, people));
            }
            Ok(tails)
        });
        match tails {
            Ok(tails) => {
                for (round, responses, people) in tails {
                    if !responses.is_empty() || !people.is_empty() {
                        self.add(&round, responses, people);
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "could not read the rounds' last rows to mix"),
        }
    }

    /// Queues a committed batch's new rows of one round.
    pub fn add(&self, round_id: &str, responses: Vec<String>, people: Vec<String>) {
        *self.busy.lock().unwrap_or_else(|e| e.into_inner()) = Instant::now();
        let (lock, ready) = &*self.queue;
        let mut q = lock.lock().unwrap_or_else(|e| e.into_inner());
        let added = responses.len() + people.len();
        let fresh = q.rounds.entry(round_id.to_owned()).or_default();
        fresh.responses.extend(responses);
        fresh.people.extend(people);
        q.total += added;
        if q.since.is_none() {
            q.since = Some(Instant::now());
        }
        if q.total > MAX_PENDING {
            // Drop waiting ids of the largest queue: they stay where the writer put them.
            let over = q.total - MAX_PENDING;
            if let Some(f) = q.rounds.values_mut().max_by_key(|f| f.responses.len()) {
                let cut = over.min(f.responses.len());
                f.responses.drain(..cut);
                let cut_people = (over - cut).min(f.people.len());
                f.people.drain(..cut_people);
                q.total -= cut + cut_people;
            }
        }
        self.stats.pending.store(q.total as u64, Ordering::Relaxed);
        ready.notify_one();
    }

    /// Tells the thread to mix what is queued and end (the writer has stopped).
    pub fn close(&self) {
        let (lock, ready) = &*self.queue;
        lock.lock().unwrap_or_else(|e| e.into_inner()).closed = true;
        ready.notify_one();
    }

    /// Waits until every queued row is mixed, or `timeout` passes; whether it settled.
    pub async fn settled(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if self.stats.pending.load(Ordering::Relaxed) == 0 {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }

    fn run(&self, db: &Db) {
        // Until when the mixer rests after mixing while the writer was busy.
        let mut rest_until = Instant::now();
        loop {
            let (lock, ready) = &*self.queue;
            let (round, responses, people, busy) = {
                let mut q = lock.lock().unwrap_or_else(|e| e.into_inner());
                while q.total == 0 {
                    if q.closed {
                        return;
                    }
                    q.since = None;
                    q = ready.wait(q).unwrap_or_else(|e| e.into_inner());
                }
                let closed = q.closed;
                // A few fresh rows wait a moment for company: mixed together, they
                // share one transaction and one move of earlier rows.
                let gathering =
                    q.total < 2 * CHUNK && q.since.is_some_and(|t| t.elapsed() < GATHER);
                // Step aside while the writer is committing batches, mixing only a
                // small share of the time.
                let last = *self.busy.lock().unwrap_or_else(|e| e.into_inner());
                let busy = last.elapsed() < BUSY_GAP;
                if !closed && (gathering || (busy && Instant::now() < rest_until)) {
                    drop(q);
                    std::thread::sleep(NAP);
                    continue;
                }
                // Mixing while the writer is still busy takes a small chunk, so it
                // steals little from the callers waiting on the writer.
                let chunk = if busy && !closed { BUSY_CHUNK } else { CHUNK };
                let Some(round) = q.rounds.keys().next().cloned() else {
                    q.total = 0;
                    continue;
                };
                let fresh = q.rounds.entry(round.clone()).or_default();
                let responses = take_random(&mut fresh.responses, chunk);
                let people = take_random(&mut fresh.people, chunk);
                if fresh.responses.is_empty() && fresh.people.is_empty() {
                    q.rounds.remove(&round);
                }
                if q.rounds.is_empty() {
                    // Rows that arrive while this chunk is mixed gather anew.
                    q.since = None;
                }
                (round, responses, people, busy)
            };
            let taken = (responses.len() + people.len()) as u64;
            let started = Instant::now();
            let outcome = db.write_blocking(|conn| {
                crate::db::anonymous::mix(conn, &round, &responses, &people)
                    .map_err(crate::error::ApiError::from)
            });
            let took = started.elapsed();
            if busy {
                rest_until = Instant::now() + took * BUSY_REST;
            }
            let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
            self.stats.busy_micros.fetch_add(micros, Ordering::Relaxed);
            match outcome {
                Ok(()) => {
                    self.stats.transactions.fetch_add(1, Ordering::Relaxed);
                }
                Err(e) => {
                    // The rows are stored; only their mixing is lost.
                    self.stats.failures.fetch_add(1, Ordering::Relaxed);
                    tracing::warn!(error = %e, "mixing fresh responses failed");
                }
            }
            let mut q = lock.lock().unwrap_or_else(|e| e.into_inner());
            q.total = q.total.saturating_sub(taken as usize);
            self.stats.pending.store(q.total as u64, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(prefix: &str, n: usize) -> Vec<String> {
        (0..n).map(|i| format!("{prefix}{i}")).collect()
    }

    #[test]
    fn a_random_take_removes_what_it_returns_and_nothing_else() {
        let mut from = ids("r", 100);
        let taken = take_random(&mut from, 30);
        assert_eq!(taken.len(), 30);
        assert_eq!(from.len(), 70);
        let mut all: Vec<String> = taken.iter().chain(&from).cloned().collect();
        all.sort();
        let mut expected = ids("r", 100);
        expected.sort();
        assert_eq!(all, expected);
        // Asking for more than there is takes what there is.
        let rest = take_random(&mut from, 500);
        assert_eq!(rest.len(), 70);
        assert!(from.is_empty());
    }

    #[test]
    fn a_random_take_does_not_follow_arrival_order() {
        // Taking 10 of 1000 in arrival order would give 0..10; the chance that a random
        // take lands entirely in the first 100 is about 1e-10.
        let mut from = ids("", 1000);
        let taken = take_random(&mut from, 10);
        let positions: Vec<usize> = taken.iter().filter_map(|t| t.parse().ok()).collect();
        assert_eq!(positions.len(), 10);
        assert!(positions.iter().any(|&p| p >= 100), "{positions:?}");
    }

    #[test]
    fn the_queue_stops_growing_at_its_bound_and_counts_what_waits() {
        let mixer = Mixer {
            queue: Arc::default(),
            busy: Arc::new(Mutex::new(Instant::now())),
            stats: Arc::default(),
        };
        mixer.add("round-a", ids("a", 10), ids("p", 10));
        assert_eq!(mixer.stats.pending.load(Ordering::Relaxed), 20);
        mixer.add(
            "round-b",
            ids("b", MAX_PENDING / 2),
            ids("q", MAX_PENDING / 2),
        );
        assert_eq!(
            mixer.stats.pending.load(Ordering::Relaxed),
            MAX_PENDING as u64
        );
        let (lock, _) = &*mixer.queue;
        let q = lock.lock().unwrap_or_else(|e| e.into_inner());
        let held: usize = q
            .rounds
            .values()
            .map(|f| f.responses.len() + f.people.len())
            .sum();
        assert_eq!(held, MAX_PENDING);
        assert_eq!(q.total, MAX_PENDING);
        // The small round's rows were not the ones dropped.
        assert_eq!(q.rounds["round-a"].responses.len(), 10);
    }
}
