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

/// An audit entry as stored: the entry and the link to the entry before it.
#[derive(Serialize)]
struct Chained<'a> {
    #[serde(flatten)]
    entry: &'a AuditEntry,
    /// [`link_hash`] of the entry before (empty for the first entry).
    prev: &'a str,
}

/// The link of a stored audit entry (absent in entries written before the
/// log was chained).
#[derive(Deserialize)]
struct ChainLink {
    #[serde(default)]
    prev: Option<String>,
    // An entry that does not read as an audit entry is broken, link or not.
    #[serde(flatten)]
    _entry: AuditEntry,
}

/// The SHA-256, in hex, of an audit entry's key and stored bytes.
pub(super) fn link_hash(key: &[u8], value: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    hasher.update(key);
    hasher.update(value);
    crate::auth::token::hex(&hasher.finalize())
}

/// What walking the audit log's chain found ([`Store::verify_audit_chain`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditChain {
    /// Entries in the log.
    pub entries: u64,
    /// Entries at the start of the log written before entries were linked (by
    /// an older Hearth): their order and content cannot be checked, only that
    /// the newest of them was not changed once the links began.
    pub unchained: u64,
    /// The first break found, if any: which entry and what is wrong.
    pub broken: Option<String>,
}

impl AuditChain {
    /// Records a break (only the first is kept: later ones follow from it).
    fn break_at(&mut self, what: String) {
        self.broken.get_or_insert(what);
    }
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
    ///
    /// Each entry is stored with the SHA-256 of the entry before it (its key
    /// and stored bytes), and the log's head (the newest entry's number and
    /// hash) is written with it, so changing, removing, reordering or cutting
    /// off entries shows in [`Store::verify_audit_chain`].
    pub fn audit(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        let _turn = self
            .audit_writes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let prev = match self.audit.last()? {
            Some((key, value)) => link_hash(&key, &value),
            None => String::new(),
        };
        let key = keys::seq_key(self.db.generate_id()?);
        let value = serde_json::to_vec(&Chained { entry, prev: &prev })?;
        let mut head = key.to_vec();
        head.extend_from_slice(link_hash(&key, &value).as_bytes());
        (&self.audit, &self.meta)
            .transaction(|(audit, meta)| {
                audit.insert(&key, value.as_slice())?;
                meta.insert(keys::META_AUDIT_HEAD, head.as_slice())?;
                Ok(())
            })
            .map_err(transaction_error)?;
        self.wrote();
        Ok(())
    }

    /// Walks the audit log oldest first and checks that each entry links to
    /// the one before it and that the newest is the recorded head.
    pub fn verify_audit_chain(&self) -> Result<AuditChain, StoreError> {
        let mut chain = AuditChain::default();
        // The key and hash of the entry before, once there is one.
        let mut before: Option<(sled::IVec, String)> = None;
        let mut linked = false;
        for item in self.audit.iter() {
            let (key, value) = item?;
            chain.entries += 1;
            let label = keys::seq_from_key(&key)
                .map_or_else(|| format!("entry {key:?}"), |seq| format!("entry {seq}"));
            match serde_json::from_slice::<ChainLink>(&value) {
                Err(e) => chain.break_at( format!("{label} cannot be read: {e}")),
                Ok(ChainLink { prev: None, .. }) if !linked => chain.unchained += 1,
                Ok(ChainLink { prev: None, .. }) => chain.break_at(
                    format!("{label} has no link to the entry before it, though earlier entries are linked: it was replaced"),
                ),
                Ok(ChainLink { prev: Some(prev), .. }) => {
                    linked = true;
                    let expected = before.as_ref().map_or("", |(_, hash)| hash.as_str());
                    if prev != expected {
                        chain.break_at(
                            format!("{label} does not link to the entry before it: that entry was changed or removed, or this one was moved"),
                        );
                    }
                }
            }
            before = Some((key.clone(), link_hash(&key, &value)));
        }
        let head = self.meta.get(keys::META_AUDIT_HEAD)?;
        match (head, &before) {
            (Some(head), Some((key, hash))) => {
                let (head_key, head_hash) = head.split_at(head.len().min(8));
                if head_key != key.as_ref() {
                    chain.break_at(
                        format!(
                            "the log ends at entry {}, but its head says {}: entries were removed from the end or added outside Hearth",
                            keys::seq_from_key(key).unwrap_or_default(),
                            keys::seq_from_key(head_key).unwrap_or_default()
                        ),
                    );
                } else if head_hash != hash.as_bytes() {
                    chain.break_at("the newest entry was changed".into());
                }
            }
            (Some(_), None) => chain.break_at(
                "the log is empty, but its head says it had entries: they were removed".into(),
            ),
            (None, Some(_)) if linked => {
                chain.break_at("the log's head is missing: it was removed outside Hearth".into())
            }
            _ => {}
        }
        Ok(chain)
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

    use crate::store::test_store as store;

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

    fn audited(store: &Store, actions: &[&str]) -> Result {
        for action in actions {
            store.audit(&AuditEntry {
                at: Utc::now(),
                actor: "u1".into(),
                action: (*action).into(),
                target_kind: "referral".into(),
                target_id: "r1".into(),
            })?;
        }
        Ok(())
    }

    /// The stored audit entries, oldest first, as (key, JSON).
    fn raw_audit(store: &Store) -> Result<Vec<(sled::IVec, serde_json::Value)>> {
        let mut out = Vec::new();
        for item in store.audit.iter() {
            let (k, v) = item?;
            out.push((k, serde_json::from_slice(&v)?));
        }
        Ok(out)
    }

    #[test]
    fn an_untouched_audit_log_verifies_and_each_entry_links_to_the_one_before() -> Result {
        let (_dir, store) = store();
        assert_eq!(store.verify_audit_chain()?, AuditChain::default());
        audited(&store, &["a", "b", "c"])?;
        assert_eq!(
            store.verify_audit_chain()?,
            AuditChain {
                entries: 3,
                unchained: 0,
                broken: None
            }
        );
        let raw = raw_audit(&store)?;
        assert_eq!(raw[0].1["prev"], "", "the first entry links to nothing");
        assert_eq!(raw[1].1["prev"].as_str().map(str::len), Some(64));
        Ok(())
    }

    #[test]
    fn a_changed_removed_or_cut_off_audit_entry_breaks_the_chain() -> Result {
        {
            // Changed in the middle: the entry after it no longer links.
            let (_dir, store) = store();
            audited(&store, &["a", "b", "c"])?;
            let raw = raw_audit(&store)?;
            let mut changed = raw[1].1.clone();
            changed["actor"] = "someone-else".into();
            store
                .audit
                .insert(&raw[1].0, serde_json::to_vec(&changed)?)?;
            let chain = store.verify_audit_chain()?;
            let third = keys::seq_from_key(&raw[2].0).unwrap_or_default();
            assert_eq!(
                chain.broken.as_deref(),
                Some(format!("entry {third} does not link to the entry before it: that entry was changed or removed, or this one was moved").as_str())
            );
        }
        {
            // Removed from the middle.
            let (_dir, store) = store();
            audited(&store, &["a", "b", "c"])?;
            let raw = raw_audit(&store)?;
            store.audit.remove(&raw[1].0)?;
            assert!(store.verify_audit_chain()?.broken.is_some(), "removed");
        }
        {
            // The newest changed: only the head can tell.
            let (_dir, store) = store();
            audited(&store, &["a", "b"])?;
            let raw = raw_audit(&store)?;
            let mut changed = raw[1].1.clone();
            changed["action"] = "login".into();
            store
                .audit
                .insert(&raw[1].0, serde_json::to_vec(&changed)?)?;
            assert_eq!(
                store.verify_audit_chain()?.broken.as_deref(),
                Some("the newest entry was changed")
            );
        }
        {
            // Cut off at the end.
            let (_dir, store) = store();
            audited(&store, &["a", "b", "c"])?;
            let raw = raw_audit(&store)?;
            store.audit.remove(&raw[2].0)?;
            let broken = store.verify_audit_chain()?.broken.unwrap_or_default();
            assert!(
                broken.contains("entries were removed from the end"),
                "{broken}"
            );
            // Emptied.
            store.audit.clear()?;
            assert!(store.verify_audit_chain()?.broken.is_some(), "emptied");
        }
        Ok(())
    }

    #[test]
    fn entries_from_before_the_chain_are_counted_and_the_chain_continues_from_them() -> Result {
        let (_dir, store) = store();
        for action in ["old-a", "old-b"] {
            let seq = store.db.generate_id()?;
            let legacy = serde_json::json!({
                "at": "2026-01-01T00:00:00Z", "actor": "u1", "action": action,
                "target_kind": "user", "target_id": "u2"
            });
            store
                .audit
                .insert(keys::seq_key(seq), serde_json::to_vec(&legacy)?)?;
        }
        assert_eq!(store.verify_audit_chain()?.unchained, 2);
        audited(&store, &["new"])?;
        assert_eq!(
            store.verify_audit_chain()?,
            AuditChain {
                entries: 3,
                unchained: 2,
                broken: None
            }
        );
        // The newest unchained entry is covered by the first link.
        let raw = raw_audit(&store)?;
        let mut changed = raw[1].1.clone();
        changed["action"] = "other".into();
        store
            .audit
            .insert(&raw[1].0, serde_json::to_vec(&changed)?)?;
        assert!(store.verify_audit_chain()?.broken.is_some());
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
