//! `hearth validate` and the validation `hearth import` runs, as the real binary:
//! the spec's examples pass with warnings only, the broken fixtures
//! (`tests/fixtures/hsds3-broken/`) are reported line by line with file, row and
//! field and a non-zero exit, and an import of them keeps the valid services.

use std::path::Path;
use std::process::Output;

use crate::common::{fixture, hearth_at as hearth};

fn run(home: &Path, args: &[&str]) -> (Output, String, String) {
    let output = hearth(home).args(args).output().expect("running hearth");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output, stdout, stderr)
}

fn path(relative: &str) -> String {
    fixture(relative).display().to_string()
}

/// A Hearth home that does not exist: validation must not need (or make) one.
fn no_home() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("a temp dir");
    let home = dir.path().join("never-created");
    (dir, home)
}

#[test]
fn the_spec_examples_validate_with_warnings_only_and_without_a_hearth_home() {
    let (_dir, home) = no_home();
    let (output, stdout, stderr) = run(&home, &["validate", &path("hsds3/csv")]);
    assert!(output.status.success(), "{stdout}{stderr}");
    assert!(
        stdout.contains("0 errors, 8 warnings, 20 records checked (1 service)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("  locations.csv:2: warning: latitude: 100 is outside -90..90"),
        "{stdout}"
    );
    assert!(
        stdout.contains("  taxonomy_terms.csv:2: warning: taxonomy_id: \"07ff6aee-a219-438c-b694-d2fcb6c5373b\" is not the id of any row of taxonomies.csv"),
        "{stdout}"
    );

    let (output, stdout, stderr) = run(&home, &["validate", &path("hsds3/service_full.json")]);
    assert!(output.status.success(), "{stdout}{stderr}");
    assert!(
        stdout.contains("0 errors, 3 warnings, 1 record checked (1 service)"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "  service_full.json record 1: warning: service_at_locations[0].location.latitude: 100 is outside -90..90"
        ),
        "{stdout}"
    );
    assert!(!home.exists(), "validate made a Hearth home");
}

#[test]
fn the_broken_package_is_reported_by_file_row_and_field() {
    let (_dir, home) = no_home();
    let (output, stdout, stderr) = run(&home, &["validate", &path("hsds3-broken/csv")]);
    assert!(!output.status.success(), "{stdout}");
    for line in [
        "  services.csv:3: error: status: \"open\" is not an HSDS status (active, inactive, defunct, temporarily closed)",
        "  services.csv:4: error: name: missing; HSDS 3.0 requires one for a service",
        "  services.csv:5: error: organization_id: \"0e4b7c9d-5a1f-4e3b-8c2d-6f7a8b9c0d1e\" is not the id of any row of organizations.csv; add that organization or correct the id",
        "  services.csv:6: error: assured_date: \"31/02/2024\" is not a date; write it as YYYY-MM-DD",
        "  services.csv:7: error: id: \"ac148810-d857-441c-9679-408f346de14b\" is also the id of line 2; each row of services.csv needs its own id",
        "  locations.csv:3: warning: latitude: 123 is outside -90..90; give decimal degrees (WGS84) or leave it empty (the location is placed by its address meanwhile)",
        "5 errors, 1 warning, 16 records checked (7 services)",
    ] {
        assert!(
            stdout.lines().any(|l| l == line),
            "no line {line:?} in:\n{stdout}"
        );
    }
    // Services first, then the tables they link to.
    let services = stdout.find("services.csv:3").expect("services.csv");
    let locations = stdout.find("locations.csv:3").expect("locations.csv");
    assert!(services < locations, "{stdout}");
    assert!(
        stderr.contains("is not valid HSDS 3.0: 5 errors (in 4 service records)"),
        "{stderr}"
    );
    assert!(!home.exists(), "validate made a Hearth home");
}

#[test]
fn the_broken_json_is_reported_by_record_and_path() {
    let (_dir, home) = no_home();
    let (output, stdout, stderr) = run(&home, &["validate", &path("hsds3-broken/services.json")]);
    assert!(!output.status.success(), "{stdout}");
    for line in [
        "  services.json record 2: error: status: \"open\" is not an HSDS status (active, inactive, defunct, temporarily closed)",
        "  services.json record 2: error: assured_date: \"2024-13-01\" is not a date; write it as YYYY-MM-DD",
        "  services.json record 2: warning: service_at_locations[0].location.latitude: 123 is outside -90..90; give decimal degrees (WGS84) or leave it empty (the location is placed by its address meanwhile)",
        "  services.json record 3: error: last_modified: \"last Tuesday\" is not an RFC 3339 date-time; write it as 2024-03-15T10:30:00Z or with an offset (-05:00)",
        "  services.json record 3: warning: phones[0].type: \"mobile\" is not an HSDS phone type (text, voice, fax, cell, video, pager, textphone)",
        "  services.json record 3: error: service_at_locations[0].location.location_type: missing; HSDS 3.0 requires one for a location",
        "  services.json record 4: error: id: \"ac148810-d857-441c-9679-408f346de14b\" is also the id of record 1; each service needs its own id",
        "  services.json record 5: warning: email: \"reception at example.com\" does not look like an email address",
        "5 errors, 3 warnings, 5 records checked (5 services)",
    ] {
        assert!(
            stdout.lines().any(|l| l == line),
            "no line {line:?} in:\n{stdout}"
        );
    }
    assert!(
        stderr.contains("5 errors (in 2 service records)"),
        "{stderr}"
    );
}

#[test]
fn a_long_report_is_cut_per_file_unless_all_is_asked_for() {
    let (dir, home) = no_home();
    let package = dir.path().join("many");
    std::fs::create_dir(&package).expect("package dir");
    let mut services = String::from("id,name,status\n");
    for i in 0..30 {
        services.push_str(&format!("s{i},Pantry {i},open\n"));
    }
    std::fs::write(package.join("services.csv"), services).expect("services.csv");
    let package = package.display().to_string();

    let (output, stdout, _) = run(&home, &["validate", &package]);
    assert!(!output.status.success());
    let shown = stdout
        .lines()
        .filter(|l| l.contains(": error: status:"))
        .count();
    // Twenty lines: the header's warning (no organization_id column) and 19 errors.
    assert_eq!(shown, 19, "{stdout}");
    assert!(
        stdout.contains("  … 11 more in services.csv (11 errors, 0 warnings); --all lists them"),
        "{stdout}"
    );
    // The missing organization_id column is one warning, for the header.
    assert!(stdout.contains("30 errors, 1 warning"), "{stdout}");

    let (_, all, _) = run(&home, &["validate", &package, "--all"]);
    let shown = all
        .lines()
        .filter(|l| l.contains(": error: status:"))
        .count();
    assert_eq!(shown, 30, "{all}");
    assert!(!all.contains("--all lists them"), "{all}");
}

#[test]
fn only_hsds3_formats_are_validated() {
    let (_dir, home) = no_home();
    let (output, _, stderr) = run(&home, &["validate", &path("miami")]);
    assert!(!output.status.success());
    assert!(stderr.contains("this is hsds1-csv data"), "{stderr}");
    let (output, _, stderr) = run(
        &home,
        &["validate", &path("hsds3/csv"), "--format", "hsds1-csv"],
    );
    assert!(!output.status.success());
    assert!(stderr.contains("use hsds3-csv or hsds3-json"), "{stderr}");
    let (output, _, stderr) = run(&home, &["validate", "no/such/package"]);
    assert!(!output.status.success());
    assert!(
        stderr.contains("no/such/package: no such file or directory"),
        "{stderr}"
    );
}

#[test]
fn importing_the_broken_fixtures_keeps_the_valid_services_and_reports_the_rest() {
    let home = tempfile::tempdir().expect("a temp home");
    let (output, stdout, stderr) = run(
        home.path(),
        &["import", &path("hsds3-broken/csv"), "--all-skipped"],
    );
    assert!(output.status.success(), "{stdout}{stderr}");
    assert!(
        stdout.contains(
            "dataset hsds3-broken: 7 rows read, 2 imported, 0 updated, 0 unchanged, 5 skipped"
        ),
        "{stdout}"
    );
    for line in [
        "    skipped services.csv line 3: not valid HSDS 3.0: status: \"open\" is not an HSDS status (active, inactive, defunct, temporarily closed)",
        "    skipped services.csv line 4: no name",
        "    skipped services.csv line 5: not valid HSDS 3.0: organization_id: \"0e4b7c9d-5a1f-4e3b-8c2d-6f7a8b9c0d1e\" is not the id of any row of organizations.csv; add that organization or correct the id",
        "    skipped services.csv line 6: not valid HSDS 3.0: assured_date: \"31/02/2024\" is not a date; write it as YYYY-MM-DD",
        "    skipped services.csv line 7: same id \"ac148810-d857-441c-9679-408f346de14b\" as line 2; kept the first",
    ] {
        assert!(
            stdout.lines().any(|l| l == line),
            "no line {line:?} in:\n{stdout}"
        );
    }
    // The latitude of 123 is imported, with the reader's note.
    assert!(
        stdout.contains("locations.csv line 3: location \"7c2e9b14-3d5f-4a6b-8e1c-0f9d2a3b4c5d\": coordinates (123, -74.006) are outside the valid range"),
        "{stdout}"
    );

    let (output, stdout, stderr) = run(
        home.path(),
        &[
            "import",
            &path("hsds3-broken/services.json"),
            "--all-skipped",
        ],
    );
    assert!(output.status.success(), "{stdout}{stderr}");
    assert!(
        stdout.contains("5 rows read, 2 imported, 0 updated, 0 unchanged, 3 skipped"),
        "{stdout}"
    );
    assert!(
        stdout.contains("    skipped line 3: not valid HSDS 3.0: last_modified: \"last Tuesday\" is not an RFC 3339 date-time"),
        "{stdout}"
    );
    assert!(
        stdout.contains("service_at_locations[0].location.location_type: missing"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "      line 5: email: \"reception at example.com\" does not look like an email address"
        ),
        "{stdout}"
    );
}
