//! Reaching people: the outbox of messages, the sender that delivers them by e-mail,
//! and personal answer links.
//!
//! [`queue`] writes messages in the transaction of the event that causes them (a new
//! person, a round that opens, a reminder), each under an idempotency key; [`store`]
//! holds the outbox queries, including the claim; [`sender`] is the background task
//! that claims due messages and sends them through [`mail`] (SMTP with `lettre`) in the
//! words of [`templates`] (English and Russian, text and HTML), or, to someone with a
//! phone number and no e-mail address, through [`sms`] (an HTTP gateway). [`service`] is the
//! admins' outbox and answering through a personal link; the handlers are in [`api`].

pub mod api;
pub mod mail;
pub mod model;
pub mod queue;
pub mod sender;
pub mod service;
pub mod sms;
pub mod store;
pub mod templates;
pub mod types;
