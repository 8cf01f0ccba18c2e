//! Action plans: what a team's manager or HR commits to doing about the results of the
//! pulses and the frontline's suggestions, shown to the team so that feedback is seen
//! to lead somewhere.
//!
//! An action belongs to a team, or to the whole organisation (HR only); it may answer a
//! driver, a suggestion theme or one suggestion; it has an owner, a due day, a status
//! ([`workflow`]) and dated updates. Who may do what is [`access`]; the shapes are in
//! [`types`], the rows in [`model`], the queries in [`store`]; the rules, the audit and
//! the messages each change queues are in [`service`]; the owners' reminders are the
//! daily [`reminders`] job; what the rounds before and after a done action show is
//! [`effect`], and what the customer ratings around it show [`cx_effect`]; the
//! handlers are in [`api`].

pub mod access;
pub mod api;
pub mod cx_effect;
pub mod effect;
pub mod model;
pub mod reminders;
pub mod service;
pub mod store;
pub mod types;
pub mod workflow;
