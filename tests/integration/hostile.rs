//! R8/R9: hostile search input. Property tests (proptest) drive the query
//! builder (`search::validate`, then the real index) and the HTTP search with
//! arbitrary Unicode, percent-encodings, 10 KB strings, tantivy syntax,
//! control and bidi characters. Every answer is a result or a clear refusal
//! (200 or 400), never a 5xx or a panic, and none hangs.
//!
//! CI runs 10,000 query-builder cases and 2,000 HTTP cases; the long version
//! (`cargo test --release -- --ignored hostile`) runs 20,000 HTTP cases.

use std::time::{Duration, Instant};

use hearth::search::{SearchParams, validate};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

use crate::common::{TestApp, enc, fixture};

/// Pieces that mean something to a query parser, a URL, a terminal or a
/// renderer.
const FRAGMENTS: &[&str] = &[
    "- *",
    "a:(^",
    "field:",
    "\"",
    "name:food",
    "(",
    ")",
    "[a TO z]",
    "{",
    "}",
    "~",
    "^2",
    "*",
    "?",
    "\\",
    "AND",
    "OR",
    "NOT",
    "+",
    "-",
    "&&",
    "||",
    "!",
    "%",
    "%ZZ",
    "%00",
    "%E2%80%AE",
    "\u{202e}",
    "\u{200f}",
    "\u{2066}",
    "\u{0}",
    "\u{7f}",
    "\u{1b}[31m",
    "\t",
    "\n",
    "\r",
    "é",
    "ñ",
    "İ",
    "ß",
    "中文",
    "🏠",
    "\u{fffd}",
    "\u{feff}",
    ";",
    "'",
    "<script>",
    "' OR 1=1 --",
    "&q=",
    "=",
    "#",
    "..",
    "/",
    " ",
    "food",
    "33136",
    "10",
    "-1",
    "1e309",
    "NaN",
    "9999999999",
];

/// The search parameters, as sent.
const PARAMS: &[&str] = &[
    "q",
    "near",
    "radius",
    "category",
    "need",
    "language",
    "limit",
    "offset",
    "page",
    "open_now",
    "free",
    "accessible",
    "scope",
    "lang",
    "population",
    "age",
    "open_at",
    "words",
];

/// Text of every kind: anything, a mix of meaningful fragments, or about 10 KB.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        prop::collection::vec(prop::sample::select(FRAGMENTS), 0..40).prop_map(|p| p.concat()),
        (prop::sample::select(FRAGMENTS), 5_000usize..10_241).prop_map(|(f, n)| f
            .chars()
            .cycle()
            .take(n)
            .collect()),
    ]
}

/// One to five parameters with hostile values.
fn params() -> impl Strategy<Value = Vec<(&'static str, String)>> {
    prop::collection::vec((prop::sample::select(PARAMS), text()), 1..6)
}

fn search_params(given: &[(&str, String)]) -> SearchParams {
    let mut params = SearchParams::default();
    for (name, value) in given {
        let slot = match *name {
            "q" => &mut params.q,
            "near" => &mut params.near,
            "radius" => &mut params.radius,
            "category" => &mut params.category,
            "need" => &mut params.need,
            "language" => &mut params.language,
            "limit" => &mut params.limit,
            "offset" => &mut params.offset,
            "page" => &mut params.page,
            "open_now" => &mut params.open_now,
            "free" => &mut params.free,
            "accessible" => &mut params.accessible,
            "scope" => &mut params.scope,
            "lang" => &mut params.lang,
            "population" => &mut params.population,
            "age" => &mut params.age,
            "open_at" => &mut params.open_at,
            _ => &mut params.words,
        };
        *slot = Some(value.clone());
    }
    params
}

/// How long one case may take before it counts as a hang: far above any
/// search (the benchmarks measure speed), low enough to catch a loop.
const HANG: Duration = Duration::from_secs(5);

#[test]
fn the_query_builder_answers_any_input_with_a_search_or_a_clear_refusal() {
    let app = TestApp::with(&[fixture("miami")]);
    let directory = &app.state.directory;
    let mut runner = TestRunner::new(Config {
        cases: 10_000,
        failure_persistence: None,
        ..Config::default()
    });
    let slowest = std::cell::Cell::new(Duration::ZERO);
    runner
        .run(&params(), |given| {
            let started = Instant::now();
            match validate(&search_params(&given), directory.gazetteer()) {
                Ok(valid) => {
                    directory
                        .search(&valid.request, chrono::Utc::now(), None)
                        .map_err(|e| TestCaseError::fail(format!("{given:?}: {e}")))?;
                }
                Err(refusal) => {
                    let message = refusal.to_string();
                    prop_assert!(!message.is_empty() && message.len() < 3_000, "{message}");
                }
            }
            let took = started.elapsed();
            slowest.set(slowest.get().max(took));
            prop_assert!(took < HANG, "{given:?} took {took:?}");
            Ok(())
        })
        .unwrap();
    eprintln!("query builder: 10,000 cases, slowest {:?}", slowest.get());
}

fn http_cases(cases: u32) {
    let app = TestApp::with(&[fixture("miami")]);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut runner = TestRunner::new(Config {
        cases,
        max_global_rejects: cases,
        failure_persistence: None,
        ..Config::default()
    });
    let slowest = std::cell::Cell::new(Duration::ZERO);
    let paths = prop::sample::select(&["/api/v1/search", "/", "/api/v1/suggest"][..]);
    // Some values go as they are (bad percent-encodings included), when the
    // URI can carry them at all; the rest are percent-encoded.
    runner
        .run(&(paths, params(), any::<bool>()), |(path, given, raw)| {
            let query: Vec<String> = given
                .iter()
                .map(|(name, value)| {
                    let as_is = format!("{name}={value}");
                    let sendable = value.bytes().all(|b| b.is_ascii_graphic() && b != b'#')
                        && format!("/?{as_is}").parse::<axum::http::Uri>().is_ok();
                    if raw && sendable {
                        as_is
                    } else {
                        format!("{name}={}", enc(value))
                    }
                })
                .collect();
            let uri = format!("{path}?{}", query.join("&"));
            // Past 64 KB no HTTP client or server carries a URI at all.
            prop_assume!(uri.len() < 65_000);
            let started = Instant::now();
            let (status, _, body) = runtime.block_on(app.send("GET", &uri, &[], ""));
            let took = started.elapsed();
            slowest.set(slowest.get().max(took));
            prop_assert!(
                status == 200 || status == 400,
                "{uri}: {status} {}",
                body.chars().take(300).collect::<String>()
            );
            prop_assert!(took < HANG, "{uri} took {took:?}");
            Ok(())
        })
        .unwrap();
    eprintln!("HTTP search: {cases} cases, slowest {:?}", slowest.get());
}

#[test]
fn the_http_search_answers_any_input_with_200_or_400() {
    http_cases(2_000);
}

#[test]
#[ignore = "long version: cargo test --release -- --ignored hostile"]
fn hostile_http_search_long() {
    http_cases(20_000);
}

#[test]
fn a_bad_percent_encoding_and_a_10_kb_query_are_refused_or_answered_plainly() {
    let app = TestApp::with(&[fixture("miami")]);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let long = "food ".repeat(2_048);
    for uri in [
        "/api/v1/search?q=%ZZ".to_owned(),
        "/api/v1/search?q=%E2%80".to_owned(),
        "/api/v1/search?q=%00".to_owned(),
        format!("/api/v1/search?q={}", enc(&long)),
        "/api/v1/search?q=a:(^&near=33136".to_owned(),
    ] {
        let (status, _, body) = runtime.block_on(app.send("GET", &uri, &[], ""));
        assert!(status == 200 || status == 400, "{uri}: {status} {body}");
        if status == 400 {
            assert!(body.contains("error"), "{uri}: says what was wrong: {body}");
        }
    }
}
