//! SCIM 2.0 provisioning: the mapping of users onto people (team from the department,
//! manager, language, phone, employee number), filters and paging, the PATCH forms,
//! DELETE as deactivation, groups as teams, the mass-change guard, the audit entries,
//! provisioning tokens and the SCIM error bodies.

use diesel::prelude::*;
use poem::http::Method;
use serde_json::{Value, json};

use crate::helpers::*;
use pulseline::scim::config::TeamSource;

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// A provisioning token created by `admin` through the admin API.
async fn scim_token(app: &TestApp, admin: &Actor) -> String {
    let r = app
        .post(
            "/api/v1/scim-tokens",
            Some(&admin.token),
            json!({"name": "Entra ID"}),
        )
        .await;
    r.expect(201);
    let secret = r.json()["secret"].as_str().expect("secret").to_owned();
    assert!(secret.starts_with("scim_"));
    secret
}

async fn scim(app: &TestApp, method: Method, path: &str, token: &str, body: Option<Value>) -> Resp {
    let body = body.map(|b| {
        (
            "application/scim+json",
            serde_json::to_vec(&b).expect("json"),
        )
    });
    app.send(method, &format!("/scim/v2{path}"), Some(token), body)
        .await
}

/// Asserts a SCIM answer: its status, its media type and, for errors, the error body.
#[track_caller]
fn expect_scim(r: &Resp, status: u16, scim_type: Option<&str>) -> Value {
    assert_eq!(r.status, status, "{}", r.text());
    assert_eq!(r.content_type(), "application/scim+json", "{}", r.text());
    let v = r.json();
    if status >= 400 {
        assert_eq!(
            v["schemas"],
            json!(["urn:ietf:params:scim:api:messages:2.0:Error"])
        );
        assert_eq!(v["status"], json!(status.to_string()));
        assert!(v["detail"].as_str().is_some_and(|d| !d.is_empty()));
        assert_eq!(v["scimType"].as_str(), scim_type, "{v}");
    }
    v
}

fn user(email: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": email,
        "name": {"formatted": "Ann Example"},
    })
}

async fn create_user(app: &TestApp, token: &str, body: Value) -> Value {
    let r = scim(app, Method::POST, "/Users", token, Some(body)).await;
    expect_scim(&r, 201, None)
}

/// The audit log's actions, in order, for entries whose target names `id`.
async fn audit_actions(app: &TestApp, id: &str) -> Vec<(String, String)> {
    use pulseline::db::schema::audit_log;
    let pattern = format!("%{id}%");
    app.state
        .db
        .read(move |conn| {
            Ok(audit_log::table
                .filter(audit_log::target.like(pattern))
                .order((audit_log::at, audit_log::id))
                .select((audit_log::actor_id, audit_log::action))
                .load::<(String, String)>(conn)?)
        })
        .await
        .expect("audit")
}

#[tokio::test]
async fn a_provisioned_user_gets_its_team_manager_language_phone_and_employee_number() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let support = app.create_team(&admin, "Support", None, "frontline").await;
    let boss = app.employee(&admin, None).await;
    let token = scim_token(&app, &admin).await;
    let body = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
        "userName": "Ann.Lee@Example.org",
        "externalId": "entra-42",
        "name": {"givenName": "Ann", "familyName": "Lee"},
        "displayName": "Ann Lee",
        "preferredLanguage": "ru-RU",
        "phoneNumbers": [{"type": "mobile", "value": "+7 900"}, {"type": "work", "value": "+7 495 000"}],
        ENTERPRISE: {"employeeNumber": "E-1001", "department": "support", "manager": {"value": boss.id}},
    });
    let r = scim(&app, Method::POST, "/Users", &token, Some(body)).await;
    let u = expect_scim(&r, 201, None);
    let id = u["id"].as_str().expect("id").to_owned();
    let location = u["meta"]["location"].as_str().expect("location");
    assert!(location.ends_with(&format!("/scim/v2/Users/{id}")));
    assert_eq!(
        r.headers.get("location").and_then(|v| v.to_str().ok()),
        Some(location)
    );
    assert_eq!(u["userName"], json!("ann.lee@example.org"));
    assert_eq!(u["displayName"], json!("Ann Lee"));
    assert_eq!(u["preferredLanguage"], json!("ru"));
    assert_eq!(
        u["phoneNumbers"],
        json!([{"value": "+7 495 000", "type": "work"}])
    );
    assert_eq!(u[ENTERPRISE]["employeeNumber"], json!("E-1001"));
    assert_eq!(u[ENTERPRISE]["department"], json!("Support"));
    assert_eq!(u["active"], json!(true));
    // The same person the organisation API shows: in the team, in Russian, no password.
    let p = app
        .get(&format!("/api/v1/people/{id}"), Some(&admin.token))
        .await;
    p.expect(200);
    assert_eq!(p.json()["team_id"], json!(support));
    assert_eq!(p.json()["language"], json!("ru"));
    assert_eq!(p.json()["activated"], json!(false));
    assert_eq!(p.json()["roles"], json!([]));
    // The manager manages the person's team.
    let t = app
        .get(&format!("/api/v1/teams/{support}"), Some(&admin.token))
        .await;
    assert_eq!(t.json()["manager_ids"], json!([boss.id]));
    // The person's export holds what the provider sent.
    let export = app
        .get(&format!("/api/v1/people/{id}/export"), Some(&admin.token))
        .await;
    export.expect(200);
    assert_eq!(
        export.json()["provisioning"],
        json!({"external_id": "entra-42", "phone": "+7 495 000", "employee_number": "E-1001"})
    );
    // Read back, the same.
    let got = scim(&app, Method::GET, &format!("/Users/{id}"), &token, None).await;
    assert_eq!(
        expect_scim(&got, 200, None)["externalId"],
        json!("entra-42")
    );
    // userName is unique without regard to case; it must be an e-mail address; a
    // department that names no team is refused.
    let again = scim(
        &app,
        Method::POST,
        "/Users",
        &token,
        Some(user("ANN.LEE@example.org")),
    )
    .await;
    expect_scim(&again, 409, Some("uniqueness"));
    let bad = scim(
        &app,
        Method::POST,
        "/Users",
        &token,
        Some(user("not-an-address")),
    )
    .await;
    expect_scim(&bad, 400, Some("invalidValue"));
    // The employee number is unique too (it signs in someone without e-mail): another
    // user with Ann's is a uniqueness conflict, not a server error, and nobody is made.
    let before = app.count("people").await;
    let mut twin = user("twin@example.org");
    twin["schemas"] = json!(["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE]);
    twin[ENTERPRISE] = json!({"employeeNumber": "E-1001"});
    let r = scim(&app, Method::POST, "/Users", &token, Some(twin)).await;
    expect_scim(&r, 409, Some("uniqueness"));
    assert_eq!(app.count("people").await, before);
    let mut nowhere = user("b@example.org");
    nowhere[ENTERPRISE] = json!({"department": "Nowhere"});
    let r = scim(&app, Method::POST, "/Users", &token, Some(nowhere)).await;
    expect_scim(&r, 400, Some("invalidValue"));
    // Another language is English.
    let mut other = user("c@example.org");
    other["preferredLanguage"] = json!("de-DE");
    assert_eq!(
        create_user(&app, &token, other).await["preferredLanguage"],
        json!("en")
    );
    // Audited as the token.
    let actions = audit_actions(&app, &id).await;
    assert!(
        actions
            .iter()
            .any(|(actor, a)| actor.starts_with("scim:") && a == "person.create"),
        "{actions:?}"
    );
    let managers = audit_actions(&app, &boss.id).await;
    assert_eq!(
        managers.last().map(|m| m.1.as_str()),
        Some("manager.add"),
        "{managers:?}"
    );
}

#[tokio::test]
async fn users_are_filtered_by_user_name_external_id_and_work_email_and_paged() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let token = scim_token(&app, &admin).await;
    for i in 0..3 {
        let mut u = user(&format!("p{i}@example.org"));
        u["externalId"] = json!(format!("x{i}"));
        create_user(&app, &token, u).await;
    }
    let list = |q: String| {
        let (app, token) = (&app, &token);
        async move { scim(app, Method::GET, &format!("/Users?{q}"), token, None).await }
    };
    let by_name = list("filter=userName%20eq%20%22P1@EXAMPLE.org%22".into()).await;
    let v = expect_scim(&by_name, 200, None);
    assert_eq!(
        v["schemas"],
        json!(["urn:ietf:params:scim:api:messages:2.0:ListResponse"])
    );
    assert_eq!(v["totalResults"], json!(1));
    assert_eq!(v["Resources"][0]["userName"], json!("p1@example.org"));
    let by_ext = expect_scim(
        &list("filter=externalId%20eq%20%22x2%22".into()).await,
        200,
        None,
    );
    assert_eq!(by_ext["Resources"][0]["userName"], json!("p2@example.org"));
    let by_mail = expect_scim(
        &list("filter=emails%5Btype%20eq%20%22work%22%5D.value%20eq%20%22p0@example.org%22".into())
            .await,
        200,
        None,
    );
    assert_eq!(by_mail["totalResults"], json!(1));
    let both = expect_scim(
        &list(
            "filter=userName%20eq%20%22p0@example.org%22%20and%20externalId%20eq%20%22x1%22".into(),
        )
        .await,
        200,
        None,
    );
    assert_eq!(both["totalResults"], json!(0));
    // The admin is a user too: four in all; page 2 of size 1 holds the second.
    let page = expect_scim(&list("startIndex=2&count=1".into()).await, 200, None);
    assert_eq!(page["totalResults"], json!(4));
    assert_eq!(page["startIndex"], json!(2));
    assert_eq!(page["itemsPerPage"], json!(1));
    assert_eq!(page["Resources"][0]["userName"], json!("p0@example.org"));
    // attributes keeps what is asked for (and the id).
    let few = expect_scim(&list("count=1&attributes=userName".into()).await, 200, None);
    let keys: Vec<&String> = few["Resources"][0]
        .as_object()
        .expect("user")
        .keys()
        .collect();
    assert_eq!(keys.len(), 3, "{keys:?}");
    for bad in [
        "filter=userName%20sw%20%22p%22",
        "filter=title%20eq%20%22x%22",
        "filter=userName%20eq%20%22a%22%20or%20userName%20eq%20%22b%22",
    ] {
        expect_scim(&list(bad.into()).await, 400, Some("invalidFilter"));
    }
}

async fn patch(app: &TestApp, token: &str, id: &str, ops: Value) -> Resp {
    let body =
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops});
    scim(
        app,
        Method::PATCH,
        &format!("/Users/{id}"),
        token,
        Some(body),
    )
    .await
}

#[tokio::test]
async fn patch_adds_replaces_and_removes_with_and_without_a_path_and_deactivates() {
    let app = spawn_app_with(|c| c.scim.scim_max_deactivate_share = 1.0).await;
    let admin = app.admin().await;
    let sales = app.create_team(&admin, "Sales", None, "frontline").await;
    let token = scim_token(&app, &admin).await;
    let person = app.employee(&admin, None).await;
    app.get("/api/v1/me", Some(&person.token)).await.expect(200);
    let id = &person.id;
    let r = patch(&app, &token, id, json!([
        {"op": "replace", "path": "name.formatted", "value": "Pat Renamed"},
        {"op": "add", "path": "phoneNumbers[type eq \"work\"].value", "value": "+1 555"},
        {"op": "add", "path": "externalId", "value": "okta-7"},
        {"op": "Replace", "value": {format!("{ENTERPRISE}:department"): "Sales", "preferredLanguage": "ru"}},
        {"op": "add", "path": format!("{ENTERPRISE}:employeeNumber"), "value": "77"},
    ])).await;
    let u = expect_scim(&r, 200, None);
    assert_eq!(u["displayName"], json!("Pat Renamed"));
    assert_eq!(u["phoneNumbers"][0]["value"], json!("+1 555"));
    assert_eq!(u["externalId"], json!("okta-7"));
    assert_eq!(u[ENTERPRISE]["department"], json!("Sales"));
    assert_eq!(u[ENTERPRISE]["employeeNumber"], json!("77"));
    let p = app
        .get(&format!("/api/v1/people/{id}"), Some(&admin.token))
        .await;
    assert_eq!(p.json()["team_id"], json!(sales));
    assert_eq!(p.json()["language"], json!("ru"));
    let r = patch(
        &app,
        &token,
        id,
        json!([
            {"op": "remove", "path": "externalId"},
            {"op": "remove", "path": "phoneNumbers[type eq \"work\"]"},
        ]),
    )
    .await;
    let u = expect_scim(&r, 200, None);
    assert!(
        u.get("externalId").is_none() && u.get("phoneNumbers").is_none(),
        "{u}"
    );
    // Bad paths and operations are SCIM errors.
    expect_scim(
        &patch(&app, &token, id, json!([{"op": "remove"}])).await,
        400,
        Some("noTarget"),
    );
    expect_scim(
        &patch(
            &app,
            &token,
            id,
            json!([{"op": "add", "path": "urn:x:y", "value": 1}]),
        )
        .await,
        400,
        Some("invalidPath"),
    );
    // Entra's form: active as the string "False". The person is deactivated the usual
    // way: their token stops working.
    let r = patch(
        &app,
        &token,
        id,
        json!([{"op": "Replace", "path": "active", "value": "False"}]),
    )
    .await;
    assert_eq!(expect_scim(&r, 200, None)["active"], json!(false));
    app.get("/api/v1/me", Some(&person.token)).await.expect(401);
    let p = app
        .get(&format!("/api/v1/people/{id}"), Some(&admin.token))
        .await;
    assert_eq!(p.json()["active"], json!(false));
    // And back.
    let r = patch(
        &app,
        &token,
        id,
        json!([{"op": "replace", "value": {"active": true}}]),
    )
    .await;
    assert_eq!(expect_scim(&r, 200, None)["active"], json!(true));
    let actions: Vec<String> = audit_actions(&app, id)
        .await
        .into_iter()
        .map(|a| a.1)
        .collect();
    for a in [
        "person.update",
        "person.move",
        "person.deactivate",
        "person.reactivate",
    ] {
        assert!(
            actions.contains(&a.to_owned()),
            "{a} missing from {actions:?}"
        );
    }
    // A PUT replaces: what is absent is cleared (the employee number), userName moves.
    let r = scim(
        &app,
        Method::PUT,
        &format!("/Users/{id}"),
        &token,
        Some(user("moved@example.org")),
    )
    .await;
    let u = expect_scim(&r, 200, None);
    assert_eq!(u["userName"], json!("moved@example.org"));
    assert!(u[ENTERPRISE].get("employeeNumber").is_none(), "{u}");
    // SCIM never deactivates or renames an admin.
    let r = patch(
        &app,
        &token,
        &admin.id,
        json!([{"op": "replace", "path": "active", "value": false}]),
    )
    .await;
    expect_scim(&r, 403, None);
}

#[tokio::test]
async fn delete_deactivates_keeps_the_suggestions_and_answers_404_after() {
    let app = spawn_app_with(|c| c.scim.scim_max_deactivate_share = 1.0).await;
    let admin = app.admin().await;
    let team = app.create_team(&admin, "Floor", None, "frontline").await;
    let token = scim_token(&app, &admin).await;
    let person = app.employee(&admin, Some(&team)).await;
    app.post(
        "/api/v1/suggestions",
        Some(&person.token),
        json!({"title": "Faster refunds", "body": "Refunds take three weeks.",
               "touchpoint": "billing", "customer_segment": "SMB", "anonymous": false}),
    )
    .await
    .expect(201);
    let before = app.count("suggestions").await;
    let r = scim(
        &app,
        Method::DELETE,
        &format!("/Users/{}", person.id),
        &token,
        None,
    )
    .await;
    assert_eq!(r.status, 204, "{}", r.text());
    let gone = scim(
        &app,
        Method::GET,
        &format!("/Users/{}", person.id),
        &token,
        None,
    )
    .await;
    expect_scim(&gone, 404, None);
    let again = scim(
        &app,
        Method::DELETE,
        &format!("/Users/{}", person.id),
        &token,
        None,
    )
    .await;
    expect_scim(&again, 404, None);
    assert_eq!(app.count("suggestions").await, before);
    let p = app
        .get(&format!("/api/v1/people/{}", person.id), Some(&admin.token))
        .await;
    p.expect(200);
    assert_eq!(p.json()["active"], json!(false));
    app.get("/api/v1/me", Some(&person.token)).await.expect(401);
    let list = expect_scim(
        &scim(&app, Method::GET, "/Users", &token, None).await,
        200,
        None,
    );
    assert_eq!(list["totalResults"], json!(1));
    let actions: Vec<String> = audit_actions(&app, &person.id)
        .await
        .into_iter()
        .map(|a| a.1)
        .collect();
    assert!(
        actions.contains(&"person.deactivate".to_owned())
            && actions.contains(&"person.scim_delete".to_owned()),
        "{actions:?}"
    );
}

#[tokio::test]
async fn the_guard_holds_deactivations_beyond_the_share_until_an_admin_confirms() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let team = app.create_team(&admin, "Shop", None, "frontline").await;
    let token = scim_token(&app, &admin).await;
    // 30 active people with the admin: 10% is 3 an hour.
    let people = app.seed_people(&team, 29, |_| (None, None, None)).await;
    for p in &people[..3] {
        let r = scim(
            &app,
            Method::DELETE,
            &format!("/Users/{}", p.id),
            &token,
            None,
        )
        .await;
        assert_eq!(r.status, 204, "{}", r.text());
    }
    let r = scim(
        &app,
        Method::DELETE,
        &format!("/Users/{}", people[3].id),
        &token,
        None,
    )
    .await;
    let e = expect_scim(&r, 409, None);
    let detail = e["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains("/admin/scim") && detail.contains("3 of 30"),
        "{detail}"
    );
    let r = patch(
        &app,
        &token,
        &people[4].id,
        json!([{"op": "replace", "path": "active", "value": false}]),
    )
    .await;
    expect_scim(&r, 409, None);
    // Nothing happened to them; both wait.
    let p = app
        .get(
            &format!("/api/v1/people/{}", people[3].id),
            Some(&admin.token),
        )
        .await;
    assert_eq!(p.json()["active"], json!(true));
    let g = app.get("/api/v1/scim-guard", Some(&admin.token)).await;
    g.expect(200);
    assert_eq!(g.json()["held"].as_array().map(Vec::len), Some(2));
    assert_eq!(g.json()["deactivated_last_hour"], json!(3));
    // HR may not confirm; an admin does: both are applied, and an hour of freedom.
    let hr = app.hr().await;
    app.post("/api/v1/scim-guard/confirm", Some(&hr.token), json!({}))
        .await
        .expect(403);
    let c = app
        .post("/api/v1/scim-guard/confirm", Some(&admin.token), json!({}))
        .await;
    c.expect(200);
    assert_eq!(c.json()["held"], json!([]));
    assert!(c.json()["released_until"].is_string());
    for p in &people[3..5] {
        let r = app
            .get(&format!("/api/v1/people/{}", p.id), Some(&admin.token))
            .await;
        assert_eq!(r.json()["active"], json!(false), "{}", p.id);
    }
    let gone = scim(
        &app,
        Method::GET,
        &format!("/Users/{}", people[3].id),
        &token,
        None,
    )
    .await;
    expect_scim(&gone, 404, None);
    let r = scim(
        &app,
        Method::DELETE,
        &format!("/Users/{}", people[5].id),
        &token,
        None,
    )
    .await;
    assert_eq!(r.status, 204, "{}", r.text());
    let actions: Vec<String> = audit_actions(&app, &people[3].id)
        .await
        .into_iter()
        .map(|a| a.1)
        .collect();
    assert!(
        actions.contains(&"scim.guard.hold".to_owned()),
        "{actions:?}"
    );
}

#[tokio::test]
async fn tokens_are_shown_once_listed_with_last_use_and_revoked_into_401() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let hr = app.hr().await;
    app.post("/api/v1/scim-tokens", Some(&hr.token), json!({"name": "x"}))
        .await
        .expect(403);
    let token = scim_token(&app, &admin).await;
    // No header, a wrong token, a sign-in token: 401 as SCIM errors.
    let r = app.get("/scim/v2/Users", None).await;
    expect_scim(&r, 401, None);
    assert_eq!(
        r.headers
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok()),
        Some("Bearer")
    );
    expect_scim(
        &scim(&app, Method::GET, "/Users", "scim_wrong", None).await,
        401,
        None,
    );
    expect_scim(
        &scim(&app, Method::GET, "/Users", &admin.token, None).await,
        401,
        None,
    );
    expect_scim(
        &scim(&app, Method::GET, "/Users", &token, None).await,
        200,
        None,
    );
    let list = app.get("/api/v1/scim-tokens", Some(&admin.token)).await;
    list.expect(200);
    let t = &list.json()[0];
    assert!(t["last_used_at"].is_string(), "{t}");
    assert!(t.get("secret").is_none() && !list.text().contains(&token));
    let id = t["id"].as_str().expect("id").to_owned();
    // The stored hash is the SHA-256 of the token, not the token.
    let stored: String = {
        use pulseline::db::schema::scim_tokens;
        let id = id.clone();
        app.state
            .db
            .read(move |conn| {
                Ok(scim_tokens::table
                    .find(&id)
                    .select(scim_tokens::token_hash)
                    .first(conn)?)
            })
            .await
            .expect("hash")
    };
    assert_eq!(stored, pulseline::auth::token::activation_hash(&token));
    app.send(
        Method::DELETE,
        &format!("/api/v1/scim-tokens/{id}"),
        Some(&admin.token),
        None,
    )
    .await
    .expect(204);
    expect_scim(
        &scim(&app, Method::GET, "/Users", &token, None).await,
        401,
        None,
    );
    let actions: Vec<String> = audit_actions(&app, &id)
        .await
        .into_iter()
        .map(|a| a.1)
        .collect();
    assert_eq!(actions, vec!["scim.token.create", "scim.token.revoke"]);
    // Unknown paths and methods on SCIM paths are SCIM errors too.
    let other = scim_token(&app, &admin).await;
    expect_scim(
        &scim(&app, Method::GET, "/Nope", &other, None).await,
        404,
        None,
    );
    expect_scim(
        &scim(&app, Method::GET, "/Users/nobody", &other, None).await,
        404,
        None,
    );
    expect_scim(
        &scim(&app, Method::DELETE, "/Users", &other, None).await,
        405,
        None,
    );
    let r = app
        .raw(
            Method::POST,
            "/scim/v2/Users",
            Some(&other),
            "application/json",
            "{oops",
        )
        .await;
    expect_scim(&r, 400, Some("invalidSyntax"));
    // application/json is accepted as well as application/scim+json.
    let r = app
        .raw(
            Method::POST,
            "/scim/v2/Users",
            Some(&other),
            "application/json",
            &user("j@example.org").to_string(),
        )
        .await;
    expect_scim(&r, 201, None);
}

#[tokio::test]
async fn groups_are_teams_and_their_members_move_people_when_groups_drive_teams() {
    let app = spawn_app_with(|c| c.scim.scim_teams = TeamSource::Groups).await;
    let admin = app.admin().await;
    let token = scim_token(&app, &admin).await;
    let u = create_user(&app, &token, user("m@example.org")).await;
    let uid = u["id"].as_str().expect("id").to_owned();
    let r = scim(
        &app,
        Method::POST,
        "/Groups",
        &token,
        Some(json!({"displayName": "Night shift", "externalId": "ns-1"})),
    )
    .await;
    let g = expect_scim(&r, 201, None);
    let gid = g["id"].as_str().expect("id").to_owned();
    let gpatch = |ops: Value| {
        let (app, token, gid) = (&app, &token, gid.clone());
        async move {
            let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops});
            scim(
                app,
                Method::PATCH,
                &format!("/Groups/{gid}"),
                token,
                Some(body),
            )
            .await
        }
    };
    let r = gpatch(json!([{"op": "add", "path": "members", "value": [{"value": uid}]}])).await;
    assert_eq!(
        expect_scim(&r, 200, None)["members"][0]["value"],
        json!(uid)
    );
    let p = app
        .get(&format!("/api/v1/people/{uid}"), Some(&admin.token))
        .await;
    assert_eq!(p.json()["team_id"], json!(gid));
    let found = expect_scim(
        &scim(
            &app,
            Method::GET,
            "/Groups?filter=displayName%20eq%20%22night%20SHIFT%22",
            &token,
            None,
        )
        .await,
        200,
        None,
    );
    assert_eq!(found["totalResults"], json!(1));
    assert_eq!(found["Resources"][0]["externalId"], json!("ns-1"));
    // A team with people in it is not deleted.
    expect_scim(
        &scim(
            &app,
            Method::DELETE,
            &format!("/Groups/{gid}"),
            &token,
            None,
        )
        .await,
        409,
        None,
    );
    let r = gpatch(json!([{"op": "remove", "path": format!("members[value eq \"{uid}\"]")}])).await;
    assert!(expect_scim(&r, 200, None).get("members").is_none());
    let p = app
        .get(&format!("/api/v1/people/{uid}"), Some(&admin.token))
        .await;
    assert_eq!(p.json()["team_id"], Value::Null);
    let r = scim(
        &app,
        Method::DELETE,
        &format!("/Groups/{gid}"),
        &token,
        None,
    )
    .await;
    assert_eq!(r.status, 204, "{}", r.text());
    expect_scim(
        &scim(&app, Method::GET, &format!("/Groups/{gid}"), &token, None).await,
        404,
        None,
    );
    let actions: Vec<String> = audit_actions(&app, &gid)
        .await
        .into_iter()
        .map(|a| a.1)
        .collect();
    assert_eq!(
        actions,
        vec!["team.create", "person.move", "person.move", "team.delete"]
    );
}

#[tokio::test]
async fn discovery_announces_what_is_supported_and_the_team_names() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.create_team(&admin, "Warehouse", None, "frontline")
        .await;
    let token = scim_token(&app, &admin).await;
    let spc = expect_scim(
        &scim(&app, Method::GET, "/ServiceProviderConfig", &token, None).await,
        200,
        None,
    );
    assert_eq!(spc["patch"]["supported"], json!(true));
    assert_eq!(spc["bulk"]["supported"], json!(false));
    assert_eq!(spc["filter"], json!({"supported": true, "maxResults": 200}));
    for f in ["changePassword", "sort", "etag"] {
        assert_eq!(spc[f]["supported"], json!(false), "{f}");
    }
    let types = expect_scim(
        &scim(&app, Method::GET, "/ResourceTypes", &token, None).await,
        200,
        None,
    );
    assert_eq!(types["totalResults"], json!(2));
    let schemas = expect_scim(
        &scim(&app, Method::GET, "/Schemas", &token, None).await,
        200,
        None,
    );
    let ext = schemas["Resources"]
        .as_array()
        .expect("schemas")
        .iter()
        .find(|s| s["id"] == json!(ENTERPRISE))
        .expect("enterprise")
        .clone();
    let dep = ext["attributes"]
        .as_array()
        .expect("attrs")
        .iter()
        .find(|a| a["name"] == json!("department"))
        .expect("department")
        .clone();
    assert_eq!(dep["canonicalValues"], json!(["Warehouse"]));
    let one = scim(
        &app,
        Method::GET,
        &format!("/Schemas/{ENTERPRISE}"),
        &token,
        None,
    )
    .await;
    expect_scim(&one, 200, None);
    expect_scim(
        &scim(&app, Method::POST, "/.search", &token, Some(json!({}))).await,
        501,
        None,
    );
}

#[tokio::test]
async fn the_provisioning_page_makes_tokens_shows_the_guard_and_confirms_in_english_and_russian() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let team = app.create_team(&admin, "Kitchen", None, "frontline").await;
    let people = app.seed_people(&team, 1, |_| (None, None, None)).await;
    let mut b = Browser::new(&app);
    assert_eq!(b.sign_in(&admin.email, PASSWORD).await.status, 303);
    let page = b.get("/admin/scim").await;
    assert_html(&page, 200);
    assert!(page.text().contains("Mass-change guard") && page.text().contains("No tokens yet."));
    // A token made on the page is shown once and works.
    let r = b
        .submit("/admin/scim", "/admin/scim/tokens", &[("name", "Okta")])
        .await;
    assert_html(&r, 200);
    let html = r.text();
    let start = html.find("id=\"scim-secret\">").expect("the secret") + "id=\"scim-secret\">".len();
    let secret = html[start..start + html[start..].find('<').expect("end")].to_owned();
    expect_scim(
        &scim(&app, Method::GET, "/Users", &secret, None).await,
        200,
        None,
    );
    assert!(!b.get("/admin/scim").await.text().contains(&secret));
    // Two active people: deactivating one is beyond 10%, so it is held and listed.
    let r = scim(
        &app,
        Method::DELETE,
        &format!("/Users/{}", people[0].id),
        &secret,
        None,
    )
    .await;
    expect_scim(&r, 409, None);
    let page = b.get("/admin/scim").await;
    assert!(page.text().contains("id=\"scim-held\""), "{}", page.text());
    assert!(page.text().contains(&people[0].email));
    let r = b.submit("/admin/scim", "/admin/scim/confirm", &[]).await;
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(location(&r), "/admin/scim?confirmed=1");
    let p = app
        .get(
            &format!("/api/v1/people/{}", people[0].id),
            Some(&admin.token),
        )
        .await;
    assert_eq!(p.json()["active"], json!(false));
    let page = b.get("/admin/scim?confirmed=1").await;
    assert!(page.text().contains("the held deactivations were applied"));
    // In Russian.
    switch_language(&mut b, "ru").await;
    let page = b.get("/admin/scim").await;
    assert!(
        page.text().contains("Защита от массовых изменений"),
        "{}",
        page.text()
    );
    // Revoked on the page: the token stops working.
    let list = app.get("/api/v1/scim-tokens", Some(&admin.token)).await;
    let id = list.json()[0]["id"].as_str().expect("id").to_owned();
    let r = b
        .submit(
            "/admin/scim",
            &format!("/admin/scim/tokens/{id}/revoke"),
            &[],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    expect_scim(
        &scim(&app, Method::GET, "/Users", &secret, None).await,
        401,
        None,
    );
    // HR who is not an admin gets 403.
    let hr = app.hr().await;
    let mut h = Browser::new(&app);
    h.sign_in(&hr.email, PASSWORD).await;
    assert_eq!(h.get("/admin/scim").await.status, 403);
}
