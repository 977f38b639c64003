//! Tests of the HSDS 3.0 JSON shapes and of the export files.

use std::collections::HashSet;
use std::path::Path;

use serde_json::Value;

use super::*;
use crate::model::{
    Address, Attribute, CostOption, Coverage, Language, Metadata, ServiceArea, ServiceStatus,
    SourceRef, TaxonomyTerm,
};

/// A listing as the Miami 211 import stores it (trimmed), with one exact and
/// one approximate location and every kind of nested record.
fn sample() -> Service {
    let location = |id: &str, approximate: bool| Location {
        id: id.into(),
        name: Some("South Dade Government Center".into()),
        location_type: LocationType::Physical,
        latitude: Some(25.5712),
        longitude: Some(-80.3817),
        approximate,
        address: Some(Address {
            address_1: "10710 SW 211th Street".into(),
            city: "Miami".into(),
            state_province: "FL".into(),
            postal_code: "33189".into(),
            country: "US".into(),
            ..Address::default()
        }),
        phones: vec![Phone {
            number: "(305) 253-4841".into(),
            extension: Some("12".into()),
            kind: Some("voice".into()),
            description: None,
        }],
        schedules: vec![Schedule {
            freq: Some("WEEKLY".into()),
            byday: Some("MO,TU,WE,TH,FR".into()),
            opens_at: Some("08:00".into()),
            closes_at: Some("17:00".into()),
            ..Schedule::default()
        }],
        accessibility: vec!["Wheelchair accessible".into()],
        ..Location::default()
    };
    Service {
        id: "0b7a5d8e-3c1e-5f7a-9a55-2d7f3c1b9e01".into(),
        source: SourceRef {
            dataset: "miami-211-2019".into(),
            id: "136".into(),
        },
        organization: Organization {
            id: "4f5e0c2a-8d1b-5e3f-a6c7-1b2d3e4f5a60".into(),
            name: "Community Action and Human Services Department".into(),
            website: Some("http://www.miamidade.gov/socialservices/".into()),
            ..Organization::default()
        },
        name: "Emergency Food Assistance".into(),
        description: Some("Provides emergency food boxes to families in need.".into()),
        status: ServiceStatus::Active,
        eligibility_description: Some("Miami-Dade County residents".into()),
        minimum_age: Some(18),
        assured_date: Some("2019-03-01".into()),
        source_note: Some("2019 snapshot".into()),
        categories: vec![Category::Food],
        needs: Need::parse("food-insecurity").into_iter().collect(),
        taxonomy_terms: vec![TaxonomyTerm {
            code: "BD-1800.2000".into(),
            name: "Food Pantries".into(),
            taxonomy: "airs".into(),
        }],
        languages: vec![Language {
            name: "Spanish".into(),
            code: Some("es".into()),
        }],
        phones: vec![Phone {
            number: "(305) 756-2830".into(),
            ..Phone::default()
        }],
        schedules: vec![Schedule {
            description: Some("Call for hours".into()),
            interval: Some("1".into()),
            timezone: Some("America/New_York".into()),
            ..Schedule::default()
        }],
        service_areas: vec![ServiceArea {
            name: Some("Miami-Dade County".into()),
            description: None,
            coverage: vec![Coverage::County("12086".into())],
        }],
        attributes: vec![
            Attribute {
                tag: "accepts".into(),
                value: "Medicaid".into(),
            },
            Attribute {
                tag: REQUIRED_DOCUMENT.into(),
                value: "Photo ID".into(),
            },
        ],
        cost_options: vec![CostOption {
            option: Some("Free".into()),
            amount: Some(0.0),
            currency: Some("USD".into()),
            amount_description: None,
        }],
        locations: vec![
            location("6a1e4f1e-0c61-5a52-8f0e-0b8c7d4e3f21", false),
            location("7b2f5a2f-1d72-5b63-9a1f-1c9d8e5f4a32", true),
        ],
        metadata: vec![Metadata {
            last_action_date: "2026-01-05T10:00:00Z".into(),
            last_action_type: "verify".into(),
            field_name: "assured_date".into(),
            previous_value: "2018-03-01".into(),
            replacement_value: "2019-03-01".into(),
            updated_by: "u-1".into(),
        }],
        ..Service::default()
    }
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).expect("a JSON value serializes")
}

/// Every `id` in a JSON document, with the pointer where it is.
fn ids(value: &Value, at: &str, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(obj) => {
            for (key, item) in obj {
                let here = format!("{at}/{key}");
                if key == "id"
                    && let Some(id) = item.as_str()
                {
                    out.push((here.clone(), id.to_owned()));
                }
                ids(item, &here, out);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                ids(item, &format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn service_full_has_the_hsds_shape() {
    insta::assert_snapshot!("service_full", pretty(&service_full(&sample())));
}

#[test]
fn exporting_twice_gives_the_same_ids_and_every_object_has_its_own() {
    let service = sample();
    let first = service_full(&service);
    assert_eq!(first, service_full(&service));
    let mut found = Vec::new();
    ids(&first, "", &mut found);
    // Terms and taxonomies are shared by design; every other object is one of a kind.
    let mut seen: HashSet<&str> = HashSet::new();
    for (at, id) in &found {
        if at.contains("taxonomy") {
            continue;
        }
        assert!(Uuid::parse_str(id).is_ok(), "{at}: {id} is not a UUID");
        assert!(seen.insert(id), "{at}: id {id} is used twice");
    }
    assert!(seen.len() > 20, "{}", seen.len());
    // A different listing gets different ids for its parts.
    let mut other = service.clone();
    other.id = "1c8b6e9f-4d2f-5a8b-8b66-3e8a4d2c0f12".into();
    let mut other_ids = Vec::new();
    ids(&service_full(&other), "", &mut other_ids);
    let phone_id = |found: &[(String, String)]| {
        found
            .iter()
            .find(|(at, _)| at == "/phones/0/id")
            .map(|(_, id)| id.clone())
    };
    assert_ne!(phone_id(&found), phone_id(&other_ids));
}

#[test]
fn an_approximate_location_publishes_no_point() {
    let full = service_full(&sample());
    let exact = &full["service_at_locations"][0]["location"];
    let approximate = &full["service_at_locations"][1]["location"];
    assert_eq!(exact["latitude"], serde_json::json!(25.5712));
    assert_eq!(exact["longitude"], serde_json::json!(-80.3817));
    assert!(approximate.get("latitude").is_none(), "{approximate}");
    assert!(approximate.get("longitude").is_none(), "{approximate}");
    // The address, from which an importer places it at its ZIP centre again, stays.
    assert_eq!(approximate["addresses"][0]["postal_code"], "33189");
}

#[test]
fn minimal_and_organization_have_no_arrays_and_description_is_always_there() {
    let service = sample();
    let minimal = service_minimal(&service);
    let obj = minimal.as_object().expect("an object");
    assert!(obj.values().all(|v| !v.is_array() && !v.is_object()));
    assert_eq!(obj["status"], "active");
    assert_eq!(obj["organization_id"], service.organization.id.as_str());
    let org = organization(&service.organization);
    assert_eq!(org["description"], "");
    assert!(
        org.as_object()
            .expect("an object")
            .values()
            .all(|v| v.is_string())
    );
}

#[test]
fn attributes_carry_terms_facts_and_the_source_note() {
    let full = service_full(&sample());
    let attributes = full["attributes"].as_array().expect("an array");
    let terms: Vec<(&str, &str)> = attributes
        .iter()
        .filter(|a| a.get("value").is_none())
        .filter_map(|a| {
            let term = a.get("taxonomy_term")?;
            Some((term["taxonomy"].as_str()?, term["code"].as_str()?))
        })
        .collect();
    assert_eq!(
        terms,
        [
            ("airs", "BD-1800.2000"),
            (CATEGORY_TAXONOMY, "food"),
            (NEED_TAXONOMY, "food-insecurity")
        ]
    );
    let facts: Vec<(&str, &str)> = attributes
        .iter()
        .filter_map(|a| Some((a["link_type"].as_str()?, a["value"].as_str()?)))
        .collect();
    for a in attributes.iter().filter(|a| a.get("value").is_some()) {
        assert_eq!(a["taxonomy_term"]["taxonomy"], ATTRIBUTE_TAXONOMY);
        assert_eq!(a["taxonomy_term"]["name"], a["link_type"]);
    }
    assert_eq!(
        facts,
        [("accepts", "Medicaid"), (SOURCE_NOTE, "2019 snapshot")]
    );
    assert_eq!(full["required_documents"][0]["document"], "Photo ID");
    assert_eq!(full["service_areas"][0]["extent"], "county:12086");
    assert_eq!(full["service_areas"][0]["extent_type"], "text");
    // Numbers where HSDS has numbers, text where a number would change it.
    assert_eq!(full["schedules"][0]["interval"], serde_json::json!(1));
    assert_eq!(full["schedules"][0]["timezone"], "America/New_York");
    let location_phone = &full["service_at_locations"][0]["location"]["phones"][0];
    assert_eq!(location_phone["extension"], serde_json::json!(12));
}

#[test]
fn term_parents_follow_the_code_structure() {
    let parent = |taxonomy: &str, code: &str| parent_code(taxonomy, code);
    assert_eq!(parent("airs", "BD-1800.2000").as_deref(), Some("BD-1800"));
    assert_eq!(parent("airs", "BD-1800").as_deref(), Some("BD"));
    assert_eq!(parent("airs", "BD").as_deref(), Some("B"));
    assert_eq!(parent("airs", "B"), None);
    assert_eq!(
        parent("open-eligibility", "101-02-01").as_deref(),
        Some("101-02")
    );
    assert_eq!(parent("open-eligibility", "101-02").as_deref(), Some("101"));
    assert_eq!(parent("open-eligibility", "101"), None);
    // The bundled tree places this one under a sibling of its prefix.
    assert_eq!(
        parent("open-eligibility", "104-05-01").as_deref(),
        Some("104-04")
    );
    assert_eq!(parent("miami-211-2019", "Food - Pantry"), None);
    let term = Term::new("airs", "BD-1800.2000", "Food Pantries");
    assert_eq!(term.parent_id, Some(term_id("airs", "BD-1800")));
    assert_eq!(term.taxonomy_id, taxonomy_id("airs"));
    let json = term.to_json();
    assert_eq!(json["taxonomy_detail"]["name"], "airs");
    assert_eq!(json["description"], "Food Pantries");
}

#[test]
fn reference_terms_hold_the_open_eligibility_tree_categories_and_needs() {
    let terms = reference_terms();
    let ids: HashSet<&str> = terms.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids.len(), terms.len(), "term ids repeat");
    let find = |taxonomy: &str, code: &str| {
        terms
            .iter()
            .find(|t| t.taxonomy == taxonomy && t.code == code)
            .unwrap_or_else(|| panic!("no {taxonomy} term {code}"))
    };
    let cash = find("open-eligibility", "101-02");
    assert_eq!(cash.name, "Emergency Cash");
    assert_eq!(
        cash.parent_id,
        Some(find("open-eligibility", "101").id.clone())
    );
    // Every parent is in the list.
    for t in &terms {
        if let Some(parent) = &t.parent_id {
            assert!(ids.contains(parent.as_str()), "{t:?}");
        }
    }
    let oe = terms
        .iter()
        .filter(|t| t.taxonomy == "open-eligibility")
        .count();
    assert!(oe > 200, "{oe}");
    assert_eq!(
        terms
            .iter()
            .filter(|t| t.taxonomy == CATEGORY_TAXONOMY)
            .count(),
        Category::ALL.len()
    );
    assert_eq!(
        terms.iter().filter(|t| t.taxonomy == NEED_TAXONOMY).count(),
        Need::CODES.len()
    );
    assert_eq!(
        find(NEED_TAXONOMY, "food-insecurity").name,
        "Food Insecurity"
    );
}

#[test]
fn service_at_location_nests_the_service_only_when_full() {
    let service = sample();
    let location = &service.locations[0];
    let short = service_at_location(&service, location, false);
    assert_eq!(
        short["id"],
        service_at_location_id(&service.id, &location.id).as_str()
    );
    assert_eq!(short["location"]["id"], location.id.as_str());
    assert!(short.get("service").is_none());
    let full = service_at_location(&service, location, true);
    assert_eq!(full["service"]["name"], "Emergency Food Assistance");
    assert!(full["service"].get("service_at_locations").is_none());
}

#[derive(Debug, thiserror::Error)]
#[error("the store went away")]
struct Broken;

fn broken_after(n: usize) -> impl Iterator<Item = Result<Service, Broken>> {
    let service = sample();
    (0..=n).map(move |i| {
        if i < n {
            let mut s = service.clone();
            s.id = child_id("test", "service", &i.to_string());
            Ok(s)
        } else {
            Err(Broken)
        }
    })
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("the temp dir is readable")
        .map(|e| {
            e.expect("a directory entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

#[test]
fn ndjson_is_one_full_service_per_line() {
    let services = vec![Ok::<_, Broken>(sample()), Ok(sample())];
    let mut out = Vec::new();
    let summary = write_ndjson(services.into_iter(), &mut out).expect("written");
    let text = String::from_utf8(out).expect("UTF-8");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2);
    let first: Value = serde_json::from_str(lines[0]).expect("a JSON line");
    assert_eq!(first, service_full(&sample()));
    assert_eq!(
        summary,
        ExportSummary {
            services: 2,
            organizations: 1,
            locations: 2,
            bytes: text.len() as u64,
            incomplete_addresses: 0,
        }
    );
}

#[test]
fn a_failed_export_leaves_nothing_behind() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let file = dir.path().join("hearth.ndjson");
    let error = export_ndjson(&file, broken_after(3)).expect_err("the source fails");
    assert!(matches!(error, ExportError::Source(_)), "{error}");
    let package = dir.path().join("package");
    let error = export_csv_package(&package, broken_after(3)).expect_err("the source fails");
    assert!(matches!(error, ExportError::Source(_)), "{error}");
    assert_eq!(entries(dir.path()), Vec::<String>::new());

    // An earlier export stays as it was.
    export_ndjson(&file, broken_after(1).take(1)).expect("written");
    export_csv_package(&package, broken_after(1).take(1)).expect("written");
    let before = std::fs::read(&file).expect("the export");
    let services_before = std::fs::read(package.join("services.csv")).expect("the package");
    assert!(export_ndjson(&file, broken_after(2)).is_err());
    assert!(export_csv_package(&package, broken_after(2)).is_err());
    assert_eq!(std::fs::read(&file).expect("the export"), before);
    assert_eq!(
        std::fs::read(package.join("services.csv")).expect("the package"),
        services_before
    );
    assert_eq!(entries(dir.path()), ["hearth.ndjson", "package"]);

    // A directory that is not a package is not replaced.
    let other = dir.path().join("documents");
    std::fs::create_dir(&other).expect("created");
    std::fs::write(other.join("notes.txt"), "mine").expect("written");
    let error = export_csv_package(&other, broken_after(1).take(1)).expect_err("refused");
    assert!(matches!(error, ExportError::NotAPackage { .. }), "{error}");
    assert_eq!(entries(&other), ["notes.txt"]);
}

fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_path(path).expect("a CSV file");
    let header = reader
        .headers()
        .expect("a header")
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = reader
        .records()
        .map(|r| r.expect("a row").iter().map(str::to_owned).collect())
        .collect();
    (header, rows)
}

#[test]
fn the_package_writes_shared_records_once_and_differing_copies_apart() {
    let first = sample();
    let mut second = sample();
    second.id = "2d9c7fa0-5e30-5b9c-9c77-4f9b5e3d1a23".into();
    second.name = "Holiday Meals".into();
    // Same location id, but this copy was edited: it must not be lost or merged.
    second.locations[1].name = Some("South Dade Annex".into());
    // Same code, named differently by another source: both names are kept.
    second.taxonomy_terms[0].name = "Food Pantry".into();
    let dir = tempfile::tempdir().expect("a temp dir");
    let summary = write_csv_package(dir.path(), [Ok::<_, Broken>(first), Ok(second)].into_iter())
        .expect("written");
    assert_eq!(
        (summary.services, summary.organizations, summary.locations),
        (2, 1, 3)
    );
    let (header, organizations) = read_csv(&dir.path().join("organizations.csv"));
    assert_eq!(header, TABLES[ORGANIZATIONS_FOR_TEST].columns);
    assert_eq!(organizations.len(), 1);
    let (_, locations) = read_csv(&dir.path().join("locations.csv"));
    let names: Vec<&str> = locations.iter().map(|r| r[4].as_str()).collect();
    assert_eq!(
        names,
        [
            "South Dade Government Center",
            "South Dade Government Center",
            "South Dade Annex"
        ]
    );
    // The approximate one has no point in the table either.
    assert_eq!(
        (locations[1][8].as_str(), locations[1][9].as_str()),
        ("", "")
    );
    let location_ids: HashSet<&str> = locations.iter().map(|r| r[0].as_str()).collect();
    let (_, links) = read_csv(&dir.path().join("service_at_location.csv"));
    assert_eq!(links.len(), 4);
    assert!(links.iter().all(|r| location_ids.contains(r[2].as_str())));
    // Location phones once per location row; service phones once per service.
    let (_, phones) = read_csv(&dir.path().join("phones.csv"));
    assert_eq!(phones.len(), 3 + 2);
    let (_, terms) = read_csv(&dir.path().join("taxonomy_terms.csv"));
    let codes: Vec<&str> = terms.iter().map(|r| r[1].as_str()).collect();
    assert_eq!(
        codes,
        [
            "BD-1800.2000",
            "food",
            "food-insecurity",
            "accepts",
            SOURCE_NOTE,
            "BD-1800.2000"
        ]
    );
    let second_term = &terms[5];
    assert_eq!(second_term[2], "Food Pantry");
    assert_ne!(second_term[0], terms[0][0]);
    // BD-1800 is not in the package, so the term names no parent.
    assert_eq!(terms[0][4], "");
    let (_, taxonomies) = read_csv(&dir.path().join("taxonomies.csv"));
    assert_eq!(taxonomies.len(), 4);
    // Every attribute names a term of the package, as the tabular format requires.
    let (_, attributes) = read_csv(&dir.path().join("attributes.csv"));
    let term_ids: HashSet<&str> = terms.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(attributes.len(), 2 * 5);
    assert!(attributes.iter().all(|r| term_ids.contains(r[2].as_str())));
    let links_to = |term: &str| attributes.iter().filter(|r| r[2] == term).count();
    assert_eq!((links_to(&terms[0][0]), links_to(&second_term[0])), (1, 1));
    let manifest: Value = serde_json::from_slice(
        &std::fs::read(dir.path().join("datapackage.json")).expect("the manifest"),
    )
    .expect("JSON");
    assert_eq!(manifest["profile"], "tabular-data-package");
    assert_eq!(
        manifest["resources"].as_array().map(Vec::len),
        Some(TABLES.len())
    );
}

const ORGANIZATIONS_FOR_TEST: usize = 1;

#[test]
fn the_tables_have_the_spec_example_package_headers() {
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hsds3/csv");
    for table in &TABLES {
        let (header, _) = read_csv(&spec.join(table.file));
        assert_eq!(header, table.columns, "{}", table.file);
    }
}

#[test]
fn an_address_missing_a_field_hsds_asks_for_is_published_as_it_is() {
    let mut service = sample();
    if let Some(address) = service.locations[0].address.as_mut() {
        address.postal_code.clear();
    }
    let full = service_full(&service);
    let location = &full["service_at_locations"][0]["location"];
    let address = &location["addresses"][0];
    assert!(
        address["address_1"].is_string(),
        "the street is kept: {address}"
    );
    assert!(
        address.get("postal_code").is_none_or(|z| z == ""),
        "no made-up ZIP: {address}"
    );
    assert_eq!(incomplete_addresses(&service), 1);
    assert_eq!(location["latitude"], serde_json::json!(25.5712));
    assert_eq!(
        full["service_at_locations"][1]["location"]["addresses"][0]["postal_code"],
        "33189"
    );
}

/// Regression: exporting to `/dev/null` renamed the finished export over the
/// device node, replacing it with a regular file.
#[test]
fn a_target_that_is_not_a_regular_file_is_written_to_not_replaced() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().expect("a temp dir");
    let fifo = dir.path().join("pipe");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    let (sent, received) = std::sync::mpsc::channel();
    let reader = fifo.clone();
    std::thread::spawn(move || {
        let _ = sent.send(std::fs::read_to_string(&reader));
    });
    let summary = export_ndjson(&fifo, broken_after(2).take(2)).expect("written");
    let text = received
        .recv_timeout(std::time::Duration::from_secs(20))
        .expect("the export was written into the pipe")
        .expect("read");
    assert_eq!((summary.services, text.lines().count()), (2, 2));
    let kind = std::fs::symlink_metadata(&fifo)
        .expect("still there")
        .file_type();
    assert!(kind.is_fifo(), "{kind:?}");
    assert_eq!(entries(dir.path()), ["pipe"]);
    let error = export_ndjson(dir.path(), broken_after(1).take(1)).expect_err("a directory");
    assert!(error.to_string().contains("is a directory"), "{error}");
}
