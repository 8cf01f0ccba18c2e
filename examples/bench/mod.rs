//! What the benchmark examples (`loadgen` and `reportbench`) share: a fresh PostgreSQL
//! database dropped at the end ([`database`]), the application built in this process
//! with a client that calls it through the whole HTTP stack ([`app`]), and the rows
//! that seed people ([`seed`]).
//!
//! Each example includes this folder as its `bench` module; what one of them does not
//! call is not dead code of the other.
#![allow(dead_code)]

pub mod app;
pub mod database;
pub mod seed;
