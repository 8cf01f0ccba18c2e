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
        printed.starts_with("email,activation_token\nkim@example.org,"),
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
