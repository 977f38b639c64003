//! The search index: tantivy, derived from the store.
//!
//! Documents are service-at-location rows (see [`document`]). Text queries are
//! built in code from analyzed terms — user text never reaches tantivy's query
//! parser. A radius query is the union of the grid cells covering it; exact
//! haversine distance then decides membership and ranking. Each commit records,
//! as its payload, the store sequence it covers and the schema version, so a
//! restart can tell whether the index is current, behind, or must be rebuilt.
//! This is the only module that names `tantivy::`.

mod collect;
mod document;

mod schema;
mod suggest;
mod text;
mod union;
mod words;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tantivy::query::{
    AllQuery, BooleanQuery, ConstScoreQuery, Occur, Query, TermQuery, TermSetQuery,
};
use tantivy::schema::IndexRecordOption;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, Term};

use crate::geo::cells_covering;
use crate::model::{Category, Lang, Need, Population, Service};
use schema::Fields;

pub use document::{document_keys, language_codes};
pub use schema::SCHEMA_VERSION;
pub use suggest::{NameSuggestion, folded_words};

pub use text::MAX_QUERY_WORDS;

/// Errors from the index.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("search index at {path}: {source}")]
    Tantivy {
        path: PathBuf,
        source: tantivy::TantivyError,
    },
    #[error("search index at {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the index writer lock was poisoned by an earlier failure; restart Hearth")]
    Poisoned,
}

/// What happened when the index was opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpenOutcome {
    /// An existing, readable index.
    Opened,
    /// There was no index; a new empty one was created.
    Created,
    /// The index could not be read; it was renamed aside (for inspection) and a new one created.
    SetAside { moved_to: PathBuf, reason: String },
    /// The index was built by an older Hearth with another schema; it was replaced by a new one.
    Outdated { reason: String },
}

/// Why an existing index cannot be used.
enum Unusable {
    /// Damaged or unreadable: keep it aside for inspection.
    Damaged(String),
    /// Readable but built for another schema: safe to discard.
    Outdated(String),
}

#[derive(Debug, Serialize, Deserialize)]
struct Payload {
    seq: u64,
    schema: u32,
    /// The identity of the store the index was built from.
    #[serde(default)]
    store: String,
}

/// What the last commit says the index covers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Covered {
    /// The identity of the store it was built from (empty for a new index).
    pub store_id: String,
    /// The last store sequence number it includes.
    pub seq: u64,
}

/// Where to search around, and how far.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Radius {
    pub lat: f64,
    pub lon: f64,
    pub miles: f64,
}

/// Which matches a search with a place returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scope {
    /// Only listings with a location within the radius.
    Nearby,
    /// Only services whose service area covers the place (and online or phone services).
    Serving,
    /// Both: nearby first, then those serving the area.
    #[default]
    All,
}

impl Scope {
    /// Reads `nearby`, `serving` or `all`.
    pub fn parse(text: &str) -> Option<Scope> {
        match text.trim().to_ascii_lowercase().as_str() {
            "nearby" => Some(Scope::Nearby),
            "serving" => Some(Scope::Serving),
            "all" => Some(Scope::All),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Nearby => "nearby",
            Scope::Serving => "serving",
            Scope::All => "all",
        }
    }
}

/// How a result matches the place searched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum MatchKind {
    /// A location within the radius.
    At,
    /// Its service area covers the place (its locations are elsewhere).
    Serves,
    /// Online or by phone, and it serves the place.
    Virtual,
}

impl MatchKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MatchKind::At => "at",
            MatchKind::Serves => "serves",
            MatchKind::Virtual => "virtual",
        }
    }
}

/// A search, already validated.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchRequest {
    /// What the person typed (may be empty).
    pub text: String,
    pub near: Option<Radius>,
    /// Coverage terms of the place searched (`zip:33157`, `county:12086`,
    /// `state:FL`, `national`): services whose area holds any of them serve it.
    pub areas: Vec<String>,
    pub scope: Scope,
    /// Any of these categories or source taxonomy codes (OR); empty means all.
    pub categories: Vec<Category>,
    /// Source taxonomy codes (any depth; a code matches its whole subtree).
    pub taxonomy: Vec<String>,
    /// Any of these SDOH needs (OR); empty means all.
    pub needs: Vec<Need>,
    /// Offered in any of these languages (ISO 639 codes, OR); empty means all.
    pub languages: Vec<&'static str>,
    /// The language of the text when the searcher said (`lang=es`); otherwise it is told from the text.
    pub lang: Option<Lang>,
    /// Facts every result must have (`free`, `accessible`).
    pub flags: Vec<&'static str>,
    /// For any of these populations (OR); empty means all.
    pub populations: Vec<Population>,
    /// A client's age: keep listings whose age limits admit it (no limits admit every age).
    pub age: Option<u32>,
    /// Keep only listings known to be open at this instant.
    pub open_at: Option<DateTime<Utc>>,
    /// The time of the search, for the open-now facet (none: no such count).
    pub now: Option<DateTime<Utc>>,
    /// Count the results located within each of these distances (miles) of
    /// `near`, in [`Hits::within`]; for supply reports, one query for every ring.
    pub count_within: Vec<f64>,
    /// Every concept of the text must match, even when nothing then does (no
    /// relaxing to fewer words): exact match sets, for the benchmark's oracle.
    pub every_word: bool,
    pub limit: usize,
    pub offset: usize,
}

/// One result: a service, at the one of its locations that matched best.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub service_id: String,
    pub location_id: Option<String>,
    pub distance_miles: Option<f64>,
    /// How it matches the place (none when no place was given).
    pub match_kind: Option<MatchKind>,
    /// How many other locations of the same service also matched.
    pub more_locations: usize,
    /// The blended rank (higher is better); see [`SearchIndex::search`].
    pub score: f32,
}

/// A page of results.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Hits {
    /// How many services match in all (each once, however many locations match).
    pub total: usize,
    /// How many of them have a location within the radius (the rest serve the area).
    pub nearby: usize,
    pub hits: Vec<Hit>,
    /// What the text was read as: stems, vocabulary phrases and spelling
    /// corrections (empty when the text had nothing searchable).
    pub terms: Vec<String>,
    /// True when the text was read as Spanish.
    pub spanish: bool,
    /// How many of the text's concepts (words and vocabulary phrases) every
    /// result matches, of how many: fewer than all when nothing matched them all.
    pub matched_concepts: Option<(usize, usize)>,
    /// The SDOH needs the text's vocabulary phrases name.
    pub text_needs: Vec<Need>,
    /// The distance to the nearest result within the radius, over all results.
    pub nearest_miles: Option<f64>,
    /// How many results are located within each of [`SearchRequest::count_within`].
    pub within: Vec<usize>,
    /// How many of all the results are in each category and meet each need.
    pub facets: Facets,
}

/// Counts of the results by category, need and language, and how many are open now.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facets {
    pub categories: Vec<(Category, usize)>,
    pub needs: Vec<(Need, usize)>,
    /// ISO 639 code and count, most common first.
    pub languages: Vec<(&'static str, usize)>,
    pub populations: Vec<(Population, usize)>,
    /// How many are open at the time of the search (when it was given).
    pub open_now: Option<usize>,
}

/// Answers "open at this instant?" for listings whose hours the index could
/// not read (the index keeps every listing's hours, weekly ones compiled and the
/// rest as rules, so this is for damaged or foreign bytes only).
pub trait DatedHours {
    fn open_at(&self, service_id: &str, location_id: Option<&str>, when: DateTime<Utc>) -> bool;
}

/// One service among the results: its best location and its blended rank.
/// Small (it is sorted), so it names its best location by index.
struct Ranked {
    rank: f32,
    /// The best text score among its matching locations.
    score: f32,
    /// How many other locations of it matched.
    more: u32,
    /// Its best location, in the candidates.
    best: u32,
    /// 0 when its best location is nearby (or no place was given), 1 when it
    /// only serves the place: nearby results come first.
    group: u8,
}

/// A result chosen for the page, grouped or settled, with what orders it.
struct Pick {
    group: u8,
    rank: f32,
    distance: Option<f64>,
    key_hash: u64,
    segment: tantivy::SegmentOrdinal,
    doc: tantivy::DocId,
    kind: Option<MatchKind>,
    more: u32,
}

impl Pick {
    /// Nearby before serving; then by rank, distance and a stable hash (as
    /// [`SearchIndex::search`] orders results).
    fn order(a: &Pick, b: &Pick) -> std::cmp::Ordering {
        a.group
            .cmp(&b.group)
            .then_with(|| b.rank.total_cmp(&a.rank))
            .then_with(|| {
                a.distance
                    .unwrap_or(0.0)
                    .total_cmp(&b.distance.unwrap_or(0.0))
            })
            .then_with(|| a.key_hash.cmp(&b.key_hash))
    }
}

/// The tantivy index with its single writer and reader.
pub struct SearchIndex {
    path: PathBuf,
    index: Index,
    fields: Fields,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    /// Each segment's fast-field columns, opened once.
    columns: collect::ColumnCache,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

const WRITER_MEMORY: usize = 64 * 1024 * 1024;

impl SearchIndex {
    /// Opens the index at `path`, creating it when absent. An index that cannot
    /// be read, or was built with another schema version, is renamed aside
    /// (`search.broken-<unix time>`) and replaced by an empty one; the caller
    /// then rebuilds it from the store.
    pub fn open(path: &Path) -> Result<(SearchIndex, OpenOutcome), IndexError> {
        let io = |source| IndexError::Io {
            path: path.to_owned(),
            source,
        };
        let exists = path.join("meta.json").exists();
        if exists {
            match SearchIndex::open_existing(path) {
                Ok(index) => return Ok((index, OpenOutcome::Opened)),
                Err(Unusable::Outdated(reason)) => {
                    // Not damaged, only built by an older Hearth: nothing to keep for inspection.
                    std::fs::remove_dir_all(path).map_err(io)?;
                    let index = SearchIndex::create(path)?;
                    return Ok((index, OpenOutcome::Outdated { reason }));
                }
                Err(Unusable::Damaged(reason)) => {
                    let stamp = SystemTime::now()
                        .duration_since(UNIX_EPOCH)
                        .map(|d| d.as_secs())
                        .unwrap_or(0);
                    let name = path
                        .file_name()
                        .and_then(|n| n.to_str())
                        .unwrap_or("search");
                    let moved_to = path.with_file_name(format!("{name}.broken-{stamp}"));
                    std::fs::rename(path, &moved_to).map_err(io)?;
                    let index = SearchIndex::create(path)?;
                    return Ok((index, OpenOutcome::SetAside { moved_to, reason }));
                }
            }
        }
        if path.exists() {
            // A directory without meta.json is not an index (maybe a half-created one): start it afresh.
            std::fs::remove_dir_all(path).map_err(io)?;
        }
        Ok((SearchIndex::create(path)?, OpenOutcome::Created))
    }

    fn create(path: &Path) -> Result<SearchIndex, IndexError> {
        std::fs::create_dir_all(path).map_err(|source| IndexError::Io {
            path: path.to_owned(),
            source,
        })?;
        let (schema, fields) = schema::build();
        // Each segment's documents in Z-order of their points (see `schema::geo_order`).
        let settings = tantivy::IndexSettings {
            sort_by_field: Some(tantivy::index::IndexSortByField {
                field: schema::GEO_ORDER.to_owned(),
                order: tantivy::index::Order::Asc,
            }),
            ..tantivy::IndexSettings::default()
        };
        let index = Index::builder()
            .schema(schema)
            .settings(settings)
            .create_in_dir(path)
            .map_err(|source| IndexError::Tantivy {
                path: path.to_owned(),
                source,
            })?;
        let this =
            SearchIndex::wrap(path, index, fields).map_err(|source| IndexError::Tantivy {
                path: path.to_owned(),
                source,
            })?;
        // An empty first commit, so that a new index is recognisably an index.
        this.commit(&Covered::default())?;
        Ok(this)
    }

    /// Opens and checks an existing index; the error says why it cannot be used.
    fn open_existing(path: &Path) -> Result<SearchIndex, Unusable> {
        let damaged = Unusable::Damaged;
        let index = Index::open_in_dir(path).map_err(|e| damaged(format!("cannot open: {e}")))?;
        let metas = index
            .load_metas()
            .map_err(|e| damaged(format!("cannot read meta.json: {e}")))?;
        let payload: Payload = metas
            .payload
            .as_deref()
            .and_then(|p| serde_json::from_str(p).ok())
            .ok_or_else(|| damaged("no Hearth commit payload".into()))?;
        if payload.schema != SCHEMA_VERSION {
            return Err(Unusable::Outdated(format!(
                "built by an older Hearth (index schema {}; this build uses {SCHEMA_VERSION})",
                payload.schema
            )));
        }
        let (expected, fields) = schema::build();
        if index.schema() != expected {
            return Err(damaged("schema fields differ from this build's".into()));
        }
        let this = SearchIndex::wrap(path, index, fields)
            .map_err(|e| damaged(format!("cannot load segments: {e}")))?;
        // Touch every segment's fast fields and stored fields, so a damaged file is found now, not mid-search.
        let searcher = this.reader.searcher();
        for segment in searcher.segment_readers() {
            let fast = segment.fast_fields();
            fast.u64("point")
                .map_err(|e| damaged(format!("damaged segment: {e}")))?;
            fast.u64("key_hash")
                .map_err(|e| damaged(format!("damaged segment: {e}")))?;
            segment
                .get_store_reader(1)
                .map_err(|e| damaged(format!("damaged segment: {e}")))?;
        }
        Ok(this)
    }

    fn wrap(path: &Path, index: Index, fields: Fields) -> tantivy::Result<SearchIndex> {
        index
            .tokenizers()
            .register(schema::ENGLISH, schema::english_analyzer());
        index
            .tokenizers()
            .register(schema::SPANISH, words::spanish_analyzer());
        index
            .tokenizers()
            .register(schema::RAW, words::raw_analyzer());
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let writer = index.writer(WRITER_MEMORY)?;
        Ok(SearchIndex {
            path: path.to_owned(),
            index,
            fields,
            reader,
            writer: Mutex::new(writer),
            columns: collect::ColumnCache::default(),
        })
    }

    fn err(&self, source: tantivy::TantivyError) -> IndexError {
        IndexError::Tantivy {
            path: self.path.clone(),
            source,
        }
    }

    /// Which store, and how much of it, the last commit covers.
    pub fn covered(&self) -> Result<Covered, IndexError> {
        let metas = self.index.load_metas().map_err(|e| self.err(e))?;
        Ok(metas
            .payload
            .as_deref()
            .and_then(|p| serde_json::from_str::<Payload>(p).ok())
            .map_or_else(Covered::default, |p| Covered {
                store_id: p.store,
                seq: p.seq,
            }))
    }

    /// A number that changes whenever what searches see changes (each reload
    /// after a commit), for caching answers computed from the index.
    pub fn generation(&self) -> u64 {
        self.reader.searcher().generation().generation_id()
    }

    /// How many documents (service-at-location rows) are searchable.
    pub fn doc_count(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Every searchable document's key (`{service id}/{location id}`, or the
    /// service id for an unplaced one; see [`document::document_keys`]) with how
    /// many live documents carry it, read from the key terms of each segment.
    /// For `hearth check`: a key counted twice, or one the store does not
    /// imply, means the index and the store disagree.
    pub fn document_keys(&self) -> Result<std::collections::HashMap<String, u32>, IndexError> {
        use tantivy::{DocSet, TERMINATED};
        let io = |source| IndexError::Io {
            path: self.path.clone(),
            source,
        };
        let searcher = self.reader.searcher();
        let mut keys = std::collections::HashMap::new();
        for segment in searcher.segment_readers() {
            let inverted = segment
                .inverted_index(self.fields.doc_key)
                .map_err(|e| self.err(e))?;
            let mut terms = inverted.terms().stream().map_err(io)?;
            while terms.advance() {
                let mut postings = inverted
                    .read_postings_from_terminfo(terms.value(), IndexRecordOption::Basic)
                    .map_err(io)?;
                let mut live = 0;
                while postings.doc() != TERMINATED {
                    if !segment.is_deleted(postings.doc()) {
                        live += 1;
                    }
                    postings.advance();
                }
                if live > 0 {
                    *keys
                        .entry(String::from_utf8_lossy(terms.key()).into_owned())
                        .or_insert(0) += live;
                }
            }
        }
        Ok(keys)
    }

    /// Replaces the documents of each given service (removes its old ones, adds
    /// the current ones). Not visible until [`SearchIndex::commit`].
    pub fn upsert<'a>(
        &self,
        services: impl IntoIterator<Item = &'a Service>,
    ) -> Result<(), IndexError> {
        let services: Vec<&Service> = services.into_iter().collect();
        if services.is_empty() {
            return Ok(());
        }
        // Where each listing last appears: only that one is indexed, as deleting
        // and adding them one at a time would leave.
        let mut last: std::collections::HashMap<&str, usize> =
            std::collections::HashMap::with_capacity(services.len());
        for (i, service) in services.iter().enumerate() {
            last.insert(service.id.as_str(), i);
        }
        // One delete for them all, before the adds (so it cannot touch them). A
        // delete per listing kept a scorer's table (about a kilobyte) per listing
        // until the commit: half a gigabyte for an import of a million.
        let ids = last
            .keys()
            .map(|id| Term::from_field_text(self.fields.service_id, id));
        let writer = self.writer.lock().map_err(|_| IndexError::Poisoned)?;
        writer
            .delete_query(Box::new(TermSetQuery::new(ids)))
            .map_err(|e| self.err(e))?;
        for (i, service) in services.iter().enumerate() {
            if last.get(service.id.as_str()) != Some(&i) {
                continue;
            }
            for doc in document::documents(&self.fields, service) {
                writer.add_document(doc).map_err(|e| self.err(e))?;
            }
        }
        Ok(())
    }

    /// Removes every document (before a rebuild). Not visible until commit.
    pub fn clear(&self) -> Result<(), IndexError> {
        let writer = self.writer.lock().map_err(|_| IndexError::Poisoned)?;
        writer.delete_all_documents().map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Commits what was written, recording which store and sequence it covers,
    /// and makes it visible to searches.
    pub fn commit(&self, covered: &Covered) -> Result<(), IndexError> {
        let payload = serde_json::to_string(&Payload {
            seq: covered.seq,
            schema: SCHEMA_VERSION,
            store: covered.store_id.clone(),
        })
        .unwrap_or_default();
        {
            let mut writer = self.writer.lock().map_err(|_| IndexError::Poisoned)?;
            let mut prepared = writer.prepare_commit().map_err(|e| self.err(e))?;
            prepared.set_payload(&payload);
            prepared.commit().map_err(|e| self.err(e))?;
        }
        self.reader.reload().map_err(|e| self.err(e))?;
        let live: Vec<_> = self
            .reader
            .searcher()
            .segment_readers()
            .iter()
            .map(|segment| segment.segment_id())
            .collect();
        self.columns.keep_only(&live);
        Ok(())
    }

    /// The filter clauses: categories (or taxonomy codes), languages, needs, flags.
    fn filter_clauses(&self, request: &SearchRequest) -> Vec<(Occur, Box<dyn Query>)> {
        let f = self.fields;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        // Each filter given must hold; a document holds one if it has any of its values.
        clauses.extend(any_of(
            terms(f.category, request.categories.iter().map(|c| c.slug())).chain(
                request
                    .taxonomy
                    .iter()
                    .map(|code| Term::from_field_text(f.taxonomy, &code.to_lowercase())),
            ),
        ));
        clauses.extend(any_of(terms(f.language, request.languages.iter().copied())));
        clauses.extend(any_of(terms(
            f.need,
            request.needs.iter().map(|n| n.code()),
        )));
        clauses.extend(any_of(terms(
            f.population,
            request.populations.iter().map(|p| p.slug()),
        )));
        for flag in &request.flags {
            clauses.push((
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_field_text(f.flag, flag),
                    IndexRecordOption::Basic,
                )),
            ));
        }
        clauses
    }

    fn collect(
        &self,
        searcher: &tantivy::Searcher,
        mut clauses: Vec<(Occur, Box<dyn Query>)>,
        place: Option<(Occur, Box<dyn Query>)>,
        collector: &collect::Candidates<'_>,
    ) -> Result<collect::Found, IndexError> {
        clauses.extend(place);
        let query: Box<dyn Query> = if clauses.is_empty() {
            Box::new(AllQuery)
        } else {
            Box::new(BooleanQuery::new(clauses))
        };
        searcher
            .search(query.as_ref(), collector)
            .map_err(|e| self.err(e))
    }

    /// Service names with a word starting with `prefix` (see [`suggest::names`]).
    pub fn suggest_names(
        &self,
        prefix: &str,
        limit: usize,
    ) -> Result<Vec<NameSuggestion>, IndexError> {
        let searcher = self.reader.searcher();
        suggest::names(&searcher, self.fields.suggest, prefix, limit).map_err(|e| self.err(e))
    }

    /// The candidates of a query with how they match the place searched: within
    /// the radius (`at`), or serving it (`serves`, `virtual`) as the scope allows.
    fn find(
        &self,
        searcher: &tantivy::Searcher,
        request: &SearchRequest,
        clauses: Vec<(Occur, Box<dyn Query>)>,
        collector: &collect::Candidates<'_>,
    ) -> Result<collect::Found, IndexError> {
        let f = self.fields;
        let clone_clauses = |clauses: &Vec<(Occur, Box<dyn Query>)>| {
            clauses
                .iter()
                .map(|(o, q)| (*o, q.box_clone()))
                .collect::<Vec<_>>()
        };
        // Candidates with how they match the place.
        let mut found = collect::Found::default();
        match request.near {
            None => found = self.collect(searcher, clauses, None, collector)?,
            Some(near) => {
                // Which were found within the radius, for the pass over the areas
                // served to leave out (keyed by a hash already).
                let serving = request.scope != Scope::Nearby && !request.areas.is_empty();
                let mut at_keys: std::collections::HashSet<u64, BuildIdentity> =
                    std::collections::HashSet::default();
                if request.scope != Scope::Serving {
                    let cells = cells_covering(near.lat, near.lon, near.miles);
                    let set = cells.iter().map(|c| Term::from_field_text(f.cell, c));
                    let place: Box<dyn Query> = Box::new(TermSetQuery::new(set));
                    let within = collect::Candidates {
                        within: Some(near),
                        ..collector.clone()
                    };
                    found = self.collect(
                        searcher,
                        clone_clauses(&clauses),
                        Some((Occur::Must, place)),
                        &within,
                    )?;
                    if serving {
                        at_keys.extend(found.full.iter().map(|c| c.key_hash));
                    }
                }
                if serving {
                    let set = request
                        .areas
                        .iter()
                        .map(|a| Term::from_field_text(f.coverage, a));
                    let place: Box<dyn Query> = Box::new(TermSetQuery::new(set));
                    let serves =
                        self.collect(searcher, clauses, Some((Occur::Must, place)), collector)?;
                    found.matched += serves.matched;
                    for mut c in serves.full {
                        if at_keys.contains(&c.key_hash) {
                            continue;
                        }
                        c.kind = Some(if c.distance().is_some() {
                            MatchKind::Serves
                        } else {
                            MatchKind::Virtual
                        });
                        found.full.push(c);
                    }
                }
            }
        }

        Ok(found)
    }

    /// Runs a search.
    ///
    /// Every term of the text must match the name, organization or description
    /// (name weighs most); text with no searchable term matches nothing. With a
    /// place, a result either has a location within the radius (`at`, with its
    /// exact distance) or, unless the scope is `nearby`, a service area that
    /// covers the place (`serves`, or `virtual` when it has no placed location).
    /// A service is returned once, at its best location (within the radius, the
    /// nearest), with the count of its other matching locations.
    ///
    /// Ranking, always 0..1: `0.7 × text relevance (relative to the best
    /// result) plus 0.25 × closeness plus 0.05 × freshness`, where closeness decays with
    /// distance (`1 / (1 + d / h)`, `h` a third of the radius, at least a mile; 0
    /// for a service that only serves the area) and freshness is 1 for a listing
    /// verified within a year, falling to 0 at five years (0.5 when not known).
    /// Without text, closeness and freshness alone (`0.95`, `0.05`). Nearby
    /// results come before those serving the area; equal ranks are ordered by
    /// distance, then by a stable hash of the document.
    pub fn search(
        &self,
        request: &SearchRequest,
        dated: &dyn DatedHours,
    ) -> Result<Hits, IndexError> {
        self.run(request, dated, true).map(|(hits, _)| hits)
    }

    /// Runs a search, settling matches while collecting when `settle` allows
    /// and the search has no place ([`collect::Settle`]); with how many were settled.
    fn run(
        &self,
        request: &SearchRequest,
        dated: &dyn DatedHours,
        settle: bool,
    ) -> Result<(Hits, usize), IndexError> {
        let searcher = self.reader.searcher();
        let mut ids = IdReader::new(self, &searcher);
        let spanish = request.lang.map(|l| l == Lang::Es);
        let text = text::build(&self.fields, &searcher, &request.text, spanish);
        if text.required.is_empty() && !request.text.trim().is_empty() {
            // Text with nothing searchable in it ("the", "🍞", "- *") matches nothing;
            // it must not fall back to "everything".
            return Ok((Hits::default(), 0));
        }
        let scoring = !text.required.is_empty();
        let instants: Vec<DateTime<Utc>> = [request.now, request.open_at]
            .into_iter()
            .flatten()
            .collect();
        let now_slot = request.now.map(|_| 0);
        let filter_slot = request.open_at.map(|_| usize::from(request.now.is_some()));
        let collector = collect::Candidates {
            columns: &self.columns,
            scoring,
            instants: instants.clone(),
            age: request.age,
            from: request.near.map(|n| (n.lat, n.lon)),
            within: None,
            // With a place, a match found within the radius may be found again
            // serving the area: nothing is settled before both passes.
            settle: (settle && request.near.is_none()).then_some(collect::Settle {
                open_filter: filter_slot,
                open_now: now_slot,
            }),
        };
        // Every concept of the text must match; when nothing does, one fewer, and
        // so on down to half of them (rounded up), so that a long plain-language
        // request still finds what matches most of it.
        let concepts = text.required.len();
        let fewest = if request.every_word {
            concepts
        } else {
            concepts.div_ceil(2).max(1)
        };
        let mut required = concepts;
        let mut found = loop {
            let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
            match concepts {
                0 => {}
                // Every concept: an intersection, which leaps through the rarest
                // concept's documents (a "at least n of n" disjunction would visit
                // every document of the commonest).
                _ if required == concepts => {
                    clauses.extend(text.required.iter().map(|q| (Occur::Must, q.box_clone())))
                }
                _ => clauses.push((
                    Occur::Must,
                    Box::new(BooleanQuery::with_minimum_required_clauses(
                        text.required
                            .iter()
                            .map(|q| (Occur::Should, q.box_clone()))
                            .collect(),
                        required,
                    )),
                )),
            }
            // What only adds to the score, as one clause that is cheap to seek
            // (tantivy's own union would score a window of documents each time
            // the required part asks it about one).
            if !text.optional.is_empty() {
                let optional = text.optional.iter().map(|q| q.box_clone()).collect();
                clauses.push((Occur::Should, Box::new(union::AnyOf::new(optional))));
            }
            clauses.extend(self.filter_clauses(request));
            let found = self.find(&searcher, request, clauses, &collector)?;
            if found.matched > 0 || required <= fewest {
                break found;
            }
            required -= 1;
        };
        let matched_concepts = (concepts > 0).then_some((required, concepts));
        let terms = text.read_as;
        let spanish = text.spanish;
        let text_needs = text.needs;

        // Hours the index cannot judge are asked of the full rules, once each.
        if !instants.is_empty() {
            for c in &mut found.full {
                let snapshot = *c;
                let mut known = None;
                for (slot, when) in c.open.iter_mut().zip(&instants) {
                    if *slot == collect::Opening::Dated {
                        if known.is_none() {
                            known = Some(ids.of(&snapshot)?);
                        }
                        let (service_id, location_id) = known.clone().unwrap_or_default();
                        *slot = if dated.open_at(&service_id, location_id.as_deref(), *when) {
                            collect::Opening::Open
                        } else {
                            collect::Opening::NotOpen
                        };
                    }
                }
            }
        }
        if let Some(slot) = filter_slot {
            found
                .full
                .retain(|c| c.open[slot] == collect::Opening::Open);
        }
        let collect::Found {
            full: found,
            lean,
            facets: mut facet_counts,
            mut open_now,
            best_score,
            matched: _,
        } = found;

        // One entry per service: its best location (nearest within the radius).
        // Only documents that share their service need grouping, by a map keyed
        // by a hash already (no need to hash it again).
        let sole = |c: &collect::Candidate| c.facet_bits & schema::SOLE_DOCUMENT != 0;
        let shared = found.iter().filter(|c| !sole(c)).count();
        let mut groups: std::collections::HashMap<u64, usize, BuildIdentity> =
            std::collections::HashMap::with_capacity_and_hasher(shared, BuildIdentity);
        let mut ranked: Vec<Ranked> = Vec::with_capacity(found.len());
        let order = |c: &collect::Candidate| (c.kind, c.distance().unwrap_or(f64::MAX), c.key_hash);
        // The best text score, for relevance relative to the best result (0..1).
        let mut best = best_score;
        for (i, c) in found.iter().enumerate() {
            best = best.max(c.score);
            // Fewer than 2^32 documents in an index (tantivy's doc ids are u32).
            let i = u32::try_from(i).unwrap_or(u32::MAX);
            let new = Ranked {
                rank: 0.0,
                score: c.score,
                more: 0,
                best: i,
                group: 0,
            };
            if sole(c) {
                ranked.push(new);
                continue;
            }
            match groups.entry(c.service_hash) {
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert(ranked.len());
                    ranked.push(new);
                }
                std::collections::hash_map::Entry::Occupied(slot) => {
                    let entry = &mut ranked[*slot.get()];
                    entry.more += 1;
                    entry.score = entry.score.max(c.score);
                    if order(c) < order(&found[entry.best as usize]) {
                        entry.best = i;
                    }
                }
            }
        }
        drop(groups);
        let best_of = |r: &Ranked| &found[r.best as usize];

        let today = request.now.map(|n| {
            (n.date_naive() - chrono::NaiveDate::default())
                .num_days()
                .max(0) as u64
        });
        let decay_h = request.near.map_or(1.0, |n| (n.miles / 3.0).max(1.0));
        let freshness = |day: u32| match today {
            Some(today) if day > 0 => {
                let years = today.saturating_sub(u64::from(day)) as f32 / 365.0;
                (1.0 - (years - 1.0).max(0.0) / 4.0).clamp(0.0, 1.0)
            }
            _ => 0.5,
        };
        let blend = |score: f32, closeness: f32, day: u32| {
            if scoring {
                let relevance = if best > 0.0 { score / best } else { 0.0 };
                0.7 * relevance + 0.25 * closeness + 0.05 * freshness(day)
            } else {
                0.95 * closeness + 0.05 * freshness(day)
            }
        };
        // Each result's rank and the counts, in one pass over the results
        // (the settled ones are counted already, and have no place).
        let settled: usize = lean.iter().map(Vec::len).sum();
        let mut nearby = settled;
        let mut nearest_miles: Option<f64> = None;
        let mut within = vec![0; request.count_within.len()];
        for r in &mut ranked {
            let c = best_of(r);
            r.group = u8::from(matches!(
                c.kind,
                Some(MatchKind::Serves | MatchKind::Virtual)
            ));
            let closeness = match (c.kind, c.distance()) {
                (Some(MatchKind::At), Some(d)) => (1.0 / (1.0 + d / decay_h)) as f32,
                _ => 0.0,
            };
            r.rank = blend(r.score, closeness, c.fresh_day);
            match (c.kind, c.distance()) {
                (None, _) => nearby += 1,
                (Some(MatchKind::At), distance) => {
                    nearby += 1;
                    if let Some(d) = distance {
                        nearest_miles = Some(nearest_miles.map_or(d, |n| n.min(d)));
                        for (count, &miles) in within.iter_mut().zip(&request.count_within) {
                            *count += usize::from(d <= miles);
                        }
                    }
                }
                _ => {}
            }
            if let Some(slot) = now_slot {
                open_now += usize::from(c.open[slot] == collect::Opening::Open);
            }
            facet_counts.add(c.facet_bits, c.language_bits);
        }
        let pick_of = |r: &Ranked| {
            let c = best_of(r);
            Pick {
                group: r.group,
                rank: r.rank,
                distance: c.distance(),
                key_hash: c.key_hash,
                segment: c.segment,
                doc: c.doc,
                kind: c.kind,
                more: r.more,
            }
        };
        let total = ranked.len() + settled;
        let mut facets = facet_counts.finish();
        facets.open_now = now_slot.map(|_| open_now);
        // The page: the first of the grouped results and the first of each
        // segment's settled ones, then the first of those, in the same order.
        let wanted = request.offset.saturating_add(request.limit);
        let mut picks: Vec<Pick> = first_in_order(&ranked, wanted, |a, b| {
            Pick::order(&pick_of(a), &pick_of(b))
        })
        .into_iter()
        .map(pick_of)
        .collect();
        // A settled match is nearby (no place), its service's only location.
        let settled_pick = |l: &collect::Lean| Pick {
            group: 0,
            rank: blend(l.score, 0.0, l.fresh_day),
            distance: None,
            key_hash: l.key_hash,
            segment: l.segment,
            doc: l.doc,
            kind: None,
            more: 0,
        };
        for segment in &lean {
            let first = first_in_order(segment, wanted, |a, b| {
                Pick::order(&settled_pick(a), &settled_pick(b))
            });
            picks.extend(first.into_iter().map(settled_pick));
        }
        if !lean.is_empty() {
            picks.sort_unstable_by(Pick::order);
        }
        let mut hits = Vec::new();
        for p in picks.into_iter().take(wanted).skip(request.offset) {
            let (service_id, location_id) = ids.of_doc(p.segment, p.doc)?;
            hits.push(Hit {
                service_id,
                location_id,
                distance_miles: p.distance,
                match_kind: p.kind,
                more_locations: p.more as usize,
                score: p.rank,
            });
        }
        let hits = Hits {
            total,
            nearby,
            hits,
            terms,
            spanish,
            matched_concepts,
            text_needs,
            nearest_miles,
            within,
            facets,
        };
        Ok((hits, settled))
    }
}

/// The first `wanted` of `items` in `order`, sorted. For a page of a few out of
/// many, one pass that keeps the best so far (most items lose at the first
/// comparison); for a large share of them, a sort.
fn first_in_order<T>(
    items: &[T],
    wanted: usize,
    order: impl Fn(&T, &T) -> std::cmp::Ordering,
) -> Vec<&T> {
    use std::cmp::Ordering;
    if wanted == 0 {
        return Vec::new();
    }
    if wanted >= items.len() / 4 {
        let mut all: Vec<&T> = items.iter().collect();
        all.sort_unstable_by(|a, b| order(a, b));
        all.truncate(wanted);
        return all;
    }
    let mut kept: Vec<&T> = Vec::with_capacity(wanted + 1);
    for item in items {
        if kept.len() == wanted {
            if kept
                .last()
                .is_some_and(|last| order(item, last) != Ordering::Less)
            {
                continue;
            }
            kept.pop();
        }
        let at = kept.partition_point(|k| order(k, item) != Ordering::Greater);
        kept.insert(at, item);
    }
    kept
}

/// A hasher for keys that are hashes already (FNV of a service id): it passes them through.
#[derive(Default)]
struct Identity(u64);

impl std::hash::Hasher for Identity {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

#[derive(Default, Clone, Copy)]
struct BuildIdentity;

impl std::hash::BuildHasher for BuildIdentity {
    type Hasher = Identity;
    fn build_hasher(&self) -> Identity {
        Identity::default()
    }
}

/// Reads hits' service and location ids from the fast fields, opening each
/// segment's columns once per search (opening one loads its term dictionary's index).
struct IdReader<'a> {
    index: &'a SearchIndex,
    searcher: &'a tantivy::Searcher,
    columns: std::collections::HashMap<u32, std::sync::Arc<collect::SegmentColumns>>,
}

impl<'a> IdReader<'a> {
    fn new(index: &'a SearchIndex, searcher: &'a tantivy::Searcher) -> IdReader<'a> {
        IdReader {
            index,
            searcher,
            columns: std::collections::HashMap::new(),
        }
    }

    /// The service id and location id (if any) of a candidate.
    fn of(&mut self, c: &collect::Candidate) -> Result<(String, Option<String>), IndexError> {
        self.of_doc(c.segment, c.doc)
    }

    /// The service and location ids of a document.
    fn of_doc(
        &mut self,
        segment: tantivy::SegmentOrdinal,
        doc: tantivy::DocId,
    ) -> Result<(String, Option<String>), IndexError> {
        let index = self.index;
        let columns = match self.columns.entry(segment) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => e.insert(
                index
                    .columns
                    .get(self.searcher.segment_reader(segment))
                    .map_err(|e| index.err(e))?,
            ),
        };
        let read = |column: &Option<tantivy::columnar::StrColumn>| {
            let Some(column) = column else {
                return Ok(None);
            };
            let Some(ord) = column.term_ords(doc).next() else {
                return Ok(None);
            };
            let mut text = String::new();
            let found = column
                .ord_to_str(ord, &mut text)
                .map_err(|e| index.err(e.into()))?;
            Ok::<_, IndexError>(found.then_some(text))
        };
        let service_id = read(&columns.service_id)?.unwrap_or_default();
        let location_id = read(&columns.location_id)?;
        Ok((service_id, location_id))
    }
}

/// The terms of `values` in `field`.
fn terms<'a>(
    field: tantivy::schema::Field,
    values: impl Iterator<Item = &'a str>,
) -> impl Iterator<Item = Term> {
    values.map(move |value| Term::from_field_text(field, value))
}

/// A filter clause a document meets with any of `terms`; none when there are no terms.
fn any_of(terms: impl Iterator<Item = Term>) -> Option<(Occur, Box<dyn Query>)> {
    // A union of the terms' postings, which an intersection reads as it leaps,
    // scored as a constant 1 (as a term set scores). A term set would first read
    // every document of every term into a bitset: every listing of a category in
    // the country, for a search near one place.
    let union: Vec<(Occur, Box<dyn Query>)> = terms
        .map(|term| {
            let query: Box<dyn Query> = Box::new(TermQuery::new(term, IndexRecordOption::Basic));
            (Occur::Should, query)
        })
        .collect();
    if union.is_empty() {
        return None;
    }
    Some((
        Occur::Must,
        Box::new(ConstScoreQuery::new(
            Box::new(BooleanQuery::new(union)),
            1.0,
        )),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_in_order_are_the_first_of_a_full_sort() {
        // Ties on the first key, broken by the second, as ranks tie and hashes break them.
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let items: Vec<(u8, u32)> = (0..1000u32)
            .map(|i| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                ((seed % 7) as u8, i)
            })
            .collect();
        let order = |a: &(u8, u32), b: &(u8, u32)| b.0.cmp(&a.0).then(a.1.cmp(&b.1));
        let mut sorted = items.clone();
        sorted.sort_by(order);
        for wanted in [0, 1, 10, 249, 250, 999, 1000, 5000] {
            let first: Vec<(u8, u32)> = first_in_order(&items, wanted, order)
                .into_iter()
                .copied()
                .collect();
            assert_eq!(first, sorted[..wanted.min(sorted.len())], "wanted {wanted}");
        }
    }

    struct NeverDated;
    impl DatedHours for NeverDated {
        fn open_at(&self, _: &str, _: Option<&str>, _: DateTime<Utc>) -> bool {
            false
        }
    }

    fn service(id: &str) -> Service {
        Service {
            id: id.into(),
            name: format!("Pantry {id}"),
            ..Service::default()
        }
    }

    #[test]
    fn a_service_at_many_places_is_one_result_and_one_at_one_place_needs_no_grouping() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let (index, _) = SearchIndex::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        let at = |id: &str, lat: f64| crate::model::Location {
            id: id.into(),
            latitude: Some(lat),
            longitude: Some(-73.9),
            ..crate::model::Location::default()
        };
        let many = Service {
            locations: vec![at("l1", 40.7), at("l2", 40.8), at("l3", 40.9)],
            ..service("many")
        };
        let one = Service {
            locations: vec![at("l4", 40.75)],
            ..service("one")
        };
        let unplaced = service("unplaced");
        for s in [&many, &one, &unplaced] {
            let docs = document::documents(&index.fields, s);
            let sole = |d: &tantivy::TantivyDocument| {
                d.get_first(index.fields.facet_bits)
                    .and_then(|v| tantivy::schema::Value::as_u64(&v))
                    .is_some_and(|bits| bits & schema::SOLE_DOCUMENT != 0)
            };
            assert_eq!(docs.iter().all(sole), docs.len() == 1, "{}", s.id);
        }
        index
            .upsert([&many, &one, &unplaced])
            .unwrap_or_else(|e| panic!("{e}"));
        let covered = Covered {
            store_id: "s".into(),
            seq: 1,
        };
        index.commit(&covered).unwrap_or_else(|e| panic!("{e}"));
        let request = SearchRequest {
            text: "pantry".into(),
            limit: 10,
            ..SearchRequest::default()
        };
        let found = index
            .search(&request, &NeverDated)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(found.total, 3);
        let mut more: Vec<(String, usize)> = found
            .hits
            .iter()
            .map(|h| (h.service_id.clone(), h.more_locations))
            .collect();
        more.sort();
        assert_eq!(
            more,
            [
                ("many".to_owned(), 2),
                ("one".to_owned(), 0),
                ("unplaced".to_owned(), 0)
            ]
        );
        // Its best location without a place is the same one every time (lowest hash).
        let again = index
            .search(&request, &NeverDated)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(found.hits, again.hits);
    }

    #[test]
    fn settling_matches_while_collecting_changes_no_answer() {
        // The real Miami fixture (services at one place and at several, with
        // weekly hours), indexed in three commits so that there are segments to
        // settle separately and to merge.
        use crate::import::test_support::{context, fixture};
        let parsed = crate::import::read_source_with(
            context(),
            &fixture("miami"),
            &crate::import::ReadOptions::default(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        // The fixture's services each have one location: one more, at the places
        // of three of them, is grouped.
        let mut services = parsed.services.clone();
        let mut several = services[0].clone();
        several.id = "several".into();
        several.locations = services
            .iter()
            .flat_map(|s| s.locations.iter().cloned())
            .take(3)
            .enumerate()
            .map(|(i, l)| crate::model::Location {
                id: format!("several-{i}"),
                ..l
            })
            .collect();
        services.push(several);
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let (index, _) = SearchIndex::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        for (seq, part) in services.chunks(services.len() / 3 + 1).enumerate() {
            index.upsert(part).unwrap_or_else(|e| panic!("{e}"));
            let covered = Covered {
                store_id: "s".into(),
                seq: seq as u64 + 1,
            };
            index.commit(&covered).unwrap_or_else(|e| panic!("{e}"));
        }
        let now = DateTime::parse_from_rfc3339("2026-11-24T15:30:00Z")
            .unwrap_or_else(|e| panic!("{e}"))
            .with_timezone(&Utc);
        let mut requests = Vec::new();
        for text in [
            "",
            "health",
            "food pantry",
            "services",
            "help center family",
        ] {
            for (open_at, categories) in [
                (None, vec![]),
                (Some(now), vec![]),
                (None, vec![Category::Health]),
            ] {
                for (offset, limit) in [(0, 3), (2, 5), (0, 1000)] {
                    requests.push(SearchRequest {
                        text: text.into(),
                        now: Some(now),
                        open_at,
                        categories: categories.clone(),
                        offset,
                        limit,
                        ..SearchRequest::default()
                    });
                }
            }
        }
        let mut settled_in_all = 0;
        for request in &requests {
            let (settled, count) = index
                .run(request, &NeverDated, true)
                .unwrap_or_else(|e| panic!("{e}"));
            let (unsettled, none) = index
                .run(request, &NeverDated, false)
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(none, 0);
            assert_eq!(settled, unsettled, "{request:?}");
            settled_in_all += count;
        }
        // The settled path was taken (the comparison is not of one path with itself).
        assert!(settled_in_all > 0);
        assert!(services.iter().any(|s| s.locations.len() == 3));
        let every = index
            .run(&requests[2], &NeverDated, true)
            .unwrap_or_else(|e| panic!("{e}"))
            .0;
        assert!(every.total > 10, "{}", every.total);
        assert!(
            every
                .facets
                .open_now
                .is_some_and(|n| n > 0 && n < every.total)
        );
    }

    #[test]
    fn a_batch_of_matches_that_the_radius_or_the_age_leaves_empty_is_no_result() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let (index, _) = SearchIndex::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        // Half a mile north of the place searched, and for adults only.
        let adults = Service {
            minimum_age: Some(18),
            locations: vec![crate::model::Location {
                id: "l1".into(),
                latitude: Some(40.7073),
                longitude: Some(-73.9),
                ..crate::model::Location::default()
            }],
            ..service("adults")
        };
        index.upsert([&adults]).unwrap_or_else(|e| panic!("{e}"));
        let covered = Covered {
            store_id: "s".into(),
            seq: 1,
        };
        index.commit(&covered).unwrap_or_else(|e| panic!("{e}"));
        let search = |miles: f64, age: Option<u32>| {
            let request = SearchRequest {
                text: "pantry".into(),
                near: Some(Radius {
                    lat: 40.7,
                    lon: -73.9,
                    miles,
                }),
                scope: Scope::Nearby,
                age,
                limit: 10,
                ..SearchRequest::default()
            };
            index
                .search(&request, &NeverDated)
                .unwrap_or_else(|e| panic!("{e}"))
                .total
        };
        assert_eq!(search(1.0, None), 1);
        assert_eq!(search(0.25, None), 0);
        assert_eq!(search(1.0, Some(10)), 0);
        assert_eq!(search(1.0, Some(30)), 1);
    }

    #[test]
    fn hours_that_depend_on_the_date_are_judged_by_the_index_alone() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let (index, _) = SearchIndex::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        // Open the first Saturday of the month, 9 to noon (New York: the bundled
        // zone for a location without one is the service's or Eastern).
        let monthly = Service {
            schedules: vec![crate::model::Schedule {
                freq: Some("MONTHLY".into()),
                byday: Some("1SA".into()),
                opens_at: Some("09:00".into()),
                closes_at: Some("12:00".into()),
                timezone: Some("America/New_York".into()),
                ..crate::model::Schedule::default()
            }],
            ..service("monthly")
        };
        index
            .upsert([&monthly, &service("unknown")])
            .unwrap_or_else(|e| panic!("{e}"));
        let covered = Covered {
            store_id: "s".into(),
            seq: 1,
        };
        index.commit(&covered).unwrap_or_else(|e| panic!("{e}"));
        let at = |text: &str| {
            DateTime::parse_from_rfc3339(text)
                .unwrap_or_else(|e| panic!("{e}"))
                .with_timezone(&Utc)
        };
        let open_now = |now: DateTime<Utc>| {
            let request = SearchRequest {
                now: Some(now),
                limit: 10,
                ..SearchRequest::default()
            };
            // NeverDated says "closed" to every question: any answer of "open"
            // came from the index.
            let hits = index
                .search(&request, &NeverDated)
                .unwrap_or_else(|e| panic!("{e}"));
            (hits.total, hits.facets.open_now)
        };
        // Saturday 5 December 2026 is the first Saturday; the 12th the second.
        assert_eq!(open_now(at("2026-12-05T15:00:00Z")), (2, Some(1)));
        assert_eq!(open_now(at("2026-12-12T15:00:00Z")), (2, Some(0)));
        assert_eq!(open_now(at("2026-12-05T18:00:00Z")), (2, Some(0)));
    }

    #[test]
    fn an_upsert_replaces_each_listing_it_names_and_only_those() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let (index, _) = SearchIndex::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        let at = |id: &str| crate::model::Location {
            id: id.into(),
            latitude: Some(40.7),
            longitude: Some(-73.9),
            ..crate::model::Location::default()
        };
        let two_places = Service {
            locations: vec![at("l1"), at("l2")],
            ..service("a")
        };
        let commit = |seq: u64| {
            let covered = Covered {
                store_id: "s".into(),
                seq,
            };
            index.commit(&covered).unwrap_or_else(|e| panic!("{e}"));
        };
        index
            .upsert([&two_places, &service("b"), &service("c")])
            .unwrap_or_else(|e| panic!("{e}"));
        commit(1);
        assert_eq!(index.doc_count(), 4);
        // "a" twice in one call: the last is what stays; "b" is replaced; "c" is untouched.
        let renamed = Service {
            name: "Harbor house a".into(),
            ..service("a")
        };
        index
            .upsert([&service("a"), &service("b"), &renamed])
            .unwrap_or_else(|e| panic!("{e}"));
        commit(2);
        assert_eq!(index.doc_count(), 3, "a once (no places now), b and c");
        let found = |text: &str| {
            let request = SearchRequest {
                text: text.into(),
                limit: 10,
                ..SearchRequest::default()
            };
            let mut ids: Vec<String> = index
                .search(&request, &NeverDated)
                .unwrap_or_else(|e| panic!("{e}"))
                .hits
                .into_iter()
                .map(|h| h.service_id)
                .collect();
            ids.sort();
            ids
        };
        assert_eq!(found("harbor"), ["a"]);
        assert_eq!(found("pantry"), ["b", "c"]);
    }

    #[test]
    fn the_columns_of_segments_no_longer_searched_are_let_go() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let (index, _) = SearchIndex::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        for (seq, id) in ["a", "b", "c"].into_iter().enumerate() {
            index
                .upsert([&service(id)])
                .unwrap_or_else(|e| panic!("{e}"));
            let covered = Covered {
                store_id: "s".into(),
                seq: seq as u64 + 1,
            };
            index.commit(&covered).unwrap_or_else(|e| panic!("{e}"));
        }
        let search = |index: &SearchIndex| {
            index
                .search(&SearchRequest::default(), &NeverDated)
                .unwrap_or_else(|e| panic!("{e}"))
                .total
        };
        assert_eq!(search(&index), 3);
        let segments = index.reader.searcher().segment_readers().len();
        assert!(segments > 1, "one segment a commit");
        assert_eq!(
            index.columns.len(),
            segments,
            "each searched segment's columns kept"
        );
        // A rebuild: every old segment goes.
        index.clear().unwrap_or_else(|e| panic!("{e}"));
        index
            .upsert([&service("d")])
            .unwrap_or_else(|e| panic!("{e}"));
        let covered = Covered {
            store_id: "s".into(),
            seq: 4,
        };
        index.commit(&covered).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            index.columns.len(),
            0,
            "the old segments' columns are let go"
        );
        assert_eq!(search(&index), 1);
        assert_eq!(index.columns.len(), 1);
    }
}
