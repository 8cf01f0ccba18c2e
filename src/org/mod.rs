//! The organisation: teams (a tree of `frontline` and `internal` teams), the people in
//! them with the attributes used for segmentation, team managers, and the service map
//! that says which frontline teams an internal team serves. Also the CSV import of
//! people.
//!
//! The shapes are in [`types`] and the rows in [`model`]; the access checks, validation
//! and orchestration the API, the web pages and the CLI call in [`service`]; the queries
//! (and the in-memory team tree) in [`store`]; who may read which teams and people — the
//! rule the other capabilities ask too — in [`access`]; values parsed once at the edge
//! (e-mail addresses, names, team kinds, languages, roles) in [`domain`]; the CSV import
//! in [`import`], with its reads and writes in bulk in [`bulk`]; the rules of
//! deactivation and team deletion every door shares in [`lifecycle`]; the audit-log rows
//! of every organisational change in [`audit`]; and the handlers in [`api`].

pub mod access;
pub mod api;
pub mod audit;
pub mod bulk;
pub mod domain;
pub mod erasure;
pub mod export;
pub mod import;
pub mod lifecycle;
pub mod model;
pub mod service;
pub mod store;
pub mod types;
