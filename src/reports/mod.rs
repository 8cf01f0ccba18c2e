//! Engagement reports.

pub mod scores;
