//! Access tokens: JWT HS256 with `iss`, `aud`, `sub`, `exp`, `iat`, `nbf`, `jti` and the
//! person's token version `ver` (bumped by a password change or deactivation, which
//! revokes every older token). A token also names its sign-in session (`sid`) and when
//! the person signed in (`auth_time`): the web pages renew a session's token as it ages,
//! keeping both, up to an absolute maximum session age. The algorithm is pinned: `none`, other algorithms, another
//! key, another audience or issuer, and expired or not-yet-valid tokens are refused.
//!
//! Also the one-time activation tokens HR hands to a new person, stored only as a hash.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::Digest;

use crate::error::ApiError;

pub const ISSUER: &str = "pulseline";
pub const AUDIENCE: &str = "pulseline-api";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    pub sub: String,
    pub exp: i64,
    pub iat: i64,
    pub nbf: i64,
    pub jti: String,
    pub ver: i32,
    /// The sign-in session this token belongs to (the first token's `jti`); absent in
    /// tokens from before sessions were renewed, which then are their own session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// When the person signed in (seconds since the epoch); absent means `iat`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_time: Option<i64>,
}

pub struct Tokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    ttl_secs: i64,
}

impl Tokens {
    pub fn new(secret: &[u8], ttl_secs: u64) -> Tokens {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iat", "nbf", "sub", "iss", "aud"]);
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.leeway = 5;
        Tokens {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            ttl_secs: ttl_secs.min(3600) as i64,
        }
    }

    pub fn ttl_secs(&self) -> i64 {
        self.ttl_secs
    }

    /// Signs a new token for `person_id` at token version `ver`: a new sign-in.
    pub fn issue(&self, person_id: &str, ver: i32) -> Result<String, ApiError> {
        self.sign(person_id, ver, None, i64::MAX).map(|(t, _)| t)
    }

    /// Signs the next token of a sign-in session: the same `sid` and `auth_time`, a new
    /// `jti`, and an expiry no later than `not_after`.
    pub fn renew(
        &self,
        person_id: &str,
        ver: i32,
        sid: &str,
        auth_time: i64,
        not_after: i64,
    ) -> Result<(String, Claims), ApiError> {
        self.sign(person_id, ver, Some((sid, auth_time)), not_after)
    }

    fn sign(
        &self,
        person_id: &str,
        ver: i32,
        session: Option<(&str, i64)>,
        not_after: i64,
    ) -> Result<(String, Claims), ApiError> {
        let now = crate::clock::unix_now();
        let jti = uuid::Uuid::new_v4().to_string();
        let (sid, auth_time) = match session {
            Some((sid, at)) => (sid.to_owned(), at),
            None => (jti.clone(), now),
        };
        let claims = Claims {
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            sub: person_id.into(),
            exp: (now + self.ttl_secs).min(not_after),
            iat: now,
            nbf: now,
            jti,
            ver,
            sid: Some(sid),
            auth_time: Some(auth_time),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map(|t| (t, claims))
            .map_err(|e| ApiError::Internal(e.into()))
    }

    /// Verifies signature, algorithm and every time and audience claim.
    pub fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|_| ApiError::Unauthorized)
    }
}

/// A new one-time activation token and the hash that is stored for it.
pub fn new_activation_token() -> (String, String) {
    use base64::Engine;
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let hash = activation_hash(&token);
    (token, hash)
}

/// Activation tokens are stored only as their SHA-256.
pub fn activation_hash(token: &str) -> String {
    hex::encode(sha2::Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"0123456789abcdef0123456789abcdef";

    #[test]
    fn a_signed_token_verifies_with_the_same_key() {
        let t = Tokens::new(KEY, 3600);
        let token = t.issue("person-1", 3).expect("sign");
        let claims = t.verify(&token).expect("verify");
        assert_eq!(claims.sub, "person-1");
        assert_eq!(claims.ver, 3);
        assert_eq!(claims.iss, ISSUER);
        assert!(claims.exp - claims.iat <= 3600);
    }

    #[test]
    fn a_token_from_another_key_is_refused() {
        let token = Tokens::new(KEY, 60).issue("p", 0).expect("sign");
        let other = Tokens::new(b"another-key-another-key-another-key", 60);
        assert!(other.verify(&token).is_err());
    }

    #[test]
    fn a_renewed_token_keeps_its_session_and_sign_in_time() {
        let t = Tokens::new(KEY, 3600);
        let first = t.verify(&t.issue("p", 2).expect("sign")).expect("verify");
        assert_eq!(first.sid.as_deref(), Some(first.jti.as_str()));
        let sid = first.sid.clone().expect("sid");
        let (token, claims) = t
            .renew("p", 2, &sid, first.iat - 100, first.iat + 60)
            .expect("renew");
        let again = t.verify(&token).expect("verify");
        assert_ne!(again.jti, first.jti);
        assert_eq!(again.sid.as_deref(), Some(sid.as_str()));
        assert_eq!(again.auth_time, Some(first.iat - 100));
        assert_eq!(again.exp, claims.exp);
        assert!(again.exp <= first.iat + 60, "capped by the session's end");
    }

    #[test]
    fn the_lifetime_is_capped_at_an_hour() {
        assert_eq!(Tokens::new(KEY, 86_400).ttl_secs(), 3600);
    }
}
