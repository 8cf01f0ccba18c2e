//! Customer satisfaction in: raw ratings (CSAT 1–5, NPS 0–10, CES 1–7) per team,
//! ingested in idempotent batches (JSON or CSV), and summarised per team and period.
//! The EX–CX linkage builds on these.
//!
//! The shapes are in [`types`]; the metrics and their per-period aggregation (pure) in
//! [`metrics`]; ingestion — checks and writes, shared by the API, the HR import page and
//! the CLI — in [`ingest`]; the per-team summary with its access rule in [`summary`]; and
//! the handlers in [`api`]. [`ingest`] and [`summary`] are this capability's services and
//! run their own queries.

pub mod api;
pub mod ingest;
pub mod metrics;
pub mod summary;
pub mod types;
