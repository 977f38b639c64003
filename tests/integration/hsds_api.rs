//! The HSDS 3.0 API at `/hsds/`: every endpoint, its parameters and paging
//! fields, on the real router over fixtures (plus two made-up HSDS listings with
//! service areas, labelled as such in `common`).

use std::collections::BTreeSet;

use axum::http::StatusCode;
use serde_json::Value;

use crate::common::{MADE_UP_HOTLINE, MADE_UP_LEGAL_LINE, TestApp, all_fixtures, enc};

fn app() -> TestApp {
    let app = TestApp::with(&all_fixtures());
    app.import_json(
        "made-up-hsds.json",
        &format!("[{MADE_UP_LEGAL_LINE}, {MADE_UP_HOTLINE}]"),
    );
    app
}

/// GETs a page and checks the paging fields agree with each other.
async fn page(app: &TestApp, uri: &str) -> Value {
    let (status, body) = app.get_json(uri).await;
    assert_eq!(status, StatusCode::OK, "{uri}: {body}");
    let total = body["total_items"].as_u64().unwrap();
    let per_page = per_page_of(uri);
    let number = body["page_number"].as_u64().unwrap();
    let size = body["size"].as_u64().unwrap();
    let contents = body["contents"].as_array().unwrap();
    assert_eq!(size as usize, contents.len(), "{uri}: size");
    assert_eq!(
        body["total_pages"].as_u64().unwrap(),
        total.div_ceil(per_page),
        "{uri}: total_pages"
    );
    assert_eq!(
        body["first_page"],
        Value::Bool(number == 1),
        "{uri}: first_page"
    );
    assert_eq!(
        body["last_page"],
        Value::Bool(number >= total.div_ceil(per_page)),
        "{uri}: last_page"
    );
    assert_eq!(
        body["empty"],
        Value::Bool(contents.is_empty()),
        "{uri}: empty"
    );
    let expected_size = total.saturating_sub((number - 1) * per_page).min(per_page);
    assert_eq!(
        size, expected_size,
        "{uri}: a page holds per_page, the last one the rest"
    );
    body
}

fn per_page_of(uri: &str) -> u64 {
    uri.split(['?', '&'])
        .find_map(|p| p.strip_prefix("per_page="))
        .map_or(50, |n| n.parse().unwrap())
}

fn ids(page: &Value) -> Vec<String> {
    page["contents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn error_of(app: &TestApp, uri: &str, status: StatusCode) -> String {
    let (got, body) = app.get_json(uri).await;
    assert_eq!(got, status, "{uri}: {body}");
    body["error"]
        .as_str()
        .unwrap_or_else(|| panic!("{uri}: no error message in {body}"))
        .to_owned()
}

#[tokio::test]
async fn the_root_names_the_version_and_the_openapi_document() {
    let app = TestApp::empty();
    for uri in ["/hsds/", "/hsds"] {
        let (status, body) = app.get_json(uri).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["version"], "3.0");
        assert!(body["profile"].as_str().unwrap().starts_with("https://"));
        assert!(
            body["openapi_url"]
                .as_str()
                .unwrap()
                .ends_with("/hsds/openapi.json")
        );
    }
    let (status, doc) = app.get_json("/hsds/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(doc["openapi"], "3.1.0");
}

#[tokio::test]
async fn services_page_through_every_listing_once_in_id_order() {
    let app = app();
    let total = app.state.directory.listing_count() as u64;
    let first = page(&app, "/hsds/services?per_page=7").await;
    assert_eq!(first["total_items"].as_u64().unwrap(), total);
    let pages = first["total_pages"].as_u64().unwrap();
    assert!(pages > 3, "enough fixtures to page: {pages} pages");
    let mut all = Vec::new();
    for n in 1..=pages {
        let body = page(&app, &format!("/hsds/services?page={n}&per_page=7")).await;
        all.extend(ids(&body));
    }
    assert_eq!(all.len() as u64, total);
    let mut sorted = all.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted, all, "each once, in id order");
    let past = page(
        &app,
        &format!("/hsds/services?page={}&per_page=7", pages + 1),
    )
    .await;
    assert_eq!(past["empty"], Value::Bool(true));
    assert_eq!(past["last_page"], Value::Bool(true));
    // The default page size is 50.
    let default = page(&app, "/hsds/services").await;
    assert_eq!(default["size"].as_u64().unwrap(), total.min(50));
}

#[tokio::test]
async fn service_shapes_one_to_one_full_and_minimal() {
    let app = app();
    let plain = page(&app, "/hsds/services?per_page=3").await;
    let first = &plain["contents"][0];
    assert!(first["name"].is_string() && first["status"].is_string());
    assert!(
        first.get("service_at_locations").is_none(),
        "one-to-one fields only: {first}"
    );
    assert!(
        first["last_modified"].is_string(),
        "when it last changed here"
    );

    let full = page(&app, "/hsds/services?per_page=3&full=true").await;
    assert!(full["contents"][0]["organization"]["name"].is_string());
    assert!(full["contents"][0]["service_at_locations"].is_array());

    let minimal = page(&app, "/hsds/services?per_page=3&minimal=true").await;
    let keys: BTreeSet<&str> = minimal["contents"][0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, BTreeSet::from(["id", "last_modified"]));
    assert_eq!(ids(&minimal), ids(&plain));

    // One service, fully nested, the same as in the full list.
    let id = ids(&full)[0].clone();
    let (status, one) = app.get_json(&format!("/hsds/services/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(one, full["contents"][0]);
}

#[tokio::test]
async fn filters_combine_with_and() {
    let app = app();
    let full = page(&app, "/hsds/services?per_page=1000&full=true").await;
    let services = full["contents"].as_array().unwrap();

    // organization_id: exactly that organization's services.
    let org = services[0]["organization"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let expected: Vec<&str> = services
        .iter()
        .filter(|s| s["organization"]["id"] == org.as_str())
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    let by_org = page(
        &app,
        &format!("/hsds/services?organization_id={org}&per_page=1000"),
    )
    .await;
    assert_eq!(ids(&by_org), expected);

    // taxonomy_term_id: every service carrying that term, and no other.
    let with_terms = services
        .iter()
        .find(|s| {
            s["attributes"].as_array().is_some_and(|a| {
                a.iter().any(|x| {
                    x["taxonomy_term"]["taxonomy"] == "hearth-category"
                        || x["taxonomy_term"]["taxonomy_detail"]["name"] == "hearth-category"
                })
            })
        })
        .or_else(|| {
            services
                .iter()
                .find(|s| s["attributes"].as_array().is_some_and(|a| !a.is_empty()))
        })
        .expect("a service with taxonomy terms");
    let term = with_terms["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|a| a["taxonomy_term"]["id"].as_str())
        .unwrap()
        .to_owned();
    let carrying: Vec<&str> = services
        .iter()
        .filter(|s| {
            s["attributes"]
                .as_array()
                .is_some_and(|a| a.iter().any(|x| x["taxonomy_term"]["id"] == term.as_str()))
        })
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    let by_term = page(
        &app,
        &format!("/hsds/services?taxonomy_term_id={term}&per_page=1000"),
    )
    .await;
    assert_eq!(ids(&by_term), carrying);
    assert!(!carrying.is_empty());

    // taxonomy_id: a superset of any one of its terms.
    let (_, term_record) = app.get_json(&format!("/hsds/taxonomy_terms/{term}")).await;
    let taxonomy = term_record["taxonomy_id"].as_str().unwrap().to_owned();
    let by_taxonomy = page(
        &app,
        &format!("/hsds/services?taxonomy_id={taxonomy}&per_page=1000"),
    )
    .await;
    let in_taxonomy: BTreeSet<String> = ids(&by_taxonomy).into_iter().collect();
    assert!(carrying.iter().all(|id| in_taxonomy.contains(*id)));

    // AND: organization and term together are the intersection.
    let both = page(
        &app,
        &format!("/hsds/services?organization_id={org}&taxonomy_term_id={term}&per_page=1000"),
    )
    .await;
    let intersection: Vec<&str> = expected
        .iter()
        .copied()
        .filter(|id| carrying.contains(id))
        .collect();
    assert_eq!(ids(&both), intersection);

    // modified_after: everything was just written; nothing is from the future.
    let past = page(
        &app,
        "/hsds/services?modified_after=2000-01-01&per_page=1000",
    )
    .await;
    assert_eq!(past["total_items"], full["total_items"]);
    let future = page(
        &app,
        &format!(
            "/hsds/services?modified_after={}",
            enc("2999-01-01T00:00:00Z")
        ),
    )
    .await;
    assert_eq!(future["total_items"], 0);
    assert_eq!(future["empty"], Value::Bool(true));

    // search: only matching, active listings, best first.
    let found = page(
        &app,
        "/hsds/services?search=eviction&full=true&per_page=100",
    )
    .await;
    let names: Vec<&str> = found["contents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"Test Tenant Legal Line"), "{names:?}");
    assert!(
        found["contents"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["status"] == "active")
    );
    let searched_in_org = page(
        &app,
        &format!("/hsds/services?search=eviction&organization_id={org}&per_page=100"),
    )
    .await;
    assert!(
        ids(&searched_in_org)
            .iter()
            .all(|id| expected.contains(&id.as_str()))
    );
}

#[tokio::test]
async fn a_change_here_is_found_by_modified_after() {
    let app = app();
    let before = chrono::Utc::now();
    std::thread::sleep(std::time::Duration::from_millis(5));
    app.import_json(
        "made-up-hsds.json",
        &MADE_UP_HOTLINE.replace(
            "Eviction advice by phone",
            "Eviction and repair advice by phone",
        ),
    );
    let uri = format!(
        "/hsds/services?minimal=true&modified_after={}",
        enc(&before.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
    );
    let changed = page(&app, &uri).await;
    assert_eq!(changed["total_items"], 1, "{changed}");
    let id = &changed["contents"][0]["id"];
    let (_, service) = app
        .get_json(&format!("/hsds/services/{}", id.as_str().unwrap()))
        .await;
    assert_eq!(service["name"], "Test Statewide Eviction Hotline");
    assert_eq!(
        service["last_modified"],
        changed["contents"][0]["last_modified"]
    );
}

#[tokio::test]
async fn bad_parameters_are_400_with_a_message_naming_them() {
    let app = app();
    for (uri, says) in [
        ("/hsds/services?page=0", "page"),
        ("/hsds/services?page=two", "page"),
        ("/hsds/services?per_page=5000", "per_page"),
        ("/hsds/services?modified_after=yesterday", "modified_after"),
        ("/hsds/services?format=xml", "format"),
        ("/hsds/services?full=maybe", "full"),
        ("/hsds/services?minimal=true&full=true", "minimal"),
        ("/hsds/services?postcode=33157", "postcode"),
        ("/hsds/services?colour=red", "colour"),
        ("/hsds/taxonomies?organization_id=x", "organization_id"),
        ("/hsds/taxonomy_terms?top_only=perhaps", "top_only"),
        ("/hsds/service_at_locations?postcode=00000", "postcode"),
        ("/hsds/service_at_locations?proximity=1000", "postcode"),
        (
            "/hsds/service_at_locations?postcode=33157&proximity=-5",
            "proximity",
        ),
        ("/hsds/organizations/x?full=true", "full"),
        ("/hsds/services/x?full=true", "full"),
    ] {
        let message = error_of(&app, uri, StatusCode::BAD_REQUEST).await;
        assert!(message.contains(says), "{uri}: {message}");
    }
}

#[tokio::test]
async fn unknown_ids_are_404_json() {
    let app = app();
    for kind in [
        "services",
        "organizations",
        "taxonomies",
        "taxonomy_terms",
        "service_at_locations",
    ] {
        let message = error_of(
            &app,
            &format!("/hsds/{kind}/no-such-id"),
            StatusCode::NOT_FOUND,
        )
        .await;
        assert!(message.contains("no-such-id"), "{kind}: {message}");
    }
}

#[tokio::test]
async fn organizations_with_their_services() {
    let app = app();
    let orgs = page(&app, "/hsds/organizations?per_page=1000").await;
    let listed: Vec<String> = ids(&orgs);
    let mut sorted = listed.clone();
    sorted.sort();
    assert_eq!(listed, sorted);
    assert!(
        orgs["contents"][0].get("services").is_none(),
        "own fields only by default"
    );

    let legal = page(&app, "/hsds/organizations?search=legal&per_page=100").await;
    let names: Vec<&str> = legal["contents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"Test Legal Org"), "{names:?}");

    let org = legal["contents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == "Test Legal Org")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, one) = app.get_json(&format!("/hsds/organizations/{org}")).await;
    assert_eq!(status, StatusCode::OK);
    let services = one["services"].as_array().unwrap();
    assert_eq!(services.len(), 1);
    assert_eq!(services[0]["name"], "Test Tenant Legal Line");
    assert!(services[0].get("service_at_locations").is_none());
    let (_, nested) = app
        .get_json(&format!("/hsds/organizations/{org}?full_service=true"))
        .await;
    assert!(nested["services"][0]["service_at_locations"].is_array());
    let full_list = page(
        &app,
        "/hsds/organizations?search=legal&full_service=true&per_page=100",
    )
    .await;
    assert!(
        full_list["contents"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["services"].is_array())
    );
}

#[tokio::test]
async fn taxonomies_and_terms_with_their_tree() {
    let app = app();
    let taxonomies = page(&app, "/hsds/taxonomies?per_page=100").await;
    let names: Vec<&str> = taxonomies["contents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    for expected in ["hearth-category", "sdoh-need", "open-eligibility"] {
        assert!(names.contains(&expected), "{expected} in {names:?}");
    }
    let oe = taxonomies["contents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "open-eligibility")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, one) = app.get_json(&format!("/hsds/taxonomies/{oe}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(one["name"], "open-eligibility");

    let top = page(
        &app,
        &format!("/hsds/taxonomy_terms?taxonomy_id={oe}&top_only=true&per_page=1000"),
    )
    .await;
    let tops = top["contents"].as_array().unwrap();
    assert!(
        tops.len() >= 5,
        "Open Eligibility has its top-level branches"
    );
    assert!(
        tops.iter()
            .all(|t| t["parent_id"].is_null() && t["taxonomy_id"] == oe.as_str())
    );
    let parent = tops
        .iter()
        .find(|t| t["name"] == "Food")
        .unwrap_or(&tops[0]);
    let parent_id = parent["id"].as_str().unwrap();
    let children = page(
        &app,
        &format!("/hsds/taxonomy_terms?parent_id={parent_id}&per_page=1000"),
    )
    .await;
    assert!(children["total_items"].as_u64().unwrap() > 0);
    assert!(
        children["contents"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["parent_id"] == parent_id)
    );
    let child = children["contents"][0]["id"].as_str().unwrap();
    let (status, term) = app.get_json(&format!("/hsds/taxonomy_terms/{child}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(term["parent_id"], parent_id);

    let searched = page(&app, "/hsds/taxonomy_terms?search=pantry&per_page=100").await;
    assert!(searched["total_items"].as_u64().unwrap() > 0);
    assert!(searched["contents"].as_array().unwrap().iter().all(|t| {
        format!("{} {}", t["name"], t["code"])
            .to_lowercase()
            .contains("pantry")
    }));
}

#[tokio::test]
async fn services_at_locations_by_postcode_and_proximity() {
    let app = app();
    let all = page(&app, "/hsds/service_at_locations?per_page=1000").await;
    let first = &all["contents"][0];
    assert!(first["service_id"].is_string() && first["location_id"].is_string());
    assert!(first["location"]["id"] == first["location_id"]);

    // 33157 (Miami-Dade): the Fort Lauderdale legal line serves Miami-Dade County
    // and the hotline all of Florida, so both are there, wherever they are.
    let serving = page(
        &app,
        "/hsds/service_at_locations?postcode=33157&per_page=1000&full=true",
    )
    .await;
    let names: Vec<&str> = serving["contents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["service"]["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"Test Tenant Legal Line"), "{names:?}");
    // The hotline has no location, so no service_at_location.
    assert!(!names.contains(&"Test Statewide Eviction Hotline"));

    // With proximity: only what is located within that many metres of 33157's
    // centre (the legal line, 30 miles away, is not, whatever it serves).
    let near = page(
        &app,
        "/hsds/service_at_locations?postcode=33157&proximity=8000&per_page=1000&full=true",
    )
    .await;
    assert!(near["total_items"].as_u64().unwrap() > 0);
    let gazetteer = app.state.directory.gazetteer();
    let zip = gazetteer.zip("33157").unwrap();
    for sal in near["contents"].as_array().unwrap() {
        assert_ne!(sal["service"]["name"], "Test Tenant Legal Line");
        let service = app
            .state
            .directory
            .service(sal["service_id"].as_str().unwrap())
            .unwrap()
            .unwrap();
        let location = service
            .location(sal["location_id"].as_str().unwrap())
            .unwrap();
        let metres =
            hearth::geo::distance_miles((zip.lat, zip.lon), location.point().unwrap()) * 1_609.344;
        assert!(metres <= 8_000.5, "{} is {metres:.0} m away", service.name);
    }
    let wider = page(
        &app,
        "/hsds/service_at_locations?postcode=33157&proximity=60000&per_page=1000",
    )
    .await;
    assert!(
        wider["total_items"].as_u64().unwrap() > near["total_items"].as_u64().unwrap(),
        "a wider circle holds more"
    );
    let id = near["contents"][0]["id"].as_str().unwrap();
    let (status, one) = app
        .get_json(&format!("/hsds/service_at_locations/{id}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(one["id"], id);
    assert!(one["service"]["name"].is_string() && one["location"]["id"].is_string());
}

#[tokio::test]
async fn ndjson_streams_every_record_unpaginated() {
    let app = app();
    let total = app.state.directory.listing_count();
    let (status, body) = app
        .get("/hsds/services?format=ndjson&full=true&per_page=2")
        .await;
    assert_eq!(status, StatusCode::OK);
    let lines: Vec<Value> = body
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), total, "every record, whatever per_page says");
    assert!(lines.iter().all(|l| l["service_at_locations"].is_array()));
    let (_, terms) = app.get("/hsds/taxonomy_terms?format=ndjson").await;
    let count = page(&app, "/hsds/taxonomy_terms?per_page=1").await["total_items"]
        .as_u64()
        .unwrap();
    assert_eq!(terms.lines().count() as u64, count);
}

#[tokio::test]
async fn every_term_a_service_names_resolves() {
    let app = app();
    let full = page(&app, "/hsds/services?per_page=1000&full=true").await;
    let mut named = BTreeSet::new();
    for service in full["contents"].as_array().unwrap() {
        for attribute in service["attributes"].as_array().into_iter().flatten() {
            let id = attribute["taxonomy_term_id"].as_str().unwrap().to_owned();
            assert_eq!(attribute["taxonomy_term"]["id"], id.as_str());
            named.insert(id);
        }
    }
    assert!(named.len() > 10, "{} terms named", named.len());
    for id in &named {
        let (status, term) = app.get_json(&format!("/hsds/taxonomy_terms/{id}")).await;
        assert_eq!(status, StatusCode::OK, "{id}: {term}");
        let taxonomy = term["taxonomy_id"].as_str().unwrap();
        let (status, _) = app.get_json(&format!("/hsds/taxonomies/{taxonomy}")).await;
        assert_eq!(status, StatusCode::OK, "taxonomy of {id}");
    }
}

#[tokio::test]
async fn ndjson_downloads_take_turns() {
    let app = app();
    // Every turn taken, as by slow readers of earlier streams.
    let held = app
        .state
        .hsds_streams
        .clone()
        .try_acquire_many_owned(4)
        .unwrap();
    let message = error_of(
        &app,
        "/hsds/services?format=ndjson",
        StatusCode::TOO_MANY_REQUESTS,
    )
    .await;
    assert!(message.contains("try again"), "{message}");
    // Paged reading is not limited.
    page(&app, "/hsds/services?per_page=5").await;
    drop(held);
    let (status, _) = app.get("/hsds/services?format=ndjson").await;
    assert_eq!(status, StatusCode::OK);
}
