//! Passwords: the `Password` rule (12 to 128 characters) and argon2id hashing off the
//! async runtime, on a fixed set of hashing threads that each reuse one argon2 memory
//! area, so that a login flood can neither run more than `concurrency` hashes at once
//! nor make the process grow.
//!
//! Each hash needs `m` KiB (19 MiB by default). Allocating that afresh for every hash on
//! tokio's blocking pool, even behind a semaphore, let the C allocator's heap fragment:
//! small allocations settled in the freed areas, each new 19 MiB block needed fresh
//! memory, and a ten-second flood of 32 clients left the server at 400–600 MB resident.
//! A hashing thread now allocates its area on its first hash and keeps it.

use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, mpsc};

use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use rand::rngs::OsRng;

use crate::error::{ApiError, Msg};

pub const MIN_LEN: usize = 12;
pub const MAX_LEN: usize = 128;

/// A password that satisfies the length rule. Never printed.
pub struct Password(String);

impl Password {
    /// Accepts 12 to 128 characters (Unicode scalar values); `field` names the input.
    pub fn parse(raw: &str, field: &str) -> Result<Password, ApiError> {
        let n = raw.chars().count();
        if n < MIN_LEN {
            return Err(ApiError::invalid(
                field,
                Msg::new("must be at least {n} characters").arg("n", MIN_LEN),
            ));
        }
        if n > MAX_LEN {
            return Err(ApiError::invalid(
                field,
                Msg::new("must be at most {n} characters").arg("n", MAX_LEN),
            ));
        }
        Ok(Password(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

/// A hashing thread's argon2 memory, grown on demand and reused for every hash.
pub type Memory = Vec<Block>;

type Job = Box<dyn FnOnce(&mut Memory) + Send>;

/// argon2id with configured cost on `concurrency` dedicated threads, and a dummy hash
/// verified for unknown accounts so their timing matches a wrong password.
pub struct Hasher {
    params: Params,
    jobs: mpsc::Sender<Job>,
    dummy: String,
}

impl Hasher {
    /// Starts `concurrency` hashing threads; they end when the hasher is dropped.
    pub fn new(m_kib: u32, t: u32, p: u32, concurrency: usize) -> anyhow::Result<Hasher> {
        let params = Params::new(m_kib, t, p, None)
            .map_err(|e| anyhow::anyhow!("invalid argon2 parameters: {e}"))?;
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for i in 0..concurrency.max(1) {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("pulseline-hash-{i}"))
                .spawn(move || serve_jobs(&queue))?;
        }
        let mut hasher = Hasher {
            params,
            jobs,
            dummy: String::new(),
        };
        hasher.dummy = hasher.hash_blocking("pulseline-dummy-password-for-timing")?;
        Ok(hasher)
    }

    /// Hashes on the calling thread with memory of its own (freed after); for
    /// subcommands and startup.
    pub fn hash_blocking(&self, password: &str) -> anyhow::Result<String> {
        self.hash_with(&mut Memory::new(), password)
    }

    /// Hashes into a PHC string, using (and if needed growing) `memory`.
    fn hash_with(&self, memory: &mut Memory, password: &str) -> anyhow::Result<String> {
        let salt = SaltString::generate(&mut OsRng);
        let mut salt_bytes = [0u8; 64];
        let salt_bytes = salt
            .as_salt()
            .decode_b64(&mut salt_bytes)
            .map_err(|e| anyhow::anyhow!("salt: {e}"))?;
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone());
        let len = self
            .params
            .output_len()
            .unwrap_or(Params::DEFAULT_OUTPUT_LEN);
        let hash = Output::init_with(len, |out| {
            argon
                .hash_password_into_with_memory(
                    password.as_bytes(),
                    salt_bytes,
                    out,
                    area(memory, &self.params),
                )
                .map_err(|_| argon2::password_hash::Error::Crypto)
        })
        .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))?;
        let phc = PasswordHash {
            algorithm: Algorithm::Argon2id.ident(),
            version: Some(Version::V0x13.into()),
            params: ParamsString::try_from(&self.params)
                .map_err(|e| anyhow::anyhow!("argon2 parameters: {e}"))?,
            salt: Some(salt.as_salt()),
            hash: Some(hash),
        };
        Ok(phc.to_string())
    }

    /// Whether `password` matches the PHC string `phc`, with that string's own
    /// algorithm, version and cost; compares in constant time.
    fn verify_with(memory: &mut Memory, password: &str, phc: &str) -> bool {
        let Ok(parsed) = PasswordHash::new(phc) else {
            return false;
        };
        let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
            return false;
        };
        let (Ok(algorithm), Ok(params)) = (
            Algorithm::try_from(parsed.algorithm),
            Params::try_from(&parsed),
        ) else {
            return false;
        };
        let version = match parsed.version {
            None => Version::default(),
            Some(v) => match Version::try_from(v) {
                Ok(v) => v,
                Err(_) => return false,
            },
        };
        let mut salt_bytes = [0u8; 64];
        let Ok(salt_bytes) = salt.decode_b64(&mut salt_bytes) else {
            return false;
        };
        let argon = Argon2::new(algorithm, version, params.clone());
        let computed = Output::init_with(expected.len(), |out| {
            argon
                .hash_password_into_with_memory(
                    password.as_bytes(),
                    salt_bytes,
                    out,
                    area(memory, &params),
                )
                .map_err(|_| argon2::password_hash::Error::Crypto)
        });
        computed.is_ok_and(|c| c == expected)
    }

    /// Runs `f` on a hashing thread (queued while all of them are busy).
    async fn on_hashing_thread<T, F>(self: &Arc<Self>, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Hasher, &mut Memory) -> T + Send + 'static,
    {
        let (done, answer) = tokio::sync::oneshot::channel();
        let me = self.clone();
        self.jobs
            .send(Box::new(move |memory: &mut Memory| {
                let _ = done.send(f(&me, memory));
            }))
            .map_err(|_| ApiError::Unavailable("the password hashers have stopped".into()))?;
        answer
            .await
            .map_err(|_| ApiError::Internal(anyhow::anyhow!("a password hash failed")))
    }

    /// Hashes a password on a hashing thread.
    pub async fn hash(self: &Arc<Self>, password: &Password) -> Result<String, ApiError> {
        let pw = password.0.clone();
        self.on_hashing_thread(move |me, memory| me.hash_with(memory, &pw))
            .await?
            .map_err(ApiError::Internal)
    }

    /// Checks a password against a stored PHC string; with no stored hash, verifies
    /// against the dummy and answers false, taking the same time.
    pub async fn verify(
        self: &Arc<Self>,
        password: &str,
        stored: Option<String>,
    ) -> Result<bool, ApiError> {
        let pw = password.to_owned();
        self.on_hashing_thread(move |me, memory| {
            let known = stored.is_some();
            let phc = stored.as_deref().unwrap_or(&me.dummy);
            let ok = Hasher::verify_with(memory, &pw, phc);
            known && ok
        })
        .await
    }
}

/// The first `params.block_count()` blocks of `memory`, growing it if it is smaller.
fn area<'m>(memory: &'m mut Memory, params: &Params) -> &'m mut [Block] {
    let blocks = params.block_count();
    if memory.len() < blocks {
        memory.resize(blocks, Block::new());
    }
    &mut memory[..blocks]
}

/// A hashing thread: takes the next job until the hasher is dropped, always with the
/// same memory. A job that panics fails alone (its caller gets an error) and the thread
/// carries on.
fn serve_jobs(queue: &Mutex<mpsc::Receiver<Job>>) {
    let mut memory = Memory::new();
    loop {
        let next = match queue.lock() {
            Ok(q) => q.recv(),
            Err(_) => return,
        };
        let Ok(job) = next else { return };
        let _ = std::panic::catch_unwind(AssertUnwindSafe(|| job(&mut memory)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_of_11_chars_is_rejected() {
        assert!(Password::parse("abcdefghijk", "password").is_err());
        assert!(Password::parse("abcdefghijkl", "password").is_ok());
    }

    #[test]
    fn a_password_of_129_chars_is_rejected() {
        assert!(Password::parse(&"x".repeat(129), "password").is_err());
        assert!(Password::parse(&"x".repeat(128), "password").is_ok());
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        // 12 Cyrillic letters are 24 bytes but 12 characters.
        assert!(Password::parse("пароль-длинн", "password").is_ok());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn hashing_runs_on_the_fixed_threads_at_most_concurrency_at_once() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let h = Arc::new(Hasher::new(64, 1, 1, 2).expect("params"));
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let jobs: Vec<_> = (0..24)
            .map(|_| {
                let (h, running, most) = (h.clone(), running.clone(), most.clone());
                tokio::spawn(async move {
                    h.on_hashing_thread(move |_, _| {
                        let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        std::thread::sleep(std::time::Duration::from_millis(5));
                        running.fetch_sub(1, Ordering::SeqCst);
                        std::thread::current().name().map(str::to_owned)
                    })
                    .await
                })
            })
            .collect();
        let mut names = std::collections::BTreeSet::new();
        for j in jobs {
            names.insert(j.await.expect("task").expect("job").unwrap_or_default());
        }
        assert!(
            names
                .iter()
                .all(|n| n == "pulseline-hash-0" || n == "pulseline-hash-1"),
            "{names:?}"
        );
        assert_eq!(most.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn hashes_agree_with_the_argon2_reference_both_ways() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let h = Arc::new(Hasher::new(256, 2, 1, 1).expect("params"));
        let pw = Password::parse("correct horse battery", "password").expect("valid");
        let ours = h.hash(&pw).await.expect("hash");
        let parsed = PasswordHash::new(&ours).expect("a PHC string");
        assert!(
            Argon2::default()
                .verify_password(pw.expose().as_bytes(), &parsed)
                .is_ok()
        );
        // A hash made by the reference implementation, with other costs than ours.
        let salt = SaltString::generate(&mut OsRng);
        let theirs = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(512, 1, 2, None).expect("params"),
        )
        .hash_password(pw.expose().as_bytes(), &salt)
        .expect("reference hash")
        .to_string();
        assert!(
            h.verify(pw.expose(), Some(theirs.clone()))
                .await
                .expect("verify")
        );
        assert!(
            !h.verify("wrong horse battery", Some(theirs))
                .await
                .expect("verify")
        );
        assert!(
            !h.verify(pw.expose(), Some("$argon2id$garbage".into()))
                .await
                .expect("verify")
        );
    }

    #[tokio::test]
    async fn a_panicking_job_fails_alone_and_the_thread_carries_on() {
        let h = Arc::new(Hasher::new(64, 1, 1, 1).expect("params"));
        let failed = h.on_hashing_thread(|_, _| -> u8 { panic!("boom") }).await;
        assert!(failed.is_err());
        let pw = Password::parse("correct horse battery", "password").expect("valid");
        let phc = h
            .hash(&pw)
            .await
            .expect("the only hashing thread still works");
        assert!(h.verify(pw.expose(), Some(phc)).await.expect("verify"));
    }

    #[tokio::test]
    async fn a_hash_verifies_only_its_own_password() {
        let h = Arc::new(Hasher::new(64, 1, 1, 2).expect("params"));
        let pw = Password::parse("correct horse battery", "password").expect("valid");
        let phc = h.hash(&pw).await.expect("hash");
        assert!(phc.starts_with("$argon2id$v=19$m=64,t=1,p=1$"));
        assert!(
            h.verify("correct horse battery", Some(phc.clone()))
                .await
                .expect("verify")
        );
        assert!(
            !h.verify("wrong horse battery", Some(phc))
                .await
                .expect("verify")
        );
        assert!(!h.verify("anything at all!", None).await.expect("verify"));
    }
}
