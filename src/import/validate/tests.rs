//! Tests of the validator: each rule on a small package or record, the spec's
//! examples, odd values, and what an import makes of the findings.

use std::path::Path;

use serde_json::{Value, json};

use super::rules::{is_byday, is_date, is_date_time, is_email, is_ical_date, is_time, is_uri};
use super::*;
use crate::import::test_support::{
    PackageTables, context, fixture, hostile_package, odd_json_values, odd_values,
};
use crate::import::{ReadOptions, read_source_with};

const SERVICES: &str = "id,organization_id,name,status\ns1,o1,Food Pantry,active\n";
const ORGANIZATIONS: &str = "id,name,description\no1,Example Org,A food bank\n";

/// A package of `tables` (file, text) in a temp dir; `services.csv` and
/// `organizations.csv` are valid ones unless given.
fn package(tables: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temp dir");
    for (file, text) in [
        ("services.csv", SERVICES),
        ("organizations.csv", ORGANIZATIONS),
    ]
    .into_iter()
    .chain(tables.iter().copied())
    {
        std::fs::write(dir.path().join(file), text).expect("writing a table");
    }
    dir
}

fn validate(dir: &Path) -> Validation {
    validate_path(dir).unwrap_or_else(|e| panic!("{e}"))
}

/// Each finding as `severity file:row: field: message`.
fn lines(validation: &Validation) -> Vec<String> {
    validation
        .findings
        .iter()
        .map(|f| format!("{} {f}", f.severity.name()))
        .collect()
}

/// The one finding for `field` at `location` (`services.csv:2`).
fn finding<'a>(validation: &'a Validation, location: &str, field: &str) -> &'a Finding {
    let found: Vec<&Finding> = validation
        .findings
        .iter()
        .filter(|f| f.location() == location && f.field == field)
        .collect();
    assert_eq!(
        found.len(),
        1,
        "{location} {field}: {:#?}",
        lines(validation)
    );
    found[0]
}

#[test]
fn the_spec_examples_have_no_errors_and_only_the_warnings_they_earn() {
    let csv = validate(&fixture("hsds3/csv"));
    assert!(csv.is_valid(), "{:#?}", lines(&csv));
    assert_eq!(csv.services_checked, 1);
    assert_eq!(csv.records_checked, 20);
    // The example's own breakages: ids that name nothing, latitude 100, an extent
    // typed geojson that is the word "extent".
    let warned: Vec<(String, &str)> = csv
        .findings
        .iter()
        .map(|f| (f.location(), f.field.as_str()))
        .collect();
    let expected = [
        ("organizations.csv:2", "parent_organization_id"),
        ("locations.csv:2", "latitude"),
        ("locations.csv:2", "organization_id"),
        ("service_areas.csv:2", "extent"),
        ("taxonomy_terms.csv:2", "parent_id"),
        ("taxonomy_terms.csv:2", "taxonomy_id"),
        ("contacts.csv:2", "organization_id"),
        ("contacts.csv:2", "service_at_location_id"),
    ];
    assert_eq!(
        warned,
        expected
            .iter()
            .map(|(l, f)| (l.to_string(), *f))
            .collect::<Vec<_>>()
    );
    // Longitude 101 is in range: only the latitude is wrong.
    assert!(csv.findings.iter().all(|f| f.field != "longitude"));

    let json = validate(&fixture("hsds3/service_full.json"));
    assert!(json.is_valid(), "{:#?}", lines(&json));
    assert_eq!(
        lines(&json),
        [
            "warning record 1: organization.locations[0].latitude: 100 is outside -90..90; give decimal degrees (WGS84) or leave it empty (the location is placed by its address meanwhile)",
            "warning record 1: service_areas[0].extent: is not a GeoJSON object though extent_type is geojson; give the area as GeoJSON or set extent_type to text",
            "warning record 1: service_at_locations[0].location.latitude: 100 is outside -90..90; give decimal degrees (WGS84) or leave it empty (the location is placed by its address meanwhile)",
        ]
    );
}

#[test]
fn required_fields_are_errors_and_descriptions_warnings() {
    let dir = package(&[
        (
            "services.csv",
            "id,organization_id,name,status\ns1,o1,,active\ns2,o1,Legal Aid,\n,o1,No Id,active\n",
        ),
        (
            "organizations.csv",
            "id,name,description\no1,Example Org,\n",
        ),
        (
            "addresses.csv",
            "id,location_id,address_1,city,state_province,postal_code,country,address_type\na1,,1 Main St,,FL,33101,US,physical\n",
        ),
    ]);
    let v = validate(dir.path());
    let name = finding(&v, "services.csv:2", "name");
    assert_eq!(
        (name.severity, name.check),
        (Severity::Error, Check::Required)
    );
    assert_eq!(name.message, "missing; HSDS 3.0 requires one for a service");
    assert_eq!(name.services, ["s1"]);
    // A blank status is taken as active: a warning.
    assert_eq!(
        finding(&v, "services.csv:3", "status").severity,
        Severity::Warning
    );
    // A row without an id belongs to no service.
    assert!(finding(&v, "services.csv:4", "id").services.is_empty());
    let description = finding(&v, "organizations.csv:2", "description");
    assert_eq!(description.severity, Severity::Warning);
    // Both services of the organization carry its warning.
    assert_eq!(description.services, ["s1", "s2"]);
    // An address without a city is still an address a client can use: kept, with a warning.
    let city = finding(&v, "addresses.csv:2", "city");
    assert_eq!(
        (city.severity, city.check),
        (Severity::Warning, Check::Required)
    );
    assert_eq!(
        city.message,
        "missing; HSDS 3.0 asks for one for an address"
    );
}

#[test]
fn a_missing_required_column_is_one_finding_for_the_header() {
    let dir = package(&[(
        "services.csv",
        "id,organization_id,name\ns1,o1,Food Pantry\ns2,o1,Legal Aid\n",
    )]);
    let v = validate(dir.path());
    // No status at all is a warning (Hearth takes such services as active) ...
    let status = finding(&v, "services.csv:1", "status");
    assert_eq!(status.severity, Severity::Warning);
    assert_eq!(
        status.message,
        "no \"status\" column; HSDS 3.0 asks every service row for one"
    );
    assert_eq!(v.errors(), 0, "{:#?}", lines(&v));
    // ... but no name column is an error for every service.
    let dir = package(&[(
        "services.csv",
        "id,organization_id,status\ns1,o1,active\ns2,o1,active\n",
    )]);
    let v = validate(dir.path());
    let name = finding(&v, "services.csv:1", "name");
    assert_eq!(name.severity, Severity::Error);
    assert_eq!(name.services, ["s1", "s2"]);
    assert_eq!(v.errors(), 1, "{:#?}", lines(&v));
}

#[test]
fn enumerated_values_are_checked() {
    let dir = package(&[
        (
            "services.csv",
            "id,organization_id,name,status\ns1,o1,A,open\ns2,o1,B,Active\ns3,o1,C,temporarily closed\n",
        ),
        (
            "locations.csv",
            "id,location_type\nl1,building\nl2,virtual\n",
        ),
        (
            "phones.csv",
            "id,service_id,number,type\np1,s3,305-555-0100,mobile\np2,s3,305-555-0101,fax\n",
        ),
        (
            "schedules.csv",
            "id,service_id,freq,wkst\nh1,s3,DAILY,MO\nh2,s3,MONTHLY,XX\n",
        ),
        (
            "service_areas.csv",
            "id,service_id,extent,extent_type\nsa1,s3,Miami-Dade,shapefile\n",
        ),
    ]);
    let v = validate(dir.path());
    let status = finding(&v, "services.csv:2", "status");
    assert_eq!(
        status.to_string(),
        "services.csv:2: status: \"open\" is not an HSDS status (active, inactive, defunct, temporarily closed)"
    );
    assert_eq!(status.severity, Severity::Error);
    let case = finding(&v, "services.csv:3", "status");
    assert_eq!(case.severity, Severity::Warning);
    assert_eq!(case.message, "\"Active\" should be written \"active\"");
    assert_eq!(
        finding(&v, "locations.csv:2", "location_type").severity,
        Severity::Error
    );
    // A phone type is a list the schema names but does not close: a warning.
    let phone = finding(&v, "phones.csv:2", "type");
    assert_eq!(phone.severity, Severity::Warning);
    assert!(
        phone.message.contains("HSDS phone type"),
        "{}",
        phone.message
    );
    assert_eq!(
        finding(&v, "schedules.csv:2", "freq").severity,
        Severity::Error
    );
    assert_eq!(
        finding(&v, "schedules.csv:3", "wkst").severity,
        Severity::Error
    );
    assert_eq!(
        finding(&v, "service_areas.csv:2", "extent_type").severity,
        Severity::Warning
    );
    assert!(
        v.findings.iter().all(|f| f.location() != "services.csv:4"
            && f.location() != "locations.csv:3"
            && f.location() != "phones.csv:3"),
        "{:#?}",
        lines(&v)
    );
}

#[test]
fn ids_that_name_nothing_are_found_and_tied_to_their_services() {
    let dir = package(&[
        (
            "services.csv",
            "id,organization_id,name,status\ns1,o1,Food Pantry,active\ns2,o9,Legal Aid,active\ns3,o1,Clinic,active\n",
        ),
        ("locations.csv", "id,location_type\nl1,physical\n"),
        (
            "service_at_location.csv",
            "id,service_id,location_id\nsl1,s1,l1\nsl2,s3,l9\nsl3,s9,l1\n",
        ),
        (
            "addresses.csv",
            "id,location_id,address_1,city,state_province,postal_code,country,address_type\na1,l7,1 Main St,Miami,FL,33101,US,physical\n",
        ),
        (
            "phones.csv",
            "id,service_id,location_id,number\np1,s8,,305-555-0100\np2,,l1,305-555-0101\n",
        ),
        (
            "attributes.csv",
            "id,link_id,taxonomy_term_id,link_entity\nat1,s1,t9,service\nat2,s7,t1,service\nat3,x,t1,link_entity\n",
        ),
        (
            "taxonomy_terms.csv",
            "id,name,description,parent_id,taxonomy_id\nt1,Food,Food,t0,tx9\n",
        ),
    ]);
    let v = validate(dir.path());
    let org = finding(&v, "services.csv:3", "organization_id");
    assert_eq!(
        (org.severity, org.check),
        (Severity::Error, Check::Reference)
    );
    assert_eq!(
        org.message,
        "\"o9\" is not the id of any row of organizations.csv; add that organization or correct the id"
    );
    assert_eq!(org.services, ["s2"]);
    let location = finding(&v, "service_at_location.csv:3", "location_id");
    assert_eq!(location.services, ["s3"]);
    // A link to a service the package lacks belongs to no service.
    assert!(
        finding(&v, "service_at_location.csv:4", "service_id")
            .services
            .is_empty()
    );
    assert!(
        finding(&v, "addresses.csv:2", "location_id")
            .services
            .is_empty()
    );
    assert_eq!(
        finding(&v, "phones.csv:2", "service_id").severity,
        Severity::Error
    );
    let term = finding(&v, "attributes.csv:2", "taxonomy_term_id");
    assert_eq!(
        (term.severity, term.services.as_slice()),
        (Severity::Error, &["s1".to_owned()][..])
    );
    assert_eq!(
        finding(&v, "attributes.csv:3", "link_id").severity,
        Severity::Error
    );
    // A link_entity that names no HSDS table is not followed.
    assert!(
        v.findings
            .iter()
            .all(|f| f.location() != "attributes.csv:4")
    );
    // A term's parent and taxonomy are only warnings: nothing is lost without them.
    for field in ["parent_id", "taxonomy_id"] {
        let f = finding(&v, "taxonomy_terms.csv:2", field);
        assert_eq!(f.severity, Severity::Warning);
    }
    let taxonomy = finding(&v, "taxonomy_terms.csv:2", "taxonomy_id");
    assert!(
        taxonomy
            .message
            .contains("the package has no taxonomies.csv"),
        "{}",
        taxonomy.message
    );
    // s1 by its attribute's term, s2 by its organization, s3 by its location;
    // the phone of a service the package lacks makes no service invalid.
    let invalid: Vec<&str> = v.invalid_services().into_keys().collect();
    assert_eq!(invalid, ["s1", "s2", "s3"]);
}

#[test]
fn rows_of_linked_tables_make_the_services_they_join_invalid() {
    let dir = package(&[
        (
            "services.csv",
            "id,organization_id,name,status\ns1,o1,Food Pantry,active\ns2,o1,Legal Aid,active\ns3,,Clinic,active\n",
        ),
        (
            "organizations.csv",
            "id,name,description\no1,,A food bank\n",
        ),
        (
            "locations.csv",
            "id,location_type\nl1,physical\nl2,physical\n",
        ),
        (
            "service_at_location.csv",
            "id,service_id,location_id\nsl1,s1,l1\nsl2,s3,l2\n",
        ),
        (
            "addresses.csv",
            "id,location_id,address_1,city,state_province,postal_code,country,address_type\na1,l2,1 Main St,Miami,FL,33101,US,home\n",
        ),
        (
            "schedules.csv",
            "id,service_id,location_id,service_at_location_id,opens_at\nh1,,l2,sl1,9am\n",
        ),
    ]);
    let v = validate(dir.path());
    // The organization without a name: both its services.
    assert_eq!(
        finding(&v, "organizations.csv:2", "name").services,
        ["s1", "s2"]
    );
    // The address of l2: the service at l2.
    assert_eq!(
        finding(&v, "addresses.csv:2", "address_type").services,
        ["s3"]
    );
    // A schedule belongs to the first owner it names (its service at location), as the reader files it.
    assert_eq!(finding(&v, "schedules.csv:2", "opens_at").services, ["s1"]);
    let invalid: Vec<&str> = v.invalid_services().into_keys().collect();
    assert_eq!(invalid, ["s1", "s2", "s3"]);
}

#[test]
fn duplicate_ids_are_errors_and_a_repeated_service_row_belongs_to_no_service() {
    let dir = package(&[
        (
            "services.csv",
            "id,organization_id,name,status\ns1,o1,Food Pantry,active\ns1,o1,Food Pantry again,open\n",
        ),
        (
            "locations.csv",
            "id,location_type\nl1,physical\nl1,postal\n",
        ),
        (
            "service_at_location.csv",
            "id,service_id,location_id\nsl1,s1,l1\n",
        ),
    ]);
    let v = validate(dir.path());
    let repeat = finding(&v, "services.csv:3", "id");
    assert_eq!(
        (repeat.severity, repeat.check),
        (Severity::Error, Check::Duplicate)
    );
    assert_eq!(
        repeat.message,
        "\"s1\" is also the id of line 2; each row of services.csv needs its own id"
    );
    // The repeated row's own errors do not make the first s1 invalid…
    assert!(finding(&v, "services.csv:3", "status").services.is_empty());
    assert_eq!(v.service_row("s1"), Some((Some("services.csv"), 2)));
    // …but a location id used twice makes the service at it ambiguous.
    assert_eq!(finding(&v, "locations.csv:3", "id").services, ["s1"]);
}

#[test]
fn coordinates_must_be_numbers_and_in_range() {
    let dir = package(&[(
        "locations.csv",
        "id,location_type,latitude,longitude\nl1,physical,123,-80.19\nl2,physical,north,-80.19\nl3,physical,25.77,-181\nl4,physical,-90,180\n",
    )]);
    let v = validate(dir.path());
    let range = finding(&v, "locations.csv:2", "latitude");
    assert_eq!(
        (range.severity, range.check),
        (Severity::Warning, Check::Coordinates)
    );
    assert!(
        range.message.starts_with("123 is outside -90..90"),
        "{}",
        range.message
    );
    assert_eq!(
        finding(&v, "locations.csv:3", "latitude").severity,
        Severity::Error
    );
    assert_eq!(
        finding(&v, "locations.csv:4", "longitude").severity,
        Severity::Warning
    );
    assert!(v.findings.iter().all(|f| f.location() != "locations.csv:5"));
}

#[test]
fn dates_and_times_must_parse() {
    let dir = package(&[
        (
            "services.csv",
            "id,organization_id,name,status,assured_date,last_modified\n\
             s1,o1,A,active,2024-02-30,yesterday\n\
             s2,o1,B,active,2024-02-29,2024-01-01T09:00:00-05:00\n\
             s3,o1,C,active,2024-05-01T10:00:00Z,2024-05-02\n",
        ),
        (
            "schedules.csv",
            "id,service_id,valid_from,valid_to,dtstart,until,opens_at,closes_at,byday\n\
             h1,s2,2024-01-01,2024-12-31,20240101,20241231T235959Z,09:00-05:00,24:00,\"MO,TU,1SA,-1FR\"\n\
             h2,s2,01/01/2024,2024-12-31,2024-01-01,soon,9am,25:00,Monday\n\
             h3,s2,,,,,9:00,17:30,\n",
        ),
        (
            "cost_options.csv",
            "id,service_id,valid_from,amount\nc1,s2,2024,ten\n",
        ),
    ]);
    let v = validate(dir.path());
    let assured = finding(&v, "services.csv:2", "assured_date");
    assert_eq!(
        assured.message,
        "\"2024-02-30\" is not a date; write it as YYYY-MM-DD"
    );
    assert_eq!(assured.severity, Severity::Error);
    let modified = finding(&v, "services.csv:2", "last_modified");
    assert_eq!(
        (modified.severity, modified.check),
        (Severity::Error, Check::Date)
    );
    // A date where a date-time belongs, or the other way round, is read right: a warning.
    for field in ["assured_date", "last_modified"] {
        let near = finding(&v, "services.csv:4", field);
        assert_eq!(near.severity, Severity::Warning, "{}", near.message);
    }
    assert_eq!(
        finding(&v, "services.csv:4", "last_modified").message,
        "\"2024-05-02\" is a date without a time; HSDS 3.0 wants a date-time such as 2024-03-15T00:00:00Z"
    );
    assert!(
        v.findings
            .iter()
            .all(|f| f.location() != "services.csv:3" && f.location() != "schedules.csv:2"),
        "{:#?}",
        lines(&v)
    );
    for field in ["valid_from", "until"] {
        assert_eq!(
            finding(&v, "schedules.csv:3", field).severity,
            Severity::Error,
            "{field}"
        );
    }
    // Hours that cannot be read are kept as the schedule's words: warnings.
    for field in ["opens_at", "closes_at", "byday"] {
        assert_eq!(
            finding(&v, "schedules.csv:3", field).severity,
            Severity::Warning,
            "{field}"
        );
    }
    assert_eq!(
        finding(&v, "schedules.csv:3", "opens_at").check,
        Check::Time
    );
    let one_digit = finding(&v, "schedules.csv:4", "opens_at");
    assert_eq!(
        (one_digit.severity, one_digit.message.as_str()),
        (
            Severity::Warning,
            "\"9:00\" has a one-digit hour; write it as HH:MM (09:00)"
        )
    );
    assert_eq!(
        finding(&v, "cost_options.csv:2", "valid_from").severity,
        Severity::Error
    );
    assert_eq!(
        finding(&v, "cost_options.csv:2", "amount").severity,
        Severity::Warning
    );
}

#[test]
fn ages_are_numbers_of_years_in_order() {
    let dir = package(&[(
        "services.csv",
        "id,organization_id,name,status,minimum_age,maximum_age\n\
         s1,o1,A,active,twelve,\n\
         s2,o1,B,active,-1,10\n\
         s3,o1,C,active,30,18\n\
         s4,o1,D,active,0,17.5\n",
    )]);
    let v = validate(dir.path());
    assert_eq!(
        finding(&v, "services.csv:2", "minimum_age").message,
        "\"twelve\" is not a number of years"
    );
    assert!(
        finding(&v, "services.csv:3", "minimum_age")
            .message
            .contains("negative")
    );
    assert_eq!(
        finding(&v, "services.csv:4", "minimum_age").message,
        "30 is above maximum_age 18; swap them or correct one"
    );
    assert!(v.findings.iter().all(|f| f.location() != "services.csv:5"));
    assert_eq!(v.invalid_services().len(), 3);
}

#[test]
fn emails_and_urls_of_the_wrong_shape_are_warnings() {
    let dir = package(&[(
        "services.csv",
        "id,organization_id,name,status,email,url\n\
         s1,o1,A,active,info at example.org,www.example.org\n\
         s2,o1,B,active,info@example.org,https://example.org/food\n",
    )]);
    let v = validate(dir.path());
    let email = finding(&v, "services.csv:2", "email");
    assert_eq!(
        (email.severity, email.check),
        (Severity::Warning, Check::Email)
    );
    let url = finding(&v, "services.csv:2", "url");
    assert_eq!((url.severity, url.check), (Severity::Warning, Check::Url));
    assert!(v.is_valid());
    assert!(v.findings.iter().all(|f| f.location() != "services.csv:3"));
}

#[test]
fn a_table_that_cannot_be_read_is_a_finding_and_the_rest_is_checked() {
    let dir = package(&[
        ("phones.csv", "id,service_id,number\np1,s1\n"),
        ("locations.csv", "id,location_type\nl1,castle\n"),
    ]);
    let v = validate(dir.path());
    let phones = finding(&v, "phones.csv:2", "(table)");
    assert_eq!(
        (phones.severity, phones.check),
        (Severity::Error, Check::Shape)
    );
    finding(&v, "locations.csv:2", "location_type");
    let missing = tempfile::tempdir().expect("a temp dir");
    assert!(matches!(
        validate_as(missing.path(), Some(Format::Hsds3Csv)),
        Err(ImportError::Invalid { .. })
    ));
    // HSDS 1.x is not what validate checks.
    let e = validate_path(&fixture("miami"))
        .err()
        .map(|e| e.to_string());
    assert!(
        e.as_deref().is_some_and(|e| e.contains("hsds1-csv")),
        "{e:?}"
    );
}

#[test]
fn a_package_in_a_data_folder_is_found() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let data = dir.path().join("data");
    std::fs::create_dir(&data).expect("data/");
    std::fs::write(
        data.join("services.csv"),
        "id,organization_id,name,status\ns1,,Food Pantry,open\n",
    )
    .expect("services.csv");
    let v = validate(dir.path());
    finding(&v, "services.csv:2", "status");
    // Without organization_id the service stands for itself: a warning only.
    assert_eq!(
        finding(&v, "services.csv:2", "organization_id").severity,
        Severity::Warning
    );
}

// ---------------------------------------------------------------------------
// JSON
// ---------------------------------------------------------------------------

fn spec_record() -> Value {
    let text = std::fs::read_to_string(fixture("hsds3/service_full.json")).expect("the spec JSON");
    serde_json::from_str(&text).expect("the spec JSON parses")
}

#[test]
fn a_json_record_is_checked_with_the_path_of_every_field() {
    let mut record = spec_record();
    record["status"] = json!("open");
    record["service_at_locations"][0]["location"]["latitude"] = json!(123);
    record["service_at_locations"][0]["location"]
        .as_object_mut()
        .expect("an object")
        .remove("location_type");
    record["phones"][0]["number"] = json!("");
    record["schedules"][0]["opens_at"] = json!("10am");
    record["organization"]["name"] = json!({"en": "Example"});
    record["languages"] = json!(["Urdu"]);
    let findings = validate_service_value(&record, 7);
    let got: Vec<String> = findings
        .iter()
        .map(|f| format!("{} {}", f.severity.name(), f))
        .collect();
    for expected in [
        "error record 7: status: \"open\" is not an HSDS status (active, inactive, defunct, temporarily closed)",
        "error record 7: service_at_locations[0].location.location_type: missing; HSDS 3.0 requires one for a location",
        "warning record 7: service_at_locations[0].location.latitude: 123 is outside -90..90; give decimal degrees (WGS84) or leave it empty (the location is placed by its address meanwhile)",
        "error record 7: phones[0].number: missing; HSDS 3.0 requires one for a phone",
        "warning record 7: schedules[0].opens_at: \"10am\" is not a time of day; write it as HH:MM (24-hour), with Z or an offset such as 09:00-05:00",
        "error record 7: organization.name: is an object; HSDS 3.0 wants a single value here",
        "error record 7: languages[0]: is not an object; HSDS 3.0 lists objects here",
    ] {
        assert!(
            got.iter().any(|g| g == expected),
            "no {expected:?} in {got:#?}"
        );
    }
    assert!(
        findings
            .iter()
            .all(|f| f.services == ["ac148810-d857-441c-9679-408f346de14b"])
    );
    // The ids the tabular form needs are not asked of nested JSON.
    assert!(findings.iter().all(|f| !f.field.ends_with("service_id")));

    let not_an_object = validate_service_value(&json!(7), 2);
    assert_eq!(not_an_object.len(), 1);
    assert_eq!(
        not_an_object[0].to_string(),
        "record 2: (record): is not a JSON object; each record must be one service object"
    );
    let bare = validate_service_value(&json!({"id": "s1", "name": "Pantry"}), 1);
    assert_eq!(bare.len(), 1, "{bare:#?}");
    assert_eq!(bare[0].field, "status");
}

#[test]
fn json_files_in_every_form_are_validated_by_record() {
    let record = spec_record();
    let mut broken = record.clone();
    broken["id"] = json!("second");
    broken["status"] = json!("closed");
    let compact = |v: &Value| serde_json::to_string(v).expect("JSON");
    let dir = tempfile::tempdir().expect("a temp dir");
    for (name, body) in [
        (
            "array.json",
            format!("[{},{}]", compact(&record), compact(&broken)),
        ),
        (
            "lines.ndjson",
            format!("{}\n{}\n", compact(&record), compact(&broken)),
        ),
        (
            "page.json",
            format!(
                "{{\"total_items\":2,\"page_number\":1,\"contents\":[{},{}]}}",
                compact(&record),
                compact(&broken)
            ),
        ),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, body).expect("writing JSON");
        let v = validate_as(&path, Some(Format::Hsds3Json)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(v.records_checked, 2, "{name}");
        let errors: Vec<String> = v
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .map(|f| f.to_string())
            .collect();
        assert_eq!(
            errors,
            [
                "record 2: status: \"closed\" is not an HSDS status (active, inactive, defunct, temporarily closed)"
            ],
            "{name}"
        );
        assert_eq!(v.service_row("second"), Some((None, 2)));
    }
    // The same id twice: the second record is the error, and no service's.
    let path = dir.path().join("twice.json");
    std::fs::write(
        &path,
        format!("[{},{}]", compact(&record), compact(&record)),
    )
    .expect("JSON");
    let v = validate_as(&path, None).unwrap_or_else(|e| panic!("{e}"));
    let repeat = finding(&v, "record 2", "id");
    assert_eq!(repeat.check, Check::Duplicate);
    assert!(v.invalid_services().is_empty());
    // JSON that does not parse names its record.
    std::fs::write(&path, "{\"id\":\"a\"}\n{\"id\":").expect("JSON");
    assert!(matches!(
        validate_as(&path, None),
        Err(ImportError::Json { record: 2, .. })
    ));
}

/// Odd values in every column of the spec package, and of every type in the
/// spec JSON: no panic, and each bad value is found.
#[test]
fn no_odd_value_makes_the_validator_panic() {
    let (_dir, root) = hostile_package(
        "hsds3/csv",
        PackageTables {
            addresses: "addresses.csv",
            service_at_location: "service_at_location.csv",
            schedules: "schedules.csv",
        },
    );
    let v = validate(&root);
    assert!(v.errors() > 100, "{}", v.errors());
    assert!(v.records_checked > 300);

    let base = spec_record();
    for value in odd_values("10:00")
        .into_iter()
        .map(Value::String)
        .chain(odd_json_values())
    {
        for pointer in [
            "/status",
            "/minimum_age",
            "/schedules/0/byday",
            "/schedules/0/opens_at",
            "/service_at_locations/0/location",
            "/service_at_locations/0/location/latitude",
            "/organization",
            "/phones",
            "/service_areas/0/extent",
        ] {
            let mut record = base.clone();
            if let Some(slot) = record.pointer_mut(pointer) {
                *slot = value.clone();
            }
            validate_service_value(&record, 1);
        }
    }
}

// ---------------------------------------------------------------------------
// Single values
// ---------------------------------------------------------------------------

#[test]
fn value_shapes() {
    for good in [
        "09:00",
        "10:00:00",
        "23:59",
        "24:00",
        "09:00Z",
        "09:00-05:00",
        "09:00+0530",
        "10:00:00.000Z",
    ] {
        assert!(is_time(good), "{good}");
    }
    for bad in [
        "9am",
        "9:00",
        "25:00",
        "24:30",
        "12:60",
        "",
        "09:00-25:00",
        "İ0:00",
        "10",
    ] {
        assert!(!is_time(bad), "{bad}");
    }
    assert!(is_date("2024-02-29") && !is_date("2023-02-29") && !is_date("2024-1-5"));
    assert!(is_date_time("2023-03-15T10:30:45.123Z") && !is_date_time("2023-03-15"));
    for good in [
        "2024-01-01",
        "20240101",
        "20240101T090000Z",
        "2024-01-01T09:00:00Z",
    ] {
        assert!(is_ical_date(good), "{good}");
    }
    assert!(!is_ical_date("next week") && !is_ical_date("2024"));
    assert!(is_email("a@b.org") && is_email("mailto:a@b.org"));
    for bad in ["a at b.org", "@b.org", "a@b", "a@b@c.org", "a b@c.org"] {
        assert!(!is_email(bad), "{bad}");
    }
    for good in [
        "http://example.com",
        "https://x.org/a?b",
        "mailto:a@b.org",
        "urn:isbn:1",
    ] {
        assert!(is_uri(good), "{good}");
    }
    for bad in [
        "www.example.com",
        "http://",
        "https:///path",
        "example",
        "http://a b",
    ] {
        assert!(!is_uri(bad), "{bad}");
    }
    for good in ["MO", "MO,TU", "1SA", "-1FR", "+2MO", "TH, FR"] {
        assert!(is_byday(good), "{good}");
    }
    for bad in ["Monday", "0MO", "MO,", "60SU", "İİ", ""] {
        assert!(!is_byday(bad), "{bad}");
    }
}

// ---------------------------------------------------------------------------
// What an import makes of the findings
// ---------------------------------------------------------------------------

fn read(path: &Path) -> ParsedSource {
    read_source_with(context(), path, &ReadOptions::default()).unwrap_or_else(|e| panic!("{e}"))
}

fn reasons(rows: &[SkippedRow]) -> Vec<(Option<&str>, u64, &str)> {
    rows.iter()
        .map(|r| (r.file.as_deref(), r.row, r.reason.as_str()))
        .collect()
}

#[test]
fn an_import_skips_invalid_services_with_located_reasons() {
    let parsed = read(&fixture("hsds3-broken/csv"));
    let names: Vec<&str> = parsed.services.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["Community Counselling", "Counselling at the Annex"]);
    assert_eq!(
        reasons(&parsed.skipped),
        [
            (
                Some("services.csv"),
                3,
                "not valid HSDS 3.0: status: \"open\" is not an HSDS status (active, inactive, defunct, temporarily closed)"
            ),
            // The reader's own reason (the validator's "name: missing" says the same).
            (Some("services.csv"), 4, "no name"),
            (
                Some("services.csv"),
                5,
                "not valid HSDS 3.0: organization_id: \"0e4b7c9d-5a1f-4e3b-8c2d-6f7a8b9c0d1e\" is not the id of any row of organizations.csv; add that organization or correct the id"
            ),
            (
                Some("services.csv"),
                6,
                "not valid HSDS 3.0: assured_date: \"31/02/2024\" is not a date; write it as YYYY-MM-DD"
            ),
            // The reader's own reason, said once.
            (
                Some("services.csv"),
                7,
                "same id \"ac148810-d857-441c-9679-408f346de14b\" as line 2; kept the first"
            ),
        ]
    );
    // The latitude of 123 is the reader's note alone (it says what it did about it).
    assert_eq!(parsed.notes.len(), 1, "{:#?}", parsed.notes);
    assert_eq!(
        (parsed.notes[0].file.as_deref(), parsed.notes[0].row),
        (Some("locations.csv"), 3)
    );
    assert!(
        parsed.notes[0]
            .reason
            .contains("coordinates (123, -74.006) are outside the valid range")
    );
    assert!(!parsed.notes[0].reason.contains("latitude: 123"));

    let json = read(&fixture("hsds3-broken/services.json"));
    let names: Vec<&str> = json.services.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["Community Counselling", "Counselling at the Annex"]);
    let skipped = reasons(&json.skipped);
    assert_eq!(skipped.len(), 3, "{skipped:#?}");
    assert_eq!(skipped[0].1, 2);
    assert!(
        skipped[0].2.contains("status: \"open\""),
        "{}",
        skipped[0].2
    );
    assert!(
        skipped[0].2.contains("assured_date: \"2024-13-01\""),
        "{}",
        skipped[0].2
    );
    assert!(
        skipped[1]
            .2
            .contains("service_at_locations[0].location.location_type: missing"),
        "{}",
        skipped[1].2
    );
    assert!(skipped[2].2.starts_with("same id"), "{}", skipped[2].2);
    assert_eq!(
        reasons(&json.notes),
        [(
            None,
            5,
            "email: \"reception at example.com\" does not look like an email address"
        )]
    );
}

#[test]
fn an_error_in_a_linked_row_skips_its_services_and_says_where_it_is() {
    let dir = package(&[
        (
            "services.csv",
            "id,organization_id,name,status\ns1,o1,Food Pantry,active\ns2,o1,Legal Aid,active\n",
        ),
        ("locations.csv", "id,location_type\nl1,castle\n"),
        (
            "service_at_location.csv",
            "id,service_id,location_id\nsl1,s2,l1\n",
        ),
    ]);
    let parsed = read(dir.path());
    assert_eq!(parsed.services.len(), 1);
    assert_eq!(parsed.services[0].source.id, "s1");
    assert_eq!(
        reasons(&parsed.skipped),
        [(
            Some("services.csv"),
            3,
            "not valid HSDS 3.0: locations.csv line 2: location_type: \"castle\" is not an HSDS location_type (physical, postal, virtual)"
        )]
    );
    assert!(parsed.notes.is_empty(), "{:#?}", parsed.notes);
}

/// A row the reader skips for having no name is reported once, with what else is wrong with it;
/// warnings on an imported row join the reader's note for that row.
#[test]
fn an_import_says_each_thing_once_and_one_note_per_row() {
    let dir = package(&[(
        "services.csv",
        "id,organization_id,name,status,email,url\n\
         s1,o1,,open,,\n\
         s2,o1,Legal Aid,active,help at legal.org,see our site\n",
    )]);
    let parsed = read(dir.path());
    assert_eq!(
        reasons(&parsed.skipped),
        [(
            Some("services.csv"),
            2,
            "no name; status: \"open\" is not an HSDS status (active, inactive, defunct, temporarily closed)"
        )]
    );
    assert_eq!(parsed.notes.len(), 1, "{:#?}", parsed.notes);
    let note = &parsed.notes[0].reason;
    // The reader's note on the website, then the email warning; the URL warning is the reader's note.
    assert!(
        note.starts_with("website \"see our site\" is not an http(s) address; left out"),
        "{note}"
    );
    assert!(
        note.ends_with("email: \"help at legal.org\" does not look like an email address"),
        "{note}"
    );
    assert!(!note.contains("url:"), "{note}");
}
