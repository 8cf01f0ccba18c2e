//! Where each respondent's answers are stored when a round closes: k by respondents.
//!
//! Every stored (team, segment values) combination must be shared by at least k
//! responses, counted among those who answered — not among those invited, since where one
//! person of a combination answered, the participation list says who and the single
//! response would be theirs. The rule, applied once to all of a round's ballots:
//!
//! 1. Walk the team tree from the leaves up. A team's pool is its own respondents plus
//!    the pools its children passed up. A pool of at least k is stored at that team; a
//!    smaller one is passed to the parent team.
//! 2. A pool still smaller than k at a top-level team takes in the smallest pools
//!    stored below it until it holds k: their answers then count at the top team only
//!    (the small group's answers still count in the organisation's results, and no
//!    report below shows a difference that is theirs).
//! 3. A top-level pool that cannot reach k even so (the whole tree has fewer than k
//!    respondents) is dropped: those answers are never written.
//! 4. Within each stored pool, segment values are generalised to `other`
//!    ([`crate::surveys::generalise`]) until every combination is shared by k.
//!
//! Pure: the caller passes the tree and the respondents and gets, per respondent, the
//! team and segments to store, or `None` where the answer is dropped.

use std::collections::HashMap;

use crate::surveys::generalise::{Segments, generalise};

/// One respondent as their ballot places them: team and segment values.
pub type Placed = (String, Segments);

/// Places `respondents` (team, segments) on the tree given by `parent_of` (team → parent;
/// a team missing from it counts as top-level). Returns one entry per respondent, in
/// order: where to store it, or `None` when it must be dropped.
pub fn place(
    respondents: &[Placed],
    parent_of: &HashMap<String, Option<String>>,
    collected: [bool; 3],
    k: usize,
) -> Vec<Option<Placed>> {
    let k = k.max(1);
    // Depth of each team (a top-level team is 0), so deeper pools settle first.
    let depth_of = |team: &str| -> usize {
        let mut d = 0;
        let mut at = team;
        while let Some(Some(p)) = parent_of.get(at) {
            d += 1;
            if d > parent_of.len() {
                break; // never loop on a cycle
            }
            at = p;
        }
        d
    };
    let mut pools: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, (team, _)) in respondents.iter().enumerate() {
        pools.entry(team.clone()).or_default().push(i);
    }
    let mut order: Vec<(usize, String)> = parent_of
        .keys()
        .chain(pools.keys())
        .map(|t| (depth_of(t), t.clone()))
        .collect();
    order.sort_by(|a, b| b.cmp(a));
    order.dedup();
    // Whether `team` lies strictly below `top`.
    let below = |team: &str, top: &str| -> bool {
        let mut at = team;
        let mut steps = 0;
        while let Some(Some(p)) = parent_of.get(at) {
            if p == top {
                return true;
            }
            steps += 1;
            if steps > parent_of.len() {
                return false;
            }
            at = p;
        }
        false
    };
    let mut stored: Vec<(String, Vec<usize>)> = Vec::new();
    for (depth, team) in order {
        let Some(mut members) = pools.remove(&team) else {
            continue;
        };
        if members.len() >= k {
            stored.push((team, members));
            continue;
        }
        if let Some(Some(parent)) = parent_of.get(&team)
            && depth > 0
            && depth_of(parent) < depth
        {
            pools.entry(parent.clone()).or_default().extend(members);
            continue;
        }
        // A top-level team short of k: take in the smallest pools stored below it.
        let mut under: Vec<usize> = (0..stored.len())
            .filter(|&i| below(&stored[i].0, &team))
            .collect();
        under.sort_by_key(|&i| (stored[i].1.len(), stored[i].0.clone()));
        let mut taken = Vec::new();
        for i in under {
            if members.len() >= k {
                break;
            }
            members.extend(stored[i].1.iter().copied());
            taken.push(i);
        }
        if members.len() >= k {
            taken.sort_unstable_by(|a, b| b.cmp(a));
            for i in taken {
                stored.remove(i);
            }
            stored.push((team, members));
        }
        // Otherwise dropped: left `None`.
    }
    let mut out: Vec<Option<Placed>> = vec![None; respondents.len()];
    for (team, members) in stored {
        let mut segs: Vec<Segments> = members.iter().map(|&i| respondents[i].1.clone()).collect();
        generalise(&mut segs, collected, k);
        for (i, s) in members.into_iter().zip(segs) {
            out[i] = Some((team.clone(), s));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::parents as tree;

    fn r(team: &str, loc: &str) -> Placed {
        (team.to_owned(), [Some(loc.to_owned()), None, None])
    }

    /// Counts of each stored (team, segments) combination.
    fn groups(out: &[Option<Placed>]) -> HashMap<Placed, usize> {
        let mut g = HashMap::new();
        for p in out.iter().flatten() {
            *g.entry(p.clone()).or_default() += 1;
        }
        g
    }

    #[test]
    fn a_lone_respondent_moves_up_to_a_team_that_holds_k() {
        // root ─ dept ─ {a (4 answered), b (1 answered)}, dept itself 1, k = 3.
        let t = tree(&[
            ("root", None),
            ("dept", Some("root")),
            ("a", Some("dept")),
            ("b", Some("dept")),
        ]);
        let mut rs: Vec<Placed> = (0..4).map(|_| r("a", "Berlin")).collect();
        rs.push(r("b", "Berlin"));
        rs.push(r("dept", "Berlin"));
        let out = place(&rs, &t, [true, false, false], 3);
        // a holds its 4; b's one and dept's one are fewer than 3 together: they move to
        // root, which has nobody else, so root takes in a's pool: all 6 count at root,
        // and no report of a or dept could be subtracted from root's to find b's one.
        assert!(
            out.iter()
                .all(|p| p.as_ref().map(|p| p.0.as_str()) == Some("root"))
        );
        for (combo, n) in groups(&out) {
            assert!(n >= 3, "{combo:?} holds {n}");
        }
        // With 3 in b, a and b each hold; the lone dept answer reaches root, which takes
        // in the smallest pool below it (b's 3), not the largest, and a keeps its own.
        let mut rs: Vec<Placed> = (0..4).map(|_| r("a", "Berlin")).collect();
        rs.extend((0..3).map(|_| r("b", "Berlin")));
        rs.push(r("dept", "Berlin"));
        let out = place(&rs, &t, [true, false, false], 3);
        let teams: Vec<Option<&str>> = out
            .iter()
            .map(|p| p.as_ref().map(|p| p.0.as_str()))
            .collect();
        assert_eq!(
            teams,
            [
                Some("a"),
                Some("a"),
                Some("a"),
                Some("a"),
                Some("root"),
                Some("root"),
                Some("root"),
                Some("root")
            ]
        );
    }

    #[test]
    fn small_pools_merge_at_the_parent_and_segments_generalise() {
        // dept has 1 of its own, a has 2, b has 2: a and b pass up, dept holds 5.
        let t = tree(&[("dept", None), ("a", Some("dept")), ("b", Some("dept"))]);
        let rs = vec![
            r("a", "Berlin"),
            r("a", "Berlin"),
            r("b", "Paris"),
            r("b", "Paris"),
            r("dept", "Oslo"),
        ];
        let out = place(&rs, &t, [true, false, false], 3);
        assert!(
            out.iter()
                .all(|p| p.as_ref().map(|p| p.0.as_str()) == Some("dept"))
        );
        let g = groups(&out);
        for (combo, n) in &g {
            assert!(*n >= 3, "{combo:?} holds {n}");
        }
        // No location survives with fewer than 3: Oslo (1) certainly not.
        assert!(
            out.iter()
                .flatten()
                .all(|p| p.1[0].as_deref() != Some("Oslo"))
        );
    }

    #[test]
    fn fewer_than_k_in_the_whole_round_drops_everything() {
        let t = tree(&[("root", None), ("a", Some("root"))]);
        let rs = vec![r("a", "x"), r("root", "y")];
        assert!(place(&rs, &t, [false; 3], 3).iter().all(Option::is_none));
    }

    #[test]
    fn a_small_top_level_team_of_a_forest_is_dropped_not_misfiled() {
        // Two unrelated top-level teams: the small one cannot be filed under the other.
        let t = tree(&[("ops", None), ("legal", None)]);
        let mut rs: Vec<Placed> = (0..5).map(|_| r("ops", "x")).collect();
        rs.push(r("legal", "x"));
        let out = place(&rs, &t, [false; 3], 3);
        assert!(
            out[..5]
                .iter()
                .all(|p| p.as_ref().map(|p| p.0.as_str()) == Some("ops"))
        );
        assert_eq!(out[5], None);
    }

    #[test]
    fn a_team_of_k_respondents_stays_where_it_is() {
        let t = tree(&[("root", None), ("a", Some("root"))]);
        let rs: Vec<Placed> = (0..3).map(|_| r("a", "x")).collect();
        let out = place(&rs, &t, [false; 3], 3);
        assert!(
            out.iter()
                .all(|p| p.as_ref() == Some(&("a".to_owned(), [None, None, None])))
        );
    }
}
