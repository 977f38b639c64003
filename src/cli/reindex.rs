//! `hearth reindex`: rebuild the search index from the store.

use anyhow::Context;

use super::progress::Bar;
use crate::config::Config;

/// Rebuild the search index from the store (the store is not changed).
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `reindex`.
pub fn run(config: &Config, _args: Args) -> anyhow::Result<()> {
    let bar = Bar::default();
    let started = std::time::Instant::now();
    let (directory, opened) = super::open_with(config, &bar)?;
    // Opening rebuilds a missing, damaged or foreign index already; don't do it twice.
    let count = if opened.rebuilt {
        opened.reindexed
    } else {
        directory
            .rebuild_index(&bar)
            .context("rebuilding the search index")?
    };
    println!(
        "Reindexed {count} listings ({} searchable locations) in {:.1} s.",
        directory.searchable_count(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
