//! Limits on failed sign-ins, per account and per client address, kept in
//! memory (ASVS L2 "rate limits on login").
//!
//! Each account and each address has a window that opens at its first failed
//! attempt and lasts [`LoginLimiter`]'s `window`; once the failures in it reach
//! the limit, sign-ins are refused until it closes. Refused attempts are never
//! checked against the password, so they cannot extend the lock. A successful
//! sign-in clears the account's count but not the address's, so one good
//! password cannot be used to reset guessing at others from the same address.
//!
//! The per-account lock is deliberately short (15 minutes by default): it
//! slows guessing at one account without letting anyone lock a colleague out
//! for long. Counts live in this process only and start over on restart;
//! memory stays bounded because expired windows are dropped and, past
//! [`MAX_KEYS`] accounts or addresses, the oldest windows are evicted.
//!
//! Accounts are compared trimmed and lower-cased; IPv6 addresses count per
//! /64 network (one host usually holds a whole /64), IPv4 addresses per host.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, Duration, Utc};

/// The most accounts (and, separately, addresses) tracked at once.
pub const MAX_KEYS: usize = 100_000;

/// A sign-in refused because of too many recent failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("Too many sign-in attempts; try again in {}.", minutes(.retry_after))]
pub struct Limited {
    /// How long until an attempt will be allowed again (send it as
    /// `Retry-After` in seconds).
    pub retry_after: Duration,
}

/// Counts failed sign-ins per account and per address; share one per process.
#[derive(Debug)]
pub struct LoginLimiter {
    per_account: u32,
    per_address: u32,
    window: Duration,
    max_keys: usize,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    accounts: HashMap<String, Failures>,
    addresses: HashMap<String, Failures>,
}

/// Failures since `since`, the first failure of the current window.
#[derive(Debug, Clone, Copy)]
struct Failures {
    since: DateTime<Utc>,
    count: u32,
}

impl Default for LoginLimiter {
    /// 5 failures per account and 20 per address in 15 minutes.
    fn default() -> Self {
        LoginLimiter::new(5, 20, Duration::minutes(15))
    }
}

impl LoginLimiter {
    /// A limiter allowing `per_account` failures for one account and
    /// `per_address` from one address within `window` (limits below 1 count
    /// as 1, a window below one second as one second).
    pub fn new(per_account: u32, per_address: u32, window: Duration) -> Self {
        LoginLimiter {
            per_account: per_account.max(1),
            per_address: per_address.max(1),
            window: window.max(Duration::seconds(1)),
            max_keys: MAX_KEYS,
            state: Mutex::new(State::default()),
        }
    }

    /// Whether a sign-in to `account` from `address` may be tried at `now`.
    /// Call it before looking at the password.
    pub fn check(&self, account: &str, address: &str, now: DateTime<Utc>) -> Result<(), Limited> {
        let state = self.lock();
        let waits = [
            (state.accounts.get(&account_key(account)), self.per_account),
            (state.addresses.get(&address_key(address)), self.per_address),
        ];
        let retry_after = waits
            .into_iter()
            .filter_map(|(failures, limit)| {
                let failures = failures.filter(|f| self.open(f, now))?;
                (failures.count >= limit).then(|| failures.since + self.window - now)
            })
            .max();
        match retry_after {
            Some(retry_after) => Err(Limited { retry_after }),
            None => Ok(()),
        }
    }

    /// Records a failed sign-in (wrong password or unknown account) at `now`.
    pub fn failed(&self, account: &str, address: &str, now: DateTime<Utc>) {
        let mut state = self.lock();
        let State {
            accounts,
            addresses,
        } = &mut *state;
        self.count(accounts, account_key(account), now);
        self.count(addresses, address_key(address), now);
    }

    /// Records a successful sign-in: forgets the account's failures, keeps the
    /// address's.
    pub fn succeeded(&self, account: &str, _address: &str) {
        self.lock().accounts.remove(&account_key(account));
    }

    /// The state, even if a thread panicked while holding it: the counts are
    /// plain numbers that are never left half-updated.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn open(&self, failures: &Failures, now: DateTime<Utc>) -> bool {
        now - failures.since < self.window
    }

    fn count(&self, map: &mut HashMap<String, Failures>, key: String, now: DateTime<Utc>) {
        let failures = map.entry(key).or_insert(Failures {
            since: now,
            count: 0,
        });
        if !self.open(failures, now) {
            *failures = Failures {
                since: now,
                count: 0,
            };
        }
        failures.count = failures.count.saturating_add(1);
        if map.len() > self.max_keys {
            self.prune(map, now);
        }
    }

    /// Drops closed windows and, if still over the cap, the oldest tenth, so
    /// pruning happens rarely rather than on every failure.
    fn prune(&self, map: &mut HashMap<String, Failures>, now: DateTime<Utc>) {
        map.retain(|_, failures| self.open(failures, now));
        let target = self.max_keys - self.max_keys / 10;
        if map.len() <= target {
            return;
        }
        let excess = map.len() - target;
        let mut starts: Vec<DateTime<Utc>> = map.values().map(|f| f.since).collect();
        let (_, &mut cutoff, _) = starts.select_nth_unstable(excess - 1);
        map.retain(|_, failures| failures.since > cutoff);
    }
}

fn account_key(account: &str) -> String {
    account.trim().to_lowercase()
}

/// The address as counted: an IPv6 address by its /64, anything else as given
/// (a port, if present, is ignored).
fn address_key(address: &str) -> String {
    let address = address.trim();
    let ip = address
        .parse::<IpAddr>()
        .or_else(|_| address.parse::<SocketAddr>().map(|s| s.ip()));
    match ip.map(|ip| ip.to_canonical()) {
        Ok(IpAddr::V6(v6)) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Ok(IpAddr::V4(v4)) => v4.to_string(),
        Err(_) => address.to_owned(),
    }
}

/// "1 minute", "15 minutes": a wait rounded up to whole minutes, at least one.
fn minutes(wait: &Duration) -> String {
    let n = (wait.num_seconds() + 59).div_euclid(60).max(1);
    if n == 1 {
        "1 minute".to_owned()
    } else {
        format!("{n} minutes")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const ADDR: &str = "203.0.113.7";

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 3, 14, 9, 0, 0).unwrap()
    }

    fn mins(m: i64) -> Duration {
        Duration::minutes(m)
    }

    #[test]
    fn five_failures_lock_the_account() {
        let limiter = LoginLimiter::default();
        for i in 0..5 {
            let now = t0() + mins(i);
            assert_eq!(limiter.check("ana@clinic.org", ADDR, now), Ok(()), "{i}");
            limiter.failed("ana@clinic.org", ADDR, now);
        }
        let now = t0() + mins(5);
        let limited = limiter.check("ana@clinic.org", ADDR, now).unwrap_err();
        assert!(limited.retry_after <= mins(15), "{:?}", limited.retry_after);
        assert_eq!(limited.retry_after, mins(10));
        assert_eq!(
            limited.to_string(),
            "Too many sign-in attempts; try again in 10 minutes."
        );
        // Case and surrounding spaces do not give a fresh count.
        assert!(limiter.check(" ANA@clinic.org", ADDR, now).is_err());
    }

    #[test]
    fn other_accounts_from_the_address_allowed_until_20() {
        let limiter = LoginLimiter::default();
        for i in 0..20 {
            let account = format!("user{}@clinic.org", i / 4);
            assert_eq!(limiter.check(&account, ADDR, t0()), Ok(()), "{i}");
            limiter.failed(&account, ADDR, t0());
        }
        // Four accounts with 4 failures each: none locked, but the address is.
        let limited = limiter.check("new@clinic.org", ADDR, t0()).unwrap_err();
        assert_eq!(limited.retry_after, mins(15));
        assert!(
            limiter
                .check("new@clinic.org", "198.51.100.1", t0())
                .is_ok()
        );
    }

    #[test]
    fn success_clears_the_account_not_the_address() {
        let limiter = LoginLimiter::new(5, 6, mins(15));
        for _ in 0..5 {
            limiter.failed("ana@clinic.org", ADDR, t0());
        }
        assert!(
            limiter
                .check("ana@clinic.org", "198.51.100.1", t0())
                .is_err()
        );
        limiter.succeeded("ana@clinic.org", ADDR);
        assert!(
            limiter
                .check("ana@clinic.org", "198.51.100.1", t0())
                .is_ok()
        );
        // The address kept its 5 failures: one more locks it.
        limiter.failed("bo@clinic.org", ADDR, t0());
        assert!(limiter.check("ana@clinic.org", ADDR, t0()).is_err());
    }

    #[test]
    fn window_expiry_frees_the_account() {
        let limiter = LoginLimiter::default();
        for _ in 0..5 {
            limiter.failed("ana@clinic.org", ADDR, t0());
        }
        let end = t0() + mins(15);
        let limited = limiter
            .check("ana@clinic.org", ADDR, end - Duration::seconds(1))
            .unwrap_err();
        assert_eq!(limited.retry_after, Duration::seconds(1));
        assert_eq!(
            limited.to_string(),
            "Too many sign-in attempts; try again in 1 minute."
        );
        assert_eq!(limiter.check("ana@clinic.org", ADDR, end), Ok(()));
        // A failure after the window starts a new count of one.
        limiter.failed("ana@clinic.org", ADDR, end);
        assert_eq!(limiter.check("ana@clinic.org", ADDR, end), Ok(()));
    }

    #[test]
    fn failures_while_locked_do_not_extend_the_lock() {
        let limiter = LoginLimiter::default();
        for i in 0..10 {
            limiter.failed("ana@clinic.org", ADDR, t0() + mins(i));
        }
        let limited = limiter
            .check("ana@clinic.org", ADDR, t0() + mins(10))
            .unwrap_err();
        assert_eq!(limited.retry_after, mins(5));
    }

    #[test]
    fn ipv6_addresses_count_per_64() {
        let limiter = LoginLimiter::new(100, 2, mins(15));
        limiter.failed("a@x.org", "2001:db8:1:2::1", t0());
        limiter.failed("b@x.org", "[2001:db8:1:2:ffff::9]:443", t0());
        assert!(
            limiter
                .check("c@x.org", "2001:db8:1:2::abcd", t0())
                .is_err()
        );
        assert!(limiter.check("c@x.org", "2001:db8:1:3::1", t0()).is_ok());
        assert_eq!(address_key("::ffff:203.0.113.7"), ADDR);
        assert_eq!(address_key("203.0.113.7:5000"), ADDR);
        assert_eq!(address_key("unknown"), "unknown");
    }

    #[test]
    fn memory_stays_bounded_and_evicts_oldest() {
        let limiter = LoginLimiter {
            max_keys: 100,
            ..LoginLimiter::default()
        };
        for i in 0..1000 {
            let now = t0() + Duration::seconds(i);
            limiter.failed(
                &format!("u{i}@x.org"),
                &format!("10.0.{}.{}", i / 256, i % 256),
                now,
            );
            let state = limiter.lock();
            assert!(state.accounts.len() <= 100 && state.addresses.len() <= 100);
        }
        let state = limiter.lock();
        assert!(state.accounts.contains_key("u999@x.org"));
        assert!(!state.accounts.contains_key("u0@x.org"));
    }

    #[test]
    fn closed_windows_are_pruned_first() {
        let mut limiter = LoginLimiter::new(5, 20, mins(1));
        limiter.max_keys = 10;
        for i in 0..10 {
            limiter.failed(&format!("old{i}"), ADDR, t0());
        }
        limiter.failed("new", ADDR, t0() + mins(2));
        let state = limiter.lock();
        assert_eq!(state.accounts.len(), 1);
        assert!(state.accounts.contains_key("new"));
    }

    #[test]
    fn limiter_is_shared_across_threads() {
        let limiter = std::sync::Arc::new(LoginLimiter::default());
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let limiter = limiter.clone();
                std::thread::spawn(move || limiter.failed("ana@clinic.org", ADDR, t0()))
            })
            .collect();
        for handle in handles {
            handle.join().unwrap();
        }
        assert!(limiter.check("ana@clinic.org", ADDR, t0()).is_ok());
        limiter.failed("ana@clinic.org", ADDR, t0());
        assert!(limiter.check("ana@clinic.org", ADDR, t0()).is_err());
    }
}
