//! Pulse surveys: the question bank, surveys with their questions, audience, cuts and
//! schedule, rounds that open and close on schedule (idempotently across replicas), and
//! the anonymous write path — responses that forget who answered, written by a
//! group-commit writer.
//!
//! The shapes are in [`types`] and the rows in [`model`]; the HR check, the checks that
//! need the database, the views and the answering path in [`service`]; the queries,
//! including opening a round with its audience, in [`store`]. Pure logic: [`validate`]
//! (what a survey may contain), [`answers`] (a submission against the round's questions),
//! [`schedule`] (when the n-th round opens and closes), [`generalise`] (write-time
//! k-anonymity of segment values) and [`bank`] (the built-in question bank). The write
//! path: [`writer`] stores checked submissions in group commits and, on PostgreSQL,
//! [`mixer`] moves the new rows among earlier ones. In the background, [`round_opener`]
//! opens due rounds, and [`round_cache`] keeps an open round's window and questions in
//! memory for the answering path. The handlers are in [`api`].

pub mod answers;
pub mod api;
pub mod bank;
pub mod generalise;
pub mod mixer;
pub mod model;
pub mod round_cache;
pub mod round_opener;
pub mod schedule;
pub mod service;
pub mod store;
pub mod types;
pub mod validate;
pub mod writer;
