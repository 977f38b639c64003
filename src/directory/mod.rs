//! The directory: the store and the search index, opened together and kept in agreement.
//!
//! The store is the record; the index is derived. Opening a directory brings the
//! index up to date: a missing, unreadable or other-schema index is rebuilt from
//! the store, and an index that is behind replays only the changes it is missing.
//! Imports write the store first (flushed), then index what changed.

mod accounts;
mod backup;
mod check;
mod freshness;
mod hsds;
mod lists;
mod referrals;
mod submissions;
mod sync;

pub use crate::store::ReferralFilter;
pub use accounts::{AccountError, LoginError, SessionLookup, SignedIn};
pub use backup::{backup_home, restore_home};
pub use check::{CheckReport, IndexCheck};
pub use freshness::{
    ChangedEntry, ChangedPage, Freshness, FreshnessError, REVIEW_MONTHS, SourceCount, StaleEntry,
    StaleKind, StaleQueue, StaleRequest, may_verify, parse_instant, review_cutoff, snapshot_year,
};
pub use hsds::{
    DEFAULT_PER_PAGE, HsdsError, HsdsList, HsdsPage, HsdsQuery, HsdsSelection, MAX_PER_PAGE,
    Postcode, parse_flag, parse_modified_after,
};
pub use lists::{
    ListAccess, ListError, ListItemView, ListPerson, ListView, MAX_LIST_ITEMS, MAX_LIST_MEMBERS,
    MAX_LIST_NAME_CHARS, MY_LIST, NewListItem,
};
pub use referrals::{ReferralError, Viewer};
pub use submissions::{
    ModeratorEdits, SUBMITTED_DATASET, SubmissionError, UPDATED_BY_ORGANIZATION,
    check_service_json, email_matches_website, field_changes,
};
pub use sync::{SyncError, SyncReport, SyncSchedule, SyncSkip, SyncState, parse_every};

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

use chrono::{DateTime, Utc};

use crate::geo::{Gazetteer, GazetteerError};
use crate::hours::{self, OpenState};
use crate::import::{
    self, CategoryMap, CategoryMapError, ImportContext, ImportError, ReadOptions, SkippedRow,
};
use crate::index::{
    Covered, DatedHours, Facets, Hits, IndexError, OpenOutcome, SearchIndex, SearchRequest,
};
pub use crate::index::{MatchKind, Scope};
use crate::model::{Category, Location, Service};
use crate::store::{SeedState, Store, StoreError};

/// A store failure is a directory failure for each request error that wraps one.
macro_rules! store_errors_are_directory_errors {
    ($($error:ty),+) => {$(
        impl From<StoreError> for $error {
            fn from(e: StoreError) -> $error {
                <$error>::Directory(e.into())
            }
        }
    )+};
}

store_errors_are_directory_errors!(
    AccountError,
    LoginError,
    FreshnessError,
    ListError,
    ReferralError,
    SubmissionError
);

/// Errors from opening or changing the directory.
#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Index(#[from] IndexError),
    #[error(transparent)]
    Import(#[from] ImportError),
    #[error(transparent)]
    Gazetteer(#[from] GazetteerError),
    #[error(transparent)]
    Categories(#[from] CategoryMapError),
    /// A source of an import could not be read; the sources before it were imported.
    #[error("{0}")]
    SourceFailed(String),
}

/// Reports long work to whoever is watching (a progress bar, or nobody).
pub trait Progress: Sync {
    /// A new phase starts, with its total units of work when known.
    fn begin(&self, what: &str, total: Option<u64>);
    /// `n` more units are done.
    fn advance(&self, n: u64);
    /// The phase is over.
    fn end(&self);
}

/// A [`Progress`] that shows nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Progress for Silent {
    fn begin(&self, _: &str, _: Option<u64>) {}
    fn advance(&self, _: u64) {}
    fn end(&self) {}
}

/// What opening the directory had to do to the index.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenReport {
    pub index: OpenOutcome,
    /// Listings re-indexed: all of them after a rebuild, the changed ones after a catch-up.
    pub reindexed: u64,
    pub rebuilt: bool,
}

/// One source's import result.
#[derive(Debug, Clone)]
pub struct SourceReport {
    pub path: PathBuf,
    pub format: &'static str,
    pub dataset: String,
    pub rows_read: u64,
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub skipped: Vec<SkippedRow>,
    /// Rows imported with some of their data changed or left out, and why.
    pub notes: Vec<SkippedRow>,
}

/// What an import did, per source, and how long it took.
#[derive(Debug, Clone, Default)]
pub struct ImportReport {
    /// The sources imported, in order.
    pub sources: Vec<SourceReport>,
    /// The source that could not be read, and why (the import stopped there; it
    /// wrote nothing from it, and the sources before it stay imported).
    pub failed: Option<(PathBuf, String)>,
    pub reindexed: u64,
    pub took: std::time::Duration,
}

impl ImportReport {
    /// The failure as an error, for callers that treat any failed source as one.
    pub fn into_result(self) -> Result<ImportReport, DirectoryError> {
        match &self.failed {
            Some((_, message)) => Err(DirectoryError::SourceFailed(message.clone())),
            None => Ok(self),
        }
    }

    /// Listings new to the store, over all sources.
    pub fn inserted(&self) -> u64 {
        self.sources.iter().map(|s| s.inserted).sum()
    }
    /// Listings changed, over all sources.
    pub fn updated(&self) -> u64 {
        self.sources.iter().map(|s| s.updated).sum()
    }
}

/// A search result with its listing loaded from the store.
#[derive(Debug, Clone)]
pub struct SearchResult {
    pub service: Service,
    /// The location this result is at (services with several locations appear once per nearby location).
    pub location: Option<Location>,
    pub distance_miles: Option<f64>,
    /// How it matches the place searched (none when no place was given).
    pub match_kind: Option<MatchKind>,
    /// How many other locations of the service also matched.
    pub more_locations: usize,
    pub score: f32,
    /// Whether it is open at the time of the search, in the location's own time zone.
    pub open: OpenState,
}

pub use hours::listing_hours_at as hours_at;

/// A listing's hours at one place, ready to show.
#[derive(Debug, Clone, PartialEq)]
pub struct HoursView {
    /// Readable lines ("Mon–Fri 9:00 am – 5:00 pm"), or the source's words when they could not be read.
    pub lines: Vec<String>,
    pub state: OpenState,
}

/// The hours of each of a listing's locations (in order), or of the service itself
/// when it has no location, with whether each is open at `now`.
pub fn listing_hours(service: &Service, now: DateTime<Utc>) -> Vec<HoursView> {
    let view = |location: Option<&Location>| {
        let hours = hours_at(service, location);
        HoursView {
            lines: hours::summary(&hours),
            state: hours::state_at(&hours, hours::zone_of(location), now),
        }
    };
    if service.locations.is_empty() {
        vec![view(None)]
    } else {
        service.locations.iter().map(|l| view(Some(l))).collect()
    }
}

/// Whether a listing is open at `now` at one of its locations, judged in that
/// location's time zone (from its state and point).
pub fn open_state(service: &Service, location: Option<&Location>, now: DateTime<Utc>) -> OpenState {
    hours::state_at(&hours_at(service, location), hours::zone_of(location), now)
}

/// Whether a listing is known to be open at `when` at one of its locations
/// (`None` when its hours are unknown or by appointment).
pub fn open_at(
    service: &Service,
    location: Option<&Location>,
    when: DateTime<Utc>,
) -> Option<bool> {
    hours::open_at(&hours_at(service, location), hours::zone_of(location), when)
}

/// A change to a search that would find something, and how much.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum WayOut {
    /// The same search over a larger radius (miles), with its count.
    Radius(f64, usize),
    /// The same search without the opening-hours filter.
    AnyHours(usize),
    /// The services that serve the place (the search asked for nearby ones only).
    Serving(usize),
    /// The same search without this filter (its parameter name).
    Drop(&'static str, usize),
}

/// A page of search results.
#[derive(Debug, Clone, Default)]
pub struct SearchPage {
    /// How many services match (each once).
    pub total: usize,
    /// How many of them have a location within the radius; the rest serve the area.
    pub nearby: usize,
    pub results: Vec<SearchResult>,
    /// When nothing was found: the one-step changes that would find something.
    pub ways_out: Vec<WayOut>,
    /// Results by category, need and language, and how many are open now.
    pub facets: Facets,
    /// What the text was read as: stems, vocabulary phrases, spelling corrections
    /// (empty when it had nothing searchable).
    pub terms: Vec<String>,
    /// True when the text was read as Spanish.
    pub spanish: bool,
    /// How many of the text's words and phrases every result matches, of how
    /// many (fewer than all when nothing matched them all).
    pub matched_concepts: Option<(usize, usize)>,
    /// The SDOH needs the text's vocabulary phrases name.
    pub text_needs: Vec<crate::model::Need>,
    /// The distance to the nearest result within the radius.
    pub nearest_miles: Option<f64>,
    pub took: std::time::Duration,
}

/// What a suggestion completes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SuggestionKind {
    /// A category: search with `category={value}`.
    Category,
    /// A lay term of the need vocabulary: search with `q={value}`.
    Term,
    /// A service name: search with `q={value}`.
    Service,
}

/// One completion of what someone is typing.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Suggestion {
    /// What to show.
    pub text: String,
    pub kind: SuggestionKind,
    /// What to search with (a category slug, or the text).
    pub value: String,
}

/// A place supply is counted around: a centre, and the coverage terms
/// (`zip:05401`, `county:50007`, `state:VT`, `national`) a service's area must
/// hold to serve it.
#[derive(Debug, Clone, PartialEq)]
pub struct SupplyPoint {
    pub lat: f64,
    pub lon: f64,
    pub areas: Vec<String>,
}

/// Services meeting a need around one place (see [`Directory::supply_at`]).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Supply {
    /// Located within 5, 10 and 25 miles.
    pub within: [usize; 3],
    /// Serving the area (their service area covers it, or online/phone nationally).
    pub serving: usize,
    /// Miles to the nearest one within 25 miles.
    pub nearest: Option<f64>,
}

/// Full-rule hours for the listings the index cannot judge, read from the store.
struct StoredHours<'a> {
    store: &'a Store,
    /// The first store error met (the index's callback cannot return one).
    failed: std::cell::Cell<Option<StoreError>>,
}

impl DatedHours for StoredHours<'_> {
    fn open_at(&self, service_id: &str, location_id: Option<&str>, when: DateTime<Utc>) -> bool {
        match self.store.service(service_id) {
            Ok(Some(service)) => {
                let location = location_id.and_then(|id| service.location(id));
                open_at(&service, location, when) == Some(true)
            }
            Ok(None) => false,
            Err(e) => {
                self.failed.set(Some(e));
                false
            }
        }
    }
}

/// The store, the index, the gazetteer and the category mapping of one Hearth home.
#[derive(Debug)]
pub struct Directory {
    store: Store,
    index: SearchIndex,
    gazetteer: Gazetteer,
    categories: CategoryMap,
    /// Failed sign-ins per account and per address (in memory; a restart clears it).
    limiter: crate::auth::LoginLimiter,
    /// Supply counts already made, and the index generation they were made on.
    supply_cache: Mutex<(u64, HashMap<String, Supply>)>,
    /// What the HSDS API filters on, built on first use (see [`hsds`]).
    hsds: std::sync::RwLock<hsds::Catalog>,
    /// One catch-up of the index at a time: writers that arrive while one
    /// commits wait, and the next commit covers all of them (group commit).
    index_turn: Mutex<()>,
}

const INDEX_BATCH: usize = 2_000;
/// Listings of a large HSDS JSON file read and written at a time (see [`import::read_source_batches`]).
/// Up to three batches are alive at once (being read, waiting, being written):
/// at 5,000 a 1M build peaked at 750 MB, at 2,000 at 544 MB, in the same time.
const IMPORT_BATCH: usize = 2_000;

impl Directory {
    /// Opens the directory at `home` (`home/store` and `home/search`) and brings
    /// the index up to date with the store.
    pub fn open(
        home: &Path,
        progress: &dyn Progress,
    ) -> Result<(Directory, OpenReport), DirectoryError> {
        let store = Store::open(&home.join("store"))?;
        let (index, outcome) = SearchIndex::open(&home.join("search"))?;
        match &outcome {
            OpenOutcome::SetAside { moved_to, reason } => tracing::warn!(
                index.moved_to = %moved_to.display(), index.reason = %reason,
                "the search index could not be read; set it aside and rebuilding from the store"
            ),
            OpenOutcome::Outdated { reason } => tracing::info!(
                index.reason = %reason,
                "the search index is from an older Hearth; rebuilding it from the store"
            ),
            OpenOutcome::Created if store.service_count() > 0 => {
                tracing::info!("no search index found; rebuilding it from the store")
            }
            _ => {}
        }
        let directory = Directory {
            store,
            index,
            gazetteer: Gazetteer::bundled()?,
            categories: CategoryMap::bundled()?,
            limiter: crate::auth::LoginLimiter::default(),
            supply_cache: Mutex::default(),
            hsds: std::sync::RwLock::default(),
            index_turn: Mutex::default(),
        };
        let rebuild_reason = directory.rebuild_reason(&outcome)?;
        if let (Some(reason), OpenOutcome::Opened) = (&rebuild_reason, &outcome) {
            tracing::warn!(index.reason = %reason, "rebuilding the search index from the store");
        }
        let rebuilt = rebuild_reason.is_some();
        let reindexed = if rebuilt {
            directory.rebuild_index(progress)?
        } else {
            directory.catch_up(progress)?
        };
        Ok((
            directory,
            OpenReport {
                index: outcome,
                reindexed,
                rebuilt,
            },
        ))
    }

    /// Why the index must be rebuilt rather than caught up, if it must: it is
    /// new or was set aside, it was built from another store (a store deleted or
    /// replaced under it), or it covers more than the store holds (a store
    /// restored from an older backup).
    fn rebuild_reason(&self, outcome: &OpenOutcome) -> Result<Option<String>, DirectoryError> {
        match outcome {
            OpenOutcome::Created => return Ok(Some("there was no index".into())),
            OpenOutcome::SetAside { reason, .. } | OpenOutcome::Outdated { reason } => {
                return Ok(Some(reason.clone()));
            }
            OpenOutcome::Opened => {}
        }
        let covered = self.index.covered()?;
        let last = self.store.last_seq()?;
        if covered.store_id != self.store.id() {
            return Ok(Some(format!(
                "the index was built from another store ({}), not this one ({})",
                if covered.store_id.is_empty() {
                    "unknown"
                } else {
                    &covered.store_id
                },
                self.store.id()
            )));
        }
        if covered.seq > last {
            return Ok(Some(format!(
                "the index covers store changes up to {} but the store ends at {last} (was the store restored from a backup?)",
                covered.seq
            )));
        }
        Ok(None)
    }

    /// Rebuilds the whole index from the store. Returns the number of listings indexed.
    pub fn rebuild_index(&self, progress: &dyn Progress) -> Result<u64, DirectoryError> {
        let seq = self.store.last_seq()?;
        self.index.clear()?;
        progress.begin("indexing", Some(self.store.service_count() as u64));
        let mut batch = Vec::with_capacity(INDEX_BATCH);
        let mut count = 0;
        for service in self.store.services() {
            batch.push(service?);
            if batch.len() == INDEX_BATCH {
                self.index.upsert(&batch)?;
                count += batch.len() as u64;
                progress.advance(batch.len() as u64);
                batch.clear();
            }
        }
        self.index.upsert(&batch)?;
        count += batch.len() as u64;
        progress.advance(batch.len() as u64);
        self.index.commit(&Covered {
            store_id: self.store.id().to_owned(),
            seq,
        })?;
        progress.end();
        Ok(count)
    }

    /// Indexes the listings changed since the index's last commit.
    pub fn catch_up(&self, progress: &dyn Progress) -> Result<u64, DirectoryError> {
        self.catch_up_except(progress, &[], None)
    }

    /// [`Directory::catch_up`], except for the changes with sequence numbers in
    /// `indexed` (inclusive ranges), whose listings the caller has already given
    /// the index as they were written.
    /// With `through`, nothing is done when the index already covers that
    /// sequence number (a catch-up that ran while this one waited its turn).
    fn catch_up_except(
        &self,
        progress: &dyn Progress,
        indexed: &[(u64, u64)],
        through: Option<u64>,
    ) -> Result<u64, DirectoryError> {
        let _turn = self
            .index_turn
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let from = self.index.covered()?.seq;
        if through.is_some_and(|through| from >= through) {
            return Ok(0);
        }
        let (ids, last) = self.store.changed_since_except(from, indexed)?;
        if last == from {
            return Ok(0);
        }
        if from > 0 && !ids.is_empty() {
            tracing::info!(
                index.seq = from,
                store.seq = last,
                changed = ids.len(),
                "search index is behind the store; catching up"
            );
        }
        progress.begin("indexing", Some(ids.len() as u64));
        for chunk in ids.chunks(INDEX_BATCH) {
            let mut services = Vec::with_capacity(chunk.len());
            for id in chunk {
                if let Some(service) = self.store.service(id)? {
                    services.push(service);
                }
            }
            self.index.upsert(&services)?;
            progress.advance(chunk.len() as u64);
        }
        self.index.commit(&Covered {
            store_id: self.store.id().to_owned(),
            seq: last,
        })?;
        progress.end();
        Ok(ids.len() as u64)
    }

    /// The tail of every change to listings, once they are in the store:
    /// audits it (when someone made it: actor, action, service id, when), makes
    /// it durable, then brings the index up to date, so the change is searchable
    /// when this returns. Returns how many listings were re-indexed.
    fn listings_written(
        &self,
        audit: Option<(&str, &str, &str, DateTime<Utc>)>,
        progress: &dyn Progress,
    ) -> Result<u64, DirectoryError> {
        if let Some((actor, action, service_id, now)) = audit {
            self.audit(actor, action, "service", service_id, now)?;
        }
        self.store.durable()?;
        // Every change so far, this one included, is at or before `through`.
        let through = self.store.last_seq()?;
        self.catch_up_except(progress, &[], Some(through))
    }

    /// Writes a batch of imported listings to the store and gives the ones
    /// written straight to the index (uncommitted: [`Directory::import`] commits
    /// once the store is durable), recording the change-log sequence numbers
    /// they took in `indexed`, so the catch-up after the import need not read them back.
    fn import_batch(
        &self,
        services: &[Service],
        counts: &mut crate::store::UpsertCounts,
        indexed: &mut Vec<(u64, u64)>,
    ) -> Result<(), DirectoryError> {
        let started = Instant::now();
        let written = self.store.upsert_services_logged(services)?;
        let store_time = started.elapsed();
        counts.inserted += written.counts.inserted;
        counts.updated += written.counts.updated;
        counts.unchanged += written.counts.unchanged;
        let mut merged = written.merged.iter().peekable();
        let stored = written.written.iter().map(|&i| match merged.peek() {
            Some((at, service)) if *at == i => {
                merged.next();
                service
            }
            _ => &services[i],
        });
        self.index.upsert(stored)?;
        indexed.extend(written.seqs);
        tracing::debug!(
            listings = services.len(),
            store_ms = store_time.as_millis() as u64,
            index_ms = (started.elapsed() - store_time).as_millis() as u64,
            "import batch written"
        );
        Ok(())
    }

    /// Imports sources, flushes the store, then indexes what changed. A source
    /// that cannot be read stops the import: the report names it and why
    /// ([`ImportReport::failed`]); it writes nothing, and the sources before it
    /// stay imported. Each source is checked whole before anything of it is
    /// written; most are then written in one transaction, HSDS 3.0 JSON (which
    /// may be millions of records) in transactions of a few thousand, so an
    /// import stopped part way leaves part of that file, which re-importing
    /// completes. `Err` is for store and index failures.
    pub fn import(
        &self,
        sources: &[(PathBuf, ReadOptions)],
        progress: &dyn Progress,
    ) -> Result<ImportReport, DirectoryError> {
        let started = Instant::now();
        let ctx = ImportContext {
            gazetteer: &self.gazetteer,
            categories: &self.categories,
        };
        let mut report = ImportReport::default();
        // Listings are indexed as they are written; what else changed the store
        // (before or meanwhile) is caught up at the end, from the store.
        let mut indexed = Vec::new();
        progress.begin("importing", Some(sources.len() as u64));
        for (path, options) in sources {
            // Two threads: this one reads and checks the next batch while the
            // other writes the last one to the store and the index.
            let (read, written) = std::thread::scope(|scope| {
                let (send, receive) = std::sync::mpsc::sync_channel::<Vec<Service>>(1);
                let writer = scope.spawn(|| {
                    let mut counts = crate::store::UpsertCounts::default();
                    let mut indexed = Vec::new();
                    for services in receive {
                        self.import_batch(&services, &mut counts, &mut indexed)?;
                    }
                    Ok::<_, DirectoryError>((counts, indexed))
                });
                let read = import::read_source_batches(ctx, path, options, IMPORT_BATCH, |part| {
                    // Fails only when the writer stopped, with the error it returns.
                    send.send(part.services)
                });
                drop(send);
                let written = writer
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                (read, written)
            });
            let (counts, batches) = written?;
            indexed.extend(batches);
            let parsed = match read {
                // A send fails only when the writer stopped, and then `written` was its error.
                Ok(read) => read.map_err(|_| {
                    DirectoryError::SourceFailed(format!(
                        "{}: the import stopped writing part way",
                        path.display()
                    ))
                })?,
                Err(e) => {
                    report.failed = Some((path.clone(), e.to_string()));
                    break;
                }
            };
            tracing::debug!(source = %path.display(), rows = parsed.rows_read, "imported");
            report.sources.push(SourceReport {
                path: parsed.path,
                format: parsed.format.name(),
                dataset: parsed.dataset,
                rows_read: parsed.rows_read,
                inserted: counts.inserted,
                updated: counts.updated,
                unchanged: counts.unchanged,
                skipped: parsed.skipped,
                notes: parsed.notes,
            });
            progress.advance(1);
        }
        progress.end();
        self.store.durable()?;
        let written = report
            .sources
            .iter()
            .map(|s| s.inserted + s.updated)
            .sum::<u64>();
        report.reindexed = written + self.catch_up_except(progress, &indexed, None)?;
        report.took = started.elapsed();
        Ok(report)
    }

    /// Runs a search on the index alone, judging the hours it cannot from the
    /// store; a store failure met while judging them is the search's.
    fn index_search(&self, request: &SearchRequest) -> Result<Hits, DirectoryError> {
        let dated = StoredHours {
            store: &self.store,
            failed: std::cell::Cell::new(None),
        };
        let hits = self.index.search(request, &dated)?;
        if let Some(e) = dated.failed.take() {
            return Err(e.into());
        }
        Ok(hits)
    }

    /// Runs a search on the index alone and returns its hits, without loading
    /// listings, opening states or ways out: the engine's own cost, for the benchmark.
    pub fn engine_search(&self, request: &SearchRequest) -> Result<Hits, DirectoryError> {
        self.index_search(request)
    }

    /// The listings a search on the index finds, in its order, loaded from the
    /// store: no opening state, facets or ways out (for checks, not pages).
    fn listings_found(&self, request: &SearchRequest) -> Result<Vec<Service>, DirectoryError> {
        let hits = self.index_search(request)?;
        let mut found = Vec::with_capacity(hits.hits.len());
        for hit in hits.hits {
            match self.store.service(&hit.service_id)? {
                Some(service) => found.push(service),
                None => {
                    tracing::warn!(service.id = %hit.service_id, "indexed listing missing from the store")
                }
            }
        }
        Ok(found)
    }

    /// Runs a search and loads each hit's listing from the store, with whether it
    /// is open at `now`. With `open_filter`, only listings known to be open at that
    /// instant (each in its own time zone) are kept; unknown hours are left out.
    pub fn search(
        &self,
        request: &SearchRequest,
        now: DateTime<Utc>,
        open_filter: Option<DateTime<Utc>>,
    ) -> Result<SearchPage, DirectoryError> {
        let started = Instant::now();
        let request = SearchRequest {
            now: Some(now),
            open_at: open_filter,
            ..request.clone()
        };
        let hits = self.index_search(&request)?;
        let mut results = Vec::with_capacity(hits.hits.len());
        for hit in hits.hits {
            // A listing the index knows but the store lost would be a bug; skip it rather than fail the page.
            let Some(service) = self.store.service(&hit.service_id)? else {
                tracing::warn!(service.id = %hit.service_id, "indexed listing missing from the store");
                continue;
            };
            let location = hit
                .location_id
                .as_deref()
                .and_then(|id| service.location(id))
                .cloned();
            let open = open_state(&service, location.as_ref(), now);
            results.push(SearchResult {
                service,
                location,
                distance_miles: hit.distance_miles,
                match_kind: hit.match_kind,
                more_locations: hit.more_locations,
                score: hit.score,
                open,
            });
        }
        let total = hits.total;
        // Probes for ways out ask for no rows (limit 0), so they never look for their own.
        let ways_out = if total == 0 && request.limit > 0 {
            self.ways_out(&request, now, open_filter)?
        } else {
            Vec::new()
        };
        Ok(SearchPage {
            total,
            nearby: hits.nearby,
            terms: hits.terms,
            spanish: hits.spanish,
            matched_concepts: hits.matched_concepts,
            text_needs: hits.text_needs,
            nearest_miles: hits.nearest_miles,
            results,
            ways_out,
            facets: hits.facets,
            took: started.elapsed(),
        })
    }

    /// When a search finds nothing, the one-step changes that would find
    /// something: each larger radius up to 100 miles, no opening-hours filter, any
    /// category — with the number of results each would give (only those above 0).
    pub fn ways_out(
        &self,
        request: &SearchRequest,
        now: DateTime<Utc>,
        open_filter: Option<DateTime<Utc>>,
    ) -> Result<Vec<WayOut>, DirectoryError> {
        let count = |request: &SearchRequest,
                     open: Option<DateTime<Utc>>|
         -> Result<usize, DirectoryError> {
            let probe = SearchRequest {
                offset: 0,
                limit: 0,
                ..request.clone()
            };
            Ok(self.search(&probe, now, open)?.total)
        };
        let mut ways = Vec::new();
        if let Some(near) = request.near {
            for miles in [5.0, 10.0, 25.0, 50.0, 100.0]
                .into_iter()
                .filter(|m| *m > near.miles)
            {
                let wider = SearchRequest {
                    near: Some(crate::index::Radius { miles, ..near }),
                    ..request.clone()
                };
                let total = count(&wider, open_filter)?;
                if total > 0 {
                    ways.push(WayOut::Radius(miles, total));
                    break;
                }
            }
        }
        if open_filter.is_some() {
            let total = count(request, None)?;
            if total > 0 {
                ways.push(WayOut::AnyHours(total));
            }
        }
        if request.near.is_some() && request.scope == Scope::Nearby && !request.areas.is_empty() {
            let serving = SearchRequest {
                scope: Scope::Serving,
                ..request.clone()
            };
            let total = count(&serving, open_filter)?;
            if total > 0 {
                ways.push(WayOut::Serving(total));
            }
        }
        type Drop = (&'static str, bool, fn(&mut SearchRequest));
        let drops: [Drop; 7] = [
            (
                "category",
                !request.categories.is_empty() || !request.taxonomy.is_empty(),
                |r| {
                    r.categories.clear();
                    r.taxonomy.clear();
                },
            ),
            ("need", !request.needs.is_empty(), |r| r.needs.clear()),
            ("language", !request.languages.is_empty(), |r| {
                r.languages.clear()
            }),
            ("free", request.flags.contains(&"free"), |r| {
                r.flags.retain(|f| *f != "free")
            }),
            ("accessible", request.flags.contains(&"accessible"), |r| {
                r.flags.retain(|f| *f != "accessible")
            }),
            ("population", !request.populations.is_empty(), |r| {
                r.populations.clear()
            }),
            ("age", request.age.is_some(), |r| r.age = None),
        ];
        for (param, given, drop) in drops {
            if !given {
                continue;
            }
            let mut without = request.clone();
            drop(&mut without);
            let total = count(&without, open_filter)?;
            if total > 0 {
                ways.push(WayOut::Drop(param, total));
            }
        }
        Ok(ways)
    }

    /// Completions of what someone is typing: categories, need-vocabulary terms
    /// (at most half the room) and service names with a word starting with
    /// `prefix`, at most `limit`, in that order.
    pub fn suggest(&self, prefix: &str, limit: usize) -> Result<Vec<Suggestion>, DirectoryError> {
        let folded = crate::index::folded_words(prefix).join(" ");
        let mut out: Vec<Suggestion> = Vec::new();
        if folded.is_empty() {
            return Ok(out);
        }
        for category in Category::ALL {
            let label = crate::index::folded_words(category.label()).join(" ");
            let word_start = label == folded
                || label.starts_with(&folded)
                || label.contains(&format!(" {folded}"));
            if word_start && out.len() < limit {
                out.push(Suggestion {
                    text: category.label().to_owned(),
                    kind: SuggestionKind::Category,
                    value: category.slug().to_owned(),
                });
            }
        }
        // Need-vocabulary phrases ("food stamps", "cupones de comida"): whole phrase first.
        static PHRASES: std::sync::OnceLock<Vec<(String, &'static str)>> =
            std::sync::OnceLock::new();
        let phrases = PHRASES.get_or_init(|| {
            crate::model::vocabulary()
                .iter()
                .map(|t| {
                    (
                        crate::index::folded_words(&t.phrase).join(" "),
                        t.phrase.as_str(),
                    )
                })
                .collect()
        });
        let mut terms: Vec<(bool, &str)> = phrases
            .iter()
            .filter_map(|(folded_phrase, phrase)| {
                if folded_phrase.starts_with(&folded) {
                    Some((true, *phrase))
                } else if folded_phrase.contains(&format!(" {folded}")) {
                    Some((false, *phrase))
                } else {
                    None
                }
            })
            .collect();
        terms.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.len().cmp(&b.1.len())));
        let room = (limit.saturating_sub(out.len()) / 2).max(1);
        for (_, phrase) in terms.into_iter().take(room) {
            if out.len() < limit {
                out.push(Suggestion {
                    text: phrase.to_owned(),
                    kind: SuggestionKind::Term,
                    value: phrase.to_owned(),
                });
            }
        }
        for name in self
            .index
            .suggest_names(prefix, limit.saturating_sub(out.len()))?
        {
            out.push(Suggestion {
                value: name.name.clone(),
                text: name.name,
                kind: SuggestionKind::Service,
            });
        }
        Ok(out)
    }

    /// The services meeting any of `needs` (or in any of `categories`) around
    /// `point`: how many are located within 5, 10 and 25 miles of it, how many
    /// serve it (their service area holds one of its coverage terms, or they
    /// are online or phone services for the whole country), and the nearest
    /// distance. Answers are kept until the index changes, so a report asked
    /// again (another period, the CSV after the page) does not count again.
    pub fn supply_at(
        &self,
        point: &SupplyPoint,
        needs: &[crate::model::Need],
        categories: &[Category],
    ) -> Result<Supply, DirectoryError> {
        let generation = self.index.generation();
        let key = format!(
            "{:.5},{:.5}|{}|{}|{}",
            point.lat,
            point.lon,
            point.areas.join(" "),
            needs.iter().map(|n| n.code()).collect::<Vec<_>>().join(" "),
            categories
                .iter()
                .map(|c| c.slug())
                .collect::<Vec<_>>()
                .join(" "),
        );
        {
            let mut cache = self.supply_cache.lock().unwrap_or_else(|e| e.into_inner());
            if cache.0 != generation {
                *cache = (generation, HashMap::new());
            }
            if let Some(supply) = cache.1.get(&key) {
                return Ok(*supply);
            }
        }
        let nearby = SearchRequest {
            near: Some(crate::index::Radius {
                lat: point.lat,
                lon: point.lon,
                miles: 25.0,
            }),
            scope: Scope::Nearby,
            needs: needs.to_vec(),
            categories: categories.to_vec(),
            count_within: vec![5.0, 10.0, 25.0],
            limit: 0,
            ..SearchRequest::default()
        };
        let hits = self.index_search(&nearby)?;
        let mut supply = Supply {
            nearest: hits.nearest_miles,
            ..Supply::default()
        };
        for (slot, count) in supply.within.iter_mut().zip(&hits.within) {
            *slot = *count;
        }
        let serving = SearchRequest {
            near: Some(crate::index::Radius {
                lat: point.lat,
                lon: point.lon,
                miles: 1.0,
            }),
            areas: point.areas.clone(),
            scope: Scope::Serving,
            needs: needs.to_vec(),
            categories: categories.to_vec(),
            limit: 0,
            ..SearchRequest::default()
        };
        supply.serving = self.index_search(&serving)?.total;
        let mut cache = self.supply_cache.lock().unwrap_or_else(|e| e.into_inner());
        if cache.0 == generation {
            cache.1.insert(key, supply);
        }
        Ok(supply)
    }

    /// Counts a search in the search log, coarsened: the hour, the needs (from
    /// the filter or the text's need vocabulary, never the text), the centre's
    /// ZIP and county, the radius, how many results fell within it and how far
    /// the nearest was. No user. A failure to log is reported, not the search's.
    pub fn log_search(&self, request: &SearchRequest, page: &SearchPage, now: DateTime<Utc>) {
        use chrono::Timelike;
        let hour = now
            .with_minute(0)
            .and_then(|t| t.with_second(0))
            .and_then(|t| t.with_nanosecond(0))
            .unwrap_or(now);
        let mut needs: Vec<String> = request.needs.iter().map(|n| n.code().to_owned()).collect();
        for need in &page.text_needs {
            if !needs.iter().any(|n| n == need.code()) {
                needs.push(need.code().to_owned());
            }
        }
        let area = |prefix: &str| {
            request
                .areas
                .iter()
                .find_map(|a| a.strip_prefix(prefix))
                .map(str::to_owned)
        };
        let entry = crate::model::SearchLogEntry {
            hour,
            needs,
            categories: request
                .categories
                .iter()
                .map(|c| c.slug().to_owned())
                .collect(),
            zip: area("zip:"),
            county: area("county:"),
            radius_miles: request.near.map(|n| n.miles),
            results_in_radius: if request.near.is_some() {
                page.nearby
            } else {
                0
            },
            nearest_miles: page.nearest_miles.map(|d| (d * 10.0).round() / 10.0),
        };
        if let Err(e) = self.store.log_search(&entry) {
            tracing::warn!(error = %e, "the search could not be counted in the search log");
        }
    }

    /// The search log, oldest first.
    pub fn search_log(&self) -> Result<Vec<crate::model::SearchLogEntry>, DirectoryError> {
        Ok(self.store.search_log()?)
    }

    /// The searches logged in `[from, to)` (by their hour), oldest first.
    pub fn search_log_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<crate::model::SearchLogEntry>, DirectoryError> {
        Ok(self.store.search_log_between(from, to)?)
    }

    /// One listing by id.
    pub fn service(&self, id: &str) -> Result<Option<Service>, DirectoryError> {
        Ok(self.store.service(id)?)
    }

    /// The gazetteer, for resolving places.
    pub fn gazetteer(&self) -> &Gazetteer {
        &self.gazetteer
    }

    /// Whether the bundled data should be imported now: the store is empty and was
    /// never seeded, or a seed was started and did not finish.
    pub fn needs_seed(&self) -> Result<bool, DirectoryError> {
        Ok(match self.store.seed_state()? {
            SeedState::Done => false,
            SeedState::Started => true,
            SeedState::NotStarted => self.store.service_count() == 0,
        })
    }

    /// Imports the bundled data (every source in `seed_dir`), marking the store so
    /// that an interrupted seed is resumed at the next start and a finished one is
    /// never repeated.
    pub fn seed(
        &self,
        seed_dir: &Path,
        progress: &dyn Progress,
    ) -> Result<ImportReport, DirectoryError> {
        let sources = import::bundled_sources(seed_dir)?;
        self.store.set_seed_state(SeedState::Started)?;
        let plan: Vec<(PathBuf, ReadOptions)> = sources
            .into_iter()
            .map(|p| (p, ReadOptions::default()))
            .collect();
        let report = self.import(&plan, progress)?.into_result()?;
        self.store.set_seed_state(SeedState::Done)?;
        Ok(report)
    }

    /// Every listing in the store, in id order.
    pub fn services(&self) -> impl Iterator<Item = Result<Service, DirectoryError>> + '_ {
        self.store
            .services()
            .map(|r| r.map_err(DirectoryError::from))
    }

    /// How many listings the store holds.
    pub fn listing_count(&self) -> usize {
        self.store.service_count()
    }

    /// How many service-at-location documents are searchable.
    pub fn searchable_count(&self) -> u64 {
        self.index.doc_count()
    }

    /// The store sequence the index covers, and the store's own.
    pub fn sequences(&self) -> Result<(u64, u64), DirectoryError> {
        Ok((self.index.covered()?.seq, self.store.last_seq()?))
    }
}
