//! Shared building blocks for the adapters: a flat row → one fully nested service.
//!
//! Most bundled lists are one row per place with a name, an address, maybe a
//! phone and coordinates. Adapters map their columns into a [`FlatRecord`];
//! [`build_flat`] does the cleaning every list needs (text, ZIP, phones,
//! coordinates, ZIP-centroid placement, categories) in one place.

use std::collections::HashMap;
use std::path::Path;

use crate::geo::valid_coordinate;
use crate::model::{
    Address, Attribute, Coverage, Language, Location, LocationType, Organization, Phone, Schedule,
    Service, ServiceArea, SourceRef, TaxonomyTerm, clean_text, normalize_phone, normalize_zip,
    record_id,
};

use super::{Format, ImportContext, ImportError, ParsedSource, SkippedRow};

/// A phone as a source wrote it, with its HSDS type (`voice`, `fax`, ...).
#[derive(Debug, Clone, Default)]
pub(crate) struct RawPhone {
    pub number: String,
    pub kind: Option<&'static str>,
    pub description: Option<String>,
}

/// One place-and-service row of a single-list dataset, as the adapter read it.
#[derive(Debug, Clone, Default)]
pub(crate) struct FlatRecord {
    /// The record's id in the source, or a key built from stable fields when it has none.
    pub source_id: String,
    pub name: String,
    /// Who runs it; the record's own name when empty.
    pub organization: Option<String>,
    pub alternate_name: Option<String>,
    pub description: Option<String>,
    pub address_1: Option<String>,
    pub address_2: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub zip: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// True when the source's own coordinates are known to be rough.
    pub approximate: bool,
    pub phones: Vec<RawPhone>,
    pub website: Option<String>,
    pub email: Option<String>,
    /// Opening hours as the source wrote them.
    pub hours: Option<String>,
    /// Hours the source gave in fields (days, times, season) as schedule rows; when
    /// there are any, they are the location's schedules instead of one row
    /// holding `hours` (so each should carry the readable text as its description).
    pub schedules: Vec<Schedule>,
    pub fees: Option<String>,
    pub eligibility: Option<String>,
    pub application_process: Option<String>,
    pub terms: Vec<TaxonomyTerm>,
    pub attributes: Vec<Attribute>,
    pub languages: Vec<Language>,
    pub coverage: Vec<Coverage>,
    /// A note about the source a reader should see ("VA facility list as of 2018").
    pub source_note: Option<String>,
}

/// Parses a coordinate cell: blank is `None`, text that is not a number is an error.
pub(crate) fn parse_coordinate(raw: &str) -> Result<Option<f64>, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    raw.parse::<f64>()
        .map(Some)
        .map_err(|_| format!("coordinate {raw:?} is not a number"))
}

/// Decides where a location is: its own coordinates when valid, else its ZIP
/// centroid marked approximate, else nowhere (`None`). Coordinates outside the
/// valid range (or the 0,0 placeholder) are an error: the row is skipped.
pub(crate) fn place_location(
    ctx: ImportContext<'_>,
    latitude: Option<f64>,
    longitude: Option<f64>,
    zip: Option<&str>,
) -> Result<Option<(f64, f64, bool)>, String> {
    if let (Some(lat), Some(lon)) = (latitude, longitude) {
        if valid_coordinate(lat, lon) {
            return Ok(Some((lat, lon, false)));
        }
        if !(lat == 0.0 && lon == 0.0) {
            return Err(format!(
                "coordinates ({lat}, {lon}) are outside the valid range"
            ));
        }
    }
    Ok(zip
        .and_then(|z| ctx.gazetteer.zip(z))
        .map(|p| (p.lat, p.lon, true)))
}

fn clean(value: Option<&str>) -> Option<String> {
    value.and_then(clean_text)
}

fn state_code(raw: Option<&str>) -> String {
    raw.map(|s| s.trim().to_ascii_uppercase())
        .unwrap_or_default()
}

/// Builds an HSDS address from its parts; `None` when every part is empty.
pub(crate) fn make_address(
    address_1: Option<&str>,
    address_2: Option<&str>,
    city: Option<&str>,
    state: Option<&str>,
    zip: Option<&str>,
) -> Option<Address> {
    let state_province = state_code(state);
    let address = Address {
        address_1: clean(address_1).unwrap_or_default(),
        address_2: clean(address_2),
        city: clean(city)
            .map(|c| without_state(&c, &state_province))
            .unwrap_or_default(),
        region: None,
        state_province,
        postal_code: zip.and_then(normalize_zip).unwrap_or_default(),
        country: "US".to_owned(),
    };
    let empty =
        address.address_1.is_empty() && address.city.is_empty() && address.postal_code.is_empty();
    (!empty).then_some(address)
}

/// Drops a state written into the city field ("Washington DC", "Miami, FL") when it
/// repeats the address's own state, so the address does not read "Washington DC, DC".
fn without_state(city: &str, state: &str) -> String {
    let cut = city.len().saturating_sub(2);
    if state.len() == 2 && city.len() > 3 && city.is_char_boundary(cut) {
        let (head, tail) = city.split_at(cut);
        if tail.eq_ignore_ascii_case(state) && head.ends_with([' ', ',']) {
            let trimmed = head.trim_end_matches([' ', ',']);
            if !trimmed.is_empty() {
                return trimmed.to_owned();
            }
        }
    }
    city.to_owned()
}

/// Normalizes phones, dropping ones with no digits at all.
pub(crate) fn make_phones(raw: &[RawPhone]) -> Vec<Phone> {
    let mut phones: Vec<Phone> = Vec::new();
    for p in raw {
        let Some(n) = normalize_phone(&p.number) else {
            continue;
        };
        if phones
            .iter()
            .any(|q| q.number == n.display && q.extension == n.extension)
        {
            continue;
        }
        phones.push(Phone {
            number: n.display,
            extension: n.extension,
            kind: p.kind.map(str::to_owned),
            description: clean(p.description.as_deref()),
        });
    }
    phones
}

/// Turns a flat record into a fully nested service, or says why it cannot be one.
///
/// `dataset` is the name recorded as the listing's source (its ids derive from
/// it); `list` is the bundled list whose category rules apply, which stays the
/// same when `--dataset` records the listings under another name.
pub(crate) fn build_flat(
    ctx: ImportContext<'_>,
    list: &str,
    dataset: &str,
    rec: FlatRecord,
) -> Result<Service, String> {
    let name = clean(Some(&rec.name)).ok_or("no name")?;
    let address = make_address(
        rec.address_1.as_deref(),
        rec.address_2.as_deref(),
        rec.city.as_deref(),
        rec.state.as_deref(),
        rec.zip.as_deref(),
    );
    let zip = address
        .as_ref()
        .map(|a| a.postal_code.as_str())
        .filter(|z| !z.is_empty());
    let (lat, lon, approximate) = place_location(ctx, rec.latitude, rec.longitude, zip)?
        .ok_or_else(
            || match rec.zip.as_deref().map(str::trim).filter(|z| !z.is_empty()) {
                Some(z) => format!("no coordinates, and ZIP code {z:?} is not in the gazetteer"),
                None => "no coordinates and no ZIP code to place it".to_owned(),
            },
        )?;
    let org_name = clean(rec.organization.as_deref()).unwrap_or_else(|| name.clone());
    let classification = ctx.categories.classify(list, &rec.terms);
    let schedules = if rec.schedules.is_empty() {
        clean(rec.hours.as_deref())
            .map(|text| {
                vec![Schedule {
                    description: Some(text),
                    ..Schedule::default()
                }]
            })
            .unwrap_or_default()
    } else {
        rec.schedules
    };
    let location = Location {
        id: record_id("location", dataset, &rec.source_id),
        name: Some(name.clone()),
        location_type: LocationType::Physical,
        latitude: Some(lat),
        longitude: Some(lon),
        approximate: approximate || rec.approximate,
        address,
        phones: make_phones(&rec.phones),
        schedules,
        ..Location::default()
    };
    let service_areas = if rec.coverage.is_empty() {
        Vec::new()
    } else {
        vec![ServiceArea {
            coverage: rec.coverage,
            ..ServiceArea::default()
        }]
    };
    Ok(Service {
        id: record_id("service", dataset, &rec.source_id),
        source: SourceRef {
            dataset: dataset.to_owned(),
            id: rec.source_id,
        },
        organization: Organization {
            id: record_id("organization", dataset, &org_name.to_lowercase()),
            name: org_name,
            website: rec.website.clone().filter(|u| crate::model::is_http_url(u)),
            ..Organization::default()
        },
        name,
        alternate_name: clean(rec.alternate_name.as_deref()),
        description: clean(rec.description.as_deref()),
        url: rec.website.filter(|u| crate::model::is_http_url(u)),
        email: clean(rec.email.as_deref()),
        fees_description: clean(rec.fees.as_deref()),
        eligibility_description: clean(rec.eligibility.as_deref()),
        application_process: clean(rec.application_process.as_deref()),
        source_note: rec.source_note,
        categories: classification.categories,
        needs: classification.needs,
        taxonomy_terms: rec.terms,
        languages: rec.languages,
        attributes: rec.attributes,
        service_areas,
        locations: vec![location],
        ..Service::default()
    })
}

/// One CSV row with access by column name. Values are trimmed; placeholders
/// (`null`, `N/A`, `NA`, `None`) read as empty.
pub(crate) struct CsvRow<'a> {
    columns: &'a HashMap<String, usize>,
    record: &'a csv::StringRecord,
}

impl CsvRow<'_> {
    /// The trimmed value of `column` ("" when absent or a placeholder).
    pub fn get(&self, column: &str) -> &str {
        let value = self
            .columns
            .get(column)
            .and_then(|i| self.record.get(*i))
            .map(|v| {
                v.trim_matches(|c: char| c.is_whitespace() || c == '\u{a0}' || c == '\u{200b}')
            })
            .unwrap_or("");
        match value.to_ascii_lowercase().as_str() {
            "null" | "n/a" | "na" | "none" => "",
            _ => value,
        }
    }

    /// The value of `column`, or `None` when empty.
    pub fn opt(&self, column: &str) -> Option<String> {
        let v = self.get(column);
        (!v.is_empty()).then(|| v.to_owned())
    }
}

/// Reads a CSV file whose rows map one-to-one onto flat records.
///
/// `required` columns must all be in the header (else the file fails whole);
/// `map` says through `Err` why a row is left out — every row ends up either
/// imported or in `skipped`. The listings are recorded under `dataset`; the
/// category rules are those of the bundled list `format` names (or of `dataset`
/// for any other format).
pub(crate) fn read_flat_csv(
    ctx: ImportContext<'_>,
    path: &Path,
    format: Format,
    dataset: &str,
    required: &[&str],
    mut map: impl FnMut(&CsvRow<'_>) -> Result<FlatRecord, String>,
) -> Result<ParsedSource, ImportError> {
    let bytes = read_csv_bytes(path)?;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(bytes.as_slice());
    let headers = reader
        .headers()
        .map_err(|e| ImportError::csv(path, e))?
        .clone();
    let columns: HashMap<String, usize> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| (h.trim().trim_start_matches('\u{feff}').to_owned(), i))
        .collect();
    let missing: Vec<&str> = required
        .iter()
        .copied()
        .filter(|c| !columns.contains_key(*c))
        .collect();
    if !missing.is_empty() {
        return Err(ImportError::invalid(
            path,
            format!(
                "missing column(s) {} for format {}",
                missing.join(", "),
                format.name()
            ),
        ));
    }
    let list = match format {
        Format::Dataset(d) => d.name(),
        _ => dataset,
    };
    let mut parsed = ParsedSource::empty(path, format, dataset);
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(ImportError::csv(path, e)),
        }
        let line = record.position().map_or(0, |p| p.line());
        parsed.rows_read += 1;
        let row = CsvRow {
            columns: &columns,
            record: &record,
        };
        let outcome = map(&row).and_then(|flat| {
            if let Some(first) = seen.get(&flat.source_id) {
                return Err(format!(
                    "same source id {:?} as line {first}; kept the first",
                    flat.source_id
                ));
            }
            seen.insert(flat.source_id.clone(), line);
            build_flat(ctx, list, dataset, flat)
        });
        match outcome {
            Ok(service) => parsed.services.push(service),
            Err(reason) => parsed.skipped.push(SkippedRow {
                row: line,
                file: None,
                reason,
            }),
        }
    }
    Ok(parsed)
}

/// Reads a CSV file with CRLF line endings turned into LF.
///
/// The csv crate counts the lines of CRLF files one short, both for records and
/// in its own errors; with LF endings every line number it gives points at the
/// right line in any editor. Every CSV reader of the importers reads through this.
pub(crate) fn read_csv_bytes(path: &Path) -> Result<Vec<u8>, ImportError> {
    let bytes = std::fs::read(path).map_err(|e| ImportError::io(path, e))?;
    if !bytes.windows(2).any(|w| w == b"\r\n") {
        return Ok(bytes);
    }
    let mut lf = Vec::with_capacity(bytes.len());
    for (i, b) in bytes.iter().enumerate() {
        if !(*b == b'\r' && bytes.get(i + 1) == Some(&b'\n')) {
            lf.push(*b);
        }
    }
    Ok(lf)
}

/// A source id built from fields, for lists that have no id column.
pub(crate) fn key_from(parts: &[&str]) -> String {
    parts
        .iter()
        .map(|p| {
            p.split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_lowercase()
        })
        .collect::<Vec<_>>()
        .join("|")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::test_support::context;

    #[test]
    fn a_state_repeated_in_the_city_is_dropped() {
        let address = |city: &str, state: &str| {
            make_address(
                Some("1 Main St"),
                None,
                Some(city),
                Some(state),
                Some("20001"),
            )
            .map(|a| a.city)
            .unwrap_or_default()
        };
        assert_eq!(address("Washington DC", "DC"), "Washington");
        assert_eq!(address("Miami, FL", "fl"), "Miami");
        assert_eq!(address("Dover", "DE"), "Dover");
        assert_eq!(address("Ada", "OK"), "Ada");
        assert_eq!(address("Sioux Falls SD", "MN"), "Sioux Falls SD");
        assert_eq!(address("MAYAGÜEZ", "PR"), "MAYAGÜEZ");
        assert_eq!(address("Añasco ÜÜ", "PR"), "Añasco ÜÜ");
    }

    #[test]
    fn skipped_rows_carry_their_line_number_in_the_file() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let ctx = context();
        for ending in ["\n", "\r\n"] {
            let text = [
                "id,name,zip",
                "1,Food Bank,33101",
                "2,,33101",
                "3,\"Two\nlines\",33101",
                "4,,33101",
                "",
            ]
            .join(ending);
            let path = dir.path().join("list.csv");
            std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
            let parsed = read_flat_csv(
                ctx,
                &path,
                Format::Hsds3Csv,
                "test",
                &["id", "name"],
                |row| {
                    Ok(FlatRecord {
                        source_id: row.get("id").into(),
                        name: row.get("name").into(),
                        zip: row.opt("zip"),
                        ..FlatRecord::default()
                    })
                },
            )
            .unwrap_or_else(|e| panic!("{e}"));
            let lines: Vec<u64> = parsed.skipped.iter().map(|s| s.row).collect();
            assert_eq!(lines, vec![3, 6], "line ending {ending:?}");
            assert_eq!(parsed.rows_read, 4);
        }
    }
}
