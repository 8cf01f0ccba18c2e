//! Closing a round's ballot box: the one moment a round's answers become plaintext.
//!
//! When a round has closed — by its schedule, by HR, or found closed at start-up — one
//! transaction ([`materialise`]):
//!
//! 1. claims the round (`materialised_at` set where it was empty; a second replica's
//!    claim finds it set and does nothing, and on PostgreSQL waits for any writer batch
//!    still holding the round row, see [`crate::surveys::writer`]);
//! 2. opens every ballot of the round with the round's key;
//! 3. places each respondent so that every stored (team, segments) combination holds at
//!    least k responses ([`crate::surveys::placement`]); with fewer than k ballots in the
//!    whole round, none is opened and all are deleted;
//! 4. writes the responses and answers under fresh random ids (the operating system's
//!    CSPRNG), in the order of those ids, and deletes the ballots;
//! 5. opens a conversation ([`crate::conversations`]) for each comment whose author
//!    allowed replies, under the code hash the ballot carried and a fresh random id,
//!    written in a random order too;
//! 6. keeps the team tree as it stands (`round_teams`): the round's reports are made on
//!    it for good, so a later move or rename cannot be diffed against an earlier report;
//!    and how many of each team's invitees could be reached (`round_reach`): the round's
//!    reachable figures are those of the round as it ran.
//!
//! A crash leaves either all the ballots (nothing committed) or all the plaintext rows.
//! Participation is untouched: it says who answered, never what.

use std::collections::HashMap;

use diesel::prelude::*;
use rand::seq::SliceRandom;

use crate::anonymity::min_group::MinGroup;
use crate::conversations::model::ConversationRow;
use crate::db::schema::{ballots, round_teams, rounds, teams};
use crate::db::{AnyConnection, Backend, Db};
use crate::error::ApiError;
use crate::keys::MasterKey;
use crate::surveys::ballot;
use crate::surveys::generalise::Segments;
use crate::surveys::model::{AnswerRow, ResponseRow, cuts_mask};
use crate::surveys::placement;
use crate::surveys::store;

/// What closing one round did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Closed {
    /// Ballots the round held.
    pub ballots: usize,
    /// Responses written.
    pub stored: usize,
    /// Ballots dropped because no team could hold k of them.
    pub dropped: usize,
}

/// Materialises round `round_id` inside the caller's write transaction, if it has closed
/// by `now` and nobody has done it yet. `None` when there was nothing to do.
pub fn materialise(
    conn: &mut AnyConnection,
    master: &MasterKey,
    round_id: &str,
    now: chrono::NaiveDateTime,
) -> Result<Option<Closed>, ApiError> {
    let claimed = diesel::update(
        rounds::table
            .find(round_id)
            .filter(rounds::materialised_at.is_null())
            .filter(rounds::closes_at.le(now)),
    )
    .set(rounds::materialised_at.eq(Some(now)))
    .execute(conn)?;
    if claimed == 0 {
        return Ok(None);
    }
    let round = store::find_round(conn, round_id)?.ok_or(ApiError::NotFound("round"))?;
    let frozen = freeze_tree(conn, round_id)?;
    freeze_reach(conn, round_id)?;
    let survey = store::find_survey(conn, &round.survey_id)?.ok_or(ApiError::NotFound("survey"))?;
    let k = MinGroup::stored(survey.min_group).get();
    let sealed: Vec<(String, Vec<u8>)> = ballots::table
        .filter(ballots::round_id.eq(round_id))
        .select((ballots::id, ballots::sealed))
        .load(conn)?;
    let mut closed = Closed {
        ballots: sealed.len(),
        ..Closed::default()
    };
    diesel::delete(ballots::table.filter(ballots::round_id.eq(round_id))).execute(conn)?;
    if sealed.len() < k {
        // Fewer than k in the whole round: nothing could ever be released; none is opened.
        closed.dropped = sealed.len();
        return Ok(Some(closed));
    }
    let key = master.round_key(round_id);
    let mut opened = Vec::with_capacity(sealed.len());
    for (_, bytes) in &sealed {
        let b = ballot::open(&key, round_id, bytes).map_err(|e| {
            ApiError::Internal(anyhow::anyhow!(
                "round {round_id}: {e} (is PULSELINE_MASTER_KEY the key the round was \
                 opened with?)"
            ))
        })?;
        opened.push(b);
    }
    drop(sealed);
    let parent_of: HashMap<String, Option<String>> = frozen
        .iter()
        .map(|(id, parent, _)| (id.clone(), parent.clone()))
        .collect();
    let respondents: Vec<placement::Placed> = opened
        .iter()
        .map(|b| {
            let segs: Segments = [b.location.clone(), b.job_family.clone(), b.tenure.clone()];
            (b.team_id.clone(), segs)
        })
        .collect();
    let places = placement::place(&respondents, &parent_of, cuts_mask(&survey.cuts), k);
    let mut rows: Vec<(ResponseRow, Vec<AnswerRow>)> = Vec::with_capacity(opened.len());
    let mut threads: Vec<ConversationRow> = Vec::new();
    for (b, place) in opened.into_iter().zip(places) {
        let Some((team_id, [location, job_family, tenure])) = place else {
            closed.dropped += 1;
            continue;
        };
        let id = uuid::Uuid::new_v4().to_string();
        if let Some(hash) = b.reply {
            let code_hash = hex::encode(hash);
            threads.extend(b.answers.iter().filter(|a| a.text.is_some()).map(|a| {
                ConversationRow {
                    id: uuid::Uuid::new_v4().to_string(),
                    code_hash: code_hash.clone(),
                    round_id: Some(round_id.to_owned()),
                    response_id: Some(id.clone()),
                    question_id: Some(a.question_id.clone()),
                    suggestion_id: None,
                    closed_by: None,
                    closed_on: None,
                }
            }));
        }
        let answers = b
            .answers
            .into_iter()
            .map(|a| AnswerRow {
                response_id: id.clone(),
                question_id: a.question_id,
                value: a.value,
                choice: a.choice,
                text: a.text,
            })
            .collect();
        rows.push((
            ResponseRow {
                id,
                round_id: round_id.to_owned(),
                team_id,
                location,
                job_family,
                tenure,
            },
            answers,
        ));
    }
    // The order rows reach the disk in is the order of their fresh ids, drawn from the
    // operating system's CSPRNG (`Uuid::new_v4`): a uniformly random permutation of the
    // ballots, whatever order they were sealed or loaded in. Writing in key order, not
    // shuffled, visits each page of the two keyed tables once instead of at random (on
    // SQLite a B-tree of a million answers is far larger than the page cache), and
    // places nothing the ids do not already say.
    rows.sort_unstable_by(|a, b| a.0.id.cmp(&b.0.id));
    closed.stored = rows.len();
    let (responses, answers): (Vec<ResponseRow>, Vec<Vec<AnswerRow>>) = rows.into_iter().unzip();
    let mut answers: Vec<AnswerRow> = answers.into_iter().flatten().collect();
    answers.sort_unstable_by(|a, b| {
        (&a.response_id, &a.question_id).cmp(&(&b.response_id, &b.question_id))
    });
    write_rows(conn, &responses, &answers)?;
    threads.shuffle(&mut rand::rngs::OsRng);
    crate::conversations::store::insert_conversations(conn, &threads)?;
    Ok(Some(closed))
}

/// Keeps the team tree (ids, parents, names) as it is at the close: the respondents are
/// placed on it, and every report of the round is made on it, whatever moves, renames
/// or re-parenting come later. Returns it as (id, parent, name).
fn freeze_tree(
    conn: &mut AnyConnection,
    round_id: &str,
) -> Result<Vec<(String, Option<String>, String)>, ApiError> {
    let tree: Vec<(String, Option<String>, String)> = teams::table
        .select((teams::id, teams::parent_id, teams::name))
        .load(conn)?;
    for (team, parent, name) in &tree {
        diesel::insert_into(round_teams::table)
            .values((
                round_teams::round_id.eq(round_id),
                round_teams::team_id.eq(team),
                round_teams::parent_id.eq(parent),
                round_teams::name.eq(name),
            ))
            .execute(conn)?;
    }
    Ok(tree)
}

/// Keeps how many of each team's invitees could be reached by the close
/// ([`store::reachable_by_team`]): the round's reachable figures from now on.
fn freeze_reach(conn: &mut AnyConnection, round_id: &str) -> Result<(), ApiError> {
    use crate::db::schema::round_reach;
    for (team, reachable) in store::reachable_by_team(conn, round_id)? {
        diesel::insert_into(round_reach::table)
            .values((
                round_reach::round_id.eq(round_id),
                round_reach::team_id.eq(&team),
                round_reach::reachable.eq(reachable),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Inserts the responses, then the answers, in the order given.
fn write_rows(
    conn: &mut AnyConnection,
    responses: &[ResponseRow],
    answers: &[AnswerRow],
) -> Result<(), ApiError> {
    use crate::db::schema::responses as r;
    match conn {
        AnyConnection::Postgresql(pg) => {
            // Bounded statements: a round of 10,000 ballots is 100,000 answers.
            for chunk in responses.chunks(5_000) {
                crate::db::anonymous::insert_responses_batch(pg, chunk, &[])?;
            }
            for chunk in answers.chunks(20_000) {
                crate::db::anonymous::insert_answers_batch(pg, chunk)?;
            }
        }
        AnyConnection::Sqlite(_) => {
            for row in responses {
                diesel::insert_into(r::table).values(row).execute(conn)?;
            }
            crate::db::anonymous::insert_answers(conn, answers)?;
        }
    }
    Ok(())
}

/// Closes every round that has ended by `now` and is not materialised yet; on SQLite
/// the write-ahead log is then emptied, so the ballots' pages do not linger in it.
/// Returns how many rounds this call materialised.
pub fn close_due(
    db: &Db,
    master: &MasterKey,
    now: chrono::NaiveDateTime,
) -> Result<usize, ApiError> {
    let due: Vec<String> = db.read_blocking(|conn| {
        Ok(rounds::table
            .filter(rounds::materialised_at.is_null())
            .filter(rounds::closes_at.le(now))
            .select(rounds::id)
            .load(conn)?)
    })?;
    let mut done = 0;
    for id in due {
        // One round that cannot be closed (say, a master key that does not open its
        // ballots) is logged and left for the next pass; the others are closed.
        let closed = db.write_blocking(|conn| {
            let c = materialise(conn, master, &id, now)?;
            if c.is_some() {
                crate::hooks::queue::round_closed(conn, &id)?;
            }
            Ok(c)
        });
        match closed {
            Ok(Some(c)) => {
                done += 1;
                tracing::info!(
                    round = %id,
                    ballots = c.ballots,
                    stored = c.stored,
                    dropped = c.dropped,
                    "round closed: ballots opened"
                );
            }
            Ok(None) => {}
            Err(e) => tracing::error!(round = %id, error = %e, "closing a round failed"),
        }
    }
    if done > 0 {
        after_close(db);
    }
    Ok(done)
}

/// After a round is materialised: on SQLite, empties the write-ahead log (a `TRUNCATE`
/// checkpoint), so the pages that held its ballots do not linger there; and hands the
/// memory the opened ballots took back to the system ([`crate::ops::memory`]).
pub fn after_close(db: &Db) {
    crate::ops::memory::give_back();
    if db.backend() == Backend::Sqlite
        && let Err(e) = db.checkpoint_truncate()
    {
        tracing::warn!(error = %e, "could not empty the write-ahead log after closing a round");
    }
}

/// [`close_due`] now, for readers that are about to read a closed round: reports of a
/// round that closed moments ago do not wait for the background pass.
pub async fn settle(state: &crate::state::AppState) -> Result<usize, ApiError> {
    let (db, master) = (state.db.clone(), state.master.clone());
    tokio::task::spawn_blocking(move || close_due(&db, &master, crate::clock::now()))
        .await
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("closing rounds failed: {e}")))?
}
