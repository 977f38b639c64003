//! Hearth's engine, in process: build a home from the listings, check every
//! query's match set against the oracle, then time the queries.
//!
//! Searches go through [`Directory::engine_search`], the index search alone
//! (no listings loaded from the store, no ways out), with `scope = nearby` so
//! that only listings located within the radius match, as the oracle counts
//! them. The gate asks for every match (a limit larger than any result); the
//! timing uses each query's own limit, closed loop, one client.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde::Serialize;
use serde_json::json;

use hearth::directory::{Directory, Silent};
use hearth::geo::distance_miles;
use hearth::import::{Format, ReadOptions};
use hearth::index::{Hits, Radius, Scope, SearchRequest};
use hearth::model::{Lang, record_id};

use crate::oracle::{self, Answer, DATASET, Query};
use crate::shared::{Measure, Recorder, nanos};

/// A limit larger than any query's match count, for the gate.
const EVERY_MATCH: usize = 100_000_000;

/// How many differing queries the gate describes (and of those Hearth relaxed).
const EXAMPLES: usize = 10;
const RELAXED_EXAMPLES: usize = 3;

/// How many extra and missing listings each example names.
const NAMED: usize = 5;

/// `hearth-bench hearth`: Hearth's engine against the oracle, then timed.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The Hearth home (store and index); built from the listings when it has none.
    #[arg(long)]
    home: PathBuf,
    /// The listings, one HSDS 3.0 `service_full` object per line.
    #[arg(long)]
    listings: PathBuf,
    /// The queries, one JSON object per line.
    #[arg(long)]
    queries: PathBuf,
    /// The oracle's answers for the same listings and queries.
    #[arg(long)]
    oracle: PathBuf,
    /// Passes over the query file while timing.
    #[arg(long, default_value_t = 3)]
    rounds: u32,
    /// Where to write the results as JSON.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Read every query's text as this language (`en` or `es`) instead of letting Hearth tell.
    #[arg(long)]
    lang: Option<String>,
    /// Time without checking against the oracle first (for profiling a change;
    /// a published figure always comes from a run that passed the gate).
    #[arg(long)]
    no_gate: bool,
}

/// Runs `hearth-bench hearth`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let lang = match args.lang.as_deref() {
        None => None,
        Some("en") => Some(Lang::En),
        Some("es") => Some(Lang::Es),
        Some(other) => bail!("--lang {other:?}: use en or es"),
    };
    let (directory, build) = open_or_build(&args.home, &args.listings)?;
    eprintln!(
        "hearth: {} listings, {} documents; {}",
        directory.listing_count(),
        directory.searchable_count(),
        build.describe()
    );

    let queries = oracle::read_queries(&args.queries)?;
    let answers = oracle::stream_answers(&args.oracle)?;
    let requests: Vec<SearchRequest> = queries
        .iter()
        .map(|q| request(q, lang))
        .collect::<anyhow::Result<_>>()?;

    let gate = if args.no_gate {
        eprintln!("gate: skipped (--no-gate); these timings are for profiling only");
        Gate::default()
    } else {
        let checking = Instant::now();
        let gate = gate(&directory, &queries, &requests, answers)?;
        report_gate(&gate, queries.len(), checking.elapsed())?;
        gate
    };

    let timing = time(&directory, &queries, &requests, args.rounds)?;
    print_table(&timing);

    if let Some(out) = &args.out {
        let report = json!({
            "listings": directory.listing_count(),
            "documents": directory.searchable_count(),
            "build": build,
            "gate": gate,
            "gate_skipped": args.no_gate,
            "timing": timing,
        });
        let text = serde_json::to_string_pretty(&report)?;
        std::fs::write(out, text + "\n").with_context(|| format!("writing {}", out.display()))?;
    }
    Ok(())
}

/// Prints what the gate found.
fn report_gate(gate: &Gate, total: usize, took: Duration) -> anyhow::Result<()> {
    eprintln!(
        "gate: {} of {} queries agree with the oracle, {} differ ({:.1} s)",
        gate.equal,
        total,
        gate.differing,
        took.as_secs_f64()
    );
    if gate.browse_queries > 0 {
        eprintln!(
            "      browse order: the first `limit` results are the oracle's nearest in its order for {} of {} browse queries, at its distances in order for {}",
            gate.browse_order_equal, gate.browse_queries, gate.browse_distances_equal
        );
    }
    if gate.differing > 0 {
        eprintln!("      differing by cause: {:?}", gate.differing_by_cause);
        eprintln!("      differing by kind: {:?}", gate.differing_by_kind);
    }
    for example in gate.examples.iter().chain(&gate.relaxed_examples) {
        eprintln!("  {}", serde_json::to_string(example)?);
    }
    if gate.differing > 0 {
        eprintln!("gate FAILED: timing anyway, for information");
    }
    Ok(())
}

/// How the home came to be: built now from the listings, or found built.
#[derive(Debug, Serialize)]
struct Build {
    /// True when the home already had listings and was only opened.
    reused: bool,
    /// Opening plus importing (and indexing) the listings, or only opening.
    seconds: f64,
    /// The process's peak resident memory after the build (`VmHWM`): it counts
    /// the pages of the index and store files mapped into memory too.
    peak_rss_mb: Option<f64>,
    /// The highest anonymous resident memory (`RssAnon`: what the process
    /// allocated, without mapped files) seen while building, sampled every 20 ms.
    peak_anon_mb: Option<f64>,
    /// Lines the import skipped, and failures.
    skipped: usize,
    /// The first few skipped lines and why.
    skipped_examples: Vec<String>,
    failed: Option<String>,
}

impl Build {
    fn describe(&self) -> String {
        let mb = |v: Option<f64>| v.map_or_else(|| "?".to_owned(), |mb| format!("{mb:.0} MB"));
        let rss = format!(
            "{} (anonymous {})",
            mb(self.peak_rss_mb),
            mb(self.peak_anon_mb)
        );
        if self.reused {
            format!(
                "opened an existing home in {:.2} s (peak RSS {rss})",
                self.seconds
            )
        } else {
            format!(
                "built in {:.1} s, peak RSS {rss}, {} lines skipped",
                self.seconds, self.skipped
            )
        }
    }
}

/// Opens the home, importing the listings into it when it has none.
fn open_or_build(home: &Path, listings: &Path) -> anyhow::Result<(Directory, Build)> {
    let started = Instant::now();
    let (directory, _) = Directory::open(home, &Silent)
        .with_context(|| format!("opening the Hearth home at {}", home.display()))?;
    if directory.listing_count() > 0 {
        let build = Build {
            reused: true,
            seconds: started.elapsed().as_secs_f64(),
            peak_rss_mb: peak_rss_mb(),
            peak_anon_mb: None,
            skipped: 0,
            skipped_examples: Vec::new(),
            failed: None,
        };
        return Ok((directory, build));
    }
    let options = ReadOptions {
        format: Some(Format::Hsds3Json),
        dataset: Some(DATASET.into()),
    };
    let sampling = std::sync::atomic::AtomicBool::new(true);
    let (report, peak_anon_mb) = std::thread::scope(|scope| {
        let sampler = scope.spawn(|| {
            let mut peak: Option<f64> = None;
            while sampling.load(std::sync::atomic::Ordering::Relaxed) {
                if let Ok(now) = crate::shared::proc_status_mb("self", "RssAnon:") {
                    peak = Some(peak.map_or(now, |p: f64| p.max(now)));
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            peak
        });
        let report = directory.import(&[(listings.to_owned(), options)], &Silent);
        sampling.store(false, std::sync::atomic::Ordering::Relaxed);
        (report, sampler.join().ok().flatten())
    });
    let report = report.with_context(|| format!("importing {}", listings.display()))?;
    let build = Build {
        reused: false,
        seconds: started.elapsed().as_secs_f64(),
        peak_rss_mb: peak_rss_mb(),
        peak_anon_mb,
        skipped: report.sources.iter().map(|s| s.skipped.len()).sum(),
        skipped_examples: report
            .sources
            .iter()
            .flat_map(|s| &s.skipped)
            .take(5)
            .map(|row| format!("line {}: {}", row.row, row.reason))
            .collect(),
        failed: report
            .failed
            .as_ref()
            .map(|(path, why)| format!("{}: {why}", path.display())),
    };
    if let Some(failed) = &build.failed {
        bail!("the import failed: {failed}");
    }
    Ok((directory, build))
}

/// The process's peak resident set size in MB (`VmHWM` in `/proc/self/status`).
fn peak_rss_mb() -> Option<f64> {
    crate::shared::proc_status_mb("self", "VmHWM:").ok()
}

/// The search a query stands for, with its own limit.
fn request(query: &Query, lang: Option<Lang>) -> anyhow::Result<SearchRequest> {
    Ok(SearchRequest {
        text: query.text.clone().unwrap_or_default(),
        near: query
            .place()?
            .map(|(lat, lon, miles)| Radius { lat, lon, miles }),
        scope: Scope::Nearby,
        categories: query.category()?.into_iter().collect(),
        languages: query.language()?.into_iter().collect(),
        lang,
        flags: if query.free { vec!["free"] } else { Vec::new() },
        open_at: query.open_at()?,
        every_word: true,
        limit: query.limit,
        ..SearchRequest::default()
    })
}

/// What the gate found.
#[derive(Debug, Default, Serialize)]
struct Gate {
    passed: bool,
    equal: usize,
    differing: usize,
    /// Differing queries by kind.
    differing_by_kind: BTreeMap<String, usize>,
    /// Differing queries by their likeliest cause, the first that applies:
    /// `relaxed` (no listing matched every concept of the text, so Hearth matched
    /// fewer; the oracle requires all), `spanish` (Hearth read the text as
    /// Spanish), `reread` (Hearth read the text as other terms than its words:
    /// vocabulary phrases, synonyms, spelling corrections), `other`.
    differing_by_cause: BTreeMap<String, usize>,
    browse_queries: usize,
    /// Browse queries whose first `limit` hits are the oracle's nearest, in order.
    browse_order_equal: usize,
    /// Browse queries whose first `limit` hits are at the oracle's nearest
    /// distances, in order (the same up to the order among equal distances).
    browse_distances_equal: usize,
    /// Up to ten differing queries whose cause is not `relaxed`.
    examples: Vec<Example>,
    /// A few differing queries whose cause is `relaxed`.
    relaxed_examples: Vec<Example>,
}

/// One differing query, explained as far as it can be.
#[derive(Debug, Serialize)]
struct Example {
    id: u64,
    kind: String,
    text: Option<String>,
    place: Option<(f64, f64, f64)>,
    filters: String,
    oracle: usize,
    hearth: usize,
    extra_count: usize,
    missing_count: usize,
    extra: Vec<Listed>,
    missing: Vec<Listed>,
    /// What Hearth read the text as, and whether as Spanish.
    read_as: Vec<String>,
    spanish: bool,
    matched_concepts: Option<(usize, usize)>,
    why: Vec<String>,
}

/// A listing named in an example, with what bears on the difference.
#[derive(Debug, Serialize)]
struct Listed {
    id: String,
    /// The nearest of its locations to the query's place, in miles.
    nearest_miles: Option<f64>,
    name: Option<String>,
    /// Whether every word of the query is a word of its name or description (the oracle's text rule).
    words_in_name_or_description: Option<bool>,
    /// For an `open_now` query: whether it is open at `at` at a location within the radius (or any, without one).
    open: Option<bool>,
}

/// Compares every query's full match set with the oracle's.
fn gate(
    directory: &Directory,
    queries: &[Query],
    requests: &[SearchRequest],
    answers: impl IntoIterator<Item = anyhow::Result<Answer>>,
) -> anyhow::Result<Gate> {
    let mut gate = Gate::default();
    let mut answers = answers.into_iter();
    for (query, request) in queries.iter().zip(requests) {
        let answer = match answers.next() {
            Some(answer) => answer?,
            None => bail!("the oracle file ends before query {}", query.id),
        };
        if answer.id != query.id {
            bail!(
                "the oracle file is not in the query file's order: answer {} where query {} was expected",
                answer.id,
                query.id
            );
        }
        let answer = &answer;
        let every = SearchRequest {
            limit: EVERY_MATCH,
            ..request.clone()
        };
        let hits = directory
            .engine_search(&every)
            .with_context(|| format!("query {}", query.id))?;
        let expected: HashMap<String, &str> = answer
            .matches
            .iter()
            .map(|id| (record_id("service", DATASET, id), id.as_str()))
            .collect();
        let found: HashSet<&str> = hits.hits.iter().map(|h| h.service_id.as_str()).collect();
        if let Some(by_distance) = &answer.by_distance {
            gate.browse_queries += 1;
            let first: Vec<&str> = hits
                .hits
                .iter()
                .take(query.limit)
                .map(|h| h.service_id.as_str())
                .collect();
            let nearest: Vec<String> = by_distance
                .iter()
                .take(query.limit)
                .map(|id| record_id("service", DATASET, id))
                .collect();
            if first == nearest {
                gate.browse_order_equal += 1;
            }
            let found_miles: Vec<Option<f64>> = hits
                .hits
                .iter()
                .take(query.limit)
                .map(|h| h.distance_miles)
                .collect();
            let oracle_miles: Vec<f64> = answer
                .distances
                .iter()
                .flatten()
                .take(query.limit)
                .copied()
                .collect();
            if found_miles.len() == oracle_miles.len()
                && found_miles
                    .iter()
                    .zip(&oracle_miles)
                    .all(|(a, b)| a.is_some_and(|a| (a - b).abs() <= 1e-9))
            {
                gate.browse_distances_equal += 1;
            }
        }
        let extra: Vec<&str> = hits
            .hits
            .iter()
            .map(|h| h.service_id.as_str())
            .filter(|id| !expected.contains_key(*id))
            .collect();
        let mut missing: Vec<&str> = expected
            .iter()
            .filter(|(hearth_id, _)| !found.contains(hearth_id.as_str()))
            .map(|(_, id)| *id)
            .collect();
        if extra.is_empty() && missing.is_empty() {
            gate.equal += 1;
            continue;
        }
        gate.differing += 1;
        *gate
            .differing_by_kind
            .entry(query.kind.clone())
            .or_default() += 1;
        let reread = reread(query, &hits);
        let relaxed = hits.matched_concepts.is_some_and(|(m, of)| m < of);
        let cause = if relaxed {
            "relaxed"
        } else if hits.spanish {
            "spanish"
        } else if reread {
            "reread"
        } else {
            "other"
        };
        *gate.differing_by_cause.entry(cause.into()).or_default() += 1;
        let (list, most) = if relaxed {
            (&mut gate.relaxed_examples, RELAXED_EXAMPLES)
        } else {
            (&mut gate.examples, EXAMPLES)
        };
        if list.len() < most {
            missing.sort_unstable();
            list.push(example(
                directory, query, answer, &hits, &extra, &missing, relaxed, reread,
            )?);
        }
    }
    gate.passed = gate.differing == 0;
    Ok(gate)
}

/// Whether Hearth read the text as something other than its words (phrases,
/// synonyms, corrections, stems that differ from the word).
fn reread(query: &Query, hits: &Hits) -> bool {
    let typed: HashSet<String> = query
        .text
        .as_deref()
        .map(|t| oracle::words(t).collect())
        .unwrap_or_default();
    hits.terms.iter().any(|t| !typed.contains(t))
}

#[allow(clippy::too_many_arguments)]
fn example(
    directory: &Directory,
    query: &Query,
    answer: &Answer,
    hits: &Hits,
    extra: &[&str],
    missing: &[&str],
    relaxed: bool,
    reread: bool,
) -> anyhow::Result<Example> {
    let place = query.place()?;
    let typed: Vec<String> = query
        .text
        .as_deref()
        .map(|t| oracle::words(t).collect())
        .unwrap_or_default();
    let when = query.open_at()?;
    let listed = |hearth_id: &str| -> anyhow::Result<Listed> {
        let service = directory.service(hearth_id)?;
        let distance = |l: &hearth::model::Location| {
            let point = l.point()?;
            place.map(|(lat, lon, _)| distance_miles((lat, lon), point))
        };
        let nearest_miles = service.as_ref().and_then(|s| {
            s.locations
                .iter()
                .filter_map(distance)
                .min_by(f64::total_cmp)
        });
        let words_in_name_or_description = service.as_ref().map(|s| {
            let own: HashSet<String> = oracle::words(&s.name)
                .chain(s.description.iter().flat_map(|d| oracle::words(d)))
                .collect();
            typed.iter().all(|w| own.contains(w))
        });
        let open = match (&service, when) {
            (Some(s), Some(when)) => Some(s.locations.iter().any(|l| {
                let near = match (place, distance(l)) {
                    (Some((_, _, miles)), Some(d)) => d <= miles,
                    (Some(_), None) => false,
                    (None, _) => true,
                };
                near && hearth::directory::open_at(s, Some(l), when) == Some(true)
            })),
            _ => None,
        };
        Ok(Listed {
            id: service
                .as_ref()
                .map_or_else(|| hearth_id.to_owned(), |s| s.source.id.clone()),
            nearest_miles,
            name: service.map(|s| s.name),
            words_in_name_or_description,
            open,
        })
    };
    let mut why = Vec::new();
    if hits.spanish {
        why.push("Hearth read the text as Spanish".to_owned());
    }
    if relaxed {
        why.push(
            "no listing matched every concept, so Hearth relaxed to fewer (the oracle requires all)"
                .to_owned(),
        );
    }
    if reread {
        why.push(format!(
            "Hearth read the text as {:?} (phrases, synonyms, corrections or stems), not only its words",
            hits.terms
        ));
    }
    let mut filters = Vec::new();
    if let Some(c) = &query.category {
        filters.push(format!("category={c}"));
    }
    if let Some(l) = &query.language {
        filters.push(format!("language={l}"));
    }
    if query.free {
        filters.push("free".into());
    }
    if query.open_now {
        filters.push(format!(
            "open_now@{}",
            query.at.map(|a| a.to_rfc3339()).unwrap_or_default()
        ));
    }
    Ok(Example {
        id: query.id,
        kind: query.kind.clone(),
        text: query.text.clone(),
        place,
        filters: filters.join(" "),
        oracle: answer.matches.len(),
        hearth: hits.hits.len(),
        extra_count: extra.len(),
        missing_count: missing.len(),
        extra: extra
            .iter()
            .take(NAMED)
            .map(|id| listed(id))
            .collect::<anyhow::Result<_>>()?,
        missing: missing
            .iter()
            .take(NAMED)
            .map(|id| listed(&record_id("service", DATASET, id)))
            .collect::<anyhow::Result<_>>()?,
        read_as: hits.terms.clone(),
        spanish: hits.spanish,
        matched_concepts: hits.matched_concepts,
        why,
    })
}

/// The closed-loop timings.
#[derive(Debug, Serialize)]
struct Timing {
    rounds: u32,
    queries: u64,
    /// Wall time of the whole loop.
    seconds: f64,
    /// The sum of the timed searches alone.
    search_seconds: f64,
    queries_per_second: f64,
    #[serde(flatten)]
    latency: Measure,
}

/// Runs every query `rounds` times, one after another, timing each.
fn time(
    directory: &Directory,
    queries: &[Query],
    requests: &[SearchRequest],
    rounds: u32,
) -> anyhow::Result<Timing> {
    let mut recorder = Recorder::new()?;
    let mut results = 0usize;
    let mut busy = Duration::ZERO;
    let started_all = Instant::now();
    for _ in 0..rounds {
        for (query, request) in queries.iter().zip(requests) {
            let started = Instant::now();
            let hits = directory
                .engine_search(request)
                .with_context(|| format!("query {}", query.id))?;
            let took = started.elapsed();
            busy += took;
            results += hits.hits.len();
            recorder.record(&query.kind, nanos(took))?;
        }
    }
    let wall = started_all.elapsed().as_secs_f64();
    std::hint::black_box(results);
    let latency = recorder.report();
    let queries_run = latency.all.count;
    Ok(Timing {
        rounds,
        queries: queries_run,
        seconds: wall,
        search_seconds: busy.as_secs_f64(),
        queries_per_second: queries_run as f64 / wall.max(1e-9),
        latency,
    })
}

fn print_table(timing: &Timing) {
    timing
        .latency
        .print("Hearth's engine, closed loop, one client");
    println!(
        "{} queries in {:.2} s ({} rounds): {:.0} queries/s",
        timing.queries, timing.seconds, timing.rounds, timing.queries_per_second
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oracle::tests::{NYC, line, listings, location, query};

    /// A temporary directory, removed when dropped.
    struct Scratch(PathBuf);

    impl Scratch {
        fn new(name: &str) -> Scratch {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0);
            let dir = std::env::temp_dir().join(format!(
                "hearth-bench-{name}-{}-{nanos}",
                std::process::id()
            ));
            std::fs::create_dir_all(&dir).expect("a scratch directory");
            Scratch(dir)
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn hearth_agrees_with_the_oracle_on_a_small_home_and_differences_are_counted() {
        let far = (NYC.0 + 1.0, NYC.1);
        let north = (NYC.0 + 0.1, NYC.1);
        let lines = [
            line(
                "open",
                "Pantry",
                "Groceries",
                vec![location("1", NYC, true)],
            ),
            line(
                "unknown",
                "Pantry",
                "Groceries",
                vec![location("1", north, false)],
            ),
            line(
                "far-open",
                "Pantry",
                "Groceries",
                vec![location("1", NYC, false), location("2", far, true)],
            ),
        ];
        let scratch = Scratch::new("engine");
        let path = scratch.0.join("listings.ndjson");
        std::fs::write(&path, lines.join("\n") + "\n").expect("the listings written");
        let (directory, build) = open_or_build(&scratch.0.join("home"), &path).expect("a home");
        assert!(!build.reused);
        assert_eq!(directory.listing_count(), 3, "{build:?}");

        let queries: Vec<Query> = [
            serde_json::json!({"id": 1, "kind": "browse", "lat": NYC.0, "lon": NYC.1, "radius_miles": 10.0, "category": "food"}),
            serde_json::json!({"id": 2, "kind": "keyword_radius", "text": "pantry", "lat": NYC.0, "lon": NYC.1,
                "radius_miles": 10.0, "open_now": true, "at": "2026-11-25T15:30:00Z"}),
            serde_json::json!({"id": 3, "kind": "keyword", "text": "groceries", "open_now": true, "at": "2026-11-25T15:30:00Z"}),
            serde_json::json!({"id": 4, "kind": "adversarial", "text": "pantry", "lat": 0.5, "lon": 0.5, "radius_miles": 50.0}),
        ]
        .into_iter()
        .map(query)
        .collect();
        let oracle = listings(&lines);
        let mut answers: Vec<Answer> = oracle.answer_all(&queries).expect("answers");
        assert_eq!(answers[0].matches.len(), 3);
        assert_eq!(answers[1].matches, ["open"]);
        assert_eq!(answers[2].matches, ["far-open", "open"]);
        let given = |answers: &Vec<Answer>| answers.clone().into_iter().map(Ok);
        let requests: Vec<SearchRequest> = queries
            .iter()
            .map(|q| request(q, None))
            .collect::<anyhow::Result<_>>()
            .expect("requests");
        let agreed = gate(&directory, &queries, &requests, given(&answers)).expect("a gate");
        assert!(agreed.passed, "{agreed:?}");
        assert_eq!(
            (
                agreed.equal,
                agreed.browse_order_equal,
                agreed.browse_distances_equal
            ),
            (4, 1, 1)
        );

        // An oracle that left one out: the gate names the extra listing.
        answers[2].matches.retain(|id| id != "far-open");
        let differing = gate(&directory, &queries, &requests, given(&answers)).expect("a gate");
        assert!(!differing.passed);
        assert_eq!(differing.differing, 1);
        assert_eq!(differing.examples[0].extra[0].id, "far-open");

        let timing = time(&directory, &queries, &requests, 2).expect("timings");
        assert_eq!(timing.latency.all.count, 8);
        assert_eq!(timing.latency.by_kind.len(), 4);
    }
}
