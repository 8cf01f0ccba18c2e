//! What the answering path needs to know about a round — its window and its survey's
//! questions — kept in memory for a moment, so a burst of submissions to one round does
//! not read the same rows from the database once per submission.
//!
//! Safe to cache: a survey's questions are frozen once its first round exists, so they
//! cannot change under an open round. A round's window can change (HR closes it early),
//! so an entry lives only [`TTL`]; and the group-commit writer checks the window again
//! in the transaction that stores the response, so a stale entry can let a submission
//! reach the writer but never lets it be stored after the round has closed.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::db::AnyConnection;
use crate::error::ApiError;
use crate::surveys::model::{QuestionRow, RoundRow};
use crate::surveys::store;

/// How long an entry is trusted.
pub const TTL: Duration = Duration::from_secs(1);
/// Most rounds held; the cache is emptied when it is full (entries are cheap to read
/// again).
pub const CAPACITY: usize = 1024;

/// A round and its survey's questions, as read at one moment.
pub struct RoundFacts {
    pub round: RoundRow,
    pub questions: Vec<QuestionRow>,
}

/// Round facts by round id, each for at most [`TTL`].
#[derive(Default)]
pub struct RoundFactsCache {
    entries: Mutex<HashMap<String, (Instant, Arc<RoundFacts>)>>,
}

impl RoundFactsCache {
    /// The facts of `round_id`, from memory when read less than [`TTL`] ago, otherwise
    /// from the database (`None`: no such round).
    pub fn get(
        &self,
        conn: &mut AnyConnection,
        round_id: &str,
    ) -> Result<Option<Arc<RoundFacts>>, ApiError> {
        if let Some(hit) = self.lookup(round_id) {
            return Ok(Some(hit));
        }
        let Some(round) = store::find_round(conn, round_id)? else {
            return Ok(None);
        };
        let questions = store::questions(conn, &round.survey_id)?;
        let facts = Arc::new(RoundFacts { round, questions });
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= CAPACITY {
            entries.clear();
        }
        entries.insert(round_id.to_owned(), (Instant::now(), facts.clone()));
        Ok(Some(facts))
    }

    fn lookup(&self, round_id: &str) -> Option<Arc<RoundFacts>> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(round_id)
            .filter(|(at, _)| at.elapsed() < TTL)
            .map(|(_, f)| f.clone())
    }

    /// Forgets a round at once (after HR closes or opens it here).
    pub fn forget(&self, round_id: &str) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.remove(round_id);
    }
}
