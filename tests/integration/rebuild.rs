//! The index is derived: deleted or damaged, it is rebuilt from the store with identical results.

use hearth::directory::Silent;
use hearth::index::OpenOutcome;
use hearth::store::Store;

use crate::common::{TestApp, enc, fixture};

/// Words, each searched near each place: 50 canned queries (R4).
const WORDS: [&str; 10] = [
    "",
    "food",
    "housing",
    "legal aid",
    "mental health",
    "shelter",
    "clinic",
    "library",
    "pantry",
    "job",
];
const PLACES: [&str; 5] = ["33136", "20001", "06708", "33101", ""];

fn queries() -> Vec<String> {
    let mut all = Vec::new();
    for words in WORDS {
        for place in PLACES {
            let mut q = match (words, place) {
                ("", "") => "category=food".to_owned(),
                ("", place) => format!("near={place}&radius=10"),
                (words, "") => format!("q={}", enc(words)),
                (words, place) => format!("q={}&near={place}&radius=25", enc(words)),
            };
            if all.len() % 7 == 3 {
                q.push_str("&language=es");
            }
            all.push(q);
        }
    }
    all
}

async fn answers(app: &TestApp) -> Vec<serde_json::Value> {
    let mut all = Vec::new();
    for q in queries() {
        let (status, body) = app.get_json(&format!("/api/v1/search?{q}&limit=100")).await;
        assert_eq!(status, 200, "{q}: {body}");
        all.push(body);
    }
    assert_eq!(all.len(), 50);
    all
}

#[tokio::test]
async fn a_deleted_index_is_rebuilt_on_the_next_start_with_identical_results() {
    let app = TestApp::all();
    let before = answers(&app).await;
    let found = before
        .iter()
        .filter(|b| b["total"].as_u64().unwrap() > 0)
        .count();
    assert!(
        found >= 30,
        "most canned queries find something: {found} of 50"
    );
    let (app, report) =
        app.restart_with(|home| std::fs::remove_dir_all(home.join("search")).unwrap());
    assert_eq!(report.index, OpenOutcome::Created);
    assert!(report.rebuilt && report.reindexed > 0);
    assert_eq!(answers(&app).await, before);
}

/// R4: garbage in `meta.json`, `meta.json` cut in half, or a segment file
/// gone: the next start sets the broken index aside, rebuilds it from the
/// store, and the 50 canned queries answer exactly as before.
#[tokio::test]
async fn a_damaged_index_is_set_aside_and_rebuilt() {
    for damage in ["garbage", "truncate", "segment"] {
        let app = TestApp::all();
        let before = answers(&app).await;
        let (app, report) = app.restart_with(|home| {
            let meta = home.join("search/meta.json");
            match damage {
                "garbage" => std::fs::write(&meta, "{ this is not json").unwrap(),
                "truncate" => {
                    let text = std::fs::read(&meta).unwrap();
                    std::fs::write(&meta, &text[..text.len() / 2]).unwrap();
                }
                _ => {
                    // The largest file of a segment: its postings or its store.
                    let largest = std::fs::read_dir(home.join("search"))
                        .unwrap()
                        .map(|e| e.unwrap().path())
                        .filter(|p| p.extension().is_some_and(|e| e != "json" && e != "lock"))
                        .max_by_key(|p| std::fs::metadata(p).unwrap().len())
                        .unwrap();
                    std::fs::remove_file(largest).unwrap();
                }
            }
        });
        match &report.index {
            OpenOutcome::SetAside { moved_to, .. } => assert!(
                moved_to.exists(),
                "{damage}: the broken index is kept aside"
            ),
            other => panic!("{damage}: expected the index to be set aside, got {other:?}"),
        }
        assert_eq!(answers(&app).await, before, "{damage}");
    }
}

#[tokio::test]
async fn an_index_behind_the_store_catches_up_at_start() {
    let app = TestApp::with(&[fixture("resources/va_facilities_fy2018.csv")]);
    let (_, body) = app
        .get_json("/api/v1/search?near=20001&radius=10&limit=1")
        .await;
    let id = body["results"][0]["id"].as_str().unwrap().to_owned();
    // A write the index never saw: the process stopped between the store write and the index commit.
    let (app, report) = app.restart_with(|home| {
        let store = Store::open(&home.join("store")).unwrap();
        let mut service = store.service(&id).unwrap().unwrap();
        service.name = "Renamed Vet Center Zebulon".into();
        assert_eq!(store.upsert_services(&[service]).unwrap().updated, 1);
        store.flush().unwrap();
    });
    assert_eq!(report.index, OpenOutcome::Opened);
    assert!(!report.rebuilt, "catching up, not rebuilding");
    assert_eq!(report.reindexed, 1, "only the one change is replayed");
    let (_, body) = app.get_json("/api/v1/search?q=zebulon").await;
    assert_eq!(body["total"], 1, "{body}");
    assert_eq!(body["results"][0]["id"], id.as_str());
    let (indexed, stored) = app.state.directory.sequences().unwrap();
    assert_eq!(indexed, stored);
}

#[tokio::test]
async fn an_index_built_from_another_store_is_rebuilt() {
    let app = TestApp::all();
    // The store is deleted (or replaced) under a kept index: the index must not answer for it.
    let (app, report) =
        app.restart_with(|home| std::fs::remove_dir_all(home.join("store")).unwrap());
    assert!(report.rebuilt);
    assert_eq!(app.state.directory.searchable_count(), 0);
    let (_, body) = app.get_json("/api/v1/search?near=33136&radius=25").await;
    assert_eq!(body["total"], 0, "{body}");
}

#[tokio::test]
async fn an_index_ahead_of_a_restored_store_is_rebuilt() {
    let app = TestApp::with(&[fixture("resources/va_facilities_fy2018.csv")]);
    let backup = tempfile::tempdir().unwrap();
    let (app, _) = app.restart_with(|home| copy_dir(&home.join("store"), backup.path()));
    app.import(&[fixture(
        "resources/samhsa_opioid_treatment_programs_geocoded.csv",
    )])
    .unwrap();
    let (_, body) = app
        .get_json(&format!("/api/v1/search?q={}", enc("Golden Glades")))
        .await;
    assert!(body["total"].as_u64().unwrap() >= 1);
    // Restore the older store: the index now covers changes the store does not have.
    let (app, report) = app.restart_with(|home| {
        std::fs::remove_dir_all(home.join("store")).unwrap();
        copy_dir(backup.path(), &home.join("store"));
    });
    assert!(report.rebuilt);
    let (_, body) = app
        .get_json(&format!("/api/v1/search?q={}", enc("Golden Glades")))
        .await;
    assert_eq!(
        body["total"], 0,
        "listings the restored store does not hold are gone: {body}"
    );
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[tokio::test]
async fn a_seed_that_did_not_finish_is_resumed_and_a_finished_one_never_repeats() {
    let seed = tempfile::tempdir().unwrap();
    let lists = seed.path().join("resources");
    std::fs::create_dir_all(&lists).unwrap();
    std::fs::copy(
        fixture("resources/va_facilities_fy2018.csv"),
        lists.join("a_va.csv"),
    )
    .unwrap();
    // A second file that cannot be read stops the seed part-way.
    std::fs::write(lists.join("b_broken.csv"), "not,a,known\nlist,at,all\n").unwrap();
    let app = TestApp::empty();
    assert!(app.state.directory.needs_seed().unwrap());
    assert!(app.state.directory.seed(seed.path(), &Silent).is_err());
    assert_eq!(
        app.state.directory.listing_count(),
        12,
        "the first file went in"
    );
    assert!(
        app.state.directory.needs_seed().unwrap(),
        "an unfinished seed is resumed"
    );

    let (app, _) = app.reopen();
    assert!(
        app.state.directory.needs_seed().unwrap(),
        "even after a restart"
    );
    std::fs::remove_file(lists.join("b_broken.csv")).unwrap();
    std::fs::copy(
        fixture("resources/samhsa_opioid_treatment_programs_geocoded.csv"),
        lists.join("b_otp.csv"),
    )
    .unwrap();
    let report = app.state.directory.seed(seed.path(), &Silent).unwrap();
    assert_eq!(report.sources[0].unchanged, 12, "resuming repeats nothing");
    assert!(!app.state.directory.needs_seed().unwrap());

    // A store that holds only a person's own imports is never seeded over.
    let own = TestApp::with(&[fixture("resources/va_facilities_fy2018.csv")]);
    assert!(!own.state.directory.needs_seed().unwrap());
}

#[tokio::test]
async fn an_index_from_an_older_hearth_is_replaced_not_kept() {
    let app = TestApp::with(&[fixture("resources/va_facilities_fy2018.csv")]);
    let before = answers(&app).await;
    let (app, report) = app.restart_with(|home| {
        let meta = home.join("search/meta.json");
        let text = std::fs::read_to_string(&meta).unwrap();
        let current = format!("\\\"schema\\\":{}", hearth::index::SCHEMA_VERSION);
        assert!(text.contains(&current), "{text}");
        std::fs::write(&meta, text.replace(&current, "\\\"schema\\\":0")).unwrap();
    });
    assert!(
        matches!(report.index, OpenOutcome::Outdated { .. }),
        "{:?}",
        report.index
    );
    assert!(report.rebuilt);
    let aside: Vec<_> = std::fs::read_dir(app.home.path())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with("search."))
        .collect();
    assert!(
        aside.is_empty(),
        "an outdated index is not kept as if it were broken"
    );
    assert_eq!(answers(&app).await, before);
}
