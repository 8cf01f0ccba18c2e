//! The anonymity engine: decides which aggregates about survey answers may be released.
//! Pure logic, no database and no HTTP; reports ask it before they compute anything.
//! See [`suppress`] for the rules and why they hold across every report a person can
//! request.

pub mod linear_audit;
pub mod min_group;
pub mod suppress;
