//! What the benchmark examples (`loadgen`, `reportbench`, `planbench`) share: a fresh
//! PostgreSQL database dropped at the end ([`database`]), the application built in this
//! process with a client that calls it through the whole HTTP stack ([`app`]), the rows
//! that seed people ([`seed`]) and customer ratings ([`cx`]), and the shape of a generated organisation ([`org`]).
//!
//! Each example includes this folder as its `bench` module; what one of them does not
//! call is not dead code of the other.
#![allow(dead_code)]

pub mod app;
pub mod cx;
pub mod database;
pub mod org;
pub mod seed;
