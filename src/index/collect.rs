//! A collector that keeps every matching document with its score, distance and
//! the fast-field facts that ranking, grouping, facets and the hours filter
//! need, so that exact distance can decide the radius and the ranking; with no
//! place, a service's only document is counted as it is collected and kept as
//! a [`Lean`].

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use std::sync::{Arc, Mutex};

use tantivy::columnar::{BytesColumn, Column, StrColumn};
use tantivy::index::SegmentId;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

use tantivy::collector::{Collector, SegmentCollector};

use super::Facets;
use super::schema::{NO_POINT, SOLE_DOCUMENT, unpack_facets, unpack_point};
use super::{MatchKind, Radius};
use crate::geo::distance_miles;
use crate::hours::Week;
use crate::model::{Category, Need, Population};

/// Whether a listing is open at an instant, as far as the index can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opening {
    Open,
    /// Closed, or not known to be open (unknown hours, by appointment).
    NotOpen,
    /// Hours the index could not read (written by another Hearth): ask the store.
    Dated,
}

/// One matching document with the facts ranking, grouping and facets need.
/// Kept small (64 bytes): a common word matches hundreds of thousands.
#[derive(Debug, Clone, Copy)]
pub struct Candidate {
    pub segment: SegmentOrdinal,
    pub doc: DocId,
    pub score: Score,
    /// Days since 1970-01-01 of the last review, 0 when not known.
    pub fresh_day: u32,
    pub key_hash: u64,
    pub service_hash: u64,
    /// Category, need and population bits, packed ([`super::schema::pack_facets`]).
    pub facet_bits: u64,
    pub language_bits: u64,
    /// Miles from the place ([`Candidate::distance`]); NaN when it has no point
    /// or no place was given.
    miles: f64,
    /// Open at each of the collector's instants (in order), up to two.
    pub open: [Opening; 2],
    /// How it matches the place searched (none when no place was given).
    pub kind: Option<MatchKind>,
}

impl Candidate {
    /// Miles from the place searched, when it has a point and a place was given.
    pub fn distance(&self) -> Option<f64> {
        (!self.miles.is_nan()).then_some(self.miles)
    }
}

/// A match already counted ([`Settle`]): a service's only document, in no
/// group, with only what its rank and its place in the order need.
#[derive(Debug, Clone, Copy)]
pub struct Lean {
    pub key_hash: u64,
    pub score: Score,
    /// Days since 1970-01-01 of the last review, 0 when not known.
    pub fresh_day: u32,
    pub segment: SegmentOrdinal,
    pub doc: DocId,
}

/// How to settle matches as they are collected, for a search with no place
/// (one pass, no grouping across passes): a match that is its service's only
/// document and whose hours the index could judge is counted there and then
/// and kept as a [`Lean`], so that a word matching most of the directory does
/// not keep every match's facets and hashes.
#[derive(Debug, Clone, Copy)]
pub struct Settle {
    /// The instant (by slot) that results must be open at, if any.
    pub open_filter: Option<usize>,
    /// The instant (by slot) of the open-now count, if any.
    pub open_now: Option<usize>,
}

/// What a collector found: matches still to be filtered, grouped and counted,
/// and those already settled with their counts.
#[derive(Default)]
pub struct Found {
    pub full: Vec<Candidate>,
    /// Settled matches, by segment (none without [`Candidates::settle`]).
    pub lean: Vec<Vec<Lean>>,
    /// The settled matches' facets.
    pub facets: FacetCounts,
    /// How many settled matches are open now.
    pub open_now: usize,
    /// The best text score among the settled matches.
    pub best_score: Score,
    /// Matches counted before the open filter (which, for settled matches, is
    /// applied while collecting): whether anything matched at all. With a
    /// place, a match found within the radius and again serving the area is
    /// counted twice.
    pub matched: usize,
}

/// Facet counts as results are added, then read as [`Facets`]: by category,
/// need, language and population, each by bit.
pub struct FacetCounts([[usize; 64]; 4]);

impl Default for FacetCounts {
    fn default() -> FacetCounts {
        FacetCounts([[0; 64]; 4])
    }
}

impl FacetCounts {
    /// Counts one result with these facet bits ([`super::schema::pack_facets`]) and languages.
    pub fn add(&mut self, facet_bits: u64, language_bits: u64) {
        let (category_bits, need_bits, population_bits) = unpack_facets(facet_bits);
        let bits = [category_bits, need_bits, language_bits, population_bits];
        for (mut rest, counts) in bits.into_iter().zip(&mut self.0) {
            while rest != 0 {
                counts[rest.trailing_zeros() as usize] += 1;
                rest &= rest - 1;
            }
        }
    }

    /// Adds another's counts to these.
    pub fn merge(&mut self, other: &FacetCounts) {
        for (mine, theirs) in self.0.iter_mut().zip(&other.0) {
            for (m, t) in mine.iter_mut().zip(theirs) {
                *m += t;
            }
        }
    }

    pub fn finish(&self) -> Facets {
        let [categories, needs, languages, populations] = &self.0;
        Facets {
            categories: Category::ALL
                .iter()
                .enumerate()
                .filter(|(i, _)| categories[*i] > 0)
                .map(|(i, c)| (*c, categories[i]))
                .collect(),
            needs: Need::CODES
                .iter()
                .enumerate()
                .filter(|(i, _)| needs[*i] > 0)
                .filter_map(|(i, code)| Need::parse(code).map(|n| (n, needs[i])))
                .collect(),
            languages: {
                let mut found: Vec<(&'static str, usize)> = crate::model::LANGUAGES
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| languages[*i] > 0)
                    .map(|(i, (code, _))| (*code, languages[i]))
                    .collect();
                found.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
                found
            },
            populations: Population::ALL
                .iter()
                .enumerate()
                .filter(|(i, _)| populations[*i] > 0)
                .map(|(i, p)| (*p, populations[i]))
                .collect(),
            open_now: None,
        }
    }
}

/// Collects every match with its facts (or settles it, [`Settle`]), judging its
/// hours at up to two instants (the search time for the facet, and the time the
/// filter asks for).
#[derive(Clone)]
pub struct Candidates<'a> {
    pub columns: &'a ColumnCache,
    pub scoring: bool,
    pub instants: Vec<DateTime<Utc>>,
    /// Keep only listings whose age limits (where they have any) admit this age.
    pub age: Option<u32>,
    /// Measure each match's distance from this place (latitude, longitude),
    /// when it has a point; the radius, when one is given, measures from its centre.
    pub from: Option<(f64, f64)>,
    /// Keep only matches within this radius, with their distance. Checked before
    /// anything else is read: a radius's cells hold about as many documents
    /// outside it as in it.
    pub within: Option<Radius>,
    /// Settle what can be settled while collecting (a search with no place only).
    pub settle: Option<Settle>,
}

/// A segment's fast-field columns, opened once and shared by every search that
/// reads the segment: opening some of them reads every block's header, which
/// for a large segment costs more than a search's reading of them.
pub struct SegmentColumns {
    point: Column<u64>,
    key_hash: Column<u64>,
    service_hash: Column<u64>,
    fresh_day: Column<u64>,
    facet_bits: Column<u64>,
    language_bits: Column<u64>,
    age_min: Column<u64>,
    age_max: Column<u64>,
    hours: Option<BytesColumn>,
    pub service_id: Option<StrColumn>,
    pub location_id: Option<StrColumn>,
}

impl SegmentColumns {
    fn open(reader: &SegmentReader) -> tantivy::Result<SegmentColumns> {
        let fast = reader.fast_fields();
        Ok(SegmentColumns {
            point: fast.u64("point")?,
            key_hash: fast.u64("key_hash")?,
            service_hash: fast.u64("service_hash")?,
            fresh_day: fast.u64("fresh_day")?,
            facet_bits: fast.u64("facet_bits")?,
            language_bits: fast.u64("language_bits")?,
            age_min: fast.u64("age_min")?,
            age_max: fast.u64("age_max")?,
            hours: fast.bytes("hours")?,
            service_id: fast.str("service_id")?,
            location_id: fast.str("location_id")?,
        })
    }
}

/// The opened columns of each segment, by segment id (a segment's columns never
/// change; deletions do not touch them).
#[derive(Default)]
pub struct ColumnCache(Mutex<HashMap<SegmentId, Arc<SegmentColumns>>>);

impl ColumnCache {
    /// The segment's columns, opened now if no search has opened them yet.
    pub fn get(&self, reader: &SegmentReader) -> tantivy::Result<Arc<SegmentColumns>> {
        let id = reader.segment_id();
        if let Some(columns) = self.lock().get(&id) {
            return Ok(Arc::clone(columns));
        }
        let columns = Arc::new(SegmentColumns::open(reader)?);
        Ok(Arc::clone(self.lock().entry(id).or_insert(columns)))
    }

    /// How many segments' columns are open.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Lets go of the columns of every segment but `live` (those merged away or
    /// deleted), so that their files, which the columns map, can be freed.
    pub fn keep_only(&self, live: &[SegmentId]) {
        self.lock().retain(|id, _| live.contains(id));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<SegmentId, Arc<SegmentColumns>>> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

pub struct SegmentCandidates {
    segment: SegmentOrdinal,
    columns: Arc<SegmentColumns>,
    age: Option<u32>,
    from: Option<(f64, f64)>,
    within: Option<Radius>,
    settle: Option<Settle>,
    /// The segment's document count, which bounds how many more can match.
    max_doc: DocId,
    instants: Vec<DateTime<Utc>>,
    /// The same weekly hours are shared by many listings: judge each once
    /// (by the hours' ordinal in the segment's column).
    judged: Vec<Option<[Opening; 2]>>,
    buffer: Vec<u8>,
    /// Matches not yet read, up to [`BATCH`]: their columns are read a batch
    /// at a time, one call per column rather than one per document and column.
    docs: Vec<DocId>,
    scores: Vec<Score>,
    /// One column's values for the batch, reused for each column in turn.
    values: Vec<Option<u64>>,
    /// The batch's distances (NaN: no point, or no place), once read.
    miles: Vec<f64>,
    found: Found,
}

/// How many matches a segment collector gathers before reading their columns.
const BATCH: usize = 512;

impl Collector for Candidates<'_> {
    type Fruit = Found;
    type Child = SegmentCandidates;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentCandidates> {
        Ok(SegmentCandidates {
            segment,
            columns: self.columns.get(reader)?,
            age: self.age,
            from: self.within.map(|w| (w.lat, w.lon)).or(self.from),
            within: self.within,
            settle: self.settle,
            max_doc: reader.max_doc(),
            instants: self.instants.clone(),
            judged: Vec::new(),
            buffer: Vec::new(),
            docs: Vec::with_capacity(BATCH),
            scores: Vec::with_capacity(BATCH),
            values: Vec::with_capacity(BATCH),
            miles: Vec::with_capacity(BATCH),
            found: Found {
                // Settled matches, for this segment (only when settling).
                lean: self.settle.map(|_| Vec::new()).into_iter().collect(),
                ..Found::default()
            },
        })
    }

    fn requires_scoring(&self) -> bool {
        self.scoring
    }

    fn merge_fruits(&self, fruits: Vec<Found>) -> tantivy::Result<Found> {
        // Append the others to the largest rather than copy them all into a new
        // one; settled matches stay by segment (never copied).
        let mut fruits = fruits;
        let Some(largest) = (0..fruits.len()).max_by_key(|&i| fruits[i].full.len()) else {
            return Ok(Found::default());
        };
        let mut all = fruits.swap_remove(largest);
        all.full.reserve(fruits.iter().map(|f| f.full.len()).sum());
        for fruit in fruits {
            all.full.extend(fruit.full);
            all.lean.extend(fruit.lean);
            all.facets.merge(&fruit.facets);
            all.open_now += fruit.open_now;
            all.best_score = all.best_score.max(fruit.best_score);
            all.matched += fruit.matched;
        }
        all.lean.retain(|lean| !lean.is_empty());
        Ok(all)
    }
}

impl SegmentCandidates {
    /// Whether the listing with these hours (by ordinal in the segment's hours
    /// column; none when it has no entry there) is open at each instant.
    fn opening(&mut self, ord: Option<u64>) -> [Opening; 2] {
        let none = [Opening::NotOpen; 2];
        if self.instants.is_empty() {
            return none;
        }
        let (Some(column), Some(ord)) = (&self.columns.hours, ord) else {
            return [Opening::Dated; 2];
        };
        let slot = usize::try_from(ord).unwrap_or(usize::MAX);
        if let Some(Some(known)) = self.judged.get(slot) {
            return *known;
        }
        self.buffer.clear();
        let week = match column.ord_to_bytes(ord, &mut self.buffer) {
            Ok(true) => Week::decode(&self.buffer),
            _ => Week::Dated,
        };
        let mut judged = none;
        for (slot, when) in judged.iter_mut().zip(&self.instants) {
            *slot = match week {
                Week::Dated => Opening::Dated,
                _ if week.open_at(*when) == Some(true) => Opening::Open,
                _ => Opening::NotOpen,
            };
        }
        if let Some(grow) = slot.checked_add(1)
            && grow > self.judged.len()
        {
            self.judged.resize(grow, None);
        }
        if let Some(known) = self.judged.get_mut(slot) {
            *known = Some(judged);
        }
        judged
    }

    /// Reads `column` for every match of the batch into `self.values`.
    fn read(&mut self, column: &Column<u64>) {
        self.values.clear();
        self.values.resize(self.docs.len(), None);
        column.first_vals(&self.docs, &mut self.values);
    }

    /// Keeps the batch's matches whose `keep` is true, in order.
    fn retain(&mut self, keep: &[bool]) {
        let mut kept = 0;
        for (i, _) in keep
            .iter()
            .take(self.docs.len())
            .enumerate()
            .filter(|(_, keep)| **keep)
        {
            self.docs[kept] = self.docs[i];
            self.scores[kept] = self.scores[i];
            self.miles[kept] = self.miles[i];
            kept += 1;
        }
        self.docs.truncate(kept);
        self.scores.truncate(kept);
        self.miles.truncate(kept);
    }

    /// Reads the batch's columns, keeps the matches within the radius and the
    /// age, and adds them to what was found. The radius is checked before
    /// anything else is read (a radius's cells hold about as many documents
    /// outside it as in it).
    fn flush(&mut self) {
        if self.docs.is_empty() {
            return;
        }
        let columns = Arc::clone(&self.columns);
        self.miles.clear();
        match self.from {
            Some(from) => {
                self.read(&columns.point);
                self.miles.extend(self.values.iter().map(|point| {
                    unpack_point(point.unwrap_or(NO_POINT))
                        .map_or(f64::NAN, |p| distance_miles(from, p))
                }));
            }
            None => self.miles.resize(self.docs.len(), f64::NAN),
        }
        let mut keep = [true; BATCH];
        if let Some(w) = self.within {
            for (keep, miles) in keep.iter_mut().zip(&self.miles) {
                // NaN (no point) is never within.
                *keep = *miles <= w.miles;
            }
            self.retain(&keep);
        }
        if let Some(age) = self.age {
            // Stored as age + 1, 0 when the listing says nothing.
            let age = u64::from(age) + 1;
            self.read(&columns.age_min);
            for (keep, min) in keep.iter_mut().zip(&self.values) {
                let min = min.unwrap_or(0);
                *keep = !(min > 0 && age < min);
            }
            self.read(&columns.age_max);
            for (keep, max) in keep.iter_mut().zip(&self.values) {
                let max = max.unwrap_or(0);
                *keep = *keep && !(max > 0 && age > max);
            }
            self.retain(&keep);
        }
        let Some(&first) = self.docs.first() else {
            // None left within the radius and the age.
            return;
        };
        let n = self.docs.len();
        let mut facts = [[0u64; BATCH]; 5];
        for (out, column) in facts.iter_mut().zip([
            &columns.fresh_day,
            &columns.key_hash,
            &columns.service_hash,
            &columns.facet_bits,
            &columns.language_bits,
        ]) {
            self.read(column);
            for (slot, value) in out.iter_mut().zip(&self.values) {
                *slot = value.unwrap_or(0);
            }
        }
        let [
            fresh_days,
            key_hashes,
            service_hashes,
            facet_bits,
            language_bits,
        ] = &facts;
        let mut ords = [None; BATCH];
        if !self.instants.is_empty()
            && let Some(hours) = &columns.hours
        {
            self.read(hours.ords());
            ords[..n].copy_from_slice(&self.values);
        }
        self.found.matched += n;
        // Where the batch starts in the segment, for guessing how many more will match.
        let room = Room {
            scanned: first as usize + 1,
            remaining: self.max_doc.saturating_sub(first) as usize,
        };
        for i in 0..n {
            let open = self.opening(ords[i]);
            let fresh_day = u32::try_from(fresh_days[i]).unwrap_or(u32::MAX);
            if let Some(settle) = self.settle
                && facet_bits[i] & SOLE_DOCUMENT != 0
                && !open.contains(&Opening::Dated)
            {
                if settle
                    .open_filter
                    .is_some_and(|slot| open[slot] != Opening::Open)
                {
                    continue;
                }
                self.found.facets.add(facet_bits[i], language_bits[i]);
                self.found.open_now += usize::from(
                    settle
                        .open_now
                        .is_some_and(|slot| open[slot] == Opening::Open),
                );
                self.found.best_score = self.found.best_score.max(self.scores[i]);
                if let Some(lean) = self.found.lean.last_mut() {
                    room.make(lean);
                    lean.push(Lean {
                        key_hash: key_hashes[i],
                        score: self.scores[i],
                        fresh_day,
                        segment: self.segment,
                        doc: self.docs[i],
                    });
                }
                continue;
            }
            room.make(&mut self.found.full);
            self.found.full.push(Candidate {
                segment: self.segment,
                doc: self.docs[i],
                score: self.scores[i],
                fresh_day,
                key_hash: key_hashes[i],
                service_hash: service_hashes[i],
                facet_bits: facet_bits[i],
                language_bits: language_bits[i],
                miles: self.miles[i],
                open,
                kind: self.within.map(|_| MatchKind::At),
            });
        }
        self.docs.clear();
        self.scores.clear();
    }
}

/// How far a segment collector is through its segment, to size what it keeps.
struct Room {
    /// Documents of the segment up to the current batch.
    scanned: usize,
    /// Documents of the segment from the current batch on (at most this many more can match).
    remaining: usize,
}

impl Room {
    /// Makes room for one more item in `found` when it is full: by doubling
    /// while it is small, then, once a common word has shown itself, for as many
    /// as the segment's share of matches so far says will come (a quarter more,
    /// at most one for every remaining document), so that a large result is
    /// grown a few times rather than copied at every doubling.
    fn make<T>(&self, found: &mut Vec<T>) {
        const SMALL: usize = 4096;
        if found.len() < found.capacity() {
            return;
        }
        let len = found.len();
        if len < SMALL {
            found.reserve(len.max(BATCH));
            return;
        }
        let expected = len.saturating_mul(self.scanned + self.remaining) / self.scanned;
        let more = (expected.saturating_mul(5) / 4)
            .saturating_sub(len)
            .clamp(BATCH, self.remaining.max(BATCH));
        found.reserve_exact(more);
    }
}

impl SegmentCollector for SegmentCandidates {
    type Fruit = Found;

    fn collect(&mut self, doc: DocId, score: Score) {
        self.docs.push(doc);
        self.scores.push(score);
        if self.docs.len() >= BATCH {
            self.flush();
        }
    }

    fn harvest(mut self) -> Found {
        self.flush();
        self.found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The capacity of a full vector of `len` items after [`Room::make`].
    fn grown(len: usize, scanned: usize, remaining: usize) -> usize {
        let mut found: Vec<u8> = vec![0; len];
        found.shrink_to_fit();
        Room { scanned, remaining }.make(&mut found);
        found.capacity()
    }

    #[test]
    fn room_grows_to_the_share_of_matches_so_far_and_never_past_the_segment() {
        // Small: doubling.
        let small = grown(1000, 10, 1_000_000);
        assert!((2000..4096).contains(&small), "{small}");
        // A tenth of the first 40,960 documents of a million matched: about
        // 100,000 will, so room for a quarter more than that.
        let common = grown(4096, 40_960, 959_041);
        assert!((120_000..=130_000).contains(&common), "{common}");
        // Near the end of the segment: no more than the documents left.
        let late = grown(8192, 999_000, 1000);
        assert!(late <= 8192 + 1000, "{late}");
        // Not full: nothing to do.
        let mut roomy: Vec<u8> = Vec::with_capacity(9000);
        roomy.resize(8192, 0);
        let before = roomy.capacity();
        Room {
            scanned: 1,
            remaining: 1_000_000,
        }
        .make(&mut roomy);
        assert_eq!(roomy.capacity(), before);
    }
}
