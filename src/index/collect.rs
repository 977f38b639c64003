//! A collector that keeps every matching document with its score, point and the
//! fast-field facts that ranking, grouping, facets and the hours filter need, so
//! that exact distance can decide the radius and the ranking.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use tantivy::columnar::{BytesColumn, Column};
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

use tantivy::collector::{Collector, SegmentCollector};

use crate::hours::Week;

/// Whether a listing is open at an instant, as far as the index can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opening {
    Open,
    /// Closed, or not known to be open (unknown hours, by appointment).
    NotOpen,
    /// Depends on dates the index does not keep: ask the full rules.
    Dated,
}

/// One matching document, before distance filtering.
#[derive(Debug, Clone, Copy)]
pub struct Candidate {
    pub segment: SegmentOrdinal,
    pub doc: DocId,
    pub score: Score,
    pub point: Option<(f64, f64)>,
    pub key_hash: u64,
    pub service_hash: u64,
    pub fresh_day: u64,
    pub category_bits: u64,
    pub need_bits: u64,
    pub language_bits: u64,
    pub population_bits: u64,
    /// Open at each of the collector's instants (in order), up to two.
    pub open: [Opening; 2],
}

/// Collects every match with its facts, judging its hours at up to two instants
/// (the search time for the facet, and the time the filter asks for).
pub struct Candidates {
    pub scoring: bool,
    pub instants: Vec<DateTime<Utc>>,
    /// Keep only listings whose age limits (where they have any) admit this age.
    pub age: Option<u32>,
    /// Read each match's point (a search with a place needs it; one without does not).
    pub points: bool,
}

pub struct SegmentCandidates {
    segment: SegmentOrdinal,
    lat: Column<f64>,
    lon: Column<f64>,
    key_hash: Column<u64>,
    service_hash: Column<u64>,
    fresh_day: Column<u64>,
    category_bits: Column<u64>,
    need_bits: Column<u64>,
    language_bits: Column<u64>,
    population_bits: Column<u64>,
    age_min: Column<u64>,
    age_max: Column<u64>,
    age: Option<u32>,
    points: bool,
    hours: Option<BytesColumn>,
    instants: Vec<DateTime<Utc>>,
    /// The same weekly hours are shared by many listings: judge each once.
    judged: HashMap<u64, [Opening; 2]>,
    buffer: Vec<u8>,
    found: Vec<Candidate>,
}

impl Collector for Candidates {
    type Fruit = Vec<Candidate>;
    type Child = SegmentCandidates;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentCandidates> {
        let fast = reader.fast_fields();
        Ok(SegmentCandidates {
            segment,
            lat: fast.f64("lat")?,
            lon: fast.f64("lon")?,
            key_hash: fast.u64("key_hash")?,
            service_hash: fast.u64("service_hash")?,
            fresh_day: fast.u64("fresh_day")?,
            category_bits: fast.u64("category_bits")?,
            need_bits: fast.u64("need_bits")?,
            language_bits: fast.u64("language_bits")?,
            population_bits: fast.u64("population_bits")?,
            age_min: fast.u64("age_min")?,
            age_max: fast.u64("age_max")?,
            age: self.age,
            points: self.points,
            hours: fast.bytes("hours")?,
            instants: self.instants.clone(),
            judged: HashMap::new(),
            buffer: Vec::new(),
            found: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        self.scoring
    }

    fn merge_fruits(&self, fruits: Vec<Vec<Candidate>>) -> tantivy::Result<Vec<Candidate>> {
        Ok(fruits.into_iter().flatten().collect())
    }
}

impl SegmentCandidates {
    fn opening(&mut self, doc: DocId) -> [Opening; 2] {
        let none = [Opening::NotOpen; 2];
        if self.instants.is_empty() {
            return none;
        }
        let Some(column) = &self.hours else {
            return [Opening::Dated; 2];
        };
        let Some(ord) = column.term_ords(doc).next() else {
            return [Opening::Dated; 2];
        };
        if let Some(known) = self.judged.get(&ord) {
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
        self.judged.insert(ord, judged);
        judged
    }
}

impl SegmentCollector for SegmentCandidates {
    type Fruit = Vec<Candidate>;

    fn collect(&mut self, doc: DocId, score: Score) {
        if let Some(age) = self.age {
            // Stored as age + 1, 0 when the listing says nothing.
            let age = u64::from(age) + 1;
            let min = self.age_min.first(doc).unwrap_or(0);
            let max = self.age_max.first(doc).unwrap_or(0);
            if (min > 0 && age < min) || (max > 0 && age > max) {
                return;
            }
        }
        let point = if self.points {
            match (self.lat.first(doc), self.lon.first(doc)) {
                (Some(lat), Some(lon)) => Some((lat, lon)),
                _ => None,
            }
        } else {
            None
        };
        let open = self.opening(doc);
        self.found.push(Candidate {
            segment: self.segment,
            doc,
            score,
            point,
            key_hash: self.key_hash.first(doc).unwrap_or(0),
            service_hash: self.service_hash.first(doc).unwrap_or(0),
            fresh_day: self.fresh_day.first(doc).unwrap_or(0),
            category_bits: self.category_bits.first(doc).unwrap_or(0),
            need_bits: self.need_bits.first(doc).unwrap_or(0),
            language_bits: self.language_bits.first(doc).unwrap_or(0),
            population_bits: self.population_bits.first(doc).unwrap_or(0),
            open,
        });
    }

    fn harvest(self) -> Vec<Candidate> {
        self.found
    }
}
