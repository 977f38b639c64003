//! The gap report (issue 6) through the real router, on a small known dataset
//! whose every number is worked out by hand below.
//!
//! The listings are the USDA farmers-market fixture: its only Vermont row is
//! the Caledonia Farmers Market in Danville, which takes WIC and so meets
//! food insecurity. Demand is made the way people make it — searches through
//! `GET /api/v1/search` and the search page, referrals through
//! `POST /api/v1/referrals` and their status changes — from three Vermont
//! counties:
//!
//! | county                | ZIP   | distance to the market |
//! |-----------------------|-------|------------------------|
//! | A Chittenden (50007)  | 05401 | about 51 miles         |
//! | B Caledonia  (50005)  | 05828 | about 2 miles          |
//! | C Washington (50023)  | 05602 | about 24 miles         |
//!
//! Searches for food insecurity:
//! - A: 12 with a 10-mile radius (nothing within it), 11 with 75 miles (the market): 23, 12 with nothing.
//! - B: 10 by need and 2 by the text "wic" (need from the vocabulary), 10 miles: 12, none with nothing.
//! - C: 4 on the search page, 50 miles: 4, none with nothing.
//! - Not in any Vermont row: 2 with no place ("food pantry", no `near`: unplaced),
//!   1 near Miami (33136), 1 near Burlington for housing instability (another need).
//!
//! Referrals for food insecurity:
//! - A: 11 completed·got-help, 11 failed·no-capacity, 11 rejected·not-eligible,
//!   2 cancelled·no-longer-interested (35), and 1 entered in error (not counted).
//! - B: 3 completed·got-help, 6 failed·waitlist, 2 cancelled·referred-elsewhere,
//!   1 accepted and still open (12).
//! - C: 2 completed·got-help, 5 rejected·waitlist (7), and 1 completed·got-help
//!   later marked entered in error (not counted anywhere).
//! - Not in any Vermont row: 1 with no client ZIP (unplaced), 1 from Miami (33136),
//!   and 1 in A for housing instability (failed·could-not-contact).
//!
//! Raw counts (searches, zero-result searches, referrals, got help, failed: no
//! capacity, not eligible, could not contact, waitlist, other):
//!
//! | area  | srch | zero | refs | help | cap | elig | cnc | wait | oth |
//! |-------|------|------|------|------|-----|------|-----|------|-----|
//! | A     |  23  |  12  |  35  |  11  | 11  |  11  |  0  |   0  |  0  |
//! | B     |  12  |   0  |  12  |   3  |  0  |   0  |  0  |   6  |  0  |
//! | C     |   4  |   0  |   7  |   2  |  0  |   0  |  0  |   5  |  0  |
//! | total |  39  |  12  |  54  |  16  | 11  |  11  |  0  |  11  |  0  |
//!
//! Disclosure control, column by column (each need's column of areas against
//! its total row):
//! - searches: C's 4 is `<11`; alone under a shown 39 it could be worked out
//!   (39 − 23 − 12), so the smallest other non-zero cell, B's 12, is hidden too.
//! - referrals: C's 7 is `<11`, alone under 54: B's 12 is hidden too.
//! - got help: B's 3 and C's 2 are both `<11` under 16: they add up to 5 but
//!   neither can be told (1–4 each), so nothing more is hidden.
//! - waitlist: B's 6 and C's 5 are `<11` under a shown 11 (1–10 each): safe.
//! - A's cells are all 0 or 11 and more, and shown.
//!
//! A count from 1 to 10 reads `<11`; a count of 11 or more withheld to protect
//! one reads `hidden` (in the JSON, the CSV and the page alike).

use std::collections::{BTreeMap, BTreeSet};

use axum::http::StatusCode;
use chrono::{Duration, NaiveDate, Utc};
use hearth::geo::distance_miles;
use hearth::model::{Need, Role, ServiceStatus};
use serde_json::{Value, json};

use crate::common::{TestApp, fixture, user_with_token};
const CHITTENDEN: &str = "50007";
const CALEDONIA: &str = "50005";
const WASHINGTON: &str = "50023";
/// Vermont's fourteen counties.
const VT_COUNTIES: usize = 14;
/// The demand columns, in the order of the exports.
const MEASURES: [&str; 9] = [
    "searches",
    "zero_result_searches",
    "referrals",
    "got_help",
    "failed_no_capacity",
    "failed_not_eligible",
    "failed_could_not_contact",
    "failed_waitlist",
    "failed_other",
];

/// A count as the JSON export shows it.
fn n(count: u64) -> Value {
    json!(count)
}
/// A count from 1 to 10.
fn small() -> Value {
    json!("<11")
}
/// A count of 11 or more withheld so that a small one cannot be worked out.
fn hidden() -> Value {
    json!("hidden")
}

/// The gap score by the published formula, rounded to one decimal.
fn gap_score(unmet: u64, attempts: u64) -> f64 {
    (1000.0 * unmet as f64 / attempts as f64).round() / 10.0
}

/// The demand cells every test expects of the dataset above, by county.
fn expected_rows() -> Vec<(&'static str, [Value; 9])> {
    vec![
        (
            CHITTENDEN,
            [n(23), n(12), n(35), n(11), n(11), n(11), n(0), n(0), n(0)],
        ),
        (
            CALEDONIA,
            [
                hidden(),
                n(0),
                hidden(),
                small(),
                n(0),
                n(0),
                n(0),
                small(),
                n(0),
            ],
        ),
        (
            WASHINGTON,
            [
                small(),
                n(0),
                small(),
                small(),
                n(0),
                n(0),
                n(0),
                small(),
                n(0),
            ],
        ),
    ]
}

fn expected_total() -> [Value; 9] {
    [n(39), n(12), n(54), n(16), n(11), n(11), n(0), n(11), n(0)]
}

/// Chittenden: unmet = 12 with nothing in radius + (11 + 11) failed = 34;
/// attempts = 23 searches + 11 got help + 22 failed = 56; 100 × 34 ÷ 56 = 60.71… → 60.7.
fn chittenden_gap() -> f64 {
    let score = gap_score(12 + 11 + 11, 23 + 11 + 11 + 11);
    assert_eq!(score, 60.7);
    score
}

/// The total row: unmet = 12 + (11 no capacity + 11 not eligible + 11 waitlist) = 45;
/// attempts = 39 + 16 + 33 = 88; 100 × 45 ÷ 88 = 51.13… → 51.1.
fn total_gap() -> f64 {
    let score = gap_score(12 + 11 + 11 + 11, 39 + 16 + 11 + 11 + 11);
    assert_eq!(score, 51.1);
    score
}

/// A Hearth with the farmers markets, a user of each role that matters here,
/// and (after [`World::make_demand`]) the demand described at the top.
struct World {
    app: TestApp,
    clinician: String,
    advocate: String,
    admin: String,
    /// The Caledonia Farmers Market, referred to by every referral.
    market: String,
    today: NaiveDate,
}

fn world() -> World {
    let app = TestApp::with(&[fixture("resources/usda_farmers_markets_2021.csv")]);
    let directory = &app.state.directory;
    let now = Utc::now();
    let token = |email: &str, role: Role| user_with_token(directory, email, role);
    let clinician = token("clinician@clinic.test", Role::Clinician);
    let advocate = token("advocate@org.test", Role::Advocate);
    let admin = token("admin@hearth.test", Role::Admin);
    let market = directory
        .services()
        .map(Result::unwrap)
        .find(|s| s.name.contains("Caledonia"))
        .expect("the Danville market is in the fixture");
    assert!(
        market.needs.contains(&food()),
        "the market takes WIC, so it meets food insecurity: {:?}",
        market.needs
    );
    World {
        app,
        clinician,
        advocate,
        admin,
        market: market.id,
        today: now.date_naive(),
    }
}

fn food() -> Need {
    Need::parse("food-insecurity").unwrap()
}

impl World {
    /// Sends a request with an API token (or none); returns the status, headers and body.
    async fn call(
        &self,
        method: &str,
        uri: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, axum::http::HeaderMap, String) {
        self.app
            .send_bearer(method, uri, token, body.as_ref())
            .await
    }

    /// GETs JSON with an API token (or none).
    async fn json(&self, uri: &str, token: Option<&str>) -> (StatusCode, Value) {
        let (status, _, body) = self.call("GET", uri, token, None).await;
        let value =
            serde_json::from_str(&body).unwrap_or_else(|e| panic!("{uri}: not JSON ({e}): {body}"));
        (status, value)
    }

    /// The query string of a report over yesterday and today.
    fn period(&self) -> String {
        format!("from={}&to={}", self.today - Duration::days(1), self.today)
    }

    /// The JSON gap report for food insecurity in Vermont, as the advocate.
    async fn vt_report(&self) -> Value {
        let uri = format!(
            "/api/v1/reports/gaps?by=county&need=food-insecurity&{}&state=VT&format=json",
            self.period()
        );
        let (status, report) = self.json(&uri, Some(&self.advocate)).await;
        assert_eq!(status, StatusCode::OK, "{report}");
        report
    }

    /// One search through the API; returns how many results were within the radius.
    async fn api_search(&self, query: &str) -> u64 {
        let (status, body) = self.app.get_json(&format!("/api/v1/search?{query}")).await;
        assert_eq!(status, StatusCode::OK, "{query}: {body}");
        body["nearby"].as_u64().unwrap()
    }

    /// One search through the search page.
    async fn page_search(&self, query: &str) {
        let (status, page) = self.app.get(&format!("/?{query}")).await;
        assert_eq!(status, StatusCode::OK, "{query}: {page}");
    }

    /// Makes a referral as the clinician and moves it through `moves`
    /// (status, reason); returns its id.
    async fn refer(&self, zip: Option<&str>, need: &str, moves: &[(&str, Option<&str>)]) -> String {
        let mut body = json!({
            "service_id": self.market,
            "need": need,
            "client_ref": "C-1042",
            "consent": "verbal",
        });
        if let Some(zip) = zip {
            body["client_zip"] = json!(zip);
        }
        let (status, _, text) = self
            .call(
                "POST",
                "/api/v1/referrals",
                Some(&self.clinician),
                Some(body),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{text}");
        let referral: Value = serde_json::from_str(&text).unwrap();
        let id = referral["id"].as_str().unwrap().to_owned();
        for (to, reason) in moves {
            let mut change = json!({ "status": to });
            if let Some(reason) = reason {
                change["reason"] = json!(reason);
            }
            let (status, _, text) = self
                .call(
                    "POST",
                    &format!("/api/v1/referrals/{id}/status"),
                    Some(&self.clinician),
                    Some(change),
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{to} {reason:?}: {text}");
        }
        id
    }

    /// `count` referrals alike.
    async fn refer_n(
        &self,
        count: usize,
        zip: Option<&str>,
        need: &str,
        moves: &[(&str, Option<&str>)],
    ) {
        for _ in 0..count {
            self.refer(zip, need, moves).await;
        }
    }

    /// The searches and referrals described at the top of this file.
    async fn make_demand(&self) {
        const FOOD: &str = "need=food-insecurity";
        // A, Chittenden: 12 with nothing within 10 miles (8 by the API, 4 on the page).
        for i in 0..12 {
            let query = format!("near=05401&{FOOD}&radius=10");
            if i < 8 {
                assert_eq!(
                    self.api_search(&query).await,
                    0,
                    "nothing within 10 mi of Burlington"
                );
            } else {
                self.page_search(&query).await;
            }
        }
        // …and 11 that reach the Danville market, about 51 miles away.
        for _ in 0..11 {
            assert_eq!(
                self.api_search(&format!("near=05401&{FOOD}&radius=75"))
                    .await,
                1
            );
        }
        // B, Caledonia: 12 that find the market in Danville; 2 ask by text only.
        for _ in 0..10 {
            assert_eq!(
                self.api_search(&format!("near=05828&{FOOD}&radius=10"))
                    .await,
                1
            );
        }
        for _ in 0..2 {
            assert!(self.api_search("near=05828&q=wic&radius=10").await >= 1);
        }
        // C, Washington: 4 on the search page, which reach the market 24 miles away.
        for _ in 0..4 {
            self.page_search(&format!("near=05602&{FOOD}&radius=50"))
                .await;
        }
        // In no Vermont row: no place, Miami, another need.
        for _ in 0..2 {
            self.api_search("q=food+pantry").await;
        }
        self.api_search(&format!("near=33136&{FOOD}")).await;
        self.api_search("near=05401&need=housing-instability&radius=10")
            .await;

        let food = "food-insecurity";
        let got_help = [("completed", Some("got-help"))];
        // A, Chittenden.
        let a = Some("05401");
        self.refer_n(11, a, food, &got_help).await;
        self.refer_n(11, a, food, &[("failed", Some("no-capacity"))])
            .await;
        self.refer_n(11, a, food, &[("rejected", Some("not-eligible"))])
            .await;
        self.refer_n(2, a, food, &[("cancelled", Some("no-longer-interested"))])
            .await;
        self.refer(a, food, &[("entered-in-error", None)]).await;
        self.refer(
            a,
            "housing-instability",
            &[("failed", Some("could-not-contact"))],
        )
        .await;
        // B, Caledonia.
        let b = Some("05828");
        self.refer_n(3, b, food, &got_help).await;
        self.refer_n(6, b, food, &[("failed", Some("waitlist"))])
            .await;
        self.refer_n(2, b, food, &[("cancelled", Some("referred-elsewhere"))])
            .await;
        self.refer(b, food, &[("accepted", None)]).await;
        // C, Washington.
        let c = Some("05602");
        self.refer_n(2, c, food, &got_help).await;
        self.refer_n(5, c, food, &[("rejected", Some("waitlist"))])
            .await;
        self.refer(
            c,
            food,
            &[("completed", Some("got-help")), ("entered-in-error", None)],
        )
        .await;
        // In no Vermont row: no ZIP, and Miami.
        self.refer(None, food, &got_help).await;
        self.refer(Some("33136"), food, &[("failed", Some("no-capacity"))])
            .await;

        // Every search above was counted once, with its place, its need and what it found.
        let log = self.app.state.directory.search_log().unwrap();
        assert_eq!(log.len(), 23 + 12 + 4 + 2 + 1 + 1, "{log:#?}");
        for (county, searches) in [(CHITTENDEN, 23), (CALEDONIA, 12), (WASHINGTON, 4)] {
            let food = log
                .iter()
                .filter(|e| {
                    e.county.as_deref() == Some(county)
                        && e.needs.iter().any(|n| n == "food-insecurity")
                })
                .count();
            assert_eq!(food, searches, "food searches logged in {county}: {log:#?}");
        }
        let zero_in_a = log
            .iter()
            .filter(|e| e.county.as_deref() == Some(CHITTENDEN) && e.results_in_radius == 0)
            .count();
        assert_eq!(zero_in_a, 12 + 1, "12 for food, 1 for housing");
        assert!(
            log.iter()
                .filter(|e| e.county.as_deref() == Some(WASHINGTON))
                .all(|e| e.results_in_radius == 1),
            "the page searches from Montpelier reach the market: {log:#?}"
        );
    }
}

/// The demand cells of a row, in export order.
fn demand(row: &Value) -> Vec<Value> {
    MEASURES.iter().map(|m| row[m].clone()).collect()
}

fn row<'a>(report: &'a Value, area: &str, need: &str) -> &'a Value {
    report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["area"] == area && r["need"] == need)
        .unwrap_or_else(|| panic!("no row for {area} {need} in {report:#}"))
}

/// Supply around a point, counted plainly over the stored listings: active
/// services meeting food insecurity with a location within 5, 10 and 25 miles,
/// those whose service area covers one of `areas`, and the nearest within 25.
struct PlainSupply {
    within: [u64; 3],
    serving: u64,
    nearest: Option<f64>,
}

fn plain_supply(app: &TestApp, at: (f64, f64), areas: &[String]) -> PlainSupply {
    let services: Vec<_> = app
        .state
        .directory
        .services()
        .map(Result::unwrap)
        .filter(|s| s.status == ServiceStatus::Active && s.needs.contains(&food()))
        .collect();
    let nearest_of = |s: &hearth::model::Service| {
        s.locations
            .iter()
            .filter_map(|l| l.point())
            .map(|p| distance_miles(at, p))
            .min_by(f64::total_cmp)
    };
    let within = [5.0, 10.0, 25.0].map(|miles| {
        services
            .iter()
            .filter(|s| nearest_of(s).is_some_and(|d| d <= miles))
            .count() as u64
    });
    let serving = services
        .iter()
        .filter(|s| {
            s.service_areas
                .iter()
                .flat_map(|a| &a.coverage)
                .any(|c| areas.contains(&c.term()))
        })
        .count() as u64;
    let nearest = services
        .iter()
        .filter_map(nearest_of)
        .filter(|d| *d <= 25.0)
        .min_by(f64::total_cmp);
    PlainSupply {
        within,
        serving,
        nearest,
    }
}

fn assert_supply(row: &Value, plain: &PlainSupply, what: &str) {
    assert_eq!(row["within_5_mi"], json!(plain.within[0]), "{what}: {row}");
    assert_eq!(row["within_10_mi"], json!(plain.within[1]), "{what}: {row}");
    assert_eq!(row["within_25_mi"], json!(plain.within[2]), "{what}: {row}");
    assert_eq!(row["serving"], json!(plain.serving), "{what}: {row}");
    match plain.nearest {
        None => assert!(row["nearest_mi"].is_null(), "{what}: {row}"),
        Some(d) => {
            let shown = row["nearest_mi"]
                .as_f64()
                .unwrap_or_else(|| panic!("{what}: no nearest_mi in {row}"));
            // Shown to a tenth of a mile.
            assert!((shown - d).abs() <= 0.051, "{what}: {shown} vs {d}");
        }
    }
}

#[tokio::test]
async fn county_report_matches_the_hand_count_cell_by_cell() {
    let w = world();
    w.make_demand().await;
    let report = w.vt_report().await;
    assert_eq!(report["level"], "county");
    assert_eq!(report["needs"], json!(["food-insecurity"]));
    assert_eq!(report["states"], json!(["VT"]));
    assert_eq!(
        report["from"],
        json!((w.today - Duration::days(1)).to_string())
    );
    assert_eq!(report["to"], json!(w.today.to_string()));

    // Every Vermont county, and only those.
    let rows = report["rows"].as_array().unwrap();
    assert_eq!(rows.len(), VT_COUNTIES, "{report:#}");
    assert!(
        rows.iter()
            .all(|r| r["state"] == "VT" && r["need"] == "food-insecurity")
    );

    // The populated counties, every demand cell.
    let populated = expected_rows();
    for (area, cells) in &populated {
        let r = row(&report, area, "food-insecurity");
        assert_eq!(demand(r), cells.to_vec(), "county {area}: {r:#}");
    }
    assert_eq!(
        row(&report, CHITTENDEN, "food-insecurity")["gap_score"],
        json!(chittenden_gap())
    );
    // B and C rest on hidden or small counts: no score.
    assert!(row(&report, CALEDONIA, "food-insecurity")["gap_score"].is_null());
    assert!(row(&report, WASHINGTON, "food-insecurity")["gap_score"].is_null());
    assert_eq!(
        row(&report, CHITTENDEN, "food-insecurity")["name"],
        "Chittenden County"
    );

    // The other eleven counties saw nothing: zeros, and no score (0 attempts).
    let areas: BTreeSet<&str> = populated.iter().map(|(a, _)| *a).collect();
    for r in rows
        .iter()
        .filter(|r| !areas.contains(r["area"].as_str().unwrap()))
    {
        assert_eq!(demand(r), vec![n(0); 9], "{r:#}");
        assert!(r["gap_score"].is_null(), "{r:#}");
    }

    // The total row.
    let totals = report["totals"].as_array().unwrap();
    assert_eq!(totals.len(), 1, "{report:#}");
    let total = &totals[0];
    assert_eq!(total["area"], "total");
    assert_eq!(total["need"], "food-insecurity");
    assert_eq!(total["state"], "VT");
    assert_eq!(demand(total), expected_total().to_vec(), "{total:#}");
    assert_eq!(total["gap_score"], json!(total_gap()));
    assert!(
        total.get("within_25_mi").is_none(),
        "no supply on a total row: {total}"
    );

    // 2 searches and 1 referral had no place: a small count.
    assert_eq!(report["unplaced"], small());

    // The largest gap first: Chittenden is the only county with a score; then
    // the least supplied.
    assert_eq!(rows[0]["area"], CHITTENDEN);
    let within_25: Vec<u64> = rows[1..]
        .iter()
        .map(|r| r["within_25_mi"].as_u64().unwrap())
        .collect();
    assert!(within_25.windows(2).all(|p| p[0] <= p[1]), "{within_25:?}");

    // Supply, against a plain count of the listings around each county's centre.
    let directory = &w.app.state.directory;
    for r in rows {
        let fips = r["area"].as_str().unwrap();
        let county = directory.gazetteer().county(fips).unwrap();
        let terms = [
            format!("county:{fips}"),
            "state:VT".to_owned(),
            "national".to_owned(),
        ];
        let plain = plain_supply(&w.app, (county.lat, county.lon), &terms);
        assert_supply(r, &plain, &county.name);
    }
    // The market is in Caledonia: the supply there is not nothing.
    let caledonia = row(&report, CALEDONIA, "food-insecurity");
    assert_eq!(caledonia["within_5_mi"], 1, "{caledonia}");
    assert_eq!(
        row(&report, CHITTENDEN, "food-insecurity")["within_25_mi"],
        0
    );

    // A period before any of it: no demand at all.
    let uri = format!(
        "/api/v1/reports/gaps?need=food-insecurity&from={}&to={}&state=VT",
        w.today - Duration::days(10),
        w.today - Duration::days(2)
    );
    let (status, earlier) = w.json(&uri, Some(&w.advocate)).await;
    assert_eq!(status, StatusCode::OK, "{earlier}");
    for r in earlier["rows"]
        .as_array()
        .unwrap()
        .iter()
        .chain(earlier["totals"].as_array().unwrap())
    {
        assert_eq!(demand(r), vec![n(0); 9], "{r:#}");
    }
    assert_eq!(earlier["unplaced"], n(0));
}

#[tokio::test]
async fn two_needs_are_counted_and_protected_apart() {
    let w = world();
    w.make_demand().await;
    let single = w.vt_report().await;
    let uri = format!(
        "/api/v1/reports/gaps?need=food-insecurity,housing-instability&{}&state=VT",
        w.period()
    );
    let (status, both) = w.json(&uri, Some(&w.advocate)).await;
    assert_eq!(status, StatusCode::OK, "{both}");
    assert_eq!(both["rows"].as_array().unwrap().len(), 2 * VT_COUNTIES);
    // Food insecurity is the same whether asked alone or with another need.
    for (area, cells) in expected_rows() {
        assert_eq!(demand(row(&both, area, "food-insecurity")), cells.to_vec());
    }
    assert_eq!(
        demand(row(&both, CHITTENDEN, "food-insecurity")),
        demand(row(&single, CHITTENDEN, "food-insecurity"))
    );
    // Housing instability: one search with nothing nearby and one referral
    // that failed for want of contact, both in Chittenden — all small.
    let housing = row(&both, CHITTENDEN, "housing-instability");
    // Housing demand in Chittenden and in the totals: the same small counts.
    let small_housing = vec![
        small(),
        small(),
        small(),
        n(0),
        n(0),
        n(0),
        small(),
        n(0),
        n(0),
    ];
    assert_eq!(demand(housing), small_housing, "{housing:#}");
    assert!(housing["gap_score"].is_null());
    let totals = both["totals"].as_array().unwrap();
    assert_eq!(totals.len(), 2);
    let housing_total = totals
        .iter()
        .find(|t| t["need"] == "housing-instability")
        .unwrap();
    assert_eq!(demand(housing_total), small_housing);
    let food_total = totals
        .iter()
        .find(|t| t["need"] == "food-insecurity")
        .unwrap();
    assert_eq!(demand(food_total), expected_total().to_vec());
}

/// Regression guard for the disclosure note: it must count the cells the
/// report shows as `<11` and as `hidden`, not the internal totals the
/// suppression works through (each area's own one-cell row total, the grand
/// total that repeats the column total).
#[tokio::test]
async fn disclosure_note_counts_the_cells_the_report_shows() {
    let w = world();
    w.make_demand().await;
    let report = w.vt_report().await;
    let published: Vec<&Value> = report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .chain(report["totals"].as_array().unwrap())
        .flat_map(|r| MEASURES.iter().map(move |m| &r[m]))
        .collect();
    let shown_small = published.iter().filter(|c| ***c == small()).count();
    let shown_hidden = published.iter().filter(|c| ***c == hidden()).count();
    // By hand: `<11` are C's searches and referrals, B's and C's got help and
    // waitlist (6); hidden are B's searches and referrals (2).
    assert_eq!((shown_small, shown_hidden), (6, 2));
    let note = report["disclosure_note"].as_str().unwrap();
    // "… shown as <11 (N cells); M more … hidden …", whatever the wording around the numbers.
    let number_after = |marker: &str| -> Option<usize> {
        let rest = &note[note.find(marker)? + marker.len()..];
        rest.split(|c: char| !c.is_ascii_digit())
            .next()?
            .parse()
            .ok()
    };
    let number_before = |marker: &str| -> Option<usize> {
        let head = &note[..note.find(marker)?];
        head.rsplit(|c: char| !c.is_ascii_digit())
            .next()?
            .parse()
            .ok()
    };
    assert_eq!(
        number_after("<11 ("),
        Some(6),
        "the note should count the 6 cells shown as <11: {note}"
    );
    assert_eq!(
        number_before(" more "),
        Some(2),
        "the note should count the 2 cells hidden to protect them: {note}"
    );
}

/// Splits a CSV export into its `#` note lines, its header and its records.
fn read_csv(body: &str) -> (Vec<String>, Vec<String>, Vec<Vec<String>>) {
    let notes: Vec<String> = body
        .lines()
        .take_while(|l| l.starts_with('#'))
        .map(str::to_owned)
        .collect();
    let mut reader = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .from_reader(body.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let records = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    (notes, header, records)
}

/// Whether a CSV cell says what a JSON value says (numbers compared as
/// numbers: JSON writes 4.0 where the CSV may write 4).
fn same_cell(csv: &str, json: &Value) -> bool {
    match json {
        Value::Null => csv.is_empty(),
        Value::String(s) => csv == s,
        Value::Number(n) => csv.parse::<f64>().ok() == n.as_f64(),
        _ => false,
    }
}

#[tokio::test]
async fn csv_export_carries_the_same_numbers_and_no_small_count() {
    let w = world();
    w.make_demand().await;
    let json_report = w.vt_report().await;
    let uri = format!(
        "/api/v1/reports/gaps?by=county&need=food-insecurity&{}&state=VT&format=csv",
        w.period()
    );
    let (status, headers, body) = w.call("GET", &uri, Some(&w.advocate), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let content_type = headers["content-type"].to_str().unwrap();
    assert!(content_type.starts_with("text/csv"), "{content_type}");
    assert!(body.starts_with('#'), "{body}");

    let (notes, header, records) = read_csv(&body);
    assert!(
        notes.len() >= 4,
        "period, supply, gap score and disclosure notes: {notes:#?}"
    );
    for note in &notes {
        assert!(
            !note.contains(','),
            "a note line must not split into cells: {note}"
        );
    }
    let all_notes = notes.join("\n");
    assert!(all_notes.contains("Gap score"), "{all_notes}");
    assert!(all_notes.contains("<11"), "{all_notes}");
    assert_eq!(
        header,
        [
            "level",
            "area",
            "name",
            "state",
            "need",
            "searches",
            "zero_result_searches",
            "referrals",
            "got_help",
            "failed_no_capacity",
            "failed_not_eligible",
            "failed_could_not_contact",
            "failed_waitlist",
            "failed_other",
            "within_5_mi",
            "within_10_mi",
            "within_25_mi",
            "serving",
            "nearest_mi",
            "gap_score",
        ]
    );
    // 14 counties and the total row.
    assert_eq!(records.len(), VT_COUNTIES + 1, "{body}");
    for record in &records {
        assert_eq!(record.len(), header.len(), "{record:?}");
        for cell in &record[5..14] {
            let ok = match cell.as_str() {
                "<11" | "hidden" => true,
                text => text.parse::<u64>().is_ok_and(|v| v == 0 || v >= 11),
            };
            assert!(
                ok,
                "a demand cell must be 0, 11 or more, <11 or hidden: {cell:?} in {record:?}"
            );
        }
    }
    // The same numbers as the JSON, cell for cell.
    let json_rows: Vec<&Value> = json_report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .chain(json_report["totals"].as_array().unwrap())
        .collect();
    for (record, json_row) in records.iter().zip(&json_rows) {
        assert_eq!(record[0], "county");
        for (i, column) in header.iter().enumerate().skip(1) {
            let json_cell = json_row.get(column.as_str()).unwrap_or(&Value::Null);
            assert!(
                same_cell(&record[i], json_cell),
                "{column}: {:?} in the CSV, {json_cell} in the JSON ({json_row})",
                record[i]
            );
        }
    }
    // And the hand count, in the CSV's own words.
    let chittenden = records.iter().find(|r| r[1] == CHITTENDEN).unwrap();
    assert_eq!(
        &chittenden[5..14],
        ["23", "12", "35", "11", "11", "11", "0", "0", "0"]
    );
    assert_eq!(chittenden[19], "60.7");
    let caledonia = records.iter().find(|r| r[1] == CALEDONIA).unwrap();
    assert_eq!(
        &caledonia[5..14],
        ["hidden", "0", "hidden", "<11", "0", "0", "0", "<11", "0"]
    );
    assert_eq!(caledonia[19], "");
    let total = records.last().unwrap();
    assert_eq!(total[1], "total");
    assert_eq!(
        &total[5..14],
        ["39", "12", "54", "16", "11", "11", "0", "11", "0"]
    );
    assert_eq!(
        &total[14..19],
        ["", "", "", "", ""],
        "no supply on the total row"
    );
    assert_eq!(total[19], "51.1");
}

#[tokio::test]
async fn zip_level_is_for_admins_and_lists_the_zips_that_had_demand() {
    let w = world();
    w.make_demand().await;
    let zip_uri = format!(
        "/api/v1/reports/gaps?by=zip&need=food-insecurity&{}&state=VT",
        w.period()
    );
    // An advocate: 403, saying who may.
    let (status, body) = w.json(&zip_uri, Some(&w.advocate)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let message = body["error"].as_str().unwrap();
    assert!(message.contains("admins"), "{message}");
    assert!(message.contains("zip3, county or state"), "{message}");

    // An admin: the three Vermont ZIPs searched and referred from, and no other.
    let (status, report) = w.json(&zip_uri, Some(&w.admin)).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["level"], "zip");
    let zips: BTreeSet<&str> = report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["area"].as_str().unwrap())
        .collect();
    assert_eq!(zips, BTreeSet::from(["05401", "05602", "05828"]));
    // One ZIP per county here, so the cells are the counties'.
    let by_zip = BTreeMap::from([
        (CHITTENDEN, "05401"),
        (CALEDONIA, "05828"),
        (WASHINGTON, "05602"),
    ]);
    for (county, cells) in expected_rows() {
        let r = row(&report, by_zip[county], "food-insecurity");
        assert_eq!(demand(r), cells.to_vec(), "{r:#}");
    }
    assert_eq!(demand(&report["totals"][0]), expected_total().to_vec());
    assert_eq!(
        row(&report, "05401", "food-insecurity")["gap_score"],
        json!(chittenden_gap())
    );
    // Supply at ZIP level is counted around the ZIP's centre.
    let directory = &w.app.state.directory;
    for zip in ["05401", "05602", "05828"] {
        let place = directory.gazetteer().zip(zip).unwrap();
        let mut terms = vec![format!("zip:{zip}")];
        terms.extend(place.county_fips.iter().map(|c| format!("county:{c}")));
        terms.extend(["state:VT".to_owned(), "national".to_owned()]);
        let plain = plain_supply(&w.app, (place.lat, place.lon), &terms);
        assert_supply(row(&report, zip, "food-insecurity"), &plain, zip);
    }

    // Without a state, Miami's ZIP (one search, one referral) is a row too.
    let uri = format!(
        "/api/v1/reports/gaps?by=zip&need=food-insecurity&{}",
        w.period()
    );
    let (status, everywhere) = w.json(&uri, Some(&w.admin)).await;
    assert_eq!(status, StatusCode::OK, "{everywhere}");
    let miami = row(&everywhere, "33136", "food-insecurity");
    assert_eq!(miami["searches"], small());
    assert_eq!(miami["referrals"], small());
    assert_eq!(miami["failed_no_capacity"], small());
    assert_eq!(everywhere["rows"].as_array().unwrap().len(), 4);
}

#[tokio::test]
async fn access_and_bad_input_are_answered_plainly() {
    let w = world();
    let base = format!(
        "/api/v1/reports/gaps?by=county&need=food-insecurity&{}&state=VT",
        w.period()
    );
    // Not signed in: 401.
    let (status, body) = w.json(&base, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    // A clinician: 403, saying who may.
    let (status, body) = w.json(&base, Some(&w.clinician)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("advocates and admins"),
        "{body}"
    );
    // An advocate and an admin: 200.
    for token in [&w.advocate, &w.admin] {
        let (status, body) = w.json(&base, Some(token)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    // Who asked for what is in the audit log.
    let log = w.app.state.directory.audit_log(50).unwrap();
    assert!(
        log.iter().any(|e| e.action == "report.gaps"
            && e.target_id.contains("county food-insecurity")
            && e.target_id.contains("VT")),
        "{log:#?}"
    );

    let bad = [
        (
            "need=food-insecurity&from=2026-13-01",
            "\"2026-13-01\" is not a date",
        ),
        (
            "need=food-insecurity&from=2026-03-02&to=2026-03-01",
            "swap from and to",
        ),
        ("need=nonsense", "unknown need \"nonsense\""),
        ("by=county", "choose a need"),
        (
            "need=food-insecurity&by=planet",
            "unknown area level \"planet\"",
        ),
        ("need=food-insecurity&state=ZZ", "unknown state \"ZZ\""),
        (
            "need=food-insecurity&colour=red",
            "unknown parameter \"colour\"",
        ),
        (
            "need=food-insecurity&format=xml",
            "format must be csv or json",
        ),
    ];
    for (query, says) in bad {
        let uri = format!("/api/v1/reports/gaps?{query}");
        let (status, body) = w.json(&uri, Some(&w.advocate)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        let message = body["error"].as_str().unwrap();
        assert!(
            message.contains(says),
            "{query}: {message:?} should say {says:?}"
        );
    }
    // The messages say what to write instead.
    let (_, body) = w
        .json(
            "/api/v1/reports/gaps?need=food-insecurity&to=31/01/2026",
            Some(&w.advocate),
        )
        .await;
    assert!(
        body["error"].as_str().unwrap().contains("YYYY-MM-DD"),
        "{body}"
    );
    let (_, body) = w
        .json("/api/v1/reports/gaps?need=nonsense", Some(&w.advocate))
        .await;
    assert!(
        body["error"].as_str().unwrap().contains("food-insecurity"),
        "{body}"
    );
}

/// The `<td>` texts of the gap table row headed `name`.
fn table_row(page: &str, name: &str) -> Vec<String> {
    let head = format!("<th scope=\"row\">{name}</th>");
    let start = page
        .find(&head)
        .unwrap_or_else(|| panic!("no row {name:?} in the page"));
    let end = start + page[start..].find("</tr>").unwrap();
    page[start..end]
        .split("<td>")
        .skip(1)
        .map(|cell| cell.split("</td>").next().unwrap().to_owned())
        .collect()
}

/// The county map in `page`: one SVG with a path per Vermont county, each
/// titled with its name and value (so a hover or a screen reader tells it).
fn assert_county_map(page: &str) {
    let title_at = page.find("<title id=\"map-title\">").unwrap_or_else(|| {
        let escaped = page.contains("&lt;title id=&quot;map-title&quot;&gt;");
        panic!("no county map SVG in the page (the SVG is escaped as text: {escaped})")
    });
    let svg_start = page[..title_at].rfind("<svg").unwrap();
    let svg_end = title_at + page[title_at..].find("</svg>").unwrap() + "</svg>".len();
    let svg = &page[svg_start..svg_end];
    let doc = roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("{e}: {svg}"));
    let paths: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("path"))
        .collect();
    assert_eq!(paths.len(), VT_COUNTIES, "{svg}");
    let titles: Vec<String> = paths
        .iter()
        .map(|p| {
            p.children()
                .find(|c| c.has_tag_name("title"))
                .and_then(|t| t.text())
                .unwrap_or_else(|| panic!("a county path without a title: {svg}"))
                .to_owned()
        })
        .collect();
    assert!(
        titles.contains(&"Chittenden County, VT: gap score 60.7".to_owned()),
        "{titles:#?}"
    );
    assert!(
        titles.iter().any(|t| t.starts_with("Essex County, VT: ")),
        "{titles:#?}"
    );
}

#[tokio::test]
async fn page_draws_the_county_map_as_svg() {
    let w = world();
    w.make_demand().await;
    let (cookie, _) = w.app.session("advocate@org.test");
    let uri = format!("/reports/gaps?need=food-insecurity&{}&state=VT", w.period());
    let (status, page) = w.app.get_as(&uri, &cookie).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_county_map(&page);
}

#[tokio::test]
async fn page_shows_the_table_and_the_downloads() {
    let w = world();
    w.make_demand().await;
    let (cookie, _) = w.app.session("advocate@org.test");
    let query = format!("need=food-insecurity&{}&state=VT", w.period());
    let uri = format!("/reports/gaps?{query}");
    let (status, page) = w.app.get_as(&uri, &cookie).await;
    assert_eq!(status, StatusCode::OK, "{page}");

    // The table, with the hand count; `<11` and hidden where expected.
    assert!(page.contains("<table class=\"gaps\">"), "{page}");
    let chittenden = table_row(&page, "Chittenden County, VT");
    assert_eq!(
        &chittenden[..9],
        ["23", "12", "35", "11", "11", "11", "0", "0", "0"]
    );
    assert_eq!(chittenden.last().unwrap(), "60.7");
    let caledonia = table_row(&page, "Caledonia County, VT");
    assert_eq!(
        &caledonia[..9],
        [
            "hidden", "0", "hidden", "&lt;11", "0", "0", "0", "&lt;11", "0"
        ]
    );
    let washington = table_row(&page, "Washington County, VT");
    assert_eq!(
        &washington[..9],
        [
            "&lt;11", "0", "&lt;11", "&lt;11", "0", "0", "0", "&lt;11", "0"
        ]
    );
    // The totals, with the total gap score.
    assert_eq!(table_row(&page, "Searches"), ["39"]);
    assert_eq!(table_row(&page, "Gap score"), ["51.1"]);

    // The downloads ask for the same report.
    let from = w.today - Duration::days(1);
    let to = w.today;
    let links = format!(
        "/api/v1/reports/gaps?by=county&amp;need=food-insecurity&amp;from={from}&amp;to={to}&amp;state=VT"
    );
    assert!(
        page.contains(&format!("{links}&amp;format=csv\"")),
        "{page}"
    );
    assert!(
        page.contains(&format!("{links}&amp;format=json\"")),
        "{page}"
    );
    // An advocate is not offered the ZIP level.
    assert!(!page.contains("option value=\"zip\""), "{page}");

    // A clinician: 403.
    let (cookie, _) = w.app.session("clinician@clinic.test");
    let (status, _) = w.app.get_as(&uri, &cookie).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Not signed in: to the sign-in page, and back here after.
    let (status, headers, _) = w.app.send("GET", &uri, &[], "").await;
    assert!(status.is_redirection(), "{status}");
    let location = headers["location"].to_str().unwrap();
    assert!(
        location.starts_with("/login?next=%2Freports%2Fgaps"),
        "{location}"
    );

    // A bad date: 400, and the form again with what to fix and what was typed.
    let (cookie, _) = w.app.session("advocate@org.test");
    let (status, page) = w
        .app
        .get_as(
            "/reports/gaps?need=food-insecurity&from=2026-13-01&state=VT",
            &cookie,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{page}");
    assert!(page.contains("action=\"/reports/gaps\""), "{page}");
    assert!(
        page.contains("is not a date; write it as YYYY-MM-DD"),
        "{page}"
    );
    assert!(page.contains("value=\"2026-13-01\""), "{page}");
    assert!(
        !page.contains("<table class=\"gaps\">"),
        "no table for a bad request"
    );
}

#[tokio::test]
async fn supply_only_report_without_any_demand() {
    let w = world();
    let (status, report) = w
        .json(
            "/api/v1/reports/gaps?need=food-insecurity&state=VT",
            Some(&w.advocate),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    // The default period: the last 365 days, ending today.
    assert_eq!(report["to"], json!(w.today.to_string()));
    assert_eq!(
        report["from"],
        json!((w.today - Duration::days(364)).to_string())
    );
    let rows = report["rows"].as_array().unwrap();
    assert_eq!(rows.len(), VT_COUNTIES);
    let directory = &w.app.state.directory;
    for r in rows.iter() {
        assert_eq!(demand(r), vec![n(0); 9], "{r:#}");
        assert!(r["gap_score"].is_null(), "{r:#}");
        let fips = r["area"].as_str().unwrap();
        let county = directory.gazetteer().county(fips).unwrap();
        let terms = [
            format!("county:{fips}"),
            "state:VT".to_owned(),
            "national".to_owned(),
        ];
        assert_supply(
            r,
            &plain_supply(&w.app, (county.lat, county.lon), &terms),
            fips,
        );
    }
    let total = &report["totals"][0];
    assert_eq!(demand(total), vec![n(0); 9]);
    assert!(total["gap_score"].is_null());
    assert_eq!(report["unplaced"], n(0));
    // With no scores anywhere, the least supplied counties come first.
    assert_eq!(row(&report, CALEDONIA, "food-insecurity")["within_5_mi"], 1);
    let within_25: Vec<u64> = rows
        .iter()
        .map(|r| r["within_25_mi"].as_u64().unwrap())
        .collect();
    assert!(within_25.windows(2).all(|p| p[0] <= p[1]), "{within_25:?}");

    // The library gives the same report.
    let query = hearth::report::gaps::GapQuery {
        level: hearth::report::gaps::Level::County,
        needs: vec![food()],
        from: w.today - Duration::days(364),
        to: w.today,
        states: vec!["VT".to_owned()],
    };
    let library = hearth::report::gaps::report(directory, &query).unwrap();
    assert_eq!(serde_json::to_value(&library).unwrap(), report);
}
