//! What every HSDS reader shares: the CSV tables of a package, the intermediate
//! a source is read into, the joins both package versions make, and the builder
//! that turns the intermediate into a [`Service`].
//!
//! Every HSDS source, whatever its layout, is first read into a [`RawService`]: the
//! service's own fields as text, with its organization, locations, phones,
//! schedules, languages, service areas, cost options and taxonomy terms already
//! nested. The tabular readers (`hsds3` for 3.0, `hsds1` for 1.x) get there by
//! joining their tables on their id columns into [`Links`], and 3.0 JSON (`hsds3`)
//! by walking the `service_full.json` shape. [`build_service`] then does the
//! cleaning every source needs once: text, ZIP codes, phones, opening times,
//! coordinates (with ZIP-centroid placement), coverage and categories. Writing the
//! result is the store's job.

use super::flat::read_csv_bytes;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use ::geo::MultiPolygon;
use serde_json::{Map, Value};

use crate::geo::{Counties, Gazetteer, area_from_geojson, state_code};
use crate::model::{
    Address, Attribute, Category, CostOption, Coverage, Language, Location, LocationType, Need,
    Organization, Phone, Schedule, Service, ServiceArea, ServiceStatus, SourceRef, TaxonomyTerm,
    clean_text, is_http_url, normalize_zip, record_id,
};

use super::categories::{is_airs_term_code, is_open_eligibility_shape};
use super::detect::package_tables_dir;
use super::flat::{make_address, make_phones};
use super::{
    Format, ImportContext, ImportError, ParsedSource, RawPhone, SkippedRow, parse_coordinate,
    place_location, quoted,
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
        let bytes = read_csv_bytes(&path)?;
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
// Where rows came from, and notes on what was changed in them
// ---------------------------------------------------------------------------

/// Where a raw record was read: its file in a package (`None` for a single JSON
/// file) and its line, or its record number in JSON.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub(super) struct Origin {
    pub file: Option<String>,
    pub row: u64,
}

impl Origin {
    /// The row at `line` of a package table.
    pub(super) fn line(file: &str, line: u64) -> Origin {
        Origin {
            file: Some(file.to_owned()),
            row: line,
        }
    }
}

/// Notes on rows whose data was changed or left out while their listing was
/// kept, collected while reading: one per row, a row's problems joined into one
/// reason, the same problem said once (a location shared by several services is
/// built once for each of them).
#[derive(Debug, Default)]
pub(super) struct Notes {
    rows: Vec<(Origin, Vec<String>)>,
    index: HashMap<Origin, usize>,
}

impl Notes {
    /// Notes `reason` for the row at `origin`.
    pub(super) fn add(&mut self, origin: &Origin, reason: String) {
        let at = *self.index.entry(origin.clone()).or_insert_with(|| {
            self.rows.push((origin.clone(), Vec::new()));
            self.rows.len() - 1
        });
        if let Some((_, reasons)) = self.rows.get_mut(at)
            && !reasons.contains(&reason)
        {
            reasons.push(reason);
        }
    }

    /// Adds notes already made for rows (`SkippedRow` is their report form).
    pub(super) fn extend(&mut self, rows: &[SkippedRow]) {
        for row in rows {
            let origin = Origin {
                file: row.file.clone(),
                row: row.row,
            };
            self.add(&origin, row.reason.clone());
        }
    }

    /// The notes, one per row, in the order the rows were first noted.
    pub(super) fn into_rows(self) -> Vec<SkippedRow> {
        self.rows
            .into_iter()
            .map(|(origin, reasons)| SkippedRow {
                row: origin.row,
                file: origin.file,
                reason: reasons.join("; "),
            })
            .collect()
    }
}

/// Why a schedule's opening or closing time was not read, if one was not:
/// `opening time "8:00m" is not a time of day; left out (the schedule's text is kept)`.
pub(super) fn schedule_note(
    opens: Option<&str>,
    closes: Option<&str>,
    has_text: bool,
) -> Option<String> {
    let unreadable = |label: &str, text: Option<&str>| {
        text.map(str::trim)
            .filter(|t| !t.is_empty() && parse_clock(t).is_none())
            .map(|t| format!("{label} time {}", quoted(t)))
    };
    let bad: Vec<String> = [unreadable("opening", opens), unreadable("closing", closes)]
        .into_iter()
        .flatten()
        .collect();
    let verb = match bad.len() {
        0 => return None,
        1 => "is not a time of day",
        _ => "are not times of day",
    };
    let kept = if has_text {
        "; left out (the schedule's text is kept)"
    } else {
        "; left out"
    };
    Some(format!("{} {verb}{kept}", bad.join(" and ")))
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
    pub dtstart: Option<String>,
    pub until: Option<String>,
    pub interval: Option<String>,
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
            dtstart: f.text("dtstart"),
            until: f.text("until"),
            interval: f.text("interval"),
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
    /// Where it was read (`service_areas.csv` and its line), for notes; `None`
    /// when it is nested in its service's JSON record, whose origin stands in.
    pub origin: Option<Origin>,
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
            origin: None,
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
    /// Where it was read (`locations.csv` and its line, or the JSON record), for notes.
    pub origin: Origin,
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
    /// Where it was read (`services.csv` and its line, or the JSON record), for notes.
    pub origin: Origin,
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
    /// Rows of the linked tables whose data was changed or left out (a phone that
    /// names no owner, a time that is not a time).
    pub notes: Vec<SkippedRow>,
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
// Joins: the tables 1.x and 3.0 packages both have, under their own names
// ---------------------------------------------------------------------------

/// What a package version calls the tables both versions have.
#[derive(Debug, Clone, Copy)]
pub(super) struct SharedTables {
    /// The address tables, by location id. A table named `postal…` (1.x
    /// `postal_addresses.csv`) holds postal addresses; 3.0 rows give their own type.
    pub addresses: &'static [&'static str],
    /// The accessibility table, by location id.
    pub accessibility: &'static str,
    /// The accessibility table's text column (it is joined with `details`).
    pub accessibility_text: &'static str,
    /// The table that links services to locations.
    pub service_at_location: &'static str,
}

impl Links {
    /// Reads the tables both versions have that come before schedules:
    /// organizations, locations (with their address and accessibility notes), the
    /// service–location links and phones. Missing tables are empty; a malformed
    /// one fails the import.
    pub(super) fn read_shared(dir: &Path, tables: SharedTables) -> Result<Links, ImportError> {
        let mut links = Links::default();
        for row in Table::read_or_empty(dir, "organizations.csv")?.rows() {
            if let Some(id) = row.text("id") {
                links
                    .organizations
                    .insert(id, RawOrganization::from_fields(&row));
            }
        }

        let mut addresses: HashMap<String, RawLocation> = HashMap::new();
        for file in tables.addresses {
            for row in Table::read_or_empty(dir, file)?.rows() {
                let Some(location_id) = row.text("location_id") else {
                    links.note(
                        file,
                        row.line,
                        "address names no location (location_id is empty); left out",
                    );
                    continue;
                };
                let mut address = RawAddress::from_fields(&row);
                if file.starts_with("postal") {
                    address.address_type = Some("postal".into());
                }
                // The origin is the location's first address row, for a note if no location claims it.
                addresses
                    .entry(location_id)
                    .or_insert_with(|| RawLocation {
                        origin: Origin::line(file, row.line),
                        ..RawLocation::default()
                    })
                    .offer_address(address);
            }
        }
        let mut accessibility: HashMap<String, (Origin, Vec<String>)> = HashMap::new();
        for row in Table::read_or_empty(dir, tables.accessibility)?.rows() {
            let text = [row.text(tables.accessibility_text), row.text("details")]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            if let Some(location_id) = row.text("location_id").filter(|_| !text.is_empty()) {
                accessibility
                    .entry(location_id)
                    .or_insert_with(|| (Origin::line(tables.accessibility, row.line), Vec::new()))
                    .1
                    .push(text);
            }
        }
        for row in Table::read_or_empty(dir, "locations.csv")?.rows() {
            let Some(id) = row.text("id") else {
                links.note(
                    "locations.csv",
                    row.line,
                    "location has no id, so no service can name it; left out",
                );
                continue;
            };
            let mut location = RawLocation::from_fields(&row);
            location.origin = Origin::line("locations.csv", row.line);
            location.address = addresses.remove(&id).and_then(|l| l.address);
            location.accessibility = accessibility.remove(&id).map(|a| a.1).unwrap_or_default();
            links.locations.insert(id, location);
        }
        // Rows for locations the package does not have, in file order.
        let mut orphans: Vec<(Origin, String)> = addresses
            .into_iter()
            .map(|(id, l)| (l.origin, format!("address names location {}", quoted(&id))))
            .chain(accessibility.into_iter().map(|(id, (origin, _))| {
                (
                    origin,
                    format!("accessibility names location {}", quoted(&id)),
                )
            }))
            .collect();
        orphans.sort_by(|a, b| (&a.0.file, a.0.row).cmp(&(&b.0.file, b.0.row)));
        for (origin, what) in orphans {
            links.notes.push(SkippedRow {
                row: origin.row,
                file: origin.file,
                reason: format!("{what}, which is not in locations.csv; left out"),
            });
        }

        let file = tables.service_at_location;
        for row in Table::read_or_empty(dir, file)?.rows() {
            match (row.text("service_id"), row.text("location_id")) {
                (Some(service_id), Some(location_id)) => {
                    if !links.locations.contains_key(&location_id) {
                        links.note(
                            file,
                            row.line,
                            &format!(
                                "links location {}, which is not in locations.csv; left out",
                                quoted(&location_id)
                            ),
                        );
                        continue;
                    }
                    links
                        .service_locations
                        .entry(service_id)
                        .or_default()
                        .push((row.text("id"), location_id));
                }
                _ => links.note(
                    file,
                    row.line,
                    "links no service or no location (service_id or location_id is empty); left out",
                ),
            }
        }

        for row in Table::read_or_empty(dir, "phones.csv")?.rows() {
            match Owner::of(&row) {
                Some(owner) => links
                    .phones
                    .insert(owner, RawPhoneRecord::from_fields(&row)),
                None => links.note(
                    "phones.csv",
                    row.line,
                    "phone names no service, location or organization; left out",
                ),
            }
        }
        Ok(links)
    }

    /// Notes `reason` for row `line` of `file`.
    pub(super) fn note(&mut self, file: &str, line: u64, reason: &str) {
        self.notes.push(SkippedRow {
            row: line,
            file: Some(file.to_owned()),
            reason: reason.to_owned(),
        });
    }

    /// Reads `languages.csv` and `service_areas.csv`, by service id.
    pub(super) fn read_languages_and_service_areas(
        &mut self,
        dir: &Path,
    ) -> Result<(), ImportError> {
        self.languages = by_service(dir, "languages.csv", |row| RawLanguage::from_fields(row))?;
        self.service_areas = by_service(dir, "service_areas.csv", |row| RawServiceArea {
            origin: Some(Origin::line("service_areas.csv", row.line)),
            ..RawServiceArea::from_fields(row)
        })?;
        Ok(())
    }

    /// Adds an attribute `tag` for each row of `file` that names a service and has a `column` value
    /// (`required_documents.csv` → `required_document`).
    pub(super) fn read_service_attributes(
        &mut self,
        dir: &Path,
        file: &str,
        tag: &str,
        column: &str,
    ) -> Result<(), ImportError> {
        for row in Table::read_or_empty(dir, file)?.rows() {
            if let (Some(service_id), Some(value)) = (row.text("service_id"), row.text(column)) {
                self.attributes
                    .entry(service_id)
                    .or_default()
                    .push(Attribute {
                        tag: tag.into(),
                        value,
                    });
            }
        }
        Ok(())
    }
}

/// The rows of `dir/file` that name a service, each read with `item`, by service id.
pub(super) fn by_service<T>(
    dir: &Path,
    file: &str,
    item: impl Fn(&Row<'_>) -> T,
) -> Result<HashMap<String, Vec<T>>, ImportError> {
    let mut items: HashMap<String, Vec<T>> = HashMap::new();
    for row in Table::read_or_empty(dir, file)?.rows() {
        if let Some(service_id) = row.text("service_id") {
            items.entry(service_id).or_default().push(item(&row));
        }
    }
    Ok(items)
}

// ---------------------------------------------------------------------------
// Package-level helpers: a package's name and its services
// ---------------------------------------------------------------------------

/// Turns a name into a dataset slug: lower case, runs of other characters as `-`.
pub(super) fn slug(text: &str) -> String {
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
fn package_dataset(path: &Path, tables: &Path) -> String {
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
fn known_taxonomy(name: &str) -> Option<&'static str> {
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

/// The Hearth taxonomy a term code belongs to by its shape, for terms whose
/// taxonomy name is missing or not one [`known_taxonomy`] recognises: AIRS term
/// codes (`BD-1800.2000`) and Open Eligibility ids that are in the taxonomy (`102-04`).
fn taxonomy_by_shape(ctx: ImportContext<'_>, code: &str) -> Option<&'static str> {
    let code = code.trim();
    if is_airs_term_code(code) {
        Some("airs")
    } else if is_open_eligibility_shape(code) && ctx.categories.is_open_eligibility_id(code) {
        Some("open-eligibility")
    } else {
        None
    }
}

/// A tabular package opened for reading: where its tables are, its
/// `services.csv`, and the dataset name its listings are recorded under.
pub(super) struct Package<'a> {
    /// The package as the user named it.
    pub path: &'a Path,
    /// The directory of its CSVs: the path itself, or its `data/` folder.
    pub dir: PathBuf,
    pub services: Table,
    pub dataset: String,
}

impl Package<'_> {
    /// Opens the package at `path`; it fails without a `services.csv` that has
    /// `id` and `name` columns. Its listings are recorded under `dataset` when
    /// given (`--dataset`), else under the package's own name.
    pub(super) fn open<'a>(
        path: &'a Path,
        dataset: Option<&str>,
    ) -> Result<Package<'a>, ImportError> {
        let dir = package_tables_dir(path);
        let services = required_services_table(path, &dir)?;
        let dataset = match dataset {
            Some(name) => name.to_owned(),
            None => package_dataset(path, &dir),
        };
        Ok(Package {
            path,
            dir,
            services,
            dataset,
        })
    }

    /// Reads every row of `services.csv` into a service, nesting what `links` holds for it.
    ///
    /// Rows without an id or name, and repeats of an id already read, are skipped with
    /// their line number. Notes cover the linked tables' rows (`links.notes`) and what
    /// building each service changed.
    pub(super) fn read_services(
        &self,
        ctx: ImportContext<'_>,
        format: Format,
        source_note: Option<&str>,
        links: &Links,
    ) -> ParsedSource {
        let (services, dataset) = (&self.services, self.dataset.as_str());
        let mut parsed = ParsedSource::empty(self.path, format, dataset);
        let mut notes = Notes::default();
        notes.extend(&links.notes);
        let mut seen: HashMap<String, u64> = HashMap::new();
        for row in services.rows() {
            parsed.rows_read += 1;
            let skip = |reason: String| SkippedRow {
                row: row.line,
                file: Some(services.file.clone()),
                reason,
            };
            let mut raw = RawService::from_fields(&row);
            raw.origin = Origin::line(&services.file, row.line);
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
            match build_service(ctx, dataset, source_note, raw, &mut notes) {
                Ok(service) => parsed.services.push(service),
                Err(reason) => parsed.skipped.push(skip(reason)),
            }
        }
        parsed.notes = notes.into_rows();
        parsed
    }
}

/// Reads `services.csv`, which a package must have, with at least `id` and `name` columns.
fn required_services_table(path: &Path, dir: &Path) -> Result<Table, ImportError> {
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
// Building a Service from a RawService
// ---------------------------------------------------------------------------

/// Repairs text that went through UTF-8 → code page 437 on its way out of the source
/// system (211 Miami writes `AttorneyGÇÖs` for `Attorney’s`). Only the punctuation
/// sequences starting `GÇ`, which never occur in real text, are replaced.
fn repair_mojibake(text: &str) -> std::borrow::Cow<'_, str> {
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
        dtstart: tidy(raw.dtstart.as_deref()),
        until: tidy(raw.until.as_deref()),
        interval: tidy(raw.interval.as_deref()),
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
            let code = code.or_else(|| crate::model::language_code(name).map(str::to_owned));
            languages.push(Language {
                name: name.to_owned(),
                code,
            });
        }
    }
    languages
}

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
    if let Some(code) = state_code(&lower) {
        return Some(Coverage::State(code.to_owned()));
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

/// What each kind of county is called, as written after its name: (singular,
/// plural, the kind as a county's name takes it). Longest first, so that "Juneau
/// City and Borough" is not a borough named "Juneau City and". "city" is an
/// independent city (Virginia's, Baltimore, St. Louis, Carson City).
const COUNTY_KINDS: [(&str, &str, &str); 8] = [
    (
        " city and borough",
        " cities and boroughs",
        "City and Borough",
    ),
    (" census area", " census areas", "Census Area"),
    (" municipality", " municipalities", "Municipality"),
    (" municipio", " municipios", "Municipio"),
    (" borough", " boroughs", "Borough"),
    (" county", " counties", "County"),
    (" parish", " parishes", "Parish"),
    (" city", " cities", "city"),
];

/// A part of a service area's text, by its shape, before anything is looked up.
#[derive(Debug, Clone, PartialEq)]
enum AreaPart {
    /// National, or a ZIP code.
    Term(Coverage),
    /// A state: coverage on its own, or the state of the counties written just before it.
    State(&'static str),
    /// A county as written ("Miami-Dade County"), with a state written with it ("Broward County FL").
    County {
        name: String,
        state: Option<&'static str>,
    },
    /// The last of counties named once for all ("Monroe counties" in "Miami-Dade,
    /// Broward and Monroe counties"), and the kind the others before it take.
    Counties {
        name: String,
        kind: &'static str,
        state: Option<&'static str>,
    },
    /// Anything else: allowed only as a name in a list ending in "counties".
    Other(String),
}

fn area_part(text: &str) -> AreaPart {
    if let Some(term) = coverage_term(text) {
        return match term {
            Coverage::State(_) => state_code(text).map_or(AreaPart::Term(term), AreaPart::State),
            other => AreaPart::Term(other),
        };
    }
    let text = text.trim();
    // A state code after the county, as in "Broward County FL" or "Broward County (FL)".
    let (body, state) = match text.rsplit_once(' ') {
        Some((body, last)) if last.trim_matches(['(', ')']).len() == 2 => {
            match state_code(last.trim_matches(['(', ')'])) {
                Some(code) => (body.trim(), Some(code)),
                None => (text, None),
            }
        }
        _ => (text, None),
    };
    let lower = body.to_lowercase();
    // "County of Los Angeles", "City and County of Denver", "Parish of Orleans".
    for (prefix, kind) in [
        ("city and county of ", "County"),
        ("county of ", "County"),
        ("parish of ", "Parish"),
        ("city of ", "city"),
    ] {
        if lower.starts_with(prefix)
            && let Some(name) = body.get(prefix.len()..).filter(|n| !n.trim().is_empty())
        {
            return AreaPart::County {
                name: format!("{} {kind}", name.trim()),
                state,
            };
        }
    }
    for (singular, plural, kind) in COUNTY_KINDS {
        if lower.ends_with(singular) && lower.len() > singular.len() {
            return AreaPart::County {
                name: body.to_owned(),
                state,
            };
        }
        if lower.ends_with(plural) && lower.len() > plural.len() {
            let name = body.get(..body.len() - plural.len()).unwrap_or(body);
            return AreaPart::Counties {
                name: format!("{} {kind}", name.trim()),
                kind,
                state,
            };
        }
    }
    AreaPart::Other(text.to_owned())
}

/// The parts of one comma-separated piece: "Miami-Dade and Broward counties" and
/// "Florida & Georgia" are two parts each, "Lake and Peninsula Borough" (one
/// borough) and "Residents of Dade and Broward" (a sentence) stay one.
fn area_parts(piece: &str) -> Vec<AreaPart> {
    let words: Vec<&str> = piece.split_whitespace().collect();
    let words = match words.first() {
        // The "and" of "Miami-Dade, Broward, and Monroe counties".
        Some(w) if w.eq_ignore_ascii_case("and") || *w == "&" => &words[1..],
        _ => &words[..],
    };
    let whole = words.join(" ");
    let split: Vec<AreaPart> = words
        .split(|w| w.eq_ignore_ascii_case("and") || *w == "&")
        .map(|group| area_part(&group.join(" ")))
        .collect();
    let listed = split.len() > 1
        && (split.iter().all(|p| !matches!(p, AreaPart::Other(_)))
            || matches!(split.last(), Some(AreaPart::Counties { .. })));
    if listed {
        split
    } else if whole.is_empty() {
        Vec::new()
    } else {
        vec![area_part(&whole)]
    }
}

/// Coverage from a service area's text, only when all of it is recognisable:
/// states, ZIP codes, "National", and counties ("Miami-Dade County", "Broward
/// County, FL", "Miami-Dade, Broward and Monroe counties", "Orleans Parish").
/// Anything else (a sentence, a city, a county that does not exist) leaves the
/// whole text as text only: a guess would show a service where it is not offered.
///
/// A county takes the state written after it ("Broward County, FL"), else the
/// one state the text writes that way for its other counties, else `home_state`
/// (where the service's own locations are). Semicolons, `|` and line breaks
/// separate lists: a state there is coverage of its own, not a county's state.
fn coverage_of(text: &str, gazetteer: &Gazetteer, home_state: Option<&str>) -> Vec<Coverage> {
    let mut coverage = resolve_area_text(text, gazetteer, home_state).unwrap_or_default();
    let mut seen = HashSet::new();
    coverage.retain(|c| seen.insert(c.clone()));
    coverage
}

fn resolve_area_text(
    text: &str,
    gazetteer: &Gazetteer,
    home_state: Option<&str>,
) -> Option<Vec<Coverage>> {
    let mut coverage = Vec::new();
    // Counties read so far, with their state once known, in order.
    let mut counties: Vec<(String, Option<&'static str>)> = Vec::new();
    // States written after counties ("Broward County, FL").
    let mut county_states: Vec<&'static str> = Vec::new();
    for list in text.split([';', '\n', '|']) {
        // Names waiting for a "counties" to make them counties.
        let mut names: Vec<String> = Vec::new();
        // Where the counties written one after another (with nothing between) begin.
        let mut run: Option<usize> = None;
        for part in list.split(',').flat_map(area_parts) {
            match part {
                AreaPart::State(code) if run.is_some() => {
                    let start = run.take().unwrap_or_default();
                    for county in counties.iter_mut().skip(start) {
                        county.1.get_or_insert(code);
                    }
                    county_states.push(code);
                }
                AreaPart::State(code) if names.is_empty() => {
                    coverage.push(Coverage::State(code.to_owned()));
                }
                AreaPart::Term(term) if names.is_empty() => {
                    coverage.push(term);
                    run = None;
                }
                AreaPart::County { name, state } if names.is_empty() => {
                    run.get_or_insert(counties.len());
                    counties.push((name, state));
                }
                AreaPart::Counties { name, kind, state } => {
                    run.get_or_insert(counties.len());
                    for other in names.drain(..) {
                        counties.push((format!("{other} {kind}"), state));
                    }
                    counties.push((name, state));
                }
                AreaPart::Other(name) => names.push(name),
                _ => return None,
            }
        }
        if !names.is_empty() {
            return None;
        }
    }
    county_states.sort_unstable();
    county_states.dedup();
    let fallback = match county_states.as_slice() {
        [only] => Some(*only),
        _ => home_state,
    };
    for (name, state) in counties {
        let state = state.or(fallback)?;
        let fips = gazetteer.county_by_name(state, &name)?;
        coverage.push(Coverage::County(fips.to_owned()));
    }
    Some(coverage)
}

/// The one state the service's locations are in (by their address, or their ZIP
/// code), for a service area that names a county without its state.
fn home_state(gazetteer: &Gazetteer, locations: &[Location]) -> Option<String> {
    let mut states: Vec<String> = locations
        .iter()
        .filter_map(|l| l.address.as_ref())
        .filter_map(|a| {
            state_code(&a.state_province)
                .map(str::to_owned)
                .or_else(|| gazetteer.zip(&a.postal_code).map(|z| z.state.clone()))
        })
        .collect();
    states.sort_unstable();
    states.dedup();
    match states.as_slice() {
        [only] => Some(only.clone()),
        _ => None,
    }
}

/// Coverage of a GeoJSON area: the counties it covers (a whole state as the
/// state), and the ZIP codes whose centre it holds in the counties it does not
/// cover. A neighbourhood is a few ZIP codes; a region is its counties and the
/// ZIP codes along its edge. Empty when it holds nothing in the United States.
fn shape_coverage(
    gazetteer: &Gazetteer,
    counties: &Counties,
    area: &MultiPolygon<f64>,
) -> Vec<Coverage> {
    let covered = counties.counties_in(area);
    if !covered.is_empty() && covered.len() == counties.len() {
        return vec![Coverage::National];
    }
    let mut coverage = Vec::new();
    let mut by_state: Vec<(&str, Vec<&String>)> = Vec::new();
    for fips in &covered {
        let prefix = fips.get(..2).unwrap_or_default();
        match by_state.iter_mut().find(|(p, _)| *p == prefix) {
            Some((_, list)) => list.push(fips),
            None => by_state.push((prefix, vec![fips])),
        }
    }
    for (prefix, list) in by_state {
        let in_state = counties.fips().filter(|f| f.starts_with(prefix)).count();
        let state = list
            .first()
            .and_then(|fips| gazetteer.state_of_county(fips));
        match state {
            Some(state) if list.len() == in_state => {
                coverage.push(Coverage::State(state.to_owned()))
            }
            _ => coverage.extend(list.into_iter().map(|f| Coverage::County(f.clone()))),
        }
    }
    for zip in gazetteer.zips_in(area) {
        let in_covered_county = gazetteer
            .zip(&zip)
            .and_then(|z| z.county_fips.as_ref())
            .is_some_and(|fips| covered.contains(fips));
        if !in_covered_county {
            coverage.push(Coverage::Zip(zip));
        }
    }
    coverage
}

/// Where a service is, for reading its service areas: the gazetteer, the state
/// its locations are in, and where the service was read (for notes).
struct AreaContext<'a> {
    gazetteer: &'a Gazetteer,
    home_state: Option<&'a str>,
    origin: &'a Origin,
}

/// Coverage from a service area's GeoJSON `extent`, when it has one; a shape that
/// cannot be read or covers nothing is noted (the area stays text only).
fn extent_coverage(raw: &RawServiceArea, at: &AreaContext<'_>, notes: &mut Notes) -> Vec<Coverage> {
    let extent = raw.extent.as_deref().map(str::trim).unwrap_or_default();
    let declared = raw
        .extent_type
        .as_deref()
        .map(|t| t.trim().to_ascii_lowercase());
    let geojson = match declared.as_deref() {
        Some("geojson") => true,
        // No type given, but a JSON object: GeoJSON is the only JSON extent HSDS has.
        None | Some("") => extent.starts_with('{'),
        Some(_) => false,
    };
    if !geojson || extent.is_empty() {
        return Vec::new();
    }
    let origin = raw.origin.as_ref().unwrap_or(at.origin);
    let label = match tidy(raw.name.as_deref()) {
        Some(name) => format!("service area {}", quoted(&name)),
        None => "service area".to_owned(),
    };
    let area = match area_from_geojson(extent) {
        Ok(area) => area,
        Err(problem) => {
            notes.add(
                origin,
                format!("{label}: extent is not a GeoJSON area ({problem}); kept as text only"),
            );
            return Vec::new();
        }
    };
    let counties = match Counties::shared() {
        Ok(counties) => counties,
        Err(problem) => {
            notes.add(
                origin,
                format!("{label}: extent not read ({problem}); kept as text only"),
            );
            return Vec::new();
        }
    };
    let coverage = shape_coverage(at.gazetteer, counties, &area);
    if coverage.is_empty() {
        notes.add(
            origin,
            format!("{label}: extent holds no US county or ZIP code centre; kept as text only"),
        );
    }
    coverage
}

/// Coverage written as `;`-separated terms, as a Hearth export writes a service
/// area's extent (`national; state:FL; county:12086; zip:33157`); `None` unless
/// every part is such a term (a county as its 5-digit FIPS code).
fn coverage_list(text: &str) -> Option<Vec<Coverage>> {
    let mut coverage = Vec::new();
    for part in text.split(';').map(str::trim) {
        let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
        let term = match part.split_once(':') {
            None if part == "national" => Coverage::National,
            Some(("state", code))
                if code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase()) =>
            {
                Coverage::State(code.to_owned())
            }
            Some(("county", fips)) if digits(fips, 5) => Coverage::County(fips.to_owned()),
            Some(("zip", zip)) if digits(zip, 5) => Coverage::Zip(zip.to_owned()),
            _ => return None,
        };
        if !coverage.contains(&term) {
            coverage.push(term);
        }
    }
    Some(coverage)
}

fn build_service_area(
    raw: &RawServiceArea,
    at: &AreaContext<'_>,
    notes: &mut Notes,
) -> Option<ServiceArea> {
    let name = tidy(raw.name.as_deref());
    let description = tidy(raw.description.as_deref());
    let textual_extent = raw
        .extent_type
        .as_deref()
        .is_none_or(|t| t.trim().eq_ignore_ascii_case("text"))
        .then(|| tidy(raw.extent.as_deref()))
        .flatten()
        .filter(|e| !e.trim_start().starts_with(['{', '[', '<']));
    // Coverage a Hearth export wrote out term by term is taken as it is.
    if let Some(listed) = textual_extent.as_deref().and_then(coverage_list) {
        return Some(ServiceArea {
            name,
            description,
            coverage: listed,
        });
    }
    // The shape, when there is one, is what the source drew; the name only describes it.
    let mut coverage = extent_coverage(raw, at, notes);
    if coverage.is_empty() {
        coverage = [name.as_deref(), textual_extent.as_deref()]
            .into_iter()
            .flatten()
            .map(|text| coverage_of(text, at.gazetteer, at.home_state))
            .find(|c| !c.is_empty())
            .unwrap_or_default();
    }
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

/// The taxonomy under which a Hearth export (`crate::export::hsds`) writes a
/// listing's categories, whose terms set the categories as they are.
const CATEGORY_TAXONOMY: &str = "hearth-category";
/// The taxonomy under which a Hearth export writes a listing's SDOH needs.
const NEED_TAXONOMY: &str = "sdoh-need";
/// The taxonomy of the terms a Hearth export names its attributes' tags with.
const ATTRIBUTE_TAXONOMY: &str = "hearth-attribute";
/// The attribute tag under which a Hearth export writes the note about a listing's source.
const SOURCE_NOTE_TAG: &str = "source_note";

/// Whether a term is one of Hearth's own categories, needs or attribute tags
/// (not a source term).
fn is_hearth_term(term: &RawTerm) -> bool {
    matches!(
        term.taxonomy.as_deref().map(str::trim),
        Some(CATEGORY_TAXONOMY | NEED_TAXONOMY | ATTRIBUTE_TAXONOMY)
    )
}

/// The categories and needs a Hearth export wrote as terms, each `None` when
/// there were none of that kind (then the listing is classified as usual).
fn hearth_classification(raw: &[RawTerm]) -> (Option<Vec<Category>>, Option<Vec<Need>>) {
    let mut categories: Vec<Category> = Vec::new();
    let mut needs: Vec<Need> = Vec::new();
    let (mut any_category, mut any_need) = (false, false);
    for t in raw {
        let code = t.code.as_deref().or(t.name.as_deref()).unwrap_or("");
        match t.taxonomy.as_deref().map(str::trim) {
            Some(CATEGORY_TAXONOMY) => {
                any_category = true;
                if let Some(c) = Category::parse(code).filter(|c| !categories.contains(c)) {
                    categories.push(c);
                }
            }
            Some(NEED_TAXONOMY) => {
                any_need = true;
                if let Some(n) = Need::parse(code).filter(|n| !needs.contains(n)) {
                    needs.push(n);
                }
            }
            _ => {}
        }
    }
    (
        any_category.then_some(categories),
        any_need.then_some(needs),
    )
}

/// The service's terms, each under its Hearth taxonomy: a name the category map
/// has rules for (`airs`, `open-eligibility`, a bundled dataset's name, as a
/// Hearth export writes them) as it is; else `airs` or `open-eligibility` when
/// its taxonomy's name (or else its code's shape) says so, else the dataset's
/// own. Hearth's own categories, needs and attribute tags are not source terms
/// and are left out, as are repeats.
fn resolve_terms(ctx: ImportContext<'_>, dataset: &str, raw: &[RawTerm]) -> Vec<TaxonomyTerm> {
    let mut terms: Vec<TaxonomyTerm> = Vec::new();
    for t in raw.iter().filter(|t| !is_hearth_term(t)) {
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
        let named = t.taxonomy.as_deref().map(str::trim);
        let taxonomy = match named.filter(|n| ctx.categories.has_rules_for(n)) {
            Some(name) => name.to_owned(),
            None => named
                .and_then(known_taxonomy)
                .or_else(|| taxonomy_by_shape(ctx, &code))
                .unwrap_or(dataset)
                .to_owned(),
        };
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

/// Where a location is, and what was wrong with its own coordinates if they
/// could not be used (then it is placed at its ZIP centroid, or has no point).
fn locate(
    ctx: ImportContext<'_>,
    raw: &RawLocation,
    zip: Option<&str>,
) -> (Option<(f64, f64, bool)>, Option<String>) {
    let latitude = raw
        .latitude
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let longitude = raw
        .longitude
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let parsed = |text: Option<&str>| text.and_then(|t| parse_coordinate(t).ok().flatten());
    let (lat, lon) = (parsed(latitude), parsed(longitude));
    let shown = |text: Option<&str>| text.map_or_else(|| "none".to_owned(), quoted);
    let problem = match (latitude, longitude) {
        (None, None) => None,
        _ if (lat.is_none() && latitude.is_some()) || (lon.is_none() && longitude.is_some()) => {
            Some(format!(
                "coordinates ({}, {}) are not numbers",
                shown(latitude),
                shown(longitude)
            ))
        }
        (Some(_), None) | (None, Some(_)) => Some(format!(
            "coordinates ({}, {}) are incomplete",
            shown(latitude),
            shown(longitude)
        )),
        _ => None,
    };
    match (problem, place_location(ctx, lat, lon, zip)) {
        (None, Ok(placed)) => (placed, None),
        (Some(problem), Ok(placed)) => (placed, Some(problem)),
        // Out of range (the HSDS example has 100, 101): dropped, the location kept.
        (_, Err(problem)) => (
            place_location(ctx, None, None, zip).ok().flatten(),
            Some(problem),
        ),
    }
}

fn build_location(
    ctx: ImportContext<'_>,
    dataset: &str,
    fallback_id: &str,
    raw: &RawLocation,
    notes: &mut Notes,
) -> Location {
    let source_id = raw.id.clone().unwrap_or_else(|| fallback_id.to_owned());
    let address = raw.address.as_ref().and_then(build_address);
    let zip = address
        .as_ref()
        .map(|a| a.postal_code.as_str())
        .filter(|z| !z.is_empty());
    let (placed, problem) = locate(ctx, raw, zip);
    if let Some(problem) = problem {
        let outcome = if placed.is_some() {
            "placed at its ZIP centre (approximate)"
        } else {
            "it has no point"
        };
        notes.add(
            &raw.origin,
            format!("location {}: {problem}; {outcome}", quoted(&source_id)),
        );
    }
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
/// or says why it cannot be one (no id, no name). What cleaning changed or left
/// out of a row that is kept (coordinates, a status, a website, an age) goes
/// into `notes`, under the row it was read from.
pub(super) fn build_service(
    ctx: ImportContext<'_>,
    dataset: &str,
    source_note: Option<&str>,
    raw: RawService,
    notes: &mut Notes,
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
    let terms = resolve_terms(ctx, dataset, &raw.terms);
    let classification = ctx.categories.classify(dataset, &terms);
    // What a Hearth export says a listing is about is kept as it is.
    let (hearth_categories, hearth_needs) = hearth_classification(&raw.terms);
    let mut locations: Vec<Location> = Vec::new();
    for (i, l) in raw.locations.iter().enumerate() {
        let location = build_location(ctx, dataset, &format!("{source_id}/{}", i + 1), l, notes);
        if !locations.iter().any(|k| k.id == location.id) {
            locations.push(location);
        }
    }
    let mut attributes: Vec<Attribute> = Vec::new();
    let mut exported_note: Option<String> = None;
    for a in &raw.attributes {
        let (Some(tag), Some(value)) = (tidy(Some(&a.tag)), tidy(Some(&a.value))) else {
            continue;
        };
        if tag == SOURCE_NOTE_TAG && source_note.is_none() {
            exported_note.get_or_insert(value);
            continue;
        }
        let attribute = Attribute { tag, value };
        if !attributes.contains(&attribute) {
            attributes.push(attribute);
        }
    }
    let status = raw.status.as_deref().and_then(ServiceStatus::parse);
    if let (None, Some(text)) = (status, raw.status.as_deref()) {
        notes.add(
            &raw.origin,
            format!(
                "status {} is not an HSDS status; listed as active",
                quoted(text)
            ),
        );
    }
    let url = web_url(raw.url.as_deref());
    if let (None, Some(text)) = (&url, raw.url.as_deref()) {
        notes.add(
            &raw.origin,
            format!(
                "website {} is not an http(s) address; left out",
                quoted(text)
            ),
        );
    }
    let home_state = home_state(ctx.gazetteer, &locations);
    let at = AreaContext {
        gazetteer: ctx.gazetteer,
        home_state: home_state.as_deref(),
        origin: &raw.origin,
    };
    let service_areas: Vec<ServiceArea> = raw
        .service_areas
        .iter()
        .filter_map(|area| build_service_area(area, &at, notes))
        .collect();
    let [minimum_age, maximum_age] = [("minimum", &raw.minimum_age), ("maximum", &raw.maximum_age)]
        .map(|(which, text)| {
            let age = parse_age(text.as_deref());
            if let (None, Some(text)) = (age, text.as_deref()) {
                notes.add(
                    &raw.origin,
                    format!(
                        "{which} age {} is not a number of years; left out",
                        quoted(text)
                    ),
                );
            }
            age
        });
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
        url,
        email: tidy(raw.email.as_deref()),
        status: status.unwrap_or_default(),
        interpretation_services: tidy(raw.interpretation_services.as_deref()),
        application_process: tidy(raw.application_process.as_deref()),
        wait_time: tidy(raw.wait_time.as_deref()),
        fees_description: tidy(raw.fees_description.as_deref()),
        eligibility_description: tidy(raw.eligibility_description.as_deref()),
        minimum_age,
        maximum_age,
        alert: tidy(raw.alert.as_deref()),
        assured_date: tidy(raw.assured_date.as_deref()),
        last_modified: tidy(raw.last_modified.as_deref()),
        source_note: source_note.map(str::to_owned).or(exported_note),
        categories: hearth_categories.unwrap_or(classification.categories),
        needs: hearth_needs.unwrap_or(classification.needs),
        taxonomy_terms: terms,
        languages: build_languages(&raw.languages),
        phones: build_phones(&raw.phones),
        schedules: build_schedules(&raw.schedules),
        service_areas,
        attributes,
        cost_options: raw
            .cost_options
            .iter()
            .filter_map(build_cost_option)
            .collect(),
        locations,
        metadata: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::test_support::{context, fixture};

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

    fn county(fips: &str) -> Coverage {
        Coverage::County(fips.into())
    }

    /// Coverage of a service area's text for a service in `home` (a state code).
    fn text_coverage(text: &str, home: Option<&str>) -> Vec<Coverage> {
        coverage_of(text, context().gazetteer, home)
    }

    /// A square of a degree's fractions as GeoJSON text: (south, west, north, east).
    fn geojson_box(south: f64, west: f64, north: f64, east: f64) -> String {
        format!(
            r#"{{"type":"Polygon","coordinates":[[[{west},{south}],[{east},{south}],[{east},{north}],[{west},{north}],[{west},{south}]]]}}"#
        )
    }

    fn geojson_area(extent: &str) -> RawServiceArea {
        RawServiceArea {
            name: Some("Drawn area".into()),
            extent: Some(extent.into()),
            extent_type: Some("geojson".into()),
            ..RawServiceArea::default()
        }
    }

    /// Builds one service area for a service read at `services.csv` line 2 in `home`.
    fn area_with_notes(
        raw: &RawServiceArea,
        home: Option<&str>,
    ) -> (Option<ServiceArea>, Vec<SkippedRow>) {
        let origin = Origin::line("services.csv", 2);
        let at = AreaContext {
            gazetteer: context().gazetteer,
            home_state: home,
            origin: &origin,
        };
        let mut notes = Notes::default();
        let area = build_service_area(raw, &at, &mut notes);
        (area, notes.into_rows())
    }

    #[test]
    fn service_area_text_becomes_coverage_only_when_all_of_it_is_recognisable() {
        let coverage_of = |text: &str| text_coverage(text, None);
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
        let (area, notes) = area_with_notes(
            &RawServiceArea {
                name: None,
                extent: Some("National".into()),
                extent_type: Some("text".into()),
                ..RawServiceArea::default()
            },
            None,
        );
        assert_eq!(
            area.map(|a| (a.name, a.coverage)),
            Some((Some("National".into()), vec![Coverage::National]))
        );
        assert!(notes.is_empty(), "{notes:?}");
    }

    #[test]
    fn counties_named_in_a_service_area_become_county_coverage() {
        let fl = Some("FL");
        let cases: [(&str, Option<&str>, Vec<Coverage>); 15] = [
            ("Miami-Dade County", fl, vec![county("12086")]),
            ("Broward County, FL", None, vec![county("12011")]),
            ("Broward County FL", None, vec![county("12011")]),
            (
                "Miami-Dade County, Florida",
                Some("GA"),
                vec![county("12086")],
            ),
            (
                "Miami-Dade, Broward and Monroe counties",
                fl,
                vec![county("12086"), county("12011"), county("12087")],
            ),
            (
                "Miami-Dade, Broward, & Monroe Counties, Florida",
                None,
                vec![county("12086"), county("12011"), county("12087")],
            ),
            (
                "Miami-Dade County and Broward County",
                fl,
                vec![county("12086"), county("12011")],
            ),
            // The second list's county takes the state the text gave the first.
            (
                "Broward County, FL; Palm Beach County",
                None,
                vec![county("12011"), county("12099")],
            ),
            // A state in a list of its own is coverage, not a county's state.
            (
                "Miami-Dade County; Georgia",
                fl,
                vec![Coverage::State("GA".into()), county("12086")],
            ),
            ("St. Lucie County", fl, vec![county("12111")]),
            ("Saint Lucie County, FL", None, vec![county("12111")]),
            ("Orleans Parish", Some("LA"), vec![county("22071")]),
            (
                "St. Tammany and Saint Bernard parishes, LA",
                None,
                vec![county("22103"), county("22087")],
            ),
            (
                "Lake and Peninsula Borough, AK",
                None,
                vec![county("02164")],
            ),
            (
                "City and County of San Francisco, CA; Richmond City, VA",
                None,
                vec![county("06075"), county("51760")],
            ),
        ];
        for (text, home, expected) in cases {
            assert_eq!(
                text_coverage(text, home),
                expected,
                "{text} (home {home:?})"
            );
        }
        assert_eq!(
            text_coverage("Anchorage Municipality, AK", None),
            vec![county("02020")]
        );
        assert_eq!(
            text_coverage("33157; Miami-Dade County", fl),
            vec![Coverage::Zip("33157".into()), county("12086")]
        );
    }

    #[test]
    fn service_area_text_that_is_not_all_counties_stays_text() {
        let fl = Some("FL");
        for (text, home) in [
            // No state anywhere for the county.
            ("Miami-Dade County", None),
            // A county that the state does not have, or that does not exist.
            ("Miami-Dade County, GA", fl),
            ("Miami-Dade County, Atlantis County", fl),
            // Names without "counties" may be cities.
            ("Miami-Dade, Broward", fl),
            ("Miami, FL", None),
            ("Kansas City, MO", None),
            ("City of Miami", fl),
            ("Residents of Miami-Dade and Broward", fl),
            ("Miami-Dade County, Broward, FL", None),
            ("Miami-Dade County residents", fl),
            // Two states for a county written without one: not guessed.
            ("Broward County, FL; Cook County, IL; Orange County", None),
        ] {
            assert_eq!(text_coverage(text, home), Vec::<Coverage>::new(), "{text}");
        }
    }

    #[test]
    fn a_geojson_extent_covers_its_zip_codes_or_its_counties() {
        // Downtown Miami and Brickell: smaller than a county, so ZIP codes.
        let (area, notes) = area_with_notes(
            &geojson_area(&geojson_box(25.75, -80.215, 25.79, -80.18)),
            None,
        );
        let coverage = area.map(|a| a.coverage).unwrap_or_default();
        assert!(
            coverage.contains(&Coverage::Zip("33130".into())),
            "{coverage:?}"
        );
        assert!(
            coverage
                .iter()
                .all(|c| matches!(c, Coverage::Zip(z) if z.starts_with("331"))),
            "{coverage:?}"
        );
        assert!(notes.is_empty(), "{notes:?}");

        // Miami-Dade and Broward, drawn as a Feature: those counties, and no
        // ZIP code inside them again.
        let feature = format!(
            r#"{{"type":"Feature","properties":{{"name":"South Florida"}},"geometry":{}}}"#,
            geojson_box(25.13, -80.88, 26.33, -80.03)
        );
        let (area, _) = area_with_notes(&geojson_area(&feature), None);
        let coverage = area.map(|a| a.coverage).unwrap_or_default();
        assert!(coverage.contains(&county("12086")), "{coverage:?}");
        assert!(coverage.contains(&county("12011")), "{coverage:?}");
        assert!(
            !coverage.contains(&Coverage::Zip("33130".into())),
            "{coverage:?}"
        );

        // A box around all of Florida, Georgia's south and Alabama's: Florida as a state.
        let (area, _) =
            area_with_notes(&geojson_area(&geojson_box(24.3, -87.7, 31.1, -79.8)), None);
        let coverage = area.map(|a| a.coverage).unwrap_or_default();
        assert!(
            coverage.contains(&Coverage::State("FL".into())),
            "{coverage:?}"
        );
        assert!(!coverage.contains(&county("12086")), "{coverage:?}");
        assert!(
            !coverage.contains(&Coverage::State("GA".into())),
            "{coverage:?}"
        );

        // No extent_type, but a JSON object: still read as GeoJSON.
        let (area, _) = area_with_notes(
            &RawServiceArea {
                extent_type: None,
                ..geojson_area(&geojson_box(25.75, -80.215, 25.79, -80.18))
            },
            None,
        );
        assert!(area.is_some_and(|a| a.coverage.contains(&Coverage::Zip("33130".into()))));
    }

    #[test]
    fn bad_geojson_leaves_the_area_as_text_and_is_noted() {
        let atlantic = geojson_box(30.0, -60.0, 31.0, -59.0);
        let cases = [
            (
                "{\"type\":\"Polygon\",\"coordinates\":[[[-80.2,25.7],[-80.1",
                "not JSON",
            ),
            (
                "{\"type\":\"Point\",\"coordinates\":[-80.19,25.77]}",
                "not an area",
            ),
            (
                "{\"type\":\"Polygon\",\"coordinates\":[[[-80,250],[-80,26],[-81,26]]]}",
                "within range",
            ),
            ("Miami-Dade County", "not JSON"),
            ("{}", "no \"type\""),
            // Valid, but in the Atlantic.
            (atlantic.as_str(), "holds no US county"),
        ];
        for (extent, expected) in cases {
            let (area, notes) = area_with_notes(&geojson_area(extent), Some("FL"));
            let area = area.unwrap_or_else(|| panic!("{extent}: no area"));
            assert_eq!(area.name.as_deref(), Some("Drawn area"), "{extent}");
            assert!(area.coverage.is_empty(), "{extent}: {:?}", area.coverage);
            assert_eq!(notes.len(), 1, "{extent}: {notes:?}");
            assert_eq!(
                (notes[0].file.as_deref(), notes[0].row),
                (Some("services.csv"), 2)
            );
            assert!(
                notes[0]
                    .reason
                    .starts_with("service area \"Drawn area\": extent"),
                "{}",
                notes[0].reason
            );
            assert!(
                notes[0].reason.contains(expected),
                "{extent}: {}",
                notes[0].reason
            );
            assert!(
                notes[0].reason.ends_with("kept as text only"),
                "{}",
                notes[0].reason
            );
        }
        // The name still gives coverage when the shape cannot.
        let (area, _) = area_with_notes(
            &RawServiceArea {
                name: Some("Miami-Dade County".into()),
                ..geojson_area("{\"type\":\"Point\",\"coordinates\":[-80.19,25.77]}")
            },
            Some("FL"),
        );
        assert_eq!(area.map(|a| a.coverage), Some(vec![county("12086")]));
    }

    #[test]
    fn a_county_without_its_state_takes_the_state_of_the_services_locations() {
        let location = |state: &str, zip: &str| RawLocation {
            id: Some(format!("l-{zip}")),
            address: Some(RawAddress {
                address_1: Some("1 Main St".into()),
                city: Some("Somewhere".into()),
                state_province: Some(state.into()),
                postal_code: Some(zip.into()),
                ..RawAddress::default()
            }),
            ..RawLocation::default()
        };
        let service = |locations: Vec<RawLocation>| RawService {
            id: Some("s1".into()),
            name: Some("Legal Aid".into()),
            locations,
            service_areas: vec![RawServiceArea {
                name: Some("Miami-Dade and Broward counties".into()),
                ..RawServiceArea::default()
            }],
            ..RawService::default()
        };
        let coverage = |raw: RawService| {
            let mut notes = Notes::default();
            build_service(context(), "test", None, raw, &mut notes)
                .map(|s| s.service_areas[0].coverage.clone())
                .unwrap_or_else(|e| panic!("{e}"))
        };
        let both = vec![county("12086"), county("12011")];
        assert_eq!(coverage(service(vec![location("FL", "33157")])), both);
        // A state written out, or none but a ZIP code.
        assert_eq!(coverage(service(vec![location("Florida", "33157")])), both);
        assert_eq!(coverage(service(vec![location("", "33157")])), both);
        // Locations in two states: which state's counties is not guessed.
        assert!(
            coverage(service(vec![
                location("FL", "33157"),
                location("GA", "30301")
            ]))
            .is_empty()
        );
        assert!(coverage(service(Vec::new())).is_empty());
    }

    #[test]
    fn what_a_hearth_export_says_is_kept_as_it_is() {
        let term = |taxonomy: &str, code: &str, name: &str| RawTerm {
            code: Some(code.into()),
            name: Some(name.into()),
            taxonomy: Some(taxonomy.into()),
        };
        let raw = RawService {
            id: Some("s1".into()),
            name: Some("Mobile Pantry".into()),
            terms: vec![
                // A bundled dataset's own label, under its dataset's name.
                term("food-pantries", "Food pantry", "Food pantry"),
                term("airs", "BD-1800.2000", "Food Pantries"),
                term(CATEGORY_TAXONOMY, "goods", "Goods"),
                term(NEED_TAXONOMY, "material-hardship", "Material Hardship"),
                term(ATTRIBUTE_TAXONOMY, "accepts", "accepts"),
            ],
            attributes: vec![
                Attribute {
                    tag: "accepts".into(),
                    value: "SNAP".into(),
                },
                Attribute {
                    tag: SOURCE_NOTE_TAG.into(),
                    value: "Pantry locator, 2025".into(),
                },
            ],
            service_areas: vec![RawServiceArea {
                name: Some("Where the truck stops".into()),
                extent: Some("county:12086; zip:33157; state:PR; national".into()),
                extent_type: Some("text".into()),
                ..RawServiceArea::default()
            }],
            ..RawService::default()
        };
        let mut notes = Notes::default();
        let service = build_service(context(), "hearth-export", None, raw.clone(), &mut notes)
            .unwrap_or_else(|e| panic!("{e}"));
        let taxonomies: Vec<&str> = service
            .taxonomy_terms
            .iter()
            .map(|t| t.taxonomy.as_str())
            .collect();
        assert_eq!(taxonomies, ["food-pantries", "airs"]);
        // Categories and needs as written, not as the terms would classify them (Food).
        assert_eq!(service.categories, vec![Category::Goods]);
        assert_eq!(
            service.needs,
            Need::parse("material-hardship")
                .into_iter()
                .collect::<Vec<_>>()
        );
        assert_eq!(
            service.attributes,
            vec![Attribute {
                tag: "accepts".into(),
                value: "SNAP".into()
            }]
        );
        assert_eq!(service.source_note.as_deref(), Some("Pantry locator, 2025"));
        let area = &service.service_areas[0];
        assert_eq!(area.name.as_deref(), Some("Where the truck stops"));
        assert_eq!(
            area.coverage,
            vec![
                Coverage::County("12086".into()),
                Coverage::Zip("33157".into()),
                Coverage::State("PR".into()),
                Coverage::National
            ]
        );
        // Without Hearth's terms, the source terms classify the listing as before.
        let plain = RawService {
            terms: raw.terms[..2].to_vec(),
            ..raw
        };
        let service = build_service(
            context(),
            "hearth-export",
            Some("a list"),
            plain,
            &mut notes,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            service.categories.contains(&Category::Food),
            "{:?}",
            service.categories
        );
        // A source's own note wins over one in the attributes.
        assert_eq!(service.source_note.as_deref(), Some("a list"));
        assert!(notes.into_rows().is_empty());
    }

    #[test]
    fn a_text_extent_is_a_coverage_list_only_when_every_part_is_a_term() {
        assert_eq!(coverage_list("national"), Some(vec![Coverage::National]));
        assert_eq!(coverage_list("Miami-Dade County"), None);
        assert_eq!(coverage_list("county:12086; Broward"), None);
        assert_eq!(coverage_list("county:1208"), None);
        assert_eq!(coverage_list("state:fl"), None);
    }

    #[test]
    fn taxonomy_names_map_to_airs_and_open_eligibility() {
        assert_eq!(known_taxonomy("Open211 Miami - AIRS"), Some("airs"));
        assert_eq!(known_taxonomy("AIRS/211 LA County Taxonomy"), Some("airs"));
        assert_eq!(known_taxonomy("Open Eligibility"), Some("open-eligibility"));
        assert_eq!(known_taxonomy("Veterans Affairs"), None);
        assert_eq!(known_taxonomy("name"), None);
    }

    /// Regression: a term whose taxonomy name was not recognised ("Springfield
    /// codes", or none) was filed under the dataset's own taxonomy and got no
    /// category, even with an AIRS code or an Open Eligibility id.
    #[test]
    fn codes_of_an_unnamed_taxonomy_are_recognised_by_their_shape() {
        let raw = |code: &str, taxonomy: Option<&str>| RawTerm {
            code: Some(code.into()),
            name: Some("a term".into()),
            taxonomy: taxonomy.map(str::to_owned),
        };
        let terms = resolve_terms(
            crate::import::test_support::context(),
            "springfield",
            &[
                raw("BD-1800.2000", Some("Springfield codes")),
                raw("102-04", None),
                raw("102-99", None),
                raw("BD", Some("Springfield codes")),
                raw("FOOD", None),
                raw("103-01", Some("AIRS")),
            ],
        );
        let taxonomies: Vec<&str> = terms.iter().map(|t| t.taxonomy.as_str()).collect();
        assert_eq!(
            taxonomies,
            [
                "airs",
                "open-eligibility",
                "springfield",
                "springfield",
                "springfield",
                // A recognised taxonomy name wins over the shape.
                "airs"
            ]
        );
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
