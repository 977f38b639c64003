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
mod words;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use tantivy::query::{AllQuery, BooleanQuery, BoostQuery, Occur, Query, TermQuery, TermSetQuery};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{DocAddress, Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

use crate::geo::{cells_covering, distance_miles};
use crate::model::{Category, Need, Service};
use schema::Fields;

pub use schema::SCHEMA_VERSION;

/// At most this many distinct query terms are used; the rest of a very long text is ignored.
pub const MAX_QUERY_TERMS: usize = 24;

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

/// A search, already validated.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchRequest {
    /// What the person typed (may be empty).
    pub text: String,
    pub near: Option<Radius>,
    /// Any of these categories (OR); empty means all.
    pub categories: Vec<Category>,
    /// Any of these SDOH needs (OR); empty means all.
    pub needs: Vec<Need>,
    /// Offered in any of these languages (ISO 639 codes, OR); empty means all.
    pub languages: Vec<&'static str>,
    pub limit: usize,
    pub offset: usize,
}

/// One result: a service at one of its locations.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub service_id: String,
    pub location_id: Option<String>,
    pub distance_miles: Option<f64>,
    /// The blended rank (higher is better); see [`SearchIndex::search`].
    pub score: f32,
}

/// A page of results.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Hits {
    /// How many results there are in all (within the radius).
    pub total: usize,
    pub hits: Vec<Hit>,
    /// The analyzed terms the text became (empty when the text had none).
    pub terms: Vec<String>,
    /// How many of all the results are in each category and meet each need.
    pub facets: Facets,
}

/// Counts of the results by category and by need (only values with a count).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facets {
    pub categories: Vec<(Category, usize)>,
    pub needs: Vec<(Need, usize)>,
    /// ISO 639 code and count, most common first.
    pub languages: Vec<(&'static str, usize)>,
}

impl Facets {
    fn count<'a>(candidates: impl Iterator<Item = &'a collect::Candidate>) -> Facets {
        let mut categories = [0usize; 64];
        let mut needs = [0usize; 64];
        let mut languages = [0usize; 64];
        for c in candidates {
            for (bits, counts) in [
                (c.category_bits, &mut categories),
                (c.need_bits, &mut needs),
                (c.language_bits, &mut languages),
            ] {
                let mut rest = bits;
                while rest != 0 {
                    let i = rest.trailing_zeros() as usize;
                    counts[i] += 1;
                    rest &= rest - 1;
                }
            }
        }
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
        }
    }
}

/// The tantivy index with its single writer and reader.
pub struct SearchIndex {
    path: PathBuf,
    index: Index,
    fields: Fields,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
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
        let index = Index::create_in_dir(path, schema).map_err(|source| IndexError::Tantivy {
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
            fast.f64("lat")
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

    /// How many documents (service-at-location rows) are searchable.
    pub fn doc_count(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Replaces the documents of each given service (removes its old ones, adds
    /// the current ones). Not visible until [`SearchIndex::commit`].
    pub fn upsert<'a>(
        &self,
        services: impl IntoIterator<Item = &'a Service>,
    ) -> Result<(), IndexError> {
        let writer = self.writer.lock().map_err(|_| IndexError::Poisoned)?;
        for service in services {
            writer.delete_term(Term::from_field_text(self.fields.service_id, &service.id));
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
        self.reader.reload().map_err(|e| self.err(e))
    }

    /// Analyzes text as the index does: the distinct terms, at most [`MAX_QUERY_TERMS`].
    pub fn analyze(&self, text: &str) -> Vec<String> {
        let mut analyzer = schema::english_analyzer();
        let mut stream = analyzer.token_stream(text);
        let mut terms: Vec<String> = Vec::new();
        while stream.advance() {
            let term = &stream.token().text;
            if !terms.contains(term) {
                terms.push(term.clone());
                if terms.len() == MAX_QUERY_TERMS {
                    break;
                }
            }
        }
        terms
    }

    /// Runs a search.
    ///
    /// Every term of the text must match the name, organization or description
    /// (name weighs most); text with no searchable term matches nothing. With a
    /// radius, only hits within it are returned, each with its exact distance.
    /// Ranking, always 0..1: with text and a place, `0.75 × text relevance
    /// (relative to the best hit within the radius) + 0.25 × closeness (1 at the
    /// centre, 0 at the radius)`; with text only, relative text relevance; with a
    /// place only, closeness (nearest first). Equal ranks are ordered by distance,
    /// then by a stable hash of the document.
    pub fn search(&self, request: &SearchRequest) -> Result<Hits, IndexError> {
        let terms = self.analyze(&request.text);
        if terms.is_empty() && !request.text.trim().is_empty() {
            // Text with nothing searchable in it ("the", "🍞", "- *") matches nothing;
            // it must not fall back to "everything".
            return Ok(Hits::default());
        }
        let f = self.fields;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for term in &terms {
            let per_field: Vec<(Occur, Box<dyn Query>)> =
                [(f.name, 3.0), (f.organization, 1.5), (f.body, 1.0)]
                    .into_iter()
                    .map(|(field, boost)| {
                        let q = TermQuery::new(
                            Term::from_field_text(field, term),
                            IndexRecordOption::WithFreqs,
                        );
                        (
                            Occur::Should,
                            Box::new(BoostQuery::new(Box::new(q), boost)) as Box<dyn Query>,
                        )
                    })
                    .collect();
            clauses.push((Occur::Must, Box::new(BooleanQuery::new(per_field))));
        }
        if !request.categories.is_empty() {
            let set = request
                .categories
                .iter()
                .map(|c| Term::from_field_text(f.category, c.slug()));
            clauses.push((Occur::Must, Box::new(TermSetQuery::new(set))));
        }
        if !request.languages.is_empty() {
            let set = request
                .languages
                .iter()
                .map(|code| Term::from_field_text(f.language, code));
            clauses.push((Occur::Must, Box::new(TermSetQuery::new(set))));
        }
        if !request.needs.is_empty() {
            let set = request
                .needs
                .iter()
                .map(|n| Term::from_field_text(f.need, n.code()));
            clauses.push((Occur::Must, Box::new(TermSetQuery::new(set))));
        }
        if let Some(near) = request.near {
            let cells = cells_covering(near.lat, near.lon, near.miles);
            let set = cells.iter().map(|c| Term::from_field_text(f.cell, c));
            clauses.push((Occur::Must, Box::new(TermSetQuery::new(set))));
        }
        let query: Box<dyn Query> = if clauses.is_empty() {
            Box::new(AllQuery)
        } else {
            Box::new(BooleanQuery::new(clauses))
        };

        let searcher = self.reader.searcher();
        let scoring = !terms.is_empty();
        let candidates = searcher
            .search(query.as_ref(), &collect::Candidates { scoring })
            .map_err(|e| self.err(e))?;

        // Keep the candidates within the radius, with their exact distance.
        let mut within: Vec<(Option<f64>, collect::Candidate)> =
            Vec::with_capacity(candidates.len());
        for c in candidates {
            match (request.near, c.point) {
                (Some(near), Some(point)) => {
                    let d = distance_miles((near.lat, near.lon), point);
                    if d <= near.miles {
                        within.push((Some(d), c));
                    }
                }
                (Some(_), None) => {}
                (None, _) => within.push((None, c)),
            }
        }
        // Relevance is relative to the best hit among those shown, so it is 0..1.
        let best = within.iter().map(|(_, c)| c.score).fold(0.0_f32, f32::max);
        let mut ranked: Vec<(f32, Option<f64>, collect::Candidate)> = within
            .into_iter()
            .map(|(distance, c)| {
                let relevance = if scoring && best > 0.0 {
                    c.score / best
                } else {
                    0.0
                };
                let closeness = match (request.near, distance) {
                    (Some(near), Some(d)) => Some(1.0 - (d / near.miles) as f32),
                    _ => None,
                };
                let rank = match (scoring, closeness) {
                    (true, Some(close)) => 0.75 * relevance + 0.25 * close,
                    (true, None) => relevance,
                    (false, Some(close)) => close,
                    (false, None) => 0.0,
                };
                (rank, distance, c)
            })
            .collect();
        ranked.sort_by(|a, b| {
            b.0.total_cmp(&a.0)
                .then_with(|| a.1.unwrap_or(0.0).total_cmp(&b.1.unwrap_or(0.0)))
                .then_with(|| a.2.key_hash.cmp(&b.2.key_hash))
        });
        let total = ranked.len();
        let facets = Facets::count(ranked.iter().map(|(_, _, c)| c));
        let mut hits = Vec::new();
        for (rank, distance, c) in ranked.into_iter().skip(request.offset).take(request.limit) {
            let doc: TantivyDocument = searcher
                .doc(DocAddress::new(c.segment, c.doc))
                .map_err(|e| self.err(e))?;
            let text = |field| {
                doc.get_first(field)
                    .and_then(|v| v.as_str())
                    .map(str::to_owned)
            };
            hits.push(Hit {
                service_id: text(f.service_id).unwrap_or_default(),
                location_id: text(f.location_id),
                distance_miles: distance,
                score: rank,
            });
        }
        Ok(Hits {
            total,
            hits,
            terms,
            facets,
        })
    }
}
