//! CSRF tokens for every state-changing form.
//!
//! A signed-in user's forms carry the `csrf` of their [`Session`]
//! (synchronizer token pattern): the handler compares the submitted field with
//! the stored one using [`matches`].
//!
//! Forms that change state without a session (a public listing submission,
//! the sign-in form itself) use a double-submit cookie instead: the page sets
//! [`CSRF_COOKIE`] to a fresh [`token`] with [`set_cookie`] and puts the same
//! token in a hidden field; the handler compares [`cookie_value`] with the
//! field. A cross-site page can make the browser send the cookie but cannot
//! read it to fill in the field. (A sibling subdomain able to set cookies for
//! this site could defeat this; Hearth is served from its own host.)
//!
//! Rendering the hidden field and reading forms is left to `web`.
//!
//! [`Session`]: crate::auth::Session

use crate::auth::{cookie, token, token::TokenError};

/// The name of the double-submit cookie for forms without a session.
pub const CSRF_COOKIE: &str = "hearth_csrf";

/// How long the double-submit cookie lasts (12 hours, like a session), so a
/// form left open for a while still submits.
pub const COOKIE_MAX_AGE_SECS: i64 = 12 * 60 * 60;

/// A new CSRF token: 43 base64url characters (256 random bits).
pub fn token() -> Result<String, TokenError> {
    token::generate("")
}

/// Whether the submitted token `given` equals the `expected` one, in time that
/// depends only on the length of `expected` (never on where they differ).
///
/// An empty `expected` matches nothing, so a missing token never passes.
pub fn matches(expected: &str, given: &str) -> bool {
    let (expected, given) = (expected.as_bytes(), given.as_bytes());
    let mut diff = u8::from(expected.len() != given.len());
    for (i, &byte) in expected.iter().enumerate() {
        diff |= byte ^ given.get(i).copied().unwrap_or(0);
    }
    std::hint::black_box(diff) == 0 && !expected.is_empty()
}

/// The `Set-Cookie` value for the double-submit cookie:
/// `HttpOnly; SameSite=Lax; Path=/; Max-Age=43200`, and `Secure` when asked.
pub fn set_cookie(value: &str, secure: bool) -> String {
    cookie::set(CSRF_COOKIE, value, COOKIE_MAX_AGE_SECS, secure)
}

/// The `Set-Cookie` value that removes the double-submit cookie.
pub fn clear_cookie(secure: bool) -> String {
    cookie::set(CSRF_COOKIE, "", 0, secure)
}

/// The double-submit cookie's value in a `Cookie` request header, if any.
pub fn cookie_value(cookie_header: &str) -> Option<&str> {
    cookie::find(cookie_header, CSRF_COOKIE)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_cookie_safe() {
        let a = token().unwrap();
        let b = token().unwrap();
        assert_ne!(a, b);
        assert!(token::looks_like(&a, ""), "{a}");
        assert_eq!(cookie_value(&set_cookie(&a, true)), Some(a.as_str()));
    }

    #[test]
    fn matches_only_the_same_token() {
        let t = token().unwrap();
        assert!(matches(&t, &t.clone()));
        let mut flipped = t.clone().into_bytes();
        flipped[42] ^= 1;
        let flipped = String::from_utf8(flipped).unwrap();
        assert!(!matches(&t, &flipped));
        assert!(!matches(&t, &token().unwrap()));
    }

    #[test]
    fn different_lengths_never_match() {
        assert!(!matches("abcdef", "abc"));
        assert!(!matches("abc", "abcdef"));
        assert!(!matches("abc", ""));
        // Padding with NULs must not make a shorter token equal.
        assert!(!matches("abc", "abc\0"));
        assert!(!matches("abc\0", "abc"));
    }

    #[test]
    fn empty_expected_matches_nothing() {
        assert!(!matches("", ""));
        assert!(!matches("", "x"));
    }

    #[test]
    fn cookie_helpers() {
        let set = set_cookie("tok", false);
        assert_eq!(
            set,
            "hearth_csrf=tok; HttpOnly; SameSite=Lax; Path=/; Max-Age=43200"
        );
        assert!(set_cookie("tok", true).ends_with("; Secure"));
        assert!(clear_cookie(false).contains("Max-Age=0"));
        assert_eq!(
            cookie_value("hearth_session=s; hearth_csrf=c1 ; x=y"),
            Some("c1")
        );
        assert_eq!(cookie_value("hearth_session=s"), None);
    }
}
