//! `hearth validate`: check an HSDS 3.0 package or JSON file against the
//! standard and print where each problem is. It reads only the file: no store,
//! no Hearth home.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, bail};

use crate::import::{Finding, Format, Severity, Validation, validate_as};

/// Findings listed per file unless `--all` is given.
const SHOWN_PER_FILE: usize = 20;

/// Check an HSDS 3.0 package or JSON file: required fields, enumerations,
/// broken and duplicate ids, coordinates, dates and times.
///
/// Each problem is printed with its file and line (or JSON record and path),
/// field, and what to fix. Errors make a service record invalid (`hearth
/// import` skips it); warnings are imported with a note. Exits non-zero when
/// there are errors.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The package directory (CSV tables, maybe in data/) or JSON file to check.
    #[arg(value_name = "PATH")]
    pub path: PathBuf,

    /// Read PATH as hsds3-csv or hsds3-json (default: detect).
    #[arg(long, value_parser = parse_format)]
    pub format: Option<Format>,

    /// List every finding (by default, up to 20 per file).
    #[arg(long)]
    pub all: bool,
}

fn parse_format(name: &str) -> Result<Format, String> {
    match Format::parse(name)? {
        f @ (Format::Hsds3Csv | Format::Hsds3Json) => Ok(f),
        other => Err(format!(
            "validate checks HSDS 3.0 only: use hsds3-csv or hsds3-json, not {}",
            other.name()
        )),
    }
}

/// Runs `validate`.
pub fn run(args: Args) -> anyhow::Result<()> {
    if !args.path.exists() {
        bail!("{}: no such file or directory", args.path.display());
    }
    let started = Instant::now();
    let validation = validate_as(&args.path, args.format)
        .with_context(|| format!("validating {}", args.path.display()))?;
    tracing::debug!(
        took_ms = started.elapsed().as_millis() as u64,
        findings = validation.findings.len(),
        "validated"
    );
    print!("{}", render_report(&validation, args.all));
    let errors = validation.errors();
    if errors > 0 {
        let services = validation.invalid_services().len();
        bail!(
            "{} is not valid HSDS 3.0: {errors} error{} (in {services} service record{}); fix them and run hearth validate again (hearth import would skip those services)",
            validation.path.display(),
            plural(errors),
            plural(services)
        );
    }
    Ok(())
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The file a finding is in, as the report names it: the table, or the JSON file's name.
fn file_name(validation: &Validation, finding: &Finding) -> String {
    finding.file.clone().unwrap_or_else(|| {
        validation.path.file_name().map_or_else(
            || validation.path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        )
    })
}

/// One line per finding, grouped by file (in report order), up to
/// [`SHOWN_PER_FILE`] per file unless `all`; then a summary line.
///
/// `services.csv:14: error: status: "open" is not an HSDS status (...)`, or for
/// JSON `feed.json record 3: error: service_at_locations[0].location.latitude: ...`.
pub fn render_report(validation: &Validation, all: bool) -> String {
    let mut files: Vec<(String, Vec<&Finding>)> = Vec::new();
    for finding in &validation.findings {
        let file = file_name(validation, finding);
        match files.iter_mut().find(|(f, _)| *f == file) {
            Some((_, list)) => list.push(finding),
            None => files.push((file, vec![finding])),
        }
    }
    let mut out = format!(
        "{} ({})\n",
        validation.path.display(),
        validation.format.name()
    );
    for (file, findings) in &files {
        let shown = if all {
            findings.len()
        } else {
            findings.len().min(SHOWN_PER_FILE)
        };
        for finding in &findings[..shown] {
            let at = match &finding.file {
                Some(_) => format!("{file}:{}", finding.row),
                None => format!("{file} record {}", finding.row),
            };
            out.push_str(&format!(
                "  {at}: {}: {}: {}\n",
                finding.severity.name(),
                finding.field,
                finding.message
            ));
        }
        let hidden = &findings[shown..];
        if !hidden.is_empty() {
            let errors = hidden
                .iter()
                .filter(|f| f.severity == Severity::Error)
                .count();
            out.push_str(&format!(
                "  … {} more in {file} ({errors} error{}, {} warning{}); --all lists them\n",
                hidden.len(),
                plural(errors),
                hidden.len() - errors,
                plural(hidden.len() - errors)
            ));
        }
    }
    let (errors, warnings) = (validation.errors(), validation.warnings());
    out.push_str(&format!(
        "{errors} error{}, {warnings} warning{}, {} record{} checked ({} service{})\n",
        plural(errors),
        plural(warnings),
        validation.records_checked,
        plural(validation.records_checked as usize),
        validation.services_checked,
        plural(validation.services_checked as usize),
    ));
    out
}
