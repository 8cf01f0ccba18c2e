//! Engagement reports: a round's report for a team (with its child teams and optionally
//! one segmentation cut), the teams × drivers heatmap, released comments and a survey's
//! trend, each as JSON or CSV with the same suppression.
//!
//! The shapes are in [`types`]; how a round's data and release plan become a report, and
//! the audit of every read and export, in [`service`] (who may read which team's report
//! is [`crate::org::access::team_report_readable_by`]); a closed round's responses, loaded
//! with the release plan the anonymity engine makes for them, in [`release`], and kept
//! planned in [`closed_rounds`] with the footprints later rounds' plans audit against
//! ([`footprint`], [`across_rounds`]) and each round's released groups recorded for good
//! ([`recorded_release`]); what the plan adds for small and homogeneous crowds
//! (single-valued groups, participation by invitees) in [`crowds`];
//! the driver impact and focus areas of a team in [`impact`], their statistics (pure) in
//! [`impact_stats`]; the scores (pure) in [`scores`]; the CSV renderings (pure) in [`csv`]; the append-only
//! audit log of report reads and exports in [`audit_log`]; the "results ready" messages
//! to the managers of the teams a closed round releases in [`results_ready`]; and the
//! handlers in [`api`].
//! There is no `store.rs`: [`release`] and [`audit_log`] run their own queries.

pub mod across_rounds;
pub mod api;
pub mod audit_log;
pub mod closed_rounds;
pub mod crowds;
pub mod csv;
pub mod footprint;
pub mod heatmap;
pub mod impact;
pub mod impact_release;
pub mod impact_stats;
pub mod recorded_release;
pub mod release;
pub mod results_ready;
pub mod scores;
pub mod service;
pub mod types;
pub mod views;
