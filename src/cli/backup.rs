//! `hearth backup` and `hearth restore`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use super::progress::Bar;
use crate::config::{Config, SERVE_FILE};
use crate::directory::{backup_home, restore_home};
use crate::store::{BackupError, Manifest, StoreError};

/// Back up every record of the store into a new folder, with a manifest of
/// checksums.
///
/// Works while `hearth serve` runs on the same home (it asks the server, which
/// flushes and copies while it goes on answering) and with it stopped.
/// Everything acknowledged before the backup starts is in it. Restore it with
/// `hearth restore DIR --dir NEW_HOME`.
#[derive(Debug, clap::Args)]
pub struct BackupArgs {
    /// The folder to write; it must not exist, or be empty.
    #[arg(value_name = "DIR")]
    to: PathBuf,
}

/// Restore a backup made by `hearth backup` into a new home (`--dir`).
///
/// Every file is checked against the backup's manifest before anything is
/// written. Then the search index is built and `hearth check` is run on the
/// result.
#[derive(Debug, clap::Args)]
pub struct RestoreArgs {
    /// The backup folder.
    #[arg(value_name = "DIR")]
    from: PathBuf,
}

/// Runs `backup`.
pub fn run_backup(config: &Config, args: BackupArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let to = std::path::absolute(&args.to)
        .with_context(|| format!("reading the path {}", args.to.display()))?;
    let (manifest, how) =
        match backup_home(&config.home, &to, super::user::ACTOR, chrono::Utc::now()) {
            Ok(manifest) => (manifest, "from the store"),
            Err(BackupError::Store(StoreError::InUse { .. })) => {
                (online(&config.home, &to)?, "by the running server")
            }
            Err(e) => return Err(e).context("backing up"),
        };
    let records: u64 = manifest.trees.iter().map(|t| t.entries).sum();
    let bytes: u64 = manifest.trees.iter().map(|t| t.bytes).sum();
    println!(
        "Backed up {records} records ({:.1} MB, {} files with SHA-256 checksums in {}) {how} to {} in {:.1} s.",
        bytes as f64 / 1e6,
        manifest.trees.len(),
        crate::store::MANIFEST,
        to.display(),
        started.elapsed().as_secs_f64()
    );
    println!(
        "Restore it with: hearth restore {} --dir NEW_HOME",
        to.display()
    );
    Ok(())
}

/// Asks the `serve` running on `home` for the backup (see `web::backup`).
fn online(home: &Path, to: &Path) -> anyhow::Result<Manifest> {
    #[derive(serde::Deserialize)]
    struct Handoff {
        url: String,
        secret: String,
    }
    let path = home.join(SERVE_FILE);
    let text = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "another Hearth process has this home open, but {} cannot be read: stop that process, or run this as the user it runs as",
            path.display()
        )
    })?;
    let handoff: Handoff = serde_json::from_str(&text)
        .with_context(|| format!("{} is not what `hearth serve` writes", path.display()))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(6 * 3600))
            .build()
            .context("making an HTTP client")?;
        let url = format!("{}internal/backup", handoff.url);
        let response = client
            .post(&url)
            .header(crate::web::backup::LOCAL_SECRET_HEADER, &handoff.secret)
            .json(&serde_json::json!({ "to": to }))
            .send()
            .await
            .with_context(|| format!("asking the running server ({url}) for a backup"))?;
        let status = response.status();
        if status.is_success() {
            return response
                .json::<Manifest>()
                .await
                .context("reading the server's answer");
        }
        let body: serde_json::Value = response.json().await.unwrap_or_default();
        bail!(
            "the running server did not make the backup ({status}): {}",
            body["error"].as_str().unwrap_or("no reason given")
        )
    })
}

/// Runs `restore`.
pub fn run_restore(config: &Config, args: RestoreArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let restored = restore_home(&args.from, &config.home)
        .with_context(|| format!("restoring {}", args.from.display()))?;
    let manifest = &restored.manifest;
    let records: u64 = manifest.trees.iter().map(|t| t.entries).sum();
    println!(
        "Restored {records} records of store {} (backed up {}) into {}.",
        manifest.store_id,
        manifest.created_at.format("%Y-%m-%d %H:%M UTC"),
        config.home.display()
    );
    if restored.audit_left_out > 0 {
        println!(
            "Left out {} audit entries written while the backup was being copied (after its starting point).",
            restored.audit_left_out
        );
    }
    let bar = Bar::default();
    let (directory, opened) = super::open_with(config, &bar)?;
    println!(
        "Built the search index ({} listings). Sessions were not kept: everyone signs in again.",
        opened.reindexed
    );
    let report = directory.check(&bar)?;
    if !report.is_sound() {
        bail!(
            "the restored home does not check out: {:?} (run `hearth check --dir {}`)",
            report.listed(),
            config.home.display()
        );
    }
    println!(
        "Checked: no problems found. Done in {:.1} s.",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
