//! Format detection: what kind of data a path holds, from its file names and headers.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use super::national::Dataset;
use super::{Format, ImportError};

fn known() -> String {
    Format::all()
        .into_iter()
        .map(Format::name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The directory of a tabular package's CSVs: the path itself, or its `data/` folder.
pub(crate) fn package_tables_dir(path: &Path) -> PathBuf {
    let data = path.join("data");
    if !path.join("services.csv").is_file() && data.join("services.csv").is_file() {
        data
    } else {
        path.to_owned()
    }
}

/// Detects the format of a file or package directory.
pub fn detect_format(path: &Path) -> Result<Format, ImportError> {
    let unknown = |hint: String| ImportError::UnknownFormat {
        path: path.to_owned(),
        hint,
        known: known(),
    };
    if path.is_dir() {
        let tables = package_tables_dir(path);
        if !tables.join("services.csv").is_file() {
            return Err(unknown("a directory without services.csv".into()));
        }
        let is_v1 = [
            "physical_addresses.csv",
            "regular_schedules.csv",
            "services_taxonomy.csv",
        ]
        .iter()
        .any(|f| tables.join(f).is_file());
        return Ok(if is_v1 {
            Format::Hsds1Csv
        } else {
            Format::Hsds3Csv
        });
    }
    check_encoding(path)?;
    let file = std::fs::File::open(path).map_err(|e| ImportError::io(path, e))?;
    let mut lines = BufReader::new(file).lines();
    let mut first = String::new();
    // Skip blank lines; a JSON array may open on a line of its own ("[" then one record per line).
    for line in lines.by_ref().take(5) {
        let line = line.map_err(|e| ImportError::io(path, e))?;
        let line = line.trim_start_matches('\u{feff}').trim().to_owned();
        if !line.is_empty() {
            first = line;
            break;
        }
    }
    if first == "[" {
        let next = lines
            .next()
            .transpose()
            .map_err(|e| ImportError::io(path, e))?
            .unwrap_or_default();
        first = format!("[{}", next.trim());
    }
    let first = first.as_str();
    if first.starts_with('{') || first.starts_with('[') {
        let keys = json_keys(first);
        if let Some(d) = Dataset::from_json_keys(&keys) {
            return Ok(Format::Dataset(d));
        }
        return Ok(Format::Hsds3Json);
    }
    let header: Vec<String> = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(first.as_bytes())
        .records()
        .next()
        .and_then(Result::ok)
        .map(|r| r.iter().map(|h| h.trim().to_owned()).collect())
        .unwrap_or_default();
    Dataset::from_csv_header(&header)
        .map(Format::Dataset)
        .ok_or_else(|| {
            unknown(format!(
                "a file whose first line is {:?}",
                truncate(first, 120)
            ))
        })
}

/// How much of a file's start is checked for its encoding.
const ENCODING_SAMPLE: usize = 64 * 1024;

/// What to tell someone whose file is not UTF-8.
const SAVE_AS_UTF8: &str = "Hearth reads UTF-8: save the file as UTF-8 (in Excel, \"CSV UTF-8\"; in a text editor, Save As with the encoding UTF-8) and import it again";

/// Refuses a file whose start is not UTF-8 (a UTF-8 byte-order mark is
/// fine), naming the encoding when its byte-order mark says it (UTF-16,
/// UTF-32), or the line and column of the first byte that is not UTF-8.
fn check_encoding(path: &Path) -> Result<(), ImportError> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| ImportError::io(path, e))?;
    let mut sample = Vec::with_capacity(ENCODING_SAMPLE);
    file.take(ENCODING_SAMPLE as u64)
        .read_to_end(&mut sample)
        .map_err(|e| ImportError::io(path, e))?;
    let invalid = |message: String| ImportError::Invalid {
        path: path.to_owned(),
        message,
    };
    let named = [
        (&[0x00, 0x00, 0xFE, 0xFF][..], "UTF-32"),
        (&[0xFF, 0xFE, 0x00, 0x00][..], "UTF-32"),
        (&[0xFE, 0xFF][..], "UTF-16"),
        (&[0xFF, 0xFE][..], "UTF-16"),
    ];
    if let Some((_, name)) = named.iter().find(|(mark, _)| sample.starts_with(mark)) {
        return Err(invalid(format!(
            "the file is {name} text (it starts with a {name} byte-order mark). {SAVE_AS_UTF8}"
        )));
    }
    if let Err(e) = std::str::from_utf8(&sample) {
        // A character cut off by the end of the sample is not an error.
        if e.error_len().is_none() {
            return Ok(());
        }
        let good = &sample[..e.valid_up_to()];
        let line = good.iter().filter(|b| **b == b'\n').count() + 1;
        let line_start = good.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        let column = String::from_utf8_lossy(&good[line_start..]).chars().count() + 1;
        let byte = sample[e.valid_up_to()];
        return Err(invalid(format!(
            "line {line}, column {column}: byte 0x{byte:02X} is not UTF-8 (the file may be in Latin-1 or Windows-1252, where it is {:?}). {SAVE_AS_UTF8}",
            char::from(byte)
        )));
    }
    Ok(())
}

fn truncate(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((i, _)) => &text[..i],
        None => text,
    }
}

/// The top-level keys of the first JSON object on a line (empty when it is not one).
/// The line may be a whole array, or the start of one (`[{...},`).
fn json_keys(line: &str) -> Vec<String> {
    let record = line
        .trim_start_matches('[')
        .trim_end_matches(']')
        .trim_end_matches(',');
    let value: Option<serde_json::Value> = serde_json::from_str(line)
        .ok()
        .or_else(|| serde_json::from_str(record).ok());
    let object = match value {
        Some(serde_json::Value::Object(o)) => Some(o),
        Some(serde_json::Value::Array(a)) => a.into_iter().next().and_then(|v| match v {
            serde_json::Value::Object(o) => Some(o),
            _ => None,
        }),
        _ => None,
    };
    object
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

/// The sources in a seed directory (`data/`), in import order: the HSDS packages
/// under `hsds/`, then every list under `resources/`. Files that are not data
/// (README, LICENSE, SOURCES) are left out.
pub fn bundled_sources(seed_dir: &Path) -> Result<Vec<PathBuf>, ImportError> {
    let mut sources = Vec::new();
    for (sub, want_dirs) in [("hsds", true), ("resources", false)] {
        let dir = seed_dir.join(sub);
        if !dir.is_dir() {
            continue;
        }
        let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map_err(|e| ImportError::io(&dir, e))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                if want_dirs {
                    p.is_dir()
                } else {
                    matches!(
                        p.extension().and_then(|e| e.to_str()),
                        Some("csv" | "json" | "jsonl" | "ndjson")
                    )
                }
            })
            .collect();
        entries.sort();
        sources.extend(entries);
    }
    Ok(sources)
}
