//! Pulse surveys: the question bank, surveys with their questions, audience, cuts and
//! schedule, rounds that open and close on schedule (idempotently across replicas), and
//! the anonymous write path — responses that forget who answered, written by a
//! group-commit writer.

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
