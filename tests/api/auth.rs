//! Sign-in, tokens, revocation, activation, password change and throttling.

use base64::Engine;
use diesel::prelude::*;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use poem::http::Method;
use serde_json::{Value, json};

use crate::helpers::*;

#[tokio::test]
async fn an_admin_signs_in_and_sees_themselves() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let r = app.get("/api/v1/me", Some(&admin.token)).await;
    r.expect(200);
    let me = r.json();
    assert_eq!(me["email"], json!(admin.email));
    assert_eq!(me["roles"], json!(["employee", "hr", "admin"]));
    assert_eq!(me["managed_teams"], json!([]));
}

#[tokio::test]
async fn a_login_answers_a_bearer_token_valid_at_most_an_hour() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let r = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": admin.email.to_uppercase(), "password": PASSWORD}),
        )
        .await;
    r.expect(200);
    let v = r.json();
    assert_eq!(v["token_type"], json!("Bearer"));
    let expires_in = v["expires_in"].as_i64().expect("expires_in");
    assert!(expires_in > 0 && expires_in <= 3600);
    // The claims carry every registered claim the spec asks for.
    let token = v["access_token"].as_str().expect("token");
    let payload = token.split('.').nth(1).expect("payload");
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .expect("b64"),
    )
    .expect("json");
    for c in ["iss", "aud", "sub", "exp", "iat", "jti"] {
        assert!(claims.get(c).is_some(), "missing claim {c}");
    }
    assert_eq!(
        claims["exp"].as_i64().unwrap_or(0) - claims["iat"].as_i64().unwrap_or(0),
        expires_in
    );
}

#[tokio::test]
async fn an_unknown_email_and_a_wrong_password_answer_the_same() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let wrong = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": admin.email, "password": "not the password at all"}),
        )
        .await;
    let unknown = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": "nobody@example.org", "password": "not the password at all"}),
        )
        .await;
    wrong.expect(401);
    unknown.expect(401);
    assert_eq!(wrong.body, unknown.body);
}

fn forge(claims: &Value, alg: Algorithm, key: &[u8]) -> String {
    jsonwebtoken::encode(&Header::new(alg), claims, &EncodingKey::from_secret(key)).expect("sign")
}

fn good_claims(sub: &str) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({"iss": "pulseline", "aud": "pulseline-api", "sub": sub, "exp": now + 600,
           "iat": now, "nbf": now, "jti": uuid::Uuid::new_v4().to_string(), "ver": 0})
}

#[tokio::test]
async fn bad_tokens_are_refused_with_a_problem() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let key = SECRET.as_bytes();
    let now = chrono::Utc::now().timestamp();
    // The forging itself works: a correct token is accepted.
    let valid = forge(&good_claims(&admin.id), Algorithm::HS256, key);
    app.get("/api/v1/me", Some(&valid)).await.expect(200);

    let with = |k: &str, v: Value| {
        let mut c = good_claims(&admin.id);
        c[k] = v;
        c
    };
    let b64 = |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    let none = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "typ": "JWT"})),
        b64(&good_claims(&admin.id))
    );
    let mut no_exp = good_claims(&admin.id);
    no_exp.as_object_mut().expect("object").remove("exp");
    let cases: Vec<(&str, String)> = vec![
        ("alg none", none),
        (
            "HS512",
            forge(&good_claims(&admin.id), Algorithm::HS512, key),
        ),
        (
            "another key",
            forge(
                &good_claims(&admin.id),
                Algorithm::HS256,
                b"another-key-another-key-another-key!!",
            ),
        ),
        (
            "expired",
            forge(&with("exp", json!(now - 3600)), Algorithm::HS256, key),
        ),
        (
            "nbf in the future",
            forge(&with("nbf", json!(now + 3600)), Algorithm::HS256, key),
        ),
        (
            "wrong aud",
            forge(&with("aud", json!("someone-else")), Algorithm::HS256, key),
        ),
        (
            "wrong iss",
            forge(&with("iss", json!("someone-else")), Algorithm::HS256, key),
        ),
        ("missing exp", forge(&no_exp, Algorithm::HS256, key)),
        (
            "old token version",
            forge(&with("ver", json!(-1)), Algorithm::HS256, key),
        ),
        (
            "unknown subject",
            forge(
                &with("sub", json!(uuid::Uuid::new_v4().to_string())),
                Algorithm::HS256,
                key,
            ),
        ),
        ("garbage", "not.a.token".to_owned()),
    ];
    for (name, token) in cases {
        let r = app.get("/api/v1/me", Some(&token)).await;
        assert_eq!(r.status, 401, "{name} was accepted: {}", r.text());
        r.expect(401);
        assert!(!r.text().contains(&admin.email), "{name} leaked data");
    }
}

#[tokio::test]
async fn a_token_stops_working_after_logout_but_others_do_not() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let second = app.login(&admin.email, PASSWORD).await;
    app.send(
        Method::POST,
        "/api/v1/auth/logout",
        Some(&admin.token),
        None,
    )
    .await
    .expect(204);
    app.get("/api/v1/me", Some(&admin.token)).await.expect(401);
    app.get("/api/v1/me", Some(&second)).await.expect(200);
    assert_eq!(app.count("revoked_tokens").await, 1);
}

#[tokio::test]
async fn a_password_change_revokes_older_tokens() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let r = app
        .post(
            "/api/v1/me/password",
            Some(&admin.token),
            json!({"current_password": "wrong wrong wrong", "new_password": "a brand new password"}),
        )
        .await;
    r.expect(422);
    assert_eq!(r.field(), "current_password");
    let r = app
        .post(
            "/api/v1/me/password",
            Some(&admin.token),
            json!({"current_password": PASSWORD, "new_password": "short"}),
        )
        .await;
    r.expect(422);
    assert_eq!(r.field(), "new_password");
    app.post(
        "/api/v1/me/password",
        Some(&admin.token),
        json!({"current_password": PASSWORD, "new_password": "a brand new password"}),
    )
    .await
    .expect(204);
    app.get("/api/v1/me", Some(&admin.token)).await.expect(401);
    app.post(
        "/api/v1/auth/login",
        None,
        json!({"email": admin.email, "password": PASSWORD}),
    )
    .await
    .expect(401);
    let fresh = app.login(&admin.email, "a brand new password").await;
    app.get("/api/v1/me", Some(&fresh)).await.expect(200);
}

#[tokio::test]
async fn an_activation_token_sets_the_password_once() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (_, activation) = app
        .create_person(&admin, "new.hire@example.org", None)
        .await;
    let r = app
        .post(
            "/api/v1/auth/activate",
            None,
            json!({"token": activation, "password": "too short"}),
        )
        .await;
    r.expect(422);
    assert_eq!(r.field(), "password");
    // Not signed in before activation.
    app.post(
        "/api/v1/auth/login",
        None,
        json!({"email": "new.hire@example.org", "password": PASSWORD}),
    )
    .await
    .expect(401);
    let r = app
        .post(
            "/api/v1/auth/activate",
            None,
            json!({"token": activation, "password": PASSWORD}),
        )
        .await;
    r.expect(200);
    let token = r.json()["access_token"].as_str().expect("token").to_owned();
    app.get("/api/v1/me", Some(&token)).await.expect(200);
    app.post(
        "/api/v1/auth/activate",
        None,
        json!({"token": activation, "password": PASSWORD}),
    )
    .await
    .expect(404);
    app.login("new.hire@example.org", PASSWORD).await;
}

#[tokio::test]
async fn an_expired_activation_token_is_gone() {
    let app = spawn_app_with(|c| c.activation_ttl_hours = 1).await;
    let admin = app.admin().await;
    let (id, activation) = app.create_person(&admin, "late@example.org", None).await;
    app.state
        .db
        .write(move |conn| {
            use pulseline::db::schema::people;
            let past = pulseline::clock::now() - chrono::TimeDelta::hours(2);
            diesel::update(people::table.find(&id))
                .set(people::activation_expires_at.eq(Some(past)))
                .execute(conn)?;
            Ok(())
        })
        .await
        .expect("expire");
    app.post(
        "/api/v1/auth/activate",
        None,
        json!({"token": activation, "password": PASSWORD}),
    )
    .await
    .expect(410);
}

#[tokio::test]
async fn repeated_failures_are_throttled_with_retry_after() {
    let app = spawn_app_with(|c| c.login_max_failures = 3).await;
    let admin = app.admin().await;
    for _ in 0..3 {
        app.post(
            "/api/v1/auth/login",
            None,
            json!({"email": admin.email, "password": "wrong password!!"}),
        )
        .await
        .expect(401);
    }
    let r = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": admin.email, "password": PASSWORD}),
        )
        .await;
    r.expect(429);
    let retry: u64 = r.headers["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((1..=900).contains(&retry));
    // Another account from the same client is not locked by this account's failures.
    let other = app.hr().await;
    app.get("/api/v1/me", Some(&other.token)).await.expect(200);
}

#[tokio::test]
async fn failures_from_one_address_are_throttled_across_accounts() {
    let app = spawn_app_with(|c| c.login_max_failures_per_addr = 4).await;
    for i in 0..4 {
        app.post(
            "/api/v1/auth/login",
            None,
            json!({"email": format!("guess{i}@example.org"), "password": "wrong password!!"}),
        )
        .await
        .expect(401);
    }
    app.post(
        "/api/v1/auth/login",
        None,
        json!({"email": "guess9@example.org", "password": "wrong password!!"}),
    )
    .await
    .expect(429);
}

#[tokio::test]
async fn production_hashes_are_argon2id_with_owasp_parameters() {
    let defaults = pulseline::config::Config::for_database("unused.db");
    let app = spawn_app_with(|c| {
        c.argon2_m_kib = defaults.argon2_m_kib;
        c.argon2_t = defaults.argon2_t;
        c.argon2_p = defaults.argon2_p;
    })
    .await;
    let admin = app.admin().await;
    let email = admin.email.clone();
    let hash: Option<String> = app
        .state
        .db
        .read(move |conn| {
            use pulseline::db::schema::people;
            Ok(people::table
                .filter(people::email.eq(&email))
                .select(people::password_hash)
                .first(conn)?)
        })
        .await
        .expect("read hash");
    let hash = hash.expect("has a hash");
    assert!(
        hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{hash}"
    );
}

#[tokio::test]
async fn a_deactivated_person_is_signed_out_everywhere() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let emp = app.employee(&admin, None).await;
    app.get("/api/v1/me", Some(&emp.token)).await.expect(200);
    app.send(
        Method::DELETE,
        &format!("/api/v1/people/{}", emp.id),
        Some(&admin.token),
        None,
    )
    .await
    .expect(204);
    app.get("/api/v1/me", Some(&emp.token)).await.expect(401);
    app.post(
        "/api/v1/auth/login",
        None,
        json!({"email": emp.email, "password": PASSWORD}),
    )
    .await
    .expect(401);
}

#[tokio::test]
async fn the_master_key_is_generated_once_into_a_private_file_or_required() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("keyed.db");
    let db = db.to_string_lossy().into_owned();
    let mut config = test_config(&db);
    config.jwt_secret = None;
    config.master_key = None;
    let first = pulseline::startup::build_state(&config)
        .await
        .expect("state");
    let file = pulseline::keys::master_file_for(&db);
    let mode = std::fs::metadata(&file)
        .expect("master key file")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    assert!(std::fs::read(&file).expect("read").len() >= 32);
    // No separate signing key file: the token key is derived from the master key.
    assert!(!pulseline::startup::secret_file_for(&db).exists());
    // A restart reads the same key: a token from before is still valid.
    let token = first.tokens.issue("someone", 0).expect("issue");
    let second = pulseline::startup::build_state(&config)
        .await
        .expect("state");
    assert!(second.tokens.verify(&token).is_ok());
    // Another master key derives another token key: the token is refused.
    let mut other = config.clone();
    other.master_key = Some(pulseline::config::Secret::new("o".repeat(40)));
    let third = pulseline::startup::build_state(&other)
        .await
        .expect("state");
    assert!(third.tokens.verify(&token).is_err());

    // A key file named by PULSELINE_MASTER_KEY_FILE is used as given.
    let named = dir.path().join("elsewhere.key");
    std::fs::write(&named, "n".repeat(40)).expect("write key");
    let mut by_file = config.clone();
    by_file.master_key_file = Some(named.clone());
    let a = pulseline::startup::build_state(&by_file)
        .await
        .expect("state");
    let mut by_value = config.clone();
    by_value.master_key = Some(pulseline::config::Secret::new("n".repeat(40)));
    let b = pulseline::startup::build_state(&by_value)
        .await
        .expect("state");
    assert_eq!(a.vote_key, b.vote_key);
    assert_ne!(a.vote_key, first.vote_key);

    let mut pg = test_config("postgres://postgres@127.0.0.1:1/none");
    pg.master_key = None;
    let err = pulseline::startup::build_state(&pg)
        .await
        .err()
        .expect("refused");
    assert!(err.to_string().contains("PULSELINE_MASTER_KEY"), "{err}");
}

#[tokio::test]
async fn a_signing_key_file_from_an_earlier_version_keeps_its_tokens_valid() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("legacy.db");
    let db = db.to_string_lossy().into_owned();
    let legacy = "l".repeat(48);
    std::fs::write(pulseline::startup::secret_file_for(&db), &legacy).expect("write");
    let mut with_env = test_config(&db);
    with_env.jwt_secret = Some(pulseline::config::Secret::new(legacy.clone()));
    let before = pulseline::startup::build_state(&with_env)
        .await
        .expect("state");
    let token = before.tokens.issue("someone", 0).expect("issue");
    let mut config = test_config(&db);
    config.jwt_secret = None;
    let after = pulseline::startup::build_state(&config)
        .await
        .expect("state");
    assert!(after.tokens.verify(&token).is_ok());
}
