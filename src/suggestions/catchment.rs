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
//! 2. A top-level team whose pool is still short (but not empty: then it receives
//!    nothing) takes in the smallest pools kept below it with no kept pool in between (ties broken by team id, never by a name) until
//!    it holds k.
//! 3. A top-level tree with fewer than k eligible people in all keeps nothing: its people
//!    cannot raise an anonymous suggestion (it would not be anonymous), and they are told so.
//!
//! So a team receives nobody's suggestions or at least k people's; each team's people land
//! at exactly one team (or, in case 3, none), the nearest up their chain that receives
//! anything. The same map is applied when reading: an anonymous suggestion is shown, and
//! counted, at the team that would receive it now, so one filed under an older rule or
//! before the tree changed is rolled up to where its catchment holds k.

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::schema::{people, teams};
use crate::error::ApiError;

/// The catchments of every team for one k.
#[derive(Debug, Clone, Default)]
pub struct Catchments {
    /// Team → the team its people's anonymous suggestions are filed at (`None`: its
    /// top-level tree is too small for anonymous suggestions).
    home: HashMap<String, Option<String>>,
    /// Receiving team → how many eligible people can file there.
    size: HashMap<String, usize>,
    /// Team → its top-level team.
    top: HashMap<String, String>,
}

/// Computes the catchments on the tree `parent_of` (team → parent; a team missing from
/// it, or whose parent is unknown, is top-level) with `eligible` people per team.
pub fn compute(
    parent_of: &HashMap<String, Option<String>>,
    eligible: &HashMap<String, usize>,
    k: usize,
) -> Catchments {
    let k = k.max(1);
    let parent = |team: &str| -> Option<&String> {
        parent_of
            .get(team)
            .and_then(Option::as_ref)
            .filter(|p| parent_of.contains_key(*p))
    };
    let mut all: Vec<&String> = parent_of.keys().chain(eligible.keys()).collect();
    all.sort();
    all.dedup();
    // Each team's depth (a top-level team is 0) and top-level team, one walk per chain.
    // A cycle, which the tree never has, is cut where it closes: that team counts as
    // top-level.
    let mut depth: HashMap<&String, usize> = HashMap::new();
    let mut top: HashMap<&String, &String> = HashMap::new();
    for t in &all {
        if depth.contains_key(*t) {
            continue;
        }
        let mut path = vec![*t];
        let mut on_path: HashSet<&String> = HashSet::from([*t]);
        let (mut d, root) = loop {
            let at = path[path.len() - 1];
            match parent(at) {
                Some(p) if depth.contains_key(p) => break (depth[p] + 1, top[p]),
                Some(p) if on_path.insert(p) => path.push(p),
                _ => break (0, at),
            }
        };
        for at in path.into_iter().rev() {
            depth.insert(at, d);
            top.insert(at, root);
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
        if let Some(pool) = up.and_then(|p| pools.get_mut(p)) {
            pool.0.extend(origins);
            pool.1 += count;
            pool.2.extend(frontier);
            continue;
        }
        if count == 0 {
            // Nobody is left to file here: the kept pools below stay where they are.
            refused.extend(origins);
            continue;
        }
        // A top-level team short of k takes in the smallest pools kept below it with no
        // other kept pool in between (their people have no nearer team to go to).
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
        } else {
            refused.extend(origins);
        }
    }

    let mut out = Catchments::default();
    for (team, (origins, count)) in kept {
        for o in origins {
            out.home.insert(o.clone(), Some(team.clone()));
        }
        out.size.insert(team.clone(), count);
    }
    for o in refused {
        out.home.insert(o.clone(), None);
    }
    for (t, root) in top {
        out.top.insert(t.clone(), root.clone());
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
    /// Where the anonymous suggestions of `team`'s people are filed; `None` when its
    /// top-level tree has fewer than k people who could write one.
    pub fn home(&self, team: &str) -> Option<&str> {
        self.home.get(team).and_then(|h| h.as_deref())
    }

    /// How many people's anonymous suggestions are filed at `team` (0: none are).
    pub fn size(&self, team: &str) -> usize {
        self.size.get(team).copied().unwrap_or(0)
    }

    /// The team an anonymous suggestion stored at `stored` is shown and counted at: the
    /// team that would receive it now. Where none would (its tree is too small now, or
    /// it is the top of a tree whose people all file below it), its top-level team:
    /// nothing smaller is shown. An unknown team as it is.
    pub fn shown_at(&self, stored: &str) -> String {
        self.home(stored)
            .or_else(|| self.top.get(stored).map(String::as_str))
            .unwrap_or(stored)
            .to_owned()
    }

    /// The stored teams whose anonymous suggestions are shown at one of `shown`.
    pub fn stored_for(&self, shown: &HashSet<String>) -> Vec<String> {
        let mut out: Vec<String> = self
            .top
            .keys()
            .filter(|t| shown.contains(&self.shown_at(t)))
            .cloned()
            .collect();
        out.sort();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(edges: &[(&str, Option<&str>)]) -> HashMap<String, Option<String>> {
        edges
            .iter()
            .map(|(t, p)| (t.to_string(), p.map(str::to_owned)))
            .collect()
    }

    fn people(counts: &[(&str, usize)]) -> HashMap<String, usize> {
        counts.iter().map(|(t, n)| (t.to_string(), *n)).collect()
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
        assert_eq!(c.home("tier1"), Some("tier1"));
        assert_eq!(c.home("night"), Some("company"));
        assert_eq!(c.home("support"), Some("company"));
        assert_eq!(c.size("support"), 0);
        assert_eq!(c.size("company"), 6);
        assert_eq!(c.shown_at("support"), "company");
        let shown: HashSet<String> = ["company".to_owned()].into();
        assert_eq!(c.stored_for(&shown), ["company", "night", "support"]);
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
        assert_eq!(c.home("c"), Some("root"));
        assert_eq!(c.home("a"), Some("root"));
        assert_eq!(c.home("b"), Some("b"));
        assert_eq!((c.size("root"), c.size("a"), c.size("b")), (6, 0, 5));
        // A top-level team of nobody, whose children all keep their own, takes in none.
        let c = compute(&t, &people(&[("a", 5), ("b", 5), ("c", 5)]), 5);
        assert_eq!(
            ["a", "b", "c"].map(|t| c.home(t)),
            [Some("a"), Some("b"), Some("c")]
        );
        assert_eq!((c.home("root"), c.size("root")), (None, 0));
    }

    #[test]
    fn a_tree_with_fewer_than_k_people_files_nothing() {
        let t = tree(&[("ops", None), ("legal", None), ("desk", Some("legal"))]);
        let c = compute(&t, &people(&[("ops", 5), ("legal", 2), ("desk", 2)]), 5);
        assert_eq!(c.home("ops"), Some("ops"));
        assert_eq!(c.home("legal"), None);
        assert_eq!(c.home("desk"), None);
        // Rows stored there earlier are shown at the top of their own tree, never
        // under the other one.
        assert_eq!(c.shown_at("desk"), "legal");
    }

    /// A small deterministic generator (no dependency, the same trees every run).
    struct Lcg(u64);
    impl Lcg {
        fn below(&mut self, n: usize) -> usize {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((self.0 >> 33) % n.max(1) as u64) as usize
        }
    }

    #[test]
    fn on_random_trees_every_receiving_team_has_k_and_everyone_lands_once() {
        let mut rng = Lcg(0x5eed);
        // How often the cases refuse someone, and pass someone up past a team that keeps.
        let (mut refusing, mut passing) = (0, 0);
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
            // Everyone lands at exactly one team, on their own chain, or their whole
            // top-level tree has fewer than k people (a team of nobody may land nowhere).
            let mut landed: HashMap<String, usize> = HashMap::new();
            for (team, n) in &eligible {
                let chain = up(team);
                match c.home(team) {
                    Some(h) => {
                        assert!(chain.iter().any(|a| a == h), "case {case}: {team} → {h}");
                        passing += usize::from(h != team && *n > 0);
                        *landed.entry(h.to_owned()).or_default() += n;
                    }
                    None if *n > 0 => {
                        let top = chain.last().cloned().unwrap_or_default();
                        let in_tree: usize = eligible
                            .iter()
                            .filter(|(t, _)| up(t).last() == Some(&top))
                            .map(|(_, n)| n)
                            .sum();
                        assert!(
                            in_tree < k,
                            "case {case}: {team} refused in a tree of {in_tree}"
                        );
                        refusing += 1;
                    }
                    None => {}
                }
            }
            // Every receiving team's catchment is what lands there, and at least k.
            for (team, n) in &landed {
                assert_eq!(c.size(team), *n, "case {case}");
                if *n > 0 {
                    assert!(*n >= k, "case {case}: {team} receives {n} < {k}");
                }
            }
            for team in parent_of.keys() {
                if c.size(team) > 0 {
                    assert!(c.size(team) >= k);
                    // A receiving team receives its own people's suggestions.
                    assert_eq!(c.home(team), Some(team.as_str()), "case {case}");
                }
                // The fixed point: each team's people land at the nearest team up their
                // chain that receives anything.
                if let Some(h) = c.home(team) {
                    let nearest = up(team).into_iter().find(|a| c.size(a) > 0);
                    assert_eq!(nearest.as_deref(), Some(h), "case {case}");
                }
            }
        }
        assert!(refusing > 100 && passing > 1_000, "{refusing} {passing}");
    }
}
