//! pulseline: a self-hosted employee-experience service. It runs anonymous pulse
//! surveys whose reports can never be narrowed down to one person, collects frontline
//! suggestions about customer pain points, and links each team's engagement to the
//! customer satisfaction of the teams it serves.
//!
//! One binary serves an OpenAPI-documented HTTP API over SQLite (embedded default) or
//! PostgreSQL. Each capability lives in its own module: its rows, queries, pure logic
//! and handlers.

pub mod anonymity;
pub mod api;
pub mod auth;
pub mod cli;
pub mod clock;
pub mod config;
pub mod contract;
pub mod cx;
pub mod db;
pub mod demo;
pub mod error;
pub mod http;
pub mod linkage;
pub mod ops;
pub mod org;
pub mod payload;
pub mod reports;
pub mod startup;
pub mod state;
pub mod suggestions;
pub mod surveys;
pub mod telemetry;
pub mod web;
