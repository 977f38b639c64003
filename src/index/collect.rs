//! A collector that keeps every matching document with its score, point and the
//! fast-field facts that ranking, grouping, facets and the hours filter need, so
//! that exact distance can decide the radius and the ranking.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use std::sync::{Arc, Mutex};

use tantivy::columnar::{BytesColumn, Column, StrColumn};
use tantivy::index::SegmentId;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

use tantivy::collector::{Collector, SegmentCollector};

use super::schema::{NO_POINT, unpack_point};
use super::{MatchKind, Radius};
use crate::geo::distance_miles;
use crate::hours::Week;

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
/// Kept small (80 bytes): a common word matches hundreds of thousands.
#[derive(Debug, Clone, Copy)]
pub struct Candidate {
    pub segment: SegmentOrdinal,
    pub doc: DocId,
    pub score: Score,
    /// Days since 1970-01-01 of the last review, 0 when not known.
    pub fresh_day: u32,
    /// The packed point ([`NO_POINT`] when it has none or it was not read).
    pub point: u64,
    pub key_hash: u64,
    pub service_hash: u64,
    /// Category, need and population bits, packed ([`super::schema::pack_facets`]).
    pub facet_bits: u64,
    pub language_bits: u64,
    /// Miles from the place, when the collector kept only matches within a radius.
    pub distance: Option<f64>,
    /// Open at each of the collector's instants (in order), up to two.
    pub open: [Opening; 2],
    /// How it matches the place searched (none when no place was given).
    pub kind: Option<MatchKind>,
}

impl Candidate {
    /// Its point, when it has one and it was read.
    pub fn point(&self) -> Option<(f64, f64)> {
        unpack_point(self.point)
    }
}

/// Collects every match with its facts, judging its hours at up to two instants
/// (the search time for the facet, and the time the filter asks for).
#[derive(Clone)]
pub struct Candidates<'a> {
    pub columns: &'a ColumnCache,
    pub scoring: bool,
    pub instants: Vec<DateTime<Utc>>,
    /// Keep only listings whose age limits (where they have any) admit this age.
    pub age: Option<u32>,
    /// Read each match's point (a search with a place needs it; one without does not).
    pub points: bool,
    /// Keep only matches within this radius, with their distance. Checked before
    /// anything else is read: a radius's cells hold about as many documents
    /// outside it as in it.
    pub within: Option<Radius>,
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
    points: bool,
    within: Option<Radius>,
    instants: Vec<DateTime<Utc>>,
    /// The same weekly hours are shared by many listings: judge each once
    /// (by the hours' ordinal in the segment's column).
    judged: Vec<Option<[Opening; 2]>>,
    buffer: Vec<u8>,
    found: Vec<Candidate>,
}

impl Collector for Candidates<'_> {
    type Fruit = Vec<Candidate>;
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
            points: self.points,
            within: self.within,
            instants: self.instants.clone(),
            judged: Vec::new(),
            buffer: Vec::new(),
            found: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        self.scoring
    }

    fn merge_fruits(&self, fruits: Vec<Vec<Candidate>>) -> tantivy::Result<Vec<Candidate>> {
        // Append the others to the largest rather than copy them all into a new one.
        let mut fruits = fruits;
        let Some(largest) = (0..fruits.len()).max_by_key(|&i| fruits[i].len()) else {
            return Ok(Vec::new());
        };
        let mut all = fruits.swap_remove(largest);
        all.reserve(fruits.iter().map(Vec::len).sum());
        for fruit in fruits {
            all.extend(fruit);
        }
        Ok(all)
    }
}

impl SegmentCandidates {
    fn opening(&mut self, doc: DocId) -> [Opening; 2] {
        let none = [Opening::NotOpen; 2];
        if self.instants.is_empty() {
            return none;
        }
        let Some(column) = &self.columns.hours else {
            return [Opening::Dated; 2];
        };
        let Some(ord) = column.term_ords(doc).next() else {
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
}

impl SegmentCollector for SegmentCandidates {
    type Fruit = Vec<Candidate>;

    fn collect(&mut self, doc: DocId, score: Score) {
        let columns = &self.columns;
        let point = if self.points || self.within.is_some() {
            columns.point.first(doc).unwrap_or(NO_POINT)
        } else {
            NO_POINT
        };
        let distance = match self.within {
            None => None,
            Some(w) => {
                let Some(point) = unpack_point(point) else {
                    return;
                };
                let d = distance_miles((w.lat, w.lon), point);
                if d > w.miles {
                    return;
                }
                Some(d)
            }
        };
        if let Some(age) = self.age {
            // Stored as age + 1, 0 when the listing says nothing.
            let age = u64::from(age) + 1;
            let min = self.columns.age_min.first(doc).unwrap_or(0);
            let max = self.columns.age_max.first(doc).unwrap_or(0);
            if (min > 0 && age < min) || (max > 0 && age > max) {
                return;
            }
        }
        let open = self.opening(doc);
        let columns = &self.columns;
        self.found.push(Candidate {
            segment: self.segment,
            doc,
            score,
            fresh_day: columns
                .fresh_day
                .first(doc)
                .map_or(0, |day| u32::try_from(day).unwrap_or(u32::MAX)),
            point,
            key_hash: columns.key_hash.first(doc).unwrap_or(0),
            service_hash: columns.service_hash.first(doc).unwrap_or(0),
            facet_bits: columns.facet_bits.first(doc).unwrap_or(0),
            language_bits: columns.language_bits.first(doc).unwrap_or(0),
            distance,
            open,
            kind: distance.map(|_| MatchKind::At),
        });
    }

    fn harvest(self) -> Vec<Candidate> {
        self.found
    }
}
