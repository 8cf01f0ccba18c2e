//! Bad input never gets a bare text or a 500: problem+json with the right status and
//! the field named, and nothing written.

use poem::http::Method;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn malformed_json_is_a_400_problem_and_writes_nothing() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let r = app
        .raw(
            Method::POST,
            "/api/v1/teams",
            Some(&admin.token),
            "application/json",
            r#"{"name": "Support","#,
        )
        .await;
    r.expect(400);
    assert_eq!(app.count("teams").await, 0);
}

#[tokio::test]
async fn wrong_types_unknown_fields_and_enum_values_name_the_field() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let cases = [
        (json!({"name": 5, "kind": "frontline"}), "name"),
        (json!({"name": "Support", "kind": "frontlin"}), "kind"),
        (
            json!({"name": "Support", "kind": "frontline", "color": "red"}),
            "color",
        ),
        (json!({"kind": "frontline"}), "name"),
        (
            json!({"name": "Support", "kind": "frontline", "parent_id": 7}),
            "parent_id",
        ),
        (
            json!({"name": "x".repeat(201), "kind": "frontline"}),
            "name",
        ),
        (json!({"name": "   ", "kind": "frontline"}), "name"),
        (
            json!({"name": "Support", "kind": "frontline", "parent_id": uuid::Uuid::new_v4().to_string()}),
            "parent_id",
        ),
    ];
    for (body, field) in cases {
        let r = app
            .post("/api/v1/teams", Some(&admin.token), body.clone())
            .await;
        r.expect(422);
        assert_eq!(r.field(), field, "for {body}");
    }
    let r = app
        .post("/api/v1/teams", Some(&admin.token), json!([1, 2]))
        .await;
    r.expect(422);
    assert_eq!(app.count("teams").await, 0);
}

#[tokio::test]
async fn an_oversize_body_is_413_even_without_a_content_length() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let big = format!(
        r#"{{"name": "{}", "kind": "frontline"}}"#,
        "x".repeat(2 * 1024 * 1024)
    );
    let r = app
        .raw(
            Method::POST,
            "/api/v1/teams",
            Some(&admin.token),
            "application/json",
            &big,
        )
        .await;
    r.expect(413);
    // A streamed body announces no length: the cap counts the bytes read.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        (0..40).map(|_| Ok(vec![b' '; 64 * 1024])).collect();
    let body = poem::Body::from_bytes_stream(futures_util::stream::iter(chunks));
    let resp = app
        .client
        .post("/api/v1/teams")
        .header("authorization", format!("Bearer {}", admin.token))
        .content_type("application/json")
        .body(body)
        .send()
        .await;
    assert_eq!(resp.0.status().as_u16(), 413);
    assert_eq!(app.count("teams").await, 0);
}

#[tokio::test]
async fn page_sizes_are_capped() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    for path in [
        "/api/v1/teams?limit=100000",
        "/api/v1/people?limit=100000",
        "/api/v1/people?limit=0",
    ] {
        let r = app.get(path, Some(&admin.token)).await;
        r.expect(400);
        assert_eq!(r.field(), "limit", "{path}");
    }
    let r = app.get("/api/v1/teams?offset=-1", Some(&admin.token)).await;
    r.expect(400);
    assert_eq!(r.field(), "offset");
}

#[tokio::test]
async fn a_team_cannot_become_its_own_ancestor() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let root = app.create_team(&admin, "Company", None, "frontline").await;
    let child = app
        .create_team(&admin, "Sales", Some(&root), "frontline")
        .await;
    let grandchild = app
        .create_team(&admin, "EMEA", Some(&child), "frontline")
        .await;
    for new_parent in [&grandchild, &root] {
        let target = if new_parent == &root { &root } else { &child };
        let r = app
            .json(
                Method::PATCH,
                &format!("/api/v1/teams/{target}"),
                Some(&admin.token),
                json!({"parent_id": new_parent}),
            )
            .await;
        r.expect(422);
        assert_eq!(r.field(), "parent_id");
    }
    // Nothing moved.
    let r = app
        .get(&format!("/api/v1/teams/{child}"), Some(&admin.token))
        .await;
    assert_eq!(r.json()["parent_id"], json!(root));
}

#[tokio::test]
async fn unknown_routes_methods_and_missing_auth_are_problems() {
    let app = spawn_app().await;
    app.get("/api/v1/nothing-here", None).await.expect(404);
    app.get("/no/such/page", None).await.expect(404);
    app.send(Method::DELETE, "/api/v1/me", None, None)
        .await
        .expect(405);
    app.get("/api/v1/me", None).await.expect(401);
    app.get("/api/v1/teams", None).await.expect(401);
    let r = app
        .raw(Method::POST, "/api/v1/teams", None, "text/plain", "hello")
        .await;
    assert!(r.status == 401 || r.status == 415, "{}", r.status);
    r.expect(r.status);
}

#[tokio::test]
async fn an_unsupported_content_type_is_a_problem() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let r = app
        .raw(
            Method::POST,
            "/api/v1/teams",
            Some(&admin.token),
            "text/plain",
            "name=x",
        )
        .await;
    r.expect(415);
}

#[tokio::test]
async fn a_405_lists_the_methods_the_resource_has_in_allow() {
    let app = spawn_app().await;
    let r = app.send(Method::DELETE, "/api/v1/me", None, None).await;
    r.expect(405);
    assert_eq!(
        r.headers.get("allow").and_then(|v| v.to_str().ok()),
        Some("GET")
    );
    let r = app
        .send(
            Method::PUT,
            &format!("/api/v1/people/{}", short()),
            None,
            None,
        )
        .await;
    r.expect(405);
    assert_eq!(
        r.headers.get("allow").and_then(|v| v.to_str().ok()),
        Some("DELETE, GET, PATCH")
    );
}

#[tokio::test]
async fn the_document_states_what_the_strict_parser_enforces() {
    let app = spawn_app().await;
    let doc = app.get("/openapi.json", None).await.json();
    let s = &doc["components"]["schemas"];
    // Request objects are closed: unknown fields are refused with 422.
    assert_eq!(s["CreateTeam"]["additionalProperties"], json!(false));
    assert_eq!(s["ScheduleInput"]["additionalProperties"], json!(false));
    // Optional properties may be null, as answers send them.
    assert_eq!(
        s["Team"]["properties"]["parent_id"]["nullable"],
        json!(true)
    );
    assert!(s["Team"]["properties"]["id"].get("nullable").is_none());
    // Dates are RFC 3339 full dates.
    assert_eq!(
        s["Person"]["properties"]["start_date"]["format"],
        json!("date")
    );
    let login = &doc["paths"]["/api/v1/auth/login"]["post"]["responses"];
    for status in ["410", "415"] {
        assert!(login[status].is_object(), "{status} is not documented");
    }
}

#[tokio::test]
async fn text_limits_apply_to_the_text_as_sent_and_control_characters_anywhere() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    // 200 characters after trimming, 201 as sent: over the documented maxLength.
    let long = format!("{} ", "a".repeat(200));
    for (name, why) in [(long.as_str(), "too long"), ("\tAnn", "a leading tab")] {
        let r = app
            .post(
                "/api/v1/teams",
                Some(&admin.token),
                json!({"name": name, "kind": "frontline"}),
            )
            .await;
        r.expect(422);
        assert_eq!(r.field(), "name", "{why}");
    }
    let r = app
        .post(
            "/api/v1/people",
            Some(&admin.token),
            json!({"email": "x@example.org", "name": "X", "location": "Berlin\n"}),
        )
        .await;
    r.expect(422);
    assert_eq!(r.field(), "location");
    assert_eq!(app.count("teams").await, 0);
}

#[tokio::test]
async fn an_id_in_a_path_longer_than_64_characters_is_a_400_naming_the_id() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let long = "x".repeat(65);
    for path in [
        format!("/api/v1/teams/{long}"),
        format!("/api/v1/people/{long}"),
        format!("/api/v1/surveys/{long}"),
        format!("/api/v1/rounds/{long}/report"),
    ] {
        let r = app.get(&path, Some(&admin.token)).await;
        r.expect(400);
        assert_eq!(r.field(), "id", "for {path}");
        assert_eq!(
            r.json()["detail"],
            json!("failed to parse parameter `id`: verification failed. maxLength(64)"),
            "for {path}"
        );
    }
    // 64 characters pass: the id is looked up (and not found).
    let r = app
        .get(
            &format!("/api/v1/teams/{}", "x".repeat(64)),
            Some(&admin.token),
        )
        .await;
    r.expect(404);
}

/// A body whose schema is an object must be one: serde would otherwise read an array
/// as the object's fields in order (`[null, null]` set the retention settings).
#[tokio::test]
async fn an_array_where_an_object_is_expected_is_a_422_on_the_body() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    for body in ["[null, null]", "[]", "7", "\"x\""] {
        let r = app
            .raw(
                Method::PUT,
                "/api/v1/retention",
                Some(&admin.token),
                "application/json",
                body,
            )
            .await;
        r.expect(422);
        assert_eq!(r.field(), "body", "{body}");
    }
    // The object form still works, and malformed JSON is still a 400.
    app.json(
        Method::PUT,
        "/api/v1/retention",
        Some(&admin.token),
        json!({"suggestions_months": 24}),
    )
    .await
    .expect(200);
    app.raw(
        Method::PUT,
        "/api/v1/retention",
        Some(&admin.token),
        "application/json",
        "[1,",
    )
    .await
    .expect(400);
}
