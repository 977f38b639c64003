//! `hearth report supply`: for a need, county by county, how many services are
//! located near each county's centre and how many serve it — from the bundled
//! directory alone, with no demand data needed. `hearth report gaps`: the gap
//! report (see [`crate::report::gaps`]).

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;

use super::progress::Bar;
use crate::config::Config;
use crate::directory::Directory;
use crate::model::{Category, Need};
use crate::report::Topic;
use crate::report::gaps::{self, GapParams, GapQuery};

/// Report on the directory.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub report: Report,
}

#[derive(Debug, clap::Subcommand)]
pub enum Report {
    /// Supply by county for one need: services within 5/10/25 miles of each
    /// county's centre, services serving it, and the nearest distance; the
    /// counties with the least first.
    Supply {
        /// A Gravity SDOH need, e.g. food-insecurity or housing-instability.
        #[arg(
            long,
            conflicts_with = "category",
            required_unless_present = "category"
        )]
        need: Option<String>,
        /// Or a category, e.g. substance-use or legal.
        #[arg(long)]
        category: Option<String>,
        /// Only these states' counties (two-letter codes; repeat or comma-separate).
        #[arg(long, value_delimiter = ',')]
        state: Vec<String>,
        /// csv or json.
        #[arg(long, default_value = "csv")]
        format: String,
        /// Write here instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// The gap report: per area and need over a period, searches, searches with
    /// nothing nearby, referrals and how they ended, beside the supply, with a
    /// gap score; small counts hidden (shown as <11) so it is safe to publish.
    Gaps(GapArgs),
}

/// What `hearth report gaps` takes.
#[derive(Debug, clap::Args)]
pub struct GapArgs {
    /// Area level: zip, zip3, county or state (ZIP level holds small areas;
    /// keep it inside the organization).
    #[arg(long, default_value = "county")]
    by: String,
    /// Gravity SDOH needs, e.g. food-insecurity (repeat or comma-separate).
    #[arg(long, required = true, value_delimiter = ',')]
    need: Vec<String>,
    /// First day, YYYY-MM-DD (default: a year before --to).
    #[arg(long)]
    from: Option<String>,
    /// Last day, YYYY-MM-DD, inclusive (default: today, UTC).
    #[arg(long)]
    to: Option<String>,
    /// Only these states' areas (two-letter codes; repeat or comma-separate).
    #[arg(long, value_delimiter = ',')]
    state: Vec<String>,
    /// csv or json.
    #[arg(long, default_value = "csv")]
    format: String,
    /// Write here instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Runs `report`.
pub fn run(config: &Config, args: Args) -> anyhow::Result<()> {
    match args.report {
        Report::Supply {
            need,
            category,
            state,
            format,
            out,
        } => supply(config, need, category, state, format, out),
        Report::Gaps(gap_args) => gaps(config, gap_args),
    }
}

fn check_format(format: &str) -> anyhow::Result<()> {
    anyhow::ensure!(
        matches!(format, "csv" | "json"),
        "--format must be csv or json (got {format:?})"
    );
    Ok(())
}

fn open(config: &Config) -> anyhow::Result<Directory> {
    let bar = Bar::default();
    let (directory, _) = Directory::open(&config.home, &bar)
        .with_context(|| format!("opening Hearth at {}", config.home.display()))?;
    Ok(directory)
}

/// Writes `text` to `out` whole (a temporary file renamed, so a failure leaves
/// no partial report), or to standard output.
fn write(text: &str, out: Option<PathBuf>, what: &str) -> anyhow::Result<()> {
    match out {
        Some(path) => {
            let tmp = path.with_extension("partial");
            std::fs::write(&tmp, text).with_context(|| format!("writing {}", tmp.display()))?;
            std::fs::rename(&tmp, &path).with_context(|| format!("writing {}", path.display()))?;
            eprintln!("Wrote {what} to {}.", path.display());
        }
        None => {
            std::io::stdout()
                .write_all(text.as_bytes())
                .context("writing the report")?;
        }
    }
    Ok(())
}

fn gaps(config: &Config, args: GapArgs) -> anyhow::Result<()> {
    let GapArgs {
        by,
        need,
        from,
        to,
        state,
        format,
        out,
    } = args;
    check_format(&format)?;
    let directory = open(config)?;
    let params = GapParams {
        level: Some(&by),
        needs: need.iter().map(String::as_str).collect(),
        from: from.as_deref(),
        to: to.as_deref(),
        states: state.iter().map(String::as_str).collect(),
    };
    // The command line is the server's operator: ZIP level is allowed.
    let today = chrono::Utc::now().date_naive();
    let query = GapQuery::parse(&params, directory.gazetteer(), today, true)?;
    let report = gaps::report(&directory, &query).context("making the gap report")?;
    let text = if format == "json" {
        serde_json::to_string_pretty(&report).context("writing JSON")?
    } else {
        gaps::to_csv(&report)
    };
    write(
        &text,
        out,
        &format!("{} rows of the gap report", report.rows.len()),
    )
}

fn supply(
    config: &Config,
    need: Option<String>,
    category: Option<String>,
    state: Vec<String>,
    format: String,
    out: Option<PathBuf>,
) -> anyhow::Result<()> {
    let topic = match (need, category) {
        (Some(need), _) => Topic::Need(Need::parse(&need).with_context(|| {
            format!(
                "unknown need {need:?}; needs are Gravity SDOH domains: {}",
                Need::CODES.join(", ")
            )
        })?),
        (None, Some(category)) => {
            Topic::Category(Category::parse(&category).with_context(|| {
                let known: Vec<&str> = Category::ALL.iter().map(|c| c.slug()).collect();
                format!(
                    "unknown category {category:?}; categories are {}",
                    known.join(", ")
                )
            })?)
        }
        (None, None) => anyhow::bail!("give --need or --category"),
    };
    check_format(&format)?;
    let directory = open(config)?;
    let rows = crate::report::supply(&directory, &topic, &state).context("counting supply")?;
    let text = if format == "json" {
        serde_json::to_string_pretty(&rows).context("writing JSON")?
    } else {
        crate::report::supply_csv(&rows)
    };
    write(&text, out, &format!("{} counties", rows.len()))
}
