//! Load generator for survey submissions: how many responses (ten likert answers and a
//! comment of about 120 characters) per second the release server stores, at what latency, next to the raw limit of the same backend
//! measured in the same run.
//!
//! For each `--database-url` it:
//! 1. creates a fresh database (SQLite: a new file in a new temporary directory;
//!    PostgreSQL: a new database on the server the URL points at, dropped at the end),
//!    builds the application in this process with `build_state`/`build_app` (the one
//!    wiring) to seed N people (plus one warm-up person per connection), a team, a
//!    survey of ten likert5 items and one comment question and an open round, then lets
//!    go of it;
//! 2. copies that database (people, round, questions, no answers) for the raw run;
//! 3. starts the release `pulseline serve` binary as a separate process on a free
//!    127.0.0.1 port, opens the connections with one warm-up submission each, then fires
//!    the N submissions over `--concurrency` keep-alive connections and times each one:
//!    in a closed loop by default, or on a fixed schedule with `--rate` (a number a
//!    second, or `raw`: the raw limit of step 4, then measured first);
//! 4. stops the server, checks the stored row counts, and measures the raw limit on the
//!    copy: the same rows (1 participation row + 1 ballot of the round's sealed length,
//!    random bytes) inserted one transaction per submission, by the `sqlite3` CLI (WAL, `synchronous=FULL`,
//!    `foreign_keys=ON`) or by `pgbench` (16 clients).
//!
//! Build the server first: `cargo build --release && cargo run --release --example
//! loadgen -- --help`. All traffic goes to 127.0.0.1; every loop is bounded.

#[path = "../bench/mod.rs"]
mod bench;
mod cpu;
mod load;
mod raw;
mod server;
mod setup;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use bench::database::{PgDatabases, redact};
use clap::Parser;
use cpu::{CpuSnapshot, pg_checkpoint, wait_for_quiet};
use diesel::prelude::*;
use load::{run_load, stored_counts, trace_path, write_trace};
use pulseline::db::Backend;
use rand::Rng;
use raw::{copy_for_raw, raw_postgres, raw_sqlite};
use server::Server;
use setup::{Fixture, set_up};

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
        "N = {} submissions of 10 answers and a comment, {} connections, {}; raw = one \
         transaction per submission (participation + ballot)",
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
                let mut databases = PgDatabases::on(&admin, args.keep);
                databases.create(&bench)?;
                databases.drop_at_end(&raw);
                _pg_cleanup = Some(databases);
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
            "[{backend}] writer (warm-up included): {:.0} transactions for {:.0} ballots \
             (mean batch {:.1}), busy {:.2} s",
            w.transactions,
            w.stored,
            w.stored / w.transactions.max(1.0),
            w.busy_secs,
        );
    }
    // The close opens every ballot of the round and writes the responses: timed, as HR
    // would see it (the request), over all the load's ballots.
    let took = server.close_round(&fixture.round_id, &fixture.hr).await?;
    eprintln!(
        "[{backend}] closing the round: {} ballots opened and written as responses in {:.2} s",
        args.people + warmups - load.errors,
        took.as_secs_f64()
    );
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
        expected * 11,
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
    if responses != expected || answers != expected * 11 {
        eprintln!("[{backend}] WARNING: stored row counts differ from the accepted submissions");
    }

    // The server's database is no longer needed: on PostgreSQL, drop it now so that its
    // autovacuum (the close deletes every ballot) does not run during the raw run.
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

fn random_secret() -> String {
    use rand::distributions::Alphanumeric;
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(48)
        .map(char::from)
        .collect()
}
