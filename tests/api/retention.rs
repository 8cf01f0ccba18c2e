//! Retention: admins set how long closed suggestions and customer ratings are kept, and
//! the purge (run daily by the server) deletes exactly what has expired at the time it
//! is given — the tests move that time forward — leaving no deleted text in the SQLite
//! file or its write-ahead log.

use poem::http::Method;
use serde_json::{Value, json};

use crate::helpers::*;

fn purge(app: &TestApp, months_ahead: u32) -> pulseline::ops::retention::Purged {
    let at = pulseline::clock::now()
        .checked_add_months(chrono::Months::new(months_ahead))
        .expect("a date");
    pulseline::ops::retention::purge(&app.state.db, at).expect("purge")
}

async fn suggestion(app: &TestApp, by: &Actor, body: &str) -> String {
    let r = app
        .post(
            "/api/v1/suggestions",
            Some(&by.token),
            json!({"title": "Refunds", "body": body, "touchpoint": "billing",
                   "anonymous": false}),
        )
        .await;
    r.expect(201);
    r.json()["id"].as_str().expect("id").to_owned()
}

#[tokio::test]
async fn the_purge_deletes_exactly_what_has_expired() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let hr = app.hr().await;
    app.get("/api/v1/retention", Some(&hr.token))
        .await
        .expect(403);
    let r = app.get("/api/v1/retention", Some(&admin.token)).await;
    r.expect(200);
    assert_eq!(
        r.json(),
        json!({"suggestions_months": null, "cx_months": null}),
        "kept for ever by default"
    );
    let r = app
        .json(
            Method::PUT,
            "/api/v1/retention",
            Some(&admin.token),
            json!({"cx_months": 0}),
        )
        .await;
    r.expect(422);
    assert_eq!(r.field(), "cx_months");

    let team = app.create_team(&admin, "Support", None, "frontline").await;
    let author = app.employee(&admin, Some(&team)).await;
    let tag = short();
    let closed_text = format!("CLOSED-{tag} customers wait three weeks");
    let open_text = format!("OPEN-{tag} customers wait four weeks");
    let closed = suggestion(&app, &author, &closed_text).await;
    let open = suggestion(&app, &author, &open_text).await;
    app.json(
        Method::PATCH,
        &format!("/api/v1/suggestions/{closed}"),
        Some(&admin.token),
        json!({"status": "declined", "reply": "Not this quarter, sorry."}),
    )
    .await
    .expect(200);
    let today = chrono::Utc::now().date_naive();
    let day = |ago: i64| (today - chrono::TimeDelta::days(ago)).to_string();
    app.post(
        "/api/v1/cx/ratings",
        Some(&admin.token),
        json!({"ratings": [
            {"external_id": "old", "team_id": team, "metric": "csat", "score": 1, "occurred_on": day(400)},
            {"external_id": "recent", "team_id": team, "metric": "csat", "score": 2, "occurred_on": day(100)},
            {"external_id": "today", "team_id": team, "metric": "csat", "score": 3, "occurred_on": day(0)},
        ]}),
    )
    .await
    .expect(200);

    // Nothing expires while nothing is set.
    assert_eq!(purge(&app, 1200), Default::default());
    let r = app
        .json(
            Method::PUT,
            "/api/v1/retention",
            Some(&admin.token),
            json!({"suggestions_months": 3, "cx_months": 6}),
        )
        .await;
    r.expect(200);

    // Now: ratings older than six months go (the one of 400 days ago); the suggestion
    // declined today is kept for three months.
    let p = purge(&app, 0);
    assert_eq!((p.suggestions, p.cx_ratings), (0, 1));
    // Two months on: nothing more (the 100-day-old rating turns 160 days).
    let p = purge(&app, 2);
    assert_eq!((p.suggestions, p.cx_ratings), (0, 0));
    // Four months on: the declined suggestion (closed four months before) and the
    // rating now 220 days old; the open suggestion and today's rating stay.
    let p = purge(&app, 4);
    assert_eq!((p.suggestions, p.cx_ratings), (1, 1));
    app.get(&format!("/api/v1/suggestions/{closed}"), Some(&admin.token))
        .await
        .expect(404);
    app.get(&format!("/api/v1/suggestions/{open}"), Some(&admin.token))
        .await
        .expect(200);
    assert_eq!(app.count("cx_ratings").await, 1);
    assert_eq!(app.count("suggestion_events").await, 0);

    // Every run is audited, with counts; the change of settings too.
    let log = app
        .get("/api/v1/audit-log?limit=100", Some(&admin.token))
        .await
        .json();
    let actions: Vec<&Value> = log["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| &e["action"])
        .collect();
    assert_eq!(
        actions
            .iter()
            .filter(|a| **a == &json!("retention.purge"))
            .count(),
        4
    );
    assert!(actions.contains(&&json!("retention.change")));

    // On SQLite the deleted text is in neither the file nor its write-ahead log, while
    // the text that stays is (the search would find it).
    if matches!(app.state.db.backend(), pulseline::db::Backend::Sqlite) {
        let mut bytes = std::fs::read(&app.database_url).expect("database");
        bytes.extend(std::fs::read(format!("{}-wal", app.database_url)).unwrap_or_default());
        let has = |s: &str| bytes.windows(s.len()).any(|w| w == s.as_bytes());
        assert!(
            !has(&format!("CLOSED-{tag}")),
            "the purged text is still in the files"
        );
        assert!(has(&format!("OPEN-{tag}")));
    }
}
