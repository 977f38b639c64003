//! `hearth export`: write the directory as Open Referral HSDS 3.0, a tabular
//! data package (a directory of CSVs) or NDJSON of full services.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;

use super::progress::Bar;
use crate::config::Config;
use crate::directory::Progress;
use crate::export::hsds::{self, ExportSummary};
use crate::model::ServiceStatus;

/// Export the directory as HSDS 3.0 (every listing in the store is approved).
///
/// The export is written beside its target and renamed into place when it is
/// complete, so a failure leaves nothing behind (and an earlier export as it
/// was). Hearth's importer reads either form back (`hearth import PATH`).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// hsds-csv (a tabular data package: a directory of CSVs and datapackage.json)
    /// or hsds-json (one service_full object per line, NDJSON).
    #[arg(long, value_enum)]
    pub format: ExportFormat,

    /// Include listings that are not active (inactive, defunct, temporarily closed);
    /// by default only active listings are exported.
    #[arg(long)]
    pub all: bool,

    /// Where to write: a directory for hsds-csv (an earlier package there is
    /// replaced), a file for hsds-json.
    #[arg(value_name = "PATH")]
    pub path: PathBuf,
}

/// The export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// HSDS 3.0 tabular data package.
    HsdsCsv,
    /// HSDS 3.0 NDJSON of full services.
    HsdsJson,
}

/// Runs `export`.
pub fn run(config: &Config, args: Args) -> anyhow::Result<()> {
    let directory = super::open(config)?;
    let started = Instant::now();
    let bar = Bar::default();
    bar.begin("export", Some(directory.listing_count() as u64));
    let mut left_out: u64 = 0;
    let services = directory
        .services()
        .inspect(|_| bar.advance(1))
        .filter(|r| {
            let keep = args.all
                || r.as_ref()
                    .map_or(true, |s| s.status == ServiceStatus::Active);
            if !keep {
                left_out += 1;
            }
            keep
        });
    let result = match args.format {
        ExportFormat::HsdsCsv => hsds::export_csv_package(&args.path, services),
        ExportFormat::HsdsJson => hsds::export_ndjson(&args.path, services),
    };
    bar.end();
    let summary = result.with_context(|| format!("exporting to {} failed", args.path.display()))?;
    print!(
        "{}",
        render_summary(&summary, left_out, &args, started.elapsed())
    );
    Ok(())
}

fn render_summary(
    summary: &ExportSummary,
    left_out: u64,
    args: &Args,
    took: std::time::Duration,
) -> String {
    let what = match args.format {
        ExportFormat::HsdsCsv => "HSDS 3.0 tabular package",
        ExportFormat::HsdsJson => "HSDS 3.0 NDJSON",
    };
    let mut out = format!(
        "Wrote {what} to {}: {} services, {} organizations, {} locations ({:.1} MB) in {:.1}s.\n",
        args.path.display(),
        summary.services,
        summary.organizations,
        summary.locations,
        summary.bytes as f64 / 1_000_000.0,
        took.as_secs_f64(),
    );
    if summary.incomplete_addresses > 0 {
        out.push_str(&format!(
            "{} addresses lack a street, city, state or ZIP code that HSDS asks for (the source did not give one); they are published as they are.\n",
            summary.incomplete_addresses
        ));
    }
    if left_out > 0 {
        out.push_str(&format!(
            "Left out {left_out} listings that are not active (pass --all to include them).\n"
        ));
    }
    out
}
