//! Outgoing webhooks and chat channels: events leave pulseline as signed HTTP requests
//! (Standard Webhooks) to integrations, and as "a pulse is open" and "results are
//! ready" messages to Slack and Microsoft Teams channels.
//!
//! [`queue`] writes one delivery per event and subscribed hook in the transaction of
//! the event, under an idempotency key naming both; [`store`] holds the queries,
//! including the claim; [`sender`] is the background task that claims due deliveries
//! and sends them, with the e-mail sender's bounded retries and backoff; [`sign`]
//! signs a webhook's body and [`chat`] writes a channel's message. [`service`] is what
//! admins configure and read; the handlers are in [`api`].

pub mod api;
pub mod chat;
pub mod model;
pub mod queue;
pub mod sender;
pub mod service;
pub mod sign;
pub mod store;
pub mod types;
