//! "Results ready" to managers, queued by the scheduler's pass right after a round's
//! ballots are opened ([`crate::surveys::materialise`]).
//!
//! A closed round releases a team when its release plan
//! ([`crate::reports::release`], the same plan every report of the round shows) shows
//! the team's group. Each manager of a released team, or of a team above one in the
//! round's tree, gets one message per round, linking to the report of the highest
//! released team they manage; the manager of a team the plan suppresses (fewer than k
//! answers, or hidden so that no difference reveals a small group) and of nothing
//! released below it gets none. The message names the survey and the team, never a
//! score.
//!
//! Once per round: one transaction sets the round's `results_announced_at` where it was
//! empty and queues the messages (each under a key naming the round and the manager),
//! so a replayed pass, a restart or a second replica queues nothing twice. Rounds that
//! closed more than [`RECENT_DAYS`] days ago are left alone (an old database's rounds
//! bring no news), as are rounds whose answers a retention purge has removed.

use std::collections::HashMap;

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;

use crate::db::Db;
use crate::db::schema::{rounds, surveys, team_managers};
use crate::error::ApiError;
use crate::reports::closed_rounds::RoundCache;
use crate::surveys::model::RoundRow;

/// How long after its close a round's results are still news.
pub const RECENT_DAYS: i64 = 7;

/// One pass at `now`: announces every recently closed, opened round not announced yet.
/// Returns how many rounds were announced (with or without a message to send).
pub fn run(db: &Db, cache: &RoundCache, now: NaiveDateTime) -> Result<usize, ApiError> {
    let since = now - TimeDelta::days(RECENT_DAYS);
    let due: Vec<(RoundRow, String)> = db.read_blocking(|conn| {
        Ok(rounds::table
            .inner_join(surveys::table.on(surveys::id.eq(rounds::survey_id)))
            .filter(rounds::materialised_at.is_not_null())
            .filter(rounds::results_announced_at.is_null())
            .filter(rounds::answers_purged_at.is_null())
            .filter(rounds::closes_at.le(now))
            .filter(rounds::closes_at.gt(since))
            .order(rounds::closes_at)
            .select((RoundRow::as_select(), surveys::title))
            .load(conn)?)
    })?;
    let mut announced = 0;
    for (round, title) in due {
        let id = round.id.clone();
        // The plan (read, and kept for the reports to come) before the write.
        let released = match db.read_blocking(|conn| released_teams(cache, conn, round)) {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(round = %id, error = %e, "planning a closed round for its news failed");
                continue;
            }
        };
        let done = db.write_blocking(|conn| {
            let claimed = diesel::update(
                rounds::table
                    .find(&id)
                    .filter(rounds::results_announced_at.is_null()),
            )
            .set(rounds::results_announced_at.eq(Some(now)))
            .execute(conn)?;
            if claimed == 0 {
                return Ok(None);
            }
            let teams: Vec<String> = released.iter().map(|r| r.team_id.clone()).collect();
            let managed: Vec<(String, String)> = team_managers::table
                .filter(team_managers::team_id.eq_any(&teams))
                .select((team_managers::person_id, team_managers::team_id))
                .load(conn)?;
            let recipients = recipients(&released, &managed);
            crate::hooks::queue::results_ready(conn, &id, &title, &teams)?;
            crate::notify::queue::results_ready(conn, &id, &title, &recipients).map(Some)
        })?;
        if let Some(queued) = done {
            announced += 1;
            tracing::info!(round = %id, managers = queued, "results-ready messages queued");
        }
    }
    Ok(announced)
}

/// A team whose manager hears of the round: `team_id` (in the round's tree) manages
/// down to the released team `shown_id` (`shown`, its name), `depth` steps below the
/// organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reach {
    pub team_id: String,
    pub shown_id: String,
    pub shown: String,
    pub depth: usize,
}

/// For every team of the round's tree that is released or has a released team below
/// it, the highest released team at or below it.
fn released_teams(
    cache: &RoundCache,
    conn: &mut crate::db::AnyConnection,
    round: RoundRow,
) -> Result<Vec<Reach>, ApiError> {
    let closed = cache.closed(conn, round)?;
    let (data, plan) = (&closed.data, &closed.plan);
    let col = data.column(None);
    let mut best: HashMap<String, Reach> = HashMap::new();
    for node in 1..plan.groups.len() {
        if !plan.groups[node][col] {
            continue;
        }
        let (Some(shown_id), depth) = (data.team_id(node), data.ancestors[node].len()) else {
            continue;
        };
        for &above in &data.ancestors[node] {
            let Some(team_id) = data.team_id(above) else {
                continue;
            };
            let reach = Reach {
                team_id: team_id.to_owned(),
                shown_id: shown_id.to_owned(),
                shown: data.label(node),
                depth,
            };
            let entry = best
                .entry(team_id.to_owned())
                .or_insert_with(|| reach.clone());
            if (reach.depth, &reach.shown_id) < (entry.depth, &entry.shown_id) {
                *entry = reach;
            }
        }
    }
    let mut out: Vec<Reach> = best.into_values().collect();
    out.sort_by(|a, b| a.team_id.cmp(&b.team_id));
    Ok(out)
}

/// One message per manager: (person, team id, team name) of the highest released team
/// among those that the teams they manage reach.
pub fn recipients(
    released: &[Reach],
    managed: &[(String, String)],
) -> Vec<(String, String, String)> {
    let by_team: HashMap<&str, &Reach> = released.iter().map(|r| (r.team_id.as_str(), r)).collect();
    let mut best: HashMap<&str, &Reach> = HashMap::new();
    for (person, team) in managed {
        let Some(r) = by_team.get(team.as_str()) else {
            continue;
        };
        let entry = best.entry(person.as_str()).or_insert(r);
        if (r.depth, &r.shown_id) < (entry.depth, &entry.shown_id) {
            *entry = r;
        }
    }
    let mut out: Vec<(String, String, String)> = best
        .into_iter()
        .map(|(p, r)| (p.to_owned(), r.shown_id.clone(), r.shown.clone()))
        .collect();
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reach(team: &str, shown: &str, depth: usize) -> Reach {
        Reach {
            team_id: team.into(),
            shown_id: shown.into(),
            shown: format!("Team {shown}"),
            depth,
        }
    }

    #[test]
    fn each_manager_hears_once_of_the_highest_released_team_they_manage() {
        // a is released (depth 2) and so is its child b; c is not, and neither is
        // anything below it.
        let released = vec![
            reach("a", "a", 2),
            reach("b", "b", 3),
            reach("root", "a", 2),
        ];
        let managed = vec![
            ("ann".to_owned(), "b".to_owned()),
            ("ann".to_owned(), "a".to_owned()),
            ("bob".to_owned(), "b".to_owned()),
            ("cy".to_owned(), "c".to_owned()),
            ("dee".to_owned(), "root".to_owned()),
        ];
        assert_eq!(
            recipients(&released, &managed),
            vec![
                ("ann".to_owned(), "a".to_owned(), "Team a".to_owned()),
                ("bob".to_owned(), "b".to_owned(), "Team b".to_owned()),
                ("dee".to_owned(), "a".to_owned(), "Team a".to_owned()),
            ]
        );
    }
}
