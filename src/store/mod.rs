//! The store: sled holds the record of every listing.
//!
//! One tree per entity (see [`keys`]), values as JSON. Every change to a
//! listing is also appended to a change log under a new sequence number, so the
//! derived search index can record which sequence it covers and catch up with
//! only what it is missing. Writes are acknowledged only after [`Store::flush`].
//! This is the only module that names `sled::`.

mod accounts;
mod backup;
mod check;
mod freshness;
pub mod keys;
mod lists;
mod submissions;

pub use accounts::{AuditChain, AuditEntry, ReferralFilter, TokenRecord};
pub use backup::{BackupError, MANIFEST, Manifest, Restored, TreeFile, read_manifest};
pub use check::{Problems, StoreCheck};
pub use freshness::ServiceStamp;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;
use sled::Transactional;
use sled::transaction::{
    ConflictableTransactionError, ConflictableTransactionResult, TransactionError,
    TransactionalTree,
};

use crate::model::{Organization, Service};

/// sled's page cache. Its default (1 GB) is more than a directory needs; reads of
/// listings for a results page are few and small, and what sled evicts stays in
/// the kernel's file cache. At 1M listings, 128 MB held about 130 MB more of a
/// serving process's memory than 32 MB does (BENCHMARKS.md).
const CACHE_BYTES: u64 = 32 * 1024 * 1024;

/// The on-disk format of the store; bump when the encoding changes incompatibly.
const FORMAT_VERSION: &[u8] = b"1";

/// Errors from the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "the store at {path} is in use by another Hearth process; stop it first, or pass a different --dir"
    )]
    InUse { path: PathBuf },
    #[error("opening the store at {path}: {source}")]
    Open { path: PathBuf, source: sled::Error },
    #[error(
        "the store at {path} was written by a newer or unknown Hearth (format {found}); this build reads format 1"
    )]
    Format { path: PathBuf, found: String },
    #[error("store: {0}")]
    Sled(#[from] sled::Error),
    #[error("store record {key} could not be decoded: {message}")]
    Decode { key: String, message: String },
    #[error("encoding a record: {0}")]
    Encode(#[from] serde_json::Error),
}

/// How far importing the bundled data into a store got. A seed that was started
/// and not finished (the process was killed, a file failed) is resumed at the next
/// start; the import is idempotent, so resuming repeats nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeedState {
    NotStarted,
    Started,
    Done,
}

/// What a batch upsert changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UpsertCounts {
    /// Listings that were not in the store.
    pub inserted: u64,
    /// Listings that were there and changed.
    pub updated: u64,
    /// Listings that were there, identical.
    pub unchanged: u64,
}

/// What a batch upsert wrote, for a caller that indexes it at once (a bulk import).
#[derive(Debug, Default)]
pub struct Upserted {
    pub counts: UpsertCounts,
    /// The positions in the batch of the listings that were written (inserted or changed).
    pub written: Vec<usize>,
    /// Of those, the ones stored as something other than given: the new record
    /// merged with what Hearth itself had recorded (see `Service::keep_hearth_record`).
    pub merged: Vec<(usize, Service)>,
    /// The first and last change-log sequence numbers the batch took (none when
    /// it changed nothing). Listing writes are serialized, so no other write's
    /// changes lie between them.
    pub seqs: Option<(u64, u64)>,
}

/// The sled store. Open once per process.
#[derive(Debug, Clone)]
pub struct Store {
    path: PathBuf,
    db: sled::Db,
    meta: sled::Tree,
    services: sled::Tree,
    organizations: sled::Tree,
    changes: sled::Tree,
    users: sled::Tree,
    users_by_email: sled::Tree,
    tokens: sled::Tree,
    sessions: sled::Tree,
    referrals: sled::Tree,
    referrals_by_user: sled::Tree,
    referrals_by_time: sled::Tree,
    referral_requests: sled::Tree,
    audit: sled::Tree,
    submissions: sled::Tree,
    outbox: sled::Tree,
    claims: sled::Tree,
    search_log: sled::Tree,
    lists: sled::Tree,
    lists_by_user: sled::Tree,
    /// Writes waiting for a flush, and the last flush's coverage (see [`Store::durable`]).
    written: Arc<AtomicU64>,
    flushed: Arc<std::sync::Mutex<u64>>,
    id: String,
    /// Listings in the store, counted once at open and kept up to date by upserts
    /// (sled's `len` walks the whole tree).
    listings: Arc<AtomicU64>,
    /// Held while a transaction writes listings and their change-log entries,
    /// so that entries commit in sequence order: a reader that has seen
    /// sequence N has seen every change numbered below it.
    listing_writes: Arc<std::sync::Mutex<()>>,
    /// Held while an audit entry is numbered and chained to the one before it.
    audit_writes: Arc<std::sync::Mutex<()>>,
}

/// A store in a new temporary directory, for tests.
#[cfg(test)]
pub(crate) fn test_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let store = Store::open(&dir.path().join("store")).unwrap_or_else(|e| panic!("{e}"));
    (dir, store)
}

/// A new store identity: creation time and process, unique enough to tell two stores apart.
fn new_store_id() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{nanos:x}-{:x}", std::process::id())
}

fn is_lock_error(error: &sled::Error) -> bool {
    match error {
        sled::Error::Io(io) => {
            io.kind() == std::io::ErrorKind::WouldBlock
                || io.to_string().to_lowercase().contains("lock")
        }
        _ => false,
    }
}

impl Store {
    /// Opens (or creates) the store at `path`. Fails, after waiting up to a
    /// second for a closing one to let go, when another process has it open.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        std::fs::create_dir_all(path).map_err(|e| StoreError::Open {
            path: path.to_owned(),
            source: sled::Error::Io(e),
        })?;
        // A store that was just closed (by this process, or one that is exiting)
        // can hold its lock a moment longer while sled's flusher stops: wait up to
        // a second before saying it is in use.
        let mut attempts = 0;
        let opened = loop {
            let opened = sled::Config::new()
                .path(path)
                .cache_capacity(CACHE_BYTES)
                .mode(sled::Mode::HighThroughput)
                .open();
            match opened {
                Err(e) if is_lock_error(&e) && attempts < 20 => {
                    attempts += 1;
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                other => break other,
            }
        };
        let db = opened.map_err(|source| {
            if is_lock_error(&source) {
                StoreError::InUse {
                    path: path.to_owned(),
                }
            } else {
                StoreError::Open {
                    path: path.to_owned(),
                    source,
                }
            }
        })?;
        let meta = db.open_tree(keys::META)?;
        match meta.get(keys::META_FORMAT)? {
            None => {
                meta.insert(keys::META_FORMAT, FORMAT_VERSION)?;
            }
            Some(found) if found.as_ref() == FORMAT_VERSION => {}
            Some(found) => {
                return Err(StoreError::Format {
                    path: path.to_owned(),
                    found: String::from_utf8_lossy(&found).into_owned(),
                });
            }
        }
        let id = match meta.get(keys::META_STORE_ID)? {
            Some(id) => String::from_utf8_lossy(&id).into_owned(),
            None => {
                let id = new_store_id();
                meta.insert(keys::META_STORE_ID, id.as_bytes())?;
                db.flush()?;
                id
            }
        };
        let services = db.open_tree(keys::SERVICES)?;
        let organizations = db.open_tree(keys::ORGANIZATIONS)?;
        let changes = db.open_tree(keys::CHANGES)?;
        let listings = Arc::new(AtomicU64::new(listing_count(&meta, &services)?));
        let store = Store {
            path: path.to_owned(),
            users: db.open_tree(keys::USERS)?,
            users_by_email: db.open_tree(keys::USERS_BY_EMAIL)?,
            tokens: db.open_tree(keys::TOKENS)?,
            sessions: db.open_tree(keys::SESSIONS)?,
            referrals: db.open_tree(keys::REFERRALS)?,
            referrals_by_user: db.open_tree(keys::REFERRALS_BY_USER)?,
            referrals_by_time: db.open_tree(keys::REFERRALS_BY_TIME)?,
            referral_requests: db.open_tree(keys::REFERRAL_REQUESTS)?,
            audit: db.open_tree(keys::AUDIT)?,
            submissions: db.open_tree(keys::SUBMISSIONS)?,
            outbox: db.open_tree(keys::OUTBOX)?,
            claims: db.open_tree(keys::CLAIMS)?,
            search_log: db.open_tree(keys::SEARCH_LOG)?,
            lists: db.open_tree(keys::LISTS)?,
            lists_by_user: db.open_tree(keys::LISTS_BY_USER)?,
            written: Arc::new(AtomicU64::new(0)),
            flushed: Arc::new(std::sync::Mutex::new(0)),
            db,
            meta,
            services,
            organizations,
            changes,
            id,
            listings,
            listing_writes: Arc::default(),
            audit_writes: Arc::default(),
        };
        store.migrate_search_log()?;
        store.backfill_referrals_by_time()?;
        Ok(store)
    }

    /// The store's identity (made when it was created).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// How far importing the bundled data into this store got.
    pub fn seed_state(&self) -> Result<SeedState, StoreError> {
        Ok(match self.meta.get(keys::META_SEED)?.as_deref() {
            Some(b"done") => SeedState::Done,
            Some(_) => SeedState::Started,
            None => SeedState::NotStarted,
        })
    }

    /// Records, durably, how far importing the bundled data got.
    pub fn set_seed_state(&self, state: SeedState) -> Result<(), StoreError> {
        match state {
            SeedState::NotStarted => self.meta.remove(keys::META_SEED).map(|_| ())?,
            SeedState::Started => self.meta.insert(keys::META_SEED, b"started").map(|_| ())?,
            SeedState::Done => self.meta.insert(keys::META_SEED, b"done").map(|_| ())?,
        }
        self.flush()
    }

    /// Where the store lives.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Inserts or updates listings in one transaction, logging a change for each
    /// one that is new or different, and keeps each listing's organization in the
    /// organizations tree. Identical records are left alone, so re-importing the
    /// same data changes nothing. Call [`Store::flush`] or [`Store::durable`]
    /// before acknowledging.
    pub fn upsert_services(&self, services: &[Service]) -> Result<UpsertCounts, StoreError> {
        Ok(self.upsert_services_logged(services)?.counts)
    }

    /// [`Store::upsert_services`], saying which listings were written, as what,
    /// and under which change-log sequence numbers.
    pub fn upsert_services_logged(&self, services: &[Service]) -> Result<Upserted, StoreError> {
        let encoded: Vec<(&str, Vec<u8>)> = services
            .iter()
            .map(|s| Ok((s.id.as_str(), serde_json::to_vec(s)?)))
            .collect::<Result<_, serde_json::Error>>()?;
        let mut organizations: Vec<(&str, Vec<u8>)> = services
            .iter()
            .map(|s| {
                Ok((
                    s.organization.id.as_str(),
                    serde_json::to_vec(&s.organization)?,
                ))
            })
            .collect::<Result<_, serde_json::Error>>()?;
        organizations.sort();
        organizations.dedup_by(|a, b| a.0 == b.0);
        let _in_order = self.listing_writes();
        let result = (
            &self.services,
            &self.organizations,
            &self.changes,
            &self.meta,
        )
            .transaction(|(tree, orgs, log, meta)| {
                for (id, value) in &organizations {
                    let key = keys::organization_key(id);
                    if orgs.get(key)?.as_deref() != Some(value.as_slice()) {
                        orgs.insert(key, value.as_slice())?;
                    }
                }
                let mut upserted = Upserted::default();
                let counts = &mut upserted.counts;
                for (index, (id, value)) in encoded.iter().enumerate() {
                    let key = keys::service_key(id);
                    let old = tree.get(key)?;
                    // What Hearth itself recorded (reviews, the change history, who
                    // last updated it) survives a re-import of the source.
                    let merged = old.as_ref().and_then(|old| {
                        let old: Service = serde_json::from_slice(old).ok()?;
                        let mut new = services[index].clone();
                        let bytes = new
                            .keep_hearth_record(&old)
                            .then(|| serde_json::to_vec(&new).ok())??;
                        Some((new, bytes))
                    });
                    let value = merged
                        .as_ref()
                        .map_or(value.as_slice(), |(_, bytes)| bytes.as_slice());
                    match old {
                        Some(old) if old.as_ref() == value => {
                            counts.unchanged += 1;
                            continue;
                        }
                        Some(_) => counts.updated += 1,
                        None => counts.inserted += 1,
                    }
                    tree.insert(key, value)?;
                    let seq = log_change(log, key)?;
                    upserted.seqs =
                        Some(upserted.seqs.map_or((seq, seq), |(first, _)| (first, seq)));
                    upserted.written.push(index);
                    if let Some((service, _)) = merged {
                        upserted.merged.push((index, service));
                    }
                }
                if counts.inserted > 0 {
                    // Listing writes take turns (`_in_order`), so the count held in
                    // memory is the one stored: no need to read it back.
                    let count = self.listings.load(Ordering::Relaxed) + counts.inserted;
                    meta.insert(keys::META_LISTINGS, &count.to_be_bytes()[..])?;
                }
                Ok(upserted)
            });
        let upserted = result.map_err(transaction_error)?;
        let counts = upserted.counts;
        if counts.inserted + counts.updated > 0 {
            self.wrote();
        }
        self.listings.fetch_add(counts.inserted, Ordering::Relaxed);
        Ok(upserted)
    }

    /// The turn to write listings (see `listing_writes`).
    fn listing_writes(&self) -> std::sync::MutexGuard<'_, ()> {
        self.listing_writes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Makes every write so far durable on disk.
    pub fn flush(&self) -> Result<(), StoreError> {
        self.db.flush()?;
        Ok(())
    }

    /// One listing by id.
    pub fn service(&self, id: &str) -> Result<Option<Service>, StoreError> {
        self.services
            .get(keys::service_key(id))?
            .map(|v| decode(id.as_bytes(), &v))
            .transpose()
    }

    /// One organization by id.
    pub fn organization(&self, id: &str) -> Result<Option<Organization>, StoreError> {
        self.organizations
            .get(keys::organization_key(id))?
            .map(|v| decode(id.as_bytes(), &v))
            .transpose()
    }

    /// How many organizations the store holds.
    pub fn organization_count(&self) -> usize {
        self.organizations.len()
    }

    /// How many listings the store holds.
    pub fn service_count(&self) -> usize {
        self.listings.load(Ordering::Relaxed) as usize
    }

    /// Every listing, in id order.
    pub fn services(&self) -> impl Iterator<Item = Result<Service, StoreError>> + '_ {
        self.services.iter().map(|item| {
            let (key, value) = item?;
            decode(&key, &value)
        })
    }

    /// The highest sequence number in the change log (0 when nothing was written).
    pub fn last_seq(&self) -> Result<u64, StoreError> {
        Ok(self
            .changes
            .last()?
            .and_then(|(k, _)| keys::seq_from_key(&k))
            .unwrap_or(0))
    }

    /// Ids of the services changed after sequence `after`, without repeats, with
    /// the last sequence seen.
    pub fn changed_since(&self, after: u64) -> Result<(Vec<String>, u64), StoreError> {
        self.changed_since_except(after, &[])
    }

    /// [`Store::changed_since`], leaving out the changes whose sequence numbers
    /// lie in any of the (inclusive) ranges `except` (those a caller has already
    /// dealt with); a listing changed again outside them is still listed.
    pub fn changed_since_except(
        &self,
        after: u64,
        except: &[(u64, u64)],
    ) -> Result<(Vec<String>, u64), StoreError> {
        let mut except = except.to_vec();
        except.sort_unstable();
        let excepted = |seq: u64| {
            let i = except.partition_point(|&(first, _)| first <= seq);
            i > 0 && seq <= except[i - 1].1
        };
        let mut ids = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut last = after;
        for item in self.changes.range(keys::seq_key(after.saturating_add(1))..) {
            let (key, value) = item?;
            let seq = keys::seq_from_key(&key);
            last = seq.unwrap_or(last);
            if seq.is_some_and(excepted) {
                continue;
            }
            let (service_key, _) = keys::split_change_entry(&value);
            let id = String::from_utf8_lossy(service_key).into_owned();
            if seen.insert(id.clone()) {
                ids.push(id);
            }
        }
        Ok((ids, last))
    }

    /// The saved state of one named job (such as a sync from a remote source), if any.
    pub fn job_state<T: serde::de::DeserializeOwned>(
        &self,
        name: &str,
    ) -> Result<Option<T>, StoreError> {
        let key = keys::job_key(name);
        self.meta.get(&key)?.map(|v| decode(&key, &v)).transpose()
    }

    /// Saves the state of one named job, durably.
    pub fn put_job_state<T: Serialize>(&self, name: &str, state: &T) -> Result<(), StoreError> {
        self.meta
            .insert(keys::job_key(name), serde_json::to_vec(state)?)?;
        self.wrote();
        self.durable()
    }

    /// The saved states of every job whose name starts with `prefix`, in name order.
    pub fn job_states<T: serde::de::DeserializeOwned>(
        &self,
        prefix: &str,
    ) -> Result<Vec<T>, StoreError> {
        self.meta
            .scan_prefix(keys::job_key(prefix))
            .map(|item| {
                let (key, value) = item?;
                decode(&key, &value)
            })
            .collect()
    }

    /// When each listing changed after sequence `after` last changed, in
    /// milliseconds since 1970, from the change log (the latest entry wins), with
    /// the last sequence seen. Listings last changed before the log recorded
    /// times are absent.
    pub fn change_times(
        &self,
        after: u64,
    ) -> Result<(std::collections::HashMap<String, i64>, u64), StoreError> {
        let mut times = std::collections::HashMap::new();
        let mut last = after;
        for item in self.changes.range(keys::seq_key(after.saturating_add(1))..) {
            let (key, value) = item?;
            last = keys::seq_from_key(&key).unwrap_or(last);
            let (service_key, at) = keys::split_change_entry(&value);
            let id = String::from_utf8_lossy(service_key).into_owned();
            match at {
                Some(at) => times.insert(id, at),
                None => times.remove(&id),
            };
        }
        Ok((times, last))
    }

    /// Replaces the record at `key` in `tree` with `after` only if it is still
    /// `before` (so two changes at once never lose one); `false` when it
    /// changed. Counts toward [`Store::durable`].
    fn compare_and_swap<T: Serialize>(
        &self,
        tree: &sled::Tree,
        key: &[u8],
        before: &T,
        after: &T,
    ) -> Result<bool, StoreError> {
        let swapped = tree
            .compare_and_swap(
                key,
                Some(serde_json::to_vec(before)?),
                Some(serde_json::to_vec(after)?),
            )?
            .is_ok();
        if swapped {
            self.wrote();
        }
        Ok(swapped)
    }

    /// The records a per-user index names, in index order: each key of `index`
    /// under `user_id` ends with a record id, read with `fetch` (ids whose record
    /// is gone are skipped).
    fn user_index<T>(
        &self,
        index: &sled::Tree,
        user_id: &str,
        fetch: impl Fn(&str) -> Result<Option<T>, StoreError>,
    ) -> Result<Vec<T>, StoreError> {
        let prefix = keys::user_prefix(user_id);
        let mut out = Vec::new();
        for item in index.scan_prefix(&prefix) {
            let (key, _) = item?;
            if let Some(record) = fetch(&String::from_utf8_lossy(&key[prefix.len()..]))? {
                out.push(record);
            }
        }
        Ok(out)
    }

    /// Moves a search log kept by sequence number alone (stores made before
    /// searches were keyed by hour) into the hour-keyed tree, keeping each
    /// entry's sequence number. Repeating it after an interruption writes the
    /// same keys again, so it is safe to run at every open.
    fn migrate_search_log(&self) -> Result<(), StoreError> {
        let old = self.db.open_tree(keys::SEARCH_LOG_BY_SEQ)?;
        if old.is_empty() {
            return Ok(());
        }
        for item in old.iter() {
            let (key, value) = item?;
            let entry: crate::model::SearchLogEntry = decode(&key, &value)?;
            let seq = keys::seq_from_key(&key).ok_or_else(|| StoreError::Decode {
                key: String::from_utf8_lossy(&key).into_owned(),
                message: "a search log key is not a sequence number".into(),
            })?;
            self.search_log
                .insert(keys::search_log_key(entry.hour, seq), value)?;
        }
        // The moved entries are on disk before the old ones go.
        self.db.flush()?;
        old.clear()?;
        self.db.flush()?;
        Ok(())
    }

    /// Fills the referrals-by-time index for stores made before it existed,
    /// once (a marker in `meta` says it is done; re-running writes the same keys).
    fn backfill_referrals_by_time(&self) -> Result<(), StoreError> {
        if self.meta.contains_key(keys::META_REFERRALS_BY_TIME)? {
            return Ok(());
        }
        for item in self.referrals.iter() {
            let (key, value) = item?;
            let referral: crate::model::Referral = decode(&key, &value)?;
            self.referrals_by_time.insert(
                keys::referral_time_key(referral.created_at, &referral.id),
                &[] as &[u8],
            )?;
        }
        self.db.flush()?;
        self.meta
            .insert(keys::META_REFERRALS_BY_TIME, &[] as &[u8])?;
        self.db.flush()?;
        Ok(())
    }
}

/// How many listings `services` holds: the count kept in `meta`, or, for a
/// store made before that was kept (or a count that does not read), a count of
/// the tree, then kept.
fn listing_count(meta: &sled::Tree, services: &sled::Tree) -> Result<u64, StoreError> {
    // Kept as a big-endian u64, the same form as a sequence-number key.
    if let Some(kept) = meta
        .get(keys::META_LISTINGS)?
        .as_deref()
        .and_then(keys::seq_from_key)
    {
        return Ok(kept);
    }
    let counted = services.len() as u64;
    meta.insert(keys::META_LISTINGS, &counted.to_be_bytes())?;
    Ok(counted)
}

/// The store error a failed transaction carries.
fn transaction_error(error: TransactionError<StoreError>) -> StoreError {
    match error {
        TransactionError::Abort(e) => e,
        TransactionError::Storage(e) => StoreError::Sled(e),
    }
}

/// Appends a change to the listing at `key` to the change log, in a transaction,
/// with the time it was made (see [`keys::change_entry`]).
/// Appends a change of `key` to the change log; returns its sequence number.
fn log_change(
    log: &TransactionalTree,
    key: &[u8],
) -> ConflictableTransactionResult<u64, StoreError> {
    let seq = log.generate_id()? + 1;
    let now = chrono::Utc::now().timestamp_millis();
    log.insert(&keys::seq_key(seq), keys::change_entry(key, now))?;
    Ok(seq)
}

/// [`decode`], inside a transaction: a record that does not decode aborts it.
fn decode_in<T: serde::de::DeserializeOwned>(
    key: &[u8],
    value: &[u8],
) -> ConflictableTransactionResult<T, StoreError> {
    decode(key, value).map_err(ConflictableTransactionError::Abort)
}

/// Reads a JSON record; a record that does not decode is an error naming its key.
fn decode<T: serde::de::DeserializeOwned>(key: &[u8], value: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(value).map_err(|e| StoreError::Decode {
        key: String::from_utf8_lossy(key).into_owned(),
        message: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Organization, SourceRef};

    fn service(id: &str, name: &str) -> Service {
        Service {
            id: id.into(),
            source: SourceRef {
                dataset: "test".into(),
                id: id.into(),
            },
            organization: Organization {
                id: "org".into(),
                name: "Org".into(),
                ..Organization::default()
            },
            name: name.into(),
            ..Service::default()
        }
    }

    #[test]
    fn upserts_are_idempotent_and_logged() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let store = Store::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        let batch = vec![service("a", "Food pantry"), service("b", "Legal aid")];
        let counts = store
            .upsert_services(&batch)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            counts,
            UpsertCounts {
                inserted: 2,
                updated: 0,
                unchanged: 0
            }
        );
        let seq = store.last_seq().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(seq, 2);
        let again = store
            .upsert_services(&batch)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            again,
            UpsertCounts {
                inserted: 0,
                updated: 0,
                unchanged: 2
            }
        );
        assert_eq!(
            store.last_seq().unwrap_or_default(),
            seq,
            "identical records must not be logged"
        );

        let changed = store
            .upsert_services(&[service("b", "Legal aid clinic")])
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(changed.updated, 1);
        let (ids, last) = store.changed_since(seq).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(ids, vec!["b".to_owned()]);
        assert_eq!(last, 3);
        assert_eq!(
            store.service("b").ok().flatten().map(|s| s.name),
            Some("Legal aid clinic".into())
        );
        assert_eq!(store.service_count(), 2);
        assert_eq!(store.organization_count(), 1);
        drop(store);
        let reopened = Store::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(reopened.service_count(), 2, "the count survives a restart");
        assert_eq!(
            reopened.organization("org").ok().flatten().map(|o| o.name),
            Some("Org".into())
        );
    }

    #[test]
    fn a_store_without_a_readable_listing_count_counts_its_listings_when_opened() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let store = Store::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        store
            .upsert_services(&[service("a", "Food pantry"), service("b", "Legal aid")])
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            store
                .meta
                .get(keys::META_LISTINGS)
                .ok()
                .flatten()
                .as_deref(),
            Some(&2u64.to_be_bytes()[..]),
            "the count is kept with the listings"
        );
        // As a store made before the count was kept: no count.
        store
            .meta
            .remove(keys::META_LISTINGS)
            .unwrap_or_else(|e| panic!("{e}"));
        store.flush().unwrap_or_else(|e| panic!("{e}"));
        drop(store);
        let store = Store::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(store.service_count(), 2);
        store
            .upsert_services(&[service("c", "Shelter")])
            .unwrap_or_else(|e| panic!("{e}"));
        // A count that does not read is counted again, not taken as zero.
        store
            .meta
            .insert(keys::META_LISTINGS, &b"??"[..])
            .unwrap_or_else(|e| panic!("{e}"));
        store.flush().unwrap_or_else(|e| panic!("{e}"));
        drop(store);
        let store = Store::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(store.service_count(), 3);
    }

    #[test]
    fn a_logged_upsert_says_what_it_wrote_and_under_which_sequence_numbers() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let store = Store::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        let first = vec![service("a", "Food pantry"), service("b", "Legal aid")];
        let done = store
            .upsert_services_logged(&first)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(done.written, [0, 1]);
        assert_eq!(done.seqs, Some((1, 2)));
        assert!(done.merged.is_empty());
        // Unchanged `a`, changed `b`, new `c`: only the last two are written.
        let second = vec![
            service("a", "Food pantry"),
            service("b", "Legal aid clinic"),
            service("c", "Shelter"),
        ];
        let again = store
            .upsert_services_logged(&second)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(again.written, [1, 2]);
        assert_eq!(again.seqs, Some((3, 4)));
        assert_eq!(again.counts.unchanged, 1);
        let none = store
            .upsert_services_logged(&second)
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(none.written.is_empty() && none.seqs.is_none());
        // Another change to `a` after the batches: only it is left to deal with.
        store
            .upsert_services(&[service("a", "Food pantry and closet")])
            .unwrap_or_else(|e| panic!("{e}"));
        let (ids, last) = store
            .changed_since_except(0, &[(3, 4), (1, 2)])
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((ids, last), (vec!["a".to_owned()], 5));
        let (ids, _) = store
            .changed_since_except(0, &[(3, 3)])
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(ids, ["a", "b", "c"]);
    }

    #[test]
    fn a_store_keeps_its_identity_and_seed_marker() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let other = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let store = Store::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        let id = store.id().to_owned();
        assert_eq!(store.seed_state().ok(), Some(SeedState::NotStarted));
        store
            .set_seed_state(SeedState::Started)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(store.seed_state().ok(), Some(SeedState::Started));
        store
            .set_seed_state(SeedState::Done)
            .unwrap_or_else(|e| panic!("{e}"));
        drop(store);
        let store = Store::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(store.id(), id);
        assert_eq!(store.seed_state().ok(), Some(SeedState::Done));
        let second = Store::open(other.path()).unwrap_or_else(|e| panic!("{e}"));
        assert_ne!(second.id(), id, "two stores have different identities");
    }

    #[test]
    fn a_second_open_of_the_same_store_fails_at_once_with_a_clear_message() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let _first = Store::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        let second = Store::open(dir.path())
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            second.contains("in use by another Hearth process"),
            "{second}"
        );
    }
}
