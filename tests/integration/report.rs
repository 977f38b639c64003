//! The supply report, checked against a plain count over the stored listings.

use hearth::geo::distance_miles;
use hearth::model::{Need, ServiceStatus};

use crate::common::TestApp;

#[test]
fn supply_by_county_matches_a_plain_count_of_the_listings() {
    let app = TestApp::all();
    let directory = &app.state.directory;
    let need = Need::parse("food-insecurity").unwrap();
    let topic = hearth::report::Topic::Need(need.clone());
    let rows = hearth::report::supply(directory, &topic, &["FL".into()]).unwrap();
    assert_eq!(rows.len(), 67, "every Florida county");
    let services: Vec<_> = directory
        .services()
        .map(Result::unwrap)
        .filter(|s| s.status == ServiceStatus::Active && s.needs.contains(&need))
        .collect();
    for row in &rows {
        assert!(row.within_5_mi <= row.within_10_mi && row.within_10_mi <= row.within_25_mi);
        let county = directory.gazetteer().county(&row.county).unwrap();
        // Services (each once) with a location within the distance.
        let count = |miles: f64| {
            services
                .iter()
                .filter(|s| {
                    s.locations
                        .iter()
                        .filter_map(|l| l.point())
                        .any(|p| distance_miles((county.lat, county.lon), p) <= miles)
                })
                .count()
        };
        assert_eq!(row.within_25_mi, count(25.0), "{} {}", row.county, row.name);
        assert_eq!(row.within_5_mi, count(5.0), "{} {}", row.county, row.name);
    }
    let dade = rows.iter().find(|r| r.county == "12086").unwrap();
    assert!(dade.within_25_mi > 0 && dade.nearest_mi.is_some());
    // The least supplied first.
    assert!(
        rows.windows(2)
            .all(|w| w[0].within_25_mi <= w[1].within_25_mi)
    );
    let csv = hearth::report::supply_csv(&rows);
    assert!(csv.starts_with("county,name,state,need,within_5_mi"));
    assert_eq!(csv.lines().count(), 68);
}
