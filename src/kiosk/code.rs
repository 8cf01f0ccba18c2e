//! A kiosk code: 10 characters of Crockford's base32 (50 random bits), shown as
//! `XXXXX-XXXXX`; typed back in any case, with or without the dash, O read as 0 and I
//! or L as 1. Kept only as the SHA-256 of its normal form.

use rand::Rng;
use sha2::Digest;

/// The symbols of a code: digits and letters but I, L, O and U.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Characters in a code.
pub const LEN: usize = 10;

/// A new random code, in its normal form (show it with [`display`]).
pub fn generate() -> String {
    let mut rng = rand::rngs::OsRng;
    (0..LEN)
        .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
        .collect()
}

/// A code's normal form as printed and shown: `XXXXX-XXXXX`.
pub fn display(normal: &str) -> String {
    let (a, b) = normal.split_at(normal.len().min(LEN / 2));
    format!("{a}-{b}")
}

/// The normal form of a typed code, or `None` when it cannot be one.
pub fn normalise(typed: &str) -> Option<String> {
    let mut out = String::with_capacity(LEN);
    for c in typed.chars() {
        let c = match c.to_ascii_uppercase() {
            '-' | ' ' => continue,
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        };
        if !c.is_ascii() || !ALPHABET.contains(&(c as u8)) {
            return None;
        }
        out.push(c);
    }
    (out.len() == LEN).then_some(out)
}

/// What the database keeps of a code: the SHA-256 of its normal form, in hex.
pub fn hash(normal: &str) -> String {
    hex::encode(sha2::Sha256::digest(normal.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_reads_back_however_it_is_typed() {
        let c = display(&generate());
        assert_eq!(c.len(), LEN + 1);
        assert_eq!(c.as_bytes()[5], b'-');
        let normal = normalise(&c).expect("its own form");
        assert_eq!(normalise(&c.to_lowercase()), Some(normal.clone()));
        assert_eq!(normalise(&normal.replace('0', "o")), Some(normal.clone()));
        assert_eq!(normalise("abcde fghjk"), Some("ABCDEFGHJK".into()));
        assert_eq!(normalise("1LIi0-Oo000"), Some("1111000000".into()));
        for bad in ["", "ABCDE", "ABCDE-FGHJKM", "ABCDE-FGHJU", "ÄBCDE-FGHJK"] {
            assert_eq!(normalise(bad), None, "{bad}");
        }
        assert_ne!(generate(), generate());
        assert_eq!(hash("ABCDEFGHJK").len(), 64);
    }
}
