//! The index is derived: deleted or damaged, it is rebuilt from the store with identical results.

use hearth::index::OpenOutcome;

use crate::common::{TestApp, enc};

const QUERIES: [&str; 6] = [
    "near=33136&radius=10",
    "near=20001&radius=25&category=food",
    "q=mental%20health&near=33101&radius=25",
    "q=food&near=20001",
    "q=library",
    "near=06708&radius=5",
];

async fn answers(app: &TestApp) -> Vec<serde_json::Value> {
    let mut all = Vec::new();
    for q in QUERIES {
        let (status, body) = app.get_json(&format!("/api/v1/search?{q}&limit=100")).await;
        assert_eq!(status, 200, "{q}: {body}");
        all.push(body);
    }
    all
}

#[tokio::test]
async fn a_deleted_index_is_rebuilt_on_the_next_start_with_identical_results() {
    let app = TestApp::all();
    let before = answers(&app).await;
    assert!(
        before.iter().all(|b| b["total"].as_u64().unwrap() > 0),
        "every canned query finds something"
    );
    let search_dir = app.home.path().join("search");
    let (app, _) = app.reopen();
    let (app, report) = {
        let home = app.home.path().to_owned();
        drop(app.state);
        std::fs::remove_dir_all(&search_dir).unwrap();
        let (directory, report) =
            hearth::directory::Directory::open(&home, &hearth::directory::Silent).unwrap();
        (
            TestApp {
                home: app.home,
                state: hearth::web::AppState::new(directory),
            },
            report,
        )
    };
    assert_eq!(report.index, OpenOutcome::Created);
    assert!(report.rebuilt && report.reindexed > 0);
    assert_eq!(answers(&app).await, before);
}

#[tokio::test]
async fn a_damaged_index_is_set_aside_and_rebuilt() {
    for damage in ["garbage", "truncate"] {
        let app = TestApp::all();
        let before = answers(&app).await;
        let home = app.home.path().to_owned();
        let TestApp { home: keep, state } = app;
        drop(state);
        let meta = home.join("search/meta.json");
        match damage {
            "garbage" => std::fs::write(&meta, "{ this is not json").unwrap(),
            _ => {
                let text = std::fs::read(&meta).unwrap();
                std::fs::write(&meta, &text[..text.len() / 2]).unwrap();
            }
        }
        let (directory, report) =
            hearth::directory::Directory::open(&home, &hearth::directory::Silent).unwrap();
        match &report.index {
            OpenOutcome::SetAside { moved_to, .. } => assert!(
                moved_to.exists(),
                "{damage}: the broken index is kept aside"
            ),
            other => panic!("{damage}: expected the index to be set aside, got {other:?}"),
        }
        let app = TestApp {
            home: keep,
            state: hearth::web::AppState::new(directory),
        };
        assert_eq!(answers(&app).await, before, "{damage}");
    }
}

#[tokio::test]
async fn an_index_behind_the_store_catches_up_at_start() {
    let app = TestApp::with(&[crate::common::fixture("resources/va_facilities_fy2018.csv")]);
    let (indexed, stored) = app.state.directory.sequences().unwrap();
    assert_eq!(indexed, stored);
    // Import more, then restart: the index must already cover the new listings (and a restart changes nothing).
    app.import(&[crate::common::fixture(
        "resources/samhsa_opioid_treatment_programs_geocoded.csv",
    )])
    .unwrap();
    let (app, report) = app.reopen();
    assert_eq!(report.index, OpenOutcome::Opened);
    assert_eq!(report.reindexed, 0);
    let (status, body) = app
        .get_json(&format!("/api/v1/search?q={}", enc("Golden Glades")))
        .await;
    assert_eq!(status, 200);
    assert!(body["total"].as_u64().unwrap() >= 1, "{body}");
}
