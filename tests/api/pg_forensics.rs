//! The operator-with-a-copy attacks on PostgreSQL with the tools such an operator would
//! use: `pageinspect` over every page of the tables (live and dead tuples, their
//! transaction ids and line pointers) and `pg_waldump` over the write-ahead log written
//! while a round was open and closed. Each test names what it would link — a
//! participation row (who) to a response or answer (what) — and fails if it can.
//!
//! Both run only on PostgreSQL (on SQLite they return at once); `.ci/run` runs the
//! suite on both. Before sealed ballots the writer inserted a person's participation row
//! and their response in one transaction, so both attacks linked every answer to its
//! writer by transaction id; that code is gone, so these were not run against it.

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;

use crate::helpers::*;
use crate::sealed::{
    offsets, pg_checkpoint, pg_data_directory, round_for, secret, tau_within_pages,
};
use crate::surveys::{answers, close_round, submit};

fn is_postgres(app: &TestApp) -> bool {
    matches!(app.state.db.backend(), pulseline::db::Backend::Postgres)
}

/// Runs `f` on a superuser connection to the test's own database.
async fn superuser<T: Send + 'static>(
    app: &TestApp,
    f: impl FnOnce(&mut PgConnection) -> anyhow::Result<T> + Send + 'static,
) -> T {
    let url = app.database_url.clone();
    tokio::task::spawn_blocking(move || {
        let mut conn = PgConnection::establish(&url)?;
        f(&mut conn)
    })
    .await
    .expect("join")
    .expect("superuser query")
}

#[derive(QueryableByName)]
struct Tuple {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    blk: i32,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    lp: i32,
    #[diesel(sql_type = diesel::sql_types::Text)]
    xmin: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    xmax: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Binary>)]
    data: Option<Vec<u8>>,
}

/// Every tuple on every page of `table`, dead ones included, as `pageinspect` shows it.
fn heap_tuples(conn: &mut PgConnection, table: &str) -> anyhow::Result<Vec<Tuple>> {
    Ok(diesel::sql_query(format!(
        "SELECT b.blk::int4 AS blk, t.lp::int4 AS lp, t.t_xmin::text AS xmin, \
         t.t_xmax::text AS xmax, t.t_data AS data \
         FROM generate_series(0, (pg_relation_size('{table}') / 8192)::int4 - 1) AS b(blk), \
         LATERAL heap_page_items(get_raw_page('{table}', b.blk)) AS t \
         WHERE t.t_data IS NOT NULL"
    ))
    .load(conn)?)
}

#[tokio::test]
async fn pageinspect_links_no_answer_to_its_writer() {
    let app = spawn_app().await;
    if !is_postgres(&app) {
        return;
    }
    let tag = short();
    let n = 20;
    let (hr, _team, staff, p) = round_for(&app, n).await;
    for (i, who) in staff.iter().enumerate() {
        submit(&app, who, &p, answers(&p, 4, Some(&secret(&tag, i))))
            .await
            .expect(201);
    }
    close_round(&app, &hr, &p).await;
    pg_checkpoint(&app).await;
    let pages: HashMap<&str, Vec<Tuple>> = superuser(&app, |conn| {
        diesel::sql_query("CREATE EXTENSION IF NOT EXISTS pageinspect").execute(conn)?;
        let mut out = HashMap::new();
        for table in ["participation", "ballots", "responses", "answers"] {
            out.insert(table, heap_tuples(conn, table)?);
        }
        Ok(out)
    })
    .await;
    let who = &pages["participation"];
    assert_eq!(who.len(), n, "a participation tuple per respondent");
    // The ballots were deleted at the close, but their tuples are still on the pages
    // (nothing has vacuumed them): ciphertext, none of the comments in it.
    let ballots = &pages["ballots"];
    assert_eq!(
        ballots.len(),
        n,
        "the dead ballots are still on their pages"
    );
    for t in ballots {
        let data = t.data.as_deref().unwrap_or_default();
        assert!(
            offsets(data, &tag).is_empty(),
            "a dead ballot holds a comment in plain text"
        );
    }
    // Who answered is the participation tuples' transactions; no response or answer
    // tuple was written by one of them, and none was ever rewritten (no dead versions
    // that a mixer's delete-and-insert would leave).
    let writers: HashSet<&str> = who.iter().map(|t| t.xmin.as_str()).collect();
    // The attack is not blind: each ballot was written with its writer's participation
    // row, and the transaction ids say so — which is why a ballot is ciphertext.
    assert!(
        ballots.iter().all(|t| writers.contains(t.xmin.as_str())),
        "the ballots' transactions are the participation rows'"
    );
    for table in ["responses", "answers"] {
        for t in &pages[table] {
            assert!(
                !writers.contains(t.xmin.as_str()),
                "a tuple of {table} shares its transaction {} with a participation row",
                t.xmin
            );
            assert_eq!(t.xmax, "0", "a tuple of {table} was deleted or moved");
        }
    }
    // Line pointers are handed out in insertion order on a page: they must not follow
    // the order people answered in.
    let mut found: Vec<(usize, usize)> = pages["answers"]
        .iter()
        .filter_map(|t| {
            let i = offsets(t.data.as_deref()?, &tag).first()?.0;
            Some((i, t.blk as usize * 10_000 + t.lp as usize))
        })
        .collect();
    assert_eq!(found.len(), n, "every comment found on the answers' pages");
    found.sort();
    let tau = tau_within_pages(&found, 10_000);
    assert!(
        tau.abs() < 0.6,
        "line pointers follow the answering order (tau = {tau})"
    );
}

/// One heap record of `pg_waldump`'s output: (transaction id, description, relfilenode,
/// database oid).
fn heap_record(line: &str) -> Option<(String, String, String, String)> {
    if !line.starts_with("rmgr: Heap") {
        return None;
    }
    let tx = line
        .split("tx:")
        .nth(1)?
        .split(',')
        .next()?
        .trim()
        .to_owned();
    let desc = line
        .split("desc:")
        .nth(1)?
        .split_whitespace()
        .next()?
        .to_owned();
    let rel = line.split("rel ").nth(1)?.split_whitespace().next()?;
    let mut parts = rel.split('/');
    let (_space, db, node) = (parts.next()?, parts.next()?, parts.next()?);
    Some((tx, desc, node.to_owned(), db.to_owned()))
}

#[derive(QueryableByName)]
struct Text {
    #[diesel(sql_type = diesel::sql_types::Text)]
    v: String,
}

fn text(conn: &mut PgConnection, sql: &str) -> anyhow::Result<String> {
    Ok(diesel::sql_query(sql).get_result::<Text>(conn)?.v)
}

#[tokio::test]
async fn pg_waldump_links_no_answer_to_its_writer() {
    let app = spawn_app().await;
    if !is_postgres(&app) {
        return;
    }
    // A temporary replication slot keeps the log from here on (a checkpoint elsewhere
    // would otherwise recycle the segments); it goes with this connection.
    let mut slot = PgConnection::establish(&app.database_url).expect("connect");
    let start = text(
        &mut slot,
        &format!(
            "SELECT lsn::text AS v FROM pg_create_physical_replication_slot('wal_{}', true, true)",
            short()
        ),
    )
    .expect("a temporary replication slot");
    let n = 12;
    let (hr, _team, staff, p) = round_for(&app, n).await;
    for who in &staff {
        submit(&app, who, &p, answers(&p, 4, None))
            .await
            .expect(201);
    }
    close_round(&app, &hr, &p).await;
    let (end, db, bindir, nodes) = superuser(&app, |c| {
        let end = text(c, "SELECT pg_current_wal_flush_lsn()::text AS v")?;
        let db = text(
            c,
            "SELECT oid::text AS v FROM pg_database WHERE datname = current_database()",
        )?;
        let bindir = text(
            c,
            "SELECT setting AS v FROM pg_config WHERE name = 'BINDIR'",
        )?;
        let mut nodes = HashMap::new();
        for table in ["participation", "ballots", "responses", "answers"] {
            let node = text(
                c,
                &format!("SELECT pg_relation_filenode('{table}')::text AS v"),
            )?;
            nodes.insert(node, table);
        }
        Ok((end, db, bindir, nodes))
    })
    .await;
    let wal = pg_data_directory(&app).await.join("pg_wal");
    let out = std::process::Command::new(std::path::Path::new(&bindir).join("pg_waldump"))
        .arg("--path")
        .arg(&wal)
        .args(["--start", &start, "--end", &end])
        .output()
        .expect("run pg_waldump (the server's own, from its BINDIR)");
    drop(slot);
    let stdout = String::from_utf8_lossy(&out.stdout);
    // Per table, the transactions that inserted into it, from the log alone.
    let mut inserts: HashMap<&str, Vec<String>> = HashMap::new();
    for (tx, desc, node, in_db) in stdout.lines().filter_map(heap_record) {
        if in_db != db || !desc.starts_with("INSERT") {
            continue;
        }
        if let Some(&table) = nodes.get(&node) {
            inserts.entry(table).or_default().push(tx);
        }
    }
    let count = |t: &str| inserts.get(t).map_or(0, Vec::len);
    assert!(
        count("participation") == n && count("ballots") == n && count("responses") == n,
        "pg_waldump shows every insert (participation {}, ballots {}, responses {}); \
         stderr: {}",
        count("participation"),
        count("ballots"),
        count("responses"),
        String::from_utf8_lossy(&out.stderr)
    );
    let writers: HashSet<&String> = inserts["participation"].iter().collect();
    // Not blind: the log does tie each (sealed) ballot to its writer's transaction.
    assert!(
        inserts["ballots"].iter().all(|tx| writers.contains(tx)),
        "the ballots' transactions are the participation rows'"
    );
    let close: HashSet<&String> = inserts["responses"]
        .iter()
        .chain(inserts.get("answers").into_iter().flatten())
        .collect();
    assert_eq!(
        close.len(),
        1,
        "every response and answer is written by the one closing transaction"
    );
    assert!(
        close.is_disjoint(&writers),
        "a response was inserted by a transaction that also inserted who answered"
    );
}
