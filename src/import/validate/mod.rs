//! Validation of HSDS 3.0 data against the rules of the standard that matter to a
//! directory: required fields, enumerations (`status`, `location_type`, ...), ids
//! referenced but missing, duplicate ids, coordinates, dates, times, ages, and the
//! shape of emails and URLs.
//!
//! It reads a tabular package or a JSON file the way the importer does, but judges
//! rather than cleans: every problem becomes a located [`Finding`] (file and line,
//! or JSON record and path) that says what is wrong and how to fix it. An error
//! means the service record it belongs to is not valid HSDS 3.0 and is not
//! imported; a warning is imported with a note. `hearth validate` prints the
//! findings; [`read_source_with`](super::read_source_with) applies them to what
//! the readers built ([`apply`]). Reading and cleaning stay with the readers.

mod json;
mod package;
mod rules;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{Format, ImportError, ParsedSource, SkippedRow, detect_format, quoted};

pub(crate) use json::RecordChecker;
pub use json::validate_service_value;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The record it belongs to is not valid HSDS 3.0; an import leaves its services out.
    Error,
    /// Worth fixing, but the record is imported (with a note).
    Warning,
}

impl Severity {
    /// `error` or `warning`, as the report writes it.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// Which rule a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Check {
    /// A required field (or a required column) is missing or blank.
    Required,
    /// A value is not one of the field's enumerated values.
    Enum,
    /// An id names a record the data does not have.
    Reference,
    /// An id is used by two records of the same table.
    Duplicate,
    /// A number that is not one, or an age out of order.
    Number,
    /// A latitude or longitude that is not a number or out of range.
    Coordinates,
    /// A date or date-time that does not parse.
    Date,
    /// A time of day, or a list of days, that does not parse.
    Time,
    /// An email address that does not look like one.
    Email,
    /// A URL that is not an absolute URI.
    Url,
    /// A service area's extent that is not what its `extent_type` says.
    Extent,
    /// A value of the wrong JSON type (an object where text belongs), or a table
    /// that cannot be read.
    Shape,
    /// Text that starts like a spreadsheet formula (`=`, `+`, `@`).
    Formula,
}

/// One problem found, where it is, and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// An error makes the record invalid; a warning does not.
    pub severity: Severity,
    /// The rule broken.
    pub check: Check,
    /// The package table (`services.csv`); `None` for a record of a JSON file.
    pub file: Option<String>,
    /// The row's line in its table (the header is line 1), or the JSON record number (from 1).
    pub row: u64,
    /// The column, or the path in the JSON record (`service_at_locations[0].location.latitude`).
    pub field: String,
    /// What is wrong and how to fix it.
    pub message: String,
    /// The source ids of the services whose records include the row (a location's
    /// row belongs to every service at that location). Empty for rows no service
    /// is built from (contacts, funding, a row that names no service).
    pub services: Vec<String>,
}

impl Finding {
    /// Where the finding is: `services.csv:14`, or `record 3` in a JSON file.
    pub fn location(&self) -> String {
        match &self.file {
            Some(file) => format!("{file}:{}", self.row),
            None => format!("record {}", self.row),
        }
    }
}

impl fmt::Display for Finding {
    /// `services.csv:14: status: "open" is not an HSDS status (...)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.location(), self.field, self.message)
    }
}

/// The outcome of validating one file or package.
#[derive(Debug, Clone)]
pub struct Validation {
    /// The file or package as given.
    pub path: PathBuf,
    /// `Hsds3Csv` or `Hsds3Json`.
    pub format: Format,
    /// Every finding, in report order: by table (services first) and line, or by
    /// JSON record, each row's in the order of the rules.
    pub findings: Vec<Finding>,
    /// Rows of every table checked, or JSON records.
    pub records_checked: u64,
    /// Service rows or records among them.
    pub services_checked: u64,
    /// Where each service's own row is: (table, line) or (`None`, record), by source id.
    service_rows: HashMap<String, (Option<String>, u64)>,
}

impl Validation {
    /// How many findings are errors.
    pub fn errors(&self) -> usize {
        self.count(Severity::Error)
    }

    /// How many findings are warnings.
    pub fn warnings(&self) -> usize {
        self.count(Severity::Warning)
    }

    fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }

    /// Whether nothing is an error.
    pub fn is_valid(&self) -> bool {
        self.errors() == 0
    }

    /// The source ids of the services whose records have an error, with those errors.
    pub fn invalid_services(&self) -> BTreeMap<&str, Vec<&Finding>> {
        let mut invalid: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
        for finding in self
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
        {
            for service in &finding.services {
                invalid.entry(service.as_str()).or_default().push(finding);
            }
        }
        invalid
    }

    /// Where service `id`'s own row is: its table and line, or (`None`, its JSON record).
    pub fn service_row(&self, id: &str) -> Option<(Option<&str>, u64)> {
        self.service_rows
            .get(id)
            .map(|(file, row)| (file.as_deref(), *row))
    }
}

/// Validates a file or package as HSDS 3.0, detecting whether it is a tabular
/// package or JSON (see [`detect_format`]).
///
/// Fails only when the data cannot be read at all (no `services.csv`, JSON that
/// does not parse) or is not HSDS 3.0; everything else is a finding.
pub fn validate_path(path: &Path) -> Result<Validation, ImportError> {
    validate_as(path, None)
}

/// Validates a file or package as HSDS 3.0 in `format` (`Hsds3Csv` or
/// `Hsds3Json`), or the detected format when `None`.
pub fn validate_as(path: &Path, format: Option<Format>) -> Result<Validation, ImportError> {
    let format = match format {
        Some(f) => f,
        None => detect_format(path)?,
    };
    match format {
        Format::Hsds3Csv => package::validate(path),
        Format::Hsds3Json => json::validate_file(path),
        other => Err(ImportError::invalid(
            path,
            format!(
                "this is {} data; validation checks HSDS 3.0 (hsds3-csv or hsds3-json)",
                other.name()
            ),
        )),
    }
}

/// A finding's text for an import report, located unless it is on `at` itself:
/// `status: "open" is not ...`, or `locations.csv line 3: latitude: 123 is outside ...`.
fn reason(finding: &Finding, at: (Option<&str>, u64)) -> String {
    if (finding.file.as_deref(), finding.row) == at {
        format!("{}: {}", finding.field, finding.message)
    } else {
        match &finding.file {
            Some(file) => format!(
                "{file} line {}: {}: {}",
                finding.row, finding.field, finding.message
            ),
            None => format!(
                "record {}: {}: {}",
                finding.row, finding.field, finding.message
            ),
        }
    }
}

/// Whether the reader itself notes this problem when it reads the row (coordinates
/// it cannot use, times it cannot read, extents that are no area, links to a
/// location the package lacks, a website that is not http): then a row that
/// already has a note from the reader does not get this finding as well.
fn also_noted_by_reader(finding: &Finding) -> bool {
    match finding.check {
        Check::Coordinates | Check::Time | Check::Extent => true,
        Check::Reference => finding.field.ends_with("location_id"),
        Check::Url => finding.field == "url",
        _ => false,
    }
}

/// Whether a finding says again why the reader skipped the row: no id, no name,
/// a repeated id, not an object.
fn says_why_skipped(finding: &Finding) -> bool {
    let field = finding.field.as_str();
    match finding.check {
        Check::Required => field == "id" || field == "name",
        Check::Duplicate => true,
        Check::Shape => field == "(record)",
        _ => false,
    }
}

/// Applies a validation to what a reader built from the same source: services
/// whose record has an error are taken out and reported as skipped (at their own
/// row, with every error, located); other findings join the notes, one note per
/// row. What the reader already reported for a row is not reported again.
pub(super) fn apply(parsed: &mut ParsedSource, validation: &Validation) {
    let invalid = validation.invalid_services();
    let mut removed: HashSet<String> = HashSet::new();
    let mut new_skips: Vec<SkippedRow> = Vec::new();
    parsed.services.retain(|service| {
        let id = service.source.id.as_str();
        let Some(errors) = invalid.get(id) else {
            return true;
        };
        let at = validation.service_row(id).unwrap_or((None, 0));
        let mut reasons: Vec<String> = Vec::new();
        for finding in errors {
            let text = reason(finding, at);
            if !reasons.contains(&text) {
                reasons.push(text);
            }
        }
        new_skips.push(SkippedRow {
            row: at.1,
            file: at.0.map(str::to_owned),
            reason: format!("not valid HSDS 3.0: {}", reasons.join("; ")),
        });
        removed.insert(id.to_owned());
        false
    });
    let imported: HashSet<&str> = parsed
        .services
        .iter()
        .map(|s| s.source.id.as_str())
        .collect();
    let removed_rows: HashSet<(Option<&str>, u64)> = removed
        .iter()
        .filter_map(|id| validation.service_row(id))
        .collect();
    // A removed service's own row has nothing imported to note.
    parsed
        .notes
        .retain(|n| !removed_rows.contains(&(n.file.as_deref(), n.row)));

    let key = |file: &Option<String>, row: u64| (file.clone(), row);
    let skipped_at: HashMap<(Option<String>, u64), usize> = parsed
        .skipped
        .iter()
        .enumerate()
        .map(|(i, s)| (key(&s.file, s.row), i))
        .collect();
    let mut noted_at: HashMap<(Option<String>, u64), (usize, bool)> = parsed
        .notes
        .iter()
        .enumerate()
        .map(|(i, n)| (key(&n.file, n.row), (i, true)))
        .collect();
    for finding in &validation.findings {
        let at = key(&finding.file, finding.row);
        let text = format!("{}: {}", finding.field, finding.message);
        // A row the reader skipped: its reason says why; add what else is wrong
        // with it (errors only: a warning about a row not imported helps nobody).
        if let Some(&i) = skipped_at.get(&at) {
            if finding.severity == Severity::Error
                && !says_why_skipped(finding)
                && !parsed.skipped[i].reason.contains(&text)
            {
                parsed.skipped[i].reason.push_str(&format!("; {text}"));
            }
            continue;
        }
        // An error's services were all taken out above, with it in their reason; a
        // warning about services none of which is imported has nothing to note.
        let imported_any = finding
            .services
            .iter()
            .any(|s| imported.contains(s.as_str()));
        if !finding.services.is_empty() && !imported_any {
            continue;
        }
        match noted_at.get(&at).copied() {
            Some((i, by_reader)) => {
                if (by_reader && also_noted_by_reader(finding))
                    || parsed.notes[i].reason.contains(&text)
                {
                    continue;
                }
                parsed.notes[i].reason.push_str(&format!("; {text}"));
            }
            None => {
                noted_at.insert(at, (parsed.notes.len(), false));
                parsed.notes.push(SkippedRow {
                    row: finding.row,
                    file: finding.file.clone(),
                    reason: text,
                });
            }
        }
    }
    parsed.skipped.extend(new_skips);
    parsed
        .skipped
        .sort_by(|a, b| (&a.file, a.row).cmp(&(&b.file, b.row)));
}

// ---------------------------------------------------------------------------
// Checking one record (a package row or a JSON object) against its spec
// ---------------------------------------------------------------------------

/// A field's value as a check sees it.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    /// No such column or key.
    Absent,
    /// Empty, blank or `null`.
    Blank,
    Text(String),
    /// A JSON list or object where one value belongs: `a list`, `an object`.
    Other(&'static str),
}

/// A package row or a JSON object, read by field name.
trait Record {
    fn cell(&self, field: &str) -> Cell;

    /// The field's text, when it has one.
    fn text(&self, field: &str) -> Option<String> {
        match self.cell(field) {
            Cell::Text(t) => Some(t),
            _ => None,
        }
    }
}

impl Record for serde_json::Map<String, Value> {
    fn cell(&self, field: &str) -> Cell {
        match self.get(field) {
            None => Cell::Absent,
            Some(Value::Null) => Cell::Blank,
            Some(Value::String(s)) => {
                let t = s.trim();
                if t.is_empty() || t.eq_ignore_ascii_case("null") {
                    Cell::Blank
                } else {
                    Cell::Text(t.to_owned())
                }
            }
            Some(Value::Number(n)) => Cell::Text(n.to_string()),
            Some(Value::Bool(b)) => Cell::Text(b.to_string()),
            Some(Value::Array(_)) => Cell::Other("a list"),
            Some(Value::Object(_)) => Cell::Other("an object"),
        }
    }
}

/// A problem in one record, before it is located.
#[derive(Debug)]
struct Issue {
    severity: Severity,
    check: Check,
    field: String,
    message: String,
}

impl Issue {
    fn new(severity: Severity, check: Check, field: &str, message: String) -> Issue {
        Issue {
            severity,
            check,
            field: field.to_owned(),
            message,
        }
    }
}

/// "a service", "an organization".
fn article(object: &str) -> String {
    let vowel = object.starts_with(['a', 'e', 'i', 'o', 'u']);
    format!("{} {object}", if vowel { "an" } else { "a" })
}

/// Checks the fields of one record against `spec`: everything but references and
/// duplicates, which need the other records. `tabular` adds the fields only the
/// tabular form requires. In a package, a column the table lacks is reported once
/// for its header (`header_has` says which columns there are), not for every row:
/// a row reads such a column as blank.
fn check_record(
    spec: &rules::Spec,
    record: &impl Record,
    tabular: bool,
    header_has: &dyn Fn(&str) -> bool,
) -> Vec<Issue> {
    use Severity::{Error, Warning};
    let mut issues = Vec::new();
    let missing = |cell: &Cell, field: &str| match cell {
        Cell::Absent => true,
        Cell::Blank => header_has(field),
        _ => false,
    };
    let required = spec
        .required
        .iter()
        .map(|f| (f, Error, "HSDS 3.0 requires one"))
        .chain(
            spec.tabular
                .iter()
                .filter(|_| tabular)
                .map(|f| (f, Error, "the tabular format requires one")),
        )
        .chain(
            spec.wanted
                .iter()
                .filter(|f| tabular || **f != "organization_id")
                .map(|f| (f, Warning, "HSDS 3.0 asks for one")),
        );
    for (field, severity, why) in required {
        if missing(&record.cell(field), field) {
            issues.push(Issue::new(
                severity,
                Check::Required,
                field,
                format!("missing; {why} for {}", article(spec.object)),
            ));
        }
    }
    // Every field that takes a single value, to report lists and objects once.
    let scalar_fields = spec
        .required
        .iter()
        .chain(spec.enums.iter().map(|(f, _, _)| f))
        .chain(spec.dates)
        .chain(spec.date_times)
        .chain(spec.ical_dates)
        .chain(spec.times)
        .chain(spec.numbers.iter().map(|(f, _)| f))
        .chain(spec.emails)
        .chain(spec.urls);
    let mut seen = HashSet::new();
    for field in scalar_fields {
        if let Cell::Other(kind) = record.cell(field)
            && seen.insert(*field)
        {
            issues.push(Issue::new(
                Error,
                Check::Shape,
                field,
                format!("is {kind}; HSDS 3.0 wants a single value here"),
            ));
        }
    }
    for (field, values, severity) in spec.enums {
        let Some(value) = record.text(field) else {
            continue;
        };
        match rules::enum_mismatch(&value, values) {
            None => {}
            Some(Some(spelling)) => issues.push(Issue::new(
                Warning,
                Check::Enum,
                field,
                format!("{} should be written {spelling:?}", quoted(&value)),
            )),
            Some(None) => issues.push(Issue::new(
                *severity,
                Check::Enum,
                field,
                format!(
                    "{} is not an HSDS {} ({})",
                    quoted(&value),
                    if *field == "type" {
                        format!("{} type", spec.object)
                    } else {
                        (*field).to_owned()
                    },
                    values.join(", ")
                ),
            )),
        }
    }
    /// Fields of one written form, how to tell it, and what to say when it is not.
    struct Form<'a> {
        fields: &'a [&'a str],
        parses: fn(&str) -> bool,
        check: Check,
        what: &'a str,
    }
    let date = "a date; write it as YYYY-MM-DD";
    let forms = [
        Form {
            fields: spec.dates,
            parses: rules::is_date,
            check: Check::Date,
            what: date,
        },
        Form {
            fields: spec.date_times,
            parses: rules::is_date_time,
            check: Check::Date,
            what: "an RFC 3339 date-time; write it as 2024-03-15T10:30:00Z or with an offset (-05:00)",
        },
        Form {
            fields: spec.ical_dates,
            parses: rules::is_ical_date,
            check: Check::Date,
            what: date,
        },
        Form {
            fields: spec.times,
            parses: rules::is_time,
            check: Check::Time,
            what: "a time of day; write it as HH:MM (24-hour), with Z or an offset such as 09:00-05:00",
        },
    ];
    for form in forms {
        for field in form.fields {
            let Some(value) = record.text(field) else {
                continue;
            };
            if (form.parses)(&value) {
                continue;
            }
            // A date where a date-time belongs (or the other way round), or a
            // one-digit hour, is still read right: worth a warning, not an error.
            let near_miss = if spec.dates.contains(field) {
                rules::is_date_time(&value)
                    .then_some("has a time of day; HSDS 3.0 wants only the date (YYYY-MM-DD)")
            } else if spec.date_times.contains(field) {
                rules::is_date(&value).then_some(
                    "is a date without a time; HSDS 3.0 wants a date-time such as 2024-03-15T00:00:00Z",
                )
            } else if spec.times.contains(field) {
                rules::is_time(&format!("0{value}"))
                    .then_some("has a one-digit hour; write it as HH:MM (09:00)")
            } else {
                None
            };
            let issue = match near_miss {
                Some(what) => Issue::new(
                    Warning,
                    form.check,
                    field,
                    format!("{} {what}", quoted(&value)),
                ),
                // Hours that cannot be read keep the schedule's own words (the
                // importer notes it), so the listing is still worth having.
                None => Issue::new(
                    if form.check == Check::Time {
                        Warning
                    } else {
                        Error
                    },
                    form.check,
                    field,
                    format!("{} is not {}", quoted(&value), form.what),
                ),
            };
            issues.push(issue);
        }
    }
    for (field, severity) in spec.numbers {
        if let Some(value) = record.text(field)
            && rules::number(&value).is_none()
        {
            issues.push(Issue::new(
                *severity,
                Check::Number,
                field,
                format!("{} is not a number", quoted(&value)),
            ));
        }
    }
    for field in spec.emails {
        if let Some(value) = record.text(field)
            && !rules::is_email(&value)
        {
            issues.push(Issue::new(
                Warning,
                Check::Email,
                field,
                format!("{} does not look like an email address", quoted(&value)),
            ));
        }
    }
    for field in spec.urls {
        if let Some(value) = record.text(field)
            && !rules::is_uri(&value)
        {
            issues.push(Issue::new(
                Warning,
                Check::Url,
                field,
                format!(
                    "{} is not a full URL; write it with its scheme (https://...)",
                    quoted(&value)
                ),
            ));
        }
    }
    for field in ["name", "alternate_name", "description"] {
        if let Some(value) = record.text(field)
            && rules::looks_like_formula(&value)
        {
            issues.push(Issue::new(
                Warning,
                Check::Formula,
                field,
                format!(
                    "{} starts like a spreadsheet formula; it is kept as text, but a spreadsheet that opens an export of it may run it: check that it is meant",
                    quoted(&value)
                ),
            ));
        }
    }
    match spec.object {
        "service" => check_ages(record, &mut issues),
        "location" => check_coordinates(record, &mut issues),
        "schedule" => {
            if let Some(days) = record.text("byday")
                && !rules::is_byday(&days)
            {
                issues.push(Issue::new(
                    Warning,
                    Check::Time,
                    "byday",
                    format!(
                        "{} is not a list of RRULE days; write them as MO,TU,WE (or 1SA, -1FR for a month's first Saturday, last Friday)",
                        quoted(&days)
                    ),
                ));
            }
        }
        "service_area" => check_extent(record, &mut issues),
        "address" => {
            if let Some(country) = record.text("country")
                && !(country.len() == 2 && country.chars().all(|c| c.is_ascii_alphabetic()))
            {
                issues.push(Issue::new(
                    Warning,
                    Check::Enum,
                    "country",
                    format!(
                        "{} is not a two-letter ISO 3166-1 country code (US)",
                        quoted(&country)
                    ),
                ));
            }
        }
        _ => {}
    }
    issues
}

/// Ages are numbers of years, not negative, the minimum not above the maximum.
fn check_ages(record: &impl Record, issues: &mut Vec<Issue>) {
    let mut ages = [None, None];
    for (i, field) in ["minimum_age", "maximum_age"].into_iter().enumerate() {
        let Some(text) = record.text(field) else {
            continue;
        };
        match rules::number(&text) {
            None => issues.push(Issue::new(
                Severity::Error,
                Check::Number,
                field,
                format!("{} is not a number of years", quoted(&text)),
            )),
            Some(n) if n < 0.0 => issues.push(Issue::new(
                Severity::Error,
                Check::Number,
                field,
                format!("{text} is negative; give an age in years"),
            )),
            Some(n) => ages[i] = Some(n),
        }
    }
    if let [Some(min), Some(max)] = ages
        && min > max
    {
        issues.push(Issue::new(
            Severity::Error,
            Check::Number,
            "minimum_age",
            format!("{min} is above maximum_age {max}; swap them or correct one"),
        ));
    }
}

/// Coordinates are numbers (an error when not) in range (a warning when not:
/// the location is still listed, at its address).
fn check_coordinates(record: &impl Record, issues: &mut Vec<Issue>) {
    for (field, limit) in [("latitude", 90.0), ("longitude", 180.0)] {
        let Some(text) = record.text(field) else {
            continue;
        };
        match rules::number(&text) {
            None => issues.push(Issue::new(
                Severity::Error,
                Check::Coordinates,
                field,
                format!(
                    "{} is not a number; give decimal degrees (WGS84), such as 25.7617",
                    quoted(&text)
                ),
            )),
            Some(n) if n.abs() > limit => issues.push(Issue::new(
                Severity::Warning,
                Check::Coordinates,
                field,
                format!(
                    "{text} is outside -{limit}..{limit}; give decimal degrees (WGS84) or leave it empty (the location is placed by its address meanwhile)"
                ),
            )),
            Some(_) => {}
        }
    }
}

/// An extent typed `geojson` must be a GeoJSON object.
fn check_extent(record: &impl Record, issues: &mut Vec<Issue>) {
    let typed_geojson = record
        .text("extent_type")
        .is_some_and(|t| t.eq_ignore_ascii_case("geojson"));
    let geojson = match record.cell("extent") {
        Cell::Text(text) => serde_json::from_str::<Value>(&text)
            .ok()
            .filter(|v| v.get("type").is_some_and(Value::is_string)),
        // JSON that nests the GeoJSON object itself.
        Cell::Other("an object") => Some(Value::Null),
        _ => return,
    };
    if typed_geojson && geojson.is_none() {
        issues.push(Issue::new(
            Severity::Warning,
            Check::Extent,
            "extent",
            "is not a GeoJSON object though extent_type is geojson; give the area as GeoJSON or set extent_type to text".to_owned(),
        ));
    }
}
