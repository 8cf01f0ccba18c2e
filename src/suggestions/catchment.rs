//! Where an anonymous suggestion is filed: its possible-author catchment.
//!
//! An anonymous suggestion names nobody, but the team it is filed at tells who could
//! have written it: the people whose anonymous suggestions are filed there. That set is
//! the team's catchment, and it must hold at least k people — counting only those who
//! can write one (active, in a team, account activated: HR sees who has). Counting the
//! members of a team's subtree is not enough: a lone person filed under a big team whose
//! members all file under their own sub-teams is that team's only possible author.
//!
//! The rule, a fixed point over the tree computed from the leaves up (the shape of
//! survey placement, [`crate::surveys::placement`]):
//!
//! 1. A team's pool is its own eligible people plus the pools its children passed up. A
//!    pool of at least k is kept: that team receives their anonymous suggestions. A
//!    smaller one (an empty one too) is passed to the parent.
//! 2. A top-level team whose pool is still short (but not empty) takes in the smallest
//!    pools kept below it with no kept pool in between (ties broken by team id, never by
//!    a name) until it holds k.
//! 3. The organisation is the node above every top-level team: a top-level tree with
//!    fewer than k eligible people in all passes its pool there, and the organisation
//!    receives those suggestions (shown with no team, answered by HR). Still short (but
//!    not empty: then it receives nothing), it takes in pools kept below it as in 2.
//! 4. An organisation with fewer than k eligible people in all keeps nothing: nobody can
//!    raise an anonymous suggestion (it would not be anonymous), and they are told so.
//!
//! So a place receives nobody's suggestions or at least k people's; each team's people
//! land at exactly one place (or, in case 4, none), the nearest up their chain that
//! receives anything. The same map is applied when reading: an anonymous suggestion is shown, and
//! counted, at the team that would receive it now, so one filed under an older rule or
//! before the tree changed is rolled up to where its catchment holds k.

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::schema::{people, teams};
use crate::error::ApiError;

/// Where anonymous suggestions are filed: a team, or the organisation as a whole (when
/// the author's top-level tree is too small to hide them).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Place {
    Team(String),
    Organisation,
}

impl Place {
    /// The team, `None` for the organisation.
    pub fn team(&self) -> Option<&str> {
        match self {
            Place::Team(t) => Some(t),
            Place::Organisation => None,
        }
    }
}

/// The catchments of every team for one k.
#[derive(Debug, Clone, Default)]
pub struct Catchments {
    /// Team → where its people's anonymous suggestions are filed (`None`: the whole
    /// organisation has fewer than k people who could write one).
    home: HashMap<String, Option<Place>>,
    /// Receiving place → how many eligible people can file there.
    size: HashMap<Place, usize>,
}

/// Computes the catchments on the tree `parent_of` (team → parent; a team missing from
/// it, or whose parent is unknown, is top-level) with `eligible` people per team. The
/// organisation is the node above every top-level team, so the same rule files the
/// people of a too-small top-level tree there.
pub fn compute(
    parent_of: &HashMap<String, Option<String>>,
    eligible: &HashMap<String, usize>,
    k: usize,
) -> Catchments {
    let k = k.max(1);
    // The organisation's node; no team id is empty.
    let org = String::new();
    let parent = |team: &str| -> Option<&String> {
        if team.is_empty() {
            return None;
        }
        Some(
            parent_of
                .get(team)
                .and_then(Option::as_ref)
                .filter(|p| !p.is_empty() && parent_of.contains_key(*p))
                .unwrap_or(&org),
        )
    };
    let mut all: Vec<&String> = parent_of
        .keys()
        .chain(eligible.keys())
        .filter(|t| !t.is_empty())
        .chain(std::iter::once(&org))
        .collect();
    all.sort();
    all.dedup();
    // Each node's depth (the organisation is 0), one walk per chain. A cycle, which the
    // tree never has, is cut where it closes: that team counts as a root.
    let mut depth: HashMap<&String, usize> = HashMap::new();
    for t in &all {
        if depth.contains_key(*t) {
            continue;
        }
        let mut path = vec![*t];
        let mut on_path: HashSet<&String> = HashSet::from([*t]);
        let mut d = loop {
            let at = path[path.len() - 1];
            match parent(at) {
                Some(p) if depth.contains_key(p) => break depth[p] + 1,
                Some(p) if on_path.insert(p) => path.push(p),
                _ => break 0,
            }
        };
        for at in path.into_iter().rev() {
            depth.insert(at, d);
            d += 1;
        }
    }

    // Deepest first, then by id, so the result never depends on hash order or names.
    let mut order = all.clone();
    order.sort_by(|a, b| depth[b].cmp(&depth[a]).then(a.cmp(b)));

    // A pool: the teams whose people it holds, how many they are, and the pools kept
    // below it with none kept in between (what a short top-level team may take in).
    type Pool<'a> = (Vec<&'a String>, usize, Vec<&'a String>);
    let mut pools: HashMap<&String, Pool> = all
        .iter()
        .map(|t| {
            let n = eligible.get(*t).copied().unwrap_or(0);
            (*t, (vec![*t], n, Vec::new()))
        })
        .collect();
    let mut kept: HashMap<&String, (Vec<&String>, usize)> = HashMap::new();
    let mut refused: Vec<&String> = Vec::new();
    for team in order {
        let Some((mut origins, mut count, frontier)) = pools.remove(team) else {
            continue;
        };
        let up = parent(team).filter(|p| depth[*p] < depth[team]);
        if count >= k {
            kept.insert(team, (origins, count));
            if let Some(pool) = up.and_then(|p| pools.get_mut(p)) {
                pool.2.push(team);
            }
            continue;
        }
        // A short top-level team with pools kept below it takes some in (they hold k
        // each, so it then holds k); a short tree with none passes up to the organisation.
        let top_level = up.is_some_and(|p| p.is_empty());
        let takes_in = count > 0
            && (up.is_none() || (top_level && frontier.iter().any(|t| kept.contains_key(*t))));
        if !takes_in {
            if let Some(pool) = up.and_then(|p| pools.get_mut(p)) {
                pool.0.extend(origins);
                pool.1 += count;
                pool.2.extend(frontier);
                continue;
            }
            // Nobody is left to file here: the kept pools below stay where they are.
            refused.extend(origins);
            continue;
        }
        // Short of k, it takes in the smallest pools kept below it with no other kept pool
        // in between (their people have no nearer place to go to).
        let mut under: Vec<(&String, usize)> = frontier
            .iter()
            .filter_map(|t| kept.get(*t).map(|(_, n)| (*t, *n)))
            .collect();
        under.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(b.0)));
        let mut taken = Vec::new();
        for (t, n) in under {
            if count >= k {
                break;
            }
            count += n;
            taken.push(t);
        }
        if count >= k {
            for t in taken {
                if let Some((o, _)) = kept.remove(t) {
                    origins.extend(o);
                }
            }
            kept.insert(team, (origins, count));
            if let Some(pool) = up.and_then(|p| pools.get_mut(p)) {
                pool.2.push(team);
            }
        } else {
            refused.extend(origins);
        }
    }

    let place = |t: &String| {
        if t.is_empty() {
            Place::Organisation
        } else {
            Place::Team(t.clone())
        }
    };
    let mut out = Catchments::default();
    for (team, (origins, count)) in kept {
        for o in origins.into_iter().filter(|o| !o.is_empty()) {
            out.home.insert(o.clone(), Some(place(team)));
        }
        out.size.insert(place(team), count);
    }
    for o in refused.into_iter().filter(|o| !o.is_empty()) {
        out.home.insert(o.clone(), None);
    }
    out
}

/// The catchments now: the team tree and the people who can write an anonymous
/// suggestion (active, in a team, account activated).
pub fn load(conn: &mut AnyConnection, k: usize) -> Result<Catchments, ApiError> {
    let parent_of: HashMap<String, Option<String>> = teams::table
        .select((teams::id, teams::parent_id))
        .load::<(String, Option<String>)>(conn)?
        .into_iter()
        .collect();
    let members: Vec<String> = people::table
        .filter(people::active.eq(true))
        .filter(people::password_hash.is_not_null())
        .filter(people::team_id.is_not_null())
        .select(people::team_id.assume_not_null())
        .load(conn)?;
    let mut eligible: HashMap<String, usize> = HashMap::new();
    for t in members {
        *eligible.entry(t).or_default() += 1;
    }
    Ok(compute(&parent_of, &eligible, k))
}

impl Catchments {
    /// Where the anonymous suggestions of `team`'s people are filed; `None` when the
    /// whole organisation has fewer than k people who could write one.
    pub fn home(&self, team: &str) -> Option<&Place> {
        self.home.get(team).and_then(Option::as_ref)
    }

    /// How many people's anonymous suggestions are filed at `place` (0: none are).
    pub fn size(&self, place: &Place) -> usize {
        self.size.get(place).copied().unwrap_or(0)
    }

    /// Where an anonymous suggestion stored at `stored` (`None`: the organisation) is
    /// shown and counted: where it would be filed now. Where nothing would be (its team
    /// receives nobody now, or the organisation is too small), or the team is unknown,
    /// the organisation: nothing smaller is shown.
    pub fn shown_at(&self, stored: Option<&str>) -> Place {
        stored
            .and_then(|t| self.home(t))
            .cloned()
            .unwrap_or(Place::Organisation)
    }

    /// The stored teams whose anonymous suggestions are shown at one of `shown`, or at
    /// the organisation when `organisation` is set (rows stored with no team are shown
    /// there too; the caller adds them).
    pub fn stored_for(&self, shown: &HashSet<String>, organisation: bool) -> Vec<String> {
        let mut out: Vec<String> = self
            .home
            .keys()
            .filter(|t| match self.shown_at(Some(t)) {
                Place::Team(at) => shown.contains(&at),
                Place::Organisation => organisation,
            })
            .cloned()
            .collect();
        out.sort();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Lcg, parents as tree};

    fn people(counts: &[(&str, usize)]) -> HashMap<String, usize> {
        counts.iter().map(|(t, n)| (t.to_string(), *n)).collect()
    }

    fn at(t: &str) -> Option<Place> {
        Some(Place::Team(t.to_owned()))
    }

    fn size(c: &Catchments, t: &str) -> usize {
        c.size(&Place::Team(t.to_owned()))
    }

    #[test]
    fn a_lone_person_under_a_team_whose_members_file_below_it_passes_up() {
        // company (5) ─ support (0) ─ {tier1 (5), night (1)}: under the old rule night's
        // one person was filed at support (subtree 6 ≥ 5), alone there.
        let t = tree(&[
            ("company", None),
            ("support", Some("company")),
            ("tier1", Some("support")),
            ("night", Some("support")),
        ]);
        let c = compute(
            &t,
            &people(&[("company", 5), ("tier1", 5), ("night", 1)]),
            5,
        );
        assert_eq!(c.home("tier1").cloned(), at("tier1"));
        assert_eq!(c.home("night").cloned(), at("company"));
        assert_eq!(c.home("support").cloned(), at("company"));
        assert_eq!(size(&c, "support"), 0);
        assert_eq!(size(&c, "company"), 6);
        assert_eq!(c.size(&Place::Organisation), 0);
        assert_eq!(c.shown_at(Some("support")), Place::Team("company".into()));
        let shown: HashSet<String> = ["company".to_owned()].into();
        assert_eq!(c.stored_for(&shown, false), ["company", "night", "support"]);
        assert!(c.stored_for(&HashSet::new(), true).is_empty());
    }

    #[test]
    fn a_short_top_level_team_takes_in_the_smallest_pool_below_it_by_id() {
        // root (0) ─ {b (5), a (5), c (1)}: c's one reaches root, which takes in one of
        // the two equal pools — by id, so `a`, whatever the names.
        let t = tree(&[
            ("root", None),
            ("a", Some("root")),
            ("b", Some("root")),
            ("c", Some("root")),
        ]);
        let c = compute(&t, &people(&[("a", 5), ("b", 5), ("c", 1)]), 5);
        assert_eq!(c.home("c").cloned(), at("root"));
        assert_eq!(c.home("a").cloned(), at("root"));
        assert_eq!(c.home("b").cloned(), at("b"));
        assert_eq!((size(&c, "root"), size(&c, "a"), size(&c, "b")), (6, 0, 5));
        // A top-level team of nobody, whose children all keep their own, takes in none;
        // nobody files at the organisation either.
        let c = compute(&t, &people(&[("a", 5), ("b", 5), ("c", 5)]), 5);
        assert_eq!(
            ["a", "b", "c"].map(|t| c.home(t).cloned()),
            [at("a"), at("b"), at("c")]
        );
        assert_eq!((c.home("root"), size(&c, "root")), (None, 0));
        assert_eq!(c.shown_at(Some("root")), Place::Organisation);
    }

    #[test]
    fn a_top_level_tree_with_fewer_than_k_people_files_at_the_organisation() {
        // ops (5) and legal (2) ─ desk (2): legal's tree holds 4 < 5, so it passes up to
        // the organisation, which takes in the smallest pool kept below it (ops).
        let t = tree(&[("ops", None), ("legal", None), ("desk", Some("legal"))]);
        let c = compute(&t, &people(&[("ops", 5), ("legal", 2), ("desk", 2)]), 5);
        for team in ["ops", "legal", "desk"] {
            assert_eq!(c.home(team), Some(&Place::Organisation), "{team}");
        }
        assert_eq!(c.size(&Place::Organisation), 9);
        // With two trees big enough of their own, only the small one is taken: the
        // smaller of x and y, by size, then id.
        let t = tree(&[
            ("ops", None),
            ("x", Some("ops")),
            ("y", Some("ops")),
            ("legal", None),
            ("desk", Some("legal")),
        ]);
        let c = compute(
            &t,
            &people(&[("x", 6), ("y", 5), ("legal", 2), ("desk", 2)]),
            5,
        );
        assert_eq!(c.home("x").cloned(), at("x"));
        for team in ["y", "legal", "desk", "ops"] {
            assert_eq!(c.home(team), Some(&Place::Organisation), "{team}");
        }
        assert_eq!(c.size(&Place::Organisation), 9);
        // Rows stored at a team now filed at the organisation are shown there.
        assert_eq!(c.shown_at(Some("desk")), Place::Organisation);
        assert_eq!(c.shown_at(None), Place::Organisation);
        let x: HashSet<String> = ["x".to_owned()].into();
        assert_eq!(c.stored_for(&x, false), ["x"]);
        assert_eq!(c.stored_for(&x, true), ["desk", "legal", "ops", "x", "y"]);
    }

    #[test]
    fn an_organisation_with_fewer_than_k_people_files_nothing() {
        let t = tree(&[("ops", None), ("legal", None), ("desk", Some("legal"))]);
        let c = compute(&t, &people(&[("ops", 1), ("legal", 1), ("desk", 2)]), 5);
        for team in ["ops", "legal", "desk"] {
            assert_eq!(c.home(team), None, "{team}");
        }
        assert_eq!(c.size(&Place::Organisation), 0);
    }

    #[test]
    fn on_random_trees_every_receiving_team_has_k_and_everyone_lands_once() {
        let mut rng = Lcg(0x5eed);
        // How often the cases refuse someone, and pass someone up past a team that keeps.
        let (mut refusing, mut passing, mut organisation) = (0, 0, 0);
        for case in 0..2_000 {
            let n = 1 + rng.below(25);
            let k = 3 + rng.below(5);
            let mut parent_of = HashMap::new();
            let mut eligible = HashMap::new();
            for i in 0..n {
                // Ids in random order against the tree shape; a few forests.
                let id = format!("t{:02}", (i * 7 + case) % 97);
                let parent = (i > 0 && rng.below(6) > 0)
                    .then(|| format!("t{:02}", (rng.below(i) * 7 + case) % 97));
                parent_of.insert(id.clone(), parent);
                let people = [0, 0, 1, 1, 2, 3, 5, 8][rng.below(8)];
                eligible.insert(id, people);
            }
            let c = compute(&parent_of, &eligible, k);
            let up = |t: &str| {
                let mut chain = vec![t.to_owned()];
                while let Some(Some(p)) = parent_of.get(chain.last().map_or("", |s| s)) {
                    chain.push(p.clone());
                }
                chain
            };
            let total: usize = eligible.values().sum();
            // Everyone lands at exactly one place, on their own chain or at the
            // organisation, or the whole organisation has fewer than k people (a team of
            // nobody may land nowhere).
            let mut landed: HashMap<Place, usize> = HashMap::new();
            for (team, n) in &eligible {
                let chain = up(team);
                match c.home(team) {
                    Some(Place::Team(h)) => {
                        assert!(chain.iter().any(|a| a == h), "case {case}: {team} → {h}");
                        passing += usize::from(h != team && *n > 0);
                        *landed.entry(Place::Team(h.clone())).or_default() += n;
                    }
                    Some(Place::Organisation) => {
                        organisation += usize::from(*n > 0);
                        *landed.entry(Place::Organisation).or_default() += n;
                    }
                    None if *n > 0 => {
                        assert!(total < k, "case {case}: {team} refused among {total}");
                        refusing += 1;
                    }
                    None => {}
                }
            }
            // Every receiving place's catchment is what lands there, and at least k.
            for (place, n) in &landed {
                assert_eq!(c.size(place), *n, "case {case}");
                if *n > 0 {
                    assert!(*n >= k, "case {case}: {place:?} receives {n} < {k}");
                }
            }
            for team in parent_of.keys() {
                let here = Place::Team(team.clone());
                if c.size(&here) > 0 {
                    assert!(c.size(&here) >= k);
                    // A receiving team receives its own people's suggestions.
                    assert_eq!(c.home(team), Some(&here), "case {case}");
                }
                // The fixed point: each team's people land at the nearest team up their
                // chain that receives anything, else at the organisation.
                if let Some(h) = c.home(team) {
                    let nearest = up(team)
                        .into_iter()
                        .map(Place::Team)
                        .find(|a| c.size(a) > 0)
                        .unwrap_or(Place::Organisation);
                    assert_eq!(&nearest, h, "case {case}");
                }
            }
        }
        assert!(
            refusing > 20 && passing > 1_000 && organisation > 100,
            "{refusing} {passing} {organisation}"
        );
    }
}
