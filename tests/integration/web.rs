//! The pages people open: search, listing, about, errors.

use crate::common::{TestApp, enc};

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
        page.contains("Approximate location (ZIP centre)"),
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
    assert!(page.contains("a larger distance"), "{page}");
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
    let app = TestApp::all();
    let (_, page) = app.get("/?near=33136&radius=25&limit=100").await;
    assert!(!page.contains("<script"), "no markup from data is emitted");
    assert!(
        !page.contains("href=\"javascript:"),
        "non-http URLs are never links"
    );
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
