//! R13: `hearth backup` and `hearth restore` with the real binary, the real
//! store and index. (The online backup of a running server, under writes, is
//! in `process.rs`.)

use hearth::directory::{Directory, Silent};
use hearth::model::Role;
use serde_json::{Value, json};

use crate::common::{TestApp, hearth_at, user_with_token};

const QUERIES: [&str; 4] = [
    "near=33136&radius=25",
    "q=food&near=20001",
    "q=mental%20health",
    "q=library",
];

/// The answers to [`QUERIES`] (ids and totals), the referrals, and the lists.
async fn contents(app: &TestApp, token: &str) -> (Vec<Value>, Value, Value) {
    let mut answers = Vec::new();
    for q in QUERIES {
        let (_, body) = app.get_json(&format!("/api/v1/search?{q}&limit=100")).await;
        let ids: Vec<Value> = body["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].clone())
            .collect();
        answers.push(json!({"total": body["total"], "ids": ids}));
    }
    let (_, referrals) = app
        .api("GET", "/api/v1/referrals", Some(token), &Value::Null)
        .await;
    let (_, lists) = app
        .api("GET", "/api/v1/lists", Some(token), &Value::Null)
        .await;
    // The personal list is shown before anything is saved to it, made up at
    // each view (with the time of the view); the rest is compared whole.
    let lists = lists["lists"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| json!([l["id"], l["name"], l["items"], l["members"], l["team"]]))
        .collect();
    (answers, referrals, lists)
}

/// A home with the fixtures, a clinician's referrals (one by request id) and
/// a list; returns it closed, with the clinician's token and what it holds.
async fn home_with_records() -> (tempfile::TempDir, String, (Vec<Value>, Value, Value)) {
    let app = TestApp::all();
    let token = user_with_token(&app.state.directory, "a@clinic.test", Role::Clinician);
    let service = app.state.directory.services().next().unwrap().unwrap().id;
    for n in 0..3 {
        let (status, body) = app
            .api(
                "POST",
                "/api/v1/referrals",
                Some(&token),
                &json!({"service_id": service, "need": "food-insecurity", "request_id": format!("req-{n}")}),
            )
            .await;
        assert_eq!(status, 201, "{body}");
    }
    let (cookie, csrf) = app.session("a@clinic.test");
    let (status, _, page) = app
        .send(
            "POST",
            "/lists",
            &[
                ("cookie", &cookie),
                ("content-type", "application/x-www-form-urlencoded"),
            ],
            &format!("csrf={csrf}&name=Pantries"),
        )
        .await;
    assert_eq!(status, 303, "{page}");
    let before = contents(&app, &token).await;
    let TestApp { home, state } = app;
    drop(state);
    (home, token, before)
}

fn run(home: &std::path::Path, args: &[&std::ffi::OsStr]) -> (bool, String) {
    let out = hearth_at(home).args(args).output().unwrap();
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[tokio::test]
async fn a_backup_restored_into_a_new_home_holds_everything_and_checks_out() {
    let (home, token, before) = home_with_records().await;
    let root = tempfile::tempdir().unwrap();
    let backup = root.path().join("backup");
    let (ok, out) = run(home.path(), &["backup".as_ref(), backup.as_os_str()]);
    assert!(ok, "{out}");
    assert!(out.contains("from the store"), "{out}");
    assert!(backup.join("manifest.json").exists());
    assert!(!root.path().join("backup.partial").exists());

    let restored = root.path().join("restored");
    let (ok, out) = run(&restored, &["restore".as_ref(), backup.as_os_str()]);
    assert!(ok, "{out}");
    assert!(out.contains("Checked: no problems found."), "{out}");

    let (directory, _) = Directory::open(&restored, &Silent).unwrap();
    let app = TestApp {
        home: root,
        state: hearth::web::AppState::new(directory),
    };
    // API tokens are records and come back; the answers, referrals and lists are the same.
    let after = contents(&app, &token).await;
    assert_eq!(after.0, before.0, "the same answers");
    assert_eq!(after.2, before.2, "the same lists");
    assert_eq!(after.1, before.1, "the same referrals");
    // A retried request id still finds its referral rather than making another.
    let service = app.state.directory.services().next().unwrap().unwrap().id;
    let (status, _) = app
        .api(
            "POST",
            "/api/v1/referrals",
            Some(&token),
            &json!({"service_id": service, "need": "food-insecurity", "request_id": "req-1"}),
        )
        .await;
    assert_eq!(
        status, 200,
        "a retry of a restored request is not a new referral"
    );
}

#[tokio::test]
async fn a_damaged_or_misplaced_backup_is_refused_and_nothing_is_written() {
    let (home, _, _) = home_with_records().await;
    let root = tempfile::tempdir().unwrap();
    let backup = root.path().join("backup");
    assert!(run(home.path(), &["backup".as_ref(), backup.as_os_str()]).0);

    // Into a folder that holds files: refused.
    let (ok, out) = run(home.path(), &["backup".as_ref(), backup.as_os_str()]);
    assert!(!ok && out.contains("already holds files"), "{out}");

    // Into a home that has a store: refused.
    let (ok, out) = run(home.path(), &["restore".as_ref(), backup.as_os_str()]);
    assert!(!ok && out.contains("there is already a store"), "{out}");

    // One byte changed in the listings: refused, naming the file.
    let listings = backup.join("services.kv");
    let mut bytes = std::fs::read(&listings).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x20;
    std::fs::write(&listings, bytes).unwrap();
    let target = root.path().join("restored");
    let (ok, out) = run(&target, &["restore".as_ref(), backup.as_os_str()]);
    assert!(!ok, "{out}");
    assert!(
        out.contains("services.kv") && out.contains("the backup is damaged"),
        "{out}"
    );
    assert!(!target.join("store").exists(), "nothing restored");
    assert!(
        !target.join("store.partial").exists(),
        "nothing left half-written"
    );

    // No manifest: not a backup.
    std::fs::remove_file(backup.join("manifest.json")).unwrap();
    let (ok, out) = run(&target, &["restore".as_ref(), backup.as_os_str()]);
    assert!(!ok && out.contains("is not a Hearth backup"), "{out}");
}
