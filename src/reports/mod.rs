//! Engagement reports: scores per group (pure, in [`scores`]), a round's data and its
//! release plan from the anonymity engine ([`release`]), the report shapes ([`types`]),
//! who may read them and how they are assembled and audited ([`service`]), their CSV
//! exports ([`csv`]), the report endpoints ([`api`]), and the append-only audit log of
//! report reads ([`audit_log`]).

pub mod api;
pub mod audit_log;
pub mod csv;
pub mod release;
pub mod scores;
pub mod service;
pub mod types;
