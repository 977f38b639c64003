//! `hearth check`'s look at the store: every record reads back as what its tree
//! holds, the indexes kept beside the records point where they should, the
//! listing count is right and the audit log's chain is whole.

use serde::de::DeserializeOwned;

use super::{AuditChain, Store, StoreError, TokenRecord, decode, keys};
use crate::model::{
    Organization, OutboxMessage, Referral, SavedList, SearchLogEntry, Service, Submission, User,
};

/// The most problems listed for one kind of record; past it they are counted.
const LISTED: usize = 20;

/// Problems a check found: the first [`LISTED`] of each kind listed, the rest counted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Problems {
    /// Each problem listed, naming the record.
    pub listed: Vec<String>,
    /// Problems past the listed ones of their kind.
    pub unlisted: u64,
}

impl Problems {
    /// Adds a problem; `of_kind` counts those listed of its kind so far.
    pub fn add(&mut self, of_kind: &mut usize, what: String) {
        if *of_kind < LISTED {
            self.listed.push(what);
            *of_kind += 1;
        } else {
            self.unlisted += 1;
        }
    }

    /// How many, listed or not.
    pub fn count(&self) -> u64 {
        self.listed.len() as u64 + self.unlisted
    }
}

/// What [`Store::check`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoreCheck {
    /// Each tree checked and how many records it holds, in the order checked.
    pub counts: Vec<(&'static str, u64)>,
    /// Every problem found, each naming the tree and record.
    pub problems: Problems,
    /// The audit log's chain.
    pub audit: AuditChain,
}

impl StoreCheck {
    /// Whether nothing is wrong (the audit chain included).
    pub fn is_sound(&self) -> bool {
        self.problems.count() == 0 && self.audit.broken.is_none()
    }
}

impl Store {
    /// Reads every record of the store and reports what does not hold
    /// together. Reads only; safe while nothing else has the store open.
    pub fn check(&self) -> Result<StoreCheck, StoreError> {
        let mut check = StoreCheck::default();
        self.check_tree::<Service>(&self.services, keys::SERVICES, &mut check)?;
        self.check_tree::<Organization>(&self.organizations, keys::ORGANIZATIONS, &mut check)?;
        self.check_tree::<User>(&self.users, keys::USERS, &mut check)?;
        self.check_tree::<TokenRecord>(&self.tokens, keys::TOKENS, &mut check)?;
        self.check_tree::<Referral>(&self.referrals, keys::REFERRALS, &mut check)?;
        self.check_tree::<Submission>(&self.submissions, keys::SUBMISSIONS, &mut check)?;
        self.check_tree::<OutboxMessage>(&self.outbox, keys::OUTBOX, &mut check)?;
        self.check_tree::<SavedList>(&self.lists, keys::LISTS, &mut check)?;
        self.check_tree::<SearchLogEntry>(&self.search_log, keys::SEARCH_LOG, &mut check)?;

        let mut listed = 0;
        let stored = self.services.len() as u64;
        let kept = self.service_count() as u64;
        if kept != stored {
            check.problems.add(
                &mut listed,
                format!(
                    "{}: the store counts {kept} listings but holds {stored}",
                    keys::SERVICES
                ),
            );
        }
        self.check_referral_indexes(&mut check)?;
        self.check_emails(&mut check)?;
        check.audit = self.verify_audit_chain()?;
        Ok(check)
    }

    fn check_tree<T: DeserializeOwned>(
        &self,
        tree: &sled::Tree,
        name: &'static str,
        check: &mut StoreCheck,
    ) -> Result<(), StoreError> {
        let mut count = 0;
        let mut listed = 0;
        for item in tree.iter() {
            let (key, value) = item?;
            count += 1;
            if let Err(e) = decode::<T>(&key, &value) {
                check.problems.add(&mut listed, format!("{name}: {e}"));
            }
        }
        check.counts.push((name, count));
        Ok(())
    }

    /// Each referral is listed under its clinician and its time, and each
    /// time entry names a referral that exists.
    fn check_referral_indexes(&self, check: &mut StoreCheck) -> Result<(), StoreError> {
        let mut listed = 0;
        for item in self.referrals.iter() {
            let (key, value) = item?;
            let Ok(referral) = decode::<Referral>(&key, &value) else {
                continue; // reported with the referrals
            };
            if !self
                .referrals_by_user
                .contains_key(keys::user_scoped(&referral.created_by, &referral.id))?
            {
                check.problems.add(
                    &mut listed,
                    format!(
                        "{}: referral {} is missing from its clinician's list",
                        keys::REFERRALS_BY_USER,
                        referral.id
                    ),
                );
            }
            if !self
                .referrals_by_time
                .contains_key(keys::referral_time_key(referral.created_at, &referral.id))?
            {
                check.problems.add(
                    &mut listed,
                    format!(
                        "{}: referral {} is missing from the list by time",
                        keys::REFERRALS_BY_TIME,
                        referral.id
                    ),
                );
            }
        }
        let mut listed = 0;
        for item in self.referrals_by_time.iter() {
            let (key, _) = item?;
            let id = String::from_utf8_lossy(key.get(8..).unwrap_or_default()).into_owned();
            if !self.referrals.contains_key(id.as_bytes())? {
                check.problems.add(
                    &mut listed,
                    format!(
                        "{}: names referral {id}, which is not in the store",
                        keys::REFERRALS_BY_TIME
                    ),
                );
            }
        }
        Ok(())
    }

    /// Each e-mail address leads to a user with that address.
    fn check_emails(&self, check: &mut StoreCheck) -> Result<(), StoreError> {
        let mut listed = 0;
        for item in self.users_by_email.iter() {
            let (email, id) = item?;
            let email = String::from_utf8_lossy(&email).into_owned();
            let id = String::from_utf8_lossy(&id).into_owned();
            let found = self.user(&id).ok().flatten();
            if found.is_none_or(|user| user.email != email) {
                check.problems.add(
                    &mut listed,
                    format!(
                        "{}: {email} leads to user {id}, who is not in the store with that address",
                        keys::USERS_BY_EMAIL
                    ),
                );
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

    use crate::store::test_store as store;

    #[test]
    fn an_empty_store_is_sound_and_every_tree_is_counted() -> Result {
        let (_dir, store) = store();
        let check = store.check()?;
        assert!(check.is_sound(), "{check:?}");
        assert_eq!(check.counts.len(), 9);
        assert!(check.counts.iter().all(|(_, n)| *n == 0));
        Ok(())
    }

    #[test]
    fn an_unreadable_record_and_a_dangling_index_entry_are_named() -> Result {
        let (_dir, store) = store();
        store.referrals.insert(b"r-bad", &b"{ not json"[..])?;
        store.referrals_by_time.insert(
            keys::referral_time_key(chrono::Utc::now(), "r-gone"),
            &[] as &[u8],
        )?;
        store
            .users_by_email
            .insert(b"a@clinic.test", &b"u-gone"[..])?;
        let check = store.check()?;
        assert!(!check.is_sound());
        let all = check.problems.listed.join("\n");
        assert!(
            all.contains("referrals: store record r-bad could not be decoded"),
            "{all}"
        );
        assert!(
            all.contains("names referral r-gone, which is not in the store"),
            "{all}"
        );
        assert!(all.contains("a@clinic.test leads to user u-gone"), "{all}");
        assert_eq!(check.problems.listed.len(), 3, "{all}");
        Ok(())
    }

    #[test]
    fn problems_past_the_listed_number_are_counted_not_listed() -> Result {
        let (_dir, store) = store();
        for i in 0..25 {
            store.lists.insert(format!("l{i}").as_bytes(), &b"[]"[..])?;
        }
        let check = store.check()?;
        assert_eq!(check.problems.listed.len(), LISTED);
        assert_eq!(check.problems.unlisted, 5);
        assert!(!check.is_sound());
        Ok(())
    }
}
