//! Search on the fixtures, checked against a brute-force haversine over the same records.

use std::collections::BTreeMap;

use hearth::geo::{Gazetteer, distance_miles};
use hearth::import::{CategoryMap, ImportContext, read_source};
use hearth::model::ServiceStatus;

use crate::common::{MADE_UP_HOTLINE, MADE_UP_LEGAL_LINE, TestApp, all_fixtures, enc};

/// Every (service id, location id) → point of the active fixture services, read
/// straight from the files (not through the store or index).
fn oracle_points() -> BTreeMap<(String, String), (f64, f64)> {
    let gazetteer = Gazetteer::bundled().unwrap();
    let categories = CategoryMap::bundled().unwrap();
    let ctx = ImportContext {
        gazetteer: &gazetteer,
        categories: &categories,
    };
    let mut points = BTreeMap::new();
    for path in all_fixtures() {
        for service in read_source(ctx, &path, None).unwrap().services {
            if service.status != ServiceStatus::Active {
                continue;
            }
            for location in &service.locations {
                if let Some(point) = location.point() {
                    points.insert((service.id.clone(), location.id.clone()), point);
                }
            }
        }
    }
    points
}

/// Every result of a search, following the pages.
async fn all_results(app: &TestApp, query: &str) -> Vec<serde_json::Value> {
    let mut results = Vec::new();
    loop {
        let (status, body) = app
            .get_json(&format!(
                "/api/v1/search?{query}&limit=100&offset={}",
                results.len()
            ))
            .await;
        assert_eq!(status, 200, "{body}");
        let page = body["results"].as_array().unwrap().clone();
        let total = body["total"].as_u64().unwrap() as usize;
        if page.is_empty() {
            assert_eq!(results.len(), total);
            return results;
        }
        results.extend(page);
    }
}

#[tokio::test]
async fn near_a_zip_returns_exactly_the_records_within_the_radius_nearest_first() {
    let app = TestApp::all();
    let oracle = oracle_points();
    let gazetteer = Gazetteer::bundled().unwrap();
    for (zip, radius) in [
        ("33136", 5.0),
        ("33101", 10.0),
        ("20001", 3.0),
        ("20001", 25.0),
        ("06708", 2.0),
    ] {
        let centre = gazetteer.zip(zip).unwrap();
        let mut expected: Vec<((String, String), f64)> = oracle
            .iter()
            .map(|(key, point)| {
                (
                    key.clone(),
                    distance_miles((centre.lat, centre.lon), *point),
                )
            })
            .filter(|(_, d)| *d <= radius)
            .collect();
        expected.sort_by(|a, b| a.1.total_cmp(&b.1));
        assert!(
            !expected.is_empty(),
            "the fixtures have records within {radius} mi of {zip}"
        );

        let results = all_results(&app, &format!("near={zip}&radius={radius}")).await;
        let got: Vec<(String, String)> = results
            .iter()
            .map(|r| {
                (
                    r["id"].as_str().unwrap().to_owned(),
                    r["location_id"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        let mut got_sorted = got.clone();
        got_sorted.sort();
        let mut want_sorted: Vec<(String, String)> =
            expected.iter().map(|(k, _)| k.clone()).collect();
        want_sorted.sort();
        assert_eq!(
            got_sorted, want_sorted,
            "{zip} within {radius} mi: the same records as brute force"
        );

        let mut previous = 0.0;
        for r in &results {
            let d = r["distance_mi"].as_f64().unwrap();
            let key = (
                r["id"].as_str().unwrap().to_owned(),
                r["location_id"].as_str().unwrap().to_owned(),
            );
            let exact = distance_miles((centre.lat, centre.lon), oracle[&key]);
            assert!(
                (d - exact).abs() <= 0.006,
                "{zip}: {} is {exact} mi, API says {d}",
                r["name"]
            );
            assert!(
                d <= radius,
                "{} at {d} mi is outside {radius} mi",
                r["name"]
            );
            assert!(d + 0.006 >= previous, "{zip}: results are nearest first");
            previous = d;
        }
    }
}

#[tokio::test]
async fn mental_health_near_a_zip_finds_mental_health_services_within_the_radius() {
    let app = TestApp::all();
    let results = all_results(
        &app,
        &format!("q={}&near=33136&radius=10", enc("mental health")),
    )
    .await;
    assert!(results.len() >= 3, "{results:?}");
    assert!(
        results
            .iter()
            .all(|r| r["distance_mi"].as_f64().unwrap() <= 10.0)
    );
    let mental = results
        .iter()
        .filter(|r| {
            r["categories"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c == "mental-health")
        })
        .count();
    assert!(
        mental * 2 >= results.len(),
        "most results for “mental health” are mental health services: {mental} of {}",
        results.len()
    );
    assert!(
        results[0]["score"].as_f64().unwrap() >= results.last().unwrap()["score"].as_f64().unwrap()
    );
}

#[tokio::test]
async fn a_category_filter_keeps_only_that_category() {
    let app = TestApp::all();
    let results = all_results(&app, "near=20001&radius=25&category=food").await;
    assert!(!results.is_empty());
    for r in &results {
        assert!(
            r["categories"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c == "food"),
            "{r}"
        );
    }
    let both = all_results(&app, "near=20001&radius=25&category=food&category=housing").await;
    assert!(
        both.len() > results.len(),
        "several values of one filter combine with OR"
    );
}

#[tokio::test]
async fn bad_parameters_get_a_400_that_says_what_is_accepted() {
    let app = TestApp::all();
    for (query, needle) in [
        ("near=99999", "not in the gazetteer"),
        ("near=Atlantis%2C%20ZZ", "city"),
        ("near=33101&radius=abc", "radius"),
        ("near=33101&radius=1000", "at most 100"),
        ("near=33101&category=pizza", "give one of food"),
        ("q=food&limit=5000", "limit"),
        ("", "nothing to search for"),
    ] {
        let (status, body) = app.get_json(&format!("/api/v1/search?{query}")).await;
        assert_eq!(status, 400, "{query}: {body}");
        let message = body["error"].as_str().unwrap();
        assert!(message.contains(needle), "{query}: {message}");
    }
}

#[tokio::test]
async fn hostile_query_text_gets_an_ordinary_answer() {
    let app = TestApp::all();
    let long = "food ".repeat(2_000);
    for q in [
        "- *",
        "a:(^",
        "\"unclosed",
        "AND OR NOT",
        "*:*",
        "🍞🏠⚖️",
        "name:food^10",
        "\\",
        "((((((",
        long.as_str(),
        "'; DROP TABLE services; --",
    ] {
        let (status, body) = app
            .get_json(&format!("/api/v1/search?q={}&near=33136", enc(q)))
            .await;
        assert_eq!(status, 200, "{q:.40}: {body}");
        assert!(body["total"].is_u64());
        let (status, _) = app.get(&format!("/?q={}&near=33136", enc(q))).await;
        assert_eq!(status, 200, "{q:.40} on the page");
    }
}

#[tokio::test]
async fn listings_are_found_by_what_their_source_list_is() {
    // "UPO Comprehensive Treatment Center" says nothing of opioids; its list (SAMHSA's
    // opioid treatment programs) does, and that is how a clinician searches.
    let app = TestApp::all();
    let results = all_results(&app, "q=opioid&near=20003&radius=5").await;
    assert!(
        results
            .iter()
            .any(|r| r["name"] == "UPO Comprehensive Treatment Center"),
        "{results:?}"
    );
}

#[tokio::test]
async fn facet_counts_are_the_totals_their_filters_give() {
    let app = TestApp::all();
    let base = "q=&near=20001&radius=25";
    let (_, body) = app.get_json(&format!("/api/v1/search?{base}")).await;
    let total = body["total"].as_u64().unwrap();
    let categories = body["facets"]["category"].as_object().unwrap();
    let needs = body["facets"]["need"].as_object().unwrap();
    assert!(categories.len() >= 3 && !needs.is_empty(), "{body}");
    // Languages: the Miami fixture lists them (most services in English, Spanish and Creole).
    let (_, miami) = app.get_json("/api/v1/search?near=33136&radius=25").await;
    let languages = miami["facets"]["language"].as_object().unwrap();
    assert!(
        languages.contains_key("es") && languages.contains_key("ht"),
        "{miami}"
    );
    for (code, count) in languages {
        let (_, narrowed) = app
            .get_json(&format!(
                "/api/v1/search?near=33136&radius=25&language={code}"
            ))
            .await;
        assert_eq!(&narrowed["total"], count, "language={code}");
    }
    let (_, by_name) = app
        .get_json("/api/v1/search?near=33136&radius=25&language=Spanish")
        .await;
    assert_eq!(
        &by_name["total"], &languages["es"],
        "a name and its code are the same filter"
    );
    let (status, body) = app
        .get_json("/api/v1/search?near=33136&language=Klingon")
        .await;
    assert_eq!(status, 400);
    assert!(body["error"].as_str().unwrap().contains("ISO 639"));
    for (key, facet) in [("category", categories), ("need", needs)] {
        for (value, count) in facet {
            assert!(count.as_u64().unwrap() <= total);
            let (status, narrowed) = app
                .get_json(&format!("/api/v1/search?{base}&{key}={value}"))
                .await;
            assert_eq!(status, 200);
            assert_eq!(&narrowed["total"], count, "{key}={value}");
        }
    }
}

#[tokio::test]
async fn a_need_keeps_only_services_that_meet_it() {
    let app = TestApp::all();
    let results = all_results(&app, "near=20001&radius=25&need=food-insecurity").await;
    assert!(!results.is_empty());
    for r in &results {
        let (_, service) = app
            .get_json(&format!("/api/v1/services/{}", r["id"].as_str().unwrap()))
            .await;
        assert!(
            service["needs"]
                .as_array()
                .unwrap()
                .iter()
                .any(|n| n == "food-insecurity"),
            "{}",
            r["name"]
        );
    }
    let (status, body) = app.get_json("/api/v1/search?near=20001&need=hunger").await;
    assert_eq!(status, 400);
    assert!(body["error"].as_str().unwrap().contains("food-insecurity"));
    let (_, page) = app.get("/?near=20001&radius=25").await;
    assert!(page.contains("By category: "), "the page shows the counts");
}

#[tokio::test]
async fn suggest_completes_categories_and_service_names_from_a_prefix() {
    let app = TestApp::all();
    let (status, body) = app.get_json("/api/v1/suggest?q=foo").await;
    assert_eq!(status, 200, "{body}");
    let suggestions = body["suggestions"].as_array().unwrap();
    assert_eq!(suggestions[0]["kind"], "category");
    assert_eq!(suggestions[0]["value"], "food");
    let names: Vec<&str> = suggestions
        .iter()
        .filter(|s| s["kind"] == "service")
        .map(|s| s["text"].as_str().unwrap())
        .collect();
    assert!(!names.is_empty(), "{body}");
    for name in &names {
        let lower = name.to_lowercase();
        assert!(
            lower.starts_with("foo") || lower.contains(" foo"),
            "{name} has no word starting with foo"
        );
    }
    // A later word of a name completes too, and accents and case do not matter.
    let (_, body) = app
        .get_json(&format!("/api/v1/suggest?q={}", enc("PANTR")))
        .await;
    assert!(
        body["suggestions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["text"]
                .as_str()
                .unwrap()
                .to_lowercase()
                .contains("pantry")),
        "{body}"
    );
    // Lay terms of the need vocabulary, in English and Spanish.
    for (prefix, term) in [("food st", "food stamps"), ("cupones", "cupones de comida")] {
        let (_, body) = app
            .get_json(&format!("/api/v1/suggest?q={}", enc(prefix)))
            .await;
        assert!(
            body["suggestions"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s["kind"] == "term" && s["text"] == term),
            "{prefix}: {body}"
        );
    }
    let (_, limited) = app.get_json("/api/v1/suggest?q=a&limit=3").await;
    assert!(limited["suggestions"].as_array().unwrap().len() <= 3);

    for (query, needle) in [
        ("", "give q"),
        ("q=%20%20", "give q"),
        ("q=food&limit=0", "from 1 to 20"),
        ("q=food&limit=lots", "from 1 to 20"),
    ] {
        let (status, body) = app.get_json(&format!("/api/v1/suggest?{query}")).await;
        assert_eq!(status, 400, "{query}");
        assert!(body["error"].as_str().unwrap().contains(needle), "{body}");
    }
    let long = "a".repeat(101);
    let (status, _) = app.get_json(&format!("/api/v1/suggest?q={long}")).await;
    assert_eq!(status, 400);
}

/// Two made-up HSDS 3.0 services, only for this test (never bundled): a legal
/// line in Fort Lauderdale that serves Miami-Dade County, and a statewide
/// phone line with no location.
fn serving_area_json() -> String {
    format!("[\n{MADE_UP_LEGAL_LINE},\n{MADE_UP_HOTLINE}\n]")
}

#[tokio::test]
async fn services_that_serve_the_area_come_after_nearby_ones_and_scope_selects() {
    let app = TestApp::all();
    app.import_json("serving.json", &serving_area_json());

    let names = |body: &serde_json::Value| -> Vec<(String, String)> {
        body["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["name"].as_str().unwrap().to_owned(),
                    r["match"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect()
    };
    let (status, all) = app
        .get_json("/api/v1/search?q=eviction&near=33136&radius=5&limit=100")
        .await;
    assert_eq!(status, 200, "{all}");
    let got = names(&all);
    let serving: Vec<&(String, String)> = got.iter().filter(|(_, m)| m != "at").collect();
    assert!(
        serving.contains(&&("Test Tenant Legal Line".to_owned(), "serves".to_owned())),
        "{got:?}"
    );
    assert!(
        serving.contains(&&(
            "Test Statewide Eviction Hotline".to_owned(),
            "virtual".to_owned()
        )),
        "{got:?}"
    );
    // Nearby results first, then those serving the area.
    let first_serving = got.iter().position(|(_, m)| m != "at").unwrap();
    assert!(
        got[first_serving..].iter().all(|(_, m)| m != "at"),
        "{got:?}"
    );
    assert_eq!(
        all["nearby"].as_u64().unwrap() as usize,
        first_serving,
        "{all}"
    );

    let (_, nearby) = app
        .get_json("/api/v1/search?q=eviction&near=33136&radius=5&limit=100&scope=nearby")
        .await;
    assert!(names(&nearby).iter().all(|(_, m)| m == "at"), "{nearby}");
    let (_, serving_only) = app
        .get_json("/api/v1/search?q=eviction&near=33136&radius=5&limit=100&scope=serving")
        .await;
    let mut serving_names: Vec<String> = names(&serving_only).into_iter().map(|(n, _)| n).collect();
    serving_names.sort();
    assert_eq!(
        serving_names,
        ["Test Statewide Eviction Hotline", "Test Tenant Legal Line"],
        "{serving_only}"
    );

    // Outside the county and the state, neither serves.
    let (_, georgia) = app
        .get_json("/api/v1/search?q=eviction&near=30303&radius=5&limit=100&scope=serving")
        .await;
    assert_eq!(georgia["total"], 0, "{georgia}");
    // In Orlando (Florida, not Miami-Dade), only the statewide line serves.
    let (_, orlando) = app
        .get_json("/api/v1/search?q=eviction&near=32801&radius=5&limit=100&scope=serving")
        .await;
    assert_eq!(
        names(&orlando),
        [(
            "Test Statewide Eviction Hotline".to_owned(),
            "virtual".to_owned()
        )],
        "{orlando}"
    );
}

#[tokio::test]
async fn a_taxonomy_code_finds_its_whole_subtree_at_any_depth() {
    let app = TestApp::all();
    let codes_of = |body: &serde_json::Value| -> Vec<String> {
        body["taxonomy_terms"]
            .as_array()
            .map(|terms| {
                terms
                    .iter()
                    .map(|t| t["code"].as_str().unwrap().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut totals = Vec::new();
    for code in ["B", "BD", "BD-1800"] {
        let results = all_results(&app, &format!("category={code}")).await;
        assert!(
            !results.is_empty(),
            "{code}: the Miami fixture has such services"
        );
        for r in &results {
            let (_, service) = app
                .get_json(&format!("/api/v1/services/{}", r["id"].as_str().unwrap()))
                .await;
            let codes = codes_of(&service);
            assert!(
                codes.iter().any(|c| c == code
                    || c.starts_with(&format!("{code}-"))
                    || c.starts_with(&format!("{code}."))
                    || (code.len() == 1 && c.starts_with(code))),
                "{code}: {} has {codes:?}",
                r["name"]
            );
        }
        totals.push(results.len());
    }
    // A deeper code finds fewer (or as many) services than its ancestors.
    assert!(
        totals[0] >= totals[1] && totals[1] >= totals[2],
        "{totals:?}"
    );
}

/// The search log counts what was searched for, coarsely: the hour, the need
/// (from the filter or the words' need vocabulary), the centre's ZIP and
/// county, the radius, results in it and the nearest — never the words or who.
#[tokio::test]
async fn searches_are_counted_without_their_words() {
    let app = TestApp::all();
    let (status, _) = app
        .get_json("/api/v1/search?q=food+stamps+for+Maria&near=33136&radius=5")
        .await;
    assert_eq!(status, 200);
    let (status, _) = app
        .get("/?near=33136&radius=2&need=housing-instability&category=housing")
        .await;
    assert_eq!(status, 200);
    let log = app.state.directory.search_log().unwrap();
    assert_eq!(log.len(), 2, "{log:?}");
    let first = &log[0];
    assert_eq!(
        first.needs,
        ["food-insecurity"],
        "from the text's vocabulary"
    );
    assert_eq!(first.zip.as_deref(), Some("33136"));
    assert_eq!(first.county.as_deref(), Some("12086"));
    assert_eq!(first.radius_miles, Some(5.0));
    assert_eq!(
        first.hour.format("%M:%S").to_string(),
        "00:00",
        "to the hour"
    );
    assert!(first.results_in_radius > 0);
    assert!(first.nearest_miles.unwrap() <= 5.0);
    let second = &log[1];
    assert_eq!(second.needs, ["housing-instability"]);
    assert_eq!(second.categories, ["housing"]);
    // Never the words typed, which can hold a name.
    let stored = serde_json::to_string(&log).unwrap();
    for word in ["Maria", "stamps", "food stamps"] {
        assert!(!stored.contains(word), "{word} in {stored}");
    }
    // Probes made for ways out of an empty result are not counted as searches.
    app.get_json("/api/v1/search?q=zzyzxqwerty&near=33136&radius=1")
        .await;
    assert_eq!(app.state.directory.search_log().unwrap().len(), 3);
}
