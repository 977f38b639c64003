//! The tantivy schema, in one place, and the text analyzer it uses.

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
pub const SCHEMA_VERSION: u32 = 10;

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
    pub lat: Field,
    pub lon: Field,
    /// A stable hash of `doc_key`, to order equal-ranked hits the same way in every rebuild.
    pub key_hash: Field,
    /// Bit i set when the listing is in `Category::ALL[i]` (for facet counts).
    pub category_bits: Field,
    /// Bit i set when the listing meets `Need::CODES[i]` (for facet counts).
    pub need_bits: Field,
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
    /// Bit i set when the service is for `Population::ALL[i]` (for facet counts).
    pub population_bits: Field,
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
    let fast_f64 = NumericOptions::default().set_fast();
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
        lat: b.add_f64_field("lat", fast_f64.clone()),
        lon: b.add_f64_field("lon", fast_f64),
        key_hash: b.add_u64_field("key_hash", NumericOptions::default().set_fast()),
        category_bits: b.add_u64_field("category_bits", NumericOptions::default().set_fast()),
        need_bits: b.add_u64_field("need_bits", NumericOptions::default().set_fast()),
        language: b.add_text_field("language", STRING),
        language_bits: b.add_u64_field("language_bits", NumericOptions::default().set_fast()),
        service_hash: b.add_u64_field("service_hash", NumericOptions::default().set_fast()),
        taxonomy: b.add_text_field("taxonomy", STRING),
        flag: b.add_text_field("flag", STRING),
        hours: b.add_bytes_field("hours", BytesOptions::default().set_fast()),
        fresh_day: b.add_u64_field("fresh_day", NumericOptions::default().set_fast()),
        suggest: b.add_text_field("suggest", STRING),
        population: b.add_text_field("population", STRING),
        population_bits: b.add_u64_field("population_bits", NumericOptions::default().set_fast()),
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

/// FNV-1a, 64 bit: a stable hash of a document key (the same in every build and rebuild).
pub fn key_hash(key: &str) -> u64 {
    key.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}
