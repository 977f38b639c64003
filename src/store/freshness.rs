//! Freshness reads and writes over the listings tree: a light scan of the
//! fields that say how fresh each listing is, and a change to one listing,
//! logged for the search index like an import's.
//!
//! What counts as stale, and in what order, is the directory's
//! (`directory::freshness`); this file only reads and writes records.

use serde::Deserialize;
use sled::Transactional;
use sled::transaction::ConflictableTransactionError;

use super::{Store, StoreError, decode, decode_in, keys, log_change, transaction_error};
use crate::model::{Service, ServiceStatus, SourceRef};

/// The fields of a stored listing that freshness needs, read without decoding
/// the rest (locations, schedules, taxonomy), so a scan of every listing stays
/// light.
#[derive(Debug, Clone, Deserialize)]
pub struct ServiceStamp {
    pub id: String,
    pub name: String,
    pub source: SourceRef,
    #[serde(default)]
    pub status: ServiceStatus,
    /// HSDS `assured_date`, as stored.
    #[serde(default)]
    pub assured_date: Option<String>,
    /// HSDS `last_modified`, as stored.
    #[serde(default)]
    pub last_modified: Option<String>,
    #[serde(default)]
    pub source_note: Option<String>,
}

impl Store {
    /// The freshness fields of every listing, in id order.
    pub fn service_stamps(&self) -> impl Iterator<Item = Result<ServiceStamp, StoreError>> + '_ {
        self.services.iter().map(|item| {
            let (key, value) = item?;
            decode(&key, &value)
        })
    }

    /// Changes one listing in place with `change`, in one transaction with its
    /// change-log entry (so the index catches up with it as with an import).
    /// `change` may run more than once when another write races it; it must
    /// only set fields. Returns the listing as stored, or `None` when there is
    /// no listing with that id. Counts toward [`Store::durable`].
    pub fn update_service(
        &self,
        id: &str,
        change: impl Fn(&mut Service),
    ) -> Result<Option<Service>, StoreError> {
        let key = keys::service_key(id);
        let _in_order = self.listing_writes();
        let result = (&self.services, &self.changes).transaction(|(services, log)| {
            let Some(old) = services.get(key)? else {
                return Ok(None);
            };
            let mut service: Service = decode_in(key, &old)?;
            change(&mut service);
            let value = serde_json::to_vec(&service)
                .map_err(|e| ConflictableTransactionError::Abort(StoreError::Encode(e)))?;
            if value.as_slice() != old.as_ref() {
                services.insert(key, value.as_slice())?;
                log_change(log, key)?;
            }
            Ok(Some(service))
        });
        let updated = result.map_err(transaction_error)?;
        if updated.is_some() {
            self.wrote();
        }
        Ok(updated)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::model::Organization;

    fn service(id: &str) -> Service {
        Service {
            id: id.into(),
            name: format!("Service {id}"),
            source: SourceRef {
                dataset: "test-2024".into(),
                id: id.into(),
            },
            organization: Organization {
                id: "org".into(),
                name: "Org".into(),
                ..Organization::default()
            },
            assured_date: Some("2024-01-02".into()),
            ..Service::default()
        }
    }

    #[test]
    fn an_update_is_logged_once_and_a_no_op_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store
            .upsert_services(&[service("a"), service("b")])
            .unwrap();
        let before = store.last_seq().unwrap();
        let updated = store
            .update_service("a", |s| s.assured_date = Some("2026-11-02".into()))
            .unwrap()
            .unwrap();
        assert_eq!(updated.assured_date.as_deref(), Some("2026-11-02"));
        let (ids, last) = store.changed_since(before).unwrap();
        assert_eq!(ids, ["a"]);
        assert_eq!(
            store.service("a").unwrap().unwrap().assured_date.as_deref(),
            Some("2026-11-02")
        );
        // The same change again writes nothing new.
        store
            .update_service("a", |s| s.assured_date = Some("2026-11-02".into()))
            .unwrap();
        assert_eq!(store.last_seq().unwrap(), last);
        assert!(store.update_service("missing", |_| {}).unwrap().is_none());
    }

    #[test]
    fn stamps_carry_the_freshness_fields_of_every_listing() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store
            .upsert_services(&[service("a"), service("b")])
            .unwrap();
        let stamps: Vec<ServiceStamp> = store.service_stamps().map(Result::unwrap).collect();
        assert_eq!(stamps.len(), 2);
        assert_eq!(stamps[0].id, "a");
        assert_eq!(stamps[0].source.dataset, "test-2024");
        assert_eq!(stamps[0].assured_date.as_deref(), Some("2024-01-02"));
        assert_eq!(stamps[0].status, ServiceStatus::Active);
    }
}
