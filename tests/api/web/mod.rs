//! The web pages, page by page, against the real app and database: sessions in cookies,
//! CSRF on every form, role pages, answering a pulse with form posts, Russian pages. The
//! browser-like client is in `helpers::browser`.

mod account;
mod people;
mod pulses;
mod reports;
mod suggestions;
mod surveys;
