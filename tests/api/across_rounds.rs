//! Differencing across rounds, attacked as an HR user would through the API alone: the
//! reports of two rounds of one survey, read in full (every team, every child), compared
//! group by group under the attacker's best assumption — everyone who answered both
//! rounds answered the same way twice — to recover the answer of the one person who
//! joined in between.
//!
//! Before the plan compared rounds, both attacks below recovered the joiner's answer
//! exactly (checked by running them on the code without `reports::across_rounds`).

use std::collections::HashMap;

use serde_json::Value;

use crate::helpers::*;
use crate::surveys::{Pulse, answers, close_round, create_survey, open_round, submit, survey_body};

/// What a released group says of the likert question: (respondents, sum of answers),
/// exact from the distribution.
type Sums = (i64, i64);

fn likert_sums(group: &Value, p: &Pulse) -> Option<Sums> {
    if group["suppressed"].as_bool() != Some(false) {
        return None;
    }
    let q = group["questions"]
        .as_array()?
        .iter()
        .find(|q| q["question_id"] == p.likert.as_str())?;
    if q["suppressed"].as_bool() != Some(false) {
        return None;
    }
    let buckets = q["distribution"].as_array()?;
    let (mut n, mut sum) = (0, 0);
    for b in buckets {
        let value: i64 = b["label"].as_str()?.parse().ok()?;
        let count = b["count"].as_i64()?;
        n += count;
        sum += value * count;
    }
    Some((n, sum))
}

/// Every group of the round an HR user can read, by team id (`""`: the organisation),
/// as released and as worked out by subtraction (a parent minus its other shown
/// children).
async fn view(app: &TestApp, hr: &Actor, p: &Pulse, teams: &[&str]) -> HashMap<String, Sums> {
    let mut shown: HashMap<String, Sums> = HashMap::new();
    let mut derived: Vec<(String, Sums)> = Vec::new();
    for team in std::iter::once("").chain(teams.iter().copied()) {
        let path = if team.is_empty() {
            format!("/api/v1/rounds/{}/report", p.round)
        } else {
            format!("/api/v1/rounds/{}/report?team_id={team}", p.round)
        };
        let r = app.get(&path, Some(&hr.token)).await;
        r.expect(200);
        let report = r.json();
        let Some(whole) = likert_sums(&report["group"], p) else {
            continue;
        };
        shown.insert(team.to_owned(), whole);
        let children: Vec<(String, Option<Sums>)> = report["children"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| {
                (
                    c["team_id"].as_str().unwrap_or_default().to_owned(),
                    likert_sums(c, p),
                )
            })
            .collect();
        for (id, _) in &children {
            let (mut n, mut sum) = whole;
            for (other, s) in &children {
                if other != id
                    && let Some((cn, cs)) = s
                {
                    n -= cn;
                    sum -= cs;
                }
            }
            derived.push((id.clone(), (n, sum)));
        }
    }
    for (id, s) in derived {
        shown.entry(id).or_insert(s);
    }
    shown
}

/// The joiner's answers the attacker recovers: for every group known in both rounds
/// whose respondents grew by exactly one, the difference of the sums.
fn recovered(before: &HashMap<String, Sums>, after: &HashMap<String, Sums>) -> Vec<i64> {
    before
        .iter()
        .filter_map(|(id, (n1, s1))| {
            let (n2, s2) = after.get(id)?;
            (*n2 == n1 + 1).then_some(s2 - s1)
        })
        .collect()
}

/// The likert answer of person `i` who answers both rounds: varied, never uniform.
/// The survey's trend for the team, as HR reads it.
async fn trend_of(app: &TestApp, hr: &Actor, survey: &str, team: &str) -> Value {
    app.get(
        &format!("/api/v1/surveys/{survey}/trend?team_id={team}"),
        Some(&hr.token),
    )
    .await
    .json()
}

fn answer_of(i: usize) -> u8 {
    (i % 5) as u8 + 1
}

#[tokio::test]
async fn one_joiner_between_rounds_is_not_isolated_by_subtracting_them() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let team = app.create_team(&hr, "Support", None, "frontline").await;
    let staff = app.seed_people(&team, 11, |_| (None, None, None)).await;
    let survey = create_survey(&app, &hr, survey_body(&[&team], &[])).await;
    let p1 = open_round(&app, &hr, &survey).await;
    for (i, who) in staff.iter().enumerate() {
        submit(&app, who, &p1, answers(&p1, answer_of(i), None))
            .await
            .expect(201);
    }
    close_round(&app, &hr, &p1).await;
    let before = view(&app, &hr, &p1, &[&team]).await;
    assert_eq!(before.get(&team), Some(&(11, 31)), "round 1 is released");

    let joiner = app.seed_people(&team, 1, |_| (None, None, None)).await;
    let p2 = open_round(&app, &hr, &survey).await;
    for (i, who) in staff.iter().enumerate() {
        submit(&app, who, &p2, answers(&p2, answer_of(i), None))
            .await
            .expect(201);
    }
    submit(&app, &joiner[0], &p2, answers(&p2, 2, None))
        .await
        .expect(201);
    close_round(&app, &hr, &p2).await;
    let after = view(&app, &hr, &p2, &[&team]).await;
    let got = recovered(&before, &after);
    assert!(
        got.is_empty(),
        "subtracting round 1 from round 2 gives the joiner's answer: {got:?}"
    );
    // The trend reads the same plans: no two shown points differ by one respondent.
    let trend = trend_of(&app, &hr, &survey, &team).await;
    let shown: Vec<i64> = trend["points"]
        .as_array()
        .expect("points")
        .iter()
        .filter(|p| p["suppressed"] == false)
        .filter_map(|p| p["n"].as_i64())
        .collect();
    assert_eq!(shown, vec![11], "the trend shows round 1 and hides round 2");
    // The later round is not simply withheld for good: a third round with five more
    // people differs from both by at least k and is released again.
    let more = app.seed_people(&team, 5, |_| (None, None, None)).await;
    let p3 = open_round(&app, &hr, &survey).await;
    for (i, who) in staff.iter().chain(&more).enumerate() {
        submit(&app, who, &p3, answers(&p3, answer_of(i), None))
            .await
            .expect(201);
    }
    close_round(&app, &hr, &p3).await;
    let third = view(&app, &hr, &p3, &[&team]).await;
    assert_eq!(
        third.get(&team).map(|s| s.0),
        Some(16),
        "round 3 is released"
    );
}

#[tokio::test]
async fn a_joiner_is_not_isolated_through_a_parent_minus_a_sibling_either() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let parent = app.create_team(&hr, "Operations", None, "frontline").await;
    let t = app
        .create_team(&hr, "Support", Some(&parent), "frontline")
        .await;
    let s = app
        .create_team(&hr, "Billing", Some(&parent), "frontline")
        .await;
    let in_t = app.seed_people(&t, 11, |_| (None, None, None)).await;
    let in_s = app.seed_people(&s, 10, |_| (None, None, None)).await;
    let survey = create_survey(&app, &hr, survey_body(&[&parent], &[])).await;
    let p1 = open_round(&app, &hr, &survey).await;
    for (i, who) in in_t.iter().chain(&in_s).enumerate() {
        submit(&app, who, &p1, answers(&p1, answer_of(i), None))
            .await
            .expect(201);
    }
    close_round(&app, &hr, &p1).await;
    let teams = [parent.as_str(), t.as_str(), s.as_str()];
    let before = view(&app, &hr, &p1, &teams).await;
    assert!(before.contains_key(&t) && before.contains_key(&s));

    // One joins Support; five join Billing, so Billing and the parent each differ from
    // round 1 by at least k, and only Support by one.
    let joiner = app.seed_people(&t, 1, |_| (None, None, None)).await;
    let new_s = app.seed_people(&s, 5, |_| (None, None, None)).await;
    let p2 = open_round(&app, &hr, &survey).await;
    for (i, who) in in_t.iter().chain(&in_s).enumerate() {
        submit(&app, who, &p2, answers(&p2, answer_of(i), None))
            .await
            .expect(201);
    }
    for who in &new_s {
        submit(&app, who, &p2, answers(&p2, 3, None))
            .await
            .expect(201);
    }
    submit(&app, &joiner[0], &p2, answers(&p2, 5, None))
        .await
        .expect(201);
    close_round(&app, &hr, &p2).await;
    let after = view(&app, &hr, &p2, &teams).await;
    let got = recovered(&before, &after);
    assert!(
        got.is_empty(),
        "Support's round-2 sum, worked out as the parent minus Billing, less its round-1 \
         sum, gives the joiner's answer: {got:?}"
    );
    // Less is hidden than everything: the parent (or Billing) still shows.
    assert!(
        after.contains_key(&parent) || after.contains_key(&s),
        "round 2 shows nothing at all: {after:?}"
    );
}

/// How many of a released group's answers to the choice question are "Mail".
fn mail_count(group: &Value, p: &Pulse) -> Option<i64> {
    let q = group["questions"]
        .as_array()?
        .iter()
        .find(|q| q["question_id"] == p.choice.as_str())?;
    if q["suppressed"].as_bool() != Some(false) {
        return None;
    }
    q["distribution"]
        .as_array()?
        .iter()
        .find(|b| b["label"] == "Mail")
        .and_then(|b| b["count"].as_i64())
        .or(Some(0))
}

#[tokio::test]
async fn renaming_a_team_between_rounds_does_not_flip_which_equal_child_is_hidden() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let support = app.create_team(&hr, "Support", None, "frontline").await;
    let a = app
        .create_team(&hr, "Support A", Some(&support), "frontline")
        .await;
    let b = app
        .create_team(&hr, "Support B", Some(&support), "frontline")
        .await;
    // Support's own five answer; of them only the lead answers the optional choice
    // question, so that item's Support total less its two equal children is the lead.
    let own = app.seed_people(&support, 5, |_| (None, None, None)).await;
    let in_a = app.seed_people(&a, 10, |_| (None, None, None)).await;
    let in_b = app.seed_people(&b, 10, |_| (None, None, None)).await;
    let survey = create_survey(&app, &hr, survey_body(&[&support], &[])).await;
    let mut seen = Vec::new();
    for round in 0..2 {
        let p = open_round(&app, &hr, &survey).await;
        let body = |choice: Option<&str>, likert: u8| {
            let mut a = vec![
                serde_json::json!({"question_id": p.likert, "value": likert}),
                serde_json::json!({"question_id": p.enps, "value": 9}),
            ];
            if let Some(c) = choice {
                a.push(serde_json::json!({"question_id": p.choice, "choice": c}));
            }
            serde_json::json!({ "answers": a })
        };
        for (i, who) in own.iter().enumerate() {
            let choice = (i == 0).then_some("Mail");
            submit(&app, who, &p, body(choice, answer_of(i)))
                .await
                .expect(201);
        }
        for (i, who) in in_a.iter().chain(&in_b).enumerate() {
            let choice = if i % 3 == 0 { "Mail" } else { "Chat" };
            submit(&app, who, &p, body(Some(choice), answer_of(i)))
                .await
                .expect(201);
        }
        close_round(&app, &hr, &p).await;
        let r = app
            .get(
                &format!("/api/v1/rounds/{}/report?team_id={support}", p.round),
                Some(&hr.token),
            )
            .await
            .json();
        let shown: HashMap<String, i64> = r["children"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| Some((c["team_id"].as_str()?.to_owned(), mail_count(c, &p)?)))
            .collect();
        let whole = mail_count(&r["group"], &p).expect("Support's choice item is released");
        assert_eq!(
            shown.len(),
            1,
            "one of two equal children is hidden: {shown:?}"
        );
        seen.push((whole, shown));
        if round == 0 {
            // Swap the names' order: the hidden child sorts first now.
            let hidden = if seen[0].1.contains_key(&a) { &b } else { &a };
            let other = if hidden == &a { &b } else { &a };
            for (team, name) in [(hidden, "Zz Support"), (other, "Aa Support")] {
                app.json(
                    poem::http::Method::PATCH,
                    &format!("/api/v1/teams/{team}"),
                    Some(&hr.token),
                    serde_json::json!({ "name": name }),
                )
                .await
                .expect(200);
            }
        }
    }
    // The attack: Support less A from one round and B from the other is the lead.
    let a_any = seen[0].1.get(&a).or(seen[1].1.get(&a));
    let b_any = seen[0].1.get(&b).or(seen[1].1.get(&b));
    let lead = a_any.zip(b_any).map(|(x, y)| seen[1].0 - x - y);
    assert_eq!(
        lead, None,
        "Support minus A (one round) minus B (the other) gives the lead's choice"
    );
}

/// Three closed rounds of one survey of one team: 11 answer, then a joiner makes 12,
/// then five more make 17 (the second round is the one a subtraction would expose).
async fn three_rounds(app: &TestApp, hr: &Actor) -> (String, String, Vec<Pulse>) {
    let team = app.create_team(hr, "Support", None, "frontline").await;
    let survey = create_survey(app, hr, survey_body(&[&team], &[])).await;
    let mut people = Vec::new();
    let mut rounds = Vec::new();
    for joining in [11, 1, 5] {
        people.extend(
            app.seed_people(&team, joining, |_| (None, None, None))
                .await,
        );
        let p = open_round(app, hr, &survey).await;
        for (i, who) in people.iter().enumerate() {
            submit(app, who, &p, answers(&p, answer_of(i), None))
                .await
                .expect(201);
        }
        close_round(app, hr, &p).await;
        rounds.push(p);
    }
    (team, survey, rounds)
}

/// A server that has planned nothing yet, asked for the third round of a survey first,
/// plans the two before it from where their answers are stored alone (their groups, no
/// answers), and releases exactly what a server that read every round in order
/// releases. It keeps the earlier rounds' footprints, not the rounds themselves.
#[tokio::test]
async fn a_fresh_server_plans_a_later_round_on_the_footprints_of_the_earlier_ones() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let (team, _, rounds) = three_rounds(&app, &hr).await;
    let fresh = spawn_app_on(&app.database_url).await;
    let third_first = view(&fresh, &hr, &rounds[2], &[&team]).await;
    for p in &rounds[..2] {
        assert!(
            !fresh.state.rounds.holds(&p.round),
            "an earlier round's answers were loaded and kept to plan the third"
        );
    }
    assert_eq!(
        fresh.state.rounds.planned(),
        1,
        "only the third is planned in full"
    );
    let mut in_order = Vec::new();
    for p in &rounds {
        in_order.push(view(&app, &hr, p, &[&team]).await);
    }
    assert_eq!(
        third_first, in_order[2],
        "the third round's releases differ"
    );
    assert_eq!(third_first.get(&team).map(|s| s.0), Some(17));
    let second = view(&fresh, &hr, &rounds[1], &[&team]).await;
    assert_eq!(second, in_order[1], "the second round's releases differ");
    assert!(
        recovered(&in_order[0], &second).is_empty(),
        "the joiner of round 2 is isolated by subtracting round 1"
    );
}

/// A trend reads each round's point of the team kept with the round's footprint: with
/// room for one planned round only, a trend over three plans each round once, and
/// reading it again plans none, with the same points as the API's trend.
#[tokio::test]
async fn a_trend_over_more_rounds_than_are_kept_plans_each_round_once() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let (team, survey, rounds) = three_rounds(&app, &hr).await;
    let trend = trend_of(&app, &hr, &survey, &team).await;
    let api: Vec<(bool, Option<i64>, Option<f64>)> = trend["points"]
        .as_array()
        .expect("points")
        .iter()
        .map(|p| (p["suppressed"] == true, p["n"].as_i64(), p["enps"].as_f64()))
        .collect();
    assert_eq!(api.len(), 3);
    assert_eq!(
        api.iter().map(|p| p.1).collect::<Vec<_>>(),
        [Some(11), None, Some(17)],
        "round 2 is hidden, rounds 1 and 3 shown"
    );
    let small = std::sync::Arc::new(pulseline::reports::closed_rounds::RoundCache::new(1));
    let read = |cache: std::sync::Arc<pulseline::reports::closed_rounds::RoundCache>| {
        let ids: Vec<String> = rounds.iter().map(|p| p.round.clone()).collect();
        let team = team.clone();
        app.state.db.read_blocking(move |conn| {
            let mut out = Vec::new();
            for id in ids {
                let round = pulseline::surveys::store::find_round(conn, &id)?
                    .ok_or(pulseline::error::ApiError::NotFound("round"))?;
                let f = cache.points(conn, round)?;
                let p = f
                    .points
                    .get()
                    .expect("points kept")
                    .of_team(&Some(team.clone()))?;
                out.push((p.suppressed, p.n, p.enps));
            }
            Ok(out)
        })
    };
    let first = read(small.clone()).expect("trend points");
    assert_eq!(first, api, "the kept points differ from the trend's");
    assert_eq!(small.planned(), 3);
    assert!(!small.holds(&rounds[0].round), "room for one round only");
    let again = read(small.clone()).expect("trend points");
    assert_eq!(again, api);
    assert_eq!(
        small.planned(),
        3,
        "a round was planned again for the trend"
    );
}

/// Records the groups `app` has planned and not recorded yet, as its warmer does.
async fn record_releases(app: &TestApp) -> usize {
    let (db, cache) = (app.state.db.clone(), app.state.rounds.clone());
    tokio::task::spawn_blocking(move || cache.record_releases(&db))
        .await
        .expect("the recording task")
        .expect("releases recorded")
}

/// Rewrites round `round`'s record: `released` as every group hidden when `hide_all`,
/// and `shape` as given when not `None`.
async fn tamper_record(app: &TestApp, round: &str, hide_all: bool, shape: Option<&str>) {
    use diesel::prelude::*;
    use pulseline::db::schema::round_releases as rr;
    let (round, shape) = (round.to_owned(), shape.map(str::to_owned));
    app.state
        .db
        .write(move |conn| {
            let (nodes, cols): (i64, i64) = rr::table
                .find(&round)
                .select((rr::nodes, rr::cols))
                .first(conn)?;
            if hide_all {
                let none = vec![vec![false; cols as usize]; nodes as usize];
                let text = pulseline::reports::recorded_release::encode(&none, cols as usize);
                diesel::update(rr::table.find(&round))
                    .set(rr::released.eq(text))
                    .execute(conn)?;
            }
            if let Some(shape) = shape {
                diesel::update(rr::table.find(&round))
                    .set(rr::shape.eq(shape))
                    .execute(conn)?;
            }
            Ok(())
        })
        .await
        .expect("record rewritten");
}

/// A restarted server reports every round with the groups recorded when it was first
/// planned: reading the third round first plans no round's groups (so runs no audit
/// across rounds: without the record, it re-planned the two before it), and every
/// release is the one read before the restart. A record that does not fit its round's
/// data is not used: the round is planned afresh, to the same groups.
#[tokio::test]
async fn a_restarted_server_reports_each_round_with_its_recorded_groups() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let (team, _, rounds) = three_rounds(&app, &hr).await;
    let mut in_order = Vec::new();
    for p in &rounds {
        in_order.push(view(&app, &hr, p, &[&team]).await);
    }
    assert_eq!(app.state.rounds.groups_planned(), 3);
    assert_eq!(record_releases(&app).await, 3);
    assert_eq!(record_releases(&app).await, 0, "a round was recorded twice");
    let fresh = spawn_app_on(&app.database_url).await;
    for (p, before) in rounds.iter().zip(&in_order).rev() {
        assert_eq!(&view(&fresh, &hr, p, &[&team]).await, before);
    }
    assert_eq!(
        fresh.state.rounds.groups_planned(),
        0,
        "a round's groups were planned again after the restart"
    );
    assert_eq!(fresh.state.rounds.planned(), 3);
    tamper_record(&app, &rounds[2].round, false, Some("another tree")).await;
    let again = spawn_app_on(&app.database_url).await;
    assert_eq!(view(&again, &hr, &rounds[2], &[&team]).await, in_order[2]);
    assert_eq!(
        again.state.rounds.groups_planned(),
        1,
        "a record of another shape was used"
    );
}

/// A later round is audited against what an earlier round released as recorded, not
/// against a new plan of it. Round 2 (the joiner) is hidden because round 1 showed the
/// team; with round 1's record rewritten to show nothing (as a stricter planner of an
/// earlier version might have released), a fresh server reports round 1 as nothing
/// shown, plans only round 2's groups, and shows round 2: nothing can be subtracted
/// from a round that showed nothing. Re-planning round 1 instead would have hidden
/// round 2 against groups no reader ever saw.
#[tokio::test]
async fn a_later_round_is_audited_against_the_recorded_release_of_an_earlier_one() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let (team, _, rounds) = three_rounds(&app, &hr).await;
    let first = view(&app, &hr, &rounds[0], &[&team]).await;
    assert_eq!(first.get(&team).map(|s| s.0), Some(11));
    let second = view(&app, &hr, &rounds[1], &[&team]).await;
    assert_eq!(second.get(&team), None, "round 2 isolates its joiner");
    assert_eq!(record_releases(&app).await, 2);
    tamper_record(&app, &rounds[0].round, true, None).await;
    // Round 2 is planned afresh by the fresh server, against round 1's record.
    let second_id = rounds[1].round.clone();
    let deleted = app
        .state
        .db
        .write(move |conn| {
            use diesel::prelude::*;
            use pulseline::db::schema::round_releases as rr;
            Ok(diesel::delete(rr::table.find(&second_id)).execute(conn)?)
        })
        .await;
    assert_eq!(deleted.ok(), Some(1));
    let fresh = spawn_app_on(&app.database_url).await;
    assert!(
        view(&fresh, &hr, &rounds[0], &[&team]).await.is_empty(),
        "round 1 is not reported with its record"
    );
    let second_fresh = view(&fresh, &hr, &rounds[1], &[&team]).await;
    assert_eq!(second_fresh.get(&team).map(|s| s.0), Some(12));
    assert_eq!(
        fresh.state.rounds.groups_planned(),
        1,
        "round 1 was re-planned"
    );
}

/// A server whose plan of a round differs from the record another server made first
/// (another version of the planner) drops what it planned, and reports the round and
/// the rounds after it against the record: round 2, planned and held as hidden
/// against this server's own plan of round 1, is planned again (shown: round 1's record
/// shows nothing) and only then recorded.
#[tokio::test]
async fn a_server_that_planned_a_round_otherwise_than_its_record_follows_the_record() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let (team, _, rounds) = three_rounds(&app, &hr).await;
    let first = view(&app, &hr, &rounds[0], &[&team]).await;
    assert_eq!(first.get(&team).map(|s| s.0), Some(11));
    let hidden = view(&app, &hr, &rounds[1], &[&team]).await;
    assert_eq!(hidden.get(&team), None, "round 2 isolates its joiner");
    // The other server records round 1 first, as showing nothing.
    let other = spawn_app_on(&app.database_url).await;
    assert_eq!(view(&other, &hr, &rounds[0], &[&team]).await, first);
    assert_eq!(record_releases(&other).await, 1);
    tamper_record(&app, &rounds[0].round, true, None).await;
    assert_eq!(record_releases(&app).await, 0, "a second record was made");
    assert!(!app.state.rounds.holds(&rounds[0].round));
    assert!(
        view(&app, &hr, &rounds[0], &[&team]).await.is_empty(),
        "round 1 is still reported as this server planned it"
    );
    // Round 2 was planned against round 1 as this server planned it: planned again.
    let second = view(&app, &hr, &rounds[1], &[&team]).await;
    assert_eq!(second.get(&team).map(|s| s.0), Some(12));
    assert_eq!(
        record_releases(&app).await,
        1,
        "round 2 is recorded as now planned"
    );
}
