//! Teams, managers, the service map, people and the CSV import.

use poem::http::Method;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn hr_builds_a_team_tree_and_lists_it_in_pages() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let root = app.create_team(&admin, "Company", None, "frontline").await;
    for name in ["Support", "Sales", "Billing"] {
        app.create_team(&admin, name, Some(&root), "frontline")
            .await;
    }
    let r = app
        .get("/api/v1/teams?limit=2&offset=0", Some(&admin.token))
        .await;
    r.expect(200);
    let page = r.json();
    assert_eq!(page["total"], json!(4));
    assert_eq!(page["items"].as_array().map(Vec::len), Some(2));
    // Sorted by name: Billing, Company, Sales, Support.
    assert_eq!(page["items"][0]["name"], json!("Billing"));
    let r = app
        .get(
            &format!("/api/v1/teams?parent_id={root}&offset=2"),
            Some(&admin.token),
        )
        .await;
    assert_eq!(r.json()["items"][0]["name"], json!("Support"));
    assert_eq!(r.json()["total"], json!(3));
}

#[tokio::test]
async fn a_manager_reads_their_subtree_and_nothing_else() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let root = app.create_team(&admin, "Company", None, "frontline").await;
    let sales = app
        .create_team(&admin, "Sales", Some(&root), "frontline")
        .await;
    let emea = app
        .create_team(&admin, "EMEA", Some(&sales), "frontline")
        .await;
    let support = app
        .create_team(&admin, "Support", Some(&root), "frontline")
        .await;
    let manager = app.manager_of(&admin, &sales).await;
    let seller = app.employee(&admin, Some(&emea)).await;
    let helper = app.employee(&admin, Some(&support)).await;

    let me = app.get("/api/v1/me", Some(&manager.token)).await.json();
    assert_eq!(me["roles"], json!(["employee", "manager"]));
    assert_eq!(me["managed_teams"][0]["id"], json!(sales));

    let people = app.get("/api/v1/people", Some(&manager.token)).await;
    people.expect(200);
    let ids: Vec<String> = people.json()["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|p| p["id"].as_str().unwrap_or("").to_owned())
        .collect();
    assert!(ids.contains(&seller.id) && ids.contains(&manager.id));
    assert!(!ids.contains(&helper.id));
    app.get(
        &format!("/api/v1/people/{}", seller.id),
        Some(&manager.token),
    )
    .await
    .expect(200);
    app.get(
        &format!("/api/v1/people/{}", helper.id),
        Some(&manager.token),
    )
    .await
    .expect(404);
    app.get(&format!("/api/v1/teams/{support}"), Some(&manager.token))
        .await
        .expect(404);
    app.get(&format!("/api/v1/teams/{emea}"), Some(&manager.token))
        .await
        .expect(200);
    app.get(
        &format!("/api/v1/people?team_id={support}"),
        Some(&manager.token),
    )
    .await
    .expect(404);

    // An employee sees only themselves and their own chain of teams.
    app.get("/api/v1/people", Some(&seller.token))
        .await
        .expect(403);
    app.get(
        &format!("/api/v1/people/{}", seller.id),
        Some(&seller.token),
    )
    .await
    .expect(200);
    app.get(
        &format!("/api/v1/people/{}", manager.id),
        Some(&seller.token),
    )
    .await
    .expect(404);
    let teams = app.get("/api/v1/teams", Some(&seller.token)).await.json();
    assert_eq!(teams["total"], json!(3), "EMEA, Sales, Company");
}

#[tokio::test]
async fn only_internal_teams_serve_frontline_teams_with_positive_weights() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let front = app.create_team(&admin, "Support", None, "frontline").await;
    let front2 = app.create_team(&admin, "Sales", None, "frontline").await;
    let back = app.create_team(&admin, "IT", None, "internal").await;
    let path = format!("/api/v1/teams/{back}/serves");
    let r = app
        .json(
            Method::PUT,
            &path,
            Some(&admin.token),
            json!([{"team_id": front, "weight": 2.0}, {"team_id": front2, "weight": 1.0}]),
        )
        .await;
    r.expect(200);
    assert_eq!(r.json()["serves"].as_array().map(Vec::len), Some(2));
    let bad = [
        (json!([{"team_id": front, "weight": 0.0}]), "[0].weight"),
        (json!([{"team_id": back, "weight": 1.0}]), "[0].team_id"),
        (
            json!([{"team_id": front, "weight": 1.0}, {"team_id": front, "weight": 1.0}]),
            "[1].team_id",
        ),
        (
            json!([{"team_id": "no-such-team", "weight": 1.0}]),
            "[0].team_id",
        ),
    ];
    for (body, field) in bad {
        let r = app.json(Method::PUT, &path, Some(&admin.token), body).await;
        r.expect(422);
        assert_eq!(r.field(), field);
    }
    let r = app
        .json(
            Method::PUT,
            &format!("/api/v1/teams/{front}/serves"),
            Some(&admin.token),
            json!([{"team_id": front2, "weight": 1.0}]),
        )
        .await;
    r.expect(422);
    // The earlier valid map is intact.
    assert_eq!(app.count("team_serves").await, 2);
}

#[tokio::test]
async fn people_are_unique_by_email_and_validated() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.create_person(&admin, "ann@example.org", None).await;
    let r = app
        .post(
            "/api/v1/people",
            Some(&admin.token),
            json!({"email": "ANN@example.org", "name": "Ann again"}),
        )
        .await;
    r.expect(409);
    for (body, field) in [
        (json!({"email": "not-an-email", "name": "X"}), "email"),
        (json!({"email": "x@example.org", "name": ""}), "name"),
        (
            json!({"email": "x@example.org", "name": "X", "language": "de"}),
            "language",
        ),
        (
            json!({"email": "x@example.org", "name": "X", "roles": ["owner"]}),
            "roles[0]",
        ),
        (
            json!({"email": "x@example.org", "name": "X", "start_date": "31/12/2020"}),
            "start_date",
        ),
        (
            json!({"email": "x@example.org", "name": "X", "team_id": "nope"}),
            "team_id",
        ),
        (
            json!({"email": "x@example.org", "name": "X", "location": "l".repeat(101)}),
            "location",
        ),
    ] {
        let r = app
            .post("/api/v1/people", Some(&admin.token), body.clone())
            .await;
        r.expect(422);
        assert_eq!(r.field(), field, "{body}");
    }
    // HR may not grant admin; an admin may.
    let hr = app.hr().await;
    app.post(
        "/api/v1/people",
        Some(&hr.token),
        json!({"email": "boss@example.org", "name": "B", "roles": ["admin"]}),
    )
    .await
    .expect(403);
    let r = app
        .post(
            "/api/v1/people",
            Some(&admin.token),
            json!({"email": "boss@example.org", "name": "B", "roles": ["hr"]}),
        )
        .await;
    r.expect(201);
    assert_eq!(r.json()["roles"], json!(["hr"]));
    assert_eq!(app.count("people").await, 4);
}

#[tokio::test]
async fn a_person_can_be_moved_and_their_attributes_cleared() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let a = app.create_team(&admin, "A", None, "frontline").await;
    let b = app.create_team(&admin, "B", None, "frontline").await;
    let r = app
        .post(
            "/api/v1/people",
            Some(&admin.token),
            json!({"email": "p@example.org", "name": "P", "team_id": a, "location": "Berlin",
                   "job_family": "Engineering", "start_date": "2020-02-29", "language": "ru"}),
        )
        .await;
    r.expect(201);
    let id = r.json()["id"].as_str().expect("id").to_owned();
    let r = app
        .json(
            Method::PATCH,
            &format!("/api/v1/people/{id}"),
            Some(&admin.token),
            json!({"team_id": b, "location": null, "name": "Pat"}),
        )
        .await;
    r.expect(200);
    let p = r.json();
    assert_eq!(p["team_id"], json!(b));
    assert_eq!(p["location"], json!(null));
    assert_eq!(p["job_family"], json!("Engineering"));
    assert_eq!(p["language"], json!("ru"));
    assert_eq!(p["name"], json!("Pat"));
}

const GOOD_CSV: &str = "email,name,team,manager,location,job_family,start_date,language,roles
ann@example.org,Ann,Company/Sales,true,Berlin,Sales,2021-04-01,en,
bob@example.org,Bob,Company/Sales,false,Paris,Sales,2024-01-15,ru,
cat@example.org,Cat,Company,,,,,,hr
";

#[tokio::test]
async fn a_csv_import_creates_people_with_managers_and_roles() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let root = app.create_team(&admin, "Company", None, "frontline").await;
    let sales = app
        .create_team(&admin, "Sales", Some(&root), "frontline")
        .await;
    let r = app
        .raw(
            Method::POST,
            "/api/v1/people/import",
            Some(&admin.token),
            "text/csv",
            GOOD_CSV,
        )
        .await;
    r.expect(200);
    let report = r.json();
    assert_eq!(report["created"], json!(3));
    assert_eq!(report["activations"].as_array().map(Vec::len), Some(3));
    let team = app
        .get(&format!("/api/v1/teams/{sales}"), Some(&admin.token))
        .await
        .json();
    assert_eq!(team["manager_ids"].as_array().map(Vec::len), Some(1));
    // A second import updates by e-mail instead of duplicating.
    let again = GOOD_CSV.replace("Ann,", "Annabel,");
    let r = app
        .raw(
            Method::POST,
            "/api/v1/people/import",
            Some(&admin.token),
            "text/csv",
            &again,
        )
        .await;
    r.expect(200);
    assert_eq!(r.json()["updated"], json!(3));
    assert_eq!(r.json()["created"], json!(0));
    assert_eq!(app.count("people").await, 4);
    let people = app
        .get("/api/v1/people?q=annabel", Some(&admin.token))
        .await
        .json();
    assert_eq!(people["total"], json!(1));
    // An imported person activates with their token.
    let token = report["activations"][0]["activation_token"]
        .as_str()
        .expect("token");
    app.post(
        "/api/v1/auth/activate",
        None,
        json!({"token": token, "password": PASSWORD}),
    )
    .await
    .expect(200);
}

#[tokio::test]
async fn a_csv_with_one_bad_row_imports_nothing_and_names_the_row() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let root = app.create_team(&admin, "Company", None, "frontline").await;
    app.create_team(&admin, "Sales", Some(&root), "frontline")
        .await;
    let bad = GOOD_CSV.replace(
        "bob@example.org,Bob,Company/Sales",
        "bob@example.org,Bob,Company/Nowhere",
    );
    let before = app.count("people").await;
    let r = app
        .raw(
            Method::POST,
            "/api/v1/people/import",
            Some(&admin.token),
            "text/csv",
            &bad,
        )
        .await;
    r.expect(422);
    // The detail counts the faults in English by the CLDR plural rules.
    assert_eq!(r.json()["detail"], json!("1 invalid item"));
    let errors = r.json()["errors"].clone();
    assert_eq!(errors.as_array().map(Vec::len), Some(1));
    assert_eq!(errors[0]["row"], json!(2));
    assert_eq!(errors[0]["field"], json!("team"));
    assert_eq!(app.count("people").await, before);
    assert_eq!(app.count("team_managers").await, 0);

    // A dry run reports the same error and what would be created, and writes nothing.
    let r = app
        .raw(
            Method::POST,
            "/api/v1/people/import?dry_run=true",
            Some(&admin.token),
            "text/csv",
            &bad,
        )
        .await;
    r.expect(200);
    assert_eq!(r.json()["created"], json!(2));
    assert_eq!(r.json()["errors"][0]["row"], json!(2));
    assert_eq!(r.json()["activations"], json!([]));
    assert_eq!(app.count("people").await, before);

    // Asked for, a partial import takes the valid rows.
    let r = app
        .raw(
            Method::POST,
            "/api/v1/people/import?partial=true",
            Some(&admin.token),
            "text/csv",
            &bad,
        )
        .await;
    r.expect(200);
    assert_eq!(r.json()["created"], json!(2));
    assert_eq!(r.json()["skipped"], json!(1));
    assert_eq!(app.count("people").await, before + 2);

    // Two bad rows: "items".
    let two_bad = bad.replace("ann@example.org", "not-an-email");
    let r = app
        .raw(
            Method::POST,
            "/api/v1/people/import",
            Some(&admin.token),
            "text/csv",
            &two_bad,
        )
        .await;
    r.expect(422);
    assert_eq!(r.json()["detail"], json!("2 invalid items"));
    assert_eq!(r.json()["errors"].as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn a_csv_with_a_bad_header_or_duplicate_emails_is_refused() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let r = app
        .raw(
            Method::POST,
            "/api/v1/people/import",
            Some(&admin.token),
            "text/csv",
            "mail,name\na@x.org,A\n",
        )
        .await;
    r.expect(422);
    assert_eq!(r.field(), "csv");
    let r = app
        .raw(
            Method::POST,
            "/api/v1/people/import",
            Some(&admin.token),
            "text/csv",
            "email,name\na@x.org,A\nA@x.org,B\n",
        )
        .await;
    r.expect(422);
    assert_eq!(r.json()["errors"][0]["row"], json!(2));
    assert_eq!(app.count("people").await, 1);
}

/// Deleting a team: only one that nothing needs goes (its managers and service-map
/// links with it, audited); a team with a child, a person or history stays, and the
/// 409 says which.
#[tokio::test]
async fn hr_deletes_an_empty_team_and_nothing_that_has_children_people_or_history() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let admin = app.admin().await;
    let company = app.create_team(&hr, "Company", None, "frontline").await;
    let doomed = app
        .create_team(&hr, "Doomed", Some(&company), "frontline")
        .await;
    let ops = app.create_team(&hr, "Ops", None, "internal").await;
    let with_child = app.create_team(&hr, "Parent", None, "frontline").await;
    app.create_team(&hr, "Child", Some(&with_child), "frontline")
        .await;
    let staffed = app.create_team(&hr, "Staffed", None, "frontline").await;
    app.seed_people(&staffed, 1, |_| (None, None, None)).await;
    let surveyed = app.create_team(&hr, "Surveyed", None, "frontline").await;
    app.post(
        "/api/v1/surveys",
        Some(&hr.token),
        json!({
            "title": "Pulse",
            "questions": [{"bank_item": "eo_proud"}],
            "audience": {"team_ids": [surveyed]},
            "cuts": [],
            "schedule": {"starts_on": "2099-01-01", "cadence": "monthly", "window_days": 7}
        }),
    )
    .await
    .expect(201);
    let planned = app.create_team(&hr, "Planned", None, "frontline").await;
    app.post(
        "/api/v1/actions",
        Some(&hr.token),
        json!({"team_id": planned, "title": "Weekly 1:1s", "due_on": "2099-01-01"}),
    )
    .await
    .expect(201);
    // The doomed team has a manager from elsewhere and is on the service map.
    let lead = app.manager_of(&hr, &company).await;
    app.json(
        Method::PUT,
        &format!("/api/v1/teams/{doomed}/managers"),
        Some(&hr.token),
        json!({"person_ids": [lead.id]}),
    )
    .await
    .expect(200);
    app.json(
        Method::PUT,
        &format!("/api/v1/teams/{ops}/serves"),
        Some(&hr.token),
        json!([{"team_id": doomed, "weight": 2.0}, {"team_id": company, "weight": 1.0}]),
    )
    .await
    .expect(200);

    for (team, says) in [
        (
            &with_child,
            "the team has 1 child team: move or delete it first",
        ),
        (&staffed, "1 person belongs to the team"),
        (&surveyed, "the team has history"),
        (&planned, "action plans"),
    ] {
        let r = app
            .send(
                Method::DELETE,
                &format!("/api/v1/teams/{team}"),
                Some(&hr.token),
                None,
            )
            .await;
        r.expect(409);
        let detail = r.json()["detail"].as_str().unwrap_or_default().to_owned();
        assert!(detail.contains(says), "{detail}");
        app.get(&format!("/api/v1/teams/{team}"), Some(&hr.token))
            .await
            .expect(200);
    }
    let teams_before = app.count("teams").await;

    app.send(
        Method::DELETE,
        &format!("/api/v1/teams/{doomed}"),
        Some(&hr.token),
        None,
    )
    .await
    .expect(204);
    app.get(&format!("/api/v1/teams/{doomed}"), Some(&hr.token))
        .await
        .expect(404);
    assert_eq!(app.count("teams").await, teams_before - 1);
    let ops_now = app
        .get(&format!("/api/v1/teams/{ops}"), Some(&hr.token))
        .await
        .json();
    assert_eq!(
        ops_now["serves"],
        json!([{"team_id": company, "weight": 1.0}])
    );
    // The manager stays a person, and a manager of their own team.
    let me = app.get("/api/v1/me", Some(&lead.token)).await;
    me.expect(200);
    // Gone is gone: a second delete is 404.
    app.send(
        Method::DELETE,
        &format!("/api/v1/teams/{doomed}"),
        Some(&hr.token),
        None,
    )
    .await
    .expect(404);
    let log = app
        .get("/api/v1/audit-log?limit=200", Some(&admin.token))
        .await
        .json();
    let deletes: Vec<&serde_json::Value> = log["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|e| e["action"] == "team.delete")
        .collect();
    assert_eq!(deletes.len(), 1, "{log}");
    assert_eq!(deletes[0]["actor_id"], json!(hr.id));
    assert_eq!(
        deletes[0]["target"],
        json!(format!("teams/{doomed}?name=Doomed"))
    );
}

async fn listed(app: &TestApp, token: &str, query: &str) -> serde_json::Value {
    let r = app
        .get(&format!("/api/v1/people?{query}"), Some(token))
        .await;
    r.expect(200);
    r.json()
}

/// The people list filters by account state and sorts names with their numbers as
/// numbers (`Person 2` before `Person 10`), also for people written without a sort key
/// (bulk inserts), once a start has filled theirs in.
#[tokio::test]
async fn people_filter_by_status_and_sort_naturally() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let team = app.create_team(&admin, "Floor", None, "frontline").await;
    let mut ids = std::collections::HashMap::new();
    for name in ["Person 10", "person 2", "Person 1", "Person 9"] {
        let r = app
            .post(
                "/api/v1/people",
                Some(&admin.token),
                json!({"email": format!("{}-{}@example.org", name.replace(' ', "").to_lowercase(), short()),
                       "name": name, "team_id": team}),
            )
            .await;
        r.expect(201);
        let v = r.json();
        ids.insert(
            name,
            (
                v["id"].as_str().expect("id").to_owned(),
                v["activation_token"].as_str().expect("token").to_owned(),
            ),
        );
    }
    // Person 1 signs up, Person 9 is deactivated, Person 10 is erased; person 2 is only invited.
    app.post(
        "/api/v1/auth/activate",
        None,
        json!({"token": ids["Person 1"].1, "password": PASSWORD}),
    )
    .await
    .expect(200);
    app.send(
        Method::DELETE,
        &format!("/api/v1/people/{}", ids["Person 9"].0),
        Some(&admin.token),
        None,
    )
    .await
    .expect(204);
    app.post(
        &format!("/api/v1/people/{}/erase", ids["Person 10"].0),
        Some(&admin.token),
        json!({}),
    )
    .await
    .expect(200);
    let names = |v: &serde_json::Value| -> Vec<String> {
        v["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|p| p["name"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    assert_eq!(
        names(
            &listed(
                &app,
                &admin.token,
                &format!("team_id={team}&include_inactive=true")
            )
            .await
        ),
        ["Person 1", "person 2", "Person 9"]
    );
    assert_eq!(
        names(&listed(&app, &admin.token, &format!("team_id={team}")).await),
        ["Person 1", "person 2"]
    );
    assert_eq!(
        names(&listed(&app, &admin.token, &format!("team_id={team}&status=active")).await),
        ["Person 1"]
    );
    assert_eq!(
        names(
            &listed(
                &app,
                &admin.token,
                &format!("team_id={team}&status=invited")
            )
            .await
        ),
        ["person 2"]
    );
    assert_eq!(
        names(
            &listed(
                &app,
                &admin.token,
                &format!("team_id={team}&status=deactivated")
            )
            .await
        ),
        ["Person 9"]
    );
    // Erasure takes the person out of their team.
    let erased = listed(&app, &admin.token, "status=erased").await;
    assert_eq!(names(&erased), ["erased person"]);
    assert_eq!(erased["total"], json!(1));
    let r = app
        .get("/api/v1/people?status=gone", Some(&admin.token))
        .await;
    assert_eq!(r.status, 400, "{}", r.text());

    // People written in bulk have no sort key and sort by their lower-cased name...
    let floor2 = app.create_team(&admin, "Floor 2", None, "frontline").await;
    app.seed_people(&floor2, 12, |_| (None, None, None)).await;
    let bulk = |v: &serde_json::Value| names(v);
    let before = bulk(
        &app.get(
            &format!("/api/v1/people?team_id={floor2}&limit=3"),
            Some(&admin.token),
        )
        .await
        .json(),
    );
    assert_eq!(before, ["Person 0", "Person 1", "Person 10"]);
    // ... until a start writes theirs.
    let replica = spawn_app_on(&app.database_url).await;
    let after = bulk(
        &replica
            .get(
                &format!("/api/v1/people?team_id={floor2}&limit=3"),
                Some(&admin.token),
            )
            .await
            .json(),
    );
    assert_eq!(after, ["Person 0", "Person 1", "Person 2"]);
}
