//! HUD-approved housing counseling agencies in DC, Maryland and Virginia (2013
//! subset): advice on renting, buying, foreclosure and budgeting.
//!
//! Placeholder values were already blanked in the bundled file. Agencies
//! without coordinates (eleven blank, one `0,0`) are placed at their ZIP centroid.

use super::super::flat::CsvRow;
use super::super::{FlatRecord, parse_coordinate};
use super::common::{FlatList, meaningful, voice_and_fax, web_url};

const DATASET: &str = "hud-housing-counseling";

/// The header columns that identify the housing counseling agency list.
pub(super) const SIGNATURE: &[&str] = &[
    "agency_id",
    "name",
    "address_1",
    "address_2",
    "city",
    "state",
    "zip",
    "phone",
    "fax",
    "email",
    "website",
    "lat",
    "lon",
];

/// The HUD housing counseling agency list.
pub(super) const LIST: FlatList = FlatList {
    dataset: DATASET,
    required: &["agency_id", "name", "address_1", "city", "state", "zip"],
    record: agency,
};

/// One counseling agency.
fn agency(row: &CsvRow<'_>) -> Result<FlatRecord, String> {
    let id = row.get("agency_id");
    if id.is_empty() {
        return Err("no agency id".to_owned());
    }
    Ok(FlatRecord {
        source_id: id.to_owned(),
        name: row.get("name").to_owned(),
        address_1: meaningful(row.get("address_1")),
        address_2: meaningful(row.get("address_2")),
        city: row.opt("city"),
        state: row.opt("state"),
        zip: row.opt("zip"),
        latitude: parse_coordinate(row.get("lat"))?,
        longitude: parse_coordinate(row.get("lon"))?,
        phones: voice_and_fax(
            &dash_extension(row.get("phone")),
            &dash_extension(row.get("fax")),
        ),
        email: row.opt("email").filter(|e| e.contains('@')),
        website: web_url(row.get("website")),
        source_note: Some(
            "HUD's list of HUD-approved housing counseling agencies, DC/MD/VA only (2013)."
                .to_owned(),
        ),
        ..FlatRecord::default()
    })
}

/// Writes `703-836-2858-127` (the file's way of giving an extension) as
/// `703-836-2858 x127`; anything else is returned as it is.
fn dash_extension(raw: &str) -> String {
    let parts: Vec<&str> = raw.trim().split('-').collect();
    let digits = |s: &str, n: usize| s.len() == n && s.chars().all(|c| c.is_ascii_digit());
    match parts.as_slice() {
        [a, b, c, ext]
            if digits(a, 3)
                && digits(b, 3)
                && digits(c, 4)
                && !ext.is_empty()
                && ext.chars().all(|c| c.is_ascii_digit()) =>
        {
            format!("{a}-{b}-{c} x{ext}")
        }
        _ => raw.trim().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::Dataset;
    use super::super::common::test_support::{
        assert_at_zip_centroid, assert_detected_and_stable, assert_every_row_imported, named,
        needs, postal_code, read_fixture, read_full_file, slugs,
    };
    use super::*;
    use crate::import::ParsedSource;

    const FILE: &str = "hud_housing_counseling_agencies_dc_md_va_2013.csv";

    fn parsed() -> ParsedSource {
        read_fixture(Dataset::HudHousingCounseling, FILE)
    }

    #[test]
    fn an_agency_keeps_its_extension_and_cuts_its_zip() {
        let p = parsed();
        assert_every_row_imported(&p, 8);
        let s = named(&p, "NORTHERN VIRGINIA URBAN LEAGUE");
        assert_eq!(slugs(s), vec!["housing", "money"]);
        assert!(needs(s).contains(&"housing-instability"));
        let loc = &s.locations[0];
        assert_eq!(
            loc.phones[0].tel_uri().as_deref(),
            Some("tel:+17038362858;ext=127")
        );
        assert!(loc.phones[1].is_fax());
        assert_eq!(postal_code(s), Some("22314"));
        assert_eq!(s.url.as_deref(), Some("http://www.nvul.org"));
        assert!(!loc.approximate);
        assert_eq!(s.description, None);
        assert!(
            s.source_note
                .as_deref()
                .is_some_and(|n| n.contains("HUD-approved housing counseling agencies"))
        );
    }

    #[test]
    fn agencies_without_coordinates_are_placed_at_their_zip_centroid() {
        let p = parsed();
        for (name, zip) in [
            ("QUIN RIVERS. INC.", "23177"),
            ("CLEARPOINT FINANCIAL SOLUTIONS, INC.", "22401"),
        ] {
            assert_at_zip_centroid(&named(&p, name).locations[0], zip);
        }
        let clearpoint = named(&p, "CLEARPOINT FINANCIAL SOLUTIONS, INC.");
        assert_eq!(
            clearpoint.email.as_deref(),
            Some("hud-inquiries@clearpointfs.org")
        );
    }

    #[test]
    fn a_mailbox_written_as_a_website_is_not_a_link() {
        let p = parsed();
        assert_eq!(named(&p, "LYDIA'S HOUSE").url, None);
    }

    #[test]
    fn the_file_is_detected_and_reads_the_same_twice() {
        assert_detected_and_stable(Dataset::HudHousingCounseling, FILE);
        assert_eq!(dash_extension("301-274-4474-278"), "301-274-4474 x278");
        assert_eq!(dash_extension("804-520-2690"), "804-520-2690");
    }

    #[test]
    fn full_file_reads_every_row() {
        let p = read_full_file(Dataset::HudHousingCounseling, FILE);
        assert_eq!(p.rows_read, 132);
        assert_eq!(p.services.len(), 132, "{:?}", p.skipped);
        // 11 blank and one "0,0" (CLEARPOINT, Fredericksburg).
        assert_eq!(
            p.services
                .iter()
                .filter(|s| s.locations[0].approximate)
                .count(),
            12
        );
    }
}
