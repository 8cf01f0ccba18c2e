//! Engagement reports: scores checked against hand-computed values, suppression, access,
//! CSV, comments, the audit log — and an adversary that collects every aggregate the API
//! releases and tries to solve for one person's answer.

use std::collections::HashMap;

use diesel::prelude::*;
use poem::http::Method;
use serde_json::{Value, json};

use crate::helpers::*;

fn body(team_ids: &[&str], cuts: &[&str]) -> Value {
    json!({
        "title": "Quarterly pulse",
        "questions": [
            {"bank_item": "eo_proud"},
            {"bank_item": "eo_stay"},
            {"bank_item": "eo_enps"},
            {"bank_item": "gr_learning"},
            {"kind": "text", "driver": "voice", "text": "What would you change?"}
        ],
        "audience": {"team_ids": team_ids},
        "cuts": cuts,
        "schedule": {"starts_on": chrono::Utc::now().date_naive().to_string(), "cadence": "quarterly", "window_days": 14}
    })
}

struct Round {
    id: String,
    q: Vec<String>,
}

async fn open(app: &TestApp, hr: &Actor, body: Value) -> (String, Round) {
    let r = app.post("/api/v1/surveys", Some(&hr.token), body).await;
    r.expect(201);
    let survey = r.json();
    let sid = survey["id"].as_str().expect("id").to_owned();
    let q = survey["questions"]
        .as_array()
        .expect("questions")
        .iter()
        .map(|q| q["id"].as_str().expect("qid").to_owned())
        .collect();
    let r = app
        .send(
            Method::POST,
            &format!("/api/v1/surveys/{sid}/rounds"),
            Some(&hr.token),
            None,
        )
        .await;
    r.expect(201);
    (
        sid,
        Round {
            id: r.json()["id"].as_str().expect("round").to_owned(),
            q,
        },
    )
}

/// proud, stay (1–5), enps (0–10), learning (1–5), optional comment.
async fn answer(app: &TestApp, who: &Actor, r: &Round, v: [u8; 4], text: Option<&str>) {
    answer_allowing(app, who, r, v, text, false).await;
}

/// As [`answer`]; `allow_replies` opens a conversation on the comment.
async fn answer_allowing(
    app: &TestApp,
    who: &Actor,
    r: &Round,
    v: [u8; 4],
    text: Option<&str>,
    allow_replies: bool,
) {
    let mut a = vec![
        json!({"question_id": r.q[0], "value": v[0]}),
        json!({"question_id": r.q[1], "value": v[1]}),
        json!({"question_id": r.q[2], "value": v[2]}),
        json!({"question_id": r.q[3], "value": v[3]}),
    ];
    if let Some(t) = text {
        a.push(json!({"question_id": r.q[4], "text": t}));
    }
    app.post(
        &format!("/api/v1/rounds/{}/responses", r.id),
        Some(&who.token),
        json!({"answers": a, "allow_replies": allow_replies}),
    )
    .await
    .expect(201);
}

async fn close(app: &TestApp, hr: &Actor, r: &Round) {
    app.close_round_now(hr, &r.id).await;
}

/// One pass of the background planner of closed rounds; how many it planned.
async fn warm(app: &TestApp) -> usize {
    let db = app.state.db.clone();
    let cache = app.state.rounds.clone();
    tokio::task::spawn_blocking(move || {
        cache.warm(
            &db,
            chrono::Utc::now().naive_utc() + chrono::TimeDelta::seconds(1),
        )
    })
    .await
    .expect("join")
    .expect("warm")
}

fn close_to(a: &Value, b: f64) -> bool {
    a.as_f64().is_some_and(|x| (x - b).abs() < 1e-9)
}

#[tokio::test]
async fn a_team_report_matches_hand_computed_scores() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let team = app.create_team(&hr, "Support", None, "frontline").await;
    let staff = app.seed_people(&team, 6, |_| (None, None, None)).await;
    let (_, r) = open(&app, &hr, body(&[&team], &[])).await;
    // Five answer; one does not (participation 5/6).
    let answers = [
        [5, 4, 10, 4],
        [4, 4, 9, 2],
        [3, 2, 8, 5],
        [2, 1, 6, 4],
        [5, 5, 0, 3],
    ];
    for (who, v) in staff.iter().zip(answers) {
        answer(&app, who, &r, v, None).await;
    }
    let path = format!("/api/v1/rounds/{}/report?team_id={team}", r.id);
    // While the round is open: live participation, no scores.
    let live = app.get(&path, Some(&hr.token)).await;
    live.expect(200);
    let live = live.json();
    assert_eq!(live["scores_released"], json!(false));
    assert_eq!(live["group"]["participation"]["invited"], json!(6));
    assert!(close_to(&live["group"]["participation"]["rate"], 5.0 / 6.0));
    for field in ["n", "engagement_index", "enps", "drivers", "questions"] {
        assert!(live["group"][field].is_null(), "{field} shown before close");
    }
    app.get(&format!("/api/v1/rounds/{}/heatmap", r.id), Some(&hr.token))
        .await
        .expect(409);
    close(&app, &hr, &r).await;
    let rep = app.get(&path, Some(&hr.token)).await;
    rep.expect(200);
    let g = rep.json()["group"].clone();
    assert_eq!(g["n"], json!(5));
    assert_eq!(g["suppressed"], json!(false));
    // Participation: 5 of 6 invited.
    assert_eq!(g["participation"]["invited"], json!(6));
    assert!(close_to(&g["participation"]["rate"], 5.0 / 6.0));
    // Engagement index per response = (mean(proud, stay) − 1) / 4 × 100:
    // (4.5−1)/4·100 = 87.5; 4 → 75; 2.5 → 37.5; 1.5 → 12.5; 5 → 100. Mean = 312.5/5 = 62.5.
    assert!(
        close_to(&g["engagement_index"], 62.5),
        "{}",
        g["engagement_index"]
    );
    // Its spread and 95% interval: deviations 25, 12.5, −25, −50, 37.5 → squares sum
    // 5312.5, sample sd √(5312.5 / 4) = 36.44; t(0.975, 4) = 2.7764451051977987 (a t
    // table) → 62.5 ± 2.7764 × 36.44 / √5 = 17.25 to 107.75 (a normal-theory interval
    // of five may pass 100), each shown to one decimal.
    let sd = (5312.5_f64 / 4.0).sqrt();
    let half = 2.776_445_105_197_798_7 * sd / 5.0_f64.sqrt();
    for (field, want) in [
        ("engagement_index_sd", sd),
        ("engagement_index_low", 62.5 - half),
        ("engagement_index_high", 62.5 + half),
    ] {
        let got = g[field].as_f64().unwrap_or(f64::NAN);
        assert!(
            (got - want).abs() <= 0.05 + 1e-9,
            "{field}: {got} vs {want}"
        );
    }
    // eNPS: promoters 10, 9 (2); detractors 6, 0 (2); passive 8 → (2 − 2)/5 = 0.
    assert!(close_to(&g["enps"], 0.0));
    // Growth driver (learning): 4, 2, 5, 4, 3 → mean 3.6; favourable 3/5 = 60 %.
    let growth = g["drivers"]
        .as_array()
        .and_then(|d| d.iter().find(|x| x["driver"] == json!("growth")).cloned())
        .expect("growth");
    assert!(close_to(&growth["mean"], 3.6));
    assert!(close_to(&growth["favorable"], 60.0));
    // Its spread: deviations 0.4, −1.6, 1.4, 0.4, −0.6 → squares 5.2, sd √(5.2 / 4);
    // interval 3.6 ± t(0.975, 4) × sd / √5, to 2 decimals.
    let sd = (5.2_f64 / 4.0).sqrt();
    let half = 2.776_445_105_197_798_7 * sd / 5.0_f64.sqrt();
    for (field, want) in [("sd", sd), ("low", 3.6 - half), ("high", 3.6 + half)] {
        let got = growth[field].as_f64().unwrap_or(f64::NAN);
        assert!(
            (got - want).abs() <= 0.005 + 1e-9,
            "growth {field}: {got} vs {want}"
        );
    }
    // Engagement driver over proud and stay answers (10 of them): 5,4,4,4,3,2,2,1,5,5 →
    // mean 3.5; favourable (4–5) 6/10 = 60 %; n counts responses, not answers.
    let eo = g["drivers"]
        .as_array()
        .and_then(|d| {
            d.iter()
                .find(|x| x["driver"] == json!("engagement_outcome"))
                .cloned()
        })
        .expect("eo");
    assert!(close_to(&eo["mean"], 3.5));
    assert!(close_to(&eo["favorable"], 60.0));
    assert_eq!(eo["n"], json!(5));
    let proud = g["questions"]
        .as_array()
        .and_then(|q| {
            q.iter()
                .find(|x| x["question_id"] == json!(r.q[0]))
                .cloned()
        })
        .expect("proud");
    // Five answers: the mean and share, not the counts per answer (those need 2k).
    assert!(close_to(&proud["mean"], 3.8));
    assert!(proud["distribution"].is_null(), "{proud}");
    assert_eq!(
        proud["distribution_withheld"],
        json!("fewer_than_twice_min_group")
    );
}

#[tokio::test]
async fn small_groups_and_their_complements_are_suppressed_everywhere() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let company = app.create_team(&hr, "Company", None, "frontline").await;
    let sales = app
        .create_team(&hr, "Sales", Some(&company), "frontline")
        .await;
    let legal = app
        .create_team(&hr, "Legal", Some(&company), "internal")
        .await;
    let sellers = app.seed_people(&sales, 6, |_| (None, None, None)).await;
    let lawyers = app.seed_people(&legal, 2, |_| (None, None, None)).await;
    let (_, r) = open(&app, &hr, body(&[], &[])).await;
    for who in sellers.iter().chain(&lawyers) {
        answer(&app, who, &r, [4, 4, 9, 4], None).await;
    }
    close(&app, &hr, &r).await;
    let rep = app
        .get(
            &format!("/api/v1/rounds/{}/report?team_id={company}", r.id),
            Some(&hr.token),
        )
        .await
        .json();
    assert_eq!(rep["group"]["n"], json!(8));
    for child in rep["children"].as_array().expect("children") {
        // Legal (2) is below k; Sales (6) alone would reveal Legal as Company − Sales.
        assert_eq!(child["suppressed"], json!(true), "{child}");
        let keys: Vec<&str> = child
            .as_object()
            .expect("object")
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, _)| k.as_str())
            .collect();
        let mut keys = keys;
        keys.sort();
        assert_eq!(
            keys,
            vec!["hidden", "label", "suppressed", "team_id"],
            "a suppressed group says nothing else but why it is hidden"
        );
        let why = if child["label"] == "Legal" {
            "fewer_than_min_group"
        } else {
            "protects_smaller_group"
        };
        assert_eq!(child["hidden"], why, "{child}");
    }
    // Sales's own report agrees: the plan is the same whichever team is asked for.
    let own = app
        .get(
            &format!("/api/v1/rounds/{}/report?team_id={sales}", r.id),
            Some(&hr.token),
        )
        .await
        .json();
    assert_eq!(own["group"]["suppressed"], json!(true));
    // The heatmap shows the same.
    let heat = app
        .get(&format!("/api/v1/rounds/{}/heatmap", r.id), Some(&hr.token))
        .await
        .json();
    let row = |id: &str| {
        heat["rows"]
            .as_array()
            .and_then(|rs| rs.iter().find(|x| x["team_id"] == json!(id)).cloned())
            .expect("row")
    };
    assert_eq!(row(&sales)["suppressed"], json!(true));
    assert_eq!(row(&company)["suppressed"], json!(false));
    assert!(
        row(&sales)["cells"]
            .as_array()
            .expect("cells")
            .iter()
            .all(|c| c["suppressed"] == json!(true) && c["mean"].is_null())
    );

    // A closed round is planned ahead of its first reader; the report just read is kept.
    assert!(app.state.rounds.holds(&r.id));
    let (_, later) = open(&app, &hr, body(&[], &[])).await;
    for who in sellers.iter().chain(&lawyers) {
        answer(&app, who, &later, [3, 3, 7, 3], None).await;
    }
    close(&app, &hr, &later).await;
    assert!(!app.state.rounds.holds(&later.id));
    let planned = warm(&app).await;
    assert_eq!(planned, 1, "only the round not kept yet is planned");
    assert!(app.state.rounds.holds(&later.id));
    let again = warm(&app).await;
    assert_eq!(again, 0, "a round is warmed once");

    // A closed round's reports are made on the tree frozen at its close: with Legal
    // moved under Sales afterwards, Company's report is the one read before.
    let before = app
        .get(
            &format!("/api/v1/rounds/{}/report?team_id={company}", r.id),
            Some(&hr.token),
        )
        .await
        .json();
    app.json(
        Method::PATCH,
        &format!("/api/v1/teams/{legal}"),
        Some(&hr.token),
        json!({"parent_id": sales}),
    )
    .await
    .expect(200);
    let rep = app
        .get(
            &format!("/api/v1/rounds/{}/report?team_id={company}", r.id),
            Some(&hr.token),
        )
        .await
        .json();
    assert_eq!(rep, before);
    assert_eq!(rep["children"].as_array().map(Vec::len), Some(2), "{rep}");
    assert_eq!(rep["group"]["n"], json!(8));
}

#[tokio::test]
async fn managers_see_their_subtrees_and_employees_nothing() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let sales = app.create_team(&hr, "Sales", None, "frontline").await;
    let legal = app.create_team(&hr, "Legal", None, "internal").await;
    let manager = app.manager_of(&hr, &sales).await;
    let staff = app.seed_people(&sales, 5, |_| (None, None, None)).await;
    let (sid, r) = open(&app, &hr, body(&[], &[])).await;
    for who in &staff {
        answer(&app, who, &r, [3, 3, 7, 3], None).await;
    }
    close(&app, &hr, &r).await;
    let base = format!("/api/v1/rounds/{}", r.id);
    app.get(
        &format!("{base}/report?team_id={sales}"),
        Some(&manager.token),
    )
    .await
    .expect(200);
    app.get(&format!("{base}/report"), Some(&manager.token))
        .await
        .expect(200);
    app.get(
        &format!("{base}/report?team_id={legal}"),
        Some(&manager.token),
    )
    .await
    .expect(404);
    app.get(
        &format!("{base}/comments?team_id={legal}"),
        Some(&manager.token),
    )
    .await
    .expect(404);
    app.get(
        &format!("/api/v1/surveys/{sid}/trend?team_id={legal}"),
        Some(&manager.token),
    )
    .await
    .expect(404);
    let emp = &staff[0];
    for path in [
        format!("{base}/report?team_id={sales}"),
        format!("{base}/heatmap"),
        format!("{base}/comments"),
        format!("/api/v1/surveys/{sid}/trend"),
    ] {
        app.get(&path, Some(&emp.token)).await.expect(403);
    }
    app.get(&format!("{base}/report?team_id={sales}"), None)
        .await
        .expect(401);
    // HR's read makes the heatmap of every team (kept with the round's plan); the
    // manager's is cut from it and lists only their subtree.
    let all = app
        .get(&format!("{base}/heatmap"), Some(&hr.token))
        .await
        .json();
    assert!(all["rows"].as_array().expect("rows").len() > 1, "{all}");
    let heat = app
        .get(&format!("{base}/heatmap"), Some(&manager.token))
        .await
        .json();
    let ids: Vec<&str> = heat["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|r| r["team_id"].as_str())
        .collect();
    assert_eq!(ids, vec![sales.as_str()]);
}

#[tokio::test]
async fn comments_need_ten_and_come_shuffled_without_their_response() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let team = app.create_team(&hr, "Support", None, "frontline").await;
    let staff = app.seed_people(&team, 12, |_| (None, None, None)).await;
    let (_, r) = open(&app, &hr, body(&[&team], &[])).await;
    for (i, who) in staff.iter().enumerate() {
        let text = format!("comment number {i}");
        answer(
            &app,
            who,
            &r,
            [4, 4, 9, 4],
            (i < 9).then_some(text.as_str()),
        )
        .await;
    }
    close(&app, &hr, &r).await;
    let c = app
        .get(
            &format!("/api/v1/rounds/{}/comments?team_id={team}", r.id),
            Some(&hr.token),
        )
        .await;
    c.expect(200);
    let c = c.json();
    assert_eq!(c["min_comments"], json!(10));
    assert_eq!(c["suppressed"], json!(true));
    assert_eq!(c["comments"], json!([]), "nine comments are fewer than ten");

    let (_, r2) = open(&app, &hr, body(&[&team], &[])).await;
    for (i, who) in staff.iter().enumerate() {
        answer(
            &app,
            who,
            &r2,
            [4, 4, 9, 4],
            Some(&format!("comment number {i}")),
        )
        .await;
    }
    close(&app, &hr, &r2).await;
    let c = app
        .get(
            &format!("/api/v1/rounds/{}/comments?team_id={team}", r2.id),
            Some(&hr.token),
        )
        .await
        .json();
    let list = c["comments"].as_array().expect("comments");
    assert_eq!(list.len(), 12);
    for item in list {
        let mut keys: Vec<&String> = item.as_object().expect("obj").keys().collect();
        keys.sort();
        assert_eq!(keys, vec!["question_id", "text"]);
    }
    let csv = app
        .send(
            Method::GET,
            &format!("/api/v1/rounds/{}/comments?team_id={team}", r2.id),
            Some(&hr.token),
            None,
        )
        .await;
    assert!(csv.content_type().starts_with("application/json"));
}

/// Themes of the comments shown: four about refund delays and three about the printer
/// group apart from five unrelated ones (English and Russian alike); a group whose
/// comments are withheld has no themes either.
#[tokio::test]
async fn the_comments_shown_come_with_their_themes_and_withheld_ones_with_none() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let team = app.create_team(&hr, "Support", None, "frontline").await;
    let staff = app.seed_people(&team, 12, |_| (None, None, None)).await;
    let texts = [
        "Refund delays make customers angry",
        "The refund delays are far too long",
        "Refund delays again this week",
        "Customers call twice about refund delays",
        "The printer jams every morning",
        "Printer jams slow the whole team",
        "Another printer jam today",
        "Great team spirit lately",
        "More training on the new tools please",
        "Parking near the office is hard",
        "Кофемашина снова сломалась",
        "Спасибо за гибкий график",
    ];
    let (_, r) = open(&app, &hr, body(&[&team], &[])).await;
    for (who, text) in staff.iter().zip(texts) {
        answer(&app, who, &r, [4, 4, 9, 4], Some(text)).await;
    }
    close(&app, &hr, &r).await;
    let c = app
        .get(
            &format!("/api/v1/rounds/{}/comments?team_id={team}", r.id),
            Some(&hr.token),
        )
        .await;
    c.expect(200);
    let c = c.json();
    assert_eq!(c["comments"].as_array().map(Vec::len), Some(12));
    let themes = c["themes"].as_array().expect("themes");
    let sized = |word: &str| {
        themes
            .iter()
            .find(|t| {
                t["keywords"]
                    .as_array()
                    .is_some_and(|k| k.iter().any(|w| w == word))
            })
            .map(|t| t["comments"].as_i64().unwrap_or(0))
    };
    assert_eq!(sized("refund"), Some(4), "{themes:?}");
    assert_eq!(sized("printer"), Some(3), "{themes:?}");
    assert_eq!(
        themes.len(),
        2,
        "nothing else is shared by two comments: {themes:?}"
    );
    // The report page lists them above the comments.
    let mut b = Browser::new(&app);
    b.sign_in(&hr.email, PASSWORD).await;
    let html = b
        .get(&format!("/reports/{}?team_id={team}", r.id))
        .await
        .text();
    let section = &html[html
        .find("id=\"comment-themes\"")
        .expect("themes on the page")..];
    assert!(
        section.contains("4 comments") && section.contains("3 comments"),
        "{section}"
    );

    // Nine comments are withheld, and so are their themes.
    let (_, r2) = open(&app, &hr, body(&[&team], &[])).await;
    for (i, who) in staff.iter().enumerate() {
        answer(
            &app,
            who,
            &r2,
            [4, 4, 9, 4],
            (i < 9).then_some(texts[i % 4]),
        )
        .await;
    }
    close(&app, &hr, &r2).await;
    let c = app
        .get(
            &format!("/api/v1/rounds/{}/comments?team_id={team}", r2.id),
            Some(&hr.token),
        )
        .await
        .json();
    assert_eq!(c["comments"], json!([]));
    assert_eq!(c["themes"], json!([]));
}

#[tokio::test]
async fn csv_exports_keep_the_suppression_and_every_read_is_audited() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let company = app.create_team(&admin, "Company", None, "frontline").await;
    let sales = app
        .create_team(&admin, "Sales", Some(&company), "frontline")
        .await;
    let legal = app
        .create_team(&admin, "Legal", Some(&company), "internal")
        .await;
    for (team, n) in [(&sales, 6), (&legal, 2)] {
        let people = app.seed_people(team, n, |_| (None, None, None)).await;
        if n == 6 {
            let (_, r) = open(&app, &admin, body(&[], &[])).await;
            // Not all the same (that would name each answer): index (5 × 100 + 75) / 6.
            for (i, who) in people.iter().enumerate() {
                let v = if i == 0 { 4 } else { 5 };
                answer(&app, who, &r, [v, v, 10 - i as u8, v], None).await;
            }
            close(&app, &admin, &r).await;
        }
    }
    let rounds: Vec<String> = app
        .state
        .db
        .read(|conn| {
            Ok(pulseline::db::schema::rounds::table
                .select(pulseline::db::schema::rounds::id)
                .load(conn)?)
        })
        .await
        .expect("rounds");
    let round = &rounds[0];
    let resp = app
        .client
        .get(format!("/api/v1/rounds/{round}/report?team_id={company}"))
        .header("authorization", format!("Bearer {}", admin.token))
        .header("accept", "text/csv")
        .send()
        .await;
    assert!(
        resp.0
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .starts_with("text/csv")
    );
    let text = resp.0.into_body().into_string().await.expect("body");
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("role,group,team_id"));
    // Sales is released (Legal had no answers at all, so nothing is hidden beside it).
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("child,Sales,") && l.contains(",false,engagement_index,6,95.8,")),
        "{text}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("child,Legal,") && l.ends_with(",true,,,,")),
        "{text}"
    );

    let hr = app.hr().await;
    app.get(&format!("/api/v1/rounds/{round}/heatmap"), Some(&hr.token))
        .await
        .expect(200);
    app.get("/api/v1/audit-log", Some(&hr.token))
        .await
        .expect(403);
    let log = app
        .get("/api/v1/audit-log?limit=10", Some(&admin.token))
        .await;
    log.expect(200);
    let log = log.json();
    // The three teams created above, the survey, its round opened and closed, then the
    // two reads.
    assert_eq!(log["total"], json!(8));
    let actions: Vec<&str> = log["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    for change in ["survey.create", "round.open", "round.close"] {
        assert!(actions.contains(&change), "{change}: {actions:?}");
    }
    assert_eq!(log["items"][0]["action"], json!("heatmap.read"));
    assert_eq!(log["items"][0]["actor_email"], json!(hr.email));
    assert_eq!(log["items"][1]["action"], json!("report.export"));
    assert_eq!(
        log["items"][1]["target"],
        json!(format!("rounds/{round}/report?team_id={company}"))
    );
    // Append-only, even for someone with the database.
    let refused = app
        .state
        .db
        .write(|conn| Ok(diesel::sql_query("DELETE FROM audit_log").execute(conn)?))
        .await;
    assert!(refused.is_err());
    let refused = app
        .state
        .db
        .write(|conn| Ok(diesel::sql_query("UPDATE audit_log SET action = 'x'").execute(conn)?))
        .await;
    assert!(refused.is_err());
    assert_eq!(app.count("audit_log").await, 8);
}

#[tokio::test]
async fn the_trend_has_one_point_per_closed_round() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let team = app.create_team(&hr, "Support", None, "frontline").await;
    let staff = app.seed_people(&team, 5, |_| (None, None, None)).await;
    let (sid, r1) = open(&app, &hr, body(&[&team], &[])).await;
    // Not all the same (that would name each answer): indexes 100 × 4 and 75.
    for (i, who) in staff.iter().enumerate() {
        let v = if i == 0 { 4 } else { 5 };
        answer(&app, who, &r1, [v, v, 10 - i as u8, v], None).await;
    }
    close(&app, &hr, &r1).await;
    let r = app
        .send(
            Method::POST,
            &format!("/api/v1/surveys/{sid}/rounds"),
            Some(&hr.token),
            None,
        )
        .await;
    let r2 = Round {
        id: r.json()["id"].as_str().expect("id").to_owned(),
        q: r1.q.clone(),
    };
    // Indexes 0 × 4 and 25; every eNPS answer a detractor's (0–6).
    for (i, who) in staff.iter().enumerate() {
        let v = if i == 0 { 2 } else { 1 };
        answer(&app, who, &r2, [v, v, i as u8, v], None).await;
    }
    let trend = app
        .get(
            &format!("/api/v1/surveys/{sid}/trend?team_id={team}"),
            Some(&hr.token),
        )
        .await
        .json();
    assert_eq!(
        trend["points"].as_array().map(Vec::len),
        Some(1),
        "the open round is not a point"
    );
    close(&app, &hr, &r2).await;
    let trend = app
        .get(
            &format!("/api/v1/surveys/{sid}/trend?team_id={team}"),
            Some(&hr.token),
        )
        .await
        .json();
    let points = trend["points"].as_array().expect("points");
    assert_eq!(points.len(), 2);
    assert!(close_to(&points[0]["engagement_index"], 95.0));
    assert!(close_to(&points[1]["engagement_index"], 5.0));
    assert!(close_to(&points[1]["enps"], -100.0));
}

// ---------- the adversary ----------

/// A respondent's four answers, and whether they commented allowing replies (1), or
/// commented without (0); `NaN` when they left no comment.
type Truth = [f64; 5];

fn with_replies(v: [u8; 4], allowed: Option<bool>) -> Truth {
    let [a, b, c, d] = v.map(f64::from);
    [
        a,
        b,
        c,
        d,
        allowed.map_or(f64::NAN, |x| f64::from(u8::from(x))),
    ]
}

#[tokio::test]
async fn an_adversary_with_every_released_aggregate_cannot_solve_for_anyone() {
    let app = spawn_app_with(|c| c.min_group = 3).await;
    let hr = app.hr().await;
    let company = app.create_team(&hr, "Company", None, "frontline").await;
    let sales = app
        .create_team(&hr, "Sales", Some(&company), "frontline")
        .await;
    let emea = app
        .create_team(&hr, "EMEA", Some(&sales), "frontline")
        .await;
    let apac = app
        .create_team(&hr, "APAC", Some(&sales), "frontline")
        .await;
    let support = app
        .create_team(&hr, "Support", Some(&company), "frontline")
        .await;
    let legal = app
        .create_team(&hr, "Legal", Some(&company), "internal")
        .await;
    let cities = ["Paris", "Berlin", "Rome"];
    let families = ["Sales", "Ops"];
    let mut people: Vec<(Actor, String)> = Vec::new();
    for (team, n, seed) in [
        (&emea, 7, 1),
        (&apac, 4, 2),
        (&sales, 2, 3),
        (&support, 6, 4),
        (&legal, 2, 5),
    ] {
        let got = app
            .seed_people(team, n, move |i| {
                let j = i + seed;
                (
                    Some(cities[j % 3].into()),
                    Some(families[(j / 2) % 2].into()),
                    None,
                )
            })
            .await;
        people.extend(got.into_iter().map(|a| (a, team.clone())));
    }
    let mut b = body(&[], &["location", "job_family"]);
    b["min_group"] = json!(3);
    let (sid, r) = open(&app, &hr, b).await;
    let mut truth: HashMap<String, Truth> = HashMap::new();
    // Not everyone answers, so some combinations have fewer respondents than invitees.
    for (i, (who, _)) in people.iter().enumerate() {
        if i % 3 == 0 {
            continue;
        }
        let v = [
            (i % 5 + 1) as u8,
            ((i * 3) % 5 + 1) as u8,
            ((i * 7) % 11) as u8,
            ((i * 2) % 5 + 1) as u8,
        ];
        let allow = i % 4 < 2;
        answer_allowing(&app, who, &r, v, Some("a comment"), allow).await;
        truth.insert(who.id.clone(), with_replies(v, Some(allow)));
    }
    close(&app, &hr, &r).await;

    let parent: HashMap<String, Option<String>> = [
        (company.clone(), None),
        (sales.clone(), Some(company.clone())),
        (emea.clone(), Some(sales.clone())),
        (apac.clone(), Some(sales.clone())),
        (support.clone(), Some(company.clone())),
        (legal.clone(), Some(company.clone())),
    ]
    .into_iter()
    .collect();
    attack(&app, &hr, &r, &parent, &truth).await;
    let trend = app
        .get(&format!("/api/v1/surveys/{sid}/trend"), Some(&hr.token))
        .await;
    trend.expect(200);
}

/// The adversary: knows every respondent's team and stored segment values — more than a
/// copy of the database gives: the invitations say each person's team and segments, and
/// the test hands the adversary where the close placed each respondent (the placement
/// rule run on those invitations) — and collects every report the API releases: each
/// team and the organisation, without a cut and with each cut. Each released mean × n is
/// a known sum over the group's members; it then tries to solve for one person's answer.
async fn attack(
    app: &TestApp,
    hr: &Actor,
    r: &Round,
    parent: &HashMap<String, Option<String>>,
    truth: &HashMap<String, Truth>,
) {
    // What the adversary knows: everyone's team and stored segment values.
    let stored: Vec<(String, String, Option<String>, Option<String>)> = app
        .state
        .db
        .read(|conn| {
            use pulseline::db::schema::round_invitees as ri;
            Ok(ri::table
                .select((ri::person_id, ri::team_id, ri::location, ri::job_family))
                .load(conn)?)
        })
        .await
        .expect("invitees");
    // Where the close stored each respondent: the placement rule on their invitations.
    let round_id = r.id.clone();
    let k: i32 = app
        .state
        .db
        .read(move |conn| {
            use pulseline::db::schema::{rounds, surveys};
            Ok(rounds::table
                .inner_join(surveys::table.on(surveys::id.eq(rounds::survey_id)))
                .filter(rounds::id.eq(round_id))
                .select(surveys::min_group)
                .first(conn)?)
        })
        .await
        .expect("k");
    let answering: Vec<&(String, String, Option<String>, Option<String>)> =
        stored.iter().filter(|p| truth.contains_key(&p.0)).collect();
    let collected = [
        stored.iter().any(|p| p.2.is_some()),
        stored.iter().any(|p| p.3.is_some()),
        false,
    ];
    let placed = pulseline::surveys::placement::place(
        &answering
            .iter()
            .map(|p| (p.1.clone(), [p.2.clone(), p.3.clone(), None]))
            .collect::<Vec<_>>(),
        parent,
        collected,
        usize::try_from(k).expect("k"),
    );
    let stored: Vec<(String, String, Option<String>, Option<String>)> = answering
        .iter()
        .zip(placed)
        .filter_map(|(p, at)| at.map(|(team, [l, j, _])| (p.0.clone(), team, l, j)))
        .collect();
    let under = |team: &str, ancestor: &str| {
        let mut cur = Some(team.to_owned());
        while let Some(c) = cur {
            if c == ancestor {
                return true;
            }
            cur = parent.get(&c).cloned().flatten();
        }
        false
    };
    // ... and who answered (the participation records).
    let persons: Vec<&(String, String, Option<String>, Option<String>)> =
        stored.iter().filter(|p| truth.contains_key(&p.0)).collect();
    let n = persons.len();
    let member = |g: &Value, p: &(String, String, Option<String>, Option<String>)| {
        let in_team = g["team_id"].as_str().is_none_or(|t| under(&p.1, t));
        let in_seg = match (g["cut"].as_str(), g["value"].as_str()) {
            (Some("location"), Some(v)) => p.2.as_deref() == Some(v),
            (Some("job_family"), Some(v)) => p.3.as_deref() == Some(v),
            _ => true,
        };
        in_team && in_seg
    };

    // Every report the API will give: each team and the organisation, without a cut and
    // with each cut; plus the heatmap.
    let mut groups: Vec<Value> = Vec::new();
    let mut targets: Vec<Option<&String>> = vec![None];
    targets.extend(parent.keys().map(Some));
    for team in &targets {
        for cut in [None, Some("location"), Some("job_family")] {
            let mut path = format!("/api/v1/rounds/{}/report?", r.id);
            if let Some(t) = team {
                path.push_str(&format!("team_id={t}&"));
            }
            if let Some(c) = cut {
                path.push_str(&format!("cut={c}"));
            }
            let rep = app.get(&path, Some(&hr.token)).await;
            if rep.status == 422 && cut.is_some() {
                continue; // a cut this survey does not collect
            }
            rep.expect(200);
            let rep = rep.json();
            groups.push(rep["group"].clone());
            groups.extend(rep["children"].as_array().cloned().unwrap_or_default());
            groups.extend(rep["segments"].as_array().cloned().unwrap_or_default());
        }
    }
    let released: Vec<&Value> = groups
        .iter()
        .filter(|g| g["suppressed"] == json!(false))
        .collect();
    assert!(
        released.len() > 5,
        "the test org must release something to attack"
    );

    // The unknowns: every respondent's proud, stay, eNPS and learning answers, and
    // whether their comment allows replies (5 blocks of n). Each released figure is a
    // known linear sum of them.
    let width = 5 * n;
    let mut rows: Vec<Vec<f64>> = Vec::new();
    let mut add_row = |g: &Value, blocks: &[usize]| {
        let mut row = vec![0.0; width];
        for (i, p) in persons.iter().enumerate() {
            if member(g, p) {
                for &b in blocks {
                    row[b * n + i] = 1.0;
                }
            }
        }
        rows.push(row);
    };
    let true_sum = |g: &Value, k: usize| -> (f64, f64) {
        let members: Vec<&&(String, String, Option<String>, Option<String>)> =
            persons.iter().filter(|p| member(g, p)).collect();
        (
            members.len() as f64,
            members.iter().map(|p| truth[&p.0][k]).sum(),
        )
    };
    for g in &released {
        let (count, _) = true_sum(g, 0);
        assert_eq!(g["n"].as_f64(), Some(count), "n of {}", g["label"]);
        assert!(count >= 3.0);
        for (k, qid) in r.q.iter().take(4).enumerate() {
            let Some(cell) = g["questions"]
                .as_array()
                .and_then(|qs| qs.iter().find(|q| q["question_id"] == json!(qid)))
            else {
                continue;
            };
            if cell["suppressed"] == json!(true) {
                continue;
            }
            // The released figures are the true ones, so the attack uses real data.
            let (count, sum) = true_sum(g, k);
            assert_eq!(cell["n"].as_f64(), Some(count));
            // Shown to one decimal.
            assert!(
                (cell["mean"].as_f64().expect("mean") - sum / count).abs() <= 0.05 + 1e-9,
                "mean of {}",
                g["label"]
            );
            add_row(g, &[k]);
        }
        if g["engagement_index"].is_number() {
            add_row(g, &[0, 1]);
        }
        for d in g["drivers"].as_array().into_iter().flatten() {
            if d["suppressed"] == json!(false) {
                match d["driver"].as_str() {
                    Some("engagement_outcome") => add_row(g, &[0, 1]),
                    Some("growth") => add_row(g, &[3]),
                    _ => {}
                }
            }
        }
    }
    // The heatmap: engagement index and driver means per team, as more equations.
    let heat = app
        .get(&format!("/api/v1/rounds/{}/heatmap", r.id), Some(&hr.token))
        .await;
    heat.expect(200);
    for row in heat.json()["rows"].as_array().cloned().unwrap_or_default() {
        if row["suppressed"] == json!(true) {
            continue;
        }
        let g = json!({"team_id": row["team_id"]});
        if row["engagement_index"].is_number() {
            add_row(&g, &[0, 1]);
        }
        for c in row["cells"].as_array().into_iter().flatten() {
            if c["suppressed"] == json!(false) {
                match c["driver"].as_str() {
                    Some("engagement_outcome") => add_row(&g, &[0, 1]),
                    Some("growth") => add_row(&g, &[3]),
                    _ => {}
                }
            }
        }
    }
    // Conversations: each released comment list shows which of its comments allow
    // replies (those carry a conversation id), so their count is a sum of block 4 over
    // the list's commenters; and an id marks one comment in every list it is in.
    let commented =
        |p: &&(String, String, Option<String>, Option<String>)| !truth[&p.0][4].is_nan();
    let mut lists: Vec<(Value, Vec<String>)> = Vec::new();
    for team in &targets {
        let mut path = format!("/api/v1/rounds/{}/comments", r.id);
        if let Some(t) = team {
            path.push_str(&format!("?team_id={t}"));
        }
        let got = app.get(&path, Some(&hr.token)).await;
        got.expect(200);
        let got = got.json();
        let comments = got["comments"].as_array().cloned().unwrap_or_default();
        if got["suppressed"] == json!(true) || comments.is_empty() {
            continue;
        }
        let g = json!({ "team_id": team });
        let writers: Vec<usize> = (0..n)
            .filter(|&i| member(&g, persons[i]) && commented(&persons[i]))
            .collect();
        assert_eq!(comments.len(), writers.len(), "one comment a writer");
        assert!(writers.len() >= 10, "a comment list under the floor");
        let ids: Vec<String> = comments
            .iter()
            .filter_map(|c| c["conversation_id"].as_str().map(str::to_owned))
            .collect();
        let allowed: f64 = writers.iter().map(|&i| truth[&persons[i].0][4]).sum();
        assert_eq!(ids.len() as f64, allowed, "conversations of {team:?}");
        let mut row = vec![0.0; width];
        for i in writers {
            row[4 * n + i] = 1.0;
        }
        rows.push(row);
        lists.push((g, ids));
    }
    // Whom a conversation id points to: a commenter of every list it is in, and of no
    // released list it is not in. Never fewer than k people.
    let min_group = usize::try_from(k).expect("k");
    let ids: std::collections::BTreeSet<&String> = lists.iter().flat_map(|l| &l.1).collect();
    for id in ids {
        let candidates = persons
            .iter()
            .filter(|p| {
                commented(p)
                    && lists
                        .iter()
                        .all(|(g, ids)| ids.contains(id) == member(g, p))
            })
            .count();
        assert!(
            candidates >= min_group,
            "conversation {id} narrows its author to {candidates}"
        );
    }
    assert!(!rows.is_empty());
    let pivots = reduce(&mut rows, width);
    let mut pivot_row = vec![None; width];
    for (r, c) in pivots {
        pivot_row[c] = Some(r);
    }
    let determined = |cols: &[usize]| {
        let mut sum = vec![0.0; width];
        for &c in cols {
            if let Some(r) = pivot_row[c] {
                for (s, x) in sum.iter_mut().zip(&rows[r]) {
                    *s += x;
                }
            }
        }
        (0..width).all(|j| (sum[j] - if cols.contains(&j) { 1.0 } else { 0.0 }).abs() < 1e-9)
    };
    // Every union of fewer than k respondents, for every answer: its total must not be
    // determined by what was released.
    let k = app
        .get(&format!("/api/v1/rounds/{}/report", r.id), Some(&hr.token))
        .await
        .json()["min_group"]
        .as_u64()
        .map_or(3, |k| k as usize);
    let mut stack: Vec<(Vec<usize>, usize)> = vec![(vec![], 0)];
    let mut checked = 0usize;
    while let Some((set, from)) = stack.pop() {
        if !set.is_empty() {
            for block in 0..5 {
                let cols: Vec<usize> = set.iter().map(|i| block * n + i).collect();
                if determined(&cols) {
                    let who: Vec<&str> = set.iter().map(|&i| persons[i].0.as_str()).collect();
                    panic!(
                        "block {block}: the total of {who:?} can be computed from released aggregates"
                    );
                }
            }
            checked += 1;
        }
        if set.len() + 1 < k {
            for i in from..n {
                let mut next = set.clone();
                next.push(i);
                stack.push((next, i + 1));
            }
        }
    }
    assert!(checked >= n);
}

#[tokio::test]
async fn a_two_way_table_cannot_be_solved_through_a_row_and_a_column() {
    // Two teams × three locations, k = 3. Invitees: North 5/4/3 and South 4/3/4 in
    // Paris/Berlin/Rome (no generalisation needed); in North only one Rome invitee
    // answers. Suppressing North×Rome and, by the column rule, South×Rome is not enough:
    // South×Rome is South minus its other locations, and then North×Rome follows from
    // the Rome column. The engine's audit must catch that.
    let app = spawn_app_with(|c| c.min_group = 3).await;
    let hr = app.hr().await;
    let company = app.create_team(&hr, "Company", None, "frontline").await;
    let north = app
        .create_team(&hr, "North", Some(&company), "frontline")
        .await;
    let south = app
        .create_team(&hr, "South", Some(&company), "frontline")
        .await;
    let layout = |counts: [usize; 3]| {
        move |i: usize| {
            let city = if i < counts[0] {
                "Paris"
            } else if i < counts[0] + counts[1] {
                "Berlin"
            } else {
                "Rome"
            };
            (Some(city.to_owned()), None, None)
        }
    };
    let north_people = app.seed_people(&north, 12, layout([5, 4, 3])).await;
    let south_people = app.seed_people(&south, 11, layout([4, 3, 4])).await;
    let mut b = body(&[], &["location"]);
    b["min_group"] = json!(3);
    let (_, r) = open(&app, &hr, b).await;
    let mut truth = HashMap::new();
    // North: everyone in Paris and Berlin, one of three in Rome; South: everyone.
    let answering: Vec<&Actor> = north_people[..10].iter().chain(&south_people).collect();
    for (i, who) in answering.into_iter().enumerate() {
        let v = [
            (i % 5 + 1) as u8,
            ((i * 3) % 5 + 1) as u8,
            ((i * 7) % 11) as u8,
            ((i * 2) % 5 + 1) as u8,
        ];
        answer(&app, who, &r, v, None).await;
        truth.insert(who.id.clone(), with_replies(v, None));
    }
    close(&app, &hr, &r).await;
    let parent: HashMap<String, Option<String>> = [
        (company.clone(), None),
        (north.clone(), Some(company.clone())),
        (south.clone(), Some(company.clone())),
    ]
    .into_iter()
    .collect();
    attack(&app, &hr, &r, &parent, &truth).await;
}

#[tokio::test]
async fn the_issues_adversary_finds_no_group_smaller_than_k() {
    // A parent with children of 3, 4, 6 and 9 people and 2 direct members; two
    // locations; everyone answers; k = 5 (the default).
    let app = spawn_app().await;
    let hr = app.hr().await;
    let parent_team = app.create_team(&hr, "Operations", None, "frontline").await;
    let mut parent = HashMap::from([(parent_team.clone(), None)]);
    let mut everyone: Vec<Actor> = app
        .seed_people(&parent_team, 2, |i| {
            (Some(["Oslo", "Lima"][i % 2].into()), None, None)
        })
        .await;
    for (i, size) in [3usize, 4, 6, 9].into_iter().enumerate() {
        let child = app
            .create_team(
                &hr,
                &format!("Crew {size}"),
                Some(&parent_team),
                "frontline",
            )
            .await;
        parent.insert(child.clone(), Some(parent_team.clone()));
        everyone.extend(
            app.seed_people(&child, size, move |j| {
                (Some(["Oslo", "Lima"][(i + j) % 2].into()), None, None)
            })
            .await,
        );
    }
    let (sid, r) = open(&app, &hr, body(&[], &["location"])).await;
    let mut truth = HashMap::new();
    for (i, who) in everyone.iter().enumerate() {
        let v = [
            (i % 5 + 1) as u8,
            ((i * 3) % 5 + 1) as u8,
            ((i * 7) % 11) as u8,
            ((i * 2) % 5 + 1) as u8,
        ];
        let allow = i % 3 == 0;
        answer_allowing(&app, who, &r, v, Some("a comment"), allow).await;
        truth.insert(who.id.clone(), with_replies(v, Some(allow)));
    }
    close(&app, &hr, &r).await;
    attack(&app, &hr, &r, &parent, &truth).await;
    // CSV exports release nothing beyond the JSON: suppressed rows carry no numbers.
    for team in parent.keys() {
        let resp = app
            .client
            .get(format!(
                "/api/v1/rounds/{}/report?team_id={team}&cut=location",
                r.id
            ))
            .header("authorization", format!("Bearer {}", hr.token))
            .header("accept", "text/csv")
            .send()
            .await;
        let text = resp.0.into_body().into_string().await.expect("csv");
        for line in text.lines().skip(1) {
            let fields: Vec<&str> = line.split(',').collect();
            if fields.get(5) == Some(&"true") {
                assert!(
                    fields[6..].iter().all(|f| f.is_empty()),
                    "a suppressed CSV row has numbers: {line}"
                );
            }
        }
    }
    app.get(&format!("/api/v1/surveys/{sid}/trend"), Some(&hr.token))
        .await
        .expect(200);
}
