//! Customer satisfaction in: raw ratings (CSAT 1–5, NPS 0–10, CES 1–7) per team,
//! ingested in idempotent batches (JSON or CSV), and summarised per team and period.
//! The EX–CX linkage builds on these.

pub mod api;
pub mod metrics;
