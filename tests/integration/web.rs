//! The pages people open: search, listing, about, errors.

use axum::http::StatusCode;
use hearth::model::Population;

use crate::common::{MADE_UP_HOTLINE, MADE_UP_LEGAL_LINE, TestApp, enc, fixture};

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

/// The opening tag of the `input` or the whole `select` with this id.
fn control<'a>(page: &'a str, id: &str) -> &'a str {
    for (open, close) in [("<input id=\"", ">"), ("<select id=\"", "</select>")] {
        let start_tag = format!("{open}{id}\"");
        if let Some(start) = page.find(&start_tag) {
            let end = page[start..]
                .find(close)
                .unwrap_or_else(|| panic!("{id} is not closed"));
            return &page[start..start + end + close.len()];
        }
    }
    panic!("no control #{id} in {page}")
}

/// The form field (`<div class="field …">` up to the next field or the end of
/// the filters) that holds the control with this id.
fn field<'a>(page: &'a str, id: &str) -> &'a str {
    let at = page
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id}"));
    let start = page[..at].rfind("<div class=\"field").unwrap();
    let end = page[at..]
        .find("<div class=\"field")
        .map_or(page.len(), |e| at + e);
    &page[start..end]
}

/// Test-only listings, made up for these tests (they are not real services): a
/// legal line that serves Miami-Dade from Fort Lauderdale, a statewide phone
/// line with no location, a pantry with three sites in 33136, and a crisis line
/// open around the clock.
fn made_up_listings_json() -> String {
    format!("[\n{MADE_UP_LEGAL_LINE},\n{MADE_UP_HOTLINE},\n{MORE_MADE_UP_LISTINGS}\n]")
}

/// The pantry with three sites and the crisis line of [`made_up_listings_json`].
const MORE_MADE_UP_LISTINGS: &str = r#" {"id": "test-three-site-pantry", "name": "Test Three-Site Pantry", "status": "active",
  "description": "Free groceries every week.",
  "organization": {"id": "test-org-3", "name": "Test Pantry Org"},
  "service_at_locations": [
    {"id": "sal3a", "location": {"id": "loc3a", "location_type": "physical", "latitude": 25.790, "longitude": -80.205,
      "addresses": [{"id": "ad3a", "address_1": "10 Test Ave", "city": "Miami", "state_province": "FL",
        "postal_code": "33136", "country": "US", "address_type": "physical"}]}},
    {"id": "sal3b", "location": {"id": "loc3b", "location_type": "physical", "latitude": 25.780, "longitude": -80.215,
      "addresses": [{"id": "ad3b", "address_1": "20 Test Ave", "city": "Miami", "state_province": "FL",
        "postal_code": "33136", "country": "US", "address_type": "physical"}]}},
    {"id": "sal3c", "location": {"id": "loc3c", "location_type": "physical", "latitude": 25.800, "longitude": -80.195,
      "addresses": [{"id": "ad3c", "address_1": "30 Test Ave", "city": "Miami", "state_province": "FL",
        "postal_code": "33136", "country": "US", "address_type": "physical"}]}}]},
 {"id": "test-all-hours-line", "name": "Test All-Hours Crisis Line", "status": "active",
  "description": "Crisis counseling, any time of day or night.",
  "organization": {"id": "test-org-4", "name": "Test Crisis Org"},
  "schedules": [{"id": "s4", "freq": "WEEKLY", "byday": "MO,TU,WE,TH,FR,SA,SU", "opens_at": "00:00", "closes_at": "23:59"}],
  "service_at_locations": [{"id": "sal4", "location": {"id": "loc4", "location_type": "physical",
      "latitude": 25.788, "longitude": -80.210,
      "addresses": [{"id": "ad4", "address_1": "40 Test Ave", "city": "Miami", "state_province": "FL",
        "postal_code": "33136", "country": "US", "address_type": "physical"}]}}]}"#;

/// Every fixture plus [`made_up_listings_json`].
fn app_with_made_up_listings() -> TestApp {
    let app = TestApp::all();
    app.import_json("made-up.json", &made_up_listings_json());
    app
}

/// The markup of the result card titled `name`.
fn card<'a>(page: &'a str, name: &str) -> &'a str {
    let at = page
        .find(&format!(">{name}</a>"))
        .unwrap_or_else(|| panic!("no card for {name}"));
    let start = page[..at].rfind("<article").unwrap();
    let end = at + page[at..].find("</article>").unwrap();
    &page[start..end]
}

#[tokio::test]
async fn the_search_form_has_a_labelled_control_for_every_filter() {
    let app = TestApp::empty();
    let (status, page) = app.get("/").await;
    assert_eq!(status, 200);
    for (id, label) in [
        ("q", "What does your client need?"),
        ("near", "Where"),
        ("radius", "Within"),
        ("category", "Category"),
        ("population", "For"),
        ("age", "Client’s age"),
        ("language", "Language"),
        ("scope", "Show"),
    ] {
        assert!(
            page.contains(&format!("<label for=\"{id}\">{label}</label>")),
            "#{id} is labelled “{label}”"
        );
        control(&page, id);
    }
    for (id, label) in [
        ("open_now", "Open now"),
        ("free", "Free"),
        ("accessible", "Wheelchair accessible"),
    ] {
        let start = page.find(&format!("<label for=\"{id}\">")).unwrap();
        let end = start + page[start..].find("</label>").unwrap();
        let wrapped = &page[start..end];
        assert!(
            wrapped.contains(&format!(
                "id=\"{id}\" type=\"checkbox\" name=\"{id}\" value=\"true\""
            )) && wrapped.ends_with(&format!(" {label}")),
            "the {id} checkbox sits in its label: {wrapped}"
        );
        assert!(
            !control(&page, id).contains("checked"),
            "{id} is off at first"
        );
    }
    let age = control(&page, "age");
    assert!(
        age.contains("type=\"number\"") && age.contains("min=\"0\"") && age.contains("max=\"120\""),
        "{age}"
    );
    let population = control(&page, "population");
    assert!(population.contains("<option value=\"\">Anyone</option>"));
    for p in Population::ALL {
        assert!(
            population.contains(&format!(
                "<option value=\"{}\">{}</option>",
                p.slug(),
                p.label()
            )),
            "{population}"
        );
    }
    let language = control(&page, "language");
    assert!(language.contains("<option value=\"\">Any</option>"));
    assert!(language.contains("<option value=\"ht\">Haitian Creole</option>"));
    assert!(
        !page.contains("type=\"hidden\" name=\"language\""),
        "the menu replaces the hidden field"
    );
    let scope = control(&page, "scope");
    for value in ["all", "nearby", "serving"] {
        assert!(
            scope.contains(&format!("<option value=\"{value}\"")),
            "{scope}"
        );
    }
}

#[tokio::test]
async fn a_search_keeps_every_filter_in_the_form() {
    let app = TestApp::all();
    let (status, page) = app
        .get("/?q=food&near=33136&radius=10&free=true&accessible=true&population=youth&age=15&language=es&scope=nearby&open_now=true")
        .await;
    assert_eq!(status, 200, "{page}");
    for id in ["free", "accessible", "open_now"] {
        assert!(
            control(&page, id).contains(" checked"),
            "{id} stays checked"
        );
    }
    assert!(control(&page, "age").contains("value=\"15\""));
    assert!(
        control(&page, "population")
            .contains("<option value=\"youth\" selected>Children and youth</option>")
    );
    assert!(control(&page, "language").contains("<option value=\"es\" selected>Spanish</option>"));
    assert!(control(&page, "scope").contains("<option value=\"nearby\" selected>"));

    // A language far down the list, or given by name, is offered and chosen;
    // several populations at once are kept as one choice.
    let (_, page) = app
        .get(&format!(
            "/?near=33136&language={}&population=veterans,seniors&free=no",
            enc("Somali")
        ))
        .await;
    assert!(control(&page, "language").contains("<option value=\"so\" selected>Somali</option>"));
    assert!(
        control(&page, "population")
            .contains("<option value=\"veterans,seniors\" selected>Veterans or Seniors</option>"),
        "{}",
        control(&page, "population")
    );
    assert!(
        !control(&page, "free").contains("checked"),
        "free=no is off"
    );
}

#[tokio::test]
async fn population_facets_show_the_counts_and_link_to_the_narrowed_search() {
    let app = TestApp::all();
    let (_, body) = app.get_json("/api/v1/search?near=33136&radius=10").await;
    let populations = body["facets"]["population"].as_object().unwrap().clone();
    assert!(
        populations.len() >= 3,
        "the Miami fixtures have populations: {body}"
    );
    let (status, page) = app.get("/?near=33136&radius=10").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("<span class=\"facet-label\">For: </span>"),
        "{page}"
    );
    for (slug, n) in &populations {
        let label = Population::ALL
            .iter()
            .find(|p| p.slug() == slug)
            .unwrap()
            .label();
        let href = format!("/?near=33136&radius=10&population={slug}&page=1");
        let link = format!(
            "<a href=\"{}\">{label} ({n})</a>",
            href.replace('&', "&amp;")
        );
        assert!(page.contains(&link), "{link}");
        let (_, narrowed) = app.get_json(&format!("/api/v1/search{}", &href[1..])).await;
        assert_eq!(
            &narrowed["total"], n,
            "the count shown is what the link finds"
        );
    }
}

#[tokio::test]
async fn the_open_now_facet_shows_how_many_are_open_and_links_to_them() {
    let app = app_with_made_up_listings();
    // The made-up crisis line is open around the clock, so at least one result is open whenever this runs.
    let (_, body) = app
        .get_json("/api/v1/search?q=crisis&near=33136&radius=5")
        .await;
    let open = body["facets"]["open_now"].as_u64().unwrap();
    assert!(open >= 1, "{body}");
    // A listing may open or close between two requests: compare the API's count
    // with the page's, taken together, and retry the pair if a minute turned.
    let mut agreed = false;
    for _ in 0..3 {
        let (_, body) = app
            .get_json("/api/v1/search?q=crisis&near=33136&radius=5")
            .await;
        let open = body["facets"]["open_now"].as_u64().unwrap();
        let (_, page) = app.get("/?q=crisis&near=33136&radius=5").await;
        let link = format!(
            "<a href=\"/?q=crisis&amp;near=33136&amp;radius=5&amp;open_now=true&amp;page=1\">Open now ({open})</a>"
        );
        let (_, filtered) = app
            .get("/?q=crisis&near=33136&radius=5&open_now=true")
            .await;
        if page.contains(&link) && filtered.contains(&format!("{open} result")) {
            agreed = true;
            break;
        }
    }
    assert!(
        agreed,
        "the open-now count, its link and what it finds agree"
    );
    let (_, page) = app
        .get("/?q=crisis&near=33136&radius=5&open_now=true")
        .await;
    assert!(
        !page.contains(">Open now ("),
        "no open-now facet once the filter is on"
    );
}

#[tokio::test]
async fn services_serving_the_area_are_grouped_after_the_nearby_ones() {
    let app = app_with_made_up_listings();
    let (status, page) = app.get("/?q=eviction&near=33136&radius=2").await;
    assert_eq!(status, 200);
    let heading = page
        .find(">Also serving this area</h3>")
        .unwrap_or_else(|| panic!("{page}"));
    let (nearby, serving) = page.split_at(heading);
    assert!(
        nearby.matches("<article").count() >= 3,
        "nearby results come first"
    );
    let legal = card(serving, "Test Tenant Legal Line");
    assert!(
        legal.contains("<h4>"),
        "cards under the sub-heading are h4: {legal}"
    );
    assert!(
        legal.contains("Serves this area · nearest location <span class=\"distance\">24 mi</span>"),
        "{legal}"
    );
    let hotline = card(serving, "Test Statewide Eviction Hotline");
    assert!(hotline.contains("Online or by phone"), "{hotline}");
    assert!(!hotline.contains("class=\"distance\""), "{hotline}");
    assert!(!nearby.contains("Test Tenant Legal Line") && !nearby.contains("Serves this area"));
    assert!(
        page.contains("2 more serve this area or work online or by phone."),
        "{page}"
    );

    // Only those serving the area: no "also".
    let (_, page) = app
        .get("/?q=eviction&near=33136&radius=2&scope=serving")
        .await;
    assert!(page.contains(">Serving this area</h3>"), "{page}");
    assert!(!page.contains("Also serving this area"));
    // Nearby only: no group at all.
    let (_, page) = app
        .get("/?q=eviction&near=33136&radius=2&scope=nearby")
        .await;
    assert!(!page.contains("serving this area</h3>") && !page.contains("Serving this area</h3>"));
    assert!(!page.contains("Test Tenant Legal Line"));
}

#[tokio::test]
async fn an_empty_result_offers_to_include_those_serving_the_area_or_to_drop_a_new_filter() {
    let app = app_with_made_up_listings();
    // Nothing in the fixtures is near Orlando, but the made-up statewide line serves it.
    let (_, page) = app
        .get("/?q=eviction&near=32801&radius=1&scope=nearby")
        .await;
    assert!(page.contains("0 results"), "{page}");
    let way = "<a href=\"/?q=eviction&amp;near=32801&amp;radius=1&amp;page=1\">Include services that serve this area: 1 result</a>";
    assert!(page.contains(way), "{page}");

    // Between two pantry sites, with free and wheelchair access asked for, which none is known to be.
    let search = format!(
        "q=groceries&near={}&radius=0.6&free=true&accessible=true",
        enc("25.785,-80.210")
    );
    let (_, body) = app.get_json(&format!("/api/v1/search?{search}")).await;
    assert_eq!(body["total"], 0, "{body}");
    let ways = body["ways_out"].as_array().unwrap();
    assert!(!ways.is_empty(), "{body}");
    let (_, page) = app.get(&format!("/?{search}")).await;
    for way in ways {
        let label = match way["without"].as_str() {
            Some("free") => "Include services that may charge",
            Some("accessible") => "Include places without recorded wheelchair access",
            Some("radius") | None => "Search within",
            Some(other) => panic!("unexpected way out {other}"),
        };
        let n = way["total"].as_u64().unwrap();
        let count = if n == 1 {
            "1 result".to_owned()
        } else {
            format!("{n} results")
        };
        assert!(
            page.contains(label) && page.contains(&format!(": {count}</a>")),
            "{label}: {count} in {page}"
        );
    }
}

#[tokio::test]
async fn a_service_with_more_matching_locations_says_how_many() {
    let app = app_with_made_up_listings();
    let (_, body) = app
        .get_json("/api/v1/search?q=groceries&near=33136&radius=5")
        .await;
    let pantry = body["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "Test Three-Site Pantry")
        .unwrap_or_else(|| panic!("{body}"));
    assert_eq!(pantry["more_locations"], 2);
    let id = pantry["id"].as_str().unwrap();
    let (_, page) = app.get("/?q=groceries&near=33136&radius=5").await;
    assert!(
        card(&page, "Test Three-Site Pantry")
            .contains(&format!("<a href=\"/services/{id}\">2 more locations</a>")),
        "{page}"
    );
    // Between two of the sites, with the third out of reach: one more.
    let (_, page) = app
        .get(&format!(
            "/?q=groceries&near={}&radius=0.6",
            enc("25.785,-80.210")
        ))
        .await;
    assert!(
        card(&page, "Test Three-Site Pantry").contains(">1 more location</a>"),
        "{page}"
    );
    assert_eq!(
        page.matches("more location").count(),
        1,
        "no other card has one"
    );
}

#[tokio::test]
async fn a_bad_age_is_a_400_with_the_message_beside_the_age_field() {
    let app = TestApp::all();
    let (status, page) = app.get("/?q=food&near=33136&age=abc").await;
    assert_eq!(status, 400);
    let age = field(&page, "age");
    assert!(
        age.contains("<p class=\"field-error\" id=\"age-error\" role=\"alert\">age must be a whole number from 0 to 120"),
        "{age}"
    );
    assert!(
        age.contains("value=\"abc\""),
        "what was typed is kept: {age}"
    );
    assert!(
        age.contains("aria-invalid=\"true\" aria-describedby=\"age-error\""),
        "{age}"
    );
    assert_eq!(
        page.matches("age must be").count(),
        1,
        "shown once, beside the field"
    );
    assert!(
        page.contains("value=\"food\""),
        "the rest of the form is kept"
    );

    let (status, page) = app.get("/?q=food&near=33136&free=cheap").await;
    assert_eq!(status, 400);
    assert!(
        field(&page, "free").contains("free must be true or false"),
        "{page}"
    );
    let (status, page) = app.get("/?q=food&near=33136&population=martians").await;
    assert_eq!(status, 400);
    let population = field(&page, "population");
    assert!(population.contains("unknown population"), "{population}");
    assert!(
        population.contains("<option value=\"martians\" selected>martians</option>"),
        "the unknown value is kept where it can be fixed: {population}"
    );
}

#[tokio::test]
async fn notes_say_when_the_text_was_read_as_spanish_or_only_partly_matched() {
    let app = TestApp::all();
    let (_, body) = app
        .get_json("/api/v1/search?q=comida&near=33136&radius=10")
        .await;
    assert_eq!(body["lang"], "es", "{body}");
    let (_, page) = app.get("/?q=comida&near=33136&radius=10").await;
    assert!(page.contains("Read as Spanish"), "{page}");
    assert!(page.contains("/?q=comida&amp;near=33136&amp;radius=10&amp;lang=en&amp;page=1"));
    let (_, page) = app.get("/?q=food&near=33136&radius=10").await;
    assert!(!page.contains("Read as Spanish"));
    assert!(!page.contains("No listing matched all"));

    let q = enc("food pantry shelter zebra");
    let (_, body) = app
        .get_json(&format!("/api/v1/search?q={q}&near=33136&radius=10"))
        .await;
    let (matched, of) = (
        &body["partial_match"]["matched"],
        &body["partial_match"]["of"],
    );
    assert!(matched.as_u64() < of.as_u64(), "{body}");
    let (_, page) = app.get(&format!("/?q={q}&near=33136&radius=10")).await;
    assert!(
        page.contains(&format!(
            "No listing matched all {of} of your words; showing those that match {matched}."
        )),
        "{page}"
    );
    // With nothing to show, it does not say it is showing partial matches.
    let q = enc("comida zebra xylophone");
    let (_, page) = app.get(&format!("/?q={q}&near=33136&radius=5")).await;
    assert!(page.contains("0 results"), "{page}");
    assert!(!page.contains("No listing matched all"), "{page}");
}

#[tokio::test]
async fn more_filters_fold_away_unless_one_is_set() {
    let app = TestApp::all();
    let (_, plain) = app.get("/?q=food&near=33136").await;
    assert!(plain.contains("<details class=\"more\">"), "{plain}");
    for set in [
        "population=youth",
        "age=15",
        "language=es",
        "scope=nearby",
        "age=abc",
    ] {
        let (_, page) = app.get(&format!("/?q=food&near=33136&{set}")).await;
        assert!(
            page.contains("<details class=\"more\" open>"),
            "{set}: the filters that are set stay in view"
        );
    }
}

/// Searches take turns: when every turn is taken, a search waits, and after
/// ten seconds it is refused as busy (503 with `Retry-After`, on the page and
/// in the API) rather than piling up in memory; a freed turn serves it.
#[tokio::test(start_paused = true)]
async fn a_search_without_a_turn_waits_then_is_refused_as_busy() {
    let mut app = TestApp::with(&[crate::common::fixture("miami")]);
    app.state.searches = std::sync::Arc::new(tokio::sync::Semaphore::new(0));
    let (status, body) = app.get_json("/api/v1/search?q=food&near=33136").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(body.to_string().contains("try again"), "{body}");
    let (status, page) = app.get("/?q=food&near=33136").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(page.contains("try again"));
    // With a turn free, the same search is answered.
    app.state.searches.add_permits(1);
    let (status, body) = app.get_json("/api/v1/search?q=food&near=33136").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["total"].as_u64().unwrap_or(0) > 0);
}
