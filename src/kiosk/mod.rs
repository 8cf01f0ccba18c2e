//! Kiosk codes: a way to answer a pulse for people no message can reach (neither an
//! e-mail address nor a phone number).
//!
//! HR, or a manager of the team, prints a sheet of one-time codes for a round and a
//! team — as many as the team's invitees without e-mail or phone ([`service::print`]),
//! each with a QR code of its answer page `{PUBLIC_URL}/k`. A code is refused once the
//! team's answers by code and in person reach that number, so nobody answers twice
//! (in person and by code) beyond it.
//! A code answers that round once, for that team: the sealed ballot carries the team
//! and no segment, the participation figures count it for the team, and nothing names
//! a person ([`crate::surveys::writer::Respondent::Code`]). Only a code's SHA-256 is
//! kept; printing a sheet is audited and replaces the team's unused codes. The sheet
//! says to hand codes out at random: a manager who gave a known code to a known person
//! could tell their answer from the others'. The handlers are with the other ways of
//! answering without a password, in [`crate::notify::api`].

pub mod code;
pub mod service;
pub mod store;
pub mod types;
