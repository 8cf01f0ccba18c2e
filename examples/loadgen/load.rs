//! The load: submissions over keep-alive connections, in a closed loop or on a fixed
//! schedule, each one timed; their latency trace; and the rows they stored.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::bail;
use diesel::prelude::*;
use pulseline::db::Db;
use rand::Rng;
use serde_json::{Value, json};

use super::Args;
use super::cpu::{CpuSnapshot, CpuUse};
use super::setup::Fixture;

pub struct Load {
    pub seconds: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub errors: usize,
    /// A few error descriptions, for the log.
    pub samples: Vec<String>,
    /// Where the CPU time went during the measured phase (Linux `/proc`).
    pub cpu: Option<CpuUse>,
    /// Per submission: when it was sent (due) after the start, its latency, its status
    /// (0 when the request failed).
    pub trace: Vec<(Duration, Duration, u16)>,
}

/// One prepared request: the bearer header and the JSON body.
pub type Prepared = (String, Vec<u8>);

/// A comment of a typical length (about 120 characters).
pub const COMMENT: &str = "The new rota works for most of us, but the late shift still has one \
                           person on the phones when the queue is longest.";

pub fn prepare(fixture: &Fixture, people: &[(String, String)]) -> anyhow::Result<Vec<Prepared>> {
    let mut rng = rand::thread_rng();
    people
        .iter()
        .map(|(_, bearer)| {
            let mut answers: Vec<Value> = fixture
                .question_ids
                .iter()
                .map(|q| json!({"question_id": q, "value": rng.gen_range(1..=5)}))
                .collect();
            answers.push(json!({"question_id": fixture.comment_id, "text": COMMENT}));
            Ok((
                bearer.clone(),
                serde_json::to_vec(&json!({ "answers": answers }))?,
            ))
        })
        .collect()
}

pub async fn run_load(
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
    let warm = prepare(fixture, warmup)?;
    let work = Arc::new(prepare(fixture, measured)?);
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

/// `--latency-log`'s file for one backend: `run.csv` → `run.sqlite.csv`.
pub fn trace_path(path: &Path, backend: &str) -> PathBuf {
    let name = backend.to_ascii_lowercase();
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().into_owned())
        .unwrap_or_else(|| "csv".into());
    path.with_extension(format!("{name}.{ext}"))
}

/// Writes the per-submission trace, in the order the submissions were sent.
pub fn write_trace(path: &Path, trace: &[(Duration, Duration, u16)]) -> std::io::Result<()> {
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
pub async fn submit_once(
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
pub async fn stored_counts(url: &str) -> anyhow::Result<(i64, i64)> {
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
