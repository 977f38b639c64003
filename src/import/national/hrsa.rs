//! HRSA health center service delivery sites (federally qualified health
//! centers and look-alikes, about 2020–21): one row per clinic site, with a
//! phone and coordinates but no ZIP column.
//!
//! The `testing_status` column (COVID-19 testing at the time) is left out: it
//! says nothing about the site today. The rows say nothing about what a site
//! offers or charges (some sites are dental-only clinics or mobile vans), so
//! nothing is said for them; what the list is goes in the source note.

use super::super::flat::{CsvRow, key_from};
use super::super::{FlatRecord, parse_coordinate};
use super::common::{FlatList, meaningful, raw_phone};

const DATASET: &str = "hrsa-health-centers";

/// What the list is, shown with every listing from it.
const SOURCE_NOTE: &str = "HRSA's list of Health Center Program service delivery sites \
     (federally qualified health centers and look-alikes), about 2020–21.";

/// The header columns that identify the HRSA site list.
pub(super) const SIGNATURE: &[&str] = &[
    "name",
    "st_abbr",
    "city",
    "address",
    "phone",
    "testing_status",
    "lon",
    "lat",
];

/// The HRSA health center site list.
pub(super) const LIST: FlatList = FlatList {
    dataset: DATASET,
    required: &["name", "st_abbr", "city", "address", "lon", "lat"],
    record: site,
};

/// One clinic site.
fn site(row: &CsvRow<'_>) -> Result<FlatRecord, String> {
    let name = row.get("name");
    let raw_address = row.get("address");
    let city = row.get("city");
    let state = row.get("st_abbr");
    let (street, zip) = split_trailing_zip(raw_address, city, state);
    Ok(FlatRecord {
        source_id: key_from(&[name, raw_address, city, state]),
        name: name.to_owned(),
        address_1: meaningful(&street),
        city: row.opt("city"),
        state: row.opt("st_abbr"),
        zip,
        latitude: parse_coordinate(row.get("lat"))?,
        longitude: parse_coordinate(row.get("lon"))?,
        phones: raw_phone(row.get("phone"), "voice", None)
            .into_iter()
            .collect(),
        source_note: Some(SOURCE_NOTE.to_owned()),
        ..FlatRecord::default()
    })
}

/// Splits "… PO Box 263  Elfrida, AZ 85610" into the street part and the ZIP,
/// when the address ends with the row's state and a ZIP. Runs of two spaces
/// separate lines of the address in this file; they become commas.
fn split_trailing_zip(address: &str, city: &str, state: &str) -> (String, Option<String>) {
    let lines = || {
        address
            .split("  ")
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let trimmed = address.trim();
    let Some((head, last)) = trimmed.rsplit_once(char::is_whitespace) else {
        return (lines(), None);
    };
    let digits: String = last.chars().filter(char::is_ascii_digit).collect();
    let is_zip = (digits.len() == 5 || digits.len() == 9)
        && last.chars().all(|c| c.is_ascii_digit() || c == '-');
    let head = head.trim_end();
    let Some(before_state) = head
        .strip_suffix(state)
        .filter(|_| is_zip && !state.is_empty())
    else {
        return (lines(), None);
    };
    if !before_state.is_empty() && !before_state.ends_with([' ', ',']) {
        return (lines(), None);
    }
    let mut street = before_state.trim_end_matches([' ', ',']);
    if let Some(cut) = street.len().checked_sub(city.len())
        && !city.is_empty()
        && street.is_char_boundary(cut)
        && street[cut..].eq_ignore_ascii_case(city)
    {
        street = street[..cut].trim_end_matches([' ', ',']);
    }
    let street = street
        .split("  ")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(", ");
    (street, Some(digits[..5].to_owned()))
}

#[cfg(test)]
mod tests {
    use super::super::Dataset;
    use super::super::common::test_support::{
        assert_detected_and_stable, first_address, named, needs, read_fixture, read_full_file,
        slugs,
    };
    use super::*;
    use crate::import::ParsedSource;

    const FILE: &str = "hrsa_fqhc_sites_geocoded.csv";

    fn parsed() -> ParsedSource {
        read_fixture(Dataset::HrsaHealthCenters, FILE)
    }

    #[test]
    fn a_site_maps_to_health_with_a_dialable_phone() {
        let p = parsed();
        assert_eq!(p.rows_read, 20);
        assert_eq!(p.services.len(), 20, "{:?}", p.skipped);
        let s = named(&p, "Banyan Community Health Center - W. Flagler");
        assert_eq!(slugs(s), vec!["health"]);
        assert!(needs(s).contains(&"medical-cost-burden"));
        let loc = &s.locations[0];
        let address = loc.address.as_ref().unwrap_or_else(|| panic!("no address"));
        assert_eq!(address.one_line(), "3800 W Flagler St, Coral Gables, FL");
        assert_eq!(loc.phones[0].number, "(305) 774-3400");
        assert_eq!(loc.phones[0].tel_uri().as_deref(), Some("tel:+13057743400"));
        assert_eq!(loc.point(), Some((25.77179252, -80.25746403)));
        assert!(!loc.approximate);
        assert_eq!(s.source_note.as_deref(), Some(SOURCE_NOTE));
    }

    /// Regression: every site, dental-only clinics and mobile vans included, was
    /// described as "primary care for everyone … no one is turned away".
    #[test]
    fn no_site_is_described_with_words_the_list_does_not_have() {
        let p = parsed();
        for s in &p.services {
            assert_eq!(s.description, None, "{}", s.name);
            assert_eq!(s.fees_description, None, "{}", s.name);
            assert_eq!(s.application_process, None, "{}", s.name);
        }
    }

    #[test]
    fn a_site_without_a_phone_has_none_and_address_lines_become_commas() {
        let p = parsed();
        assert!(
            named(&p, "Amouli Community Health Center").locations[0]
                .phones
                .is_empty()
        );
        let ofu = named(&p, "Ofu Community Health Center");
        let address = first_address(ofu).map(|a| a.address_1.clone());
        assert_eq!(
            address.as_deref(),
            Some("Ofu Community Health Center, PO Box 3965")
        );
    }

    #[test]
    fn a_zip_at_the_end_of_the_address_is_taken_out() {
        let (street, zip) = split_trailing_zip(
            "Chiricahua Community Health Centers, Inc  Cochise County  PO Box 263  Elfrida, AZ 85610",
            "Elfrida",
            "AZ",
        );
        assert_eq!(
            street,
            "Chiricahua Community Health Centers, Inc, Cochise County, PO Box 263"
        );
        assert_eq!(zip.as_deref(), Some("85610"));
        // A suite number that looks like a ZIP is not one.
        assert_eq!(
            split_trailing_zip("1900 Strawn Rd # 77039", "Houston", "TX"),
            ("1900 Strawn Rd # 77039".to_owned(), None)
        );
        assert_eq!(
            split_trailing_zip("PO BOX 85058", "Tucson", "AZ"),
            ("PO BOX 85058".to_owned(), None)
        );
    }

    #[test]
    fn the_file_is_detected_and_reads_the_same_twice() {
        assert_detected_and_stable(Dataset::HrsaHealthCenters, FILE);
    }

    #[test]
    fn full_file_reads_every_row() {
        let p = read_full_file(Dataset::HrsaHealthCenters, FILE);
        assert_eq!(p.rows_read, 13_577);
        assert!(p.services.len() > 13_500);
        assert!(
            p.skipped
                .iter()
                .all(|s| s.reason.starts_with("same source id")),
            "{:?}",
            &p.skipped[..3.min(p.skipped.len())]
        );
    }
}
