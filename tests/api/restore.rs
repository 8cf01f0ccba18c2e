//! Backup and restore as an operator runs them: `pulseline backup` of a live database,
//! `pulseline restore` into a new path, and a server on the restored file that serves the
//! same reports, suggestions and customer-rating numbers; restore refuses a non-empty
//! target, a damaged backup and PostgreSQL, which goes through `pg_dump`/`pg_restore`
//! instead (the same round trip, on a PostgreSQL run). And `--version` names the schema.

use std::process::{Command, Output};

use serde_json::json;

use crate::erasure::{reports, world};
use crate::helpers::*;

fn pulseline(database_url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pulseline"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("PULSELINE_JWT_SECRET", SECRET)
        .env("PULSELINE_MASTER_KEY", MASTER_KEY)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run pulseline")
}

fn said(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("run a PostgreSQL client tool");
    assert!(out.status.success(), "{:?}: {}", cmd, said(&out));
    out
}

/// Every report and the signed suggestion, as an instance serves them.
type Served = (Vec<(String, serde_json::Value)>, serde_json::Value);

/// What the live instance serves before its backup.
async fn served(app: &TestApp, w: &crate::erasure::World) -> Served {
    let signed = app
        .get(
            &format!("/api/v1/suggestions/{}", w.signed),
            Some(&w.admin.token),
        )
        .await
        .json();
    (reports(app, w).await, signed)
}

/// A server on the restored database serves what the live one did (the same signing
/// and master keys, so the same admin token works), and works on: the victim signs in.
async fn serves_the_same(restored: &str, w: &crate::erasure::World, before: &Served) {
    let copy = spawn_app_on(restored).await;
    let after = served(&copy, w).await;
    for ((path, a), (_, b)) in before.0.iter().zip(&after.0) {
        assert_eq!(a, b, "{path} differs after the restore");
    }
    assert_eq!(
        before.1, after.1,
        "the signed suggestion differs after the restore"
    );
    assert_eq!(copy.count("cx_ratings").await, 2);
    assert_eq!(copy.count("responses").await, 7);
    copy.post(
        "/api/v1/auth/login",
        None,
        json!({"email": w.victim.email, "password": PASSWORD}),
    )
    .await
    .expect(200);
}

/// PostgreSQL, as the README tells an operator: `pg_dump -Fc` of the live database,
/// `pg_restore` into an empty one, and a server there serves the same numbers.
async fn postgres_round_trip(app: &TestApp, w: &crate::erasure::World, dir: &std::path::Path) {
    use diesel::{Connection, RunQueryDsl};
    let admin_url = std::env::var("TEST_DATABASE_URL").expect("a PostgreSQL run");
    let dump = dir.join("pulseline.dump");
    run(Command::new("pg_dump")
        .arg("-Fc")
        .arg("-f")
        .arg(&dump)
        .arg(&app.database_url));
    let name = format!("pulseline_restored_{}", uuid::Uuid::new_v4().simple());
    let mut admin = diesel::PgConnection::establish(&admin_url).expect("admin connection");
    diesel::sql_query(format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .expect("create the empty target");
    let target = pulseline::db::with_database(&admin_url, &name);
    run(Command::new("pg_restore")
        .arg("--exit-on-error")
        .arg("-d")
        .arg(&target)
        .arg(&dump));
    serves_the_same(&target, w, &served(app, w).await).await;
    diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut admin)
        .expect("drop the restored database");
}

#[tokio::test]
async fn a_restored_backup_serves_the_same_reports_suggestions_and_ratings() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let dir = tempfile::tempdir().expect("dir");
    let backup = dir.path().join("backup.db");
    let backup = backup.to_string_lossy().into_owned();
    let restored = dir.path().join("restored.db");
    let restored = restored.to_string_lossy().into_owned();
    if matches!(app.state.db.backend(), pulseline::db::Backend::Postgres) {
        let out = pulseline(&app.database_url, &["restore", &backup]);
        assert!(!out.status.success());
        assert!(said(&out).contains("pg_restore"), "{}", said(&out));
        return postgres_round_trip(&app, &w, dir.path()).await;
    }
    let out = pulseline(&app.database_url, &["backup", &backup]);
    assert!(out.status.success(), "{}", said(&out));
    let before = served(&app, &w).await;

    let out = pulseline(&restored, &["restore", &backup]);
    assert!(out.status.success(), "{}", said(&out));
    assert!(said(&out).contains("integrity check ok"), "{}", said(&out));
    assert!(
        !std::path::Path::new(&format!("{restored}.restoring")).exists(),
        "no staging copy is left"
    );

    serves_the_same(&restored, &w, &before).await;

    // Never over a database that holds something.
    let again = pulseline(&restored, &["restore", &backup]);
    assert!(!again.status.success());
    assert!(said(&again).contains("not empty"), "{}", said(&again));
    let live = pulseline(&app.database_url, &["restore", &backup]);
    assert!(!live.status.success());

    // A damaged backup is refused and leaves nothing behind.
    let damaged = dir.path().join("damaged.db");
    let mut bytes = std::fs::read(&backup).expect("read backup");
    let middle = bytes.len() / 2;
    for b in &mut bytes[middle..middle + 4096] {
        *b = 0x5a;
    }
    std::fs::write(&damaged, &bytes).expect("write damaged");
    let target = dir.path().join("from-damaged.db");
    let target = target.to_string_lossy().into_owned();
    let out = pulseline(&target, &["restore", &damaged.to_string_lossy()]);
    assert!(!out.status.success(), "{}", said(&out));
    assert!(!std::path::Path::new(&target).exists());
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "not a database").expect("write");
    let out = pulseline(&target, &["restore", &text.to_string_lossy()]);
    assert!(!out.status.success());
    assert!(!std::path::Path::new(&target).exists());
}

#[tokio::test]
async fn version_names_the_binary_and_its_schema() {
    let app = spawn_app().await;
    let out = pulseline(&app.database_url, &["--version"]);
    assert!(out.status.success());
    let newest = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
        .expect("migrations")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .max()
        .expect("a migration");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("pulseline {} (schema {newest})", env!("CARGO_PKG_VERSION"))
    );
}
