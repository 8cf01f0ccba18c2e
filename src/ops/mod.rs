//! Operations: health and readiness probes, Prometheus metrics, request logging, and
//! the request body cap.

pub mod api;
pub mod body_limit;
pub mod metrics;
