//! Closed rounds planned once and kept: a closed round's data and release plan
//! ([`crate::reports::release`]) for as long as memory allows, and a background warmer
//! that plans recently closed rounds before their first reader.

use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::error::ApiError;
use crate::reports::footprint::{Footprint, Points};
use crate::reports::impact_release::impacts_of;
use crate::reports::recorded_release::{self, Shape};
use crate::reports::release::{Loaded, Plan, RoundData, TeamRows, frozen_team_rows, team_rows};
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
    /// The footprints of planned rounds ([`Footprint`]), least recently used first:
    /// what a later round's plan reads of them. Bounded by the respondents they
    /// describe, [`FOOTPRINT_PEOPLE`] (the most recently used always stays).
    footprints: std::sync::Mutex<Vec<KeptFootprint>>,
    /// How many rounds have been planned in full ([`RoundCache::planned`]).
    plans: std::sync::atomic::AtomicUsize,
    /// How many rounds' groups have been planned rather than read from their record
    /// ([`RoundCache::groups_planned`]).
    group_plans: std::sync::atomic::AtomicUsize,
    /// Groups planned here on a frozen tree and not recorded yet
    /// ([`RoundCache::record_releases`]).
    unrecorded: std::sync::Mutex<Vec<Unrecorded>>,
}

/// A round's groups planned and not recorded yet: its id, their shape and the groups.
type Unrecorded = (String, Shape, Vec<Vec<bool>>);

/// A kept footprint: its round, the current tree it was made on (`None`: the round's
/// frozen tree), and the footprint.
type KeptFootprint = (String, Option<TeamRows>, std::sync::Arc<Footprint>);

/// How many respondents the kept footprints describe at the most: about 70 bytes each,
/// so about 140 MB; twenty-eight monthly rounds of 70,000 respondents.
pub const FOOTPRINT_PEOPLE: usize = 2_000_000;

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
            footprints: std::sync::Mutex::new(Vec::new()),
            plans: std::sync::atomic::AtomicUsize::new(0),
            group_plans: std::sync::atomic::AtomicUsize::new(0),
            unrecorded: std::sync::Mutex::new(Vec::new()),
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
        let (teams, current) = tree_of(conn, &round)?;
        if let Some(current) = &current
            && let Some(closed) = self.hit(&round.id, Some(current))
        {
            return Ok(closed);
        }
        let id = round.id.clone();
        let earlier = self.earlier_unless_recorded(conn, &round, current.is_none())?;
        let data = RoundData::load_with(conn, round, teams, Loaded::Answers)?;
        let groups = self.groups_of(conn, &data, current.is_none(), earlier)?;
        let plan = data.plan_on(groups);
        self.plans
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        // A footprint already kept has the same groups, and perhaps its points.
        if self.kept_footprint(&id, current.as_ref()).is_none() {
            self.keep_footprint(
                &id,
                current.clone(),
                Footprint::of(&data, plan.groups.clone()),
            );
        }
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

/// The tree a closed round is reported on, and the current tree when that is the one
/// (a round closed before trees were frozen), `None` when it is its frozen tree.
fn tree_of(
    conn: &mut AnyConnection,
    round: &RoundRow,
) -> Result<(TeamRows, Option<TeamRows>), ApiError> {
    let frozen = frozen_team_rows(conn, &round.id)?;
    if frozen.is_empty() {
        let current = team_rows(conn)?;
        return Ok((current.clone(), Some(current)));
    }
    Ok((frozen, None))
}

impl RoundCache {
    /// The footprints of the closed rounds of `round`'s survey that closed before it,
    /// oldest first.
    fn earlier(
        &self,
        conn: &mut AnyConnection,
        round: &RoundRow,
    ) -> Result<Vec<std::sync::Arc<Footprint>>, ApiError> {
        use crate::db::schema::rounds;
        let earlier: Vec<RoundRow> = rounds::table
            .filter(rounds::survey_id.eq(&round.survey_id))
            .filter(rounds::id.ne(&round.id))
            .filter(rounds::closes_at.lt(round.closes_at))
            .filter(rounds::materialised_at.is_not_null())
            .order((rounds::closes_at, rounds::id))
            .select(RoundRow::as_select())
            .load(conn)?;
        let mut out = Vec::with_capacity(earlier.len());
        for r in earlier {
            out.push(self.footprint(conn, r)?);
        }
        Ok(out)
    }

    /// The footprint of a closed round: kept, or taken from its kept plan, or made from
    /// its stored cells alone and its recorded groups, or its groups planned after its
    /// own earlier rounds' (oldest first, so each is planned once).
    pub fn footprint(
        &self,
        conn: &mut AnyConnection,
        round: RoundRow,
    ) -> Result<std::sync::Arc<Footprint>, ApiError> {
        // One on its frozen tree is found without reading the tree.
        if let Some(f) = self.kept_footprint(&round.id, None) {
            return Ok(f);
        }
        let (teams, current) = tree_of(conn, &round)?;
        if let Some(f) = self.kept_footprint(&round.id, current.as_ref()) {
            return Ok(f);
        }
        if let Some(closed) = self.hit(&round.id, current.as_ref()) {
            let f = Footprint::of(&closed.data, closed.plan.groups.clone());
            return Ok(self.keep_footprint(&round.id, current, f));
        }
        let id = round.id.clone();
        let earlier = self.earlier_unless_recorded(conn, &round, current.is_none())?;
        let data = RoundData::load_with(conn, round, teams, Loaded::Cells)?;
        let groups = self.groups_of(conn, &data, current.is_none(), earlier)?;
        let f = Footprint::of(&data, groups);
        drop(data);
        let f = self.keep_footprint(&id, current, f);
        crate::ops::memory::give_back();
        Ok(f)
    }

    /// The footprint of a closed round with every team's trend point
    /// ([`crate::reports::footprint::Points`]): kept, or made from its full plan.
    pub fn points(
        &self,
        conn: &mut AnyConnection,
        round: RoundRow,
    ) -> Result<std::sync::Arc<Footprint>, ApiError> {
        let has_points = |f: &std::sync::Arc<Footprint>| f.points.get().is_some();
        if let Some(f) = self.kept_footprint(&round.id, None).filter(has_points) {
            return Ok(f);
        }
        let id = round.id.clone();
        let closed = self.closed(conn, round.clone())?;
        let current = match self.kept_footprint(&id, None) {
            Some(_) => None,
            None => tree_of(conn, &round)?.1,
        };
        let f = match self.kept_footprint(&id, current.as_ref()) {
            Some(f) => f,
            None => {
                let f = Footprint::of(&closed.data, closed.plan.groups.clone());
                self.keep_footprint(&id, current, f)
            }
        };
        f.points
            .get_or_init(|| Points::of(&closed.data, &closed.plan));
        Ok(f)
    }

    /// The footprints of the rounds before `round`, unless the round is on its frozen
    /// tree and its groups are recorded (`None`: a recorded release needs none of them).
    fn earlier_unless_recorded(
        &self,
        conn: &mut AnyConnection,
        round: &RoundRow,
        frozen: bool,
    ) -> Result<Option<Vec<std::sync::Arc<Footprint>>>, ApiError> {
        if frozen && recorded_release::exists(conn, &round.id)? {
            return Ok(None);
        }
        // This round's plan may not be subtracted from the earlier closed rounds'.
        Ok(Some(self.earlier(conn, round)?))
    }

    /// The released groups of `data`: its record where it is on its frozen tree and one
    /// fits (`earlier` is `None`), else planned after the `earlier` rounds' footprints
    /// (read here when `None`), then kept to be recorded if on its frozen tree.
    fn groups_of(
        &self,
        conn: &mut AnyConnection,
        data: &RoundData,
        frozen: bool,
        earlier: Option<Vec<std::sync::Arc<Footprint>>>,
    ) -> Result<Vec<Vec<bool>>, ApiError> {
        let shape = frozen.then(|| Shape::of(data));
        if let (Some(shape), None) = (&shape, &earlier)
            && let Some(groups) = recorded_release::read(conn, &data.round.id, shape)?
        {
            return Ok(groups);
        }
        let earlier = match earlier {
            Some(e) => e,
            None => self.earlier(conn, &data.round)?,
        };
        let before: Vec<&Footprint> = earlier.iter().map(|f| f.as_ref()).collect();
        let groups = data.groups_after(&before);
        self.group_plans
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if let Some(shape) = shape {
            let mut unrecorded = self.unrecorded.lock().unwrap_or_else(|e| e.into_inner());
            unrecorded.retain(|(r, _, _)| *r != data.round.id);
            unrecorded.push((data.round.id.clone(), shape, groups.clone()));
        }
        Ok(groups)
    }

    /// Records the groups planned here and not recorded yet ([`recorded_release`]), on
    /// the primary. Where another server recorded other groups first (another version
    /// of the planner), everything this cache holds is dropped, with the plans not
    /// recorded yet: later rounds may have been planned against the groups it did not
    /// record, and are planned again against the record on their next read. Returns how
    /// many were recorded.
    pub fn record_releases(&self, db: &crate::db::Db) -> Result<usize, ApiError> {
        let pending =
            std::mem::take(&mut *self.unrecorded.lock().unwrap_or_else(|e| e.into_inner()));
        let mut recorded = 0;
        for (i, (round, shape, groups)) in pending.iter().enumerate() {
            let outcome = db.write_blocking(|conn| {
                let other = recorded_release::record(conn, round, shape, groups)?;
                Ok(other.is_some())
            });
            match outcome {
                Ok(true) => {
                    tracing::warn!(
                        round = %round,
                        "another server recorded other groups for this round; reporting those"
                    );
                    self.forget_all();
                    return Ok(recorded);
                }
                Ok(false) => recorded += 1,
                Err(e) => {
                    // Kept for the next pass, with those not tried yet.
                    let mut unrecorded = self.unrecorded.lock().unwrap_or_else(|e| e.into_inner());
                    unrecorded.extend(pending[i..].iter().cloned());
                    return Err(e);
                }
            }
        }
        Ok(recorded)
    }

    /// How many rounds' groups this cache has planned since it was made, rather than
    /// read from their record (each such plan audits the round against the earlier
    /// rounds of its survey).
    pub fn groups_planned(&self) -> usize {
        self.group_plans.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The kept footprint of round `id` on tree `current`, now the most recently used.
    fn kept_footprint(
        &self,
        id: &str,
        current: Option<&TeamRows>,
    ) -> Option<std::sync::Arc<Footprint>> {
        let mut kept = self.footprints.lock().unwrap_or_else(|e| e.into_inner());
        let i = kept
            .iter()
            .position(|(r, tree, _)| r == id && tree.as_ref() == current)?;
        let entry = kept.remove(i);
        let f = entry.2.clone();
        kept.push(entry);
        Some(f)
    }

    /// Keeps the footprint of round `id` on tree `current` (the least recently used
    /// go while they describe more than [`FOOTPRINT_PEOPLE`] respondents).
    fn keep_footprint(
        &self,
        id: &str,
        current: Option<TeamRows>,
        f: Footprint,
    ) -> std::sync::Arc<Footprint> {
        let f = std::sync::Arc::new(f);
        let mut kept = self.footprints.lock().unwrap_or_else(|e| e.into_inner());
        kept.retain(|(r, _, _)| r != id);
        kept.push((id.to_owned(), current, f.clone()));
        let held = |k: &[KeptFootprint]| -> usize { k.iter().map(|x| x.2.respondents()).sum() };
        while kept.len() > 1 && held(&kept) > FOOTPRINT_PEOPLE {
            kept.remove(0);
        }
        f
    }

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
        drop(entries);
        let mut kept = self.footprints.lock().unwrap_or_else(|e| e.into_inner());
        kept.retain(|(r, _, _)| !ids.contains(r));
    }

    /// Drops every planned round, footprint and plan not recorded yet.
    fn forget_all(&self) {
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        self.footprints
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        self.unrecorded
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    /// How many rounds this cache has planned in full since it was made (a round
    /// dropped and read again counts again).
    pub fn planned(&self) -> usize {
        self.plans.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Whether round `id` is planned and kept (on any team tree).
    pub fn holds(&self, id: &str) -> bool {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.iter().any(|e| e.round == id)
    }

    /// Plans the rounds that closed in the last week and are not kept yet (each at most
    /// once per process), with their trend points, so the first reader of a report or a
    /// trend does not wait for its plan.
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
                    // With every team's trend point: a trend then reads it kept.
                    self.points(conn, round)?;
                    planned += 1;
                }
            }
            Ok(planned)
        })
        .and_then(|planned| {
            self.record_releases(db)?;
            Ok(planned)
        })
    }
}
