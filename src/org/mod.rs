//! The organisation: teams (a tree of `frontline` and `internal` teams), the people in
//! them with the attributes used for segmentation, team managers, and the service map
//! that says which frontline teams an internal team serves. Also the CSV import of
//! people.

pub mod access;
pub mod api;
pub mod domain;
pub mod import;
pub mod model;
pub mod service;
pub mod store;
pub mod types;
