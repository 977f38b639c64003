//! `hearth check`: verify the store and its agreement with the search index.

use super::progress::Bar;
use crate::config::Config;
use crate::directory::CheckReport;
use crate::index::OpenOutcome;

/// Verify the store and the search index, and print what was found.
///
/// Opens Hearth's home the way `serve` does (an index that is damaged, missing
/// or behind is set aside, rebuilt or caught up, and this says so), then reads
/// every record of the store, follows the audit log's chain of hashes, and
/// compares every document of the index with the listings in the store. Exits
/// with status 1 when anything is wrong. Stop `hearth serve` first: one
/// process has the store open at a time.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `check`.
pub fn run(config: &Config, _args: Args) -> anyhow::Result<()> {
    let bar = Bar::default();
    let started = std::time::Instant::now();
    let (directory, opened) = super::open_with(config, &bar)?;
    match &opened.index {
        OpenOutcome::SetAside { moved_to, reason } => println!(
            "Opening: the search index could not be read ({reason}); it was moved to {} and rebuilt from the store ({} listings).",
            moved_to.display(),
            opened.reindexed
        ),
        OpenOutcome::Outdated { reason } => println!(
            "Opening: the search index was from an older Hearth ({reason}); rebuilt from the store ({} listings).",
            opened.reindexed
        ),
        OpenOutcome::Created if opened.reindexed > 0 => println!(
            "Opening: there was no search index; built it from the store ({} listings).",
            opened.reindexed
        ),
        _ if opened.rebuilt => println!(
            "Opening: the search index did not match the store; rebuilt it ({} listings).",
            opened.reindexed
        ),
        _ if opened.reindexed > 0 => println!(
            "Opening: the search index was behind the store; caught up {} listings.",
            opened.reindexed
        ),
        _ => {}
    }
    let report = directory.check(&bar)?;
    print!("{}", describe(&report));
    let problems = report.count();
    println!(
        "Checked {} in {:.1} s.",
        config.home.display(),
        started.elapsed().as_secs_f64()
    );
    if problems > 0 {
        anyhow::bail!(
            "check found {problems} problem{} (listed above)",
            if problems == 1 { "" } else { "s" }
        );
    }
    println!("No problems found.");
    Ok(())
}

/// The report as the terminal shows it.
fn describe(report: &CheckReport) -> String {
    use std::fmt::Write;
    let mut out = String::from("Store:\n");
    for (tree, count) in &report.store.counts {
        let _ = writeln!(out, "  {tree:<20} {count:>10} records, all readable");
    }
    let audit = &report.store.audit;
    let _ = writeln!(
        out,
        "  {:<20} {:>10} entries, {}{}",
        "audit log",
        audit.entries,
        if audit.broken.is_some() {
            "chain BROKEN"
        } else {
            "chain of hashes whole"
        },
        if audit.unchained > 0 {
            format!(
                " ({} written by an older Hearth before entries were chained)",
                audit.unchained
            )
        } else {
            String::new()
        }
    );
    let index = &report.index;
    let _ = writeln!(
        out,
        "Index:\n  {} documents; the store's active listings imply {}; covers store change {} of {}",
        index.documents, index.expected, index.covered_seq, index.last_seq
    );
    let problems = report.listed();
    if !problems.is_empty() {
        out.push_str("Problems:\n");
        for problem in problems {
            let _ = writeln!(out, "  - {problem}");
        }
        let unlisted = report.store.problems.unlisted + index.problems.unlisted;
        if unlisted > 0 {
            let _ = writeln!(out, "  … and {unlisted} more of the same kinds");
        }
    }
    out
}
