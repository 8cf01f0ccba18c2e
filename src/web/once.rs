//! Forms that create something are sent at most once: each carries a hidden random key
//! ([`once_field`]), and a second POST with the same key (a reload, a double click, the
//! back button and "send again") creates nothing new but leads to the first result.
//! Together with post/redirect/get (every create answers with a 303), reloading the page
//! after a create is a harmless GET.
//!
//! Why this cannot link an anonymous suggestion to its author: the keys live only in
//! this process's memory, for [`KEEP`] at most, and are never written to the database
//! nor logged. An entry is named by a SHA-256 of the form's purpose, the sign-in's
//! session id and the form's random key — the key itself is not kept, so without it the
//! name cannot be tested against anyone's session — and it holds only where the first
//! POST led (for an anonymous suggestion: its follow-up code, which the author already
//! has). Nothing is added to the suggestion's row. A restart forgets every key, which
//! only means a resubmission after it is treated as new.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};

use maud::{Markup, html};
use poem::Response;
use sha2::{Digest, Sha256};

use crate::web::respond::Form;

/// The hidden field that carries a form's key.
pub const KEY_FIELD: &str = "once";

/// How long a key is remembered.
pub const KEEP: Duration = Duration::from_secs(15 * 60);

/// What the first POST with a key led to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Done {
    /// Where the first POST redirected.
    pub location: String,
    /// A value shown once on the page the POST leads to (an anonymous suggestion's
    /// follow-up code), for the same sign-in only.
    pub secret: Option<String>,
}

type Cell = Arc<tokio::sync::Mutex<Option<Done>>>;

/// The keys remembered: by name, when first used and what their first POST did.
type Slots = HashMap<[u8; 32], (Instant, Cell)>;

static SLOTS: LazyLock<Mutex<Slots>> = LazyLock::new(|| Mutex::new(HashMap::new()));

/// The hidden key field of a form: the submitted key when the form comes back with
/// errors, else a fresh random one.
pub fn once_field(form: &Form) -> Markup {
    let key = match form.get(KEY_FIELD) {
        Some(k) if valid_key(k) => k.to_owned(),
        _ => uuid::Uuid::new_v4().simple().to_string(),
    };
    html! { input type="hidden" name=(KEY_FIELD) value=(key); }
}

/// Whether `key` looks like one [`key_field`] makes (32 lowercase hex digits).
pub fn valid_key(key: &str) -> bool {
    key.len() == 32
        && key
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn name(purpose: &str, session: &str, key: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    for part in [purpose, session, key] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    h.finalize().into()
}

/// The cell of a key, made on first use when `make`; forgets keys older than [`KEEP`].
fn cell(purpose: &str, session: &str, key: &str, make: bool) -> Option<Cell> {
    let name = name(purpose, session, key);
    let now = Instant::now();
    let mut slots = SLOTS.lock().unwrap_or_else(|p| p.into_inner());
    slots.retain(|_, (at, _)| now.duration_since(*at) < KEEP);
    if let Some((_, c)) = slots.get(&name) {
        return Some(c.clone());
    }
    make.then(|| {
        let c = Cell::default();
        slots.insert(name, (now, c.clone()));
        c
    })
}

/// Runs `act` (which creates something and says where to go next) at most once per key
/// in `form` for this `session` and `purpose`; `answer` turns the outcome and the key
/// into the response, for the first POST and for any repeat alike. A form without a
/// valid key (a page rendered before keys existed) gets a fresh one: it is acted on as
/// before, and the page it leads to can still find its outcome. While a first POST is
/// still running, a repeat waits for it.
pub async fn at_most_once<Fut>(
    purpose: &str,
    session: &str,
    form: &Form,
    act: impl FnOnce() -> Fut,
    answer: impl Fn(&Done, &str) -> Response,
) -> Response
where
    Fut: Future<Output = Result<Done, Response>>,
{
    let key = match form.get(KEY_FIELD) {
        Some(k) if valid_key(k) => k.to_owned(),
        _ => uuid::Uuid::new_v4().simple().to_string(),
    };
    let cell = cell(purpose, session, &key, true).unwrap_or_default();
    let mut slot = cell.lock().await;
    if let Some(done) = slot.as_ref() {
        return answer(done, &key);
    }
    match act().await {
        Ok(done) => {
            let r = answer(&done, &key);
            *slot = Some(done);
            r
        }
        // A refused form (a missing field) may be corrected and sent with the same key.
        Err(r) => r,
    }
}

/// What the first POST with `key` led to, for the page it redirected to; `None` when the
/// key is unknown, forgotten, of another sign-in, or still being acted on.
pub fn done(purpose: &str, session: &str, key: &str) -> Option<Done> {
    if !valid_key(key) {
        return None;
    }
    let cell = cell(purpose, session, key, false)?;
    let slot = cell.try_lock().ok()?;
    slot.clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_kept_per_purpose_and_session() {
        let k = "0123456789abcdef0123456789abcdef";
        assert!(valid_key(k));
        assert!(!valid_key("0123"));
        assert!(!valid_key("0123456789ABCDEF0123456789ABCDEF"));
        assert_ne!(name("a", "s1", k), name("a", "s2", k));
        assert_ne!(name("a", "s1", k), name("b", "s1", k));
        assert_ne!(name("ab", "c", k), name("a", "bc", k));
    }
}
