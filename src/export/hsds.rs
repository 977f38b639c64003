//! Hearth listings as Open Referral HSDS 3.0: the JSON objects of the HSDS API
//! (`service_full`, organization, service_at_location, taxonomy and term), and
//! the files of an export (NDJSON of full services, and the tabular data
//! package, in [`package`]).
//!
//! This module owns the shape of what is published and its ids; reading the
//! store and serving pages are left to `directory`, `web` and `cli`.
//!
//! # Ids
//!
//! Services, organizations and locations keep their Hearth ids (UUIDs already).
//! Every other object gets a UUID v5 derived from its parent's id, its kind and
//! its position (or its code, for taxonomies and terms), so exporting the same
//! listings twice gives the same ids.
//!
//! # What is and is not published
//!
//! - A location placed only approximately (at its ZIP code's centre) has no
//!   latitude or longitude: a point we publish must be the place itself.
//! - An address missing a field HSDS requires (street, city, state, postal code,
//!   country) is left out: HSDS consumers, Hearth's own importer among them,
//!   reject the whole service for it. The location stays, with its point.
//! - Hearth's categories and SDOH needs are taxonomy terms of their own
//!   (taxonomies `hearth-category` and `sdoh-need`) linked by attributes, beside
//!   the source's own terms; Hearth's tagged facts (`Attribute`) are attributes
//!   with `link_type` = the tag and a term of taxonomy `hearth-attribute` named
//!   after it (the tabular format requires every attribute to name a term);
//!   `required_document` facts are `required_documents`; the note about a
//!   listing's source is an attribute tagged `source_note`.
//! - A service area's resolved coverage is written as its `extent`, with
//!   `extent_type` `text`: `;`-separated terms (`national`, `state:FL`,
//!   `county:12086`, `zip:33157`), which Hearth's importer reads back as they are.

pub mod package;

#[cfg(test)]
mod tests;

use std::sync::OnceLock;

use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::import::CategoryMap;
use crate::model::{
    Category, Location, LocationType, Need, Organization, Phone, Schedule, Service,
};

pub use package::{
    ExportError, ExportSummary, TABLES, TableSpec, export_csv_package, export_ndjson,
    write_csv_package, write_ndjson,
};

/// The HSDS version Hearth publishes.
pub const VERSION: &str = "3.0";

/// The taxonomy of Hearth's readable categories (`food`, `mental-health`).
pub const CATEGORY_TAXONOMY: &str = "hearth-category";
/// The taxonomy of Gravity Project SDOH domains (`food-insecurity`).
pub const NEED_TAXONOMY: &str = "sdoh-need";
/// The taxonomy of the tags of Hearth's attributes (`accepts`, `source_note`):
/// HSDS's tabular format requires every attribute to name a term.
pub const ATTRIBUTE_TAXONOMY: &str = "hearth-attribute";
/// The attribute tag of required documents (published as `required_documents`).
pub const REQUIRED_DOCUMENT: &str = "required_document";
/// The attribute tag that carries [`Service::source_note`].
pub const SOURCE_NOTE: &str = "source_note";

/// Namespace of the UUID v5 ids given to exported HSDS objects ("hearth-hsds-v3").
const HSDS_ID_NAMESPACE: Uuid = Uuid::from_u128(0x6865_6172_7468_2d68_7364_732d_7633_0001);

/// A deterministic id for a `kind` of object that belongs to `parent`, told apart by `key`.
pub(crate) fn child_id(parent: &str, kind: &str, key: &str) -> String {
    let name = format!("{kind}\u{1f}{parent}\u{1f}{key}");
    Uuid::new_v5(&HSDS_ID_NAMESPACE, name.as_bytes()).to_string()
}

/// The id of the service_at_location linking `service_id` and `location_id`.
pub fn service_at_location_id(service_id: &str, location_id: &str) -> String {
    child_id(service_id, "service_at_location", location_id)
}

/// The id of the taxonomy called `name` (`airs`, `hearth-category`, a dataset's name).
pub fn taxonomy_id(name: &str) -> String {
    child_id("", "taxonomy", name)
}

/// The id of the term `code` of the taxonomy called `taxonomy`.
pub fn term_id(taxonomy: &str, code: &str) -> String {
    child_id(taxonomy, "taxonomy_term", code)
}

/// An HSDS `taxonomy`: a named vocabulary of terms.
#[derive(Debug, Clone, PartialEq)]
pub struct Taxonomy {
    pub id: String,
    pub name: String,
    pub description: String,
    pub uri: Option<String>,
    pub version: Option<String>,
}

impl Taxonomy {
    /// The taxonomy Hearth calls `name`, described: AIRS, Open Eligibility,
    /// Hearth's categories, SDOH needs, or a dataset's own labels.
    pub fn named(name: &str) -> Taxonomy {
        let (description, uri) = match name {
            "airs" => (
                "211 HSIS Taxonomy (formerly AIRS/211 LA County Taxonomy)".to_owned(),
                Some("https://211taxonomy.org"),
            ),
            "open-eligibility" => (
                "Open Eligibility taxonomy of human services".to_owned(),
                Some("https://github.com/auntbertha/openeligibility"),
            ),
            CATEGORY_TAXONOMY => ("Hearth's readable top-level categories".to_owned(), None),
            ATTRIBUTE_TAXONOMY => (
                "What a Hearth attribute says (its tag); the attribute's value says the rest"
                    .to_owned(),
                None,
            ),
            NEED_TAXONOMY => (
                "Gravity Project SDOH domains (HL7 SDOH Clinical Care temporary codes)".to_owned(),
                Some(crate::export::fhir::SDOHCC_TEMPORARY_CODES),
            ),
            other => (format!("The {other} dataset's own labels"), None),
        };
        Taxonomy {
            id: taxonomy_id(name),
            name: name.to_owned(),
            description,
            uri: uri.map(str::to_owned),
            version: None,
        }
    }

    /// The HSDS `taxonomy` object.
    pub fn to_json(&self) -> Value {
        let mut obj = Map::new();
        put(&mut obj, "id", Some(self.id.as_str()));
        put(&mut obj, "name", Some(self.name.as_str()));
        put(&mut obj, "description", Some(self.description.as_str()));
        put(&mut obj, "uri", self.uri.as_deref());
        put(&mut obj, "version", self.version.as_deref());
        Value::Object(obj)
    }
}

/// An HSDS `taxonomy_term`.
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    pub id: String,
    pub code: String,
    pub name: String,
    pub description: Option<String>,
    /// The id of the term's parent, where the code's structure names one.
    pub parent_id: Option<String>,
    /// The taxonomy's name (`airs`, `open-eligibility`, `hearth-category`, ...).
    pub taxonomy: String,
    pub taxonomy_id: String,
}

impl Term {
    /// The term `code` of `taxonomy`, with its id, its taxonomy's id and its parent's id.
    pub fn new(taxonomy: &str, code: &str, name: &str) -> Term {
        Term {
            id: term_id(taxonomy, code),
            code: code.to_owned(),
            name: name.to_owned(),
            description: None,
            parent_id: parent_code(taxonomy, code).map(|parent| term_id(taxonomy, &parent)),
            taxonomy: taxonomy.to_owned(),
            taxonomy_id: taxonomy_id(taxonomy),
        }
    }

    /// The HSDS `taxonomy_term` object, with its taxonomy as `taxonomy_detail`.
    /// `description` is required by HSDS: the term's own, else its name (which is
    /// all Hearth knows of a source's term).
    pub fn to_json(&self) -> Value {
        let mut obj = Map::new();
        put(&mut obj, "id", Some(self.id.as_str()));
        put(&mut obj, "code", Some(self.code.as_str()));
        put(&mut obj, "name", Some(self.name.as_str()));
        put(
            &mut obj,
            "description",
            Some(self.description.as_deref().unwrap_or(&self.name)),
        );
        put(&mut obj, "parent_id", self.parent_id.as_deref());
        put(&mut obj, "taxonomy", Some(self.taxonomy.as_str()));
        put(&mut obj, "taxonomy_id", Some(self.taxonomy_id.as_str()));
        obj.insert(
            "taxonomy_detail".into(),
            Taxonomy::named(&self.taxonomy).to_json(),
        );
        Value::Object(obj)
    }
}

/// The bundled Open Eligibility tree: (id, title, parent id), parents first.
fn open_eligibility() -> &'static [(String, String, Option<String>)] {
    static TREE: OnceLock<Vec<(String, String, Option<String>)>> = OnceLock::new();
    TREE.get_or_init(|| match CategoryMap::open_eligibility_tree() {
        Ok(tree) => tree,
        // Compiled in and checked by the import tests: this is a build defect.
        Err(error) => {
            tracing::error!(%error, "the bundled Open Eligibility taxonomy is unreadable");
            Vec::new()
        }
    })
}

/// The code of the parent of `code`, where its taxonomy's code structure names
/// one (the ancestor rule of `crate::index::taxonomy_terms`): AIRS `BD-1800.2000`
/// → `BD-1800` → `BD` → `B`; Open Eligibility `101-02-01` → `101-02` → `101`,
/// except where the bundled tree places a term elsewhere (`104-05-01` is under
/// `104-04`). A dataset's own labels have no structure, so no parent.
fn parent_code(taxonomy: &str, code: &str) -> Option<String> {
    if taxonomy == "open-eligibility"
        && let Some((_, _, parent)) = open_eligibility().iter().find(|(id, _, _)| id == code)
    {
        return parent.clone();
    }
    if taxonomy != "airs" && taxonomy != "open-eligibility" {
        return None;
    }
    let cut = code
        .char_indices()
        .rev()
        .find(|&(i, c)| i > 0 && (c == '.' || c == '-'))
        .map(|(i, _)| i);
    match cut {
        Some(i) => code.get(..i).map(str::to_owned),
        None if taxonomy == "airs"
            && code.len() == 2
            && code.chars().all(|c| c.is_ascii_alphabetic()) =>
        {
            code.get(..1).map(str::to_owned)
        }
        None => None,
    }
}

/// The display name of an SDOH domain code ("Food Insecurity"), else the code.
fn need_name(need: &Need) -> String {
    crate::export::fhir::domain_display(need.code())
        .unwrap_or(need.code())
        .to_owned()
}

fn category_term(category: Category) -> Term {
    Term::new(CATEGORY_TAXONOMY, category.slug(), category.label())
}

fn need_term(need: &Need) -> Term {
    Term::new(NEED_TAXONOMY, need.code(), &need_name(need))
}

/// Every term attached to the service: its source taxonomy terms, then its
/// Hearth categories (`hearth-category`) and SDOH needs (`sdoh-need`).
pub fn service_terms(service: &Service) -> Vec<Term> {
    let mut terms: Vec<Term> = service
        .taxonomy_terms
        .iter()
        .map(|t| Term::new(&t.taxonomy, &t.code, &t.name))
        .collect();
    terms.extend(service.categories.iter().map(|c| category_term(*c)));
    terms.extend(service.needs.iter().map(need_term));
    terms
}

/// The terms of the tags of the service's attributes (taxonomy
/// `hearth-attribute`, code and name = the tag), one per tag, which its HSDS
/// attributes name (required documents and the source note included only as
/// they are published: the note as an attribute, documents in their own table).
pub fn attribute_terms(service: &Service) -> Vec<Term> {
    let mut tags: Vec<&str> = service
        .attributes
        .iter()
        .map(|a| a.tag.as_str())
        .filter(|t| *t != REQUIRED_DOCUMENT)
        .chain(service.source_note.as_ref().map(|_| SOURCE_NOTE))
        .collect();
    let mut seen = std::collections::HashSet::new();
    tags.retain(|t| seen.insert(*t));
    tags.into_iter().map(attribute_term).collect()
}

fn attribute_term(tag: &str) -> Term {
    Term::new(ATTRIBUTE_TAXONOMY, tag, tag)
}

/// Terms Hearth knows without any listing: the whole Open Eligibility tree,
/// every Hearth category and every SDOH need (built once, then shared).
pub fn reference_terms() -> Vec<Term> {
    static TERMS: OnceLock<Vec<Term>> = OnceLock::new();
    TERMS
        .get_or_init(|| {
            let mut terms: Vec<Term> = open_eligibility()
                .iter()
                .map(|(id, title, parent)| Term {
                    parent_id: parent.as_deref().map(|p| term_id("open-eligibility", p)),
                    ..Term::new("open-eligibility", id, title)
                })
                .collect();
            terms.extend(Category::ALL.into_iter().map(category_term));
            terms.extend(
                Need::CODES
                    .iter()
                    .filter_map(|code| Need::parse(code))
                    .map(|n| need_term(&n)),
            );
            terms
        })
        .clone()
}

// ---------------------------------------------------------------------------
// JSON objects
// ---------------------------------------------------------------------------

/// Inserts `key` when there is a value (HSDS leaves absent fields out).
fn put(obj: &mut Map<String, Value>, key: &str, value: Option<&str>) {
    if let Some(value) = value {
        obj.insert(key.to_owned(), Value::String(value.to_owned()));
    }
}

/// A field HSDS types as a number, kept as text where a number would not give
/// back the same text (`"01"`, `"America/New_York"`).
fn put_number_or_text(obj: &mut Map<String, Value>, key: &str, value: Option<&str>) {
    let Some(text) = value else {
        return;
    };
    let number = text
        .parse::<i64>()
        .ok()
        .filter(|n| n.to_string() == text)
        .map(Value::from)
        .or_else(|| {
            text.parse::<f64>()
                .ok()
                .filter(|n| n.is_finite() && n.to_string() == text)
                .and_then(|n| serde_json::Number::from_f64(n).map(Value::Number))
        });
    obj.insert(
        key.to_owned(),
        number.unwrap_or_else(|| Value::String(text.to_owned())),
    );
}

/// The organization's own fields. `description` is required by HSDS: the
/// stored one, else an empty string.
pub fn organization(org: &Organization) -> Value {
    let mut obj = Map::new();
    put(&mut obj, "id", Some(org.id.as_str()));
    put(&mut obj, "name", Some(org.name.as_str()));
    put(&mut obj, "alternate_name", org.alternate_name.as_deref());
    put(
        &mut obj,
        "description",
        Some(org.description.as_deref().unwrap_or("")),
    );
    put(&mut obj, "email", org.email.as_deref());
    put(&mut obj, "website", org.website.as_deref());
    Value::Object(obj)
}

/// The service's one-to-one fields only, no arrays.
pub fn service_minimal(service: &Service) -> Value {
    let mut obj = Map::new();
    put(&mut obj, "id", Some(service.id.as_str()));
    put(
        &mut obj,
        "organization_id",
        Some(service.organization.id.as_str()),
    );
    put(&mut obj, "name", Some(service.name.as_str()));
    put(
        &mut obj,
        "alternate_name",
        service.alternate_name.as_deref(),
    );
    put(&mut obj, "description", service.description.as_deref());
    put(&mut obj, "url", service.url.as_deref());
    put(&mut obj, "email", service.email.as_deref());
    put(&mut obj, "status", Some(service.status.as_str()));
    put(
        &mut obj,
        "interpretation_services",
        service.interpretation_services.as_deref(),
    );
    put(
        &mut obj,
        "application_process",
        service.application_process.as_deref(),
    );
    put(
        &mut obj,
        "fees_description",
        service.fees_description.as_deref(),
    );
    put(&mut obj, "wait_time", service.wait_time.as_deref());
    put(
        &mut obj,
        "eligibility_description",
        service.eligibility_description.as_deref(),
    );
    for (key, age) in [
        ("minimum_age", service.minimum_age),
        ("maximum_age", service.maximum_age),
    ] {
        if let Some(age) = age {
            obj.insert(key.into(), Value::from(age));
        }
    }
    put(&mut obj, "assured_date", service.assured_date.as_deref());
    put(&mut obj, "alert", service.alert.as_deref());
    put(&mut obj, "last_modified", service.last_modified.as_deref());
    Value::Object(obj)
}

/// Who a phone or schedule belongs to, as its HSDS foreign key.
#[derive(Clone, Copy)]
enum Owner<'a> {
    Service(&'a str),
    Location(&'a str),
}

impl Owner<'_> {
    fn id(self) -> &'static str {
        match self {
            Owner::Service(_) => "service_id",
            Owner::Location(_) => "location_id",
        }
    }

    fn value(self) -> &'static str {
        match self {
            Owner::Service(_) => "service",
            Owner::Location(_) => "location",
        }
    }

    fn parent(&self) -> &str {
        match self {
            Owner::Service(id) | Owner::Location(id) => id,
        }
    }

    fn link(self, obj: &mut Map<String, Value>) {
        put(obj, self.id(), Some(self.parent()));
    }
}

/// A new object of `kind` (the `i`-th of its owner's), with its id and its owner's id.
fn owned(owner: Owner<'_>, kind: &str, i: usize) -> Map<String, Value> {
    let mut obj = Map::new();
    put(
        &mut obj,
        "id",
        Some(&child_id(
            owner.parent(),
            &format!("{}.{kind}", owner.value()),
            &i.to_string(),
        )),
    );
    owner.link(&mut obj);
    obj
}

fn phone(owner: Owner<'_>, i: usize, p: &Phone) -> Value {
    let mut obj = owned(owner, "phone", i);
    put(&mut obj, "number", Some(p.number.as_str()));
    put_number_or_text(&mut obj, "extension", p.extension.as_deref());
    put(&mut obj, "type", p.kind.as_deref());
    put(&mut obj, "description", p.description.as_deref());
    Value::Object(obj)
}

fn schedule(owner: Owner<'_>, i: usize, s: &Schedule) -> Value {
    let mut obj = owned(owner, "schedule", i);
    put(&mut obj, "valid_from", s.valid_from.as_deref());
    put(&mut obj, "valid_to", s.valid_to.as_deref());
    put(&mut obj, "dtstart", s.dtstart.as_deref());
    put_number_or_text(&mut obj, "timezone", s.timezone.as_deref());
    put(&mut obj, "until", s.until.as_deref());
    put(&mut obj, "freq", s.freq.as_deref());
    put_number_or_text(&mut obj, "interval", s.interval.as_deref());
    put(&mut obj, "byday", s.byday.as_deref());
    put(&mut obj, "description", s.description.as_deref());
    put(&mut obj, "opens_at", s.opens_at.as_deref());
    put(&mut obj, "closes_at", s.closes_at.as_deref());
    Value::Object(obj)
}

fn location_type(kind: LocationType) -> &'static str {
    match kind {
        LocationType::Physical => "physical",
        LocationType::Postal => "postal",
        LocationType::Virtual => "virtual",
    }
}

/// Whether an address has every field HSDS asks for (street, city, state,
/// postal code, country). Many real ones lack one (no ZIP in a source list);
/// they are published as they are, since the rest still helps a client get
/// there, and `hearth validate` warns about them.
pub fn complete_address(address: &crate::model::Address) -> bool {
    [
        &address.address_1,
        &address.city,
        &address.state_province,
        &address.postal_code,
        &address.country,
    ]
    .iter()
    .all(|f| !f.trim().is_empty())
}

/// How many of the service's locations have an address missing a field HSDS asks for.
pub(crate) fn incomplete_addresses(service: &Service) -> u64 {
    service
        .locations
        .iter()
        .filter(|l| l.address.as_ref().is_some_and(|a| !complete_address(a)))
        .count() as u64
}

/// The full HSDS `location` object for `location`, published under `id`
/// (its own id, unless a package gives a differing copy an id of its own).
pub(crate) fn location_as(location: &Location, id: &str, organization_id: &str) -> Value {
    let mut obj = Map::new();
    put(&mut obj, "id", Some(id));
    put(
        &mut obj,
        "location_type",
        Some(location_type(location.location_type)),
    );
    put(&mut obj, "organization_id", Some(organization_id));
    put(&mut obj, "name", location.name.as_deref());
    put(&mut obj, "description", location.description.as_deref());
    put(
        &mut obj,
        "transportation",
        location.transportation.as_deref(),
    );
    // A ZIP centroid is not where the place is: publish no point rather than a wrong one.
    if !location.approximate
        && let Some((lat, lon)) = location.point()
    {
        obj.insert("latitude".into(), json!(lat));
        obj.insert("longitude".into(), json!(lon));
    }
    let owner = Owner::Location(id);
    let addresses: Vec<Value> = location
        .address
        .iter()
        .map(|a| {
            let mut addr = Map::new();
            put(&mut addr, "id", Some(&child_id(id, "address", "0")));
            put(&mut addr, "location_id", Some(id));
            put(&mut addr, "address_1", Some(a.address_1.as_str()));
            put(&mut addr, "address_2", a.address_2.as_deref());
            put(&mut addr, "city", Some(a.city.as_str()));
            put(&mut addr, "region", a.region.as_deref());
            put(&mut addr, "state_province", Some(a.state_province.as_str()));
            put(&mut addr, "postal_code", Some(a.postal_code.as_str()));
            put(&mut addr, "country", Some(a.country.as_str()));
            let kind = match location.location_type {
                LocationType::Postal => "postal",
                LocationType::Physical | LocationType::Virtual => "physical",
            };
            put(&mut addr, "address_type", Some(kind));
            Value::Object(addr)
        })
        .collect();
    obj.insert("addresses".into(), Value::Array(addresses));
    let phones = location.phones.iter().enumerate();
    obj.insert(
        "phones".into(),
        phones.map(|(i, p)| phone(owner, i, p)).collect(),
    );
    let schedules = location.schedules.iter().enumerate();
    obj.insert(
        "schedules".into(),
        schedules.map(|(i, s)| schedule(owner, i, s)).collect(),
    );
    let accessibility = location.accessibility.iter().enumerate().map(|(i, text)| {
        json!({
            "id": child_id(id, "accessibility", &i.to_string()),
            "location_id": id,
            "description": text,
        })
    });
    obj.insert("accessibility".into(), accessibility.collect());
    Value::Object(obj)
}

/// One service_at_location: its id, service_id, location_id and nested
/// `location`; with `full`, also the nested `service` (without its service_at_locations).
pub fn service_at_location(service: &Service, location: &Location, full: bool) -> Value {
    let mut obj = Map::new();
    put(
        &mut obj,
        "id",
        Some(&service_at_location_id(&service.id, &location.id)),
    );
    put(&mut obj, "service_id", Some(service.id.as_str()));
    put(&mut obj, "location_id", Some(location.id.as_str()));
    obj.insert(
        "location".into(),
        location_as(location, &location.id, &service.organization.id),
    );
    if full {
        let mut nested = service_full(service);
        if let Some(inner) = nested.as_object_mut() {
            inner.remove("service_at_locations");
        }
        obj.insert("service".into(), nested);
    }
    Value::Object(obj)
}

/// The HSDS `attribute` linking a term to the service.
fn term_attribute(service_id: &str, term: &Term) -> Value {
    json!({
        "id": child_id(service_id, "attribute", &format!("term:{}", term.id)),
        "link_id": service_id,
        "link_entity": "service",
        "taxonomy_term_id": term.id,
        "taxonomy_term": term.to_json(),
    })
}

/// The service's attributes: a link for each term ([`service_terms`]), then
/// each of Hearth's tagged facts (all but required documents), then the
/// source note.
fn attributes(service: &Service) -> Vec<Value> {
    let id = service.id.as_str();
    let mut out: Vec<Value> = service_terms(service)
        .iter()
        .map(|t| term_attribute(id, t))
        .collect();
    let facts = service
        .attributes
        .iter()
        .enumerate()
        .filter(|(_, a)| a.tag != REQUIRED_DOCUMENT)
        .map(|(i, a)| (i.to_string(), a.tag.as_str(), a.value.as_str()));
    let note = service
        .source_note
        .as_deref()
        .map(|n| (SOURCE_NOTE.to_owned(), SOURCE_NOTE, n));
    for (key, tag, value) in facts.chain(note) {
        let term = attribute_term(tag);
        out.push(json!({
            "id": child_id(id, "attribute", &key),
            "link_id": id,
            "link_entity": "service",
            "link_type": tag,
            "value": value,
            "taxonomy_term_id": term.id,
            "taxonomy_term": term.to_json(),
        }));
    }
    out
}

/// The `;`-separated coverage terms written as a service area's text extent.
fn coverage_extent(area: &crate::model::ServiceArea) -> Option<String> {
    (!area.coverage.is_empty()).then(|| {
        area.coverage
            .iter()
            .map(|c| c.term())
            .collect::<Vec<_>>()
            .join("; ")
    })
}

/// The `service_full.json` shape: the service's own fields plus its
/// organization, phones, schedules, service areas, service_at_locations (each
/// with its full location), languages, cost options, required documents,
/// attributes (each term nested) and metadata.
pub fn service_full(service: &Service) -> Value {
    let mut value = service_minimal(service);
    let Some(obj) = value.as_object_mut() else {
        return value;
    };
    let id = service.id.as_str();
    let owner = Owner::Service(id);
    obj.insert("organization".into(), organization(&service.organization));
    let phones = service.phones.iter().enumerate();
    obj.insert(
        "phones".into(),
        phones.map(|(i, p)| phone(owner, i, p)).collect(),
    );
    let schedules = service.schedules.iter().enumerate();
    obj.insert(
        "schedules".into(),
        schedules.map(|(i, s)| schedule(owner, i, s)).collect(),
    );
    let areas = service.service_areas.iter().enumerate().map(|(i, area)| {
        let mut a = Map::new();
        put(
            &mut a,
            "id",
            Some(&child_id(id, "service_area", &i.to_string())),
        );
        put(&mut a, "service_id", Some(id));
        put(&mut a, "name", area.name.as_deref());
        put(&mut a, "description", area.description.as_deref());
        if let Some(extent) = coverage_extent(area) {
            a.insert("extent".into(), Value::String(extent));
            a.insert("extent_type".into(), Value::String("text".into()));
        }
        Value::Object(a)
    });
    obj.insert("service_areas".into(), areas.collect());
    let sals = service
        .locations
        .iter()
        .map(|l| service_at_location(service, l, false));
    obj.insert("service_at_locations".into(), sals.collect());
    let languages = service.languages.iter().enumerate().map(|(i, l)| {
        let mut lang = Map::new();
        put(
            &mut lang,
            "id",
            Some(&child_id(id, "language", &i.to_string())),
        );
        put(&mut lang, "service_id", Some(id));
        put(&mut lang, "name", Some(l.name.as_str()));
        put(&mut lang, "code", l.code.as_deref());
        Value::Object(lang)
    });
    obj.insert("languages".into(), languages.collect());
    let costs = service.cost_options.iter().enumerate().map(|(i, c)| {
        let mut cost = Map::new();
        put(
            &mut cost,
            "id",
            Some(&child_id(id, "cost_option", &i.to_string())),
        );
        put(&mut cost, "service_id", Some(id));
        put(&mut cost, "option", c.option.as_deref());
        put(&mut cost, "currency", c.currency.as_deref());
        if let Some(amount) = c.amount {
            cost.insert("amount".into(), json!(amount));
        }
        put(
            &mut cost,
            "amount_description",
            c.amount_description.as_deref(),
        );
        Value::Object(cost)
    });
    obj.insert("cost_options".into(), costs.collect());
    let documents = service
        .attributes
        .iter()
        .enumerate()
        .filter(|(_, a)| a.tag == REQUIRED_DOCUMENT)
        .map(|(i, a)| {
            json!({
                "id": child_id(id, "required_document", &i.to_string()),
                "service_id": id,
                "document": a.value,
            })
        });
    obj.insert("required_documents".into(), documents.collect());
    obj.insert("attributes".into(), attributes(service).into());
    let metadata = service.metadata.iter().enumerate().map(|(i, m)| {
        json!({
            "id": child_id(id, "metadata", &i.to_string()),
            "resource_id": id,
            "resource_type": "service",
            "last_action_date": m.last_action_date,
            "last_action_type": m.last_action_type,
            "field_name": m.field_name,
            "previous_value": m.previous_value,
            "replacement_value": m.replacement_value,
            "updated_by": m.public_updated_by(),
        })
    });
    obj.insert("metadata".into(), metadata.collect());
    value
}
