//! Anonymous two-way conversations: a manager or HR answers a pulse comment or an
//! anonymous suggestion, and its author reads and answers back with a code, never
//! named.
//!
//! - A respondent who allows replies gets a code ([`code`]) when they answer. Its hash is
//!   sealed in the ballot with the answers ([`crate::surveys::ballot`]); at the close
//!   each of the ballot's comments gets a conversation with a fresh random id
//!   ([`crate::surveys::materialise`]). Nothing joins the code to the participation row
//!   or to a sign-in: the code's hash is stored only beside the comment, inside the
//!   anonymous tables.
//! - An anonymous suggestion's follow-up code opens its conversation the same way.
//! - The rules (who may read and reply, the comment floor, closing) are in [`service`],
//!   the rows in [`model`] and their queries in [`store`], the shapes in [`types`] and
//!   the handlers in [`api`].

pub mod api;
pub mod code;
pub mod model;
pub mod service;
pub mod store;
pub mod types;
