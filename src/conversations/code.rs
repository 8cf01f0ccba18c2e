//! Conversation codes: what an author holds to read and answer the replies to their
//! comment. A code is 20 symbols of Crockford's base32 (100 random bits from the
//! operating system's CSPRNG), shown in five groups of four. It is typed back in any
//! case, with or without the dashes or spaces, and with `O` for zero or `I`/`L` for one.
//! Only its SHA-256 is ever stored (sealed in the ballot while the round is open, then
//! beside the comment); the code itself is shown once and kept by its author.

use rand::RngCore;
use sha2::{Digest, Sha256};

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Symbols in a code: 20 × 5 = 100 bits.
pub const SYMBOLS: usize = 20;
const GROUP: usize = 4;

/// A fresh code, grouped for reading (`XXXX-XXXX-XXXX-XXXX-XXXX`).
pub fn generate() -> String {
    let mut bytes = [0u8; SYMBOLS];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let symbols: Vec<char> = bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(b & 31)]))
        .collect();
    symbols
        .chunks(GROUP)
        .map(|g| g.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// The code's canonical symbols, or `None` when `typed` is not a code: 20 symbols of the
/// alphabet once separators are dropped, the case folded and look-alikes mapped.
pub fn normalise(typed: &str) -> Option<String> {
    let mut out = String::with_capacity(SYMBOLS);
    for c in typed.chars() {
        if c == '-' || c.is_whitespace() {
            continue;
        }
        let c = match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        };
        if !c.is_ascii() || !ALPHABET.contains(&(c as u8)) || out.len() == SYMBOLS {
            return None;
        }
        out.push(c);
    }
    (out.len() == SYMBOLS).then_some(out)
}

/// The SHA-256 of a code's canonical symbols, or `None` when `typed` is not a code.
pub fn hash(typed: &str) -> Option<[u8; 32]> {
    normalise(typed).map(|c| Sha256::digest(c.as_bytes()).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_has_five_groups_of_four_and_reads_back_however_it_is_typed() {
        let code = generate();
        let groups: Vec<&str> = code.split('-').collect();
        assert_eq!(groups.len(), 5);
        assert!(groups.iter().all(|g| g.len() == 4));
        let plain = code.replace('-', "");
        assert_eq!(normalise(&code).as_deref(), Some(plain.as_str()));
        assert_eq!(
            normalise(&code.to_lowercase()).as_deref(),
            Some(plain.as_str())
        );
        assert_eq!(
            normalise(&format!("  {}  ", code.replace('-', " "))),
            Some(plain.clone())
        );
        assert_eq!(hash(&code), hash(&code.to_lowercase()));
        assert_ne!(generate(), code);
    }

    #[test]
    fn look_alikes_read_as_digits_and_anything_else_is_not_a_code() {
        assert_eq!(
            normalise("oooo-iiii-llll-0000-1111").as_deref(),
            Some("00001111111100001111")
        );
        assert_eq!(normalise("ABCD-EFGH-JKMN-PQRS-TVW"), None, "19 symbols");
        assert_eq!(normalise("ABCD-EFGH-JKMN-PQRS-TVWXY"), None, "21 symbols");
        assert_eq!(
            normalise("ABCD-EFGH-JKMN-PQRS-TVWU"),
            None,
            "U is not in the alphabet"
        );
        assert_eq!(normalise("ABCD-EFGH-JKMN-PQRS-TVWЖ"), None);
        assert_eq!(hash(""), None);
    }

    #[test]
    fn every_symbol_of_the_alphabet_is_drawn() {
        let mut seen = std::collections::HashSet::new();
        for _ in 0..200 {
            seen.extend(generate().chars().filter(|c| *c != '-'));
        }
        assert_eq!(seen.len(), 32);
    }
}
