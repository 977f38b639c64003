//! Users, API tokens, sessions, referrals and the audit log.
//!
//! Referral writes are acknowledged only when durable: [`Store::durable`]
//! flushes, and writers that arrive while a flush is running share the next
//! one instead of each paying for their own (group commit).

use std::sync::atomic::Ordering;

use chrono::{DateTime, TimeDelta, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sled::Transactional;

use super::{Store, StoreError, decode, keys, transaction_error};
use crate::model::{Referral, ReferralStatus, User};

/// An API token as stored: whose it is and what it is called; never the token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRecord {
    pub user_id: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

/// One line of the audit log: who did what to which record, and when. Ids
/// only, never note text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    /// The user id of who did it (`system` for Hearth itself, `anonymous` when signed out).
    pub actor: String,
    /// What was done: `referral.create`, `referral.status`, `referral.view`,
    /// `user.create`, `user.role`, `user.disable`, `token.create`, `login`, `login.failed`,
    /// `logout`, `list.create`, `list.item.add`, `list.item.remove`, `list.members`,
    /// `list.rename`, `list.delete`.
    pub action: String,
    /// The kind of record (`referral`, `user`, `token`, `session`).
    pub target_kind: String,
    pub target_id: String,
}

/// Which referrals to list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReferralFilter {
    pub statuses: Vec<ReferralStatus>,
    /// Gravity need codes.
    pub needs: Vec<String>,
}

impl ReferralFilter {
    fn keeps(&self, r: &Referral) -> bool {
        (self.statuses.is_empty() || self.statuses.contains(&r.status))
            && (self.needs.is_empty() || self.needs.iter().any(|n| n == r.need.code()))
    }
}

impl Store {
    /// Returns once everything written before the call is on disk. Concurrent
    /// callers share flushes: one that finds a flush running waits for it and
    /// returns at once if that flush covered its writes.
    pub fn durable(&self) -> Result<(), StoreError> {
        let ticket = self.written.load(Ordering::SeqCst);
        let mut flushed = self
            .flushed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if *flushed >= ticket && ticket > 0 {
            return Ok(());
        }
        let covering = self.written.load(Ordering::SeqCst);
        self.db.flush()?;
        *flushed = covering;
        Ok(())
    }

    /// Counts a write that a later [`Store::durable`] must cover.
    pub(super) fn wrote(&self) {
        self.written.fetch_add(1, Ordering::SeqCst);
    }

    // ---- users -------------------------------------------------------------

    /// Adds a user; `false` (and nothing written) when the email is taken.
    pub fn insert_user(&self, user: &User) -> Result<bool, StoreError> {
        let claimed = self.users_by_email.compare_and_swap(
            user.email.as_bytes(),
            None as Option<&[u8]>,
            Some(user.id.as_bytes()),
        )?;
        if claimed.is_err() {
            return Ok(false);
        }
        self.users
            .insert(user.id.as_bytes(), serde_json::to_vec(user)?)?;
        self.wrote();
        Ok(true)
    }

    /// Replaces a user's record (role, password, disabled); the email never changes.
    pub fn update_user(&self, user: &User) -> Result<(), StoreError> {
        self.users
            .insert(user.id.as_bytes(), serde_json::to_vec(user)?)?;
        self.wrote();
        Ok(())
    }

    pub fn user(&self, id: &str) -> Result<Option<User>, StoreError> {
        self.users
            .get(id.as_bytes())?
            .map(|v| decode(id.as_bytes(), &v))
            .transpose()
    }

    /// The user with this (already normalized) email.
    pub fn user_by_email(&self, email: &str) -> Result<Option<User>, StoreError> {
        match self.users_by_email.get(email.as_bytes())? {
            Some(id) => self.user(&String::from_utf8_lossy(&id)),
            None => Ok(None),
        }
    }

    /// Every user, by id.
    pub fn users(&self) -> Result<Vec<User>, StoreError> {
        self.users
            .iter()
            .map(|item| {
                let (k, v) = item?;
                decode(&k, &v)
            })
            .collect()
    }

    // ---- tokens and sessions -------------------------------------------------

    pub fn insert_token(&self, digest: &str, record: &TokenRecord) -> Result<(), StoreError> {
        self.tokens
            .insert(digest.as_bytes(), serde_json::to_vec(record)?)?;
        self.wrote();
        Ok(())
    }

    pub fn token(&self, digest: &str) -> Result<Option<TokenRecord>, StoreError> {
        self.tokens
            .get(digest.as_bytes())?
            .map(|v| decode(digest.as_bytes(), &v))
            .transpose()
    }

    /// Stores a session (any serializable shape) under its cookie's digest.
    pub fn put_session<T: Serialize>(&self, digest: &str, session: &T) -> Result<(), StoreError> {
        self.sessions
            .insert(digest.as_bytes(), serde_json::to_vec(session)?)?;
        self.wrote();
        Ok(())
    }

    pub fn session<T: DeserializeOwned>(&self, digest: &str) -> Result<Option<T>, StoreError> {
        self.sessions
            .get(digest.as_bytes())?
            .map(|v| decode(digest.as_bytes(), &v))
            .transpose()
    }

    pub fn remove_session(&self, digest: &str) -> Result<(), StoreError> {
        self.sessions.remove(digest.as_bytes())?;
        self.wrote();
        Ok(())
    }

    /// Removes the sessions `expired` says are over; returns how many.
    pub fn remove_sessions<T: DeserializeOwned>(
        &self,
        expired: impl Fn(&T) -> bool,
    ) -> Result<usize, StoreError> {
        let mut removed = 0;
        for item in self.sessions.iter() {
            let (k, v) = item?;
            // A session that cannot be read is of no use to anyone: remove it too.
            let gone = decode::<T>(&k, &v).map_or(true, |s| expired(&s));
            if gone {
                self.sessions.remove(k)?;
                removed += 1;
            }
        }
        if removed > 0 {
            self.wrote();
        }
        Ok(removed)
    }

    // ---- referrals ---------------------------------------------------------

    /// Adds a referral. When its `request_id` was already used by the same
    /// clinician, nothing is written and the earlier referral is returned
    /// (`Ok((referral, false))`), so a retried request never makes a second one.
    pub fn insert_referral(&self, referral: &Referral) -> Result<(Referral, bool), StoreError> {
        if let Some(request) = &referral.request_id {
            let key = keys::user_scoped(&referral.created_by, request);
            let claimed = self.referral_requests.compare_and_swap(
                key,
                None as Option<&[u8]>,
                Some(referral.id.as_bytes()),
            )?;
            if let Err(existing) = claimed {
                let id = existing
                    .current
                    .map(|v| String::from_utf8_lossy(&v).into_owned())
                    .unwrap_or_default();
                if let Some(earlier) = self.referral(&id)? {
                    return Ok((earlier, false));
                }
            }
        }
        let value = serde_json::to_vec(referral)?;
        let by_user = keys::user_scoped(&referral.created_by, &referral.id);
        let by_time = keys::referral_time_key(referral.created_at, &referral.id);
        (
            &self.referrals,
            &self.referrals_by_user,
            &self.referrals_by_time,
        )
            .transaction(|(referrals, of_user, by_when)| {
                referrals.insert(referral.id.as_bytes(), value.as_slice())?;
                of_user.insert(by_user.as_slice(), &[] as &[u8])?;
                by_when.insert(by_time.as_slice(), &[] as &[u8])?;
                Ok(())
            })
            .map_err(transaction_error)?;
        self.wrote();
        Ok((referral.clone(), true))
    }

    pub fn referral(&self, id: &str) -> Result<Option<Referral>, StoreError> {
        self.referrals
            .get(id.as_bytes())?
            .map(|v| decode(id.as_bytes(), &v))
            .transpose()
    }

    /// Replaces `before` with `after` only if the stored referral is still
    /// `before` (so two changes at once never lose one); `false` when it changed.
    pub fn update_referral(&self, before: &Referral, after: &Referral) -> Result<bool, StoreError> {
        self.compare_and_swap(&self.referrals, after.id.as_bytes(), before, after)
    }

    /// A clinician's referrals that pass the filter.
    pub fn referrals_of(
        &self,
        user_id: &str,
        filter: &ReferralFilter,
    ) -> Result<Vec<Referral>, StoreError> {
        self.user_index(&self.referrals_by_user, user_id, |id| {
            Ok(self.referral(id)?.filter(|r| filter.keeps(r)))
        })
    }

    /// Every referral made in `[from, to)`, oldest first, read as one key range
    /// of the referrals-by-time index.
    pub fn referrals_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Referral>, StoreError> {
        let range = keys::time_range(
            from,
            to,
            TimeDelta::milliseconds(1),
            keys::referral_millisecond,
        );
        let mut out = Vec::new();
        for item in self.referrals_by_time.range(range) {
            let (key, _) = item?;
            let id = String::from_utf8_lossy(key.get(8..).unwrap_or_default());
            if let Some(r) = self.referral(&id)?
                && r.created_at >= from
                && r.created_at < to
            {
                out.push(r);
            }
        }
        Ok(out)
    }

    /// Every referral that passes the filter (for admins).
    pub fn all_referrals(&self, filter: &ReferralFilter) -> Result<Vec<Referral>, StoreError> {
        let mut out = Vec::new();
        for item in self.referrals.iter() {
            let (k, v) = item?;
            let r: Referral = decode(&k, &v)?;
            if filter.keeps(&r) {
                out.push(r);
            }
        }
        Ok(out)
    }

    // ---- audit ---------------------------------------------------------------

    /// Appends to the audit log (made durable with the write it records).
    pub fn audit(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        let seq = self.db.generate_id()?;
        self.audit
            .insert(keys::seq_key(seq), serde_json::to_vec(entry)?)?;
        self.wrote();
        Ok(())
    }

    /// The newest audit entries first, at most `limit`.
    pub fn audit_log(&self, limit: usize) -> Result<Vec<AuditEntry>, StoreError> {
        self.audit
            .iter()
            .rev()
            .take(limit)
            .map(|item| {
                let (k, v) = item?;
                decode(&k, &v)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;
    use crate::model::{Need, ReferralKind, Role, Urgency};

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let store = Store::open(&dir.path().join("store")).unwrap_or_else(|e| panic!("{e}"));
        (dir, store)
    }

    fn user(id: &str, email: &str) -> User {
        User {
            id: id.into(),
            email: email.into(),
            role: Role::Clinician,
            password_hash: "x".into(),
            disabled: false,
            created_at: Utc
                .with_ymd_and_hms(2026, 11, 1, 9, 0, 0)
                .single()
                .unwrap_or_default(),
        }
    }

    fn referral(id: &str, by: &str, request: Option<&str>) -> Referral {
        let at = Utc
            .with_ymd_and_hms(2026, 11, 2, 9, 0, 0)
            .single()
            .unwrap_or_default();
        Referral {
            id: id.into(),
            request_id: request.map(str::to_owned),
            created_at: at,
            created_by: by.into(),
            service_id: "s1".into(),
            location_id: None,
            service_name: "Pantry".into(),
            organization_name: "Org".into(),
            need: Need::parse("food-insecurity").unwrap_or_else(|| panic!("need")),
            z_code: None,
            client_ref: Some("C-17".into()),
            client_zip: None,
            client_language: None,
            urgency: Urgency::Routine,
            consent: None,
            contact: None,
            kind: ReferralKind::Sent,
            follow_up: at.date_naive(),
            note: None,
            status: ReferralStatus::Requested,
            outcome: None,
            history: Vec::new(),
        }
    }

    #[test]
    fn emails_are_unique_and_users_read_back() -> Result {
        let (_dir, store) = store();
        assert!(store.insert_user(&user("u1", "a@x.org"))?);
        assert!(!store.insert_user(&user("u2", "a@x.org"))?);
        assert_eq!(store.user_by_email("a@x.org")?.ok_or("missing")?.id, "u1");
        assert_eq!(store.users()?.len(), 1);
        store.durable()?;
        Ok(())
    }

    #[test]
    fn a_retried_request_returns_the_first_referral_and_lists_are_per_user() -> Result {
        let (_dir, store) = store();
        let (first, new) = store.insert_referral(&referral("r1", "u1", Some("q1")))?;
        assert!(new);
        let (again, new) = store.insert_referral(&referral("r2", "u1", Some("q1")))?;
        assert!(!new);
        assert_eq!(again, first);
        store.insert_referral(&referral("r3", "u2", Some("q1")))?;
        let mine = store.referrals_of("u1", &ReferralFilter::default())?;
        assert_eq!(
            mine.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
            ["r1"]
        );
        assert_eq!(store.all_referrals(&ReferralFilter::default())?.len(), 2);
        assert!(store.referral("r2")?.is_none());
        Ok(())
    }

    #[test]
    fn an_update_over_a_changed_referral_is_refused() -> Result {
        let (_dir, store) = store();
        let r = referral("r1", "u1", None);
        store.insert_referral(&r)?;
        let mut done = r.clone();
        done.status = ReferralStatus::Completed;
        assert!(store.update_referral(&r, &done)?);
        let mut failed = r.clone();
        failed.status = ReferralStatus::Failed;
        assert!(!store.update_referral(&r, &failed)?, "r changed meanwhile");
        assert_eq!(
            store.referral("r1")?.ok_or("missing")?.status,
            ReferralStatus::Completed
        );
        Ok(())
    }

    fn made_at(id: &str, created_at: DateTime<Utc>) -> Referral {
        Referral {
            created_at,
            ..referral(id, "u1", None)
        }
    }

    fn ids(referrals: &[Referral]) -> Vec<&str> {
        referrals.iter().map(|r| r.id.as_str()).collect()
    }

    fn day(d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, d, 0, 0, 0)
            .single()
            .unwrap_or_default()
    }

    #[test]
    fn a_period_read_of_referrals_holds_exactly_the_period() -> Result {
        let (_dir, store) = store();
        for (id, at) in [
            ("before", day(2) - TimeDelta::milliseconds(1)),
            ("first", day(2)),
            ("inside", day(3) + TimeDelta::microseconds(500)),
            ("last", day(4) - TimeDelta::microseconds(1)),
            ("end", day(4)),
        ] {
            store.insert_referral(&made_at(id, at))?;
        }
        assert_eq!(
            ids(&store.referrals_between(day(2), day(4))?),
            ["first", "inside", "last"]
        );
        let inside = day(3) + TimeDelta::microseconds(500);
        assert_eq!(
            ids(&store.referrals_between(day(3) + TimeDelta::microseconds(501), day(5))?),
            ["last", "end"]
        );
        assert!(store.referrals_between(inside, inside)?.is_empty());
        assert!(store.referrals_between(day(4), day(2))?.is_empty());
        Ok(())
    }

    #[test]
    fn referrals_of_a_store_made_before_the_time_index_are_found_by_period() -> Result {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("store");
        {
            let store = Store::open(&path)?;
            store.insert_referral(&made_at("r1", day(2)))?;
            store.insert_referral(&made_at("r2", day(3)))?;
            // As a store written before the index existed: no entries, no marker.
            store.referrals_by_time.clear()?;
            store.meta.remove(keys::META_REFERRALS_BY_TIME)?;
            store.flush()?;
            assert!(store.referrals_between(day(1), day(9))?.is_empty());
        }
        let store = Store::open(&path)?;
        assert_eq!(ids(&store.referrals_between(day(1), day(9))?), ["r1", "r2"]);
        assert_eq!(ids(&store.referrals_between(day(3), day(9))?), ["r2"]);
        store.insert_referral(&made_at("r3", day(4)))?;
        drop(store);
        let store = Store::open(&path)?;
        assert_eq!(
            ids(&store.referrals_between(day(1), day(9))?),
            ["r1", "r2", "r3"]
        );
        Ok(())
    }

    #[test]
    fn the_audit_log_reads_newest_first() -> Result {
        let (_dir, store) = store();
        for action in ["a", "b", "c"] {
            store.audit(&AuditEntry {
                at: Utc::now(),
                actor: "u1".into(),
                action: action.into(),
                target_kind: "referral".into(),
                target_id: "r1".into(),
            })?;
        }
        let log = store.audit_log(2)?;
        assert_eq!(
            log.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
            ["c", "b"]
        );
        Ok(())
    }

    #[test]
    fn concurrent_writers_share_flushes_and_all_are_durable() -> Result {
        let (_dir, store) = store();
        std::thread::scope(|scope| {
            for t in 0..8 {
                let store = store.clone();
                scope.spawn(move || {
                    for i in 0..20 {
                        let r = referral(&format!("r{t}-{i}"), "u1", None);
                        if let Err(e) = store.insert_referral(&r).and_then(|_| store.durable()) {
                            panic!("{e}");
                        }
                    }
                });
            }
        });
        assert_eq!(
            store.referrals_of("u1", &ReferralFilter::default())?.len(),
            160
        );
        Ok(())
    }
}
