//! Retention: admins set how long answers, comments, closed suggestions, customer ratings and
//! audit entries are kept, and
//! the purge (run daily by the server) deletes exactly what has expired at the time it
//! is given — the tests move that time forward — leaving no deleted text in the SQLite
//! file or its write-ahead log.

use diesel::prelude::*;
use poem::http::Method;
use serde_json::{Value, json};

use crate::helpers::*;

fn purge(app: &TestApp, months_ahead: u32) -> pulseline::ops::retention::Purged {
    let at = pulseline::clock::now()
        .checked_add_months(chrono::Months::new(months_ahead))
        .expect("a date");
    pulseline::ops::retention::purge(&app.state.db, &app.state.rounds, at).expect("purge")
}

/// The SQLite file and its write-ahead log, as a copy of the disk would hold them
/// (empty on PostgreSQL).
fn raw_files(app: &TestApp) -> Vec<u8> {
    if !matches!(app.state.db.backend(), pulseline::db::Backend::Sqlite) {
        return Vec::new();
    }
    let mut bytes = std::fs::read(&app.database_url).expect("database");
    bytes.extend(std::fs::read(format!("{}-wal", app.database_url)).unwrap_or_default());
    bytes
}

fn holds(bytes: &[u8], s: &str) -> bool {
    bytes.windows(s.len()).any(|w| w == s.as_bytes())
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
        json!({"answers_months": null, "comments_months": null, "suggestions_months": null,
               "cx_months": null, "audit_months": null}),
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
        let bytes = raw_files(&app);
        assert!(
            !holds(&bytes, &format!("CLOSED-{tag}")),
            "the purged text is still in the files"
        );
        assert!(holds(&bytes, &format!("OPEN-{tag}")));
    }
}

/// A survey of four 1–5/0–10 items and a comment, opened now for `team`.
async fn survey_round(app: &TestApp, hr: &Actor, team: &str) -> (String, String, Vec<String>) {
    let r = app
        .post(
            "/api/v1/surveys",
            Some(&hr.token),
            json!({
                "title": "Quarterly pulse",
                "questions": [
                    {"bank_item": "eo_proud"}, {"bank_item": "eo_stay"},
                    {"bank_item": "eo_enps"}, {"bank_item": "gr_learning"},
                    {"kind": "text", "driver": "voice", "text": "What would you change?"}
                ],
                "audience": {"team_ids": [team]},
                "schedule": {"starts_on": chrono::Utc::now().date_naive().to_string(),
                             "cadence": "quarterly", "window_days": 14}
            }),
        )
        .await;
    r.expect(201);
    let survey = r.json();
    let sid = survey["id"].as_str().expect("id").to_owned();
    let q = survey["questions"]
        .as_array()
        .expect("questions")
        .iter()
        .map(|q| q["id"].as_str().expect("qid").to_owned())
        .collect();
    let round = app.open_round_now(hr, &sid).await;
    (sid, round, q)
}

async fn answer_all(app: &TestApp, staff: &[Actor], round: &str, q: &[String], mark: &str) {
    for (i, who) in staff.iter().enumerate() {
        let v = 1 + (i % 5) as u8;
        app.post(
            &format!("/api/v1/rounds/{round}/responses"),
            Some(&who.token),
            json!({"answers": [
                {"question_id": q[0], "value": v}, {"question_id": q[1], "value": v},
                {"question_id": q[2], "value": 2 * v}, {"question_id": q[3], "value": v},
                {"question_id": q[4], "text": format!("{mark} number {i}")}
            ]}),
        )
        .await
        .expect(201);
    }
}

/// Moves a closed round `days` into the past, as if it had closed then.
async fn backdate(app: &TestApp, round: &str, days: i64) {
    use pulseline::db::schema::rounds;
    let id = round.to_owned();
    app.state
        .db
        .write(move |conn| {
            let shift = chrono::TimeDelta::days(days);
            let (opens, closes): (chrono::NaiveDateTime, chrono::NaiveDateTime) = rounds::table
                .find(&id)
                .select((rounds::opens_at, rounds::closes_at))
                .first(conn)?;
            diesel::update(rounds::table.find(&id))
                .set((
                    rounds::opens_at.eq(opens - shift),
                    rounds::closes_at.eq(closes - shift),
                ))
                .execute(conn)?;
            Ok(())
        })
        .await
        .expect("backdate");
}

#[tokio::test]
async fn expired_answers_comments_and_audit_entries_go_and_leave_no_trace() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let hr = app.hr().await;
    let team = app.create_team(&admin, "Support", None, "frontline").await;
    let staff = app.seed_people(&team, 12, |_| (None, None, None)).await;
    let tag = short();
    let (sid, first, q) = survey_round(&app, &hr, &team).await;
    answer_all(&app, &staff, &first, &q, &format!("FIRST-{tag}")).await;
    app.close_round_now(&hr, &first).await;
    // The first round closed 120 days ago; the second closes today.
    backdate(&app, &first, 120).await;
    let second = app.open_round_now(&hr, &sid).await;
    answer_all(&app, &staff, &second, &q, &format!("SECOND-{tag}")).await;
    app.close_round_now(&hr, &second).await;

    let report = |round: String| {
        let app = &app;
        let token = hr.token.clone();
        let team = team.clone();
        async move {
            app.get(
                &format!("/api/v1/rounds/{round}/report?team_id={team}"),
                Some(&token),
            )
            .await
        }
    };
    report(first.clone()).await.expect(200);
    let second_before = report(second.clone()).await;
    second_before.expect(200);
    let comments = |round: String| {
        let app = &app;
        let token = hr.token.clone();
        let team = team.clone();
        async move {
            app.get(
                &format!("/api/v1/rounds/{round}/comments?team_id={team}"),
                Some(&token),
            )
            .await
        }
    };
    let c = comments(first.clone()).await;
    c.expect(200);
    assert_eq!(c.json()["comments"].as_array().map(Vec::len), Some(12));
    let trend = format!("/api/v1/surveys/{sid}/trend?team_id={team}");
    let points = |v: Value| v["points"].as_array().map(Vec::len);
    assert_eq!(
        points(app.get(&trend, Some(&hr.token)).await.json()),
        Some(2)
    );

    // Two audit entries written long ago (as an old database holds them).
    let old = format!("OLD-AUDIT-{tag}");
    {
        use pulseline::db::schema::audit_log;
        let (old, now) = (old.clone(), pulseline::clock::now());
        app.state
            .db
            .write(move |conn| {
                for (days, suffix) in [(400, "a"), (300, "b")] {
                    diesel::insert_into(audit_log::table)
                        .values((
                            audit_log::id.eq(uuid::Uuid::new_v4().to_string()),
                            audit_log::at.eq(now - chrono::TimeDelta::days(days)),
                            audit_log::actor_id.eq("someone"),
                            audit_log::action.eq("report.read"),
                            audit_log::target.eq(format!("{old}-{suffix}")),
                        ))
                        .execute(conn)?;
                }
                Ok(())
            })
            .await
            .expect("old audit entries");
    }
    let bytes = raw_files(&app);
    if !bytes.is_empty() {
        for s in [&format!("FIRST-{tag}"), &format!("SECOND-{tag}"), &old] {
            assert!(
                holds(&bytes, s),
                "the search would find {s} before the purge"
            );
        }
    }

    // The audit log is never kept for less than twelve months.
    let r = app
        .json(
            Method::PUT,
            "/api/v1/retention",
            Some(&admin.token),
            json!({"audit_months": 11}),
        )
        .await;
    r.expect(422);
    assert_eq!(r.field(), "audit_months");
    app.json(
        Method::PUT,
        "/api/v1/retention",
        Some(&admin.token),
        json!({"answers_months": 3, "comments_months": 1, "audit_months": 12}),
    )
    .await
    .expect(200);

    // Today: the first round (closed 120 days ago, past three months) loses its answer
    // values, comments with them; the second keeps everything; the 400-day-old audit
    // entry goes, the 300-day-old one stays.
    let p = purge(&app, 0);
    assert_eq!(
        (p.rounds, p.answers, p.comments, p.audit_entries),
        (1, 12 * 5, 0, 1)
    );
    let gone = report(first.clone()).await;
    gone.expect(410);
    assert!(
        gone.json()["detail"]
            .as_str()
            .is_some_and(|d| d.contains("retention"))
    );
    comments(first.clone()).await.expect(410);
    app.get(&format!("/api/v1/rounds/{first}/heatmap"), Some(&hr.token))
        .await
        .expect(410);
    assert_eq!(
        points(app.get(&trend, Some(&hr.token)).await.json()),
        Some(1),
        "the purged round leaves the trend"
    );
    // The later round's release plan, made afresh without the earlier round's answer
    // values, is exactly what it was: its plan depends on who answered in which cell,
    // which the purge keeps.
    app.state.rounds.forget(std::slice::from_ref(&second));
    let second_after = report(second.clone()).await;
    second_after.expect(200);
    assert_eq!(second_after.json(), second_before.json());
    comments(second.clone()).await.expect(200);

    // Two months on: the second round's comments (past one month) go, its scores stay.
    let p = purge(&app, 2);
    assert_eq!((p.rounds, p.answers, p.comments), (0, 0, 12));
    comments(second.clone()).await.expect(410);
    assert_eq!(report(second.clone()).await.json(), second_before.json());

    // What a copy of the disk holds afterwards: none of the purged text.
    let bytes = raw_files(&app);
    if !bytes.is_empty() {
        for s in [
            format!("FIRST-{tag}"),
            format!("SECOND-{tag}"),
            format!("{old}-a"),
        ] {
            assert!(!holds(&bytes, &s), "{s} is still in the files");
        }
        assert!(
            holds(&bytes, &format!("{old}-b")),
            "the younger entry stays"
        );
    }

    // The database itself refuses to delete an audit entry younger than twelve months.
    let refused = app
        .state
        .db
        .write(|conn| {
            use pulseline::db::schema::audit_log;
            diesel::delete(audit_log::table).execute(conn)?;
            Ok(())
        })
        .await;
    assert!(refused.is_err(), "the trigger keeps young entries");
    let log = app
        .get(
            "/api/v1/audit-log?action=retention.purge&limit=10",
            Some(&admin.token),
        )
        .await
        .json();
    let runs = log["items"].as_array().expect("items");
    assert_eq!(runs.len(), 2, "one entry per run");
    assert!(runs.iter().any(|e| {
        e["target"]
            .as_str()
            .is_some_and(|t| t.contains("comments=12"))
    }));
}

#[tokio::test]
async fn an_admin_sets_retention_on_its_page_and_hr_cannot() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let hr = app.hr().await;
    let mut b = Browser::new(&app);
    b.sign_in(&admin.email, PASSWORD).await;
    let page = b.get("/admin/retention").await;
    assert_html(&page, 200);
    assert!(
        page.text().contains("href=\"/admin/retention\""),
        "in the menu"
    );

    // Too short an audit log and a word where months belong: both named beside their
    // fields, nothing saved.
    let r = b
        .submit(
            "/admin/retention",
            "/admin/retention",
            &[("answers_months", "24"), ("audit_months", "6")],
        )
        .await;
    assert_html(&r, 422);
    assert_eq!(
        error_beside(&r.text(), "f-audit_months"),
        "the audit log is kept for at least 12 months (PCI DSS v4.0 requirement 10.5.1)"
    );
    let r = b
        .submit(
            "/admin/retention",
            "/admin/retention",
            &[("cx_months", "two")],
        )
        .await;
    assert_html(&r, 422);
    assert_eq!(
        error_beside(&r.text(), "f-cx_months"),
        "must be a whole number of months"
    );
    let stored = app
        .get("/api/v1/retention", Some(&admin.token))
        .await
        .json();
    assert_eq!(stored["answers_months"], json!(null), "nothing saved");

    let r = b
        .submit(
            "/admin/retention",
            "/admin/retention",
            &[
                ("answers_months", "36"),
                ("comments_months", "12"),
                ("suggestions_months", ""),
                ("cx_months", "24"),
                ("audit_months", "84"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(location(&r), "/admin/retention?saved=1");
    let stored = app
        .get("/api/v1/retention", Some(&admin.token))
        .await
        .json();
    assert_eq!(
        stored,
        json!({"answers_months": 36, "comments_months": 12, "suggestions_months": null,
               "cx_months": 24, "audit_months": 84})
    );
    let html = b.get("/admin/retention?saved=1").await.text();
    assert!(
        html.contains("name=\"answers_months\" type=\"number\" value=\"36\""),
        "{html}"
    );
    assert!(html.contains("Saved."));

    // HR reads reports but does not decide what is deleted.
    let mut h = Browser::new(&app);
    h.sign_in(&hr.email, PASSWORD).await;
    assert_eq!(h.get("/admin/retention").await.status, 403);
}
