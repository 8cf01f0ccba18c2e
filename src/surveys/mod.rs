//! Pulse surveys: the question bank, surveys with their questions, audience, cuts and
//! schedule, rounds that open and close on schedule (idempotently across replicas), and
//! the anonymous write path — sealed ballots written by a group-commit writer and opened
//! only when their round closes.
//!
//! The shapes are in [`types`] and the rows in [`model`]; the HR check, the checks that
//! need the database, the views and the answering path in [`service`]; the queries,
//! including opening a round with its audience, in [`store`]; what HR sees before a
//! round (the preview, and what opening or closing one by hand would do) in [`opening`]. Pure logic: [`validate`]
//! (what a survey may contain), [`answers`] (a submission against the round's questions),
//! [`schedule`] (when the n-th round opens and closes), [`generalise`] (k-anonymity of
//! segment values), [`placement`] (k respondents per stored team and segments at close)
//! and [`bank`] (the built-in question bank). The write path: [`ballot`] seals a checked
//! submission, [`writer`] stores ballots in group commits, and [`materialise`] opens a
//! closed round's ballots once and writes them as responses in random order. In the
//! background, [`round_opener`] opens due rounds and materialises closed ones,
//! [`reminders`] queues the automatic reminders whose moment ([`reminder_times`], pure:
//! half the window, a day before the close, in working hours) has come, and
//! [`round_cache`] keeps an open round's window and questions in memory for the
//! answering path. The handlers are in [`api`].

pub mod answers;
pub mod api;
pub mod ballot;
pub mod bank;
pub mod generalise;
pub mod materialise;
pub mod model;
pub mod opening;
pub mod placement;
pub mod reminder_times;
pub mod reminders;
pub mod round_cache;
pub mod round_opener;
pub mod schedule;
pub mod service;
pub mod store;
pub mod types;
pub mod validate;
pub mod writer;
