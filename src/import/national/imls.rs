//! IMLS Public Libraries Survey (FY2022) administrative entities: one row per
//! public library system, at the system's administrative address.
//!
//! Libraries are listed for free internet and computer access as much as for
//! books; branch buildings are not in this file, only how many there are.

use super::super::flat::CsvRow;
use super::super::{FlatRecord, parse_coordinate};
use super::common::{FlatList, meaningful};

const DATASET: &str = "imls-libraries";

/// The header columns that identify the IMLS library system list.
pub(super) const SIGNATURE: &[&str] = &[
    "id",
    "name",
    "address",
    "city",
    "state",
    "lat",
    "lon",
    "pop_lsa",
    "branches",
    "visits",
    "relationship",
];

/// The IMLS public library system list.
pub(super) const LIST: FlatList = FlatList {
    dataset: DATASET,
    required: &["id", "name", "address", "city", "state", "lat", "lon"],
    record: library_system,
};

/// One library system, at its administrative address.
fn library_system(row: &CsvRow<'_>) -> Result<FlatRecord, String> {
    let (id, state) = (row.get("id"), row.get("state"));
    if id.is_empty() {
        return Err("no library id".to_owned());
    }
    // Negative counts are IMLS codes for "missing" or "not applicable".
    let branches: Option<u32> = row.get("branches").parse().ok();
    let description = match branches {
        Some(n) if n > 0 => format!(
            "Public library system with {n} branch {}. The address is the system's administrative office; \
             ask about the branch nearest the client.",
            if n == 1 { "library" } else { "libraries" }
        ),
        _ => {
            "Public library. The address is the library system's administrative address.".to_owned()
        }
    };
    Ok(FlatRecord {
        // Library ids are unique only within a state (`1` is used in Maine, Oklahoma and West Virginia).
        source_id: format!("{state}:{id}"),
        name: row.get("name").to_owned(),
        description: Some(description),
        address_1: meaningful(row.get("address")),
        city: row.opt("city"),
        state: row.opt("state"),
        latitude: parse_coordinate(row.get("lat"))?,
        longitude: parse_coordinate(row.get("lon"))?,
        source_note: Some("IMLS Public Libraries Survey, library systems (FY2022).".to_owned()),
        ..FlatRecord::default()
    })
}

#[cfg(test)]
mod tests {
    use super::super::Dataset;
    use super::super::common::test_support::{
        address_line, assert_detected_and_stable, assert_every_row_imported, named, needs,
        read_fixture, read_full_file, slugs,
    };
    use crate::import::ParsedSource;

    const FILE: &str = "imls_public_library_systems_fy2022.csv";

    fn parsed() -> ParsedSource {
        read_fixture(Dataset::ImlsLibraries, FILE)
    }

    #[test]
    fn a_library_system_is_community_and_digital_access() {
        let p = parsed();
        assert_every_row_imported(&p, 12);
        let s = named(&p, "MIAMI-DADE PUBLIC LIBRARY SYSTEM");
        assert_eq!(slugs(s), vec!["education", "community"]);
        assert_eq!(needs(s), vec!["digital-access"]);
        assert_eq!(s.source.id, "FL:FSCS5023");
        assert!(
            s.description
                .as_deref()
                .is_some_and(|d| d.contains("49 branch libraries")),
            "{:?}",
            s.description
        );
        let loc = &s.locations[0];
        assert_eq!(
            address_line(s).as_deref(),
            Some("101 WEST FLAGLER STREET, MIAMI, FL")
        );
        assert_eq!(loc.point(), Some((25.7740511, -80.19688969)));
    }

    #[test]
    fn special_codes_are_not_counts() {
        let p = parsed();
        let s = named(&p, "ATKINS MEMORIAL LIBRARY");
        assert!(s.description.as_deref().is_some_and(|d| !d.contains("-3")));
        named(&p, "MAYAGÜEZ MUNICIPAL LIBRARY");
    }

    #[test]
    fn the_file_is_detected_and_reads_the_same_twice() {
        assert_detected_and_stable(Dataset::ImlsLibraries, FILE);
    }

    #[test]
    fn full_file_reads_every_row() {
        let p = read_full_file(Dataset::ImlsLibraries, FILE);
        assert_eq!(p.rows_read, 9_248);
        assert_eq!(
            p.services.len(),
            9_248,
            "{:?}",
            &p.skipped[..3.min(p.skipped.len())]
        );
    }
}
