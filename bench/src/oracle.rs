//! The oracle: every query's match set, worked out by brute force over the
//! listings, which each backend must reproduce before it is timed.
//!
//! Each NDJSON line is read with Hearth's own importer
//! ([`hearth::import::service_from_value`], dataset [`DATASET`]; a line that
//! HSDS 3.0 validation finds an error in is skipped, as `hearth import` skips
//! it), so derived
//! facts (categories, languages, whether it is free, hours, time zones) are
//! Hearth's; then only what the semantics need is kept, compactly, so that a
//! million listings fit in memory. Nothing here uses Hearth's index.
//!
//! # What a query matches
//!
//! A listing (only `active` ones count; a repeated id keeps its first line)
//! matches a query when every part the query gives holds:
//!
//! - **text**: every term of the query (its text split on characters that are
//!   not alphanumeric, lower-cased) appears as a whole word, split and
//!   lower-cased the same way, in the listing's name or description. Text with
//!   no term in it matches nothing. No stemming, stop words, phrases, synonyms,
//!   spelling correction or language detection.
//! - **place** (`lat`, `lon`, `radius_miles`): one of the listing's located
//!   locations is within `radius_miles` (inclusive) by exact haversine distance,
//!   [`hearth::geo::distance_miles`]: mean Earth radius 6,371,008.8 m
//!   (≈ 3,958.76 mi, `geo`'s `Haversine`). Service areas do not count. The
//!   listing's distance is that of its nearest qualifying location.
//! - **category**: the listing's categories include it.
//! - **language**: the ISO 639 codes of the listing's languages (each
//!   language's code, or the one Hearth recognises from its name) include it.
//! - **free**: [`hearth::model::is_free`] says so (`false` means no filter).
//! - **open_now**: the listing is open at `at` at a location, by
//!   [`hearth::directory::open_at`] `== Some(true)` (unknown hours and "by
//!   appointment" are not open). With a place, the location must be both within
//!   the radius and open (a listing qualifies through any such location, and its
//!   distance is the nearest of those); without one, any location. A listing
//!   without a located location is judged at the service's own hours.
//!
//! The answer lists the matching ids (the listings' source ids) sorted; for a
//! `browse` query also in distance order, ties by id, with the distances.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, mpsc};
use std::time::Instant;

use anyhow::{Context, anyhow, bail};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use hearth::geo::{Gazetteer, distance_miles};
use hearth::import::{
    CategoryMap, ImportContext, Severity, service_from_value, validate_service_value,
};
use hearth::model::{Category, LANGUAGES, Location, Service, ServiceStatus, is_free};

/// The dataset name listings are read under (and that Hearth's ids derive from).
pub const DATASET: &str = "bench";

/// How many threads parse listings and answer queries (this machine has 2 cores).
const THREADS: usize = 2;

/// Queries answered (and their answers held) at a time.
const ANSWER_CHUNK: usize = 256;

/// Lines handed to a parsing thread at a time.
const BATCH: usize = 256;

/// `hearth-bench oracle`: answer a query file by brute force.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The listings, one HSDS 3.0 `service_full` object per line.
    #[arg(long)]
    listings: PathBuf,
    /// The queries, one JSON object per line.
    #[arg(long)]
    queries: PathBuf,
    /// Where to write the answers (JSON lines, one per query, in the query file's order).
    #[arg(long)]
    out: PathBuf,
}

/// One query of the query file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Query {
    pub id: u64,
    /// `keyword_radius`, `browse`, `keyword` or `adversarial`.
    pub kind: String,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub lat: Option<f64>,
    #[serde(default)]
    pub lon: Option<f64>,
    #[serde(default)]
    pub radius_miles: Option<f64>,
    /// A Hearth category slug (`food`, `mental-health`).
    #[serde(default)]
    pub category: Option<String>,
    /// An ISO 639 code.
    #[serde(default)]
    pub language: Option<String>,
    #[serde(default)]
    pub free: bool,
    #[serde(default)]
    pub open_now: bool,
    /// When `open_now` is judged.
    #[serde(default)]
    pub at: Option<DateTime<Utc>>,
    #[serde(default = "default_limit")]
    pub limit: usize,
}

fn default_limit() -> usize {
    10
}

/// Where a query searches around: (lat, lon, miles).
pub type Place = (f64, f64, f64);

impl Query {
    /// The query's place, when it has one; an error when only part of it is given.
    pub fn place(&self) -> anyhow::Result<Option<Place>> {
        match (self.lat, self.lon, self.radius_miles) {
            (Some(lat), Some(lon), Some(miles)) => Ok(Some((lat, lon, miles))),
            (None, None, None) => Ok(None),
            _ => bail!("query {}: lat, lon and radius_miles go together", self.id),
        }
    }

    /// The category asked for, checked against Hearth's.
    pub fn category(&self) -> anyhow::Result<Option<Category>> {
        self.category
            .as_deref()
            .map(|c| {
                Category::parse(c)
                    .ok_or_else(|| anyhow!("query {}: unknown category {c:?}", self.id))
            })
            .transpose()
    }

    /// The language asked for, as Hearth's code for it.
    pub fn language(&self) -> anyhow::Result<Option<&'static str>> {
        self.language
            .as_deref()
            .map(|l| {
                hearth::model::language_code(l)
                    .ok_or_else(|| anyhow!("query {}: unknown language {l:?}", self.id))
            })
            .transpose()
    }

    /// The instant `open_now` is judged at, when the query asks for it.
    pub fn open_at(&self) -> anyhow::Result<Option<DateTime<Utc>>> {
        match (self.open_now, self.at) {
            (false, _) => Ok(None),
            (true, Some(at)) => Ok(Some(at)),
            (true, None) => bail!("query {}: open_now without `at`", self.id),
        }
    }
}

/// Reads a query file (JSON lines; blank lines are skipped).
pub fn read_queries(path: &Path) -> anyhow::Result<Vec<Query>> {
    let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut queries = Vec::new();
    for (i, line) in BufReader::new(file).lines().enumerate() {
        let line = line.with_context(|| format!("reading {}", path.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        let query: Query = serde_json::from_str(&line)
            .with_context(|| format!("{} line {}: not a query", path.display(), i + 1))?;
        queries.push(query);
    }
    Ok(queries)
}

/// The oracle's answer to one query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    pub id: u64,
    /// The matching listings' ids, sorted.
    pub matches: Vec<String>,
    /// For `browse`: the matches nearest first (ties by id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_distance: Option<Vec<String>>,
    /// For `browse`: the distance in miles of each of `by_distance`, so that an
    /// order that differs only among equal distances can be told apart from a wrong one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distances: Option<Vec<f64>>,
}

/// Reads an oracle file written by [`run`].
pub fn read_answers(path: &Path) -> anyhow::Result<Vec<Answer>> {
    stream_answers(path)?.collect()
}

/// Reads an oracle file written by [`run`] one answer at a time (in the query
/// file's order), so that a million listings' answers need not be held at once.
pub fn stream_answers(path: &Path) -> anyhow::Result<impl Iterator<Item = anyhow::Result<Answer>>> {
    let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let path = path.to_owned();
    let lines = BufReader::with_capacity(1 << 20, file).lines().enumerate();
    Ok(lines.filter_map(move |(i, line)| {
        let line = match line.with_context(|| format!("reading {}", path.display())) {
            Ok(line) => line,
            Err(e) => return Some(Err(e)),
        };
        if line.trim().is_empty() {
            return None;
        }
        Some(
            serde_json::from_str(&line)
                .with_context(|| format!("{} line {}: not an answer", path.display(), i + 1)),
        )
    }))
}

/// Runs `hearth-bench oracle`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let started = Instant::now();
    let file = File::open(&args.listings)
        .with_context(|| format!("opening {}", args.listings.display()))?;
    let listings = Listings::read(BufReader::with_capacity(1 << 20, file))
        .with_context(|| format!("reading {}", args.listings.display()))?;
    eprintln!(
        "oracle: {} listings ({} places, {} words, {} hours patterns) read in {:.1} s; {} lines skipped",
        listings.len(),
        listings.places.len(),
        listings.postings.len(),
        listings.hours.len(),
        started.elapsed().as_secs_f64(),
        listings.skipped.len()
    );
    for (line, reason) in listings.skipped.iter().take(5) {
        eprintln!("  line {line}: {reason}");
    }
    let queries = read_queries(&args.queries)?;
    let answering = Instant::now();
    let out =
        File::create(&args.out).with_context(|| format!("creating {}", args.out.display()))?;
    let mut out = BufWriter::new(out);
    let (mut matches, mut empty) = (0usize, 0usize);
    // A few hundred queries at a time, written as they are answered: a million
    // listings give over a hundred million matches, too many ids to hold at once.
    for part in queries.chunks(ANSWER_CHUNK) {
        for answer in listings.answer_all(part)? {
            matches += answer.matches.len();
            empty += usize::from(answer.matches.is_empty());
            serde_json::to_writer(&mut out, &answer)?;
            out.write_all(b"\n")?;
        }
    }
    out.flush()
        .with_context(|| format!("writing {}", args.out.display()))?;
    eprintln!(
        "oracle: {} queries answered in {:.1} s: {matches} matches in all, {empty} queries with none",
        queries.len(),
        answering.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The words of a text: split on characters that are not alphanumeric, lower-cased.
pub fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

/// Whether a listing is open at an instant at one place (the rules and time zone of one hours pattern).
type OpenAt = Box<dyn Fn(DateTime<Utc>) -> bool + Send + Sync>;

/// One listing, compactly: ranges into [`Listings`]' shared arrays.
#[derive(Debug)]
struct Listing {
    id: Box<str>,
    /// Its distinct word ids, sorted, at `words[words.0 .. words.0 + words.1]`.
    words: (u32, u32),
    /// Its places, at `places[places.0 .. places.0 + places.1]`.
    places: (u32, u32),
    /// Bit `i` for `Category::ALL[i]`.
    categories: u64,
    /// Bit `i` for `LANGUAGES[i]`.
    languages: u64,
    free: bool,
}

/// A location of a listing (or, for a listing without a located one, the service itself).
#[derive(Debug, Clone, Copy)]
struct PlaceOf {
    point: Option<(f64, f64)>,
    /// Its hours pattern, an index into `hours`.
    hours: u32,
    listing: u32,
}

/// Every listing, as the oracle needs it.
pub struct Listings {
    listings: Vec<Listing>,
    places: Vec<PlaceOf>,
    words: Vec<u32>,
    vocabulary: HashMap<Box<str>, u32>,
    /// Word id → the listings that have it, ascending.
    postings: Vec<Vec<u32>>,
    /// The located places, by latitude.
    by_lat: Vec<u32>,
    hours: Vec<OpenAt>,
    /// Lines that did not become a listing: (line number, why).
    pub skipped: Vec<(u64, String)>,
}

/// A line read into what the oracle keeps, before interning.
struct Parsed {
    id: String,
    words: Vec<String>,
    categories: u64,
    languages: u64,
    free: bool,
    places: Vec<ParsedPlace>,
}

struct ParsedPlace {
    point: Option<(f64, f64)>,
    /// The hours rules and time zone, written out, to share one evaluator per pattern.
    hours_key: String,
    open: OpenAt,
}

/// A batch of numbered lines, numbered itself so results are taken in file order.
type Batch = (usize, Vec<(u64, String)>);
/// A batch's lines read: each a listing, an inactive one (`None`), or why it was skipped.
type ParsedLines = Vec<(u64, Result<Option<Parsed>, String>)>;
type Done = (usize, ParsedLines);

impl Listings {
    /// Reads NDJSON listings, parsing on [`THREADS`] threads.
    pub fn read(reader: impl BufRead + Send) -> anyhow::Result<Listings> {
        let gazetteer = Gazetteer::bundled().context("loading the bundled gazetteer")?;
        let categories = CategoryMap::bundled().context("loading the category map")?;
        let ctx = ImportContext {
            gazetteer: &gazetteer,
            categories: &categories,
        };
        let mut builder = Builder::default();
        let (batch_tx, batch_rx) = mpsc::sync_channel::<Batch>(2 * THREADS);
        let batch_rx = Mutex::new(batch_rx);
        let (done_tx, done_rx) = mpsc::sync_channel::<Done>(2 * THREADS);
        std::thread::scope(|s| -> anyhow::Result<()> {
            let reading = s.spawn(move || -> std::io::Result<()> {
                let mut batch = Vec::with_capacity(BATCH);
                let mut number = 0;
                for (i, line) in reader.lines().enumerate() {
                    let line = line?;
                    if line.trim().is_empty() {
                        continue;
                    }
                    batch.push((i as u64 + 1, line));
                    if batch.len() == BATCH {
                        let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                        if batch_tx.send((number, full)).is_err() {
                            return Ok(());
                        }
                        number += 1;
                    }
                }
                if !batch.is_empty() {
                    let _ = batch_tx.send((number, batch));
                }
                Ok(())
            });
            for _ in 0..THREADS {
                let done_tx = done_tx.clone();
                let batch_rx = &batch_rx;
                s.spawn(move || {
                    loop {
                        let next = match batch_rx.lock() {
                            Ok(rx) => rx.recv(),
                            Err(_) => return,
                        };
                        let Ok((number, lines)) = next else { return };
                        let parsed = lines
                            .into_iter()
                            .map(|(line, text)| (line, parse_line(ctx, &text)))
                            .collect();
                        if done_tx.send((number, parsed)).is_err() {
                            return;
                        }
                    }
                });
            }
            drop(done_tx);
            // Taken in file order, so a repeated id keeps its first line, as Hearth's importer does.
            let mut pending: BTreeMap<usize, ParsedLines> = BTreeMap::new();
            let mut next = 0;
            for (number, batch) in done_rx {
                pending.insert(number, batch);
                while let Some(batch) = pending.remove(&next) {
                    for (line, parsed) in batch {
                        builder.add(line, parsed);
                    }
                    next += 1;
                }
            }
            reading
                .join()
                .map_err(|_| anyhow!("the reading thread panicked"))??;
            Ok(())
        })?;
        Ok(builder.finish())
    }

    /// How many listings were read.
    pub fn len(&self) -> usize {
        self.listings.len()
    }

    /// Answers every query, on [`THREADS`] threads, in the given order.
    pub fn answer_all(&self, queries: &[Query]) -> anyhow::Result<Vec<Answer>> {
        let chunk = queries.len().div_ceil(THREADS).max(1);
        let parts: Vec<anyhow::Result<Vec<Answer>>> = std::thread::scope(|s| {
            let handles: Vec<_> = queries
                .chunks(chunk)
                .map(|part| s.spawn(move || part.iter().map(|q| self.answer(q)).collect()))
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err(anyhow!("a query thread panicked")))
                })
                .collect()
        });
        let mut answers = Vec::with_capacity(queries.len());
        for part in parts {
            answers.extend(part?);
        }
        Ok(answers)
    }

    /// Answers one query by brute force (see the module documentation).
    pub fn answer(&self, query: &Query) -> anyhow::Result<Answer> {
        let place = query.place()?;
        let category = query.category()?;
        let language = query.language()?;
        let when = query.open_at()?;
        let category_bit = category.map(|c| bit_of(Category::ALL.iter().position(|a| *a == c)));
        let language_bit =
            language.map(|l| bit_of(LANGUAGES.iter().position(|(code, _)| *code == l)));
        // None: no text filter; Some(None): text that can match nothing.
        let text: Option<Option<Vec<u32>>> = query
            .text
            .as_deref()
            .filter(|t| !t.trim().is_empty())
            .map(|t| {
                let terms: Vec<String> = words(t).collect();
                if terms.is_empty() {
                    return None;
                }
                terms
                    .iter()
                    .map(|w| self.vocabulary.get(w.as_str()).copied())
                    .collect()
            });
        let terms = match text {
            Some(None) => return Ok(self.answer_from(query, HashMap::new())),
            Some(Some(terms)) => Some(terms),
            None => None,
        };
        let listing_ok = |l: &Listing| {
            category_bit.is_none_or(|b| l.categories & b != 0)
                && language_bit.is_none_or(|b| l.languages & b != 0)
                && (!query.free || l.free)
                && terms.as_ref().is_none_or(|terms| {
                    let own = self.word_ids(l);
                    terms.iter().all(|t| own.binary_search(t).is_ok())
                })
        };
        let mut judged: HashMap<u32, bool> = HashMap::new();
        let mut open = |p: &PlaceOf| match when {
            None => true,
            Some(when) => *judged
                .entry(p.hours)
                .or_insert_with(|| (self.hours[p.hours as usize])(when)),
        };
        // The listings the text allows, when there is text: the shortest posting list, narrowed.
        let by_text: Option<Vec<u32>> = terms.as_ref().map(|terms| {
            let mut lists: Vec<&Vec<u32>> =
                terms.iter().map(|t| &self.postings[*t as usize]).collect();
            lists.sort_by_key(|l| l.len());
            lists.first().map_or_else(Vec::new, |l| (*l).clone())
        });
        // Listing index → distance (0 without a place).
        let mut found: HashMap<u32, f64> = HashMap::new();
        match place {
            Some((lat, lon, miles)) => {
                let band = self.lat_band(lat, miles);
                let within = |p: &PlaceOf| {
                    p.point
                        .map(|point| distance_miles((lat, lon), point))
                        .filter(|d| *d <= miles)
                };
                match by_text.filter(|ids| ids.len() < band.len()) {
                    Some(ids) => {
                        for i in ids {
                            let listing = &self.listings[i as usize];
                            if !listing_ok(listing) {
                                continue;
                            }
                            for p in self.places_of(listing) {
                                if let Some(d) = within(p)
                                    && open(p)
                                {
                                    keep_nearest(&mut found, i, d);
                                }
                            }
                        }
                    }
                    None => {
                        for &p in band {
                            let p = &self.places[p as usize];
                            if let Some(d) = within(p)
                                && listing_ok(&self.listings[p.listing as usize])
                                && open(p)
                            {
                                keep_nearest(&mut found, p.listing, d);
                            }
                        }
                    }
                }
            }
            None => {
                let all: Box<dyn Iterator<Item = u32>> = match by_text {
                    Some(ids) => Box::new(ids.into_iter()),
                    None => Box::new(0..self.listings.len() as u32),
                };
                for i in all {
                    let listing = &self.listings[i as usize];
                    if listing_ok(listing) && self.places_of(listing).iter().any(&mut open) {
                        found.insert(i, 0.0);
                    }
                }
            }
        }
        Ok(self.answer_from(query, found))
    }

    fn answer_from(&self, query: &Query, found: HashMap<u32, f64>) -> Answer {
        let mut by_distance: Vec<(f64, &str)> = found
            .into_iter()
            .map(|(i, d)| (d, &*self.listings[i as usize].id))
            .collect();
        let mut matches: Vec<String> = by_distance.iter().map(|(_, id)| (*id).to_owned()).collect();
        matches.sort_unstable();
        let (by_distance, distances) = if query.kind == "browse" {
            by_distance.sort_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.1.cmp(b.1)));
            let distances = by_distance.iter().map(|(d, _)| *d).collect();
            let ids = by_distance
                .into_iter()
                .map(|(_, id)| id.to_owned())
                .collect();
            (Some(ids), Some(distances))
        } else {
            (None, None)
        };
        Answer {
            id: query.id,
            matches,
            by_distance,
            distances,
        }
    }

    fn word_ids(&self, listing: &Listing) -> &[u32] {
        let (start, len) = listing.words;
        &self.words[start as usize..(start + len) as usize]
    }

    fn places_of(&self, listing: &Listing) -> &[PlaceOf] {
        let (start, len) = listing.places;
        &self.places[start as usize..(start + len) as usize]
    }

    /// The located places whose latitude is close enough to `lat` to be within
    /// `miles`: a haversine distance is never less than the latitude difference
    /// alone, so nothing outside the band can match. The band is taken a little
    /// wide (a smaller Earth radius, plus a margin); distance then decides.
    fn lat_band(&self, lat: f64, miles: f64) -> &[u32] {
        const SMALL_EARTH_MILES: f64 = 3950.0;
        let degrees = (miles / SMALL_EARTH_MILES).to_degrees() + 1e-6;
        let lat_of = |p: &u32| {
            self.places[*p as usize]
                .point
                .map_or(f64::NAN, |(la, _)| la)
        };
        let lo = self.by_lat.partition_point(|p| lat_of(p) < lat - degrees);
        let hi = self.by_lat.partition_point(|p| lat_of(p) <= lat + degrees);
        &self.by_lat[lo..hi.max(lo)]
    }
}

fn keep_nearest(found: &mut HashMap<u32, f64>, listing: u32, d: f64) {
    found
        .entry(listing)
        .and_modify(|best| *best = best.min(d))
        .or_insert(d);
}

/// The bit of position `i`; no bit when there is no position (matches nothing).
fn bit_of(i: Option<usize>) -> u64 {
    i.map_or(0, |i| 1u64 << i)
}

/// Reads one NDJSON line as Hearth's import would: `None` for a listing that
/// is not active, an error for a record Hearth would skip (and why). The SQL
/// baselines read their rows with it too.
pub fn read_service(ctx: ImportContext<'_>, line: &str) -> Result<Option<Service>, String> {
    let value: Value = serde_json::from_str(line).map_err(|e| format!("not JSON: {e}"))?;
    // Hearth's import skips a record that HSDS 3.0 validation finds an error in.
    let errors: Vec<String> = validate_service_value(&value, 0)
        .into_iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| format!("{}: {}", f.field, f.message))
        .collect();
    if !errors.is_empty() {
        return Err(format!("not valid HSDS 3.0: {}", errors.join("; ")));
    }
    let id = value
        .get("id")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .ok_or("no id")?
        .to_owned();
    let service = service_from_value(ctx, DATASET, &id, &value)?;
    Ok((service.status == ServiceStatus::Active).then_some(service))
}

/// Reads one NDJSON line as Hearth would; `None` for a listing that is not active.
fn parse_line(ctx: ImportContext<'_>, line: &str) -> Result<Option<Parsed>, String> {
    let Some(service) = read_service(ctx, line)? else {
        return Ok(None);
    };
    let mut own: Vec<String> = words(&service.name)
        .chain(service.description.iter().flat_map(|d| words(d)))
        .collect();
    own.sort_unstable();
    own.dedup();
    let categories = service
        .categories
        .iter()
        .map(|c| bit_of(Category::ALL.iter().position(|a| a == c)))
        .fold(0, |a, b| a | b);
    let languages = hearth::index::language_codes(&service)
        .into_iter()
        .map(|code| bit_of(LANGUAGES.iter().position(|(c, _)| *c == code)))
        .fold(0, |a, b| a | b);
    let mut places: Vec<ParsedPlace> = service
        .locations
        .iter()
        .filter_map(|l| l.point().map(|point| place(&service, Some(l), Some(point))))
        .collect();
    if places.is_empty() {
        places.push(place(&service, None, None));
    }
    Ok(Some(Parsed {
        id: service.source.id.clone(),
        words: own,
        categories,
        languages,
        free: is_free(&service),
        places,
    }))
}

/// One place of a listing with its hours: the same rules and time zone that
/// [`hearth::directory::open_at`] reads, kept once per distinct pattern.
fn place(service: &Service, location: Option<&Location>, point: Option<(f64, f64)>) -> ParsedPlace {
    let hours = hearth::hours::listing_hours_at(service, location);
    let zone = hearth::hours::zone_of(location);
    let hours_key = format!("{zone:?}|{hours:?}");
    // Equal to `open_at(service, location, when) == Some(true)`, without keeping the service.
    let open: OpenAt =
        Box::new(move |when| hearth::hours::open_at(&hours, zone, when) == Some(true));
    ParsedPlace {
        point,
        hours_key,
        open,
    }
}

/// Interns what parsing threads produce into [`Listings`].
#[derive(Default)]
struct Builder {
    listings: Vec<Listing>,
    places: Vec<PlaceOf>,
    words: Vec<u32>,
    vocabulary: HashMap<Box<str>, u32>,
    postings: Vec<Vec<u32>>,
    hours: Vec<OpenAt>,
    hours_ids: HashMap<String, u32>,
    seen: HashSet<Box<str>>,
    skipped: Vec<(u64, String)>,
}

impl Builder {
    fn add(&mut self, line: u64, parsed: Result<Option<Parsed>, String>) {
        let parsed = match parsed {
            Ok(Some(parsed)) => parsed,
            Ok(None) => return,
            Err(reason) => {
                self.skipped.push((line, reason));
                return;
            }
        };
        if !self.seen.insert(parsed.id.clone().into_boxed_str()) {
            self.skipped
                .push((line, format!("same id {:?} as an earlier line", parsed.id)));
            return;
        }
        let index = self.listings.len() as u32;
        let mut ids: Vec<u32> = parsed
            .words
            .into_iter()
            .map(|w| match self.vocabulary.get(w.as_str()) {
                Some(id) => *id,
                None => {
                    let id = self.postings.len() as u32;
                    self.vocabulary.insert(w.into_boxed_str(), id);
                    self.postings.push(Vec::new());
                    id
                }
            })
            .collect();
        ids.sort_unstable();
        ids.dedup();
        for id in &ids {
            self.postings[*id as usize].push(index);
        }
        let words = (self.words.len() as u32, ids.len() as u32);
        self.words.extend(ids);
        let places = (self.places.len() as u32, parsed.places.len() as u32);
        for p in parsed.places {
            let hours = match self.hours_ids.get(&p.hours_key) {
                Some(id) => *id,
                None => {
                    let id = self.hours.len() as u32;
                    self.hours.push(p.open);
                    self.hours_ids.insert(p.hours_key, id);
                    id
                }
            };
            self.places.push(PlaceOf {
                point: p.point,
                hours,
                listing: index,
            });
        }
        self.listings.push(Listing {
            id: parsed.id.into_boxed_str(),
            words,
            places,
            categories: parsed.categories,
            languages: parsed.languages,
            free: parsed.free,
        });
    }

    fn finish(self) -> Listings {
        let mut by_lat: Vec<u32> = (0..self.places.len() as u32)
            .filter(|p| self.places[*p as usize].point.is_some())
            .collect();
        let lat_of = |p: &u32| self.places[*p as usize].point.map_or(0.0, |(lat, _)| lat);
        by_lat.sort_by(|a, b| lat_of(a).total_cmp(&lat_of(b)));
        Listings {
            listings: self.listings,
            places: self.places,
            words: self.words,
            vocabulary: self.vocabulary,
            postings: self.postings,
            by_lat,
            hours: self.hours,
            skipped: self.skipped,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use hearth::model::{Address, Schedule};

    pub(crate) const NYC: (f64, f64) = (40.7128, -74.0060);

    /// A listing in the NDJSON form the generator writes (Hearth's own `service_full`).
    pub(crate) fn line(
        id: &str,
        name: &str,
        description: &str,
        locations: Vec<Location>,
    ) -> String {
        let service = Service {
            id: id.into(),
            name: name.into(),
            description: Some(description.into()),
            locations,
            categories: vec![Category::Food],
            ..Service::default()
        };
        full(service)
    }

    /// A listing's line, with the organization HSDS 3.0 requires.
    pub(crate) fn full(mut service: Service) -> String {
        service.organization = hearth::model::Organization {
            id: format!("org-{}", service.id),
            name: format!("Organization of {}", service.name),
            ..hearth::model::Organization::default()
        };
        hearth::export::hsds::service_full(&service).to_string()
    }

    /// A New York location at `point`, open Monday to Friday 9:00–17:00 when `weekdays`.
    pub(crate) fn location(id: &str, point: (f64, f64), weekdays: bool) -> Location {
        Location {
            id: id.into(),
            latitude: Some(point.0),
            longitude: Some(point.1),
            address: Some(Address {
                address_1: "1 Broadway".into(),
                city: "New York".into(),
                state_province: "NY".into(),
                postal_code: "10004".into(),
                country: "US".into(),
                ..Address::default()
            }),
            schedules: if weekdays {
                vec![Schedule {
                    freq: Some("WEEKLY".into()),
                    byday: Some("MO,TU,WE,TH,FR".into()),
                    opens_at: Some("09:00".into()),
                    closes_at: Some("17:00".into()),
                    ..Schedule::default()
                }]
            } else {
                Vec::new()
            },
            ..Location::default()
        }
    }

    pub(crate) fn listings(lines: &[String]) -> Listings {
        let text = lines.join("\n");
        Listings::read(std::io::Cursor::new(text)).expect("the listings read")
    }

    pub(crate) fn query(json: serde_json::Value) -> Query {
        let mut base = serde_json::json!({"id": 1, "kind": "keyword", "limit": 10});
        if let (Some(base), Some(extra)) = (base.as_object_mut(), json.as_object()) {
            base.extend(extra.clone());
        }
        serde_json::from_value(base).expect("a query")
    }

    fn matches(listings: &Listings, json: serde_json::Value) -> Vec<String> {
        listings.answer(&query(json)).expect("an answer").matches
    }

    #[test]
    fn text_matches_whole_words_of_the_name_or_description_in_any_case() {
        let all = listings(&[
            line(
                "a",
                "Food Pantry",
                "Groceries every week; walk-in.",
                vec![location("1", NYC, true)],
            ),
            line(
                "b",
                "Foodbank of the City",
                "Pantry-style shelves.",
                vec![location("1", NYC, true)],
            ),
            line(
                "c",
                "Legal Aid",
                "Tenant help",
                vec![location("1", NYC, true)],
            ),
        ]);
        assert_eq!(all.len(), 3);
        assert_eq!(
            matches(&all, serde_json::json!({"text": "FOOD pantry"})),
            ["a"]
        );
        // "pantry" in b's description counts, "food" inside "Foodbank" does not.
        assert_eq!(
            matches(&all, serde_json::json!({"text": "pantry"})),
            ["a", "b"]
        );
        assert_eq!(matches(&all, serde_json::json!({"text": "walk"})), ["a"]);
        assert!(matches(&all, serde_json::json!({"text": "pan"})).is_empty());
        assert!(matches(&all, serde_json::json!({"text": "food lawyer"})).is_empty());
        assert!(matches(&all, serde_json::json!({"text": "- *"})).is_empty());
        assert_eq!(matches(&all, serde_json::json!({"text": null})).len(), 3);
    }

    #[test]
    fn the_radius_includes_its_edge_and_nothing_past_it() {
        let north = (NYC.0 + 0.1, NYC.1);
        let edge = distance_miles(NYC, north);
        let all = listings(&[
            line("near", "Pantry", "Food", vec![location("1", north, true)]),
            // Two locations: the distance is the nearer one's.
            line(
                "two",
                "Pantry",
                "Food",
                vec![
                    location("1", (NYC.0 + 1.0, NYC.1), true),
                    location("2", NYC, true),
                ],
            ),
        ]);
        let at = |miles: f64| serde_json::json!({"kind": "browse", "lat": NYC.0, "lon": NYC.1, "radius_miles": miles});
        assert_eq!(matches(&all, at(edge)), ["near", "two"]);
        assert_eq!(matches(&all, at(edge * (1.0 - 1e-12))), ["two"]);
        let answer = all.answer(&query(at(edge))).expect("an answer");
        assert_eq!(answer.by_distance, Some(vec!["two".into(), "near".into()]));
        assert_eq!(answer.distances, Some(vec![0.0, edge]));
        assert!(
            matches(
                &all,
                serde_json::json!({"lat": 0.5, "lon": 0.5, "radius_miles": 50.0})
            )
            .is_empty()
        );
    }

    #[test]
    fn open_now_counts_only_locations_open_at_that_time_and_in_the_radius() {
        let far = (NYC.0 + 1.0, NYC.1);
        let all = listings(&[
            line("open", "Pantry", "Food", vec![location("1", NYC, true)]),
            line("unknown", "Pantry", "Food", vec![location("1", NYC, false)]),
            // Open only at a location outside a 10-mile radius; its near one has no hours.
            line(
                "far-open",
                "Pantry",
                "Food",
                vec![location("1", NYC, false), location("2", far, true)],
            ),
        ]);
        // Wednesday 10:30 in New York (15:30 UTC), and 18:30 the same day.
        let wednesday_morning = "2026-11-25T15:30:00Z";
        let wednesday_evening = "2026-11-25T23:30:00Z";
        let near = |at: &str| serde_json::json!({"lat": NYC.0, "lon": NYC.1, "radius_miles": 10.0, "open_now": true, "at": at});
        assert_eq!(matches(&all, near(wednesday_morning)), ["open"]);
        assert!(matches(&all, near(wednesday_evening)).is_empty());
        let anywhere =
            serde_json::json!({"text": "pantry", "open_now": true, "at": wednesday_morning});
        assert_eq!(matches(&all, anywhere), ["far-open", "open"]);
        let no_filter =
            serde_json::json!({"text": "pantry", "open_now": false, "at": wednesday_evening});
        assert_eq!(matches(&all, no_filter).len(), 3);
    }

    #[test]
    fn filters_use_hearths_derived_facts() {
        let mut spanish = Service {
            id: "es".into(),
            name: "Clinic".into(),
            description: Some("Free clinic.".into()),
            locations: vec![location("1", NYC, true)],
            categories: vec![Category::Health],
            languages: vec![hearth::model::Language {
                name: "Spanish".into(),
                code: None,
            }],
            ..Service::default()
        };
        let plain = line("food", "Pantry", "Food", vec![location("1", NYC, true)]);
        spanish.status = ServiceStatus::Active;
        let spanish = full(spanish);
        let mut inactive = Service {
            id: "gone".into(),
            name: "Clinic".into(),
            status: ServiceStatus::Defunct,
            ..Service::default()
        };
        inactive.locations = vec![location("1", NYC, true)];
        let inactive = full(inactive);
        // No organization: `hearth import` skips it as invalid HSDS 3.0, and so does the oracle.
        let unowned = hearth::export::hsds::service_full(&Service {
            id: "unowned".into(),
            name: "Clinic".into(),
            locations: vec![location("1", NYC, true)],
            ..Service::default()
        })
        .to_string();
        let all = listings(&[
            plain,
            spanish,
            inactive,
            "{\"name\": \"no id\"}".into(),
            unowned,
        ]);
        assert_eq!(all.len(), 2);
        assert_eq!(all.skipped.len(), 2, "{:?}", all.skipped);
        assert!(all.skipped[1].1.starts_with("not valid HSDS 3.0"));
        assert_eq!(matches(&all, serde_json::json!({"language": "es"})), ["es"]);
        assert_eq!(
            matches(&all, serde_json::json!({"category": "health"})),
            ["es"]
        );
        assert_eq!(
            matches(&all, serde_json::json!({"category": "food"})),
            ["food"]
        );
        assert!(
            all.answer(&query(serde_json::json!({"category": "nonsense"})))
                .is_err()
        );
    }
}
