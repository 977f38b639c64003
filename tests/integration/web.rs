//! The pages people open: search, listing, about, errors.

use crate::common::{TestApp, enc, fixture};

#[tokio::test]
async fn the_search_page_shows_results_with_distances_phones_and_approximate_notes() {
    let app = TestApp::all();
    let (status, page) = app
        .get(&format!(
            "/?q={}&near=33136&radius=10",
            enc("mental health")
        ))
        .await;
    assert_eq!(status, 200);
    assert!(
        page.contains("results for “mental health” within 10 miles of 33136"),
        "{page}"
    );
    assert!(page.contains(" mi</span>"), "distances are shown");
    assert!(page.contains("href=\"tel:+1"), "phones are tel: links");
    assert!(page.contains("GeoNames"), "the footer credits GeoNames");

    let (_, page) = app.get("/?near=33101&radius=25&category=housing").await;
    assert!(
        page.contains("Approximate location") && page.contains("about "),
        "approximate locations are marked"
    );
}

#[tokio::test]
async fn an_empty_result_says_what_to_try() {
    let app = TestApp::all();
    let (status, page) = app
        .get(&format!("/?q={}&near=59001&radius=5", enc("food")))
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("0 results"), "{page}");
    assert!(
        page.contains("even within 100 miles"),
        "nothing in the fixtures is near Montana: {page}"
    );
    assert!(page.contains("calling 211"), "{page}");
}

#[tokio::test]
async fn an_empty_result_offers_the_changes_that_find_something_with_their_counts() {
    let app = TestApp::all();
    // The fixtures' DC food pantries are a few miles from 20001's centre, none within half a mile.
    let (_, body) = app
        .get_json("/api/v1/search?q=pantry&near=20001&radius=0.5&category=food")
        .await;
    assert_eq!(body["total"], 0, "{body}");
    let ways = body["ways_out"].as_array().unwrap();
    let radius = ways
        .iter()
        .find(|w| w["radius_mi"].is_number())
        .unwrap_or_else(|| panic!("{body}"));
    let miles = radius["radius_mi"].as_f64().unwrap();
    let (_, wider) = app
        .get_json(&format!(
            "/api/v1/search?q=pantry&near=20001&radius={miles}&category=food"
        ))
        .await;
    assert_eq!(
        radius["total"], wider["total"],
        "the count offered is the count given"
    );
    assert!(wider["total"].as_u64().unwrap() > 0);

    let (_, page) = app
        .get("/?q=pantry&near=20001&radius=0.5&category=food")
        .await;
    assert!(
        page.contains(&format!("Search within {miles} miles: ")),
        "{page}"
    );

    // With an opening-hours filter that nothing meets, leaving it out is offered with its count.
    let (_, body) = app
        .get_json("/api/v1/search?q=pantry&near=20001&radius=25&open_at=2026-12-06T03:00")
        .await;
    assert_eq!(
        body["total"], 0,
        "no DC pantry is open at 3 am on a Sunday: {body}"
    );
    let any_hours = body["ways_out"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["without"] == "open_now")
        .cloned();
    let (_, plain) = app
        .get_json("/api/v1/search?q=pantry&near=20001&radius=25")
        .await;
    assert!(plain["total"].as_u64().unwrap() > 0);
    assert_eq!(
        any_hours.map(|w| w["total"].clone()),
        Some(plain["total"].clone())
    );
}

#[tokio::test]
async fn a_bad_place_keeps_what_was_typed_and_says_what_to_fix() {
    let app = TestApp::all();
    let (status, page) = app
        .get(&format!("/?q={}&near=99999", enc("food bank")))
        .await;
    assert_eq!(status, 400);
    assert!(
        page.contains("value=\"food bank\""),
        "the form keeps the text"
    );
    assert!(
        page.contains("ZIP code 99999 is not in the gazetteer"),
        "{page}"
    );
}

#[tokio::test]
async fn listing_pages_show_the_listing_and_unknown_ids_are_404() {
    let app = TestApp::all();
    let (_, body) = app
        .get_json("/api/v1/search?near=20001&radius=5&limit=1")
        .await;
    let id = body["results"][0]["id"].as_str().unwrap().to_owned();
    let name = body["results"][0]["name"].as_str().unwrap().to_owned();
    let (status, page) = app.get(&format!("/services/{id}")).await;
    assert_eq!(status, 200);
    assert!(
        page.contains(&maud::html! { (name) }.into_string()),
        "the page names the listing"
    );
    assert!(page.contains("Source:"));

    let (status, json) = app.get_json(&format!("/api/v1/services/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(json["id"], id.as_str());
    assert!(json["locations"].as_array().is_some_and(|l| !l.is_empty()));

    let (status, page) = app.get("/services/no-such-id").await;
    assert_eq!(status, 404);
    assert!(page.contains("There is no listing with id no-such-id"));
    let (status, json) = app.get_json("/api/v1/services/no-such-id").await;
    assert_eq!(status, 404);
    assert!(json["error"].as_str().unwrap().contains("no-such-id"));
    let (status, _) = app.get("/nowhere").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn text_from_listings_is_escaped_and_only_http_links_are_shown() {
    // A listing whose fields carry markup and a script URL, as a hostile or careless export might.
    let mut service: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("hsds3/service_full.json")).unwrap())
            .unwrap();
    service["name"] = "<script>alert(1)</script> Zebra Pantry".into();
    service["description"] = "<img src=x onerror=alert(2)> free groceries".into();
    service["url"] = "javascript:alert(3)".into();
    service["organization"]["website"] = "javascript:alert(4)".into();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hostile.json");
    std::fs::write(&path, service.to_string()).unwrap();
    let app = TestApp::with(&[path]);

    let (_, body) = app.get_json("/api/v1/search?q=zebra").await;
    assert_eq!(body["total"], 1, "{body}");
    assert!(
        body["results"][0]["url"].is_null(),
        "a javascript: URL is never given out as a link"
    );
    let id = body["results"][0]["id"].as_str().unwrap().to_owned();
    for page in [
        app.get(&format!("/services/{id}")).await.1,
        app.get("/?q=zebra").await.1,
    ] {
        assert!(
            page.contains("&lt;script&gt;alert(1)&lt;/script&gt; Zebra Pantry"),
            "{page}"
        );
        assert!(
            !page.contains("<script>alert"),
            "markup from data is never emitted"
        );
        assert!(
            !page.contains("<img src=x"),
            "markup from data is never emitted"
        );
        assert!(
            !page.contains("javascript:"),
            "non-http URLs are never links"
        );
    }
}

#[tokio::test]
async fn text_with_nothing_searchable_finds_nothing_and_says_why() {
    let app = TestApp::all();
    for q in ["the", "🍞", "- *"] {
        let (_, body) = app
            .get_json(&format!("/api/v1/search?q={}&near=33136", enc(q)))
            .await;
        assert_eq!(body["total"], 0, "{q}: {body}");
        let (status, page) = app.get(&format!("/?q={}&near=33136", enc(q))).await;
        assert_eq!(status, 200);
        assert!(page.contains("has no words Hearth can search for"), "{q}");
    }
}

#[tokio::test]
async fn the_form_shows_what_was_searched() {
    let app = TestApp::all();
    let (_, page) = app
        .get("/?near=33136&radius=15&category=food&category=housing")
        .await;
    assert!(
        page.contains("<option value=\"15\" selected>15 mi</option>"),
        "a radius not in the menu is kept"
    );
    assert!(
        page.contains("<option value=\"food,housing\" selected>Food or Housing</option>"),
        "several categories are kept"
    );
    let (_, page) = app.get("/?near=33136&radius=25&category=legal").await;
    assert!(page.contains("<option value=\"25\" selected>25 mi</option>"));
    assert!(page.contains("<option value=\"legal\" selected>Legal</option>"));
}

#[tokio::test]
async fn a_malformed_listing_address_is_a_400_not_a_500() {
    let app = TestApp::empty();
    let (status, body) = app.get_json("/api/v1/services/%FF").await;
    assert_eq!(status, 400);
    assert!(body["error"].as_str().unwrap().contains("not valid"));
    let (status, _) = app.get("/services/%FF").await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn health_and_about_answer() {
    let app = TestApp::all();
    let (status, body) = app.get_json("/healthz").await;
    assert_eq!(status, 200);
    assert!(body["listings"].as_u64().unwrap() > 100);
    let (status, page) = app.get("/about").await;
    assert_eq!(status, 200);
    assert!(page.contains("CC BY 4.0"));
    let (status, css) = app.get("/static/hearth.css").await;
    assert_eq!(status, 200);
    assert!(css.contains(".card"));
}
