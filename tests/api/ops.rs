//! Probes, metrics and the API documentation.

use crate::helpers::*;

#[tokio::test]
async fn probes_answer() {
    let app = spawn_app().await;
    let r = app.get("/healthz", None).await;
    r.expect(200);
    assert_eq!(r.text(), "ok");
    app.get("/readyz", None).await.expect(200);
}

/// A replica that does not migrate (`PULSELINE_MIGRATE_ON_START=false`) on a database
/// behind its version must stay out of the load balancer: `/readyz` is 503 and names
/// the pending migration until `pulseline migrate` has run, then 200. A database ahead
/// of the binary (a newer replica migrated it) is no reason to be unready.
#[tokio::test]
async fn readyz_fails_while_a_migration_is_pending_on_a_replica_that_does_not_migrate() {
    use diesel_migrations::MigrationHarness;
    let app = spawn_app().await;
    // The database as the previous version left it: the newest migration reverted (on
    // a connection outside the writer's transaction, as diesel opens its own).
    let reverted = app
        .state
        .db
        .read_blocking(|conn| {
            let reverted = conn
                .revert_last_migration(pulseline::db::MIGRATIONS)
                .map_err(|e| pulseline::error::ApiError::Internal(anyhow::anyhow!("{e}")))?;
            Ok(reverted.to_string())
        })
        .expect("the newest migration reverts");
    // The newest migration's name, `2026-12-04-000400_name`, has version `20261204000400`.
    let newest = pulseline::db::restore::schema_version();
    assert!(
        newest.replace('-', "").starts_with(&reverted),
        "{reverted} {newest}"
    );

    let replica = spawn_app_on_with(&app.database_url, |c| c.migrate_on_start = false).await;
    let r = replica.get("/readyz", None).await;
    r.expect(503);
    let detail = r.json()["detail"].as_str().unwrap_or_default().to_owned();
    assert!(
        detail.contains("1 migration pending") && detail.contains(&newest),
        "{detail}"
    );
    replica.get("/healthz", None).await.expect(200);
    // Still pending: nothing changed the schema behind the probe.
    replica.get("/readyz", None).await.expect(503);

    assert_eq!(app.state.db.migrate().expect("migrate"), 1);
    let r = replica.get("/readyz", None).await;
    r.expect(200);
    assert_eq!(r.text(), "ready");
}

#[tokio::test]
async fn metrics_count_requests_by_route_pattern_without_ids() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let team = app.create_team(&admin, "Support", None, "frontline").await;
    app.get(&format!("/api/v1/teams/{team}"), Some(&admin.token))
        .await
        .expect(200);
    let text = app.get("/metrics", Some(METRICS_TOKEN)).await.text();
    assert!(
        text.contains(r#"pulseline_http_requests_total{method="GET",route="/api/v1/teams/:param0",status="200"} 1"#),
        "{text}"
    );
    assert!(text.contains("pulseline_http_request_duration_seconds_bucket"));
    assert!(!text.contains(&team), "an id leaked into the metrics");
    assert!(!text.contains(&admin.email));
}

/// The attack: the counters move with every answer, anonymous suggestion and vote, so
/// anyone able to scrape them could time a colleague's anonymous action. They are the
/// operator's alone: no token, a sign-in token or a wrong one is 401, and with no
/// metrics token configured nobody reads them.
#[tokio::test]
async fn metrics_need_the_operators_token() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let r = app.get("/metrics", None).await;
    r.expect(401);
    assert!(r.content_type().starts_with("application/problem+json"));
    app.get("/metrics", Some(&admin.token)).await.expect(401);
    app.get("/metrics", Some("test-metrics-token-0123456789abcdefghiX"))
        .await
        .expect(401);
    app.get("/metrics", Some(METRICS_TOKEN)).await.expect(200);

    let closed = spawn_app_with(|c| c.metrics_token = None).await;
    closed
        .get("/metrics", Some(METRICS_TOKEN))
        .await
        .expect(401);
}

#[tokio::test]
async fn swagger_ui_and_the_openapi_document_are_served() {
    let app = spawn_app().await;
    let r = app.get("/docs", None).await;
    assert!(
        r.status == 200 || r.status == 301 || r.status == 302 || r.status == 307,
        "{}",
        r.status
    );
    let r = app.get("/docs/", None).await;
    r.expect(200);
    assert!(r.text().contains("swagger"), "no Swagger UI");
    // Offline: the page loads no script or stylesheet from another host.
    let page = r.text();
    assert!(
        !page.contains("<script src=\"http"),
        "Swagger UI loads a script from another host"
    );
    assert!(
        !page.contains("<link rel=\"stylesheet\" href=\"http"),
        "Swagger UI loads CSS from another host"
    );
    assert!(
        page.contains("/openapi.json") || page.contains("openapi"),
        "the page does not load our document"
    );
    let doc = app.get("/openapi.json", None).await;
    doc.expect(200);
    let v = doc.json();
    assert!(v["paths"]["/api/v1/auth/login"]["post"].is_object());
    assert!(v["paths"]["/api/v1/teams/{id}/managers"]["put"].is_object());
}

/// A SQLite write of many megabytes in one transaction (a round's close writes hundreds
/// of megabytes at 100,000 people) does not leave the write-ahead log that large once
/// it has been checkpointed and writing goes on: the log is cut back to 4 MiB. Without
/// `journal_size_limit` it kept the size of its largest transaction (16 MiB here; 2.78
/// GB beside a 4.55 GB database in the twelve-round benchmark), old frames included.
#[tokio::test]
async fn the_write_ahead_log_is_cut_back_after_a_large_transaction() {
    use diesel::RunQueryDsl;
    let app = spawn_app().await;
    if app.state.db.backend() != pulseline::db::Backend::Sqlite {
        return;
    }
    let wal = std::path::PathBuf::from(format!("{}-wal", app.database_url));
    let size = |p: &std::path::Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    app.state
        .db
        .write(|conn| {
            diesel::sql_query("CREATE TABLE wal_probe (b BLOB)").execute(conn)?;
            for _ in 0..64 {
                diesel::sql_query("INSERT INTO wal_probe VALUES (zeroblob(262144))")
                    .execute(conn)?;
            }
            Ok(())
        })
        .await
        .expect("16 MiB written");
    assert!(size(&wal) > 16 << 20, "the log holds {} bytes", size(&wal));
    // The checkpoints the server runs (a thread of the answer writer) are passive ones.
    let mut conn = None;
    let db = app.state.db.clone();
    let mut done = (0, -1);
    for _ in 0..100 {
        done = db.checkpoint_wal(&mut conn).expect("checkpoint");
        if done.0 == done.1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(done.0, done.1, "the checkpoint did not copy the whole log");
    app.state
        .db
        .write(|conn| {
            diesel::sql_query("INSERT INTO wal_probe VALUES (x'00')").execute(conn)?;
            Ok(())
        })
        .await
        .expect("a small write");
    assert!(
        size(&wal) <= 4 << 20,
        "the log stayed at {} bytes",
        size(&wal)
    );
}
