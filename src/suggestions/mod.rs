//! Frontline insights: suggestions about customer pain points raised by any employee
//! (anonymous or signed), votes that cannot be cast twice yet record nobody, a status
//! workflow in which managers close the loop with a visible reply, and the manager view
//! with themes, touchpoints and loop-closure figures.
//!
//! The shapes are in [`types`] and the rows in [`model`]; the rules, orchestration and
//! queries the API and the web pages call in [`service`]; the pure parts in [`workflow`]
//! (statuses, transitions, loop-closure figures), [`themes`] (what a period's suggestions
//! are about, in English and Russian) and [`insights`] (the manager view and its CSV); and
//! the handlers in [`api`]. Where an anonymous suggestion is filed and counted — the team
//! whose possible-author catchment holds k — is [`catchment`].

pub mod api;
pub mod catchment;
pub mod insights;
pub mod model;
pub mod service;
pub mod themes;
pub mod types;
pub mod workflow;
