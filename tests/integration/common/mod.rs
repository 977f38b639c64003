//! `TestApp`: a store and index in a temp dir, filled from fixtures, with the real router.

use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use chrono::Utc;
use hearth::directory::{Directory, ImportReport, SessionLookup, Silent};
use hearth::import::ReadOptions;
use hearth::model::Role;
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

/// The password of every test user.
pub const PASSWORD: &str = "correct horse battery";

/// Adds a user with `role` and [`PASSWORD`]; returns a new API token for them.
pub fn user_with_token(directory: &Directory, email: &str, role: Role) -> String {
    let now = Utc::now();
    directory
        .add_user(email, role, Some(PASSWORD), "test", now)
        .unwrap();
    directory.create_token(email, "test", "test", now).unwrap()
}

/// The `authorization` header value for an API token.
pub fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

/// The whole `Set-Cookie` header that sets the cookie `name`, if any.
pub fn set_cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    let prefix = format!("{name}=");
    headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with(&prefix))
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

impl TestApp {
    /// Sends a JSON request with an API token (or none); returns status, headers and body text.
    /// The body is empty when `body` is `None`.
    pub async fn send_bearer(
        &self,
        method: &str,
        uri: &str,
        token: Option<&str>,
        body: Option<&serde_json::Value>,
    ) -> (StatusCode, HeaderMap, String) {
        let auth = token.map(bearer);
        let mut headers = vec![("content-type", "application/json")];
        if let Some(a) = &auth {
            headers.push(("authorization", a.as_str()));
        }
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        self.send(method, uri, &headers, &body).await
    }

    /// A JSON API request with an API token (or none); a `null` body sends nothing.
    /// Returns the status and the reply as JSON (or as a JSON string when it is not JSON).
    pub async fn api(
        &self,
        method: &str,
        uri: &str,
        token: Option<&str>,
        body: &serde_json::Value,
    ) -> (u16, serde_json::Value) {
        let body = (!body.is_null()).then_some(body);
        let (status, _, text) = self.send_bearer(method, uri, token, body).await;
        let value = serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
        (status.as_u16(), value)
    }

    /// GETs a page with a cookie header; returns the status and body text.
    pub async fn get_as(&self, uri: &str, cookie: &str) -> (StatusCode, String) {
        let (status, _, body) = self.send("GET", uri, &[("cookie", cookie)], "").await;
        (status, body)
    }

    /// POSTs a urlencoded form (plus `extra_headers`); returns status, headers and body text.
    pub async fn post_form(
        &self,
        uri: &str,
        extra_headers: &[(&str, &str)],
        body: &str,
    ) -> (StatusCode, HeaderMap, String) {
        let mut headers = vec![("content-type", "application/x-www-form-urlencoded")];
        headers.extend_from_slice(extra_headers);
        self.send("POST", uri, &headers, body).await
    }

    /// The sign-in form's CSRF token, which it also sets as the `hearth_csrf` cookie.
    pub async fn login_csrf(&self) -> String {
        let (_, headers, _) = self.send("GET", "/login", &[], "").await;
        set_cookie(&headers, "hearth_csrf")
            .unwrap()
            .trim_start_matches("hearth_csrf=")
            .split(';')
            .next()
            .unwrap()
            .to_owned()
    }

    /// Signs in through the login form (GET `/login` for its CSRF cookie, then
    /// POST the form with `next`); returns the status and headers of the POST.
    pub async fn sign_in(
        &self,
        email: &str,
        password: &str,
        next: &str,
    ) -> (StatusCode, HeaderMap) {
        let csrf = self.login_csrf().await;
        let body = format!(
            "email={}&password={}&csrf={csrf}&next={}",
            enc(email),
            enc(password),
            enc(next)
        );
        let cookie = format!("hearth_csrf={csrf}");
        let (status, headers, _) = self
            .post_form("/login", &[("cookie", &cookie)], &body)
            .await;
        (status, headers)
    }

    /// The CSRF token of the active session in a `hearth_session=...` cookie header.
    pub fn session_csrf(&self, cookie: &str) -> String {
        match self
            .state
            .directory
            .session(cookie.trim_start_matches("hearth_session="), Utc::now())
            .unwrap()
        {
            SessionLookup::Active(s) => s.session.csrf.clone(),
            other => panic!("{other:?}"),
        }
    }

    /// Signs `email` in directly (with [`PASSWORD`]); returns the cookie header and the session's CSRF token.
    pub fn session(&self, email: &str) -> (String, String) {
        let (cookie, signed) = self
            .state
            .directory
            .login(email, PASSWORD, "127.0.0.1", Utc::now())
            .unwrap();
        (format!("hearth_session={cookie}"), signed.session.csrf)
    }

    /// Writes `json` to a temp file named `file_name` (which names the dataset) and imports it.
    pub fn import_json(&self, file_name: &str, json: &str) -> ImportReport {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(file_name);
        std::fs::write(&path, json).unwrap();
        self.import(&[path]).unwrap()
    }
}

/// A made-up HSDS 3.0 service (not a real one): a legal line in Fort
/// Lauderdale that serves Miami-Dade County.
pub const MADE_UP_LEGAL_LINE: &str = r#" {"id": "test-broward-legal", "name": "Test Tenant Legal Line", "status": "active",
  "description": "Eviction defense for tenants.",
  "organization": {"id": "test-org-1", "name": "Test Legal Org"},
  "service_areas": [{"id": "a1", "name": "Miami-Dade County, FL"}],
  "service_at_locations": [{"id": "sal1", "location": {"id": "loc1", "location_type": "physical",
     "latitude": 26.1224, "longitude": -80.1373,
     "addresses": [{"id": "ad1", "address_1": "1 Test St", "city": "Fort Lauderdale",
        "state_province": "FL", "postal_code": "33301", "country": "US", "address_type": "physical"}]}}]}"#;

/// A made-up HSDS 3.0 service (not a real one): a statewide phone line with no location.
pub const MADE_UP_HOTLINE: &str = r#" {"id": "test-fl-hotline", "name": "Test Statewide Eviction Hotline", "status": "active",
  "description": "Eviction advice by phone for all of Florida.",
  "organization": {"id": "test-org-2", "name": "Test Hotline Org"},
  "service_areas": [{"id": "a2", "name": "Florida"}],
  "phones": [{"id": "p1", "number": "800-555-0100"}]}"#;

/// The real binary with `--dir home` and no `HEARTH_*` settings from the environment.
pub fn hearth_at(home: &Path) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_hearth"));
    command
        .env_remove("HEARTH_DIR")
        .env_remove("HEARTH_ADDR")
        .env("RUST_LOG", "warn")
        .arg("--dir")
        .arg(home)
        .stdin(std::process::Stdio::null());
    command
}

/// A process's resident memory, in kB, from `/proc` (0 once it has ended).
pub fn rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// Percent-encodes a query value.
pub fn enc(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}
