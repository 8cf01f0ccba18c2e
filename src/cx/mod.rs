//! Customer satisfaction in: raw ratings (CSAT 1–5, NPS 0–10, CES 1–7) per team,
//! ingested in idempotent batches (JSON or CSV), and summarised per team and period.
//! The EX–CX linkage builds on these. The shapes are in [`types`], the metrics (pure) in
//! [`metrics`], ingestion in [`ingest`], the summary in [`summary`] and the endpoints in
//! [`api`].

pub mod api;
pub mod ingest;
pub mod metrics;
pub mod summary;
pub mod types;
