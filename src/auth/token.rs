//! Access tokens: JWT HS256 with `iss`, `aud`, `sub`, `exp`, `iat`, `nbf`, `jti` and the
//! person's token version `ver` (bumped by a password change or deactivation, which
//! revokes every older token). The algorithm is pinned: `none`, other algorithms, another
//! key, another audience or issuer, and expired or not-yet-valid tokens are refused.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

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

    /// Signs a new token for `person_id` at token version `ver`.
    pub fn issue(&self, person_id: &str, ver: i32) -> Result<String, ApiError> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            sub: person_id.into(),
            exp: now + self.ttl_secs,
            iat: now,
            nbf: now,
            jti: uuid::Uuid::new_v4().to_string(),
            ver,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| ApiError::Internal(e.into()))
    }

    /// Verifies signature, algorithm and every time and audience claim.
    pub fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|_| ApiError::Unauthorized)
    }
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
    fn the_lifetime_is_capped_at_an_hour() {
        assert_eq!(Tokens::new(KEY, 86_400).ttl_secs(), 3600);
    }
}
