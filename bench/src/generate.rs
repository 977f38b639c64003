//! `hearth-bench generate`: N synthetic listings drawn from the bundled real data.
//!
//! Each synthetic listing copies what a listing *is* (categories, needs,
//! taxonomy terms, languages, hours, cost options, eligibility, ages, service
//! areas) from one real listing chosen at random, its *template*, so that the
//! joint distributions stay those of the real data. Its name and description
//! are new text drawn from a vocabulary of real words (see [`Vocabulary`]),
//! and its locations are placed near the template's own (or, for some, at a
//! ZIP centroid). Organizations, phones, web addresses and streets are
//! synthetic and say so: these records are for benchmarks only and are never
//! bundled as data.
//!
//! Output: the listings as HSDS 3.0 NDJSON (`hearth import` reads it), and
//! beside it, for the query generator (`queries`), `{out}.vocab.txt`,
//! `{out}.points.csv` and `{out}.facets.json`. Reading real data, writing
//! files and timing are here; what a query looks like is `queries`' business.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use frostem::{Algorithm, Stemmer};
use hearth::geo::{Gazetteer, ZipPlace};
use hearth::import::{CategoryMap, ImportContext, ReadOptions};
use hearth::model::{
    Address, Category, CostOption, Language, Location, LocationType, Organization, Phone, Service,
    ServiceStatus, SourceRef, is_free,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The note every synthetic listing carries (as its HSDS `source_note` attribute).
pub const SOURCE_NOTE: &str = "Synthetic listing for Hearth's benchmark — not a real service";

/// What every synthetic organization says of itself (HSDS asks for a description).
const ORGANIZATION_DESCRIPTION: &str = "A synthetic organization for Hearth's benchmark";

/// The street every synthetic address is on (its words never enter the vocabulary).
const STREET: &str = "Benchmark Way";

/// Share of listings placed at a ZIP centroid (approximate), the rest near a real location.
const ZIP_CENTROID_SHARE: f64 = 0.12;

/// Jitter around a real location: log-uniform between these distances, in metres.
const JITTER_MIN_M: f64 = 200.0;
const JITTER_MAX_M: f64 = 4_000.0;

/// At most this many locations per synthetic listing (templates with more are cut).
const MAX_LOCATIONS: usize = 3;

/// Every this many listings, one goes into `{out}.sample.jsonl`, for queries aimed at listings that exist.
pub const SAMPLE_EVERY: usize = 50;

/// The Monday 00:00 UTC that starts the week query instants (`at`) are spread over.
pub const WEEK_START: (i32, u32, u32) = (2026, 11, 23);

/// Quarter hours in a week.
pub const WEEK_SLOTS: u16 = 7 * 24 * 4;

/// Listings generated per batch; each batch is split between the worker threads.
const BATCH: usize = 4096;

/// Arguments of `hearth-bench generate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// How many listings to write.
    #[arg(long)]
    pub n: usize,
    /// Seed of the generator: the same seed and data give the same file, byte for byte.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// The bundled data directory (the real listings the distributions come from).
    #[arg(long, default_value = "data")]
    pub data: PathBuf,
    /// The NDJSON file to write; `.vocab.txt`, `.points.csv` and `.facets.json` are written beside it.
    #[arg(long)]
    pub out: PathBuf,
}

/// Runs `hearth-bench generate`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let started = Instant::now();
    let gazetteer = Gazetteer::bundled().context("loading the bundled gazetteer")?;
    let categories = CategoryMap::bundled().context("loading the bundled category map")?;
    let ctx = ImportContext {
        gazetteer: &gazetteer,
        categories: &categories,
    };
    let sources = hearth::import::bundled_sources(&args.data)
        .with_context(|| format!("listing the sources in {}", args.data.display()))?;
    let templates = load_templates(ctx, &sources)?;
    let model = Model::new(templates, &gazetteer);
    println!(
        "read {} real listings ({} located locations) and {} vocabulary words in {:.1} s",
        model.templates.len(),
        model.placed.len(),
        model.vocabulary.words.len(),
        started.elapsed().as_secs_f64()
    );
    if let Some(dir) = args.out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let generating = Instant::now();
    let file =
        File::create(&args.out).with_context(|| format!("creating {}", args.out.display()))?;
    let points_path = side_file(&args.out, "points.csv");
    let points = File::create(&points_path)
        .with_context(|| format!("creating {}", points_path.display()))?;
    let sample_path = side_file(&args.out, "sample.jsonl");
    let sample = File::create(&sample_path)
        .with_context(|| format!("creating {}", sample_path.display()))?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    let mut sinks = Sinks {
        points: BufWriter::with_capacity(1 << 20, points),
        sample: BufWriter::new(sample),
    };
    let stats = write_listings(&model, args.n, args.seed, &mut out, &mut sinks)
        .with_context(|| format!("writing {}", args.out.display()))?;
    out.flush()?;
    sinks.points.flush()?;
    sinks.sample.flush()?;
    let vocab_path = side_file(&args.out, "vocab.txt");
    std::fs::write(&vocab_path, model.vocabulary.listing(&stats.docs))
        .with_context(|| format!("writing {}", vocab_path.display()))?;
    let facets_path = side_file(&args.out, "facets.json");
    std::fs::write(&facets_path, serde_json::to_string_pretty(&stats.facets)?)
        .with_context(|| format!("writing {}", facets_path.display()))?;
    let size = std::fs::metadata(&args.out)?.len();
    let took = generating.elapsed().as_secs_f64();
    println!(
        "wrote {} listings ({} locations, {} free) to {} in {:.1} s ({:.0} listings/s): {:.1} MB",
        args.n,
        stats.facets.locations,
        stats.facets.free,
        args.out.display(),
        took,
        args.n as f64 / took.max(1e-9),
        size as f64 / 1e6
    );
    println!(
        "side files: {}, {}, {}, {}; total {:.1} s",
        vocab_path.display(),
        points_path.display(),
        facets_path.display(),
        sample_path.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// `{out}.{suffix}`: a file beside the NDJSON (`listings.ndjson.vocab.txt`).
pub fn side_file(out: &Path, suffix: &str) -> PathBuf {
    let mut name = out.as_os_str().to_owned();
    name.push(".");
    name.push(suffix);
    PathBuf::from(name)
}

/// Reads the real listings that serve as templates: the active ones of every source.
pub fn load_templates(ctx: ImportContext<'_>, sources: &[PathBuf]) -> anyhow::Result<Vec<Service>> {
    let mut templates = Vec::new();
    for path in sources {
        let parsed = hearth::import::read_source_with(ctx, path, &ReadOptions::default())
            .with_context(|| format!("reading {}", path.display()))?;
        templates.extend(
            parsed
                .services
                .into_iter()
                .filter(|s| s.status == ServiceStatus::Active),
        );
    }
    anyhow::ensure!(!templates.is_empty(), "no real listings to draw from");
    Ok(templates)
}

// ---------------------------------------------------------------------------
// Vocabulary
// ---------------------------------------------------------------------------

/// English stop words: Lucene's list (tantivy's `StopWordFilter`, so Hearth's)
/// and Snowball's (PostgreSQL's `english`), in one.
const STOP_WORDS: &[&str] = &[
    "a",
    "about",
    "above",
    "after",
    "again",
    "against",
    "all",
    "am",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "because",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "but",
    "by",
    "can",
    "could",
    "did",
    "do",
    "does",
    "doing",
    "down",
    "during",
    "each",
    "few",
    "for",
    "from",
    "further",
    "had",
    "has",
    "have",
    "having",
    "he",
    "her",
    "here",
    "hers",
    "herself",
    "him",
    "himself",
    "his",
    "how",
    "i",
    "if",
    "in",
    "into",
    "is",
    "it",
    "its",
    "itself",
    "just",
    "me",
    "more",
    "most",
    "my",
    "myself",
    "no",
    "nor",
    "not",
    "now",
    "of",
    "off",
    "on",
    "once",
    "only",
    "or",
    "other",
    "ought",
    "our",
    "ours",
    "ourselves",
    "out",
    "over",
    "own",
    "same",
    "she",
    "should",
    "so",
    "some",
    "such",
    "than",
    "that",
    "the",
    "their",
    "theirs",
    "them",
    "themselves",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "through",
    "to",
    "too",
    "under",
    "until",
    "up",
    "very",
    "was",
    "we",
    "were",
    "what",
    "when",
    "where",
    "which",
    "while",
    "who",
    "whom",
    "why",
    "will",
    "with",
    "would",
    "you",
    "your",
    "yours",
    "yourself",
    "yourselves",
];

/// Words Hearth's query parser treats specially, mirrored from `src/index/text.rs`
/// (`FILLER`, `FACILITY`: not required when other words are given) and
/// `src/index/words.rs` (`SPANISH_NEED_WORDS`, `SPANISH_FUNCTION_WORDS`: they
/// make a text read as Spanish, adding Spanish stems). A query made of them
/// would not mean "every word must match", so they are not vocabulary words.
#[rustfmt::skip]
const HEARTH_SPECIAL_WORDS: &[&str] = &[
    "help", "helping", "need", "needs", "needed", "find", "finding", "get", "getting", "near",
    "nearby", "me", "my", "i", "im", "looking", "want", "where", "someone", "somewhere", "service",
    "services", "program", "programs", "place", "places", "resource", "resources", "free", "cheap",
    "low", "cost", "local", "area", "today", "now", "open", "apply", "applying", "info",
    "information", "pay", "paying", "with", "can", "ayuda", "ayudar", "necesito", "necesita",
    "busco", "buscar", "cerca", "donde", "quiero", "gratis", "gratuito", "gratuita", "lugar",
    "servicio", "servicios", "programa", "programas", "hoy", "abierto", "informacion", "pagar",
    "aplicar", "clinic", "clinics", "center", "centers", "centre", "office", "offices", "agency",
    "agencies", "organization", "clinica", "clinicas", "centro", "centros", "oficina", "oficinas",
    "agencia", "comida", "comidas", "alimento", "alimentos", "despensa", "despensas", "cupones",
    "estampillas", "hambre", "desayuno", "almuerzo", "cena", "leche", "comedor", "viveres",
    "mercado", "banco", "vivienda", "viviendas", "albergue", "albergues", "refugio", "refugios",
    "casa", "hogar", "renta", "alquiler", "desalojo", "desalojos", "desahucio", "apartamento",
    "cuarto", "techo", "calle", "indigentes", "desamparados", "mudanza", "muebles", "ayudas",
    "ayudame", "asistencia", "apoyo", "gratuitos", "aqui", "comunitario", "iglesia", "trabajo",
    "trabajos", "empleo", "empleos", "chamba", "capacitacion", "desempleo", "dinero", "pago",
    "pagos", "cuentas", "factura", "facturas", "impuestos", "beneficios", "luz", "agua",
    "electricidad", "calefaccion", "telefono", "transporte", "autobus", "camion", "salud",
    "medico", "medicos", "medica", "dentista", "dentistas", "dientes", "enfermera", "farmacia",
    "medicina", "medicinas", "medicamentos", "receta", "recetas", "vacuna", "vacunas", "embarazo",
    "embarazada", "embarazadas", "terapia", "terapeuta", "consejeria", "psicologo", "psicologa",
    "psiquiatra", "ansiedad", "depresion", "adiccion", "adicciones", "alcoholismo", "drogas",
    "desintoxicacion", "metadona", "rehabilitacion", "urgencias", "emergencia", "seguro",
    "aseguranza", "lentes", "anteojos", "nino", "ninos", "ninas", "bebe", "bebes", "hijos",
    "familia", "familias", "ancianos", "ancianas", "mayores", "jovenes", "mujer", "mujeres",
    "hombres", "discapacidad", "discapacitados", "veteranos", "ropa", "zapatos", "panales",
    "cobijas", "inmigracion", "inmigrante", "inmigrantes", "migrante", "migrantes", "abogado",
    "abogados", "abogada", "asesoria", "legales", "tramites", "documentos", "ciudadania",
    "residencia", "asilo", "deportacion", "permiso", "corte", "demanda", "divorcio", "custodia",
    "violencia", "domestica", "abuso", "maltrato", "victimas", "escuela", "escuelas", "clases",
    "ingles", "espanol", "guarderia", "cuidado", "tareas", "beca", "becas", "de", "del", "la",
    "las", "el", "los", "para", "con", "sin", "una", "uno", "unos", "un", "que", "en", "mi", "mis",
    "por", "y", "al", "su", "sus", "es", "esta", "este", "estoy", "hay", "como", "tengo",
];

/// The words of `text` as the index's tokenizer splits them: runs of letters
/// and digits, lower-cased.
pub fn tokens(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(str::to_lowercase)
}

/// The words names and descriptions are made of, with their frequency in the real text.
///
/// A vocabulary word is lower-case ASCII letters only, 3 letters or more, not an
/// English stop word, and its own Snowball English stem (the stemmer tantivy
/// uses), so a word in a listing and the same word in a query meet in every
/// engine. Beyond the rule asked for, a word is left out when
/// - another, more frequent word has the same Porter stem (SQLite FTS5 `porter`
///   would conflate them);
/// - its English or Porter stem is that of a word in the other text a synthetic
///   listing carries into Hearth's searchable fields (its copied taxonomy term
///   names and eligibility text, category labels, the source note, organization
///   name and description, street and city names): a query word then matches a synthetic listing
///   only through its name or description, in every engine;
/// - Hearth's query parser gives it a meaning of its own: a word of a need
///   phrase (`data/vocabulary.csv`), or a filler or facility word.
#[derive(Debug, Clone)]
pub struct Vocabulary {
    /// The words, most frequent first.
    pub words: Vec<String>,
    /// How often each word occurs in the real names and descriptions.
    pub counts: Vec<u64>,
    /// Running sums of `counts`, for sampling by frequency.
    cumulative: Vec<u64>,
}

impl Vocabulary {
    /// Builds the vocabulary from real listings; `city_names` are every city (or
    /// county, standing in for one) an address may name.
    pub fn build<'a>(
        templates: &[Service],
        city_names: impl Iterator<Item = &'a str>,
    ) -> Vocabulary {
        let english = Stemmer::new(Algorithm::English);
        let porter = Stemmer::new(Algorithm::Porter);
        let mut counts: HashMap<String, u64> = HashMap::new();
        for s in templates {
            let text = [Some(s.name.as_str()), s.description.as_deref()];
            for token in text.into_iter().flatten().flat_map(tokens) {
                *counts.entry(token).or_default() += 1;
            }
        }
        // The stems of the other text a synthetic listing carries into Hearth's body field.
        let mut other_text: Vec<String> = vec![
            SOURCE_NOTE.to_owned(),
            "Synthetic Organization".to_owned(),
            ORGANIZATION_DESCRIPTION.to_owned(),
            STREET.to_owned(),
        ];
        other_text.extend(Category::ALL.iter().map(|c| c.label().to_owned()));
        for s in templates {
            other_text.extend(s.taxonomy_terms.iter().map(|t| t.name.clone()));
            other_text.extend(s.eligibility_description.iter().cloned());
        }
        other_text.extend(city_names.map(str::to_owned));
        let mut taken_english: HashSet<String> = HashSet::new();
        let mut taken_porter: HashSet<String> = HashSet::new();
        for text in &other_text {
            for token in tokens(text) {
                taken_english.insert(english.stem(&token).into_owned());
                taken_porter.insert(porter.stem(&token).into_owned());
            }
        }
        let mut reserved: HashSet<String> = STOP_WORDS
            .iter()
            .chain(HEARTH_SPECIAL_WORDS)
            .map(|w| (*w).to_owned())
            .collect();
        // Folded as the query parser folds them: `currículum` is `curriculum`.
        for term in hearth::model::vocabulary() {
            reserved.extend(hearth::index::folded_words(&term.phrase));
        }
        let mut candidates: Vec<(String, u64)> = counts
            .into_iter()
            .filter(|(w, _)| w.len() >= 3 && w.bytes().all(|b| b.is_ascii_lowercase()))
            .filter(|(w, _)| !reserved.contains(w))
            .filter(|(w, _)| english.stem(w) == w.as_str())
            .collect();
        // Most frequent first; ties by the word, so the order does not depend on hashing.
        candidates.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let mut words = Vec::new();
        let mut freq = Vec::new();
        let mut seen_english: HashSet<String> = HashSet::new();
        let mut seen_porter: HashSet<String> = HashSet::new();
        for (word, count) in candidates {
            let e = english.stem(&word).into_owned();
            let p = porter.stem(&word).into_owned();
            if taken_english.contains(&e) || taken_porter.contains(&p) {
                continue;
            }
            if !seen_english.insert(e) || !seen_porter.insert(p) {
                continue;
            }
            words.push(word);
            freq.push(count);
        }
        Vocabulary::from_counts(words, freq)
    }

    fn from_counts(words: Vec<String>, counts: Vec<u64>) -> Vocabulary {
        let mut total = 0;
        let cumulative = counts
            .iter()
            .map(|c| {
                total += c;
                total
            })
            .collect();
        Vocabulary {
            words,
            counts,
            cumulative,
        }
    }

    /// A word index drawn by real frequency (Zipf-like, as the real text).
    pub fn sample(&self, rng: &mut impl Rng) -> usize {
        let total = self.cumulative.last().copied().unwrap_or(0);
        if total == 0 {
            return 0;
        }
        let x = rng.random_range(0..total);
        self.cumulative.partition_point(|&c| c <= x)
    }

    /// The `.vocab.txt` file: a header, then `word<TAB>real count<TAB>synthetic
    /// listings whose name or description has it`, most frequent first.
    pub fn listing(&self, docs: &[u64]) -> String {
        let mut text = String::from("# word\treal_count\tdocs\n");
        for (i, word) in self.words.iter().enumerate() {
            let d = docs.get(i).copied().unwrap_or(0);
            text.push_str(&format!("{word}\t{}\t{d}\n", self.counts[i]));
        }
        text
    }
}

// ---------------------------------------------------------------------------
// Generation
// ---------------------------------------------------------------------------

/// What sampling needs, built once from the real data.
pub struct Model<'g> {
    pub templates: Vec<Service>,
    /// Every real location point (lat, lon), for templates without one.
    pub placed: Vec<(f64, f64)>,
    pub vocabulary: Vocabulary,
    /// Census ZIP centres (not GeoNames' rough ones), by ZIP code.
    zips: Vec<&'g ZipPlace>,
    gazetteer: &'g Gazetteer,
}

impl<'g> Model<'g> {
    /// Builds the model from the templates and the gazetteer.
    pub fn new(templates: Vec<Service>, gazetteer: &'g Gazetteer) -> Model<'g> {
        let placed = templates
            .iter()
            .flat_map(|s| s.locations.iter().filter_map(Location::point))
            .collect();
        let mut zips: Vec<&ZipPlace> = gazetteer
            .zips()
            .filter(|z| !z.rough && !z.city.is_empty())
            .collect();
        // The gazetteer's own order is a hash map's: sort, so a seed means one file.
        zips.sort_by(|a, b| a.zip.cmp(&b.zip));
        let places = gazetteer
            .zips()
            .flat_map(|z| [z.city.as_str(), z.county.as_str()]);
        let vocabulary = Vocabulary::build(&templates, places);
        Model {
            templates,
            placed,
            vocabulary,
            zips,
            gazetteer,
        }
    }
}

/// What the query generator needs to know about the listings (`.facets.json`).
#[derive(Debug, Default, Clone, serde::Serialize, serde::Deserialize)]
pub struct Facets {
    pub listings: u64,
    pub locations: u64,
    /// Listings that Hearth's `is_free` says cost nothing.
    pub free: u64,
    /// Listings per category slug.
    pub categories: BTreeMap<String, u64>,
    /// Listings per ISO 639-1 language code.
    pub languages: BTreeMap<String, u64>,
}

/// Where the side files of the listings go.
pub struct Sinks<P: Write, S: Write> {
    /// `lat,lon` of every location.
    pub points: P,
    /// One [`SampleEntry`] a line for every [`SAMPLE_EVERY`]th listing.
    pub sample: S,
}

/// What the query generator knows of a sampled listing (`.sample.jsonl`).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct SampleEntry {
    /// Its first location.
    pub lat: f64,
    pub lon: f64,
    /// The vocabulary words of its name and description, sorted.
    pub words: Vec<String>,
    pub categories: Vec<String>,
    /// ISO 639-1 codes of its languages.
    pub languages: Vec<String>,
    pub free: bool,
    /// The quarter hours of the week from [`WEEK_START`] (UTC) at whose start
    /// Hearth's hours say its first location is open (empty when never known open).
    pub open: Vec<u16>,
}

/// The instant that starts quarter hour `slot` of the week from [`WEEK_START`].
pub fn slot_instant(slot: u16) -> chrono::DateTime<chrono::Utc> {
    use chrono::TimeZone;
    let (y, m, d) = WEEK_START;
    let start = chrono::Utc
        .with_ymd_and_hms(y, m, d, 0, 0, 0)
        .single()
        .unwrap_or_default();
    start + chrono::Duration::minutes(15 * i64::from(slot))
}

/// The quarter hours of the week at which `service` is open at `location`.
fn open_slots(service: &Service, location: &Location) -> Vec<u16> {
    if service.schedules.is_empty() && location.schedules.is_empty() {
        return Vec::new();
    }
    let hours = hearth::hours::listing_hours_at(service, Some(location));
    let zone = hearth::hours::zone_of(Some(location));
    (0..WEEK_SLOTS)
        .filter(|&q| hearth::hours::open_at(&hours, zone, slot_instant(q)) == Some(true))
        .collect()
}

/// Counts gathered while writing.
#[derive(Debug, Default)]
pub struct Stats {
    pub facets: Facets,
    /// Per vocabulary word: synthetic listings whose name or description has it.
    pub docs: Vec<u64>,
}

impl Stats {
    fn merge(&mut self, other: Stats) {
        let f = &mut self.facets;
        f.listings += other.facets.listings;
        f.locations += other.facets.locations;
        f.free += other.facets.free;
        for (k, v) in other.facets.categories {
            *f.categories.entry(k).or_default() += v;
        }
        for (k, v) in other.facets.languages {
            *f.languages.entry(k).or_default() += v;
        }
        if self.docs.len() < other.docs.len() {
            self.docs.resize(other.docs.len(), 0);
        }
        for (a, b) in self.docs.iter_mut().zip(other.docs) {
            *a += b;
        }
    }
}

/// One listing generated, with the vocabulary words (indices) of its name and description.
struct Generated {
    service: Service,
    words: Vec<usize>,
}

/// The seed of listing `i`'s own generator: each listing is drawn alone, so the
/// output does not depend on how many threads drew it.
fn listing_seed(seed: u64, i: u64) -> u64 {
    // SplitMix64 of the pair.
    let mut z = seed
        ^ i.wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .wrapping_add(0x632B_E59B_D9B4_E019);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Writes `n` listings as NDJSON to `out`, their points and a sample of them to `sinks`.
pub fn write_listings<P: Write, S: Write>(
    model: &Model<'_>,
    n: usize,
    seed: u64,
    out: &mut impl Write,
    sinks: &mut Sinks<P, S>,
) -> anyhow::Result<Stats> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 8);
    let mut stats = Stats {
        docs: vec![0; model.vocabulary.words.len()],
        ..Stats::default()
    };
    // Organizations: runs of 1 to 6 consecutive listings, drawn in order.
    let mut org_rng = ChaCha8Rng::seed_from_u64(seed);
    let mut org = 0u64;
    let mut left_in_org = 0u32;
    writeln!(sinks.points, "lat,lon")?;
    let mut start = 0;
    while start < n {
        let end = (start + BATCH).min(n);
        let orgs: Vec<u64> = (start..end)
            .map(|_| {
                if left_in_org == 0 {
                    org += 1;
                    left_in_org = org_rng.random_range(1..=6);
                }
                left_in_org -= 1;
                org
            })
            .collect();
        let chunk = (end - start).div_ceil(threads);
        let parts: Vec<anyhow::Result<Part>> = std::thread::scope(|scope| {
            let handles: Vec<_> = orgs
                .chunks(chunk)
                .enumerate()
                .map(|(t, orgs)| {
                    let lo = start + t * chunk;
                    scope.spawn(move || generate_range(model, seed, lo..lo + orgs.len(), orgs))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err(anyhow::anyhow!("a generator thread panicked")))
                })
                .collect()
        });
        for part in parts {
            let (lines, pts, sample, part_stats) = part?;
            out.write_all(&lines)?;
            sinks.points.write_all(&pts)?;
            sinks.sample.write_all(&sample)?;
            stats.merge(part_stats);
        }
        start = end;
    }
    Ok(stats)
}

/// What one thread generated: NDJSON lines, points lines, sample lines and counts.
type Part = (Vec<u8>, Vec<u8>, Vec<u8>, Stats);

/// Generates listings `range` (with their organizations) into NDJSON and points text.
fn generate_range(
    model: &Model<'_>,
    seed: u64,
    range: std::ops::Range<usize>,
    orgs: &[u64],
) -> anyhow::Result<Part> {
    let mut lines = Vec::with_capacity(range.len() * 4096);
    let mut pts = Vec::with_capacity(range.len() * 24);
    let mut sample = Vec::new();
    let mut stats = Stats {
        docs: vec![0; model.vocabulary.words.len()],
        ..Stats::default()
    };
    for (i, org) in range.zip(orgs) {
        let generated = generate_one(model, seed, i as u64, *org);
        let service = &generated.service;
        serde_json::to_writer(&mut lines, &hearth::export::hsds::service_full(service))?;
        lines.push(b'\n');
        for (lat, lon) in service.locations.iter().filter_map(Location::point) {
            writeln!(pts, "{lat},{lon}")?;
        }
        let f = &mut stats.facets;
        f.listings += 1;
        f.locations += service.locations.len() as u64;
        f.free += u64::from(is_free(service));
        for c in &service.categories {
            *f.categories.entry(c.slug().to_owned()).or_default() += 1;
        }
        let mut codes: Vec<&str> = service
            .languages
            .iter()
            .filter_map(|l| l.code.as_deref())
            .collect();
        codes.sort_unstable();
        codes.dedup();
        for code in &codes {
            *f.languages.entry((*code).to_owned()).or_default() += 1;
        }
        if i % SAMPLE_EVERY == 0
            && let Some(first) = service.locations.first()
            && let Some((lat, lon)) = first.point()
        {
            let entry = SampleEntry {
                lat,
                lon,
                words: generated
                    .words
                    .iter()
                    .map(|&w| model.vocabulary.words[w].clone())
                    .collect(),
                categories: service
                    .categories
                    .iter()
                    .map(|c| c.slug().to_owned())
                    .collect(),
                languages: codes.iter().map(|c| (*c).to_owned()).collect(),
                free: is_free(service),
                open: open_slots(service, first),
            };
            serde_json::to_writer(&mut sample, &entry)?;
            sample.push(b'\n');
        }
        for w in generated.words {
            stats.docs[w] += 1;
        }
    }
    Ok((lines, pts, sample, stats))
}

/// Listing `i`, drawn from its own generator.
fn generate_one(model: &Model<'_>, seed: u64, i: u64, org: u64) -> Generated {
    let mut rng = ChaCha8Rng::seed_from_u64(listing_seed(seed, i));
    let template = &model.templates[rng.random_range(0..model.templates.len())];
    let id = format!("bench-{seed}-{i:07}");
    let vocab = &model.vocabulary;
    let name_words: Vec<usize> = (0..rng.random_range(2..=5))
        .map(|_| vocab.sample(&mut rng))
        .collect();
    let description_words: Vec<usize> = (0..rng.random_range(8..=25))
        .map(|_| vocab.sample(&mut rng))
        .collect();
    let name = name_words
        .iter()
        .map(|&w| title_case(&vocab.words[w]))
        .collect::<Vec<_>>()
        .join(" ");
    let description = sentence(
        description_words.iter().map(|&w| vocab.words[w].as_str()),
        &mut rng,
    );
    let mut words: Vec<usize> = name_words
        .iter()
        .chain(&description_words)
        .copied()
        .collect();
    words.sort_unstable();
    words.dedup();

    let template_locations: Vec<&Location> = template
        .locations
        .iter()
        .filter(|l| l.point().is_some())
        .take(MAX_LOCATIONS)
        .collect();
    let count = template_locations.len().max(1);
    let locations = (0..count)
        .map(|k| {
            let like = template_locations.get(k).copied();
            place(model, like, &format!("{id}-{}", k + 1), &mut rng)
        })
        .collect();
    let fake_phone = |rng: &mut ChaCha8Rng| Phone {
        // 555-0100..0199 are the numbers set aside for fiction.
        number: format!("(555) 555-01{:02}", rng.random_range(0..100)),
        kind: Some("voice".into()),
        ..Phone::default()
    };
    let phones = if template.phones.is_empty() && template.primary_phone().is_none() {
        Vec::new()
    } else {
        vec![fake_phone(&mut rng)]
    };
    let mut service = Service {
        id: id.clone(),
        source: SourceRef {
            dataset: "hearth-bench".into(),
            id: id.clone(),
        },
        organization: Organization {
            id: format!("bench-{seed}-org-{org:06}"),
            name: format!("Synthetic Organization {org:05}"),
            description: Some(ORGANIZATION_DESCRIPTION.into()),
            ..Organization::default()
        },
        name,
        description: Some(description),
        url: template
            .safe_url()
            .map(|_| format!("https://example.org/hearth-bench/{id}")),
        email: template.email.as_ref().map(|_| format!("{id}@example.org")),
        status: ServiceStatus::Active,
        interpretation_services: template.interpretation_services.clone(),
        application_process: template.application_process.clone(),
        wait_time: template.wait_time.clone(),
        fees_description: template.fees_description.clone(),
        eligibility_description: template.eligibility_description.clone(),
        minimum_age: template.minimum_age,
        maximum_age: template.maximum_age,
        source_note: Some(SOURCE_NOTE.into()),
        categories: template.categories.clone(),
        needs: template.needs.clone(),
        taxonomy_terms: template.taxonomy_terms.clone(),
        languages: template
            .languages
            .iter()
            .map(|l| Language {
                name: l.name.clone(),
                code: l.code.clone(),
            })
            .collect(),
        phones,
        schedules: template.schedules.clone(),
        service_areas: template.service_areas.clone(),
        attributes: template
            .attributes
            .iter()
            .filter(|a| a.tag != "updated_by_organization")
            .cloned()
            .collect(),
        cost_options: template.cost_options.clone(),
        locations,
        ..Service::default()
    };
    // A template free only by its description or its list's rule (which the new
    // text and dataset do not carry) says so in a cost option instead, so the
    // share of free listings stays the real one.
    if is_free(template) && !is_free(&service) {
        service.cost_options.push(CostOption {
            option: Some("Free".into()),
            amount: Some(0.0),
            ..CostOption::default()
        });
    }
    Generated { service, words }
}

/// A location like `like` (its hours and accessibility notes), placed near it,
/// or near a random real location, or at a ZIP centroid.
fn place(model: &Model<'_>, like: Option<&Location>, id: &str, rng: &mut ChaCha8Rng) -> Location {
    let at_zip = rng.random_bool(ZIP_CENTROID_SHARE) && !model.zips.is_empty();
    let (lat, lon, approximate, zip) = if at_zip {
        let z = model.zips[rng.random_range(0..model.zips.len())];
        (z.lat, z.lon, true, Some(z))
    } else {
        let anchor = like
            .and_then(Location::point)
            .unwrap_or_else(|| model.placed[rng.random_range(0..model.placed.len())]);
        let (lat, lon) = jitter(anchor, rng);
        let zip = model
            .gazetteer
            .nearest_zip(lat, lon, hearth::geo::NEAREST_ZIP_MILES);
        (lat, lon, false, zip)
    };
    let address = zip.map(|z| Address {
        address_1: format!("{} {STREET}", rng.random_range(1..10_000)),
        // A few ZIPs (Puerto Rico's) have no city in the gazetteer: their municipio stands in.
        city: if z.city.is_empty() {
            z.county.clone()
        } else {
            z.city.clone()
        },
        state_province: z.state.clone(),
        postal_code: z.zip.clone(),
        country: "US".into(),
        ..Address::default()
    });
    Location {
        id: id.to_owned(),
        location_type: LocationType::Physical,
        latitude: Some(lat),
        longitude: Some(lon),
        approximate,
        address,
        schedules: like.map(|l| l.schedules.clone()).unwrap_or_default(),
        accessibility: like.map(|l| l.accessibility.clone()).unwrap_or_default(),
        ..Location::default()
    }
}

/// A point a log-uniform 200 m – 4 km from `anchor` in a uniform direction,
/// rounded to 6 decimals (about 10 cm), as the NDJSON and points file write it.
fn jitter(anchor: (f64, f64), rng: &mut impl Rng) -> (f64, f64) {
    let r = JITTER_MIN_M * (JITTER_MAX_M / JITTER_MIN_M).powf(rng.random::<f64>());
    let bearing = rng.random::<f64>() * std::f64::consts::TAU;
    let dlat = r * bearing.cos() / 111_320.0;
    let dlon = r * bearing.sin() / (111_320.0 * anchor.0.to_radians().cos().max(0.05));
    let round = |x: f64| (x * 1e6).round() / 1e6;
    let lat = round((anchor.0 + dlat).clamp(-89.9, 89.9));
    let mut lon = anchor.1 + dlon;
    if lon > 180.0 {
        lon -= 360.0;
    } else if lon < -180.0 {
        lon += 360.0;
    }
    (lat, round(lon))
}

fn title_case(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

/// Words as one or two sentences: capitalized, a full stop after each.
fn sentence<'a>(words: impl Iterator<Item = &'a str>, rng: &mut impl Rng) -> String {
    let words: Vec<&str> = words.collect();
    let split = if words.len() >= 12 && rng.random_bool(0.5) {
        rng.random_range(5..words.len() - 4)
    } else {
        words.len()
    };
    let mut text = String::new();
    for (i, part) in [&words[..split], &words[split..]].into_iter().enumerate() {
        if part.is_empty() {
            continue;
        }
        if i > 0 {
            text.push(' ');
        }
        text.push_str(&title_case(part[0]));
        for w in &part[1..] {
            text.push(' ');
            text.push_str(w);
        }
        text.push('.');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::OnceLock;

    fn data_dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../data")
    }

    struct Fixture {
        gazetteer: &'static Gazetteer,
        categories: &'static CategoryMap,
        templates: Vec<Service>,
    }

    /// Real templates from a few bundled sources (all of them take long in a debug build).
    fn fixture() -> &'static Fixture {
        static FIXTURE: OnceLock<Fixture> = OnceLock::new();
        FIXTURE.get_or_init(|| {
            let gazetteer: &'static Gazetteer = Box::leak(Box::new(Gazetteer::bundled().unwrap()));
            let categories: &'static CategoryMap =
                Box::leak(Box::new(CategoryMap::bundled().unwrap()));
            let ctx = ImportContext {
                gazetteer,
                categories,
            };
            let sources: Vec<PathBuf> = hearth::import::bundled_sources(&data_dir())
                .unwrap()
                .into_iter()
                .filter(|p| {
                    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
                    name.starts_with("miami")
                        || name.starts_with("food_pantries")
                        || name.starts_with("samhsa_mental")
                })
                .collect();
            assert_eq!(sources.len(), 3, "{sources:?}");
            Fixture {
                gazetteer,
                categories,
                templates: load_templates(ctx, &sources).unwrap(),
            }
        })
    }

    fn model() -> Model<'static> {
        let f = fixture();
        Model::new(f.templates.clone(), f.gazetteer)
    }

    fn generate(model: &Model<'_>, n: usize, seed: u64) -> (Vec<u8>, Vec<u8>, Stats) {
        let mut out = Vec::new();
        let mut sinks = Sinks {
            points: Vec::new(),
            sample: Vec::new(),
        };
        let stats = write_listings(model, n, seed, &mut out, &mut sinks).unwrap();
        let sampled = sinks.sample.iter().filter(|&&b| b == b'\n').count();
        assert_eq!(sampled, n.div_ceil(SAMPLE_EVERY));
        (out, sinks.points, stats)
    }

    #[test]
    fn the_same_seed_gives_the_same_bytes_and_another_seed_does_not() {
        let model = model();
        let (a, pa, _) = generate(&model, 300, 42);
        let (b, pb, _) = generate(&model, 300, 42);
        assert!(a == b && pa == pb, "same seed, different output");
        let (c, _, _) = generate(&model, 300, 43);
        assert_ne!(a, c);
        assert_eq!(a.iter().filter(|&&b| b == b'\n').count(), 300);
    }

    #[test]
    fn vocabulary_words_are_their_own_stems_and_no_two_share_one() {
        let model = model();
        let words = &model.vocabulary.words;
        assert!(words.len() > 1000, "only {} words", words.len());
        let english = Stemmer::new(Algorithm::English);
        let porter = Stemmer::new(Algorithm::Porter);
        let mut stems = HashSet::new();
        let mut porter_stems = HashSet::new();
        for w in words {
            assert!(
                w.len() >= 3 && w.bytes().all(|b| b.is_ascii_lowercase()),
                "{w}"
            );
            assert!(!STOP_WORDS.contains(&w.as_str()), "{w}");
            assert_eq!(english.stem(w), w.as_str(), "{w} is not its own stem");
            assert!(
                stems.insert(english.stem(w).into_owned()),
                "{w}: stem shared"
            );
            assert!(
                porter_stems.insert(porter.stem(w).into_owned()),
                "{w}: Porter stem shared"
            );
        }
        // Frequencies as the real text's: most frequent first, a long tail.
        let c = &model.vocabulary.counts;
        assert!(c.windows(2).all(|p| p[0] >= p[1]));
        assert!(c[0] > 50 * c[c.len() / 2], "{} vs {}", c[0], c[c.len() / 2]);
    }

    #[test]
    fn no_vocabulary_word_is_a_word_of_a_need_phrase_even_with_accents() {
        let model = model();
        let words: HashSet<&str> = model.vocabulary.words.iter().map(String::as_str).collect();
        // `currículum` (employment) folds to a word that is otherwise plain English.
        assert!(!words.contains("curriculum"));
        for term in hearth::model::vocabulary() {
            for word in hearth::index::folded_words(&term.phrase) {
                assert!(!words.contains(word.as_str()), "{word} of {}", term.phrase);
            }
        }
    }

    #[test]
    fn names_and_descriptions_use_only_vocabulary_words() {
        let model = model();
        let vocab: HashSet<&str> = model.vocabulary.words.iter().map(String::as_str).collect();
        for i in 0..200 {
            let g = generate_one(&model, 7, i, 1);
            let n = g.service.name.split(' ').count();
            assert!((2..=5).contains(&n), "{}", g.service.name);
            let d = g.service.description.unwrap_or_default();
            let dn = d.split(' ').count();
            assert!((8..=25).contains(&dn), "{d}");
            for t in tokens(&g.service.name).chain(tokens(&d)) {
                assert!(vocab.contains(t.as_str()), "{t}");
            }
        }
    }

    #[test]
    fn generated_listings_import_back_active_with_their_categories_and_points() {
        let f = fixture();
        let model = model();
        let ctx = ImportContext {
            gazetteer: f.gazetteer,
            categories: f.categories,
        };
        let (mut free_synthetic, mut approximate) = (0, 0);
        let n = 400;
        for i in 0..n {
            let g = generate_one(&model, 42, i, i / 3 + 1);
            let value = hearth::export::hsds::service_full(&g.service);
            let back = hearth::import::service_from_value(ctx, "bench", &g.service.id, &value)
                .unwrap_or_else(|e| panic!("{}: {e}", g.service.id));
            assert_eq!(back.status, ServiceStatus::Active);
            assert_eq!(back.categories, g.service.categories, "{}", g.service.id);
            assert_eq!(back.needs, g.service.needs, "{}", g.service.id);
            assert_eq!(back.name, g.service.name);
            assert_eq!(back.source_note.as_deref(), Some(SOURCE_NOTE));
            assert_eq!(back.locations.len(), g.service.locations.len());
            for (b, s) in back.locations.iter().zip(&g.service.locations) {
                let (p, q) = (b.point().unwrap(), s.point().unwrap());
                assert!(
                    (p.0 - q.0).abs() < 1e-9 && (p.1 - q.1).abs() < 1e-9,
                    "{p:?} {q:?}"
                );
                assert_eq!(b.approximate, s.approximate);
                approximate += usize::from(s.approximate);
            }
            assert_eq!(is_free(&back), is_free(&g.service), "{}", g.service.id);
            free_synthetic += usize::from(is_free(&g.service));
        }
        let free_real = model.templates.iter().filter(|t| is_free(t)).count();
        let real_share = free_real as f64 / model.templates.len() as f64;
        let synthetic_share = free_synthetic as f64 / n as f64;
        assert!(
            (real_share - synthetic_share).abs() < 0.08,
            "{real_share} vs {synthetic_share}"
        );
        assert!(approximate > 0, "no listing placed at a ZIP centroid");
    }

    #[test]
    fn jitter_stays_within_a_few_kilometres() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for _ in 0..1000 {
            let p = jitter((40.7, -74.0), &mut rng);
            let d = hearth::geo::distance_miles((40.7, -74.0), p) * hearth::geo::METRES_PER_MILE;
            assert!((150.0..=4100.0).contains(&d), "{d}");
        }
    }
}
