//! Importers on the committed fixtures: counts, skips, cleaning, idempotence, failures.

use crate::common::{TestApp, all_fixtures, enc, fixture};

fn rows_in_csv(path: &std::path::Path) -> u64 {
    let mut reader = csv::Reader::from_path(path).unwrap();
    reader.records().count() as u64
}

#[tokio::test]
async fn every_fixture_imports_with_a_report_per_file() {
    let app = TestApp::empty();
    let report = app.import(&all_fixtures()).unwrap();
    assert_eq!(report.sources.len(), all_fixtures().len());
    for source in &report.sources {
        let imported = source.inserted + source.updated + source.unchanged;
        assert!(imported > 0, "{} imported nothing", source.path.display());
        for skip in &source.skipped {
            assert!(
                !skip.reason.is_empty(),
                "{}: a skip without a reason",
                source.path.display()
            );
        }
        if source.path.is_file() {
            assert_eq!(
                imported + source.skipped.len() as u64,
                source.rows_read,
                "{}: every row is imported or skipped with a reason",
                source.path.display()
            );
        }
        if source.path.extension().is_some_and(|e| e == "csv") {
            assert_eq!(
                source.rows_read,
                rows_in_csv(&source.path),
                "{}",
                source.path.display()
            );
        }
    }
    assert_eq!(
        app.state.directory.listing_count() as u64,
        report.inserted()
    );
}

#[tokio::test]
async fn va_cemeteries_are_skipped_with_a_reason() {
    let app = TestApp::empty();
    let report = app
        .import(&[fixture("resources/va_facilities_fy2018.csv")])
        .unwrap();
    let va = &report.sources[0];
    assert_eq!(va.rows_read, 15);
    assert_eq!(va.inserted, 12, "3 of the 15 fixture rows are cemeteries");
    let rows: Vec<u64> = va.skipped.iter().map(|s| s.row).collect();
    // Fixture rows 11, 13 and 15 are file lines 12, 14 and 16 (the header is line 1).
    assert_eq!(rows, vec![12, 14, 16]);
    assert!(
        va.skipped
            .iter()
            .all(|s| s.reason.to_lowercase().contains("cemeter")),
        "{:?}",
        va.skipped
    );
}

#[tokio::test]
async fn reimporting_the_same_files_changes_nothing() {
    // Every reader: the lists, HSDS 1.x (Miami), HSDS 3.0 as CSV and as JSON.
    let mut sources = all_fixtures();
    sources.push(fixture("hsds3/csv"));
    sources.push(fixture("hsds3/service_full.json"));
    let app = TestApp::with(&sources);
    let count = app.state.directory.listing_count();
    let (_, seq_before) = app.state.directory.sequences().unwrap();
    let again = app.import(&sources).unwrap();
    assert_eq!(again.sources.len(), sources.len());
    assert_eq!(again.inserted(), 0);
    assert_eq!(again.updated(), 0);
    assert_eq!(again.reindexed, 0);
    assert_eq!(app.state.directory.listing_count(), count);
    let (indexed, seq_after) = app.state.directory.sequences().unwrap();
    assert_eq!(seq_after, seq_before, "identical records write nothing");
    assert_eq!(indexed, seq_after);
}

#[tokio::test]
async fn zips_lose_nothing_and_approximate_points_are_marked() {
    let app = TestApp::all();
    // SAMHSA mental health fixture row 1: zip "6708" (Waterbury, CT) must become 06708.
    let (_, body) = app
        .get_json(&format!(
            "/api/v1/search?q={}&near=06708&radius=5",
            enc("Perspectives Center")
        ))
        .await;
    let hit = &body["results"][0];
    assert!(hit["address"].as_str().unwrap().ends_with("06708"), "{hit}");

    // HUD PHA contacts have no coordinates: they sit at their ZIP centroid, marked approximate.
    let (_, body) = app
        .get_json("/api/v1/search?near=33101&radius=25&category=housing&limit=100")
        .await;
    let results = body["results"].as_array().unwrap();
    assert!(
        results.iter().any(|r| r["approximate"] == true),
        "some housing agencies are placed at ZIP centroids"
    );
    let mut checked = 0;
    for r in results.iter().filter(|r| r["approximate"] == true) {
        let (_, service) = app
            .get_json(&format!("/api/v1/services/{}", r["id"].as_str().unwrap()))
            .await;
        if service["source"]["dataset"] != "hud-pha-contacts" {
            continue;
        }
        let zip = service["locations"][0]["address"]["postal_code"]
            .as_str()
            .unwrap()
            .to_owned();
        let (_, centre) = app
            .get_json(&format!(
                "/api/v1/search?near={zip}&radius=1&category=housing&limit=100"
            ))
            .await;
        assert!(
            centre["results"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["id"] == r["id"] && c["distance_mi"].as_f64().unwrap() < 0.01),
            "{r} should sit at the centroid of {zip}"
        );
        checked += 1;
    }
    assert!(checked > 0, "no housing agency near Miami was checked");
}

#[tokio::test]
async fn a_file_that_cannot_be_read_fails_by_name_and_writes_nothing() {
    let app = TestApp::with(&[fixture("resources/va_facilities_fy2018.csv")]);
    let before = app.state.directory.listing_count();
    let dir = tempfile::tempdir().unwrap();

    // A list file cut off mid-row: the CSV reader finds the wrong number of fields.
    let source =
        std::fs::read_to_string(fixture("resources/hrsa_fqhc_sites_geocoded.csv")).unwrap();
    let mut lines: Vec<&str> = source.lines().collect();
    lines[5] = "Broken Row Health Center,FL";
    let broken = dir.path().join("hrsa_fqhc_sites_geocoded.csv");
    std::fs::write(&broken, lines.join("\n")).unwrap();
    let error = app
        .import(std::slice::from_ref(&broken))
        .unwrap_err()
        .to_string();
    assert!(error.contains("hrsa_fqhc_sites_geocoded.csv"), "{error}");
    assert_eq!(
        app.state.directory.listing_count(),
        before,
        "nothing from the broken file was written"
    );

    // A file of unknown shape: says so, and which formats exist.
    let unknown = dir.path().join("mystery.csv");
    std::fs::write(&unknown, "foo,bar\n1,2\n").unwrap();
    let error = app.import(&[unknown]).unwrap_err().to_string();
    assert!(
        error.contains("mystery.csv") && error.contains("--format"),
        "{error}"
    );
    assert_eq!(app.state.directory.listing_count(), before);
}

#[tokio::test]
async fn miami_text_is_cleaned_and_unplaced_locations_use_the_zip_centroid() {
    let app = TestApp::with(&[fixture("miami")]);
    let (status, body) = app
        .get_json("/api/v1/search?near=33101&radius=100&limit=100")
        .await;
    assert_eq!(status, 200);
    let results = body["results"].as_array().unwrap();
    assert!(
        results.len() >= 30,
        "most of the Miami slice is within 100 miles of Miami: {}",
        results.len()
    );
    assert!(
        results.iter().any(|r| r["approximate"] == true),
        "Miami locations without coordinates are placed approximately"
    );
    for r in results {
        let (_, service) = app
            .get_json(&format!("/api/v1/services/{}", r["id"].as_str().unwrap()))
            .await;
        let text = service.to_string();
        assert!(!text.contains("\\\\n"), "literal \\n left in {}", r["name"]);
        assert!(
            !text.contains("###"),
            "source markers left in {}",
            r["name"]
        );
        let state = &service["locations"][0]["address"]["state_province"];
        if !state.is_null() {
            assert_eq!(
                state.as_str().unwrap().trim(),
                state.as_str().unwrap(),
                "state is trimmed"
            );
        }
    }
}
