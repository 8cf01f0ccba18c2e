//! The release server under load: its own process on a free 127.0.0.1 port, killed
//! when dropped, and what its `/metrics` say.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use super::METRICS_TOKEN;

/// The release server, killed on drop if it is still running.
pub struct Server {
    pub child: Child,
    pub base: String,
    pub log: PathBuf,
}

impl Server {
    pub fn start(
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

    pub async fn wait_ready(&self, limit: Duration) -> anyhow::Result<()> {
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
    pub async fn metrics(&self) -> Option<String> {
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
    pub async fn submit_mean_ms(&self) -> Option<(u64, f64)> {
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

    /// The response writer's counters from `/metrics`.
    pub async fn writer_counters(&self) -> Option<WriterCounters> {
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
        })
    }

    /// Closes round `round_id` as HR (`POST /rounds/{id}/close`, which opens its sealed
    /// ballots and writes the responses) and returns how long the request took.
    pub async fn close_round(&self, round_id: &str, hr_token: &str) -> anyhow::Result<Duration> {
        let started = std::time::Instant::now();
        let r = reqwest::Client::new()
            .post(format!("{}/api/v1/rounds/{round_id}/close", self.base))
            .bearer_auth(hr_token)
            .send()
            .await?;
        if r.status() != reqwest::StatusCode::OK {
            bail!(
                "closing the round answered {}: {}",
                r.status(),
                r.text().await?
            );
        }
        Ok(started.elapsed())
    }

    /// SIGTERM (graceful), then SIGKILL after 30 s.
    pub fn stop(mut self) {
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

/// What `/metrics` says the response writer did.
pub struct WriterCounters {
    pub transactions: f64,
    pub stored: f64,
    pub busy_secs: f64,
}
