//! `hearth-bench queries`: a seeded query file for a set of generated listings.
//!
//! The queries are drawn from what `generate` wrote beside the listings, not
//! from the NDJSON itself (which is gigabytes at 1M): `{listings}.vocab.txt`
//! (each word's document frequency), `{listings}.points.csv` (every location),
//! `{listings}.facets.json` (listings per category and language) and
//! `{listings}.sample.jsonl` (every 50th listing's point, words and filters,
//! so that most queries ask for something that exists). One JSON
//! object per line, in this key order:
//!
//! ```json
//! {"id": 17, "kind": "keyword_radius", "text": "food pantry", "lat": 40.71, "lon": -73.99,
//!  "radius_miles": 10.0, "category": "food", "language": "es", "free": false,
//!  "open_now": true, "at": "2026-11-25T15:30:00Z", "limit": 10}
//! ```
//!
//! What a query *matches* is the oracle's business (`oracle`); this module only
//! decides what is asked.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::generate::{Facets, SampleEntry, WEEK_SLOTS, side_file, slot_instant};

/// Query kinds and their shares of the file (percent).
pub const MIX: [(Kind, u32); 4] = [
    (Kind::KeywordRadius, 60),
    (Kind::Browse, 25),
    (Kind::Keyword, 10),
    (Kind::Adversarial, 5),
];

/// The radii of ordinary place queries, in miles.
const RADII: [f64; 3] = [5.0, 10.0, 25.0];

/// The radius of adversarial place queries, in miles.
const WIDE_RADIUS: f64 = 50.0;

/// A query term must be in at least this many listings: Hearth looks up rarer
/// words by their closest spellings too (its `RARE`, 3), which a plain
/// "every word must match" oracle does not.
const MIN_DOCS: u64 = 5;

/// How many of the most frequent words count as "very common" for adversarial queries.
const COMMON: usize = 20;

/// Query points are this far (at most) from a listing's location, in metres.
const PLACE_JITTER_M: f64 = 2_000.0;

/// Share of ordinary queries aimed at a sampled listing (its words, its
/// category, near it); the rest draw words and filters independently and
/// mostly find nothing, as real searches sometimes do.
const AIMED: f64 = 0.85;

/// Arguments of `hearth-bench queries`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The generated listings (NDJSON); its `.vocab.txt`, `.points.csv` and `.facets.json` are read.
    #[arg(long)]
    pub listings: PathBuf,
    /// How many queries to write.
    #[arg(long, default_value_t = 10_000)]
    pub n: usize,
    /// Seed: the same seed and listings give the same file, byte for byte.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// The JSON-lines file to write.
    #[arg(long)]
    pub out: PathBuf,
}

/// A kind of query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// 1–3 terms, a radius of 5/10/25 miles and 1–3 filters.
    KeywordRadius,
    /// A category within a radius, no text, sorted by distance.
    Browse,
    /// 1–3 terms, no place.
    Keyword,
    /// 50 miles in the densest metro with very common terms and many filters, or no result at all.
    Adversarial,
}

impl Kind {
    /// The name written in the file.
    pub fn name(self) -> &'static str {
        match self {
            Kind::KeywordRadius => "keyword_radius",
            Kind::Browse => "browse",
            Kind::Keyword => "keyword",
            Kind::Adversarial => "adversarial",
        }
    }
}

/// One line of the query file (field order is the file's key order).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Query {
    pub id: u64,
    pub kind: Kind,
    pub text: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub radius_miles: Option<f64>,
    pub category: Option<String>,
    pub language: Option<String>,
    pub free: bool,
    pub open_now: bool,
    /// RFC 3339, UTC.
    pub at: String,
    pub limit: u32,
}

/// What queries are drawn from.
#[derive(Debug, Clone)]
pub struct Inputs {
    /// Vocabulary words and their document frequency among the listings.
    pub words: Vec<(String, u64)>,
    /// Every location (lat, lon), one per line of the points file.
    pub points: Vec<(f64, f64)>,
    pub facets: Facets,
    /// A sample of the listings (every 50th), weighted alike.
    pub sample: Vec<SampleEntry>,
}

impl Inputs {
    /// Reads the side files of `listings`.
    pub fn read(listings: &Path) -> anyhow::Result<Inputs> {
        let vocab_path = side_file(listings, "vocab.txt");
        let mut words = Vec::new();
        let vocab = File::open(&vocab_path)
            .with_context(|| format!("opening {} (written by `generate`)", vocab_path.display()))?;
        for line in BufReader::new(vocab).lines() {
            let line = line?;
            if line.starts_with('#') || line.is_empty() {
                continue;
            }
            let mut parts = line.split('\t');
            let (Some(word), Some(_real), Some(docs)) = (parts.next(), parts.next(), parts.next())
            else {
                bail!("{}: bad line {line:?}", vocab_path.display());
            };
            words.push((word.to_owned(), docs.parse()?));
        }
        let points_path = side_file(listings, "points.csv");
        let mut points = Vec::new();
        let file = File::open(&points_path)
            .with_context(|| format!("opening {}", points_path.display()))?;
        for line in BufReader::new(file).lines().skip(1) {
            let line = line?;
            let Some((lat, lon)) = line.split_once(',') else {
                bail!("{}: bad line {line:?}", points_path.display());
            };
            points.push((lat.parse()?, lon.parse()?));
        }
        let facets_path = side_file(listings, "facets.json");
        let facets: Facets = serde_json::from_str(
            &std::fs::read_to_string(&facets_path)
                .with_context(|| format!("reading {}", facets_path.display()))?,
        )?;
        let sample_path = side_file(listings, "sample.jsonl");
        let mut sample = Vec::new();
        let file = File::open(&sample_path)
            .with_context(|| format!("opening {}", sample_path.display()))?;
        for line in BufReader::new(file).lines() {
            let entry: SampleEntry = serde_json::from_str(&line?)
                .with_context(|| format!("reading {}", sample_path.display()))?;
            sample.push(entry);
        }
        Ok(Inputs {
            words,
            points,
            facets,
            sample,
        })
    }
}

/// Runs `hearth-bench queries`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let inputs = Inputs::read(&args.listings)?;
    let queries = generate(&inputs, args.n, args.seed)?;
    if let Some(dir) = args.out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let file =
        File::create(&args.out).with_context(|| format!("creating {}", args.out.display()))?;
    let mut out = BufWriter::new(file);
    write(&queries, &mut out)?;
    out.flush()?;
    println!("wrote {} queries to {}", queries.len(), args.out.display());
    for (kind, count) in mix(&queries) {
        println!(
            "  {:<15} {count:>6}  {:5.1}%",
            kind.name(),
            100.0 * count as f64 / queries.len().max(1) as f64
        );
    }
    let with = |f: fn(&Query) -> bool| queries.iter().filter(|q| f(q)).count();
    println!(
        "  filters: category {}, language {}, free {}, open_now {}; with text {}, with a place {}",
        with(|q| q.category.is_some()),
        with(|q| q.language.is_some()),
        with(|q| q.free),
        with(|q| q.open_now),
        with(|q| q.text.is_some()),
        with(|q| q.lat.is_some()),
    );
    Ok(())
}

/// Writes the queries, one JSON object a line.
pub fn write(queries: &[Query], out: &mut impl Write) -> anyhow::Result<()> {
    for q in queries {
        serde_json::to_writer(&mut *out, q)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// How many queries of each kind.
pub fn mix(queries: &[Query]) -> BTreeMap<Kind, usize> {
    let mut counts: BTreeMap<Kind, usize> = MIX.iter().map(|(k, _)| (*k, 0)).collect();
    for q in queries {
        *counts.entry(q.kind).or_default() += 1;
    }
    counts
}

/// Draws `n` queries.
pub fn generate(inputs: &Inputs, n: usize, seed: u64) -> anyhow::Result<Vec<Query>> {
    let sampler = Sampler::new(inputs)?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    // Exact shares (largest remainder), in a shuffled order.
    let mut kinds: Vec<Kind> = Vec::with_capacity(n);
    let mut given = 0;
    for (i, (kind, percent)) in MIX.iter().enumerate() {
        let count = if i + 1 == MIX.len() {
            n - given
        } else {
            (n * *percent as usize + 50) / 100
        };
        let count = count.min(n - given);
        kinds.extend(std::iter::repeat_n(*kind, count));
        given += count;
    }
    kinds.shuffle(&mut rng);
    Ok(kinds
        .into_iter()
        .enumerate()
        .map(|(i, kind)| sampler.query(i as u64 + 1, kind, &mut rng))
        .collect())
}

/// The distributions queries are drawn from.
struct Sampler<'a> {
    inputs: &'a Inputs,
    /// Words that may be query terms (indices into `inputs.words`), and running sums of their document frequencies.
    terms: Vec<usize>,
    terms_cumulative: Vec<u64>,
    /// The most frequent query words.
    common: Vec<usize>,
    /// The rarest query words, for queries meant to find nothing.
    rare: Vec<usize>,
    categories: Weighted<String>,
    languages: Weighted<String>,
    /// The centre of the densest metro.
    dense: (f64, f64),
    /// Query words by spelling (only those with [`MIN_DOCS`]+ listings).
    term_index: std::collections::HashMap<&'a str, usize>,
}

/// Items with weights, drawn in proportion.
struct Weighted<T> {
    items: Vec<T>,
    cumulative: Vec<u64>,
}

impl<T: Clone> Weighted<T> {
    fn new(pairs: impl IntoIterator<Item = (T, u64)>) -> Weighted<T> {
        let mut items = Vec::new();
        let mut cumulative = Vec::new();
        let mut total = 0;
        for (item, weight) in pairs.into_iter().filter(|(_, w)| *w > 0) {
            total += weight;
            items.push(item);
            cumulative.push(total);
        }
        Weighted { items, cumulative }
    }

    fn pick(&self, rng: &mut impl Rng) -> Option<T> {
        let total = *self.cumulative.last()?;
        let x = rng.random_range(0..total);
        Some(self.items[self.cumulative.partition_point(|&c| c <= x)].clone())
    }
}

impl<'a> Sampler<'a> {
    fn new(inputs: &'a Inputs) -> anyhow::Result<Sampler<'a>> {
        if inputs.points.is_empty() {
            bail!("no listing locations to place queries near");
        }
        let mut terms: Vec<usize> = (0..inputs.words.len())
            .filter(|&i| inputs.words[i].1 >= MIN_DOCS)
            .collect();
        if terms.len() < 2 * COMMON {
            bail!(
                "only {} vocabulary words are in {MIN_DOCS}+ listings; generate more listings",
                terms.len()
            );
        }
        // By document frequency, most frequent first; ties by the word.
        terms.sort_by(|&a, &b| {
            let (wa, wb) = (&inputs.words[a], &inputs.words[b]);
            wb.1.cmp(&wa.1).then_with(|| wa.0.cmp(&wb.0))
        });
        let mut total = 0;
        let terms_cumulative = terms
            .iter()
            .map(|&i| {
                total += inputs.words[i].1;
                total
            })
            .collect();
        let common = terms[..COMMON].to_vec();
        let rare = terms[terms.len() - terms.len().min(200)..].to_vec();
        let categories = Weighted::new(inputs.facets.categories.clone());
        let languages = Weighted::new(inputs.facets.languages.clone());
        if categories.items.is_empty() {
            bail!("the listings have no categories");
        }
        Ok(Sampler {
            inputs,
            terms_cumulative,
            common,
            rare,
            categories,
            languages,
            dense: densest_metro(&inputs.points),
            term_index: terms
                .iter()
                .map(|&i| (inputs.words[i].0.as_str(), i))
                .collect(),
            terms,
        })
    }

    /// A query term: half the time by document frequency (common words), half
    /// uniformly over the words (mostly the long tail of rare ones).
    fn term(&self, rng: &mut impl Rng) -> usize {
        if rng.random_bool(0.5) {
            let total = self.terms_cumulative.last().copied().unwrap_or(1);
            let x = rng.random_range(0..total);
            self.terms[self.terms_cumulative.partition_point(|&c| c <= x)]
        } else {
            self.terms[rng.random_range(0..self.terms.len())]
        }
    }

    /// 1–3 distinct terms drawn by `pick`, as text.
    fn text(&self, rng: &mut ChaCha8Rng, pick: impl Fn(&mut ChaCha8Rng) -> usize) -> String {
        let want = rng.random_range(1..=3);
        let mut chosen: Vec<usize> = Vec::new();
        while chosen.len() < want {
            let t = pick(rng);
            if !chosen.contains(&t) {
                chosen.push(t);
            }
        }
        self.words(&chosen)
    }

    fn words(&self, chosen: &[usize]) -> String {
        chosen
            .iter()
            .map(|&i| self.inputs.words[i].0.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// A place near a listing location, listings weighted alike.
    fn place(&self, rng: &mut impl Rng) -> (f64, f64) {
        let anchor = self.inputs.points[rng.random_range(0..self.inputs.points.len())];
        near(anchor, rng)
    }

    /// A sampled listing to aim a query at, `AIMED` of the time.
    fn target(&self, rng: &mut impl Rng) -> Option<&'a SampleEntry> {
        let sample = &self.inputs.sample;
        (!sample.is_empty() && rng.random_bool(AIMED))
            .then(|| &sample[rng.random_range(0..sample.len())])
    }

    /// 1–3 of the target's words that are query words, else any query words.
    fn aimed_text(&self, target: Option<&SampleEntry>, rng: &mut ChaCha8Rng) -> String {
        let own: Vec<usize> = target
            .map(|t| {
                t.words
                    .iter()
                    .filter_map(|w| self.term_index.get(w.as_str()).copied())
                    .collect()
            })
            .unwrap_or_default();
        if own.is_empty() {
            return self.text(rng, |r| self.term(r));
        }
        // Weighted by the square root of document frequency: searches name
        // words many listings share more often than a listing's rarest ones.
        let want = rng.random_range(1..=3).min(own.len());
        let mut left = own;
        let mut chosen: Vec<usize> = Vec::new();
        while chosen.len() < want {
            let weights: Vec<f64> = left
                .iter()
                .map(|&i| (self.inputs.words[i].1 as f64).sqrt())
                .collect();
            let mut x = rng.random::<f64>() * weights.iter().sum::<f64>();
            let mut k = 0;
            while k + 1 < left.len() && x >= weights[k] {
                x -= weights[k];
                k += 1;
            }
            chosen.push(left.swap_remove(k));
        }
        self.words(&chosen)
    }

    fn set_place_near(&self, q: &mut Query, target: Option<&SampleEntry>, rng: &mut impl Rng) {
        match target {
            Some(t) => {
                let (lat, lon) = near((t.lat, t.lon), rng);
                q.lat = Some(lat);
                q.lon = Some(lon);
                q.radius_miles = Some(RADII[rng.random_range(0..RADII.len())]);
            }
            None => self.set_place(q, rng),
        }
    }

    /// Sets filter `f` (as [`Sampler::set_filter`]) to what the target has;
    /// false when it has nothing for that filter.
    fn set_filter_like(
        &self,
        q: &mut Query,
        f: usize,
        target: Option<&SampleEntry>,
        rng: &mut impl Rng,
    ) -> bool {
        let Some(t) = target else {
            self.set_filter(q, f, rng);
            return true;
        };
        let pick = |list: &[String], rng: &mut dyn rand::RngCore| {
            (!list.is_empty()).then(|| list[rng.random_range(0..list.len())].clone())
        };
        match f {
            0 => q.category = pick(&t.categories, rng),
            1 => q.language = pick(&t.languages, rng),
            2 => q.free = t.free,
            // At a time the target is open.
            _ => {
                if !t.open.is_empty() {
                    q.open_now = true;
                    q.at = rfc3339(slot_instant(t.open[rng.random_range(0..t.open.len())]));
                }
            }
        }
        match f {
            0 => q.category.is_some(),
            1 => q.language.is_some(),
            2 => q.free,
            _ => q.open_now,
        }
    }
}

/// A point at most `PLACE_JITTER_M` from `anchor`, uniform over the disc.
fn near(anchor: (f64, f64), rng: &mut impl Rng) -> (f64, f64) {
    let r = PLACE_JITTER_M * rng.random::<f64>().sqrt();
    let bearing = rng.random::<f64>() * std::f64::consts::TAU;
    let lat = anchor.0 + r * bearing.cos() / 111_320.0;
    let lon = anchor.1 + r * bearing.sin() / (111_320.0 * anchor.0.to_radians().cos().max(0.05));
    (round(lat), round(lon))
}

impl Sampler<'_> {
    fn query(&self, id: u64, kind: Kind, rng: &mut ChaCha8Rng) -> Query {
        let mut q = Query {
            id,
            kind,
            text: None,
            lat: None,
            lon: None,
            radius_miles: None,
            category: None,
            language: None,
            free: false,
            open_now: false,
            at: String::new(),
            limit: 10,
        };
        match kind {
            Kind::KeywordRadius => {
                let target = self.target(rng);
                q.text = Some(self.aimed_text(target, rng));
                self.set_place_near(&mut q, target, rng);
                let mut filters = [0, 1, 2, 3];
                filters.shuffle(rng);
                let want = rng.random_range(1..=3);
                let mut set = 0;
                for f in filters {
                    if set < want && self.set_filter_like(&mut q, f, target, rng) {
                        set += 1;
                    }
                }
            }
            Kind::Browse => {
                let target = self.target(rng);
                self.set_place_near(&mut q, target, rng);
                q.category = target
                    .and_then(|t| {
                        (!t.categories.is_empty())
                            .then(|| t.categories[rng.random_range(0..t.categories.len())].clone())
                    })
                    .or_else(|| self.categories.pick(rng));
                q.limit = 20;
            }
            Kind::Keyword => {
                let target = self.target(rng);
                q.text = Some(self.aimed_text(target, rng));
            }
            Kind::Adversarial => {
                q.lat = Some(round(self.dense.0));
                q.lon = Some(round(self.dense.1));
                q.radius_miles = Some(WIDE_RADIUS);
                match rng.random_range(0..3) {
                    // Very common terms and many filters, over the densest 50 miles.
                    0 => {
                        q.text = Some(self.text(rng, |r| self.common[r.random_range(0..COMMON)]));
                        for f in 0..4 {
                            if f < 2 || rng.random_bool(0.5) {
                                self.set_filter(&mut q, f, rng);
                            }
                        }
                    }
                    // Very common terms alone: the largest candidate sets.
                    1 => {
                        let t = self.common[rng.random_range(0..COMMON)];
                        q.text = Some(self.words(&[t]));
                    }
                    // Two rare words that (almost surely) never meet: no result.
                    _ => {
                        let a = self.rare[rng.random_range(0..self.rare.len())];
                        let mut b = a;
                        while b == a {
                            b = self.rare[rng.random_range(0..self.rare.len())];
                        }
                        q.text = Some(self.words(&[a, b]));
                        if rng.random_bool(0.5) {
                            self.set_filter(&mut q, 0, rng);
                        }
                    }
                }
            }
        }
        if q.at.is_empty() {
            q.at = rfc3339(slot_instant(rng.random_range(0..WEEK_SLOTS)));
        }
        q
    }

    fn set_place(&self, q: &mut Query, rng: &mut impl Rng) {
        let (lat, lon) = self.place(rng);
        q.lat = Some(lat);
        q.lon = Some(lon);
        q.radius_miles = Some(RADII[rng.random_range(0..RADII.len())]);
    }

    /// Sets filter `f`: 0 category, 1 language, 2 free, 3 open now.
    fn set_filter(&self, q: &mut Query, f: usize, rng: &mut impl Rng) {
        match f {
            0 => q.category = self.categories.pick(rng),
            1 => q.language = self.languages.pick(rng),
            2 => q.free = true,
            _ => q.open_now = true,
        }
    }
}

/// An instant in RFC 3339, UTC.
fn rfc3339(when: DateTime<Utc>) -> String {
    when.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Coordinates to 5 decimals (about a metre).
fn round(x: f64) -> f64 {
    (x * 1e5).round() / 1e5
}

/// The centre (mean point) of the half-degree cell holding most locations.
pub fn densest_metro(points: &[(f64, f64)]) -> (f64, f64) {
    let cell = |p: &(f64, f64)| ((p.0 * 2.0).floor() as i32, (p.1 * 2.0).floor() as i32);
    let mut counts: BTreeMap<(i32, i32), u64> = BTreeMap::new();
    for p in points {
        *counts.entry(cell(p)).or_default() += 1;
    }
    let best = counts
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
        .map(|(c, _)| *c)
        .unwrap_or_default();
    let inside: Vec<&(f64, f64)> = points.iter().filter(|p| cell(p) == best).collect();
    let n = inside.len().max(1) as f64;
    (
        inside.iter().map(|p| p.0).sum::<f64>() / n,
        inside.iter().map(|p| p.1).sum::<f64>() / n,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Inputs like a generator's: Zipf-like words, points in two metros, a few facets.
    fn inputs() -> Inputs {
        let words = (0..2000)
            .map(|i| (format!("w{i:04}x"), 100_000 / (i as u64 + 1)))
            .collect();
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mut points = Vec::new();
        for _ in 0..3000 {
            points.push((
                40.7 + rng.random::<f64>() * 0.3,
                -74.0 + rng.random::<f64>() * 0.3,
            ));
        }
        for _ in 0..500 {
            points.push((
                25.7 + rng.random::<f64>() * 0.3,
                -80.3 + rng.random::<f64>() * 0.3,
            ));
        }
        let facets = Facets {
            listings: 3000,
            locations: 3500,
            free: 900,
            categories: [("food".to_owned(), 800), ("health".to_owned(), 1200)].into(),
            languages: [("en".to_owned(), 2000), ("es".to_owned(), 700)].into(),
        };
        let sample = points
            .iter()
            .step_by(50)
            .enumerate()
            .map(|(i, &(lat, lon))| SampleEntry {
                lat,
                lon,
                words: vec![format!("w{:04}x", i % 7), format!("w{:04}x", 100 + i % 300)],
                categories: if i % 4 == 0 {
                    vec![]
                } else {
                    vec!["food".to_owned()]
                },
                languages: if i % 3 == 0 {
                    vec!["es".to_owned()]
                } else {
                    vec![]
                },
                free: i % 2 == 0,
                open: if i % 5 == 0 {
                    vec![40, 41, 300]
                } else {
                    vec![]
                },
            })
            .collect();
        Inputs {
            words,
            points,
            facets,
            sample,
        }
    }

    fn bytes(queries: &[Query]) -> Vec<u8> {
        let mut out = Vec::new();
        write(queries, &mut out).unwrap();
        out
    }

    #[test]
    fn the_same_seed_gives_the_same_bytes() {
        let inputs = inputs();
        let a = bytes(&generate(&inputs, 2000, 7).unwrap());
        assert_eq!(a, bytes(&generate(&inputs, 2000, 7).unwrap()));
        assert_ne!(a, bytes(&generate(&inputs, 2000, 8).unwrap()));
    }

    #[test]
    fn the_mix_is_within_two_points_on_10k_queries() {
        let queries = generate(&inputs(), 10_000, 7).unwrap();
        let counts = mix(&queries);
        for (kind, percent) in MIX {
            let share = 100.0 * counts[&kind] as f64 / 10_000.0;
            assert!(
                (share - f64::from(percent)).abs() <= 2.0,
                "{kind:?}: {share}"
            );
        }
    }

    #[test]
    fn each_kind_has_its_shape() {
        let inputs = inputs();
        let known: std::collections::HashSet<&str> =
            inputs.words.iter().map(|(w, _)| w.as_str()).collect();
        for q in generate(&inputs, 3000, 11).unwrap() {
            assert!(DateTime::parse_from_rfc3339(&q.at).is_ok(), "{}", q.at);
            let terms: Vec<&str> = q.text.as_deref().unwrap_or("").split(' ').collect();
            match q.kind {
                Kind::KeywordRadius => {
                    assert!((1..=3).contains(&terms.len()));
                    assert!(RADII.contains(&q.radius_miles.unwrap()));
                    let filters = usize::from(q.category.is_some())
                        + usize::from(q.language.is_some())
                        + usize::from(q.free)
                        + usize::from(q.open_now);
                    assert!((1..=3).contains(&filters), "{q:?}");
                    assert_eq!(q.limit, 10);
                }
                Kind::Browse => {
                    assert!(q.text.is_none() && q.category.is_some() && q.lat.is_some());
                    assert_eq!(q.limit, 20);
                }
                Kind::Keyword => {
                    assert!(q.lat.is_none() && q.lon.is_none() && q.radius_miles.is_none());
                    assert!((1..=3).contains(&terms.len()));
                }
                Kind::Adversarial => assert_eq!(q.radius_miles, Some(WIDE_RADIUS)),
            }
            if q.text.is_some() {
                for t in terms {
                    assert!(known.contains(t), "{t}");
                }
            }
        }
    }

    #[test]
    fn a_line_has_the_agreed_keys_in_order() {
        let q = &generate(&inputs(), 1, 1).unwrap()[0];
        let line = String::from_utf8(bytes(std::slice::from_ref(q))).unwrap();
        let keys = [
            "id",
            "kind",
            "text",
            "lat",
            "lon",
            "radius_miles",
            "category",
            "language",
            "free",
            "open_now",
            "at",
            "limit",
        ];
        let mut at = 0;
        for key in keys {
            let found = line[at..]
                .find(&format!("\"{key}\":"))
                .unwrap_or_else(|| panic!("{key}: {line}"));
            at += found;
        }
    }

    #[test]
    fn the_densest_metro_is_where_most_points_are() {
        let (lat, lon) = densest_metro(&inputs().points);
        assert!(
            (40.5..41.2).contains(&lat) && (-74.2..-73.5).contains(&lon),
            "{lat},{lon}"
        );
    }
}
