//! Request metrics in Prometheus text format, recorded by a middleware: a counter and a
//! latency histogram per (method, route pattern, status). Route patterns (not paths)
//! keep the label set small and keep ids out of the metrics; nothing personal is
//! recorded.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Instant;

use poem::{Endpoint, IntoResponse, Middleware, PathPattern, Request, Response, Result};

const BUCKETS: [f64; 11] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

/// Most distinct (method, route, status) series kept; later ones count as `other`.
const MAX_SERIES: usize = 2_000;

#[derive(Default)]
struct Series {
    count: u64,
    sum: f64,
    buckets: [u64; BUCKETS.len()],
}

#[derive(Default)]
pub struct Metrics {
    series: Mutex<BTreeMap<(String, String, u16), Series>>,
}

impl Metrics {
    pub fn record(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let mut map = self.series.lock().unwrap_or_else(|p| p.into_inner());
        let mut key = (method.to_owned(), route.to_owned(), status);
        if map.len() >= MAX_SERIES && !map.contains_key(&key) {
            key.1 = "other".into();
        }
        let s = map.entry(key).or_default();
        s.count += 1;
        s.sum += seconds;
        for (i, b) in BUCKETS.iter().enumerate() {
            if seconds <= *b {
                s.buckets[i] += 1;
            }
        }
    }

    /// The Prometheus text exposition of every series.
    pub fn render(&self) -> String {
        let map = self.series.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = String::new();
        out.push_str("# HELP pulseline_http_requests_total HTTP requests answered.\n");
        out.push_str("# TYPE pulseline_http_requests_total counter\n");
        for ((m, r, st), s) in map.iter() {
            let _ = writeln!(
                out,
                "pulseline_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{st}\"}} {}",
                esc(m),
                esc(r),
                s.count
            );
        }
        out.push_str("# HELP pulseline_http_request_duration_seconds Time to answer.\n");
        out.push_str("# TYPE pulseline_http_request_duration_seconds histogram\n");
        for ((m, r, st), s) in map.iter() {
            let labels = format!("method=\"{}\",route=\"{}\",status=\"{st}\"", esc(m), esc(r));
            for (i, b) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "pulseline_http_request_duration_seconds_bucket{{{labels},le=\"{b}\"}} {}",
                    s.buckets[i]
                );
            }
            let _ = writeln!(
                out,
                "pulseline_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                s.count
            );
            let _ = writeln!(
                out,
                "pulseline_http_request_duration_seconds_sum{{{labels}}} {}",
                s.sum
            );
            let _ = writeln!(
                out,
                "pulseline_http_request_duration_seconds_count{{{labels}}} {}",
                s.count
            );
        }
        out
    }
}

/// The response writer's counters, in Prometheus text.
pub fn render_writer(writer: &crate::surveys::writer::ResponseWriter) -> String {
    use std::sync::atomic::Ordering::Relaxed;
    let mut out = String::new();
    let mut put = |name: &str, kind: &str, help: &str, value: f64| {
        let _ = writeln!(out, "# HELP {name} {help}");
        let _ = writeln!(out, "# TYPE {name} {kind}");
        let _ = writeln!(out, "{name} {value}");
    };
    put(
        "pulseline_writer_transactions_total",
        "counter",
        "Transactions committed by the response writer.",
        writer.stats.transactions.load(Relaxed) as f64,
    );
    put(
        "pulseline_writer_stored_total",
        "counter",
        "Sealed ballots stored.",
        writer.stats.stored.load(Relaxed) as f64,
    );
    put(
        "pulseline_writer_busy_seconds_total",
        "counter",
        "Time the response writer spent writing and committing batches.",
        writer.stats.busy_micros.load(Relaxed) as f64 / 1e6,
    );
    put(
        "pulseline_wal_checkpoints_total",
        "counter",
        "SQLite write-ahead log checkpoints run beside the response writer (0 on PostgreSQL).",
        writer.stats.checkpoints.load(Relaxed) as f64,
    );
    out
}

/// The hot standby's counters, in Prometheus text (nothing without a standby).
pub fn render_standby(db: &crate::db::Db) -> String {
    let mut out = String::new();
    let Some(standby) = db.standby() else {
        return out;
    };
    let (served, fallbacks) = standby.counts();
    out.push_str("# HELP pulseline_standby_reads_total Reads of released data and lists served by the hot standby.\n");
    out.push_str("# TYPE pulseline_standby_reads_total counter\n");
    let _ = writeln!(out, "pulseline_standby_reads_total {served}");
    out.push_str(
        "# HELP pulseline_standby_fallbacks_total Such reads left to the primary, by reason.\n",
    );
    out.push_str("# TYPE pulseline_standby_fallbacks_total counter\n");
    for (why, n) in fallbacks {
        let _ = writeln!(
            out,
            "pulseline_standby_fallbacks_total{{reason=\"{}\"}} {n}",
            why.label()
        );
    }
    out
}

/// A label for a request whose route pattern is unknown (it failed before routing
/// finished): API paths with ids replaced by `:id`, anything else `unmatched`, so that
/// neither ids nor scanners' made-up paths multiply the series.
fn route_label(path: &str) -> String {
    if !path.starts_with("/api/v1/") || path.split('/').count() > 8 {
        return "unmatched".into();
    }
    path.split('/')
        .map(|seg| {
            let id_like =
                seg.len() >= 16 || (!seg.is_empty() && seg.chars().all(|c| c.is_ascii_digit()));
            if id_like { ":id" } else { seg }
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn esc(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Whether a request is one of the anonymous actions — answering a pulse, raising a
/// suggestion (which may be anonymous), voting, an anonymous author reading their
/// follow-up, an author reading or answering a conversation by code — whose time must
/// not reach the log: a log line a moment after a
/// colleague's sign-in would name who acted.
pub fn is_anonymous_action(method: &str, path: &str) -> bool {
    let segs: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    matches!(
        (method, segs.as_slice()),
        ("POST", ["", "api", "v1", "rounds", _, "responses"])
            | ("POST", ["", "api", "v1", "suggestions"])
            | ("POST", ["", "api", "v1", "suggestions", _, "votes"])
            | ("GET", ["", "api", "v1", "suggestions", "followup", _])
            | ("GET" | "POST", ["", "api", "v1", "conversations", _])
            | ("GET" | "POST", ["", "conversations"])
            | ("POST", ["", "pulses", _])
            | ("POST", ["", "suggestions", "new" | "followup"])
            | ("POST", ["", "suggestions", _, "vote"])
    )
}

/// Records every request in [`Metrics`] and logs it (method, route, status, time —
/// never the path's ids, the query, the body or headers), except the anonymous actions
/// ([`is_anonymous_action`]), which are only counted.
pub struct Observe(pub std::sync::Arc<Metrics>);

impl<E: Endpoint> Middleware<E> for Observe {
    type Output = ObserveEndpoint<E>;
    fn transform(&self, ep: E) -> Self::Output {
        ObserveEndpoint {
            inner: ep,
            metrics: self.0.clone(),
        }
    }
}

pub struct ObserveEndpoint<E> {
    inner: E,
    metrics: std::sync::Arc<Metrics>,
}

impl<E: Endpoint> Endpoint for ObserveEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> Result<Response> {
        let start = Instant::now();
        let method = req.method().to_string();
        let path = req.uri().path().to_owned();
        let anonymous = is_anonymous_action(&method, &path);
        let resp = match self.inner.call(req).await {
            Ok(r) => r.into_response(),
            Err(e) => crate::error::poem_error_to_problem(e),
        };
        let route = match resp.data::<PathPattern>() {
            Some(p) if !p.0.is_empty() => p.0.to_string(),
            _ => route_label(&path),
        };
        let status = resp.status().as_u16();
        let secs = start.elapsed().as_secs_f64();
        self.metrics.record(&method, &route, status, secs);
        if !anonymous {
            tracing::info!(%method, %route, status, ms = secs * 1000.0, "request");
        }
        Ok(resp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recorded_request_appears_in_count_and_buckets() {
        let m = Metrics::default();
        m.record("GET", "/api/v1/me", 200, 0.003);
        m.record("GET", "/api/v1/me", 200, 0.2);
        let text = m.render();
        assert!(text.contains(
            "pulseline_http_requests_total{method=\"GET\",route=\"/api/v1/me\",status=\"200\"} 2"
        ));
        assert!(text.contains("le=\"0.005\"} 1"));
        assert!(text.contains("le=\"0.25\"} 2"));
        assert!(text.contains("le=\"+Inf\"} 2"));
    }

    #[test]
    fn answers_suggestions_votes_and_follow_ups_are_anonymous_actions() {
        for (method, path) in [
            ("POST", "/api/v1/rounds/r1/responses"),
            ("POST", "/api/v1/suggestions"),
            ("POST", "/api/v1/suggestions/s1/votes"),
            ("GET", "/api/v1/suggestions/followup/ABCD-EFGH"),
            ("POST", "/pulses/r1"),
            ("POST", "/suggestions/new"),
            ("POST", "/suggestions/followup"),
            ("POST", "/suggestions/s1/vote"),
        ] {
            assert!(is_anonymous_action(method, path), "{method} {path}");
        }
        for (method, path) in [
            ("GET", "/api/v1/rounds/r1/participation"),
            ("GET", "/api/v1/suggestions"),
            ("PATCH", "/api/v1/suggestions/s1"),
            ("GET", "/pulses/r1"),
            ("POST", "/signin"),
        ] {
            assert!(!is_anonymous_action(method, path), "{method} {path}");
        }
    }

    #[test]
    fn ids_in_unrouted_paths_become_placeholders() {
        assert_eq!(
            route_label("/api/v1/teams/6f1c2b9e-8a7d-4c1e-9b2f-0a1b2c3d4e5f/managers"),
            "/api/v1/teams/:id/managers"
        );
        assert_eq!(route_label("/wp-admin/login.php"), "unmatched");
    }
}
