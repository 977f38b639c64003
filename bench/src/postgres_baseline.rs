//! `hearth-bench postgres`: the PostgreSQL + PostGIS baseline. Loads the
//! listings with COPY, checks every query's match set against the oracle,
//! then times the queries closed loop, one client.
//!
//! The server is `bench/postgres.sh`'s (loopback, a temporary directory,
//! configured from PostgreSQL's documentation); this module owns the schema,
//! the two query shapes and the timing. Rows, hours intervals, the gate and the
//! report are shared with the SQLite baseline (`shared`).
//!
//! # Schema
//!
//! `listing(id text primary key, name, description, categories text[],
//! languages text[], free bool [, doc tsvector])`, `location(id int,
//! listing_id text, geog geography(Point,4326), lat, lon)` (a listing without a
//! located location has one row with a null point, for `open_now`), and
//! `open_hours(location_id, opens bigint, closes bigint)`: UTC seconds, the
//! listing's hours materialized over the query file's week (see `shared`).
//!
//! # Variants
//!
//! - **typical**, as an Ohana API-style app writes it: `to_tsvector('english',
//!   name || ' ' || description) @@ plainto_tsquery('english', $text)` computed
//!   at query time (a GIN expression index on the same expression), `$c =
//!   ANY(categories)`, `ST_DWithin(geog, ST_MakePoint(lon, lat)::geography, m,
//!   false)` with a GiST index, an index on each foreign key; ORDER BY
//!   `ts_rank` or distance. No ANALYZE beyond autovacuum's.
//! - **tuned**: a stored (generated) `tsvector` column with GIN, GiST on
//!   geography, GIN on the category and language arrays (`@>`), a partial index
//!   on free listings, a covering B-tree on hours `(location_id, opens) INCLUDE
//!   (closes)`, the exact haversine check in SQL (the oracle's formula and
//!   radius), `VACUUM ANALYZE` after the load, and custom plans for every
//!   execution.
//!
//! Both pass `use_spheroid = false` to PostGIS: the oracle measures on a sphere
//! (haversine, mean radius), PostGIS's default spheroid differs from it by up
//! to 0.5 %, which would change the match sets at the radius edge.
//!
//! # Timing
//!
//! Engine time is the server's own: each timed query runs as `EXPLAIN (ANALYZE,
//! TIMING OFF, SUMMARY ON, FORMAT JSON)`, and "Planning Time" + "Execution
//! Time" are recorded; then the plain query runs and its client round trip
//! (prepared statement, loopback TCP, rows read) is recorded separately.

use std::collections::HashMap;
use std::io::Write;
use std::time::Instant;

use anyhow::{Context, bail};
use postgres::types::ToSql;
use postgres::{Client, NoTls, Statement};
use serde_json::json;

use crate::oracle::{self, Query};
use crate::shared::{Gate, Got, Horizon, ListingRow, Recorder, Rows};

/// A limit larger than any query's match count, for the gate.
const EVERY_MATCH: usize = 100_000_000;

/// `hearth-bench postgres`: PostgreSQL + PostGIS against the oracle, then timed.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The server (`bench/postgres.sh start` prints it).
    #[arg(long, default_value = "postgres://bench@127.0.0.1:55432/bench")]
    url: String,
    #[command(flatten)]
    common: crate::shared::BaselineArgs,
}

/// Which way the schema and queries are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    Typical,
    Tuned,
}

impl Variant {
    /// Reads `typical` or `tuned`.
    pub fn parse(text: &str) -> anyhow::Result<Variant> {
        match text {
            "typical" => Ok(Variant::Typical),
            "tuned" => Ok(Variant::Tuned),
            other => bail!("--variant {other:?}: use typical or tuned"),
        }
    }

    /// Its name.
    pub fn name(self) -> &'static str {
        match self {
            Variant::Typical => "typical",
            Variant::Tuned => "tuned",
        }
    }
}

/// Runs `hearth-bench postgres`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let variant = Variant::parse(&args.common.variant)?;
    let queries = args.common.read_queries()?;
    let answers = crate::shared::answers_by_id(oracle::read_answers(&args.common.oracle)?);
    let rows = crate::shared::read_rows(&args.common.listings, Horizon::of(&queries))?;
    eprintln!(
        "postgres: read {} listings ({} places, {} open intervals, {} hours patterns; {} lines skipped) in {:.1} s",
        rows.listings.len(),
        rows.places(),
        rows.intervals(),
        rows.patterns,
        rows.skipped,
        rows.seconds
    );
    let mut client =
        Client::connect(&args.url, NoTls).with_context(|| format!("connecting to {}", args.url))?;
    let load = load(&mut client, &rows, variant)?;
    drop(rows);
    eprintln!(
        "postgres ({}): loaded in {:.1} s, indexed in {:.1} s; {:.1} MB on disk",
        variant.name(),
        load.copy_seconds,
        load.index_seconds,
        load.bytes as f64 / 1e6
    );
    let versions: String = client
        .query_one(
            "SELECT version() || ' / PostGIS ' || postgis_lib_version()",
            &[],
        )?
        .get(0);

    let mut runner = Runner::new(client, variant);
    let gating = Instant::now();
    let mut gate = Gate::default();
    for query in &queries {
        let Some(answer) = answers.get(&query.id) else {
            bail!("query {}: not in the oracle file", query.id);
        };
        let got = runner
            .search(query, EVERY_MATCH)
            .with_context(|| format!("query {}", query.id))?;
        gate.check(query, &crate::shared::query_text(query), answer, &got);
    }
    gate.seconds = gating.elapsed().as_secs_f64();
    gate.print(&format!("postgres ({})", variant.name()));

    let timing = crate::shared::time_if_gated(
        &gate,
        &format!("postgres ({})", variant.name()),
        args.common.time_anyway,
        || runner.time(&queries, args.common.rounds),
    )?;
    if let Some(t) = &timing {
        t.engine.print(&format!(
            "postgres ({}) engine time (planning + execution, server side)",
            variant.name()
        ));
        t.round_trip
            .print(&format!("postgres ({}) client round trip", variant.name()));
        println!(
            "{} queries in {:.2} s ({} rounds)",
            t.queries, t.seconds, t.rounds
        );
    }
    if let Some(out) = &args.common.out {
        let report = json!({
            "backend": "postgres",
            "variant": variant.name(),
            "version": versions,
            "load": load,
            "gate": gate,
            "timed": timing.is_some(),
            "timing": timing,
        });
        crate::shared::write_json(out, &report)?;
    }
    Ok(())
}

/// What loading cost.
#[derive(Debug, serde::Serialize)]
pub struct Load {
    pub listings: usize,
    pub places: usize,
    pub intervals: usize,
    /// COPY of the three tables.
    pub copy_seconds: f64,
    /// Indexes (and for tuned, VACUUM ANALYZE).
    pub index_seconds: f64,
    /// `pg_total_relation_size` of the three tables (heap, TOAST and indexes).
    pub bytes: i64,
}

/// The schema of a variant (dropping what was there).
fn schema(variant: Variant) -> String {
    let doc = match variant {
        Variant::Typical => "",
        Variant::Tuned => {
            ",\n doc tsvector GENERATED ALWAYS AS (to_tsvector('english', name || ' ' || description)) STORED"
        }
    };
    format!(
        "DROP TABLE IF EXISTS open_hours, location, listing;
         CREATE TABLE listing (id text PRIMARY KEY, name text NOT NULL, description text NOT NULL,
           categories text[] NOT NULL, languages text[] NOT NULL, free bool NOT NULL{doc});
         CREATE TABLE location (id int PRIMARY KEY, listing_id text NOT NULL,
           geog geography(Point, 4326), lat float8, lon float8);
         CREATE TABLE open_hours (location_id int NOT NULL, opens bigint NOT NULL, closes bigint NOT NULL);"
    )
}

/// The indexes (and statistics) of a variant.
fn indexes(variant: Variant) -> &'static str {
    match variant {
        Variant::Typical => {
            "CREATE INDEX listing_fts ON listing USING gin (to_tsvector('english', name || ' ' || description));
             CREATE INDEX location_geog ON location USING gist (geog);
             CREATE INDEX location_listing ON location (listing_id);
             CREATE INDEX open_hours_location ON open_hours (location_id);"
        }
        Variant::Tuned => {
            "CREATE INDEX listing_doc ON listing USING gin (doc);
             CREATE INDEX listing_categories ON listing USING gin (categories);
             CREATE INDEX listing_languages ON listing USING gin (languages);
             CREATE INDEX listing_free ON listing (id) WHERE free;
             CREATE INDEX location_geog ON location USING gist (geog);
             CREATE INDEX location_listing ON location (listing_id);
             CREATE INDEX open_hours_location ON open_hours (location_id, opens) INCLUDE (closes);
             VACUUM ANALYZE listing;
             VACUUM ANALYZE location;
             VACUUM ANALYZE open_hours;"
        }
    }
}

/// Loads the rows with COPY (text format), then builds the indexes.
fn load(client: &mut Client, rows: &Rows, variant: Variant) -> anyhow::Result<Load> {
    client.batch_execute(&schema(variant))?;
    // The oracle's haversine, in miles (geo's formula, GRS80 mean radius).
    client.batch_execute(
        "CREATE OR REPLACE FUNCTION haversine_miles(lat1 float8, lon1 float8, lat2 float8, lon2 float8)
         RETURNS float8 LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
           SELECT 2.0 * asin(sqrt(sin(radians(lat2 - lat1) / 2.0) * sin(radians(lat2 - lat1) / 2.0)
             + cos(radians(lat1)) * cos(radians(lat2))
               * sin(radians(lon2 - lon1) / 2.0) * sin(radians(lon2 - lon1) / 2.0)))
             * 6371008.8 / 1609.344
         $$;",
    )?;
    let copying = Instant::now();
    {
        let mut w = client.copy_in(
            "COPY listing (id, name, description, categories, languages, free) FROM STDIN",
        )?;
        let mut line = String::new();
        for l in &rows.listings {
            listing_line(l, &mut line);
            w.write_all(line.as_bytes())?;
        }
        w.finish()?;
    }
    {
        let mut locations =
            client.copy_in("COPY location (id, listing_id, geog, lat, lon) FROM STDIN")?;
        let mut n = 0u32;
        let mut line = String::new();
        for l in &rows.listings {
            for p in &l.places {
                n += 1;
                line.clear();
                match p.point {
                    Some((lat, lon)) => line.push_str(&format!(
                        "{n}\t{}\tSRID=4326;POINT({lon} {lat})\t{lat}\t{lon}\n",
                        escape(&l.id)
                    )),
                    None => line.push_str(&format!("{n}\t{}\t\\N\t\\N\t\\N\n", escape(&l.id))),
                }
                locations.write_all(line.as_bytes())?;
            }
        }
        locations.finish()?;
    }
    {
        let mut hours =
            client.copy_in("COPY open_hours (location_id, opens, closes) FROM STDIN")?;
        let mut n = 0u32;
        let mut text = String::new();
        for l in &rows.listings {
            for p in &l.places {
                n += 1;
                text.clear();
                for (a, b) in p.open.iter() {
                    text.push_str(&format!("{n}\t{a}\t{b}\n"));
                }
                hours.write_all(text.as_bytes())?;
            }
        }
        hours.finish()?;
    }
    let copy_seconds = copying.elapsed().as_secs_f64();
    let indexing = Instant::now();
    // One statement at a time: VACUUM cannot run in the implicit transaction of a batch.
    for statement in indexes(variant).split(';').filter(|s| !s.trim().is_empty()) {
        client
            .batch_execute(statement)
            .with_context(|| format!("running {}", statement.trim()))?;
    }
    let index_seconds = indexing.elapsed().as_secs_f64();
    let bytes: i64 = client
        .query_one(
            "SELECT pg_total_relation_size('listing') + pg_total_relation_size('location')
                  + pg_total_relation_size('open_hours')",
            &[],
        )?
        .get(0);
    Ok(Load {
        listings: rows.listings.len(),
        places: rows.places(),
        intervals: rows.intervals(),
        copy_seconds,
        index_seconds,
        bytes,
    })
}

/// One listing as a line of COPY text.
fn listing_line(l: &ListingRow, line: &mut String) {
    line.clear();
    let array = |items: &[&str]| format!("{{{}}}", items.join(","));
    line.push_str(&escape(&l.id));
    line.push('\t');
    line.push_str(&escape(&l.name));
    line.push('\t');
    line.push_str(&escape(&l.description));
    line.push('\t');
    line.push_str(&escape(&array(&l.categories)));
    line.push('\t');
    line.push_str(&escape(&array(&l.languages)));
    line.push('\t');
    line.push_str(if l.free { "t" } else { "f" });
    line.push('\n');
}

/// Text escaped for COPY's text format.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out
}

/// A parameter value of a query.
#[derive(Debug, Clone)]
pub enum Param {
    Text(String),
    Float(f64),
    Int(i64),
}

/// A query as SQL with its parameters, and whether it returns distances (browse).
#[derive(Debug, Clone)]
pub struct Sql {
    pub text: String,
    pub params: Vec<Param>,
}

/// Writes `query` as SQL for `variant`; `limit` rows at most.
pub fn sql(query: &Query, variant: Variant, limit: usize) -> anyhow::Result<Sql> {
    let mut params: Vec<Param> = Vec::new();
    let mut p = |v: Param, cast: &str| {
        params.push(v);
        format!("${}::{cast}", params.len())
    };
    let text = query
        .text
        .as_deref()
        .filter(|t| !t.trim().is_empty())
        .map(|t| p(Param::Text(t.to_owned()), "text"));
    let tsquery = text
        .as_ref()
        .map(|t| format!("plainto_tsquery('english', {t})"));
    let document = match variant {
        Variant::Typical => "to_tsvector('english', l.name || ' ' || l.description)",
        Variant::Tuned => "l.doc",
    };
    let mut listing_where: Vec<String> = Vec::new();
    if let Some(q) = &tsquery {
        listing_where.push(format!("{document} @@ {q}"));
    }
    if let Some(c) = query.category()? {
        let c = p(Param::Text(c.slug().to_owned()), "text");
        listing_where.push(match variant {
            Variant::Typical => format!("{c} = ANY(l.categories)"),
            Variant::Tuned => format!("l.categories @> ARRAY[{c}]"),
        });
    }
    if let Some(code) = query.language()? {
        let c = p(Param::Text(code.to_owned()), "text");
        listing_where.push(match variant {
            Variant::Typical => format!("{c} = ANY(l.languages)"),
            Variant::Tuned => format!("l.languages @> ARRAY[{c}]"),
        });
    }
    if query.free {
        listing_where.push("l.free".into());
    }
    let mut location_where: Vec<String> = Vec::new();
    let mut distance = None;
    if let Some((lat, lon, miles)) = query.place()? {
        let (lat, lon, miles) = (
            p(Param::Float(lat), "float8"),
            p(Param::Float(lon), "float8"),
            p(Param::Float(miles), "float8"),
        );
        let point = format!("ST_SetSRID(ST_MakePoint({lon}, {lat}), 4326)::geography");
        match variant {
            Variant::Typical => {
                location_where.push(format!(
                    "ST_DWithin(loc.geog, {point}, {miles} * 1609.344, false)"
                ));
                distance = Some(format!("ST_Distance(loc.geog, {point}, false)"));
            }
            Variant::Tuned => {
                // The index finds candidates a hair wide; the oracle's own formula decides.
                location_where.push(format!(
                    "ST_DWithin(loc.geog, {point}, {miles} * 1609.344 * 1.000001 + 0.01, false)"
                ));
                let exact = format!("haversine_miles({lat}, {lon}, loc.lat, loc.lon)");
                location_where.push(format!("{exact} <= {miles}"));
                distance = Some(exact);
            }
        }
    }
    if let Some(at) = query.open_at()? {
        let at = p(Param::Int(at.timestamp()), "int8");
        location_where.push(format!(
            "EXISTS (SELECT 1 FROM open_hours h WHERE h.location_id = loc.id AND h.opens <= {at} AND h.closes > {at})"
        ));
    }
    let browse = query.kind == "browse";
    let listing_where = if listing_where.is_empty() {
        "true".to_owned()
    } else {
        listing_where.join(" AND ")
    };
    let sql = match (&distance, browse) {
        (Some(distance), true) => format!(
            "SELECT l.id, min({distance}) AS d FROM listing l JOIN location loc ON loc.listing_id = l.id
             WHERE {listing_where} AND {} GROUP BY l.id ORDER BY d, l.id LIMIT {limit}",
            location_where.join(" AND ")
        ),
        _ => {
            let located = if location_where.is_empty() {
                String::new()
            } else {
                format!(
                    " AND EXISTS (SELECT 1 FROM location loc WHERE loc.listing_id = l.id AND {})",
                    location_where.join(" AND ")
                )
            };
            let order = match &tsquery {
                Some(q) => format!("ts_rank({document}, {q}) DESC, l.id"),
                None => "l.id".to_owned(),
            };
            format!(
                "SELECT l.id FROM listing l WHERE {listing_where}{located} ORDER BY {order} LIMIT {limit}"
            )
        }
    };
    Ok(Sql { text: sql, params })
}

/// Runs queries on one connection, with prepared statements cached by SQL text.
struct Runner {
    client: Client,
    variant: Variant,
    statements: HashMap<String, Statement>,
}

/// The closed-loop timings.
#[derive(Debug, serde::Serialize)]
struct Timing {
    rounds: u32,
    queries: u64,
    seconds: f64,
    /// Planning + execution time, as the server reports it.
    engine: crate::shared::Measure,
    /// Execution time alone.
    execution: crate::shared::Measure,
    /// Client round trip of the plain query (prepared; rows read).
    round_trip: crate::shared::Measure,
}

impl Runner {
    fn new(client: Client, variant: Variant) -> Runner {
        Runner {
            client,
            variant,
            statements: HashMap::new(),
        }
    }

    fn statement(&mut self, text: &str) -> anyhow::Result<Statement> {
        if let Some(s) = self.statements.get(text) {
            return Ok(s.clone());
        }
        let s = self
            .client
            .prepare(text)
            .with_context(|| format!("preparing {text}"))?;
        self.statements.insert(text.to_owned(), s.clone());
        Ok(s)
    }

    fn run(&mut self, sql: &Sql) -> anyhow::Result<Vec<postgres::Row>> {
        let statement = self.statement(&sql.text)?;
        let params = params(&sql.params);
        let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p.as_ref()).collect();
        Ok(self.client.query(&statement, &refs)?)
    }

    /// The ids a query returns (browse: nearest first).
    fn search(&mut self, query: &Query, limit: usize) -> anyhow::Result<Got> {
        let sql = sql(query, self.variant, limit)?;
        let rows = self.run(&sql)?;
        Ok(Got {
            ids: rows
                .iter()
                .map(|r| r.try_get::<_, String>(0))
                .collect::<Result<_, _>>()?,
        })
    }

    fn time(&mut self, queries: &[Query], rounds: u32) -> anyhow::Result<Timing> {
        if self.variant == Variant::Tuned {
            self.client
                .batch_execute("SET plan_cache_mode = force_custom_plan")?;
        }
        let mut engine = Recorder::new()?;
        let mut execution = Recorder::new()?;
        let mut round_trip = Recorder::new()?;
        let started = Instant::now();
        let mut count = 0u64;
        let mut rows_read = 0usize;
        for _ in 0..rounds {
            for query in queries {
                let sql = sql(query, self.variant, query.limit)?;
                let explain = Sql {
                    text: format!(
                        "EXPLAIN (ANALYZE, TIMING OFF, SUMMARY ON, FORMAT JSON) {}",
                        sql.text
                    ),
                    params: sql.params.clone(),
                };
                let plan = self.run(&explain)?;
                let text: serde_json::Value = match plan.first() {
                    Some(row) => row.try_get(0)?,
                    None => serde_json::Value::Null,
                };
                let (planning, executing) = explain_times(&text)
                    .with_context(|| format!("query {}: reading EXPLAIN output", query.id))?;
                let ms_to_ns = |ms: f64| (ms * 1e6).round() as u64;
                engine.record(&query.kind, ms_to_ns(planning + executing))?;
                execution.record(&query.kind, ms_to_ns(executing))?;
                let t = Instant::now();
                let rows = self.run(&sql)?;
                round_trip.record(&query.kind, crate::shared::nanos(t.elapsed()))?;
                rows_read += rows.len();
                count += 1;
            }
        }
        std::hint::black_box(rows_read);
        Ok(Timing {
            rounds,
            queries: count,
            seconds: started.elapsed().as_secs_f64(),
            engine: engine.report(),
            execution: execution.report(),
            round_trip: round_trip.report(),
        })
    }
}

fn params(params: &[Param]) -> Vec<Box<dyn ToSql + Sync>> {
    params
        .iter()
        .map(|p| -> Box<dyn ToSql + Sync> {
            match p {
                Param::Text(t) => Box::new(t.clone()),
                Param::Float(f) => Box::new(*f),
                Param::Int(i) => Box::new(*i),
            }
        })
        .collect()
}

/// "Planning Time" and "Execution Time" (ms) of `EXPLAIN (FORMAT JSON)` output.
fn explain_times(value: &serde_json::Value) -> anyhow::Result<(f64, f64)> {
    let top = value
        .get(0)
        .context("EXPLAIN output is not a one-element array")?;
    let ms = |key: &str| {
        top.get(key)
            .and_then(serde_json::Value::as_f64)
            .with_context(|| format!("no {key:?} in EXPLAIN output"))
    };
    Ok((ms("Planning Time")?, ms("Execution Time")?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oracle::tests::{NYC, line, listings, location, query};

    #[test]
    fn explain_output_gives_planning_and_execution_time() {
        let text = r#"[{"Plan": {"Node Type": "Limit"}, "Planning Time": 0.25, "Triggers": [], "Execution Time": 1.5}]"#;
        let value: serde_json::Value = serde_json::from_str(text).unwrap();
        assert_eq!(explain_times(&value).unwrap(), (0.25, 1.5));
        assert!(explain_times(&serde_json::json!([])).is_err());
    }

    #[test]
    fn copy_text_is_escaped() {
        assert_eq!(escape("a\tb\\c\nd"), "a\\tb\\\\c\\nd");
    }

    #[test]
    fn queries_become_sql_with_only_the_filters_they_give() {
        let q = query(
            serde_json::json!({"kind": "browse", "lat": NYC.0, "lon": NYC.1,
            "radius_miles": 10.0, "category": "food", "open_now": true, "at": "2026-11-25T15:30:00Z"}),
        );
        let s = sql(&q, Variant::Tuned, 10).unwrap();
        assert!(
            s.text.contains("GROUP BY l.id ORDER BY d, l.id LIMIT 10"),
            "{}",
            s.text
        );
        assert!(s.text.contains("l.categories @>"));
        assert!(!s.text.contains("@@"));
        assert_eq!(s.params.len(), 5);
        let q = query(serde_json::json!({"text": "food pantry", "language": "es", "free": true}));
        let s = sql(&q, Variant::Typical, 10).unwrap();
        assert!(
            s.text.contains("plainto_tsquery('english', $1::text)"),
            "{}",
            s.text
        );
        assert!(s.text.contains("$2::text = ANY(l.languages)"));
        assert!(!s.text.contains("location"));
    }

    /// Needs a running server: `bench/postgres.sh start`, then
    /// `HEARTH_BENCH_PG=postgres://bench@127.0.0.1:55432/bench cargo test -p hearth-bench -- --ignored`.
    #[test]
    #[ignore = "needs a PostgreSQL + PostGIS server (HEARTH_BENCH_PG)"]
    fn postgres_agrees_with_the_oracle_on_hand_made_listings() {
        let url = std::env::var("HEARTH_BENCH_PG")
            .unwrap_or_else(|_| "postgres://bench@127.0.0.1:55432/bench".into());
        let lines = crate::sqlite_baseline::tests::fixture_lines();
        let oracle = listings(&lines);
        let queries = crate::sqlite_baseline::tests::fixture_queries();
        let dir = std::env::temp_dir().join(format!("hearth-pg-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("listings.ndjson");
        std::fs::write(&path, lines.join("\n")).unwrap();
        let rows = crate::shared::read_rows(&path, Horizon::of(&queries)).unwrap();
        for variant in [Variant::Typical, Variant::Tuned] {
            let mut client = Client::connect(&url, NoTls).unwrap();
            load(&mut client, &rows, variant).unwrap();
            let mut runner = Runner::new(client, variant);
            for q in &queries {
                let answer = oracle.answer(q).unwrap();
                let got = runner.search(q, EVERY_MATCH).unwrap();
                let mut gate = Gate::default();
                gate.check(q, "", &answer, &got);
                // Query 8's radius is 1e-9 short of two listings: PostGIS's sphere
                // (radius 6,371,008.7714 m) puts them 4e-9 nearer than the oracle's
                // (6,371,008.8 m), so the typical variant, which trusts ST_DWithin,
                // includes them; the tuned one checks the oracle's formula.
                if variant == Variant::Typical && q.id == 8 {
                    assert_eq!(gate.examples[0].extra, ["b", "es"]);
                    continue;
                }
                assert!(
                    gate.passed(),
                    "{variant:?} query {}: {:?}",
                    q.id,
                    gate.examples
                );
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
        let _ = (line, location);
    }
}
