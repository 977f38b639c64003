//! `hearth-bench`: the national-scale benchmark (issue 8). Synthetic listings
//! for benchmarks only (never bundled as data), a seeded query set, a
//! brute-force oracle every backend must agree with before it is timed, and
//! the runners for Hearth's engine, PostgreSQL + PostGIS and SQLite. See
//! `bench/README.md`.

mod engine;
mod generate;
mod http;
mod oracle;
mod postgres_baseline;
mod queries;
mod shared;
mod sqlite_baseline;

use clap::{Parser, Subcommand};

/// The allocator the `hearth` binary uses, so Hearth in process runs as it serves.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Debug, Parser)]
#[command(name = "hearth-bench", about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write N synthetic listings as HSDS 3.0 NDJSON (importable by `hearth import`).
    Generate(generate::Args),
    /// Write a seeded query file (JSON lines) for the listings' area.
    Queries(queries::Args),
    /// Answer a query file by brute force over an NDJSON file: the match sets every backend must give.
    Oracle(oracle::Args),
    /// Hearth's engine, in process: check against the oracle, then time.
    Hearth(engine::Args),
    /// PostgreSQL + PostGIS: load, check against the oracle, then time (server time and round trip).
    Postgres(postgres_baseline::Args),
    /// SQLite FTS5 + R*Tree, in process: load, check against the oracle, then time.
    Sqlite(sqlite_baseline::Args),
    /// A running `hearth serve` over HTTP: closed and open loop, mixed load, approval to searchable, cold start.
    Http(http::Args),
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Generate(args) => generate::run(args),
        Command::Queries(args) => queries::run(args),
        Command::Oracle(args) => oracle::run(args),
        Command::Hearth(args) => engine::run(args),
        Command::Postgres(args) => postgres_baseline::run(args),
        Command::Sqlite(args) => sqlite_baseline::run(args),
        Command::Http(args) => http::run(args),
    }
}
