//! IMLS Public Libraries Survey (FY2022) administrative entities: one row per
//! public library system, at the system's administrative address.
//!
//! Libraries are listed for free internet and computer access as much as for
//! books; branch buildings are not in this file, only how many there are.

use std::path::Path;

use super::super::flat::read_flat_csv;
use super::super::{
    FlatRecord, Format, ImportContext, ImportError, ParsedSource, parse_coordinate,
};
use super::la_food_oasis::meaningful;

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

/// Reads the IMLS public library system list.
pub(super) fn read(
    ctx: ImportContext<'_>,
    format: Format,
    path: &Path,
) -> Result<ParsedSource, ImportError> {
    read_flat_csv(
        ctx,
        path,
        format,
        DATASET,
        &["id", "name", "address", "city", "state", "lat", "lon"],
        |row| {
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
                _ => "Public library. The address is the library system's administrative address."
                    .to_owned(),
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
                source_note: Some(
                    "IMLS Public Libraries Survey, library systems (FY2022).".to_owned(),
                ),
                ..FlatRecord::default()
            })
        },
    )
}

#[cfg(test)]
mod tests {
    use super::super::Dataset;
    use super::super::la_food_oasis::test_support::{
        context, fixture, full_file, named, needs, report, slugs,
    };
    use super::*;
    use crate::import::detect_format;

    const FILE: &str = "imls_public_library_systems_fy2022.csv";

    fn parsed() -> ParsedSource {
        read(
            context(),
            Format::Dataset(Dataset::ImlsLibraries),
            &fixture(FILE),
        )
        .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_library_system_is_community_and_digital_access() {
        let p = parsed();
        assert_eq!((p.rows_read, p.services.len()), (12, 12), "{:?}", p.skipped);
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
            loc.address.as_ref().map(|a| a.one_line()).as_deref(),
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
        assert_eq!(
            detect_format(&fixture(FILE)).ok(),
            Some(Format::Dataset(Dataset::ImlsLibraries))
        );
        assert_eq!(parsed().services, parsed().services);
    }

    #[test]
    fn full_file_reads_every_row() {
        let p = read(
            context(),
            Format::Dataset(Dataset::ImlsLibraries),
            &full_file(FILE),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        report(&p);
        assert_eq!(p.rows_read, 9_248);
        assert_eq!(
            p.services.len(),
            9_248,
            "{:?}",
            &p.skipped[..3.min(p.skipped.len())]
        );
    }
}
