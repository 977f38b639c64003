//! Server-side sessions: what a signed-in browser's cookie stands for, when it
//! expires, and the cookie itself.
//!
//! The cookie holds a random token (`hths_` and 43 base64url characters). The
//! store keeps the [`Session`] under [`token::digest`] of it, never the token,
//! so a copy of the store cannot be replayed as cookies. A session ends after
//! [`IDLE_TIMEOUT`] without a request and, however active, [`ABSOLUTE_TIMEOUT`]
//! after sign-in (ASVS L2; HIPAA "automatic logoff"). Start a new session at
//! every sign-in and delete it at sign-out, so an id seen before signing in is
//! never valid after it.
//!
//! Storing, looking up and deleting sessions is left to `store`; reading and
//! setting headers to `web`.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::auth::{cookie, csrf, token, token::TokenError};

/// A session ends after this long without a request.
pub const IDLE_TIMEOUT: Duration = Duration::minutes(30);

/// A session ends this long after sign-in, however active it is.
pub const ABSOLUTE_TIMEOUT: Duration = Duration::hours(12);

/// The name of the session cookie.
pub const COOKIE: &str = "hearth_session";

/// The prefix of session tokens, distinct from API tokens (`hth_`) so one can
/// never be mistaken for the other.
pub const PREFIX: &str = "hths_";

/// A signed-in browser, as stored under the digest of its cookie value.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Session {
    /// The signed-in user's id.
    pub user_id: String,
    /// When the user signed in; the absolute timeout counts from here.
    pub created_at: DateTime<Utc>,
    /// The last request; the idle timeout counts from here.
    pub last_seen: DateTime<Utc>,
    /// The synchronizer CSRF token every state-changing form of this session
    /// carries (compare with [`csrf::matches`]).
    pub csrf: String,
}

/// Why a session is no longer valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Expired {
    /// No request for [`IDLE_TIMEOUT`].
    #[error("Your session ended after 30 minutes without activity; sign in again.")]
    Idle,
    /// [`ABSOLUTE_TIMEOUT`] passed since sign-in.
    #[error("Your session ended 12 hours after you signed in; sign in again.")]
    Absolute,
}

impl Session {
    /// Starts a session for `user_id` at `now`.
    ///
    /// Returns the cookie value to send to the browser (see [`set_cookie`]),
    /// the key to store the session under (the digest of the cookie value),
    /// and the session itself with a fresh CSRF token.
    pub fn new(
        user_id: impl Into<String>,
        now: DateTime<Utc>,
    ) -> Result<(String, String, Session), TokenError> {
        let cookie = token::generate(PREFIX)?;
        let key = token::digest(&cookie);
        let session = Session {
            user_id: user_id.into(),
            created_at: now,
            last_seen: now,
            csrf: csrf::token()?,
        };
        Ok((cookie, key, session))
    }

    /// Whether the session is still valid at `now`: less than 30 minutes since
    /// the last request and less than 12 hours since sign-in. At exactly 30
    /// minutes (or 12 hours) it has ended.
    pub fn check(&self, now: DateTime<Utc>) -> Result<(), Expired> {
        if now - self.created_at >= ABSOLUTE_TIMEOUT {
            return Err(Expired::Absolute);
        }
        if now - self.last_seen >= IDLE_TIMEOUT {
            return Err(Expired::Idle);
        }
        Ok(())
    }

    /// Records a request at `now`, restarting the idle timeout (never moving it
    /// back if clocks disagree). Call it only after [`Session::check`] passed.
    pub fn touch(&mut self, now: DateTime<Utc>) {
        self.last_seen = self.last_seen.max(now);
    }

    /// When the session ends unless touched again, for sweeping expired
    /// sessions out of the store.
    pub fn expires_at(&self) -> DateTime<Utc> {
        (self.last_seen + IDLE_TIMEOUT).min(self.created_at + ABSOLUTE_TIMEOUT)
    }
}

/// The `Set-Cookie` value that gives the browser its session cookie:
/// `HttpOnly; SameSite=Lax; Path=/; Max-Age=43200`, and `Secure` when the
/// site is served over HTTPS (always, outside local development).
pub fn set_cookie(value: &str, secure: bool) -> String {
    cookie::set(COOKIE, value, ABSOLUTE_TIMEOUT.num_seconds(), secure)
}

/// The `Set-Cookie` value that removes the session cookie (at sign-out or
/// when the session has expired).
pub fn clear_cookie(secure: bool) -> String {
    cookie::set(COOKIE, "", 0, secure)
}

/// The session cookie's value in a `Cookie` request header, if there is one.
pub fn cookie_value(cookie_header: &str) -> Option<&str> {
    cookie::find(cookie_header, COOKIE)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 3, 14, 9, 0, 0).unwrap()
    }

    #[test]
    fn new_session_has_cookie_key_and_csrf() {
        let (cookie, key, session) = Session::new("u-1", t0()).unwrap();
        assert!(token::looks_like(&cookie, PREFIX), "{cookie}");
        assert_eq!(key, token::digest(&cookie));
        assert_ne!(key, cookie);
        assert_eq!(session.user_id, "u-1");
        assert_eq!((session.created_at, session.last_seen), (t0(), t0()));
        assert_eq!(session.csrf.len(), 43);
        let (other_cookie, _, other) = Session::new("u-1", t0()).unwrap();
        assert_ne!(cookie, other_cookie);
        assert_ne!(session.csrf, other.csrf);
    }

    #[test]
    fn idle_timeout_boundaries() {
        let (_, _, session) = Session::new("u-1", t0()).unwrap();
        assert_eq!(session.check(t0()), Ok(()));
        let at = |m: i64, s: i64| t0() + Duration::minutes(m) + Duration::seconds(s);
        assert_eq!(session.check(at(29, 59)), Ok(()));
        assert_eq!(session.check(at(30, 0)), Err(Expired::Idle));
        assert_eq!(session.check(at(30, 1)), Err(Expired::Idle));
    }

    #[test]
    fn touch_restarts_the_idle_timeout() {
        let (_, _, mut session) = Session::new("u-1", t0()).unwrap();
        session.touch(t0() + Duration::minutes(20));
        assert_eq!(session.check(t0() + Duration::minutes(49)), Ok(()));
        assert_eq!(
            session.check(t0() + Duration::minutes(50) + Duration::seconds(1)),
            Err(Expired::Idle)
        );
        // A clock that steps back does not shorten the session.
        session.touch(t0());
        assert_eq!(session.last_seen, t0() + Duration::minutes(20));
    }

    #[test]
    fn absolute_timeout_holds_even_when_active() {
        let (_, _, mut session) = Session::new("u-1", t0()).unwrap();
        let mut now = t0();
        while now < t0() + ABSOLUTE_TIMEOUT - Duration::minutes(10) {
            now += Duration::minutes(10);
            assert_eq!(session.check(now), Ok(()), "{now}");
            session.touch(now);
        }
        let end = t0() + ABSOLUTE_TIMEOUT;
        assert_eq!(session.check(end - Duration::seconds(1)), Ok(()));
        assert_eq!(session.check(end), Err(Expired::Absolute));
        assert_eq!(session.expires_at(), end);
    }

    #[test]
    fn expires_at_is_the_earlier_timeout() {
        let (_, _, session) = Session::new("u-1", t0()).unwrap();
        assert_eq!(session.expires_at(), t0() + IDLE_TIMEOUT);
    }

    #[test]
    fn expiry_messages_say_what_to_do() {
        assert_eq!(
            Expired::Idle.to_string(),
            "Your session ended after 30 minutes without activity; sign in again."
        );
        assert!(Expired::Absolute.to_string().ends_with("sign in again."));
    }

    #[test]
    fn session_round_trips_through_json() {
        let (_, _, session) = Session::new("u-1", t0()).unwrap();
        let json = serde_json::to_string(&session).unwrap();
        assert_eq!(serde_json::from_str::<Session>(&json).unwrap(), session);
    }

    #[test]
    fn cookie_attributes() {
        let plain = set_cookie("hths_abc", false);
        assert_eq!(
            plain,
            "hearth_session=hths_abc; HttpOnly; SameSite=Lax; Path=/; Max-Age=43200"
        );
        assert!(!plain.contains("Secure"));
        let secure = set_cookie("hths_abc", true);
        assert!(secure.contains("HttpOnly") && secure.contains("SameSite=Lax"));
        assert!(secure.ends_with("; Secure"), "{secure}");
        let cleared = clear_cookie(true);
        assert!(cleared.starts_with("hearth_session=;"), "{cleared}");
        assert!(cleared.contains("Max-Age=0") && cleared.contains("; Secure"));
        assert!(!clear_cookie(false).contains("Secure"));
    }

    #[test]
    fn cookie_value_among_several_cookies() {
        let header = "theme=dark;  hearth_csrf=abc ;hearth_session=hths_xyz;lang=fr";
        assert_eq!(cookie_value(header), Some("hths_xyz"));
        assert_eq!(cookie_value("hearth_session=hths_1"), Some("hths_1"));
        assert_eq!(cookie_value(" hearth_session = hths_2 "), Some("hths_2"));
        assert_eq!(cookie_value("xhearth_session=no; hearth_sessionx=no"), None);
        assert_eq!(cookie_value("hearth_session="), None);
        assert_eq!(cookie_value(""), None);
    }
}
