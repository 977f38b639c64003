//! `hearth-bench sqlite`: the SQLite baseline, in process. FTS5 (`porter
//! unicode61`) for text, an R*Tree of location points for place, filters as
//! tables or columns; loads the listings, checks every query's match set
//! against the oracle, then times the queries closed loop, one client.
//!
//! Rows, hours intervals, the gate and the report are shared with the
//! PostgreSQL baseline (`postgres_baseline::shared`); this module owns the
//! SQLite schema, the query shapes and the timing. Engine time is the
//! in-process time of a query: binding, stepping every row and reading the ids.
//!
//! # Schema
//!
//! `listing(n integer primary key, id, name, description, free)`,
//! `location(n, listing, lat, lon)` (a listing without a located location has
//! one row with null `lat`/`lon`, for `open_now`), the R*Tree
//! `location_rtree(n, min_lat, max_lat, min_lon, max_lon)` of located points
//! (32-bit boxes, rounded outwards by SQLite), and `open_hours(location, opens,
//! closes)`: UTC seconds, the hours materialized over the query file's week
//! (see `shared`). A place matches a radius when it is in the R*Tree's box
//! *and* `haversine_miles(lat, lon, loc.lat, loc.lon) <= miles` — a Rust scalar
//! function registered on the connection that calls Hearth's own
//! [`hearth::geo::distance_miles`], the oracle's distance.
//!
//! # Variants
//!
//! - **typical**: an FTS5 table holding its own copy of the text, categories and
//!   languages as `listing_category` / `listing_language` tables joined with
//!   `EXISTS`, an index on each foreign key; no `ANALYZE`.
//! - **tuned**: a contentless FTS5 table (`content=''`, `detail=none`: no copy
//!   of the text, no positions), categories and languages as bit masks on the
//!   listing row (no join), covering indexes on `location(listing, lat, lon)`
//!   and `open_hours(location, opens, closes)`, `ANALYZE` and `PRAGMA optimize`
//!   after the load, the FTS index merged into one segment.
//!
//! Both run in WAL mode with `mmap_size` set to 1 GiB.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};
use rusqlite::functions::FunctionFlags;
use rusqlite::types::Value;
use rusqlite::{Connection, params};
use serde_json::json;

use hearth::model::{Category, LANGUAGES};

use crate::oracle::{self, Query, words};
use crate::postgres_baseline::Variant;
use crate::shared::{self, Gate, Got, Horizon, Recorder, Rows};

/// A limit larger than any query's match count, for the gate.
const EVERY_MATCH: usize = 100_000_000;

/// `hearth-bench sqlite`: SQLite FTS5 + R*Tree against the oracle, then timed.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The database file (replaced).
    #[arg(long)]
    db: PathBuf,
    #[command(flatten)]
    common: crate::shared::BaselineArgs,
}

/// Runs `hearth-bench sqlite`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let variant = Variant::parse(&args.common.variant)?;
    let queries = args.common.read_queries()?;
    let answers = shared::answers_by_id(oracle::read_answers(&args.common.oracle)?);
    let rows = shared::read_rows(&args.common.listings, Horizon::of(&queries))?;
    eprintln!(
        "sqlite: read {} listings ({} places, {} open intervals, {} hours patterns; {} lines skipped) in {:.1} s",
        rows.listings.len(),
        rows.places(),
        rows.intervals(),
        rows.patterns,
        rows.skipped,
        rows.seconds
    );
    for suffix in ["", "-wal", "-shm"] {
        let mut path = args.db.as_os_str().to_owned();
        path.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(path));
    }
    let conn = open(&args.db)?;
    let load = load(&conn, &rows, variant)?;
    drop(rows);
    let bytes = file_bytes(&args.db);
    eprintln!(
        "sqlite ({}): loaded in {:.1} s, indexed in {:.1} s; {:.1} MB on disk",
        variant.name(),
        load.insert_seconds,
        load.index_seconds,
        bytes as f64 / 1e6
    );

    let gating = Instant::now();
    let mut gate = Gate::default();
    for query in &queries {
        let Some(answer) = answers.get(&query.id) else {
            bail!("query {}: not in the oracle file", query.id);
        };
        let got = search(&conn, query, variant, EVERY_MATCH)
            .with_context(|| format!("query {}", query.id))?;
        gate.check(query, &shared::query_text(query), answer, &got);
    }
    gate.seconds = gating.elapsed().as_secs_f64();
    gate.print(&format!("sqlite ({})", variant.name()));

    let timing = shared::time_if_gated(
        &gate,
        &format!("sqlite ({})", variant.name()),
        args.common.time_anyway,
        || time(&conn, &queries, variant, args.common.rounds),
    )?;
    if let Some(t) = &timing {
        t.engine.print(&format!(
            "sqlite ({}) engine time (in process)",
            variant.name()
        ));
        println!(
            "{} queries in {:.2} s ({} rounds)",
            t.queries, t.seconds, t.rounds
        );
    }
    if let Some(out) = &args.common.out {
        let report = json!({
            "backend": "sqlite",
            "variant": variant.name(),
            "version": rusqlite::version(),
            "load": load,
            "bytes": bytes,
            "gate": gate,
            "timed": timing.is_some(),
            "timing": timing,
        });
        shared::write_json(out, &report)?;
    }
    Ok(())
}

/// The database and its WAL, in bytes.
fn file_bytes(db: &Path) -> u64 {
    ["", "-wal"]
        .iter()
        .map(|suffix| {
            let mut path = db.as_os_str().to_owned();
            path.push(suffix);
            std::fs::metadata(PathBuf::from(path)).map_or(0, |m| m.len())
        })
        .sum()
}

/// Opens a connection in WAL mode with mmap, and registers `haversine_miles`.
pub fn open(path: &Path) -> anyhow::Result<Connection> {
    let conn = Connection::open(path).with_context(|| format!("opening {}", path.display()))?;
    configure(&conn)?;
    Ok(conn)
}

fn configure(conn: &Connection) -> anyhow::Result<()> {
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "mmap_size", 1_i64 << 30)?;
    conn.pragma_update(None, "cache_size", -262_144_i64)?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    conn.create_scalar_function(
        "haversine_miles",
        4,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            let a: Option<f64> = ctx.get(0)?;
            let b: Option<f64> = ctx.get(1)?;
            let c: Option<f64> = ctx.get(2)?;
            let d: Option<f64> = ctx.get(3)?;
            Ok(match (a, b, c, d) {
                (Some(a), Some(b), Some(c), Some(d)) => {
                    Some(hearth::geo::distance_miles((a, b), (c, d)))
                }
                _ => None,
            })
        },
    )?;
    Ok(())
}

/// What loading cost.
#[derive(Debug, serde::Serialize)]
pub struct Load {
    pub listings: usize,
    pub places: usize,
    pub intervals: usize,
    /// Inserting every row (FTS5 and R*Tree indexing as rows go in).
    pub insert_seconds: f64,
    /// The B-tree indexes, and for tuned ANALYZE and the FTS merge.
    pub index_seconds: f64,
}

fn schema(variant: Variant) -> &'static str {
    match variant {
        Variant::Typical => {
            "CREATE TABLE listing (n INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
               description TEXT NOT NULL, free INTEGER NOT NULL);
             CREATE TABLE listing_category (listing INTEGER NOT NULL, category TEXT NOT NULL);
             CREATE TABLE listing_language (listing INTEGER NOT NULL, language TEXT NOT NULL);
             CREATE VIRTUAL TABLE listing_fts USING fts5(name, description, tokenize = 'porter unicode61');
             CREATE TABLE location (n INTEGER PRIMARY KEY, listing INTEGER NOT NULL, lat REAL, lon REAL);
             CREATE VIRTUAL TABLE location_rtree USING rtree(n, min_lat, max_lat, min_lon, max_lon);
             CREATE TABLE open_hours (location INTEGER NOT NULL, opens INTEGER NOT NULL, closes INTEGER NOT NULL);"
        }
        Variant::Tuned => {
            "CREATE TABLE listing (n INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
               description TEXT NOT NULL, free INTEGER NOT NULL, categories INTEGER NOT NULL,
               languages INTEGER NOT NULL);
             CREATE VIRTUAL TABLE listing_fts USING fts5(name, description, content = '', detail = none,
               tokenize = 'porter unicode61');
             CREATE TABLE location (n INTEGER PRIMARY KEY, listing INTEGER NOT NULL, lat REAL, lon REAL);
             CREATE VIRTUAL TABLE location_rtree USING rtree(n, min_lat, max_lat, min_lon, max_lon);
             CREATE TABLE open_hours (location INTEGER NOT NULL, opens INTEGER NOT NULL, closes INTEGER NOT NULL);"
        }
    }
}

fn indexes(variant: Variant) -> &'static str {
    match variant {
        Variant::Typical => {
            "CREATE INDEX listing_category_listing ON listing_category (listing);
             CREATE INDEX listing_language_listing ON listing_language (listing);
             CREATE INDEX location_listing ON location (listing);
             CREATE INDEX open_hours_location ON open_hours (location);"
        }
        Variant::Tuned => {
            "CREATE INDEX location_listing ON location (listing, lat, lon);
             CREATE INDEX open_hours_location ON open_hours (location, opens, closes);
             INSERT INTO listing_fts (listing_fts) VALUES ('optimize');
             ANALYZE;
             PRAGMA optimize;"
        }
    }
}

/// Bit `i` for `Category::ALL[i]` (0 for an unknown slug).
fn category_bit(slug: &str) -> i64 {
    Category::ALL
        .iter()
        .position(|c| c.slug() == slug)
        .map_or(0, |i| 1 << i)
}

/// Bit `i` for `LANGUAGES[i]` (0 for an unknown code).
fn language_bit(code: &str) -> i64 {
    LANGUAGES
        .iter()
        .position(|(c, _)| *c == code)
        .map_or(0, |i| 1 << i)
}

/// Inserts every row in one transaction, then builds the indexes.
pub fn load(conn: &Connection, rows: &Rows, variant: Variant) -> anyhow::Result<Load> {
    conn.execute_batch(schema(variant))?;
    let inserting = Instant::now();
    conn.execute_batch("BEGIN")?;
    {
        let mut listing = match variant {
            Variant::Typical => conn.prepare(
                "INSERT INTO listing (n, id, name, description, free) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?,
            Variant::Tuned => conn.prepare(
                "INSERT INTO listing (n, id, name, description, free, categories, languages)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?,
        };
        let mut fts =
            conn.prepare("INSERT INTO listing_fts (rowid, name, description) VALUES (?1, ?2, ?3)")?;
        let mut category = conn
            .prepare("INSERT INTO listing_category VALUES (?1, ?2)")
            .ok();
        let mut language = conn
            .prepare("INSERT INTO listing_language VALUES (?1, ?2)")
            .ok();
        let mut location =
            conn.prepare("INSERT INTO location (n, listing, lat, lon) VALUES (?1, ?2, ?3, ?4)")?;
        let mut rtree = conn.prepare("INSERT INTO location_rtree VALUES (?1, ?2, ?2, ?3, ?3)")?;
        let mut hours = conn.prepare("INSERT INTO open_hours VALUES (?1, ?2, ?3)")?;
        let mut place_n = 0i64;
        for (i, l) in rows.listings.iter().enumerate() {
            let n = i as i64 + 1;
            match variant {
                Variant::Typical => {
                    listing.execute(params![n, l.id, l.name, l.description, l.free])?;
                    if let Some(category) = category.as_mut() {
                        for c in &l.categories {
                            category.execute(params![n, c])?;
                        }
                    }
                    if let Some(language) = language.as_mut() {
                        for code in &l.languages {
                            language.execute(params![n, code])?;
                        }
                    }
                }
                Variant::Tuned => {
                    let categories = l
                        .categories
                        .iter()
                        .map(|c| category_bit(c))
                        .fold(0, |a, b| a | b);
                    let languages = l
                        .languages
                        .iter()
                        .map(|c| language_bit(c))
                        .fold(0, |a, b| a | b);
                    listing.execute(params![
                        n,
                        l.id,
                        l.name,
                        l.description,
                        l.free,
                        categories,
                        languages
                    ])?;
                }
            }
            fts.execute(params![n, l.name, l.description])?;
            for p in &l.places {
                place_n += 1;
                let (lat, lon) = p.point.unzip();
                location.execute(params![place_n, n, lat, lon])?;
                if let Some((lat, lon)) = p.point {
                    rtree.execute(params![place_n, lat, lon])?;
                }
                for (a, b) in p.open.iter() {
                    hours.execute(params![place_n, a, b])?;
                }
            }
        }
    }
    conn.execute_batch("COMMIT")?;
    let insert_seconds = inserting.elapsed().as_secs_f64();
    let indexing = Instant::now();
    conn.execute_batch(indexes(variant))?;
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")?;
    Ok(Load {
        listings: rows.listings.len(),
        places: rows.places(),
        intervals: rows.intervals(),
        insert_seconds,
        index_seconds: indexing.elapsed().as_secs_f64(),
    })
}

/// A query as SQL with its parameters.
#[derive(Debug, Clone)]
pub struct Sql {
    pub text: String,
    pub params: Vec<Value>,
}

/// The FTS5 query for a text: every word quoted, all required; `None` when it has no word.
fn match_expression(text: &str) -> Option<String> {
    let terms: Vec<String> = words(text).map(|w| format!("\"{w}\"")).collect();
    (!terms.is_empty()).then(|| terms.join(" AND "))
}

/// Writes `query` as SQL for `variant`; `limit` rows at most.
pub fn sql(query: &Query, variant: Variant, limit: usize) -> anyhow::Result<Sql> {
    let mut params: Vec<Value> = Vec::new();
    let mut p = |v: Value| {
        params.push(v);
        format!("?{}", params.len())
    };
    let mut listing_where: Vec<String> = Vec::new();
    let text = query.text.as_deref().filter(|t| !t.trim().is_empty());
    let fts = match text {
        Some(t) => match match_expression(t) {
            Some(m) => Some(p(Value::Text(m))),
            None => {
                // Text with no word in it matches nothing, as in the oracle.
                listing_where.push("0".into());
                None
            }
        },
        None => None,
    };
    if let Some(m) = &fts {
        listing_where.push(format!("listing_fts MATCH {m}"));
    }
    if let Some(c) = query.category()? {
        match variant {
            Variant::Typical => {
                let c = p(Value::Text(c.slug().to_owned()));
                listing_where.push(format!(
                    "EXISTS (SELECT 1 FROM listing_category c WHERE c.listing = l.n AND c.category = {c})"
                ));
            }
            Variant::Tuned => {
                let bit = p(Value::Integer(category_bit(c.slug())));
                listing_where.push(format!("(l.categories & {bit}) != 0"));
            }
        }
    }
    if let Some(code) = query.language()? {
        match variant {
            Variant::Typical => {
                let c = p(Value::Text(code.to_owned()));
                listing_where.push(format!(
                    "EXISTS (SELECT 1 FROM listing_language g WHERE g.listing = l.n AND g.language = {c})"
                ));
            }
            Variant::Tuned => {
                let bit = p(Value::Integer(language_bit(code)));
                listing_where.push(format!("(l.languages & {bit}) != 0"));
            }
        }
    }
    if query.free {
        listing_where.push("l.free".into());
    }
    let mut location_where: Vec<String> = Vec::new();
    let mut distance = None;
    let mut rtree_box = None;
    if let Some((lat, lon, miles)) = query.place()? {
        let (min_lat, max_lat, min_lon, max_lon) = shared::bounding_box(lat, lon, miles);
        let (lat, lon, miles) = (
            p(Value::Real(lat)),
            p(Value::Real(lon)),
            p(Value::Real(miles)),
        );
        let bounds = [min_lat, max_lat, min_lon, max_lon].map(|b| p(Value::Real(b)));
        let exact = format!("haversine_miles({lat}, {lon}, loc.lat, loc.lon)");
        location_where.push(format!("{exact} <= {miles}"));
        distance = Some(exact);
        rtree_box = Some(bounds);
    }
    if let Some(at) = query.open_at()? {
        let at = p(Value::Integer(at.timestamp()));
        location_where.push(format!(
            "EXISTS (SELECT 1 FROM open_hours h WHERE h.location = loc.n AND h.opens <= {at} AND h.closes > {at})"
        ));
    }
    let browse = query.kind == "browse";
    let from = if fts.is_some() {
        "listing_fts JOIN listing l ON l.n = listing_fts.rowid"
    } else {
        "listing l"
    };
    let listing_where = if listing_where.is_empty() {
        "1".to_owned()
    } else {
        listing_where.join(" AND ")
    };
    let sql = match (&distance, &rtree_box, browse) {
        (Some(distance), Some([a, b, c, d]), true) => format!(
            "SELECT l.id, min({distance}) AS d
             FROM location_rtree r JOIN location loc ON loc.n = r.n JOIN {from} ON l.n = loc.listing
             WHERE r.max_lat >= {a} AND r.min_lat <= {b} AND r.max_lon >= {c} AND r.min_lon <= {d}
               AND {listing_where} AND {}
             GROUP BY l.n ORDER BY d, l.id LIMIT {limit}",
            location_where.join(" AND ")
        ),
        _ => {
            let mut located = location_where.clone();
            if let Some([a, b, c, d]) = &rtree_box {
                located.insert(
                    0,
                    match variant {
                        // Typical: the R*Tree as a lookup, per listing's location.
                        Variant::Typical => format!(
                            "loc.n IN (SELECT r.n FROM location_rtree r WHERE r.max_lat >= {a} AND r.min_lat <= {b} AND r.max_lon >= {c} AND r.min_lon <= {d})"
                        ),
                        // Tuned: the covering (listing, lat, lon) index answers the box.
                        Variant::Tuned => format!(
                            "loc.lat BETWEEN {a} AND {b} AND loc.lon BETWEEN {c} AND {d}"
                        ),
                    },
                );
            }
            let located = if located.is_empty() {
                String::new()
            } else {
                format!(
                    " AND EXISTS (SELECT 1 FROM location loc WHERE loc.listing = l.n AND {})",
                    located.join(" AND ")
                )
            };
            let order = if fts.is_some() {
                "listing_fts.rank, l.id"
            } else {
                "l.id"
            };
            format!(
                "SELECT l.id FROM {from} WHERE {listing_where}{located} ORDER BY {order} LIMIT {limit}"
            )
        }
    };
    Ok(Sql { text: sql, params })
}

/// The ids a query returns (browse: nearest first).
pub fn search(
    conn: &Connection,
    query: &Query,
    variant: Variant,
    limit: usize,
) -> anyhow::Result<Got> {
    let sql = sql(query, variant, limit)?;
    let mut statement = conn
        .prepare_cached(&sql.text)
        .with_context(|| format!("preparing {}", sql.text))?;
    let mut rows = statement.query(rusqlite::params_from_iter(sql.params.iter()))?;
    let mut ids = Vec::new();
    while let Some(row) = rows.next()? {
        ids.push(row.get::<_, String>(0)?);
    }
    Ok(Got { ids })
}

/// The closed-loop timings.
#[derive(Debug, serde::Serialize)]
struct Timing {
    rounds: u32,
    queries: u64,
    seconds: f64,
    /// In-process time of each query: bind, step every row, read the ids.
    engine: shared::Measure,
}

fn time(
    conn: &Connection,
    queries: &[Query],
    variant: Variant,
    rounds: u32,
) -> anyhow::Result<Timing> {
    conn.set_prepared_statement_cache_capacity(256);
    let mut engine = Recorder::new()?;
    let started = Instant::now();
    let mut count = 0u64;
    let mut read = 0usize;
    // The SQL text is made before the clock starts (an app builds it from a form, not per row).
    let prepared: Vec<Sql> = queries
        .iter()
        .map(|q| sql(q, variant, q.limit))
        .collect::<anyhow::Result<_>>()?;
    let mut shapes: HashMap<&str, usize> = HashMap::new();
    for s in &prepared {
        *shapes.entry(s.text.as_str()).or_default() += 1;
    }
    for _ in 0..rounds {
        for (query, sql) in queries.iter().zip(&prepared) {
            let t = Instant::now();
            let mut statement = conn.prepare_cached(&sql.text)?;
            let mut rows = statement.query(rusqlite::params_from_iter(sql.params.iter()))?;
            let mut ids: Vec<String> = Vec::new();
            while let Some(row) = rows.next()? {
                ids.push(row.get(0)?);
            }
            engine.record(&query.kind, shared::nanos(t.elapsed()))?;
            read += ids.len();
            count += 1;
        }
    }
    std::hint::black_box(read);
    Ok(Timing {
        rounds,
        queries: count,
        seconds: started.elapsed().as_secs_f64(),
        engine: engine.report(),
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::oracle::tests::{NYC, full, line, listings, location, query};
    use hearth::model::{Language, Service};

    /// Hand-made listings: text in name and description, two places, hours, filters.
    pub(crate) fn fixture_lines() -> Vec<String> {
        let north = (NYC.0 + 0.1, NYC.1);
        let far = (NYC.0 + 1.0, NYC.1);
        let spanish = Service {
            id: "es".into(),
            name: "Clinic".into(),
            description: Some("Free clinic for the neighborhood.".into()),
            locations: vec![location("1", north, true)],
            categories: vec![Category::Health],
            languages: vec![Language {
                name: "Spanish".into(),
                code: None,
            }],
            ..Service::default()
        };
        vec![
            line(
                "a",
                "Food Pantry",
                "Groceries every week; walk-in.",
                vec![location("1", NYC, true)],
            ),
            line(
                "b",
                "Foodbank of the City",
                "Pantry-style shelves.",
                vec![location("1", north, false)],
            ),
            line(
                "c",
                "Pantry",
                "Food",
                vec![location("1", far, true), location("2", NYC, false)],
            ),
            line(
                "d",
                "Grocery Shelf",
                "Groceries",
                vec![location("1", NYC, true)],
            ),
            full(spanish),
        ]
    }

    /// Queries over [`fixture_lines`]: text, place edges, open now, filters, browse order.
    pub(crate) fn fixture_queries() -> Vec<Query> {
        let edge = hearth::geo::distance_miles(NYC, (NYC.0 + 0.1, NYC.1));
        let monday_morning = "2026-11-23T15:30:00Z";
        let monday_evening = "2026-11-23T23:30:00Z";
        let mut id = 0;
        let mut q = |mut json: serde_json::Value| {
            id += 1;
            json["id"] = id.into();
            query(json)
        };
        vec![
            q(serde_json::json!({"text": "FOOD pantry"})),
            q(serde_json::json!({"text": "pantry"})),
            q(serde_json::json!({"text": "walk"})),
            q(serde_json::json!({"text": "pan"})),
            q(serde_json::json!({"text": "- *"})),
            q(serde_json::json!({"text": "groceries", "open_now": true, "at": monday_morning})),
            q(
                serde_json::json!({"kind": "browse", "lat": NYC.0, "lon": NYC.1, "radius_miles": edge}),
            ),
            q(
                serde_json::json!({"kind": "browse", "lat": NYC.0, "lon": NYC.1, "radius_miles": edge * (1.0 - 1e-9)}),
            ),
            q(
                serde_json::json!({"kind": "browse", "lat": NYC.0, "lon": NYC.1, "radius_miles": 100.0,
                "open_now": true, "at": monday_morning}),
            ),
            q(
                serde_json::json!({"kind": "keyword_radius", "text": "pantry", "lat": NYC.0, "lon": NYC.1,
                "radius_miles": 5.0, "open_now": true, "at": monday_morning}),
            ),
            q(
                serde_json::json!({"kind": "keyword_radius", "text": "pantry", "lat": NYC.0, "lon": NYC.1,
                "radius_miles": 5.0, "open_now": true, "at": monday_evening}),
            ),
            q(serde_json::json!({"language": "es"})),
            q(serde_json::json!({"category": "health", "free": true})),
            q(
                serde_json::json!({"category": "food", "lat": NYC.0, "lon": NYC.1, "radius_miles": 200.0, "kind": "browse"}),
            ),
        ]
    }

    #[test]
    fn sqlite_agrees_with_the_oracle_on_hand_made_listings() {
        let lines = fixture_lines();
        let oracle = listings(&lines);
        let queries = fixture_queries();
        let dir = std::env::temp_dir().join(format!("hearth-sqlite-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("listings.ndjson");
        std::fs::write(&path, lines.join("\n")).unwrap();
        let rows = shared::read_rows(&path, Horizon::of(&queries)).unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(rows.listings.len(), 5);
        for variant in [Variant::Typical, Variant::Tuned] {
            let conn = Connection::open_in_memory().unwrap();
            configure(&conn).unwrap();
            load(&conn, &rows, variant).unwrap();
            let mut nonempty = 0;
            for q in &queries {
                let answer = oracle.answer(q).unwrap();
                nonempty += usize::from(!answer.matches.is_empty());
                let got = search(&conn, q, variant, EVERY_MATCH).unwrap();
                let mut gate = Gate::default();
                gate.check(q, "", &answer, &got);
                assert!(
                    gate.passed(),
                    "{variant:?} query {}: {:?}",
                    q.id,
                    gate.examples
                );
            }
            // The fixture is not all empty answers (a gate that cannot fail).
            assert!(nonempty >= 9, "{nonempty}");
            // Limits cut the answer; browse stays nearest first.
            let browse = &queries[8];
            let got = search(&conn, browse, variant, 1).unwrap();
            assert_eq!(got.ids.len(), 1);
        }
    }

    #[test]
    fn fts_queries_quote_every_word() {
        assert_eq!(
            match_expression("food-pantry OR near").as_deref(),
            Some("\"food\" AND \"pantry\" AND \"or\" AND \"near\"")
        );
        assert_eq!(match_expression("- *"), None);
    }
}
