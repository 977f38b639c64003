//! `hearth import`: read HSDS files or bundled lists into the store and index.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{Context, bail};

use super::progress::Bar;
use crate::config::Config;
use crate::directory::{Directory, ImportReport};
use crate::import::Format;

/// Import listings (HSDS 3.0 CSV package or JSON, HSDS 1.x package, or a bundled list).
///
/// The format of each path is detected from its file names and header; pass
/// --format to override. Re-importing the same data updates listings instead of
/// adding copies. A file that cannot be read fails with its name and the reason,
/// and writes nothing.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files or package directories to import.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// The format of every PATH (default: detect). One of: hsds3-csv, hsds3-json,
    /// hsds1-csv, or a bundled list name (hrsa-health-centers, va-facilities, ...).
    #[arg(long, value_parser = parse_format)]
    pub format: Option<Format>,

    /// List every skipped row (by default, up to 10 row numbers per reason).
    #[arg(long)]
    pub all_skipped: bool,
}

fn parse_format(name: &str) -> Result<Format, String> {
    Format::parse(name)
}

/// Runs `import`.
pub fn run(config: &Config, args: Args) -> anyhow::Result<()> {
    for path in &args.paths {
        if !path.exists() {
            bail!("{}: no such file or directory", path.display());
        }
    }
    let bar = Bar::default();
    let (directory, _) = Directory::open(&config.home, &bar)
        .with_context(|| format!("opening Hearth at {}", config.home.display()))?;
    let sources: Vec<(PathBuf, Option<Format>)> = args
        .paths
        .iter()
        .map(|p| (p.clone(), args.format))
        .collect();
    let report = directory
        .import(&sources, &bar)
        .context("import failed; the file named above was not imported")?;
    print!("{}", render_report(&report, args.all_skipped));
    Ok(())
}

/// The import report as text: a line per source, then skipped rows grouped by reason.
pub fn render_report(report: &ImportReport, all_skipped: bool) -> String {
    let mut out = String::new();
    for s in &report.sources {
        out.push_str(&format!(
            "{}\n  format {}, dataset {}: {} rows read, {} imported, {} updated, {} unchanged, {} skipped\n",
            s.path.display(),
            s.format,
            s.dataset,
            s.rows_read,
            s.inserted,
            s.updated,
            s.unchanged,
            s.skipped.len()
        ));
        let mut by_reason: BTreeMap<(Option<&str>, &str), Vec<u64>> = BTreeMap::new();
        for row in &s.skipped {
            by_reason
                .entry((row.file.as_deref(), row.reason.as_str()))
                .or_default()
                .push(row.row);
        }
        for ((file, reason), rows) in by_reason {
            let shown = if all_skipped {
                rows.len()
            } else {
                rows.len().min(10)
            };
            let list: Vec<String> = rows[..shown].iter().map(u64::to_string).collect();
            let more = if rows.len() > shown {
                format!(
                    ", … ({} more; --all-skipped lists them)",
                    rows.len() - shown
                )
            } else {
                String::new()
            };
            let file = file.map(|f| format!("{f} ")).unwrap_or_default();
            out.push_str(&format!(
                "    skipped {file}line {}{more}: {reason}\n",
                list.join(", ")
            ));
        }
    }
    out.push_str(&format!(
        "Done in {:.1} s: {} listings imported, {} updated, {} re-indexed.\n",
        report.took.as_secs_f64(),
        report.inserted(),
        report.updated(),
        report.reindexed
    ));
    out
}
