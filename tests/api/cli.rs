//! The binary's subcommands, run as a user would: `create-admin` reading the password
//! from standard input, `import people` from a file, `migrate`, and `--help`.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use crate::helpers::*;

fn pulseline(app: &TestApp, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pulseline"))
        .args(args)
        .env("DATABASE_URL", &app.database_url)
        .env("PULSELINE_JWT_SECRET", SECRET)
        .env("PULSELINE_MASTER_KEY", MASTER_KEY)
        .env("PULSELINE_ARGON2_M_KIB", "64")
        .env("PULSELINE_ARGON2_T", "1")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run pulseline");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("wait")
}

#[tokio::test]
async fn create_admin_reads_the_password_from_stdin_and_refuses_a_short_one() {
    let app = spawn_app().await;
    let out = pulseline(
        &app,
        &[
            "create-admin",
            "--email",
            "Root@Example.org",
            "--name",
            "Root",
        ],
        "only11chars\n",
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 12"));
    assert_eq!(app.count("people").await, 0);

    let out = pulseline(
        &app,
        &[
            "create-admin",
            "--email",
            "Root@Example.org",
            "--name",
            "Root",
        ],
        "a long enough password\n",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = app
        .login("root@example.org", "a long enough password")
        .await;
    let me = app.get("/api/v1/me", Some(&token)).await.json();
    assert_eq!(me["roles"], serde_json::json!(["employee", "hr", "admin"]));

    // The same e-mail twice is refused.
    let out = pulseline(
        &app,
        &[
            "create-admin",
            "--email",
            "root@example.org",
            "--name",
            "Root",
        ],
        "a long enough password\n",
    );
    assert!(!out.status.success());
}

#[tokio::test]
async fn import_people_checks_the_whole_file_and_prints_activation_tokens() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.create_team(&admin, "Support", None, "frontline").await;
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("people.csv");
    std::fs::write(
        &file,
        "email,name,team,location\nkim@example.org,Kim,Support,Paris\nlee@example.org,Lee,Nowhere,Oslo\n",
    )
    .expect("write csv");
    let path = file.to_string_lossy().into_owned();
    let out = pulseline(&app, &["import", "people", &path], "");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("row 2: team"), "{err}");
    assert_eq!(app.count("people").await, 1);

    let out = pulseline(&app, &["import", "people", &path, "--partial"], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(
        printed.starts_with("person,activation_token\nkim@example.org,"),
        "{printed}"
    );
    assert_eq!(app.count("people").await, 2);
}

#[tokio::test]
async fn migrate_is_idempotent_and_help_names_the_environment() {
    let app = spawn_app().await;
    let out = pulseline(&app, &["migrate"], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("applied 0 migration"));
    let out = pulseline(&app, &["--help"], "");
    let help = String::from_utf8_lossy(&out.stdout);
    for var in [
        "DATABASE_URL",
        "PULSELINE_BIND",
        "PULSELINE_JWT_SECRET",
        "PULSELINE_MIN_GROUP",
    ] {
        assert!(help.contains(var), "--help does not mention {var}");
    }
    let out = pulseline(&app, &["--min-group", "2", "migrate"], "");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 3"));
}

/// Migrates one empty database from `n` threads released at the same instant, as
/// replicas starting together do; returns what each `migrate` answered.
fn migrate_together(url: &str, n: usize) -> Vec<Result<usize, String>> {
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(n));
    let threads: Vec<_> = (0..n)
        .map(|_| {
            let (url, barrier) = (url.to_owned(), barrier.clone());
            std::thread::spawn(move || {
                let db = pulseline::db::Db::connect(&url, 1).map_err(|e| e.to_string())?;
                barrier.wait();
                db.migrate().map_err(|e| e.to_string())
            })
        })
        .collect();
    threads
        .into_iter()
        .map(|t| t.join().expect("migrating thread"))
        .collect()
}

/// A PostgreSQL database dropped when the test ends, also when it fails.
struct DroppedAfter(Option<(String, String)>);

impl Drop for DroppedAfter {
    fn drop(&mut self) {
        use diesel::prelude::*;
        if let Some((admin, name)) = &self.0
            && let Ok(mut conn) = diesel::PgConnection::establish(admin)
        {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut conn);
        }
    }
}

#[tokio::test]
async fn replicas_starting_together_all_migrate() {
    // A database of its own, left empty (spawn_app's is migrated already).
    let (url, _dir, _pg) = match std::env::var("TEST_DATABASE_URL") {
        Ok(admin) if !admin.is_empty() => {
            use diesel::prelude::*;
            let name = format!("pulseline_test_{}", short());
            let mut conn = diesel::PgConnection::establish(&admin).expect("connect");
            diesel::sql_query(format!("CREATE DATABASE {name}"))
                .execute(&mut conn)
                .expect("create database");
            let url = pulseline::db::with_database(&admin, &name);
            (url, None, DroppedAfter(Some((admin.clone(), name))))
        }
        _ => {
            let dir = tempfile::tempdir().expect("temp dir");
            let path = dir.path().join("replicas.db");
            (
                path.to_string_lossy().into_owned(),
                Some(dir),
                DroppedAfter(None),
            )
        }
    };
    let migrations = std::fs::read_dir("migrations")
        .expect("migrations folder")
        .filter(|e| e.as_ref().is_ok_and(|e| e.path().is_dir()))
        .count();
    // First on the empty database, then on the migrated one (every later restart).
    for expected in [migrations, 0] {
        let results = migrate_together(&url, 8);
        let applied: Vec<usize> = results
            .iter()
            .map(|r| match r {
                Ok(n) => *n,
                Err(e) => panic!("a replica failed to migrate: {e} (all: {results:?})"),
            })
            .collect();
        assert_eq!(applied.iter().sum::<usize>(), expected, "{applied:?}");
    }
}

fn http_get(port: u16, path: &str) -> Option<String> {
    use std::io::Read;
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    Some(out)
}

#[tokio::test]
async fn serve_answers_over_tcp_and_stops_cleanly_on_sigterm() {
    let app = spawn_app().await;
    let (server, port) = start_server_logging(&app, "info");
    let missing = http_get(port, "/api/v1/me").expect("answer");
    assert!(missing.starts_with("HTTP/1.1 401"));
    assert!(missing.contains("application/problem+json"));
    let log = stop_server(server);
    assert!(log.contains("shutting down"), "{log}");
    assert!(!log.contains(SECRET), "the signing key reached the log");
}

#[tokio::test]
async fn import_cx_streams_a_file_and_is_idempotent() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let team = app.create_team(&admin, "Support", None, "frontline").await;
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("cx.csv");
    let mut csv = String::from("external_id,team_id,team_key,metric,score,occurred_on\n");
    for i in 0..50 {
        csv.push_str(&format!(
            "e{i},{team},,nps,{},2026-05-{:02}\n",
            i % 11,
            i % 28 + 1
        ));
    }
    csv.push_str(&format!("bad,{team},,nps,12,2026-05-01\n"));
    std::fs::write(&file, csv).expect("write");
    let path = file.to_string_lossy().into_owned();
    let out = pulseline(&app, &["import", "cx", &path], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("51 ratings: 50 accepted, 0 duplicates, 1 refused"),
        "{err}"
    );
    assert!(err.contains("row 51: score"), "{err}");
    let out = pulseline(&app, &["import", "cx", &path], "");
    assert!(String::from_utf8_lossy(&out.stderr).contains("0 accepted, 50 duplicates"));
    assert_eq!(app.count("cx_ratings").await, 50);
}

#[tokio::test]
async fn demo_seeds_once_and_prints_a_login_that_works() {
    let app = spawn_app().await;
    let out = pulseline(&app, &["demo", "--seed", "3"], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = String::from_utf8_lossy(&out.stdout).into_owned();
    let line = printed
        .lines()
        .find(|l| l.starts_with("sign in as "))
        .expect("login line");
    let words: Vec<&str> = line.split_whitespace().collect();
    let (email, password) = (words[3], words[6]);
    app.login(email, password).await;
    let again = pulseline(&app, &["demo"], "");
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already has teams"));
}

/// One HTTP/1.1 request over a fresh connection; the whole answer as text.
fn http_send(port: u16, method: &str, path: &str, token: &str, body: &str) -> Option<String> {
    use std::io::Read;
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .ok()?;
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
         Authorization: Bearer {token}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    Some(out)
}

/// Starts `pulseline serve` on a free port over the app's database; waits until ready.
fn start_server(app: &TestApp) -> (Running, u16) {
    start_server_logging(app, "warn")
}

/// [`start_server`] with the log at `level` captured from its standard error.
fn start_server_logging(app: &TestApp, level: &str) -> (Running, u16) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port");
    let mut child = Command::new(env!("CARGO_BIN_EXE_pulseline"))
        .arg("serve")
        .env("DATABASE_URL", &app.database_url)
        .env("PULSELINE_JWT_SECRET", SECRET)
        .env("PULSELINE_MASTER_KEY", MASTER_KEY)
        .env("PULSELINE_BIND", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", level)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start server");
    for _ in 0..100 {
        if http_get(port, "/readyz").is_some_and(|r| r.starts_with("HTTP/1.1 200")) {
            return (Running(Some(child)), port);
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("server never became ready");
}

/// A started server; killed if a test fails before it is stopped, so no server outlives
/// its test.
struct Running(Option<std::process::Child>);

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Sends SIGTERM and waits (up to 10 s) for a clean exit; returns what it logged.
fn stop_server(mut running: Running) -> String {
    let Some(mut child) = running.0.take() else {
        return String::new();
    };
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    for _ in 0..100 {
        if let Some(status) = child.try_wait().expect("wait") {
            assert!(status.success(), "exit status {status:?}");
            let out = child.wait_with_output().expect("output");
            return String::from_utf8_lossy(&out.stderr).into_owned();
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the server did not stop within 10 s of SIGTERM");
}

/// A whole answer (as JSON text) to the four questions of `team_with_open_round`'s
/// survey.
async fn answers_to(app: &TestApp, hr: &Actor, survey: &str) -> String {
    let survey = app
        .get(&format!("/api/v1/surveys/{survey}"), Some(&hr.token))
        .await
        .json();
    let q = |i: usize| {
        survey["questions"][i]["id"]
            .as_str()
            .expect("id")
            .to_owned()
    };
    serde_json::json!({"answers": [
        {"question_id": q(0), "value": 4},
        {"question_id": q(1), "value": 9},
        {"question_id": q(2), "choice": "Chat"},
        {"question_id": q(3), "text": "a comment only its writer would know"},
    ]})
    .to_string()
}

/// The size of a SQLite database's write-ahead log (0 when there is none).
fn wal_bytes(database: &str) -> u64 {
    std::fs::metadata(format!("{database}-wal")).map_or(0, |m| m.len())
}

/// The attack: frames in the write-ahead log are in commit order, and at a quiet hour a
/// commit is one person's answer, so a copy of a stopped server's `-wal` file told who
/// answered what. After a clean stop the log must hold nothing: every committed answer
/// is in the database file and the log is empty.
#[tokio::test]
async fn a_server_stopped_after_answers_leaves_an_empty_write_ahead_log() {
    let app = spawn_app().await;
    if matches!(app.state.db.backend(), pulseline::db::Backend::Postgres) {
        return;
    }
    let hr = app.admin().await;
    let (people, survey, round) = team_with_open_round(&app, &hr, 6).await;
    let body = answers_to(&app, &hr, &survey).await;
    let (child, port) = start_server(&app);
    for who in &people {
        let answer = http_send(
            port,
            "POST",
            &format!("/api/v1/rounds/{round}/responses"),
            &who.token,
            &body,
        )
        .expect("an answer");
        assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
    }
    assert!(wal_bytes(&app.database_url) > 0, "the answers were logged");
    let _ = stop_server(child);
    assert_eq!(
        wal_bytes(&app.database_url),
        0,
        "a stopped server left its write-ahead log"
    );
    assert_eq!(app.count("ballots").await, 6);
}

/// `pulseline demo` writes twelve rounds of answers; it too leaves no write-ahead log.
#[tokio::test]
async fn the_demo_leaves_an_empty_write_ahead_log() {
    let app = spawn_app().await;
    if matches!(app.state.db.backend(), pulseline::db::Backend::Postgres) {
        return;
    }
    let out = pulseline(&app, &["demo", "--seed", "5"], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(wal_bytes(&app.database_url), 0);
    assert!(app.count("responses").await > 100);
}

/// The attack: SQLite leaves deleted rows in free pages, where a copy of the file keeps
/// them. With `secure_delete` what is deleted is overwritten.
#[tokio::test]
async fn what_sqlite_deletes_is_gone_from_the_file() {
    let app = spawn_app().await;
    if matches!(app.state.db.backend(), pulseline::db::Backend::Postgres) {
        return;
    }
    let marker = "MARKER-7f3a9c-deleted-comment-text";
    app.state
        .db
        .write(move |conn| {
            use diesel::connection::SimpleConnection;
            conn.batch_execute(&format!(
                "CREATE TABLE scratch (body TEXT); \
                 INSERT INTO scratch VALUES ('{marker}'); \
                 DELETE FROM scratch;"
            ))?;
            Ok(())
        })
        .await
        .expect("write");
    app.state.db.checkpoint_truncate().expect("checkpoint");
    let bytes = std::fs::read(&app.database_url).expect("read the database file");
    let found = bytes.windows(marker.len()).any(|w| w == marker.as_bytes());
    assert!(!found, "the deleted text is still in the database file");
}

#[tokio::test]
async fn backup_writes_a_consistent_copy_and_never_overwrites() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.create_team(&admin, "Support", None, "frontline").await;
    let dir = tempfile::tempdir().expect("dir");
    let copy = dir.path().join("copy.db");
    let path = copy.to_string_lossy().into_owned();
    let out = pulseline(&app, &["backup", &path], "");
    if matches!(app.state.db.backend(), pulseline::db::Backend::Postgres) {
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("pg_dump"));
        return;
    }
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("master key"), "{said}");
    assert_eq!(wal_bytes(&path), 0);
    // The copy is a whole database: it serves the same data.
    let mut conn =
        <diesel::SqliteConnection as diesel::Connection>::establish(&path).expect("open the copy");
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
    }
    use diesel::RunQueryDsl;
    let ok: Vec<Row> =
        diesel::sql_query("SELECT integrity_check AS name FROM pragma_integrity_check")
            .load(&mut conn)
            .expect("integrity check");
    assert_eq!(ok.first().map(|r| r.name.as_str()), Some("ok"));
    let teams: Vec<Row> = diesel::sql_query("SELECT name FROM teams")
        .load(&mut conn)
        .expect("teams");
    assert_eq!(
        teams.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(),
        ["Support"]
    );
    let again = pulseline(&app, &["backup", &path], "");
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("never overwrites"));
}

/// The attack: the log had `signed in person=<id>` and a line per request with
/// microsecond times, so the sign-in just before an anonymous answer named who gave it.
/// The server's whole log at `info` must name nobody who signed in and answered, and
/// carry no line for the answers themselves.
#[tokio::test]
async fn the_log_names_nobody_beside_an_anonymous_answer() {
    let app = spawn_app().await;
    let hr = app.admin().await;
    let (people, survey, round) = team_with_open_round(&app, &hr, 3).await;
    for who in &people {
        app.set_password(&who.id).await;
    }
    let answers = answers_to(&app, &hr, &survey).await;
    let (child, port) = start_server_logging(&app, "info");
    for who in &people {
        let login = serde_json::json!({"email": who.email, "password": PASSWORD}).to_string();
        let signed_in = http_send(port, "POST", "/api/v1/auth/login", "", &login).expect("login");
        assert!(signed_in.starts_with("HTTP/1.1 200"), "{signed_in}");
        let answered = http_send(
            port,
            "POST",
            &format!("/api/v1/rounds/{round}/responses"),
            &who.token,
            &answers,
        )
        .expect("an answer");
        assert!(answered.starts_with("HTTP/1.1 201"), "{answered}");
    }
    let log = stop_server(child);
    assert!(log.contains("signed in"), "the log was captured: {log}");
    for who in &people {
        assert!(!log.contains(&who.id), "a person id reached the log: {log}");
        assert!(
            !log.contains(&who.email),
            "an e-mail reached the log: {log}"
        );
    }
    assert!(
        !log.lines().any(|l| l.contains("responses")),
        "an answer was logged: {log}"
    );
}
