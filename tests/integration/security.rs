//! Issue 9's security checks over the whole route table, read from the
//! router's source so that a route added there is walked here too:
//! S3/S4 (every state-changing route refuses a missing or wrong CSRF token and
//! a cross-site request; no GET changes anything), S7 (the security headers on
//! every response, errors and stylesheets included) and S12 (error pages name
//! no paths, panics or library internals).

use hearth::directory::Silent;
use hearth::model::Role;
use hearth::web::CONTENT_SECURITY_POLICY;
use serde_json::json;

use crate::common::{TestApp, bearer, enc, fixture, user_with_token};

/// Request headers, as name and value.
type Headers<'a> = Vec<(&'a str, &'a str)>;

/// Each route of `hearth::web::router` with each method it answers, from
/// `src/web/mod.rs`.
fn routes() -> Vec<(&'static str, String)> {
    let source = include_str!("../../src/web/mod.rs");
    let body = &source[source.find("pub fn router(").unwrap()..];
    let body = &body[..body.find(".fallback(").unwrap()];
    let mut out = Vec::new();
    for chunk in body.split(".route(").skip(1) {
        let start = chunk.find('"').unwrap() + 1;
        let path = &chunk[start..start + chunk[start..].find('"').unwrap()];
        let before = out.len();
        for (method, name) in [
            ("GET", "get("),
            ("POST", "post("),
            ("PUT", "put("),
            ("DELETE", "delete("),
        ] {
            let routed = chunk.match_indices(name).any(|(i, _)| {
                !chunk[..i]
                    .chars()
                    .next_back()
                    .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':')
            });
            if routed {
                out.push((method, path.to_owned()));
            }
        }
        assert!(out.len() > before, "no method read for route {path}");
    }
    out
}

#[test]
fn the_route_table_is_read_whole() {
    let routes = routes();
    assert!(routes.len() >= 70, "{}", routes.len());
    for expected in [
        ("GET", "/"),
        ("POST", "/referrals"),
        ("GET", "/referrals"),
        ("POST", "/api/v1/referrals/{id}/status"),
        ("POST", "/submit"),
        ("GET", "/submit"),
        ("POST", "/lists/{id}/items/{service_id}/remove"),
    ] {
        assert!(
            routes.iter().any(|(m, p)| (*m, p.as_str()) == expected),
            "{expected:?} in {routes:?}"
        );
    }
}

/// A Hearth with Miami's listings, a user of each role, and one of each kind
/// of record a route can name.
struct World {
    app: TestApp,
    admin_token: String,
    ids: Vec<(&'static str, String)>,
}

async fn world() -> World {
    let app = TestApp::with(&[fixture("miami")]);
    let directory = &app.state.directory;
    let admin_token = user_with_token(directory, "admin@hearth.test", Role::Admin);
    let clinician = user_with_token(directory, "a@clinic.test", Role::Clinician);
    let service = directory.services().next().unwrap().unwrap();
    let (status, referral) = app
        .api(
            "POST",
            "/api/v1/referrals",
            Some(&clinician),
            &json!({"service_id": service.id, "need": "food-insecurity", "client_ref": "C-1", "consent": "verbal"}),
        )
        .await;
    assert_eq!(status, 201, "{referral}");
    let (status, submission) = app
        .api(
            "POST",
            "/api/v1/submissions",
            None,
            &json!({"kind": "new", "submitter": {"name": "Ana", "email": "ana@org.test"},
                    "service": {"name": "Test pantry", "organization": {"name": "Test org"},
                                "description": "Food on Tuesdays."}}),
        )
        .await;
    let submission_id = submission["id"].as_str().unwrap_or("missing").to_owned();
    assert!(status < 300 || submission_id == "missing", "{submission}");
    let (cookie, csrf) = app.session("a@clinic.test");
    let (status, headers, page) = app
        .send(
            "POST",
            "/lists",
            &[
                ("cookie", &cookie),
                ("content-type", "application/x-www-form-urlencoded"),
            ],
            &format!("csrf={csrf}&name=Team"),
        )
        .await;
    assert_eq!(status, 303, "{page}");
    let list = header(&headers, "location")
        .trim_start_matches("/lists#list-")
        .to_owned();
    let ids = vec![
        ("{service_id}", service.id.clone()),
        (
            "/referrals/{id}",
            referral["id"].as_str().unwrap().to_owned(),
        ),
        ("/moderation/{id}", submission_id),
        ("/lists/{id}", list),
        ("/organizations/{id}", service.organization.id.clone()),
        ("{id}", service.id.clone()),
    ];
    World {
        app,
        admin_token,
        ids,
    }
}

impl World {
    /// One form body and one JSON body that every POST route reads without a
    /// field error (each takes the fields it knows), so that only who asks,
    /// and their token, decide the answer.
    fn bodies(&self) -> (String, String) {
        let service = self.ids[0].1.clone();
        let fields = [
            ("email", "admin@hearth.test"),
            ("password", crate::common::PASSWORD),
            ("confirm", crate::common::PASSWORD),
            ("name", "Team B"),
            ("status", "completed"),
            ("reason", "got-help"),
            ("need", "food-insecurity"),
            ("service_id", service.as_str()),
            ("consent", "verbal"),
            ("client_ref", "C-9"),
            ("members", ""),
            ("note", "n"),
            ("contact_email", "ana@org.test"),
            ("organization", "Test org"),
            ("description", "Food."),
        ];
        let form: String = fields
            .iter()
            .map(|(k, v)| format!("{k}={}", enc(v)))
            .collect::<Vec<_>>()
            .join("&");
        let json = serde_json::to_string(&serde_json::json!({
            "service_id": service, "need": "food-insecurity", "consent": "verbal",
            "client_ref": "C-9", "status": "completed", "reason": "got-help",
            "kind": "new", "submitter": {"name": "Ana", "email": "ana@org.test"},
            "service": {"name": "Test pantry", "organization": {"name": "Test org"}, "description": "Food."},
        }))
        .unwrap();
        (form, json)
    }

    /// `path` with its parameters filled with ids of real records.
    fn uri(&self, path: &str) -> String {
        let mut uri = path.to_owned();
        for (pattern, id) in &self.ids {
            if let Some(at) = uri.find(pattern) {
                let param = if pattern.starts_with('/') {
                    at + pattern.len() - "{id}".len()
                } else {
                    at
                };
                let end = param + uri[param..].find('}').unwrap() + 1;
                uri.replace_range(param..end, &enc(id));
            }
        }
        uri
    }
}

fn header<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// S7 and S12: every route, signed out and as an admin, plus the errors a
/// router makes itself (not found, wrong method).
#[tokio::test]
async fn every_response_carries_the_security_headers_and_no_internals() {
    let w = world().await;
    assert!(!CONTENT_SECURITY_POLICY.contains("unsafe-inline"));
    for directive in [
        "default-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ] {
        assert!(CONTENT_SECURITY_POLICY.contains(directive), "{directive}");
    }
    let auth = bearer(&w.admin_token);
    let mut requests: Vec<(String, String, Headers)> = Vec::new();
    for (method, path) in routes() {
        let uri = w.uri(&path);
        requests.push((method.to_owned(), uri.clone(), vec![]));
        requests.push((
            method.to_owned(),
            uri,
            vec![("authorization", auth.as_str())],
        ));
    }
    requests.push(("GET".into(), "/no/such/page".into(), vec![]));
    requests.push(("GET".into(), "/logout".into(), vec![]));
    requests.push(("DELETE".into(), "/referrals".into(), vec![]));
    requests.push(("GET".into(), "/api/v1/search?radius=zzz".into(), vec![]));
    let mut seen = 0;
    for (method, uri, headers) in &requests {
        let (status, got, body) = w.app.send(method, uri, headers, "").await;
        let what = format!(
            "{method} {uri} ({status}, signed in: {})",
            !headers.is_empty()
        );
        assert!(status.as_u16() < 500, "{what}: {body}");
        assert_eq!(
            header(&got, "content-security-policy"),
            CONTENT_SECURITY_POLICY,
            "{what}"
        );
        assert_eq!(header(&got, "x-content-type-options"), "nosniff", "{what}");
        assert_eq!(header(&got, "referrer-policy"), "same-origin", "{what}");
        assert!(got.get("server").is_none(), "{what}: names the server");
        if uri.starts_with("/static/") {
            assert!(
                header(&got, "cache-control").starts_with("public"),
                "{what}"
            );
        } else {
            assert_eq!(header(&got, "cache-control"), "no-store", "{what}");
        }
        if status.as_u16() >= 400 {
            for internal in [
                "/work/",
                "src/",
                ".rs:",
                "panicked",
                "sled::",
                "tantivy::",
                "RUST_BACKTRACE",
            ] {
                assert!(!body.contains(internal), "{what}: {internal} in {body}");
            }
        }
        seen += 1;
    }
    assert_eq!(seen, routes().len() * 2 + 4);
}

/// S3/S4: each state-changing route, from a signed-in browser session,
/// refuses a request without the session's CSRF token, with a wrong one, and
/// one the browser says came from another site, whatever else it carries.
#[tokio::test]
async fn every_state_changing_route_refuses_missing_wrong_and_cross_site_tokens() {
    let w = world().await;
    let (cookie, csrf) = w.app.session("admin@hearth.test");
    // The session itself is good: it reads a signed-in page.
    let (status, _) = w.app.get_as("/referrals", &cookie).await;
    assert_eq!(status, 200);
    let posts: Vec<String> = routes()
        .into_iter()
        .filter(|(method, _)| *method != "GET")
        .map(|(_, path)| path)
        .collect();
    assert!(posts.len() >= 25, "{posts:?}");
    // A setup link is open, so /setup is refused for its token alone.
    let setup = w.app.state.start_setup().unwrap();
    assert!(!setup.is_empty());
    let (form_body, json_body) = w.bodies();
    let mut failures = Vec::new();
    for path in &posts {
        let uri = w.uri(path);
        let (kind, body) = if path.starts_with("/api/") {
            ("application/json", json_body.clone())
        } else {
            ("application/x-www-form-urlencoded", form_body.clone())
        };
        let with = |token: &str| {
            if kind == "application/json" {
                body.clone()
            } else {
                // The first-admin form's check is its one-time link's token.
                format!("csrf={0}&token={0}&{body}", enc(token))
            }
        };
        let cases: [(&str, Headers, String); 3] = [
            (
                "no token",
                vec![("cookie", cookie.as_str()), ("content-type", kind)],
                body.clone(),
            ),
            (
                "a wrong token",
                vec![
                    ("cookie", cookie.as_str()),
                    ("content-type", kind),
                    ("x-csrf-token", "wrong"),
                ],
                with("wrong"),
            ),
            (
                "cross-site",
                vec![
                    ("cookie", cookie.as_str()),
                    ("content-type", kind),
                    ("x-csrf-token", csrf.as_str()),
                    ("sec-fetch-site", "cross-site"),
                ],
                with(&csrf),
            ),
        ];
        for (case, headers, body) in &cases {
            let (status, _, page) = w.app.send("POST", &uri, headers, body).await;
            // A wrong or missing setup link is "not valid", as for anyone.
            let refused =
                status == 403 || (path == "/setup" && status == 404 && *case != "cross-site");
            if !refused {
                failures.push(format!("POST {uri} with {case}: {status} {page}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // And the public forms still work signed in: their pages carry the token.
    let (_, page) = w.app.get_as("/submit", &cookie).await;
    assert!(
        page.contains(&format!("name=\"csrf\" value=\"{csrf}\"")),
        "{page}"
    );
    let (status, _, page) = w
        .app
        .send(
            "POST",
            "/submit",
            &[("cookie", &cookie), ("content-type", "application/x-www-form-urlencoded")],
            &format!("csrf={csrf}&organization=Org&name=Pantry&description=Food&phone=305-555-0100&zip=33136"),
        )
        .await;
    assert_eq!(status, 202, "{page}");
}

/// S4: no GET changes what the store holds. Reading a referral is written to
/// the audit log and searches to the search log (both by design); nothing
/// else may change.
#[tokio::test]
async fn no_get_route_changes_state() {
    let w = world().await;
    let directory = &w.app.state.directory;
    let state = || {
        let check = directory.check(&Silent).unwrap();
        let counts: Vec<(&str, u64)> = check
            .store
            .counts
            .into_iter()
            .filter(|(tree, _)| !tree.starts_with("search_log"))
            .collect();
        let all = directory
            .referrals_made(chrono::DateTime::UNIX_EPOCH, chrono::Utc::now())
            .unwrap();
        let referrals = serde_json::to_string(&all).unwrap();
        (counts, directory.sequences().unwrap(), referrals)
    };
    let before = state();
    let (cookie, _) = w.app.session("admin@hearth.test");
    let auth = bearer(&w.admin_token);
    for (method, path) in routes() {
        if method != "GET" {
            continue;
        }
        let uri = w.uri(&path);
        for headers in [
            vec![],
            vec![("authorization", auth.as_str())],
            vec![("cookie", cookie.as_str())],
        ] {
            w.app.send("GET", &uri, &headers, "").await;
        }
    }
    let after = state();
    // Signing in above added a session; sessions are not among the trees compared.
    assert_eq!(before, after);
}

/// Who may get a success from each route (S8). `ANYONE` is everyone, signed
/// out included; `OWNER` is clinician A, whose referral and list the ids name
/// (clinician B is the other clinician, who owns neither).
const ANYONE: &[&str] = &[
    "anonymous",
    "clinician-a",
    "clinician-b",
    "organization",
    "moderator",
    "advocate",
    "admin",
];
const CLINICIANS: &[&str] = &["clinician-a", "clinician-b", "admin"];
const OWNER: &[&str] = &["clinician-a", "admin"];
const OWNER_ONLY: &[&str] = &["clinician-a"];
const MODERATORS: &[&str] = &["moderator", "admin"];
const ADVOCATES: &[&str] = &["advocate", "admin"];
const ORGANIZATIONS: &[&str] = &["organization", "admin"];
const ADMINS: &[&str] = &["admin"];
/// No role: the route takes a secret only the server's own machine holds.
const NOBODY: &[&str] = &[];

/// The access policy: every route of the router, and who may succeed on it.
/// A route missing here, or listed here and gone from the router, fails
/// [`no_one_gets_a_success_the_policy_does_not_give_them`].
const POLICY: &[(&str, &str, &[&str])] = &[
    ("GET", "/", ANYONE),
    ("GET", "/services/{id}", ANYONE),
    ("GET", "/about", ANYONE),
    ("GET", "/static/hearth.css", ANYONE),
    ("GET", "/static/handout.css", ANYONE),
    ("GET", "/api/v1/search", ANYONE),
    ("GET", "/api/v1/suggest", ANYONE),
    ("GET", "/api/v1/services/{id}", ANYONE),
    ("GET", "/api/v1/services", ANYONE),
    ("POST", "/api/v1/services/{id}/verify", MODERATORS),
    ("POST", "/services/{id}/verify", MODERATORS),
    ("GET", "/moderation/stale", MODERATORS),
    ("GET", "/api/v1/moderation/stale", MODERATORS),
    ("GET", "/healthz", ANYONE),
    ("GET", "/hsds", ANYONE),
    ("GET", "/hsds/", ANYONE),
    ("GET", "/hsds/openapi.json", ANYONE),
    ("GET", "/api/v1/openapi.json", ANYONE),
    ("GET", "/hsds/services", ANYONE),
    ("GET", "/hsds/services/{id}", ANYONE),
    ("GET", "/hsds/organizations", ANYONE),
    ("GET", "/hsds/organizations/{id}", ANYONE),
    ("GET", "/hsds/taxonomies", ANYONE),
    ("GET", "/hsds/taxonomies/{id}", ANYONE),
    ("GET", "/hsds/taxonomy_terms", ANYONE),
    ("GET", "/hsds/taxonomy_terms/{id}", ANYONE),
    ("GET", "/hsds/service_at_locations", ANYONE),
    ("GET", "/hsds/service_at_locations/{id}", ANYONE),
    ("GET", "/login", ANYONE),
    ("POST", "/login", ANYONE),
    ("POST", "/logout", ANYONE),
    ("GET", "/setup", ANYONE),
    ("POST", "/setup", ANYONE),
    ("GET", "/refer", CLINICIANS),
    ("GET", "/referrals", CLINICIANS),
    ("POST", "/referrals", CLINICIANS),
    ("GET", "/referrals.csv", CLINICIANS),
    ("GET", "/referrals/{id}", OWNER),
    ("POST", "/referrals/{id}/status", OWNER),
    ("GET", "/handout", ANYONE),
    ("GET", "/admin/audit", ADMINS),
    ("GET", "/admin/sync", ADMINS),
    ("GET", "/reports/gaps", ADVOCATES),
    ("GET", "/api/v1/reports/gaps", ADVOCATES),
    ("POST", "/api/v1/submissions", ANYONE),
    ("GET", "/api/v1/moderation", MODERATORS),
    ("POST", "/api/v1/moderation/{id}/approve", MODERATORS),
    ("POST", "/api/v1/moderation/{id}/reject", MODERATORS),
    ("GET", "/submit", ANYONE),
    ("POST", "/submit", ANYONE),
    ("GET", "/moderation", MODERATORS),
    ("POST", "/services/{id}/claim", ORGANIZATIONS),
    ("POST", "/api/v1/services/{id}/claim", ORGANIZATIONS),
    ("POST", "/moderation/{id}/approve", MODERATORS),
    ("POST", "/moderation/{id}/reject", MODERATORS),
    ("GET", "/services/{id}/correct", ANYONE),
    ("POST", "/services/{id}/correct", ANYONE),
    ("GET", "/api/v1/referrals", CLINICIANS),
    ("POST", "/api/v1/referrals", CLINICIANS),
    ("GET", "/api/v1/referrals/{id}", OWNER),
    ("POST", "/api/v1/referrals/{id}/status", OWNER),
    ("GET", "/api/v1/referrals/{id}/fhir", OWNER),
    ("GET", "/lists", CLINICIANS),
    ("POST", "/lists", CLINICIANS),
    ("POST", "/lists/{id}/items", OWNER_ONLY),
    ("POST", "/lists/{id}/items/{service_id}/remove", OWNER_ONLY),
    ("POST", "/lists/{id}/members", OWNER_ONLY),
    ("POST", "/lists/{id}/rename", OWNER_ONLY),
    ("POST", "/lists/{id}/delete", OWNER_ONLY),
    ("GET", "/api/v1/lists", CLINICIANS),
    ("GET", "/api/v1/lists/{id}", OWNER_ONLY),
    ("POST", "/api/v1/lists/{id}/items", OWNER_ONLY),
    ("POST", "/internal/backup", NOBODY),
];

/// S8: every role against every route, with the records of clinician A: no
/// one outside a route's policy gets a success (a 2xx, or a redirect anywhere
/// but the sign-in page), and the policy names every route.
#[tokio::test]
async fn no_one_gets_a_success_the_policy_does_not_give_them() {
    let routes = routes();
    for (method, path) in &routes {
        assert!(
            POLICY.iter().any(|(m, p, _)| m == method && p == path),
            "{method} {path} is not in the access policy: add it to POLICY with who may use it"
        );
    }
    for (method, path, _) in POLICY {
        assert!(
            routes.iter().any(|(m, p)| m == method && p == path),
            "{method} {path} is in the access policy but not in the router"
        );
    }
    let w = world().await;
    let directory = &w.app.state.directory;
    let now = chrono::Utc::now();
    let mut people: Vec<(&str, Option<String>)> = vec![("anonymous", None)];
    for (name, role) in [
        ("clinician-b", Role::Clinician),
        ("organization", Role::Organization),
        ("moderator", Role::Moderator),
        ("advocate", Role::Advocate),
    ] {
        let token = user_with_token(directory, &format!("{name}@people.test"), role);
        people.push((name, Some(token)));
    }
    people.push(("admin", Some(w.admin_token.clone())));
    let owner = directory
        .create_token("a@clinic.test", "matrix", "test", now)
        .unwrap();
    people.push(("clinician-a", Some(owner)));

    let (form_body, json_body) = w.bodies();
    let mut wrong = Vec::new();
    let mut refused = 0;
    // The owner goes last on each route, and deleting routes go last of all,
    // so no record is taken away before everyone has tried it.
    let (deleting, rest): (Vec<_>, Vec<_>) = POLICY
        .iter()
        .partition(|(_, path, _)| path.ends_with("/delete"));
    for &(method, path, allowed) in rest.into_iter().chain(deleting) {
        let uri = w.uri(path);
        for (who, token) in &people {
            let auth = token.as_deref().map(bearer);
            let (kind, body) = match method {
                "GET" => ("text/plain", String::new()),
                _ if path.starts_with("/api/") => ("application/json", json_body.clone()),
                _ => ("application/x-www-form-urlencoded", form_body.clone()),
            };
            let mut headers = vec![("content-type", kind)];
            if let Some(auth) = &auth {
                headers.push(("authorization", auth));
            }
            let (status, got, page) = w.app.send(method, &uri, &headers, &body).await;
            let location = header(&got, "location");
            let success =
                status.is_success() || (status.is_redirection() && !location.starts_with("/login"));
            if allowed.contains(who) {
                continue;
            }
            if success {
                wrong.push(format!(
                    "{who}: {method} {uri} → {status} {location} {}",
                    page.chars().take(200).collect::<String>()
                ));
            } else {
                refused += 1;
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "unauthorized successes:\n{}",
        wrong.join("\n")
    );
    eprintln!(
        "S8: {} routes × {} people, {refused} refusals, 0 unauthorized successes",
        POLICY.len(),
        people.len()
    );
}

/// Sends a request as if from `peer` (the socket's address), with any headers.
async fn from_peer(
    app: &TestApp,
    peer: &str,
    method: &str,
    uri: &str,
    headers: &[(&str, &str)],
    body: String,
) -> u16 {
    use tower::ServiceExt;
    let mut request = axum::http::Request::builder().method(method).uri(uri);
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    let mut request = request.body(axum::body::Body::from(body)).unwrap();
    let peer: std::net::SocketAddr = peer.parse().unwrap();
    request
        .extensions_mut()
        .insert(axum::extract::ConnectInfo(peer));
    hearth::web::router(app.state.clone())
        .oneshot(request)
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// S2: sign-in and public submission limits count the connection's address;
/// a forged `X-Forwarded-For` on each attempt does not reset them (Hearth
/// trusts no proxy header), and another address is not held back.
#[tokio::test]
async fn a_forged_forwarded_for_does_not_evade_the_rate_limits() {
    let app = TestApp::with(&[fixture("miami")]);
    let csrf = app.login_csrf().await;
    let cookie = format!("hearth_csrf={csrf}");
    let login = |n: usize| {
        format!(
            "email={}&password=wrong-password-{n}&csrf={csrf}",
            enc(&format!("person{n}@clinic.test"))
        )
    };
    let attacker = "203.0.113.7:40000";
    // Twenty failures, each for another account and "forwarded for" another host.
    for n in 0..20 {
        let forged = format!("10.0.{n}.1");
        let headers = [
            ("cookie", cookie.as_str()),
            ("content-type", "application/x-www-form-urlencoded"),
            ("x-forwarded-for", forged.as_str()),
        ];
        let status = from_peer(&app, attacker, "POST", "/login", &headers, login(n)).await;
        assert_eq!(status, 401, "attempt {n}");
    }
    let headers = [
        ("cookie", cookie.as_str()),
        ("content-type", "application/x-www-form-urlencoded"),
        ("x-forwarded-for", "198.51.100.1"),
    ];
    let status = from_peer(&app, attacker, "POST", "/login", &headers, login(20)).await;
    assert_eq!(status, 429, "the address is held back whatever it claims");
    let status = from_peer(
        &app,
        "203.0.113.8:40000",
        "POST",
        "/login",
        &headers,
        login(21),
    )
    .await;
    assert_eq!(status, 401, "another address is not");

    // Public submissions: ten per address in the window.
    let submission =
        serde_json::json!({"service": {"name": "Pantry", "organization": {"name": "Org"},
        "description": "Food.", "phones": [{"number": "305-555-0100"}]}})
        .to_string();
    let mut statuses = Vec::new();
    for n in 0..11 {
        let forged = format!("10.1.{n}.1");
        let headers = [
            ("content-type", "application/json"),
            ("x-forwarded-for", forged.as_str()),
        ];
        statuses.push(
            from_peer(
                &app,
                attacker,
                "POST",
                "/api/v1/submissions",
                &headers,
                submission.clone(),
            )
            .await,
        );
    }
    assert!(statuses[..10].iter().all(|s| *s != 429), "{statuses:?}");
    assert_eq!(statuses[10], 429, "{statuses:?}");
}

/// S3/S4 sessions: a sign-in always gets a new session id (one the browser
/// brought is never adopted), signing out ends the session on the server, and
/// a session in use ends 12 hours after sign-in however active it is.
#[tokio::test]
async fn sessions_are_new_at_sign_in_and_end_on_the_server() {
    use hearth::directory::SessionLookup;
    let w = world().await;
    let app = &w.app;
    let csrf = app.login_csrf().await;
    let body = format!(
        "email={}&password={}&csrf={csrf}",
        enc("admin@hearth.test"),
        enc(crate::common::PASSWORD)
    );
    let planted = "hearth_session=chosen-by-someone-else";
    let mut issued = Vec::new();
    for _ in 0..2 {
        let cookie = format!("hearth_csrf={csrf}; {planted}");
        let (status, headers, _) = app.post_form("/login", &[("cookie", &cookie)], &body).await;
        assert_eq!(status, 303);
        let session = crate::common::set_cookie(&headers, "hearth_session").unwrap();
        let value = session.split(';').next().unwrap().to_owned();
        assert_ne!(
            value, planted,
            "a session id the browser brought is not adopted"
        );
        issued.push(value);
    }
    assert_ne!(issued[0], issued[1], "each sign-in gets its own session id");

    // Signing out ends the session on the server: the old cookie is refused.
    let cookie = &issued[0];
    let csrf = app.session_csrf(cookie);
    let (status, _, _) = app
        .post_form("/logout", &[("cookie", cookie)], &format!("csrf={csrf}"))
        .await;
    assert_eq!(status, 303);
    let (status, _) = app.get_as("/referrals", cookie).await;
    assert_eq!(status, 303, "after sign-out the cookie is sent to sign in");
    let (status, _) = app.get_as("/referrals", &issued[1]).await;
    assert_eq!(status, 200, "the other session goes on");

    // Active every 20 minutes, the session still ends 12 hours after sign-in.
    let value = issued[1].trim_start_matches("hearth_session=");
    let directory = &app.state.directory;
    let start = chrono::Utc::now();
    let mut at = start;
    while at < start + chrono::Duration::hours(12) - chrono::Duration::minutes(20) {
        at += chrono::Duration::minutes(20);
        assert!(
            matches!(
                directory.session(value, at).unwrap(),
                SessionLookup::Active(_)
            ),
            "active at {at}"
        );
    }
    let late = start + chrono::Duration::hours(12) + chrono::Duration::minutes(1);
    assert!(matches!(
        directory.session(value, late).unwrap(),
        SessionLookup::Expired(_)
    ));
}
