//! Login throttling: failed attempts are counted per account and per client address in
//! a fixed window; once either count reaches its limit, logins for that key answer 429
//! with the seconds left in the window. Counting failures (not attempts) means a person
//! who types their password right is never slowed down by their own successes.
//!
//! The counters live in the process: with several replicas an attacker gets at most
//! `replicas × limit` tries per window, which keeps the bound while needing no shared
//! state for correctness.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Keys tracked before expired entries are swept, bounding memory under a flood of
/// distinct keys.
const SWEEP_AT: usize = 100_000;

struct Entry {
    failures: u32,
    window_start: Instant,
}

pub struct Throttle {
    window: Duration,
    per_account: u32,
    per_addr: u32,
    entries: Mutex<HashMap<String, Entry>>,
}

impl Throttle {
    pub fn new(window: Duration, per_account: u32, per_addr: u32) -> Throttle {
        Throttle {
            window,
            per_account,
            per_addr,
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn keys(account: &str, addr: &str) -> [(String, bool); 2] {
        [(format!("a:{account}"), true), (format!("i:{addr}"), false)]
    }

    /// Seconds to wait if this account or address is throttled now.
    pub fn retry_after(&self, account: &str, addr: &str) -> Option<u64> {
        let now = Instant::now();
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let mut wait: Option<u64> = None;
        for (key, is_account) in Self::keys(account, addr) {
            let limit = if is_account {
                self.per_account
            } else {
                self.per_addr
            };
            if let Some(e) = entries.get(&key) {
                let elapsed = now.duration_since(e.window_start);
                if elapsed < self.window && e.failures >= limit {
                    let left = (self.window - elapsed).as_secs().max(1);
                    wait = Some(wait.map_or(left, |w| w.max(left)));
                }
            }
        }
        wait
    }

    /// Records one failed attempt for the account and the address.
    pub fn failure(&self, account: &str, addr: &str) {
        let now = Instant::now();
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= SWEEP_AT {
            let window = self.window;
            entries.retain(|_, e| now.duration_since(e.window_start) < window);
        }
        for (key, _) in Self::keys(account, addr) {
            let e = entries.entry(key).or_insert(Entry {
                failures: 0,
                window_start: now,
            });
            if now.duration_since(e.window_start) >= self.window {
                e.failures = 0;
                e.window_start = now;
            }
            e.failures += 1;
        }
    }

    /// Clears the account's counter after a successful login.
    pub fn success(&self, account: &str) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.remove(&format!("a:{account}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_is_throttled_after_its_limit_of_failures() {
        let t = Throttle::new(Duration::from_secs(60), 3, 100);
        for _ in 0..2 {
            t.failure("a@x", "1.1.1.1");
        }
        assert_eq!(t.retry_after("a@x", "1.1.1.1"), None);
        t.failure("a@x", "1.1.1.1");
        let wait = t.retry_after("a@x", "2.2.2.2").expect("throttled");
        assert!((1..=60).contains(&wait));
        // Another account from the same address is not throttled by the account rule.
        assert_eq!(t.retry_after("b@x", "1.1.1.1"), None);
    }

    #[test]
    fn an_address_is_throttled_across_accounts() {
        let t = Throttle::new(Duration::from_secs(60), 100, 4);
        for i in 0..4 {
            t.failure(&format!("user{i}@x"), "9.9.9.9");
        }
        assert!(t.retry_after("fresh@x", "9.9.9.9").is_some());
        assert!(t.retry_after("fresh@x", "8.8.8.8").is_none());
    }

    #[test]
    fn a_success_clears_the_account_counter() {
        let t = Throttle::new(Duration::from_secs(60), 2, 100);
        t.failure("a@x", "1");
        t.success("a@x");
        t.failure("a@x", "1");
        assert_eq!(t.retry_after("a@x", "1"), None);
    }

    #[test]
    fn the_window_expires() {
        let t = Throttle::new(Duration::from_millis(20), 1, 100);
        t.failure("a@x", "1");
        assert!(t.retry_after("a@x", "1").is_some());
        std::thread::sleep(Duration::from_millis(30));
        assert!(t.retry_after("a@x", "1").is_none());
    }
}
