//! Driver impact and focus areas in the adversary's hands.
//!
//! The adversary knows every respondent's team and which items each left unanswered —
//! more than a copy of the database gives — and collects every report and every driver
//! impact the API releases. A correlation does not give back a sum, but the adversary
//! here is granted more: every figure released over a set of people (an impact's
//! complete cases) is taken to release *every* sum over that set. A report's mean of an
//! item releases the sum of that item over the group members who answered it. It then
//! looks for a union of fewer than k respondents whose total of some item follows from
//! the released sums; finding one means a small group, or a single answer, is exposed.
//!
//! The search works on *atoms*: per item, people who belong to exactly the same released
//! sets. Any combination of released sums is constant on an atom, so a determined set is
//! a union of atoms; each union of fewer than k people is tested for membership in the
//! row space of the released sums.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::{DRIVERS, GROWTH, ITEMS, Seeded, seed_with};
use crate::helpers::reduce;

/// One released sum: per item, the people it adds up.
type Row = Vec<(usize, Vec<bool>)>;

/// Everyone of the seed, in order Support, Sales, Small: (team id, index in the team).
fn people(s: &Seeded) -> Vec<(String, usize)> {
    [&s.support, &s.sales, &s.small]
        .into_iter()
        .zip(&s.answers)
        .flat_map(|(team, answers)| (0..answers.len()).map(move |i| (team.clone(), i)))
        .collect()
}

fn answered(s: &Seeded, who: &(String, usize), item: usize) -> bool {
    !(who.0 == s.support && who.1 < s.skippers && item == GROWTH)
}

fn items_of(driver: &str) -> Vec<usize> {
    if driver == "engagement_outcome" {
        return vec![0, 1];
    }
    DRIVERS
        .iter()
        .find(|(name, _)| *name == driver)
        .map(|(_, items)| items.to_vec())
        .unwrap_or_else(|| panic!("unknown driver {driver}"))
}

/// The members of a group (a team, or the organisation when `team` is null).
fn members(everyone: &[(String, usize)], team: &Value) -> Vec<bool> {
    everyone
        .iter()
        .map(|p| team.as_str().is_none_or(|t| t == p.0))
        .collect()
}

fn and(a: &[bool], f: impl Fn(usize) -> bool) -> Vec<bool> {
    a.iter().enumerate().map(|(i, &x)| x && f(i)).collect()
}

/// HR's read of `what` (`report`, `impact`) for the organisation and for each team.
async fn every_read(s: &Seeded, what: &str) -> Vec<Value> {
    let mut out = Vec::new();
    for team in [None, Some(&s.support), Some(&s.sales), Some(&s.small)] {
        let mut path = format!("/api/v1/rounds/{}/{what}", s.round);
        if let Some(t) = team {
            path.push_str(&format!("?team_id={t}"));
        }
        let r = s.app.get(&path, Some(&s.hr.token)).await;
        r.expect(200);
        out.push(r.json());
    }
    out
}

/// The sums the reports release: per shown group, each shown question's, its
/// engagement index's and each shown driver's.
async fn report_rows(s: &Seeded, everyone: &[(String, usize)]) -> Vec<Row> {
    let mut rows = Vec::new();
    for rep in every_read(s, "report").await {
        let mut groups = vec![rep["group"].clone()];
        groups.extend(rep["children"].as_array().cloned().unwrap_or_default());
        for g in groups.iter().filter(|g| g["suppressed"] == json!(false)) {
            let set = members(everyone, &g["team_id"]);
            let over = |items: &[usize]| -> Row {
                items
                    .iter()
                    .map(|&j| (j, and(&set, |p| answered(s, &everyone[p], j))))
                    .collect()
            };
            for q in g["questions"].as_array().into_iter().flatten() {
                if q["suppressed"] == json!(false) {
                    let j = s
                        .qids
                        .iter()
                        .position(|id| q["question_id"] == json!(id))
                        .expect("a question of the survey");
                    rows.push(over(&[j]));
                }
            }
            if g["engagement_index"].is_number() {
                rows.push(over(&[0, 1]));
            }
            for d in g["drivers"].as_array().into_iter().flatten() {
                if d["suppressed"] == json!(false) {
                    rows.push(over(&items_of(d["driver"].as_str().expect("driver"))));
                }
            }
        }
    }
    rows
}

/// Every sum over `set`, one per item (over those of the set who answered it): what the
/// adversary is granted for a released impact.
fn every_sum_over(s: &Seeded, everyone: &[(String, usize)], set: &[bool]) -> Vec<Row> {
    (0..ITEMS.len())
        .map(|j| vec![(j, and(set, |p| answered(s, &everyone[p], j)))])
        .collect()
}

/// The complete cases of each released impact (people with an engagement index and a
/// score on every driver the impact models), checked against the `n` it releases.
async fn impact_sets(s: &Seeded, everyone: &[(String, usize)]) -> Vec<(String, Vec<bool>)> {
    let mut sets = Vec::new();
    for impact in every_read(s, "impact").await {
        if impact["released"] != json!(true) {
            continue;
        }
        let modelled: Vec<usize> = impact["drivers"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|d| d["suppressed"] == json!(false))
            .flat_map(|d| items_of(d["driver"].as_str().expect("driver")))
            .collect();
        let set = and(&members(everyone, &impact["team_id"]), |p| {
            let who = &everyone[p];
            answered(s, who, 0)
                && answered(s, who, 1)
                && DRIVERS.iter().all(|(_, items)| {
                    !items.iter().any(|j| modelled.contains(j))
                        || items.iter().any(|&j| answered(s, who, j))
                })
        });
        assert_eq!(
            impact["n"].as_u64(),
            Some(set.iter().filter(|&&x| x).count() as u64),
            "the adversary's reconstruction of {}'s complete cases",
            impact["label"]
        );
        sets.push((impact["label"].as_str().unwrap_or("").to_owned(), set));
    }
    sets
}

/// A union of fewer than `k` people, and the item, whose total the released sums
/// determine; `None` when there is none.
fn exposed(rows: &[Row], people: usize, k: usize) -> Option<(usize, Vec<usize>)> {
    // Per item, the atoms: people by the released sets (row indexes) they are in.
    let mut columns: Vec<(usize, Vec<usize>)> = Vec::new(); // (item, members)
    for item in 0..ITEMS.len() {
        let mut atoms: BTreeMap<Vec<usize>, Vec<usize>> = BTreeMap::new();
        for p in 0..people {
            let signature: Vec<usize> = rows
                .iter()
                .enumerate()
                .filter(|(_, row)| row.iter().any(|(j, set)| *j == item && set[p]))
                .map(|(r, _)| r)
                .collect();
            if !signature.is_empty() {
                atoms.entry(signature).or_default().push(p);
            }
        }
        columns.extend(atoms.into_values().map(|m| (item, m)));
    }
    let width = columns.len();
    let mut matrix: Vec<Vec<f64>> = rows
        .iter()
        .map(|row| {
            columns
                .iter()
                .map(|(item, m)| {
                    let p = m[0];
                    if row.iter().any(|(j, set)| j == item && set[p]) {
                        1.0
                    } else {
                        0.0
                    }
                })
                .collect()
        })
        .collect();
    let pivots = reduce(&mut matrix, width);
    let in_span = |target: &[f64]| {
        let mut t = target.to_vec();
        for &(r, c) in &pivots {
            let row = &matrix[r];
            let f = t[c];
            if f.abs() > 1e-9 {
                for (x, q) in t.iter_mut().zip(row) {
                    *x -= f * q;
                }
            }
        }
        t.iter().all(|x| x.abs() < 1e-9)
    };
    // Unions of atoms of one item with 1 to k − 1 people.
    for item in 0..ITEMS.len() {
        let atoms: Vec<usize> = (0..width).filter(|&c| columns[c].0 == item).collect();
        let mut stack: Vec<(Vec<usize>, usize, usize)> = vec![(vec![], 0, 0)];
        while let Some((chosen, from, size)) = stack.pop() {
            if !chosen.is_empty() {
                let mut t = vec![0.0; width];
                for &c in &chosen {
                    t[c] = 1.0;
                }
                if in_span(&t) {
                    let who = chosen.iter().flat_map(|&c| columns[c].1.clone()).collect();
                    return Some((item, who));
                }
            }
            for (i, &c) in atoms.iter().enumerate().skip(from) {
                let n = columns[c].1.len();
                if size + n < k {
                    let mut next = chosen.clone();
                    next.push(c);
                    stack.push((next, i + 1, size + n));
                }
            }
        }
    }
    None
}

#[tokio::test]
async fn impact_gives_an_adversary_no_set_of_people_the_reports_do_not() {
    // Two of Support leave the optional growth item unanswered: a report's growth mean
    // then covers 28 of Support's 30, its engagement index all 30.
    let s = seed_with(2).await;
    s.app.close_round_now(&s.hr, &s.round).await;
    let everyone = people(&s);
    let k = 5;
    let reports = report_rows(&s, &everyone).await;
    let support = members(&everyone, &json!(s.support));
    let skippers: Vec<usize> = (0..everyone.len())
        .filter(|&p| !answered(&s, &everyone[p], GROWTH))
        .collect();
    assert_eq!(skippers.len(), 2);

    // The reports alone expose nobody.
    assert_eq!(exposed(&reports, everyone.len(), k), None);

    // The attack works: had Support's impact rested on its 28 complete cases, their
    // every sum beside the 30's engagement sums would give the two skippers' answers.
    let mut old = reports.clone();
    old.extend(every_sum_over(
        &s,
        &everyone,
        &and(&support, |p| !skippers.contains(&p)),
    ));
    let (item, who) = exposed(&old, everyone.len(), k).expect("the attack finds the skippers");
    assert_eq!(who, skippers, "item {}", ITEMS[item]);

    // What the API releases: impact for the organisation and Support and Sales (Small
    // is under 25), each over a group the report releases whole.
    let impacts = impact_sets(&s, &everyone).await;
    assert_eq!(
        impacts.len(),
        3,
        "{:?}",
        impacts.iter().map(|i| &i.0).collect::<Vec<_>>()
    );
    let mut all = reports.clone();
    for (label, set) in &impacts {
        assert!(
            reports.iter().any(|row| row.iter().any(|(_, r)| r == set)),
            "{label}'s impact rests on a set of people no report releases"
        );
        all.extend(every_sum_over(&s, &everyone, set));
    }
    assert_eq!(exposed(&all, everyone.len(), k), None);

    // Support's growth, skipped by two, is left out of its impact and says why; the
    // other drivers are modelled over all 30 respondents.
    let r = s
        .app
        .get(
            &format!("/api/v1/rounds/{}/impact?team_id={}", s.round, s.support),
            Some(&s.hr.token),
        )
        .await;
    r.expect(200);
    let impact = r.json();
    assert_eq!(impact["n"], json!(30));
    let growth = super::driver(&impact, "growth");
    assert_eq!(growth["suppressed"], json!(true), "{growth}");
    assert_eq!(growth["hidden"], json!("protects_smaller_group"));
    assert!(growth["r"].is_null() && growth["relative_weight"].is_null());
    assert_eq!(
        super::driver(&impact, "recognition")["suppressed"],
        json!(false)
    );
    assert!(
        impact["focus_areas"]
            .as_array()
            .is_some_and(|f| f.iter().all(|a| a["driver"] != json!("growth")))
    );
}
