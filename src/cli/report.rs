//! `hearth report supply`: for a need, county by county, how many services are
//! located near each county's centre and how many serve it — from the bundled
//! directory alone, with no demand data needed. `hearth report gaps`: the gap
//! report (see [`crate::report::gaps`]).

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;

use super::open;
use crate::config::Config;
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
        #[command(flatten)]
        output: Output,
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
    #[command(flatten)]
    output: Output,
}

/// Where and how a report is written.
#[derive(Debug, clap::Args)]
pub struct Output {
    /// csv or json.
    #[arg(long, value_enum, default_value_t = Format::Csv)]
    format: Format,
    /// Write here instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Csv,
    Json,
}

impl Output {
    /// Writes the report as JSON (`value`) or CSV (`csv()`), whole: to a
    /// temporary file renamed at the end, so a failure leaves no partial
    /// report, or to standard output.
    fn write<T: serde::Serialize>(
        self,
        value: &T,
        csv: impl FnOnce() -> String,
        what: &str,
    ) -> anyhow::Result<()> {
        let text = match self.format {
            Format::Json => serde_json::to_string_pretty(value).context("writing JSON")?,
            Format::Csv => csv(),
        };
        match self.out {
            Some(path) => {
                let tmp = path.with_extension("partial");
                std::fs::write(&tmp, &text)
                    .with_context(|| format!("writing {}", tmp.display()))?;
                std::fs::rename(&tmp, &path)
                    .with_context(|| format!("writing {}", path.display()))?;
                eprintln!("Wrote {what} to {}.", path.display());
            }
            None => std::io::stdout()
                .write_all(text.as_bytes())
                .context("writing the report")?,
        }
        Ok(())
    }
}

/// Runs `report`.
pub fn run(config: &Config, args: Args) -> anyhow::Result<()> {
    match args.report {
        Report::Supply {
            need,
            category,
            state,
            output,
        } => supply(config, need, category, state, output),
        Report::Gaps(gap_args) => gaps(config, gap_args),
    }
}

fn gaps(config: &Config, args: GapArgs) -> anyhow::Result<()> {
    let directory = open(config)?;
    let params = GapParams {
        level: Some(&args.by),
        needs: args.need.iter().map(String::as_str).collect(),
        from: args.from.as_deref(),
        to: args.to.as_deref(),
        states: args.state.iter().map(String::as_str).collect(),
    };
    // The command line is the server's operator: ZIP level is allowed.
    let today = chrono::Utc::now().date_naive();
    let query = GapQuery::parse(&params, directory.gazetteer(), today, true)?;
    let report = gaps::report(&directory, &query).context("making the gap report")?;
    let what = format!("{} rows of the gap report", report.rows.len());
    args.output.write(&report, || gaps::to_csv(&report), &what)
}

fn supply(
    config: &Config,
    need: Option<String>,
    category: Option<String>,
    state: Vec<String>,
    output: Output,
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
    let directory = open(config)?;
    let rows = crate::report::supply(&directory, &topic, &state).context("counting supply")?;
    let what = format!("{} counties", rows.len());
    output.write(&rows, || crate::report::supply_csv(&rows), &what)
}
