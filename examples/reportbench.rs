//! Report benchmark: how long the engagement report and the heatmap of a large closed
//! round take through the API, next to the same aggregates written by hand in SQL and
//! run by the `sqlite3` CLI or `psql` against the same database in the same run.
//!
//! For each `--database-url` it:
//! 1. creates a fresh database (SQLite: a file in a new temporary directory; PostgreSQL:
//!    a new database on the server the URL points at, dropped at the end) and builds the
//!    application in this process (`build_state`/`build_app`, the one wiring);
//! 2. seeds an organisation of `--people` people in `--teams` teams (one root, 19
//!    departments, the rest teams under them), five locations and tenure spread over
//!    every band; creates a 20-question survey from the bank collecting location and
//!    tenure, opens a round through the API (which records the audience and generalises
//!    segment values), seals a ballot for each of `--answered` of the audience as the
//!    writer stores them (a third with a comment), and closes the round through the API,
//!    timed (it opens and materialises every ballot);
//! 3. times, through the in-process HTTP stack (routing, authentication, the anonymity
//!    plan, JSON, the audit-log write; no TCP): the root team's report with its children
//!    and the location cut, a team of the deepest level's report, the heatmap (every
//!    team × every driver) and the root team's driver impact (correlations and relative weights over every respondent) —
//!    the first, cold request (loading the round and making its release plan, which
//!    computes every group's impact too) and then `--repeat` warm ones; and, on its own,
//!    how long the plan's computation of every group's impact takes;
//! 4. reads the database's size on disk, per stored response;
//! 5. times the hand-written SQL for the same aggregates (no suppression) with
//!    `sqlite3` (`.timer on`) or `psql` (`\timing on`), `--repeat` times, summing the
//!    statements of one run.
//!
//! Run: `cargo run --release --example reportbench -- --database-url sqlite
//! --database-url postgres://postgres@127.0.0.1:5432/postgres`.

mod bench;

use bench::org::{fan_out, location};

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};
use bench::app::{App, str_field, survey};
use bench::database::{PgDatabases, is_postgres};
use clap::Parser;
use diesel::prelude::*;
use poem::http::Method;
use pulseline::db::Db;
use pulseline::db::schema::{ballots, participation, people, round_invitees, teams};
use pulseline::org::domain::TeamKind;
use pulseline::org::model::{PersonRow, TeamRow};
use pulseline::surveys::answers::Checked;
use pulseline::surveys::ballot::{Ballot, seal};
use pulseline::surveys::model::InviteeRow;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// The bank items of the benchmark survey: the eNPS item, the five engagement items,
/// two items of each other driver but voice, and voice's free-text item.
const QUESTIONS: [&str; 21] = [
    "eo_enps",
    "eo_proud",
    "eo_stay",
    "eo_motivated",
    "eo_recommend",
    "eo_satisfied",
    "rc_noticed",
    "rc_valued",
    "gr_learning",
    "gr_feedback",
    "ms_approachable",
    "ms_interest",
    "au_organise",
    "au_trusted",
    "al_direction",
    "al_my_part",
    "pr_belong",
    "pr_rely_on",
    "cf_know_needs",
    "cf_cross_team",
    "vo_one_change",
];

/// Comments the benchmark's respondents leave.
const COMMENTS: [&str; 6] = [
    "Shift handovers lose the customer's history; a shared note would help.",
    "The returns form asks for the order number twice.",
    "We need more time with new starters in their first week.",
    "Stock levels on the app are often a day behind the shelf.",
    "Customers wait too long on the phone at lunchtime.",
    "Please keep the Friday team briefings, they help.",
];

/// Times the report and the heatmap of a large closed round against hand-written SQL.
#[derive(Parser, Debug)]
#[command(name = "reportbench", about, long_about)]
struct Args {
    /// Database to benchmark; repeat for several. `sqlite` means a fresh file in a new
    /// temporary directory; a `postgres://` URL names a server database used only to
    /// CREATE and DROP a fresh `pulseline_reportbench_*` database (needs CREATEDB).
    #[arg(long = "database-url", default_value = "sqlite")]
    database_urls: Vec<String>,
    /// People in the organisation.
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(100..=200_000))]
    people: u32,
    /// Teams, the root and 19 departments included.
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u32).range(21..=20_000))]
    teams: u32,
    /// Levels of the team tree, the root's included. 3: the root, 19 departments and
    /// the teams under them; more: every team has the same number of children (the
    /// fewest that reach `--teams` within this depth), filled level by level.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(3..=12))]
    depth: u32,
    /// Rounds of the survey, each answered and closed in turn; the last is timed, and
    /// the trend reads them all.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=24))]
    rounds: u32,
    /// Leave the rounds before the last unplanned, as after a restart: the last round's
    /// first read then plans their released groups itself. Without it, each earlier
    /// round is planned after its close with its trend points, as `pulseline serve`'s
    /// background warmer does, and that time is reported.
    #[arg(long)]
    cold_history: bool,
    /// Months of customer ratings to seed for every team before timing the EX–CX
    /// linkage (the survey's rounds are first spread one a month back from now); 0
    /// skips the linkage.
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=36))]
    cx_months: u32,
    /// CSAT ratings per team and month, with `--cx-months`.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=1000))]
    cx_per_month: u32,
    /// Share of the audience that answers.
    #[arg(long, default_value_t = 0.8)]
    answered: f64,
    /// Warm requests (and SQL runs) timed after the first.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=1000))]
    repeat: u32,
    /// Seed of the generated organisation and answers.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// The sqlite3 command-line shell.
    #[arg(long, default_value = "sqlite3")]
    sqlite3: PathBuf,
    /// The psql client.
    #[arg(long, default_value = "psql")]
    psql: PathBuf,
}

struct Timings {
    backend: &'static str,
    responses: usize,
    /// Responses of every round.
    stored: usize,
    /// The database's size on disk after the close (SQLite: the file and its WAL;
    /// PostgreSQL: `pg_database_size`).
    bytes: u64,
    /// The `responses` and `answers` tables with their indexes.
    answer_bytes: u64,
    /// Closing the round: opening and materialising its sealed ballots.
    close_ms: f64,
    /// A team of the deepest level's report: cold (right after the root's) and warm.
    team_cold_ms: f64,
    team_ms: Vec<f64>,
    /// That team's trend over every round: cold (right after its report) and warm.
    trend_cold_ms: f64,
    trend_ms: Vec<f64>,
    /// Each earlier round's plan after its close, as the background warmer makes it.
    warm_ms: Vec<f64>,
    /// Opening the round through the API: its audience, their generalised segments and
    /// the messages queued.
    open_ms: f64,
    report_cold_ms: f64,
    report_ms: Vec<f64>,
    heatmap_cold_ms: f64,
    heatmap_ms: Vec<f64>,
    impact_cold_ms: f64,
    impact_ms: Vec<f64>,
    /// Computing every group's impact, as the round's plan does (median of `--repeat`).
    impacts_plan_ms: Vec<f64>,
    sql_report_ms: Vec<f64>,
    sql_heatmap_ms: Vec<f64>,
    /// The process's peak resident memory from the last close through the warm reads
    /// (the peak is reset after seeding and answering, which are the benchmark's own
    /// work), and its resident memory at rest after them, in MiB.
    server_peak_mib: f64,
    rest_mib: f64,
    /// The last round's plan on a restarted server (a new cache) once every plan made
    /// so far is recorded, as the warmer records them, and how many rounds' groups it
    /// planned rather than read from their records.
    restart: (f64, usize),
    /// With `--cx-months`: ratings seeded, the linkage's team-periods with both
    /// engagement and CX, its first read and its warm reads.
    linkage: Option<(usize, i64, f64, Vec<f64>)>,
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if !(0.0..=1.0).contains(&args.answered) {
        bail!("--answered must be between 0 and 1");
    }
    let mut rows = Vec::new();
    for url in &args.database_urls {
        rows.push(bench_one(&args, url).await?);
    }
    println!();
    println!(
        "{} people, {} teams, tree depth {}, {:.0}% answered; medians of {} warm runs (cold = first request)",
        args.people,
        args.teams,
        args.depth,
        args.answered * 100.0,
        args.repeat
    );
    println!(
        "| backend | responses | report cold | report | hand SQL | ratio | heatmap cold | heatmap | hand SQL | ratio |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for t in &rows {
        let (r, rs, h, hs) = (
            median(&t.report_ms),
            median(&t.sql_report_ms),
            median(&t.heatmap_ms),
            median(&t.sql_heatmap_ms),
        );
        println!(
            "| {} | {} | {:.0} ms | {:.1} ms | {:.1} ms | {:.2}× | {:.0} ms | {:.1} ms | {:.1} ms | {:.2}× |",
            t.backend,
            t.responses,
            t.report_cold_ms,
            r,
            rs,
            r / rs,
            t.heatmap_cold_ms,
            h,
            hs,
            h / hs
        );
    }
    println!();
    println!(
        "| backend | open the round | close (materialise) | earlier round planned (warmer) | a team's report cold | warm | its trend cold | warm | database | answers per response | impact cold | impact | every group's impact, in the plan | peak memory from the close | memory at rest |"
    );
    println!(
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    );
    for t in &rows {
        println!(
            "| {} | {:.0} ms | {:.0} ms | {:.0} ms | {:.1} ms | {:.1} ms | {:.0} ms | {:.1} ms | {:.1} MB | {:.0} B | {:.0} ms | {:.1} ms | {:.1} ms | {:.0} MiB | {:.0} MiB |",
            t.backend,
            t.open_ms,
            t.close_ms,
            median(&t.warm_ms),
            t.team_cold_ms,
            median(&t.team_ms),
            t.trend_cold_ms,
            median(&t.trend_ms),
            t.bytes as f64 / 1e6,
            t.answer_bytes as f64 / t.stored.max(1) as f64,
            t.impact_cold_ms,
            median(&t.impact_ms),
            median(&t.impacts_plan_ms),
            t.server_peak_mib,
            t.rest_mib
        );
    }
    for t in &rows {
        println!(
            "{}: after a restart, the last round planned in {:.0} ms from the recorded releases ({} rounds' groups planned, {} recorded)",
            t.backend,
            t.restart.0,
            t.restart.1,
            args.rounds as usize - t.restart.1
        );
        if let Some((ratings, points, cold, warm)) = &t.linkage {
            println!(
                "{}: linkage over {} months of {ratings} ratings and {} rounds: {points} team-periods, first read {cold:.0} ms, warm {:.1} ms",
                t.backend,
                args.cx_months,
                args.rounds,
                median(warm)
            );
        }
    }
    Ok(())
}

fn median(xs: &[f64]) -> f64 {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// Where one run's database lives, removed at the end.
enum Target {
    // The directory is removed when the target is dropped.
    Sqlite(#[allow(dead_code)] tempfile::TempDir, PathBuf),
    // The database is dropped when the target is dropped.
    Postgres(#[allow(dead_code)] PgDatabases, String),
}

impl Target {
    fn url(&self) -> String {
        match self {
            Target::Sqlite(_, p) => p.to_string_lossy().into_owned(),
            Target::Postgres(_, url) => url.clone(),
        }
    }
}

async fn bench_one(args: &Args, url: &str) -> anyhow::Result<Timings> {
    let (target, backend) = if is_postgres(url) {
        let mut databases = PgDatabases::on(url, false);
        let db = databases.create(&format!("pulseline_reportbench_{}", std::process::id()))?;
        (Target::Postgres(databases, db), "PostgreSQL")
    } else {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("reportbench.db");
        (Target::Sqlite(dir, path), "SQLite")
    };
    let app = App::build(
        &target.url(),
        "reportbench-signing-key-of-enough-length",
        "reportbench-master-key-of-enough-length",
    )
    .await?;

    eprintln!(
        "[{backend}] seeding {} people in {} teams",
        args.people, args.teams
    );
    let seeded = seed_org(&app.state.db, args).await?;
    let hr = app.token(&seeded.hr)?;
    let cuts = ["location", "tenure"];
    let survey = survey("Report benchmark", &QUESTIONS, &[], &cuts, "quarterly", 14);
    let start = std::time::Instant::now();
    let first = app.open_round(&hr, survey).await?;
    let mut open_ms = start.elapsed().as_secs_f64() * 1000.0;
    let survey_id = first.survey_id;
    let (mut round_id, mut close_ms) = (first.round_id, 0.0);
    let mut warm_ms = Vec::new();
    // Earlier rounds first, each answered and closed; the last one is timed.
    for r in 0..args.rounds {
        if r > 0 {
            let start = std::time::Instant::now();
            let next = format!("/api/v1/surveys/{survey_id}/rounds");
            round_id = str_field(&app.call(Method::POST, &next, &hr, None, 201).await?, "id")?;
            open_ms = start.elapsed().as_secs_f64() * 1000.0;
        }
        eprintln!("[{backend}] round {}: answering", r + 1);
        let ballots = answer(&app, args, &round_id, &survey_id, r).await?;
        eprintln!(
            "[{backend}] round {}: closing, materialising {ballots} sealed ballots",
            r + 1
        );
        let close = format!("/api/v1/rounds/{round_id}/close");
        reset_peak_memory();
        let start = std::time::Instant::now();
        app.call(Method::POST, &close, &hr, None, 200).await?;
        close_ms = start.elapsed().as_secs_f64() * 1000.0;
        if r + 1 < args.rounds && !args.cold_history {
            eprintln!(
                "[{backend}] round {}: planning it, as the warmer does",
                r + 1
            );
            let (cache, db) = (app.state.rounds.clone(), app.state.db.clone());
            let start = std::time::Instant::now();
            let at = pulseline::clock::now();
            let planned = tokio::task::spawn_blocking(move || cache.warm(&db, at)).await??;
            if planned != 1 {
                bail!("the warmer planned {planned} rounds after a close, not one");
            }
            warm_ms.push(start.elapsed().as_secs_f64() * 1000.0);
        }
    }
    let id = round_id.clone();
    // The last round's responses, and every round's.
    let (responses, stored) = app
        .state
        .db
        .read(move |conn| {
            use pulseline::db::schema::responses;
            let last = responses::table
                .filter(responses::round_id.eq(&id))
                .count()
                .get_result::<i64>(conn)?;
            let all = responses::table.count().get_result::<i64>(conn)?;
            Ok((last as usize, all as usize))
        })
        .await?;

    let report_path = format!(
        "/api/v1/rounds/{round_id}/report?team_id={}&cut=location",
        seeded.root
    );
    let heatmap_path = format!("/api/v1/rounds/{round_id}/heatmap");
    eprintln!("[{backend}] timing the API");
    let (report_cold_ms, _) = app.timed_get(&report_path, &hr).await?;
    let (heatmap_cold_ms, _) = app.timed_get(&heatmap_path, &hr).await?;
    let impact_path = format!("/api/v1/rounds/{round_id}/impact?team_id={}", seeded.root);
    let (impact_cold_ms, _) = app.timed_get(&impact_path, &hr).await?;
    let team_path = format!("/api/v1/rounds/{round_id}/report?team_id={}", seeded.leaf);
    let (team_cold_ms, _) = app.timed_get(&team_path, &hr).await?;
    let trend_path = format!("/api/v1/surveys/{survey_id}/trend?team_id={}", seeded.leaf);
    let (trend_cold_ms, _) = app.timed_get(&trend_path, &hr).await?;
    let mut trend_ms = Vec::new();
    let mut report_ms = Vec::new();
    let mut team_ms = Vec::new();
    let mut heatmap_ms = Vec::new();
    let mut impact_ms = Vec::new();
    for _ in 0..args.repeat {
        report_ms.push(app.timed_get(&report_path, &hr).await?.0);
        team_ms.push(app.timed_get(&team_path, &hr).await?.0);
        trend_ms.push(app.timed_get(&trend_path, &hr).await?.0);
        heatmap_ms.push(app.timed_get(&heatmap_path, &hr).await?.0);
        impact_ms.push(app.timed_get(&impact_path, &hr).await?.0);
    }

    let server_peak_mib = memory_mib("VmHWM");
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let rest_mib = memory_mib("VmRSS");

    // Every group's impact, as the plan computes it, timed on its own.
    let state = app.state.clone();
    let id = round_id.clone();
    let closed = app
        .state
        .db
        .read(move |conn| {
            let round = pulseline::surveys::store::find_round(conn, &id)?
                .ok_or(pulseline::error::ApiError::NotFound("round"))?;
            state.rounds.closed(conn, round)
        })
        .await?;
    let mut impacts_plan_ms = Vec::new();
    for _ in 0..args.repeat {
        let start = std::time::Instant::now();
        let all = pulseline::reports::impact_release::impacts_of(&closed.data, &closed.plan);
        impacts_plan_ms.push(start.elapsed().as_secs_f64() * 1000.0);
        if all.len() != closed.data.subtree.len() {
            bail!("an impact per group was expected");
        }
    }

    drop(closed);
    let restart = restarted(&app, &round_id).await?;

    let linkage = if args.cx_months > 0 {
        let moved = bench::cx::spread_rounds_monthly(&app.state.db, &survey_id).await?;
        eprintln!(
            "[{backend}] {moved} rounds a month apart; seeding {} months of ratings",
            args.cx_months
        );
        let ratings =
            bench::cx::seed_ratings(&app.state.db, args.cx_months, args.cx_per_month, args.seed)
                .await?;
        let path = format!("/api/v1/insights/linkage?survey_id={survey_id}");
        eprintln!("[{backend}] timing the linkage over {ratings} ratings");
        let (cold, _) = app.timed_get(&path, &hr).await?;
        let mut warm = Vec::new();
        for _ in 0..args.repeat {
            warm.push(app.timed_get(&path, &hr).await?.0);
        }
        let body = app.call(Method::GET, &path, &hr, None, 200).await?;
        let points = body["n"].as_i64().unwrap_or(0);
        Some((ratings, points, cold, warm))
    } else {
        None
    };

    eprintln!("[{backend}] timing the hand SQL");
    let report_sql = report_sql(&round_id, &seeded.root);
    let heatmap_sql = heatmap_sql(&round_id);
    let mut sql_report_ms = Vec::new();
    let mut sql_heatmap_ms = Vec::new();
    for _ in 0..args.repeat {
        sql_report_ms.push(run_sql(args, &target, &report_sql)?);
        sql_heatmap_ms.push(run_sql(args, &target, &heatmap_sql)?);
    }
    let (bytes, answer_bytes) = database_bytes(args, &target)?;
    drop(app);
    Ok(Timings {
        backend,
        responses,
        stored,
        bytes,
        answer_bytes,
        open_ms,
        close_ms,
        warm_ms,
        team_cold_ms,
        team_ms,
        trend_cold_ms,
        trend_ms,
        report_cold_ms,
        report_ms,
        heatmap_cold_ms,
        heatmap_ms,
        impact_cold_ms,
        impact_ms,
        impacts_plan_ms,
        sql_report_ms,
        sql_heatmap_ms,
        server_peak_mib,
        rest_mib,
        restart,
        linkage,
    })
}

/// Records every release planned so far, then times the plan of round `round_id` by a
/// new cache, as a restarted server would make it on its first read; with how many
/// rounds' groups that plan made rather than read from their records.
async fn restarted(app: &App, round_id: &str) -> anyhow::Result<(f64, usize)> {
    let (db, cache) = (app.state.db.clone(), app.state.rounds.clone());
    tokio::task::spawn_blocking(move || cache.record_releases(&db)).await??;
    let fresh = std::sync::Arc::new(pulseline::reports::closed_rounds::RoundCache::new(200_000));
    let (id, cache) = (round_id.to_owned(), fresh.clone());
    let start = std::time::Instant::now();
    app.state
        .db
        .read(move |conn| {
            let round = pulseline::surveys::store::find_round(conn, &id)?
                .ok_or(pulseline::error::ApiError::NotFound("round"))?;
            cache.closed(conn, round).map(drop)
        })
        .await?;
    Ok((
        start.elapsed().as_secs_f64() * 1000.0,
        fresh.groups_planned(),
    ))
}

/// A memory figure of this process from `/proc/self/status` (`VmRSS`, `VmHWM`), in MiB;
/// NaN where it cannot be read (not Linux).
fn memory_mib(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status.lines().find_map(|line| {
                let rest = line.strip_prefix(field)?.strip_prefix(':')?;
                rest.split_whitespace().next()?.parse::<f64>().ok()
            })
        })
        .map_or(f64::NAN, |kib| kib / 1024.0)
}

/// Starts the peak resident memory (`VmHWM`) afresh from the current one (Linux's
/// `clear_refs` value 5); left as it is where that cannot be written.
fn reset_peak_memory() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

struct Seeded {
    hr: String,
    root: String,
    /// A team of the deepest level.
    leaf: String,
}

/// The organisation: a root, 19 departments, the remaining teams spread over them (or,
/// with `--depth` above 3, a tree of that depth); one person heads each department (each
/// team of the first level) and the root; everyone else is in a team.
async fn seed_org(db: &Db, args: &Args) -> anyhow::Result<Seeded> {
    let (n_people, n_teams, seed) = (args.people as usize, args.teams as usize, args.seed);
    let depth = args.depth;
    let out = db
        .write(move |conn| {
            let mut rng = StdRng::seed_from_u64(seed);
            let now = pulseline::clock::now();
            let today = now.date();
            let id = || uuid::Uuid::new_v4().to_string();
            let mut team_rows = Vec::with_capacity(n_teams);
            let team = |name: String, parent: Option<String>| {
                TeamRow::new(name, parent, TeamKind::Frontline, now)
            };
            let root = team("Company".into(), None);
            let root_id = root.id.clone();
            team_rows.push(root);
            let (departments, leaves) = if depth == 3 {
                let departments: Vec<String> = (0..19)
                    .map(|d| {
                        let t = team(format!("Department {d:02}"), Some(root_id.clone()));
                        let tid = t.id.clone();
                        team_rows.push(t);
                        tid
                    })
                    .collect();
                let mut leaves = Vec::new();
                for i in 0..n_teams.saturating_sub(20) {
                    let t = team(format!("Team {i:04}"), Some(departments[i % 19].clone()));
                    leaves.push(t.id.clone());
                    team_rows.push(t);
                }
                (departments, leaves)
            } else {
                // Team i's parent is team (i - 1) / fan-out: levels fill in order.
                let fan = fan_out(n_teams, depth);
                let mut ids = vec![root_id.clone()];
                for i in 1..n_teams {
                    let t = team(format!("Team {i:04}"), Some(ids[(i - 1) / fan].clone()));
                    ids.push(t.id.clone());
                    team_rows.push(t);
                }
                // The first level heads like departments; everyone else is anywhere.
                let first = ids[1..=fan.min(n_teams - 1)].to_vec();
                (first, ids[1..].to_vec())
            };
            for row in &team_rows {
                diesel::insert_into(teams::table)
                    .values(row)
                    .execute(conn)?;
            }
            let hr = id();
            let mut rows = Vec::with_capacity(n_people);
            for i in 0..n_people {
                let pid = if i == 0 { hr.clone() } else { id() };
                let team_id = match i {
                    0 => root_id.clone(),
                    i if i <= departments.len() => departments[i - 1].clone(),
                    _ => leaves[rng.gen_range(0..leaves.len())].clone(),
                };
                let location = location(&mut rng);
                rows.push(PersonRow {
                    id: pid,
                    team_id: Some(team_id),
                    is_hr: i == 0,
                    is_admin: i == 0,
                    location: Some(location.into()),
                    job_family: Some(
                        ["Sales", "Support", "Engineering", "Operations"][i % 4].into(),
                    ),
                    start_date: Some(today - chrono::TimeDelta::days(rng.gen_range(10..4000))),
                    ..PersonRow::new(
                        Some(format!("p{i}@bench.example.org")),
                        format!("Person {i}"),
                        now,
                    )
                });
            }
            for row in &rows {
                diesel::insert_into(people::table)
                    .values(row)
                    .execute(conn)?;
            }
            let leaf = leaves.last().context("no team under the root")?.clone();
            Ok(Seeded {
                hr,
                root: root_id,
                leaf,
            })
        })
        .await?;
    Ok(out)
}

/// Submits sealed ballots from a share of the round's audience, as the writer stores
/// them (a ballot under the round's key and a participation row each; the close opens
/// and materialises them). A third of them carry a comment. Returns how many.
async fn answer(
    app: &App,
    args: &Args,
    round_id: &str,
    survey_id: &str,
    round: u32,
) -> anyhow::Result<usize> {
    let (share, seed) = (args.answered, args.seed ^ u64::from(round).rotate_left(32));
    let (round_id, survey_id) = (round_id.to_owned(), survey_id.to_owned());
    let key = app.state.master.round_key(&round_id);
    let n = app
        .state
        .db
        .write(move |conn| {
            let mut rng = StdRng::seed_from_u64(seed ^ 0x5eed);
            let questions = pulseline::surveys::store::questions(conn, &survey_id)?;
            let invitees: Vec<InviteeRow> = round_invitees::table
                .filter(round_invitees::round_id.eq(&round_id))
                .order(round_invitees::person_id)
                .select(InviteeRow::as_select())
                .load(conn)?;
            let mut sealed = Vec::new();
            let mut took = Vec::new();
            for inv in invitees {
                if !rng.gen_bool(share) {
                    continue;
                }
                let mood: f64 = rng.gen_range(-1.0..1.0);
                let mut answers = Vec::with_capacity(questions.len());
                for q in &questions {
                    let (value, text) = match q.kind.as_str() {
                        "scale11" => (
                            Some(
                                (7.0 + 3.0 * mood + rng.gen_range(-2.0..2.0))
                                    .round()
                                    .clamp(0.0, 10.0),
                            ),
                            None,
                        ),
                        "text" if rng.gen_bool(1.0 / 3.0) => (
                            None,
                            Some(COMMENTS[rng.gen_range(0..COMMENTS.len())].to_owned()),
                        ),
                        "text" => continue,
                        _ => (
                            Some(
                                (3.5 + 1.2 * mood + rng.gen_range(-1.5..1.5))
                                    .round()
                                    .clamp(1.0, 5.0),
                            ),
                            None,
                        ),
                    };
                    answers.push(Checked {
                        question_id: q.id.clone(),
                        value,
                        choice: None,
                        text,
                    });
                }
                let ballot = Ballot {
                    team_id: inv.team_id,
                    location: inv.location,
                    job_family: inv.job_family,
                    tenure: inv.tenure,
                    answers,
                    reply: None,
                };
                sealed.push(seal(&key, &round_id, &questions, &ballot)?);
                took.push(inv.person_id);
            }
            for p in &took {
                diesel::insert_into(participation::table)
                    .values((
                        participation::round_id.eq(&round_id),
                        participation::person_id.eq(p),
                    ))
                    .execute(conn)?;
            }
            for bytes in &sealed {
                diesel::insert_into(ballots::table)
                    .values((
                        ballots::id.eq(uuid::Uuid::new_v4().to_string()),
                        ballots::round_id.eq(&round_id),
                        ballots::sealed.eq(bytes),
                    ))
                    .execute(conn)?;
            }
            Ok(sealed.len())
        })
        .await?;
    Ok(n)
}

/// The root report by hand: for the root's whole subtree, each child's subtree and each
/// location, the response count, invitees, engagement index, eNPS, per-driver mean and
/// favourable share, and per-question mean, favourable share and distribution.
fn report_sql(round: &str, root: &str) -> Vec<String> {
    let groups = format!(
        "WITH RECURSIVE sub(team_id, grp) AS (
           SELECT id, id FROM teams WHERE parent_id = '{root}'
           UNION ALL SELECT t.id, s.grp FROM teams t JOIN sub s ON t.parent_id = s.team_id
         ),
         resp AS (SELECT id, team_id, location FROM responses WHERE round_id = '{round}'),
         member(response_id, grp) AS (
           SELECT id, 'group' FROM resp
           UNION ALL SELECT resp.id, sub.grp FROM resp JOIN sub ON sub.team_id = resp.team_id
           UNION ALL SELECT id, 'location:' || COALESCE(location, 'other') FROM resp
         )"
    );
    let invited = format!(
        "WITH RECURSIVE sub(team_id, grp) AS (
           SELECT id, id FROM teams WHERE parent_id = '{root}'
           UNION ALL SELECT t.id, s.grp FROM teams t JOIN sub s ON t.parent_id = s.team_id
         ),
         inv AS (SELECT team_id, location FROM round_invitees WHERE round_id = '{round}')
         SELECT grp, COUNT(*) FROM (
           SELECT 'group' AS grp FROM inv
           UNION ALL SELECT sub.grp FROM inv JOIN sub ON sub.team_id = inv.team_id
           UNION ALL SELECT 'location:' || COALESCE(location, 'other') FROM inv
         ) g GROUP BY grp;"
    );
    vec![
        invited,
        format!(
            "{groups},
             ei AS (
               SELECT a.response_id, (AVG(a.value) - 1) / 4 * 100 AS ei
               FROM answers a JOIN survey_questions q ON q.id = a.question_id
               JOIN resp ON resp.id = a.response_id
               WHERE q.driver = 'engagement_outcome' AND q.kind = 'likert5' AND a.value IS NOT NULL
               GROUP BY a.response_id
             )
             SELECT m.grp, COUNT(*), AVG(ei.ei) FROM member m
             LEFT JOIN ei ON ei.response_id = m.response_id GROUP BY m.grp;"
        ),
        format!(
            "{groups}
             SELECT m.grp, COUNT(a.value),
               100.0 * AVG(CASE WHEN a.value >= 9 THEN 1.0 WHEN a.value <= 6 THEN -1.0 ELSE 0.0 END)
             FROM member m JOIN answers a ON a.response_id = m.response_id
             JOIN survey_questions q ON q.id = a.question_id
             WHERE q.kind = 'scale11' AND q.bank_item = 'eo_enps' AND a.value IS NOT NULL
             GROUP BY m.grp;"
        ),
        format!(
            "{groups}
             SELECT m.grp, q.driver, COUNT(DISTINCT m.response_id), AVG(a.value),
               AVG(CASE WHEN a.value >= 4 THEN 1.0 ELSE 0.0 END)
             FROM member m JOIN answers a ON a.response_id = m.response_id
             JOIN survey_questions q ON q.id = a.question_id
             WHERE q.kind = 'likert5' AND a.value IS NOT NULL
             GROUP BY m.grp, q.driver;"
        ),
        format!(
            "{groups}
             SELECT m.grp, a.question_id, COUNT(a.value), AVG(a.value),
               AVG(CASE WHEN a.value >= 4 THEN 1.0 ELSE 0.0 END),
               SUM(CASE WHEN a.value = 0 THEN 1 ELSE 0 END), SUM(CASE WHEN a.value = 1 THEN 1 ELSE 0 END),
               SUM(CASE WHEN a.value = 2 THEN 1 ELSE 0 END), SUM(CASE WHEN a.value = 3 THEN 1 ELSE 0 END),
               SUM(CASE WHEN a.value = 4 THEN 1 ELSE 0 END), SUM(CASE WHEN a.value = 5 THEN 1 ELSE 0 END),
               SUM(CASE WHEN a.value = 6 THEN 1 ELSE 0 END), SUM(CASE WHEN a.value = 7 THEN 1 ELSE 0 END),
               SUM(CASE WHEN a.value = 8 THEN 1 ELSE 0 END), SUM(CASE WHEN a.value = 9 THEN 1 ELSE 0 END),
               SUM(CASE WHEN a.value = 10 THEN 1 ELSE 0 END)
             FROM member m JOIN answers a ON a.response_id = m.response_id
             WHERE a.value IS NOT NULL
             GROUP BY m.grp, a.question_id;"
        ),
    ]
}

/// The heatmap by hand: for every team's subtree, the response count and each driver's
/// mean and favourable share.
fn heatmap_sql(round: &str) -> Vec<String> {
    let closure = "WITH RECURSIVE closure(ancestor, team_id) AS (
           SELECT id, id FROM teams
           UNION ALL SELECT c.ancestor, t.id FROM teams t JOIN closure c ON t.parent_id = c.team_id
         )";
    vec![
        format!(
            "{closure}
             SELECT c.ancestor, COUNT(*) FROM responses r
             JOIN closure c ON c.team_id = r.team_id
             WHERE r.round_id = '{round}' GROUP BY c.ancestor;"
        ),
        format!(
            "{closure}
             SELECT c.ancestor, q.driver, COUNT(a.value), AVG(a.value),
               AVG(CASE WHEN a.value >= 4 THEN 1.0 ELSE 0.0 END)
             FROM responses r JOIN closure c ON c.team_id = r.team_id
             JOIN answers a ON a.response_id = r.id
             JOIN survey_questions q ON q.id = a.question_id
             WHERE r.round_id = '{round}' AND q.kind = 'likert5' AND a.value IS NOT NULL
             GROUP BY c.ancestor, q.driver;"
        ),
    ]
}

/// Runs the statements in one CLI session and returns the sum of their own timings (ms),
/// as the CLI reports them, so process start-up is not counted.
/// The database's size on disk (SQLite's file and write-ahead log, or PostgreSQL's
/// `pg_database_size`) and the bytes of the stored answers (the `responses` and
/// `answers` tables with their indexes: SQLite's `dbstat`, PostgreSQL's
/// `pg_total_relation_size`).
fn database_bytes(args: &Args, target: &Target) -> anyhow::Result<(u64, u64)> {
    match target {
        Target::Sqlite(_, path) => {
            let mut wal = path.clone().into_os_string();
            wal.push("-wal");
            let wal = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
            let answers = query_number(
                &args.sqlite3,
                &[path.to_string_lossy().into_owned()],
                "SELECT SUM(pgsize) FROM dbstat WHERE name IN \
                 ('responses', 'responses_round_idx', 'answers', 'answers_question_idx');",
            )?;
            Ok((std::fs::metadata(path)?.len() + wal, answers))
        }
        Target::Postgres { .. } => {
            let psql = |sql: &str| {
                query_number(
                    &args.psql,
                    &["-X".into(), "-qtA".into(), target.url(), "-c".into()],
                    sql,
                )
            };
            Ok((
                psql("SELECT pg_database_size(current_database());")?,
                psql(
                    "SELECT pg_total_relation_size('responses') \
                     + pg_total_relation_size('answers');",
                )?,
            ))
        }
    }
}

/// The one number `sql` returns, run by `program` (`sqlite3` or `psql`) with `args`
/// before it (`psql`'s end with `-c`).
fn query_number(program: &Path, args: &[String], sql: &str) -> anyhow::Result<u64> {
    let out = Command::new(program)
        .args(args)
        .arg(sql)
        .output()
        .with_context(|| format!("cannot start {}", program.display()))?;
    if !out.status.success() {
        bail!(
            "{}: {}",
            program.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let text = String::from_utf8_lossy(&out.stdout);
    text.trim()
        .parse()
        .with_context(|| format!("{} answered {text:?}", program.display()))
}

fn run_sql(args: &Args, target: &Target, statements: &[String]) -> anyhow::Result<f64> {
    let (program, script, input_args): (&Path, String, Vec<String>) = match target {
        Target::Sqlite(_, path) => (
            &args.sqlite3,
            format!(".timer on\n.output /dev/null\n{}\n", statements.join("\n")),
            vec![path.to_string_lossy().into_owned()],
        ),
        Target::Postgres { .. } => (
            &args.psql,
            format!("\\timing on\n\\o /dev/null\n{}\n", statements.join("\n")),
            vec![
                "-X".into(),
                "-q".into(),
                "-v".into(),
                "ON_ERROR_STOP=1".into(),
                target.url(),
            ],
        ),
    };
    let mut child = Command::new(program)
        .args(&input_args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot start {}", program.display()))?;
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().context("no stdin")?;
        stdin.write_all(script.as_bytes())?;
    }
    let out = child.wait_with_output()?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if !out.status.success() || text.contains("Error") || text.contains("ERROR") {
        bail!("{} failed: {text}", program.display());
    }
    // sqlite3: "Run Time: real 0.123 user ... sys ..."; psql: "Time: 12.345 ms".
    let mut total = 0.0;
    let mut seen = 0;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("Run Time: real ") {
            let secs: f64 = rest
                .split_whitespace()
                .next()
                .and_then(|s| s.parse().ok())
                .context("unreadable sqlite3 timer line")?;
            total += secs * 1000.0;
            seen += 1;
        } else if let Some(rest) = line.strip_prefix("Time: ") {
            let ms: f64 = rest
                .split_whitespace()
                .next()
                .and_then(|s| s.parse().ok())
                .context("unreadable psql timing line")?;
            total += ms;
            seen += 1;
        }
    }
    if seen != statements.len() {
        bail!(
            "expected {} timings from {}, found {seen}: {text}",
            statements.len(),
            program.display()
        );
    }
    Ok(total)
}
