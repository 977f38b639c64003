//! The directory as an HSDS 3.0 API: services, organizations, taxonomies,
//! taxonomy terms and services at locations, filtered and paged with the
//! parameters the HSDS API names.
//!
//! Filtering works on a catalogue kept in memory: for each listing, its
//! organization, taxonomy terms, when it last changed here, its locations and
//! the areas it covers. It is built from the store on first use and brought up
//! to date with the store's change log before each request, re-reading only the
//! listings that changed. A request selects the ids it matches from the
//! catalogue; the records themselves are read from the store one at a time
//! (a page, or a stream) and shaped by [`crate::export::hsds`], never all at
//! once. Text search goes to the index. Handlers parse the query
//! ([`HsdsQuery::parse`]) and call one function here.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, NaiveDate, SecondsFormat, TimeZone, Utc};
use serde::Serialize;
use serde_json::Value;

use super::{Directory, DirectoryError};
use crate::export::hsds::{self as shape, Taxonomy, Term};
use crate::index::SearchRequest;
use crate::model::{Coverage, Service};
use crate::store::StoreError;

/// Results per page when `per_page` is not given.
pub const DEFAULT_PER_PAGE: usize = 50;
/// The most results one page holds (more with `minimal`, which is small).
pub const MAX_PER_PAGE: usize = 1_000;
/// The most results one `minimal` page holds: the standard asks for all in one call.
pub const MAX_MINIMAL_PER_PAGE: usize = 100_000;
/// The largest `proximity` taken, in metres (about 310 miles).
const MAX_PROXIMITY_METRES: f64 = 500_000.0;
const METRES_PER_MILE: f64 = 1_609.344;

/// The HSDS list endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HsdsList {
    Services,
    Organizations,
    Taxonomies,
    TaxonomyTerms,
    ServiceAtLocations,
}

impl HsdsList {
    /// The query parameters this list takes, as the HSDS API names them.
    pub fn parameters(self) -> &'static [&'static str] {
        match self {
            HsdsList::Services => &[
                "search",
                "page",
                "per_page",
                "format",
                "taxonomy_term_id",
                "taxonomy_id",
                "organization_id",
                "modified_after",
                "minimal",
                "full",
            ],
            HsdsList::Organizations => &[
                "search",
                "page",
                "per_page",
                "format",
                "full_service",
                "full",
                "taxonomy_term_id",
                "taxonomy_id",
            ],
            HsdsList::Taxonomies => &["search", "page", "per_page", "format"],
            HsdsList::TaxonomyTerms => &[
                "search",
                "page",
                "per_page",
                "format",
                "taxonomy_id",
                "top_only",
                "parent_id",
            ],
            HsdsList::ServiceAtLocations => &[
                "search",
                "page",
                "per_page",
                "format",
                "taxonomy_term_id",
                "taxonomy_id",
                "organization_id",
                "modified_after",
                "full",
                "postcode",
                "proximity",
            ],
        }
    }

    /// The path of the list, for messages.
    fn path(self) -> &'static str {
        match self {
            HsdsList::Services => "/services",
            HsdsList::Organizations => "/organizations",
            HsdsList::Taxonomies => "/taxonomies",
            HsdsList::TaxonomyTerms => "/taxonomy_terms",
            HsdsList::ServiceAtLocations => "/service_at_locations",
        }
    }
}

/// A list request, checked. Every filter given must hold (they combine with AND).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HsdsQuery {
    pub search: Option<String>,
    /// 1-based.
    pub page: usize,
    pub per_page: usize,
    /// `format=ndjson`: every record, one per line, unpaginated.
    pub ndjson: bool,
    pub taxonomy_term_id: Option<String>,
    pub taxonomy_id: Option<String>,
    pub organization_id: Option<String>,
    pub modified_after: Option<DateTime<Utc>>,
    pub minimal: bool,
    pub full: bool,
    pub full_service: bool,
    pub top_only: bool,
    pub parent_id: Option<String>,
    /// A ZIP code (`postcode`), with its centroid and the areas it lies in.
    pub postcode: Option<Postcode>,
    /// Metres from the postcode's centroid.
    pub proximity: Option<f64>,
}

/// A `postcode` parameter, resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct Postcode {
    pub zip: String,
    /// Its centroid (latitude, longitude).
    pub centre: (f64, f64),
    /// The coverage terms of the places it lies in (`zip:…`, `county:…`, `state:…`, `national`).
    pub areas: Vec<String>,
}

/// What went wrong with an HSDS request.
#[derive(Debug, thiserror::Error)]
pub enum HsdsError {
    /// A parameter cannot be used; the message says which and how to fix it.
    #[error("{0}")]
    BadParameter(String),
    /// No record with that id.
    #[error("{0}")]
    NotFound(String),
    #[error(transparent)]
    Directory(#[from] DirectoryError),
}

impl From<StoreError> for HsdsError {
    fn from(e: StoreError) -> HsdsError {
        HsdsError::Directory(e.into())
    }
}

/// Reads a boolean parameter (`true`/`false`, `1`/`0`) as the API documents it.
pub fn parse_flag(name: &str, value: &str) -> Result<bool, HsdsError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" | "" => Ok(false),
        _ => Err(HsdsError::BadParameter(format!(
            "{name}={value:?} is not true or false"
        ))),
    }
}

/// Reads a positive whole number parameter.
fn positive(name: &str, value: &str) -> Result<usize, HsdsError> {
    match value.trim().parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(HsdsError::BadParameter(format!(
            "{name}={value:?} is not a whole number of 1 or more"
        ))),
    }
}

/// Reads `modified_after`: an RFC 3339 date-time (`2026-11-01T09:30:00Z`) or a
/// date (`2026-11-01`, meaning its start in UTC).
pub fn parse_modified_after(value: &str) -> Result<DateTime<Utc>, HsdsError> {
    let value = value.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(value) {
        return Ok(at.with_timezone(&Utc));
    }
    if let Ok(day) = NaiveDate::parse_from_str(value, "%Y-%m-%d")
        && let Some(start) = day.and_hms_opt(0, 0, 0)
    {
        return Ok(Utc.from_utc_datetime(&start));
    }
    Err(HsdsError::BadParameter(format!(
        "modified_after={value:?} is not a date-time; write it as 2026-11-01T09:30:00Z or 2026-11-01"
    )))
}

impl HsdsQuery {
    /// Checks a list request's parameters: only the ones `list` takes, each
    /// readable. Repeated parameters: the last wins.
    pub fn parse(
        list: HsdsList,
        pairs: &[(String, String)],
        directory: &Directory,
    ) -> Result<HsdsQuery, HsdsError> {
        let allowed = list.parameters();
        let mut query = HsdsQuery {
            page: 1,
            per_page: DEFAULT_PER_PAGE,
            ..HsdsQuery::default()
        };
        let mut per_page_given = None;
        let mut postcode = None;
        for (name, value) in pairs {
            if !allowed.contains(&name.as_str()) {
                return Err(HsdsError::BadParameter(format!(
                    "{} takes no parameter {name:?}; it takes: {}",
                    list.path(),
                    allowed.join(", ")
                )));
            }
            let text = || Some(value.trim().to_owned()).filter(|v| !v.is_empty());
            match name.as_str() {
                "search" => query.search = text(),
                "page" => query.page = positive(name, value)?,
                "per_page" => per_page_given = Some(positive(name, value)?),
                "format" => match value.trim() {
                    "ndjson" => query.ndjson = true,
                    "json" | "" => query.ndjson = false,
                    other => {
                        return Err(HsdsError::BadParameter(format!(
                            "format={other:?} is not a format this API writes; use json (the default, paged) or ndjson"
                        )));
                    }
                },
                "taxonomy_term_id" => query.taxonomy_term_id = text(),
                "taxonomy_id" => query.taxonomy_id = text(),
                "organization_id" => query.organization_id = text(),
                "modified_after" => query.modified_after = Some(parse_modified_after(value)?),
                "minimal" => query.minimal = parse_flag(name, value)?,
                "full" => query.full = parse_flag(name, value)?,
                "full_service" => query.full_service = parse_flag(name, value)?,
                "top_only" => query.top_only = parse_flag(name, value)?,
                "parent_id" => query.parent_id = text(),
                "postcode" => postcode = text(),
                "proximity" => {
                    let metres = value
                        .trim()
                        .parse::<f64>()
                        .ok()
                        .filter(|m| m.is_finite() && *m > 0.0 && *m <= MAX_PROXIMITY_METRES);
                    query.proximity = Some(metres.ok_or_else(|| {
                        HsdsError::BadParameter(format!(
                            "proximity={value:?} is not a distance in metres more than 0 and at most {MAX_PROXIMITY_METRES}"
                        ))
                    })?);
                }
                _ => {}
            }
        }
        if query.minimal && query.full {
            return Err(HsdsError::BadParameter(
                "minimal=true and full=true ask for opposite shapes; give one of them".into(),
            ));
        }
        let most = if query.minimal {
            MAX_MINIMAL_PER_PAGE
        } else {
            MAX_PER_PAGE
        };
        if let Some(per_page) = per_page_given {
            if per_page > most {
                return Err(HsdsError::BadParameter(format!(
                    "per_page={per_page} is more than the {most} a page holds; page through with page=2, 3, … or use format=ndjson for everything at once"
                )));
            }
            query.per_page = per_page;
        }
        if let Some(zip) = postcode {
            let place = directory.gazetteer().zip(&zip).ok_or_else(|| {
                HsdsError::BadParameter(format!(
                    "postcode={zip:?} is not a US ZIP code this directory knows; give five digits, such as 33157"
                ))
            })?;
            let mut areas = vec![format!("zip:{}", place.zip)];
            areas.extend(place.county_fips.as_ref().map(|c| format!("county:{c}")));
            if !place.state.is_empty() {
                areas.push(format!("state:{}", place.state));
            }
            areas.push("national".into());
            query.postcode = Some(Postcode {
                zip: place.zip.clone(),
                centre: (place.lat, place.lon),
                areas,
            });
        } else if query.proximity.is_some() {
            return Err(HsdsError::BadParameter(
                "proximity is a distance from a postcode; give postcode too".into(),
            ));
        }
        Ok(query)
    }
}

/// A page of a list, as the HSDS API shapes it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HsdsPage {
    pub total_items: u64,
    pub total_pages: u64,
    pub page_number: u64,
    pub size: u64,
    pub first_page: bool,
    pub last_page: bool,
    pub empty: bool,
    pub contents: Vec<Value>,
}

/// One record a list selected, before it is read.
#[derive(Debug, Clone, PartialEq)]
enum Key {
    Service(String),
    Organization(String),
    Taxonomy(Taxonomy),
    Term(Term),
    ServiceAtLocation { service: String, location: String },
}

/// The records a list request selected, in order, to be read a page at a time
/// or streamed ([`Directory::hsds_records`]).
#[derive(Debug, Clone)]
pub struct HsdsSelection {
    query: HsdsQuery,
    keys: Vec<Key>,
}

impl HsdsSelection {
    /// How many records were selected.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// True when nothing was selected.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// A location, as far as filtering needs it.
#[derive(Debug, Clone)]
struct CatalogLocation {
    id: String,
    point: Option<(f64, f64)>,
    zip: Option<String>,
}

/// A listing, as far as filtering needs it.
#[derive(Debug, Clone)]
struct Entry {
    organization: String,
    /// When it last changed here (milliseconds since 1970), or else its source's `last_modified`.
    modified: Option<i64>,
    /// Indexes into [`Catalog::terms`].
    terms: Vec<u32>,
    locations: Vec<CatalogLocation>,
    /// Coverage terms of its service areas (`zip:33157`, `county:12086`, `state:FL`, `national`).
    coverage: Vec<String>,
}

/// An organization, as far as filtering needs it.
#[derive(Debug, Clone, Default)]
struct OrganizationEntry {
    name: String,
    services: BTreeSet<String>,
}

/// The in-memory catalogue the lists filter on (see the module header).
#[derive(Debug, Default)]
pub(super) struct Catalog {
    /// The store's change-log sequence this catalogue covers.
    seq: u64,
    built: bool,
    services: BTreeMap<String, Entry>,
    organizations: BTreeMap<String, OrganizationEntry>,
    /// Every term seen (reference terms first), interned.
    terms: Vec<Term>,
    term_index: HashMap<String, u32>,
    /// How many listings carry each term.
    term_uses: Vec<u32>,
    /// How many of the terms are reference terms (always listed).
    reference_terms: usize,
}

impl Catalog {
    fn intern(&mut self, term: Term) -> u32 {
        if let Some(&i) = self.term_index.get(&term.id) {
            return i;
        }
        let i = self.terms.len() as u32;
        self.term_index.insert(term.id.clone(), i);
        self.terms.push(term);
        self.term_uses.push(0);
        i
    }

    fn remove(&mut self, id: &str) {
        if let Some(old) = self.services.remove(id) {
            for &t in &old.terms {
                if let Some(uses) = self.term_uses.get_mut(t as usize) {
                    *uses = uses.saturating_sub(1);
                }
            }
            if let Some(org) = self.organizations.get_mut(&old.organization) {
                org.services.remove(id);
                if org.services.is_empty() {
                    self.organizations.remove(&old.organization);
                }
            }
        }
    }

    fn insert(&mut self, service: &Service, changed_at: Option<i64>) {
        self.remove(&service.id);
        // Every term its HSDS record names: taxonomy terms and its attributes' tags.
        let mut terms: Vec<u32> = shape::service_terms(service)
            .into_iter()
            .chain(shape::attribute_terms(service))
            .map(|t| self.intern(t))
            .collect();
        terms.sort_unstable();
        terms.dedup();
        for &t in &terms {
            self.term_uses[t as usize] += 1;
        }
        let organization = self
            .organizations
            .entry(service.organization.id.clone())
            .or_default();
        organization.name = service.organization.name.clone();
        organization.services.insert(service.id.clone());
        let coverage = service
            .service_areas
            .iter()
            .flat_map(|a| a.coverage.iter().map(Coverage::term))
            .collect();
        let locations = service
            .locations
            .iter()
            .map(|l| CatalogLocation {
                id: l.id.clone(),
                point: l.point(),
                zip: l.address.as_ref().map(|a| a.postal_code.clone()),
            })
            .collect();
        let modified = changed_at.or_else(|| source_modified(service));
        self.services.insert(
            service.id.clone(),
            Entry {
                organization: service.organization.id.clone(),
                modified,
                terms,
                locations,
                coverage,
            },
        );
    }

    /// The term at `i` as listed: its parent only when the parent is listed too.
    fn listed_term(&self, i: u32) -> Term {
        let mut term = self.terms[i as usize].clone();
        if let Some(parent) = &term.parent_id
            && !self.term_index.get(parent).is_some_and(|&p| self.listed(p))
        {
            term.parent_id = None;
        }
        term
    }

    /// Whether the term at `i` is listed: a reference term, or one a listing carries.
    fn listed(&self, i: u32) -> bool {
        (i as usize) < self.reference_terms || self.term_uses[i as usize] > 0
    }
}

/// A source's `last_modified` as milliseconds, when it reads as a date or date-time.
fn source_modified(service: &Service) -> Option<i64> {
    let text = service.last_modified.as_deref()?.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Some(at.timestamp_millis());
    }
    let day = NaiveDate::parse_from_str(text.get(..10)?, "%Y-%m-%d").ok()?;
    Some(
        Utc.from_utc_datetime(&day.and_hms_opt(0, 0, 0)?)
            .timestamp_millis(),
    )
}

/// Milliseconds since 1970 as an RFC 3339 date-time with milliseconds.
fn rfc3339_millis(ms: i64) -> Option<String> {
    Utc.timestamp_millis_opt(ms)
        .single()
        .map(|at| at.to_rfc3339_opts(SecondsFormat::Millis, true))
}

/// Lower-cased words of a search, for matching names and codes.
fn words(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_lowercase).collect()
}

fn matches_words(words: &[String], haystacks: &[&str]) -> bool {
    let hay = haystacks.join(" ").to_lowercase();
    words.iter().all(|w| hay.contains(w.as_str()))
}

impl Directory {
    /// Brings the HSDS catalogue up to date with the store and runs `read` on it.
    fn with_catalog<T>(&self, read: impl FnOnce(&Catalog) -> T) -> Result<T, HsdsError> {
        let last = self.store.last_seq()?;
        let fresh = {
            let catalog = self.hsds.read().unwrap_or_else(|e| e.into_inner());
            catalog.built && catalog.seq == last
        };
        if !fresh {
            let mut catalog = self.hsds.write().unwrap_or_else(|e| e.into_inner());
            self.refresh_catalog(&mut catalog)?;
        }
        let catalog = self.hsds.read().unwrap_or_else(|e| e.into_inner());
        Ok(read(&catalog))
    }

    /// Builds the catalogue on first use (whole, then swapped in, so a failure
    /// leaves none), else re-reads the listings changed since it was last brought
    /// up to date. The store writes change-log entries in sequence order, so
    /// every change below the last sequence seen has been seen.
    fn refresh_catalog(&self, catalog: &mut Catalog) -> Result<(), HsdsError> {
        if !catalog.built {
            let started = std::time::Instant::now();
            let (times, last) = self.store.change_times(0)?;
            let mut fresh = Catalog::default();
            for term in shape::reference_terms() {
                fresh.intern(term);
            }
            fresh.reference_terms = fresh.terms.len();
            for service in self.store.services() {
                let service = service?;
                let at = times.get(&service.id).copied();
                fresh.insert(&service, at);
            }
            fresh.seq = last;
            fresh.built = true;
            tracing::info!(
                listings = fresh.services.len(),
                took_ms = started.elapsed().as_millis() as u64,
                "built the HSDS catalogue"
            );
            *catalog = fresh;
            return Ok(());
        }
        // Every entry since the last refresh carries its time, so the times name
        // every listing changed. A failure part way leaves `seq` where it was, and
        // the next refresh reads the same changes again.
        let (times, last) = self.store.change_times(catalog.seq)?;
        for (id, at) in times {
            match self.store.service(&id)? {
                Some(service) => catalog.insert(&service, Some(at)),
                None => catalog.remove(&id),
            }
        }
        catalog.seq = last;
        Ok(())
    }

    /// The listings a text search finds, best first (only active listings are searchable).
    fn hsds_search(&self, text: &str, limit: usize) -> Result<Vec<String>, HsdsError> {
        let request = SearchRequest {
            text: text.to_owned(),
            limit: limit.max(1),
            ..SearchRequest::default()
        };
        let hits = self.index_search(&request)?;
        Ok(hits.hits.into_iter().map(|h| h.service_id).collect())
    }

    /// Selects the records of a list request, in order: search relevance when
    /// `search` is given, else by id.
    pub fn hsds_select(
        &self,
        list: HsdsList,
        query: &HsdsQuery,
    ) -> Result<HsdsSelection, HsdsError> {
        let size = self.listing_count().max(1);
        let found: Option<Vec<String>> = match (&query.search, list) {
            (
                Some(text),
                HsdsList::Services | HsdsList::Organizations | HsdsList::ServiceAtLocations,
            ) => Some(self.hsds_search(text, size)?),
            _ => None,
        };
        let keys =
            self.with_catalog(|catalog| select(catalog, list, query, found.as_deref()))??;
        Ok(HsdsSelection {
            query: query.clone(),
            keys,
        })
    }

    /// One page of a list request.
    pub fn hsds_page(&self, list: HsdsList, query: &HsdsQuery) -> Result<HsdsPage, HsdsError> {
        let selection = self.hsds_select(list, query)?;
        let total = selection.keys.len() as u64;
        let per_page = query.per_page.max(1) as u64;
        let total_pages = total.div_ceil(per_page);
        let page = query.page.max(1) as u64;
        let start = (page - 1)
            .checked_mul(per_page)
            .map_or(total, |start| start.min(total)) as usize;
        let end = (start + per_page as usize).min(selection.keys.len());
        let mut contents = Vec::with_capacity(end - start);
        for key in &selection.keys[start..end] {
            if let Some(record) = self.hsds_record(&selection, key)? {
                contents.push(record);
            }
        }
        Ok(HsdsPage {
            total_items: total,
            total_pages,
            page_number: page,
            size: contents.len() as u64,
            first_page: page == 1,
            last_page: page >= total_pages,
            empty: contents.is_empty(),
            contents,
        })
    }

    /// Every record of a selection, read one at a time (for `format=ndjson`).
    pub fn hsds_records<'a>(
        &'a self,
        selection: &'a HsdsSelection,
    ) -> impl Iterator<Item = Result<Value, HsdsError>> + 'a {
        selection
            .keys
            .iter()
            .filter_map(move |key| self.hsds_record(selection, key).transpose())
    }

    /// The modified time the catalogue holds for a listing.
    fn hsds_modified(&self, id: &str) -> Option<i64> {
        let catalog = self.hsds.read().unwrap_or_else(|e| e.into_inner());
        catalog.services.get(id).and_then(|e| e.modified)
    }

    /// A listing's full HSDS record, its `last_modified` being when it last changed here.
    fn hsds_service_full(&self, service: &Service) -> Value {
        let mut record = shape::service_full(service);
        self.stamp(service, &mut record);
        record
    }

    /// Writes when the listing last changed here as its `last_modified`.
    fn stamp(&self, service: &Service, record: &mut Value) {
        if let (Some(at), Some(object)) = (
            self.hsds_modified(&service.id).and_then(rfc3339_millis),
            record.as_object_mut(),
        ) {
            object.insert("last_modified".into(), Value::String(at));
        }
    }

    fn hsds_record(
        &self,
        selection: &HsdsSelection,
        key: &Key,
    ) -> Result<Option<Value>, HsdsError> {
        let query = &selection.query;
        Ok(match key {
            // The catalogue has all `minimal` shows: no record to read.
            Key::Service(id) if query.minimal => {
                let modified = self.hsds_modified(id).and_then(rfc3339_millis);
                Some(serde_json::json!({ "id": id, "last_modified": modified }))
            }
            Key::Service(id) => self.store.service(id)?.map(|service| {
                if query.full {
                    self.hsds_service_full(&service)
                } else {
                    let mut record = shape::service_minimal(&service);
                    self.stamp(&service, &mut record);
                    record
                }
            }),
            Key::Organization(id) => {
                self.hsds_organization_record(id, query.full, query.full_service)?
            }
            Key::Taxonomy(taxonomy) => Some(taxonomy.to_json()),
            Key::Term(term) => Some(term.to_json()),
            Key::ServiceAtLocation { service, location } => {
                self.store.service(service)?.and_then(|service| {
                    let location = service.location(location)?;
                    Some(shape::service_at_location(&service, location, query.full))
                })
            }
        })
    }

    /// An organization with its services: ids and names, or (`full_service`)
    /// each fully nested. `full` without `full_service` gives each service's
    /// one-to-one fields.
    fn hsds_organization_record(
        &self,
        id: &str,
        full: bool,
        full_service: bool,
    ) -> Result<Option<Value>, HsdsError> {
        let Some(organization) = self.store.organization(id)? else {
            return Ok(None);
        };
        let service_ids: Vec<String> = self.with_catalog(|c| {
            c.organizations
                .get(id)
                .map(|o| o.services.iter().cloned().collect())
                .unwrap_or_default()
        })?;
        let mut record = shape::organization(&organization);
        if full || full_service {
            let mut services = Vec::with_capacity(service_ids.len());
            for service_id in &service_ids {
                if let Some(service) = self.store.service(service_id)? {
                    services.push(if full_service {
                        self.hsds_service_full(&service)
                    } else {
                        let mut record = shape::service_minimal(&service);
                        self.stamp(&service, &mut record);
                        record
                    });
                }
            }
            if let Some(object) = record.as_object_mut() {
                object.insert("services".into(), Value::Array(services));
            }
        }
        Ok(Some(record))
    }

    /// `GET /services/{id}`: the listing fully nested.
    pub fn hsds_service(&self, id: &str) -> Result<Value, HsdsError> {
        let service = self
            .store
            .service(id)?
            .ok_or_else(|| HsdsError::NotFound(format!("no service with id {id:?}")))?;
        // The catalogue holds when it changed; make sure it is current.
        self.with_catalog(|_| ())?;
        Ok(self.hsds_service_full(&service))
    }

    /// `GET /organizations/{id}`: the organization with its services (ids and
    /// names, or fully nested with `full_service`).
    pub fn hsds_organization(&self, id: &str, full_service: bool) -> Result<Value, HsdsError> {
        self.hsds_organization_record(id, true, full_service)?
            .ok_or_else(|| HsdsError::NotFound(format!("no organization with id {id:?}")))
    }

    /// `GET /taxonomies/{id}`.
    pub fn hsds_taxonomy(&self, id: &str) -> Result<Value, HsdsError> {
        self.with_catalog(|c| {
            taxonomies(c)
                .into_iter()
                .find(|t| t.id == id)
                .map(|t| t.to_json())
        })?
        .ok_or_else(|| HsdsError::NotFound(format!("no taxonomy with id {id:?}")))
    }

    /// `GET /taxonomy_terms/{id}`.
    pub fn hsds_taxonomy_term(&self, id: &str) -> Result<Value, HsdsError> {
        self.with_catalog(|c| {
            c.term_index
                .get(id)
                .filter(|&&i| c.listed(i))
                .map(|&i| c.listed_term(i).to_json())
        })?
        .ok_or_else(|| HsdsError::NotFound(format!("no taxonomy term with id {id:?}")))
    }

    /// `GET /service_at_locations/{id}`: the service at that location, fully nested.
    pub fn hsds_service_at_location(&self, id: &str) -> Result<Value, HsdsError> {
        let pair = self.with_catalog(|c| {
            c.services.iter().find_map(|(service, entry)| {
                entry
                    .locations
                    .iter()
                    .find(|l| shape::service_at_location_id(service, &l.id) == id)
                    .map(|l| (service.clone(), l.id.clone()))
            })
        })?;
        let not_found = || HsdsError::NotFound(format!("no service_at_location with id {id:?}"));
        let (service_id, location_id) = pair.ok_or_else(not_found)?;
        let service = self.store.service(&service_id)?.ok_or_else(not_found)?;
        let location = service.location(&location_id).ok_or_else(not_found)?;
        Ok(shape::service_at_location(&service, location, true))
    }
}

/// The taxonomies of the listed terms, by name.
fn taxonomies(catalog: &Catalog) -> Vec<Taxonomy> {
    let names: BTreeSet<&str> = (0..catalog.terms.len() as u32)
        .filter(|&i| catalog.listed(i))
        .map(|i| catalog.terms[i as usize].taxonomy.as_str())
        .collect();
    let mut all: Vec<Taxonomy> = names.into_iter().map(Taxonomy::named).collect();
    all.sort_by(|a, b| a.id.cmp(&b.id));
    all
}

/// Whether a listing passes the filters every list shares.
fn entry_passes(catalog: &Catalog, entry: &Entry, query: &HsdsQuery) -> bool {
    if let Some(org) = &query.organization_id
        && &entry.organization != org
    {
        return false;
    }
    if let Some(term) = &query.taxonomy_term_id {
        let Some(&t) = catalog.term_index.get(term) else {
            return false;
        };
        if !entry.terms.contains(&t) {
            return false;
        }
    }
    if let Some(taxonomy) = &query.taxonomy_id
        && !entry
            .terms
            .iter()
            .any(|&t| &catalog.terms[t as usize].taxonomy_id == taxonomy)
    {
        return false;
    }
    if let Some(after) = query.modified_after
        && entry.modified.is_none_or(|m| m < after.timestamp_millis())
    {
        return false;
    }
    true
}

/// The locations of one listing that a `postcode` keeps: with `proximity`,
/// those within that many metres of the postcode's centre; without, all of
/// them when the listing's service area covers the postcode (its ZIP, county,
/// state or the whole country), else those located in it.
fn located_here<'a>(
    entry: &'a Entry,
    query: &'a HsdsQuery,
) -> Box<dyn Iterator<Item = &'a CatalogLocation> + 'a> {
    let Some(postcode) = &query.postcode else {
        return Box::new(entry.locations.iter());
    };
    if let Some(metres) = query.proximity {
        return Box::new(entry.locations.iter().filter(move |l| {
            l.point.is_some_and(|p| {
                crate::geo::distance_miles(postcode.centre, p) * METRES_PER_MILE <= metres
            })
        }));
    }
    let serves = entry
        .coverage
        .iter()
        .any(|c| postcode.areas.iter().any(|a| a == c));
    Box::new(
        entry
            .locations
            .iter()
            .filter(move |l| serves || l.zip.as_deref() == Some(postcode.zip.as_str())),
    )
}

/// Selects the keys of a list request from the catalogue.
fn select(
    catalog: &Catalog,
    list: HsdsList,
    query: &HsdsQuery,
    found: Option<&[String]>,
) -> Result<Vec<Key>, HsdsError> {
    // The listings in order: search relevance, or id.
    let ordered: Vec<(&String, &Entry)> = match found {
        Some(ids) => ids
            .iter()
            .filter_map(|id| catalog.services.get_key_value(id))
            .collect(),
        None => catalog.services.iter().collect(),
    };
    let passing = || {
        ordered
            .iter()
            .copied()
            .filter(|(_, e)| entry_passes(catalog, e, query))
    };
    Ok(match list {
        HsdsList::Services => passing().map(|(id, _)| Key::Service(id.clone())).collect(),
        HsdsList::ServiceAtLocations => passing()
            .flat_map(|(id, entry)| {
                located_here(entry, query).map(move |l| Key::ServiceAtLocation {
                    service: id.clone(),
                    location: l.id.clone(),
                })
            })
            .collect(),
        HsdsList::Organizations => {
            let filtered = query.taxonomy_term_id.is_some() || query.taxonomy_id.is_some();
            let mut seen = BTreeSet::new();
            let mut keys = Vec::new();
            if found.is_some() || filtered {
                for (_, entry) in passing() {
                    if seen.insert(entry.organization.clone()) {
                        keys.push(Key::Organization(entry.organization.clone()));
                    }
                }
            }
            if found.is_none() && !filtered {
                keys.extend(
                    catalog
                        .organizations
                        .keys()
                        .map(|id| Key::Organization(id.clone())),
                );
            } else if let Some(text) = &query.search
                && !filtered
            {
                // Organizations found by name, after those running a service the search found.
                let words = words(text);
                for (id, org) in &catalog.organizations {
                    if matches_words(&words, &[&org.name]) && seen.insert(id.clone()) {
                        keys.push(Key::Organization(id.clone()));
                    }
                }
            }
            keys
        }
        HsdsList::Taxonomies => {
            let words = query.search.as_deref().map(words).unwrap_or_default();
            taxonomies(catalog)
                .into_iter()
                .filter(|t| matches_words(&words, &[&t.name, &t.description]))
                .map(Key::Taxonomy)
                .collect()
        }
        HsdsList::TaxonomyTerms => {
            let words = query.search.as_deref().map(words).unwrap_or_default();
            let mut terms: Vec<Term> = (0..catalog.terms.len() as u32)
                .filter(|&i| catalog.listed(i))
                .map(|i| catalog.listed_term(i))
                .filter(|t| {
                    query
                        .taxonomy_id
                        .as_ref()
                        .is_none_or(|x| &t.taxonomy_id == x)
                })
                .filter(|t| {
                    query
                        .parent_id
                        .as_ref()
                        .is_none_or(|p| t.parent_id.as_ref() == Some(p))
                })
                .filter(|t| !query.top_only || t.parent_id.is_none())
                .filter(|t| matches_words(&words, &[&t.name, &t.code]))
                .collect();
            terms.sort_by(|a, b| (&a.taxonomy, &a.code).cmp(&(&b.taxonomy, &b.code)));
            terms.into_iter().map(Key::Term).collect()
        }
    })
}
