//! Frontline insights: suggestions about customer pain points raised by any employee
//! (anonymous or signed), votes that cannot be cast twice yet record nobody, a status
//! workflow in which managers close the loop with a visible reply, and the manager view
//! with themes, touchpoints and loop-closure figures.

pub mod api;
pub mod insights;
pub mod model;
pub mod themes;
pub mod workflow;
