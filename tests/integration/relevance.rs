//! The relevance suite: judged queries on the bundled data (`tests/relevance/`),
//! scored by success@5 and nDCG@10. The judgments were made by reading the data,
//! not the engine's output; this test fails when success@5 falls below 0.85.

use std::collections::HashMap;
use std::path::Path;

use chrono::{TimeZone, Utc};
use hearth::directory::{Directory, Silent};
use hearth::geo::{Gazetteer, distance_miles};
use hearth::model::Service;
use hearth::search::validate;
use hearth::web::search_params;

/// The lowest success@5 the suite accepts.
const MIN_SUCCESS_AT_5: f64 = 0.85;

#[derive(Debug)]
struct Judged {
    id: String,
    query: String,
    near: String,
    radius: String,
    filters: String,
    /// `(normalized name, ZIP)` of each listing expected in the top 5.
    expected: Vec<(String, String)>,
}

/// Lower case, letters and digits only, single spaces: "St. Luke's  Clinic" → "st luke s clinic".
fn normalize(name: &str) -> String {
    name.to_lowercase()
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn read_judgments() -> Vec<Judged> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/relevance/queries.csv");
    let mut reader = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .from_path(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out = Vec::new();
    for (i, row) in reader.deserialize::<HashMap<String, String>>().enumerate() {
        let row = row.unwrap_or_else(|e| panic!("{} row {}: {e}", path.display(), i + 2));
        let field = |k: &str| row.get(k).cloned().unwrap_or_default();
        let expected = field("expected")
            .split(" | ")
            .map(|item| {
                let (name, zip) = item
                    .rsplit_once(" @ ")
                    .unwrap_or_else(|| panic!("{}: {item:?} is not NAME @ ZIP", field("id")));
                (normalize(name), zip.trim().to_owned())
            })
            .collect();
        out.push(Judged {
            id: field("id"),
            query: field("query"),
            near: field("near"),
            radius: field("radius"),
            filters: field("filters"),
            expected,
        });
    }
    out
}

/// Whether a listing is the judged `(name, zip)`. Two lists (HRSA health
/// centres, IMLS libraries) give no ZIP; their judged ZIP is the one whose
/// centroid is nearest the site, so a location without a ZIP matches when it
/// lies within 8 miles of that centroid (rural ZIPs are large).
fn is(gazetteer: &Gazetteer, service: &Service, (name, zip): &(String, String)) -> bool {
    let centroid = gazetteer.zip(zip).map(|z| (z.lat, z.lon));
    normalize(&service.name) == *name
        && service.locations.iter().any(|l| {
            let postal = l.address.as_ref().map_or("", |a| a.postal_code.as_str());
            postal == zip
                || (postal.is_empty()
                    && matches!((l.point(), centroid), (Some(p), Some(c)) if distance_miles(p, c) <= 8.0))
        })
}

#[test]
fn judged_queries_find_the_expected_listings() {
    let home = tempfile::tempdir().unwrap();
    let (directory, _) = Directory::open(home.path(), &Silent).unwrap();
    directory
        .seed(&Path::new(env!("CARGO_MANIFEST_DIR")).join("data"), &Silent)
        .unwrap();
    let judged = read_judgments();
    assert!(judged.len() >= 60, "the suite needs at least 60 queries");

    // Every judged listing must exist, or the judgment (not the engine) is wrong.
    let services: Vec<Service> = directory.services().map(Result::unwrap).collect();
    // `is` first compares the normalised name, so only listings with that name can match.
    let mut by_name: HashMap<String, Vec<&Service>> = HashMap::new();
    for s in &services {
        by_name.entry(normalize(&s.name)).or_default().push(s);
    }
    for j in &judged {
        for item in &j.expected {
            let candidates = by_name.get(&item.0).map_or(&[][..], Vec::as_slice);
            assert!(
                candidates
                    .iter()
                    .any(|s| is(directory.gazetteer(), s, item)),
                "{}: expected listing {:?} @ {} is not in the bundled data",
                j.id,
                item.0,
                item.1
            );
        }
    }

    // A fixed instant, so that nothing depends on the clock.
    let now = Utc.with_ymd_and_hms(2026, 12, 1, 17, 0, 0).unwrap();
    let (mut successes, mut ndcg_sum) = (0usize, 0.0f64);
    let mut misses = Vec::new();
    for j in &judged {
        let mut raw = form_urlencoded::Serializer::new(String::new());
        raw.append_pair("q", &j.query);
        if !j.near.is_empty() {
            raw.append_pair("near", &j.near);
        }
        if !j.radius.is_empty() {
            raw.append_pair("radius", &j.radius);
        }
        raw.append_pair("limit", "10");
        let mut raw = raw.finish();
        if !j.filters.is_empty() {
            raw.push('&');
            raw.push_str(&j.filters);
        }
        let params = search_params(Some(&raw));
        let valid = validate(&params, directory.gazetteer())
            .unwrap_or_else(|e| panic!("{}: {raw}: {e}", j.id));
        let page = directory
            .search(&valid.request, now, valid.open_filter(now))
            .unwrap();
        let mut found = vec![false; j.expected.len()];
        let mut dcg = 0.0;
        let mut top5 = false;
        for (rank, result) in page.results.iter().take(10).enumerate() {
            if let Some(k) = (0..j.expected.len())
                .find(|&k| !found[k] && is(directory.gazetteer(), &result.service, &j.expected[k]))
            {
                found[k] = true;
                dcg += 1.0 / ((rank + 2) as f64).log2();
                if rank < 5 {
                    top5 = true;
                }
            }
        }
        let ideal: f64 = (0..j.expected.len().min(10))
            .map(|rank| 1.0 / ((rank + 2) as f64).log2())
            .sum();
        ndcg_sum += dcg / ideal;
        if top5 {
            successes += 1;
        } else {
            let got: Vec<String> = page
                .results
                .iter()
                .take(5)
                .map(|r| r.service.name.clone())
                .collect();
            misses.push(format!("  {} ({raw}): got {got:?}", j.id));
        }
    }
    let n = judged.len() as f64;
    let success = successes as f64 / n;
    let ndcg = ndcg_sum / n;
    eprintln!(
        "relevance: {} queries, success@5 {success:.3}, nDCG@10 {ndcg:.3}",
        judged.len()
    );
    if !misses.is_empty() {
        eprintln!(
            "queries with no expected listing in the top 5:\n{}",
            misses.join("\n")
        );
    }
    assert!(
        success >= MIN_SUCCESS_AT_5,
        "success@5 {success:.3} is below {MIN_SUCCESS_AT_5}"
    );
}
