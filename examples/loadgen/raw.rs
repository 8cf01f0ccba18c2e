//! The raw limit of a backend: the same rows a submission stores — one participation
//! row and one ballot of the round's sealed length (random bytes, as incompressible as
//! ciphertext) — inserted one transaction each by `sqlite3` or `pgbench` on a copy of
//! the seeded database.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use diesel::prelude::*;
use pulseline::db::Db;

use super::setup::Fixture;
use super::{Args, Target};

/// Copies the seeded database (before any answer) for the raw run: `VACUUM INTO` a file
/// beside it on SQLite, `CREATE DATABASE … TEMPLATE` on PostgreSQL.
pub async fn copy_for_raw(args: &Args, target: &Target) -> anyhow::Result<()> {
    match target {
        Target::Sqlite { db, .. } => {
            let raw = raw_sqlite_path(db);
            let sql = format!(
                "VACUUM INTO '{}';",
                raw.to_string_lossy().replace('\'', "''")
            );
            // The set-up's connections close in the background: wait for their locks.
            let out = Command::new(&args.sqlite3)
                .args(["-cmd", ".timeout 10000"])
                .arg(db)
                .arg(sql)
                .output()
                .with_context(|| format!("cannot run {}", args.sqlite3.display()))?;
            if !out.status.success() {
                bail!(
                    "sqlite3 VACUUM INTO failed: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
            Ok(())
        }
        Target::Postgres { admin, bench, raw } => {
            let (admin, bench, raw) = (admin.clone(), bench.clone(), raw.clone());
            tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
                let mut conn = PgConnection::establish(&admin)?;
                // The set-up's pooled connections close in the background; retry a while.
                let mut last = None;
                for _ in 0..100 {
                    match diesel::sql_query(format!("CREATE DATABASE {raw} TEMPLATE {bench}"))
                        .execute(&mut conn)
                    {
                        Ok(_) => {
                            last = None;
                            break;
                        }
                        Err(e) => {
                            last = Some(e);
                            std::thread::sleep(Duration::from_millis(100));
                        }
                    }
                }
                if let Some(e) = last {
                    bail!("CREATE DATABASE {raw} TEMPLATE {bench}: {e}");
                }
                let mut raw_conn =
                    PgConnection::establish(&pulseline::db::with_database(&admin, &raw))?;
                use diesel::connection::SimpleConnection;
                raw_conn.batch_execute(
                    "CREATE TABLE raw_people (n BIGINT PRIMARY KEY, id TEXT NOT NULL);
                     INSERT INTO raw_people
                        SELECT row_number() OVER (ORDER BY id), id FROM people WHERE NOT is_hr;
                     CREATE SEQUENCE raw_seq;
                     CREATE EXTENSION IF NOT EXISTS pgcrypto;
                     ANALYZE;",
                )?;
                Ok(())
            })
            .await?
        }
    }
}

pub fn raw_sqlite_path(db: &Path) -> PathBuf {
    PathBuf::from(format!("{}.raw.db", db.display()))
}

/// The `sqlite3` CLI inserts the same rows one transaction per submission; returns the
/// transaction count and rate.
pub async fn raw_sqlite(
    args: &Args,
    f: &Fixture,
    bench_db: &Path,
    dir: &Path,
) -> anyhow::Result<(usize, f64)> {
    let db = raw_sqlite_path(bench_db);
    if !db.is_file() {
        bail!("the raw copy {} is missing", db.display());
    }
    let script = dir.join("raw.sql");
    let n = args.people;
    {
        let mut w = BufWriter::new(std::fs::File::create(&script)?);
        writeln!(w, ".bail on")?;
        writeln!(w, ".timeout 10000")?;
        writeln!(
            w,
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
        )?;
        // The measured people (after the warm-up ones), as the server run used them.
        for (person, _) in f.people.iter().skip(args.concurrency).take(n) {
            let rid = uuid::Uuid::new_v4();
            writeln!(w, "BEGIN;")?;
            writeln!(
                w,
                "INSERT INTO participation (round_id, person_id) VALUES ('{}', '{person}');",
                f.round_id
            )?;
            writeln!(
                w,
                "INSERT INTO ballots (id, round_id, sealed) VALUES ('{rid}', '{}', randomblob({}));",
                f.round_id, f.ballot_len
            )?;
            writeln!(w, "COMMIT;")?;
        }
        w.flush()?;
    }
    let input = std::fs::File::open(&script)?;
    let sqlite3 = args.sqlite3.clone();
    let db2 = db.clone();
    let (elapsed, out) = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
        let t = Instant::now();
        let out = Command::new(&sqlite3)
            .arg(&db2)
            .stdin(input)
            .output()
            .with_context(|| format!("cannot run {}", sqlite3.display()))?;
        Ok((t.elapsed(), out))
    })
    .await??;
    if !out.status.success() {
        bail!("sqlite3 failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let stored = count_rows(&db.to_string_lossy(), "ballots").await?;
    if stored != n as i64 {
        bail!("the raw SQLite run stored {stored} ballots, not {n}");
    }
    Ok((n, n as f64 / elapsed.as_secs_f64()))
}

/// `pgbench` with a custom script inserts the same rows one transaction per
/// submission; returns the transaction count and pgbench's tps.
pub async fn raw_postgres(
    args: &Args,
    f: &Fixture,
    raw_url: &str,
    dir: &Path,
) -> anyhow::Result<(usize, f64)> {
    let clients = args.pgbench_clients;
    let per_client = args.people.div_ceil(clients);
    let total = per_client * clients;
    if total > f.people.len() {
        bail!(
            "{total} raw transactions need that many people; {} seeded",
            f.people.len()
        );
    }
    let script = dir.join("raw-pgbench.sql");
    {
        let mut w = BufWriter::new(std::fs::File::create(&script)?);
        writeln!(w, "BEGIN;")?;
        writeln!(
            w,
            "SELECT nextval('raw_seq') AS k, gen_random_uuid()::text AS rid \\gset"
        )?;
        writeln!(
            w,
            "INSERT INTO participation (round_id, person_id) \
             SELECT '{}', id FROM raw_people WHERE n = :k;",
            f.round_id
        )?;
        writeln!(
            w,
            "INSERT INTO ballots (id, round_id, sealed) VALUES (':rid', '{}', {});",
            f.round_id,
            random_bytes_sql(f.ballot_len)
        )?;
        writeln!(w, "COMMIT;")?;
        w.flush()?;
    }
    let pgbench = args.pgbench.clone();
    let threads = args.pgbench_threads.min(clients);
    let url = raw_url.to_owned();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(&pgbench)
            .arg("-n")
            .arg(format!("-c{clients}"))
            .arg(format!("-j{threads}"))
            .arg(format!("-t{per_client}"))
            .arg("-f")
            .arg(&script)
            .arg(&url)
            .output()
            .with_context(|| format!("cannot run {}", pgbench.display()))
    })
    .await??;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        bail!(
            "pgbench failed: {}{}",
            stdout,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let tps = stdout
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("tps = ")
                .and_then(|rest| rest.split_whitespace().next())
                .and_then(|v| v.parse::<f64>().ok())
        })
        .with_context(|| format!("no tps in pgbench's output:\n{stdout}"))?;
    let stored = count_rows(raw_url, "participation").await?;
    if stored != total as i64 {
        bail!("the raw PostgreSQL run stored {stored} participation rows, not {total}");
    }
    Ok((total, tps))
}

pub async fn count_rows(url: &str, table: &'static str) -> anyhow::Result<i64> {
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let url = url.to_owned();
    tokio::task::spawn_blocking(move || -> anyhow::Result<i64> {
        let db = Db::connect(&url, 1)?;
        let r: N = db.read_blocking(|conn| {
            Ok(diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}")).get_result(conn)?)
        })?;
        Ok(r.n)
    })
    .await?
}

/// A PostgreSQL expression of `len` random bytes (`gen_random_bytes` gives at most 1,024
/// a call).
pub fn random_bytes_sql(len: usize) -> String {
    let mut parts = vec!["gen_random_bytes(1024)".to_owned(); len / 1024];
    if !len.is_multiple_of(1024) {
        parts.push(format!("gen_random_bytes({})", len % 1024));
    }
    if parts.is_empty() {
        return "''::bytea".into();
    }
    parts.join(" || ")
}
