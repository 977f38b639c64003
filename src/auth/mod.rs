//! Passwords, API tokens, sessions, CSRF tokens and login rate limits.
//!
//! This module owns the security building blocks behind signing in (DOMAIN.md §6,
//! OWASP ASVS L2): argon2id password hashes and the password policy
//! ([`password`]), random bearer tokens of which only a SHA-256 digest is stored
//! ([`token`]), server-side sessions with idle and absolute timeouts and their
//! cookie ([`session`]), CSRF tokens ([`csrf`]) and an in-memory limiter for
//! failed sign-ins ([`ratelimit`]).
//!
//! Everything here is pure and does no I/O apart from reading the operating
//! system's random number generator. Storing users and sessions is left to
//! `store`, and reading headers, setting cookies and rendering forms to `web`.
//! Hashing and verifying passwords take tens of milliseconds of CPU and 19 MiB
//! of memory each: run them through the blocking-task helper, never directly on
//! an async worker.
//!
//! A sign-in, put together from these parts:
//! 1. [`LoginLimiter::check`] with the normalized email and the client address;
//!    refuse with the [`Limited`] message if it fails.
//! 2. Look the user up. If there is none (or it is disabled), call
//!    [`password::dummy_verify`] so the answer takes as long as for a real
//!    account, record [`LoginLimiter::failed`] and say "wrong email or password".
//! 3. [`password::verify`]; on failure record [`LoginLimiter::failed`]. On
//!    success record [`LoginLimiter::succeeded`], store a new hash if
//!    [`password::needs_rehash`] says so, and start a fresh [`Session::new`]
//!    (never reuse a session id from before the sign-in).
//! 4. On each request: look the session up by [`token::digest`] of the cookie
//!    value, [`Session::check`] it, [`Session::touch`] it, and on every
//!    state-changing form compare its `csrf` with [`csrf::matches`].

mod cookie;
pub mod csrf;
pub mod password;
pub mod ratelimit;
pub mod session;
pub mod token;

pub use password::PasswordError;
pub use ratelimit::{Limited, LoginLimiter};
pub use session::{Expired, Session};
pub use token::TokenError;
