//! The integration tests: one binary, one module per capability. Each test gets its own
//! fresh database (SQLite by default, PostgreSQL when TEST_DATABASE_URL is set).

mod across_rounds;
mod actions;
mod aggregates;
mod audit_trail;
mod auth;
mod authz;
mod cli;
mod conversations;
mod crowds;
mod cx;
mod demo;
mod erasure;
mod errors;
mod helpers;
mod hooks;
mod identifiers;
mod impact;
mod layers;
mod linkage;
mod mail;
mod oidc;
mod openapi;
mod ops;
mod org;
mod pg_forensics;
mod reach;
mod reminders;
mod reports;
mod restore;
mod retention;
mod scim;
mod sealed;
mod suggestions;
mod surveys;
mod web;
