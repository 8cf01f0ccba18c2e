//! Write-time k-anonymity of segmentation values.
//!
//! A response stores its team and the segment values the survey collects (location,
//! job family, tenure band). Every stored combination within a team must be shared by
//! at least k members of that team's audience, or the combination would point at a
//! handful of people. The rule: while some member's combination is shared by fewer than
//! k members, replace the rarest value (across the team, among the values of those
//! members) with `other`. The mapping is computed once per team when a round opens, from
//! the audience, so every respondent of the team is generalised the same way.

use std::collections::HashMap;

pub const OTHER: &str = "other";

/// One member's segment values: location, job family, tenure band (`None` where the
/// survey does not collect that cut).
pub type Segments = [Option<String>; 3];

/// Generalises the members of one team in place so that every combination is shared by
/// at least `k` of them. Values of collected cuts that a member lacks become `other`.
/// A team smaller than `k` ends with every collected value `other`.
pub fn generalise(members: &mut [Segments], collected: [bool; 3], k: usize) {
    for m in members.iter_mut() {
        for (dim, on) in collected.iter().enumerate() {
            m[dim] = if *on {
                Some(
                    m[dim]
                        .take()
                        .filter(|v| !v.trim().is_empty())
                        .unwrap_or_else(|| OTHER.to_owned()),
                )
            } else {
                None
            };
        }
    }
    loop {
        let mut combos: HashMap<&Segments, usize> = HashMap::new();
        for m in members.iter() {
            *combos.entry(m).or_default() += 1;
        }
        let violators: Vec<usize> = (0..members.len())
            .filter(|&i| combos[&members[i]] < k)
            .collect();
        if violators.is_empty() {
            return;
        }
        // Team-wide frequency of each (cut, value) that is not yet `other`.
        let mut freq: HashMap<(usize, &str), usize> = HashMap::new();
        for m in members.iter() {
            for (dim, v) in m.iter().enumerate() {
                if let Some(v) = v.as_deref().filter(|v| *v != OTHER) {
                    *freq.entry((dim, v)).or_default() += 1;
                }
            }
        }
        let candidates = |only: Option<&[usize]>| -> Option<(usize, String)> {
            // (team-wide frequency, cut, value): the smallest is generalised first.
            type Rank<'a> = (usize, usize, &'a str);
            let mut best: Option<Rank> = None;
            let rows: Box<dyn Iterator<Item = usize>> = match only {
                Some(ix) => Box::new(ix.iter().copied()),
                None => Box::new(0..members.len()),
            };
            for i in rows {
                for (dim, v) in members[i].iter().enumerate() {
                    if let Some(v) = v.as_deref().filter(|v| *v != OTHER) {
                        let key = (freq[&(dim, v)], dim, v);
                        if best.is_none_or(|b| key < b) {
                            best = Some(key);
                        }
                    }
                }
            }
            best.map(|(_, dim, v)| (dim, v.to_owned()))
        };
        let Some((dim, value)) = candidates(Some(&violators)).or_else(|| candidates(None)) else {
            return; // everything is already `other`: the team itself is smaller than k
        };
        for m in members.iter_mut() {
            if m[dim].as_deref() == Some(value.as_str()) {
                m[dim] = Some(OTHER.to_owned());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn seg(l: &str, j: &str, t: &str) -> Segments {
        [Some(l.into()), Some(j.into()), Some(t.into())]
    }

    fn loc(l: &str) -> Segments {
        [Some(l.into()), None, None]
    }

    #[test]
    fn a_lone_berliner_in_a_team_of_six_is_stored_as_other() {
        let mut team: Vec<Segments> = (0..5).map(|_| seg("Paris", "Sales", "1-2y")).collect();
        team.push(seg("Berlin", "Sales", "1-2y"));
        generalise(&mut team, [true, false, false], 5);
        assert_eq!(team[5][0].as_deref(), Some("other"));
        // An `other` of one would still be the Berliner, so Paris goes too: 5 + 1 with
        // k = 5 leaves nothing below the team.
        assert!(
            team.iter()
                .all(|m| m == &[Some("other".into()), None, None])
        );
    }

    #[test]
    fn the_rarest_value_goes_first() {
        // Six in Paris, five in Rome, one in Berlin, k = 5: Berlin goes first; alone in
        // `other` it still needs company, and Rome (5) is rarer than Paris (6).
        let mut team: Vec<Segments> = (0..6).map(|_| loc("Paris")).collect();
        team.extend((0..5).map(|_| loc("Rome")));
        team.push(loc("Berlin"));
        generalise(&mut team, [true, false, false], 5);
        assert!(team[..6].iter().all(|m| m == &loc("Paris")));
        assert!(team[6..].iter().all(|m| m == &loc("other")));
    }

    #[test]
    fn a_team_smaller_than_k_keeps_nothing() {
        let mut team = vec![seg("A", "B", "<1y"), seg("A", "B", "<1y")];
        generalise(&mut team, [true, true, true], 3);
        assert!(
            team.iter()
                .all(|m| m.iter().all(|v| v.as_deref() == Some("other")))
        );
    }

    #[test]
    fn missing_values_count_as_other() {
        let mut team: Vec<Segments> = (0..3).map(|_| [None, Some("X".into()), None]).collect();
        generalise(&mut team, [true, true, false], 3);
        assert!(
            team.iter()
                .all(|m| m == &[Some("other".into()), Some("X".into()), None])
        );
    }

    fn member() -> impl Strategy<Value = Segments> {
        (
            proptest::option::of(prop_oneof!["Berlin", "Paris", "Oslo", "Rome"]),
            proptest::option::of(prop_oneof!["Sales", "Support", "Eng"]),
            proptest::option::of(prop_oneof!["<1y", "1-2y", "2-5y", "5y+"]),
        )
            .prop_map(|(a, b, c)| [a, b, c])
    }

    proptest! {
        #[test]
        fn every_stored_combination_is_shared_by_k_members(
            mut team in proptest::collection::vec(member(), 1..40),
            collected in proptest::array::uniform3(any::<bool>()),
            k in 3usize..7,
        ) {
            let original = team.clone();
            generalise(&mut team, collected, k);
            let mut counts: HashMap<&Segments, usize> = HashMap::new();
            for m in &team {
                *counts.entry(m).or_default() += 1;
            }
            if team.len() >= k {
                for (combo, n) in &counts {
                    prop_assert!(*n >= k, "{combo:?} shared by {n} < {k}");
                }
            }
            for (before, after) in original.iter().zip(&team) {
                for dim in 0..3 {
                    if !collected[dim] {
                        prop_assert!(after[dim].is_none());
                    } else {
                        // A value is kept or generalised, never changed into another.
                        let a = after[dim].as_deref().unwrap_or("");
                        prop_assert!(a == OTHER || before[dim].as_deref() == Some(a));
                    }
                }
            }
        }
    }
}
