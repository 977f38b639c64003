//! `TestApp`: a store and index in a temp dir, filled from fixtures, with the real router.

use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use hearth::directory::{Directory, ImportReport, Silent};
use hearth::import::ReadOptions;
use hearth::web::{AppState, router};
use http_body_util::BodyExt;
use tempfile::TempDir;
use tower::ServiceExt;

/// The path of a committed fixture.
pub fn fixture(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(relative)
}

/// Every national-list fixture plus the Miami HSDS 1.x slice.
pub fn all_fixtures() -> Vec<PathBuf> {
    let mut paths = vec![fixture("miami")];
    let mut lists: Vec<PathBuf> = std::fs::read_dir(fixture("resources"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("csv" | "json")))
        .collect();
    lists.sort();
    paths.extend(lists);
    paths
}

/// A Hearth home in a temp dir with the real store, index and router.
pub struct TestApp {
    pub home: TempDir,
    pub state: AppState,
}

impl TestApp {
    /// An empty Hearth.
    pub fn empty() -> TestApp {
        let home = tempfile::tempdir().unwrap();
        let (directory, _) = Directory::open(home.path(), &Silent).unwrap();
        TestApp {
            home,
            state: AppState::new(directory),
        }
    }

    /// A Hearth with the given fixtures imported.
    pub fn with(paths: &[PathBuf]) -> TestApp {
        let app = TestApp::empty();
        app.import(paths).unwrap();
        app
    }

    /// A Hearth with every fixture imported.
    pub fn all() -> TestApp {
        TestApp::with(&all_fixtures())
    }

    /// Imports more sources (format detected); a source that cannot be read is an `Err`.
    pub fn import(
        &self,
        paths: &[PathBuf],
    ) -> Result<ImportReport, hearth::directory::DirectoryError> {
        let sources: Vec<(PathBuf, ReadOptions)> = paths
            .iter()
            .map(|p| (p.clone(), ReadOptions::default()))
            .collect();
        self.state
            .directory
            .import(&sources, &Silent)?
            .into_result()
    }

    /// Closes the store and index and opens them again (as a restart would).
    pub fn reopen(self) -> (TestApp, hearth::directory::OpenReport) {
        self.restart_with(|_| {})
    }

    /// Closes the store and index, runs `change` on the home directory (as an
    /// operator or a crash might), and opens them again.
    pub fn restart_with(
        self,
        change: impl FnOnce(&Path),
    ) -> (TestApp, hearth::directory::OpenReport) {
        let TestApp { home, state } = self;
        drop(state);
        change(home.path());
        let (directory, report) = Directory::open(home.path(), &Silent).unwrap();
        (
            TestApp {
                home,
                state: AppState::new(directory),
            },
            report,
        )
    }

    /// GETs a URI through the real router; returns the status and body text.
    pub async fn get(&self, uri: &str) -> (StatusCode, String) {
        let response = router(self.state.clone())
            .oneshot(Request::builder().uri(uri).body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (status, String::from_utf8_lossy(&bytes).into_owned())
    }

    /// Sends any request through the real router; returns status, headers and body text.
    pub async fn send(
        &self,
        method: &str,
        uri: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> (StatusCode, axum::http::HeaderMap, String) {
        let mut request = Request::builder().method(method).uri(uri);
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        let response = router(self.state.clone())
            .oneshot(request.body(Body::from(body.to_owned())).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (
            status,
            headers,
            String::from_utf8_lossy(&bytes).into_owned(),
        )
    }

    /// GETs a JSON API URI; returns the status and parsed body.
    pub async fn get_json(&self, uri: &str) -> (StatusCode, serde_json::Value) {
        let (status, body) = self.get(uri).await;
        let value =
            serde_json::from_str(&body).unwrap_or_else(|e| panic!("{uri}: not JSON ({e}): {body}"));
        (status, value)
    }
}

/// Percent-encodes a query value.
pub fn enc(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}
