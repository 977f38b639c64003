//! `hearth export`: HSDS 3.0 NDJSON and tabular package, through the real
//! command line, imported back into an empty Hearth.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use clap::Parser;
use hearth::cli::Cli;
use hearth::export::hsds::TABLES;
use hearth::model::{Service, ServiceStatus};
use serde_json::Value;
use tempfile::TempDir;

use crate::common::{TestApp, all_fixtures, fixture};

/// Every fixture, plus listings that are not active.
fn sources() -> Vec<PathBuf> {
    let mut paths = all_fixtures();
    paths.push(fixture("hsds-export/closed-listings.json"));
    paths
}

/// Runs `hearth --dir HOME ARGS...` as the binary would.
fn hearth(home: &Path, args: &[&str]) -> anyhow::Result<()> {
    let mut argv: Vec<String> = vec!["hearth".into(), "--dir".into(), home.display().to_string()];
    argv.extend(args.iter().map(|a| (*a).to_owned()));
    Cli::try_parse_from(argv)?.run()
}

fn path_str(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// A Hearth home with every source imported, closed (as `hearth export` wants
/// it), and the listings it held.
struct Exported {
    home: TempDir,
    services: Vec<Service>,
    searches: Vec<Vec<String>>,
}

/// Searches whose results must be the same after a round trip: text, place,
/// category, need, and what the source note says.
const SEARCHES: [&str; 11] = [
    "q=food",
    "q=housing&near=33136&radius=25",
    "near=33101&radius=100",
    "category=health&near=06708&radius=50",
    "q=library",
    "q=veterans",
    "q=opioid+treatment",
    "q=mental+health&near=33136&radius=50",
    "category=housing&near=20001&radius=25",
    "q=salvation+army",
    "q=substance+abuse",
];

/// The names of every result of a search, sorted (listings the same in every
/// way but their ids may be ranked either way round).
async fn result_names(app: &TestApp, query: &str) -> Vec<String> {
    let mut names = Vec::new();
    loop {
        let (status, body) = app
            .get_json(&format!(
                "/api/v1/search?{query}&limit=100&offset={}",
                names.len()
            ))
            .await;
        assert_eq!(status, 200, "{query}: {body}");
        let page = body["results"].as_array().unwrap();
        if page.is_empty() {
            assert_eq!(
                names.len() as u64,
                body["total"].as_u64().unwrap(),
                "{query}"
            );
            break;
        }
        names.extend(page.iter().map(|r| r["name"].as_str().unwrap().to_owned()));
    }
    names.sort();
    names
}

async fn all_searches(app: &TestApp) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for query in SEARCHES {
        out.push(result_names(app, query).await);
    }
    out
}

async fn exported_home() -> Exported {
    let app = TestApp::with(&sources());
    let services: Vec<Service> = app
        .state
        .directory
        .services()
        .collect::<Result<_, _>>()
        .unwrap();
    let searches = all_searches(&app).await;
    let TestApp { home, state } = app;
    drop(state);
    Exported {
        home,
        services,
        searches,
    }
}

/// A listing with what a round trip may change cleared: its ids and source
/// (Hearth ids derive from the dataset name), its change history (metadata
/// are published but not imported). Attributes are compared as a set: required
/// documents come back in their own table.
fn comparable(service: &Service) -> Value {
    let mut s = service.clone();
    s.id.clear();
    s.source = Default::default();
    s.organization.id.clear();
    for location in &mut s.locations {
        location.id.clear();
    }
    s.metadata.clear();
    s.attributes
        .sort_by(|a, b| (&a.tag, &a.value).cmp(&(&b.tag, &b.value)));
    serde_json::to_value(&s).unwrap()
}

/// Every field that differs between the original listings and their copies,
/// matched by the copy's source id (the original's id).
fn differences(originals: &[Service], copies: &[Service]) -> Vec<String> {
    let by_source: HashMap<&str, &Service> =
        copies.iter().map(|s| (s.source.id.as_str(), s)).collect();
    let mut out = Vec::new();
    for original in originals {
        let Some(copy) = by_source.get(original.id.as_str()) else {
            out.push(format!("{} ({}): not imported", original.name, original.id));
            continue;
        };
        let (a, b) = (comparable(original), comparable(copy));
        let (a, b) = (a.as_object().unwrap(), b.as_object().unwrap());
        let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
        for key in keys {
            if a.get(key) != b.get(key) {
                out.push(format!(
                    "{} [{}] {key}: {} → {}",
                    original.name,
                    original.source.dataset,
                    a.get(key).unwrap_or(&Value::Null),
                    b.get(key).unwrap_or(&Value::Null)
                ));
            }
        }
    }
    out
}

fn copies_of(app: &TestApp) -> Vec<Service> {
    app.state
        .directory
        .services()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[tokio::test]
async fn an_export_imports_back_as_the_same_listings_and_search_results() {
    let exported = exported_home().await;
    assert!(
        exported
            .services
            .iter()
            .any(|s| s.status != ServiceStatus::Active)
    );
    let out = tempfile::tempdir().unwrap();
    let json = out.path().join("hearth-export.json");
    let package = out.path().join("hearth-export");
    hearth(
        exported.home.path(),
        &["export", "--all", "--format", "hsds-json", path_str(&json)],
    )
    .unwrap();
    hearth(
        exported.home.path(),
        &[
            "export",
            "--all",
            "--format",
            "hsds-csv",
            path_str(&package),
        ],
    )
    .unwrap();

    for export in [&json, &package] {
        let copy = TestApp::with(std::slice::from_ref(export));
        let copies = copies_of(&copy);
        assert_eq!(
            copies.len(),
            exported.services.len(),
            "{}: every listing is imported once",
            export.display()
        );
        let diffs = differences(&exported.services, &copies);
        assert!(
            diffs.is_empty(),
            "{}: {} differences:\n{}",
            export.display(),
            diffs.len(),
            diffs.join("\n")
        );
        let searches = all_searches(&copy).await;
        for ((query, before), after) in SEARCHES.iter().zip(&exported.searches).zip(&searches) {
            assert!(!before.is_empty(), "{query} finds something");
            assert_eq!(before, after, "{}: {query}", export.display());
        }
    }
}

fn ndjson_lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn read_csv(path: &Path) -> (Vec<String>, Vec<BTreeMap<String, String>>) {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = reader
        .records()
        .map(|r| {
            header
                .iter()
                .cloned()
                .zip(r.unwrap().iter().map(str::to_owned))
                .collect()
        })
        .collect();
    (header, rows)
}

#[tokio::test]
async fn only_active_listings_unless_all_and_no_point_for_approximate_locations() {
    let exported = exported_home().await;
    let home = exported.home.path();
    let out = tempfile::tempdir().unwrap();
    let active = out.path().join("active.ndjson");
    let every = out.path().join("every.ndjson");
    hearth(
        home,
        &["export", "--format", "hsds-json", path_str(&active)],
    )
    .unwrap();
    hearth(
        home,
        &["export", "--format", "hsds-json", "--all", path_str(&every)],
    )
    .unwrap();
    let active_count = exported
        .services
        .iter()
        .filter(|s| s.status == ServiceStatus::Active)
        .count();
    assert!(active_count < exported.services.len());
    let active_lines = ndjson_lines(&active);
    assert_eq!(active_lines.len(), active_count);
    assert!(active_lines.iter().all(|s| s["status"] == "active"));
    let every_lines = ndjson_lines(&every);
    assert_eq!(every_lines.len(), exported.services.len());
    let statuses: std::collections::BTreeSet<&str> = every_lines
        .iter()
        .map(|s| s["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses.into_iter().collect::<Vec<_>>(),
        ["active", "inactive", "temporarily closed"]
    );

    // Approximate locations (ZIP centroids) carry no coordinates, in either form.
    let package = out.path().join("package");
    hearth(
        home,
        &[
            "export",
            "--format",
            "hsds-csv",
            "--all",
            path_str(&package),
        ],
    )
    .unwrap();
    let (_, locations) = read_csv(&package.join("locations.csv"));
    let rows: HashMap<&str, &BTreeMap<String, String>> =
        locations.iter().map(|r| (r["id"].as_str(), r)).collect();
    let json_locations: HashMap<String, Value> = every_lines
        .iter()
        .flat_map(|s| s["service_at_locations"].as_array().unwrap().clone())
        .map(|sal| {
            (
                sal["location_id"].as_str().unwrap().to_owned(),
                sal["location"].clone(),
            )
        })
        .collect();
    let (mut approximate, mut exact) = (0, 0);
    for location in exported.services.iter().flat_map(|s| &s.locations) {
        let json = &json_locations[&location.id];
        let row = rows[location.id.as_str()];
        match (location.approximate, location.point()) {
            (true, _) => {
                approximate += 1;
                assert!(json.get("latitude").is_none(), "{json}");
                assert_eq!(
                    (row["latitude"].as_str(), row["longitude"].as_str()),
                    ("", "")
                );
            }
            (false, Some((lat, lon))) => {
                exact += 1;
                assert_eq!(json["latitude"].as_f64(), Some(lat));
                assert_eq!(row["longitude"].parse::<f64>().ok(), Some(lon));
            }
            (false, None) => assert!(json.get("latitude").is_none()),
        }
    }
    assert!(approximate > 0 && exact > 0, "{approximate} {exact}");
}

#[tokio::test]
async fn the_package_has_the_spec_tables_and_columns() {
    let exported = exported_home().await;
    let out = tempfile::tempdir().unwrap();
    let package = out.path().join("package");
    hearth(
        exported.home.path(),
        &[
            "export",
            "--format",
            "hsds-csv",
            "--all",
            path_str(&package),
        ],
    )
    .unwrap();
    let spec = fixture("hsds3/csv");
    let mut files: Vec<String> = std::fs::read_dir(&package)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files.len(), TABLES.len() + 1, "{files:?}");
    for table in &TABLES {
        let (ours, rows) = read_csv(&package.join(table.file));
        let (theirs, _) = read_csv(&spec.join(table.file));
        assert_eq!(ours, theirs, "{}", table.file);
        // Every table has rows from the fixtures, but metadata (no listing was edited).
        if table.file != "metadata.csv" {
            assert!(!rows.is_empty(), "{} is empty", table.file);
        }
        let ids: std::collections::HashSet<&String> = rows.iter().map(|r| &r["id"]).collect();
        assert_eq!(ids.len(), rows.len(), "{}: ids repeat", table.file);
    }
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(package.join("datapackage.json")).unwrap())
            .unwrap();
    assert_eq!(manifest["profile"], "tabular-data-package");
    for (resource, table) in manifest["resources"]
        .as_array()
        .unwrap()
        .iter()
        .zip(&TABLES)
    {
        assert_eq!(resource["path"], table.file);
        let fields: Vec<&str> = resource["schema"]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["name"].as_str().unwrap())
            .collect();
        assert_eq!(fields, table.columns);
    }
    // Every link names a row of the package.
    let ids = |file: &str| -> std::collections::HashSet<String> {
        read_csv(&package.join(file))
            .1
            .into_iter()
            .map(|r| r["id"].clone())
            .collect()
    };
    let (services, locations, organizations, terms) = (
        ids("services.csv"),
        ids("locations.csv"),
        ids("organizations.csv"),
        ids("taxonomy_terms.csv"),
    );
    for link in read_csv(&package.join("service_at_location.csv")).1 {
        assert!(services.contains(&link["service_id"]), "{link:?}");
        assert!(locations.contains(&link["location_id"]), "{link:?}");
    }
    for service in read_csv(&package.join("services.csv")).1 {
        assert!(
            organizations.contains(&service["organization_id"]),
            "{service:?}"
        );
    }
    for term in read_csv(&package.join("taxonomy_terms.csv")).1 {
        let parent = &term["parent_id"];
        assert!(parent.is_empty() || terms.contains(parent), "{term:?}");
    }
    for attribute in read_csv(&package.join("attributes.csv")).1 {
        let term = &attribute["taxonomy_term_id"];
        assert!(term.is_empty() || terms.contains(term), "{attribute:?}");
    }
}

#[tokio::test]
async fn a_failed_export_leaves_no_partial_file_or_directory() {
    let exported = exported_home().await;
    let home = exported.home.path();
    let out = tempfile::tempdir().unwrap();
    // A target in a directory that does not exist.
    let missing = out.path().join("no-such-dir/export.ndjson");
    let error = hearth(
        home,
        &["export", "--format", "hsds-json", path_str(&missing)],
    )
    .expect_err("nowhere to write");
    assert!(format!("{error:#}").contains("no-such-dir"), "{error:#}");
    let missing_dir = out.path().join("no-such-dir/package");
    assert!(
        hearth(
            home,
            &["export", "--format", "hsds-csv", path_str(&missing_dir)]
        )
        .is_err()
    );
    // A directory that is not a package is not replaced.
    let documents = out.path().join("documents");
    std::fs::create_dir(&documents).unwrap();
    std::fs::write(documents.join("notes.txt"), "mine").unwrap();
    let error = hearth(
        home,
        &["export", "--format", "hsds-csv", path_str(&documents)],
    )
    .expect_err("not a package");
    assert!(
        format!("{error:#}").contains("not an HSDS package"),
        "{error:#}"
    );
    let mut left: Vec<String> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["documents"]);
    assert_eq!(std::fs::read_dir(&documents).unwrap().count(), 1);

    // Re-exporting over an earlier package replaces it whole.
    let package = out.path().join("package");
    hearth(
        home,
        &["export", "--format", "hsds-csv", path_str(&package)],
    )
    .unwrap();
    hearth(
        home,
        &[
            "export",
            "--format",
            "hsds-csv",
            "--all",
            path_str(&package),
        ],
    )
    .unwrap();
    let (_, services) = read_csv(&package.join("services.csv"));
    assert_eq!(services.len(), exported.services.len());
    let mut left: Vec<String> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["documents", "package"]);
}
