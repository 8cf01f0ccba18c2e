//! SCIM 2.0 provisioning (RFC 7643/7644): an identity provider creates, updates and
//! deactivates people and teams under `/scim/v2` with a bearer token an admin created.
//!
//! The files by role:
//! - [`config`]: `PULSELINE_SCIM_TEAMS` and `PULSELINE_SCIM_MAX_DEACTIVATE_SHARE`;
//! - [`types`]: the SCIM JSON shapes, the list answer, [`types::ScimError`];
//! - [`filter`]: the filters we answer (`userName eq`, `externalId eq`,
//!   `emails[type eq "work"].value eq`, `displayName eq`, joined by `and`);
//! - [`patch`]: PATCH operations applied to a resource's JSON (pure);
//! - [`schemas`]: the discovery documents (what we announce);
//! - [`service`]: users ↔ people — the mapping, orchestration and audit;
//! - [`groups`]: groups ↔ teams;
//! - [`guard`]: the mass-change guard on deactivations;
//! - [`tokens`]: provisioning tokens (created, listed, revoked; request authentication);
//! - [`store`]: the queries;
//! - [`routes`]: the plain poem handlers of `/scim/v2`, which answer SCIM errors;
//! - [`api`]: the admin API for tokens and the guard under `/api/v1` (problem+json).

pub mod api;
pub mod config;
pub mod filter;
pub mod groups;
pub mod guard;
pub mod patch;
pub mod routes;
pub mod schemas;
pub mod service;
pub mod store;
pub mod tokens;
pub mod types;
