//! Engagement reports: scores per group (pure, in [`scores`]), a round's data and its
//! release plan from the anonymity engine ([`release`]), the report endpoints and their
//! CSV exports ([`api`]), and the append-only audit log of report reads ([`audit_log`]).

pub mod api;
pub mod audit_log;
pub mod release;
pub mod scores;
