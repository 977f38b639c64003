//! What the importers' unit tests share: the bundled gazetteer and category
//! map, the fixture directory, the check that a location was placed by ZIP, and
//! the hostile-value helpers (odd cell values written into copies of fixtures).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use super::{CategoryMap, ImportContext};
use crate::geo::Gazetteer;
use crate::model::Location;

/// The bundled gazetteer and category map, loaded once per test binary.
pub(crate) fn context() -> ImportContext<'static> {
    static GAZETTEER: OnceLock<Gazetteer> = OnceLock::new();
    static CATEGORIES: OnceLock<CategoryMap> = OnceLock::new();
    let gazetteer =
        GAZETTEER.get_or_init(|| Gazetteer::bundled().unwrap_or_else(|e| panic!("{e}")));
    let categories =
        CATEGORIES.get_or_init(|| CategoryMap::bundled().unwrap_or_else(|e| panic!("{e}")));
    ImportContext {
        gazetteer,
        categories,
    }
}

/// A file or package under `tests/fixtures/`.
pub(crate) fn fixture(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(path)
}

/// The location stands at the centroid of `zip`, marked approximate.
pub(crate) fn assert_at_zip_centroid(location: &Location, zip: &str) {
    let centroid = context()
        .gazetteer
        .zip(zip)
        .unwrap_or_else(|| panic!("{zip} not in gazetteer"));
    assert!(location.approximate, "{:?} near {zip}", location.name);
    assert_eq!(
        location.point(),
        Some((centroid.lat, centroid.lon)),
        "{:?} near {zip}",
        location.name
    );
}

/// Cell values that have broken text handling before (the list in
/// `tests/integration/hostile.rs`): characters whose lower case is longer than
/// the original (İ), combining marks, emoji, Miami's markers and escapes, markup,
/// numbers that are not, and a huge cell.
pub(crate) fn odd_values(original: &str) -> Vec<String> {
    vec![
        String::new(),
        " ".into(),
        "İİİ".into(),
        format!("{original}İ"),
        format!("İ{original}"),
        "e\u{301}\u{301}".into(),
        "🏠🍞⚖️".into(),
        "###MON### \\n\\n ###".into(),
        "<script>alert(1)</script>&amp;&#x;&#99999999;".into(),
        "=HYPERLINK(\"http://x\")".into(),
        "-1e309".into(),
        "NaN".into(),
        "x".repeat(20_000),
        "0".into(),
        "33101-".into(),
        "(305) 555-0100 ext. İ9".into(),
        "http//".into(),
        "12:00pm".into(),
        "25:61".into(),
    ]
}

/// JSON values that are not what a field should hold, for replacing whole fields.
pub(crate) fn odd_json_values() -> Vec<serde_json::Value> {
    use serde_json::json;
    vec![
        json!(null),
        json!(true),
        json!(-1),
        json!(1e308),
        json!([]),
        json!({}),
        json!([null, 7, "x"]),
        json!({"id": {}, "name": []}),
    ]
}

/// A copy of a fixture file or directory (with its subdirectories) in a new temp dir.
pub(crate) fn copy_fixture(path: &str) -> tempfile::TempDir {
    fn copy(from: &Path, to: &Path) {
        if from.is_dir() {
            std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("{e}"));
            for entry in std::fs::read_dir(from).unwrap_or_else(|e| panic!("{e}")) {
                let entry = entry.unwrap_or_else(|e| panic!("{e}"));
                copy(&entry.path(), &to.join(entry.file_name()));
            }
        } else {
            std::fs::copy(from, to).unwrap_or_else(|e| panic!("{e}"));
        }
    }
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let from = fixture(path);
    let name = from.file_name().unwrap_or_else(|| panic!("{path}"));
    copy(&from, &dir.path().join(name));
    dir
}

/// A CSV table read whole, to append rows to and write back.
pub(crate) struct CsvTable {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl CsvTable {
    /// Reads `path`.
    pub(crate) fn read(path: &Path) -> CsvTable {
        let mut reader = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{e}"));
        let header = reader
            .headers()
            .unwrap_or_else(|e| panic!("{e}"))
            .iter()
            .map(str::to_owned)
            .collect();
        let rows = reader
            .records()
            .map(|r| {
                r.unwrap_or_else(|e| panic!("{e}"))
                    .iter()
                    .map(str::to_owned)
                    .collect()
            })
            .collect();
        CsvTable { header, rows }
    }

    /// Writes the table to `path`.
    pub(crate) fn write(&self, path: &Path) {
        let mut writer = csv::Writer::from_path(path).unwrap_or_else(|e| panic!("{e}"));
        writer
            .write_record(&self.header)
            .unwrap_or_else(|e| panic!("{e}"));
        for row in &self.rows {
            writer.write_record(row).unwrap_or_else(|e| panic!("{e}"));
        }
        writer.flush().unwrap_or_else(|e| panic!("{e}"));
    }

    /// The index of `column`; panics when the table has no such column.
    pub(crate) fn column(&self, column: &str) -> usize {
        self.header
            .iter()
            .position(|h| h == column)
            .unwrap_or_else(|| panic!("no column {column} in {:?}", self.header))
    }

    /// A copy of row `at` with `values` set by column name.
    pub(crate) fn row_with(&self, at: usize, values: &[(&str, &str)]) -> Vec<String> {
        let mut row = self.rows[at].clone();
        for (column, value) in values {
            row[self.column(column)] = (*value).to_owned();
        }
        row
    }

    /// For each of the first `rows` rows, each column and each odd value: a copy
    /// of the row given its own values by `fresh` (new ids), then with that one
    /// cell set to the odd value.
    pub(crate) fn odd_variants(
        &self,
        rows: usize,
        mut fresh: impl FnMut(&mut Vec<String>),
    ) -> Vec<Vec<String>> {
        let mut variants = Vec::new();
        for row in self.rows.iter().take(rows) {
            for column in 0..row.len() {
                for value in odd_values(&row[column]) {
                    let mut variant = row.clone();
                    fresh(&mut variant);
                    variant[column] = value;
                    variants.push(variant);
                }
            }
        }
        variants
    }
}

/// What a tabular package calls the tables the hostile-value tests rewrite.
pub(crate) struct PackageTables {
    pub addresses: &'static str,
    pub service_at_location: &'static str,
    pub schedules: &'static str,
}

/// A copy of the fixture package at `path` with odd values in services,
/// addresses, locations, phones and schedules: rows of the first three of each
/// copied once per column and odd value, each with ids of its own so that it is
/// read rather than skipped as a repeat, and new addresses and locations linked
/// to the first service.
pub(crate) fn hostile_package(path: &str, tables: PackageTables) -> (tempfile::TempDir, PathBuf) {
    let copy = copy_fixture(path);
    let root = copy.path().join(
        fixture(path)
            .file_name()
            .unwrap_or_else(|| panic!("{path}")),
    );
    let dir = super::detect::package_tables_dir(&root);
    let table = |file: &str| CsvTable::read(&dir.join(file));
    let mut services = table("services.csv");
    let mut locations = table("locations.csv");
    let mut links = table(tables.service_at_location);
    let mut addresses = table(tables.addresses);
    let mut schedules = table(tables.schedules);
    let first_service = services.rows[0][services.column("id")].clone();
    let mut n = 0;
    let mut next = |prefix: &str| {
        n += 1;
        format!("odd-{prefix}-{n}")
    };

    let id = services.column("id");
    let odd_services = services.odd_variants(3, |row| row[id] = next("service"));
    services.rows.extend(odd_services);

    // New locations, each with its own address row, linked to the first service.
    let (location_id, address_id) = (addresses.column("location_id"), addresses.column("id"));
    let mut addressed = Vec::new();
    let odd_addresses = addresses.odd_variants(3, |row| {
        let location = next("location");
        row[location_id] = location.clone();
        row[address_id] = next("address");
        addressed.push(location);
    });
    addresses.rows.extend(odd_addresses);
    for location in &addressed {
        let row = locations.row_with(0, &[("id", location)]);
        locations.rows.push(row);
    }
    let id = locations.column("id");
    let mut odd_located = Vec::new();
    let odd_locations = locations.odd_variants(3, |row| {
        let location = next("location");
        row[id] = location.clone();
        odd_located.push(location);
    });
    locations.rows.extend(odd_locations);
    for location in addressed.iter().chain(&odd_located) {
        let link = next("link");
        let row = links.row_with(
            0,
            &[
                ("id", &link),
                ("service_id", &first_service),
                ("location_id", location),
            ],
        );
        links.rows.push(row);
    }

    let id = schedules.column("id");
    let odd_schedules = schedules.odd_variants(3, |row| row[id] = next("schedule"));
    schedules.rows.extend(odd_schedules);

    services.write(&dir.join("services.csv"));
    locations.write(&dir.join("locations.csv"));
    links.write(&dir.join(tables.service_at_location));
    addresses.write(&dir.join(tables.addresses));
    schedules.write(&dir.join(tables.schedules));
    if dir.join("phones.csv").is_file() {
        let mut phones = table("phones.csv");
        let id = phones.column("id");
        let odd_phones = phones.odd_variants(3, |row| row[id] = next("phone"));
        phones.rows.extend(odd_phones);
        phones.write(&dir.join("phones.csv"));
    }
    (copy, root)
}

/// Every row of `services_file` (or every record) was imported or skipped, every
/// listing has a name and can be stored, and every skip and note has a reason.
pub(crate) fn assert_every_row_accounted_for(
    parsed: &super::ParsedSource,
    services_file: Option<&str>,
) {
    let skipped = parsed
        .skipped
        .iter()
        .filter(|k| k.file.as_deref() == services_file)
        .count();
    assert_eq!(
        parsed.services.len() + skipped,
        parsed.rows_read as usize,
        "every row is imported or skipped"
    );
    for service in &parsed.services {
        assert!(!service.name.trim().is_empty(), "a listing without a name");
        serde_json::to_vec(service).unwrap_or_else(|e| panic!("{e}"));
    }
    for row in parsed.skipped.iter().chain(&parsed.notes) {
        assert!(!row.reason.trim().is_empty(), "{row:?}");
    }
}

/// Every path in a JSON value, as JSON pointers (`/locations/0/name`), with
/// whether it is an object or array; the root is left out.
pub(crate) fn json_paths(value: &serde_json::Value) -> Vec<(String, bool)> {
    fn walk(value: &serde_json::Value, at: &str, out: &mut Vec<(String, bool)>) {
        let children: Vec<(String, &serde_json::Value)> = match value {
            serde_json::Value::Object(map) => map
                .iter()
                .map(|(k, v)| (k.replace('~', "~0").replace('/', "~1"), v))
                .collect(),
            serde_json::Value::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, v)| (i.to_string(), v))
                .collect(),
            _ => return,
        };
        for (key, child) in children {
            let path = format!("{at}/{key}");
            out.push((path.clone(), child.is_object() || child.is_array()));
            walk(child, &path, out);
        }
    }
    let mut out = Vec::new();
    walk(value, "", &mut out);
    out
}
