//! A collector that keeps every matching document with its score and point,
//! so that exact distance can decide the radius and the ranking.

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

/// One matching document, before distance filtering.
#[derive(Debug, Clone, Copy)]
pub struct Candidate {
    pub segment: SegmentOrdinal,
    pub doc: DocId,
    pub score: Score,
    pub point: Option<(f64, f64)>,
    pub key_hash: u64,
    pub category_bits: u64,
    pub need_bits: u64,
    pub language_bits: u64,
}

/// Collects every match with its score, point and tie-break hash.
pub struct Candidates {
    pub scoring: bool,
}

pub struct SegmentCandidates {
    segment: SegmentOrdinal,
    lat: Column<f64>,
    lon: Column<f64>,
    key_hash: Column<u64>,
    category_bits: Column<u64>,
    need_bits: Column<u64>,
    language_bits: Column<u64>,
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
            category_bits: fast.u64("category_bits")?,
            need_bits: fast.u64("need_bits")?,
            language_bits: fast.u64("language_bits")?,
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

impl SegmentCollector for SegmentCandidates {
    type Fruit = Vec<Candidate>;

    fn collect(&mut self, doc: DocId, score: Score) {
        let point = match (self.lat.first(doc), self.lon.first(doc)) {
            (Some(lat), Some(lon)) => Some((lat, lon)),
            _ => None,
        };
        self.found.push(Candidate {
            segment: self.segment,
            doc,
            score,
            point,
            key_hash: self.key_hash.first(doc).unwrap_or(0),
            category_bits: self.category_bits.first(doc).unwrap_or(0),
            need_bits: self.need_bits.first(doc).unwrap_or(0),
            language_bits: self.language_bits.first(doc).unwrap_or(0),
        });
    }

    fn harvest(self) -> Vec<Candidate> {
        self.found
    }
}
