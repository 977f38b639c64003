//! Opening hours as people see them: the state on every result, the weekly lines
//! on the listing page, judged in the listing's own time zone.

use chrono::{TimeZone, Utc};
use hearth::directory::{listing_hours, open_state};
use hearth::model::record_id;

use crate::common::{TestApp, fixture};

/// Miami service 532 ("OUTPATIENT PROGRAM") is open Monday to Friday, 9:00 am – 5:00 pm.
fn outpatient_program(app: &TestApp) -> hearth::model::Service {
    app.state
        .directory
        .service(&record_id("service", "miami", "532"))
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn a_listing_is_open_or_closed_in_its_own_time_zone() {
    let app = TestApp::with(&[fixture("miami")]);
    let service = outpatient_program(&app);
    let location = service.locations.first();
    // Monday 30 November 2026: 14:30 UTC is 9:30 am in Miami (EST, UTC−5).
    let monday_morning = Utc.with_ymd_and_hms(2026, 11, 30, 14, 30, 0).unwrap();
    let state = open_state(&service, location, monday_morning);
    assert_eq!(state.to_string(), "Open now · closes 5:00 pm");
    // 13:30 UTC is 8:30 am in Miami: not open yet (it would be in a zone an hour east).
    let early = Utc.with_ymd_and_hms(2026, 11, 30, 13, 30, 0).unwrap();
    assert_eq!(
        open_state(&service, location, early).to_string(),
        "Closed · opens 9:00 am"
    );
    // Saturday: closed until Monday.
    let saturday = Utc.with_ymd_and_hms(2026, 12, 5, 17, 0, 0).unwrap();
    assert_eq!(
        open_state(&service, location, saturday).to_string(),
        "Closed · opens Mon 9:00 am"
    );

    let views = listing_hours(&service, monday_morning);
    assert_eq!(views.len(), service.locations.len());
    assert!(
        views[0].lines.iter().any(|l| l.starts_with("Mon–Fri")),
        "{:?}",
        views[0].lines
    );
}

#[tokio::test]
async fn a_listing_without_hours_is_unknown_never_closed() {
    let app = TestApp::with(&[fixture("resources/hrsa_fqhc_sites_geocoded.csv")]);
    let (_, body) = app
        .get_json("/api/v1/search?near=33136&radius=25&limit=100")
        .await;
    let results = body["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for r in results {
        assert_eq!(r["hours"], "Hours unknown", "{r}");
        assert!(r["open_now"].is_null());
    }
}

#[tokio::test]
async fn every_result_and_listing_page_says_whether_it_is_open() {
    let app = TestApp::with(&[fixture("miami")]);
    let (_, body) = app
        .get_json("/api/v1/search?near=33136&radius=25&limit=100")
        .await;
    for r in body["results"].as_array().unwrap() {
        let hours = r["hours"].as_str().unwrap();
        let known = [
            "Open now",
            "Open 24 hours",
            "Closed",
            "By appointment",
            "Hours unknown",
        ];
        assert!(known.iter().any(|k| hours.starts_with(k)), "{hours}");
        assert_eq!(
            r["open_now"].is_boolean(),
            hours.starts_with("Open") || hours.starts_with("Closed"),
            "{r}"
        );
    }
    let service = outpatient_program(&app);
    let (status, page) = app.get(&format!("/services/{}", service.id)).await;
    assert_eq!(status, 200);
    assert!(page.contains("Mon–Fri"), "weekly hours are listed");
    assert!(
        page.contains("class=\"open-state "),
        "the open state is shown"
    );
}

#[tokio::test]
async fn open_at_keeps_exactly_the_listings_open_then() {
    use hearth::geo::{Gazetteer, distance_miles};
    use hearth::import::{CategoryMap, ImportContext, read_source};

    let app = TestApp::with(&[fixture("miami")]);
    let gazetteer = Gazetteer::bundled().unwrap();
    let categories = CategoryMap::bundled().unwrap();
    let ctx = ImportContext {
        gazetteer: &gazetteer,
        categories: &categories,
    };
    let services = read_source(ctx, &fixture("miami"), None).unwrap().services;
    let centre = gazetteer.zip("33136").unwrap();
    // (local time in Miami, the same instant in UTC)
    for (local, instant) in [
        (
            "2026-11-30T10:00",
            Utc.with_ymd_and_hms(2026, 11, 30, 15, 0, 0).unwrap(),
        ),
        (
            "2026-12-06T03:00",
            Utc.with_ymd_and_hms(2026, 12, 6, 8, 0, 0).unwrap(),
        ),
    ] {
        let mut expected: Vec<(String, String)> = Vec::new();
        for service in &services {
            for location in &service.locations {
                let Some(point) = location.point() else {
                    continue;
                };
                if distance_miles((centre.lat, centre.lon), point) <= 25.0
                    && hearth::directory::open_at(service, Some(location), instant) == Some(true)
                {
                    expected.push((service.id.clone(), location.id.clone()));
                }
            }
        }
        expected.sort();
        let (status, body) = app
            .get_json(&format!(
                "/api/v1/search?near=33136&radius=25&limit=100&open_at={local}"
            ))
            .await;
        assert_eq!(status, 200, "{body}");
        let mut got: Vec<(String, String)> = body["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["id"].as_str().unwrap().to_owned(),
                    r["location_id"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        got.sort();
        assert_eq!(got, expected, "open at {local} in Miami");
        assert_eq!(body["total"].as_u64().unwrap() as usize, expected.len());
        if local.ends_with("10:00") {
            assert!(
                expected.len() >= 5,
                "several Miami services are open on a Monday morning"
            );
        }
    }
    let (_, all) = app
        .get_json("/api/v1/search?near=33136&radius=25&limit=100")
        .await;
    let (_, open) = app
        .get_json("/api/v1/search?near=33136&radius=25&limit=100&open_at=2026-11-30T10:00")
        .await;
    assert!(
        open["total"].as_u64() < all["total"].as_u64(),
        "the filter leaves out closed and unknown hours"
    );

    let (status, body) = app
        .get_json("/api/v1/search?q=food&open_at=2026-11-30T10:00")
        .await;
    assert_eq!(status, 400);
    assert!(body["error"].as_str().unwrap().contains("give near"));
    let (status, page) = app.get("/?near=33136&open_now=true").await;
    assert_eq!(status, 200);
    assert!(page.contains(", open now"));
    assert!(page.contains("name=\"open_now\" value=\"true\" checked"));
}
