//! HUD public housing agency (PHA) contacts (extracted January 2026): the office
//! where people apply for public housing and Housing Choice Vouchers.
//!
//! The list has no coordinates, so every office is placed at its ZIP centroid
//! (marked approximate); offices without a ZIP cannot be placed. This module
//! also reads the list for the developments adapter, which shows each
//! building's agency as its contact.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;

use super::super::flat::{CsvRow, make_address};
use super::super::{FlatRecord, ImportError};
use super::common::{FlatList, meaningful, raw_phone, voice_and_fax};
use crate::model::{Attribute, normalize_phone};

const DATASET: &str = "hud-pha-contacts";

/// The header columns that identify the PHA contact list.
pub(super) const SIGNATURE: &[&str] = &[
    "pha_code", "pha_name", "address", "city", "state", "zip_code", "phone", "fax",
];

/// The HUD public housing agency contact list.
pub(super) const LIST: FlatList = FlatList {
    dataset: DATASET,
    required: &[
        "pha_code", "pha_name", "address", "city", "state", "zip_code",
    ],
    record: agency_office,
};

/// What the list is, shown with every listing from it.
const SOURCE_NOTE: &str = "HUD's list of public housing agencies (PHA contact reports, January 2026); \
     these agencies take applications for public housing, Housing Choice Vouchers (Section 8), or both. \
     The list has no coordinates: offices are shown at their ZIP code's centre.";

/// One agency's office. The row gives its name, address and phones only; what
/// such offices do is said once, about the whole list, in the source note.
fn agency_office(row: &CsvRow<'_>) -> Result<FlatRecord, String> {
    let code = row.get("pha_code");
    if code.is_empty() {
        return Err("no PHA code".to_owned());
    }
    Ok(FlatRecord {
        source_id: code.to_owned(),
        name: row.get("pha_name").to_owned(),
        address_1: meaningful(row.get("address")),
        city: row.opt("city"),
        state: row.opt("state"),
        zip: row.opt("zip_code"),
        phones: voice_and_fax(row.get("phone"), row.get("fax")),
        attributes: vec![Attribute {
            tag: "pha_code".to_owned(),
            value: code.to_owned(),
        }],
        source_note: Some(SOURCE_NOTE.to_owned()),
        ..FlatRecord::default()
    })
}

/// A housing agency's contact, as the developments adapter shows it.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct AgencyContact {
    /// The agency's name as the contact list writes it.
    pub name: String,
    /// The office address on one line, when the list has one.
    pub address: Option<String>,
    /// The main phone in display form, with any extension (`(305) 371-8300 x1303`).
    pub phone: Option<String>,
}

#[derive(Deserialize)]
struct ContactRow {
    pha_code: String,
    pha_name: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    city: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    zip_code: String,
    #[serde(default)]
    phone: String,
}

/// Reads the contact list into agency contacts by PHA code.
pub(super) fn read_contacts(path: &Path) -> Result<HashMap<String, AgencyContact>, ImportError> {
    let mut reader = csv::Reader::from_path(path).map_err(|e| ImportError::csv(path, e))?;
    let mut contacts = HashMap::new();
    for row in reader.deserialize::<ContactRow>() {
        let row = row.map_err(|e| ImportError::csv(path, e))?;
        let address = make_address(
            meaningful(&row.address).as_deref(),
            None,
            Some(&row.city),
            Some(&row.state),
            Some(&row.zip_code),
        )
        .map(|a| a.one_line());
        // Written once in display form ("(816) 470-2308 x11"), which reads back to the same number.
        let phone = raw_phone(&row.phone, "voice", None)
            .and_then(|p| normalize_phone(&p.number))
            .map(|n| match n.extension {
                Some(ext) => format!("{} x{ext}", n.display),
                None => n.display,
            });
        let code = row.pha_code.trim().to_owned();
        contacts.entry(code).or_insert(AgencyContact {
            name: row.pha_name.trim().to_owned(),
            address,
            phone,
        });
    }
    Ok(contacts)
}

#[cfg(test)]
mod tests {
    use super::super::Dataset;
    use super::super::common::test_support::{
        assert_at_zip_centroid, assert_detected_and_stable, fixture, named, needs, read_fixture,
        read_full_file, slugs,
    };
    use super::*;
    use crate::import::ParsedSource;

    const FILE: &str = "hud_pha_contacts_2026.csv";

    fn parsed() -> ParsedSource {
        read_fixture(Dataset::HudPhaContacts, FILE)
    }

    #[test]
    fn an_agency_office_is_placed_at_its_zip_centroid() {
        let p = parsed();
        let s = named(&p, "HIALEAH HOUSING AUTHORITY");
        assert_eq!(slugs(s), vec!["housing"]);
        assert_eq!(needs(s), vec!["housing-instability"]);
        let loc = &s.locations[0];
        assert_at_zip_centroid(loc, "33010");
        assert_eq!(loc.phones[0].number, "(305) 888-9744");
        assert!(loc.phones[1].is_fax());
        assert_eq!(
            s.primary_phone().map(|p| p.number.as_str()),
            Some("(305) 888-9744")
        );
        // What an agency does is said about the list, not claimed for each office.
        assert_eq!((&s.description, &s.application_process), (&None, &None));
        assert_eq!(s.source_note.as_deref(), Some(SOURCE_NOTE));
    }

    #[test]
    fn an_extension_is_kept_and_agencies_without_a_zip_are_skipped() {
        let p = parsed();
        let s = named(&p, "Carrfour Supportive Housing, Inc.");
        assert_eq!(
            s.locations[0].phones[0].tel_uri().as_deref(),
            Some("tel:+13053718300;ext=1303")
        );
        assert_eq!(p.rows_read, 16);
        assert_eq!(p.skipped.len(), 2, "{:?}", p.skipped);
        assert!(p.skipped.iter().all(|s| s.reason.contains("no ZIP code")));
    }

    #[test]
    fn contacts_are_read_by_code() {
        let contacts = read_contacts(&fixture(FILE)).unwrap_or_else(|e| panic!("{e}"));
        let fl005 = contacts
            .get("FL005")
            .unwrap_or_else(|| panic!("FL005 missing"));
        assert_eq!(fl005.phone.as_deref(), Some("(786) 469-4106"));
        assert_eq!(
            fl005.address.as_deref(),
            Some("V 701 NW 1st Court, MIAMI, FL 33136")
        );
        assert_eq!(contacts.get("FL008").and_then(|c| c.phone.clone()), None);
        let carrfour = contacts.get("FL881").and_then(|c| c.phone.clone());
        assert_eq!(carrfour.as_deref(), Some("(305) 371-8300 x1303"));
    }

    #[test]
    fn the_file_is_detected_and_reads_the_same_twice() {
        assert_detected_and_stable(Dataset::HudPhaContacts, FILE);
    }

    #[test]
    fn full_file_reads_every_row() {
        let p = read_full_file(Dataset::HudPhaContacts, FILE);
        assert_eq!(p.rows_read, 3_755);
        assert!(p.services.len() > 3_400);
    }
}
