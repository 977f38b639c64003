//! The command line: one file per subcommand, each with its clap `Args` and a `run`.

mod backup;
mod check;
mod export;
mod import;
mod progress;
mod reindex;
mod report;
mod serve;
mod token;
mod user;
mod validate;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::config::{Config, DEFAULT_HOME};

/// Hearth: find housing, food, legal and health services near a client.
///
/// Hearth keeps a directory of community services (from open data and HSDS
/// files) in a local store with a search index, and serves a search page and
/// a JSON API. Start with `hearth serve`: on first run it imports the bundled
/// national data, then prints the address to open.
#[derive(Debug, Parser)]
#[command(name = "hearth", version, about, long_about)]
pub struct Cli {
    /// Hearth's home directory: the store (`store/`) and search index (`search/`) live here.
    #[arg(long, global = true, env = "HEARTH_DIR", default_value = DEFAULT_HOME, value_name = "DIR")]
    pub dir: PathBuf,

    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the search page and API (imports the bundled data into an empty store first).
    Serve(serve::Args),
    /// Export the directory as Open Referral HSDS 3.0 (tabular package or NDJSON).
    Export(export::Args),
    /// Import listings from HSDS files or the bundled lists (idempotent: re-importing updates).
    Import(import::Args),
    /// Rebuild the search index from the store.
    Reindex(reindex::Args),
    /// Reports for advocates: gaps between demand and supply, and supply alone.
    Report(report::Args),
    /// Manage the people who sign in: add, list, change roles, disable.
    User(user::Args),
    /// Create API tokens for scripts and other systems that call the API.
    Token(token::Args),
    /// Back up every record into a new folder, with checksums (works while `serve` runs).
    Backup(backup::BackupArgs),
    /// Restore a backup into a new home (--dir), then build the index and check it.
    Restore(backup::RestoreArgs),
    /// Verify the store (every record, the audit log's chain) and that the search index matches it.
    Check(check::Args),
    /// Check an HSDS 3.0 package or JSON file and report each problem with its file, line and field.
    Validate(validate::Args),
}

impl Cli {
    /// Runs the chosen subcommand.
    pub fn run(self) -> anyhow::Result<()> {
        let config = Config { home: self.dir };
        match self.command {
            Command::Serve(args) => serve::run(&config, args),
            Command::Export(args) => export::run(&config, args),
            Command::Import(args) => import::run(&config, args),
            Command::Reindex(args) => reindex::run(&config, args),
            Command::Report(args) => report::run(&config, args),
            Command::User(args) => user::run(&config, args),
            Command::Token(args) => token::run(&config, args),
            Command::Validate(args) => validate::run(args),
            Command::Check(args) => check::run(&config, args),
            Command::Backup(args) => backup::run_backup(&config, args),
            Command::Restore(args) => backup::run_restore(&config, args),
        }
    }
}

/// Opens the directory at the configured home, showing progress on `bar`
/// (a rebuild or catch-up of the index). When `hearth serve` has it open, the
/// store's error says so and what to do.
fn open_with(
    config: &Config,
    bar: &progress::Bar,
) -> anyhow::Result<(crate::directory::Directory, crate::directory::OpenReport)> {
    use anyhow::Context;
    crate::directory::Directory::open(&config.home, bar)
        .with_context(|| format!("opening Hearth at {}", config.home.display()))
}

/// Opens the directory for a command that needs only it.
fn open(config: &Config) -> anyhow::Result<crate::directory::Directory> {
    Ok(open_with(config, &progress::Bar::default())?.0)
}
