//! HSDS 3.0 readers (tabular package and JSON), and the service builder both HSDS readers share.
//!
//! Every HSDS source, whatever its layout, is first read into a [`RawService`]: the
//! service's own fields as text, with its organization, locations, phones,
//! schedules, languages, service areas, cost options and taxonomy terms already
//! nested. The 3.0 CSV package gets there by joining its tables on their id
//! columns ([`Links`]), 3.0 JSON by walking the `service_full.json` shape, and
//! the 1.x reader (`hsds1`) by joining its own tables into the same [`Links`].
//! [`build_service`] then does the cleaning every source needs once: text,
//! ZIP codes, phones, opening times, coordinates (with ZIP-centroid placement),
//! coverage and categories. Writing the result is the store's job.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::model::{
    Address, Attribute, CostOption, Coverage, Language, Location, LocationType, Organization,
    Phone, Schedule, Service, ServiceArea, ServiceStatus, SourceRef, TaxonomyTerm, clean_text,
    is_http_url, normalize_zip, record_id,
};

use super::detect::package_tables_dir;
use super::flat::{make_address, make_phones};
use super::{
    Format, ImportContext, ImportError, ParsedSource, RawPhone, SkippedRow, parse_coordinate,
    place_location,
};

// ---------------------------------------------------------------------------
// Tables
// ---------------------------------------------------------------------------

/// One CSV table of a package, read whole, with access to its rows by column name.
#[derive(Debug)]
pub(super) struct Table {
    /// The file name (`phones.csv`), used in skip notes.
    pub file: String,
    columns: HashMap<String, usize>,
    rows: Vec<(u64, Vec<String>)>,
}

impl Table {
    /// Reads `dir/file`; `Ok(None)` when the file does not exist.
    ///
    /// A row with the wrong number of fields fails the whole file with its line
    /// number. Bytes that are not UTF-8 are replaced rather than failing the file.
    pub(super) fn read(dir: &Path, file: &str) -> Result<Option<Table>, ImportError> {
        let path = dir.join(file);
        if !path.is_file() {
            return Ok(None);
        }
        let mut bytes = std::fs::read(&path).map_err(|e| ImportError::io(&path, e))?;
        // The csv crate counts CRLF files' lines one short; with LF endings its line numbers are right.
        if bytes.windows(2).any(|w| w == b"\r\n") {
            let mut lf = Vec::with_capacity(bytes.len());
            for (i, b) in bytes.iter().enumerate() {
                if !(*b == b'\r' && bytes.get(i + 1) == Some(&b'\n')) {
                    lf.push(*b);
                }
            }
            bytes = lf;
        }
        let mut reader = csv::ReaderBuilder::new()
            .flexible(false)
            .from_reader(bytes.as_slice());
        let headers = reader
            .byte_headers()
            .map_err(|e| ImportError::csv(&path, e))?
            .clone();
        let columns = headers
            .iter()
            .enumerate()
            .map(|(i, h)| {
                let name = String::from_utf8_lossy(h);
                (
                    name.trim_start_matches('\u{feff}')
                        .trim()
                        .to_ascii_lowercase(),
                    i,
                )
            })
            .collect();
        let mut rows = Vec::new();
        let mut record = csv::ByteRecord::new();
        loop {
            match reader.read_byte_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => return Err(ImportError::csv(&path, e)),
            }
            let line = record.position().map_or(0, |p| p.line());
            rows.push((
                line,
                record
                    .iter()
                    .map(|f| String::from_utf8_lossy(f).into_owned())
                    .collect(),
            ));
        }
        Ok(Some(Table {
            file: file.to_owned(),
            columns,
            rows,
        }))
    }

    /// Reads `dir/file`, or gives an empty table when the package does not have it.
    pub(super) fn read_or_empty(dir: &Path, file: &str) -> Result<Table, ImportError> {
        Ok(Table::read(dir, file)?.unwrap_or_else(|| Table {
            file: file.to_owned(),
            columns: HashMap::new(),
            rows: Vec::new(),
        }))
    }

    /// Whether the header has `column` (case-insensitive).
    pub(super) fn has_column(&self, column: &str) -> bool {
        self.columns.contains_key(column)
    }

    /// The rows, in file order.
    pub(super) fn rows(&self) -> impl Iterator<Item = Row<'_>> {
        self.rows.iter().map(|(line, fields)| Row {
            table: self,
            fields,
            line: *line,
        })
    }
}

/// One row of a [`Table`].
#[derive(Debug, Clone, Copy)]
pub(super) struct Row<'a> {
    table: &'a Table,
    fields: &'a [String],
    /// The row's line number in its file (the header is line 1).
    pub line: u64,
}

impl<'a> Row<'a> {
    /// The trimmed value of `column`: "" when the column is absent, blank or `null`.
    pub(super) fn get(&self, column: &str) -> &'a str {
        let value = self
            .table
            .columns
            .get(column)
            .and_then(|i| self.fields.get(*i))
            .map(|v| {
                v.trim_matches(|c: char| {
                    c.is_whitespace() || c == '\u{a0}' || c == '\u{200b}' || c == '\u{feff}'
                })
            })
            .unwrap_or("");
        if value.eq_ignore_ascii_case("null") {
            ""
        } else {
            value
        }
    }
}

/// Field access shared by CSV rows and JSON objects, so one constructor reads either.
pub(super) trait Fields {
    /// The field as trimmed text (numbers and booleans as written); `None` when absent or blank.
    fn text(&self, key: &str) -> Option<String>;

    /// The first of `keys` that has a value (for fields whose name changed between HSDS versions).
    fn first(&self, keys: &[&str]) -> Option<String> {
        keys.iter().find_map(|k| self.text(k))
    }
}

impl Fields for Row<'_> {
    fn text(&self, key: &str) -> Option<String> {
        let value = self.get(key);
        (!value.is_empty()).then(|| value.to_owned())
    }
}

impl Fields for Map<String, Value> {
    fn text(&self, key: &str) -> Option<String> {
        let text = match self.get(key)? {
            Value::String(s) => s.trim().to_owned(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            _ => return None,
        };
        (!text.is_empty() && !text.eq_ignore_ascii_case("null")).then_some(text)
    }
}

// ---------------------------------------------------------------------------
// The intermediate: a service with everything linked to it, still as text
// ---------------------------------------------------------------------------

/// An HSDS organization as read, before cleaning.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct RawOrganization {
    pub id: Option<String>,
    pub name: Option<String>,
    pub alternate_name: Option<String>,
    pub description: Option<String>,
    pub email: Option<String>,
    pub website: Option<String>,
}

impl RawOrganization {
    /// Reads an organization row or object (`website` in 3.0, `url` in 1.x).
    pub(super) fn from_fields(f: &impl Fields) -> RawOrganization {
        RawOrganization {
            id: f.text("id"),
            name: f.text("name"),
            alternate_name: f.text("alternate_name"),
            description: f.text("description"),
            email: f.text("email"),
            website: f.first(&["website", "url"]),
        }
    }
}

/// An HSDS address (3.0 `address`, 1.x `physical_address`) as read.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct RawAddress {
    pub address_1: Option<String>,
    pub address_2: Option<String>,
    pub city: Option<String>,
    pub region: Option<String>,
    pub state_province: Option<String>,
    pub postal_code: Option<String>,
    pub country: Option<String>,
    /// `physical` or `postal` (3.0); physical addresses are preferred for placing a location.
    pub address_type: Option<String>,
}

impl RawAddress {
    /// Reads an address row or object.
    pub(super) fn from_fields(f: &impl Fields) -> RawAddress {
        RawAddress {
            address_1: f.text("address_1"),
            address_2: f.text("address_2"),
            city: f.text("city"),
            region: f.text("region"),
            state_province: f.text("state_province"),
            postal_code: f.text("postal_code"),
            country: f.text("country"),
            address_type: f.text("address_type"),
        }
    }

    fn is_postal(&self) -> bool {
        self.address_type
            .as_deref()
            .is_some_and(|t| t.eq_ignore_ascii_case("postal"))
    }
}

/// An HSDS phone as read.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct RawPhoneRecord {
    pub number: Option<String>,
    pub extension: Option<String>,
    pub kind: Option<String>,
    pub description: Option<String>,
}

impl RawPhoneRecord {
    /// Reads a phone row or object.
    pub(super) fn from_fields(f: &impl Fields) -> RawPhoneRecord {
        RawPhoneRecord {
            number: f.text("number"),
            extension: f.text("extension"),
            kind: f.text("type"),
            description: f.text("description"),
        }
    }
}

/// An HSDS schedule as read (1.x rows are converted to this shape by `hsds1`).
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct RawSchedule {
    pub freq: Option<String>,
    pub byday: Option<String>,
    pub opens_at: Option<String>,
    pub closes_at: Option<String>,
    pub valid_from: Option<String>,
    pub valid_to: Option<String>,
    pub timezone: Option<String>,
    pub description: Option<String>,
}

impl RawSchedule {
    /// Reads a 3.0 schedule row or object; `notes` stands in when there is no description.
    pub(super) fn from_fields(f: &impl Fields) -> RawSchedule {
        RawSchedule {
            freq: f.text("freq"),
            byday: f.text("byday"),
            opens_at: f.text("opens_at"),
            closes_at: f.text("closes_at"),
            valid_from: f.text("valid_from"),
            valid_to: f.text("valid_to"),
            timezone: f.text("timezone"),
            description: f.first(&["description", "notes"]),
        }
    }
}

/// An HSDS language as read (`name` in 3.0, `language` in 1.x).
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct RawLanguage {
    pub name: Option<String>,
    pub code: Option<String>,
}

impl RawLanguage {
    /// Reads a language row or object.
    pub(super) fn from_fields(f: &impl Fields) -> RawLanguage {
        RawLanguage {
            name: f.first(&["name", "language"]),
            code: f.text("code"),
        }
    }
}

/// An HSDS service area as read (`name` in 3.0, `service_area` in 1.x).
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct RawServiceArea {
    pub name: Option<String>,
    pub description: Option<String>,
    pub extent: Option<String>,
    pub extent_type: Option<String>,
}

impl RawServiceArea {
    /// Reads a service area row or object.
    pub(super) fn from_fields(f: &impl Fields) -> RawServiceArea {
        RawServiceArea {
            name: f.first(&["name", "service_area"]),
            description: f.text("description"),
            extent: f.text("extent"),
            extent_type: f.text("extent_type"),
        }
    }
}

/// An HSDS cost option as read.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct RawCostOption {
    pub option: Option<String>,
    pub amount: Option<String>,
    pub currency: Option<String>,
    pub amount_description: Option<String>,
}

impl RawCostOption {
    /// Reads a cost option row or object.
    pub(super) fn from_fields(f: &impl Fields) -> RawCostOption {
        RawCostOption {
            option: f.text("option"),
            amount: f.text("amount"),
            currency: f.text("currency"),
            amount_description: f.text("amount_description"),
        }
    }
}

/// A taxonomy term linked to a service, with the name of its taxonomy as the source gave it.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct RawTerm {
    pub code: Option<String>,
    pub name: Option<String>,
    /// The taxonomy's name (`taxonomies.name`, the term's `taxonomy`, or a 1.x `vocabulary`).
    pub taxonomy: Option<String>,
}

/// An HSDS location as read, with its address, phones, schedules and accessibility notes.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct RawLocation {
    pub id: Option<String>,
    pub name: Option<String>,
    pub location_type: Option<String>,
    pub description: Option<String>,
    pub transportation: Option<String>,
    pub latitude: Option<String>,
    pub longitude: Option<String>,
    pub address: Option<RawAddress>,
    pub phones: Vec<RawPhoneRecord>,
    pub schedules: Vec<RawSchedule>,
    pub accessibility: Vec<String>,
}

impl RawLocation {
    /// Reads a location row or object's own fields (address and the rest are linked separately).
    pub(super) fn from_fields(f: &impl Fields) -> RawLocation {
        RawLocation {
            id: f.text("id"),
            name: f.text("name"),
            location_type: f.text("location_type"),
            description: f.text("description"),
            transportation: f.text("transportation"),
            latitude: f.text("latitude"),
            longitude: f.text("longitude"),
            ..RawLocation::default()
        }
    }

    /// Sets the address, keeping a physical address over a postal one.
    pub(super) fn offer_address(&mut self, address: RawAddress) {
        let replace = match &self.address {
            None => true,
            Some(current) => current.is_postal() && !address.is_postal(),
        };
        if replace {
            self.address = Some(address);
        }
    }
}

/// A service as read from any HSDS source, with everything linked to it nested, not yet cleaned.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct RawService {
    pub id: Option<String>,
    pub name: Option<String>,
    pub alternate_name: Option<String>,
    pub description: Option<String>,
    pub url: Option<String>,
    pub email: Option<String>,
    pub status: Option<String>,
    pub interpretation_services: Option<String>,
    pub application_process: Option<String>,
    pub wait_time: Option<String>,
    pub fees_description: Option<String>,
    pub eligibility_description: Option<String>,
    pub minimum_age: Option<String>,
    pub maximum_age: Option<String>,
    pub alert: Option<String>,
    pub assured_date: Option<String>,
    pub last_modified: Option<String>,
    pub organization: Option<RawOrganization>,
    pub phones: Vec<RawPhoneRecord>,
    pub schedules: Vec<RawSchedule>,
    pub languages: Vec<RawLanguage>,
    pub service_areas: Vec<RawServiceArea>,
    pub cost_options: Vec<RawCostOption>,
    pub terms: Vec<RawTerm>,
    pub attributes: Vec<Attribute>,
    pub locations: Vec<RawLocation>,
}

impl RawService {
    /// Reads a service's own fields from a row or object (3.0 names first, then 1.x ones).
    pub(super) fn from_fields(f: &impl Fields) -> RawService {
        RawService {
            id: f.text("id"),
            name: f.text("name"),
            alternate_name: f.text("alternate_name"),
            description: f.text("description"),
            url: f.text("url"),
            email: f.text("email"),
            status: f.text("status"),
            interpretation_services: f.text("interpretation_services"),
            application_process: f.text("application_process"),
            wait_time: f.text("wait_time"),
            fees_description: f.first(&["fees_description", "fees"]),
            eligibility_description: f.first(&["eligibility_description", "eligibility"]),
            minimum_age: f.text("minimum_age"),
            maximum_age: f.text("maximum_age"),
            alert: f.text("alert"),
            assured_date: f.text("assured_date"),
            last_modified: f.text("last_modified"),
            ..RawService::default()
        }
    }
}

// ---------------------------------------------------------------------------
// Links: the child tables of a package, indexed by what they belong to
// ---------------------------------------------------------------------------

/// What a phone or schedule row belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) enum Owner {
    Service(String),
    ServiceAtLocation(String),
    Location(String),
    Organization(String),
}

impl Owner {
    /// The owner a row names. A row that names a service belongs to the service even
    /// when it also names a location: the service is what people search for and call.
    pub(super) fn of(row: &Row<'_>) -> Option<Owner> {
        [
            ("service_id", Owner::Service as fn(String) -> Owner),
            ("service_at_location_id", Owner::ServiceAtLocation),
            ("location_id", Owner::Location),
            ("organization_id", Owner::Organization),
        ]
        .into_iter()
        .find_map(|(column, owner)| row.text(column).map(owner))
    }
}

/// Child rows (phones, schedules) filed under their owner.
#[derive(Debug)]
pub(super) struct Attached<T> {
    by_owner: HashMap<Owner, Vec<T>>,
}

impl<T> Default for Attached<T> {
    fn default() -> Self {
        Attached {
            by_owner: HashMap::new(),
        }
    }
}

impl<T: Clone> Attached<T> {
    /// Files `item` under `owner`.
    pub(super) fn insert(&mut self, owner: Owner, item: T) {
        self.by_owner.entry(owner).or_default().push(item);
    }

    /// The items filed under `owner` (empty when none).
    pub(super) fn get(&self, owner: &Owner) -> Vec<T> {
        self.by_owner.get(owner).cloned().unwrap_or_default()
    }
}

/// The tables of a package joined by id, ready to nest into each service.
#[derive(Debug, Default)]
pub(super) struct Links {
    /// Organizations by id.
    pub organizations: HashMap<String, RawOrganization>,
    /// Locations by id, with their address and accessibility notes.
    pub locations: HashMap<String, RawLocation>,
    /// Service id → its (service_at_location id, location id) pairs, in file order.
    pub service_locations: HashMap<String, Vec<(Option<String>, String)>>,
    pub phones: Attached<RawPhoneRecord>,
    pub schedules: Attached<RawSchedule>,
    /// The rest, by service id.
    pub languages: HashMap<String, Vec<RawLanguage>>,
    pub service_areas: HashMap<String, Vec<RawServiceArea>>,
    pub cost_options: HashMap<String, Vec<RawCostOption>>,
    pub terms: HashMap<String, Vec<RawTerm>>,
    pub attributes: HashMap<String, Vec<Attribute>>,
    /// Eligibility texts (HSDS 1.x `eligibility.csv`), by service id.
    pub eligibility: HashMap<String, Vec<String>>,
}

fn get_list<T: Clone>(map: &HashMap<String, Vec<T>>, key: &str) -> Vec<T> {
    map.get(key).cloned().unwrap_or_default()
}

impl Links {
    /// Nests everything linked to service `id` into `raw`.
    pub(super) fn assemble(&self, raw: &mut RawService, id: &str, organization_id: Option<&str>) {
        raw.organization = organization_id
            .and_then(|o| self.organizations.get(o))
            .cloned();
        raw.phones = self.phones.get(&Owner::Service(id.to_owned()));
        raw.schedules = self.schedules.get(&Owner::Service(id.to_owned()));
        raw.languages = get_list(&self.languages, id);
        raw.service_areas = get_list(&self.service_areas, id);
        raw.cost_options = get_list(&self.cost_options, id);
        raw.terms = get_list(&self.terms, id);
        raw.attributes = get_list(&self.attributes, id);
        if raw.eligibility_description.is_none() {
            let texts = get_list(&self.eligibility, id);
            raw.eligibility_description = (!texts.is_empty()).then(|| texts.join("\n\n"));
        }
        let mut seen = HashSet::new();
        for (sal_id, location_id) in self.service_locations.get(id).into_iter().flatten() {
            let Some(base) = self.locations.get(location_id) else {
                continue;
            };
            if !seen.insert(location_id.as_str()) {
                continue;
            }
            let mut location = base.clone();
            location.phones = self.phones.get(&Owner::Location(location_id.clone()));
            location.schedules = self.schedules.get(&Owner::Location(location_id.clone()));
            if let Some(sal_id) = sal_id {
                location
                    .phones
                    .extend(self.phones.get(&Owner::ServiceAtLocation(sal_id.clone())));
                location.schedules.extend(
                    self.schedules
                        .get(&Owner::ServiceAtLocation(sal_id.clone())),
                );
            }
            raw.locations.push(location);
        }
        // An organization's main number is better than no number at all.
        let no_phone = raw.phones.is_empty() && raw.locations.iter().all(|l| l.phones.is_empty());
        if no_phone && let Some(org) = organization_id {
            raw.phones = self.phones.get(&Owner::Organization(org.to_owned()));
        }
    }
}

// ---------------------------------------------------------------------------
// Package-level helpers shared with hsds1
// ---------------------------------------------------------------------------

/// Turns a name into a dataset slug: lower case, runs of other characters as `-`.
fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_owned()
}

/// The dataset name of a tabular package: its `datapackage.json` `name` when that is
/// the publisher's own, else the directory's name (without an `hsds` part, which names
/// the format, not the data: `miami-211-hsds-2019` → `miami-211-2019`).
///
/// The HSDS templates' names (`human_services_data`, title "Human Services Data
/// Specification ...") are not the publisher's and are ignored.
pub(super) fn package_dataset(path: &Path, tables: &Path) -> String {
    let from_manifest = [
        path.join("datapackage.json"),
        tables.join("datapackage.json"),
    ]
    .iter()
    .find(|p| p.is_file())
    .and_then(|p| std::fs::read_to_string(p).ok())
    .and_then(|text| serde_json::from_str::<Value>(&text).ok())
    .and_then(|manifest| {
        let obj = manifest.as_object()?;
        let name = obj.text("name")?;
        let title = obj.text("title").unwrap_or_default();
        let template =
            name == "human_services_data" || title.starts_with("Human Services Data Specification");
        (!template).then(|| slug(&name))
    })
    .filter(|s| !s.is_empty());
    from_manifest.unwrap_or_else(|| directory_dataset(path))
}

fn directory_dataset(path: &Path) -> String {
    // Named as the user named it (a symlinked package keeps its link's name); only
    // `..` needs resolving to find a name at all.
    let path: PathBuf = match std::path::absolute(path) {
        Ok(p) if p.file_name().is_some() => p,
        _ => std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned()),
    };
    let mut dir = path.as_path();
    // `pkg/data` and `pkg/csv` are named by their package.
    while let (Some(name), Some(parent)) = (dir.file_name().and_then(|n| n.to_str()), dir.parent())
    {
        if matches!(name.to_ascii_lowercase().as_str(), "data" | "csv") {
            dir = parent;
        } else {
            break;
        }
    }
    let name = dir.file_name().and_then(|n| n.to_str()).unwrap_or("hsds");
    let dataset = slug(name)
        .split('-')
        .filter(|p| *p != "hsds")
        .collect::<Vec<_>>()
        .join("-");
    if dataset.is_empty() {
        "hsds".to_owned()
    } else {
        dataset
    }
}

/// The Hearth name of a source taxonomy: `airs` for AIRS / 211 LA (`Open211 Miami - AIRS`),
/// `open-eligibility` for Open Eligibility; `None` for anything else.
pub(super) fn known_taxonomy(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let compact: String = words.concat();
    if words.contains(&"airs") || compact.contains("211la") {
        Some("airs")
    } else if compact.contains("openeligibility") {
        Some("open-eligibility")
    } else {
        None
    }
}

/// Reads every row of `services` into a service, nesting what `links` holds for it.
///
/// Rows without an id or name, and repeats of an id already read, are skipped with
/// their line number.
pub(super) fn read_services(
    ctx: ImportContext<'_>,
    path: &Path,
    format: Format,
    dataset: &str,
    source_note: Option<&str>,
    services: &Table,
    links: &Links,
) -> ParsedSource {
    let mut parsed = ParsedSource {
        path: path.to_owned(),
        format,
        dataset: dataset.to_owned(),
        rows_read: 0,
        services: Vec::new(),
        skipped: Vec::new(),
    };
    let mut seen: HashMap<String, u64> = HashMap::new();
    for row in services.rows() {
        parsed.rows_read += 1;
        let skip = |reason: String| SkippedRow {
            row: row.line,
            file: Some(services.file.clone()),
            reason,
        };
        let mut raw = RawService::from_fields(&row);
        let Some(id) = raw.id.clone() else {
            parsed.skipped.push(skip("no id".to_owned()));
            continue;
        };
        if let Some(first) = seen.get(&id) {
            parsed.skipped.push(skip(format!(
                "same id {id:?} as line {first}; kept the first"
            )));
            continue;
        }
        seen.insert(id.clone(), row.line);
        links.assemble(&mut raw, &id, row.text("organization_id").as_deref());
        match build_service(ctx, dataset, source_note, raw) {
            Ok(service) => parsed.services.push(service),
            Err(reason) => parsed.skipped.push(skip(reason)),
        }
    }
    parsed
}

// ---------------------------------------------------------------------------
// Building a Service from a RawService
// ---------------------------------------------------------------------------

/// Repairs text that went through UTF-8 → code page 437 on its way out of the source
/// system (211 Miami writes `AttorneyGÇÖs` for `Attorney’s`). Only the punctuation
/// sequences starting `GÇ`, which never occur in real text, are replaced.
pub(super) fn repair_mojibake(text: &str) -> std::borrow::Cow<'_, str> {
    const SEQUENCES: [(&str, &str); 10] = [
        ("GÇÖ", "’"),
        ("GÇÿ", "‘"),
        ("GÇ£", "“"),
        ("GÇ¥", "”"),
        ("GÇô", "–"),
        ("GÇö", "—"),
        ("GÇæ", "-"),
        ("GÇª", "…"),
        ("GÇó", "•"),
        ("GÇï", ""),
    ];
    if !text.contains("GÇ") {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut fixed = text.to_owned();
    for (from, to) in SEQUENCES {
        fixed = fixed.replace(from, to);
    }
    std::borrow::Cow::Owned(fixed)
}

/// Cleans free text: mojibake, literal `\n` escapes, `###MON###` markers, blank runs.
fn tidy(text: Option<&str>) -> Option<String> {
    text.and_then(|t| clean_text(&repair_mojibake(t)))
}

/// A website as a link: bare domains (`www.example.org`) get `http://`; anything that is
/// still not an http(s) URL is dropped, so it is never shown as a link.
fn web_url(raw: Option<&str>) -> Option<String> {
    let url = raw?.trim();
    let looks_like_domain = !url.contains("://")
        && url.contains('.')
        && !url.contains('@')
        && !url.contains(char::is_whitespace)
        && url
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric());
    let url = if looks_like_domain {
        format!("http://{url}")
    } else {
        url.to_owned()
    };
    is_http_url(&url).then_some(url)
}

fn parse_age(raw: Option<&str>) -> Option<u32> {
    let value: f64 = raw?.trim().parse().ok()?;
    (value.is_finite() && (0.0..=130.0).contains(&value)).then(|| value.floor() as u32)
}

fn parse_amount(raw: Option<&str>) -> Option<f64> {
    let cleaned: String = raw?
        .chars()
        .filter(|c| !matches!(c, '$' | '£' | '€' | ',' | ' '))
        .collect();
    cleaned.parse::<f64>().ok().filter(|a| a.is_finite())
}

/// A time of day as a source wrote it, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Clock {
    /// Minutes after midnight (0..=1440).
    pub minutes: u32,
    /// Whether the text said am or pm (without it, the hour is taken as 24-hour).
    pub meridiem: bool,
    /// A UTC offset written after the time (`Z` is given as `UTC`).
    pub offset: Option<String>,
}

impl Clock {
    /// `HH:MM`, 24-hour; midnight at the end of a day is `23:59` (the HSDS convention).
    pub(super) fn hhmm(&self) -> String {
        let minutes = self.minutes.min(23 * 60 + 59);
        format!("{:02}:{:02}", minutes / 60, minutes % 60)
    }
}

/// Parses a time of day: `9:00am`, `9am`, `9:00 a.m.`, `830am`, `12 noon`, `17:00`,
/// `10:00:00`, `10:00Z`, `10:00:00-05:00`. Trailing notes after an am/pm marker
/// (`5:00pm (counter closes 4:30)`) are ignored. `None` when it is not a time.
pub(super) fn parse_clock(raw: &str) -> Option<Clock> {
    let text = raw.trim().to_ascii_lowercase();
    let end = text
        .find(|c: char| !(c.is_ascii_digit() || c == ':' || c == '.'))
        .unwrap_or(text.len());
    let (number, rest) = text.split_at(end);
    let number = number.trim_end_matches('.');
    let parts: Vec<&str> = number.split([':', '.']).collect();
    let (hour, minute) = match parts.as_slice() {
        [h] if (3..=4).contains(&h.len()) => (
            h[..h.len() - 2].parse::<u32>().ok()?,
            h[h.len() - 2..].parse::<u32>().ok()?,
        ),
        [h] if !h.is_empty() && h.len() <= 2 => (h.parse::<u32>().ok()?, 0),
        [h, m] | [h, m, _] if !h.is_empty() && h.len() <= 2 && !m.is_empty() && m.len() <= 2 => {
            (h.parse::<u32>().ok()?, m.parse::<u32>().ok()?)
        }
        _ => return None,
    };
    if minute >= 60 {
        return None;
    }
    let rest = rest.trim_start();
    let starts_word = |word: &str| {
        rest.strip_prefix(word).is_some_and(|after| {
            after
                .chars()
                .next()
                .is_none_or(|c| !c.is_ascii_alphabetic())
        })
    };
    let mut offset = None;
    let meridiem = if starts_word("am") || starts_word("a.m") || starts_word("a") {
        Some(false)
    } else if starts_word("pm") || starts_word("p.m") || starts_word("p") || starts_word("noon") {
        Some(true)
    } else if starts_word("z") {
        offset = Some("UTC".to_owned());
        None
    } else if let Some(sign) = rest.strip_prefix(['+', '-']) {
        if !sign.starts_with(|c: char| c.is_ascii_digit()) {
            return None;
        }
        offset = Some(rest.split_whitespace().next().unwrap_or(rest).to_owned());
        None
    } else if rest.is_empty() || rest.starts_with('(') {
        None
    } else {
        return None;
    };
    let hour = match meridiem {
        Some(pm) => {
            if !(1..=12).contains(&hour) {
                return None;
            }
            match (pm, hour) {
                (false, 12) => 0,
                (true, 12) => 12,
                (true, h) => h + 12,
                (false, h) => h,
            }
        }
        None if hour > 24 || (hour == 24 && minute > 0) => return None,
        None => hour,
    };
    Some(Clock {
        minutes: hour * 60 + minute,
        meridiem: meridiem.is_some(),
        offset,
    })
}

fn build_schedule(raw: &RawSchedule) -> Option<Schedule> {
    let opens = raw.opens_at.as_deref().and_then(parse_clock);
    let closes = raw.closes_at.as_deref().and_then(parse_clock);
    let offset = opens
        .as_ref()
        .and_then(|c| c.offset.clone())
        .or_else(|| closes.as_ref().and_then(|c| c.offset.clone()));
    let upper = |v: &Option<String>| {
        v.as_deref()
            .map(|t| {
                t.chars()
                    .filter(|c| !c.is_whitespace())
                    .collect::<String>()
                    .to_ascii_uppercase()
            })
            .filter(|t| !t.is_empty())
    };
    let schedule = Schedule {
        freq: upper(&raw.freq),
        byday: upper(&raw.byday),
        opens_at: opens.map(|c| c.hhmm()),
        closes_at: closes.map(|c| c.hhmm()),
        valid_from: tidy(raw.valid_from.as_deref()),
        valid_to: tidy(raw.valid_to.as_deref()),
        timezone: tidy(raw.timezone.as_deref()).or(offset),
        description: tidy(raw.description.as_deref()),
    };
    let empty = schedule.byday.is_none()
        && schedule.opens_at.is_none()
        && schedule.closes_at.is_none()
        && schedule.description.is_none()
        && schedule.valid_from.is_none();
    (!empty).then_some(schedule)
}

/// Builds schedules, leaving out empty ones and repeats (a 3.0 location and its
/// service-at-location often carry the same schedule).
fn build_schedules(raw: &[RawSchedule]) -> Vec<Schedule> {
    let mut schedules: Vec<Schedule> = Vec::new();
    for schedule in raw.iter().filter_map(build_schedule) {
        if !schedules.contains(&schedule) {
            schedules.push(schedule);
        }
    }
    schedules
}

fn phone_kind(raw: &str) -> Option<&'static str> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "voice" | "phone" | "main" | "office" | "landline" => Some("voice"),
        "fax" => Some("fax"),
        "text" | "sms" => Some("text"),
        "cell" | "mobile" => Some("cell"),
        "video" => Some("video"),
        "pager" => Some("pager"),
        "textphone" | "tty" | "tdd" => Some("textphone"),
        _ => None,
    }
}

/// Normalizes phones (display form, extension, type), dropping ones without digits and repeats.
fn build_phones(raw: &[RawPhoneRecord]) -> Vec<Phone> {
    let mut phones: Vec<Phone> = Vec::new();
    for p in raw {
        let Some(number) = p.number.as_deref() else {
            continue;
        };
        let flat = RawPhone {
            number: number.trim().trim_matches('"').trim().to_owned(),
            kind: p.kind.as_deref().and_then(phone_kind),
            description: p
                .description
                .as_deref()
                .map(|d| repair_mojibake(d).into_owned()),
        };
        let Some(mut phone) = make_phones(std::slice::from_ref(&flat)).into_iter().next() else {
            continue;
        };
        if phone.extension.is_none() {
            let digits: String = p
                .extension
                .as_deref()
                .unwrap_or("")
                .chars()
                .filter(char::is_ascii_digit)
                .collect();
            phone.extension = (!digits.is_empty()).then_some(digits);
        }
        if !phones
            .iter()
            .any(|q| q.number == phone.number && q.extension == phone.extension)
        {
            phones.push(phone);
        }
    }
    phones
}

fn language_code(name: &str) -> Option<&'static str> {
    const CODES: [(&str, &str); 24] = [
        ("english", "en"),
        ("spanish", "es"),
        ("español", "es"),
        ("creole", "ht"),
        ("haitian creole", "ht"),
        ("french", "fr"),
        ("portuguese", "pt"),
        ("hebrew", "he"),
        ("russian", "ru"),
        ("arabic", "ar"),
        ("italian", "it"),
        ("greek", "el"),
        ("yiddish", "yi"),
        ("german", "de"),
        ("chinese", "zh"),
        ("mandarin", "zh"),
        ("vietnamese", "vi"),
        ("korean", "ko"),
        ("tagalog", "tl"),
        ("japanese", "ja"),
        ("hindi", "hi"),
        ("urdu", "ur"),
        ("polish", "pl"),
        ("american sign language", "ase"),
    ];
    let lower = name.trim().to_lowercase();
    CODES
        .iter()
        .find(|(n, _)| *n == lower)
        .map(|(_, code)| *code)
}

fn build_languages(raw: &[RawLanguage]) -> Vec<Language> {
    let mut languages: Vec<Language> = Vec::new();
    for l in raw {
        let Some(text) = tidy(l.name.as_deref()) else {
            continue;
        };
        // 211 Miami writes "English\nInterpretation for languages upon request": one entry per line.
        for name in text.lines().map(str::trim).filter(|n| !n.is_empty()) {
            if languages.iter().any(|k| k.name.eq_ignore_ascii_case(name)) {
                continue;
            }
            let code = l
                .code
                .as_deref()
                .map(|c| c.trim().to_ascii_lowercase())
                .filter(|c| !c.is_empty());
            let code = code.or_else(|| language_code(name).map(str::to_owned));
            languages.push(Language {
                name: name.to_owned(),
                code,
            });
        }
    }
    languages
}

/// US states and territories: (code, name).
const STATES: [(&str, &str); 56] = [
    ("AL", "Alabama"),
    ("AK", "Alaska"),
    ("AZ", "Arizona"),
    ("AR", "Arkansas"),
    ("CA", "California"),
    ("CO", "Colorado"),
    ("CT", "Connecticut"),
    ("DE", "Delaware"),
    ("DC", "District of Columbia"),
    ("FL", "Florida"),
    ("GA", "Georgia"),
    ("HI", "Hawaii"),
    ("ID", "Idaho"),
    ("IL", "Illinois"),
    ("IN", "Indiana"),
    ("IA", "Iowa"),
    ("KS", "Kansas"),
    ("KY", "Kentucky"),
    ("LA", "Louisiana"),
    ("ME", "Maine"),
    ("MD", "Maryland"),
    ("MA", "Massachusetts"),
    ("MI", "Michigan"),
    ("MN", "Minnesota"),
    ("MS", "Mississippi"),
    ("MO", "Missouri"),
    ("MT", "Montana"),
    ("NE", "Nebraska"),
    ("NV", "Nevada"),
    ("NH", "New Hampshire"),
    ("NJ", "New Jersey"),
    ("NM", "New Mexico"),
    ("NY", "New York"),
    ("NC", "North Carolina"),
    ("ND", "North Dakota"),
    ("OH", "Ohio"),
    ("OK", "Oklahoma"),
    ("OR", "Oregon"),
    ("PA", "Pennsylvania"),
    ("RI", "Rhode Island"),
    ("SC", "South Carolina"),
    ("SD", "South Dakota"),
    ("TN", "Tennessee"),
    ("TX", "Texas"),
    ("UT", "Utah"),
    ("VT", "Vermont"),
    ("VA", "Virginia"),
    ("WA", "Washington"),
    ("WV", "West Virginia"),
    ("WI", "Wisconsin"),
    ("WY", "Wyoming"),
    ("PR", "Puerto Rico"),
    ("VI", "U.S. Virgin Islands"),
    ("GU", "Guam"),
    ("AS", "American Samoa"),
    ("MP", "Northern Mariana Islands"),
];

fn coverage_term(token: &str) -> Option<Coverage> {
    let lower = token.trim().trim_end_matches('.').to_lowercase();
    if matches!(
        lower.as_str(),
        "national"
            | "nationwide"
            | "united states"
            | "united states of america"
            | "usa"
            | "u.s.a"
            | "us"
            | "u.s"
    ) {
        return Some(Coverage::National);
    }
    if let Some((code, _)) = STATES
        .iter()
        .find(|(code, name)| code.eq_ignore_ascii_case(&lower) || name.to_lowercase() == lower)
    {
        return Some(Coverage::State((*code).to_owned()));
    }
    let zip_shaped = (lower.len() == 5 && lower.chars().all(|c| c.is_ascii_digit()))
        || (lower.len() == 10
            && lower.as_bytes().get(5) == Some(&b'-')
            && lower.replace('-', "").chars().all(|c| c.is_ascii_digit()));
    if zip_shaped {
        return normalize_zip(&lower).map(Coverage::Zip);
    }
    None
}

/// Coverage from a service area's text, only when every comma- or semicolon-separated
/// part is recognisable (`FL`, `Florida; Georgia`, `33157, 33158`, `National`).
/// Anything else (a sentence, a county name) stays text only.
fn coverage_of(text: &str) -> Vec<Coverage> {
    let tokens: Vec<&str> = text
        .split([',', ';', '\n', '|'])
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .collect();
    let coverage: Option<Vec<Coverage>> = tokens.iter().map(|t| coverage_term(t)).collect();
    let mut coverage = coverage.unwrap_or_default();
    coverage.dedup();
    coverage
}

fn build_service_area(raw: &RawServiceArea) -> Option<ServiceArea> {
    let name = tidy(raw.name.as_deref());
    let description = tidy(raw.description.as_deref());
    let textual_extent = raw
        .extent_type
        .as_deref()
        .is_none_or(|t| t.trim().eq_ignore_ascii_case("text"))
        .then(|| tidy(raw.extent.as_deref()))
        .flatten()
        .filter(|e| !e.trim_start().starts_with(['{', '[', '<']));
    let coverage = [name.as_deref(), textual_extent.as_deref()]
        .into_iter()
        .flatten()
        .map(coverage_of)
        .find(|c| !c.is_empty())
        .unwrap_or_default();
    let name = name.or(textual_extent);
    (name.is_some() || description.is_some() || !coverage.is_empty()).then_some(ServiceArea {
        name,
        description,
        coverage,
    })
}

fn build_cost_option(raw: &RawCostOption) -> Option<CostOption> {
    let cost = CostOption {
        option: tidy(raw.option.as_deref()),
        amount: parse_amount(raw.amount.as_deref()),
        currency: raw
            .currency
            .as_deref()
            .map(|c| c.trim().to_ascii_uppercase())
            .filter(|c| !c.is_empty()),
        amount_description: tidy(raw.amount_description.as_deref()),
    };
    (cost.option.is_some() || cost.amount.is_some() || cost.amount_description.is_some())
        .then_some(cost)
}

fn resolve_terms(dataset: &str, raw: &[RawTerm]) -> Vec<TaxonomyTerm> {
    let mut terms: Vec<TaxonomyTerm> = Vec::new();
    for t in raw {
        let name = tidy(t.name.as_deref()).unwrap_or_default();
        let code = t
            .code
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .unwrap_or_else(|| name.clone());
        if code.is_empty() {
            continue;
        }
        let taxonomy = t
            .taxonomy
            .as_deref()
            .and_then(known_taxonomy)
            .unwrap_or(dataset)
            .to_owned();
        if !terms
            .iter()
            .any(|k| k.code == code && k.taxonomy == taxonomy)
        {
            terms.push(TaxonomyTerm {
                code,
                name,
                taxonomy,
            });
        }
    }
    terms
}

fn build_address(raw: &RawAddress) -> Option<Address> {
    let mut address = make_address(
        raw.address_1.as_deref(),
        raw.address_2.as_deref(),
        raw.city.as_deref(),
        raw.state_province.as_deref(),
        raw.postal_code.as_deref(),
    )?;
    address.region = tidy(raw.region.as_deref());
    // make_address upper-cases the state for codes ("fl " → "FL"); a spelled-out name keeps its case.
    if let Some(state) = raw
        .state_province
        .as_deref()
        .map(str::trim)
        .filter(|s| s.chars().count() > 3)
    {
        address.state_province = tidy(Some(state)).unwrap_or_default();
    }
    if let Some(country) = raw
        .country
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        address.country = if country.len() == 2 {
            country.to_ascii_uppercase()
        } else {
            tidy(Some(country)).unwrap_or_default()
        };
    }
    Some(address)
}

fn build_location(
    ctx: ImportContext<'_>,
    dataset: &str,
    fallback_id: &str,
    raw: &RawLocation,
) -> Location {
    let source_id = raw.id.clone().unwrap_or_else(|| fallback_id.to_owned());
    let address = raw.address.as_ref().and_then(build_address);
    let zip = address
        .as_ref()
        .map(|a| a.postal_code.as_str())
        .filter(|z| !z.is_empty());
    let coordinate = |text: &Option<String>| {
        text.as_deref()
            .and_then(|t| parse_coordinate(t).ok().flatten())
    };
    let (lat, lon) = (coordinate(&raw.latitude), coordinate(&raw.longitude));
    // Coordinates out of range (the HSDS example has 100, 101) are dropped and the
    // location is placed at its ZIP centroid instead; the service is kept either way.
    let placed = place_location(ctx, lat, lon, zip).unwrap_or_else(|reason| {
        tracing::debug!(location.id = %source_id, "{reason}; placing by ZIP code instead");
        place_location(ctx, None, None, zip).ok().flatten()
    });
    let location_type = match raw
        .location_type
        .as_deref()
        .map(|t| t.trim().to_ascii_lowercase())
        .as_deref()
    {
        Some("postal") => LocationType::Postal,
        Some("virtual") => LocationType::Virtual,
        _ => LocationType::Physical,
    };
    let mut accessibility: Vec<String> = Vec::new();
    for note in raw.accessibility.iter().filter_map(|a| tidy(Some(a))) {
        if !accessibility.contains(&note) {
            accessibility.push(note);
        }
    }
    Location {
        id: record_id("location", dataset, &source_id),
        name: tidy(raw.name.as_deref()),
        location_type,
        description: tidy(raw.description.as_deref()),
        transportation: tidy(raw.transportation.as_deref()),
        latitude: placed.map(|p| p.0),
        longitude: placed.map(|p| p.1),
        approximate: placed.is_some_and(|p| p.2),
        address,
        phones: build_phones(&raw.phones),
        schedules: build_schedules(&raw.schedules),
        accessibility,
    }
}

/// Turns a raw service into a cleaned, classified, fully nested [`Service`],
/// or says why it cannot be one (no id, no name).
pub(super) fn build_service(
    ctx: ImportContext<'_>,
    dataset: &str,
    source_note: Option<&str>,
    raw: RawService,
) -> Result<Service, String> {
    let source_id = raw
        .id
        .as_deref()
        .map(str::trim)
        .filter(|i| !i.is_empty())
        .ok_or("no id")?
        .to_owned();
    let name = tidy(raw.name.as_deref()).ok_or("no name")?;
    let organization = match &raw.organization {
        Some(org) => {
            let org_name = tidy(org.name.as_deref()).unwrap_or_else(|| name.clone());
            let org_key = org.id.clone().unwrap_or_else(|| org_name.to_lowercase());
            Organization {
                id: record_id("organization", dataset, &org_key),
                name: org_name,
                alternate_name: tidy(org.alternate_name.as_deref()),
                description: tidy(org.description.as_deref()),
                email: tidy(org.email.as_deref()),
                website: web_url(org.website.as_deref()),
            }
        }
        // No organization (or an organization_id that is not in the package): the
        // service stands for itself, under an id of its own.
        None => Organization {
            id: record_id("organization", dataset, &format!("service:{source_id}")),
            name: name.clone(),
            ..Organization::default()
        },
    };
    let terms = resolve_terms(dataset, &raw.terms);
    let classification = ctx.categories.classify(dataset, &terms);
    let mut locations: Vec<Location> = Vec::new();
    for (i, l) in raw.locations.iter().enumerate() {
        let location = build_location(ctx, dataset, &format!("{source_id}/{}", i + 1), l);
        if !locations.iter().any(|k| k.id == location.id) {
            locations.push(location);
        }
    }
    let mut attributes: Vec<Attribute> = Vec::new();
    for a in &raw.attributes {
        let (Some(tag), Some(value)) = (tidy(Some(&a.tag)), tidy(Some(&a.value))) else {
            continue;
        };
        let attribute = Attribute { tag, value };
        if !attributes.contains(&attribute) {
            attributes.push(attribute);
        }
    }
    Ok(Service {
        id: record_id("service", dataset, &source_id),
        source: SourceRef {
            dataset: dataset.to_owned(),
            id: source_id,
        },
        organization,
        name,
        alternate_name: tidy(raw.alternate_name.as_deref()),
        description: tidy(raw.description.as_deref()),
        url: web_url(raw.url.as_deref()),
        email: tidy(raw.email.as_deref()),
        status: raw
            .status
            .as_deref()
            .and_then(ServiceStatus::parse)
            .unwrap_or_default(),
        interpretation_services: tidy(raw.interpretation_services.as_deref()),
        application_process: tidy(raw.application_process.as_deref()),
        wait_time: tidy(raw.wait_time.as_deref()),
        fees_description: tidy(raw.fees_description.as_deref()),
        eligibility_description: tidy(raw.eligibility_description.as_deref()),
        minimum_age: parse_age(raw.minimum_age.as_deref()),
        maximum_age: parse_age(raw.maximum_age.as_deref()),
        alert: tidy(raw.alert.as_deref()),
        assured_date: tidy(raw.assured_date.as_deref()),
        last_modified: tidy(raw.last_modified.as_deref()),
        source_note: source_note.map(str::to_owned),
        categories: classification.categories,
        needs: classification.needs,
        taxonomy_terms: terms,
        languages: build_languages(&raw.languages),
        phones: build_phones(&raw.phones),
        schedules: build_schedules(&raw.schedules),
        service_areas: raw
            .service_areas
            .iter()
            .filter_map(build_service_area)
            .collect(),
        attributes,
        cost_options: raw
            .cost_options
            .iter()
            .filter_map(build_cost_option)
            .collect(),
        locations,
    })
}

// ---------------------------------------------------------------------------
// HSDS 3.0 tabular package
// ---------------------------------------------------------------------------

/// Reads the linked tables of a 3.0 package (everything but `services.csv`).
/// Missing tables are empty; a malformed one fails the import.
fn links_v3(dir: &Path) -> Result<Links, ImportError> {
    let mut links = Links::default();

    for row in Table::read_or_empty(dir, "organizations.csv")?.rows() {
        if let Some(id) = row.text("id") {
            links
                .organizations
                .insert(id, RawOrganization::from_fields(&row));
        }
    }

    let mut addresses: HashMap<String, RawLocation> = HashMap::new();
    for row in Table::read_or_empty(dir, "addresses.csv")?.rows() {
        if let Some(location_id) = row.text("location_id") {
            addresses
                .entry(location_id)
                .or_default()
                .offer_address(RawAddress::from_fields(&row));
        }
    }
    let mut accessibility: HashMap<String, Vec<String>> = HashMap::new();
    for row in Table::read_or_empty(dir, "accessibility.csv")?.rows() {
        let text = [row.text("description"), row.text("details")]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        if let Some(location_id) = row.text("location_id").filter(|_| !text.is_empty()) {
            accessibility.entry(location_id).or_default().push(text);
        }
    }
    for row in Table::read_or_empty(dir, "locations.csv")?.rows() {
        let Some(id) = row.text("id") else { continue };
        let mut location = RawLocation::from_fields(&row);
        location.address = addresses.remove(&id).and_then(|l| l.address);
        location.accessibility = accessibility.remove(&id).unwrap_or_default();
        links.locations.insert(id, location);
    }

    for row in Table::read_or_empty(dir, "service_at_location.csv")?.rows() {
        if let (Some(service_id), Some(location_id)) =
            (row.text("service_id"), row.text("location_id"))
        {
            links
                .service_locations
                .entry(service_id)
                .or_default()
                .push((row.text("id"), location_id));
        }
    }

    for row in Table::read_or_empty(dir, "phones.csv")?.rows() {
        if let Some(owner) = Owner::of(&row) {
            links
                .phones
                .insert(owner, RawPhoneRecord::from_fields(&row));
        }
    }
    for row in Table::read_or_empty(dir, "schedules.csv")?.rows() {
        if let Some(owner) = Owner::of(&row) {
            links
                .schedules
                .insert(owner, RawSchedule::from_fields(&row));
        }
    }

    for row in Table::read_or_empty(dir, "languages.csv")?.rows() {
        if let Some(service_id) = row.text("service_id") {
            links
                .languages
                .entry(service_id)
                .or_default()
                .push(RawLanguage::from_fields(&row));
        }
    }
    for row in Table::read_or_empty(dir, "service_areas.csv")?.rows() {
        if let Some(service_id) = row.text("service_id") {
            links
                .service_areas
                .entry(service_id)
                .or_default()
                .push(RawServiceArea::from_fields(&row));
        }
    }
    for row in Table::read_or_empty(dir, "cost_options.csv")?.rows() {
        if let Some(service_id) = row.text("service_id") {
            links
                .cost_options
                .entry(service_id)
                .or_default()
                .push(RawCostOption::from_fields(&row));
        }
    }
    for row in Table::read_or_empty(dir, "required_documents.csv")?.rows() {
        if let (Some(service_id), Some(document)) = (row.text("service_id"), row.text("document")) {
            links
                .attributes
                .entry(service_id)
                .or_default()
                .push(Attribute {
                    tag: "required_document".into(),
                    value: document,
                });
        }
    }

    // Taxonomy terms reach a service through `attributes` (3.0) or `service_attributes` (2.x).
    let taxonomies: HashMap<String, String> = Table::read_or_empty(dir, "taxonomies.csv")?
        .rows()
        .filter_map(|r| Some((r.text("id")?, r.text("name")?)))
        .collect();
    let terms: HashMap<String, RawTerm> = Table::read_or_empty(dir, "taxonomy_terms.csv")?
        .rows()
        .filter_map(|r| {
            let taxonomy = r
                .text("taxonomy_id")
                .and_then(|t| taxonomies.get(&t).cloned())
                .or_else(|| r.text("taxonomy"));
            Some((
                r.text("id")?,
                RawTerm {
                    code: r.text("code"),
                    name: r.text("name"),
                    taxonomy,
                },
            ))
        })
        .collect();
    for row in Table::read_or_empty(dir, "attributes.csv")?.rows() {
        let entity = row.get("link_entity").to_ascii_lowercase();
        if !(entity.is_empty() || entity == "service") {
            continue;
        }
        let Some(service_id) = row.text("link_id") else {
            continue;
        };
        let term = row.text("taxonomy_term_id").and_then(|t| terms.get(&t));
        if let Some(term) = term {
            links
                .terms
                .entry(service_id.clone())
                .or_default()
                .push(term.clone());
        }
        if let Some(value) = row.text("value") {
            let tag = term
                .and_then(|t| t.name.clone())
                .or_else(|| row.text("link_type"))
                .unwrap_or_else(|| "attribute".into());
            links
                .attributes
                .entry(service_id)
                .or_default()
                .push(Attribute { tag, value });
        }
    }
    for row in Table::read_or_empty(dir, "service_attributes.csv")?.rows() {
        let term = row.text("taxonomy_term_id").and_then(|t| terms.get(&t));
        if let (Some(service_id), Some(term)) = (row.text("service_id"), term) {
            links
                .terms
                .entry(service_id)
                .or_default()
                .push(term.clone());
        }
    }
    Ok(links)
}

/// Reads an HSDS 3.0 tabular package (a directory of CSVs, or one with a `data/` folder).
///
/// Only `services.csv` is required; every other table is joined by its id columns
/// when present. The dataset name comes from `datapackage.json` or the directory.
pub(super) fn read_csv_package(
    ctx: ImportContext<'_>,
    path: &Path,
) -> Result<ParsedSource, ImportError> {
    let dir = package_tables_dir(path);
    let services = required_services_table(path, &dir)?;
    let links = links_v3(&dir)?;
    let dataset = package_dataset(path, &dir);
    Ok(read_services(
        ctx,
        path,
        Format::Hsds3Csv,
        &dataset,
        None,
        &services,
        &links,
    ))
}

/// Reads `services.csv`, which a package must have, with at least `id` and `name` columns.
pub(super) fn required_services_table(path: &Path, dir: &Path) -> Result<Table, ImportError> {
    let services = Table::read(dir, "services.csv")?.ok_or_else(|| {
        ImportError::invalid(
            path,
            "no services.csv here or in its data/ folder; an HSDS package needs one",
        )
    })?;
    for column in ["id", "name"] {
        if !services.has_column(column) {
            return Err(ImportError::invalid(
                &dir.join("services.csv"),
                format!("no {column:?} column in the header"),
            ));
        }
    }
    Ok(services)
}

// ---------------------------------------------------------------------------
// HSDS 3.0 JSON
// ---------------------------------------------------------------------------

fn objects<'a>(
    obj: &'a Map<String, Value>,
    key: &str,
) -> impl Iterator<Item = &'a Map<String, Value>> {
    let items: Vec<&Value> = match obj.get(key) {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(single @ Value::Object(_)) => vec![single],
        _ => Vec::new(),
    };
    items.into_iter().filter_map(Value::as_object)
}

fn object<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a Map<String, Value>> {
    obj.get(key).and_then(Value::as_object)
}

fn term_from_json(term: &Map<String, Value>) -> RawTerm {
    let taxonomy = object(term, "taxonomy_detail")
        .and_then(|d| d.text("name"))
        .or_else(|| term.text("taxonomy"));
    RawTerm {
        code: term.text("code"),
        name: term.text("name"),
        taxonomy,
    }
}

fn location_from_json(loc: &Map<String, Value>) -> RawLocation {
    let mut location = RawLocation::from_fields(loc);
    for key in [
        "addresses",
        "physical_address",
        "physical_addresses",
        "address",
        "postal_address",
    ] {
        for a in objects(loc, key) {
            location.offer_address(RawAddress::from_fields(a));
        }
    }
    location.phones = objects(loc, "phones")
        .map(RawPhoneRecord::from_fields)
        .collect();
    location.schedules = ["schedules", "regular_schedules"]
        .iter()
        .flat_map(|k| objects(loc, k))
        .map(RawSchedule::from_fields)
        .collect();
    location.accessibility = ["accessibility", "accessibility_for_disabilities"]
        .iter()
        .flat_map(|k| objects(loc, k))
        .map(|a| {
            [
                a.first(&["description", "accessibility"]),
                a.text("details"),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ")
        })
        .filter(|t| !t.is_empty())
        .collect();
    location
}

/// Reads one `service_full.json`-shaped object.
fn service_from_json(obj: &Map<String, Value>) -> RawService {
    let mut raw = RawService::from_fields(obj);
    raw.organization = object(obj, "organization").map(RawOrganization::from_fields);
    raw.phones = objects(obj, "phones")
        .map(RawPhoneRecord::from_fields)
        .collect();
    raw.schedules = ["schedules", "regular_schedules"]
        .iter()
        .flat_map(|k| objects(obj, k))
        .map(RawSchedule::from_fields)
        .collect();
    raw.languages = objects(obj, "languages")
        .map(RawLanguage::from_fields)
        .collect();
    raw.service_areas = objects(obj, "service_areas")
        .map(RawServiceArea::from_fields)
        .collect();
    raw.cost_options = objects(obj, "cost_options")
        .map(RawCostOption::from_fields)
        .collect();
    for a in objects(obj, "attributes") {
        let term = object(a, "taxonomy_term").map(term_from_json);
        if let Some(value) = a.text("value") {
            let tag = term
                .as_ref()
                .and_then(|t| t.name.clone())
                .or_else(|| a.text("link_type"))
                .unwrap_or_else(|| "attribute".into());
            raw.attributes.push(Attribute { tag, value });
        }
        raw.terms.extend(term);
    }
    raw.terms
        .extend(objects(obj, "taxonomy_terms").map(term_from_json));
    for d in objects(obj, "required_documents") {
        if let Some(document) = d.text("document") {
            raw.attributes.push(Attribute {
                tag: "required_document".into(),
                value: document,
            });
        }
    }
    for sal in objects(obj, "service_at_locations") {
        let Some(loc) = object(sal, "location") else {
            continue;
        };
        let mut location = location_from_json(loc);
        location
            .phones
            .extend(objects(sal, "phones").map(RawPhoneRecord::from_fields));
        location
            .schedules
            .extend(objects(sal, "schedules").map(RawSchedule::from_fields));
        raw.locations.push(location);
    }
    raw.locations
        .extend(objects(obj, "locations").map(location_from_json));
    raw
}

/// Splits a JSON file into records: one object, an array of them, NDJSON (one per
/// line), or an HSDS API page (`contents`). Syntax errors name the record.
fn json_records(path: &Path, text: &str) -> Result<Vec<Value>, ImportError> {
    let text = text.trim_start_matches('\u{feff}');
    let mut records = Vec::new();
    for value in serde_json::Deserializer::from_str(text).into_iter::<Value>() {
        let value = value.map_err(|e| ImportError::Json {
            path: path.to_owned(),
            record: records.len() as u64 + 1,
            message: e.to_string(),
        })?;
        match value {
            Value::Array(items) => records.extend(items),
            Value::Object(mut page) if matches!(page.get("contents"), Some(Value::Array(_))) => {
                if let Some(Value::Array(items)) = page.remove("contents") {
                    records.extend(items);
                }
            }
            other => records.push(other),
        }
    }
    Ok(records)
}

/// Reads HSDS 3.0 JSON: a `service_full.json`-shaped object, an array of them, or NDJSON.
///
/// The dataset name is the file's name without its extension. A record that is not
/// an object, or has no id or name, is skipped with its record number.
pub(super) fn read_json(ctx: ImportContext<'_>, path: &Path) -> Result<ParsedSource, ImportError> {
    let text = std::fs::read_to_string(path).map_err(|e| ImportError::io(path, e))?;
    let records = json_records(path, &text)?;
    let dataset = path
        .file_stem()
        .and_then(|s| s.to_str())
        .map(slug)
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "hsds".into());
    let mut parsed = ParsedSource {
        path: path.to_owned(),
        format: Format::Hsds3Json,
        dataset: dataset.clone(),
        rows_read: records.len() as u64,
        services: Vec::new(),
        skipped: Vec::new(),
    };
    let mut seen: HashMap<String, u64> = HashMap::new();
    for (i, record) in records.iter().enumerate() {
        let number = i as u64 + 1;
        let skip = |reason: String| SkippedRow {
            row: number,
            file: None,
            reason,
        };
        let Some(obj) = record.as_object() else {
            parsed.skipped.push(skip("not a JSON object".into()));
            continue;
        };
        let raw = service_from_json(obj);
        if let Some(id) = raw.id.clone() {
            if let Some(first) = seen.get(&id) {
                parsed.skipped.push(skip(format!(
                    "same id {id:?} as record {first}; kept the first"
                )));
                continue;
            }
            seen.insert(id, number);
        }
        match build_service(ctx, &dataset, None, raw) {
            Ok(service) => parsed.services.push(service),
            Err(reason) => parsed.skipped.push(skip(reason)),
        }
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use std::sync::OnceLock;

    use super::*;
    use crate::geo::Gazetteer;
    use crate::import::CategoryMap;

    fn ctx() -> ImportContext<'static> {
        static GAZETTEER: OnceLock<Gazetteer> = OnceLock::new();
        static CATEGORIES: OnceLock<CategoryMap> = OnceLock::new();
        ImportContext {
            gazetteer: GAZETTEER
                .get_or_init(|| Gazetteer::bundled().unwrap_or_else(|e| panic!("{e}"))),
            categories: CATEGORIES
                .get_or_init(|| CategoryMap::bundled().unwrap_or_else(|e| panic!("{e}"))),
        }
    }

    fn fixture(path: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(path)
    }

    fn only_service(parsed: &ParsedSource) -> &Service {
        assert_eq!(parsed.services.len(), 1, "skipped: {:?}", parsed.skipped);
        &parsed.services[0]
    }

    /// Copies the spec example package into a temp dir so a test can change one table.
    fn copy_of_spec_package() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        for entry in std::fs::read_dir(fixture("hsds3/csv")).unwrap_or_else(|e| panic!("{e}")) {
            let entry = entry.unwrap_or_else(|e| panic!("{e}"));
            std::fs::copy(entry.path(), dir.path().join(entry.file_name()))
                .unwrap_or_else(|e| panic!("{e}"));
        }
        dir
    }

    #[test]
    fn spec_csv_package_nests_everything_linked_to_the_service() {
        let parsed =
            read_csv_package(ctx(), &fixture("hsds3/csv")).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(parsed.dataset, "hsds3");
        assert_eq!(parsed.rows_read, 1);
        let s = only_service(&parsed);
        assert_eq!(s.name, "Community Counselling");
        assert_eq!(s.source.id, "ac148810-d857-441c-9679-408f346de14b");
        assert_eq!(
            s.id,
            record_id("service", "hsds3", "ac148810-d857-441c-9679-408f346de14b")
        );
        assert_eq!(s.organization.name, "Example Organization Inc.");
        assert_eq!(
            s.organization.website.as_deref(),
            Some("http://example.com")
        );
        assert_eq!(s.status, ServiceStatus::Active);
        assert_eq!((s.minimum_age, s.maximum_age), (Some(12), Some(100)));
        assert_eq!(s.assured_date.as_deref(), Some("2005-01-01"));
        assert_eq!(s.last_modified.as_deref(), Some("2023-03-15T10:30:45.123Z"));
        assert!(
            s.eligibility_description
                .as_deref()
                .is_some_and(|e| e.contains("aged 12 and over"))
        );
        assert_eq!(
            s.fees_description
                .as_deref()
                .map(|f| f.starts_with("Non-NHS")),
            Some(true)
        );

        let phone = &s.phones[0];
        assert_eq!(phone.number, "+44 1234 234567");
        assert_eq!(phone.extension.as_deref(), Some("100"));
        assert_eq!(phone.kind.as_deref(), Some("voice"));
        let schedule = &s.schedules[0];
        assert_eq!(schedule.freq.as_deref(), Some("WEEKLY"));
        assert_eq!(schedule.byday.as_deref(), Some("TH,FR"));
        assert_eq!(
            (schedule.opens_at.as_deref(), schedule.closes_at.as_deref()),
            (Some("10:00"), Some("18:00"))
        );
        assert_eq!(
            s.languages,
            vec![Language {
                name: "Urdu".into(),
                code: Some("ur".into())
            }]
        );
        assert_eq!(s.cost_options[0].amount, Some(35.0));
        assert_eq!(s.cost_options[0].currency.as_deref(), Some("GBP"));
        assert!(s.attributes.iter().any(|a| a.tag == "required_document"));
        // The example's service area is a sentence: kept as text, no coverage.
        assert_eq!(s.service_areas.len(), 1);
        assert!(s.service_areas[0].coverage.is_empty());

        assert_eq!(s.locations.len(), 1);
        let l = &s.locations[0];
        assert_eq!(l.name.as_deref(), Some("MyCity Civic Center"));
        // latitude=100, longitude=101 are out of range, and "ABC 1234" is no ZIP: kept, without a point.
        assert_eq!(l.point(), None);
        assert!(!l.approximate);
        let address = l.address.as_ref().unwrap_or_else(|| panic!("address"));
        assert_eq!(address.address_1, "1-30 Main Street");
        assert_eq!(address.state_province, "MyState");
        assert_eq!(address.postal_code, "");
        assert_eq!(l.accessibility.len(), 1);
    }

    #[test]
    fn out_of_range_coordinates_fall_back_to_the_zip_centroid() {
        let dir = copy_of_spec_package();
        let addresses = std::fs::read_to_string(dir.path().join("addresses.csv"))
            .unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(
            dir.path().join("addresses.csv"),
            addresses.replace("ABC 1234", "33142"),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let parsed = read_csv_package(ctx(), dir.path()).unwrap_or_else(|e| panic!("{e}"));
        let l = &only_service(&parsed).locations[0];
        let centroid = ctx()
            .gazetteer
            .zip("33142")
            .unwrap_or_else(|| panic!("33142"));
        assert_eq!(l.point(), Some((centroid.lat, centroid.lon)));
        assert!(l.approximate);
    }

    #[test]
    fn a_package_with_only_services_csv_still_imports() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(
            dir.path().join("services.csv"),
            "id,name,status\ns1,Food Pantry,active\ns2,,active\ns1,Again,\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let parsed = read_csv_package(ctx(), dir.path()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(parsed.rows_read, 3);
        let s = only_service(&parsed);
        assert_eq!(s.name, "Food Pantry");
        assert!(s.locations.is_empty());
        let reasons: Vec<(u64, &str)> = parsed
            .skipped
            .iter()
            .map(|k| (k.row, k.reason.as_str()))
            .collect();
        assert_eq!(
            reasons,
            vec![
                (3, "no name"),
                (4, "same id \"s1\" as line 2; kept the first")
            ]
        );
        assert_eq!(parsed.skipped[0].file.as_deref(), Some("services.csv"));
    }

    #[test]
    fn a_malformed_table_fails_with_its_file_and_line() {
        let dir = copy_of_spec_package();
        let mut phones = std::fs::read_to_string(dir.path().join("phones.csv"))
            .unwrap_or_else(|e| panic!("{e}"));
        phones.push_str("only,three,fields\n");
        std::fs::write(dir.path().join("phones.csv"), phones).unwrap_or_else(|e| panic!("{e}"));
        match read_csv_package(ctx(), dir.path()) {
            Err(ImportError::Csv { path, source }) => {
                assert!(path.ends_with("phones.csv"), "{path:?}");
                assert!(source.to_string().contains("line: 3"), "{source}");
            }
            other => panic!("expected a CSV error, got {other:?}"),
        }
        let empty = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(
            read_csv_package(ctx(), empty.path()),
            Err(ImportError::Invalid { .. })
        ));
    }

    #[test]
    fn json_object_array_and_ndjson_give_the_same_services() {
        let text = std::fs::read_to_string(fixture("hsds3/service_full.json"))
            .unwrap_or_else(|e| panic!("{e}"));
        let value: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
        let mut second = value.clone();
        second["id"] = Value::String("second".into());
        let compact = |v: &Value| serde_json::to_string(v).unwrap_or_else(|e| panic!("{e}"));
        let forms = [
            format!("[{},{}]", compact(&value), compact(&second)),
            format!("{}\n{}\n", compact(&value), compact(&second)),
        ];
        let read = |body: &str| {
            let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
            let path = dir.path().join("service_full.json");
            std::fs::write(&path, body).unwrap_or_else(|e| panic!("{e}"));
            read_json(ctx(), &path).unwrap_or_else(|e| panic!("{e}"))
        };
        let single =
            read_json(ctx(), &fixture("hsds3/service_full.json")).unwrap_or_else(|e| panic!("{e}"));
        let s = only_service(&single);
        for body in &forms {
            let parsed = read(body);
            assert_eq!(parsed.rows_read, 2);
            assert_eq!(parsed.services.len(), 2, "{:?}", parsed.skipped);
            assert_eq!(&parsed.services[0], s);
            assert_eq!(parsed.services[1].name, s.name);
            assert_ne!(parsed.services[1].id, s.id);
        }

        assert_eq!(single.dataset, "service-full");
        assert_eq!(s.organization.name, "Example Organization Inc.");
        assert_eq!(s.phones[0].extension.as_deref(), Some("100"));
        assert_eq!(s.schedules[0].byday.as_deref(), Some("TH,FR"));
        assert_eq!(s.schedules[0].timezone.as_deref(), Some("3"));
        assert_eq!(s.languages[0].name, "Urdu");
        assert_eq!(s.cost_options[0].amount, Some(35.0));
        let l = &s.locations[0];
        assert_eq!(l.name.as_deref(), Some("MyCity Civic Center"));
        assert_eq!(l.point(), None);
        assert_eq!(l.phones.len(), 1);
        assert_eq!(l.schedules.len(), 1);
        assert_eq!(l.accessibility.len(), 1);
        assert_eq!(l.address.as_ref().map(|a| a.city.as_str()), Some("MyCity"));
        // The example's taxonomy is called "name": not one we know, so it is the dataset's own.
        assert_eq!(
            s.taxonomy_terms,
            vec![TaxonomyTerm {
                code: "code".into(),
                name: "name".into(),
                taxonomy: "service-full".into()
            }]
        );
    }

    #[test]
    fn bad_json_names_the_record() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("feed.ndjson");
        std::fs::write(
            &path,
            "{\"id\":\"a\",\"name\":\"A\"}\n{\"id\":\"b\",\"name\":\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        match read_json(ctx(), &path) {
            Err(ImportError::Json { record, .. }) => assert_eq!(record, 2),
            other => panic!("expected a JSON error, got {other:?}"),
        }
        std::fs::write(
            &path,
            "[{\"id\":\"a\",\"name\":\"A\"}, 7, {\"name\":\"no id\"}]",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let parsed = read_json(ctx(), &path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(parsed.services.len(), 1);
        let reasons: Vec<(u64, &str)> = parsed
            .skipped
            .iter()
            .map(|k| (k.row, k.reason.as_str()))
            .collect();
        assert_eq!(reasons, vec![(2, "not a JSON object"), (3, "no id")]);
    }

    #[test]
    fn clock_times_in_the_forms_exports_use() {
        let hhmm = |t: &str| parse_clock(t).map(|c| c.hhmm());
        assert_eq!(hhmm("9:00am").as_deref(), Some("09:00"));
        assert_eq!(hhmm("9am").as_deref(), Some("09:00"));
        assert_eq!(hhmm("7:30 am ").as_deref(), Some("07:30"));
        assert_eq!(hhmm("830am").as_deref(), Some("08:30"));
        assert_eq!(hhmm("9:00a").as_deref(), Some("09:00"));
        assert_eq!(hhmm("12:00pm (dispensing)").as_deref(), Some("12:00"));
        assert_eq!(hhmm("12:00am").as_deref(), Some("00:00"));
        assert_eq!(hhmm("5:00pm Mon").as_deref(), Some("17:00"));
        assert_eq!(hhmm("6:00 p.m.").as_deref(), Some("18:00"));
        assert_eq!(hhmm("12 noon").as_deref(), Some("12:00"));
        assert_eq!(hhmm("10:00:00").as_deref(), Some("10:00"));
        assert_eq!(hhmm("24:00").as_deref(), Some("23:59"));
        assert_eq!(
            parse_clock("10:00Z").and_then(|c| c.offset).as_deref(),
            Some("UTC")
        );
        assert_eq!(
            parse_clock("10:00:00-05:00")
                .and_then(|c| c.offset)
                .as_deref(),
            Some("-05:00")
        );
        for bad in ["", "6:300pm", "8:00m", "13:00pm", "closed", "25:00"] {
            assert_eq!(hhmm(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn service_area_text_becomes_coverage_only_when_all_of_it_is_recognisable() {
        assert_eq!(coverage_of("FL"), vec![Coverage::State("FL".into())]);
        assert_eq!(
            coverage_of("Florida; georgia"),
            vec![Coverage::State("FL".into()), Coverage::State("GA".into())]
        );
        assert_eq!(
            coverage_of("33157, 33158-1234"),
            vec![Coverage::Zip("33157".into()), Coverage::Zip("33158".into())]
        );
        assert_eq!(coverage_of("United States"), vec![Coverage::National]);
        assert!(coverage_of("Residents of Miami-Dade, FL").is_empty());
        assert!(coverage_of("").is_empty());
        let area = build_service_area(&RawServiceArea {
            name: None,
            extent: Some("National".into()),
            extent_type: Some("text".into()),
            ..RawServiceArea::default()
        });
        assert_eq!(
            area.map(|a| (a.name, a.coverage)),
            Some((Some("National".into()), vec![Coverage::National]))
        );
    }

    #[test]
    fn taxonomy_names_map_to_airs_and_open_eligibility() {
        assert_eq!(known_taxonomy("Open211 Miami - AIRS"), Some("airs"));
        assert_eq!(known_taxonomy("AIRS/211 LA County Taxonomy"), Some("airs"));
        assert_eq!(known_taxonomy("Open Eligibility"), Some("open-eligibility"));
        assert_eq!(known_taxonomy("Veterans Affairs"), None);
        assert_eq!(known_taxonomy("name"), None);
    }

    #[test]
    fn dataset_names_come_from_the_manifest_or_the_directory() {
        assert_eq!(
            package_dataset(&fixture("hsds3/csv"), &fixture("hsds3/csv")),
            "hsds3"
        );
        let root = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let miami = root.path().join("miami-211-hsds-2019");
        std::fs::create_dir_all(miami.join("data")).unwrap_or_else(|e| panic!("{e}"));
        std::fs::copy(
            fixture("miami/datapackage.json"),
            miami.join("datapackage.json"),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            package_dataset(&miami, &miami.join("data")),
            "miami-211-2019"
        );
        // A symlinked package is named after the link, as the user named it.
        let link = root.path().join("miami-211-hsds-2019-link");
        std::os::unix::fs::symlink(fixture("miami"), &link).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            package_dataset(&link, &link.join("data")),
            "miami-211-2019-link"
        );
        std::fs::write(
            miami.join("datapackage.json"),
            r#"{"name":"Springfield 211","title":"Springfield"}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            package_dataset(&miami, &miami.join("data")),
            "springfield-211"
        );
    }

    #[test]
    fn mojibake_punctuation_is_repaired() {
        assert_eq!(
            tidy(Some("The Salvation ArmyGÇÖs \\n GÇ£RedGÇ¥ GÇô Shield")).as_deref(),
            Some("The Salvation Army’s\n“Red” – Shield")
        );
        assert_eq!(
            web_url(Some("www.girlscoutsfl.org")).as_deref(),
            Some("http://www.girlscoutsfl.org")
        );
        assert_eq!(web_url(Some("javascript:alert(1)")), None);
        assert_eq!(
            web_url(Some("https://example.org/a")).as_deref(),
            Some("https://example.org/a")
        );
    }
}
