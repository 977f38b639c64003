//! Saved lists ("My list") through the real router: saving with notes, team
//! lists shared with named colleagues, 404 for strangers and 403 for other
//! roles, flags for listings that changed or closed after they were saved,
//! CSRF on the forms, and the list surviving a restart.

use std::path::{Path, PathBuf};

use hearth::model::Role;
use serde_json::{Value, json};
use tempfile::TempDir;

use crate::common::{TestApp, enc, fixture, user_with_token};

/// A Hearth with the Miami slice, plus copies of a HUD list and the HSDS 3
/// example that a test can change and import again; users of several roles,
/// each with an API token.
struct World {
    app: TestApp,
    /// Where the changeable copies live.
    sources: TempDir,
    clinician_a: String,
    clinician_b: String,
    clinician_c: String,
    advocate: String,
}

const HUD: &str = "hud_pha_contacts_2026.csv";

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

fn world() -> World {
    let sources = tempfile::tempdir().unwrap();
    std::fs::copy(
        fixture(&format!("resources/{HUD}")),
        sources.path().join(HUD),
    )
    .unwrap();
    copy_dir(&fixture("hsds3/csv"), &sources.path().join("hsds3"));
    let app = TestApp::with(&[
        fixture("miami"),
        sources.path().join(HUD),
        sources.path().join("hsds3"),
    ]);
    let directory = &app.state.directory;
    let token = |email: &str, role: Role| user_with_token(directory, email, role);
    let clinician_a = token("a@clinic.test", Role::Clinician);
    let clinician_b = token("b@clinic.test", Role::Clinician);
    let clinician_c = token("c@clinic.test", Role::Clinician);
    let advocate = token("adv@org.test", Role::Advocate);
    World {
        app,
        sources,
        clinician_a,
        clinician_b,
        clinician_c,
        advocate,
    }
}

impl World {
    async fn api(&self, method: &str, uri: &str, token: Option<&str>, body: Value) -> (u16, Value) {
        self.app.api(method, uri, token, &body).await
    }

    /// A form POST from a browser session; returns status, `location` and body.
    async fn form(&self, uri: &str, cookie: &str, body: &str) -> (u16, String, String) {
        let (status, headers, text) = self.app.post_form(uri, &[("cookie", cookie)], body).await;
        let location = headers
            .get("location")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        (status.as_u16(), location, text)
    }

    /// Signs in (as the login form would); returns the cookie header and the session's CSRF token.
    fn session(&self, email: &str) -> (String, String) {
        self.app.session(email)
    }

    /// The id and first location of the listing whose name contains `name`.
    fn listing(&self, name: &str) -> (String, Option<String>) {
        let service = self
            .app
            .state
            .directory
            .services()
            .map(Result::unwrap)
            .find(|s| s.name.contains(name))
            .unwrap_or_else(|| panic!("no listing named like {name}"));
        (service.id, service.locations.first().map(|l| l.id.clone()))
    }

    /// Any two listings of the Miami slice (with their first locations).
    fn two_miami(&self) -> Vec<(String, Option<String>)> {
        self.app
            .state
            .directory
            .services()
            .map(Result::unwrap)
            .filter(|s| s.source.dataset.contains("miami"))
            .take(2)
            .map(|s| (s.id, s.locations.first().map(|l| l.id.clone())))
            .collect()
    }

    /// Saves a listing to a list through the API; returns the status and the list.
    async fn save(
        &self,
        token: &str,
        list: &str,
        (service, location): &(String, Option<String>),
        note: Option<&str>,
    ) -> (u16, Value) {
        self.api(
            "POST",
            &format!("/api/v1/lists/{list}/items"),
            Some(token),
            json!({"service_id": service, "location_id": location, "note": note}),
        )
        .await
    }

    /// Re-imports the changeable copy at `relative` after `change` rewrote its text.
    fn reimport(&self, relative: &str, change: impl Fn(String) -> String) {
        let path: PathBuf = self.sources.path().join(relative);
        let text = std::fs::read_to_string(&path).unwrap();
        let changed = change(text.clone());
        assert_ne!(changed, text, "the change must change something");
        std::fs::write(&path, changed).unwrap();
        let root = if relative.contains('/') {
            path.parent().unwrap().to_owned()
        } else {
            path
        };
        let report = self.app.import(&[root]).unwrap();
        assert_eq!(report.inserted(), 0, "the same listings, not new ones");
        assert!(report.updated() >= 1, "the listing was updated");
    }
}

fn item<'a>(list: &'a Value, service: &str) -> &'a Value {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["service_id"] == service)
        .unwrap_or_else(|| panic!("{service} is not on {list}"))
}

#[tokio::test]
async fn a_clinician_saves_two_services_with_notes_and_finds_them_after_a_restart() {
    let w = world();
    let t = w.clinician_a.as_str();
    let picks = w.two_miami();
    let (status, list) = w
        .save(t, "mine", &picks[0], Some("Ask for Rosa at intake"))
        .await;
    assert_eq!(status, 201, "{list}");
    let id = list["id"].as_str().unwrap().to_owned();
    assert_eq!(list["name"], "My list");
    assert_eq!(list["team"], false);
    let (status, _) = w.save(t, &id, &picks[1], Some("Walk-ins before 10")).await;
    assert_eq!(status, 201);
    // Saving one that is there already replaces its note: 200, still two items.
    let (status, list) = w
        .save(t, "mine", &picks[1], Some("Walk-ins before 9"))
        .await;
    assert_eq!(status, 200, "{list}");

    let (status, shown) = w
        .api("GET", &format!("/api/v1/lists/{id}"), Some(t), Value::Null)
        .await;
    assert_eq!(status, 200, "{shown}");
    assert_eq!(shown["items"].as_array().unwrap().len(), 2, "{shown}");
    assert_eq!(item(&shown, &picks[0].0)["note"], "Ask for Rosa at intake");
    assert_eq!(item(&shown, &picks[1].0)["note"], "Walk-ins before 9");
    assert_eq!(item(&shown, &picks[0].0)["state"], "current");
    assert_eq!(item(&shown, &picks[0].0)["location_id"], json!(picks[0].1));
    assert_eq!(shown["flagged"], 0);
    let (_, all) = w.api("GET", "/api/v1/lists", Some(t), Value::Null).await;
    assert_eq!(
        all["lists"][0]["id"],
        id.as_str(),
        "the personal list comes first"
    );

    // The audit log has ids, never the notes.
    let log = w.app.state.directory.audit_log(100).unwrap();
    assert!(
        log.iter()
            .any(|e| e.action == "list.create" && e.target_id == id)
    );
    assert_eq!(
        log.iter().filter(|e| e.action == "list.item.add").count(),
        3
    );
    assert!(
        !format!("{log:?}").contains("Rosa"),
        "no notes in the audit log"
    );

    // A later session: the list is still there after a restart.
    let World {
        app, clinician_a, ..
    } = w;
    let (app, _) = app.reopen();
    let (cookie, _) = app.session("a@clinic.test");
    let (status, page) = app.get_as("/lists", &cookie).await;
    assert_eq!(status.as_u16(), 200);
    assert!(page.contains("Ask for Rosa at intake"), "{page}");
    let auth = format!("Bearer {clinician_a}");
    let (status, _, body) = app
        .send("GET", "/api/v1/lists/mine", &[("authorization", &auth)], "")
        .await;
    assert_eq!(status.as_u16(), 200);
    let mine: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(mine["items"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_team_list_is_seen_and_added_to_by_named_colleagues_only() {
    let w = world();
    let (cookie, csrf) = w.session("a@clinic.test");
    let (status, location, page) = w
        .form(
            "/lists",
            &cookie,
            &format!(
                "csrf={csrf}&name={}&members={}",
                enc("Intake team"),
                enc("B@Clinic.test\na@clinic.test")
            ),
        )
        .await;
    assert_eq!(status, 303, "{page}");
    let id = location
        .strip_prefix("/lists#list-")
        .unwrap_or_else(|| panic!("{location}"))
        .to_owned();
    let uri = format!("/api/v1/lists/{id}");
    // An unknown colleague is a field error, and what was typed is kept.
    let (status, _, page) = w
        .form(
            "/lists",
            &cookie,
            &format!(
                "csrf={csrf}&name={}&members={}",
                enc("Night shift"),
                enc("b@clinic.test, who@clinic.test")
            ),
        )
        .await;
    assert_eq!(status, 422);
    assert!(
        page.contains("who@clinic.test") && page.contains("value=\"Night shift\""),
        "{page}"
    );

    // B was named: sees it and adds to it.
    let (status, list) = w.api("GET", &uri, Some(&w.clinician_b), Value::Null).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["access"], "member");
    assert_eq!(list["owner"]["email"], "a@clinic.test");
    assert_eq!(list["members"][0]["email"], "b@clinic.test", "{list}");
    assert_eq!(
        list["members"].as_array().unwrap().len(),
        1,
        "not the owner again"
    );
    let pick = &w.two_miami()[0];
    let (status, _) = w
        .save(&w.clinician_b, &id, pick, Some("B: good for families"))
        .await;
    assert_eq!(status, 201);
    let (_, lists) = w
        .api("GET", "/api/v1/lists", Some(&w.clinician_b), Value::Null)
        .await;
    assert!(
        lists["lists"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["id"] == id.as_str()),
        "{lists}"
    );
    // A sees what B added.
    let (_, list) = w.api("GET", &uri, Some(&w.clinician_a), Value::Null).await;
    assert_eq!(item(&list, &pick.0)["note"], "B: good for families");
    assert_eq!(list["access"], "owner");

    // C was not named: the list does not exist for them, whatever they try.
    let (status, _) = w.api("GET", &uri, Some(&w.clinician_c), Value::Null).await;
    assert_eq!(status, 404);
    let (status, _) = w.save(&w.clinician_c, &id, pick, None).await;
    assert_eq!(status, 404);
    let (status, _) = w
        .save(
            &w.clinician_c,
            &id,
            &("no-such".into(), None),
            Some(&"x".repeat(300)),
        )
        .await;
    assert_eq!(
        status, 404,
        "a stranger learns nothing from a bad body either"
    );
    let (_, lists) = w
        .api("GET", "/api/v1/lists", Some(&w.clinician_c), Value::Null)
        .await;
    assert_eq!(
        lists["lists"].as_array().unwrap().len(),
        1,
        "only C's own: {lists}"
    );

    // Only the owner says who is on it.
    let (cookie_b, csrf_b) = w.session("b@clinic.test");
    let (status, _, _) = w
        .form(
            &format!("/lists/{id}/members"),
            &cookie_b,
            &format!("csrf={csrf_b}&members={}", enc("c@clinic.test")),
        )
        .await;
    assert_eq!(status, 403);
    let (status, _, page) = w
        .form(
            &format!("/lists/{id}/members"),
            &cookie,
            &format!(
                "csrf={csrf}&members={}",
                enc("nobody@clinic.test, adv@org.test")
            ),
        )
        .await;
    assert_eq!(status, 422, "unknown emails are a field error");
    assert!(
        page.contains("nobody@clinic.test") && page.contains("err-members"),
        "{page}"
    );
    let (status, _, _) = w
        .form(
            &format!("/lists/{id}/members"),
            &cookie,
            &format!("csrf={csrf}&members={}", enc("c@clinic.test")),
        )
        .await;
    assert_eq!(status, 303);
    let (status, _) = w.api("GET", &uri, Some(&w.clinician_c), Value::Null).await;
    assert_eq!(status, 200, "C is on it now");
    let (status, _) = w.api("GET", &uri, Some(&w.clinician_b), Value::Null).await;
    assert_eq!(status, 404, "and B is not");
    let log = w.app.state.directory.audit_log(100).unwrap();
    assert!(
        log.iter()
            .any(|e| e.action == "list.members" && e.target_id == id)
    );
}

#[tokio::test]
async fn lists_are_a_clinician_tool() {
    let w = world();
    let (status, list) = w
        .save(&w.clinician_a, "mine", &w.two_miami()[0], None)
        .await;
    assert_eq!(status, 201);
    let id = list["id"].as_str().unwrap();
    let pick = &w.two_miami()[1];
    for (method, uri, body) in [
        ("GET", "/api/v1/lists".to_owned(), Value::Null),
        ("GET", format!("/api/v1/lists/{id}"), Value::Null),
        ("GET", "/api/v1/lists/mine".to_owned(), Value::Null),
        (
            "POST",
            "/api/v1/lists/mine/items".to_owned(),
            json!({"service_id": pick.0}),
        ),
    ] {
        let (status, _) = w.api(method, &uri, Some(&w.advocate), body.clone()).await;
        assert_eq!(status, 403, "advocate {method} {uri}");
        let (status, _) = w.api(method, &uri, None, body).await;
        assert_eq!(status, 401, "anonymous {method} {uri}");
    }
    let (cookie, csrf) = w.session("adv@org.test");
    let (status, _) = w.app.get_as("/lists", &cookie).await;
    assert_eq!(status.as_u16(), 403);
    let (status, _, _) = w
        .form(
            "/lists",
            &cookie,
            &format!("csrf={csrf}&name=Mine&members="),
        )
        .await;
    assert_eq!(status, 403);
    // Signed out, the page sends you to sign in and back.
    let (status, headers, _) = w.app.send("GET", "/lists", &[], "").await;
    assert_eq!(status.as_u16(), 303);
    assert_eq!(headers["location"], "/login?next=%2Flists");
}

#[tokio::test]
async fn a_list_form_without_the_session_csrf_token_is_refused() {
    let w = world();
    let (cookie, csrf) = w.session("a@clinic.test");
    let (service, _) = &w.two_miami()[0];
    let body = format!("service_id={service}&note=hi");
    let (status, _, _) = w.form("/lists/mine/items", &cookie, &body).await;
    assert_eq!(status, 403, "no token");
    let (status, _, _) = w
        .form("/lists/mine/items", &cookie, &format!("{body}&csrf=forged"))
        .await;
    assert_eq!(status, 403, "a wrong token");
    let (status, _, _) = w.form("/lists", &cookie, "name=Team").await;
    assert_eq!(status, 403);
    let (_, mine) = w
        .api(
            "GET",
            "/api/v1/lists/mine",
            Some(&w.clinician_a),
            Value::Null,
        )
        .await;
    assert_eq!(
        mine["items"].as_array().unwrap().len(),
        0,
        "nothing was saved"
    );
    // A JSON change from a session needs the header.
    let json_body = json!({"service_id": service}).to_string();
    let (status, _, _) = w
        .app
        .send(
            "POST",
            "/api/v1/lists/mine/items",
            &[("cookie", &cookie), ("content-type", "application/json")],
            &json_body,
        )
        .await;
    assert_eq!(status.as_u16(), 403);
    // With the token: saved, and back to where the form said (a path on this site only).
    let (status, location, _) = w
        .form(
            "/lists/mine/items",
            &cookie,
            &format!("{body}&csrf={csrf}&next={}", enc("/?q=food")),
        )
        .await;
    assert_eq!((status, location.as_str()), (303, "/?q=food"));
    let (status, location, _) = w
        .form(
            "/lists/mine/items",
            &cookie,
            &format!("{body}&csrf={csrf}&next={}", enc("//evil.example")),
        )
        .await;
    assert_eq!(status, 303);
    assert!(location.starts_with("/lists#list-"), "{location}");
    let (status, _, _) = w
        .app
        .send(
            "POST",
            "/api/v1/lists/mine/items",
            &[
                ("cookie", &cookie),
                ("content-type", "application/json"),
                ("x-csrf-token", &csrf),
            ],
            &json_body,
        )
        .await;
    assert_eq!(status.as_u16(), 200, "already saved from the form");
}

#[tokio::test]
async fn a_note_over_200_characters_is_refused_with_its_field() {
    let w = world();
    let pick = &w.two_miami()[0];
    let long = "n".repeat(201);
    let (status, body) = w.save(&w.clinician_a, "mine", pick, Some(&long)).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["errors"][0]["field"], "note", "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("200")
    );
    let (status, _) = w
        .save(&w.clinician_a, "mine", pick, Some(&"n".repeat(200)))
        .await;
    assert_eq!(status, 201, "200 is allowed");
    // Every problem at once, by field.
    let (status, body) = w
        .api(
            "POST",
            "/api/v1/lists/mine/items",
            Some(&w.clinician_a),
            json!({"service_id": "no-such-listing", "note": long}),
        )
        .await;
    assert_eq!(status, 422);
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["note", "service_id"], "{body}");
    // The form shows the page again, with the error.
    let (cookie, csrf) = w.session("a@clinic.test");
    let (status, _, page) = w
        .form(
            "/lists/mine/items",
            &cookie,
            &format!("csrf={csrf}&service_id={}&note={long}", pick.0),
        )
        .await;
    assert_eq!(status, 422);
    assert!(
        page.contains("err-note") && page.contains("at most 200"),
        "{page}"
    );
}

#[tokio::test]
async fn a_listing_whose_phone_changed_after_saving_is_flagged_changed() {
    let w = world();
    let t = w.clinician_a.as_str();
    let housing = w.listing("MIAMI DADE PUBLIC HOUSING");
    let other = w.two_miami()[0].clone();
    w.save(t, "mine", &housing, Some("Section 8 line")).await;
    w.save(t, "mine", &other, None).await;

    w.reimport(HUD, |text| text.replace("(786) 469-4106", "(786) 469-4999"));

    let (_, list) = w
        .api("GET", "/api/v1/lists/mine", Some(t), Value::Null)
        .await;
    let saved = item(&list, &housing.0);
    assert_eq!(saved["state"], "changed", "{list}");
    assert_eq!(saved["flag"], "changed since you saved it");
    assert_eq!(
        item(&list, &other.0)["state"],
        "current",
        "the other did not change"
    );
    assert_eq!(list["flagged"], 1);
    let (cookie, _) = w.session("a@clinic.test");
    let (_, page) = w.app.get_as("/lists", &cookie).await;
    assert!(page.contains("changed since you saved it"), "{page}");

    // Saving it again takes the listing as it is now.
    let (status, list) = w.save(t, "mine", &housing, Some("Section 8 line")).await;
    assert_eq!(status, 200);
    assert_eq!(item(&list, &housing.0)["state"], "current");
}

#[tokio::test]
async fn a_listing_that_became_inactive_is_flagged_closed() {
    let w = world();
    let t = w.clinician_a.as_str();
    let counselling = w.listing("Community Counselling");
    w.save(t, "mine", &counselling, None).await;
    let (_, list) = w
        .api("GET", "/api/v1/lists/mine", Some(t), Value::Null)
        .await;
    assert_eq!(item(&list, &counselling.0)["state"], "current");

    w.reimport("hsds3/services.csv", |text| {
        text.replacen(",active,", ",inactive,", 1)
    });

    let (_, list) = w
        .api("GET", "/api/v1/lists/mine", Some(t), Value::Null)
        .await;
    let saved = item(&list, &counselling.0);
    assert_eq!(saved["state"], "closed", "{list}");
    assert_eq!(saved["flag"], "closed");
    let (cookie, _) = w.session("a@clinic.test");
    let (_, page) = w.app.get_as("/lists", &cookie).await;
    assert!(page.contains(">closed<"), "{page}");
    assert!(
        !page.contains(&format!("/refer?service={}", counselling.0)),
        "no Refer link to a closed listing"
    );
}

#[tokio::test]
async fn the_list_page_links_each_item_to_its_listing_the_referral_form_and_a_handout() {
    let w = world();
    let picks = w.two_miami();
    for pick in &picks {
        w.save(
            &w.clinician_a,
            "mine",
            pick,
            Some("Bring ID & proof <of> address"),
        )
        .await;
    }
    let (cookie, csrf) = w.session("a@clinic.test");
    let (status, page) = w.app.get_as("/lists", &cookie).await;
    assert_eq!(status.as_u16(), 200);
    let (_, mine) = w
        .api(
            "GET",
            "/api/v1/lists/mine",
            Some(&w.clinician_a),
            Value::Null,
        )
        .await;
    let id = mine["id"].as_str().unwrap();
    for (service, location) in &picks {
        assert!(
            page.contains(&format!("href=\"/services/{service}\"")),
            "{page}"
        );
        let location = location.as_deref().unwrap();
        assert!(
            page.contains(&format!("/refer?service={service}&amp;location={location}")),
            "{page}"
        );
        assert!(
            page.contains(&format!(
                "name=\"s\" value=\"{service}:{location}\" form=\"handout-{id}\""
            )),
            "{page}"
        );
    }
    assert!(
        page.contains(&format!(
            "form class=\"handout\" method=\"get\" action=\"/handout\" id=\"handout-{id}\""
        )),
        "{page}"
    );
    assert!(page.contains("Handout of these"));
    assert!(
        page.contains("Bring ID &amp; proof &lt;of&gt; address"),
        "notes are escaped"
    );
    assert!(page.contains(&csrf), "forms carry the session token");
    // The handout the form asks for.
    let query: Vec<String> = picks
        .iter()
        .map(|(s, l)| format!("s={}", enc(&format!("{s}:{}", l.as_deref().unwrap()))))
        .collect();
    let (status, handout) = w.app.get(&format!("/handout?{}", query.join("&"))).await;
    assert_eq!(status.as_u16(), 200, "{handout}");
    assert!(
        !handout.contains("Bring ID"),
        "a note never goes on a handout"
    );

    // Removing one, by form.
    let (service, _) = &picks[0];
    let (status, _, _) = w
        .form(
            &format!("/lists/{id}/items/{service}/remove"),
            &cookie,
            &format!("csrf={csrf}"),
        )
        .await;
    assert_eq!(status, 303);
    let (_, mine) = w
        .api(
            "GET",
            "/api/v1/lists/mine",
            Some(&w.clinician_a),
            Value::Null,
        )
        .await;
    assert_eq!(mine["items"].as_array().unwrap().len(), 1);
    let log = w.app.state.directory.audit_log(100).unwrap();
    assert!(
        log.iter()
            .any(|e| e.action == "list.item.remove" && e.target_id == format!("{id}/{service}"))
    );
}
