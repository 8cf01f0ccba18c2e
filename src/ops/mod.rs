//! Operations: health and readiness probes, Prometheus metrics, request logging, and
//! the request body cap. The probes and `/metrics` handlers are in [`api`]; the metrics
//! middleware, which also logs each request, in [`metrics`]; the cap in [`body_limit`].

pub mod api;
pub mod body_limit;
pub mod metrics;
