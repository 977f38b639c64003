//! HSDS 3.0 readers: the tabular data package (a directory of CSVs) and JSON
//! (a `service_full.json`-shaped object, an array of them, or NDJSON).
//!
//! The package's tables are joined into the shared [`Links`]; JSON records are
//! walked into [`RawService`]s directly. Cleaning and building the services is
//! left to `hsds`, as for 1.x packages.

use std::collections::HashMap;
use std::path::Path;

use serde_json::{Map, Value};

use crate::model::Attribute;

use super::hsds::{
    Fields, Links, Notes, Origin, Owner, Package, RawAddress, RawCostOption, RawLanguage,
    RawLocation, RawOrganization, RawPhoneRecord, RawSchedule, RawService, RawServiceArea, RawTerm,
    SharedTables, Table, build_service, by_service, schedule_note, slug,
};
use super::{Format, ImportContext, ImportError, ParsedSource, SkippedRow};

// ---------------------------------------------------------------------------
// HSDS 3.0 tabular package
// ---------------------------------------------------------------------------

/// What 3.0 calls the tables it shares with 1.x.
const TABLES: SharedTables = SharedTables {
    addresses: &["addresses.csv"],
    accessibility: "accessibility.csv",
    accessibility_text: "description",
    service_at_location: "service_at_location.csv",
};

/// Reads the linked tables of a 3.0 package (everything but `services.csv`).
/// Missing tables are empty; a malformed one fails the import.
fn links_v3(dir: &Path) -> Result<Links, ImportError> {
    let mut links = Links::read_shared(dir, TABLES)?;
    for row in Table::read_or_empty(dir, "schedules.csv")?.rows() {
        let schedule = RawSchedule::from_fields(&row);
        let Some(owner) = Owner::of(&row) else {
            links.note(
                "schedules.csv",
                row.line,
                "schedule names no service, location or organization; left out",
            );
            continue;
        };
        if let Some(reason) = raw_schedule_note(&schedule) {
            links.note("schedules.csv", row.line, &reason);
        }
        links.schedules.insert(owner, schedule);
    }
    links.read_languages_and_service_areas(dir)?;
    links.cost_options = by_service(dir, "cost_options.csv", |row| {
        RawCostOption::from_fields(row)
    })?;
    links.read_service_attributes(
        dir,
        "required_documents.csv",
        "required_document",
        "document",
    )?;

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
            let tag = attribute_tag(term, &row);
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

/// What will be left out of a 3.0 schedule's times, if anything.
fn raw_schedule_note(schedule: &RawSchedule) -> Option<String> {
    schedule_note(
        schedule.opens_at.as_deref(),
        schedule.closes_at.as_deref(),
        schedule.description.is_some(),
    )
}

/// The tag an attribute is shown under: its taxonomy term's name, else its
/// `link_type`, else `attribute`.
fn attribute_tag(term: Option<&RawTerm>, attribute: &impl Fields) -> String {
    term.and_then(|t| t.name.clone())
        .or_else(|| attribute.text("link_type"))
        .unwrap_or_else(|| "attribute".into())
}

/// Reads an HSDS 3.0 tabular package (a directory of CSVs, or one with a `data/` folder).
///
/// Only `services.csv` is required; every other table is joined by its id columns
/// when present. The dataset name is `dataset` when given, else it comes from
/// `datapackage.json` or the directory.
pub(super) fn read_csv_package(
    ctx: ImportContext<'_>,
    path: &Path,
    dataset: Option<&str>,
) -> Result<ParsedSource, ImportError> {
    let package = Package::open(path, dataset)?;
    let links = links_v3(&package.dir)?;
    Ok(package.read_services(ctx, Format::Hsds3Csv, None, &links))
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

/// The phones nested in a JSON service, location or service-at-location.
fn phones_in(obj: &Map<String, Value>) -> Vec<RawPhoneRecord> {
    objects(obj, "phones")
        .map(RawPhoneRecord::from_fields)
        .collect()
}

/// The schedules nested in a JSON service or location (`regular_schedules` as 1.x named them).
fn schedules_in(obj: &Map<String, Value>) -> Vec<RawSchedule> {
    ["schedules", "regular_schedules"]
        .iter()
        .flat_map(|k| objects(obj, k))
        .map(RawSchedule::from_fields)
        .collect()
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
    location.phones = phones_in(loc);
    location.schedules = schedules_in(loc);
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
    raw.phones = phones_in(obj);
    raw.schedules = schedules_in(obj);
    raw.languages = objects(obj, "languages")
        .map(RawLanguage::from_fields)
        .collect();
    raw.service_areas = objects(obj, "service_areas")
        .map(|area| {
            let mut read = RawServiceArea::from_fields(area);
            // The schema has `extent` as text, but some exports nest the GeoJSON object itself.
            if let Some(shape @ (Value::Object(_) | Value::Array(_))) = area.get("extent") {
                read.extent = Some(shape.to_string());
            }
            read
        })
        .collect();
    raw.cost_options = objects(obj, "cost_options")
        .map(RawCostOption::from_fields)
        .collect();
    for a in objects(obj, "attributes") {
        let term = object(a, "taxonomy_term").map(term_from_json);
        if let Some(value) = a.text("value") {
            let tag = attribute_tag(term.as_ref(), a);
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
        location.phones.extend(phones_in(sal));
        location
            .schedules
            .extend(objects(sal, "schedules").map(RawSchedule::from_fields));
        raw.locations.push(location);
    }
    raw.locations
        .extend(objects(obj, "locations").map(location_from_json));
    raw
}

/// The records of a JSON file, read as a stream: one object, NDJSON (or any
/// run of objects), an array of them, or an HSDS API page (`contents`); only
/// an array or a page is held whole. A byte-order mark is skipped. A syntax
/// error names the record it is in and ends the stream.
pub(super) fn json_stream(
    path: &Path,
) -> Result<impl Iterator<Item = Result<Value, ImportError>>, ImportError> {
    use std::io::{Read, Seek};
    let mut file = std::fs::File::open(path).map_err(|e| ImportError::io(path, e))?;
    let mut start = [0u8; 3];
    let read = file
        .read(&mut start)
        .map_err(|e| ImportError::io(path, e))?;
    if !(read == 3 && start == [0xEF, 0xBB, 0xBF]) {
        file.rewind().map_err(|e| ImportError::io(path, e))?;
    }
    let values =
        super::json_values::TopLevelValues::new(std::io::BufReader::with_capacity(1 << 20, file));
    let path = path.to_owned();
    let mut count: u64 = 0;
    let mut failed = false;
    let records = values.flat_map(move |value| {
        let out: Vec<Result<Value, ImportError>> = if failed {
            Vec::new()
        } else {
            match value {
                Err(super::json_values::ValueError::Io(e)) => {
                    failed = true;
                    vec![Err(ImportError::io(&path, e))]
                }
                Err(super::json_values::ValueError::Syntax(message)) => {
                    failed = true;
                    vec![Err(ImportError::Json {
                        path: path.clone(),
                        record: count + 1,
                        message,
                    })]
                }
                Ok(Value::Array(items)) => items.into_iter().map(Ok).collect(),
                Ok(Value::Object(mut page))
                    if matches!(page.get("contents"), Some(Value::Array(_))) =>
                {
                    match page.remove("contents") {
                        Some(Value::Array(items)) => items.into_iter().map(Ok).collect(),
                        _ => Vec::new(),
                    }
                }
                Ok(other) => vec![Ok(other)],
            }
        };
        count += out.iter().filter(|r| r.is_ok()).count() as u64;
        out
    });
    Ok(records)
}

/// Builds one listing from an HSDS 3.0 service object (the shape of
/// `service_full.json`), as `dataset`'s record `id` — for submissions, which
/// arrive one at a time rather than as a file.
pub fn service_from_value(
    ctx: ImportContext<'_>,
    dataset: &str,
    id: &str,
    value: &Value,
) -> Result<crate::model::Service, String> {
    let obj = value
        .as_object()
        .ok_or_else(|| "the listing must be a JSON object".to_owned())?;
    let mut raw = service_from_json(obj);
    raw.id = Some(id.to_owned());
    let mut notes = Notes::default();
    build_service(ctx, dataset, None, raw, &mut notes)
}

/// Reads HSDS 3.0 JSON: a `service_full.json`-shaped object, an array of them, or NDJSON.
///
/// The dataset name is `dataset` when given, else the file's name without its
/// extension. A record that is not an object, or has no id or name, is skipped
/// with its record number; notes are by record number too. Records are
/// checked with the HSDS rules as [`read_json_batches`] does.
pub(super) fn read_json(
    ctx: ImportContext<'_>,
    path: &Path,
    dataset: Option<&str>,
) -> Result<ParsedSource, ImportError> {
    let mut whole: Option<ParsedSource> = None;
    let done = read_json_batches(ctx, path, dataset, usize::MAX, |batch| {
        match &mut whole {
            None => whole = Some(batch),
            Some(all) => all.absorb(batch),
        }
        Ok::<(), std::convert::Infallible>(())
    })?;
    match done {
        Ok(summary) => Ok(whole.unwrap_or(summary)),
        Err(never) => match never {},
    }
}

/// Reads HSDS 3.0 JSON as [`read_json`] does, `batch` records at a time, so
/// that a large NDJSON file is never held whole: each batch's listings, skipped
/// records and notes go to `on_batch`, checked with the HSDS rules as they come
/// (a record with an error is skipped with it; warnings become notes).
///
/// The file is read twice: first for its syntax, so that a file that cannot be
/// read fails before `on_batch` sees anything; then for its records. Returns
/// the whole file's counts (no listings), or the first error of `on_batch`.
pub(crate) fn read_json_batches<E>(
    ctx: ImportContext<'_>,
    path: &Path,
    dataset: Option<&str>,
    batch: usize,
    mut on_batch: impl FnMut(ParsedSource) -> Result<(), E>,
) -> Result<Result<ParsedSource, E>, ImportError> {
    let mut records: u64 = 0;
    for record in json_stream(path)? {
        record?;
        records += 1;
    }
    let dataset = match dataset {
        Some(name) => name.to_owned(),
        None => path
            .file_stem()
            .and_then(|s| s.to_str())
            .map(slug)
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "hsds".into()),
    };
    let mut summary = ParsedSource::empty(path, Format::Hsds3Json, &dataset);
    summary.rows_read = records;
    let mut checker = super::validate::RecordChecker::new(path);
    let mut current = ParsedSource::empty(path, Format::Hsds3Json, &dataset);
    let mut notes = Notes::default();
    let mut in_batch = 0usize;
    for (i, record) in json_stream(path)?.enumerate() {
        let record = record?;
        let number = i as u64 + 1;
        current.rows_read += 1;
        in_batch += 1;
        checker.check(&record, number);
        read_record(
            ctx,
            &dataset,
            &record,
            number,
            &checker,
            &mut current,
            &mut notes,
        );
        if in_batch >= batch {
            current.notes = std::mem::take(&mut notes).into_rows();
            let mut full = std::mem::replace(
                &mut current,
                ParsedSource::empty(path, Format::Hsds3Json, &dataset),
            );
            checker.apply(&mut full);
            summary.count(&full);
            in_batch = 0;
            if let Err(e) = on_batch(full) {
                return Ok(Err(e));
            }
        }
    }
    if in_batch > 0 || summary.rows_read == 0 {
        current.notes = notes.into_rows();
        checker.apply(&mut current);
        summary.count(&current);
        if let Err(e) = on_batch(current) {
            return Ok(Err(e));
        }
    }
    Ok(Ok(summary))
}

/// Reads one JSON record into `parsed`: a listing, or a skipped row saying why.
/// `checker` has checked this record already, so it knows which record first
/// had its id.
fn read_record(
    ctx: ImportContext<'_>,
    dataset: &str,
    record: &Value,
    number: u64,
    checker: &super::validate::RecordChecker,
    parsed: &mut ParsedSource,
    notes: &mut Notes,
) {
    let skip = |reason: String| SkippedRow {
        row: number,
        file: None,
        reason,
    };
    let Some(obj) = record.as_object() else {
        parsed.skipped.push(skip("not a JSON object".into()));
        return;
    };
    let mut raw = service_from_json(obj);
    let origin = Origin {
        file: None,
        row: number,
    };
    raw.origin = origin.clone();
    for location in &mut raw.locations {
        location.origin = origin.clone();
    }
    if let Some(id) = &raw.id
        && let Some(first) = checker.first_with_id(id).filter(|&first| first != number)
    {
        parsed.skipped.push(skip(format!(
            "same id {id:?} as record {first}; kept the first"
        )));
        return;
    }
    let schedule_notes: Vec<String> = raw
        .schedules
        .iter()
        .chain(raw.locations.iter().flat_map(|l| &l.schedules))
        .filter_map(raw_schedule_note)
        .collect();
    let mut record_notes = Notes::default();
    match build_service(ctx, dataset, None, raw, &mut record_notes) {
        Ok(service) => {
            parsed.services.push(service);
            for note in schedule_notes {
                notes.add(&origin, format!("schedule: {note}"));
            }
            notes.extend(&record_notes.into_rows());
        }
        Err(reason) => parsed.skipped.push(skip(reason)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::test_support::{
        PackageTables, assert_at_zip_centroid, assert_every_row_accounted_for, context, fixture,
        hostile_package, json_paths, odd_json_values, odd_values,
    };
    use crate::model::{
        Category, Coverage, Language, Service, ServiceStatus, TaxonomyTerm, record_id,
    };

    /// The spec example's one location, whose coordinates (100, 101) are out of range.
    const SPEC_LOCATION: &str = "3a19ff88-4620-4d17-9830-ac1d859eb5d5";
    const OUT_OF_RANGE: &str = "coordinates (100, 101) are outside the valid range";

    /// The note on the spec example's service area, whose extent, typed `geojson`, is the word "extent".
    fn spec_extent_note() -> String {
        let name = "The service is available to all residents of the MyCity area. We provide \
                    the service in our offices or via video conferencing to any who can provide \
                    evidence of their residency.";
        format!(
            "service area {}: extent is not a GeoJSON area (not JSON (expected value at line 1 \
             column 1)); kept as text only",
            crate::import::quoted(name)
        )
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
        let parsed = read_csv_package(context(), &fixture("hsds3/csv"), None)
            .unwrap_or_else(|e| panic!("{e}"));
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
        // latitude=100, longitude=101 are out of range, and "ABC 1234" is no ZIP: kept,
        // without a point, and the report says so.
        assert_eq!(l.point(), None);
        assert!(!l.approximate);
        assert_eq!(
            parsed.notes,
            vec![
                SkippedRow {
                    row: 2,
                    file: Some("locations.csv".into()),
                    reason: format!("location {SPEC_LOCATION:?}: {OUT_OF_RANGE}; it has no point"),
                },
                SkippedRow {
                    row: 2,
                    file: Some("service_areas.csv".into()),
                    reason: spec_extent_note(),
                }
            ]
        );
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
        let parsed =
            read_csv_package(context(), dir.path(), None).unwrap_or_else(|e| panic!("{e}"));
        assert_at_zip_centroid(&only_service(&parsed).locations[0], "33142");
        // Regression: the move to the ZIP centre was only a debug log.
        let notes: Vec<(Option<&str>, u64, &str)> = parsed
            .notes
            .iter()
            .map(|n| (n.file.as_deref(), n.row, n.reason.as_str()))
            .collect();
        let reason = format!(
            "location {SPEC_LOCATION:?}: {OUT_OF_RANGE}; placed at its ZIP centre (approximate)"
        );
        let extent = spec_extent_note();
        assert_eq!(
            notes,
            vec![
                (Some("locations.csv"), 2, reason.as_str()),
                (Some("service_areas.csv"), 2, extent.as_str())
            ]
        );
    }

    /// Regression: rows of linked tables that named nothing, or a location the
    /// package does not have, were dropped without a word.
    #[test]
    fn rows_that_link_to_nothing_are_noted() {
        let dir = copy_of_spec_package();
        let rewrite = |file: &str, from: &str, to: &str| {
            let text =
                std::fs::read_to_string(dir.path().join(file)).unwrap_or_else(|e| panic!("{e}"));
            std::fs::write(dir.path().join(file), text.replacen(from, to, 1))
                .unwrap_or_else(|e| panic!("{e}"));
        };
        rewrite("addresses.csv", SPEC_LOCATION, "nowhere");
        rewrite("accessibility.csv", SPEC_LOCATION, "nowhere-else");
        let parsed =
            read_csv_package(context(), dir.path(), None).unwrap_or_else(|e| panic!("{e}"));
        let s = only_service(&parsed);
        assert_eq!(s.locations[0].address, None);
        let notes: Vec<(Option<&str>, u64, &str)> = parsed
            .notes
            .iter()
            .map(|n| (n.file.as_deref(), n.row, n.reason.as_str()))
            .collect();
        assert!(
            notes.contains(&(
                Some("addresses.csv"),
                2,
                "address names location \"nowhere\", which is not in locations.csv; left out"
            )),
            "{notes:#?}"
        );
        assert!(notes.contains(&(
            Some("accessibility.csv"),
            2,
            "accessibility names location \"nowhere-else\", which is not in locations.csv; left out"
        )), "{notes:#?}");
    }

    /// Around downtown Miami and Brickell: ZIP codes 33130, 33131 and their neighbours.
    const DOWNTOWN_MIAMI: &str = r#"{"type":"Polygon","coordinates":[[[-80.215,25.75],[-80.18,25.75],[-80.18,25.79],[-80.215,25.79],[-80.215,25.75]]]}"#;

    #[test]
    fn geojson_extents_in_a_package_become_coverage_and_bad_ones_notes() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(
            dir.path().join("services.csv"),
            "id,name\ns1,Legal Aid\ns2,Food Bank\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let mut areas = csv::Writer::from_path(dir.path().join("service_areas.csv"))
            .unwrap_or_else(|e| panic!("{e}"));
        for row in [
            ["id", "service_id", "name", "extent", "extent_type"],
            ["a1", "s1", "Downtown", DOWNTOWN_MIAMI, "geojson"],
            [
                "a2",
                "s2",
                "Somewhere",
                r#"{"type":"Polygon","coordinates":oops}"#,
                "geojson",
            ],
        ] {
            areas.write_record(row).unwrap_or_else(|e| panic!("{e}"));
        }
        areas.flush().unwrap_or_else(|e| panic!("{e}"));
        drop(areas);
        let parsed =
            read_csv_package(context(), dir.path(), None).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(parsed.services.len(), 2, "{:?}", parsed.skipped);
        let coverage = &parsed.services[0].service_areas[0].coverage;
        assert!(
            coverage.contains(&Coverage::Zip("33130".into())),
            "{coverage:?}"
        );
        let food = &parsed.services[1].service_areas[0];
        assert_eq!(food.name.as_deref(), Some("Somewhere"));
        assert!(food.coverage.is_empty());
        assert_eq!(parsed.notes.len(), 1, "{:?}", parsed.notes);
        let note = &parsed.notes[0];
        assert_eq!(
            (note.file.as_deref(), note.row),
            (Some("service_areas.csv"), 3)
        );
        assert!(
            note.reason.contains("not a GeoJSON area"),
            "{}",
            note.reason
        );
    }

    #[test]
    fn a_geojson_extent_nested_as_an_object_in_json_is_read() {
        let text = std::fs::read_to_string(fixture("hsds3/service_full.json"))
            .unwrap_or_else(|e| panic!("{e}"));
        let mut value: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
        value["service_areas"][0]["extent"] =
            serde_json::from_str(DOWNTOWN_MIAMI).unwrap_or_else(|e| panic!("{e}"));
        let (_dir, path) = written("service_full.json", &value.to_string());
        let parsed = read_json(context(), &path, None).unwrap_or_else(|e| panic!("{e}"));
        let coverage = &only_service(&parsed).service_areas[0].coverage;
        assert!(
            coverage.contains(&Coverage::Zip("33131".into())),
            "{coverage:?}"
        );
        assert!(
            parsed
                .notes
                .iter()
                .all(|n| !n.reason.contains("service area")),
            "{:?}",
            parsed.notes
        );
    }

    #[test]
    fn a_package_with_only_services_csv_still_imports() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(
            dir.path().join("services.csv"),
            "id,name,status\ns1,Food Pantry,active\ns2,,active\ns1,Again,\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let parsed =
            read_csv_package(context(), dir.path(), None).unwrap_or_else(|e| panic!("{e}"));
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
        match read_csv_package(context(), dir.path(), None) {
            Err(ImportError::Csv { path, source }) => {
                assert!(path.ends_with("phones.csv"), "{path:?}");
                assert!(source.to_string().contains("line: 3"), "{source}");
            }
            other => panic!("expected a CSV error, got {other:?}"),
        }
        let empty = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(
            read_csv_package(context(), empty.path(), None),
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
            let (_dir, path) = written("service_full.json", body);
            read_json(context(), &path, None).unwrap_or_else(|e| panic!("{e}"))
        };
        let single = read_json(context(), &fixture("hsds3/service_full.json"), None)
            .unwrap_or_else(|e| panic!("{e}"));
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
        assert_eq!(
            single.notes,
            vec![SkippedRow {
                row: 1,
                file: None,
                reason: format!(
                    "location {SPEC_LOCATION:?}: {OUT_OF_RANGE}; it has no point; {}",
                    spec_extent_note()
                ),
            }]
        );
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

    /// Odd values in every column of services, addresses, locations, phones and
    /// schedules: no panic, every service row imported or skipped.
    #[test]
    fn no_cell_value_makes_the_package_reader_panic() {
        let (_dir, root) = hostile_package(
            "hsds3/csv",
            PackageTables {
                addresses: "addresses.csv",
                service_at_location: "service_at_location.csv",
                schedules: "schedules.csv",
            },
        );
        let parsed = read_csv_package(context(), &root, None).unwrap_or_else(|e| panic!("{e}"));
        assert!(parsed.rows_read > 300, "{}", parsed.rows_read);
        assert_every_row_accounted_for(&parsed, Some("services.csv"));
        let notes: Vec<&str> = parsed.notes.iter().map(|n| n.reason.as_str()).collect();
        for expected in [
            "coordinates (\"İİİ\", \"101\") are not numbers",
            "closing time \"25:61\" is not a time of day; left out (the schedule's text is kept)",
            "minimum age \"İİİ\" is not a number of years; left out",
            "status \"İİİ\" is not an HSDS status; listed as active",
            "coordinates (100, 101) are outside the valid range; placed at its ZIP centre (approximate)",
            "links location \"odd-location-",
        ] {
            assert!(
                notes.iter().any(|n| n.contains(expected)),
                "no note says {expected:?}: {notes:#?}"
            );
        }
    }

    /// Odd values (text and JSON of the wrong type) in every field of the spec's
    /// `service_full.json`: no panic, every record imported or skipped.
    #[test]
    fn no_json_value_makes_the_json_reader_panic() {
        let text = std::fs::read_to_string(fixture("hsds3/service_full.json"))
            .unwrap_or_else(|e| panic!("{e}"));
        let base: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
        let odd = || {
            odd_values("10:00")
                .into_iter()
                .map(Value::String)
                .chain(odd_json_values())
        };
        let mut records: Vec<Value> = vec![Value::Null, Value::from(7), Value::from("x")];
        // Each record gets an id of its own, so that it is read rather than skipped as a repeat.
        let fresh = |n: usize| {
            let mut record = base.clone();
            record["id"] = Value::from(format!("odd-{n}"));
            record
        };
        // The id and name decide whether a record is read at all: each odd value on its own.
        for path in ["/id", "/name"] {
            for value in odd() {
                let mut record = fresh(records.len());
                if let Some(slot) = record.pointer_mut(path) {
                    *slot = value;
                }
                records.push(record);
            }
        }
        // Every other field, in eight groups of fields changed at once.
        let paths: Vec<String> = json_paths(&base)
            .into_iter()
            .map(|(path, _)| path)
            .filter(|p| p != "/id" && p != "/name")
            .collect();
        for group in 0..8 {
            for value in odd() {
                let mut record = fresh(records.len());
                for path in paths.iter().skip(group).step_by(8) {
                    if let Some(slot) = record.pointer_mut(path) {
                        *slot = value.clone();
                    }
                }
                records.push(record);
            }
        }
        let body = serde_json::to_string(&records).unwrap_or_else(|e| panic!("{e}"));
        let (_dir, path) = written("odd.json", &body);
        let parsed = read_json(context(), &path, None).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(parsed.rows_read, records.len() as u64);
        assert_every_row_accounted_for(&parsed, None);
        // Most odd values are read past (and noted); ones the HSDS rules call
        // errors (a status, a date or a number that is not one) skip the record.
        assert!(
            parsed.services.len() > records.len() / 10,
            "{} of {}",
            parsed.services.len(),
            records.len()
        );
        // Records the HSDS rules reject say so, where; the rest carry notes.
        assert!(
            parsed
                .skipped
                .iter()
                .any(|k| k.reason.starts_with("not valid HSDS 3.0: ")),
            "{:#?}",
            parsed.skipped
        );
        assert!(!parsed.notes.is_empty());
    }

    /// Terms of a taxonomy Hearth does not know by name are classified by their
    /// code's shape, and Open Eligibility terms given by name by their title.
    #[test]
    fn terms_are_classified_by_code_shape_and_open_eligibility_title() {
        let record = serde_json::json!({
            "id": "s1",
            "name": "Shelter and pantry",
            "taxonomy_terms": [
                {"code": "BH-1800.8500", "name": "Homeless Shelter", "taxonomy": "Springfield codes"},
                {"name": "Food Pantry", "taxonomy": "Open Eligibility"}
            ]
        });
        let (_dir, path) = written("feed.json", &record.to_string());
        let parsed = read_json(context(), &path, None).unwrap_or_else(|e| panic!("{e}"));
        let s = only_service(&parsed);
        let taxonomies: Vec<&str> = s
            .taxonomy_terms
            .iter()
            .map(|t| t.taxonomy.as_str())
            .collect();
        assert_eq!(taxonomies, ["airs", "open-eligibility"]);
        assert_eq!(
            s.categories,
            vec![Category::Food, Category::Housing, Category::Emergency]
        );
    }

    /// `body` written to a file `name` in a new temporary directory, which
    /// lasts as long as the first value.
    fn written(name: &str, body: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join(name);
        std::fs::write(&path, body).unwrap_or_else(|e| panic!("{e}"));
        (dir, path)
    }

    #[test]
    fn a_repeated_id_keeps_the_first_record_across_batches() {
        let (_dir, path) = written(
            "feed.ndjson",
            "{\"id\":\"s1\",\"name\":\"First\"}\n\
             {\"id\":\"s2\",\"name\":\"Second\"}\n\
             {\"id\":\" s1 \",\"name\":\"Again\"}\n",
        );
        let mut names = Vec::new();
        let mut skipped = Vec::new();
        let done = read_json_batches(context(), &path, None, 1, |batch| {
            names.extend(batch.services.iter().map(|s| s.name.clone()));
            skipped.extend(batch.skipped.iter().map(|k| (k.row, k.reason.clone())));
            Ok::<(), std::convert::Infallible>(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(done.is_ok());
        assert_eq!(names, ["First", "Second"]);
        assert_eq!(
            skipped,
            [(3, "same id \"s1\" as record 1; kept the first".to_owned())]
        );
    }

    #[test]
    fn bad_json_names_the_record() {
        let (_dir, path) = written(
            "feed.ndjson",
            "{\"id\":\"a\",\"name\":\"A\"}\n{\"id\":\"b\",\"name\":\n",
        );
        match read_json(context(), &path, None) {
            Err(ImportError::Json { record, .. }) => assert_eq!(record, 2),
            other => panic!("expected a JSON error, got {other:?}"),
        }
        std::fs::write(
            &path,
            "[{\"id\":\"a\",\"name\":\"A\"}, 7, {\"name\":\"no id\"}]",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let parsed = read_json(context(), &path, None).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(parsed.services.len(), 1);
        let reasons: Vec<(u64, &str)> = parsed
            .skipped
            .iter()
            .map(|k| (k.row, k.reason.as_str()))
            .collect();
        assert_eq!(reasons, vec![(2, "not a JSON object"), (3, "no id")]);
    }
}
