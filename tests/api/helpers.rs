//! Test harness: `spawn_app()` builds the real application (the same `build_state` and
//! `build_app` as `main`) on a fresh SQLite file, or — when `TEST_DATABASE_URL` is set —
//! on a fresh PostgreSQL database created for the test and dropped after it.

mod browser;
mod linalg;
pub use browser::*;
pub use linalg::*;

use diesel::prelude::*;
use poem::EndpointExt;
use poem::endpoint::BoxEndpoint;
use poem::http::Method;
use poem::test::TestClient;
use pulseline::config::{Config, Secret};
use pulseline::startup::{build_app, build_state};
use pulseline::state::AppState;
use serde_json::{Value, json};

pub const SECRET: &str = "test-signing-key-0123456789abcdefghijklmnop";
/// The instance's master key in tests (sealed ballots, votes).
pub const MASTER_KEY: &str = "test-master-key-0123456789abcdefghijklmnopq";
pub const PASSWORD: &str = "a sturdy test password";
/// The operator's token for `GET /metrics`.
pub const METRICS_TOKEN: &str = "test-metrics-token-0123456789abcdefghij";

pub struct TestApp {
    pub client: TestClient<BoxEndpoint<'static>>,
    pub state: AppState,
    /// The database the app runs on (a SQLite path or a PostgreSQL URL).
    pub database_url: String,
    _dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

/// One HTTP answer, read whole.
pub struct Resp {
    pub status: u16,
    pub headers: poem::http::HeaderMap,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn content_type(&self) -> String {
        self.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    }
    /// Asserts the status and, for errors, that the body is problem+json with that status.
    #[track_caller]
    pub fn expect(&self, status: u16) -> &Self {
        assert_eq!(
            self.status,
            status,
            "unexpected status; body: {}",
            self.text()
        );
        if status >= 400 {
            assert_eq!(
                self.content_type(),
                "application/problem+json",
                "{}",
                self.text()
            );
            assert_eq!(self.json()["status"], json!(status));
        }
        self
    }
    /// For validation problems: the field named.
    pub fn field(&self) -> String {
        self.json()["field"].as_str().unwrap_or("").to_owned()
    }
}

/// A test configuration: cheap argon2 parameters (from configuration, not skipped) and
/// a fixed signing key so tests can forge bad tokens.
pub fn test_config(database_url: &str) -> Config {
    let mut c = Config::for_database(database_url);
    c.jwt_secret = Some(Secret::new(SECRET.into()));
    c.master_key = Some(Secret::new(MASTER_KEY.into()));
    c.metrics_token = Some(Secret::new(METRICS_TOKEN.into()));
    c.argon2_m_kib = 64;
    c.argon2_t = 1;
    c.argon2_p = 1;
    c.db_pool_size = 4;
    c
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
    pulseline::telemetry::init_for_tests();
    let (url, dir, pg) = match std::env::var("TEST_DATABASE_URL") {
        Ok(admin) if !admin.is_empty() => {
            let name = format!("pulseline_test_{}", uuid::Uuid::new_v4().simple());
            let mut conn = PgConnection::establish(&admin)
                .unwrap_or_else(|e| panic!("TEST_DATABASE_URL is set but unreachable: {e}"));
            diesel::sql_query(format!("CREATE DATABASE {name}"))
                .execute(&mut conn)
                .expect("create test database");
            let url = pulseline::db::with_database(&admin, &name);
            (url, None, Some((admin.clone(), name)))
        }
        _ => {
            let dir = tempfile::tempdir().expect("temp dir");
            let path = dir.path().join("test.db");
            (path.to_string_lossy().into_owned(), Some(dir), None)
        }
    };
    let mut config = test_config(&url);
    adjust(&mut config);
    let state = build_state(&config).await.expect("build state");
    let client = TestClient::new(build_app(state.clone()).map_to_response().boxed());
    TestApp {
        client,
        state,
        database_url: url,
        _dir: dir,
        pg,
    }
}

/// The application on an existing database (`url`, e.g. a restored SQLite file), with
/// the same configuration as [`spawn_app`]; the database is left as it is afterwards.
pub async fn spawn_app_on(url: &str) -> TestApp {
    spawn_app_on_with(url, |_| {}).await
}

/// [`spawn_app_on`] with the configuration adjusted.
pub async fn spawn_app_on_with(url: &str, adjust: impl FnOnce(&mut Config)) -> TestApp {
    pulseline::telemetry::init_for_tests();
    let mut config = test_config(url);
    adjust(&mut config);
    let state = build_state(&config).await.expect("build state");
    let client = TestClient::new(build_app(state.clone()).map_to_response().boxed());
    TestApp {
        client,
        state,
        database_url: url.to_owned(),
        _dir: None,
        pg: None,
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some((admin, name)) = &self.pg
            && let Ok(mut conn) = PgConnection::establish(admin)
        {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut conn);
        }
    }
}

/// A signed-in person for tests.
#[derive(Clone, Debug)]
pub struct Actor {
    pub id: String,
    pub email: String,
    pub token: String,
}

impl TestApp {
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<(&str, Vec<u8>)>,
    ) -> Resp {
        let mut req = self.client.request(method, path);
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        if let Some((ct, bytes)) = body {
            req = req.content_type(ct).body(bytes);
        }
        let resp = req.send().await.0;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp.into_body().into_vec().await.expect("read body");
        Resp {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Resp {
        self.send(Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Resp {
        self.json(Method::POST, path, token, body).await
    }

    pub async fn json(&self, method: Method, path: &str, token: Option<&str>, body: Value) -> Resp {
        let bytes = serde_json::to_vec(&body).expect("json");
        self.send(method, path, token, Some(("application/json", bytes)))
            .await
    }

    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        ct: &str,
        body: &str,
    ) -> Resp {
        self.send(method, path, token, Some((ct, body.as_bytes().to_vec())))
            .await
    }

    /// Creates an admin (HR too) directly in the database and signs them in.
    pub async fn admin(&self) -> Actor {
        let email = format!("admin-{}@example.org", short());
        self.seed_person(&email, true, true).await
    }

    /// An HR person who is not an admin.
    pub async fn hr(&self) -> Actor {
        let email = format!("hr-{}@example.org", short());
        self.seed_person(&email, true, false).await
    }

    /// The argon2 hash of [`PASSWORD`].
    pub async fn password_hash(&self) -> String {
        self.state
            .hasher
            .hash(&pulseline::auth::password::Password::parse(PASSWORD, "p").expect("valid"))
            .await
            .expect("hash")
    }

    /// Gives a person (e.g. one from `seed_people`) the password [`PASSWORD`].
    pub async fn set_password(&self, person: &str) {
        use pulseline::db::schema::people;
        let hash = self.password_hash().await;
        let id = person.to_owned();
        self.state
            .db
            .write(move |conn| {
                diesel::update(people::table.find(&id))
                    .set(people::password_hash.eq(Some(hash)))
                    .execute(conn)?;
                Ok(())
            })
            .await
            .expect("set password");
    }

    /// Opens a round of `survey` now (as HR); returns its id.
    pub async fn open_round_now(&self, hr: &Actor, survey: &str) -> String {
        let r = self
            .send(
                Method::POST,
                &format!("/api/v1/surveys/{survey}/rounds"),
                Some(&hr.token),
                None,
            )
            .await;
        r.expect(201);
        r.json()["id"].as_str().expect("round id").to_owned()
    }

    /// Closes round `round` now (as HR).
    pub async fn close_round_now(&self, hr: &Actor, round: &str) {
        self.send(
            Method::POST,
            &format!("/api/v1/rounds/{round}/close"),
            Some(&hr.token),
            None,
        )
        .await
        .expect(200);
    }

    async fn seed_person(&self, email: &str, hr: bool, admin: bool) -> Actor {
        use pulseline::db::schema::people;
        let hash = self.password_hash().await;
        let id = uuid::Uuid::new_v4().to_string();
        let (pid, em) = (id.clone(), email.to_owned());
        self.state
            .db
            .write(move |conn| {
                let t = pulseline::clock::now();
                diesel::insert_into(people::table)
                    .values(pulseline::org::model::PersonRow {
                        id: pid,
                        is_hr: hr,
                        is_admin: admin,
                        password_hash: Some(hash),
                        ..pulseline::org::model::PersonRow::new(Some(em), "Seeded".into(), t)
                    })
                    .execute(conn)?;
                Ok(())
            })
            .await
            .expect("seed person");
        let token = self.login(email, PASSWORD).await;
        Actor {
            id,
            email: email.to_owned(),
            token,
        }
    }

    pub async fn login(&self, email: &str, password: &str) -> String {
        let r = self
            .post(
                "/api/v1/auth/login",
                None,
                json!({"email": email, "password": password}),
            )
            .await;
        r.expect(200);
        r.json()["access_token"].as_str().expect("token").to_owned()
    }

    pub async fn create_team(
        &self,
        by: &Actor,
        name: &str,
        parent: Option<&str>,
        kind: &str,
    ) -> String {
        let r = self
            .post(
                "/api/v1/teams",
                Some(&by.token),
                json!({"name": name, "parent_id": parent, "kind": kind}),
            )
            .await;
        r.expect(201);
        r.json()["id"].as_str().expect("id").to_owned()
    }

    /// Creates a person through the API; returns (id, activation token).
    pub async fn create_person(
        &self,
        by: &Actor,
        email: &str,
        team: Option<&str>,
    ) -> (String, String) {
        let r = self
            .post(
                "/api/v1/people",
                Some(&by.token),
                json!({"email": email, "name": "Person", "team_id": team}),
            )
            .await;
        r.expect(201);
        let v = r.json();
        (
            v["id"].as_str().expect("id").to_owned(),
            v["activation_token"].as_str().expect("token").to_owned(),
        )
    }

    /// Creates, activates and signs in an employee of `team`.
    pub async fn employee(&self, by: &Actor, team: Option<&str>) -> Actor {
        let email = format!("emp-{}@example.org", short());
        let (id, activation) = self.create_person(by, &email, team).await;
        Actor {
            id,
            email,
            token: self.activate(&activation).await,
        }
    }

    /// Activates an account with its activation token and [`PASSWORD`]; the access
    /// token.
    pub async fn activate(&self, activation: &str) -> String {
        let r = self
            .post(
                "/api/v1/auth/activate",
                None,
                json!({"token": activation, "password": PASSWORD}),
            )
            .await;
        r.expect(200);
        r.json()["access_token"].as_str().expect("token").to_owned()
    }

    /// An employee named manager of `team`.
    pub async fn manager_of(&self, by: &Actor, team: &str) -> Actor {
        let m = self.employee(by, Some(team)).await;
        self.json(
            Method::PUT,
            &format!("/api/v1/teams/{team}/managers"),
            Some(&by.token),
            json!({"person_ids": [m.id]}),
        )
        .await
        .expect(200);
        m
    }

    /// Inserts `n` active people into `team` straight into the database (fast, for
    /// load-shaped tests) and issues each a token. `attrs(i)` gives person i's location,
    /// job family and start date.
    pub async fn seed_people(
        &self,
        team: &str,
        n: usize,
        attrs: impl Fn(usize) -> (Option<String>, Option<String>, Option<chrono::NaiveDate>),
    ) -> Vec<Actor> {
        use pulseline::db::schema::people;
        let rows: Vec<pulseline::org::model::PersonRow> = (0..n)
            .map(|i| {
                let (location, job_family, start_date) = attrs(i);
                let t = pulseline::clock::now();
                pulseline::org::model::PersonRow {
                    team_id: Some(team.to_owned()),
                    location,
                    job_family,
                    start_date,
                    ..pulseline::org::model::PersonRow::new(
                        Some(format!("p{i}-{}@example.org", short())),
                        format!("Person {i}"),
                        t,
                    )
                }
            })
            .collect();
        let actors: Vec<Actor> = rows
            .iter()
            .map(|r| Actor {
                id: r.id.clone(),
                email: r.email.clone().unwrap_or_default(),
                token: self.state.tokens.issue(&r.id, 0).expect("token"),
            })
            .collect();
        self.state
            .db
            .write(move |conn| {
                for r in &rows {
                    diesel::insert_into(people::table).values(r).execute(conn)?;
                }
                Ok(())
            })
            .await
            .expect("seed people");
        actors
    }

    /// Counts rows of a table straight from the database.
    pub async fn count(&self, table: &'static str) -> i64 {
        #[derive(QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        self.state
            .db
            .read(move |conn| {
                let r: N = diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
                    .get_result(conn)?;
                Ok(r.n)
            })
            .await
            .expect("count")
    }
}

pub fn short() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..12].to_owned()
}
