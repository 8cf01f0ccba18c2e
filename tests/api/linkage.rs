//! The EX–CX linkage end to end: points from a closed round and ratings, suppression,
//! the service map, access, CSV and SVG.

use poem::http::Method;
use serde_json::{Value, json};

use crate::helpers::*;

async fn ratings(app: &TestApp, hr: &Actor, team: &str, scores: &[u8], tag: &str) {
    let day = chrono::Utc::now().date_naive().to_string();
    let list: Vec<Value> = scores
        .iter()
        .enumerate()
        .map(|(i, s)| json!({"external_id": format!("{tag}-{i}"), "team_id": team, "metric": "csat", "score": s, "occurred_on": day}))
        .collect();
    app.post(
        "/api/v1/cx/ratings",
        Some(&hr.token),
        json!({"ratings": list}),
    )
    .await
    .expect(200);
}

#[tokio::test]
async fn linkage_points_match_hand_computed_engagement_and_csat() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let support = app.create_team(&hr, "Support", None, "frontline").await;
    let legal = app
        .create_team(&hr, "Legal", Some(&support), "frontline")
        .await;
    let sales = app.create_team(&hr, "Sales", None, "frontline").await;
    let it = app.create_team(&hr, "IT", None, "internal").await;
    let ops = app.create_team(&hr, "Ops", None, "frontline").await;
    app.json(
        Method::PUT,
        &format!("/api/v1/teams/{it}/serves"),
        Some(&hr.token),
        json!([{"team_id": support, "weight": 2.0}, {"team_id": sales, "weight": 1.0}]),
    )
    .await
    .expect(200);
    // (proud, stay) per person. Each team's answers vary (a team whose members all gave
    // the same answers would not be shown); the means are those of the comments below.
    let mut groups = Vec::new();
    for (team, answers) in [
        (
            &support,
            &[(5, 5), (4, 4), (5, 4), (5, 4), (5, 4), (5, 4)][..],
        ),
        (&legal, &[(5, 4), (5, 4)][..]),
        (&sales, &[(4, 4), (2, 2), (3, 3), (3, 3), (3, 3)][..]),
        (&it, &[(5, 5), (3, 3), (4, 4), (4, 4), (4, 4)][..]),
        (&ops, &[(3, 3), (1, 1), (2, 2), (2, 2), (2, 2)][..]),
    ] {
        groups.push((
            app.seed_people(team, answers.len(), |_| (None, None, None))
                .await,
            answers,
        ));
    }
    let survey = app
        .post(
            "/api/v1/surveys",
            Some(&hr.token),
            json!({"title": "Pulse", "questions": [{"bank_item": "eo_proud"}, {"bank_item": "eo_stay"}],
                   "schedule": {"starts_on": "2026-01-01", "cadence": "monthly", "window_days": 7}}),
        )
        .await
        .json();
    let q: Vec<String> = survey["questions"]
        .as_array()
        .expect("q")
        .iter()
        .map(|q| q["id"].as_str().unwrap_or("").to_owned())
        .collect();
    let sid = survey["id"].as_str().expect("id");
    let round = app
        .send(
            Method::POST,
            &format!("/api/v1/surveys/{sid}/rounds"),
            Some(&hr.token),
            None,
        )
        .await
        .json();
    let rid = round["id"].as_str().expect("round").to_owned();
    for (people, answers) in &groups {
        for (who, (proud, stay)) in people.iter().zip(answers.iter()) {
            app.post(
                &format!("/api/v1/rounds/{rid}/responses"),
                Some(&who.token),
                json!({"answers": [{"question_id": q[0], "value": proud}, {"question_id": q[1], "value": stay}]}),
            )
            .await
            .expect(201);
        }
    }
    app.send(
        Method::POST,
        &format!("/api/v1/rounds/{rid}/close"),
        Some(&hr.token),
        None,
    )
    .await
    .expect(200);
    // CSAT this month: Support 8 × 5 and 2 × 2 → 80 %; Sales 5 × 4 and 5 × 1 → 50 %;
    // Legal 10 × 5 (but its engagement is suppressed: 2 people); Ops only 5 ratings.
    ratings(&app, &hr, &support, &[5, 5, 5, 5, 5, 5, 5, 5, 2, 2], "sup").await;
    ratings(&app, &hr, &sales, &[4, 4, 4, 4, 4, 1, 1, 1, 1, 1], "sal").await;
    ratings(&app, &hr, &legal, &[5; 10], "leg").await;
    ratings(&app, &hr, &ops, &[5; 5], "ops").await;

    let r = app
        .get(
            "/api/v1/insights/linkage?metric=csat&period=month",
            Some(&hr.token),
        )
        .await;
    r.expect(200);
    let v = r.json();
    let point = |id: &str| {
        v["points"]
            .as_array()
            .and_then(|ps| ps.iter().find(|p| p["team_id"] == json!(id)).cloned())
    };
    // Support's subtree (Support + Legal, all answering 5 and 4): index (4.5 − 1)/4·100 = 87.5.
    let s = point(&support).expect("support");
    assert_eq!(s["engagement"], json!(87.5));
    assert_eq!(s["cx"], json!(80.0));
    assert_eq!(s["n_responses"], json!(8));
    // Sales: (3 − 1)/4·100 = 50; CSAT 50.
    let sa = point(&sales).expect("sales");
    assert_eq!(
        (sa["engagement"].clone(), sa["cx"].clone()),
        (json!(50.0), json!(50.0))
    );
    // IT serves Support (×2) and Sales (×1): (2·80 + 1·50)/3 = 70; engagement 75.
    let i = point(&it).expect("it");
    assert_eq!(i["engagement"], json!(75.0));
    assert!((i["cx"].as_f64().unwrap_or(0.0) - 70.0).abs() < 1e-9);
    assert_eq!(i["via_service_map"], json!(true));
    assert_eq!(i["n_ratings"], json!(20));
    // Legal (under k) and Ops (under min_ratings) are not points.
    assert!(point(&legal).is_none());
    assert!(point(&ops).is_none());
    assert_eq!(v["n"], json!(3));
    assert!(v["warnings"][0].as_str().unwrap_or("").contains("too few"));
    assert_eq!(v["lags"].as_array().map(Vec::len), Some(4));
    let at_risk: Vec<&str> = v["quadrants"]
        .as_array()
        .expect("q")
        .iter()
        .filter(|q| q["at_risk"] == json!(true))
        .filter_map(|q| q["team"].as_str())
        .collect();
    assert_eq!(at_risk, vec!["Sales"], "{}", v["quadrants"]);
    // With a lower threshold Ops counts too.
    let v2 = app
        .get("/api/v1/insights/linkage?min_ratings=5", Some(&hr.token))
        .await
        .json();
    assert_eq!(v2["n"], json!(4));

    // A manager of Sales sees only Sales.
    let m = app.manager_of(&hr, &sales).await;
    let mv = app
        .get("/api/v1/insights/linkage", Some(&m.token))
        .await
        .json();
    let ids: Vec<&str> = mv["points"]
        .as_array()
        .expect("points")
        .iter()
        .filter_map(|p| p["team_id"].as_str())
        .collect();
    assert_eq!(ids, vec![sales.as_str()]);
    let emp = &groups[0].0[0];
    app.get("/api/v1/insights/linkage", Some(&emp.token))
        .await
        .expect(403);
    app.get("/api/v1/insights/linkage?lag=4", Some(&hr.token))
        .await
        .expect(400);

    // SVG: well-formed, one circle per point, a fitted line.
    let svg = app
        .client
        .get("/api/v1/insights/linkage?min_ratings=5")
        .header("authorization", format!("Bearer {}", hr.token))
        .header("accept", "image/svg+xml")
        .send()
        .await;
    assert_eq!(
        svg.0
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("image/svg+xml")
    );
    let text = svg.0.into_body().into_string().await.expect("svg");
    let doc = roxmltree::Document::parse(&text).expect("well-formed XML");
    let circles = doc
        .descendants()
        .filter(|n| n.has_tag_name("circle"))
        .count();
    assert_eq!(circles, 4);
    assert!(
        doc.descendants()
            .any(|n| n.attribute("class") == Some("fit"))
    );
    let csv = app
        .client
        .get("/api/v1/insights/linkage")
        .header("authorization", format!("Bearer {}", hr.token))
        .header("accept", "text/csv")
        .send()
        .await;
    let text = csv.0.into_body().into_string().await.expect("csv");
    assert_eq!(text.lines().count(), 4, "{text}");
}
