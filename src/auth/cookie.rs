//! `Set-Cookie` values and `Cookie` header parsing shared by the session and
//! CSRF cookies; which cookies exist and what they hold is up to those modules.

/// Builds a `Set-Cookie` value with the attributes every Hearth cookie carries:
/// not readable from scripts, not sent on cross-site posts, valid site-wide.
///
/// Characters that may not appear in a cookie value (RFC 6265 `cookie-octet`)
/// are dropped, so a value can never add attributes or break the header; the
/// values Hearth generates (base64url) never contain any.
pub(crate) fn set(name: &str, value: &str, max_age_secs: i64, secure: bool) -> String {
    let value: String = value.chars().filter(|&c| is_cookie_octet(c)).collect();
    let mut header =
        format!("{name}={value}; HttpOnly; SameSite=Lax; Path=/; Max-Age={max_age_secs}");
    if secure {
        header.push_str("; Secure");
    }
    header
}

/// Finds the first non-empty value of the cookie `name` in a `Cookie` request
/// header (`a=1; b=2`), tolerating extra spaces and a quoted value.
pub(crate) fn find<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header
        .split(';')
        .filter_map(|pair| pair.split_once('='))
        .filter(|(key, _)| key.trim() == name)
        .map(|(_, value)| {
            let value = value.trim();
            value
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or(value)
        })
        .find(|value| !value.is_empty())
}

/// RFC 6265 §4.1.1: printable US-ASCII except space, `"`, `,`, `;` and `\`.
fn is_cookie_octet(c: char) -> bool {
    matches!(c, '!' | '#'..='+' | '-'..=':' | '<'..='[' | ']'..='~')
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn values_cannot_inject_attributes() {
        let header = set("a", "x; Domain=evil.example\r\nX: y", 60, false);
        assert_eq!(
            header,
            "a=xDomain=evil.exampleX:y; HttpOnly; SameSite=Lax; Path=/; Max-Age=60"
        );
    }

    #[test]
    fn finds_named_cookie_among_others() {
        let header = " theme=dark;a=; a = \"q-1\" ;ab=2";
        assert_eq!(find(header, "a"), Some("q-1"));
        assert_eq!(find(header, "ab"), Some("2"));
        assert_eq!(find(header, "b"), None);
        assert_eq!(find("", "a"), None);
        assert_eq!(find("a", "a"), None);
    }
}
