//! The brute-force oracle: for 500 random (point, radius, filters) searches over
//! the fixtures, the services the index returns are exactly those a plain scan
//! of the records (read from the fixture files, not through the store or index)
//! says match.

use std::collections::BTreeSet;

use chrono::{DateTime, TimeZone, Utc};
use hearth::directory::open_at;
use hearth::geo::{Gazetteer, distance_miles};
use hearth::import::{CategoryMap, ImportContext, read_source};
use hearth::index::{Radius, Scope, SearchRequest};
use hearth::model::{
    Category, LANGUAGES, Need, Population, Service, ServiceStatus, age_range, is_free,
    language_code, populations, wheelchair_accessible,
};

use crate::common::{TestApp, all_fixtures};

/// A small, seeded xorshift generator: the same 500 cases on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

fn fixture_services() -> Vec<Service> {
    let gazetteer = Gazetteer::bundled().unwrap();
    let categories = CategoryMap::bundled().unwrap();
    let ctx = ImportContext {
        gazetteer: &gazetteer,
        categories: &categories,
    };
    all_fixtures()
        .iter()
        .flat_map(|path| read_source(ctx, path, None).unwrap().services)
        .filter(|s| s.status == ServiceStatus::Active)
        .collect()
}

fn languages_of(service: &Service) -> Vec<&'static str> {
    service
        .languages
        .iter()
        .filter_map(|l| {
            l.code
                .as_deref()
                .and_then(language_code)
                .or_else(|| language_code(&l.name))
        })
        .collect()
}

/// Whether a taxonomy code is `chosen` or lies under it (`BD-1800` holds `BD-1800.2000-640`).
fn under(code: &str, chosen: &str) -> bool {
    let code = code.to_lowercase();
    let chosen = chosen.to_lowercase();
    code == chosen
        || (code.starts_with(&chosen)
            && matches!(code.as_bytes().get(chosen.len()), Some(b'.' | b'-')))
}

/// The ids of the services a plain scan says match.
fn scan(
    services: &[Service],
    request: &SearchRequest,
    when: Option<DateTime<Utc>>,
) -> BTreeSet<String> {
    let near = request.near.unwrap();
    services
        .iter()
        .filter(|s| {
            (request.categories.is_empty() && request.taxonomy.is_empty()
                || request.categories.iter().any(|c| s.categories.contains(c))
                || request
                    .taxonomy
                    .iter()
                    .any(|t| s.taxonomy_terms.iter().any(|term| under(&term.code, t))))
                && (request.needs.is_empty() || request.needs.iter().any(|n| s.needs.contains(n)))
                && (request.languages.is_empty()
                    || languages_of(s)
                        .iter()
                        .any(|l| request.languages.contains(l)))
                && (!request.flags.contains(&"free") || is_free(s))
                && (request.populations.is_empty()
                    || populations(s)
                        .iter()
                        .any(|p| request.populations.contains(p)))
                && request.age.is_none_or(|age| age_range(s).admits(age))
        })
        .filter(|s| {
            s.locations.iter().any(|l| {
                l.point()
                    .is_some_and(|p| distance_miles((near.lat, near.lon), p) <= near.miles)
                    && (!request.flags.contains(&"accessible") || wheelchair_accessible(l))
                    && when.is_none_or(|w| open_at(s, Some(l), w) == Some(true))
            })
        })
        .map(|s| s.id.clone())
        .collect()
}

#[test]
fn five_hundred_random_searches_return_exactly_what_a_plain_scan_finds() {
    let app = TestApp::all();
    let directory = &app.state.directory;
    let services = fixture_services();
    let points: Vec<(f64, f64)> = services
        .iter()
        .flat_map(|s| s.locations.iter().filter_map(|l| l.point()))
        .collect();
    let codes: Vec<String> = services
        .iter()
        .flat_map(|s| s.taxonomy_terms.iter())
        .filter(|t| t.taxonomy == "airs")
        .flat_map(|t| {
            // The code and its ancestors below the top letter: BD-1800.2000 → BD, BD-1800, BD-1800.2000.
            let code = t.code.clone();
            let cuts: Vec<String> = code
                .char_indices()
                .filter(|(_, c)| *c == '.' || *c == '-')
                .map(|(i, _)| code[..i].to_owned())
                .chain([code.clone()])
                .collect();
            cuts
        })
        .collect();
    let language_codes: Vec<&'static str> = LANGUAGES.iter().map(|(c, _)| *c).take(8).collect();
    let now = Utc.with_ymd_and_hms(2026, 12, 1, 17, 0, 0).unwrap();

    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut non_empty, mut compared) = (0, 0);
    for case in 0..500 {
        let (lat, lon) = *rng.pick(&points);
        let jitter = |rng: &mut Rng| (rng.below(2001) as f64 - 1000.0) / 20000.0;
        let near = Radius {
            lat: lat + jitter(&mut rng),
            lon: lon + jitter(&mut rng),
            miles: *rng.pick(&[0.5, 1.0, 2.0, 5.0, 10.0, 25.0, 60.0]),
        };
        let mut request = SearchRequest {
            near: Some(near),
            scope: Scope::Nearby,
            limit: 100_000,
            ..SearchRequest::default()
        };
        if rng.chance(20) {
            request.categories.push(*rng.pick(&Category::ALL));
        }
        if rng.chance(10) && !codes.is_empty() {
            request.taxonomy.push(rng.pick(&codes).clone());
        }
        if rng.chance(15) {
            let code = Need::CODES[rng.below(Need::CODES.len())];
            request.needs.push(Need::parse(code).unwrap());
        }
        if rng.chance(12) {
            request.languages.push(*rng.pick(&language_codes[..]));
        }
        if rng.chance(15) {
            request.flags.push("free");
        }
        if rng.chance(15) {
            request.flags.push("accessible");
        }
        if rng.chance(15) {
            request.populations.push(*rng.pick(&Population::ALL));
        }
        if rng.chance(15) {
            request.age = Some(rng.below(91) as u32);
        }
        let when = rng
            .chance(20)
            .then(|| now + chrono::Duration::minutes(rng.below(7 * 24 * 60) as i64));

        let expected = scan(&services, &request, when);
        let page = directory.search(&request, now, when).unwrap();
        let got: BTreeSet<String> = page.results.iter().map(|r| r.service.id.clone()).collect();
        assert_eq!(
            page.total,
            page.results.len(),
            "case {case}: one page holds all"
        );
        assert_eq!(
            got, expected,
            "case {case}: {request:?} open at {when:?}: the index and the scan disagree"
        );
        // Every result is within the radius, at its nearest matching location.
        for r in &page.results {
            assert!(
                r.distance_miles.unwrap() <= near.miles + 1e-9,
                "case {case}"
            );
        }
        compared += 1;
        if !expected.is_empty() {
            non_empty += 1;
        }
    }
    assert_eq!(compared, 500);
    // Enough cases find something that the comparison means something.
    assert!(
        non_empty >= 175,
        "only {non_empty} of 500 cases found anything"
    );
    eprintln!("oracle: 500 cases, {non_empty} with results");
}

#[test]
fn every_word_keeps_a_search_from_relaxing_to_fewer_words() {
    let app = TestApp::all();
    let directory = &app.state.directory;
    let now = Utc.with_ymd_and_hms(2026, 12, 1, 17, 0, 0).unwrap();
    // Two words no one listing has together: by default Hearth finds what has
    // one of them (and says so); with `every_word` nothing matches.
    let request = SearchRequest {
        text: "pantry dialysis".into(),
        limit: 100,
        ..SearchRequest::default()
    };
    let relaxed = directory.search(&request, now, None).unwrap();
    assert!(relaxed.total > 0);
    assert_eq!(relaxed.matched_concepts, Some((1, 2)));
    let strict = SearchRequest {
        every_word: true,
        ..request
    };
    let page = directory.search(&strict, now, None).unwrap();
    assert_eq!(
        page.total,
        0,
        "{:?}",
        page.results.first().map(|r| &r.service.name)
    );
    assert_eq!(page.matched_concepts, Some((2, 2)));
}
