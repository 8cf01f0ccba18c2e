//! Passwords: the `Password` rule (12 to 128 characters) and argon2id hashing off the
//! async runtime, with a semaphore bounding how many hashes run at once so a login flood
//! cannot exhaust memory (each hash holds `m` KiB).

use std::sync::Arc;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::rngs::OsRng;
use tokio::sync::Semaphore;

use crate::error::ApiError;

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
                format!("must be at least {MIN_LEN} characters"),
            ));
        }
        if n > MAX_LEN {
            return Err(ApiError::invalid(
                field,
                format!("must be at most {MAX_LEN} characters"),
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

/// argon2id with configured cost, bounded concurrency, and a dummy hash verified for
/// unknown accounts so their timing matches a wrong password.
pub struct Hasher {
    params: Params,
    permits: Arc<Semaphore>,
    dummy: String,
}

impl Hasher {
    pub fn new(m_kib: u32, t: u32, p: u32, concurrency: usize) -> anyhow::Result<Hasher> {
        let params = Params::new(m_kib, t, p, None)
            .map_err(|e| anyhow::anyhow!("invalid argon2 parameters: {e}"))?;
        let mut hasher = Hasher {
            params,
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            dummy: String::new(),
        };
        hasher.dummy = hasher.hash_blocking("pulseline-dummy-password-for-timing")?;
        Ok(hasher)
    }

    fn argon(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    /// Hashes on the calling thread; for subcommands and startup.
    pub fn hash_blocking(&self, password: &str) -> anyhow::Result<String> {
        let salt = SaltString::generate(&mut OsRng);
        Ok(self
            .argon()
            .hash_password(password.as_bytes(), &salt)
            .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))?
            .to_string())
    }

    /// Hashes a password on the blocking pool, at most `concurrency` at once.
    pub async fn hash(self: &Arc<Self>, password: &Password) -> Result<String, ApiError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| ApiError::Internal(e.into()))?;
        let me = self.clone();
        let pw = password.0.clone();
        tokio::task::spawn_blocking(move || me.hash_blocking(&pw))
            .await
            .map_err(|e| ApiError::Internal(e.into()))?
            .map_err(ApiError::Internal)
    }

    /// Checks a password against a stored PHC string; with no stored hash, verifies
    /// against the dummy and answers false, taking the same time.
    pub async fn verify(
        self: &Arc<Self>,
        password: &str,
        stored: Option<String>,
    ) -> Result<bool, ApiError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| ApiError::Internal(e.into()))?;
        let me = self.clone();
        let pw = password.to_owned();
        tokio::task::spawn_blocking(move || {
            let known = stored.is_some();
            let phc = stored.unwrap_or_else(|| me.dummy.clone());
            let ok = match PasswordHash::new(&phc) {
                Ok(parsed) => me.argon().verify_password(pw.as_bytes(), &parsed).is_ok(),
                Err(_) => false,
            };
            known && ok
        })
        .await
        .map_err(|e| ApiError::Internal(e.into()))
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
