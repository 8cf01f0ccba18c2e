//! Engagement reports: scores per group (pure, in [`scores`]), a round's data and its
//! release plan from the anonymity engine ([`round`]), the report endpoints and their
//! CSV exports ([`api`]), and the append-only audit log of report reads ([`audit`]).

pub mod api;
pub mod audit;
pub mod round;
pub mod scores;
