//! Freshness through the real router: the "Reviewed on" / "Not reviewed since
//! import" line, verifying (who may, CSRF, re-indexing, audit), the
//! re-verification queue, and `GET /api/v1/services?modified_after=`.

use chrono::{Months, Utc};
use hearth::directory::Silent;
use hearth::import::ReadOptions;
use hearth::model::{Role, ServiceStatus};
use serde_json::Value;

use crate::common::{PASSWORD, TestApp, enc, fixture, set_cookie, user_with_token};

/// A Hearth with the Miami fixture under its real dataset name, the made-up
/// freshness listings below, and a user of each role that matters, each with a token.
struct World {
    app: TestApp,
    moderator: String,
    admin: String,
    clinician: String,
    /// A Miami listing (never reviewed).
    miami_id: String,
}

/// Test-only HSDS 3 listings: reviewed 13 months ago, 2 months ago, never;
/// and two that search must leave out (temporarily closed; inactive, Hearth's
/// "do not refer"), both with lapsed reviews. `{OLD}` and `{RECENT}` are
/// filled in with dates relative to today.
const FRESHNESS_JSON: &str = r#"[
 {"id": "fresh-lapsed", "name": "Test Freshness Pantry Lapsed", "status": "active",
  "description": "Groceries every week.", "assured_date": "{OLD}",
  "last_modified": "2024-05-01T10:00:00Z",
  "organization": {"id": "fresh-org", "name": "Test Freshness Org"},
  "phones": [{"id": "p1", "number": "305-555-0101"}]},
 {"id": "fresh-recent", "name": "Test Freshness Pantry Recent", "status": "active",
  "description": "Groceries every week.", "assured_date": "{RECENT}",
  "last_modified": "2024-05-02",
  "organization": {"id": "fresh-org", "name": "Test Freshness Org"}},
 {"id": "fresh-never", "name": "Test Freshness Pantry Never", "status": "active",
  "description": "Groceries every week.",
  "organization": {"id": "fresh-org", "name": "Test Freshness Org"}},
 {"id": "fresh-closed", "name": "Test Freshness Pantry Closed", "status": "temporarily closed",
  "description": "Groceries every week.", "assured_date": "{OLD}",
  "organization": {"id": "fresh-org", "name": "Test Freshness Org"}},
 {"id": "fresh-dnr", "name": "Test Freshness Pantry Do Not Refer", "status": "inactive",
  "description": "Groceries every week.", "assured_date": "{OLD}",
  "organization": {"id": "fresh-org", "name": "Test Freshness Org"}}
]"#;

fn months_ago(months: u32) -> String {
    Utc::now()
        .date_naive()
        .checked_sub_months(Months::new(months))
        .unwrap()
        .to_string()
}

fn world() -> World {
    let app = TestApp::empty();
    let directory = &app.state.directory;
    directory
        .import(
            &[(
                fixture("miami"),
                ReadOptions {
                    format: None,
                    dataset: Some("miami-211-2019".into()),
                },
            )],
            &Silent,
        )
        .unwrap()
        .into_result()
        .unwrap();
    app.import_json(
        "freshness-test.json",
        &FRESHNESS_JSON
            .replace("{OLD}", &months_ago(13))
            .replace("{RECENT}", &months_ago(2)),
    );
    let token = |email: &str, role: Role| user_with_token(directory, email, role);
    let moderator = token("mod@hearth.test", Role::Moderator);
    let admin = token("admin@hearth.test", Role::Admin);
    let clinician = token("a@clinic.test", Role::Clinician);
    let miami_id = directory
        .services()
        .map(Result::unwrap)
        .find(|s| s.source.dataset == "miami-211-2019" && s.status == ServiceStatus::Active)
        .unwrap()
        .id;
    World {
        app,
        moderator,
        admin,
        clinician,
        miami_id,
    }
}

impl World {
    /// A request with a bearer token (or none); the status and the body as JSON (or text).
    async fn api(&self, method: &str, uri: &str, token: Option<&str>) -> (u16, Value) {
        self.app.api(method, uri, token, &Value::Null).await
    }

    /// The id of a listing by its name.
    fn id_of(&self, name: &str) -> String {
        self.app
            .state
            .directory
            .services()
            .map(Result::unwrap)
            .find(|s| s.name == name)
            .unwrap_or_else(|| panic!("no listing named {name}"))
            .id
    }

    /// Every id in the queue for this query, over all its pages.
    async fn queue_ids(&self, query: &str) -> Vec<String> {
        self.queue_ids_by(query, 200).await
    }

    /// Every id in the queue for this query, `per_page` at a time.
    async fn queue_ids_by(&self, query: &str, per_page: usize) -> Vec<String> {
        let mut ids = Vec::new();
        for page in 1.. {
            let (status, body) = self
                .api(
                    "GET",
                    &format!("/api/v1/moderation/stale?{query}&per_page={per_page}&page={page}"),
                    Some(&self.moderator),
                )
                .await;
            assert_eq!(status, 200, "{body}");
            ids.extend(
                body["contents"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|e| e["id"].as_str().unwrap().to_owned()),
            );
            if body["last_page"] == true {
                break;
            }
        }
        ids
    }

    /// The ids listed as modified after `after`.
    async fn modified_after(&self, after: &str) -> Vec<String> {
        let (status, body) = self
            .api(
                "GET",
                &format!("/api/v1/services?modified_after={}", enc(after)),
                None,
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body["contents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_str().unwrap().to_owned())
            .collect()
    }
}

/// Signs in through the form: the session cookie and its CSRF token.
async fn sign_in(app: &TestApp, email: &str) -> (String, String) {
    let (status, headers) = app.sign_in(email, PASSWORD, "/").await;
    assert_eq!(status.as_u16(), 303);
    let session = set_cookie(&headers, "hearth_session")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let csrf = app.session_csrf(&session);
    (session, csrf)
}

#[tokio::test]
async fn a_miami_listing_says_it_was_not_reviewed_since_its_2019_import() {
    let w = world();
    let (status, page) = w.app.get(&format!("/services/{}", w.miami_id)).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Not reviewed since import (source: miami-211-2019, 2019)"),
        "{page}"
    );
    assert!(!page.contains("Reviewed on"), "{page}");
    // Anonymous visitors get no Verify button.
    assert!(!page.contains("/verify"), "{page}");
    // A listing with a review says when.
    let recent = w.id_of("Test Freshness Pantry Recent");
    let (_, page) = w.app.get(&format!("/services/{recent}")).await;
    assert!(
        page.contains(&format!("Reviewed on {}", months_ago(2))),
        "{page}"
    );
    // A source without a year in its name or note: no year is made up.
    let never = w.id_of("Test Freshness Pantry Never");
    let (_, page) = w.app.get(&format!("/services/{never}")).await;
    assert!(
        page.contains("Not reviewed since import (source: freshness-test)."),
        "{page}"
    );
}

#[tokio::test]
async fn a_moderator_verifies_a_listing_and_it_is_reviewed_today_out_of_the_queue_and_listed_as_changed()
 {
    let w = world();
    let id = w.miami_id.clone();
    let before = (Utc::now() - chrono::Duration::seconds(1)).to_rfc3339();
    assert!(w.modified_after(&before).await.is_empty());
    let queued = w.queue_ids("only=never&source=miami-211-2019").await;
    assert!(queued.contains(&id));

    let (status, body) = w
        .api(
            "POST",
            &format!("/api/v1/services/{id}/verify"),
            Some(&w.moderator),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let today = Utc::now().date_naive().to_string();
    assert_eq!(body["assured_date"], today.as_str());

    // The page says so, the queue no longer holds it, and downstream systems see it.
    let (_, page) = w.app.get(&format!("/services/{id}")).await;
    assert!(page.contains(&format!("Reviewed on {today}")), "{page}");
    let after = w.queue_ids("only=never&source=miami-211-2019").await;
    assert!(!after.contains(&id));
    assert_eq!(after.len(), queued.len() - 1);
    assert_eq!(w.modified_after(&before).await, std::slice::from_ref(&id));

    // Re-indexed at once: the index covers the store's last change, and the
    // listing is still found.
    let directory = &w.app.state.directory;
    let (indexed, stored) = directory.sequences().unwrap();
    assert_eq!(indexed, stored);
    let name = directory.service(&id).unwrap().unwrap().name;
    let (_, found) = w
        .app
        .get_json(&format!("/api/v1/search?q={}&limit=50", enc(&name)))
        .await;
    assert!(
        found["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == id.as_str()),
        "{found}"
    );
    // Audited.
    let audit = directory.audit_log(10).unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.action == "service.verify" && e.target_id == id),
        "{audit:?}"
    );
    // Admins verify too.
    let other = w.id_of("Test Freshness Pantry Never");
    let (status, _) = w
        .api(
            "POST",
            &format!("/api/v1/services/{other}/verify"),
            Some(&w.admin),
        )
        .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn only_moderators_and_admins_verify_and_see_the_queue() {
    let w = world();
    let id = w.miami_id.clone();
    let verify = format!("/api/v1/services/{id}/verify");
    let (status, _) = w.api("POST", &verify, Some(&w.clinician)).await;
    assert_eq!(status, 403, "a clinician may not verify");
    let (status, _) = w.api("POST", &verify, None).await;
    assert_eq!(status, 401, "signed out");
    let (status, _) = w.api("POST", &verify, Some("hth_not-a-real-token")).await;
    assert_eq!(status, 401, "a bad token is refused");
    let (status, _) = w.api("POST", &format!("/services/{id}/verify"), None).await;
    assert_eq!(status, 401, "the form, signed out");
    let (status, _) = w
        .api(
            "POST",
            "/api/v1/services/no-such-listing/verify",
            Some(&w.moderator),
        )
        .await;
    assert_eq!(status, 404);
    // Nothing was written by the refused attempts.
    let service = w.app.state.directory.service(&id).unwrap().unwrap();
    assert_eq!(service.assured_date, None);

    let (status, _) = w
        .api("GET", "/api/v1/moderation/stale", Some(&w.clinician))
        .await;
    assert_eq!(status, 403);
    let (status, _) = w.api("GET", "/api/v1/moderation/stale", None).await;
    assert_eq!(status, 401);
    let (status, headers, _) = w.app.send("GET", "/moderation/stale", &[], "").await;
    assert_eq!(status.as_u16(), 303);
    assert!(
        headers["location"]
            .to_str()
            .unwrap()
            .starts_with("/login?next=%2Fmoderation%2Fstale")
    );
}

#[tokio::test]
async fn the_verify_form_needs_the_sessions_csrf_token() {
    let w = world();
    let id = w.miami_id.clone();
    let (cookie, csrf) = sign_in(&w.app, "mod@hearth.test").await;
    // The listing page offers the form to a moderator, with the token.
    let (_, page) = w.app.get_as(&format!("/services/{id}"), &cookie).await;
    assert!(
        page.contains(&format!("action=\"/services/{id}/verify\"")),
        "{page}"
    );
    assert!(page.contains(&csrf));
    let form = [
        ("cookie", cookie.as_str()),
        ("content-type", "application/x-www-form-urlencoded"),
    ];
    for body in ["".to_owned(), "csrf=forged".to_owned()] {
        let (status, _, _) = w
            .app
            .send("POST", &format!("/services/{id}/verify"), &form, &body)
            .await;
        assert_eq!(status.as_u16(), 403, "{body:?}");
    }
    assert_eq!(
        w.app
            .state
            .directory
            .service(&id)
            .unwrap()
            .unwrap()
            .assured_date,
        None
    );
    // The JSON route with a session needs the header.
    let (status, _, _) = w
        .app
        .send(
            "POST",
            &format!("/api/v1/services/{id}/verify"),
            &[("cookie", &cookie)],
            "",
        )
        .await;
    assert_eq!(status.as_u16(), 403);
    // With the token: back to where the form said, reviewed today.
    let (status, headers, _) = w
        .app
        .send(
            "POST",
            &format!("/services/{id}/verify"),
            &form,
            &format!("csrf={csrf}&next=%2Fmoderation%2Fstale%3Fpage%3D2"),
        )
        .await;
    assert_eq!(status.as_u16(), 303);
    assert_eq!(headers["location"], "/moderation/stale?page=2");
    let (_, page) = w.app.get(&format!("/services/{id}")).await;
    let today = Utc::now().date_naive().to_string();
    assert!(page.contains(&format!("Reviewed on {today}")), "{page}");
    // A `next` off this site is not followed.
    let (_, headers, _) = w
        .app
        .send(
            "POST",
            &format!("/services/{id}/verify"),
            &form,
            &format!("csrf={csrf}&next=%2F%2Fevil.example"),
        )
        .await;
    assert_eq!(headers["location"], format!("/services/{id}").as_str());
    // A clinician's listing page has no Verify form.
    let (cookie, _) = sign_in(&w.app, "a@clinic.test").await;
    let (_, page) = w.app.get_as(&format!("/services/{id}"), &cookie).await;
    assert!(!page.contains("/verify"), "{page}");
}

#[tokio::test]
async fn a_review_13_months_old_is_due_and_one_2_months_old_is_not() {
    let w = world();
    let lapsed = w.queue_ids("only=lapsed&source=freshness-test").await;
    let names: Vec<String> = lapsed
        .iter()
        .map(|id| w.app.state.directory.service(id).unwrap().unwrap().name)
        .collect();
    assert!(
        names.contains(&"Test Freshness Pantry Lapsed".to_owned()),
        "{names:?}"
    );
    assert!(
        !names.contains(&"Test Freshness Pantry Recent".to_owned()),
        "{names:?}"
    );
    assert!(
        !names.contains(&"Test Freshness Pantry Never".to_owned()),
        "{names:?}"
    );
    // Closed and do-not-refer listings stay in the record, so in the queue.
    assert!(
        names.contains(&"Test Freshness Pantry Closed".to_owned()),
        "{names:?}"
    );
    assert!(
        names.contains(&"Test Freshness Pantry Do Not Refer".to_owned()),
        "{names:?}"
    );
    let never = w.queue_ids("only=never&source=freshness-test").await;
    assert_eq!(never, [w.id_of("Test Freshness Pantry Never")]);
    // The whole queue: lapsed reviews first, then the never reviewed.
    let all = w.queue_ids("source=freshness-test").await;
    assert_eq!(all.len(), 4);
    assert_eq!(all.last(), never.first());

    // Small pages, across the lapsed and never-reviewed parts and from one
    // source to the next, give the same listings in the same order.
    let whole = w.queue_ids("only=all").await;
    assert_eq!(whole.len(), 3 + 47);
    assert_eq!(w.queue_ids_by("only=all", 7).await, whole);
    assert_eq!(w.queue_ids_by("only=all", 1).await, whole);
    let mut unique = whole.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), whole.len());
    // Oldest snapshot first: Miami (2019) before the source that names no year.
    let never_all = w.queue_ids("only=never").await;
    assert_eq!(never_all.last(), never.first());

    // Counts, over every source.
    let (_, body) = w
        .api(
            "GET",
            "/api/v1/moderation/stale?per_page=2",
            Some(&w.moderator),
        )
        .await;
    assert_eq!(body["lapsed"], 3, "{body}");
    let miami_count = body["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["dataset"] == "miami-211-2019")
        .unwrap()
        .clone();
    assert_eq!(miami_count["year"], "2019");
    assert!(miami_count["never_reviewed"].as_u64().unwrap() > 0);
    assert_eq!(body["contents"].as_array().unwrap().len(), 2);
    assert_eq!(
        body["total_items"].as_u64().unwrap(),
        body["lapsed"].as_u64().unwrap() + body["never_reviewed"].as_u64().unwrap()
    );
    // The page lists them with Verify buttons and counts.
    let (cookie, _) = sign_in(&w.app, "mod@hearth.test").await;
    let (status, page) = w
        .app
        .get_as(
            "/moderation/stale?only=lapsed&source=freshness-test",
            &cookie,
        )
        .await;
    assert_eq!(status.as_u16(), 200, "{page}");
    assert!(page.contains("Test Freshness Pantry Lapsed"), "{page}");
    assert!(!page.contains("Test Freshness Pantry Recent"), "{page}");
    assert!(
        page.contains("href=\"tel:+13055550101\">(305) 555-0101"),
        "the phone to call: {page}"
    );
    assert!(page.contains("Verify: confirmed unchanged"), "{page}");
    let (status, _) = w
        .api(
            "GET",
            "/api/v1/moderation/stale?only=soon",
            Some(&w.moderator),
        )
        .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn closed_and_do_not_refer_listings_stay_out_of_search_but_keep_their_page() {
    let w = world();
    let (_, found) = w
        .app
        .get_json("/api/v1/search?q=freshness+pantry&limit=50")
        .await;
    let names: Vec<&str> = found["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"Test Freshness Pantry Lapsed"), "{names:?}");
    assert!(
        !names.contains(&"Test Freshness Pantry Closed"),
        "{names:?}"
    );
    assert!(
        !names.contains(&"Test Freshness Pantry Do Not Refer"),
        "{names:?}"
    );
    let closed = w.id_of("Test Freshness Pantry Closed");
    let (status, _) = w.app.get(&format!("/services/{closed}")).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn modified_after_lists_changes_oldest_first_and_counts_a_bare_date_as_the_whole_day() {
    let w = world();
    let (lapsed, recent) = (
        w.id_of("Test Freshness Pantry Lapsed"),
        w.id_of("Test Freshness Pantry Recent"),
    );
    // 2024-05-01T10:00:00Z, then "2024-05-02" (a date: until the day ends everywhere).
    assert_eq!(
        w.modified_after("2000-01-01T00:00:00Z").await,
        [lapsed.clone(), recent.clone()]
    );
    assert_eq!(
        w.modified_after("2024-05-01T12:00:00Z").await,
        std::slice::from_ref(&recent)
    );
    assert_eq!(
        w.modified_after("2024-05-02T23:00:00-05:00").await,
        std::slice::from_ref(&recent)
    );
    assert!(w.modified_after("2024-05-03T13:00:00Z").await.is_empty());

    let (status, body) = w
        .api(
            "GET",
            "/api/v1/services?modified_after=2000-01-01&per_page=1&page=2",
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["total_items"], 2);
    assert_eq!(body["total_pages"], 2);
    assert_eq!(body["page_number"], 2);
    assert_eq!(body["size"], 1);
    assert_eq!(body["last_page"], true);
    assert_eq!(body["contents"][0]["id"], recent.as_str());
    assert_eq!(body["contents"][0]["name"], "Test Freshness Pantry Recent");
    assert_eq!(body["contents"][0]["last_modified"], "2024-05-02");
}

#[tokio::test]
async fn a_bad_modified_after_is_a_400_that_says_what_to_give() {
    let w = world();
    for query in [
        "modified_after=yesterday",
        "modified_after=2026-11-01T00:00:00",
        "modified_after=",
        "",
        "modified_after=2026-11-01&page=0",
        "modified_after=2026-11-01&per_page=5000",
    ] {
        let (status, body) = w
            .api("GET", &format!("/api/v1/services?{query}"), None)
            .await;
        assert_eq!(status, 400, "{query}: {body}");
        assert!(
            body["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{body}"
        );
    }
    let (_, body) = w
        .api("GET", "/api/v1/services?modified_after=yesterday", None)
        .await;
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("2026-11-01T00:00:00Z"),
        "{body}"
    );
}

/// A re-import of the source keeps what Hearth recorded: the review date and
/// the change history survive.
#[tokio::test]
async fn a_reimport_keeps_the_review_date_and_the_history() {
    let app = TestApp::with(&[fixture("miami")]);
    let directory = &app.state.directory;
    let now = chrono::Utc::now();
    let (moderator, _) = directory
        .add_user(
            "m@hearth.test",
            hearth::model::Role::Moderator,
            Some(PASSWORD),
            "test",
            now,
        )
        .unwrap();
    let id = directory.services().next().unwrap().unwrap().id;
    directory.verify_service(&moderator, &id, now).unwrap();
    app.import(&[fixture("miami")]).unwrap();
    let after = directory.service(&id).unwrap().unwrap();
    assert_eq!(
        after.assured_date.as_deref(),
        Some(now.date_naive().to_string().as_str())
    );
    let (_, page) = app.get(&format!("/services/{id}")).await;
    assert!(page.contains("Reviewed on"), "{page}");
}
