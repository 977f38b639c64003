//! SAMHSA treatment lists (about 2020–21): mental health facilities, substance
//! use treatment facilities, and opioid treatment programs (methadone clinics).
//!
//! The mental health and substance use files come from the same locator and
//! share their name and address columns: the mental health file is told apart
//! by its phone, intake and facility-type columns (detection prefers the longer
//! matching signature).

use super::super::flat::{CsvRow, key_from};
use super::super::{FlatRecord, parse_coordinate};
use super::common::{FlatList, meaningful, raw_phone, web_url};
use crate::model::TaxonomyTerm;

const MENTAL_HEALTH: &str = "samhsa-mental-health";
const SUBSTANCE_USE: &str = "samhsa-substance-use";
const OPIOID: &str = "samhsa-opioid-treatment";

/// The columns both locator files have.
const LOCATOR_COLUMNS: &[&str] = &[
    "name1",
    "name2",
    "street1",
    "street2",
    "city",
    "state",
    "zip",
    "zip4",
    "county",
    "latitude",
    "longitude",
];

/// The columns only the mental health file has: phone, intake lines, website and facility type.
const MENTAL_HEALTH_COLUMNS: &[&str] = &[
    "phone",
    "intake_prompt",
    "intake1",
    "intake2",
    "website",
    "type_facility",
];

/// The header columns that identify the SAMHSA mental health facility list
/// (the locator columns, then the mental health file's own).
pub(super) const MENTAL_HEALTH_SIGNATURE: &[&str] = &concat::<
    { LOCATOR_COLUMNS.len() + MENTAL_HEALTH_COLUMNS.len() },
>(LOCATOR_COLUMNS, MENTAL_HEALTH_COLUMNS);

/// `first` followed by `second`, for building one signature out of another at
/// compile time (`N` must be the sum of their lengths, or the build fails).
const fn concat<const N: usize>(
    first: &[&'static str],
    second: &[&'static str],
) -> [&'static str; N] {
    assert!(N == first.len() + second.len());
    let mut all = [""; N];
    let mut i = 0;
    while i < N {
        all[i] = if i < first.len() {
            first[i]
        } else {
            second[i - first.len()]
        };
        i += 1;
    }
    all
}

/// The header columns that identify the SAMHSA substance use facility list.
/// Every one of them is also in the mental health file, whose longer signature
/// wins there.
pub(super) const SUBSTANCE_USE_SIGNATURE: &[&str] = LOCATOR_COLUMNS;

/// The header columns that identify the SAMHSA opioid treatment program list.
pub(super) const OPIOID_SIGNATURE: &[&str] = &[
    "ID",
    "ADDRESS",
    "CITY",
    "STATE",
    "POSTAL",
    "Latitude",
    "Longitude",
];

/// The SAMHSA mental health facility list.
pub(super) const MENTAL_HEALTH_LIST: FlatList = FlatList {
    dataset: MENTAL_HEALTH,
    required: LOCATOR_COLUMNS,
    record: mental_health_facility,
};

/// The SAMHSA substance use treatment facility list (it has no phones).
pub(super) const SUBSTANCE_USE_LIST: FlatList = FlatList {
    dataset: SUBSTANCE_USE,
    required: LOCATOR_COLUMNS,
    record: substance_use_facility,
};

/// The SAMHSA opioid treatment program directory (`ID` is the program's name).
pub(super) const OPIOID_LIST: FlatList = FlatList {
    dataset: OPIOID,
    required: OPIOID_SIGNATURE,
    record: opioid_program,
};

/// What each list is, shown with every listing from it. The rows have no
/// description of their own, so they are given none.
const MENTAL_HEALTH_NOTE: &str = "SAMHSA's behavioral health treatment locator: its list of \
     mental health treatment facilities (about 2020–21).";
const SUBSTANCE_USE_NOTE: &str = "SAMHSA's behavioral health treatment locator: its list of \
     substance use treatment facilities (about 2020–21); the list has no phone numbers.";
const OPIOID_NOTE: &str = "SAMHSA's opioid treatment program directory (about 2020–21): programs \
     certified by SAMHSA to treat opioid use disorder with medication.";

/// A mental health facility, with its main and intake phones.
fn mental_health_facility(row: &CsvRow<'_>) -> Result<FlatRecord, String> {
    let mut flat = locator_record(row)?;
    flat.phones = [
        raw_phone(row.get("phone"), "voice", None),
        raw_phone(row.get("intake1"), "voice", Some("Intake")),
        raw_phone(row.get("intake2"), "voice", Some("Intake")),
    ]
    .into_iter()
    .flatten()
    .collect();
    flat.website = web_url(row.get("website"));
    if let Some(code) = row.opt("type_facility") {
        let name = if code == "MH" {
            "Mental health treatment facility".to_owned()
        } else {
            code.clone()
        };
        flat.terms.push(TaxonomyTerm {
            code,
            name,
            taxonomy: MENTAL_HEALTH.to_owned(),
        });
    }
    flat.source_note = Some(MENTAL_HEALTH_NOTE.to_owned());
    Ok(flat)
}

/// A substance use treatment facility.
fn substance_use_facility(row: &CsvRow<'_>) -> Result<FlatRecord, String> {
    let mut flat = locator_record(row)?;
    flat.source_note = Some(SUBSTANCE_USE_NOTE.to_owned());
    Ok(flat)
}

/// An opioid treatment program, named by its `ID`.
fn opioid_program(row: &CsvRow<'_>) -> Result<FlatRecord, String> {
    let name = row.get("ID");
    Ok(FlatRecord {
        source_id: key_from(&[name, row.get("ADDRESS"), row.get("CITY"), row.get("STATE")]),
        name: name.to_owned(),
        address_1: meaningful(row.get("ADDRESS")),
        city: row.opt("CITY"),
        state: row.opt("STATE"),
        // normalize_zip pads "8879" to 08879 and cuts "75711-6367" at five digits.
        zip: row.opt("POSTAL"),
        latitude: parse_coordinate(row.get("Latitude"))?,
        longitude: parse_coordinate(row.get("Longitude"))?,
        source_note: Some(OPIOID_NOTE.to_owned()),
        ..FlatRecord::default()
    })
}

/// The columns both locator files share: names, address, coordinates.
fn locator_record(row: &CsvRow<'_>) -> Result<FlatRecord, String> {
    let (name1, name2) = (row.get("name1"), row.get("name2"));
    let names = facility_names(name1, name2);
    Ok(FlatRecord {
        source_id: key_from(&[
            name1,
            name2,
            row.get("street1"),
            row.get("street2"),
            row.get("city"),
            row.get("state"),
        ]),
        name: names.name,
        organization: names.organization,
        alternate_name: names.alternate_name,
        address_1: meaningful(row.get("street1")),
        address_2: meaningful(row.get("street2")),
        city: row.opt("city"),
        state: row.opt("state"),
        // The ZIP lost its leading zero ("6708"); normalize_zip pads it.
        zip: row.opt("zip"),
        latitude: parse_coordinate(row.get("latitude"))?,
        longitude: parse_coordinate(row.get("longitude"))?,
        ..FlatRecord::default()
    })
}

/// A facility's names, read from the locator's two name lines.
#[derive(Debug, PartialEq)]
struct Names {
    name: String,
    organization: Option<String>,
    alternate_name: Option<String>,
}

/// Reads `name1`/`name2`. The second line is one of: a "DBA" name (the name
/// people know), an "AKA", the rest of a name cut at the end of the first line
/// ("Counseling Center of" / "Topeka Inc"), or a program, unit or branch of the
/// organization named first ("Waterbury Hospital" / "Behavioral Health").
fn facility_names(name1: &str, name2: &str) -> Names {
    let tidy = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let (n1, n2) = (tidy(name1), tidy(name2));
    let plain = |name: String| Names {
        name,
        organization: None,
        alternate_name: None,
    };
    if n2.is_empty() {
        return plain(n1);
    }
    if n1.is_empty() {
        return plain(n2);
    }
    let lower2 = n2.to_ascii_lowercase();
    for prefix in ["dba ", "d/b/a ", "d.b.a. "] {
        if lower2.starts_with(prefix) {
            return Names {
                name: n2[prefix.len()..].trim().to_owned(),
                organization: Some(n1),
                alternate_name: None,
            };
        }
    }
    if lower2.starts_with("aka ") {
        return Names {
            name: n1,
            organization: None,
            alternate_name: Some(n2[4..].trim().to_owned()),
        };
    }
    let last1 = n1.rsplit(' ').next().unwrap_or("").to_ascii_lowercase();
    let cut_after_word = matches!(
        last1.as_str(),
        "of" | "and" | "for" | "the" | "at" | "in" | "on" | "to" | "&"
    );
    let cut_after_mark = n1.ends_with(['-', '/', ',', '&']);
    let last2 = lower2
        .rsplit(' ')
        .next()
        .unwrap_or("")
        .trim_matches(['.', ','])
        .to_owned();
    let legal_suffix = |w: &str| {
        matches!(
            w,
            "inc" | "llc" | "corp" | "corporation" | "ltd" | "pc" | "pa" | "pllc" | "lp"
        )
    };
    let n1_has_suffix = n1
        .split(' ')
        .any(|w| legal_suffix(w.to_ascii_lowercase().trim_matches(['.', ','])));
    if cut_after_word || cut_after_mark || (legal_suffix(&last2) && !n1_has_suffix) {
        return plain(format!("{n1} {n2}"));
    }
    Names {
        name: format!("{n1} – {n2}"),
        organization: Some(n1),
        alternate_name: None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::Dataset;
    use super::super::common::test_support::{
        assert_every_row_imported, first_address, fixture, named, needs, postal_code, read_fixture,
        read_full_file, slugs,
    };
    use super::*;
    use crate::import::{Format, ParsedSource, detect_format};

    const MH_FILE: &str = "samhsa_mental_health_facilities_geocoded.csv";
    const SUD_FILE: &str = "samhsa_substance_use_treatment_geocoded.csv";
    const OTP_FILE: &str = "samhsa_opioid_treatment_programs_geocoded.csv";

    fn mh() -> ParsedSource {
        read_fixture(Dataset::SamhsaMentalHealth, MH_FILE)
    }

    fn sud() -> ParsedSource {
        read_fixture(Dataset::SamhsaSubstanceUse, SUD_FILE)
    }

    fn otp() -> ParsedSource {
        read_fixture(Dataset::SamhsaOpioidTreatment, OTP_FILE)
    }

    #[test]
    fn a_mental_health_facility_keeps_its_intake_lines_and_pads_its_zip() {
        let p = mh();
        assert_every_row_imported(&p, 21);
        let s = named(&p, "Perspectives Center for Care Inc");
        assert_eq!(slugs(s), vec!["mental-health"]);
        assert!(needs(s).contains(&"stress"));
        let loc = &s.locations[0];
        let address = loc.address.as_ref().unwrap_or_else(|| panic!("no address"));
        assert_eq!(address.postal_code, "06708");
        assert_eq!(
            address.one_line(),
            "60 Westwood Avenue Suite 220, Waterbury, CT 06708"
        );
        let phones: Vec<(String, Option<String>, Option<String>)> = loc
            .phones
            .iter()
            .map(|p| (p.number.clone(), p.extension.clone(), p.description.clone()))
            .collect();
        assert_eq!(
            phones,
            vec![
                ("(860) 276-3000".to_owned(), None, None),
                (
                    "(860) 276-3000".to_owned(),
                    Some("301".to_owned()),
                    Some("Intake".to_owned())
                ),
            ]
        );
        assert_eq!(s.url.as_deref(), Some("http://www.pcc4me.com"));
    }

    #[test]
    fn the_second_name_line_is_a_program_a_dba_or_the_rest_of_the_name() {
        let p = mh();
        let s = named(&p, "Virginia Hospital Center – Behavioral Health Unit");
        assert_eq!(s.organization.name, "Virginia Hospital Center");
        let s = named(&p, "Hospital de la Montana");
        assert_eq!(s.organization.name, "Metro Health Central Corp");
        assert_eq!(postal_code(s), Some("00641"));
        named(&p, "Improving Lives Community Mental Health Center Inc");
        // The "http://" placeholder is not a website.
        assert_eq!(named(&p, "Advance Mental Health Clinic").url, None);
        let fellowship = named(&p, "Fellowship House");
        assert_eq!(fellowship.locations[0].phones.len(), 3);
    }

    #[test]
    fn a_substance_use_facility_has_no_phone_and_a_placeholder_street_is_dropped() {
        let p = sud();
        assert_every_row_imported(&p, 20);
        let s = named(&p, "Waterbury Hospital");
        assert_eq!(slugs(s), vec!["substance-use"]);
        assert!(s.locations[0].phones.is_empty());
        assert_eq!(postal_code(s), Some("06708"));
        named(&p, "Circles of Hope Psychotherapy and Addictions Services");
        let womens = named(&p, "Womens Home Inc");
        assert_eq!(
            first_address(womens).map(|a| a.address_1.as_str()),
            Some("")
        );
        assert_eq!(
            first_address(womens).map(|a| a.city.as_str()),
            Some("Arlington")
        );
        let caguas = named(&p, "Hogar CREA Tito Rene Vieta Caguas");
        assert_eq!(postal_code(caguas), Some("00725"));
    }

    #[test]
    fn an_opioid_program_is_named_by_its_id_and_its_postal_code_is_cleaned() {
        let p = otp();
        assert_every_row_imported(&p, 18);
        let s = named(&p, "5034 Atlantic Ave OPCO, LLC");
        assert_eq!(slugs(s), vec!["substance-use"]);
        assert_eq!(postal_code(s), Some("08879"));
        let tyler = named(&p, "Addiction Alternatives for Opiate-Heroin, Inc.");
        assert_eq!(postal_code(tyler), Some("75711"));
        let cayey = named(
            &p,
            "Clínica de Tratamiento Integral Asistido con Medicamentos Cayey",
        );
        assert_eq!(postal_code(cayey), Some("00736"));
        // Two programs of one company at different addresses stay two listings.
        assert_eq!(
            p.services
                .iter()
                .filter(|s| s.name == "Ocean Breeze Detox, LLC")
                .count(),
            2
        );
    }

    /// Regression: every program was described as treating "with medication such as
    /// methadone", and every facility as "listed in SAMHSA's treatment locator".
    #[test]
    fn what_a_list_is_goes_in_the_source_note_not_in_each_description() {
        for (p, note) in [
            (mh(), MENTAL_HEALTH_NOTE),
            (sud(), SUBSTANCE_USE_NOTE),
            (otp(), OPIOID_NOTE),
        ] {
            for s in &p.services {
                assert_eq!(s.description, None, "{}", s.name);
                assert_eq!(s.source_note.as_deref(), Some(note), "{}", s.name);
            }
        }
    }

    #[test]
    fn names_are_read_from_both_lines() {
        let n = facility_names("AIDS Action Coalition", "DBA Thrive Alabama");
        assert_eq!(
            (n.name.as_str(), n.organization.as_deref()),
            ("Thrive Alabama", Some("AIDS Action Coalition"))
        );
        let n = facility_names(
            "Park Place Behavioral Healthcare",
            "AKA Osceola Mental Health Inc",
        );
        assert_eq!(
            n.alternate_name.as_deref(),
            Some("Osceola Mental Health Inc")
        );
        assert_eq!(
            facility_names("Family Service and Guidance Ctr of", "Topeka Inc").name,
            "Family Service and Guidance Ctr of Topeka Inc"
        );
        assert_eq!(
            facility_names("Waterbury Hospital ", "").name,
            "Waterbury Hospital"
        );
    }

    #[test]
    fn each_file_is_detected_as_its_own_list() {
        for (file, dataset) in [
            (MH_FILE, Dataset::SamhsaMentalHealth),
            (SUD_FILE, Dataset::SamhsaSubstanceUse),
            (OTP_FILE, Dataset::SamhsaOpioidTreatment),
        ] {
            assert_eq!(
                detect_format(&fixture(file)).ok(),
                Some(Format::Dataset(dataset)),
                "{file}"
            );
        }
    }

    #[test]
    fn no_bundled_file_matches_another_lists_signature() {
        let fixtures =
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/resources");
        let entries = std::fs::read_dir(&fixtures).unwrap_or_else(|e| panic!("{e}"));
        let mut checked = 0;
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().and_then(|e| e.to_str()) != Some("csv") {
                continue;
            }
            let mut reader = csv::Reader::from_path(&path).unwrap_or_else(|e| panic!("{e}"));
            let header: Vec<String> = reader
                .headers()
                .unwrap_or_else(|e| panic!("{e}"))
                .iter()
                .map(|h| h.trim().to_owned())
                .collect();
            let matching: Vec<Dataset> = Dataset::ALL
                .into_iter()
                .filter(|d| {
                    d.signature()
                        .is_some_and(|sig| sig.iter().all(|c| header.contains(&c.to_string())))
                })
                .collect();
            let detected = Dataset::from_csv_header(&header);
            match detected {
                // The mental health header holds every substance use column; the longer signature wins.
                Some(Dataset::SamhsaMentalHealth) => {
                    assert_eq!(
                        matching,
                        vec![Dataset::SamhsaMentalHealth, Dataset::SamhsaSubstanceUse]
                    )
                }
                Some(d) => assert_eq!(matching, vec![d], "{}", path.display()),
                None => panic!("{} matches no signature", path.display()),
            }
            checked += 1;
        }
        assert_eq!(checked, 11);
    }

    #[test]
    fn reading_twice_gives_identical_services() {
        assert_eq!(mh().services, mh().services);
        assert_eq!(sud().services, sud().services);
        assert_eq!(otp().services, otp().services);
    }

    #[test]
    fn full_files_read_every_row() {
        let p = read_full_file(Dataset::SamhsaMentalHealth, MH_FILE);
        assert_eq!(p.rows_read, 11_375);
        assert!(p.services.len() > 11_000);
        let p = read_full_file(Dataset::SamhsaSubstanceUse, SUD_FILE);
        assert_eq!(p.rows_read, 14_034);
        assert!(p.services.len() > 14_000);
        let p = read_full_file(Dataset::SamhsaOpioidTreatment, OTP_FILE);
        assert_eq!(p.rows_read, 1_831);
        assert!(p.services.len() > 1_825);
    }
}
