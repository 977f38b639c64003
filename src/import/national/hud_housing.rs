//! HUD public housing developments (March 2021): the buildings and sites where
//! public housing tenants live.
//!
//! A development is a place to live, not an office: nobody applies at the
//! building. Each one is listed as housing run by its agency, with the agency's
//! phone and office address from `hud_pha_contacts_2026.csv` in the same
//! directory (joined on the PHA code) when that file is there. Inspection ids,
//! scores and dates are HUD's internal data and are left out.

use std::collections::HashMap;
use std::path::Path;

use super::super::flat::{CsvRow, read_flat_csv};
use super::super::{
    FlatRecord, Format, ImportContext, ImportError, ParsedSource, RawPhone, parse_coordinate,
};
use super::common::meaningful;
use super::hud_pha::{AgencyContact, read_contacts};
use crate::model::Attribute;

const DATASET: &str = "hud-public-housing";

/// The agency contact list the developments are joined to.
const CONTACTS_FILE: &str = "hud_pha_contacts_2026.csv";

/// The header columns that identify the public housing development list.
pub(super) const SIGNATURE: &[&str] = &[
    "DEVELOPMENT_ID",
    "DEVELOPMENT_NAME",
    "ADDRESS",
    "CITY",
    "STATE_NAME",
    "ZIPCODE",
    "LATITUDE",
    "LONGITUDE",
    "LOCATION_QUALITY",
    "PHA_CODE",
    "PHA_NAME",
];

/// Reads the public housing development list, with agency contacts from the
/// PHA contact list beside it when there is one. Listings are recorded under
/// `dataset` when given, else under the list's own name.
pub(super) fn read(
    ctx: ImportContext<'_>,
    format: Format,
    path: &Path,
    dataset: Option<&str>,
) -> Result<ParsedSource, ImportError> {
    let contacts_path = path.parent().map(|dir| dir.join(CONTACTS_FILE));
    let contacts: HashMap<String, AgencyContact> = match contacts_path.filter(|p| p.is_file()) {
        Some(p) => read_contacts(&p)?,
        None => {
            tracing::info!(file = %path.display(), "no {CONTACTS_FILE} beside the developments: importing without agency phones");
            HashMap::new()
        }
    };
    let required = [
        "DEVELOPMENT_ID",
        "DEVELOPMENT_NAME",
        "LATITUDE",
        "LONGITUDE",
        "PHA_CODE",
        "PHA_NAME",
    ];
    read_flat_csv(
        ctx,
        path,
        format,
        dataset.unwrap_or(DATASET),
        &required,
        |row| development(row, &contacts),
    )
}

/// One development, listed as housing run by its agency (with the agency's
/// phone and office address when the contact list has it).
///
/// The list says nothing about how to apply; that applications go through the
/// agency is said once, about the whole list, in the source note.
fn development(
    row: &CsvRow<'_>,
    contacts: &HashMap<String, AgencyContact>,
) -> Result<FlatRecord, String> {
    let id = row.get("DEVELOPMENT_ID");
    if id.is_empty() {
        return Err("no development id".to_owned());
    }
    let pha_code = row.get("PHA_CODE");
    let contact = contacts.get(pha_code);
    let pha_name = row
        .opt("PHA_NAME")
        .or_else(|| contact.map(|c| c.name.clone()))
        .unwrap_or_default();
    let phones = contact
        .and_then(|c| c.phone.clone())
        .map(|number| RawPhone {
            number,
            kind: Some("voice"),
            description: (!pha_name.is_empty()).then(|| format!("Housing agency: {pha_name}")),
        })
        .into_iter()
        .collect();
    let mut attributes = Vec::new();
    if !pha_code.is_empty() {
        attributes.push(Attribute {
            tag: "pha_code".to_owned(),
            value: pha_code.to_owned(),
        });
    }
    if let Some(address) = contact.and_then(|c| c.address.clone()) {
        attributes.push(Attribute {
            tag: "housing_agency_address".to_owned(),
            value: address,
        });
    }
    // A few developments are named "NONE" (read as blank): name them after their agency.
    let name = row
        .opt("DEVELOPMENT_NAME")
        .or_else(|| (!pha_name.is_empty()).then(|| format!("{pha_name} public housing")));
    // HUD's geocode precision: R is rooftop; ZIP+4, block group, tract and ZIP centroids are rough.
    let quality = row.get("LOCATION_QUALITY");
    Ok(FlatRecord {
        source_id: id.to_owned(),
        name: name.unwrap_or_default(),
        organization: (!pha_name.is_empty()).then(|| pha_name.clone()),
        address_1: meaningful(row.get("ADDRESS")),
        city: row.opt("CITY"),
        // STATE_NAME holds the two-letter code (STATE_CODE is the FIPS number).
        state: row.opt("STATE_NAME"),
        zip: row.opt("ZIPCODE"),
        latitude: parse_coordinate(row.get("LATITUDE"))?,
        longitude: parse_coordinate(row.get("LONGITUDE"))?,
        approximate: !quality.eq_ignore_ascii_case("R"),
        phones,
        attributes,
        source_note: Some(
            "HUD's list of public housing developments (March 2021): the buildings where public housing \
             tenants live, each run by a public housing agency; people apply through the agency, not at \
             the building. Agency phones and office addresses are from HUD's PHA contact list (2026)."
                .to_owned(),
        ),
        ..FlatRecord::default()
    })
}

#[cfg(test)]
mod tests {
    use super::super::Dataset;
    use super::super::common::test_support::{
        assert_detected_and_stable, context, fixture, named, needs, postal_code, read_fixture,
        read_full_file, slugs,
    };
    use super::*;
    use crate::import::Format;
    use crate::import::ParsedSource;

    const FILE: &str = "hud_public_housing_developments_2021.csv";

    fn parsed() -> ParsedSource {
        read_fixture(Dataset::HudPublicHousing, FILE)
    }

    #[test]
    fn a_development_is_housing_run_by_its_agency_with_the_agency_phone() {
        let p = parsed();
        let s = named(&p, "GLASSMANOR");
        assert_eq!(
            s.organization.name,
            "Housing Authority of Prince Georges County"
        );
        assert_eq!(slugs(s), vec!["housing"]);
        assert_eq!(needs(s), vec!["housing-instability"]);
        // The row says nothing about the development or how to apply: nothing is made up.
        assert_eq!(s.description, None);
        assert_eq!(s.application_process, None);
        assert!(
            s.source_note
                .as_deref()
                .is_some_and(|n| n.starts_with("HUD's list of public housing developments"))
        );
        let loc = &s.locations[0];
        assert_eq!(loc.phones[0].number, "(301) 883-5552");
        assert_eq!(
            loc.phones[0].description.as_deref(),
            Some("Housing agency: Housing Authority of Prince Georges County")
        );
        assert!(!loc.approximate);
        assert!(
            s.attributes
                .iter()
                .any(|a| a.tag == "housing_agency_address"
                    && a.value == "9200 BASIL COURT, LARGO, MD 20774")
        );
        assert!(s.attributes.iter().all(|a| !a.tag.contains("inspection")));
    }

    #[test]
    fn an_agency_missing_from_the_contact_list_gets_no_phone() {
        let p = parsed();
        let s = named(&p, "HARVARD TOWERS");
        assert!(s.locations[0].phones.is_empty());
        assert_eq!(s.organization.name, "D.C Housing Authority");
        assert_eq!(postal_code(s), Some("20009"));
        let elms = named(&p, "WASHINGTON ELMS");
        assert_eq!(postal_code(elms), Some("02139"));
    }

    #[test]
    fn a_guam_row_without_coordinates_or_a_known_zip_is_skipped() {
        let p = parsed();
        assert_eq!((p.rows_read, p.services.len()), (21, 20));
        assert_eq!(p.skipped.len(), 1);
        // The 19th data row (line 20 counting the header).
        assert!(matches!(p.skipped[0].row, 19 | 20), "{}", p.skipped[0].row);
        assert!(
            p.skipped[0]
                .reason
                .contains("\"96913\" is not in the gazetteer"),
            "{}",
            p.skipped[0].reason
        );
    }

    #[test]
    fn without_the_contact_file_there_are_no_phones_and_nothing_made_up() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let copy = dir.path().join(FILE);
        std::fs::copy(fixture(FILE), &copy).unwrap_or_else(|e| panic!("{e}"));
        let p = read(
            context(),
            Format::Dataset(Dataset::HudPublicHousing),
            &copy,
            None,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let s = named(&p, "GLASSMANOR");
        assert!(s.locations[0].phones.is_empty());
        assert_eq!(s.application_process, None);
        assert!(
            s.attributes
                .iter()
                .all(|a| a.tag != "housing_agency_address")
        );
        assert_eq!(
            s.organization.name,
            "Housing Authority of Prince Georges County"
        );
    }

    #[test]
    fn the_file_is_detected_and_reads_the_same_twice() {
        assert_detected_and_stable(Dataset::HudPublicHousing, FILE);
    }

    #[test]
    fn full_file_reads_every_row() {
        let p = read_full_file(Dataset::HudPublicHousing, FILE);
        assert_eq!(p.rows_read, 6_524);
        assert_eq!(
            p.services.len(),
            6_520,
            "only the 4 Guam rows cannot be placed"
        );
        let with_phone = p
            .services
            .iter()
            .filter(|s| !s.locations[0].phones.is_empty())
            .count();
        println!("  {with_phone} developments have their agency's phone");
        assert!(with_phone > 5_000);
    }
}
