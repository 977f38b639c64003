//! VA facilities as of September 2018: medical centers, clinics, Vet Centers
//! and regional benefit offices.
//!
//! National and state veterans cemeteries are in the file too; they are left
//! out with a reason, since nobody is referred to one. Each facility's type
//! (`PrimaryService`) becomes a readable label (a taxonomy term) that decides
//! its category; the rows have no description of their own, so none is given.

use super::super::flat::CsvRow;
use super::super::{FlatRecord, parse_coordinate};
use super::common::{FlatList, meaningful, voice_and_fax};
use crate::model::TaxonomyTerm;

const DATASET: &str = "va-facilities";

/// What the list is, shown with every listing from it.
const SOURCE_NOTE: &str = "VA's list of its facilities as of September 2018 (VA VetData): medical \
     centers, clinics and Vet Centers of the Veterans Health Administration, and regional benefit \
     offices of the Veterans Benefits Administration.";

/// The header columns that identify the VA facility list.
pub(super) const SIGNATURE: &[&str] = &[
    "StationNumber",
    "FacilityName",
    "PrimaryService",
    "Address1",
    "Address2",
    "Address3",
    "PhoneNumber",
    "City",
    "StateAbbreviation",
    "Zip",
    "VAAdministration",
    "Latitude",
    "Longitude",
];

/// The readable label of a facility type (`PrimaryService`), or `None` for
/// types that are not services (cemeteries).
fn facility_label(code: &str) -> Option<&'static str> {
    Some(match code {
        "VAMC" => "VA medical center",
        "HCC" => "VA health care center",
        "MSCBOC" => "VA clinic (multi-specialty)",
        "PCCBOC" => "VA clinic (primary care)",
        "OOS" => "VA clinic (outpatient services)",
        "MVAC" => "VA mobile clinic",
        "VCTR" => "Vet Center (counseling)",
        "VCTROS" => "Vet Center outstation (counseling)",
        "MVCTR" => "Mobile Vet Center (counseling)",
        "RO" => "VA regional benefit office",
        "RRTP Stand Alone" => "VA residential treatment (domiciliary)",
        "CLC Stand Alone" => "VA community living center",
        "Unclassified" => "VA clinic",
        _ => return None,
    })
}

/// The VA facility list.
pub(super) const LIST: FlatList = FlatList {
    dataset: DATASET,
    required: &[
        "StationNumber",
        "FacilityName",
        "PrimaryService",
        "VAAdministration",
        "Latitude",
        "Longitude",
    ],
    record: facility,
};

/// One facility; cemeteries are left out.
fn facility(row: &CsvRow<'_>) -> Result<FlatRecord, String> {
    let code = row.get("PrimaryService");
    let administration = row.get("VAAdministration");
    if code.eq_ignore_ascii_case("Cemetery") || administration == "NCA" {
        return Err("VA cemetery: not a service a client is referred to".to_owned());
    }
    let station = row.get("StationNumber");
    if station.is_empty() {
        return Err("no station number".to_owned());
    }
    let name = row.get("FacilityName");
    let label = facility_label(code)
        .map(str::to_owned)
        .or_else(|| row.opt("PrimaryAttribute"));
    let label = label.unwrap_or_else(|| "VA facility".to_owned());
    // Address1 is a building name (or the facility's name again), Address2 the street, Address3 the suite.
    let building = meaningful(row.get("Address1")).filter(|b| !b.eq_ignore_ascii_case(name));
    let street = meaningful(row.get("Address2"));
    let address_2 = [
        meaningful(row.get("Address3")),
        if street.is_some() {
            building.clone()
        } else {
            None
        },
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(", ");
    let state = row.get("StateAbbreviation");
    Ok(FlatRecord {
        // Station numbers repeat across administrations (a medical center and
        // the regional office in the same city share one).
        source_id: format!("{administration}:{station}"),
        name: name.to_owned(),
        organization: Some("U.S. Department of Veterans Affairs".to_owned()),
        address_1: street.or(building),
        address_2: (!address_2.is_empty()).then_some(address_2),
        city: meaningful(row.get("City")),
        state: row.opt("StateAbbreviation"),
        // `0` means no ZIP; 4-digit and 3-digit ZIPs lost their leading zeros. The
        // Manila clinic's postal code is Philippine, not a US ZIP.
        zip: if state == "PH" { None } else { row.opt("Zip") },
        latitude: parse_coordinate(row.get("Latitude"))?,
        longitude: parse_coordinate(row.get("Longitude"))?,
        // Phones end in a dangling " x", which normalize_phone drops.
        phones: voice_and_fax(row.get("PhoneNumber"), row.get("FaxNumber")),
        terms: vec![TaxonomyTerm {
            code: code.to_owned(),
            name: label,
            taxonomy: DATASET.to_owned(),
        }],
        source_note: Some(SOURCE_NOTE.to_owned()),
        ..FlatRecord::default()
    })
}

#[cfg(test)]
mod tests {
    use super::super::Dataset;
    use super::super::common::test_support::{
        address_line, assert_detected_and_stable, named, needs, postal_code, read_fixture,
        read_full_file, slugs,
    };
    use super::SOURCE_NOTE;
    use crate::import::ParsedSource;

    const FILE: &str = "va_facilities_fy2018.csv";

    fn parsed() -> ParsedSource {
        read_fixture(Dataset::VaFacilities, FILE)
    }

    #[test]
    fn cemeteries_are_skipped_with_a_reason() {
        let p = parsed();
        assert_eq!((p.rows_read, p.services.len()), (15, 12));
        let rows: Vec<u64> = p.skipped.iter().map(|s| s.row).collect();
        // Data rows 11, 13 and 15 (lines 12, 14 and 16 counting the header).
        assert!(
            rows == vec![11, 13, 15] || rows == vec![12, 14, 16],
            "{rows:?}"
        );
        assert!(
            p.skipped
                .iter()
                .all(|s| s.reason == "VA cemetery: not a service a client is referred to")
        );
    }

    #[test]
    fn a_medical_center_is_health_for_veterans_with_its_zip_padded() {
        let p = parsed();
        let s = named(&p, "West Haven VA Medical Center");
        assert_eq!(slugs(s), vec!["health"]);
        assert_eq!(needs(s), vec!["veteran-status"]);
        let loc = &s.locations[0];
        assert_eq!(
            address_line(s).as_deref(),
            Some("950 Campbell Avenue, West Haven, CT 06516")
        );
        assert_eq!(loc.phones[0].number, "(203) 932-5711");
        assert_eq!(loc.phones[0].extension, None);
        assert_eq!(s.taxonomy_terms[0].name, "VA medical center");
        assert_eq!(s.description, None);
        assert_eq!(s.source_note.as_deref(), Some(SOURCE_NOTE));
        let san_juan = named(&p, "San Juan VA Medical Center");
        assert_eq!(postal_code(san_juan), Some("00921"));
    }

    #[test]
    fn a_vet_center_is_mental_health_and_keeps_its_suite() {
        let p = parsed();
        let s = named(&p, "Miami Vet Center");
        assert_eq!(slugs(s), vec!["mental-health"]);
        assert!(needs(s).contains(&"veteran-status"));
        let address = s.locations[0].address.clone().unwrap_or_default();
        assert_eq!(address.address_1, "8280 Northwest 27th Street");
        assert_eq!(address.address_2.as_deref(), Some("Suite 511"));
        assert_eq!(s.taxonomy_terms[0].name, "Vet Center (counseling)");
    }

    #[test]
    fn a_regional_office_without_zip_or_city_keeps_its_street_and_point() {
        let p = parsed();
        let s = named(&p, "Baltimore RO");
        assert_eq!(slugs(s), vec!["money"]);
        assert!(needs(s).contains(&"veteran-status"));
        let loc = &s.locations[0];
        assert_eq!(address_line(s).as_deref(), Some("31 Hopkins Plaza, MD"));
        assert!(!loc.approximate);
        assert!(loc.phones.is_empty());
        assert_eq!(s.source.id, "VBA:313");
    }

    #[test]
    fn the_file_is_detected_and_reads_the_same_twice() {
        assert_detected_and_stable(Dataset::VaFacilities, FILE);
    }

    #[test]
    fn full_file_reads_every_row() {
        let p = read_full_file(Dataset::VaFacilities, FILE);
        assert_eq!(p.rows_read, 1_953);
        let cemeteries = p
            .skipped
            .iter()
            .filter(|s| s.reason.starts_with("VA cemetery"))
            .count();
        assert_eq!(cemeteries, 248);
        assert_eq!(
            p.services.len(),
            1_953 - 248,
            "{:?}",
            p.skipped
                .iter()
                .filter(|s| !s.reason.starts_with("VA cemetery"))
                .collect::<Vec<_>>()
        );
    }
}
