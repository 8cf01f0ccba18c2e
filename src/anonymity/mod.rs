//! The anonymity engine: decides which aggregates about survey answers may be released.
//! Pure logic, no database and no HTTP; reports ask it before they compute anything.
//!
//! [`min_group`] holds k and the comment floor, defined once for the configuration, the
//! survey checks, round opening, the release planner and the privacy statement on the
//! pulse page; [`suppress`] holds the release rules and why they hold across every report
//! a person can request; [`linear_audit`] is the linear-algebra audit behind the last of
//! those rules, and how it stays fast for large organisations; [`aggregate`] keeps numbers
//! over several items (drivers, the engagement index, eNPS) from giving an item away;
//! [`uniform`] keeps a group whose answers are all equal from naming each member's.

pub mod aggregate;
pub mod echelon;
pub mod fixes;
pub mod linear_audit;
pub mod min_group;
pub mod suppress;
pub mod uniform;
