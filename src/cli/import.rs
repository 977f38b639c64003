//! `hearth import`: read HSDS files or bundled lists into the store and index.

use std::path::PathBuf;

use anyhow::{Context, bail};

use super::progress::Bar;
use crate::config::Config;
use crate::directory::{ImportReport, SyncReport};
use crate::import::{
    Format, ReadOptions, RemoteSource, SkippedRow, check_dataset_name, looks_remote,
};

/// Import listings (HSDS 3.0 CSV package or JSON, HSDS 1.x package, or a bundled list).
///
/// The format of each path is detected from its file names and header; pass
/// --format to override. Re-importing the same data under the same dataset name
/// updates listings instead of adding copies. A file that cannot be read fails
/// with its name and the reason, and writes nothing.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files or package directories to import, or the base URL of a remote HSDS 3.0
    /// API (`https://host/hsds/`) to sync from: the first time everything, then
    /// only what changed; listings it no longer lists are marked inactive.
    #[arg(required = true, value_name = "PATH|URL")]
    pub paths: Vec<PathBuf>,

    /// The format of every PATH (default: detect). One of: hsds3-csv, hsds3-json,
    /// hsds1-csv, or a bundled list name (hrsa-health-centers, va-facilities, ...).
    #[arg(long, value_parser = parse_format)]
    pub format: Option<Format>,

    /// The dataset name recorded as each listing's source; re-imports must use the
    /// same name to update instead of adding copies (default: derived from the file
    /// or directory name, or the list's own name). Lower-case letters, digits and
    /// '-', at most 64.
    #[arg(long, value_name = "NAME", value_parser = parse_dataset)]
    pub dataset: Option<String>,

    /// List every skipped row and note with its full reason (by default, rows are
    /// grouped by the kind of reason, up to 10 row numbers per group).
    #[arg(long)]
    pub all_skipped: bool,

    /// For a remote HSDS API: fetch every service, not only those changed since
    /// the last sync from it.
    #[arg(long)]
    pub full: bool,
}

fn parse_format(name: &str) -> Result<Format, String> {
    Format::parse(name)
}

fn parse_dataset(name: &str) -> Result<String, String> {
    check_dataset_name(name).map(|()| name.to_owned())
}

/// Runs `import`: files first, in order, then remote APIs.
pub fn run(config: &Config, args: Args) -> anyhow::Result<()> {
    let (remotes, files): (Vec<&PathBuf>, Vec<&PathBuf>) = args
        .paths
        .iter()
        .partition(|p| p.to_str().is_some_and(looks_remote));
    let remotes = remotes
        .into_iter()
        .map(|url| RemoteSource::new(&url.to_string_lossy()))
        .collect::<Result<Vec<_>, _>>()?;
    if !remotes.is_empty() && (args.format.is_some() || args.dataset.is_some()) {
        bail!(
            "--format and --dataset are for files; a remote HSDS API is read as HSDS 3.0 JSON and its listings are kept under a name made from its address (import the URL without them)"
        );
    }
    if !files.is_empty() {
        import_files(config, &args, &files)?;
    }
    if !remotes.is_empty() {
        let bar = Bar::default();
        let (directory, _) = super::open_with(config, &bar)?;
        for source in &remotes {
            println!("{}", source.base_url());
            let report = directory
                .sync(source, args.full, &bar)
                .with_context(|| format!("syncing from {}", source.base_url()))?;
            print!("{}", render_sync(&report, args.all_skipped));
        }
    }
    Ok(())
}

/// A sync's report as text: the summary, then each record not taken.
fn render_sync(report: &SyncReport, all: bool) -> String {
    let mut out = format!("  dataset {}: {}\n", report.dataset, report.summary());
    let shown = if all { report.invalid.len() } else { 20 };
    for skip in report.invalid.iter().take(shown) {
        let id = skip
            .id
            .as_deref()
            .map(|id| format!(" (id {id})"))
            .unwrap_or_default();
        out.push_str(&format!(
            "    not taken: record {}{id}: {}\n",
            skip.record, skip.reason
        ));
    }
    if report.invalid.len() > shown {
        out.push_str(&format!(
            "    … and {} more (pass --all-skipped to list them all)\n",
            report.invalid.len() - shown
        ));
    }
    out
}

fn import_files(config: &Config, args: &Args, paths: &[&PathBuf]) -> anyhow::Result<()> {
    for path in paths {
        if !path.exists() {
            bail!("{}: no such file or directory", path.display());
        }
    }
    let sources: Vec<(PathBuf, ReadOptions)> = paths
        .iter()
        .map(|p| {
            let options = ReadOptions {
                format: args.format,
                dataset: args.dataset.clone(),
            };
            ((*p).clone(), options)
        })
        .collect();
    let bar = Bar::default();
    let (directory, _) = super::open_with(config, &bar)?;
    let report = directory.import(&sources, &bar).context("import failed")?;
    print!("{}", render_report(&report, args.all_skipped));
    if let Some((path, reason)) = &report.failed {
        let done = report.sources.len();
        bail!(
            "{reason}\n{} was not imported (nothing from it was written){}; fix it and run the import again (re-importing changes nothing that is already in)",
            path.display(),
            if done > 0 {
                format!(", and the {done} source(s) above were")
            } else {
                String::new()
            }
        );
    }
    Ok(())
}

/// The import report as text: a line per source, then its skipped rows and its
/// notes, each grouped by the kind of reason (see [`render_rows`]).
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
        out.push_str(&render_rows("    skipped ", &s.skipped, all_skipped));
        let notes = &s.notes;
        if !notes.is_empty() {
            out.push_str(&format!(
                "    notes ({} rows imported with some of their data changed or left out):\n",
                notes.len()
            ));
            out.push_str(&render_rows("      ", notes, all_skipped));
        }
    }
    if !report.sources.is_empty() {
        out.push_str(&format!(
            "Done in {:.1} s: {} listings imported, {} updated, {} re-indexed.\n",
            report.took.as_secs_f64(),
            report.inserted(),
            report.updated(),
            report.reindexed
        ));
    }
    out
}

/// Rows grouped for reading, one line per group: `{prefix}{file }line 12, 14, 16: reason`.
///
/// By default rows are grouped by file and [`SkippedRow::kind`] (their reason with
/// quoted values and numbers as `…`), the largest group first, with up to 10 line
/// numbers each; a group whose rows all have the same reason shows it whole, else
/// it shows the kind. With `all`, rows are grouped by their full reason and every
/// line number is listed.
pub fn render_rows(prefix: &str, rows: &[SkippedRow], all: bool) -> String {
    struct Group<'a> {
        file: Option<&'a str>,
        key: String,
        rows: Vec<&'a SkippedRow>,
    }
    let mut groups: Vec<Group<'_>> = Vec::new();
    let mut index = std::collections::HashMap::new();
    for row in rows {
        let key = if all { row.reason.clone() } else { row.kind() };
        let at = *index
            .entry((row.file.as_deref(), key.clone()))
            .or_insert_with(|| {
                groups.push(Group {
                    file: row.file.as_deref(),
                    key,
                    rows: Vec::new(),
                });
                groups.len() - 1
            });
        groups[at].rows.push(row);
    }
    // Largest first; equal sizes keep the order their first row came in.
    groups.sort_by_key(|g| std::cmp::Reverse(g.rows.len()));
    let mut out = String::new();
    for group in &groups {
        let shown = if all {
            group.rows.len()
        } else {
            group.rows.len().min(10)
        };
        let lines: Vec<String> = group.rows[..shown]
            .iter()
            .map(|r| r.row.to_string())
            .collect();
        let more = if group.rows.len() > shown {
            format!(
                ", … ({} more; --all-skipped lists them)",
                group.rows.len() - shown
            )
        } else {
            String::new()
        };
        let first = &group.rows[0].reason;
        let reason = if group.rows.iter().all(|r| r.reason == *first) {
            first.as_str()
        } else {
            group.key.as_str()
        };
        let file = group.file.map(|f| format!("{f} ")).unwrap_or_default();
        out.push_str(&format!(
            "{prefix}{file}line {}{more}: {reason}\n",
            lines.join(", ")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(line: u64, reason: &str) -> SkippedRow {
        SkippedRow {
            row: line,
            file: None,
            reason: reason.to_owned(),
        }
    }

    /// Regression: SAMHSA's 342 "same source id" rows each printed a line of their own.
    #[test]
    fn reasons_that_differ_only_in_their_values_are_one_line() {
        let mut rows: Vec<SkippedRow> = (0..342)
            .map(|i| {
                row(
                    100 + i,
                    &format!(
                        "same source id \"clinic {i}|main st\" as line {}; kept the first",
                        2 + i
                    ),
                )
            })
            .collect();
        rows.extend(
            [12, 14, 16].map(|l| row(l, "VA cemetery: not a service a client is referred to")),
        );
        let text = render_rows("    skipped ", &rows, false);
        assert_eq!(
            text,
            "    skipped line 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, … (332 more; --all-skipped lists them): \
             same source id … as line …; kept the first\n    \
             skipped line 12, 14, 16: VA cemetery: not a service a client is referred to\n"
        );
        let all = render_rows("    skipped ", &rows, true);
        assert_eq!(all.lines().count(), 343);
        assert!(all.contains(
            "    skipped line 100: same source id \"clinic 0|main st\" as line 2; kept the first\n"
        ));
        assert!(all.contains("    skipped line 12, 14, 16: VA cemetery"));
    }

    #[test]
    fn notes_are_grouped_by_file_and_kind() {
        let note = |file: &str, line: u64, id: &str| SkippedRow {
            row: line,
            file: Some(file.to_owned()),
            reason: format!(
                "location {id:?}: coordinates (100, 101) are outside the valid range; placed at its ZIP centre (approximate)"
            ),
        };
        let rows = [
            note("locations.csv", 2, "a"),
            note("locations.csv", 5, "b"),
            note("other.csv", 3, "c"),
        ];
        assert_eq!(
            render_rows("      ", &rows, false),
            "      locations.csv line 2, 5: location …: coordinates (…, …) are outside the valid range; \
             placed at its ZIP centre (approximate)\n      \
             other.csv line 3: location \"c\": coordinates (100, 101) are outside the valid range; \
             placed at its ZIP centre (approximate)\n"
        );
    }

    #[test]
    fn a_bad_dataset_name_is_refused_with_what_to_use() {
        assert_eq!(
            parse_dataset("springfield-211").as_deref(),
            Ok("springfield-211")
        );
        let e = parse_dataset("Springfield 211").err().unwrap_or_default();
        assert!(e.contains("lower-case letters"), "{e}");
    }
}
