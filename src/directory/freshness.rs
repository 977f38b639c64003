//! Freshness: when each listing was last confirmed, the queue of listings due
//! for re-verification, verifying one, and what changed after an instant.
//!
//! The rules, in one place:
//! - A listing's review is its HSDS `assured_date`, read as a date from its
//!   first ten characters (`YYYY-MM-DD`). Without one that reads as a date, the
//!   listing was "not reviewed since import", and its page says from which
//!   source and, when the dataset's name or its source note names one, the year
//!   of that snapshot (`miami-211-2019` → 2019; "about 2020–21" → 2020–21).
//!   No year is ever guessed from anything else.
//! - A listing is due for re-verification when its review is more than
//!   [`REVIEW_MONTHS`] months old, or it was never reviewed. Defunct listings
//!   are never due: they are closed for good, there is nothing to confirm.
//! - The queue lists lapsed reviews first, oldest review first — a listing that
//!   was confirmed once says "Reviewed on" a date that people trust — then the
//!   listings never reviewed, oldest snapshot first (by the earliest year a
//!   source's listings name; sources naming none last), each source in id order.
//!   It is built from two light scans of the store (only the freshness fields
//!   are decoded), keeping the lapsed listings and one page in memory, never
//!   every listing.
//! - Verifying (confirmed unchanged by phone or email) sets `assured_date` to
//!   today (UTC) and `last_modified` to now, durably, re-indexes the listing at
//!   once and audits `service.verify`. Moderators and admins only.
//! - A listing was "modified after" an instant when its `last_modified` is
//!   later. Hearth sets `last_modified` on every write it makes to a listing
//!   (verify, approve); imported listings carry their source's. A date without
//!   a time counts until that day has ended everywhere (12:00 UTC the next
//!   day), so a sync never misses a change because of a time zone; it may see
//!   a listing twice. A listing without a readable `last_modified` (most of the
//!   bundled national lists give none) is not "modified after" any instant
//!   until Hearth writes it.
//! - "Do not refer": HSDS status `inactive` is Hearth's "active but do not
//!   refer". Inactive, temporarily closed and defunct listings are left out of
//!   the search index (`index::document`) and kept in the store: their pages,
//!   the queue and the change list still show them.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use chrono::{DateTime, Months, NaiveDate, SecondsFormat, TimeDelta, Utc};
use serde::Serialize;

use super::{Directory, DirectoryError, Silent};
use crate::model::{Role, Service, ServiceStatus, User};
use crate::store::ServiceStamp;

/// A listing is due for re-verification this many months after its review.
pub const REVIEW_MONTHS: u32 = 12;

/// Why a freshness request was refused.
#[derive(Debug, thiserror::Error)]
pub enum FreshnessError {
    /// There is no listing with this id.
    #[error("there is no listing with id {0}")]
    NotFound(String),
    /// This role does not verify listings.
    #[error("{0}")]
    Forbidden(String),
    #[error(transparent)]
    Directory(#[from] DirectoryError),
}

/// Whether a role verifies listings and works the re-verification queue.
pub fn may_verify(role: Role) -> bool {
    role.moderates()
}

fn require_verifier(user: &User) -> Result<(), FreshnessError> {
    if may_verify(user.role) {
        Ok(())
    } else {
        Err(FreshnessError::Forbidden(
            "only moderators and admins verify listings and see the re-verification queue".into(),
        ))
    }
}

/// How fresh a listing is, as shown with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Freshness {
    /// Confirmed on this day (HSDS `assured_date`).
    Reviewed(NaiveDate),
    /// Never confirmed: as its source had it, from a snapshot of this year when known.
    NotReviewed {
        dataset: String,
        year: Option<String>,
    },
}

impl Freshness {
    /// How fresh `service` is.
    pub fn of(service: &Service) -> Freshness {
        Freshness::from_fields(
            &service.source.dataset,
            service.source_note.as_deref(),
            service.assured_date.as_deref(),
        )
    }

    fn from_fields(dataset: &str, note: Option<&str>, assured: Option<&str>) -> Freshness {
        match assured.and_then(review_date) {
            Some(day) => Freshness::Reviewed(day),
            None => Freshness::NotReviewed {
                dataset: dataset.to_owned(),
                year: snapshot_year(dataset, note),
            },
        }
    }

    /// The day it was confirmed, if it ever was.
    pub fn reviewed_on(&self) -> Option<NaiveDate> {
        match self {
            Freshness::Reviewed(day) => Some(*day),
            Freshness::NotReviewed { .. } => None,
        }
    }

    /// Whether it is due for re-verification on `today`.
    pub fn is_due(&self, today: NaiveDate) -> bool {
        self.reviewed_on()
            .is_none_or(|day| day < review_cutoff(today))
    }
}

/// "Reviewed on 2026-11-02", or "Not reviewed since import (source: miami-211-2019, 2019)".
impl fmt::Display for Freshness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Freshness::Reviewed(day) => write!(f, "Reviewed on {day}"),
            Freshness::NotReviewed {
                dataset,
                year: Some(year),
            } => write!(f, "Not reviewed since import (source: {dataset}, {year})"),
            Freshness::NotReviewed {
                dataset,
                year: None,
            } => write!(f, "Not reviewed since import (source: {dataset})"),
        }
    }
}

/// The first day whose reviews are still current on `today`: a review before
/// it is more than [`REVIEW_MONTHS`] months old.
pub fn review_cutoff(today: NaiveDate) -> NaiveDate {
    today
        .checked_sub_months(Months::new(REVIEW_MONTHS))
        .unwrap_or(NaiveDate::MIN)
}

/// The day an `assured_date` names (its first ten characters, `YYYY-MM-DD`).
fn review_date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text.trim().get(..10)?, "%Y-%m-%d").ok()
}

/// The year of a dataset's snapshot: the first year its name holds
/// (`miami-211-2019`, `hud_pha_contacts_2026`), else the first its source note
/// names ("FY2022", "as of September 2018", "about 2020–21", kept as a span).
/// `None` when neither names one.
pub fn snapshot_year(dataset: &str, note: Option<&str>) -> Option<String> {
    year_in(dataset).or_else(|| note.and_then(year_in))
}

/// The first four-digit year (1900–2099) in `text`, with the end of a span
/// written right after it ("2020–21", "2019-2020"); a date ("2019-05-01") is its year.
fn year_in(text: &str) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && chars[i].is_ascii_digit() {
            i += 1;
        }
        if i - start != 4 {
            continue;
        }
        let run: String = chars[start..i].iter().collect();
        let Ok(year) = run.parse::<u32>() else {
            continue;
        };
        if !(1900..=2099).contains(&year) {
            continue;
        }
        return Some(match span_end(&chars, i, year) {
            Some(end) => format!("{year}–{end}"),
            None => run,
        });
    }
    None
}

/// The end of a span of years starting at `year`, when `chars[at..]` continues
/// it ("–21", "-2021", "/22"), as written.
fn span_end(chars: &[char], at: usize, year: u32) -> Option<String> {
    if !matches!(chars.get(at), Some('-' | '–' | '/')) {
        return None;
    }
    let start = at + 1;
    let mut end = start;
    while end < chars.len() && chars[end].is_ascii_digit() {
        end += 1;
    }
    // "2019-05-01" is a date, not a span.
    if matches!(chars.get(end), Some('-' | '/'))
        && chars.get(end + 1).is_some_and(char::is_ascii_digit)
    {
        return None;
    }
    let run: String = chars[start..end].iter().collect();
    let later = match run.len() {
        2 => year / 100 * 100 + run.parse::<u32>().ok()?,
        4 => run.parse::<u32>().ok()?,
        _ => return None,
    };
    (later > year && later - year <= 10).then_some(run)
}

/// Reads an instant for `modified_after`: RFC 3339 with `Z` or an offset
/// (`2026-11-01T00:00:00Z`), or a date (`2026-11-01`, the start of that day
/// in UTC). The error says what to give instead.
pub fn parse_instant(text: &str) -> Result<DateTime<Utc>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("give a time, such as 2026-11-01T00:00:00Z".into());
    }
    // A `+` offset sent unencoded in a query string arrives as a space.
    let candidates = [text.to_owned(), text.replace(' ', "+")];
    for candidate in &candidates {
        if let Ok(at) = DateTime::parse_from_rfc3339(candidate) {
            return Ok(at.with_timezone(&Utc));
        }
    }
    if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(day.and_time(chrono::NaiveTime::MIN).and_utc());
    }
    Err(format!(
        "{text:?} is not a time: give an RFC 3339 instant with Z or an offset, such as \
         2026-11-01T00:00:00Z or 2026-11-01T09:30:00-05:00 (encode + as %2B), or a date such as 2026-11-01"
    ))
}

/// When a `last_modified` says the listing changed: the instant to sort by,
/// and the latest instant it may mean (a date without a time runs until that
/// day has ended everywhere, 12:00 UTC the next day).
fn modified_span(text: &str) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let text = text.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        let at = at.with_timezone(&Utc);
        return Some((at, at));
    }
    let day = NaiveDate::parse_from_str(text.get(..10)?, "%Y-%m-%d").ok()?;
    let start = day.and_time(chrono::NaiveTime::MIN).and_utc();
    Some((start, start + TimeDelta::hours(36)))
}

/// Which part of the re-verification queue to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StaleKind {
    /// Lapsed reviews, then listings never reviewed.
    #[default]
    All,
    /// Listings reviewed more than [`REVIEW_MONTHS`] months ago.
    Lapsed,
    /// Listings never reviewed since import.
    NeverReviewed,
}

impl StaleKind {
    /// Reads `all`, `lapsed` or `never` (blank is `all`).
    pub fn parse(text: &str) -> Option<StaleKind> {
        match text.trim().to_ascii_lowercase().as_str() {
            "" | "all" => Some(StaleKind::All),
            "lapsed" => Some(StaleKind::Lapsed),
            "never" | "never_reviewed" | "never-reviewed" => Some(StaleKind::NeverReviewed),
            _ => None,
        }
    }

    /// The value of the `only=` parameter.
    pub fn code(self) -> &'static str {
        match self {
            StaleKind::All => "all",
            StaleKind::Lapsed => "lapsed",
            StaleKind::NeverReviewed => "never",
        }
    }

    fn lapsed(self) -> bool {
        matches!(self, StaleKind::All | StaleKind::Lapsed)
    }

    fn never(self) -> bool {
        matches!(self, StaleKind::All | StaleKind::NeverReviewed)
    }
}

/// What part of the queue to list, and which page of it.
#[derive(Debug, Clone, Default)]
pub struct StaleRequest {
    pub kind: StaleKind,
    /// Only listings of this dataset.
    pub source: Option<String>,
    pub offset: usize,
    pub limit: usize,
}

/// How many listings of one source are due.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceCount {
    pub dataset: String,
    /// The year of its snapshot, when its name or note says.
    pub year: Option<String>,
    pub lapsed: usize,
    pub never_reviewed: usize,
}

/// One listing in the queue, with what a moderator needs to reach it.
#[derive(Debug, Clone, Serialize)]
pub struct StaleEntry {
    pub id: String,
    pub name: String,
    pub organization: String,
    pub dataset: String,
    pub status: ServiceStatus,
    pub reviewed_on: Option<NaiveDate>,
    /// "Reviewed on …" or "Not reviewed since import (…)".
    pub freshness: String,
    pub phone: Option<String>,
    /// The phone as a `tel:` URI, when it is a number we know how to dial.
    pub phone_uri: Option<String>,
    pub email: Option<String>,
    pub website: Option<String>,
}

impl StaleEntry {
    fn of(service: &Service) -> StaleEntry {
        let freshness = Freshness::of(service);
        StaleEntry {
            id: service.id.clone(),
            name: service.name.clone(),
            organization: service.organization.name.clone(),
            dataset: service.source.dataset.clone(),
            status: service.status,
            reviewed_on: freshness.reviewed_on(),
            freshness: freshness.to_string(),
            phone: service.primary_phone().map(|p| p.number.clone()),
            phone_uri: service.primary_phone().and_then(|p| p.tel_uri()),
            email: service
                .email
                .clone()
                .or_else(|| service.organization.email.clone()),
            website: service.safe_url().map(str::to_owned),
        }
    }
}

/// A page of the re-verification queue, with its counts.
#[derive(Debug, Clone)]
pub struct StaleQueue {
    /// Reviews before this day have lapsed.
    pub cutoff: NaiveDate,
    /// Listings whose review has lapsed, over every source.
    pub lapsed: usize,
    /// Listings never reviewed, over every source.
    pub never_reviewed: usize,
    /// The counts by source, oldest snapshot first.
    pub sources: Vec<SourceCount>,
    /// Listings matching the request (its kind and source).
    pub total: usize,
    pub entries: Vec<StaleEntry>,
}

/// One listing in the change list.
#[derive(Debug, Clone, Serialize)]
pub struct ChangedEntry {
    pub id: String,
    pub name: String,
    pub last_modified: Option<String>,
    pub assured_date: Option<String>,
    pub status: ServiceStatus,
}

/// A page of the listings modified after an instant, oldest change first.
#[derive(Debug, Clone)]
pub struct ChangedPage {
    pub total: usize,
    pub entries: Vec<ChangedEntry>,
}

/// How a listing stands in the queue.
enum Due {
    Lapsed(NaiveDate),
    Never,
}

fn due(stamp: &ServiceStamp, cutoff: NaiveDate) -> Option<Due> {
    if stamp.status == ServiceStatus::Defunct {
        return None;
    }
    match stamp.assured_date.as_deref().and_then(review_date) {
        Some(day) if day < cutoff => Some(Due::Lapsed(day)),
        Some(_) => None,
        None => Some(Due::Never),
    }
}

/// The first and last year a snapshot year names ("2020–21" → 2020, 2021).
fn year_bounds(year: &str) -> Option<(u32, u32)> {
    let start: u32 = year.get(..4)?.parse().ok()?;
    let end = match year
        .get(4..)
        .map(|rest| rest.trim_start_matches(['–', '-', '/']))
    {
        Some(end) if end.len() == 2 => start / 100 * 100 + end.parse::<u32>().ok()?,
        Some(end) if end.len() == 4 => end.parse().ok()?,
        _ => start,
    };
    Some((start, end))
}

/// A source's tally in the first scan.
#[derive(Default)]
struct Tally {
    /// The year its first listing names, whether every listing names the same,
    /// and the span of all the years they name.
    year: Option<(String, bool, u32, u32)>,
    lapsed: usize,
    never: usize,
}

impl Tally {
    fn add_year(&mut self, year: Option<String>) {
        let Some((year, (start, end))) = year.and_then(|y| year_bounds(&y).map(|b| (y, b))) else {
            return;
        };
        match &mut self.year {
            None => self.year = Some((year, true, start, end)),
            Some((first, same, low, high)) => {
                *same &= *first == year;
                *low = (*low).min(start);
                *high = (*high).max(end);
            }
        }
    }

    /// The source's year: the one its listings name, or the span of them
    /// when they differ (per-entry notes, as in the farmers market list).
    fn year(&self) -> Option<String> {
        self.year.as_ref().map(|(first, same, low, high)| {
            if *same || low == high {
                first.clone()
            } else {
                format!("{low}–{high}")
            }
        })
    }

    fn first_year(&self) -> Option<u32> {
        self.year.as_ref().map(|(_, _, low, _)| *low)
    }
}

impl Directory {
    /// Marks a listing as confirmed unchanged today (by phone or email):
    /// `assured_date` is today (UTC), `last_modified` now. Durable, searchable
    /// and audited (`service.verify`) when it returns. Moderators and admins only.
    pub fn verify_service(
        &self,
        user: &User,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<Service, FreshnessError> {
        require_verifier(user)?;
        let today = now.date_naive().to_string();
        let stamp = now.to_rfc3339_opts(SecondsFormat::Millis, true);
        let service = self
            .store
            .update_service(id, |s| {
                s.assured_date = Some(today.clone());
                s.last_modified = Some(stamp.clone());
            })?
            .ok_or_else(|| FreshnessError::NotFound(id.to_owned()))?;
        self.listings_written(Some((&user.id, "service.verify", id, now)), &Silent)?;
        tracing::info!(service.id = %id, user.id = %user.id, "listing verified");
        Ok(service)
    }

    /// A page of the listings due for re-verification on `today` (see the
    /// module header for the order), with counts by source. Moderators and admins only.
    pub fn stale_queue(
        &self,
        user: &User,
        request: &StaleRequest,
        today: NaiveDate,
    ) -> Result<StaleQueue, FreshnessError> {
        require_verifier(user)?;
        let cutoff = review_cutoff(today);
        let wanted_source = |dataset: &str| request.source.as_deref().is_none_or(|s| s == dataset);

        // First scan: counts by source, and the lapsed listings asked for.
        let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
        let mut lapsed: Vec<(NaiveDate, String, String)> = Vec::new();
        for stamp in self.store.service_stamps() {
            let stamp = stamp?;
            let Some(due) = due(&stamp, cutoff) else {
                continue;
            };
            let dataset = &stamp.source.dataset;
            if !tallies.contains_key(dataset) {
                tallies.insert(dataset.clone(), Tally::default());
            }
            let Some(tally) = tallies.get_mut(dataset) else {
                continue;
            };
            tally.add_year(snapshot_year(dataset, stamp.source_note.as_deref()));
            match due {
                Due::Lapsed(day) => {
                    tally.lapsed += 1;
                    if request.kind.lapsed() && wanted_source(dataset) {
                        lapsed.push((day, dataset.clone(), stamp.id));
                    }
                }
                Due::Never => tally.never += 1,
            }
        }
        lapsed.sort();

        // Oldest snapshot first; sources that name no year last.
        let mut ordered: Vec<(String, Tally)> = tallies.into_iter().collect();
        ordered.sort_by_key(|(dataset, t)| {
            let first = t.first_year();
            (first.is_none(), first, dataset.clone())
        });
        let sources: Vec<SourceCount> = ordered
            .into_iter()
            .map(|(dataset, t)| SourceCount {
                year: t.year(),
                dataset,
                lapsed: t.lapsed,
                never_reviewed: t.never,
            })
            .collect();
        let never_groups: Vec<(&str, usize)> = if request.kind.never() {
            sources
                .iter()
                .filter(|s| s.never_reviewed > 0 && wanted_source(&s.dataset))
                .map(|s| (s.dataset.as_str(), s.never_reviewed))
                .collect()
        } else {
            Vec::new()
        };
        let never_total: usize = never_groups.iter().map(|(_, n)| n).sum();
        let total = lapsed.len() + never_total;
        let start = request.offset.min(total);
        let end = request.offset.saturating_add(request.limit).min(total);

        let mut ids: Vec<String> = lapsed
            .get(start.min(lapsed.len())..end.min(lapsed.len()))
            .unwrap_or_default()
            .iter()
            .map(|(_, _, id)| id.clone())
            .collect();
        if end > lapsed.len() {
            ids.extend(self.never_reviewed_window(
                &never_groups,
                start.saturating_sub(lapsed.len()),
                end - lapsed.len(),
                cutoff,
            )?);
        }
        let mut entries = Vec::with_capacity(ids.len());
        for id in &ids {
            if let Some(service) = self.store.service(id)? {
                entries.push(StaleEntry::of(&service));
            }
        }
        Ok(StaleQueue {
            cutoff,
            lapsed: sources.iter().map(|s| s.lapsed).sum(),
            never_reviewed: sources.iter().map(|s| s.never_reviewed).sum(),
            sources,
            total,
            entries,
        })
    }

    /// Second scan: the ids at positions `from..to` of the never-reviewed
    /// listings, taken source by source in `groups` order, each in id order.
    fn never_reviewed_window(
        &self,
        groups: &[(&str, usize)],
        from: usize,
        to: usize,
        cutoff: NaiveDate,
    ) -> Result<Vec<String>, FreshnessError> {
        // Each source's slice of the window: (its order, first, end) by position within it.
        let mut wanted: HashMap<&str, (usize, usize, usize)> = HashMap::new();
        let mut before = 0;
        for (order, &(dataset, count)) in groups.iter().enumerate() {
            let (first, end) = (from.max(before), to.min(before + count));
            if first < end {
                wanted.insert(dataset, (order, first - before, end - before));
            }
            before += count;
        }
        if wanted.is_empty() {
            return Ok(Vec::new());
        }
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut picked: Vec<(usize, usize, String)> = Vec::new();
        for stamp in self.store.service_stamps() {
            let stamp = stamp?;
            if !matches!(due(&stamp, cutoff), Some(Due::Never)) {
                continue;
            }
            let Some(&(order, first, end)) = wanted.get(stamp.source.dataset.as_str()) else {
                continue;
            };
            let position = seen.entry(stamp.source.dataset.clone()).or_insert(0);
            if (first..end).contains(position) {
                picked.push((order, *position, stamp.id));
            }
            *position += 1;
        }
        picked.sort();
        Ok(picked.into_iter().map(|(_, _, id)| id).collect())
    }

    /// A page of the listings modified after `after` (see the module header),
    /// oldest change first, then by id, with how many there are in all.
    pub fn changed_after(
        &self,
        after: DateTime<Utc>,
        offset: usize,
        limit: usize,
    ) -> Result<ChangedPage, DirectoryError> {
        let mut hits: Vec<(DateTime<Utc>, String)> = Vec::new();
        for stamp in self.store.service_stamps() {
            let stamp = stamp?;
            let Some((at, until)) = stamp.last_modified.as_deref().and_then(modified_span) else {
                continue;
            };
            if until > after {
                hits.push((at, stamp.id));
            }
        }
        hits.sort();
        let total = hits.len();
        let start = offset.min(total);
        let end = offset.saturating_add(limit).min(total);
        let mut entries = Vec::with_capacity(end - start);
        for (_, id) in hits.get(start..end).unwrap_or_default() {
            if let Some(service) = self.store.service(id)? {
                entries.push(ChangedEntry {
                    id: service.id,
                    name: service.name,
                    last_modified: service.last_modified,
                    assured_date: service.assured_date,
                    status: service.status,
                });
            }
        }
        Ok(ChangedPage { total, entries })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn the_snapshot_year_comes_from_the_dataset_name_then_the_note_and_is_never_guessed() {
        assert_eq!(
            snapshot_year("miami-211-2019", None).as_deref(),
            Some("2019")
        );
        assert_eq!(
            snapshot_year("hud_pha_contacts_2026", None).as_deref(),
            Some("2026")
        );
        assert_eq!(
            snapshot_year("hrsa-health-centers", Some("… sites, about 2020–21.")).as_deref(),
            Some("2020–21")
        );
        assert_eq!(
            snapshot_year(
                "imls-libraries",
                Some("IMLS Public Libraries Survey (FY2022)")
            )
            .as_deref(),
            Some("2022")
        );
        assert_eq!(
            snapshot_year("va-facilities", Some("as of September 2018 (VA VetData)")).as_deref(),
            Some("2018")
        );
        // A date is its year, not a span; 211 is not a year.
        assert_eq!(
            snapshot_year("feed", Some("exported 2011-12-05")).as_deref(),
            Some("2011")
        );
        assert_eq!(snapshot_year("miami-211", None), None);
        assert_eq!(snapshot_year("feed", Some("no year here, 12345")), None);
    }

    #[test]
    fn a_source_whose_listings_name_different_years_spans_them() {
        let mut markets = Tally::default();
        for note in ["updated 4/23/2019.", "updated 2018-07-01.", "updated 2021."] {
            markets.add_year(snapshot_year("usda-farmers-markets", Some(note)));
        }
        assert_eq!(markets.year().as_deref(), Some("2018–2021"));
        assert_eq!(markets.first_year(), Some(2018));
        let mut hrsa = Tally::default();
        for _ in 0..2 {
            hrsa.add_year(snapshot_year("hrsa-health-centers", Some("about 2020–21")));
        }
        assert_eq!(hrsa.year().as_deref(), Some("2020–21"));
        let mut none = Tally::default();
        none.add_year(None);
        assert_eq!(none.year(), None);
    }

    #[test]
    fn the_line_says_when_it_was_reviewed_or_where_it_came_from() {
        let reviewed = Freshness::from_fields("x", None, Some("2026-11-02"));
        assert_eq!(reviewed.to_string(), "Reviewed on 2026-11-02");
        let never = Freshness::from_fields(
            "miami-211-2019",
            Some("211 Miami / Open Referral, 2019 snapshot."),
            None,
        );
        assert_eq!(
            never.to_string(),
            "Not reviewed since import (source: miami-211-2019, 2019)"
        );
        let no_year = Freshness::from_fields("hrsa-health-centers", None, Some("soon"));
        assert_eq!(
            no_year.to_string(),
            "Not reviewed since import (source: hrsa-health-centers)"
        );
    }

    #[test]
    fn a_review_lapses_after_twelve_months() {
        let today = day("2026-11-02");
        assert_eq!(review_cutoff(today), day("2025-11-02"));
        assert!(!Freshness::Reviewed(day("2025-11-02")).is_due(today));
        assert!(Freshness::Reviewed(day("2025-11-01")).is_due(today));
        assert!(!Freshness::Reviewed(day("2026-09-02")).is_due(today));
        assert!(
            Freshness::NotReviewed {
                dataset: "x".into(),
                year: None
            }
            .is_due(today)
        );
    }

    #[test]
    fn instants_are_rfc3339_or_dates_and_bad_ones_say_what_to_give() {
        assert_eq!(
            parse_instant("2026-11-01T00:00:00Z").unwrap().to_rfc3339(),
            "2026-11-01T00:00:00+00:00"
        );
        // An unencoded `+` arrives as a space.
        assert_eq!(
            parse_instant("2026-11-01T09:00:00 05:00")
                .unwrap()
                .to_rfc3339(),
            "2026-11-01T04:00:00+00:00"
        );
        assert_eq!(
            parse_instant("2026-11-01").unwrap().to_rfc3339(),
            "2026-11-01T00:00:00+00:00"
        );
        for bad in ["", "yesterday", "2026-13-01", "2026-11-01T00:00:00"] {
            assert!(parse_instant(bad).is_err(), "{bad}");
        }
        assert!(
            parse_instant("soon")
                .unwrap_err()
                .contains("2026-11-01T00:00:00Z")
        );
    }

    #[test]
    fn a_date_without_a_time_counts_until_the_day_has_ended_everywhere() {
        let (at, until) = modified_span("2026-11-01").unwrap();
        assert_eq!(at.to_rfc3339(), "2026-11-01T00:00:00+00:00");
        assert_eq!(until.to_rfc3339(), "2026-11-02T12:00:00+00:00");
        let (at, until) = modified_span("2023-03-15T10:30:45.123Z").unwrap();
        assert_eq!(at, until);
        assert_eq!(modified_span("last week"), None);
    }
}
