//! `hearth report supply`: for a need, county by county, how many services are
//! located near each county's centre and how many serve it — from the bundled
//! directory alone, with no demand data needed.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;

use super::progress::Bar;
use crate::config::Config;
use crate::directory::Directory;
use crate::model::{Category, Need};
use crate::report::Topic;

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
}

/// Runs `report`.
pub fn run(config: &Config, args: Args) -> anyhow::Result<()> {
    let Report::Supply {
        need,
        category,
        state,
        format,
        out,
    } = args.report;
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
    anyhow::ensure!(
        matches!(format.as_str(), "csv" | "json"),
        "--format must be csv or json (got {format:?})"
    );
    let bar = Bar::default();
    let (directory, _) = Directory::open(&config.home, &bar)
        .with_context(|| format!("opening Hearth at {}", config.home.display()))?;
    let rows = crate::report::supply(&directory, &topic, &state).context("counting supply")?;
    let text = if format == "json" {
        serde_json::to_string_pretty(&rows).context("writing JSON")?
    } else {
        crate::report::supply_csv(&rows)
    };
    match out {
        Some(path) => {
            // Written whole to a temporary file and renamed, so a failure leaves no partial report.
            let tmp = path.with_extension("partial");
            std::fs::write(&tmp, &text).with_context(|| format!("writing {}", tmp.display()))?;
            std::fs::rename(&tmp, &path).with_context(|| format!("writing {}", path.display()))?;
            eprintln!("Wrote {} counties to {}.", rows.len(), path.display());
        }
        None => {
            std::io::stdout()
                .write_all(text.as_bytes())
                .context("writing the report")?;
        }
    }
    Ok(())
}
