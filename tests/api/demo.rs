//! The demo organisation: seeded deterministically, usable at once, and the planted
//! engagement → CSAT link is found by the lag-1 linkage analysis.

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn the_demo_plants_a_lag_one_link_that_the_analysis_recovers() {
    let app = spawn_app().await;
    let hash = app
        .state
        .hasher
        .hash_blocking("demo password for tests")
        .expect("hash");
    let today = chrono::Utc::now().date_naive();
    let (db, master) = (app.state.db.clone(), app.state.master.clone());
    let summary = tokio::task::spawn_blocking(move || {
        pulseline::demo::seed(
            &db,
            hash,
            "demo password for tests".into(),
            7,
            today,
            5,
            &master,
        )
    })
    .await
    .expect("join")
    .expect("seed");
    assert_eq!(summary.teams, 9);
    assert!(summary.rounds >= 11, "{summary:?}");
    assert!(summary.responses > 500);
    let token = app
        .login(&summary.admin_email, "demo password for tests")
        .await;
    let r = app
        .get(
            "/api/v1/insights/linkage?metric=csat&lag=1&min_ratings=10",
            Some(&token),
        )
        .await;
    r.expect(200);
    let v = r.json();
    // 72 team-months before rounds were compared with each other; the across-rounds
    // audit hides those whose respondents only grew or only shrank by fewer than k
    // against some earlier month (docs/SECURITY.md, "Across rounds"): 33 remain.
    assert!(v["n"].as_i64().unwrap_or(0) >= 30, "{}", v["n"]);
    let p = &v["pearson"];
    let (r_, lo, hi) = (
        p["r"].as_f64().expect("r"),
        p["ci_low"].as_f64().expect("ci"),
        p["ci_high"].as_f64().expect("ci"),
    );
    let planted = pulseline::demo::PLANTED_RHO;
    assert!(r_ > 0.0 && lo > 0.0, "lag-1 r = {r_}, CI ({lo}, {hi})");
    assert!(
        lo <= planted && planted <= hi,
        "the 95% CI ({lo}, {hi}) misses the planted {planted}; r = {r_}"
    );
    // The report machinery works on the demo data too.
    let rounds = app
        .get("/api/v1/surveys?limit=1", Some(&token))
        .await
        .json();
    assert_eq!(rounds["total"], json!(1));
    // Action plans: one overdue comes first, and the done one's effect reads the
    // rounds around it.
    let actions = app.get("/api/v1/actions", Some(&token)).await.json();
    assert_eq!(actions["total"], json!(3));
    assert_eq!(actions["items"][0]["overdue"], json!(true));
    let done = actions["items"]
        .as_array()
        .and_then(|a| a.iter().find(|a| a["status"] == json!("done")))
        .and_then(|a| a["id"].as_str())
        .expect("a done action")
        .to_owned();
    let effect = app
        .get(&format!("/api/v1/actions/{done}/effect"), Some(&token))
        .await;
    effect.expect(200);
    assert_eq!(
        effect.json()["verdict"],
        json!("compared"),
        "{}",
        effect.text()
    );
    // A second seeding is refused.
    let (db, master) = (app.state.db.clone(), app.state.master.clone());
    let again = tokio::task::spawn_blocking(move || {
        pulseline::demo::seed(&db, String::new(), String::new(), 7, today, 5, &master)
    })
    .await
    .expect("join");
    assert!(again.is_err());
}
