//! Company sign-in against a real OpenID provider: the npm package `oidc-provider`,
//! started per test from `tests/oidc/provider.mjs` (its node_modules are in
//! `PULSELINE_TEST_OIDC_DIR`, which `.ci/run` fills from `tests/oidc/package.json`).
//! The tests drive the whole redirect flow as a browser would: pulseline's start page,
//! the provider's own sign-in form, the code coming back to the callback.

use std::collections::HashMap;
use std::io::BufRead;

use poem::http::Method;
use pulseline::auth::oidc::config::PasswordLogin;
use pulseline::config::{Config, Secret};
use serde_json::json;

use crate::helpers::*;

const CLIENT_SECRET: &str = "pulseline-test-client-secret-0123456789";
const PUBLIC: &str = "http://pulse.test";

/// A running provider.
pub struct Idp {
    child: std::process::Child,
    pub issuer: String,
    http: reqwest::Client,
}

impl Drop for Idp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Idp {
    pub fn start() -> Idp {
        let dir = std::env::var("PULSELINE_TEST_OIDC_DIR")
            .unwrap_or_else(|_| "/var/tmp/pulseline-ci-oidc".into());
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/oidc/provider.mjs");
        let mut child = std::process::Command::new("node")
            .arg(script)
            .arg(&dir)
            .arg(format!("{PUBLIC}/auth/oidc/callback"))
            .stdout(std::process::Stdio::piped())
            .stderr(match std::env::var_os("PULSELINE_TEST_OIDC_LOG") {
                Some(f) => std::fs::File::create(f)
                    .map(Into::into)
                    .unwrap_or_else(|_| std::process::Stdio::null()),
                None => std::process::Stdio::null(),
            })
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start node {script}: {e}"));
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("the provider's port");
        let port: u16 = line
            .trim()
            .strip_prefix("port ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| {
                panic!(
                    "the provider did not start (is oidc-provider installed in {dir}?): {line:?}"
                )
            });
        Idp {
            child,
            issuer: format!("http://127.0.0.1:{port}"),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
        }
    }

    /// Makes the token endpoint's next ID tokens dishonest in one way (`none` stops).
    pub async fn tamper(&self, mode: &str) {
        let r = self
            .http
            .get(format!("{}/__test/tamper?mode={mode}", self.issuer))
            .send()
            .await
            .expect("tamper");
        assert!(r.status().is_success());
    }

    /// The settings of an app that signs in with this provider.
    pub fn config(&self) -> impl FnOnce(&mut Config) + use<> {
        let issuer = self.issuer.clone();
        move |c: &mut Config| {
            c.public_url = Some(PUBLIC.into());
            c.oidc.oidc_issuer = Some(issuer);
            c.oidc.oidc_client_id = Some("pulseline".into());
            c.oidc.oidc_client_secret = Some(Secret::new(CLIENT_SECRET.into()));
            c.oidc.oidc_name = "Example SSO".into();
        }
    }
}

/// The provider's side of a browser: its cookies, and the trip through its pages.
struct ProviderSide<'a> {
    idp: &'a Idp,
    cookies: HashMap<String, String>,
}

impl<'a> ProviderSide<'a> {
    fn new(idp: &'a Idp) -> Self {
        ProviderSide {
            idp,
            cookies: HashMap::new(),
        }
    }

    async fn send(
        &mut self,
        method: reqwest::Method,
        url: &str,
        form: Option<&[(&str, &str)]>,
    ) -> (u16, String, String) {
        let cookie = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let mut req = self.idp.http.request(method, url).header("cookie", cookie);
        if let Some(f) = form {
            req = req
                .header("content-type", "application/x-www-form-urlencoded")
                .body(serde_urlencoded::to_string(f).expect("form"));
        }
        let r = req.send().await.expect("provider request");
        for sc in r.headers().get_all("set-cookie") {
            let sc = sc.to_str().expect("ascii");
            let pair = sc.split(';').next().unwrap_or("");
            if let Some((k, v)) = pair.split_once('=') {
                if v.is_empty() || sc.contains("expires=Thu, 01 Jan 1970") {
                    self.cookies.remove(k);
                } else {
                    self.cookies.insert(k.to_owned(), v.to_owned());
                }
            }
        }
        let status = r.status().as_u16();
        let location = r
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let body = r.text().await.unwrap_or_default();
        (status, location, body)
    }

    fn absolute(&self, location: &str) -> String {
        if location.starts_with("http") {
            location.to_owned()
        } else {
            format!("{}{location}", self.idp.issuer)
        }
    }

    /// Follows the provider's redirects from `url` until one leaves for pulseline
    /// (returned), answering its sign-in form as `login` (or aborting when `None`).
    async fn walk(&mut self, url: &str, login: Option<&str>) -> String {
        let mut url = url.to_owned();
        for _ in 0..10 {
            if url.starts_with(PUBLIC) {
                return url;
            }
            let (status, location, body) = self.send(reqwest::Method::GET, &url, None).await;
            if (300..400).contains(&status) {
                url = self.absolute(&location);
                continue;
            }
            assert_eq!(status, 200, "{url}: {body}");
            // The provider's own sign-in form at /interaction/{uid}.
            match login {
                Some(who) => {
                    let form = [("prompt", "login"), ("login", who), ("password", "any")];
                    let (s, loc, b) = self.send(reqwest::Method::POST, &url, Some(&form)).await;
                    assert!((300..400).contains(&s), "sign-in form: {s} {b}");
                    url = self.absolute(&loc);
                }
                None => url = format!("{url}/abort"),
            }
        }
        panic!("the provider never sent the browser back");
    }
}

/// The path and query of a URL on pulseline.
fn local(url: &str) -> String {
    url.strip_prefix(PUBLIC).unwrap_or(url).to_owned()
}

/// Starts at pulseline's button, signs in at the provider as `login` and returns the
/// callback URL (path and query) the provider sent the browser to.
async fn trip(browser: &mut Browser<'_>, idp: &Idp, login: Option<&str>) -> String {
    let r = browser.get("/auth/oidc/start?next=/pulses").await;
    assert_eq!(r.status, 303, "{}", r.text());
    let to = location(&r);
    assert!(to.starts_with(&idp.issuer), "to the provider: {to}");
    assert!(to.contains("code_challenge_method=S256"), "PKCE: {to}");
    assert!(to.contains("nonce="), "nonce: {to}");
    assert!(browser.cookies.contains_key("pulseline_oidc"));
    let mut side = ProviderSide::new(idp);
    local(&side.walk(&to, login).await)
}

/// The refusal reason a page names.
fn reason(r: &Resp) -> String {
    let html = r.text();
    let marker = "data-reason=\"";
    html.find(marker)
        .map(|i| {
            let s = &html[i + marker.len()..];
            s[..s.find('"').unwrap_or(0)].to_owned()
        })
        .unwrap_or_default()
}

async fn person_with(app: &TestApp, hr: &Actor, email: &str) -> String {
    app.create_person(hr, email, None).await.0
}

#[tokio::test]
async fn a_person_signs_in_at_the_company_provider_with_the_same_session_as_a_password() {
    let idp = Idp::start();
    let app = spawn_app_with(idp.config()).await;
    let hr = app.admin().await;
    let alice = person_with(&app, &hr, "alice@example.test").await;

    let page = Browser::new(&app).get("/signin").await;
    let html = page.text();
    let button = html
        .find("Sign in with Example SSO")
        .expect("the company button");
    assert!(
        button < html.find("name=\"password\"").expect("the password form"),
        "the company button comes first"
    );

    let mut b = Browser::new(&app);
    let back = trip(&mut b, &idp, Some("alice")).await;
    let r = b.get(&back).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(
        r.text().contains("url=/pulses"),
        "moves on to the destination"
    );
    assert!(
        !b.cookies.contains_key("pulseline_oidc"),
        "state cookie cleared"
    );
    let token = b
        .cookies
        .get("pulseline_session")
        .expect("a session")
        .clone();
    assert_eq!(b.get("/pulses").await.status, 200, "signed in on the pages");
    // The same token as a password sign-in: it works on the API and is revoked the same way.
    let me = app.get("/api/v1/me", Some(&token)).await;
    me.expect(200);
    assert_eq!(me.json()["id"], json!(alice));
    assert_eq!(app.count("identities").await, 1);
    app.post("/api/v1/auth/logout", Some(&token), json!({}))
        .await
        .expect(204);
    app.get("/api/v1/me", Some(&token)).await.expect(401);

    // The e-mail matches whatever its case at the provider (another account, same person).
    let mut b2 = Browser::new(&app);
    let back = trip(&mut b2, &idp, Some("alicecase")).await;
    assert_eq!(b2.get(&back).await.status, 200);
    let t2 = b2
        .cookies
        .get("pulseline_session")
        .expect("a session")
        .clone();
    assert_eq!(
        app.get("/api/v1/me", Some(&t2)).await.json()["id"],
        json!(alice)
    );

    // A linked account keeps naming its person after HR changes their e-mail.
    // (The API has no e-mail change; an import or SCIM does it. Here, the row itself.)
    let id = alice.clone();
    app.state
        .db
        .write(move |conn| {
            use diesel::prelude::*;
            use pulseline::db::schema::people;
            diesel::update(people::table.find(&id))
                .set(people::email.eq("alice.new@example.test"))
                .execute(conn)?;
            Ok(())
        })
        .await
        .expect("new e-mail");
    let mut b3 = Browser::new(&app);
    let back = trip(&mut b3, &idp, Some("alice")).await;
    assert_eq!(b3.get(&back).await.status, 200);
    let t3 = b3
        .cookies
        .get("pulseline_session")
        .expect("a session")
        .clone();
    assert_eq!(
        app.get("/api/v1/me", Some(&t3)).await.json()["id"],
        json!(alice)
    );

    // Erasure removes the link: the provider's account names nobody here any more.
    app.post(
        &format!("/api/v1/people/{alice}/erase"),
        Some(&hr.token),
        json!({}),
    )
    .await
    .expect(200);
    assert_eq!(app.count("identities").await, 0);
    let mut b4 = Browser::new(&app);
    let back = trip(&mut b4, &idp, Some("alice")).await;
    let r = b4.get(&back).await;
    assert_eq!((r.status, reason(&r).as_str()), (403, "unknown"));
}

/// Signs in as `login` with the provider dishonest in `tamper` way; the refusal page.
async fn refused_with(app: &TestApp, idp: &Idp, login: Option<&str>, tamper: &str) -> Resp {
    idp.tamper(tamper).await;
    let mut b = Browser::new(app);
    let back = trip(&mut b, idp, login).await;
    let r = b.get(&back).await;
    idp.tamper("none").await;
    assert!(
        !b.cookies.contains_key("pulseline_session"),
        "no session after a refusal: {}",
        r.text()
    );
    r
}

#[tokio::test]
async fn every_refusal_says_why_and_creates_nothing() {
    let idp = Idp::start();
    let app = spawn_app_with(|c| {
        idp.config()(c);
        c.oidc.oidc_allowed_domains = vec!["example.test".into()];
    })
    .await;
    let hr = app.admin().await;
    person_with(&app, &hr, "alice@example.test").await;
    person_with(&app, &hr, "bob@example.test").await;
    person_with(&app, &hr, "carol@elsewhere.test").await;
    let erin = person_with(&app, &hr, "erin@example.test").await;
    app.json(
        Method::DELETE,
        &format!("/api/v1/people/{erin}"),
        Some(&hr.token),
        json!({}),
    )
    .await
    .expect(204);
    let people = app.count("people").await;

    let cases: [(&str, &str, u16, &str); 9] = [
        ("alice", "nonce", 403, "token:nonce"),
        ("alice", "audience", 403, "token:audience"),
        ("alice", "expired", 403, "token:expired"),
        ("alice", "future", 403, "token:issued_in_future"),
        ("alice", "signature", 403, "token:signature"),
        ("bob", "none", 403, "unverified"),
        ("carol", "none", 403, "domain"),
        ("dave", "none", 403, "unknown"),
        ("erin", "none", 403, "deactivated"),
    ];
    for (login, tamper, status, why) in cases {
        let r = refused_with(&app, &idp, Some(login), tamper).await;
        assert_eq!(
            (r.status, reason(&r)),
            (status, why.to_owned()),
            "{login}/{tamper}"
        );
        assert!(r.text().contains("href=\"/signin\""), "a way back");
    }
    // The person pressed "cancel" at the provider: its error answer.
    let r = refused_with(&app, &idp, None, "none").await;
    assert_eq!(
        (r.status, reason(&r).as_str()),
        (403, "provider:access_denied")
    );

    // A callback whose state is not the browser's (login CSRF), or from another browser.
    let mut f = Browser::new(&app);
    let back = trip(&mut f, &idp, Some("alice")).await;
    let forged = back.replace("state=", "state=x");
    let r = f.get(&forged).await;
    assert_eq!((r.status, reason(&r).as_str()), (400, "state"));
    let mut b = Browser::new(&app);
    let back = trip(&mut b, &idp, Some("alice")).await;
    let r = Browser::new(&app).get(&back).await;
    assert_eq!((r.status, reason(&r).as_str()), (400, "state"));
    // The right browser still can — once. The same answer again is refused.
    let ok = b.get(&back).await;
    assert_eq!(ok.status, 200, "{}", ok.text());
    b.cookies.remove("pulseline_session");
    let r = b.get(&back).await;
    assert_eq!((r.status, reason(&r).as_str()), (400, "state"));

    // A used code under a fresh sign-in of this browser: the provider refuses the replay.
    let mut c = Browser::new(&app);
    let fresh = c.get("/auth/oidc/start?next=/").await;
    let fresh_state = location(&fresh)
        .split(['?', '&'])
        .find_map(|p| p.strip_prefix("state=").map(str::to_owned))
        .expect("state");
    let code = back
        .split(['?', '&'])
        .find_map(|p| p.strip_prefix("code=").map(str::to_owned))
        .expect("code");
    let r = c
        .get(&format!(
            "/auth/oidc/callback?code={code}&state={fresh_state}"
        ))
        .await;
    assert_eq!(
        (r.status, reason(&r).as_str()),
        (400, "exchange:invalid_grant")
    );
    assert!(!c.cookies.contains_key("pulseline_session"));

    assert_eq!(app.count("people").await, people, "nobody was created");
    assert_eq!(
        app.count("identities").await,
        1,
        "only alice's one good sign-in linked"
    );
}

#[tokio::test]
async fn a_first_sign_in_creates_the_person_only_when_configured() {
    let idp = Idp::start();
    let app0 = spawn_app_with(idp.config()).await;
    let hr0 = app0.admin().await;
    let people0 = app0.count("people").await;
    let r = refused_with(&app0, &idp, Some("dave"), "none").await;
    assert_eq!((r.status, reason(&r).as_str()), (403, "unknown"));
    assert_eq!(app0.count("people").await, people0);
    drop(hr0);

    let app = spawn_app_with(|c| {
        idp.config()(c);
        c.oidc.oidc_jit = true;
        c.oidc.oidc_jit_team = Some("newcomers".into());
    })
    .await;
    let hr = app.admin().await;
    let team = app.create_team(&hr, "Newcomers", None, "internal").await;
    app.json(
        Method::PATCH,
        &format!("/api/v1/teams/{team}"),
        Some(&hr.token),
        json!({"key": "newcomers"}),
    )
    .await
    .expect(200);
    let mut b = Browser::new(&app);
    let back = trip(&mut b, &idp, Some("dave")).await;
    assert_eq!(b.get(&back).await.status, 200);
    let token = b
        .cookies
        .get("pulseline_session")
        .expect("a session")
        .clone();
    let me = app.get("/api/v1/me", Some(&token)).await;
    me.expect(200);
    let me = me.json();
    assert_eq!(me["email"], json!("dave@example.test"));
    assert_eq!(me["name"], json!("Dave Newcomer"));
    assert_eq!(me["team"]["id"], json!(team));
    assert_eq!(me["roles"], json!(["employee"]), "no role: {me}");
    let log = app.get("/api/v1/audit-log", Some(&hr.token)).await;
    log.expect(200);
    let id = me["id"].as_str().expect("id");
    assert!(
        log.json()["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|e| e["action"] == json!("person.create") && e["actor_id"] == json!(id)),
        "the creation is audited: {}",
        log.text()
    );
    // Still only one person for a second sign-in.
    let people = app.count("people").await;
    let mut b2 = Browser::new(&app);
    let back = trip(&mut b2, &idp, Some("dave")).await;
    assert_eq!(b2.get(&back).await.status, 200);
    assert_eq!(app.count("people").await, people);
}

#[tokio::test]
async fn password_sign_in_can_be_left_to_admins_or_switched_off() {
    // The provider is never asked in this test: its address may be unreachable.
    let company = |mode: PasswordLogin| {
        move |c: &mut Config| {
            c.public_url = Some(PUBLIC.into());
            c.oidc.oidc_issuer = Some("http://127.0.0.1:9".into());
            c.oidc.oidc_client_id = Some("pulseline".into());
            c.oidc.oidc_client_secret = Some(Secret::new(CLIENT_SECRET.into()));
            c.oidc.password_login = mode;
        }
    };
    let app = spawn_app_with(company(PasswordLogin::Admins)).await;
    let admin = app.admin().await;
    let emp = app.employee(&admin, None).await;
    let r = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": emp.email, "password": PASSWORD}),
        )
        .await;
    r.expect(403);
    assert_eq!(
        r.json()["type"],
        json!("urn:pulseline:problem:password-login-off")
    );
    // A wrong password is still a plain 401: the refusal tells nothing to a stranger.
    app.post(
        "/api/v1/auth/login",
        None,
        json!({"email": emp.email, "password": "not the password at all"}),
    )
    .await
    .expect(401);
    app.login(&admin.email, PASSWORD).await;
    let page = Browser::new(&app).get("/signin").await;
    assert!(
        page.text()
            .contains("Only administrators sign in with a password here.")
    );
    assert!(page.text().contains("name=\"password\""));
    // The provider unreachable: a clear page, not an error.
    let r = Browser::new(&app).get("/auth/oidc/start").await;
    assert_eq!((r.status, reason(&r).as_str()), (502, "unavailable"));

    let off = spawn_app_with(company(PasswordLogin::Off)).await;
    // An admin with a password, straight into the database (signing in is what is off).
    let hash = off.password_hash().await;
    off.state
        .db
        .write(move |conn| {
            use diesel::prelude::*;
            let t = pulseline::clock::now();
            diesel::insert_into(pulseline::db::schema::people::table)
                .values(pulseline::org::model::PersonRow {
                    is_hr: true,
                    is_admin: true,
                    password_hash: Some(hash),
                    ..pulseline::org::model::PersonRow::new(
                        Some("root@example.test".into()),
                        "Root".into(),
                        t,
                    )
                })
                .execute(conn)?;
            Ok(())
        })
        .await
        .expect("admin");
    let r = off
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": "root@example.test", "password": PASSWORD}),
        )
        .await;
    r.expect(403);
    assert_eq!(
        r.json()["type"],
        json!("urn:pulseline:problem:password-login-off")
    );
    let page = Browser::new(&off).get("/signin").await;
    assert!(page.text().contains("Sign in with your company account"));
    assert!(
        !page.text().contains("name=\"password\""),
        "no password form"
    );

    // Without company sign-in, nothing changes.
    let plain = spawn_app().await;
    let page = Browser::new(&plain).get("/signin").await;
    assert!(!page.text().contains("/auth/oidc/start"));
    let r = Browser::new(&plain).get("/auth/oidc/start").await;
    assert_eq!((r.status, reason(&r).as_str()), (404, "off"));
}

#[test]
fn company_sign_in_settings_must_belong_together() {
    let base = || {
        let mut c = test_config("x.db");
        c.public_url = Some(PUBLIC.into());
        c.oidc.oidc_issuer = Some("https://login.example.org".into());
        c.oidc.oidc_client_id = Some("pulseline".into());
        c.oidc.oidc_client_secret = Some(Secret::new("s".into()));
        c
    };
    assert!(base().validate().is_ok());
    let mut c = base();
    c.public_url = None;
    let e = c.validate().expect_err("no public URL").to_string();
    assert!(e.contains("PULSELINE_PUBLIC_URL"), "{e}");
    let mut c = base();
    c.oidc.oidc_client_secret = None;
    let e = c.validate().expect_err("no secret").to_string();
    assert!(e.contains("PULSELINE_OIDC_CLIENT_SECRET"), "{e}");
    let mut c = base();
    c.oidc.oidc_jit = true;
    let e = c.validate().expect_err("no team").to_string();
    assert!(e.contains("PULSELINE_OIDC_JIT_TEAM"), "{e}");
    let mut c = test_config("x.db");
    c.oidc.password_login = PasswordLogin::Off;
    let e = c.validate().expect_err("nobody could sign in").to_string();
    assert!(e.contains("PULSELINE_OIDC_ISSUER"), "{e}");
    // The secret from a file: its first line.
    let dir = tempfile::tempdir().expect("dir");
    let f = dir.path().join("secret");
    std::fs::write(&f, "from-a-file\nignored\n").expect("write");
    let mut c = base();
    c.oidc.oidc_client_secret = None;
    c.oidc.oidc_client_secret_file = Some(f);
    assert!(c.validate().is_ok());
    assert_eq!(
        c.oidc.client_secret().expect("read").expect("set").expose(),
        "from-a-file"
    );
}
