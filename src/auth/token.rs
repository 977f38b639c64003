//! Random bearer secrets: API tokens that other systems send as
//! `Authorization: Bearer hth_…`, and the values behind session and CSRF
//! cookies.
//!
//! A token is a prefix followed by 32 bytes (256 bits) from the operating
//! system's random number generator, written as 43 characters of unpadded
//! base64url. Only [`digest`] of a token is ever stored: a leaked store does
//! not hand out working tokens, and because the token itself has 256 bits of
//! entropy a plain SHA-256 is enough (no salt or slow hash needed). Looking a
//! token up by its digest also means no secret is compared byte by byte.
//!
//! The prefix lets people and secret scanners recognize a Hearth token in a
//! log or a commit, and lets [`looks_like`] refuse obvious garbage before any
//! store lookup.

use sha2::{Digest, Sha256};

/// The prefix of API tokens given to other systems.
pub const API_PREFIX: &str = "hth_";

/// How many random bytes a token carries.
pub const RANDOM_BYTES: usize = 32;

/// How many base64url characters follow the prefix (32 bytes, unpadded).
pub const ENCODED_CHARS: usize = 43;

/// Why a token could not be made.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// The operating system's random number generator failed.
    #[error(
        "The system's random number generator failed ({0}); try again, and check the \
         host's entropy source if it keeps failing."
    )]
    Random(#[from] getrandom::Error),
    /// The prefix has characters that would need escaping in a header or cookie.
    #[error(
        "The token prefix {0:?} may only use ASCII letters, digits and '_' (at most 16); \
         choose one like \"hth_\"."
    )]
    BadPrefix(String),
}

/// Generates a new token: `prefix` followed by 43 base64url characters
/// encoding 32 random bytes, e.g. `hth_q3JX…`.
///
/// The prefix may be empty; otherwise it must be at most 16 ASCII letters,
/// digits or underscores.
pub fn generate(prefix: &str) -> Result<String, TokenError> {
    if !prefix_is_valid(prefix) {
        return Err(TokenError::BadPrefix(prefix.to_owned()));
    }
    let bytes = random::<RANDOM_BYTES>()?;
    let mut token = String::with_capacity(prefix.len() + ENCODED_CHARS);
    token.push_str(prefix);
    token.push_str(&base64url(&bytes));
    Ok(token)
}

/// The SHA-256 of a token as 64 lower-case hex digits: the only form in which
/// a token (or session id) is stored and looked up.
pub fn digest(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// Whether `token` has the shape of a token made by [`generate`] with this
/// prefix: the prefix, then exactly 43 base64url characters.
///
/// This says nothing about whether the token is valid; it lets a handler
/// refuse malformed input before it touches the store.
pub fn looks_like(token: &str, prefix: &str) -> bool {
    token.strip_prefix(prefix).is_some_and(|rest| {
        rest.len() == ENCODED_CHARS
            && rest
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    })
}

/// `N` bytes from the operating system's random number generator.
pub(crate) fn random<const N: usize>() -> Result<[u8; N], getrandom::Error> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes)?;
    Ok(bytes)
}

/// Unpadded base64url (RFC 4648 §5): safe in URLs, headers and cookies as is.
pub(crate) fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let symbol = |index: u32| char::from(ALPHABET[(index & 63) as usize]);
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        // A chunk of k bytes needs k + 1 symbols; the rest would be padding.
        for i in 0..=chunk.len() {
            out.push(symbol(n >> (18 - 6 * i)));
        }
    }
    out
}

/// Lower-case hexadecimal of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out
}

fn prefix_is_valid(prefix: &str) -> bool {
    prefix.len() <= 16
        && prefix
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn tokens_have_the_prefix_and_43_base64url_chars() {
        let token = generate(API_PREFIX).unwrap();
        assert!(token.starts_with("hth_"), "{token}");
        assert_eq!(token.len(), 4 + 43);
        assert!(looks_like(&token, API_PREFIX));
        assert!(looks_like(&generate("").unwrap(), ""));
    }

    #[test]
    fn tokens_are_unique() {
        let tokens: HashSet<String> = (0..1000).map(|_| generate("t_").unwrap()).collect();
        assert_eq!(tokens.len(), 1000);
    }

    #[test]
    fn bad_prefixes_are_refused() {
        for prefix in ["a b", "x;", "é_", "a_very_long_prefix_"] {
            assert!(
                matches!(generate(prefix), Err(TokenError::BadPrefix(_))),
                "{prefix}"
            );
        }
    }

    #[test]
    fn digest_is_stable_sha256_hex() {
        // SHA-256("abc") from FIPS 180-2, appendix B.1.
        assert_eq!(
            digest("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let token = generate(API_PREFIX).unwrap();
        let d = digest(&token);
        assert_eq!(d, digest(&token));
        assert_eq!(d.len(), 64);
        assert!(
            d.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
        assert_ne!(d, digest(&generate(API_PREFIX).unwrap()));
    }

    #[test]
    fn looks_like_refuses_malformed_tokens() {
        let body = "A".repeat(43);
        assert!(looks_like(&format!("hth_{body}"), "hth_"));
        assert!(!looks_like(&format!("hth_{body}A"), "hth_"));
        assert!(!looks_like(&format!("hth_{}", &body[1..]), "hth_"));
        assert!(!looks_like(&format!("xyz_{body}"), "hth_"));
        assert!(!looks_like(&format!("hths_{body}"), "hth_"));
        assert!(!looks_like(&format!("hth_{}=", &body[1..]), "hth_"));
        assert!(!looks_like(&format!("hth_{}é", &body[2..]), "hth_"));
        assert!(!looks_like("", "hth_"));
    }

    #[test]
    fn base64url_matches_rfc_4648_vectors() {
        let cases: [(&[u8], &str); 7] = [
            (b"", ""),
            (b"f", "Zg"),
            (b"fo", "Zm8"),
            (b"foo", "Zm9v"),
            (b"foob", "Zm9vYg"),
            (b"fooba", "Zm9vYmE"),
            (b"foobar", "Zm9vYmFy"),
        ];
        for (input, expected) in cases {
            assert_eq!(base64url(input), expected);
        }
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
    }
}
