//! pulseline: a self-hosted employee-experience service. It runs anonymous pulse
//! surveys whose reports can never be narrowed down to one person, collects frontline
//! suggestions about customer pain points, and links each team's engagement to the
//! customer satisfaction of the teams it serves.
//!
//! One binary serves an OpenAPI-documented HTTP API and server-rendered web pages over
//! SQLite (embedded default) or PostgreSQL. Each capability ([`auth`], [`org`],
//! [`surveys`], [`anonymity`], [`reports`], [`suggestions`], [`cx`], [`linkage`],
//! [`notify`], [`ops`], [`actions`]) is a folder of its own, split by role as far as it has each part: `types.rs`
//! for the request and response shapes, `service.rs` for the access checks, validation
//! and orchestration that the API, the web pages ([`web`]) and the CLI ([`cli`]) call,
//! `store.rs` for the queries, pure logic in files named for what they compute, and
//! `api.rs` for the HTTP handlers alone. Each folder's `mod.rs` lists its files by role.
//!
//! Below them sits the shared plumbing: [`state`] (the `AppState`), [`http`] (what every
//! handler shares), [`clock`], [`error`], [`config`], [`keys`] and [`db`]. [`api`] only combines the
//! capabilities' OpenAPI services, and [`startup`] is the one place everything is wired.
//! Imports point one way — handlers, pages and the CLI to services, services to stores,
//! pure logic and the database — and the `layers` integration test fails on an import
//! loop or an upward import.

pub mod actions;
pub mod anonymity;
pub mod api;
pub mod auth;
pub mod cli;
pub mod clock;
pub mod config;
pub mod contract;
pub mod conversations;
pub mod cx;
pub mod db;
pub mod demo;
pub mod error;
pub mod hooks;
pub mod http;
pub mod keys;
pub mod kiosk;
pub mod linkage;
pub mod notify;
pub mod ops;
pub mod org;
pub mod payload;
pub mod plural;
pub mod reports;
pub mod scim;
pub mod secret;
pub mod startup;
pub mod state;
pub mod suggestions;
pub mod surveys;
pub mod telemetry;
pub mod web;

#[cfg(test)]
pub(crate) mod testing;
