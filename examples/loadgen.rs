//! Load generator for survey submissions: how many 10-answer responses per second the
//! release server stores, at what latency, next to the raw limit of the same backend
//! measured in the same run.
//!
//! For each `--database-url` it:
//! 1. creates a fresh database (SQLite: a new file in a new temporary directory;
//!    PostgreSQL: a new database on the server the URL points at, dropped at the end),
//!    builds the application in this process with `build_state`/`build_app` (the one
//!    wiring) to seed N people (plus one warm-up person per connection), a team, a
//!    10-question likert5 survey and an open round, then lets go of it;
//! 2. copies that database (people, round, questions, no answers) for the raw run;
//! 3. starts the release `pulseline serve` binary as a separate process on a free
//!    127.0.0.1 port, opens the connections with one warm-up submission each, then fires
//!    the N submissions over `--concurrency` keep-alive connections and times each one:
//!    in a closed loop by default, or on a fixed schedule with `--rate` (a number a
//!    second, or `raw`: the raw limit of step 4, then measured first);
//! 4. stops the server, checks the stored row counts, and measures the raw limit on the
//!    copy: the same rows (1 participation + 1 response + 10 answers) inserted one
//!    transaction per submission, by the `sqlite3` CLI (WAL, `synchronous=FULL`,
//!    `foreign_keys=ON`) or by `pgbench` (16 clients).
//!
//! Build the server first: `cargo build --release && cargo run --release --example
//! loadgen -- --help`. All traffic goes to 127.0.0.1; every loop is bounded.

use std::io::{BufWriter, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Parser;
use diesel::prelude::*;
use poem::EndpointExt;
use poem::endpoint::BoxEndpoint;
use poem::http::Method;
use poem::test::TestClient;
use pulseline::config::{Config, Secret};
use pulseline::db::{Backend, Db};
use pulseline::org::model::PersonRow;
use pulseline::startup::{build_app, build_state};
use rand::Rng;
use serde_json::{Value, json};

/// The token the benchmarked server is started with for `GET /metrics`.
const METRICS_TOKEN: &str = "loadgen-metrics-token-0123456789abcdef";

/// The ten likert5 bank items every benchmark response answers.
const QUESTIONS: [&str; 10] = [
    "eo_proud",
    "eo_stay",
    "eo_motivated",
    "eo_recommend",
    "eo_satisfied",
    "rc_noticed",
    "rc_valued",
    "gr_learning",
    "ms_approachable",
    "au_organise",
];

/// Most people one run may seed (keeps every loop bounded).
const MAX_PEOPLE: usize = 200_000;

/// Measures survey submissions per second and latency against the release server, side
/// by side with the raw per-transaction insert limit of the same backend.
#[derive(Parser, Debug)]
#[command(name = "loadgen", about, long_about)]
struct Args {
    /// Database to benchmark; repeat the flag for a side-by-side table. `sqlite` (the
    /// default) means a fresh file in a new temporary directory; a path means a SQLite
    /// file to create there (it must not exist yet); a `postgres://` URL names an
    /// existing database on the server to benchmark, used only to connect and
    /// CREATE/DROP fresh databases (`pulseline_bench_*`) — the role needs CREATEDB.
    #[arg(long = "database-url", default_value = "sqlite")]
    database_urls: Vec<String>,

    /// Measured submissions: people seeded, each answering once.
    #[arg(long, default_value_t = 2000)]
    people: usize,

    /// Concurrent keep-alive HTTP connections (one warm-up submission each, not measured).
    #[arg(long, default_value_t = 64)]
    concurrency: usize,

    /// Threads of the load generator's own runtime (the server is a separate process).
    #[arg(long, default_value_t = 1)]
    client_threads: usize,

    /// The server binary; by default `pulseline` in the same target profile directory as
    /// this example (build it with `cargo build --release`).
    #[arg(long)]
    server_bin: Option<PathBuf>,

    /// `RUST_LOG` for the server process (its log goes to a file in the run directory).
    #[arg(long, default_value = "warn")]
    server_log: String,

    /// Seconds before one request counts as failed.
    #[arg(long, default_value_t = 30)]
    timeout_secs: u64,

    /// Clients of the raw PostgreSQL run (`pgbench -c`).
    #[arg(long, default_value_t = 16)]
    pgbench_clients: usize,

    /// Threads of the raw PostgreSQL run (`pgbench -j`).
    #[arg(long, default_value_t = 2)]
    pgbench_threads: usize,

    /// The sqlite3 command-line shell used for the raw SQLite run.
    #[arg(long, default_value = "sqlite3")]
    sqlite3: PathBuf,

    /// The pgbench program used for the raw PostgreSQL run.
    #[arg(long, default_value = "pgbench")]
    pgbench: PathBuf,

    /// Parent of the temporary run directories (SQLite files, scripts, server logs).
    #[arg(long)]
    tmp_dir: Option<PathBuf>,

    /// Before each measured phase, wait up to this many seconds for the machine to be
    /// nearly idle (under 15% busy over one second); 0 to start at once.
    #[arg(long, default_value_t = 120)]
    quiet_wait_secs: u64,

    /// Skip the raw-limit measurement.
    #[arg(long)]
    skip_raw: bool,

    /// How submissions are offered. `closed` (the default): each connection sends its
    /// next submission as soon as the previous one is answered, so the run finds the
    /// highest throughput, and its latency is mostly queueing (mean ≈ connections ÷
    /// throughput). A number: that many submissions a second on a fixed schedule (the
    /// i-th is due at i ÷ rate), over the same connections; latency is timed from the
    /// moment a submission was due, so one that waits for a free connection counts the
    /// wait. `raw`: the raw limit of the same backend, measured first in the same run.
    #[arg(long, default_value = "closed", value_parser = parse_rate)]
    rate: Rate,

    /// Warm-up rounds before the measured load, each one submission per connection,
    /// answered before the next round (not measured; each takes `--concurrency` more
    /// people). The first opens the connections; the later ones bring the server's
    /// database connections into use, so that the measurement is of a server that has
    /// been running rather than of its first second (on PostgreSQL a connection's first
    /// queries are several times slower than its later ones).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..))]
    warmup_rounds: u16,

    /// Keep the run directories and PostgreSQL databases (their names are printed).
    #[arg(long)]
    keep: bool,

    /// Write every measured submission as a CSV line (`sent_ms,latency_ms,status`,
    /// `sent_ms` from the start of the load) to this file, one file per backend (the
    /// backend's name is inserted before the extension): for finding when the slow ones
    /// happened.
    #[arg(long)]
    latency_log: Option<PathBuf>,
}

/// How the load generator offers submissions (`--rate`).
#[derive(Clone, Copy, Debug, PartialEq)]
enum Rate {
    /// Each connection sends its next submission when the previous is answered.
    Closed,
    /// This many submissions a second, on a fixed schedule.
    Fixed(f64),
    /// The raw limit measured in the same run.
    Raw,
}

fn parse_rate(s: &str) -> Result<Rate, String> {
    match s {
        "closed" => Ok(Rate::Closed),
        "raw" => Ok(Rate::Raw),
        n => match n.parse::<f64>() {
            Ok(v) if v.is_finite() && (1.0..=1_000_000.0).contains(&v) => Ok(Rate::Fixed(v)),
            _ => Err(format!(
                "`{n}`: give `closed`, `raw` or a number of submissions a second (1 to 1000000)"
            )),
        },
    }
}

fn describe_rate(rate: Rate) -> String {
    match rate {
        Rate::Closed => "closed loop".into(),
        Rate::Fixed(r) => format!("fixed rate {r:.0}/s"),
        Rate::Raw => "fixed rate = the raw limit".into(),
    }
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.people == 0 || args.people > MAX_PEOPLE {
        bail!("--people must be between 1 and {MAX_PEOPLE}");
    }
    if args.concurrency == 0 || args.concurrency > 1024 {
        bail!("--concurrency must be between 1 and 1024");
    }
    if args.client_threads == 0 || args.client_threads > 64 {
        bail!("--client-threads must be between 1 and 64");
    }
    if args.pgbench_clients == 0 || args.pgbench_threads == 0 {
        bail!("--pgbench-clients and --pgbench-threads must be at least 1");
    }
    if args.timeout_secs == 0 {
        bail!("--timeout-secs must be at least 1");
    }
    if args.rate == Rate::Raw && args.skip_raw {
        bail!("--rate raw needs the raw measurement: leave out --skip-raw");
    }
    let server_bin = match &args.server_bin {
        Some(p) => p.clone(),
        None => default_server_bin()?,
    };
    if !server_bin.is_file() {
        bail!(
            "server binary {} not found: run `cargo build --release` first or give --server-bin",
            server_bin.display()
        );
    }
    let runtime = if args.client_threads == 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(args.client_threads)
            .enable_all()
            .build()?
    };
    eprintln!(
        "loadgen: {} people, {} connections, {}, server {}",
        args.people,
        args.concurrency,
        describe_rate(args.rate),
        server_bin.display()
    );
    let mut rows = Vec::new();
    for url in &args.database_urls {
        let row = runtime
            .block_on(bench_one(&args, &server_bin, url))
            .with_context(|| format!("benchmark on {}", redact(url)))?;
        rows.push(row);
    }
    print_table(&args, &rows);
    Ok(())
}

/// `target/<profile>/pulseline`, beside `target/<profile>/examples/loadgen`.
fn default_server_bin() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .context("cannot locate the target directory of this example")?;
    Ok(profile_dir.join("pulseline"))
}

/// One line of the result table.
struct Row {
    backend: &'static str,
    /// Submissions a second offered on a fixed schedule (`None`: closed loop).
    offered: Option<f64>,
    people: usize,
    seconds: f64,
    per_sec: f64,
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
    errors: usize,
    raw_tx: usize,
    raw_per_sec: Option<f64>,
    /// Phases that other processes disturbed.
    disturbed: Vec<&'static str>,
}

fn print_table(args: &Args, rows: &[Row]) {
    println!();
    println!(
        "N = {} submissions of 10 answers, {} connections, {}; raw = one transaction per \
         submission",
        args.people,
        args.concurrency,
        describe_rate(args.rate)
    );
    println!();
    println!(
        "| backend | offered/s | server subm/s | p50 ms | p99 ms | max ms | errors | raw tx/s \
         | ratio |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for r in rows {
        let (raw, ratio) = match r.raw_per_sec {
            Some(v) if v > 0.0 => (format!("{v:.0}"), format!("{:.2}×", r.per_sec / v)),
            _ => ("-".to_owned(), "-".to_owned()),
        };
        let offered = r
            .offered
            .map_or_else(|| "closed loop".to_owned(), |v| format!("{v:.0}"));
        println!(
            "| {} | {offered} | {:.0} | {:.1} | {:.1} | {:.1} | {} | {} | {} |",
            r.backend, r.per_sec, r.p50_ms, r.p99_ms, r.max_ms, r.errors, raw, ratio
        );
    }
    for r in rows {
        if !r.disturbed.is_empty() {
            println!();
            println!(
                "{}: other processes used the CPU during the {} phase: noisy numbers",
                r.backend,
                r.disturbed.join(" and ")
            );
        }
    }
    for r in rows {
        eprintln!(
            "{}: {} submissions in {:.2} s; raw run: {} transactions",
            r.backend, r.people, r.seconds, r.raw_tx
        );
    }
}

// ---------- one backend ----------

/// Where the benchmark's database lives, and how to clean it up.
enum Target {
    Sqlite {
        dir: PathBuf,
        db: PathBuf,
    },
    Postgres {
        admin: String,
        bench: String,
        raw: String,
    },
}

impl Target {
    fn url(&self) -> String {
        match self {
            Target::Sqlite { db, .. } => db.to_string_lossy().into_owned(),
            Target::Postgres { admin, bench, .. } => pulseline::db::with_database(admin, bench),
        }
    }
    fn run_dir(&self, scratch: &Path) -> PathBuf {
        match self {
            Target::Sqlite { dir, .. } => dir.clone(),
            Target::Postgres { .. } => scratch.to_path_buf(),
        }
    }
}

/// Drops the PostgreSQL databases of a run when it ends, unless asked to keep them.
struct PgCleanup {
    admin: String,
    names: Vec<String>,
    keep: bool,
}

impl Drop for PgCleanup {
    fn drop(&mut self) {
        if self.keep {
            for n in &self.names {
                eprintln!("kept PostgreSQL database {n}");
            }
            return;
        }
        if let Ok(mut conn) = PgConnection::establish(&self.admin) {
            for n in &self.names {
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {n} WITH (FORCE)"))
                    .execute(&mut conn);
            }
        }
    }
}

async fn bench_one(args: &Args, server_bin: &Path, url: &str) -> anyhow::Result<Row> {
    let scratch = match &args.tmp_dir {
        Some(d) => tempfile::Builder::new()
            .prefix("pulseline-bench-")
            .tempdir_in(d)?,
        None => tempfile::Builder::new()
            .prefix("pulseline-bench-")
            .tempdir()?,
    };
    let mut _pg_cleanup = None;
    let target = if url == "sqlite" || url == "sqlite:" {
        Target::Sqlite {
            dir: scratch.path().to_path_buf(),
            db: scratch.path().join("bench.db"),
        }
    } else {
        match Backend::from_url(url) {
            (Backend::Sqlite, path) => {
                let db = PathBuf::from(path);
                if db.exists() {
                    bail!("{} exists already; give a new file name", db.display());
                }
                let dir = db
                    .parent()
                    .filter(|p| !p.as_os_str().is_empty())
                    .unwrap_or(Path::new("."))
                    .to_path_buf();
                Target::Sqlite { dir, db }
            }
            (Backend::Postgres, admin) => {
                let suffix = uuid::Uuid::new_v4().simple().to_string();
                let bench = format!("pulseline_bench_{}", &suffix[..12]);
                let raw = format!("{bench}_raw");
                let mut conn = PgConnection::establish(&admin)
                    .with_context(|| format!("cannot connect to {}", redact(&admin)))?;
                diesel::sql_query(format!("CREATE DATABASE {bench}"))
                    .execute(&mut conn)
                    .context("CREATE DATABASE (the role needs CREATEDB)")?;
                _pg_cleanup = Some(PgCleanup {
                    admin: admin.clone(),
                    names: vec![bench.clone(), raw.clone()],
                    keep: args.keep,
                });
                Target::Postgres { admin, bench, raw }
            }
        }
    };
    let backend = match target {
        Target::Sqlite { .. } => "SQLite",
        Target::Postgres { .. } => "PostgreSQL",
    };
    let run_dir = target.run_dir(scratch.path());
    eprintln!("[{backend}] run directory {}", run_dir.display());

    // 1. Set up in this process, through the same wiring the server uses.
    let secret = random_secret();
    let warmups = args.concurrency * usize::from(args.warmup_rounds);
    let fixture = set_up(&target.url(), &secret, args.people + warmups).await?;
    eprintln!(
        "[{backend}] seeded {} people; round {} open with {} questions",
        fixture.people.len(),
        fixture.round_id,
        fixture.question_ids.len()
    );

    // 2. A copy of the database, taken before any answer, for the raw run.
    if !args.skip_raw {
        copy_for_raw(args, &target).await?;
    }

    let mut disturbed = Vec::new();
    let raw_first = if args.rate == Rate::Raw {
        Some(measure_raw(args, &target, &fixture, &run_dir, backend, &mut disturbed).await?)
    } else {
        None
    };
    let rate = match (args.rate, raw_first) {
        (Rate::Fixed(r), _) => Some(r),
        (Rate::Raw, Some((_, Some(r)))) => Some(r),
        _ => None,
    };

    // 3. The release server in its own process, then the load.
    let server = Server::start(
        server_bin,
        &target.url(),
        &secret,
        &args.server_log,
        &run_dir,
    )?;
    server.wait_ready(Duration::from_secs(60)).await?;
    let (warmup, measured) = fixture.people.split_at(warmups);
    pg_checkpoint(&target).await;
    wait_for_quiet(args, backend).await;
    let load = run_load(
        args,
        rate,
        server.child.id(),
        &server.base,
        &fixture,
        warmup,
        measured,
    )
    .await?;
    if let Some(path) = &args.latency_log {
        let path = trace_path(path, backend);
        write_trace(&path, &load.trace)
            .with_context(|| format!("cannot write {}", path.display()))?;
        eprintln!("[{backend}] latency log: {}", path.display());
    }
    if let Some((count, mean_ms)) = server.submit_mean_ms().await {
        eprintln!(
            "[{backend}] server-side time of the {count} submissions (warm-up included): \
             mean {mean_ms:.1} ms"
        );
    }
    if let Some(w) = server.writer_counters().await {
        eprintln!(
            "[{backend}] writer (warm-up included): {:.0} transactions for {:.0} responses \
             (mean batch {:.1}), busy {:.2} s{}",
            w.transactions,
            w.stored,
            w.stored / w.transactions.max(1.0),
            w.busy_secs,
            w.mix_busy_secs
                .map(|m| format!("; mixer busy {m:.2} s"))
                .unwrap_or_default(),
        );
    }
    // PostgreSQL: the mixer moves committed rows after the callers are answered; wait
    // for it (it also keeps its catch-up out of the raw run) and say how long it took.
    let settle_started = Instant::now();
    match server.mix_pending().await {
        Some(first) => {
            let mut pending = first;
            while pending > 0 && settle_started.elapsed() < Duration::from_secs(300) {
                tokio::time::sleep(Duration::from_millis(20)).await;
                pending = server.mix_pending().await.unwrap_or(0);
            }
            eprintln!(
                "[{backend}] mixer: {first} rows waiting at the end of the load, {pending} \
                 left after {:.2} s",
                settle_started.elapsed().as_secs_f64()
            );
        }
        None => eprintln!("[{backend}] no mixer (not needed on this backend)"),
    }
    server.stop();
    let (responses, answers) = stored_counts(&target.url()).await?;
    let expected = (args.people + warmups - load.errors) as i64;
    eprintln!(
        "[{backend}] {} submissions in {:.2} s: {:.0}/s, p50 {:.1} ms, p99 {:.1} ms, {} errors; \
         stored {responses} responses and {answers} answers (expected {expected} and {})",
        args.people,
        load.seconds,
        args.people as f64 / load.seconds,
        load.p50_ms,
        load.p99_ms,
        load.errors,
        expected * 10,
    );
    if let Some(c) = &load.cpu {
        let other = (c.machine - c.server - c.loadgen - c.postgres).max(0.0);
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        eprintln!(
            "[{backend}] CPU during the load ({cores} cores, {:.2} s): machine {:.0}% busy; \
             server {:.2} s ({:.0} µs a submission), postgres {:.2} s, loadgen {:.2} s, \
             other processes {:.2} s",
            load.seconds,
            100.0 * c.machine / (load.seconds * cores as f64),
            c.server,
            1e6 * c.server / args.people as f64,
            c.postgres,
            c.loadgen,
            other,
        );
        if other > 0.1 * load.seconds && other > 0.05 {
            disturbed.push("load");
            eprintln!(
                "[{backend}] WARNING: other processes used {:.0}% of a core during the load: \
                 the numbers are disturbed",
                100.0 * other / load.seconds
            );
        }
    }
    for e in &load.samples {
        eprintln!("[{backend}]   error: {e}");
    }
    if responses != expected || answers != expected * 10 {
        eprintln!("[{backend}] WARNING: stored row counts differ from the accepted submissions");
    }

    // The server's database is no longer needed: on PostgreSQL, drop it now so that its
    // autovacuum (the writer deletes and re-inserts rows) does not run during the raw run.
    if let Target::Postgres { admin, bench, .. } = &target
        && !args.keep
    {
        let (admin, bench) = (admin.clone(), bench.clone());
        tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
            let mut conn = PgConnection::establish(&admin)?;
            diesel::sql_query(format!("DROP DATABASE IF EXISTS {bench} WITH (FORCE)"))
                .execute(&mut conn)?;
            Ok(())
        })
        .await??;
    }

    // 4. The raw limit of the same backend (measured first for `--rate raw`).
    let (raw_tx, raw_per_sec) = match raw_first {
        Some(done) => done,
        None if args.skip_raw => (0, None),
        None => measure_raw(args, &target, &fixture, &run_dir, backend, &mut disturbed).await?,
    };

    if args.keep {
        let kept = scratch.keep();
        eprintln!("[{backend}] kept {}", kept.display());
    } else if let Target::Sqlite { db, dir } = &target
        && dir.as_path() != scratch.path()
    {
        for suffix in ["", "-wal", "-shm", ".raw.db", ".raw.db-wal", ".raw.db-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
        }
    }
    Ok(Row {
        backend,
        offered: rate,
        people: args.people,
        seconds: load.seconds,
        per_sec: args.people as f64 / load.seconds,
        p50_ms: load.p50_ms,
        p99_ms: load.p99_ms,
        max_ms: load.max_ms,
        errors: load.errors,
        raw_tx,
        raw_per_sec,
        disturbed,
    })
}

/// Measures the raw per-transaction limit on the copy taken before any answer.
async fn measure_raw(
    args: &Args,
    target: &Target,
    fixture: &Fixture,
    run_dir: &Path,
    backend: &'static str,
    disturbed: &mut Vec<&'static str>,
) -> anyhow::Result<(usize, Option<f64>)> {
    pg_checkpoint(target).await;
    wait_for_quiet(args, backend).await;
    let before = CpuSnapshot::take(None);
    let started = Instant::now();
    let (tx, per_sec) = match target {
        Target::Sqlite { db, .. } => raw_sqlite(args, fixture, db, run_dir).await?,
        Target::Postgres { admin, raw, .. } => {
            raw_postgres(
                args,
                fixture,
                &pulseline::db::with_database(admin, raw),
                run_dir,
            )
            .await?
        }
    };
    let seconds = started.elapsed().as_secs_f64();
    eprintln!("[{backend}] raw: {tx} transactions, {per_sec:.0} tx/s");
    if let Some(c) = CpuSnapshot::take(None).since(&before) {
        // The sqlite3/pgbench child counts as this process's once it has been reaped.
        let other = (c.machine - c.loadgen - c.postgres).max(0.0);
        eprintln!(
            "[{backend}] CPU during the raw run ({seconds:.2} s with set-up): sqlite3 or \
             pgbench and loadgen {:.2} s, postgres {:.2} s, other processes {other:.2} s",
            c.loadgen, c.postgres
        );
        if other > 0.1 * seconds && other > 0.05 {
            disturbed.push("raw");
            eprintln!(
                "[{backend}] WARNING: other processes used {:.0}% of a core during the raw \
                 run: its number is disturbed",
                100.0 * other / seconds
            );
        }
    }
    Ok((tx, Some(per_sec)))
}

/// A URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

fn random_secret() -> String {
    use rand::distributions::Alphanumeric;
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(48)
        .map(char::from)
        .collect()
}

// ---------- set-up ----------

/// What the load and the raw run need to know about the seeded database.
struct Fixture {
    round_id: String,
    team_id: String,
    question_ids: Vec<String>,
    /// (person id, bearer token); the first `concurrency` are the warm-up people.
    people: Vec<(String, String)>,
}

async fn set_up(url: &str, secret: &str, people: usize) -> anyhow::Result<Fixture> {
    let mut config = Config::for_database(url);
    config.jwt_secret = Some(Secret::new(secret.to_owned()));
    config.master_key = Some(Secret::new(format!("master-{secret}")));
    let state = build_state(&config).await?;
    let client = TestClient::new(build_app(state.clone()).map_to_response().boxed());

    let hr_id = uuid::Uuid::new_v4().to_string();
    insert_people(&state.db, vec![person(&hr_id, "bench-hr", None, true)]).await?;
    let hr = state.tokens.issue(&hr_id, 0)?;

    let team = call(
        &client,
        Method::POST,
        "/api/v1/teams",
        &hr,
        Some(json!({"name": "Bench", "kind": "frontline"})),
        201,
    )
    .await?;
    let team_id = str_field(&team, "id")?;

    let mut rows = Vec::with_capacity(people);
    let mut seeded = Vec::with_capacity(people);
    for i in 0..people {
        let id = uuid::Uuid::new_v4().to_string();
        seeded.push((
            id.clone(),
            format!("Bearer {}", state.tokens.issue(&id, 0)?),
        ));
        rows.push(person(&id, &format!("p{i}"), Some(&team_id), false));
    }
    while !rows.is_empty() {
        let rest = rows.split_off(rows.len().min(1000));
        insert_people(&state.db, std::mem::replace(&mut rows, rest)).await?;
    }

    let questions: Vec<Value> = QUESTIONS.iter().map(|k| json!({"bank_item": k})).collect();
    let today = chrono::Utc::now().date_naive().to_string();
    let survey = call(
        &client,
        Method::POST,
        "/api/v1/surveys",
        &hr,
        Some(json!({
            "title": "Benchmark pulse",
            "questions": questions,
            "audience": {"team_ids": [team_id]},
            "cuts": [],
            "schedule": {"starts_on": today, "cadence": "monthly", "window_days": 7}
        })),
        201,
    )
    .await?;
    let survey_id = str_field(&survey, "id")?;
    let question_ids = survey["questions"]
        .as_array()
        .context("survey without questions")?
        .iter()
        .map(|q| str_field(q, "id"))
        .collect::<anyhow::Result<Vec<_>>>()?;
    if question_ids.len() != QUESTIONS.len() {
        bail!("the survey has {} questions", question_ids.len());
    }
    let round = call(
        &client,
        Method::POST,
        &format!("/api/v1/surveys/{survey_id}/rounds"),
        &hr,
        None,
        201,
    )
    .await?;
    let round_id = str_field(&round, "id")?;
    if round["invited"].as_u64() != Some(people as u64) {
        bail!(
            "the round invited {} people, not {people}",
            round["invited"]
        );
    }
    Ok(Fixture {
        round_id,
        team_id,
        question_ids,
        people: seeded,
    })
}

fn person(id: &str, handle: &str, team: Option<&str>, hr: bool) -> PersonRow {
    let t = pulseline::clock::now();
    PersonRow {
        id: id.to_owned(),
        email: format!("{handle}-{}@bench.example.org", &id[..8]),
        name: format!("Bench {handle}"),
        team_id: team.map(str::to_owned),
        is_hr: hr,
        is_admin: hr,
        location: None,
        job_family: None,
        start_date: None,
        language: "en".into(),
        password_hash: None,
        token_version: 0,
        active: true,
        activation_hash: None,
        activation_expires_at: None,
        created_at: t,
        updated_at: t,
    }
}

async fn insert_people(db: &Db, rows: Vec<PersonRow>) -> anyhow::Result<()> {
    use pulseline::db::schema::people;
    db.write(move |conn| {
        for r in &rows {
            diesel::insert_into(people::table).values(r).execute(conn)?;
        }
        Ok(())
    })
    .await?;
    Ok(())
}

/// One in-process request; fails unless the status is `expect`.
async fn call(
    client: &TestClient<BoxEndpoint<'static>>,
    method: Method,
    path: &str,
    token: &str,
    body: Option<Value>,
    expect: u16,
) -> anyhow::Result<Value> {
    let mut req = client
        .request(method, path)
        .header("authorization", format!("Bearer {token}"));
    if let Some(b) = body {
        req = req
            .content_type("application/json")
            .body(serde_json::to_vec(&b)?);
    }
    let resp = req.send().await.0;
    let status = resp.status().as_u16();
    let bytes = resp.into_body().into_vec().await?;
    if status != expect {
        bail!(
            "{path}: status {status}: {}",
            String::from_utf8_lossy(&bytes)
        );
    }
    Ok(serde_json::from_slice(&bytes)?)
}

fn str_field(v: &Value, name: &str) -> anyhow::Result<String> {
    v[name]
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("no `{name}` in {v}"))
}

// ---------- the server process ----------

/// The release server, killed on drop if it is still running.
struct Server {
    child: Child,
    base: String,
    log: PathBuf,
}

impl Server {
    fn start(
        bin: &Path,
        url: &str,
        secret: &str,
        log_level: &str,
        dir: &Path,
    ) -> anyhow::Result<Server> {
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let log = dir.join("server.log");
        let out = std::fs::File::create(&log)?;
        let child = Command::new(bin)
            .arg("serve")
            .env("DATABASE_URL", url)
            .env("PULSELINE_BIND", format!("127.0.0.1:{port}"))
            .env("PULSELINE_JWT_SECRET", secret)
            .env("PULSELINE_MASTER_KEY", format!("master-{secret}"))
            .env("PULSELINE_METRICS_TOKEN", METRICS_TOKEN)
            .env("RUST_LOG", log_level)
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            .spawn()
            .with_context(|| format!("cannot start {}", bin.display()))?;
        Ok(Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
            log,
        })
    }

    async fn wait_ready(&self, limit: Duration) -> anyhow::Result<()> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()?;
        let until = Instant::now() + limit;
        while Instant::now() < until {
            if let Ok(r) = client.get(format!("{}/readyz", self.base)).send().await
                && r.status().is_success()
            {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        bail!(
            "the server did not become ready within {limit:?}; see {}",
            self.log.display()
        )
    }

    /// The server's `/metrics` text.
    async fn metrics(&self) -> Option<String> {
        reqwest::Client::new()
            .get(format!("{}/metrics", self.base))
            .bearer_auth(METRICS_TOKEN)
            .send()
            .await
            .ok()?
            .text()
            .await
            .ok()
    }

    /// The server's own count and mean time of accepted submissions, from `/metrics`.
    async fn submit_mean_ms(&self) -> Option<(u64, f64)> {
        let text = self.metrics().await?;
        let series = |name: &str| {
            text.lines().find_map(|l| {
                let rest = l.strip_prefix(name)?;
                (rest.contains("method=\"POST\"")
                    && rest.contains("/responses\"")
                    && rest.contains("status=\"201\""))
                .then(|| rest.rsplit(' ').next()?.parse::<f64>().ok())
                .flatten()
            })
        };
        let sum = series("pulseline_http_request_duration_seconds_sum{")?;
        let count = series("pulseline_http_request_duration_seconds_count{")?;
        (count > 0.0).then(|| (count as u64, 1000.0 * sum / count))
    }

    /// The response writer's counters (and the mixer's busy time) from `/metrics`.
    async fn writer_counters(&self) -> Option<WriterCounters> {
        let text = self.metrics().await?;
        let value = |name: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
                .and_then(|v| v.trim().parse::<f64>().ok())
        };
        Some(WriterCounters {
            transactions: value("pulseline_writer_transactions_total")?,
            stored: value("pulseline_writer_stored_total")?,
            busy_secs: value("pulseline_writer_busy_seconds_total")?,
            mix_busy_secs: value("pulseline_mix_busy_seconds_total"),
        })
    }

    /// Rows the mixer has still to move (`None`: the server runs no mixer).
    async fn mix_pending(&self) -> Option<u64> {
        let text = self.metrics().await?;
        text.lines()
            .find_map(|l| l.strip_prefix("pulseline_mix_pending_rows "))
            .and_then(|v| v.trim().parse().ok())
    }

    /// SIGTERM (graceful), then SIGKILL after 30 s.
    fn stop(mut self) {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        for _ in 0..300 {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

// ---------- the load ----------

struct Load {
    seconds: f64,
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
    errors: usize,
    /// A few error descriptions, for the log.
    samples: Vec<String>,
    /// Where the CPU time went during the measured phase (Linux `/proc`).
    cpu: Option<CpuUse>,
    /// Per submission: when it was sent (due) after the start, its latency, its status
    /// (0 when the request failed).
    trace: Vec<(Duration, Duration, u16)>,
}

/// CPU seconds spent during the measured phase.
struct CpuUse {
    /// The whole machine (all cores, busy = not idle and not waiting for I/O).
    machine: f64,
    /// The server process, all its threads.
    server: f64,
    /// This load generator.
    loadgen: f64,
    /// Every `postgres` process (the database server; zero with SQLite).
    postgres: f64,
}

/// Clock ticks read from `/proc` at one moment.
struct CpuSnapshot {
    machine: Option<u64>,
    server: Option<u64>,
    loadgen: Option<u64>,
    postgres: u64,
}

/// `/proc` counts CPU time in USER_HZ ticks, 100 a second on Linux.
const TICKS_PER_SEC: f64 = 100.0;

impl CpuSnapshot {
    fn take(server_pid: Option<u32>) -> CpuSnapshot {
        CpuSnapshot {
            machine: machine_ticks().map(|(busy, _)| busy),
            server: server_pid.and_then(|p| process_ticks(&format!("/proc/{p}/stat"), false)),
            loadgen: process_ticks("/proc/self/stat", true),
            postgres: postgres_ticks(),
        }
    }

    fn since(&self, before: &CpuSnapshot) -> Option<CpuUse> {
        let secs =
            |a: Option<u64>, b: Option<u64>| Some(a?.saturating_sub(b?) as f64 / TICKS_PER_SEC);
        Some(CpuUse {
            machine: secs(self.machine, before.machine)?,
            server: secs(self.server, before.server).unwrap_or(0.0),
            loadgen: secs(self.loadgen, before.loadgen)?,
            postgres: secs(Some(self.postgres), Some(before.postgres))?,
        })
    }
}

/// (busy, total) ticks of all cores, from the first line of `/proc/stat`.
fn machine_ticks() -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let fields: Vec<u64> = stat
        .lines()
        .next()?
        .split_whitespace()
        .skip(1)
        .filter_map(|v| v.parse().ok())
        .collect();
    let total: u64 = fields.iter().take(8).sum();
    let idle = fields.get(3)? + fields.get(4)?;
    Some((total.saturating_sub(idle), total))
}

/// User plus system ticks of a process (all threads), from its `stat` file; with
/// `children`, plus those of its children that have ended and been waited for.
fn process_ticks(path: &str, children: bool) -> Option<u64> {
    let stat = std::fs::read_to_string(path).ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    if !children {
        return Some(utime + stime);
    }
    let cutime: u64 = fields.get(13)?.parse().ok()?;
    let cstime: u64 = fields.get(14)?.parse().ok()?;
    Some(utime + stime + cutime + cstime)
}

/// Ticks of every process named `postgres`, ended backends included (bounded by the
/// process table's size).
fn postgres_ticks() -> u64 {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return 0;
    };
    dir.filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .bytes()
                .all(|b| b.is_ascii_digit())
        })
        .filter(|e| {
            std::fs::read_to_string(e.path().join("comm")).is_ok_and(|c| c.trim() == "postgres")
        })
        // With children: the postmaster reaps ended backends, and their time moves to it.
        .filter_map(|e| process_ticks(&e.path().join("stat").to_string_lossy(), true))
        .sum()
}

/// Waits (at most `--quiet-wait-secs`) until the machine is nearly idle, so that other
/// work on a shared machine disturbs the measurement as little as possible.
async fn wait_for_quiet(args: &Args, backend: &str) {
    let until = Instant::now() + Duration::from_secs(args.quiet_wait_secs);
    let mut said = false;
    while Instant::now() < until {
        match machine_busy_over(Duration::from_secs(1)).await {
            Some(busy) if busy >= 0.15 => {
                if !said {
                    eprintln!(
                        "[{backend}] the machine is {:.0}% busy; waiting for it to quieten",
                        busy * 100.0
                    );
                    said = true;
                }
            }
            _ => return,
        }
    }
    eprintln!("[{backend}] WARNING: the machine stayed busy; measuring anyway");
}

/// On PostgreSQL, a CHECKPOINT before a measured phase, so that one phase's WAL does not
/// make the next pay for its checkpoint (needs superuser or `pg_checkpoint`; best effort).
async fn pg_checkpoint(target: &Target) {
    let Target::Postgres { admin, .. } = target else {
        return;
    };
    let admin = admin.clone();
    let done = tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
        let mut conn = PgConnection::establish(&admin)?;
        diesel::sql_query("CHECKPOINT").execute(&mut conn)?;
        Ok(())
    })
    .await;
    if !matches!(done, Ok(Ok(()))) {
        eprintln!("[PostgreSQL] CHECKPOINT before the phase failed; continuing without it");
    }
}

/// The busy share of all cores over `span`.
async fn machine_busy_over(span: Duration) -> Option<f64> {
    let (b0, t0) = machine_ticks()?;
    tokio::time::sleep(span).await;
    let (b1, t1) = machine_ticks()?;
    let total = t1.checked_sub(t0)?;
    (total > 0).then(|| b1.saturating_sub(b0) as f64 / total as f64)
}

/// One prepared request: the bearer header and the JSON body.
type Prepared = (String, Vec<u8>);

fn prepare(question_ids: &[String], people: &[(String, String)]) -> anyhow::Result<Vec<Prepared>> {
    let mut rng = rand::thread_rng();
    people
        .iter()
        .map(|(_, bearer)| {
            let answers: Vec<Value> = question_ids
                .iter()
                .map(|q| json!({"question_id": q, "value": rng.gen_range(1..=5)}))
                .collect();
            Ok((
                bearer.clone(),
                serde_json::to_vec(&json!({ "answers": answers }))?,
            ))
        })
        .collect()
}

/// What `/metrics` says the response writer did.
struct WriterCounters {
    transactions: f64,
    stored: f64,
    busy_secs: f64,
    mix_busy_secs: Option<f64>,
}

async fn run_load(
    args: &Args,
    rate: Option<f64>,
    server_pid: u32,
    base: &str,
    fixture: &Fixture,
    warmup: &[(String, String)],
    measured: &[(String, String)],
) -> anyhow::Result<Load> {
    let url = Arc::new(format!(
        "{base}/api/v1/rounds/{}/responses",
        fixture.round_id
    ));
    let warm = prepare(&fixture.question_ids, warmup)?;
    let work = Arc::new(prepare(&fixture.question_ids, measured)?);
    // One client per connection: each keeps exactly one keep-alive connection.
    let clients = (0..args.concurrency)
        .map(|_| {
            reqwest::Client::builder()
                .pool_max_idle_per_host(1)
                .pool_idle_timeout(None)
                .tcp_nodelay(true)
                .timeout(Duration::from_secs(args.timeout_secs))
                .build()
        })
        .collect::<Result<Vec<_>, _>>()?;

    // Warm-up (not measured): rounds of one submission per connection; the first opens
    // the connections, the later ones bring the server's database connections into use.
    let mut warm = warm.into_iter();
    for _ in 0..args.warmup_rounds {
        let mut warm_tasks = Vec::new();
        for (client, (bearer, body)) in clients.iter().zip(warm.by_ref()) {
            let (client, url) = (client.clone(), url.clone());
            warm_tasks.push(tokio::spawn(async move {
                submit_once(&client, &url, &bearer, body).await
            }));
        }
        let mut warm_errors = 0;
        for t in warm_tasks {
            if !matches!(t.await, Ok(Ok(201))) {
                warm_errors += 1;
            }
        }
        if warm_errors > 0 {
            bail!("{warm_errors} warm-up submissions failed");
        }
    }

    let next = Arc::new(AtomicUsize::new(0));
    let cpu_before = CpuSnapshot::take(Some(server_pid));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for client in clients {
        let (url, work, next) = (url.clone(), work.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut results: Vec<(Duration, Duration, Result<u16, String>)> = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((bearer, body)) = work.get(i) else {
                    break;
                };
                // On a fixed schedule the clock starts when the submission is due, even
                // if no connection was free then; in a closed loop, when it is sent.
                let t = match rate {
                    Some(r) => {
                        let due = started + Duration::from_secs_f64(i as f64 / r);
                        tokio::time::sleep_until(due.into()).await;
                        due
                    }
                    None => Instant::now(),
                };
                let outcome = submit_once(&client, &url, bearer, body.clone()).await;
                results.push((t.saturating_duration_since(started), t.elapsed(), outcome));
            }
            results
        }));
    }
    let mut latencies = Vec::with_capacity(work.len());
    let mut errors = 0;
    let mut samples = Vec::new();
    let mut trace = Vec::with_capacity(work.len());
    for t in tasks {
        for (sent, d, outcome) in t.await? {
            latencies.push(d);
            trace.push((sent, d, *outcome.as_ref().unwrap_or(&0)));
            let problem = match outcome {
                Ok(201) => None,
                Ok(status) => Some(format!("status {status}")),
                Err(e) => Some(e),
            };
            if let Some(p) = problem {
                errors += 1;
                if samples.len() < 5 {
                    samples.push(p);
                }
            }
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let cpu = CpuSnapshot::take(Some(server_pid)).since(&cpu_before);
    latencies.sort_unstable();
    let ms = |q: f64| {
        let rank = ((q * latencies.len() as f64).ceil() as usize).clamp(1, latencies.len());
        latencies[rank - 1].as_secs_f64() * 1000.0
    };
    Ok(Load {
        seconds,
        p50_ms: ms(0.50),
        p99_ms: ms(0.99),
        max_ms: ms(1.0),
        errors,
        samples,
        cpu,
        trace,
    })
}

/// One multi-row `INSERT` of a submission's answers for a raw run's script: response
/// `rid` (an id or a script variable), one row per question, each value from `value`.
fn answers_insert(question_ids: &[String], rid: &str, mut value: impl FnMut() -> String) -> String {
    let rows = question_ids
        .iter()
        .map(|q| format!("('{rid}', '{q}', {}, NULL, NULL)", value()))
        .collect::<Vec<_>>()
        .join(", ");
    format!("INSERT INTO answers (response_id, question_id, value, choice, text) VALUES {rows};")
}

/// `--latency-log`'s file for one backend: `run.csv` → `run.sqlite.csv`.
fn trace_path(path: &Path, backend: &str) -> PathBuf {
    let name = backend.to_ascii_lowercase();
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().into_owned())
        .unwrap_or_else(|| "csv".into());
    path.with_extension(format!("{name}.{ext}"))
}

/// Writes the per-submission trace, in the order the submissions were sent.
fn write_trace(path: &Path, trace: &[(Duration, Duration, u16)]) -> std::io::Result<()> {
    let mut rows = trace.to_vec();
    rows.sort_unstable_by_key(|r| r.0);
    let mut out = String::from("sent_ms,latency_ms,status\n");
    for (sent, latency, status) in rows {
        out.push_str(&format!(
            "{:.3},{:.3},{status}\n",
            sent.as_secs_f64() * 1000.0,
            latency.as_secs_f64() * 1000.0
        ));
    }
    std::fs::write(path, out)
}

/// Sends one submission and reads the whole answer; returns its status.
async fn submit_once(
    client: &reqwest::Client,
    url: &str,
    bearer: &str,
    body: Vec<u8>,
) -> Result<u16, String> {
    let resp = client
        .post(url)
        .header("authorization", bearer)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .map_err(|e| format!("request failed: {e}"))?;
    let status = resp.status().as_u16();
    resp.bytes()
        .await
        .map_err(|e| format!("reading the answer failed: {e}"))?;
    Ok(status)
}

/// Responses and answers stored in the benchmark database.
async fn stored_counts(url: &str) -> anyhow::Result<(i64, i64)> {
    #[derive(QueryableByName)]
    struct Counts {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        responses: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        answers: i64,
    }
    let url = url.to_owned();
    tokio::task::spawn_blocking(move || -> anyhow::Result<(i64, i64)> {
        let db = Db::connect(&url, 1)?;
        let c: Counts = db.read_blocking(|conn| {
            Ok(diesel::sql_query(
                "SELECT (SELECT COUNT(*) FROM responses) AS responses, \
                 (SELECT COUNT(*) FROM answers) AS answers",
            )
            .get_result(conn)?)
        })?;
        Ok((c.responses, c.answers))
    })
    .await?
}

// ---------- the raw limit ----------

/// Copies the seeded database (before any answer) for the raw run: `VACUUM INTO` a file
/// beside it on SQLite, `CREATE DATABASE … TEMPLATE` on PostgreSQL.
async fn copy_for_raw(args: &Args, target: &Target) -> anyhow::Result<()> {
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
                     ANALYZE;",
                )?;
                Ok(())
            })
            .await?
        }
    }
}

fn raw_sqlite_path(db: &Path) -> PathBuf {
    PathBuf::from(format!("{}.raw.db", db.display()))
}

/// The `sqlite3` CLI inserts the same rows one transaction per submission; returns the
/// transaction count and rate.
async fn raw_sqlite(
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
        let mut rng = rand::thread_rng();
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
                "INSERT INTO responses (id, round_id, team_id, location, job_family, tenure) \
                 VALUES ('{rid}', '{}', '{}', NULL, NULL, NULL);",
                f.round_id, f.team_id
            )?;
            // The ten answers in one statement: the raw run's quickest form (the server
            // inserts them one by one on SQLite).
            let insert = answers_insert(&f.question_ids, &rid.to_string(), || {
                rng.gen_range(1..=5).to_string()
            });
            writeln!(w, "{insert}")?;
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
    let stored = count_rows(&db.to_string_lossy(), "responses").await?;
    if stored != n as i64 {
        bail!("the raw SQLite run stored {stored} responses, not {n}");
    }
    Ok((n, n as f64 / elapsed.as_secs_f64()))
}

/// `pgbench` with a custom script inserts the same rows one transaction per
/// submission; returns the transaction count and pgbench's tps.
async fn raw_postgres(
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
        writeln!(w, "\\set v random(1, 5)")?;
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
            "INSERT INTO responses (id, round_id, team_id, location, job_family, tenure) \
             VALUES (':rid', '{}', '{}', NULL, NULL, NULL);",
            f.round_id, f.team_id
        )?;
        // The ten answers in one statement, as the server writes them: PostgreSQL checks
        // that answers refer to stored rows once per statement.
        let insert = answers_insert(&f.question_ids, ":rid", || ":v".into());
        writeln!(w, "{insert}")?;
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

async fn count_rows(url: &str, table: &'static str) -> anyhow::Result<i64> {
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
