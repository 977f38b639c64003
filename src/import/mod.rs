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
mod national;
#[cfg(test)]
mod test_support;

use std::path::{Path, PathBuf};

pub use categories::{CategoryMap, CategoryMapError, Classification};
pub use detect::{bundled_sources, detect_format};
pub(crate) use flat::{FlatRecord, RawPhone, build_flat, parse_coordinate, place_location};

use crate::geo::Gazetteer;
use crate::model::Service;

/// What an import needs besides the file: the gazetteer (for ZIP-centroid
/// placement) and the category mapping.
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

/// A row that did not become a listing, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedRow {
    /// The row's line number in its file (the header is line 1), or record number for JSON.
    pub row: u64,
    /// Which file of a package, when the source is a directory.
    pub file: Option<String>,
    pub reason: String,
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
}

impl ParsedSource {
    /// A source with nothing read yet, for a reader to fill row by row.
    pub(crate) fn empty(path: &Path, format: Format, dataset: &str) -> ParsedSource {
        ParsedSource {
            path: path.to_owned(),
            format,
            dataset: dataset.to_owned(),
            rows_read: 0,
            services: Vec::new(),
            skipped: Vec::new(),
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

/// Reads one file or package directory into listings, detecting its format
/// unless `format` is given.
pub fn read_source(
    ctx: ImportContext<'_>,
    path: &Path,
    format: Option<Format>,
) -> Result<ParsedSource, ImportError> {
    let format = match format {
        Some(f) => f,
        None => detect_format(path)?,
    };
    match format {
        Format::Hsds3Csv => hsds3::read_csv_package(ctx, path),
        Format::Hsds3Json => hsds3::read_json(ctx, path),
        Format::Hsds1Csv => hsds1::read_package(ctx, path),
        Format::Dataset(dataset) => national::read(ctx, dataset, path),
    }
}
