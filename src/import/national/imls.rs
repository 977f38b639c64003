//! IMLS Public Libraries Survey (FY2022) administrative entities: one row per
//! public library system, at the system's administrative address.
//!
//! Libraries are listed for free internet and computer access as much as for
//! books; branch buildings are not in this file, only how many there are (kept
//! as a `branch_libraries` attribute).

use super::super::flat::CsvRow;
use super::super::{FlatRecord, parse_coordinate};
use super::common::{FlatList, meaningful};
use crate::model::Attribute;

const DATASET: &str = "imls-libraries";

/// What the list is, shown with every listing from it.
const SOURCE_NOTE: &str = "IMLS Public Libraries Survey (FY2022): one row per public library \
     system, at the system's administrative address; branch libraries are not listed separately.";

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
    let attributes = row
        .get("branches")
        .parse::<u32>()
        .ok()
        .filter(|n| *n > 0)
        .map(|n| Attribute {
            tag: "branch_libraries".to_owned(),
            value: n.to_string(),
        })
        .into_iter()
        .collect();
    Ok(FlatRecord {
        // Library ids are unique only within a state (`1` is used in Maine, Oklahoma and West Virginia).
        source_id: format!("{state}:{id}"),
        name: row.get("name").to_owned(),
        address_1: meaningful(row.get("address")),
        city: row.opt("city"),
        state: row.opt("state"),
        latitude: parse_coordinate(row.get("lat"))?,
        longitude: parse_coordinate(row.get("lon"))?,
        attributes,
        source_note: Some(SOURCE_NOTE.to_owned()),
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
    use super::SOURCE_NOTE;
    use crate::import::ParsedSource;
    use crate::model::Service;

    const FILE: &str = "imls_public_library_systems_fy2022.csv";

    fn branches(s: &Service) -> Option<&str> {
        s.attributes
            .iter()
            .find(|a| a.tag == "branch_libraries")
            .map(|a| a.value.as_str())
    }

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
        assert_eq!(branches(s), Some("49"));
        assert_eq!(s.description, None);
        assert_eq!(s.source_note.as_deref(), Some(SOURCE_NOTE));
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
        assert_eq!(branches(s), None);
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
