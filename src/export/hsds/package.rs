//! The files of an HSDS 3.0 export: NDJSON of full services, and the tabular
//! data package (one CSV per table, with the spec's file and column names, and
//! a Frictionless `datapackage.json`).
//!
//! Both stream: services are written as they are read. Only what must be
//! written once is remembered (organization and location ids, terms). Both are
//! written beside their target (`FILE.tmp-<pid>`, `DIR.tmp-<pid>`) and renamed
//! into place at the end, so a failure never leaves a partial export.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use super::{
    Taxonomy, Term, attribute_terms, child_id, complete_address, incomplete_addresses, location_as,
    organization, reference_terms, service_at_location_id, service_full, service_minimal,
    service_terms,
};
use crate::model::Service;

/// What the source of listings may fail with (a store error, usually).
type SourceError = Box<dyn std::error::Error + Send + Sync>;

/// Writing an export failed; nothing was left at the target.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("writing {file}: {source}")]
    Csv { file: String, source: csv::Error },
    #[error("writing JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("reading the listings: {0}")]
    Source(SourceError),
    #[error(
        "{} exists and is not an HSDS package (no datapackage.json); remove it or choose another directory",
        path.display()
    )]
    NotAPackage { path: PathBuf },
}

impl ExportError {
    fn io(path: &Path, source: std::io::Error) -> ExportError {
        ExportError::Io {
            path: path.to_owned(),
            source,
        }
    }
}

/// How much an export wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExportSummary {
    pub services: u64,
    /// Distinct organizations.
    pub organizations: u64,
    /// Distinct locations.
    pub locations: u64,
    /// Size of what was written, in bytes.
    pub bytes: u64,
    /// Addresses published without a field HSDS asks for (see [`super::complete_address`]).
    pub incomplete_addresses: u64,
}

/// One table of the package: its resource name, file and columns (as the
/// spec's example package has them).
#[derive(Debug, Clone, Copy)]
pub struct TableSpec {
    pub name: &'static str,
    pub file: &'static str,
    pub columns: &'static [&'static str],
}

const SERVICES: usize = 0;
const ORGANIZATIONS: usize = 1;
const LOCATIONS: usize = 2;
const SERVICE_AT_LOCATION: usize = 3;
const ADDRESSES: usize = 4;
const PHONES: usize = 5;
const SCHEDULES: usize = 6;
const SERVICE_AREAS: usize = 7;
const LANGUAGES: usize = 8;
const COST_OPTIONS: usize = 9;
const ATTRIBUTES: usize = 10;
const TAXONOMIES: usize = 11;
const TAXONOMY_TERMS: usize = 12;
const ACCESSIBILITY: usize = 13;
const REQUIRED_DOCUMENTS: usize = 14;
const METADATA: usize = 15;

/// The package's tables, with the HSDS 3.0 file and column names.
pub const TABLES: [TableSpec; 16] = [
    TableSpec {
        name: "service",
        file: "services.csv",
        columns: &[
            "id",
            "organization_id",
            "program_id",
            "name",
            "alternate_name",
            "description",
            "url",
            "email",
            "status",
            "interpretation_services",
            "application_process",
            "fees_description",
            "wait_time",
            "fees",
            "accreditations",
            "eligibility_description",
            "minimum_age",
            "maximum_age",
            "assured_date",
            "assurer_email",
            "licenses",
            "alert",
            "last_modified",
        ],
    },
    TableSpec {
        name: "organization",
        file: "organizations.csv",
        columns: &[
            "id",
            "name",
            "alternate_name",
            "description",
            "email",
            "website",
            "tax_status",
            "tax_id",
            "year_incorporated",
            "legal_status",
            "logo",
            "uri",
            "parent_organization_id",
        ],
    },
    TableSpec {
        name: "location",
        file: "locations.csv",
        columns: &[
            "id",
            "location_type",
            "url",
            "organization_id",
            "name",
            "alternate_name",
            "description",
            "transportation",
            "latitude",
            "longitude",
            "external_identifier",
            "external_identifier_type",
        ],
    },
    TableSpec {
        name: "service_at_location",
        file: "service_at_location.csv",
        columns: &["id", "service_id", "location_id", "description"],
    },
    TableSpec {
        name: "address",
        file: "addresses.csv",
        columns: &[
            "id",
            "location_id",
            "attention",
            "address_1",
            "address_2",
            "city",
            "region",
            "state_province",
            "postal_code",
            "country",
            "address_type",
        ],
    },
    TableSpec {
        name: "phone",
        file: "phones.csv",
        columns: &[
            "id",
            "location_id",
            "service_id",
            "organization_id",
            "contact_id",
            "service_at_location_id",
            "number",
            "extension",
            "type",
            "description",
        ],
    },
    TableSpec {
        name: "schedule",
        file: "schedules.csv",
        columns: &[
            "id",
            "service_id",
            "location_id",
            "service_at_location_id",
            "valid_from",
            "valid_to",
            "dtstart",
            "timezone",
            "until",
            "count",
            "wkst",
            "freq",
            "interval",
            "byday",
            "byweekno",
            "bymonthday",
            "byyearday",
            "description",
            "opens_at",
            "closes_at",
            "schedule_link",
            "attending_type",
            "notes",
        ],
    },
    TableSpec {
        name: "service_area",
        file: "service_areas.csv",
        columns: &[
            "id",
            "service_id",
            "name",
            "description",
            "extent",
            "extent_type",
            "uri",
        ],
    },
    TableSpec {
        name: "language",
        file: "languages.csv",
        columns: &[
            "id",
            "service_id",
            "location_id",
            "phone_id",
            "name",
            "code",
            "note",
        ],
    },
    TableSpec {
        name: "cost_option",
        file: "cost_options.csv",
        columns: &[
            "id",
            "service_id",
            "valid_from",
            "valid_to",
            "option",
            "currency",
            "amount",
            "amount_description",
        ],
    },
    TableSpec {
        name: "attribute",
        file: "attributes.csv",
        columns: &[
            "id",
            "link_id",
            "taxonomy_term_id",
            "link_type",
            "link_entity",
            "value",
        ],
    },
    TableSpec {
        name: "taxonomy",
        file: "taxonomies.csv",
        columns: &["id", "name", "description", "uri", "version"],
    },
    TableSpec {
        name: "taxonomy_term",
        file: "taxonomy_terms.csv",
        columns: &[
            "id",
            "code",
            "name",
            "description",
            "parent_id",
            "taxonomy",
            "language",
            "taxonomy_id",
            "term_uri",
        ],
    },
    TableSpec {
        name: "accessibility",
        file: "accessibility.csv",
        columns: &["id", "location_id", "description", "details", "url"],
    },
    TableSpec {
        name: "required_document",
        file: "required_documents.csv",
        columns: &["id", "service_id", "document", "uri"],
    },
    TableSpec {
        name: "metadata",
        file: "metadata.csv",
        columns: &[
            "id",
            "resource_id",
            "resource_type",
            "last_action_date",
            "last_action_type",
            "field_name",
            "previous_value",
            "replacement_value",
            "updated_by",
        ],
    },
];

/// Columns HSDS types as numbers (everything else is a string).
const NUMBER_COLUMNS: [&str; 9] = [
    "minimum_age",
    "maximum_age",
    "year_incorporated",
    "latitude",
    "longitude",
    "extension",
    "timezone",
    "count",
    "amount",
];

/// The name a Hearth package gives itself in `datapackage.json` (and so the
/// dataset name Hearth's importer gives its listings).
const PACKAGE_NAME: &str = "hearth-export";

fn source_error<E: Into<SourceError>>(error: E) -> ExportError {
    ExportError::Source(error.into())
}

// ---------------------------------------------------------------------------
// NDJSON
// ---------------------------------------------------------------------------

/// Writes each service as one `service_full` JSON object per line, as read.
/// The first error from `services` stops the export.
pub fn write_ndjson<E: Into<SourceError>>(
    services: impl Iterator<Item = Result<Service, E>>,
    out: &mut impl Write,
) -> Result<ExportSummary, ExportError> {
    let mut summary = ExportSummary::default();
    let mut organizations: HashSet<String> = HashSet::new();
    let mut locations: HashSet<String> = HashSet::new();
    let mut counter = CountingWriter {
        inner: out,
        bytes: 0,
    };
    for service in services {
        let service = service.map_err(source_error)?;
        serde_json::to_writer(&mut counter, &service_full(&service))?;
        counter
            .write_all(b"\n")
            .map_err(|e| ExportError::io(Path::new("<output>"), e))?;
        summary.services += 1;
        summary.incomplete_addresses += incomplete_addresses(&service);
        organizations.insert(service.organization.id.clone());
        locations.extend(service.locations.iter().map(|l| l.id.clone()));
    }
    counter
        .flush()
        .map_err(|e| ExportError::io(Path::new("<output>"), e))?;
    summary.organizations = organizations.len() as u64;
    summary.locations = locations.len() as u64;
    summary.bytes = counter.bytes;
    Ok(summary)
}

struct CountingWriter<'a, W: Write> {
    inner: &'a mut W,
    bytes: u64,
}

impl<W: Write> Write for CountingWriter<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// The sibling path work is written to before it is renamed into place.
fn temp_sibling(target: &Path, tag: &str) -> PathBuf {
    let mut name = target
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_else(|| "export".into());
    name.push(format!(".{tag}-{}", std::process::id()));
    target.with_file_name(name)
}

/// Writes the NDJSON export to `path` (replacing it), through a temporary
/// sibling that is renamed at the end and removed on failure.
///
/// A target that exists and is not a regular file (`/dev/stdout`, a pipe) is
/// written to directly: renaming over it would replace the device itself.
pub fn export_ndjson<E: Into<SourceError>>(
    path: &Path,
    services: impl Iterator<Item = Result<Service, E>>,
) -> Result<ExportSummary, ExportError> {
    if let Ok(meta) = std::fs::metadata(path)
        && !meta.is_file()
    {
        if meta.is_dir() {
            return Err(ExportError::io(
                path,
                std::io::Error::other("is a directory; NDJSON is written to a file"),
            ));
        }
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .map_err(|e| ExportError::io(path, e))?;
        let mut out = BufWriter::new(file);
        return write_ndjson(services, &mut out);
    }
    let temp = temp_sibling(path, "tmp");
    let result = (|| {
        let file = File::create(&temp).map_err(|e| ExportError::io(&temp, e))?;
        let mut out = BufWriter::new(file);
        let summary = write_ndjson(services, &mut out)?;
        let file = out
            .into_inner()
            .map_err(|e| ExportError::io(&temp, e.into_error()))?;
        file.sync_all().map_err(|e| ExportError::io(&temp, e))?;
        std::fs::rename(&temp, path).map_err(|e| ExportError::io(path, e))?;
        Ok(summary)
    })();
    if result.is_err() {
        // Best effort: the export already failed, and a leftover temp is named as one.
        let _ = std::fs::remove_file(&temp);
    }
    result
}

// ---------------------------------------------------------------------------
// Tabular package
// ---------------------------------------------------------------------------

/// A cell as text: strings as they are, numbers as JSON writes them, the rest empty.
fn cell(value: Option<&Value>) -> String {
    match value {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        _ => String::new(),
    }
}

fn fingerprint(value: &impl serde::Serialize) -> Result<u64, ExportError> {
    let text = serde_json::to_string(value)?;
    let mut hasher = DefaultHasher::new();
    text.hash(&mut hasher);
    Ok(hasher.finish())
}

/// The package's open tables and what has been written to them once.
struct PackageWriter {
    dir: PathBuf,
    tables: Vec<csv::Writer<BufWriter<File>>>,
    /// Organization and location ids written, with a fingerprint of what was
    /// written under them: a listing whose copy differs gets an id of its own.
    organizations: HashMap<String, u64>,
    locations: HashMap<String, u64>,
    terms: Vec<Term>,
    /// Term ids written, with the term's name: a source that names a code
    /// differently from another gets a term of its own, so neither name is lost.
    term_names: HashMap<String, String>,
    summary: ExportSummary,
}

impl PackageWriter {
    fn create(dir: &Path) -> Result<PackageWriter, ExportError> {
        let mut tables = Vec::with_capacity(TABLES.len());
        for spec in &TABLES {
            let path = dir.join(spec.file);
            let file = File::create(&path).map_err(|e| ExportError::io(&path, e))?;
            let mut writer = csv::Writer::from_writer(BufWriter::new(file));
            writer
                .write_record(spec.columns)
                .map_err(|e| csv_error(spec, e))?;
            tables.push(writer);
        }
        Ok(PackageWriter {
            dir: dir.to_owned(),
            tables,
            organizations: HashMap::new(),
            locations: HashMap::new(),
            terms: Vec::new(),
            term_names: HashMap::new(),
            summary: ExportSummary::default(),
        })
    }

    /// Writes one row of `table` from the scalar fields of `obj` (nested objects
    /// and arrays are other tables' rows).
    fn row(&mut self, table: usize, obj: &Value) -> Result<(), ExportError> {
        let spec = &TABLES[table];
        let record: Vec<String> = spec.columns.iter().map(|c| cell(obj.get(*c))).collect();
        self.tables[table]
            .write_record(&record)
            .map_err(|e| csv_error(spec, e))
    }

    fn rows(&mut self, table: usize, items: Option<&Value>) -> Result<(), ExportError> {
        for item in items.and_then(Value::as_array).into_iter().flatten() {
            self.row(table, item)?;
        }
        Ok(())
    }

    /// The id an object is written under: its own the first time, again when
    /// it is the same, or one derived from `service_id` when this copy differs.
    fn once(
        seen: &mut HashMap<String, u64>,
        id: &str,
        print: u64,
        service_id: &str,
        kind: &str,
    ) -> (String, bool) {
        match seen.get(id) {
            Some(&known) if known == print => (id.to_owned(), false),
            Some(_) => {
                let own = child_id(service_id, kind, id);
                let new = seen.insert(own.clone(), print).is_none();
                (own, new)
            }
            None => {
                seen.insert(id.to_owned(), print);
                (id.to_owned(), true)
            }
        }
    }

    fn service(&mut self, service: &Service) -> Result<(), ExportError> {
        let full = service_full(service);
        let id = service.id.as_str();

        let org = &service.organization;
        let (org_id, new_org) = PackageWriter::once(
            &mut self.organizations,
            &org.id,
            fingerprint(org)?,
            id,
            "organization",
        );
        if new_org {
            let mut row = organization(org);
            row["id"] = Value::String(org_id.clone());
            self.row(ORGANIZATIONS, &row)?;
            self.summary.organizations += 1;
        }
        let mut minimal = service_minimal(service);
        minimal["organization_id"] = Value::String(org_id.clone());
        self.row(SERVICES, &minimal)?;

        for location in &service.locations {
            let (location_id, new) = PackageWriter::once(
                &mut self.locations,
                &location.id,
                fingerprint(location)?,
                id,
                "location",
            );
            if new {
                let value = location_as(location, &location_id, &org_id);
                self.row(LOCATIONS, &value)?;
                self.rows(ADDRESSES, value.get("addresses"))?;
                self.rows(PHONES, value.get("phones"))?;
                self.rows(SCHEDULES, value.get("schedules"))?;
                self.rows(ACCESSIBILITY, value.get("accessibility"))?;
                self.summary.locations += 1;
                if location
                    .address
                    .as_ref()
                    .is_some_and(|a| !complete_address(a))
                {
                    self.summary.incomplete_addresses += 1;
                }
            }
            let link = json!({
                "id": service_at_location_id(id, &location_id),
                "service_id": id,
                "location_id": location_id,
            });
            self.row(SERVICE_AT_LOCATION, &link)?;
        }

        self.rows(PHONES, full.get("phones"))?;
        self.rows(SCHEDULES, full.get("schedules"))?;
        self.rows(SERVICE_AREAS, full.get("service_areas"))?;
        self.rows(LANGUAGES, full.get("languages"))?;
        self.rows(COST_OPTIONS, full.get("cost_options"))?;
        self.rows(REQUIRED_DOCUMENTS, full.get("required_documents"))?;
        self.rows(METADATA, full.get("metadata"))?;
        let mut renamed: HashMap<String, String> = HashMap::new();
        for term in service_terms(service)
            .into_iter()
            .chain(attribute_terms(service))
        {
            let id = match self.term_names.get(&term.id) {
                Some(name) if *name == term.name => continue,
                Some(_) => {
                    let key = format!("{}\u{1f}{}", term.code, term.name);
                    let own = child_id(&term.taxonomy, "taxonomy_term", &key);
                    renamed.insert(term.id.clone(), own.clone());
                    if self.term_names.contains_key(&own) {
                        continue;
                    }
                    own
                }
                None => term.id.clone(),
            };
            self.term_names.insert(id.clone(), term.name.clone());
            self.terms.push(Term { id, ..term });
        }
        for attribute in full["attributes"].as_array().into_iter().flatten() {
            let mut row = attribute.clone();
            let own = row["taxonomy_term_id"]
                .as_str()
                .and_then(|id| renamed.get(id));
            if let Some(own) = own {
                row["taxonomy_term_id"] = Value::String(own.clone());
            }
            self.row(ATTRIBUTES, &row)?;
        }
        self.summary.services += 1;
        Ok(())
    }

    /// Writes the taxonomies and terms, then closes every table and writes
    /// `datapackage.json`. A term's parent that no listing uses is added when
    /// Hearth knows it (Open Eligibility); otherwise its `parent_id` is left
    /// empty, so that every id in the package names a row.
    fn finish(mut self) -> Result<ExportSummary, ExportError> {
        let known: HashMap<String, Term> = reference_terms()
            .into_iter()
            .map(|t| (t.id.clone(), t))
            .collect();
        let mut i = 0;
        while i < self.terms.len() {
            if let Some(parent) = self.terms[i].parent_id.clone()
                && !self.term_names.contains_key(&parent)
            {
                match known.get(&parent) {
                    Some(term) => {
                        self.term_names.insert(parent, term.name.clone());
                        self.terms.push(term.clone());
                    }
                    None => self.terms[i].parent_id = None,
                }
            }
            i += 1;
        }
        let mut taxonomies: Vec<String> = Vec::new();
        for term in std::mem::take(&mut self.terms) {
            if !taxonomies.contains(&term.taxonomy) {
                taxonomies.push(term.taxonomy.clone());
            }
            self.row(TAXONOMY_TERMS, &term.to_json())?;
        }
        for name in &taxonomies {
            self.row(TAXONOMIES, &Taxonomy::named(name).to_json())?;
        }
        for (spec, writer) in TABLES.iter().zip(self.tables) {
            let path = self.dir.join(spec.file);
            let file = writer
                .into_inner()
                .map_err(|e| ExportError::io(&path, e.into_error()))?
                .into_inner()
                .map_err(|e| ExportError::io(&path, e.into_error()))?;
            file.sync_all().map_err(|e| ExportError::io(&path, e))?;
            self.summary.bytes += file
                .metadata()
                .map_err(|e| ExportError::io(&path, e))?
                .len();
        }
        let manifest = serde_json::to_vec_pretty(&datapackage())?;
        let path = self.dir.join("datapackage.json");
        std::fs::write(&path, &manifest).map_err(|e| ExportError::io(&path, e))?;
        self.summary.bytes += manifest.len() as u64;
        Ok(self.summary)
    }
}

fn csv_error(spec: &TableSpec, source: csv::Error) -> ExportError {
    ExportError::Csv {
        file: spec.file.to_owned(),
        source,
    }
}

/// The Frictionless `datapackage.json` describing the tables.
pub fn datapackage() -> Value {
    let resources: Vec<Value> = TABLES
        .iter()
        .map(|spec| {
            let fields: Vec<Value> = spec
                .columns
                .iter()
                .map(|c| {
                    let kind = if NUMBER_COLUMNS.contains(c) {
                        "number"
                    } else {
                        "string"
                    };
                    json!({"name": c, "type": kind})
                })
                .collect();
            json!({
                "name": spec.name,
                "path": spec.file,
                "format": "csv",
                "mediatype": "text/csv",
                "profile": "tabular-data-resource",
                "schema": {"primaryKey": "id", "fields": fields},
            })
        })
        .collect();
    let mut obj = Map::new();
    obj.insert("name".into(), PACKAGE_NAME.into());
    obj.insert(
        "title".into(),
        "Hearth community resource directory (HSDS 3.0)".into(),
    );
    obj.insert("profile".into(), "tabular-data-package".into());
    obj.insert("version".into(), super::VERSION.into());
    obj.insert("resources".into(), resources.into());
    Value::Object(obj)
}

/// Writes the tabular package into `dir`, which must exist (and should be empty).
pub fn write_csv_package<E: Into<SourceError>>(
    dir: &Path,
    services: impl Iterator<Item = Result<Service, E>>,
) -> Result<ExportSummary, ExportError> {
    let mut writer = PackageWriter::create(dir)?;
    for service in services {
        writer.service(&service.map_err(source_error)?)?;
    }
    writer.finish()
}

/// Writes the tabular package to `dir` through a temporary sibling directory
/// that is renamed into place at the end (and removed on failure). An earlier
/// package at `dir` is replaced; a directory that is not a package is left
/// alone and is an error.
pub fn export_csv_package<E: Into<SourceError>>(
    dir: &Path,
    services: impl Iterator<Item = Result<Service, E>>,
) -> Result<ExportSummary, ExportError> {
    let replaces = dir.exists();
    if replaces && !dir.join("datapackage.json").is_file() {
        return Err(ExportError::NotAPackage {
            path: dir.to_owned(),
        });
    }
    let temp = temp_sibling(dir, "tmp");
    let result = (|| {
        std::fs::create_dir(&temp).map_err(|e| ExportError::io(&temp, e))?;
        let summary = write_csv_package(&temp, services)?;
        if replaces {
            let old = temp_sibling(dir, "old");
            std::fs::rename(dir, &old).map_err(|e| ExportError::io(dir, e))?;
            if let Err(e) = std::fs::rename(&temp, dir) {
                // Put the earlier package back: better the old export than none.
                let _ = std::fs::rename(&old, dir);
                return Err(ExportError::io(dir, e));
            }
            if let Err(error) = std::fs::remove_dir_all(&old) {
                // The new package is in place; only the earlier one is left over.
                tracing::warn!(path = %old.display(), %error, "could not remove the earlier export");
            }
        } else {
            std::fs::rename(&temp, dir).map_err(|e| ExportError::io(dir, e))?;
        }
        Ok(summary)
    })();
    if result.is_err() && temp.exists() {
        // Best effort: the export already failed, and a leftover temp is named as one.
        let _ = std::fs::remove_dir_all(&temp);
    }
    result
}
