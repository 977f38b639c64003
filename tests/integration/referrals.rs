//! Referrals through the real router: every role against every referral route,
//! status transitions, CSRF, sign-in and its limits, session expiry, the FHIR
//! bundle, the handout and the CSV export.

use chrono::{Duration, Utc};
use hearth::directory::SessionLookup;
use hearth::model::Role;
use serde_json::{Value, json};

use crate::common::{PASSWORD, TestApp, bearer, fixture, set_cookie, user_with_token};

/// A Hearth with Miami fixtures, and users of every role, each with an API token.
struct World {
    app: TestApp,
    clinician_a: String,
    clinician_b: String,
    advocate: String,
    admin: String,
    service_id: String,
}

fn world() -> World {
    let app = TestApp::with(&[fixture("miami")]);
    let directory = &app.state.directory;
    let token = |email: &str, role: Role| user_with_token(directory, email, role);
    let clinician_a = token("a@clinic.test", Role::Clinician);
    let clinician_b = token("b@clinic.test", Role::Clinician);
    let advocate = token("adv@org.test", Role::Advocate);
    let admin = token("admin@hearth.test", Role::Admin);
    let service_id = directory.services().next().unwrap().unwrap().id;
    World {
        app,
        clinician_a,
        clinician_b,
        advocate,
        admin,
        service_id,
    }
}

impl World {
    async fn api(&self, method: &str, uri: &str, token: Option<&str>, body: Value) -> (u16, Value) {
        self.app.api(method, uri, token, &body).await
    }

    async fn create(&self, token: &str) -> Value {
        let (status, body) = self
            .api(
                "POST",
                "/api/v1/referrals",
                Some(token),
                json!({"service_id": self.service_id, "need": "food-insecurity", "client_ref": "C-1042", "consent": "verbal"}),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        body
    }
}

#[tokio::test]
async fn each_role_gets_only_what_it_may_from_each_referral_route() {
    let w = world();
    let mine = w.create(&w.clinician_a).await;
    let id = mine["id"].as_str().unwrap();
    assert_eq!(mine["status"], "requested");
    assert_eq!(mine["history"].as_array().unwrap().len(), 1);

    let routes: Vec<(&str, String, Value)> = vec![
        ("GET", "/api/v1/referrals".into(), Value::Null),
        ("GET", format!("/api/v1/referrals/{id}"), Value::Null),
        ("GET", format!("/api/v1/referrals/{id}/fhir"), Value::Null),
        (
            "POST",
            format!("/api/v1/referrals/{id}/status"),
            json!({"status": "accepted"}),
        ),
        (
            "POST",
            "/api/v1/referrals".into(),
            json!({"service_id": w.service_id, "need": "food-insecurity"}),
        ),
    ];
    for (method, uri, body) in &routes {
        // Anonymous: 401, whatever the route.
        let (status, _) = w.api(method, uri, None, body.clone()).await;
        assert_eq!(status, 401, "anonymous {method} {uri}");
        // An advocate never sees row-level referrals: 403.
        let (status, _) = w.api(method, uri, Some(&w.advocate), body.clone()).await;
        assert_eq!(status, 403, "advocate {method} {uri}");
        // A bad token is refused, not taken as anonymous.
        let (status, _) = w
            .api(method, uri, Some("hth_not-a-real-token"), body.clone())
            .await;
        assert_eq!(status, 401, "bad token {method} {uri}");
    }
    // Clinician B: someone else's referral does not exist for them (404), and
    // their list does not hold it.
    for (method, uri, body) in &routes[1..4] {
        let (status, _) = w.api(method, uri, Some(&w.clinician_b), body.clone()).await;
        assert_eq!(status, 404, "clinician B {method} {uri}");
    }
    let (_, list) = w
        .api(
            "GET",
            "/api/v1/referrals",
            Some(&w.clinician_b),
            Value::Null,
        )
        .await;
    assert_eq!(list["total"], 0, "{list}");
    // Clinician A and the admin see it.
    let (_, list) = w
        .api(
            "GET",
            "/api/v1/referrals",
            Some(&w.clinician_a),
            Value::Null,
        )
        .await;
    assert_eq!(list["total"], 1);
    w.create(&w.clinician_b).await;
    let (_, all) = w
        .api("GET", "/api/v1/referrals", Some(&w.admin), Value::Null)
        .await;
    assert_eq!(all["total"], 2, "the admin sees everyone's");
    let (status, _) = w
        .api(
            "GET",
            &format!("/api/v1/referrals/{id}"),
            Some(&w.admin),
            Value::Null,
        )
        .await;
    assert_eq!(status, 200);
    // Every view and change is in the audit log, by id only.
    let log = w.app.state.directory.audit_log(100).unwrap();
    assert!(
        log.iter()
            .any(|e| e.action == "referral.create" && e.target_id == id)
    );
    assert!(
        log.iter()
            .any(|e| e.action == "referral.view" && e.target_id == id)
    );
    assert!(
        !format!("{log:?}").contains("C-1042"),
        "no client data in the audit log"
    );
}

#[tokio::test]
async fn status_changes_follow_the_rules_with_history() {
    let w = world();
    let r = w.create(&w.clinician_a).await;
    let uri = format!("/api/v1/referrals/{}/status", r["id"].as_str().unwrap());
    let t = Some(w.clinician_a.as_str());
    let (status, body) = w.api("POST", &uri, t, json!({"status": "completed"})).await;
    assert_eq!(status, 422, "a closed status needs a reason: {body}");
    assert_eq!(body["errors"][0]["field"], "reason");
    let (status, body) = w
        .api(
            "POST",
            &uri,
            t,
            json!({"status": "completed", "reason": "got-help"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["outcome"], "got-help");
    assert_eq!(body["history"].as_array().unwrap().len(), 2);
    let (status, body) = w
        .api("POST", &uri, t, json!({"status": "in-progress"}))
        .await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("entered-in-error"),
        "{body}"
    );
    let (status, _) = w.api("POST", &uri, t, json!({"status": "sideways"})).await;
    assert_eq!(status, 422);
    let (status, body) = w.api("POST", &uri, t, json!("not an object")).await;
    assert_eq!(status, 400, "{body}");
}

#[tokio::test]
async fn bad_referrals_get_every_problem_by_field_and_retries_make_no_copy() {
    let w = world();
    let t = Some(w.clinician_a.as_str());
    let (status, body) = w
        .api(
            "POST",
            "/api/v1/referrals",
            t,
            json!({"service_id": w.service_id, "need": "hunger", "client_ref": "Maria Lopez", "client_zip": "12"}),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["need", "client_ref", "client_zip"], "{body}");
    let (status, _) = w
        .api(
            "POST",
            "/api/v1/referrals",
            t,
            json!({"service_id": "nope", "need": "food-insecurity"}),
        )
        .await;
    assert_eq!(status, 404);
    let request =
        json!({"service_id": w.service_id, "need": "food-insecurity", "request_id": "abc-1"});
    let (first, a) = w.api("POST", "/api/v1/referrals", t, request.clone()).await;
    let (again, b) = w.api("POST", "/api/v1/referrals", t, request).await;
    assert_eq!((first, again), (201, 200));
    assert_eq!(a["id"], b["id"]);
}

#[tokio::test]
async fn the_fhir_bundle_holds_the_referral_resources() {
    let w = world();
    let r = w.create(&w.clinician_a).await;
    let (status, bundle) = w
        .api(
            "GET",
            &format!("/api/v1/referrals/{}/fhir", r["id"].as_str().unwrap()),
            Some(&w.clinician_a),
            Value::Null,
        )
        .await;
    assert_eq!(status, 200, "{bundle}");
    assert_eq!(bundle["resourceType"], "Bundle");
    let kinds: Vec<&str> = bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["resource"]["resourceType"].as_str().unwrap())
        .collect();
    for kind in [
        "ServiceRequest",
        "Task",
        "Consent",
        "Patient",
        "Organization",
    ] {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }
    let text = bundle.to_string();
    assert!(text.contains("food-insecurity"));
    assert!(
        !text.contains("a@clinic.test"),
        "no clinician email in FHIR"
    );
}

/// Signs in through the form: returns the session cookie and the page's CSRF token.
async fn sign_in(app: &TestApp, email: &str, password: &str) -> Result<(String, String), u16> {
    let (status, headers) = app.sign_in(email, password, "/referrals").await;
    if status.as_u16() != 303 {
        return Err(status.as_u16());
    }
    assert_eq!(headers["location"], "/referrals");
    let session = set_cookie(&headers, "hearth_session").unwrap();
    assert!(
        session.contains("HttpOnly") && session.contains("SameSite=Lax"),
        "{session}"
    );
    assert!(!session.contains("Secure"), "not Secure over plain http");
    let value = session.split(';').next().unwrap().to_owned();
    // The CSRF token of the session is in every form it serves.
    let (_, page) = app.get_as("/referrals", &value).await;
    assert!(page.contains("My referrals"), "{page}");
    let csrf = app.session_csrf(&value);
    Ok((value, csrf))
}

#[tokio::test]
async fn sign_in_sessions_csrf_and_limits() {
    let w = world();
    let app = &w.app;
    assert_eq!(
        sign_in(app, "a@clinic.test", "wrong password!!").await,
        Err(401)
    );
    let (cookie, csrf) = sign_in(app, "A@Clinic.test", PASSWORD).await.unwrap();

    // A JSON change from a browser session needs the session's CSRF token.
    let body = json!({"service_id": w.service_id, "need": "food-insecurity"}).to_string();
    let (status, _, _) = app
        .send(
            "POST",
            "/api/v1/referrals",
            &[("cookie", &cookie), ("content-type", "application/json")],
            &body,
        )
        .await;
    assert_eq!(status.as_u16(), 403, "no CSRF token");
    let (status, _, _) = app
        .send(
            "POST",
            "/api/v1/referrals",
            &[
                ("cookie", &cookie),
                ("content-type", "application/json"),
                ("x-csrf-token", "forged"),
            ],
            &body,
        )
        .await;
    assert_eq!(status.as_u16(), 403, "a wrong CSRF token");
    let (status, _, _) = app
        .send(
            "POST",
            "/api/v1/referrals",
            &[
                ("cookie", &cookie),
                ("content-type", "application/json"),
                ("x-csrf-token", &csrf),
            ],
            &body,
        )
        .await;
    assert_eq!(status.as_u16(), 201);
    // The referral form too.
    let form = format!("service_id={}&need=housing-instability", w.service_id);
    let (status, _, _) = app
        .post_form("/referrals", &[("cookie", &cookie)], &form)
        .await;
    assert_eq!(status.as_u16(), 403, "a form without its CSRF token");
    let (status, headers, _) = app
        .post_form(
            "/referrals",
            &[("cookie", &cookie)],
            &format!("{form}&csrf={csrf}"),
        )
        .await;
    assert_eq!(status.as_u16(), 303);
    assert!(
        headers["location"]
            .to_str()
            .unwrap()
            .starts_with("/referrals/")
    );

    // Idle and absolute timeouts are enforced on the server.
    let directory = &app.state.directory;
    let value = cookie.trim_start_matches("hearth_session=");
    assert!(matches!(
        directory
            .session(value, Utc::now() + Duration::minutes(31))
            .unwrap(),
        SessionLookup::Expired(_)
    ));
    let (status, page) = app.get_as("/referrals", &cookie).await;
    assert_eq!(
        status.as_u16(),
        303,
        "an ended session is sent to sign in: {page}"
    );

    // Five wrong passwords lock the account for a while (429), even with the right one.
    for _ in 0..5 {
        assert_eq!(
            sign_in(app, "b@clinic.test", "wrong password!!").await,
            Err(401)
        );
    }
    assert_eq!(sign_in(app, "b@clinic.test", PASSWORD).await, Err(429));
}

#[tokio::test]
async fn handouts_and_csv_exports() {
    let w = world();
    let (status, _, page) = w
        .app
        .send(
            "GET",
            &format!("/handout?s={}&lang=es", w.service_id),
            &[],
            "",
        )
        .await;
    assert_eq!(status.as_u16(), 200);
    assert!(page.contains("lang=\"es\""), "{page}");
    let (status, _, text) = w
        .app
        .send(
            "GET",
            &format!("/handout?s={}&format=text", w.service_id),
            &[],
            "",
        )
        .await;
    assert_eq!(status.as_u16(), 200);
    assert!(!text.contains('<'), "plain text: {text}");
    let six = std::iter::repeat_n(w.service_id.as_str(), 6)
        .collect::<Vec<_>>()
        .join(",");
    let (status, _, _) = w
        .app
        .send("GET", &format!("/handout?s={six}"), &[], "")
        .await;
    assert_eq!(status.as_u16(), 400);

    let (status, _) = w
        .api(
            "POST",
            "/api/v1/referrals",
            Some(&w.clinician_a),
            json!({"service_id": w.service_id, "need": "food-insecurity", "client_ref": "=cmd|x"}),
        )
        .await;
    assert_eq!(status, 201);
    let auth = bearer(&w.clinician_a);
    let (status, headers, csv) = w
        .app
        .send("GET", "/referrals.csv", &[("authorization", &auth)], "")
        .await;
    assert_eq!(status.as_u16(), 200);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(csv.contains("\"'=cmd|x\""), "{csv}");
    let auth_b = bearer(&w.clinician_b);
    let (_, _, other) = w
        .app
        .send("GET", "/referrals.csv", &[("authorization", &auth_b)], "")
        .await;
    assert_eq!(other.lines().count(), 1, "B's export holds only the header");
}

#[tokio::test]
async fn the_search_page_offers_refer_to_clinicians_and_handouts_to_everyone() {
    let w = world();
    let (_, _, anonymous) = w.app.send("GET", "/?near=33136&radius=10", &[], "").await;
    assert!(anonymous.contains("href=\"/login\""), "a sign-in link");
    assert!(
        !anonymous.contains("href=\"/refer?"),
        "no Refer when signed out"
    );
    assert!(
        anonymous.contains("form=\"handout\""),
        "handout checkboxes for anyone"
    );
    let (cookie, _) = sign_in(&w.app, "a@clinic.test", PASSWORD).await.unwrap();
    // A referral whose follow-up is due today shows in the header.
    let today = Utc::now().date_naive().to_string();
    let (status, _) = w
        .api(
            "POST",
            "/api/v1/referrals",
            Some(&w.clinician_a),
            json!({"service_id": w.service_id, "need": "food-insecurity", "follow_up": today}),
        )
        .await;
    assert_eq!(status, 201);
    let (_, page) = w.app.get_as("/?near=33136&radius=10", &cookie).await;
    assert!(
        page.contains("href=\"/refer?service="),
        "Refer on each card"
    );
    assert!(page.contains("My referrals (1 follow-up due)"), "{page}");
    assert!(page.contains("action=\"/logout\""));
    // The refer form is filled in with the listing.
    let (status, _, form) = w
        .app
        .send(
            "GET",
            &format!("/refer?service={}", w.service_id),
            &[("cookie", &cookie)],
            "",
        )
        .await;
    assert_eq!(status.as_u16(), 200);
    assert!(
        form.contains(&format!("value=\"{}\"", w.service_id)),
        "{form}"
    );
    assert!(form.contains("name=\"csrf\""));
    // Signed out, the refer page sends you to sign in and back.
    let (status, headers, _) = w
        .app
        .send("GET", &format!("/refer?service={}", w.service_id), &[], "")
        .await;
    assert_eq!(status.as_u16(), 303);
    assert!(
        headers["location"]
            .to_str()
            .unwrap()
            .starts_with("/login?next=%2Frefer")
    );
}

#[tokio::test]
async fn only_admins_read_the_audit_log() {
    let w = world();
    w.create(&w.clinician_a).await;
    for (token, expected) in [(&w.admin, 200), (&w.clinician_a, 403), (&w.advocate, 403)] {
        let auth = bearer(token);
        let (status, _, page) = w
            .app
            .send("GET", "/admin/audit", &[("authorization", &auth)], "")
            .await;
        assert_eq!(status.as_u16(), expected);
        if expected == 200 {
            assert!(page.contains("referral.create"), "{page}");
        }
    }
    let (status, _, _) = w.app.send("GET", "/admin/audit", &[], "").await;
    assert_eq!(status.as_u16(), 303, "signed out: to the sign-in page");
}

/// S9: one audit entry per sensitive action, naming ids only: never the note
/// text nor the client reference. The chain over them is whole.
#[tokio::test]
async fn each_sensitive_action_is_audited_once_without_notes_or_client_references() {
    let w = world();
    let t = Some(w.clinician_a.as_str());
    let (status, r) = w
        .api(
            "POST",
            "/api/v1/referrals",
            t,
            json!({"service_id": w.service_id, "need": "food-insecurity",
                   "client_ref": "CLIENT-REF-7731", "consent": "verbal",
                   "note": "NOTE-TEXT-eviction-next-week"}),
        )
        .await;
    assert_eq!(status, 201, "{r}");
    let id = r["id"].as_str().unwrap();
    let (status, body) = w
        .api(
            "POST",
            &format!("/api/v1/referrals/{id}/status"),
            t,
            json!({"status": "completed", "reason": "got-help", "note": "NOTE-TEXT-she-got-food"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = w
        .api("GET", &format!("/api/v1/referrals/{id}"), t, Value::Null)
        .await;
    assert_eq!(status, 200);

    let directory = &w.app.state.directory;
    let log = directory.audit_log(1000).unwrap();
    let about: Vec<&str> = log
        .iter()
        .filter(|e| e.target_id == id)
        .map(|e| e.action.as_str())
        .collect();
    for action in ["referral.create", "referral.status", "referral.view"] {
        assert_eq!(
            about.iter().filter(|a| **a == action).count(),
            1,
            "{action} in {about:?}"
        );
    }
    let text = serde_json::to_string(&log).unwrap();
    for secret in ["CLIENT-REF-7731", "NOTE-TEXT"] {
        assert!(!text.contains(secret), "{secret} in the audit log: {text}");
    }
    let check = directory.check(&hearth::directory::Silent).unwrap();
    assert_eq!(check.store.audit.broken, None);
    assert_eq!(check.store.audit.entries, log.len() as u64);
}
