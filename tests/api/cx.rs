//! Customer ratings in: idempotent batches as JSON or CSV, per-row errors, team keys,
//! and the per-period summary.

use poem::http::Method;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn the_same_batch_twice_counts_once_and_bad_rows_are_named() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let support = app.create_team(&hr, "Support", None, "frontline").await;
    app.json(
        Method::PATCH,
        &format!("/api/v1/teams/{support}"),
        Some(&hr.token),
        json!({"key": "SUP-1"}),
    )
    .await
    .expect(200);
    let batch = json!({"ratings": [
        {"external_id": "r1", "team_id": support, "metric": "csat", "score": 5, "occurred_on": "2026-03-02"},
        {"external_id": "r2", "team_key": "SUP-1", "metric": "csat", "score": 2, "occurred_on": "2026-03-05"},
        {"external_id": "r3", "team_key": "SUP-1", "metric": "nps", "score": 10, "occurred_on": "2026-03-09"},
        {"external_id": "r4", "team_key": "SUP-1", "metric": "ces", "score": 8, "occurred_on": "2026-03-09"},
        {"external_id": "r5", "team_key": "NOPE", "metric": "csat", "score": 4, "occurred_on": "2026-03-09"},
        {"external_id": "r6", "team_id": support, "metric": "wow", "score": 4, "occurred_on": "2026-03-09"},
        {"external_id": "r1", "team_id": support, "metric": "csat", "score": 5, "occurred_on": "2026-03-02"}
    ]});
    let dry = app
        .post(
            "/api/v1/cx/ratings?dry_run=true",
            Some(&hr.token),
            batch.clone(),
        )
        .await;
    dry.expect(200);
    assert_eq!(dry.json()["accepted"], json!(3));
    assert_eq!(app.count("cx_ratings").await, 0);
    let r = app
        .post("/api/v1/cx/ratings", Some(&hr.token), batch.clone())
        .await;
    r.expect(200);
    let v = r.json();
    assert_eq!(v["received"], json!(7));
    assert_eq!(v["accepted"], json!(3));
    assert_eq!(v["duplicates"], json!(1));
    let errors: Vec<(i64, String)> = v["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| {
            (
                e["row"].as_i64().unwrap_or(-1),
                e["field"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        errors,
        vec![
            (3, "score".into()),
            (4, "team_key".into()),
            (5, "metric".into())
        ]
    );
    // Again: nothing new.
    let again = app
        .post("/api/v1/cx/ratings", Some(&hr.token), batch)
        .await
        .json();
    assert_eq!(again["accepted"], json!(0));
    assert_eq!(again["duplicates"], json!(4));
    assert_eq!(app.count("cx_ratings").await, 3);

    // CSV takes the same path.
    let csv = "external_id,team_id,team_key,metric,score,occurred_on\nc1,,SUP-1,csat,4,2026-04-01\nc2,,SUP-1,csat,x,2026-04-01\nr1,,SUP-1,csat,5,2026-03-02\n";
    let r = app
        .raw(
            Method::POST,
            "/api/v1/cx/ratings",
            Some(&hr.token),
            "text/csv",
            csv,
        )
        .await;
    r.expect(200);
    let v = r.json();
    assert_eq!(
        (v["accepted"].clone(), v["duplicates"].clone()),
        (json!(1), json!(1))
    );
    assert_eq!(v["errors"][0]["field"], json!("score"));
    let emp = app.employee(&hr, Some(&support)).await;
    app.post(
        "/api/v1/cx/ratings",
        Some(&emp.token),
        json!({"ratings": []}),
    )
    .await
    .expect(403);
}

#[tokio::test]
async fn the_summary_gives_csat_nps_and_ces_per_period() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let company = app.create_team(&hr, "Company", None, "frontline").await;
    let support = app
        .create_team(&hr, "Support", Some(&company), "frontline")
        .await;
    let sales = app
        .create_team(&hr, "Sales", Some(&company), "frontline")
        .await;
    let mut ratings = Vec::new();
    // March, Support: CSAT 5, 4, 3, 1 → 50 %; NPS 10, 9, 6 → (2 − 1)/3 = 33.33 %;
    // CES 2, 4 → 3. April, Support: CSAT 4 → 100 %. March, Sales: CSAT 1.
    for (i, (team, metric, score, day)) in [
        (&support, "csat", 5, "2026-03-01"),
        (&support, "csat", 4, "2026-03-10"),
        (&support, "csat", 3, "2026-03-20"),
        (&support, "csat", 1, "2026-03-31"),
        (&support, "nps", 10, "2026-03-02"),
        (&support, "nps", 9, "2026-03-03"),
        (&support, "nps", 6, "2026-03-04"),
        (&support, "ces", 2, "2026-03-05"),
        (&support, "ces", 4, "2026-03-06"),
        (&support, "csat", 4, "2026-04-01"),
        (&sales, "csat", 1, "2026-03-15"),
    ]
    .into_iter()
    .enumerate()
    {
        ratings.push(json!({"external_id": format!("x{i}"), "team_id": team, "metric": metric, "score": score, "occurred_on": day}));
    }
    app.post(
        "/api/v1/cx/ratings",
        Some(&hr.token),
        json!({"ratings": ratings}),
    )
    .await
    .expect(200);
    let r = app
        .get(
            &format!("/api/v1/cx/summary?team_id={support}&period=month"),
            Some(&hr.token),
        )
        .await;
    r.expect(200);
    let p = r.json()["periods"].clone();
    assert_eq!(p[0]["period"], json!("2026-03"));
    assert_eq!(p[0]["n"], json!(9));
    assert_eq!(p[0]["csat"], json!(50.0));
    assert!((p[0]["nps"].as_f64().unwrap_or(0.0) - 100.0 / 3.0).abs() < 1e-9);
    assert_eq!(p[0]["ces"], json!(3.0));
    assert_eq!(p[1]["period"], json!("2026-04"));
    assert_eq!(p[1]["csat"], json!(100.0));
    assert_eq!(p[1]["nps"], json!(null));
    // The company's subtree includes Sales; by quarter everything is 2026-Q1/Q2.
    let q = app
        .get(
            &format!("/api/v1/cx/summary?team_id={company}&period=quarter"),
            Some(&hr.token),
        )
        .await
        .json();
    assert_eq!(q["periods"][0]["period"], json!("2026-Q1"));
    assert_eq!(q["periods"][0]["csat_n"], json!(5));
    assert_eq!(q["periods"][0]["csat"], json!(40.0));
    // A manager of Sales cannot read Support's.
    let m = app.manager_of(&hr, &sales).await;
    app.get(
        &format!("/api/v1/cx/summary?team_id={support}"),
        Some(&m.token),
    )
    .await
    .expect(404);
    app.get(
        &format!("/api/v1/cx/summary?team_id={sales}"),
        Some(&m.token),
    )
    .await
    .expect(200);
}
