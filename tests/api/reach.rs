//! Participation counts who could answer: invited, reachable (an activated account, so
//! they can sign in) and answered — and a reachable count never singles anyone out.

use std::collections::HashMap;

use poem::http::Method;
use serde_json::{Value, json};

use crate::helpers::*;

/// A survey of one eNPS question for `teams`; its open round's id and the question.
pub async fn open_enps_round(
    app: &TestApp,
    hr: &Actor,
    teams: &[&str],
) -> (String, String, String) {
    let today = chrono::Utc::now().date_naive().to_string();
    let r = app
        .post(
            "/api/v1/surveys",
            Some(&hr.token),
            json!({"title": "Reach pulse", "questions": [{"bank_item": "eo_enps"}],
                   "audience": {"team_ids": teams}, "cuts": [],
                   "schedule": {"starts_on": today, "cadence": "monthly", "window_days": 7}}),
        )
        .await;
    r.expect(201);
    let survey = r.json()["id"].as_str().expect("id").to_owned();
    let q = r.json()["questions"][0]["id"]
        .as_str()
        .expect("qid")
        .to_owned();
    let round = app.open_round_now(hr, &survey).await;
    (survey, round, q)
}

pub async fn answer(app: &TestApp, who: &Actor, round: &str, q: &str, v: u8) {
    app.post(
        &format!("/api/v1/rounds/{round}/responses"),
        Some(&who.token),
        json!({"answers": [{"question_id": q, "value": v}]}),
    )
    .await
    .expect(201);
}

/// `activated` people who activated their account (through the API) and `never` who
/// were imported and never did, in a new team `name` under `parent`.
pub async fn team_of(
    app: &TestApp,
    hr: &Actor,
    name: &str,
    parent: Option<&str>,
    activated: usize,
    never: usize,
) -> (String, Vec<Actor>) {
    let team = app.create_team(hr, name, parent, "frontline").await;
    let mut can = Vec::new();
    for _ in 0..activated {
        can.push(app.employee(hr, Some(&team)).await);
    }
    for _ in 0..never {
        app.create_person(hr, &format!("never-{}@example.org", short()), Some(&team))
            .await;
    }
    (team, can)
}

fn report_group<'a>(report: &'a Value, team: &str) -> &'a Value {
    std::iter::once(&report["group"])
        .chain(report["children"].as_array().expect("children"))
        .find(|g| g["team_id"] == json!(team))
        .expect("the team's group")
}

async fn get_json(app: &TestApp, hr: &Actor, path: &str) -> Value {
    let r = app.get(path, Some(&hr.token)).await;
    r.expect(200);
    r.json()
}

fn close_to(v: &Value, x: f64) -> bool {
    v.as_f64().is_some_and(|y| (y - x).abs() < 1e-9)
}

/// A closed round's reachable figures are those of the round as it ran: counted when
/// its ballots were opened and kept with it, so someone who activates after the close
/// (and could not have answered) changes nothing, in the report or the per-team list,
/// and every read gives the same figures. 20 invited, 6 activated and 5 of them
/// answered: reachable 6 and the rate 5/6 before and after a seventh activates (by
/// hand). Read live (as before the counts were kept), the second read gave 7 and 5/7.
#[tokio::test]
async fn a_closed_rounds_reachable_count_is_the_one_at_its_close() {
    let app = spawn_app().await;
    let hr = app.admin().await;
    let (team, can) = team_of(&app, &hr, "Depot", None, 6, 13).await;
    let (_, late) = app
        .create_person(&hr, &format!("late-{}@example.org", short()), Some(&team))
        .await;
    let (_, round, q) = open_enps_round(&app, &hr, &[&team]).await;
    for who in &can[..5] {
        answer(&app, who, &round, &q, 8).await;
    }
    app.close_round_now(&hr, &round).await;
    let path = format!("/api/v1/rounds/{round}/report?team_id={team}");
    let list_path = format!("/api/v1/rounds/{round}/participation");
    let list_row = |list: &Value| {
        list["teams"]
            .as_array()
            .expect("teams")
            .iter()
            .find(|t| t["team_id"] == json!(team))
            .expect("the team's row")
            .clone()
    };
    let check = |p: &Value, what: &str| {
        assert_eq!(
            (&p["invited"], &p["reachable"]),
            (&json!(20), &json!(6)),
            "{what}: {p}"
        );
        assert!(close_to(&p["reachable_rate"], 5.0 / 6.0), "{what}: {p}");
    };
    let before = get_json(&app, &hr, &path).await;
    check(
        &report_group(&before, &team)["participation"],
        "report at the close",
    );
    check(
        &list_row(&get_json(&app, &hr, &list_path).await),
        "list at the close",
    );
    app.activate(&late).await;
    let after = get_json(&app, &hr, &path).await;
    check(
        &report_group(&after, &team)["participation"],
        "report after an activation",
    );
    check(
        &list_row(&get_json(&app, &hr, &list_path).await),
        "list after an activation",
    );
    assert_eq!(before, after);
}

/// The issue's shape: most of a team never activated their account, so "answered over
/// invited" reads far too low. 20 invited, 14 never activated (6 reachable), 5 of the 6
/// answered: 25 % of invited, 83 % of reachable — in the report (open and closed), its
/// CSV and the per-team list.
#[tokio::test]
async fn participation_counts_invited_reachable_and_answered() {
    let app = spawn_app().await;
    let hr = app.admin().await;
    let (team, can) = team_of(&app, &hr, "Field", None, 6, 14).await;
    let (_, round, q) = open_enps_round(&app, &hr, &[&team]).await;
    for who in &can[..5] {
        answer(&app, who, &round, &q, 8).await;
    }
    // By hand: invited 20, reachable 6, answered 5.
    let check = |p: &Value, what: &str| {
        assert_eq!(p["invited"], json!(20), "{what}: {p}");
        assert_eq!(p["reachable"], json!(6), "{what}: {p}");
        assert_eq!(p["answered"], json!(5), "{what}: {p}");
        assert!(close_to(&p["reachable_rate"], 5.0 / 6.0), "{what}: {p}");
        assert!(close_to(&p["rate"], 0.25), "{what}: {p}");
    };
    let live = get_json(
        &app,
        &hr,
        &format!("/api/v1/rounds/{round}/report?team_id={team}"),
    )
    .await;
    check(&report_group(&live, &team)["participation"], "open report");
    let list = get_json(&app, &hr, &format!("/api/v1/rounds/{round}/participation")).await;
    let row = list["teams"]
        .as_array()
        .expect("teams")
        .iter()
        .find(|t| t["team_id"] == json!(team))
        .expect("the team's row");
    check(row, "per-team list");

    app.send(
        Method::POST,
        &format!("/api/v1/rounds/{round}/close"),
        Some(&hr.token),
        None,
    )
    .await
    .expect(200);
    let closed = get_json(
        &app,
        &hr,
        &format!("/api/v1/rounds/{round}/report?team_id={team}"),
    )
    .await;
    check(
        &report_group(&closed, &team)["participation"],
        "closed report",
    );
    let resp = app
        .client
        .get(format!("/api/v1/rounds/{round}/report?team_id={team}"))
        .header("authorization", format!("Bearer {}", hr.token))
        .header("accept", "text/csv")
        .send()
        .await
        .0;
    assert_eq!(resp.status().as_u16(), 200);
    let text = String::from_utf8(resp.into_body().into_vec().await.expect("body")).expect("utf-8");
    let reach_line = text
        .lines()
        .find(|l| l.starts_with("group,") && l.contains(",reachable_rate,"))
        .unwrap_or_else(|| panic!("a reachable_rate line: {text}"));
    assert!(
        reach_line.contains(",reachable_rate,6,0.8333"),
        "{reach_line}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("group,") && l.contains(",answered,5,")),
        "{text}"
    );
}

/// The attack: a department of two teams, one all activated (6), the other with one
/// activated member among six invitees. Every invitee count is safe to show (6, 6, 12),
/// but the reachable counts are 6, 1 and 7: the department less the first team would
/// give the second team's one reachable person, and with its answered count, whether
/// they answered. HR reads every reachable count the API gives (reports of the
/// organisation, the department and each team, open and closed, and the per-team list)
/// and tries to pin the lone reachable person.
#[tokio::test]
async fn a_reachable_count_never_isolates_fewer_than_k_people() {
    let app = spawn_app().await;
    let hr = app.admin().await;
    let dept = app.create_team(&hr, "Dept", None, "internal").await;
    let (full, full_people) = team_of(&app, &hr, "Full", Some(&dept), 6, 0).await;
    let (thin, thin_people) = team_of(&app, &hr, "Thin", Some(&dept), 1, 5).await;
    let (_, round, q) = open_enps_round(&app, &hr, &[&dept]).await;
    for who in full_people[..5].iter().chain(&thin_people) {
        answer(&app, who, &round, &q, 9).await;
    }
    let k = 5;
    // Per team id: the reachable counts of its subtree that were shown (any read).
    let mut seen: HashMap<String, Vec<i64>> = HashMap::new();
    let mut direct: HashMap<String, i64> = HashMap::new();
    let read_all = |v: &Value, seen: &mut HashMap<String, Vec<i64>>| {
        for g in std::iter::once(&v["group"]).chain(v["children"].as_array().expect("children")) {
            if let (Some(t), Some(r)) = (
                g["team_id"].as_str(),
                g["participation"]["reachable"].as_i64(),
            ) {
                seen.entry(t.to_owned()).or_default().push(r);
            }
        }
    };
    for closed in [false, true] {
        if closed {
            app.send(
                Method::POST,
                &format!("/api/v1/rounds/{round}/close"),
                Some(&hr.token),
                None,
            )
            .await
            .expect(200);
        }
        for team in [None, Some(&dept), Some(&full), Some(&thin)] {
            let path = match team {
                Some(t) => format!("/api/v1/rounds/{round}/report?team_id={t}"),
                None => format!("/api/v1/rounds/{round}/report"),
            };
            let v = get_json(&app, &hr, &path).await;
            read_all(&v, &mut seen);
        }
        let list = get_json(&app, &hr, &format!("/api/v1/rounds/{round}/participation")).await;
        for t in list["teams"].as_array().expect("teams") {
            if let Some(r) = t["reachable"].as_i64() {
                direct.insert(t["team_id"].as_str().expect("id").to_owned(), r);
            }
        }
    }
    // The counts are shown where they are safe (the engine keeps the department's 7,
    // or the full team's 6), and are right where shown.
    assert!(!seen.is_empty(), "no reachable count at all");
    for (t, want) in [(&dept, 7), (&full, 6), (&thin, 1)] {
        for r in seen.get(t).into_iter().flatten() {
            assert_eq!(*r, want, "{seen:?}");
        }
    }
    // Never a count of 1 to k − 1 ...
    for r in seen.values().flatten().chain(direct.values()) {
        assert!(
            *r == 0 || *r >= k,
            "a reachable count of {r}: {seen:?} {direct:?}"
        );
    }
    // ... nor a difference of the department and its teams that gives one.
    let first = |t: &str| seen.get(t).and_then(|v| v.first()).copied();
    if let (Some(d), Some(f)) = (first(&dept), first(&full)) {
        let rest = d - f;
        assert!(
            rest == 0 || rest >= k,
            "dept {d} less its full team {f}: {rest}"
        );
    }
    if let (Some(d), Some(t)) = (first(&dept), first(&thin)) {
        let rest = d - t;
        assert!(
            rest == 0 || rest >= k,
            "dept {d} less its thin team {t}: {rest}"
        );
    }
    assert!(
        first(&thin).is_none(),
        "the thin team's one reachable person: {seen:?}"
    );
}
