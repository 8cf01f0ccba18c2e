//! The instance's one secret, and every key derived from it.
//!
//! The master key comes from `PULSELINE_MASTER_KEY` or the file `PULSELINE_MASTER_KEY_FILE`
//! names; on SQLite without either, one is generated on first start into a 0600 file beside
//! the database (see [`master_file_for`]) and start-up warns that a copy of that file
//! together with the database opens sealed ballots and links votes to voters. PostgreSQL
//! requires it, so replicas share it.
//!
//! Each use gets its own key by HKDF-SHA256 (RFC 5869) with a distinct label, so knowing
//! one derived key tells nothing of another: the token signing key (unless
//! `PULSELINE_JWT_SECRET` is set, which keeps working for tokens), the vote key, the web
//! forms' CSRF key, and one key per survey round for its sealed ballots
//! ([`crate::surveys::ballot`]).

use std::io::Write;
use std::path::{Path, PathBuf};

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hkdf::Hkdf;
use rand::RngCore;
use sha2::Sha256;

use crate::config::Config;
use crate::db::Backend;

/// Shortest master key accepted, in bytes.
pub const MIN_LEN: usize = 32;

const TOKENS: &[u8] = b"pulseline tokens v1";
const VOTES: &[u8] = b"pulseline votes v1";
const CSRF: &[u8] = b"pulseline csrf v1";
const ROUND: &[u8] = b"pulseline round ballots v1";
const OUTBOX: &[u8] = b"pulseline outbox secrets v1";
const PULSE_LINK: &[u8] = b"pulseline pulse links v1";
const HOOKS: &[u8] = b"pulseline webhook secrets v1";

/// The master key. Its bytes never leave this module except through HKDF.
pub struct MasterKey(Vec<u8>);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(***)")
    }
}

impl MasterKey {
    /// A key from its bytes (at least [`MIN_LEN`]).
    pub fn from_bytes(bytes: &[u8]) -> anyhow::Result<MasterKey> {
        if bytes.len() < MIN_LEN {
            anyhow::bail!("the master key must be at least {MIN_LEN} bytes long");
        }
        Ok(MasterKey(bytes.to_vec()))
    }

    fn derive(&self, label: &[u8], context: &[u8]) -> [u8; 32] {
        let hk = Hkdf::<Sha256>::new(Some(label), &self.0);
        let mut out = [0u8; 32];
        // 32 bytes is far below HKDF-SHA256's limit of 255 * 32: expand cannot fail.
        if hk.expand(context, &mut out).is_err() {
            unreachable!("HKDF output length is fixed and valid");
        }
        out
    }

    /// The HS256 key for access tokens when `PULSELINE_JWT_SECRET` is not set.
    pub fn token_key(&self) -> Vec<u8> {
        self.derive(TOKENS, b"").to_vec()
    }

    /// The key of the keyed hashes that record votes.
    pub fn vote_key(&self) -> Vec<u8> {
        self.derive(VOTES, b"").to_vec()
    }

    /// The key of the web forms' CSRF tokens.
    pub fn csrf_key(&self) -> Vec<u8> {
        self.derive(CSRF, b"").to_vec()
    }

    /// The key that seals the secrets a queued message carries (an activation token).
    pub fn outbox_key(&self) -> [u8; 32] {
        self.derive(OUTBOX, b"")
    }

    /// The key that seals the signing secrets of outgoing webhooks.
    pub fn hook_key(&self) -> [u8; 32] {
        self.derive(HOOKS, b"")
    }

    /// The 256 bits of person `person_id`'s personal answer link to round `round_id`:
    /// unpredictable without the master key, so the database keeps only their SHA-256
    /// and the sender derives the link again when it writes the message.
    pub fn pulse_link_bytes(&self, round_id: &str, person_id: &str) -> [u8; 32] {
        let context = format!("{round_id}\n{person_id}");
        self.derive(PULSE_LINK, context.as_bytes())
    }

    /// The key that seals and opens the ballots of round `round_id`.
    pub fn round_key(&self, round_id: &str) -> [u8; 32] {
        self.derive(ROUND, round_id.as_bytes())
    }
}

/// The nonce that starts a value [`seal`] sealed, in bytes.
pub const NONCE_LEN: usize = 24;

/// Seals `msg` under a derived `key`, bound to `aad` (XChaCha20-Poly1305): a fresh random
/// nonce, then the ciphertext with its tag. `None` only if the cipher refuses the message.
pub fn seal(key: &[u8; 32], aad: &[u8], msg: &[u8]) -> Option<Vec<u8>> {
    let mut nonce = [0u8; NONCE_LEN];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    let sealed = XChaCha20Poly1305::new(key.into())
        .encrypt(&XNonce::from(nonce), Payload { msg, aad })
        .ok()?;
    let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&sealed);
    Some(out)
}

/// Opens what [`seal`] sealed: `None` when it is too short, was sealed under another key
/// or for another `aad`, or has any byte altered.
pub fn open(key: &[u8; 32], aad: &[u8], sealed: &[u8]) -> Option<Vec<u8>> {
    if sealed.len() < NONCE_LEN {
        return None;
    }
    let (nonce, ct) = sealed.split_at(NONCE_LEN);
    let nonce: [u8; NONCE_LEN] = nonce.try_into().ok()?;
    XChaCha20Poly1305::new(key.into())
        .decrypt(&XNonce::from(nonce), Payload { msg: ct, aad })
        .ok()
}

/// Where the generated master key is kept for a SQLite database.
pub fn master_file_for(sqlite_path: &str) -> PathBuf {
    PathBuf::from(format!("{sqlite_path}.master-key"))
}

/// The master key from the configuration, or (SQLite only) from the generated file.
pub fn resolve(config: &Config) -> anyhow::Result<MasterKey> {
    if let Some(k) = &config.master_key {
        return MasterKey::from_bytes(k.expose().trim().as_bytes())
            .map_err(|e| anyhow::anyhow!("PULSELINE_MASTER_KEY: {e}"));
    }
    if let Some(file) = &config.master_key_file {
        let bytes = std::fs::read(file)
            .map_err(|e| anyhow::anyhow!("PULSELINE_MASTER_KEY_FILE {}: {e}", file.display()))?;
        return MasterKey::from_bytes(bytes.trim_ascii())
            .map_err(|e| anyhow::anyhow!("PULSELINE_MASTER_KEY_FILE {}: {e}", file.display()));
    }
    let (backend, path) = Backend::from_url(&config.database_url);
    if backend == Backend::Postgres {
        anyhow::bail!(
            "PULSELINE_MASTER_KEY or PULSELINE_MASTER_KEY_FILE is required with PostgreSQL \
             (replicas must share one key)"
        );
    }
    let file = master_file_for(&path);
    let (key, created) = load_or_create(&file)?;
    if created {
        tracing::info!(file = %file.display(), "generated a new master key");
    }
    tracing::warn!(
        "the master key is kept in {} beside the database: anyone with a copy of both can \
         open sealed ballots and link votes to voters; move it elsewhere and set \
         PULSELINE_MASTER_KEY_FILE to its new path",
        file.display()
    );
    Ok(key)
}

fn load_or_create(path: &Path) -> anyhow::Result<(MasterKey, bool)> {
    use std::os::unix::fs::OpenOptionsExt;
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(mut f) => {
            use base64::Engine;
            use rand::RngCore;
            let mut bytes = [0u8; 48];
            rand::rngs::OsRng.fill_bytes(&mut bytes);
            let key = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
            f.write_all(key.as_bytes())?;
            f.sync_all()?;
            Ok((MasterKey::from_bytes(key.as_bytes())?, true))
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let bytes = std::fs::read(path)?;
            let key = MasterKey::from_bytes(bytes.trim_ascii())
                .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            Ok((key, false))
        }
        Err(e) => Err(anyhow::anyhow!("cannot create {}: {e}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_keys_differ_by_purpose_and_round() {
        let k = MasterKey::from_bytes(&[7u8; 32]).expect("key");
        let keys = [
            k.token_key(),
            k.vote_key(),
            k.csrf_key(),
            k.round_key("a").to_vec(),
            k.round_key("b").to_vec(),
        ];
        for i in 0..keys.len() {
            for j in i + 1..keys.len() {
                assert_ne!(keys[i], keys[j], "keys {i} and {j} are equal");
            }
        }
        // The same master key derives the same keys (replicas agree).
        let again = MasterKey::from_bytes(&[7u8; 32]).expect("key");
        assert_eq!(again.round_key("a"), k.round_key("a"));
        assert_ne!(
            MasterKey::from_bytes(&[8u8; 32]).expect("key").vote_key(),
            k.vote_key()
        );
    }

    #[test]
    fn hkdf_matches_the_rfc_5869_test_vector() {
        // RFC 5869, appendix A.1 (HKDF-SHA256, basic test case), first 32 bytes of OKM.
        let ikm = [0x0bu8; 22];
        let salt: Vec<u8> = (0x00u8..=0x0c).collect();
        let info: Vec<u8> = (0xf0u8..=0xf9).collect();
        let hk = Hkdf::<Sha256>::new(Some(&salt), &ikm);
        let mut okm = [0u8; 42];
        hk.expand(&info, &mut okm).expect("expand");
        let hex: String = okm.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"
        );
    }

    #[test]
    fn a_short_key_is_refused() {
        assert!(MasterKey::from_bytes(&[1u8; 31]).is_err());
        assert!(
            format!("{:?}", MasterKey::from_bytes(&[1u8; 32]).expect("key")) == "MasterKey(***)"
        );
    }
}
