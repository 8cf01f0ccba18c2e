//! The EX–CX link: each team's engagement per period against the customer satisfaction
//! of that team (or, for an internal team, of the frontline teams it serves) in the same
//! or a later period, with honest statistics: Pearson with a Fisher-z interval, Spearman,
//! OLS with standard errors, a within-team analysis, a lag sweep, quadrants and plain
//! warnings.
//!
//! The shapes are in [`types`]; the analysis the API and the web page call — access,
//! the query's checks, then the statistics over the loaded inputs — in [`analysis`] (the
//! service); the reads in [`store`]; the statistics (pure) in [`stats`]; the scatter plot
//! as SVG (pure) in [`plot`]; and the handler in [`api`].

pub mod analysis;
pub mod api;
pub mod plot;
pub mod stats;
pub mod store;
pub mod types;
