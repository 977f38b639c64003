//! `hearth check`: the store reads back whole and the search index holds
//! exactly the documents the store implies.

use super::{Directory, DirectoryError, Progress};
use crate::index::document_keys;
use crate::store::{Problems, StoreCheck};

/// What [`Directory::check`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckReport {
    pub store: StoreCheck,
    pub index: IndexCheck,
}

impl CheckReport {
    /// Whether the store and the index are sound and agree.
    pub fn is_sound(&self) -> bool {
        self.store.is_sound() && self.index.is_sound()
    }

    /// Every problem listed: the store's, the audit chain's break, the index's.
    pub fn listed(&self) -> Vec<&String> {
        self.store
            .problems
            .listed
            .iter()
            .chain(self.store.audit.broken.iter())
            .chain(&self.index.problems.listed)
            .collect()
    }

    /// How many problems, listed or counted only.
    pub fn count(&self) -> u64 {
        self.store.problems.count()
            + u64::from(self.store.audit.broken.is_some())
            + self.index.problems.count()
    }
}

/// How the search index compares with the store.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexCheck {
    /// Live documents in the index.
    pub documents: u64,
    /// Documents the store's active listings imply.
    pub expected: u64,
    /// The change the index covers and the store's last one.
    pub covered_seq: u64,
    pub last_seq: u64,
    /// Each disagreement, naming the document key.
    pub problems: Problems,
}

impl IndexCheck {
    pub fn is_sound(&self) -> bool {
        self.problems.count() == 0
    }
}

impl Directory {
    /// Reads the whole store (see [`crate::store::Store::check`]) and compares
    /// the index's documents with the ones the store's listings imply: none
    /// missing, none extra, none twice, and the index covering the store's
    /// last change.
    pub fn check(&self, progress: &dyn Progress) -> Result<CheckReport, DirectoryError> {
        progress.begin("checking the store", None);
        let store = self.store.check()?;
        progress.end();
        let mut index = IndexCheck::default();
        let covered = self.index.covered()?;
        index.covered_seq = covered.seq;
        index.last_seq = self.store.last_seq()?;
        let mut listed = 0;
        if covered.store_id != self.store.id() {
            index.problems.add(
                &mut listed,
                format!(
                    "the index was built from store {:?}, not this one ({})",
                    covered.store_id,
                    self.store.id()
                ),
            );
        }
        if covered.seq != index.last_seq {
            index.problems.add(
                &mut listed,
                format!(
                    "the index covers store changes up to {}, but the store's last is {}",
                    covered.seq, index.last_seq
                ),
            );
        }
        progress.begin(
            "comparing the index with the store",
            Some(self.store.service_count() as u64),
        );
        let mut held = self.index.document_keys()?;
        index.documents = held.values().map(|n| u64::from(*n)).sum();
        let (mut missing, mut repeated) = (0, 0);
        for service in self.store.services() {
            let Ok(service) = service else {
                continue; // reported by the store's check
            };
            for key in document_keys(&service) {
                index.expected += 1;
                match held.remove(&key) {
                    None => index.problems.add(
                        &mut missing,
                        format!(
                            "listing {} is not in the index (document {key})",
                            service.id
                        ),
                    ),
                    Some(1) => {}
                    Some(n) => index.problems.add(
                        &mut repeated,
                        format!(
                            "document {key} of listing {} is in the index {n} times",
                            service.id
                        ),
                    ),
                }
            }
            progress.advance(1);
        }
        progress.end();
        let mut extra: Vec<String> = held.into_keys().collect();
        extra.sort();
        let mut listed = 0;
        for key in extra {
            index.problems.add(
                &mut listed,
                format!(
                    "document {key} is in the index, but no active listing in the store has it"
                ),
            );
        }
        Ok(CheckReport { store, index })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::Silent;
    use crate::model::{Location, Service, ServiceStatus};

    type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

    fn listing(id: &str) -> Service {
        Service {
            id: id.into(),
            name: format!("Listing {id}"),
            locations: vec![Location {
                id: "a".into(),
                latitude: Some(25.77),
                longitude: Some(-80.19),
                ..Location::default()
            }],
            ..Service::default()
        }
    }

    #[test]
    fn the_index_and_the_store_are_compared_document_by_document() -> Result {
        let home = tempfile::tempdir()?;
        let (directory, _) = Directory::open(home.path(), &Silent)?;
        directory
            .store
            .upsert_services(&[listing("s1"), listing("s2")])?;
        directory.catch_up(&Silent)?;
        let report = directory.check(&Silent)?;
        assert!(report.is_sound(), "{report:?}");
        assert_eq!((report.index.documents, report.index.expected), (2, 2));

        // The index loses s1 and gains a listing the store never had, behind
        // the store's back.
        let covered = directory.index.covered()?;
        let closed = Service {
            status: ServiceStatus::Inactive,
            ..listing("s1")
        };
        directory.index.upsert([&closed, &listing("ghost")])?;
        directory.index.commit(&covered)?;
        let report = directory.check(&Silent)?;
        assert!(report.store.is_sound());
        assert_eq!(
            report.index.problems.listed,
            [
                "listing s1 is not in the index (document s1/a)",
                "document ghost/a is in the index, but no active listing in the store has it",
            ]
        );
        assert!(!report.is_sound());

        // A change the index has not caught up with.
        directory.store.upsert_services(&[listing("s3")])?;
        let report = directory.check(&Silent)?;
        assert!(
            report
                .index
                .problems
                .listed
                .iter()
                .any(|p| p.starts_with("the index covers store changes up to")),
            "{:?}",
            report.index.problems.listed
        );
        Ok(())
    }
}
