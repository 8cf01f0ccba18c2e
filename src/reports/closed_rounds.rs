//! Closed rounds planned once and kept: a closed round's data and release plan
//! ([`crate::reports::release`]) for as long as memory allows, and a background warmer
//! that plans recently closed rounds before their first reader.

use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::error::ApiError;
use crate::reports::across_rounds::Earlier;
use crate::reports::impact_release::impacts_of;
use crate::reports::release::{Plan, RoundData, TeamRows, frozen_team_rows, team_rows};
use crate::reports::types::Impact;
use crate::surveys::model::RoundRow;

/// A closed round ready for reports: its data, its release plan, and each group's driver
/// impact under that plan (node order).
pub struct Closed {
    pub data: RoundData,
    pub plan: Plan,
    pub impacts: Vec<Impact>,
    /// The heatmap of every team, made on its first read: it depends on the data and the
    /// plan only, and a read filters it to the teams the reader may see.
    pub heatmap: std::sync::OnceLock<HeatmapRows>,
    /// What its reports reuse from one read to the next.
    pub views: crate::reports::views::Views,
}

/// Every team's heatmap row of a closed round (top down), with its node, and the drivers
/// the round's plan releases.
pub struct HeatmapRows {
    pub drivers: Vec<crate::surveys::bank::Driver>,
    pub rows: Vec<(usize, crate::reports::types::HeatmapRow)>,
}

/// Closed rounds already planned, so a report does not redo the plan. A closed round's
/// responses, questions, frozen k, invitees and frozen tree never change, so neither
/// does its entry; a round closed before trees were frozen is reported on the current
/// tree, which can change, so its entry is used only while that tree is the one it was
/// made on. Bounded by the responses held (the most recently used entry always stays).
pub struct RoundCache {
    entries: std::sync::Mutex<Vec<Entry>>,
    max_responses: usize,
    /// Rounds the background warmer has planned once; it never plans them again, so
    /// more recently closed rounds than the cache holds cannot keep it busy.
    warmed: std::sync::Mutex<std::collections::HashSet<String>>,
}

/// A planned round of the cache.
struct Entry {
    round: String,
    /// The current tree the entry was made on, for a round closed before trees were
    /// frozen; `None` for a round reported on its frozen tree.
    current: Option<TeamRows>,
    closed: std::sync::Arc<Closed>,
}

impl RoundCache {
    pub fn new(max_responses: usize) -> Self {
        RoundCache {
            entries: std::sync::Mutex::new(Vec::new()),
            max_responses,
            warmed: std::sync::Mutex::new(std::collections::HashSet::new()),
        }
    }

    /// The data and plan of a round the caller has checked is closed.
    pub fn closed(
        &self,
        conn: &mut AnyConnection,
        round: RoundRow,
    ) -> Result<std::sync::Arc<Closed>, ApiError> {
        if round.materialised_at.is_none() {
            // Its sealed ballots are not opened yet (moments after the close).
            return Err(ApiError::Unavailable(
                "the round has just closed and its answers are being counted; try again in a moment"
                    .into(),
            ));
        }
        // A round on its frozen tree is found without reading the tree: it never changes.
        if let Some(closed) = self.hit(&round.id, None) {
            return Ok(closed);
        }
        let frozen = frozen_team_rows(conn, &round.id)?;
        let (teams, current) = if frozen.is_empty() {
            let current = team_rows(conn)?;
            if let Some(closed) = self.hit(&round.id, Some(&current)) {
                return Ok(closed);
            }
            (current.clone(), Some(current))
        } else {
            (frozen, None)
        };
        let id = round.id.clone();
        // The earlier closed rounds of the survey, each planned (and kept) first: this
        // round's plan may not be subtracted from theirs.
        let earlier: Vec<RoundRow> = {
            use crate::db::schema::rounds;
            rounds::table
                .filter(rounds::survey_id.eq(&round.survey_id))
                .filter(rounds::id.ne(&round.id))
                .filter(rounds::closes_at.lt(round.closes_at))
                .filter(rounds::materialised_at.is_not_null())
                .order((rounds::closes_at, rounds::id))
                .select(RoundRow::as_select())
                .load(conn)?
        };
        let earlier: Vec<std::sync::Arc<Closed>> = earlier
            .into_iter()
            .map(|r| self.closed(conn, r))
            .collect::<Result<_, _>>()?;
        let data = RoundData::load_with(conn, round, teams)?;
        let before: Vec<Earlier> = earlier
            .iter()
            .map(|c| Earlier {
                data: &c.data,
                groups: &c.plan.groups,
            })
            .collect();
        let plan = data.plan_after(&before);
        drop(before);
        let impacts = impacts_of(&data, &plan);
        let closed = std::sync::Arc::new(Closed {
            data,
            plan,
            impacts,
            heatmap: std::sync::OnceLock::new(),
            views: Default::default(),
        });
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.retain(|e| e.round != id);
        entries.push(Entry {
            round: id,
            current,
            closed: closed.clone(),
        });
        let held = |e: &[Entry]| -> usize { e.iter().map(|x| x.closed.data.responses.len()).sum() };
        while entries.len() > 1 && held(&entries) > self.max_responses {
            entries.remove(0);
        }
        drop(entries);
        // Planning allocated far more than the plan keeps (and a dropped entry freed
        // its round): hand the free pages back ([`crate::ops::memory`]).
        crate::ops::memory::give_back();
        Ok(closed)
    }
}

impl RoundCache {
    /// The entry of round `id` made on tree `current` (`None`: its frozen tree), now the
    /// most recently used.
    fn hit(&self, id: &str, current: Option<&TeamRows>) -> Option<std::sync::Arc<Closed>> {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let i = entries
            .iter()
            .position(|e| e.round == id && e.current.as_ref() == current)?;
        let entry = entries.remove(i);
        let closed = entry.closed.clone();
        entries.push(entry);
        Some(closed)
    }

    /// Drops rounds `ids` (their data has changed under retention): the next reader
    /// loads what is left.
    pub fn forget(&self, ids: &[String]) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.retain(|e| !ids.contains(&e.round));
    }

    /// Whether round `id` is planned and kept (on any team tree).
    pub fn holds(&self, id: &str) -> bool {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.iter().any(|e| e.round == id)
    }

    /// Plans the rounds that closed in the last week and are not kept yet (each at most
    /// once per process), so the first reader of a report does not wait for its plan.
    /// Returns how many were planned.
    pub fn warm(&self, db: &crate::db::Db, now: chrono::NaiveDateTime) -> Result<usize, ApiError> {
        use crate::db::schema::rounds;
        let since = now - chrono::TimeDelta::days(7);
        db.read_blocking(|conn| {
            let closed: Vec<RoundRow> = rounds::table
                .filter(rounds::closes_at.le(now))
                .filter(rounds::closes_at.gt(since))
                .filter(rounds::materialised_at.is_not_null())
                .order(rounds::closes_at.desc())
                .select(RoundRow::as_select())
                .load(conn)?;
            let mut planned = 0;
            for round in closed {
                let first = self
                    .warmed
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(round.id.clone());
                if first && !self.holds(&round.id) {
                    self.closed(conn, round)?;
                    planned += 1;
                }
            }
            Ok(planned)
        })
    }
}
