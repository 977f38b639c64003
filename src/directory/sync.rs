//! Keeping listings in step with another directory's HSDS 3.0 API.
//!
//! A sync reads the remote's services (all of them the first time, then only
//! those changed since the last good run, by the remote's own clock), checks
//! each record with the HSDS rules, writes the valid ones under the remote's
//! dataset name (so a re-run updates in place), and marks listings the remote
//! no longer lists as inactive, never deleting them. What each run did is saved
//! in the store, for the next run and for the admin status page. The HTTP side
//! is [`crate::import::RemoteSource`]; this module owns the writing.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Directory, DirectoryError, Progress};
use crate::import::{
    ImportContext, RemoteError, RemoteSource, Severity, remote_id, service_from_value,
};
use crate::model::{Metadata, Service, ServiceStatus};

/// Listings written to the store at a time while a sync reads.
const WRITE_BATCH: usize = 500;
/// How far before the remote's clock at the start of a run the next run looks
/// back: a change made while a run was reading is fetched again, never missed.
const LOOK_BACK_SECONDS: i64 = 60;
/// A sync refuses to mark more than half of a remote's listings inactive at
/// once (when that is more than this many), unless told to with `--full`.
const DROP_GUARD_MIN: u64 = 10;
/// Who a sync's changes are recorded as made by.
const SYNC_ACTOR: &str = "sync";

/// Why a sync failed. Listings written before the failure stay written; the
/// next run starts from the last good run again.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Remote(#[from] RemoteError),
    #[error(transparent)]
    Directory(#[from] DirectoryError),
    #[error("could not start the HTTP client's runtime: {0}")]
    Runtime(String),
    #[error(
        "{url} no longer lists {dropped} of the {active} active listings synced from it; that looks like a fault at the remote, so none were marked inactive (the changes it sent were taken). If it really dropped them, run `hearth import {url} --full` to take its list as it is"
    )]
    TooManyDropped {
        url: String,
        dropped: u64,
        active: u64,
    },
}

impl From<crate::store::StoreError> for SyncError {
    fn from(e: crate::store::StoreError) -> SyncError {
        SyncError::Directory(e.into())
    }
}

/// What one sync run did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SyncReport {
    pub url: String,
    pub dataset: String,
    /// The changes asked for were those on or after this instant (none: everything).
    pub since: Option<DateTime<Utc>>,
    /// Records the remote sent.
    pub fetched: u64,
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// Records not taken, each with where and why (record number in the fetch).
    pub invalid: Vec<SyncSkip>,
    /// Listings from this remote that it no longer lists, now marked inactive.
    pub marked_inactive: u64,
    pub pages: u64,
    pub retries: u64,
    /// Whether the remote streamed NDJSON (else it was paged).
    pub ndjson: bool,
    pub took_ms: u64,
}

impl SyncReport {
    /// What the run did, in one line.
    pub fn summary(&self) -> String {
        let how = if self.ndjson {
            "streamed".to_owned()
        } else {
            format!("{} page(s)", self.pages)
        };
        let what = match self.since {
            Some(since) => format!("changes since {}", since.format("%Y-%m-%d %H:%M:%S UTC")),
            None => "everything".to_owned(),
        };
        format!(
            "{what}: {} record(s) fetched ({how}, {} retried request(s)); {} new, {} updated, {} unchanged, {} not taken, {} marked inactive; {:.1} s",
            self.fetched,
            self.retries,
            self.inserted,
            self.updated,
            self.unchanged,
            self.invalid.len(),
            self.marked_inactive,
            self.took_ms as f64 / 1000.0
        )
    }
}

/// A sync that `hearth serve --sync` runs on a schedule, as the status page shows it.
#[derive(Debug)]
pub struct SyncSchedule {
    pub source: RemoteSource,
    pub every: Duration,
    /// When the next run starts (none while one runs).
    pub next_run: std::sync::Mutex<Option<DateTime<Utc>>>,
    pub running: std::sync::atomic::AtomicBool,
}

impl SyncSchedule {
    /// A schedule for `source`, first run now.
    pub fn new(source: RemoteSource, every: Duration) -> SyncSchedule {
        SyncSchedule {
            source,
            every,
            next_run: std::sync::Mutex::new(Some(Utc::now())),
            running: std::sync::atomic::AtomicBool::new(false),
        }
    }
}

/// A record a sync did not take.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncSkip {
    /// Its position among the records fetched (1-based).
    pub record: u64,
    /// Its id at the remote, when it had one.
    pub id: Option<String>,
    pub reason: String,
}

/// The saved state of syncing from one remote: the last run and the last good one.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SyncState {
    pub url: String,
    pub dataset: String,
    pub last_started: Option<DateTime<Utc>>,
    pub last_finished: Option<DateTime<Utc>>,
    /// The last run's report, when it succeeded.
    pub last_report: Option<SyncReport>,
    /// The last run's error, when it failed.
    pub last_error: Option<String>,
    /// What the next run asks for: changes on or after this instant.
    pub next_since: Option<DateTime<Utc>>,
    /// When the last good run finished.
    pub last_success: Option<DateTime<Utc>>,
}

impl SyncState {
    /// The job name the state is saved under.
    fn job(dataset: &str) -> String {
        format!("sync/{dataset}")
    }
}

/// A fetched record made into a listing, or why not.
fn listing_from(
    ctx: ImportContext<'_>,
    dataset: &str,
    record: &Value,
    number: u64,
) -> Result<Service, SyncSkip> {
    let id = remote_id(record);
    let skip = |reason: String| SyncSkip {
        record: number,
        id: id.clone(),
        reason,
    };
    let errors: Vec<String> = crate::import::validate_service_value(record, number)
        .into_iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| format!("{}: {}", f.field, f.message))
        .collect();
    if !errors.is_empty() {
        return Err(skip(errors.join("; ")));
    }
    let Some(source_id) = id.clone() else {
        return Err(skip("the record has no id".into()));
    };
    service_from_value(ctx, dataset, &source_id, record).map_err(skip)
}

/// Takes a listing the remote no longer lists out of service, saying so in its history.
fn mark_inactive(service: &mut Service, url: &str, now: DateTime<Utc>) {
    if service.status == ServiceStatus::Inactive {
        return;
    }
    service.metadata.push(Metadata {
        last_action_date: now.to_rfc3339(),
        last_action_type: "close".into(),
        field_name: "status".into(),
        previous_value: service.status.as_str().into(),
        replacement_value: ServiceStatus::Inactive.as_str().into(),
        updated_by: format!("{SYNC_ACTOR}:{url}"),
    });
    service.status = ServiceStatus::Inactive;
}

impl Directory {
    /// The saved state of syncing from `source`, if it was ever synced.
    pub fn sync_state(&self, source: &RemoteSource) -> Result<Option<SyncState>, DirectoryError> {
        Ok(self
            .store
            .job_state(&SyncState::job(&source.dataset_name()))?)
    }

    /// The saved state of every remote ever synced, by dataset name.
    pub fn sync_states(&self) -> Result<Vec<SyncState>, DirectoryError> {
        Ok(self.store.job_states("sync/")?)
    }

    /// Syncs from a remote HSDS API: fetches what changed since the last good
    /// run (everything the first time, or with `full`), writes it, marks
    /// listings the remote dropped as inactive, indexes, and saves what it did.
    /// Blocking: it runs its own small runtime for the HTTP client, so call it
    /// from a thread that may block (`spawn_blocking` in a server).
    pub fn sync(
        &self,
        source: &RemoteSource,
        full: bool,
        progress: &dyn Progress,
    ) -> Result<SyncReport, SyncError> {
        let dataset = source.dataset_name();
        let job = SyncState::job(&dataset);
        let mut state: SyncState = self.store.job_state(&job)?.unwrap_or_default();
        state.url = source.base_url().to_owned();
        state.dataset = dataset.clone();
        state.last_started = Some(Utc::now());
        self.store.put_job_state(&job, &state)?;
        let since = if full { None } else { state.next_since };
        let result = self.sync_run(source, &dataset, since, full, progress);
        let now = Utc::now();
        state.last_finished = Some(now);
        match &result {
            Ok((report, server_time)) => {
                state.last_report = Some(report.clone());
                state.last_error = None;
                state.last_success = Some(now);
                // By the remote's clock only: without one, the next run asks for
                // the same changes again rather than risk skipping some.
                if let Some(at) = server_time {
                    state.next_since = Some(next_since(*at));
                }
            }
            Err(e) => state.last_error = Some(e.to_string()),
        }
        self.store.put_job_state(&job, &state)?;
        result.map(|(report, _)| report)
    }

    fn sync_run(
        &self,
        source: &RemoteSource,
        dataset: &str,
        since: Option<DateTime<Utc>>,
        full: bool,
        progress: &dyn Progress,
    ) -> Result<(SyncReport, Option<DateTime<Utc>>), SyncError> {
        let started = Instant::now();
        let ctx = ImportContext {
            gazetteer: &self.gazetteer,
            categories: &self.categories,
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| SyncError::Runtime(e.to_string()))?;
        let mut report = SyncReport {
            url: source.base_url().to_owned(),
            dataset: dataset.to_owned(),
            since,
            ..SyncReport::default()
        };
        let mut seen: HashSet<String> = HashSet::new();
        let mut batch: Vec<Service> = Vec::with_capacity(WRITE_BATCH);
        let mut write_error: Option<DirectoryError> = None;
        progress.begin("syncing", None);
        let fetch = {
            let mut write = |batch: &mut Vec<Service>, report: &mut SyncReport| match self
                .store
                .upsert_services(batch)
            {
                Ok(counts) => {
                    report.inserted += counts.inserted;
                    report.updated += counts.updated;
                    report.unchanged += counts.unchanged;
                    progress.advance(batch.len() as u64);
                    batch.clear();
                    Ok(())
                }
                Err(e) => {
                    let message = e.to_string();
                    write_error = Some(e.into());
                    Err(message)
                }
            };
            runtime.block_on(source.fetch_services(since, |record| {
                // A stream that broke and was read again repeats records: take each once.
                let number = report.fetched + 1;
                if let Some(id) = remote_id(&record)
                    && !seen.insert(id)
                {
                    return Ok(());
                }
                report.fetched += 1;
                match listing_from(ctx, dataset, &record, number) {
                    Ok(service) => batch.push(service),
                    Err(skip) => report.invalid.push(skip),
                }
                if batch.len() >= WRITE_BATCH {
                    write(&mut batch, &mut report)?;
                }
                Ok(())
            }))
        };
        let fetched = match fetch {
            Ok(fetched) => fetched,
            Err(e) => {
                progress.end();
                // What was written stays written and indexed; the next run repeats it harmlessly.
                self.listings_written(None, &super::Silent)?;
                return Err(match write_error {
                    Some(store) => store.into(),
                    None => e.into(),
                });
            }
        };
        if !batch.is_empty() {
            self.store
                .upsert_services(&batch)
                .map(|counts| {
                    report.inserted += counts.inserted;
                    report.updated += counts.updated;
                    report.unchanged += counts.unchanged;
                })
                .map_err(DirectoryError::from)?;
            batch.clear();
        }
        progress.end();
        report.pages = fetched.pages;
        report.retries = fetched.retries;
        report.ndjson = fetched.ndjson;
        // Which listings does the remote still list? A full run has seen them all;
        // a run for changes only asks for the ids.
        let listed: HashSet<String> = if since.is_none() {
            seen
        } else {
            let ids = runtime.block_on(source.fetch_ids());
            match ids {
                Ok(ids) => ids,
                Err(e) => {
                    self.listings_written(None, &super::Silent)?;
                    return Err(e.into());
                }
            }
        };
        let now = Utc::now();
        let mut synced: Vec<Service> = Vec::new();
        for service in self.store.services() {
            let service = service?;
            if service.source.dataset == dataset {
                synced.push(service);
            }
        }
        let active = synced
            .iter()
            .filter(|s| s.status != ServiceStatus::Inactive)
            .count() as u64;
        let dropped: Vec<&Service> = synced
            .iter()
            .filter(|s| s.status != ServiceStatus::Inactive && !listed.contains(&s.source.id))
            .collect();
        let dropped_count = dropped.len() as u64;
        // A remote that suddenly lists far fewer is more likely broken than emptied.
        if !full && dropped_count > DROP_GUARD_MIN && dropped_count * 2 > active {
            self.listings_written(None, &super::Silent)?;
            return Err(SyncError::TooManyDropped {
                url: source.base_url().to_owned(),
                dropped: dropped_count,
                active,
            });
        }
        for service in dropped {
            if self
                .store
                .update_service(&service.id, |s| mark_inactive(s, source.base_url(), now))?
                .is_some()
            {
                report.marked_inactive += 1;
            }
        }
        // A listing this sync closed that the remote lists again, unchanged, would
        // not be among the changes: take everything once more to bring it back.
        let reappeared = synced
            .iter()
            .filter(|s| s.status == ServiceStatus::Inactive && listed.contains(&s.source.id))
            .filter(|s| {
                s.metadata
                    .last()
                    .is_some_and(|m| m.updated_by.starts_with(&format!("{SYNC_ACTOR}:")))
            })
            .count();
        if since.is_some() && reappeared > 0 {
            tracing::info!(
                sync.url = %report.url,
                reappeared,
                "listings closed by an earlier sync are listed again; fetching everything"
            );
            self.listings_written(None, &super::Silent)?;
            return self.sync_run(source, dataset, None, full, progress);
        }
        self.audit(SYNC_ACTOR, "listing.sync", "dataset", dataset, now)?;
        self.listings_written(None, &super::Silent)?;
        report.took_ms = started.elapsed().as_millis() as u64;
        tracing::info!(
            sync.url = %report.url,
            sync.fetched = report.fetched,
            sync.inserted = report.inserted,
            sync.updated = report.updated,
            sync.invalid = report.invalid.len(),
            sync.marked_inactive = report.marked_inactive,
            sync.retries = report.retries,
            took_ms = report.took_ms,
            "synced from a remote HSDS API"
        );
        Ok((report, fetched.server_time))
    }
}

/// Where the next run starts asking for changes: a minute before the remote's
/// clock at the start of this run, from the start of that day (UTC), so that
/// a change made while this run read, or a remote that dates changes by the
/// day only, is fetched again rather than missed.
fn next_since(remote_started: DateTime<Utc>) -> DateTime<Utc> {
    let back = remote_started - chrono::Duration::seconds(LOOK_BACK_SECONDS);
    back.date_naive()
        .and_hms_opt(0, 0, 0)
        .map_or(back, |midnight| midnight.and_utc())
}

/// How long to wait between background syncs, from text such as `6h`, `30m`,
/// `1d` or `90s` (at least a minute).
pub fn parse_every(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().map_err(|_| {
        format!("{text:?} is not a period; write a number and a unit, such as 6h, 30m or 1d")
    })?;
    let seconds = match unit.trim() {
        "s" => number,
        "m" => number.saturating_mul(60),
        "h" | "" => number.saturating_mul(3_600),
        "d" => number.saturating_mul(86_400),
        other => {
            return Err(format!(
                "{other:?} is not a unit of time; use s, m, h or d (6h, 30m, 1d)"
            ));
        }
    };
    if seconds < 60 {
        return Err(format!(
            "{text:?} is too often; sync at most once a minute (1m or more)"
        ));
    }
    Ok(Duration::from_secs(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sync_periods_read_with_units_and_refuse_nonsense() {
        assert_eq!(parse_every("6h"), Ok(Duration::from_secs(21_600)));
        assert_eq!(parse_every("30m"), Ok(Duration::from_secs(1_800)));
        assert_eq!(parse_every("1d"), Ok(Duration::from_secs(86_400)));
        assert_eq!(parse_every("90s"), Ok(Duration::from_secs(90)));
        assert!(parse_every("10s").is_err(), "more often than a minute");
        assert!(parse_every("six hours").is_err());
        assert!(parse_every("6w").is_err());
    }

    #[test]
    fn the_next_run_looks_back_to_the_start_of_the_remote_day() {
        let at = |text: &str| {
            DateTime::parse_from_rfc3339(text)
                .expect("a date-time")
                .with_timezone(&Utc)
        };
        assert_eq!(
            next_since(at("2026-11-28T18:30:00Z")),
            at("2026-11-28T00:00:00Z")
        );
        // A minute back from just after midnight is the day before.
        assert_eq!(
            next_since(at("2026-11-28T00:00:30Z")),
            at("2026-11-27T00:00:00Z")
        );
    }

    #[test]
    fn a_dropped_listing_is_marked_inactive_once_with_its_history() {
        let mut service = Service {
            status: ServiceStatus::Active,
            ..Service::default()
        };
        let now = Utc::now();
        mark_inactive(&mut service, "https://example.org/hsds/", now);
        mark_inactive(&mut service, "https://example.org/hsds/", now);
        assert_eq!(service.status, ServiceStatus::Inactive);
        assert_eq!(service.metadata.len(), 1);
        assert_eq!(service.metadata[0].previous_value, "active");
        assert_eq!(service.metadata[0].replacement_value, "inactive");
    }
}
