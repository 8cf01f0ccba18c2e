//! Operations: health and readiness probes, Prometheus metrics, request logging, and
//! the request body cap. The probes and `/metrics` handlers are in [`api`]; the metrics
//! middleware, which also logs each request, in [`metrics`]; the cap in [`body_limit`]; the retention settings and
//! the daily purge in [`retention`]; how a daily job runs in [`daily`]; giving freed
//! memory back after a round's close and plan in [`memory`].

pub mod api;
pub mod body_limit;
pub mod daily;
pub mod memory;
pub mod metrics;
pub mod retention;
