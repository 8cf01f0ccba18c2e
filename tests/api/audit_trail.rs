//! The audit trail: every read of released data (report, heatmap, comments, trend, impact,
//! linkage as JSON, CSV and SVG, live participation, frontline insights — through the
//! API and through the pages) writes exactly one audit row, and every organisational
//! change (teams created, renamed, moved, re-kinded; service map; managers; people
//! created, moved, re-roled, changed, deactivated; imports) writes exactly its rows —
//! who, what and which ids, never the content. A refused change writes none.

use poem::http::Method;
use serde_json::{Value, json};

use crate::helpers::*;

/// Reads the audit log as an admin and checks what was written since the last check.
struct Trail<'a> {
    app: &'a TestApp,
    admin: Actor,
    seen: i64,
}

impl<'a> Trail<'a> {
    async fn new(app: &'a TestApp, admin: &Actor) -> Trail<'a> {
        let mut t = Trail {
            app,
            admin: admin.clone(),
            seen: 0,
        };
        t.seen = t.total().await;
        t
    }

    async fn page(&self) -> Value {
        let r = self
            .app
            .get("/api/v1/audit-log?limit=200", Some(&self.admin.token))
            .await;
        r.expect(200);
        r.json()
    }

    async fn total(&self) -> i64 {
        self.page().await["total"].as_i64().expect("total")
    }

    /// Forgets what was written so far (set-up steps checked elsewhere).
    async fn skip(&mut self) {
        self.seen = self.total().await;
    }

    /// Asserts that the rows written since the last check are exactly `expected`
    /// (actor, action, target), in any order.
    async fn expect(&mut self, what: &str, expected: &[(&Actor, &str, String)]) {
        let log = self.page().await;
        let total = log["total"].as_i64().expect("total");
        let new = usize::try_from(total - self.seen).expect("the log only grows");
        let mut got: Vec<(String, String, String)> = log["items"]
            .as_array()
            .expect("items")
            .iter()
            .take(new)
            .map(|e| {
                (
                    e["actor_email"].as_str().unwrap_or("").to_owned(),
                    e["action"].as_str().unwrap_or("").to_owned(),
                    e["target"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect();
        let mut want: Vec<(String, String, String)> = expected
            .iter()
            .map(|(a, action, target)| (a.email.clone(), (*action).to_owned(), target.clone()))
            .collect();
        got.sort();
        want.sort();
        assert_eq!(got, want, "{what}: the audit rows written");
        self.seen = total;
    }
}

fn survey_body() -> Value {
    json!({
        "title": "Pulse",
        "questions": [
            {"bank_item": "eo_proud"},
            {"bank_item": "eo_stay"},
            {"kind": "text", "driver": "voice", "text": "What would you change?"}
        ],
        "schedule": {"starts_on": chrono::Utc::now().date_naive().to_string(), "cadence": "quarterly", "window_days": 14}
    })
}

/// A survey with an open round that every one of `people` answered; (survey, round).
async fn answered_round(app: &TestApp, hr: &Actor, people: &[Actor]) -> (String, String) {
    let r = app
        .post("/api/v1/surveys", Some(&hr.token), survey_body())
        .await;
    r.expect(201);
    let survey = r.json();
    let sid = survey["id"].as_str().expect("id").to_owned();
    let q: Vec<String> = survey["questions"]
        .as_array()
        .expect("questions")
        .iter()
        .map(|q| q["id"].as_str().expect("qid").to_owned())
        .collect();
    let rid = app.open_round_now(hr, &sid).await;
    for (i, who) in people.iter().enumerate() {
        app.post(
            &format!("/api/v1/rounds/{rid}/responses"),
            Some(&who.token),
            json!({"answers": [
                {"question_id": q[0], "value": 4},
                {"question_id": q[1], "value": 3},
                {"question_id": q[2], "text": format!("More coffee, please ({i})")}
            ]}),
        )
        .await
        .expect(201);
    }
    (sid, rid)
}

async fn close(app: &TestApp, hr: &Actor, round: &str) {
    app.close_round_now(hr, round).await;
}

async fn get_as(app: &TestApp, who: &Actor, path: &str, accept: &str) -> Resp {
    let resp = app
        .client
        .get(path)
        .header("authorization", format!("Bearer {}", who.token))
        .header("accept", accept)
        .send()
        .await
        .0;
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp.into_body().into_vec().await.expect("body");
    Resp {
        status,
        headers,
        body,
    }
}

#[tokio::test]
async fn every_read_of_released_data_writes_one_audit_row() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let hr = app.hr().await;
    let company = app.create_team(&admin, "Company", None, "frontline").await;
    let sales = app
        .create_team(&admin, "Sales", Some(&company), "frontline")
        .await;
    let people = app.seed_people(&sales, 10, |_| (None, None, None)).await;
    let manager = app.manager_of(&admin, &sales).await;
    let employee = app.employee(&admin, Some(&sales)).await;
    let (survey, round) = answered_round(&app, &hr, &people).await;
    let mut trail = Trail::new(&app, &admin).await;

    // Live participation while the round is open (the participation API, and the
    // report, which shows only participation before close).
    app.get(
        &format!("/api/v1/rounds/{round}/participation"),
        Some(&hr.token),
    )
    .await
    .expect(200);
    let participation = format!("rounds/{round}/participation");
    trail
        .expect(
            "participation",
            &[(&hr, "participation.read", participation)],
        )
        .await;
    app.get(
        &format!("/api/v1/rounds/{round}/report?team_id={sales}"),
        Some(&hr.token),
    )
    .await
    .expect(200);
    let report = format!("rounds/{round}/report?team_id={sales}");
    trail
        .expect("live report", &[(&hr, "report.read", report.clone())])
        .await;
    // Participation is HR's: a manager is refused, and a refused read is no row.
    app.get(
        &format!("/api/v1/rounds/{round}/participation"),
        Some(&manager.token),
    )
    .await
    .expect(403);
    trail.expect("refused participation", &[]).await;

    close(&app, &hr, &round).await;
    trail.skip().await;

    // The reports (already audited before; checked here as one of the set).
    let r = get_as(
        &app,
        &hr,
        &format!("/api/v1/rounds/{round}/report?team_id={sales}"),
        "application/json",
    )
    .await;
    r.expect(200);
    assert_eq!(r.json()["scores_released"], json!(true));
    trail
        .expect("report", &[(&hr, "report.read", report.clone())])
        .await;
    get_as(
        &app,
        &hr,
        &format!("/api/v1/rounds/{round}/report?team_id={sales}"),
        "text/csv",
    )
    .await
    .expect(200);
    trail
        .expect("report CSV", &[(&hr, "report.export", report.clone())])
        .await;
    app.get(&format!("/api/v1/rounds/{round}/heatmap"), Some(&hr.token))
        .await
        .expect(200);
    trail
        .expect(
            "heatmap",
            &[(&hr, "heatmap.read", format!("rounds/{round}/heatmap"))],
        )
        .await;
    app.get(
        &format!("/api/v1/rounds/{round}/comments?team_id={sales}"),
        Some(&manager.token),
    )
    .await
    .expect(200);
    trail
        .expect(
            "comments",
            &[(
                &manager,
                "comments.read",
                format!("rounds/{round}/comments?team_id={sales}"),
            )],
        )
        .await;
    app.get(
        &format!("/api/v1/surveys/{survey}/trend?team_id={sales}"),
        Some(&hr.token),
    )
    .await
    .expect(200);
    trail
        .expect(
            "trend",
            &[(
                &hr,
                "trend.read",
                format!("surveys/{survey}/trend?team_id={sales}"),
            )],
        )
        .await;

    // Linkage: JSON, CSV and SVG, by HR and by a manager.
    let today = chrono::Utc::now().date_naive();
    let from = today - chrono::TimeDelta::days(365);
    let linkage = format!("/api/v1/insights/linkage?from={from}&to={today}");
    let linkage_target = format!(
        "insights/linkage?metric=csat&period=month&from={from}&to={today}&lag=0&min_ratings=10"
    );
    for (accept, action) in [
        ("application/json", "linkage.read"),
        ("text/csv", "linkage.export"),
        ("image/svg+xml", "linkage.read"),
    ] {
        let r = get_as(&app, &hr, &linkage, accept).await;
        r.expect(200);
        assert!(r.content_type().starts_with(accept), "{}", r.content_type());
        trail
            .expect(accept, &[(&hr, action, linkage_target.clone())])
            .await;
    }
    get_as(
        &app,
        &manager,
        &format!("/api/v1/insights/linkage?from={from}&to={today}&metric=nps&lag=1"),
        "application/json",
    )
    .await
    .expect(200);
    trail
        .expect(
            "a manager's linkage",
            &[(
                &manager,
                "linkage.read",
                format!(
                    "insights/linkage?metric=nps&period=month&from={from}&to={today}&lag=1&min_ratings=10"
                ),
            )],
        )
        .await;
    get_as(&app, &employee, &linkage, "application/json")
        .await
        .expect(403);
    trail.expect("refused linkage", &[]).await;

    // Frontline insights: JSON and CSV by HR, a manager's subtree.
    let start = today - chrono::TimeDelta::days(29);
    let insights_target = format!("insights/frontline?from={start}&to={today}");
    for accept in ["application/json", "text/csv"] {
        get_as(
            &app,
            &hr,
            &format!("/api/v1/insights/frontline?from={start}&to={today}"),
            accept,
        )
        .await
        .expect(200);
        trail
            .expect(accept, &[(&hr, "insights.read", insights_target.clone())])
            .await;
    }
    app.get(
        &format!("/api/v1/insights/frontline?team_id={sales}&from={start}&to={today}"),
        Some(&manager.token),
    )
    .await
    .expect(200);
    trail
        .expect(
            "a manager's insights",
            &[(
                &manager,
                "insights.read",
                format!("insights/frontline?team_id={sales}&from={start}&to={today}"),
            )],
        )
        .await;
    app.get(
        &format!("/api/v1/insights/frontline?team_id={company}"),
        Some(&manager.token),
    )
    .await;
    trail
        .expect("insights outside the manager's subtree", &[])
        .await;

    // Driver impact: JSON and CSV by HR (the group is too small, and the answer that
    // says so is a read too), a manager's team; a refused read writes nothing.
    for (accept, action) in [
        ("application/json", "impact.read"),
        ("text/csv", "impact.export"),
    ] {
        get_as(
            &app,
            &hr,
            &format!("/api/v1/rounds/{round}/impact?team_id={sales}"),
            accept,
        )
        .await
        .expect(200);
        trail
            .expect(
                accept,
                &[(
                    &hr,
                    action,
                    format!("rounds/{round}/impact?team_id={sales}"),
                )],
            )
            .await;
    }
    app.get(
        &format!("/api/v1/rounds/{round}/impact"),
        Some(&manager.token),
    )
    .await
    .expect(200);
    trail
        .expect(
            "a manager's impact",
            &[(
                &manager,
                "impact.read",
                format!("rounds/{round}/impact?team_id={sales}"),
            )],
        )
        .await;
    get_as(
        &app,
        &employee,
        &format!("/api/v1/rounds/{round}/impact"),
        "application/json",
    )
    .await
    .expect(403);
    trail.expect("refused impact", &[]).await;
}

#[tokio::test]
async fn every_organisational_change_writes_its_audit_rows() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let hr = app.hr().await;
    let mut trail = Trail::new(&app, &admin).await;

    let company = app.create_team(&hr, "Company", None, "frontline").await;
    trail
        .expect(
            "create a root team",
            &[(
                &hr,
                "team.create",
                format!("teams/{company}?parent_id=none"),
            )],
        )
        .await;
    let support = app
        .create_team(&hr, "Support", Some(&company), "frontline")
        .await;
    trail
        .expect(
            "create a child team",
            &[(
                &hr,
                "team.create",
                format!("teams/{support}?parent_id={company}"),
            )],
        )
        .await;
    let a = app
        .create_team(&hr, "Support A", Some(&support), "frontline")
        .await;
    let ops = app
        .create_team(&hr, "Ops", Some(&company), "frontline")
        .await;
    trail.skip().await;

    let patch = |team: &str, body: Value| {
        let path = format!("/api/v1/teams/{team}");
        let token = hr.token.clone();
        let app = &app;
        async move { app.json(Method::PATCH, &path, Some(&token), body).await }
    };
    // Rename: the team id and its new name (team names are not personal data).
    patch(&a, json!({"name": "Zz Support A"})).await.expect(200);
    trail
        .expect(
            "rename",
            &[(&hr, "team.rename", format!("teams/{a}?name=Zz+Support+A"))],
        )
        .await;
    // Move: the old and the new parent.
    patch(&a, json!({"parent_id": company})).await.expect(200);
    trail
        .expect(
            "move",
            &[(
                &hr,
                "team.move",
                format!("teams/{a}?from_parent={support}&to_parent={company}"),
            )],
        )
        .await;
    patch(&a, json!({"parent_id": null})).await.expect(200);
    trail
        .expect(
            "move to the root",
            &[(
                &hr,
                "team.move",
                format!("teams/{a}?from_parent={company}&to_parent=none"),
            )],
        )
        .await;
    // Both at once: two rows; the same values again: none.
    patch(&a, json!({"name": "Support A", "parent_id": support}))
        .await
        .expect(200);
    trail
        .expect(
            "rename and move",
            &[
                (&hr, "team.rename", format!("teams/{a}?name=Support+A")),
                (
                    &hr,
                    "team.move",
                    format!("teams/{a}?from_parent=none&to_parent={support}"),
                ),
            ],
        )
        .await;
    patch(&a, json!({"name": "Support A", "parent_id": support}))
        .await
        .expect(200);
    trail.expect("no change", &[]).await;
    // Kind and key.
    patch(&ops, json!({"kind": "internal", "key": "OPS-1"}))
        .await
        .expect(200);
    trail
        .expect(
            "re-kind and re-key",
            &[
                (&hr, "team.rekind", format!("teams/{ops}?kind=internal")),
                (&hr, "team.rekey", format!("teams/{ops}?key=OPS-1")),
            ],
        )
        .await;
    // The service map behind linkage.
    app.json(
        Method::PUT,
        &format!("/api/v1/teams/{ops}/serves"),
        Some(&hr.token),
        json!([{"team_id": support, "weight": 2.0}]),
    )
    .await
    .expect(200);
    trail
        .expect(
            "service map",
            &[(&hr, "team.serves", format!("teams/{ops}/serves?count=1"))],
        )
        .await;

    // People: created into a team, made a manager and not, moved, re-roled, changed,
    // deactivated.
    let (person, _) = app
        .create_person(&hr, &format!("p-{}@example.org", short()), Some(&support))
        .await;
    trail
        .expect(
            "create a person",
            &[(
                &hr,
                "person.create",
                format!("people/{person}?team_id={support}&roles=none"),
            )],
        )
        .await;
    let managers = format!("/api/v1/teams/{support}/managers");
    app.json(
        Method::PUT,
        &managers,
        Some(&hr.token),
        json!({"person_ids": [person]}),
    )
    .await
    .expect(200);
    trail
        .expect(
            "set a manager",
            &[(
                &hr,
                "manager.add",
                format!("teams/{support}/managers/{person}"),
            )],
        )
        .await;
    app.json(
        Method::PUT,
        &managers,
        Some(&hr.token),
        json!({"person_ids": []}),
    )
    .await
    .expect(200);
    trail
        .expect(
            "remove a manager",
            &[(
                &hr,
                "manager.remove",
                format!("teams/{support}/managers/{person}"),
            )],
        )
        .await;
    let patch_person = |body: Value| {
        let path = format!("/api/v1/people/{person}");
        let token = admin.token.clone();
        let app = &app;
        async move { app.json(Method::PATCH, &path, Some(&token), body).await }
    };
    patch_person(json!({"team_id": a})).await.expect(200);
    trail
        .expect(
            "move a person",
            &[(
                &admin,
                "person.move",
                format!("people/{person}?from_team={support}&to_team={a}"),
            )],
        )
        .await;
    patch_person(json!({"roles": ["hr", "admin"]}))
        .await
        .expect(200);
    trail
        .expect(
            "change roles",
            &[(
                &admin,
                "role.change",
                format!("people/{person}?from_roles=none&to_roles=hr%3Badmin"),
            )],
        )
        .await;
    patch_person(json!({"location": "Berlin", "name": "Someone Else"}))
        .await
        .expect(200);
    trail
        .expect(
            "change attributes (which fields, never the values)",
            &[(
                &admin,
                "person.update",
                format!("people/{person}?fields=name%2Clocation"),
            )],
        )
        .await;
    app.send(
        Method::DELETE,
        &format!("/api/v1/people/{person}"),
        Some(&admin.token),
        None,
    )
    .await
    .expect(204);
    trail
        .expect(
            "deactivate",
            &[(&admin, "person.deactivate", format!("people/{person}"))],
        )
        .await;

    // An import: one row with its counts; a dry run none.
    let csv = format!(
        "email,name,team,manager,location,job_family,start_date,language,roles\n\
         i1-{s}@example.org,One,{support},true,,,,,\n\
         i2-{s}@example.org,Two,Company/Ops,,,,,,\n",
        s = short()
    );
    let import = |dry: bool| {
        let csv = csv.clone();
        let token = hr.token.clone();
        let app = &app;
        async move {
            app.raw(
                Method::POST,
                &format!("/api/v1/people/import?dry_run={dry}"),
                Some(&token),
                "text/csv",
                &csv,
            )
            .await
        }
    };
    import(true).await.expect(200);
    trail.expect("a dry run", &[]).await;
    let r = import(false).await;
    r.expect(200);
    assert_eq!(r.json()["created"], json!(2), "{}", r.text());
    trail
        .expect(
            "import",
            &[(
                &hr,
                "people.import",
                "people/import?created=2&updated=0&moved=0&role_changes=0&managers_added=1"
                    .to_owned(),
            )],
        )
        .await;
}

#[tokio::test]
async fn a_refused_change_writes_no_audit_row() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let hr = app.hr().await;
    let company = app.create_team(&hr, "Company", None, "frontline").await;
    let support = app
        .create_team(&hr, "Support", Some(&company), "frontline")
        .await;
    let child = app
        .create_team(&hr, "Support A", Some(&support), "frontline")
        .await;
    let keyed = app.create_team(&hr, "Keyed", None, "frontline").await;
    let (person, _) = app
        .create_person(&hr, &format!("p-{}@example.org", short()), Some(&support))
        .await;
    let employee = app.employee(&hr, Some(&support)).await;
    app.json(
        Method::PATCH,
        &format!("/api/v1/teams/{keyed}"),
        Some(&hr.token),
        json!({"key": "TAKEN"}),
    )
    .await
    .expect(200);
    let mut trail = Trail::new(&app, &admin).await;

    let refused: Vec<(&str, Method, String, &Actor, Value, u16)> = vec![
        (
            "move a team under its own child",
            Method::PATCH,
            format!("/api/v1/teams/{support}"),
            &hr,
            json!({"parent_id": child}),
            422,
        ),
        (
            "move a team under itself",
            Method::PATCH,
            format!("/api/v1/teams/{support}"),
            &hr,
            json!({"parent_id": support}),
            422,
        ),
        (
            "rename to an invalid (empty) name",
            Method::PATCH,
            format!("/api/v1/teams/{support}"),
            &hr,
            json!({"name": "  "}),
            422,
        ),
        (
            "rename with another team's key",
            Method::PATCH,
            format!("/api/v1/teams/{support}"),
            &hr,
            json!({"name": "Renamed", "key": "TAKEN"}),
            422,
        ),
        (
            "move under a team that does not exist",
            Method::PATCH,
            format!("/api/v1/teams/{support}"),
            &hr,
            json!({"parent_id": "no-such-team"}),
            422,
        ),
        (
            "an employee renames",
            Method::PATCH,
            format!("/api/v1/teams/{support}"),
            &employee,
            json!({"name": "Mine"}),
            403,
        ),
        (
            "create a team under a missing parent",
            Method::POST,
            "/api/v1/teams".to_owned(),
            &hr,
            json!({"name": "Orphan", "parent_id": "no-such-team", "kind": "frontline"}),
            422,
        ),
        (
            "set a manager who does not exist",
            Method::PUT,
            format!("/api/v1/teams/{support}/managers"),
            &hr,
            json!({"person_ids": [person, "nobody"]}),
            422,
        ),
        (
            "move a person to a missing team",
            Method::PATCH,
            format!("/api/v1/people/{person}"),
            &hr,
            json!({"team_id": "no-such-team"}),
            422,
        ),
        (
            "HR grants admin",
            Method::PATCH,
            format!("/api/v1/people/{person}"),
            &hr,
            json!({"roles": ["admin"], "team_id": company}),
            403,
        ),
        (
            "an employee moves themselves",
            Method::PATCH,
            format!("/api/v1/people/{}", employee.id),
            &employee,
            json!({"team_id": company}),
            403,
        ),
    ];
    for (what, method, path, who, body, status) in refused {
        app.json(method, &path, Some(&who.token), body)
            .await
            .expect(status);
        trail.expect(what, &[]).await;
    }
    app.send(
        Method::DELETE,
        &format!("/api/v1/people/{}", hr.id),
        Some(&hr.token),
        None,
    )
    .await
    .expect(409);
    trail.expect("deactivate oneself", &[]).await;
    // An import with an invalid row writes nothing (and no row says it did).
    let csv = format!(
        "email,name,team,manager,location,job_family,start_date,language,roles\n\
         ok-{}@example.org,Fine,{support},,,,,,\n\
         not-an-email,Broken,{support},,,,,,\n",
        short()
    );
    app.raw(
        Method::POST,
        "/api/v1/people/import",
        Some(&hr.token),
        "text/csv",
        &csv,
    )
    .await
    .expect(422);
    trail.expect("an invalid import", &[]).await;
    // Nothing changed either.
    let team = app
        .get(&format!("/api/v1/teams/{support}"), Some(&hr.token))
        .await
        .json();
    assert_eq!(team["name"], json!("Support"));
    assert_eq!(team["parent_id"], json!(company));
}

#[tokio::test]
async fn each_page_view_of_released_data_is_audited_once() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let company = app.create_team(&admin, "Company", None, "frontline").await;
    let sales = app
        .create_team(&admin, "Sales", Some(&company), "frontline")
        .await;
    let people = app.seed_people(&sales, 10, |_| (None, None, None)).await;
    let (survey, round) = answered_round(&app, &admin, &people).await;
    let mut browser = Browser::new(&app);
    browser.sign_in(&admin.email, PASSWORD).await;
    let mut trail = Trail::new(&app, &admin).await;

    // The survey page shows the open round's live participation.
    let r = browser.get(&format!("/hr/surveys/{survey}")).await;
    assert_eq!(r.status, 200, "{}", r.text());
    trail
        .expect(
            "survey page",
            &[(
                &admin,
                "participation.read",
                format!("rounds/{round}/participation"),
            )],
        )
        .await;

    close(&app, &admin, &round).await;
    trail.skip().await;

    // The linkage page: one read, with the page's defaults.
    let r = browser.get("/hr/linkage").await;
    assert_eq!(r.status, 200, "{}", r.text());
    let today = chrono::Utc::now().date_naive();
    let from = today - chrono::TimeDelta::days(730);
    trail
        .expect(
            "linkage page",
            &[(
                &admin,
                "linkage.read",
                format!(
                    "insights/linkage?metric=csat&period=month&from={from}&to={today}&lag=0&min_ratings=10"
                ),
            )],
        )
        .await;
    // The insights page.
    let r = browser
        .get(&format!("/reports/insights?team_id={sales}"))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let start = today - chrono::TimeDelta::days(29);
    trail
        .expect(
            "insights page",
            &[(
                &admin,
                "insights.read",
                format!("insights/frontline?team_id={sales}&from={start}&to={today}"),
            )],
        )
        .await;
    // The heatmap page, and a report page (its report, the organisation's for the gap
    // shown beside HR's team report, trend and comments).
    let r = browser.get("/hr/heatmap").await;
    assert_eq!(r.status, 200, "{}", r.text());
    trail
        .expect(
            "heatmap page",
            &[(&admin, "heatmap.read", format!("rounds/{round}/heatmap"))],
        )
        .await;
    let r = browser
        .get(&format!("/reports/{round}?team_id={sales}"))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    trail
        .expect(
            "report page",
            &[
                (
                    &admin,
                    "report.read",
                    format!("rounds/{round}/report?team_id={sales}"),
                ),
                (&admin, "report.read", format!("rounds/{round}/report")),
                (
                    &admin,
                    "trend.read",
                    format!("surveys/{survey}/trend?team_id={sales}"),
                ),
                (
                    &admin,
                    "comments.read",
                    format!("rounds/{round}/comments?team_id={sales}"),
                ),
                (
                    &admin,
                    "impact.read",
                    format!("rounds/{round}/impact?team_id={sales}"),
                ),
            ],
        )
        .await;
}

/// Reading the trail: the log is filtered by who, what and when (API and
/// page alike), the page names rounds and teams instead of ids, and both CSVs carry the
/// filtered entries, the page's byte for byte the API's.
#[tokio::test]
async fn the_audit_log_is_filtered_readable_and_exported() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let hr = app.hr().await;
    let company = app.create_team(&admin, "Company", None, "frontline").await;
    let sales = app
        .create_team(&admin, "Sales", Some(&company), "frontline")
        .await;
    let people = app.seed_people(&sales, 10, |_| (None, None, None)).await;
    let (_, round) = answered_round(&app, &hr, &people).await;
    close(&app, &hr, &round).await;
    for _ in 0..2 {
        app.get(
            &format!("/api/v1/rounds/{round}/report?team_id={sales}"),
            Some(&hr.token),
        )
        .await
        .expect(200);
    }
    let log = |query: String| {
        let app = &app;
        let token = admin.token.clone();
        async move {
            let r = app
                .get(&format!("/api/v1/audit-log?limit=200{query}"), Some(&token))
                .await;
            r.expect(200);
            r.json()
        }
    };
    let all = log(String::new()).await;
    let reads = log("&action=report.read".into()).await;
    assert_eq!(reads["total"], json!(2), "{reads}");
    assert!(
        reads["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|e| e["action"] == json!("report.read") && e["actor_id"] == json!(hr.id))
    );
    // Who: part of an e-mail, any case; the admin made the teams, HR read.
    let by_admin = log(format!("&actor={}", admin.email[..8].to_uppercase())).await;
    let by_admin_total = by_admin["total"].as_i64().expect("total");
    assert!(by_admin_total >= 2, "{by_admin}");
    assert!(
        by_admin["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|e| e["actor_id"] == json!(admin.id))
    );
    assert!(by_admin_total < all["total"].as_i64().expect("total"));
    // When: today holds everything, tomorrow nothing; a period backwards is named.
    let today = chrono::Utc::now().date_naive();
    let tomorrow = today.succ_opt().expect("tomorrow");
    assert_eq!(
        log(format!("&from={today}&to={today}")).await["total"],
        all["total"]
    );
    assert_eq!(log(format!("&from={tomorrow}")).await["total"], json!(0));
    let r = app
        .get(
            &format!("/api/v1/audit-log?from={tomorrow}&to={today}"),
            Some(&admin.token),
        )
        .await;
    r.expect(422);
    assert_eq!(r.field(), "from");

    // The page: the same filter, the round and team by name.
    let mut b = Browser::new(&app);
    b.sign_in(&admin.email, PASSWORD).await;
    let r = b.get("/admin/audit?action=report.read").await;
    assert_html(&r, 200);
    let html = r.text();
    let table = &html[html.find("id=\"audit\"").expect("the log")..];
    assert_eq!(
        table.matches("<code>report.read</code>").count(),
        2,
        "{table}"
    );
    assert!(!table.contains("<code>team.create</code>"), "{table}");
    assert!(
        table.contains("Pulse #1 · report · team_id: Sales"),
        "{table}"
    );
    assert!(
        html.contains("<option value=\"report.read\" selected>"),
        "{html}"
    );
    // Its CSV is the API's CSV for the same filter.
    let csv = b.get("/admin/audit.csv?action=report.read").await;
    assert_eq!(csv.status, 200);
    let api = get_as(
        &app,
        &admin,
        "/api/v1/audit-log?limit=200&action=report.read",
        "text/csv",
    )
    .await;
    api.expect(200);
    assert_eq!(csv.text(), api.text());
    assert_eq!(csv.text().lines().count(), 3, "{}", csv.text());
    assert!(
        csv.text()
            .starts_with("at,actor_id,actor_email,action,target\n")
    );
}

/// The changes HR makes to surveys, rounds and customer ratings are in the trail too:
/// who created, edited, opened, closed and archived which survey, and who imported how
/// many ratings (a dry run records nothing, and no rating content is logged).
#[tokio::test]
async fn survey_round_and_rating_changes_write_their_audit_rows() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let hr = app.hr().await;
    let team = app.create_team(&admin, "Support", None, "frontline").await;
    let mut trail = Trail::new(&app, &admin).await;

    let r = app
        .post("/api/v1/surveys", Some(&hr.token), survey_body())
        .await;
    r.expect(201);
    let survey = r.json()["id"].as_str().expect("id").to_owned();
    trail
        .expect(
            "create",
            &[(&hr, "survey.create", format!("surveys/{survey}"))],
        )
        .await;
    app.json(
        Method::PATCH,
        &format!("/api/v1/surveys/{survey}"),
        Some(&hr.token),
        json!({"title": "Pulse, renamed"}),
    )
    .await
    .expect(200);
    trail
        .expect(
            "update",
            &[(&hr, "survey.update", format!("surveys/{survey}"))],
        )
        .await;
    let round = app.open_round_now(&hr, &survey).await;
    trail
        .expect("open", &[(&hr, "round.open", format!("rounds/{round}"))])
        .await;
    close(&app, &hr, &round).await;
    trail
        .expect("close", &[(&hr, "round.close", format!("rounds/{round}"))])
        .await;
    app.send(
        Method::DELETE,
        &format!("/api/v1/surveys/{survey}"),
        Some(&hr.token),
        None,
    )
    .await
    .expect(204);
    trail
        .expect(
            "archive",
            &[(&hr, "survey.archive", format!("surveys/{survey}"))],
        )
        .await;

    let batch = json!({"ratings": [
        {"external_id": "a1", "team_id": team, "metric": "csat", "score": 5, "occurred_on": "2026-03-02"},
        {"external_id": "a2", "team_id": team, "metric": "csat", "score": 3, "occurred_on": "2026-03-03"}
    ]});
    app.post(
        "/api/v1/cx/ratings?dry_run=true",
        Some(&hr.token),
        batch.clone(),
    )
    .await
    .expect(200);
    trail.expect("dry run", &[]).await;
    app.post("/api/v1/cx/ratings", Some(&hr.token), batch)
        .await
        .expect(200);
    trail
        .expect(
            "import",
            &[(&hr, "cx.import", "cx/ratings?accepted=2".to_owned())],
        )
        .await;
}
