//! Importing listings: HSDS 3.0 and 1.x readers, and one adapter per bundled list.
//!
//! An import reads a whole file (or package directory) into [`Service`] records
//! before anything is written, so a file that cannot be read leaves the store
//! unchanged. Rows that cannot become a listing are skipped with their row number
//! and a reason. Cleaning that real data needs (ZIPs, phones, text, coordinates)
//! happens here; writing is the store's job, searching the index's.

mod categories;
mod detect;
mod flat;
mod hsds;
mod hsds1;
mod hsds3;
mod json_values;
mod national;
mod remote;
#[cfg(test)]
pub(crate) mod test_support;
mod validate;

use std::path::{Path, PathBuf};

pub use categories::{CategoryMap, CategoryMapError, Classification};
pub use detect::{bundled_sources, detect_format};
pub(crate) use flat::{FlatRecord, RawPhone, build_flat, parse_coordinate, place_location};
pub use hsds3::service_from_value;
pub use remote::{
    FetchReport, Place, RemoteError, RemoteSource, RetryPolicy, looks_remote,
    record_id as remote_id,
};
pub use validate::{
    Check, Finding, Severity, Validation, validate_as, validate_path, validate_service_value,
};

use crate::geo::Gazetteer;
use crate::model::Service;

/// What an import needs besides the file: the gazetteer (for ZIP-centroid
/// placement and county names) and the category mapping. County shapes, needed
/// only for a service area drawn as GeoJSON, are not here: they are loaded on
/// first use ([`crate::geo::Counties::shared`]), so imports without one never pay for them.
#[derive(Debug, Clone, Copy)]
pub struct ImportContext<'a> {
    pub gazetteer: &'a Gazetteer,
    pub categories: &'a CategoryMap,
}

/// The formats Hearth reads. `--format` takes the names of [`Format::name`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// HSDS 3.0 tabular data package: a directory of CSVs (`services.csv`, `service_at_location.csv`, ...).
    Hsds3Csv,
    /// HSDS 3.0 JSON: a `service_full.json`-shaped object, an array of them, or NDJSON.
    Hsds3Json,
    /// HSDS 1.x tabular package (`physical_addresses.csv`, `regular_schedules.csv`, ...), as 211 Miami.
    Hsds1Csv,
    /// One of the bundled national or regional lists.
    Dataset(national::Dataset),
}

impl Format {
    /// Every format, for help text and error messages.
    pub fn all() -> Vec<Format> {
        let mut all = vec![Format::Hsds3Csv, Format::Hsds3Json, Format::Hsds1Csv];
        all.extend(national::Dataset::ALL.iter().copied().map(Format::Dataset));
        all
    }

    /// The name used on the command line (`hsds3-csv`, `hrsa-health-centers`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Format::Hsds3Csv => "hsds3-csv",
            Format::Hsds3Json => "hsds3-json",
            Format::Hsds1Csv => "hsds1-csv",
            Format::Dataset(d) => d.name(),
        }
    }

    /// Parses a `--format` name.
    pub fn parse(name: &str) -> Result<Format, String> {
        Format::all()
            .into_iter()
            .find(|f| f.name() == name)
            .ok_or_else(|| {
                let names: Vec<&str> = Format::all().into_iter().map(Format::name).collect();
                format!(
                    "unknown format {name:?}; known formats: {}",
                    names.join(", ")
                )
            })
    }
}

/// A row that did not become a listing, and why; also used for [`ParsedSource::notes`],
/// where the row did become (part of) a listing but some of its data was changed or left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedRow {
    /// The row's line number in its file (the header is line 1), or record number for JSON.
    pub row: u64,
    /// Which file of a package, when the source is a directory.
    pub file: Option<String>,
    pub reason: String,
}

impl SkippedRow {
    /// The reason with its variable parts (quoted text, numbers) written as `…`, so
    /// that rows skipped for the same kind of reason can be reported together:
    /// `same source id "a|b" as line 12; kept the first` → `same source id … as line …; kept the first`.
    pub fn kind(&self) -> String {
        reason_kind(&self.reason)
    }
}

/// A value from the source, quoted for a report (`"8:00m"`) and cut to 60
/// characters, so that a huge cell does not become a huge report line.
pub(crate) fn quoted(text: &str) -> String {
    const MAX: usize = 60;
    if text.chars().count() <= MAX {
        format!("{text:?}")
    } else {
        let cut: String = text.chars().take(MAX).chain(['…']).collect();
        format!("{cut:?}")
    }
}

/// See [`SkippedRow::kind`].
fn reason_kind(reason: &str) -> String {
    let chars: Vec<char> = reason.chars().collect();
    let mut out = String::with_capacity(reason.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '"' {
            // A quoted value as `{:?}` writes it: up to the next quote that is not escaped.
            let mut j = i + 1;
            while j < chars.len() && chars[j] != '"' {
                j += if chars[j] == '\\' { 2 } else { 1 };
            }
            if j < chars.len() {
                push_gap(&mut out);
                i = j + 1;
                continue;
            }
        }
        let starts_number =
            c.is_ascii_digit() || (c == '-' && chars.get(i + 1).is_some_and(char::is_ascii_digit));
        let after_word = i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_');
        if starts_number && !after_word {
            let mut j = i + 1;
            while j < chars.len()
                && (chars[j].is_ascii_digit()
                    || (chars[j] == '.' && chars.get(j + 1).is_some_and(char::is_ascii_digit)))
            {
                j += 1;
            }
            // Digits that begin a word ("3rd", "2x") are part of the text.
            if !chars.get(j).is_some_and(|c| c.is_alphabetic()) {
                push_gap(&mut out);
                i = j;
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    out
}

fn push_gap(out: &mut String) {
    if !out.ends_with('…') {
        out.push('…');
    }
}

/// A file (or package) read into listings, not yet written.
#[derive(Debug, Clone)]
pub struct ParsedSource {
    pub path: PathBuf,
    pub format: Format,
    /// The dataset name recorded as each listing's source.
    pub dataset: String,
    pub rows_read: u64,
    pub services: Vec<Service>,
    pub skipped: Vec<SkippedRow>,
    /// Rows whose listing was imported, but with some of the row's data changed or
    /// left out: coordinates out of range (placed at the ZIP centre instead), times
    /// that are not times (kept only as the source's text), an unknown status.
    /// At most one note per row; a row with several problems gets them in one reason.
    pub notes: Vec<SkippedRow>,
}

impl ParsedSource {
    /// Adds a later batch of the same source to this one.
    pub(crate) fn absorb(&mut self, batch: ParsedSource) {
        self.rows_read += batch.rows_read;
        self.services.extend(batch.services);
        self.skipped.extend(batch.skipped);
        self.notes.extend(batch.notes);
    }

    /// Adds a batch's rows, skipped rows and notes to this summary of a whole
    /// source (its listings are not kept).
    pub(crate) fn count(&mut self, batch: &ParsedSource) {
        self.skipped.extend(batch.skipped.iter().cloned());
        self.notes.extend(batch.notes.iter().cloned());
    }

    /// A source with nothing read yet, for a reader to fill row by row.
    pub(crate) fn empty(path: &Path, format: Format, dataset: &str) -> ParsedSource {
        ParsedSource {
            path: path.to_owned(),
            format,
            dataset: dataset.to_owned(),
            rows_read: 0,
            services: Vec::new(),
            skipped: Vec::new(),
            notes: Vec::new(),
        }
    }
}

/// A file or package could not be read at all. Nothing from it is written.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    Csv { path: PathBuf, source: csv::Error },
    #[error("{path}: not valid JSON at record {record}: {message}")]
    Json {
        path: PathBuf,
        record: u64,
        message: String,
    },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
    /// A dataset name given with `--dataset` that cannot be used; the message says why.
    #[error("{message}")]
    DatasetName { name: String, message: String },
    #[error(
        "{path}: cannot tell what kind of data this is ({hint}); pass --format with one of: {known}"
    )]
    UnknownFormat {
        path: PathBuf,
        hint: String,
        known: String,
    },
}

impl ImportError {
    pub(crate) fn invalid(path: &Path, message: impl Into<String>) -> ImportError {
        ImportError::Invalid {
            path: path.to_owned(),
            message: message.into(),
        }
    }

    pub(crate) fn io(path: &Path, source: std::io::Error) -> ImportError {
        ImportError::Io {
            path: path.to_owned(),
            source,
        }
    }

    pub(crate) fn csv(path: &Path, source: csv::Error) -> ImportError {
        ImportError::Csv {
            path: path.to_owned(),
            source,
        }
    }
}

/// How to read one source: what `--format` and `--dataset` said (both optional).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadOptions {
    /// The format, or `None` to detect it.
    pub format: Option<Format>,
    /// The dataset name recorded as each listing's source (every record id derives
    /// from it), or `None` for the default: the package's or file's name, or the
    /// bundled list's own name. Must pass [`check_dataset_name`].
    pub dataset: Option<String>,
}

/// The longest dataset name accepted.
const MAX_DATASET_NAME: usize = 64;

/// Checks a dataset name given by a person: 1 to 64 lower-case ASCII letters, digits and `-`.
///
/// The error says what is wrong and what is accepted, for the command line to show.
pub fn check_dataset_name(name: &str) -> Result<(), String> {
    let problem = if name.is_empty() {
        Some("it is empty".to_owned())
    } else if name.chars().count() > MAX_DATASET_NAME {
        Some(format!("it is {} characters long", name.chars().count()))
    } else {
        name.chars()
            .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
            .map(|c| format!("it contains {c:?}"))
    };
    match problem {
        None => Ok(()),
        Some(problem) => Err(format!(
            "dataset name {name:?} is not valid ({problem}): use 1 to {MAX_DATASET_NAME} lower-case letters, \
             digits and '-', e.g. springfield-211"
        )),
    }
}

/// Reads one file or package directory into listings, detecting its format
/// unless `format` is given. The same as [`read_source_with`] without a dataset name.
pub fn read_source(
    ctx: ImportContext<'_>,
    path: &Path,
    format: Option<Format>,
) -> Result<ParsedSource, ImportError> {
    read_source_with(
        ctx,
        path,
        &ReadOptions {
            format,
            dataset: None,
        },
    )
}

/// Reads one file or package directory into listings as `options` say: in the
/// given format (else the detected one), under the given dataset name (else the
/// default, see [`ReadOptions::dataset`]).
///
/// A dataset name that fails [`check_dataset_name`] is an error before anything is read.
/// HSDS 3.0 sources are validated too ([`validate_path`]): a service whose record
/// has an error is skipped with the errors, located; warnings become notes.
pub fn read_source_with(
    ctx: ImportContext<'_>,
    path: &Path,
    options: &ReadOptions,
) -> Result<ParsedSource, ImportError> {
    let dataset = options.dataset.as_deref();
    if let Some(name) = dataset {
        check_dataset_name(name).map_err(|message| ImportError::DatasetName {
            name: name.to_owned(),
            message,
        })?;
    }
    let format = match options.format {
        Some(f) => f,
        None => detect_format(path)?,
    };
    // HSDS 3.0 is also validated: services whose records break its rules are
    // skipped with the located reasons, and other findings become notes.
    let (mut parsed, validation) = match format {
        Format::Hsds3Csv => (
            hsds3::read_csv_package(ctx, path, dataset)?,
            validate_as(path, Some(format))?,
        ),
        // JSON is checked record by record as it is read.
        Format::Hsds3Json => return hsds3::read_json(ctx, path, dataset),
        Format::Hsds1Csv => return hsds1::read_package(ctx, path, dataset),
        Format::Dataset(list) => return national::read(ctx, list, path, dataset),
    };
    validate::apply(&mut parsed, &validation);
    Ok(parsed)
}

/// Reads a source as [`read_source_with`] does, handing its listings to
/// `on_batch` a part at a time where the format allows (HSDS 3.0 JSON, `batch`
/// records at a time, never held whole), else all at once. Returns the whole
/// source's counts, skipped rows and notes (no listings), or the first error of
/// `on_batch`. A source that cannot be read fails before `on_batch` sees anything.
pub fn read_source_batches<E>(
    ctx: ImportContext<'_>,
    path: &Path,
    options: &ReadOptions,
    batch: usize,
    mut on_batch: impl FnMut(ParsedSource) -> Result<(), E>,
) -> Result<Result<ParsedSource, E>, ImportError> {
    let format = match options.format {
        Some(f) => f,
        None => detect_format(path)?,
    };
    if format == Format::Hsds3Json {
        if let Some(name) = options.dataset.as_deref() {
            check_dataset_name(name).map_err(|message| ImportError::DatasetName {
                name: name.to_owned(),
                message,
            })?;
        }
        return hsds3::read_json_batches(ctx, path, options.dataset.as_deref(), batch, on_batch);
    }
    let mut whole = read_source_with(
        ctx,
        path,
        &ReadOptions {
            format: Some(format),
            dataset: options.dataset.clone(),
        },
    )?;
    let services = std::mem::take(&mut whole.services);
    let mut part = ParsedSource::empty(&whole.path, whole.format, &whole.dataset);
    part.services = services;
    Ok(on_batch(part).map(|()| whole))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::test_support::{context, fixture};

    fn kind(reason: &str) -> String {
        SkippedRow {
            row: 1,
            file: None,
            reason: reason.to_owned(),
        }
        .kind()
    }

    #[test]
    fn a_reason_kind_leaves_out_quoted_values_and_numbers() {
        assert_eq!(
            kind(r#"same source id "a \"b\"|c" as line 12; kept the first"#),
            "same source id … as line …; kept the first"
        );
        assert_eq!(
            kind(r#"location "x": coordinates (-80.5, 25.1) are outside the valid range"#),
            "location …: coordinates (…, …) are outside the valid range"
        );
        // Digits that are part of a word are text.
        assert_eq!(
            kind("hsds3 package: the 3rd Saturday"),
            "hsds3 package: the 3rd Saturday"
        );
        assert_eq!(kind("no name"), "no name");
        // An unclosed quote is text too.
        assert_eq!(kind(r#"a "b"#), r#"a "b"#);
    }

    #[test]
    fn dataset_names_are_checked() {
        for good in ["miami-211-2019", "a", "x1", &"z".repeat(64)] {
            assert_eq!(check_dataset_name(good), Ok(()), "{good}");
        }
        for bad in ["", "Miami", "a b", "a_b", "é", &"z".repeat(65)] {
            let e = check_dataset_name(bad).err().unwrap_or_default();
            assert!(
                e.contains("lower-case letters, digits and '-'"),
                "{bad}: {e}"
            );
        }
        let options = ReadOptions {
            format: None,
            dataset: Some("Springfield 211".into()),
        };
        match read_source_with(context(), &fixture("miami"), &options) {
            Err(e @ ImportError::DatasetName { .. }) => {
                assert!(e.to_string().contains("\"Springfield 211\""), "{e}")
            }
            other => panic!("expected a dataset name error, got {other:?}"),
        }
    }

    /// Regression: the dataset name (and so every record id) came only from the file
    /// or directory name, so a renamed export was imported again as copies.
    #[test]
    fn a_dataset_name_given_names_every_record_whatever_the_path() {
        let with = |dataset: Option<&str>, path: &Path| {
            let options = ReadOptions {
                format: None,
                dataset: dataset.map(str::to_owned),
            };
            read_source_with(context(), path, &options).unwrap_or_else(|e| panic!("{e}"))
        };
        let miami = with(Some("miami-211-2019"), &fixture("miami"));
        assert_eq!(miami.dataset, "miami-211-2019");
        assert_eq!(miami.format, Format::Hsds1Csv);
        assert!(
            miami
                .services
                .iter()
                .all(|s| s.source.dataset == "miami-211-2019"
                    && s.id == crate::model::record_id("service", "miami-211-2019", &s.source.id))
        );
        // The Miami note belongs to the dataset name, not to the directory's.
        assert!(
            miami
                .services
                .iter()
                .all(|s| s.source_note.as_deref()
                    == Some("211 Miami / Open Referral, 2019 snapshot."))
        );
        let renamed = with(Some("springfield-211"), &fixture("miami"));
        assert!(renamed.services.iter().all(|s| s.source_note.is_none()));

        let json = with(Some("feed-2024"), &fixture("hsds3/service_full.json"));
        assert_eq!(json.services[0].source.dataset, "feed-2024");
        let package = with(Some("spec"), &fixture("hsds3/csv"));
        assert_eq!(package.services[0].source.dataset, "spec");

        // A bundled list keeps its own categories under another name.
        let va = fixture("resources/va_facilities_fy2018.csv");
        let (default, named) = (with(None, &va), with(Some("va-2018"), &va));
        assert_eq!(default.dataset, "va-facilities");
        assert_eq!(named.dataset, "va-2018");
        assert_eq!(default.services.len(), named.services.len());
        for (a, b) in default.services.iter().zip(&named.services) {
            assert_eq!((&a.categories, &a.needs), (&b.categories, &b.needs));
            assert_eq!(b.source.dataset, "va-2018");
            assert_ne!(a.id, b.id);
        }
        let oasis = with(
            Some("oasis"),
            &fixture("resources/la_food_oasis_locations_2017.json"),
        );
        assert!(
            oasis.services.iter().all(|s| s.source.dataset == "oasis"
                && s.categories.contains(&crate::model::Category::Food))
        );
        let housing = with(
            Some("public-housing"),
            &fixture("resources/hud_public_housing_developments_2021.csv"),
        );
        assert!(
            housing
                .services
                .iter()
                .all(|s| s.source.dataset == "public-housing"
                    && s.categories == vec![crate::model::Category::Housing])
        );
    }
}
