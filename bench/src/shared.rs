//! What the runners share: the arguments and the listings read into plain
//! rows of the two SQL baselines (PostgreSQL + PostGIS and SQLite), opening
//! hours turned into intervals SQL can compare, the correctness gate against
//! the oracle, and the latency report every runner (Hearth's too) writes.
//! Nothing here talks to a database.
//!
//! # Rows
//!
//! Each NDJSON line is read as the oracle reads it ([`crate::oracle`]): HSDS
//! 3.0 validation (a line with an error is skipped), then
//! [`hearth::import::service_from_value`] under [`crate::oracle::DATASET`];
//! only active listings, first line of a repeated id. A listing keeps its
//! name, description, category slugs, language codes (each language's code,
//! or the one Hearth recognises from its name), [`hearth::model::is_free`],
//! and its located locations — or, when it has none, one place without a point
//! that stands for the service itself (the oracle judges such a listing's
//! `open_now` by the service's hours).
//!
//! # Opening hours
//!
//! SQL cannot evaluate Hearth's hours rules (local time zones, daylight saving,
//! monthly ordinals, seasons, holiday rows), so each place's hours are
//! *materialized* as UTC intervals `[opens, closes)` (seconds since 1970) over
//! a horizon: the span of the query file's `at` instants, a day either side —
//! as an app would store the coming occurrences of its listings' hours. The
//! intervals come from Hearth's own evaluator: the state can only change at a
//! time of day some rule names (opening, closing, start, closed window) or at
//! midnight, in the location's zone or a zone a rule is written in; between two
//! such instants the state is the same, so [`hearth::hours::open_at`] is asked
//! once per stretch, and the open stretches are kept. So a place is open at `at` in SQL exactly
//! when `hearth::directory::open_at(service, Some(location), at) == Some(true)`,
//! for every `at` inside the horizon. Distinct (hours, zone) patterns are
//! walked once.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::time::Instant;

use anyhow::Context;
use chrono::{DateTime, Duration, FixedOffset, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use hdrhistogram::Histogram;
use serde::Serialize;

use hearth::geo::Gazetteer;
use hearth::hours::{Hours, Span, Zone as RuleZone};
use hearth::import::{CategoryMap, ImportContext};
use hearth::model::{Service, is_free};

use crate::oracle::{Answer, Query};

/// One listing as the SQL tables hold it.
#[derive(Debug, Clone, PartialEq)]
pub struct ListingRow {
    /// The listing's source id (`bench-42-0000017`), what the oracle names.
    pub id: String,
    pub name: String,
    pub description: String,
    /// Hearth category slugs.
    pub categories: Vec<&'static str>,
    /// ISO 639 codes.
    pub languages: Vec<&'static str>,
    pub free: bool,
    /// Its places: located locations, or one unlocated place for the service itself.
    pub places: Vec<PlaceRow>,
}

/// A place of a listing: its point (None for the service itself) and its open intervals.
#[derive(Debug, Clone, PartialEq)]
pub struct PlaceRow {
    /// (lat, lon).
    pub point: Option<(f64, f64)>,
    /// Open intervals `[opens, closes)` in seconds since 1970 (UTC) within the horizon.
    pub open: std::sync::Arc<Vec<(i64, i64)>>,
}

/// Every listing read, and how long it took.
#[derive(Debug)]
pub struct Rows {
    pub listings: Vec<ListingRow>,
    /// Lines that did not become a listing (invalid, repeated id); inactive ones are not counted.
    pub skipped: usize,
    /// Distinct hours patterns walked.
    pub patterns: usize,
    pub seconds: f64,
}

impl Rows {
    /// How many places (location rows) there are.
    pub fn places(&self) -> usize {
        self.listings.iter().map(|l| l.places.len()).sum()
    }

    /// How many open intervals there are.
    pub fn intervals(&self) -> usize {
        self.listings
            .iter()
            .flat_map(|l| &l.places)
            .map(|p| p.open.len())
            .sum()
    }
}

/// The span of time open intervals are materialized for: the queries' `at`, a day either side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Horizon {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

impl Horizon {
    /// The horizon a query file needs (`None` when no query asks for `open_now`).
    pub fn of(queries: &[Query]) -> Option<Horizon> {
        let ats = queries.iter().filter(|q| q.open_now).filter_map(|q| q.at);
        let (mut lo, mut hi) = (None::<DateTime<Utc>>, None::<DateTime<Utc>>);
        for at in ats {
            lo = Some(lo.map_or(at, |l| l.min(at)));
            hi = Some(hi.map_or(at, |h| h.max(at)));
        }
        Some(Horizon {
            from: lo? - Duration::days(1),
            to: hi? + Duration::days(1),
        })
    }
}

/// Reads the listings NDJSON into rows, with hours materialized over `horizon`.
pub fn read_rows(path: &Path, horizon: Option<Horizon>) -> anyhow::Result<Rows> {
    let started = Instant::now();
    let gazetteer = Gazetteer::bundled().context("loading the bundled gazetteer")?;
    let categories = CategoryMap::bundled().context("loading the category map")?;
    let ctx = ImportContext {
        gazetteer: &gazetteer,
        categories: &categories,
    };
    let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let reader = BufReader::with_capacity(1 << 20, file);
    let mut lines: Vec<String> = Vec::new();
    for line in reader.lines() {
        let line = line.with_context(|| format!("reading {}", path.display()))?;
        if !line.trim().is_empty() {
            lines.push(line);
        }
    }
    // Parse on two threads (this machine has 2 cores), keeping the file's order.
    let half = lines.len().div_ceil(2).max(1);
    let parsed: Vec<Vec<Result<Option<Service>, String>>> = std::thread::scope(|s| {
        let handles: Vec<_> = lines
            .chunks(half)
            .map(|part| {
                s.spawn(move || {
                    part.iter()
                        .map(|l| crate::oracle::read_service(ctx, l))
                        .collect()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    });
    drop(lines);
    let mut seen: HashSet<String> = HashSet::new();
    let mut patterns: HashMap<String, std::sync::Arc<Vec<(i64, i64)>>> = HashMap::new();
    let mut listings = Vec::new();
    let mut skipped = 0;
    for result in parsed.into_iter().flatten() {
        let service = match result {
            Ok(Some(service)) => service,
            Ok(None) => continue,
            Err(_) => {
                skipped += 1;
                continue;
            }
        };
        if !seen.insert(service.source.id.clone()) {
            skipped += 1;
            continue;
        }
        listings.push(row_of(&service, horizon, &mut patterns));
    }
    Ok(Rows {
        listings,
        skipped,
        patterns: patterns.len(),
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// A service's row, with its places' hours (walked once per distinct pattern).
pub fn row_of(
    service: &Service,
    horizon: Option<Horizon>,
    patterns: &mut HashMap<String, std::sync::Arc<Vec<(i64, i64)>>>,
) -> ListingRow {
    let mut place = |location: Option<&hearth::model::Location>, point| {
        let open = match horizon {
            None => std::sync::Arc::new(Vec::new()),
            Some(horizon) => {
                let hours = hearth::hours::listing_hours_at(service, location);
                let zone = hearth::hours::zone_of(location);
                let key = format!("{zone:?}|{hours:?}");
                patterns
                    .entry(key)
                    .or_insert_with(|| std::sync::Arc::new(open_intervals(&hours, zone, horizon)))
                    .clone()
            }
        };
        PlaceRow { point, open }
    };
    let mut places: Vec<PlaceRow> = service
        .locations
        .iter()
        .filter_map(|l| l.point().map(|p| place(Some(l), Some(p))))
        .collect();
    if places.is_empty() {
        places.push(place(None, None));
    }
    let mut categories: Vec<&'static str> = service.categories.iter().map(|c| c.slug()).collect();
    categories.sort_unstable();
    categories.dedup();
    ListingRow {
        id: service.source.id.clone(),
        name: service.name.clone(),
        description: service.description.clone().unwrap_or_default(),
        categories,
        languages: hearth::index::language_codes(service),
        free: is_free(service),
        places,
    }
}

/// The UTC intervals within `horizon` in which `hours` are open (see the module documentation).
pub fn open_intervals(hours: &Hours, zone: Tz, horizon: Horizon) -> Vec<(i64, i64)> {
    let rules = match hours {
        Hours::Known { rules, .. } if !rules.is_empty() => rules,
        _ => return Vec::new(),
    };
    let (from, to) = (horizon.from.timestamp(), horizon.to.timestamp());
    // Every local time of day a rule can change the state at, in every zone a rule is written in.
    let mut times: Vec<NaiveTime> = vec![NaiveTime::MIN];
    let mut offsets: Vec<FixedOffset> = Vec::new();
    let mut zones: Vec<Tz> = vec![zone];
    for rule in rules {
        match rule.span {
            Span::Open { opens, closes } => times.extend([opens, closes]),
            Span::Closed(Some((a, b))) => times.extend([a, b]),
            Span::Starts(t) => times.push(t),
            _ => {}
        }
        match rule.zone {
            RuleZone::Local => {}
            RuleZone::Fixed(offset) => offsets.push(offset),
            RuleZone::Named(tz) => zones.push(tz),
        }
    }
    times.sort_unstable();
    times.dedup();
    let mut points: Vec<i64> = vec![from, to];
    let first = horizon.from.date_naive() - Duration::days(2);
    let last = horizon.to.date_naive() + Duration::days(2);
    let mut date = first;
    while date <= last {
        for time in &times {
            let local = date.and_time(*time);
            for tz in &zones {
                // A time in a spring-forward gap falls an hour later, as Hearth reads it.
                let at = tz.from_local_datetime(&local).earliest().or_else(|| {
                    tz.from_local_datetime(&(local + Duration::hours(1)))
                        .earliest()
                });
                if let Some(at) = at {
                    points.push(at.timestamp());
                }
            }
            for offset in &offsets {
                if let Some(at) = offset.from_local_datetime(&local).earliest() {
                    points.push(at.timestamp());
                }
            }
        }
        date += Duration::days(1);
    }
    points.retain(|p| (from..=to).contains(p));
    points.sort_unstable();
    points.dedup();
    // Between two consecutive change points the state is the same: judge it at the first.
    let mut out: Vec<(i64, i64)> = Vec::new();
    for pair in points.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let Some(at) = DateTime::from_timestamp(a, 0) else {
            continue;
        };
        if hearth::hours::open_at(hours, zone, at) == Some(true) {
            match out.last_mut() {
                Some(last) if last.1 == a => last.1 = b,
                _ => out.push((a, b)),
            }
        }
    }
    out
}

/// A backend's answer to one query: the matching ids, and for browse the distance order.
#[derive(Debug, Clone, Default)]
pub struct Got {
    pub ids: Vec<String>,
}

/// The gate's verdict: how many queries agree, and the first differences.
#[derive(Debug, Default, Serialize)]
pub struct Gate {
    pub queries: usize,
    pub agree: usize,
    pub disagree: usize,
    /// Browse queries whose set agrees but whose distance order does not.
    pub order_only: usize,
    pub by_kind: BTreeMap<String, (usize, usize)>,
    pub examples: Vec<Difference>,
    pub seconds: f64,
}

/// One query the backend answered differently.
#[derive(Debug, Serialize)]
pub struct Difference {
    pub query: u64,
    pub kind: String,
    pub oracle_count: usize,
    pub backend_count: usize,
    /// Listings the oracle has and the backend does not (up to 5).
    pub missing: Vec<String>,
    /// Listings the backend has and the oracle does not (up to 5).
    pub extra: Vec<String>,
    pub order_only: bool,
    pub query_json: String,
}

impl Gate {
    /// Records one query's answer against the oracle's.
    pub fn check(&mut self, query: &Query, raw: &str, oracle: &Answer, got: &Got) {
        self.queries += 1;
        let entry = self.by_kind.entry(query.kind.clone()).or_default();
        let mut sorted = got.ids.clone();
        sorted.sort_unstable();
        let set_ok = sorted == oracle.matches;
        let order_ok = match &oracle.by_distance {
            Some(order) => *order == got.ids,
            None => true,
        };
        if set_ok && order_ok {
            self.agree += 1;
            entry.0 += 1;
            return;
        }
        self.disagree += 1;
        entry.1 += 1;
        if set_ok {
            self.order_only += 1;
        }
        if self.examples.len() < 10 {
            let theirs: HashSet<&String> = sorted.iter().collect();
            let ours: HashSet<&String> = oracle.matches.iter().collect();
            self.examples.push(Difference {
                query: query.id,
                kind: query.kind.clone(),
                oracle_count: oracle.matches.len(),
                backend_count: sorted.len(),
                missing: oracle
                    .matches
                    .iter()
                    .filter(|m| !theirs.contains(m))
                    .take(5)
                    .cloned()
                    .collect(),
                extra: sorted
                    .iter()
                    .filter(|m| !ours.contains(m))
                    .take(5)
                    .cloned()
                    .collect(),
                order_only: set_ok,
                query_json: raw.to_owned(),
            });
        }
    }

    /// Whether every query agreed.
    pub fn passed(&self) -> bool {
        self.disagree == 0
    }

    /// Prints the verdict and the first differences.
    pub fn print(&self, name: &str) {
        eprintln!(
            "{name}: gate {} of {} queries agree with the oracle ({} disagree, {} in order only) in {:.1} s",
            self.agree, self.queries, self.disagree, self.order_only, self.seconds
        );
        for (kind, (a, d)) in &self.by_kind {
            eprintln!("  {kind}: {a} agree, {d} disagree");
        }
        for e in &self.examples {
            eprintln!(
                "  query {} ({}): oracle {} / backend {}{}; missing {:?}; extra {:?}\n    {}",
                e.query,
                e.kind,
                e.oracle_count,
                e.backend_count,
                if e.order_only { " (order only)" } else { "" },
                e.missing,
                e.extra,
                e.query_json
            );
        }
    }
}

/// The oracle's answers by query id, and the query file's lines by id (to show in differences).
pub fn answers_by_id(answers: Vec<Answer>) -> HashMap<u64, Answer> {
    answers.into_iter().map(|a| (a.id, a)).collect()
}

/// A query as JSON text (for the gate's examples).
pub fn query_text(q: &Query) -> String {
    format!(
        "text={:?} place={:?} category={:?} language={:?} free={} open_now={} at={:?}",
        q.text,
        (q.lat, q.lon, q.radius_miles),
        q.category,
        q.language,
        q.free,
        q.open_now,
        q.at.map(|a| a.to_rfc3339())
    )
}

/// Latency percentiles of one histogram (nanoseconds recorded), in milliseconds.
#[derive(Debug, Serialize)]
pub struct Latency {
    pub count: u64,
    pub mean_ms: f64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    pub max_ms: f64,
}

impl Latency {
    /// The percentiles of `h`.
    pub fn of(h: &Histogram<u64>) -> Latency {
        let ms = |ns: u64| ns as f64 / 1e6;
        Latency {
            count: h.len(),
            mean_ms: h.mean() / 1e6,
            p50_ms: ms(h.value_at_quantile(0.50)),
            p90_ms: ms(h.value_at_quantile(0.90)),
            p99_ms: ms(h.value_at_quantile(0.99)),
            p999_ms: ms(h.value_at_quantile(0.999)),
            max_ms: ms(h.max()),
        }
    }
}

/// Histograms per query kind and over all, of one measure (engine or round trip).
#[derive(Debug)]
pub struct Recorder {
    all: Histogram<u64>,
    by_kind: BTreeMap<String, Histogram<u64>>,
}

impl Recorder {
    /// Empty histograms (1 ns to 10 minutes, 3 significant digits).
    pub fn new() -> anyhow::Result<Recorder> {
        Ok(Recorder {
            all: Histogram::new_with_bounds(1, 600_000_000_000, 3)?,
            by_kind: BTreeMap::new(),
        })
    }

    /// Records one query's time in nanoseconds.
    pub fn record(&mut self, kind: &str, ns: u64) -> anyhow::Result<()> {
        let ns = ns.max(1);
        self.all.saturating_record(ns);
        if !self.by_kind.contains_key(kind) {
            self.by_kind.insert(
                kind.to_owned(),
                Histogram::new_with_bounds(1, 600_000_000_000, 3)?,
            );
        }
        if let Some(h) = self.by_kind.get_mut(kind) {
            h.saturating_record(ns);
        }
        Ok(())
    }

    /// The percentiles, over all and per kind.
    pub fn report(&self) -> Measure {
        Measure {
            all: Latency::of(&self.all),
            by_kind: self
                .by_kind
                .iter()
                .map(|(k, h)| (k.clone(), Latency::of(h)))
                .collect(),
        }
    }
}

/// What both SQL baselines take besides where their database is.
#[derive(Debug, clap::Args)]
pub struct BaselineArgs {
    /// The listings, one HSDS 3.0 `service_full` object per line.
    #[arg(long)]
    pub listings: std::path::PathBuf,
    /// The queries, one JSON object per line.
    #[arg(long)]
    pub queries: std::path::PathBuf,
    /// The oracle's answers for the same listings and queries.
    #[arg(long)]
    pub oracle: std::path::PathBuf,
    /// `typical` (as an app would write it) or `tuned`.
    #[arg(long, default_value = "typical")]
    pub variant: String,
    /// Passes over the query file while timing.
    #[arg(long, default_value_t = 3)]
    pub rounds: u32,
    /// Where to write the results as JSON.
    #[arg(long)]
    pub out: Option<std::path::PathBuf>,
    /// Time even when the gate finds differences (they are reported either way).
    #[arg(long)]
    pub time_anyway: bool,
    /// Check and time only the first N queries of the file (for a variant too
    /// slow to run them all; the counts in the report say how many were run).
    #[arg(long)]
    pub max_queries: Option<usize>,
}

impl BaselineArgs {
    /// The query file, cut to `--max-queries` when given.
    pub fn read_queries(&self) -> anyhow::Result<Vec<crate::oracle::Query>> {
        let mut queries = crate::oracle::read_queries(&self.queries)?;
        if let Some(n) = self.max_queries {
            queries.truncate(n);
        }
        Ok(queries)
    }
}

/// One measure's percentiles.
#[derive(Debug, Serialize)]
pub struct Measure {
    pub all: Latency,
    pub by_kind: BTreeMap<String, Latency>,
}

impl Measure {
    /// Prints a table of the percentiles.
    pub fn print(&self, title: &str) {
        println!("{title}");
        println!(
            "{:<16} {:>8} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
            "kind", "count", "mean ms", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "max ms"
        );
        let row = |name: &str, l: &Latency| {
            println!(
                "{:<16} {:>8} {:>9.3} {:>9.3} {:>9.3} {:>9.3} {:>9.3} {:>9.3}",
                name, l.count, l.mean_ms, l.p50_ms, l.p90_ms, l.p99_ms, l.p999_ms, l.max_ms
            );
        };
        for (kind, latency) in &self.by_kind {
            row(kind, latency);
        }
        row("all", &self.all);
    }
}

/// Nanoseconds of a duration, saturating.
pub fn nanos(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// The latitude/longitude box (degrees) that holds every point within `miles`
/// of (lat, lon), taken a little wide (a smaller Earth, a margin); the exact
/// haversine distance then decides. Longitude is not wrapped (US data).
pub fn bounding_box(lat: f64, lon: f64, miles: f64) -> (f64, f64, f64, f64) {
    const SMALL_EARTH_MILES: f64 = 3950.0;
    let dlat = (miles / SMALL_EARTH_MILES).to_degrees() + 1e-4;
    let far_lat = (lat.abs() + dlat).min(89.9);
    let dlon = dlat / far_lat.to_radians().cos().max(0.01) + 1e-4;
    (lat - dlat, lat + dlat, lon - dlon, lon + dlon)
}

/// Writes `value` as pretty JSON to `path`.
pub fn write_json(path: &Path, value: &impl Serialize) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(value)?;
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}

/// A figure of `/proc/{pid}/status` given in kB (`VmRSS:`, `VmHWM:`, `RssAnon:`),
/// in MB; `pid` "self" for this process.
pub fn proc_status_mb(pid: &str, key: &str) -> anyhow::Result<f64> {
    use anyhow::Context;
    let path = format!("/proc/{pid}/status");
    let status = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
    let kb = status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        .with_context(|| format!("no {key} in {path}"))?;
    Ok(kb / 1024.0)
}

/// Times a backend when its gate passed (or `time_anyway`); otherwise says why not.
pub fn time_if_gated<T>(
    gate: &Gate,
    label: &str,
    time_anyway: bool,
    time: impl FnOnce() -> anyhow::Result<T>,
) -> anyhow::Result<Option<T>> {
    if gate.passed() || time_anyway {
        time().map(Some)
    } else {
        eprintln!("{label}: not timed: the gate found differences");
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oracle::tests::{NYC, line, location};

    #[test]
    fn weekday_hours_become_utc_intervals_in_the_locations_zone() {
        let text = line("a", "Pantry", "Food", vec![location("1", NYC, true)]);
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        let gazetteer = Gazetteer::bundled().unwrap();
        let categories = CategoryMap::bundled().unwrap();
        let ctx = ImportContext {
            gazetteer: &gazetteer,
            categories: &categories,
        };
        let service = crate::oracle::read_service(ctx, &text).unwrap().unwrap();
        assert_eq!(service.source.id, "a");
        let _ = value;
        // Monday 23 November 2026 to Sunday 29 November, UTC.
        let horizon = Horizon {
            from: Utc.with_ymd_and_hms(2026, 11, 23, 0, 0, 0).unwrap(),
            to: Utc.with_ymd_and_hms(2026, 11, 30, 0, 0, 0).unwrap(),
        };
        let row = row_of(&service, Some(horizon), &mut HashMap::new());
        let open = &row.places[0].open;
        // 9:00–17:00 in New York is 14:00–22:00 UTC in November, five weekdays.
        assert_eq!(open.len(), 5, "{open:?}");
        let monday_9 = Utc
            .with_ymd_and_hms(2026, 11, 23, 14, 0, 0)
            .unwrap()
            .timestamp();
        assert_eq!(open[0], (monday_9, monday_9 + 8 * 3600));
    }
}
