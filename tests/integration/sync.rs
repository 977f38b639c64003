//! Two Hearths: one serves its `/hsds/` API on a real socket, the other syncs
//! from it over HTTP (no mocks). A small front in the first one's process can
//! fail a request once, or refuse NDJSON, to show retries and paging; it can
//! also switch to a second store with one listing gone and one changed, to show
//! updates in place and the listing removed remotely marked inactive.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::response::{IntoResponse, Response};
use hearth::directory::{Silent, SyncReport};
use hearth::import::{RemoteSource, RetryPolicy};
use hearth::model::{Role, Service, ServiceStatus};
use hearth::web::router;
use tower::ServiceExt;

use crate::common::{MADE_UP_HOTLINE, MADE_UP_LEGAL_LINE, PASSWORD, TestApp, fixture, hearth_at};

/// A few real fixtures and the two made-up HSDS listings.
fn remote_app(legal_line: &str, hotline: bool) -> TestApp {
    let app = TestApp::with(&[
        fixture("miami"),
        fixture("resources/hrsa_fqhc_sites_geocoded.csv"),
        fixture("resources/food_pantries_pantry_pirate_radio_2025.csv"),
    ]);
    let made_up = if hotline {
        format!("[{legal_line}, {MADE_UP_HOTLINE}]")
    } else {
        format!("[{legal_line}]")
    };
    app.import_json("made-up-hsds.json", &made_up);
    app
}

/// What the front does to the next requests.
#[derive(Default)]
struct Faults {
    /// Answer 503 to this many requests whose query contains `fail_when`.
    fail_times: AtomicU32,
    fail_when: Mutex<String>,
    /// Answer 400 to `format=ndjson`, as an API without NDJSON would.
    no_ndjson: AtomicBool,
    /// Every request's path and query, in order.
    seen: Mutex<Vec<String>>,
}

/// Serves `backend` (a real Hearth router, which can be swapped) on a real
/// socket, with `faults` in front. Returns the base URL of its HSDS API.
async fn serve(backend: Arc<Mutex<Router>>, faults: Arc<Faults>) -> String {
    let front = Router::new().fallback(move |request: Request<Body>| {
        let backend = backend.lock().unwrap().clone();
        let faults = faults.clone();
        async move {
            let target = request.uri().to_string();
            faults.seen.lock().unwrap().push(target.clone());
            if faults.no_ndjson.load(Ordering::SeqCst) && target.contains("format=ndjson") {
                return (StatusCode::BAD_REQUEST, "no ndjson here").into_response();
            }
            let when = faults.fail_when.lock().unwrap().clone();
            if target.contains(&when)
                && faults
                    .fail_times
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                    .is_ok()
            {
                return (StatusCode::SERVICE_UNAVAILABLE, "try again").into_response();
            }
            let response: Response = backend.oneshot(request).await.into_response();
            response
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address: SocketAddr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, front).await.unwrap();
    });
    format!("http://{address}/hsds/")
}

fn source(url: &str) -> RemoteSource {
    RemoteSource::new(url)
        .unwrap()
        .with_retry(RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(200),
        })
        .with_timeouts(Duration::from_secs(5), Duration::from_secs(30))
}

/// Runs a sync of `local` from `source` on a blocking thread (it runs its own client runtime).
async fn sync(local: &TestApp, source: RemoteSource, full: bool) -> Result<SyncReport, String> {
    let directory = local.state.directory.clone();
    tokio::task::spawn_blocking(move || {
        directory
            .sync(&source, full, &Silent)
            .map_err(|e| e.to_string())
    })
    .await
    .unwrap()
}

/// The synced copy of each remote listing, by the remote's id.
fn by_remote_id(local: &TestApp, dataset: &str) -> std::collections::BTreeMap<String, Service> {
    local
        .state
        .directory
        .services()
        .map(Result::unwrap)
        .filter(|s| s.source.dataset == dataset)
        .map(|s| (s.source.id.clone(), s))
        .collect()
}

/// The fields a sync must carry over unchanged.
fn same_listing(remote: &Service, local: &Service) {
    assert_eq!(local.name, remote.name);
    assert_eq!(local.description, remote.description, "{}", remote.name);
    assert_eq!(local.status, remote.status, "{}", remote.name);
    assert_eq!(local.organization.name, remote.organization.name);
    assert_eq!(local.categories, remote.categories, "{}", remote.name);
    assert_eq!(local.needs, remote.needs, "{}", remote.name);
    assert_eq!(local.phones, remote.phones, "{}", remote.name);
    assert_eq!(local.languages, remote.languages, "{}", remote.name);
    assert_eq!(
        local.locations.len(),
        remote.locations.len(),
        "{}",
        remote.name
    );
    for (l, r) in local.locations.iter().zip(&remote.locations) {
        assert_eq!(l.point(), r.point(), "{}", remote.name);
        assert_eq!(l.approximate, r.approximate, "{}", remote.name);
        assert_eq!(l.address, r.address, "{}", remote.name);
        assert_eq!(l.schedules, r.schedules, "{}", remote.name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_hearth_syncs_from_the_first_over_http() {
    let remote = remote_app(MADE_UP_LEGAL_LINE, true);
    let backend = Arc::new(Mutex::new(router(remote.state.clone())));
    let faults = Arc::new(Faults::default());
    // The first NDJSON request fails once with 503; the retry gets it.
    *faults.fail_when.lock().unwrap() = "format=ndjson".into();
    faults.fail_times.store(1, Ordering::SeqCst);
    let url = serve(backend.clone(), faults.clone()).await;
    let local = TestApp::empty();
    let dataset = source(&url).dataset_name();

    let report = sync(&local, source(&url), false).await.unwrap();
    let total = remote.state.directory.listing_count() as u64;
    assert_eq!(report.fetched, total, "{report:?}");
    assert_eq!(report.inserted, total, "{report:?}");
    assert_eq!(report.retries, 1, "the failed request was tried again");
    assert!(report.ndjson, "Hearth offers NDJSON, so it was streamed");
    assert!(report.invalid.is_empty(), "{:?}", report.invalid);
    assert_eq!(report.since, None, "the first run takes everything");

    let synced = by_remote_id(&local, &dataset);
    assert_eq!(synced.len() as u64, total);
    for service in remote.state.directory.services().map(Result::unwrap) {
        let copy = synced
            .get(&service.id)
            .unwrap_or_else(|| panic!("{} not synced", service.name));
        same_listing(&service, copy);
    }
    // Synced listings are searchable, found as on the remote.
    let (_, here) = local.get_json("/api/v1/search?q=eviction&near=33157").await;
    let names: Vec<&str> = here["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"Test Tenant Legal Line"), "{here}");

    // A re-run asks only for changes, and finds nothing new.
    let again = sync(&local, source(&url), false).await.unwrap();
    let since = again.since.expect("a later run asks for changes only");
    assert!(
        faults
            .seen
            .lock()
            .unwrap()
            .iter()
            .any(|t| t.contains("modified_after="))
    );
    assert!(since <= chrono::Utc::now());
    assert_eq!(again.inserted, 0);
    assert_eq!(again.updated, 0);
    assert_eq!(again.marked_inactive, 0);

    // The remote changes: the hotline is gone, the legal line has a new description.
    let changed = remote_app(
        &MADE_UP_LEGAL_LINE.replace(
            "Eviction defense for tenants.",
            "Eviction defense and repairs for tenants.",
        ),
        false,
    );
    *backend.lock().unwrap() = router(changed.state.clone());
    let third = sync(&local, source(&url), false).await.unwrap();
    assert_eq!(third.marked_inactive, 1, "{third:?}");
    assert!(third.updated >= 1);
    let synced = by_remote_id(&local, &dataset);
    let hotline = synced
        .values()
        .find(|s| s.name == "Test Statewide Eviction Hotline")
        .unwrap();
    assert_eq!(
        hotline.status,
        ServiceStatus::Inactive,
        "removed remotely: kept, inactive"
    );
    assert_eq!(
        hotline.metadata.last().unwrap().replacement_value,
        "inactive"
    );
    let legal = synced
        .values()
        .find(|s| s.name == "Test Tenant Legal Line")
        .unwrap();
    assert_eq!(
        legal.description.as_deref(),
        Some("Eviction defense and repairs for tenants.")
    );
    assert_eq!(
        synced.len() as u64,
        total,
        "updated in place, nothing added or deleted"
    );
    let (_, found) = local.get_json("/api/v1/search?q=hotline&near=33157").await;
    assert!(
        !found
            .to_string()
            .contains("Test Statewide Eviction Hotline"),
        "an inactive listing is not searchable"
    );

    // The status of the runs is saved.
    let state = local.state.directory.sync_states().unwrap();
    assert_eq!(state.len(), 1);
    assert_eq!(state[0].url, url);
    assert!(state[0].last_error.is_none());
    assert_eq!(state[0].last_report.as_ref().unwrap().marked_inactive, 1);

    // Admins see it on the status page; nobody else does.
    let now = chrono::Utc::now();
    let directory = &local.state.directory;
    directory
        .add_user(
            "admin@example.org",
            Role::Admin,
            Some(PASSWORD),
            "test",
            now,
        )
        .unwrap();
    directory
        .add_user(
            "clinician@example.org",
            Role::Clinician,
            Some(PASSWORD),
            "test",
            now,
        )
        .unwrap();
    let (admin, _) = local.session("admin@example.org");
    let (status, page) = local.get_as("/admin/sync", &admin).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(&url), "{page}");
    assert!(page.contains("1 marked inactive"), "{page}");
    let (clinician, _) = local.session("clinician@example.org");
    let (status, _) = local.get_as("/admin/sync", &clinician).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_ndjson_it_pages_and_retries_the_failed_page() {
    let remote = remote_app(MADE_UP_LEGAL_LINE, true);
    let backend = Arc::new(Mutex::new(router(remote.state.clone())));
    let faults = Arc::new(Faults::default());
    faults.no_ndjson.store(true, Ordering::SeqCst);
    *faults.fail_when.lock().unwrap() = "page=2&".into();
    faults.fail_times.store(1, Ordering::SeqCst);
    let url = serve(backend, faults.clone()).await;
    let local = TestApp::empty();

    let report = sync(&local, source(&url).with_per_page(5), false)
        .await
        .unwrap();
    let total = remote.state.directory.listing_count() as u64;
    assert!(!report.ndjson);
    assert_eq!(report.fetched, total);
    assert_eq!(report.pages, total.div_ceil(5));
    assert_eq!(report.retries, 1);
    let seen = faults.seen.lock().unwrap().clone();
    assert_eq!(
        seen.iter().filter(|t| t.contains("page=2&")).count(),
        2,
        "page 2 was fetched again, once: {seen:?}"
    );
    assert!(seen.iter().all(|t| !t.contains("page=3&")
        || seen.iter().position(|x| x == t) > seen.iter().position(|x| x.contains("page=2&"))));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusing_remote_stops_the_sync_with_a_clear_saved_error() {
    let remote = remote_app(MADE_UP_LEGAL_LINE, true);
    let backend = Arc::new(Mutex::new(router(remote.state.clone())));
    let url = serve(backend, Arc::new(Faults::default())).await;
    let local = TestApp::empty();
    // Not an HSDS API: a path under which Hearth has nothing (404, not retried).
    let wrong = url.replace("/hsds/", "/nothing-here/");
    let error = sync(&local, source(&wrong), false).await.unwrap_err();
    assert!(error.contains("404"), "{error}");
    assert!(error.contains("not retried"), "{error}");
    let states = local.state.directory.sync_states().unwrap();
    assert_eq!(states.len(), 1);
    assert!(states[0].last_error.as_deref().unwrap().contains("404"));
    assert!(
        states[0].next_since.is_none(),
        "a failed first run leaves the next one to take everything"
    );
    assert_eq!(local.state.directory.listing_count(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_that_break_the_rules_are_reported_and_the_rest_synced() {
    // A remote whose API serves a broken record: a second Hearth's own API
    // never does, so this remote is a plain HSDS page.
    let page = serde_json::json!({
        "total_items": 2, "total_pages": 1, "page_number": 1, "size": 2,
        "first_page": true, "last_page": true, "empty": false,
        "contents": [
            serde_json::from_str::<serde_json::Value>(MADE_UP_LEGAL_LINE).unwrap(),
            {"id": "broken-1", "name": "Test Broken Listing", "status": "open",
             "service_at_locations": [{"id": "s", "location": {"id": "l", "location_type": "physical", "latitude": 123.0, "longitude": -80.1}}]}
        ]
    });
    let ids = serde_json::json!({
        "total_items": 2, "total_pages": 1, "page_number": 1, "size": 2,
        "first_page": true, "last_page": true, "empty": false,
        "contents": [{"id": "test-broward-legal"}, {"id": "broken-1"}]
    });
    let app = Router::new().route(
        "/api/services",
        axum::routing::get(move |query: axum::extract::RawQuery| {
            let (page, ids) = (page.clone(), ids.clone());
            async move {
                let q = query.0.unwrap_or_default();
                if q.contains("format=ndjson") {
                    return (StatusCode::BAD_REQUEST, "no").into_response();
                }
                if q.contains("minimal=true") {
                    return axum::Json(ids).into_response();
                }
                axum::Json(page).into_response()
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let local = TestApp::empty();
    let report = sync(&local, source(&format!("http://{address}/api/")), false)
        .await
        .unwrap();
    assert_eq!(report.fetched, 2);
    assert_eq!(report.inserted, 1);
    assert_eq!(report.invalid.len(), 1);
    let skip = &report.invalid[0];
    assert_eq!(skip.id.as_deref(), Some("broken-1"));
    assert!(skip.reason.contains("status"), "{}", skip.reason);
}

/// `hearth import URL` from the command line, against a live Hearth API.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_import_command_syncs_from_a_url() {
    let remote = remote_app(MADE_UP_LEGAL_LINE, true);
    let backend = Arc::new(Mutex::new(router(remote.state.clone())));
    let url = serve(backend, Arc::new(Faults::default())).await;
    let home = tempfile::tempdir().unwrap();
    let run = |args: Vec<String>| {
        let home: PathBuf = home.path().to_owned();
        tokio::task::spawn_blocking(move || hearth_at(&home).args(args).output().unwrap())
    };
    let out = run(vec!["import".into(), url.clone()]).await.unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let total = remote.state.directory.listing_count();
    assert!(
        stdout.contains(&format!("{total} record(s) fetched")),
        "{stdout}"
    );
    assert!(stdout.contains(&format!("{total} new")), "{stdout}");
    let again = run(vec!["import".into(), url.clone()]).await.unwrap();
    let stdout = String::from_utf8_lossy(&again.stdout);
    assert!(stdout.contains("changes since"), "{stdout}");
    assert!(stdout.contains("0 new, 0 updated"), "{stdout}");
    let bad = run(vec!["import".into(), "ftp://example.org/hsds/".into()])
        .await
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("http"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_remote_that_suddenly_lists_almost_nothing_is_not_believed_without_full() {
    let remote = remote_app(MADE_UP_LEGAL_LINE, true);
    let backend = Arc::new(Mutex::new(router(remote.state.clone())));
    let url = serve(backend.clone(), Arc::new(Faults::default())).await;
    let local = TestApp::empty();
    let first = sync(&local, source(&url), false).await.unwrap();
    let total = first.inserted;

    // The remote now lists only the legal line (a broken deploy, say).
    let almost_empty = TestApp::empty();
    almost_empty.import_json("made-up-hsds.json", &format!("[{MADE_UP_LEGAL_LINE}]"));
    *backend.lock().unwrap() = router(almost_empty.state.clone());
    let error = sync(&local, source(&url), false).await.unwrap_err();
    assert!(
        error.contains(&format!("no longer lists {}", total - 1)),
        "{error}"
    );
    assert!(error.contains("--full"), "{error}");
    let still_active = local
        .state
        .directory
        .services()
        .map(Result::unwrap)
        .filter(|s| s.status == ServiceStatus::Active)
        .count() as u64;
    assert_eq!(still_active, total, "nothing was marked inactive");

    // Told to, with a full run, it takes the remote's list as it is.
    let full = sync(&local, source(&url), true).await.unwrap();
    assert_eq!(full.marked_inactive, total - 1);
}
