//! The tantivy schema, in one place, and the text analyzer it uses.

use crate::model::{Category, Need, Population};
use tantivy::schema::{
    BytesOptions, FAST, Field, IndexRecordOption, NumericOptions, STRING, Schema,
    TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    StopWordFilter, TextAnalyzer,
};

/// The version of this schema and its document layout; an index with another
/// version is rebuilt at start.
pub const SCHEMA_VERSION: u32 = 13;

/// The name the English analyzer is registered under.
pub const ENGLISH: &str = "hearth_en";
/// The name the Spanish analyzer is registered under.
pub const SPANISH: &str = "hearth_es";
/// The name the as-written analyzer is registered under.
pub const RAW: &str = "hearth_raw";

/// Handles to every field of the schema.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// `{service id}/{location id}` (or the service id for a service with no placed location).
    pub doc_key: Field,
    pub service_id: Field,
    pub location_id: Field,
    /// Service name and alternate name.
    pub name: Field,
    /// Organization name.
    pub organization: Field,
    /// Description, categories, taxonomy term names, eligibility, address text.
    pub body: Field,
    /// Category slugs.
    pub category: Field,
    /// SDOH need codes.
    pub need: Field,
    /// Grid cell terms of the location's point (see `geo::cells_for_point`).
    pub cell: Field,
    /// Coverage terms of the service's areas (`state:FL`, `zip:33157`, `national`).
    pub coverage: Field,
    /// The location's point, packed (see [`pack_point`]); [`NO_POINT`] when it has none.
    pub point: Field,
    /// The point's place on a Z-order curve (see [`geo_order`]): each segment's
    /// documents are sorted by it, so the documents of one area sit together and
    /// a search near a place reads its columns from a few stretches, not from
    /// all over the segment.
    pub geo_order: Field,
    /// A stable hash of `doc_key`, to order equal-ranked hits the same way in every rebuild.
    pub key_hash: Field,
    /// The listing's categories, needs and populations as bits, for facet
    /// counts (see [`pack_facets`]): one column read instead of three.
    pub facet_bits: Field,
    /// ISO 639 codes of the languages the service is offered in.
    pub language: Field,
    /// Bit i set when the service is offered in `LANGUAGES[i]` (for facet counts).
    pub language_bits: Field,
    /// A stable hash of the service id: the documents of one service share it.
    pub service_hash: Field,
    /// The service's source taxonomy codes and every ancestor of each
    /// (`BD-1800.2000` → `BD`, `BD-1800`, `BD-1800.2000`), so a code finds its subtree.
    pub taxonomy: Field,
    /// Facts a search can require: `free`, `accessible`, `virtual`.
    pub flag: Field,
    /// The location's hours compiled to a week (see `hours::Week::encode`).
    pub hours: Field,
    /// Days since 1970 of the listing's last verification or change (0 when not known).
    pub fresh_day: Field,
    /// Name and description words as written (folded, not stemmed): the
    /// dictionary typo correction looks words up in.
    pub words: Field,
    /// Name, and name with description, with Spanish stems.
    pub name_es: Field,
    pub body_es: Field,
    /// Population slugs: who the service is for.
    pub population: Field,
    /// The youngest and oldest age the service takes, plus one (0 when not said).
    pub age_min: Field,
    pub age_max: Field,
    /// Autocomplete keys of the service name: the folded name from each word on,
    /// then the name as written (see `suggest`).
    pub suggest: Field,
}

/// Builds the schema and returns it with its field handles.
pub fn build() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(ENGLISH)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let spanish = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(SPANISH)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    // Nothing is stored: a hit's ids are read from fast fields (columns), which
    // costs far less than decompressing a block of stored documents for each.
    let fast_u64 = NumericOptions::default().set_fast();
    let fields = Fields {
        doc_key: b.add_text_field("doc_key", STRING),
        service_id: b.add_text_field("service_id", STRING | FAST),
        location_id: b.add_text_field("location_id", STRING | FAST),
        name: b.add_text_field("name", text.clone()),
        organization: b.add_text_field("organization", text.clone()),
        body: b.add_text_field("body", text),
        category: b.add_text_field("category", STRING),
        need: b.add_text_field("need", STRING),
        cell: b.add_text_field("cell", STRING),
        coverage: b.add_text_field("coverage", STRING),
        point: b.add_u64_field("point", fast_u64.clone()),
        geo_order: b.add_u64_field(GEO_ORDER, fast_u64.clone()),
        key_hash: b.add_u64_field("key_hash", fast_u64.clone()),
        facet_bits: b.add_u64_field("facet_bits", fast_u64.clone()),
        language: b.add_text_field("language", STRING),
        language_bits: b.add_u64_field("language_bits", NumericOptions::default().set_fast()),
        service_hash: b.add_u64_field("service_hash", NumericOptions::default().set_fast()),
        taxonomy: b.add_text_field("taxonomy", STRING),
        flag: b.add_text_field("flag", STRING),
        hours: b.add_bytes_field("hours", BytesOptions::default().set_fast()),
        fresh_day: b.add_u64_field("fresh_day", NumericOptions::default().set_fast()),
        suggest: b.add_text_field("suggest", STRING),
        population: b.add_text_field("population", STRING),
        age_min: b.add_u64_field("age_min", NumericOptions::default().set_fast()),
        age_max: b.add_u64_field("age_max", NumericOptions::default().set_fast()),
        words: b.add_text_field(
            "words",
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(RAW)
                    .set_index_option(IndexRecordOption::Basic),
            ),
        ),
        name_es: b.add_text_field("name_es", spanish.clone()),
        body_es: b.add_text_field("body_es", spanish),
    };
    (b.build(), fields)
}

/// The English analyzer: split on non-alphanumerics, drop very long tokens,
/// lower-case, fold accents, drop stop words, stem.
pub fn english_analyzer() -> TextAnalyzer {
    let builder = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter);
    match StopWordFilter::new(Language::English) {
        Some(stop) => builder
            .filter(stop)
            .filter(Stemmer::new(Language::English))
            .build(),
        None => builder.filter(Stemmer::new(Language::English)).build(),
    }
}

/// The name of the field the documents of each segment are sorted by.
pub const GEO_ORDER: &str = "geo_order";

/// A packed point's place on a Z-order (Morton) curve: its latitude and
/// longitude bits interleaved, so points close together mostly sort close
/// together. No point sorts last.
pub fn geo_order(packed: u64) -> u64 {
    if packed == NO_POINT {
        return u64::MAX;
    }
    // Spreads the 32 bits of `v` over the even bits of a u64.
    let spread = |v: u64| {
        let mut x = v & 0xFFFF_FFFF;
        x = (x | (x << 16)) & 0x0000_FFFF_0000_FFFF;
        x = (x | (x << 8)) & 0x00FF_00FF_00FF_00FF;
        x = (x | (x << 4)) & 0x0F0F_0F0F_0F0F_0F0F;
        x = (x | (x << 2)) & 0x3333_3333_3333_3333;
        (x | (x << 1)) & 0x5555_5555_5555_5555
    };
    (spread(packed >> 32) << 1) | spread(packed)
}

/// The `point` of a document with no point.
pub const NO_POINT: u64 = u64::MAX;

/// Degrees are kept to this fraction (about a centimetre), each in 32 bits.
const POINT_SCALE: f64 = 1e7;

/// A (lat, lon) point in one u64: latitude + 90 and longitude + 180, in units of
/// 1e-7 degree, in the high and low 32 bits. One column read gives both, and a
/// packed point is never [`NO_POINT`] (latitude would be 429°).
pub fn pack_point(lat: f64, lon: f64) -> u64 {
    let scale = |degrees: f64, offset: f64, most: f64| {
        ((degrees + offset).clamp(0.0, most) * POINT_SCALE).round() as u64
    };
    (scale(lat, 90.0, 180.0) << 32) | scale(lon, 180.0, 360.0)
}

/// The point of [`pack_point`], or `None` for [`NO_POINT`].
pub fn unpack_point(packed: u64) -> Option<(f64, f64)> {
    (packed != NO_POINT).then(|| {
        (
            (packed >> 32) as f64 / POINT_SCALE - 90.0,
            (packed & 0xFFFF_FFFF) as f64 / POINT_SCALE - 180.0,
        )
    })
}

/// Where each set of bits starts in `facet_bits`.
const NEED_SHIFT: u32 = Category::ALL.len() as u32;
const POPULATION_SHIFT: u32 = NEED_SHIFT + Need::CODES.len() as u32;
const _: () = assert!(POPULATION_SHIFT as usize + Population::ALL.len() <= 64);

/// Set in `facet_bits` when the document is its service's only one (one
/// location, or none placed): a search need not group it with others.
pub const SOLE_DOCUMENT: u64 = 1 << 63;
const _: () = assert!(POPULATION_SHIFT as usize + Population::ALL.len() < 63);

/// Category, need and population bits (bit i of each set for item i of
/// `Category::ALL`, `Need::CODES`, `Population::ALL`) in one u64, with
/// [`SOLE_DOCUMENT`] when `sole`.
pub fn pack_facets(categories: u64, needs: u64, populations: u64, sole: bool) -> u64 {
    let sole = if sole { SOLE_DOCUMENT } else { 0 };
    categories | (needs << NEED_SHIFT) | (populations << POPULATION_SHIFT) | sole
}

/// The (category, need, population) bits of [`pack_facets`].
pub fn unpack_facets(packed: u64) -> (u64, u64, u64) {
    let mask = |bits: u32| (1u64 << bits) - 1;
    (
        packed & mask(NEED_SHIFT),
        (packed >> NEED_SHIFT) & mask(POPULATION_SHIFT - NEED_SHIFT),
        (packed & !SOLE_DOCUMENT) >> POPULATION_SHIFT,
    )
}

/// FNV-1a, 64 bit: a stable hash of a document key (the same in every build and rebuild).
pub fn key_hash(key: &str) -> u64 {
    key.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_packed_point_comes_back_within_a_centimetre() {
        for (lat, lon) in [
            (25.77427, -80.19366),
            (-90.0, -180.0),
            (90.0, 180.0),
            (0.0000001, -0.0000001),
            (61.2181, -149.9003),
            (13.4443, 144.7937),
        ] {
            let packed = pack_point(lat, lon);
            assert_ne!(packed, NO_POINT);
            let Some((back_lat, back_lon)) = unpack_point(packed) else {
                panic!("({lat}, {lon}) packed as no point");
            };
            assert!(
                (back_lat - lat).abs() <= 0.5e-7 + 1e-12,
                "{lat} came back {back_lat}"
            );
            assert!(
                (back_lon - lon).abs() <= 0.5e-7 + 1e-12,
                "{lon} came back {back_lon}"
            );
            assert!(crate::geo::distance_miles((lat, lon), (back_lat, back_lon)) < 1e-5);
        }
        assert_eq!(unpack_point(NO_POINT), None);
    }

    #[test]
    fn the_z_order_keeps_neighbours_near_and_puts_no_point_last() {
        let miami = geo_order(pack_point(25.7743, -80.1937));
        let miami_beach = geo_order(pack_point(25.7907, -80.1300));
        let seattle = geo_order(pack_point(47.6062, -122.3321));
        assert!(miami.abs_diff(miami_beach) < miami.abs_diff(seattle));
        assert_eq!(geo_order(NO_POINT), u64::MAX);
        // Interleaved: latitude on the odd bits, longitude on the even ones.
        assert_eq!(geo_order(0b11 << 32), 0b1010);
        assert_eq!(geo_order(0b11), 0b0101);
    }

    #[test]
    fn packed_facets_come_back_apart() {
        let all = |n: usize| (1u64 << n) - 1;
        let (categories, needs, populations) = (
            all(Category::ALL.len()),
            all(Need::CODES.len()),
            all(Population::ALL.len()),
        );
        for sole in [false, true] {
            let packed = pack_facets(categories, needs, populations, sole);
            assert_eq!(unpack_facets(packed), (categories, needs, populations));
            assert_eq!(packed & SOLE_DOCUMENT != 0, sole);
        }
        assert_eq!(unpack_facets(pack_facets(0b101, 0, 1, true)), (0b101, 0, 1));
        assert_eq!(
            unpack_facets(pack_facets(0, 1 << 3, 0, false)),
            (0, 1 << 3, 0)
        );
        assert_eq!(unpack_facets(0), (0, 0, 0));
    }
}
