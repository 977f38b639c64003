//! Submissions and moderation through the real router: nothing submitted is
//! searchable before approval and is within a second after; every problem is
//! named; corrections show a diff; limits, the honeypot, roles, the outbox, and
//! hostile text escaped on every page that shows it.

use std::time::Instant;

use hearth::model::Role;
use serde_json::{Value, json};

use crate::common::{TestApp, enc, fixture, user_with_token};

struct World {
    app: TestApp,
    moderator: String,
    clinician: String,
}

fn world() -> World {
    let app = TestApp::with(&[fixture("miami")]);
    let d = &app.state.directory;
    let moderator = user_with_token(d, "mod@hearth.test", Role::Moderator);
    let clinician = user_with_token(d, "c@clinic.test", Role::Clinician);
    World {
        app,
        moderator,
        clinician,
    }
}

impl World {
    async fn json(
        &self,
        method: &str,
        uri: &str,
        token: Option<&str>,
        body: &Value,
    ) -> (u16, Value) {
        self.app.api(method, uri, token, body).await
    }

    /// The moderator approves the first item in the queue; returns the reply.
    async fn approve_first(&self) -> (u16, Value) {
        let (_, queue) = self
            .json(
                "GET",
                "/api/v1/moderation",
                Some(&self.moderator),
                &Value::Null,
            )
            .await;
        let id = queue["items"][0]["id"].as_str().unwrap().to_owned();
        self.json(
            "POST",
            &format!("/api/v1/moderation/{id}/approve"),
            Some(&self.moderator),
            &Value::Null,
        )
        .await
    }

    async fn search_total(&self, q: &str) -> u64 {
        let (_, body) = self
            .app
            .get_json(&format!("/api/v1/search?q={}&near=33136&radius=25", enc(q)))
            .await;
        body["total"].as_u64().unwrap()
    }
}

fn listing(name: &str) -> Value {
    json!({
        "name": name,
        "description": "Groceries every Tuesday.",
        "organization": {"name": "Test Neighbors Org"},
        "phones": [{"number": "305-555-0100"}],
        "service_at_locations": [{"location": {"name": "Hall", "location_type": "physical",
            "addresses": [{"address_1": "1 Test Way", "city": "Miami", "state_province": "FL",
                "postal_code": "33136", "country": "US", "address_type": "physical"}]}}]
    })
}

#[tokio::test]
async fn a_submission_is_invisible_until_approved_and_searchable_within_a_second() {
    let w = world();
    let (status, body) = w
        .json(
            "POST",
            "/api/v1/submissions",
            None,
            &json!({
                "service": listing("Zanzibar Test Pantry"),
                "submitter": {"name": "Ana", "email": "ana@neighbors.test"},
                "note": "New pantry at the church hall"
            }),
        )
        .await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["status"], "pending");
    let id = body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        w.search_total("Zanzibar").await,
        0,
        "not searchable before approval"
    );

    // Only moderators see and work the queue.
    let (status, _) = w
        .json("GET", "/api/v1/moderation", None, &Value::Null)
        .await;
    assert_eq!(status, 401);
    let (status, _) = w
        .json(
            "GET",
            "/api/v1/moderation",
            Some(&w.clinician),
            &Value::Null,
        )
        .await;
    assert_eq!(status, 403);
    let (status, queue) = w
        .json(
            "GET",
            "/api/v1/moderation",
            Some(&w.moderator),
            &Value::Null,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(queue["items"][0]["id"], id.as_str());
    let (status, _) = w
        .json(
            "POST",
            &format!("/api/v1/moderation/{id}/approve"),
            Some(&w.clinician),
            &Value::Null,
        )
        .await;
    assert_eq!(status, 403);

    let started = Instant::now();
    let (status, done) = w
        .json(
            "POST",
            &format!("/api/v1/moderation/{id}/approve"),
            Some(&w.moderator),
            &Value::Null,
        )
        .await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(w.search_total("Zanzibar").await, 1);
    assert!(
        started.elapsed().as_secs_f64() < 1.0,
        "searchable within a second"
    );
    let (status, again) = w
        .json(
            "POST",
            &format!("/api/v1/moderation/{id}/approve"),
            Some(&w.moderator),
            &Value::Null,
        )
        .await;
    assert_eq!(status, 409, "decided once: {again}");
    // The same pantry sent again is shown to the moderator as a possible duplicate.
    let (status, again) = w
        .json(
            "POST",
            "/api/v1/submissions",
            None,
            &listing("Zanzibar Test Pantry"),
        )
        .await;
    assert_eq!(status, 202);
    assert_eq!(again["duplicates"].as_array().unwrap().len(), 1, "{again}");
    // The approval is in the audit log, and the listing says it was reviewed today.
    let log = w.app.state.directory.audit_log(20).unwrap();
    assert!(log.iter().any(|e| e.action == "submission.approve"));
}

#[tokio::test]
async fn every_problem_in_a_submission_is_named_by_field() {
    let w = world();
    let (status, body) = w
        .json(
            "POST",
            "/api/v1/submissions",
            None,
            &json!({
                "url": "javascript:alert(1)", "email": "nope", "phones": [{"number": "x"}]
            }),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for field in ["name", "organization.name", "url", "email", "phones"] {
        assert!(fields.contains(&field), "{field} in {fields:?}");
    }
    let (status, _, _) = w
        .app
        .send(
            "POST",
            "/api/v1/submissions",
            &[("content-type", "application/json")],
            "{not json",
        )
        .await;
    assert_eq!(status.as_u16(), 400);
}

#[tokio::test]
async fn corrections_show_a_diff_and_closing_hides_the_listing() {
    let w = world();
    let service_id = w.app.state.directory.services().next().unwrap().unwrap().id;
    let (_, _, form) = w
        .app
        .send("GET", &format!("/services/{service_id}/correct"), &[], "")
        .await;
    assert!(
        form.contains("name=\"company_website\""),
        "a honeypot field"
    );
    let body = "name=Zyxwvut+Renamed&note=New+name+on+the+door&submitter_email=kim%40org.test";
    let (status, _, _) = w
        .app
        .post_form(&format!("/services/{service_id}/correct"), &[], body)
        .await;
    assert_eq!(status.as_u16(), 202);
    let auth = format!("Bearer {}", w.moderator);
    let (_, _, page) = w
        .app
        .send("GET", "/moderation", &[("authorization", &auth)], "")
        .await;
    assert!(
        page.contains("<td>Zyxwvut Renamed</td>"),
        "the proposed name in the diff: {page}"
    );
    assert!(page.contains("New name on the door"));
    let (status, _) = w.approve_first().await;
    assert_eq!(status, 200);
    let (_, listing) = w
        .app
        .get_json(&format!("/api/v1/services/{service_id}"))
        .await;
    assert_eq!(listing["name"], "Zyxwvut Renamed");
    // The listing's history says what changed and from what; who approved it is
    // kept in the store, never published.
    let history = listing["metadata"].as_array().unwrap();
    let name_change = history.iter().find(|m| m["field_name"] == "Name").unwrap();
    assert_eq!(name_change["replacement_value"], "Zyxwvut Renamed");
    assert_eq!(name_change["last_action_type"], "update");
    assert!(!name_change["previous_value"].as_str().unwrap().is_empty());
    assert_eq!(name_change["updated_by"], "hearth");
    let stored = w.app.state.directory.service(&service_id).unwrap().unwrap();
    assert!(
        stored.metadata.iter().any(|m| m.field_name == "Name"
            && !m.updated_by.is_empty()
            && m.updated_by != "hearth")
    );
    assert_eq!(w.search_total("Zyxwvut").await, 1);

    // "This service has closed": approved, it leaves search but stays in the record.
    let (status, _, _) = w
        .app
        .post_form(
            &format!("/services/{service_id}/correct"),
            &[],
            "closed=true",
        )
        .await;
    assert_eq!(status.as_u16(), 202);
    w.approve_first().await;
    assert_eq!(w.search_total("Zyxwvut").await, 0);
    let (status, listing) = w
        .app
        .get_json(&format!("/api/v1/services/{service_id}"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(listing["status"], "inactive");
}

#[tokio::test]
async fn rejection_is_sent_back_and_limits_hold() {
    let w = world();
    let (_, body) = w
        .json(
            "POST",
            "/api/v1/submissions",
            None,
            &json!({
                "service": listing("Qwertyuiop Pantry"), "submitter": {"email": "lee@org.test"}
            }),
        )
        .await;
    let id = body["id"].as_str().unwrap().to_owned();
    let (status, _) = w
        .json(
            "POST",
            &format!("/api/v1/moderation/{id}/reject"),
            Some(&w.moderator),
            &json!({}),
        )
        .await;
    assert_eq!(status, 422, "a rejection needs a reason");
    let (status, _) = w
        .json(
            "POST",
            &format!("/api/v1/moderation/{id}/reject"),
            Some(&w.moderator),
            &json!({"reason": "We could not reach this pantry by phone."}),
        )
        .await;
    assert_eq!(status, 200);
    let outbox = w.app.state.directory.outbox().unwrap();
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].to, "lee@org.test");
    assert!(outbox[0].body.contains("could not reach this pantry"));
    assert_eq!(w.search_total("Qwertyuiop").await, 0);

    // A body beyond the limit is 413, and a robot's honeypot answer is not queued.
    let huge = json!({"name": "x".repeat(300_000)}).to_string();
    let (status, _, _) = w
        .app
        .send(
            "POST",
            "/api/v1/submissions",
            &[("content-type", "application/json")],
            &huge,
        )
        .await;
    assert_eq!(status.as_u16(), 413);
    let service_id = w.app.state.directory.services().next().unwrap().unwrap().id;
    let (status, _, _) = w
        .app
        .post_form(
            &format!("/services/{service_id}/correct"),
            &[],
            "name=Spam&company_website=http%3A%2F%2Fspam.example",
        )
        .await;
    assert_eq!(status.as_u16(), 202, "looks accepted to the robot");
    let (_, queue) = w
        .json(
            "GET",
            "/api/v1/moderation",
            Some(&w.moderator),
            &Value::Null,
        )
        .await;
    assert_eq!(queue["total"], 0, "but nothing was queued");
    // Ten submissions per address per 15 minutes; the eleventh waits.
    let mut last = 0;
    for n in 0..12 {
        let (status, _) = w
            .json(
                "POST",
                "/api/v1/submissions",
                None,
                &listing(&format!("Flood {n}")),
            )
            .await;
        last = status;
        if status == 429 {
            break;
        }
    }
    assert_eq!(last, 429);
}

#[tokio::test]
async fn hostile_submitted_text_is_escaped_on_every_page_that_shows_it() {
    let w = world();
    let payloads = [
        "<script>alert(1)</script>",
        "\"><img src=x onerror=alert(1)>",
        "<a href=\"javascript:alert(1)\">x</a>",
    ];
    let name = format!("Hostile Pantry {}", payloads[0]);
    let mut service = listing(&name);
    service["description"] = json!(payloads[1]);
    service["organization"]["name"] = json!(payloads[2]);
    let (status, body) = w
        .json(
            "POST",
            "/api/v1/submissions",
            None,
            &json!({"service": service, "note": payloads[1]}),
        )
        .await;
    assert_eq!(status, 202, "{body}");
    let id = body["id"].as_str().unwrap().to_owned();
    let auth = format!("Bearer {}", w.moderator);
    let (_, _, queue_page) = w
        .app
        .send("GET", "/moderation", &[("authorization", &auth)], "")
        .await;
    w.json(
        "POST",
        &format!("/api/v1/moderation/{id}/approve"),
        Some(&w.moderator),
        &Value::Null,
    )
    .await;
    let (_, results) = w
        .app
        .get_json(&format!(
            "/api/v1/search?q={}&near=33136",
            enc("Hostile Pantry")
        ))
        .await;
    let service_id = results["results"][0]["id"].as_str().unwrap().to_owned();
    let (_, search_page) = w
        .app
        .get(&format!("/?q={}&near=33136", enc("Hostile Pantry")))
        .await;
    let (_, listing_page) = w.app.get(&format!("/services/{service_id}")).await;
    let (_, _, handout) = w
        .app
        .send("GET", &format!("/handout?s={service_id}"), &[], "")
        .await;
    for (page_name, page) in [
        ("moderation", &queue_page),
        ("search", &search_page),
        ("listing", &listing_page),
        ("handout", &handout),
    ] {
        assert!(
            page.contains("Hostile Pantry"),
            "{page_name} shows the listing"
        );
        for raw in [
            "<script>alert(1)</script>",
            "<img src=x onerror",
            "href=\"javascript:",
        ] {
            assert!(!page.contains(raw), "{page_name} shows {raw} unescaped");
        }
    }
}

#[tokio::test]
async fn the_public_form_keeps_what_was_typed_and_its_weekly_hours_become_schedules() {
    let w = world();
    let (status, _, page) = w.app.send("GET", "/submit", &[], "").await;
    assert_eq!(status.as_u16(), 200);
    assert!(page.contains("name=\"opens\"") && page.contains("name=\"company_website\""));
    let form_type = ("content-type", "application/x-www-form-urlencoded");
    // Missing organization, a bad website: errors beside the fields, and nothing lost.
    let bad = "name=Ximenez+Tutoring&website=ftp%3A%2F%2Fx&description=Homework+help&zip=33136";
    let (status, _, page) = w.app.send("POST", "/submit", &[form_type], bad).await;
    assert_eq!(status.as_u16(), 422);
    assert!(
        page.contains("say which organization runs the service"),
        "{page}"
    );
    assert!(page.contains("must start with http"));
    assert!(page.contains("value=\"Ximenez Tutoring\"") && page.contains("Homework help"));
    // A good one, open Monday and Wednesday 9 to 5.
    let mut body = String::from(
        "organization=Test+Org&name=Ximenez+Tutoring&category=education&address_1=1+Test+Way&city=Miami&state=FL&zip=33136&phone=305-555-0101",
    );
    for day in 0..7 {
        let (o, c) = if day == 0 || day == 2 {
            ("09%3A00", "17%3A00")
        } else {
            ("", "")
        };
        body.push_str(&format!("&opens={o}&closes={c}"));
    }
    let (status, _, _) = w.app.send("POST", "/submit", &[form_type], &body).await;
    assert_eq!(status.as_u16(), 202);
    let (_, done) = w.approve_first().await;
    assert_eq!(done["status"], "approved");
    let (_, results) = w.app.get_json("/api/v1/search?q=Ximenez&near=33136").await;
    assert_eq!(results["total"], 1, "{results}");
    let listing_id = results["results"][0]["id"].as_str().unwrap();
    let (_, listing) = w
        .app
        .get_json(&format!("/api/v1/services/{listing_id}"))
        .await;
    assert_eq!(listing["categories"][0], "education");
    let days: Vec<&str> = listing["schedules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["byday"].as_str().unwrap())
        .collect();
    assert_eq!(days, ["MO", "WE"], "{listing}");
    assert_eq!(
        listing["locations"][0]["approximate"], true,
        "placed at the ZIP centre"
    );
}

#[tokio::test]
async fn organizations_claim_their_listings_by_domain_or_through_the_queue() {
    let w = world();
    let d = &w.app.state.directory;
    let mut staff_token = String::new();
    let mut outsider_token = String::new();
    for (email, slot) in [
        ("ana@testneighbors.org", &mut staff_token),
        ("ana.neighbors@gmail.com", &mut outsider_token),
    ] {
        *slot = user_with_token(d, email, Role::Organization);
    }
    // A listing whose website is the organization's own domain.
    let mut service = listing("Vexillum Pantry");
    service["url"] = json!("https://www.testneighbors.org/pantry");
    let (_, body) = w.json("POST", "/api/v1/submissions", None, &service).await;
    let id = body["id"].as_str().unwrap().to_owned();
    w.json(
        "POST",
        &format!("/api/v1/moderation/{id}/approve"),
        Some(&w.moderator),
        &Value::Null,
    )
    .await;
    let (_, results) = w.app.get_json("/api/v1/search?q=Vexillum&near=33136").await;
    let service_id = results["results"][0]["id"].as_str().unwrap().to_owned();
    let claim = format!("/api/v1/services/{service_id}/claim");

    let (status, _) = w
        .json("POST", &claim, Some(&w.clinician), &Value::Null)
        .await;
    assert_eq!(status, 403, "clinicians do not claim listings");
    let (status, body) = w
        .json("POST", &claim, Some(&staff_token), &Value::Null)
        .await;
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("granted")),
        "same domain: granted at once"
    );
    let (status, _) = w
        .json("POST", &claim, Some(&staff_token), &Value::Null)
        .await;
    assert_eq!(status, 409);
    let (status, body) = w
        .json("POST", &claim, Some(&outsider_token), &Value::Null)
        .await;
    assert_eq!(
        (status, body["status"].as_str()),
        (202, Some("pending")),
        "a gmail address waits for a moderator"
    );

    // The claimant's correction is marked as coming from the organization, and
    // once approved the listing says so.
    let auth = format!("Bearer {staff_token}");
    let (status, _, _) = w
        .app
        .post_form(
            &format!("/services/{service_id}/correct"),
            &[("authorization", &auth)],
            "phone=305-555-0199",
        )
        .await;
    assert_eq!(status.as_u16(), 202);
    let mod_auth = format!("Bearer {}", w.moderator);
    let (_, _, queue_page) = w
        .app
        .send("GET", "/moderation", &[("authorization", &mod_auth)], "")
        .await;
    assert!(queue_page.contains("From the organization"), "{queue_page}");
    let (_, queue) = w
        .json(
            "GET",
            "/api/v1/moderation",
            Some(&w.moderator),
            &Value::Null,
        )
        .await;
    for item in queue["items"].as_array().unwrap() {
        let id = item["id"].as_str().unwrap();
        let (status, _) = w
            .json(
                "POST",
                &format!("/api/v1/moderation/{id}/approve"),
                Some(&w.moderator),
                &Value::Null,
            )
            .await;
        assert_eq!(status, 200);
    }
    let (_, page) = w.app.get(&format!("/services/{service_id}")).await;
    assert!(page.contains("Updated by the organization on"), "{page}");
    assert!(page.contains("Suggest a correction"));
    // The outsider's claim, approved by the moderator, now holds.
    let (status, _) = w
        .json("POST", &claim, Some(&outsider_token), &Value::Null)
        .await;
    assert_eq!(status, 409, "already granted by the moderator");
}

#[tokio::test]
async fn a_moderator_can_edit_then_approve() {
    let w = world();
    let (_, body) = w
        .json(
            "POST",
            "/api/v1/submissions",
            None,
            &listing("Quokka Pantyr"),
        )
        .await;
    let id = body["id"].as_str().unwrap().to_owned();
    let (status, _) = w
        .json(
            "POST",
            &format!("/api/v1/moderation/{id}/approve"),
            Some(&w.moderator),
            &json!({"url": "ftp://nope"}),
        )
        .await;
    assert_eq!(status, 422, "a bad edit is refused and nothing is approved");
    let (status, done) = w
        .json(
            "POST",
            &format!("/api/v1/moderation/{id}/approve"),
            Some(&w.moderator),
            &json!({"name": "Quokka Pantry"}),
        )
        .await;
    assert_eq!(status, 200, "{done}");
    let (_, results) = w.app.get_json("/api/v1/search?q=Quokka&near=33136").await;
    assert_eq!(results["results"][0]["name"], "Quokka Pantry", "{results}");
    // The same from the queue page's form.
    let (_, body) = w
        .json(
            "POST",
            "/api/v1/submissions",
            None,
            &listing("Wombat Pantyr"),
        )
        .await;
    let id = body["id"].as_str().unwrap().to_owned();
    let auth = format!("Bearer {}", w.moderator);
    let (status, _, _) = w
        .app
        .send(
            "POST",
            &format!("/moderation/{id}/approve"),
            &[
                ("authorization", &auth),
                ("content-type", "application/x-www-form-urlencoded"),
            ],
            "name=Wombat+Pantry&description=&url=&phone=305-555-0100",
        )
        .await;
    assert_eq!(status.as_u16(), 303);
    let (_, results) = w.app.get_json("/api/v1/search?q=Wombat&near=33136").await;
    assert_eq!(results["results"][0]["name"], "Wombat Pantry", "{results}");
}

#[tokio::test]
async fn coordinates_given_are_exact_and_a_corrected_zip_moves_the_listing() {
    let w = world();
    let form_type = ("content-type", "application/x-www-form-urlencoded");
    let body = "organization=Test+Org&name=Okapi+Clinic&address_1=1+Test+Way&city=Miami&state=FL&zip=33136&latitude=25.7862&longitude=-80.2101&phone=305-555-0102";
    let (status, _, _) = w.app.send("POST", "/submit", &[form_type], body).await;
    assert_eq!(status.as_u16(), 202);
    w.approve_first().await;
    let (_, results) = w.app.get_json("/api/v1/search?q=Okapi&near=33136").await;
    let service_id = results["results"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        results["results"][0]["approximate"], false,
        "coordinates were given"
    );
    // A correction to the ZIP moves the listing to the new ZIP's centre, marked approximate.
    let (status, _, _) = w
        .app
        .send(
            "POST",
            &format!("/services/{service_id}/correct"),
            &[form_type],
            "zip=33101&email=frontdesk%40okapi.test",
        )
        .await;
    assert_eq!(status.as_u16(), 202);
    w.approve_first().await;
    let (_, listing) = w
        .app
        .get_json(&format!("/api/v1/services/{service_id}"))
        .await;
    assert_eq!(listing["locations"][0]["address"]["postal_code"], "33101");
    assert_eq!(listing["locations"][0]["approximate"], true);
    assert_eq!(listing["email"], "frontdesk@okapi.test");
    let (status, _, _) = w
        .app
        .send(
            "POST",
            &format!("/services/{service_id}/correct"),
            &[form_type],
            "zip=331",
        )
        .await;
    assert_eq!(status.as_u16(), 422, "a bad ZIP is refused");
}

/// Approvals at the same moment share index commits (one catch-up at a time,
/// the next covering every writer that waited); each must still be searchable
/// when its own approval answers.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_approvals_are_each_searchable_when_they_answer() {
    let w = world();
    let words = [
        "Quokka", "Narwhal", "Axolotl", "Pangolin", "Okapi", "Tapir", "Kinkajou", "Fossa",
    ];
    let mut ids = Vec::new();
    for word in words {
        let (status, body) = w
            .json(
                "POST",
                "/api/v1/submissions",
                Some(&w.moderator),
                &json!({
                    "service": listing(&format!("{word} Test Pantry")),
                    "submitter": {"name": "Ana", "email": "ana@neighbors.test"},
                }),
            )
            .await;
        assert_eq!(status, 202, "{body}");
        ids.push(body["id"].as_str().unwrap().to_owned());
    }
    let w = &w;
    let approvals = ids.iter().zip(words).map(|(id, word)| async move {
        let (status, body) = w
            .json(
                "POST",
                &format!("/api/v1/moderation/{id}/approve"),
                Some(&w.moderator),
                &Value::Null,
            )
            .await;
        assert_eq!(status, 200, "{body}");
        (word, w.search_total(word).await)
    });
    for (word, total) in futures_util::future::join_all(approvals).await {
        assert_eq!(total, 1, "{word} not searchable when its approval answered");
    }
}
