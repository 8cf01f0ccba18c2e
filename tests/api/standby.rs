//! `PULSELINE_READ_DATABASE_URL`: a server is never misled into reading somewhere that is
//! not a hot standby of its primary. The standby itself (a real one, made with
//! `pg_basebackup -R`, with replay paused half way) is checked by `scripts/scale_out.py`,
//! which `.ci/run` runs against the release build.

use crate::helpers::*;

/// SQLite has no standby: the setting is refused at start, naming what is wrong.
#[tokio::test]
async fn a_standby_beside_sqlite_is_refused_at_start() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("standby.db");
    let mut config = test_config(&path.to_string_lossy());
    config.scale_out.read_database_url = Some("postgres://postgres@127.0.0.1:5433/x".into());
    let err = pulseline::startup::build_state(&config)
        .await
        .err()
        .expect("a SQLite server with a standby must not start");
    assert!(err.to_string().contains("PostgreSQL DATABASE_URL"), "{err}");
}

/// The attack: point `PULSELINE_READ_DATABASE_URL` at a server that is not replaying
/// the primary (here the primary itself, which answers `pg_is_in_recovery()` false and
/// `pg_last_wal_replay_lsn()` NULL). Nothing is read there — every read falls back to the
/// primary, counted as `unavailable` or, while the standby rests, `resting` — and the
/// answers are the primary's. (On SQLite the test checks nothing more than the refusal
/// above.)
#[tokio::test]
async fn a_read_url_that_is_not_a_standby_is_never_read() {
    if std::env::var("TEST_DATABASE_URL").map_or(true, |u| u.is_empty()) {
        return;
    }
    let app =
        spawn_app_with(|c| c.scale_out.read_database_url = Some(c.database_url.clone())).await;
    let admin = app.admin().await;
    let team = app.create_team(&admin, "Support", None, "frontline").await;
    for _ in 0..3 {
        let teams = app.get("/api/v1/teams", Some(&admin.token)).await;
        teams.expect(200);
        assert!(teams.text().contains(&team), "{}", teams.text());
    }
    let text = app.get("/metrics", Some(METRICS_TOKEN)).await.text();
    let value = |name: &str| -> u64 {
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.trim().parse().ok())
            .unwrap_or_else(|| panic!("{name} missing from\n{text}"))
    };
    assert_eq!(value("pulseline_standby_reads_total "), 0, "{text}");
    let unavailable = value("pulseline_standby_fallbacks_total{reason=\"unavailable\"} ");
    let resting = value("pulseline_standby_fallbacks_total{reason=\"resting\"} ");
    assert!(unavailable >= 1, "{text}");
    assert_eq!(
        unavailable + resting,
        3,
        "each list read fell back once: {text}"
    );
}
