//! `hearth serve`: open the directory, seed it with the bundled data when empty, serve HTTP.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;

use super::progress::Bar;
use crate::config::{Config, DEFAULT_ADDR, DEFAULT_SEED_DIR, ServeConfig};
use std::sync::atomic::Ordering;

use crate::directory::{Directory, Silent, SyncSchedule, parse_every};
use crate::import::{RemoteSource, bundled_sources};
use crate::web::{AppState, router};

/// Serve the search page and the JSON API.
///
/// When the store is empty, the bundled open data in --seed-dir is imported
/// first (a minute or less), then Hearth listens.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address to listen on.
    #[arg(long, env = "HEARTH_ADDR", default_value = DEFAULT_ADDR)]
    pub addr: SocketAddr,

    /// Bundled open data to import into an empty store.
    #[arg(long, env = "HEARTH_SEED_DIR", default_value = DEFAULT_SEED_DIR, value_name = "DIR")]
    pub seed_dir: PathBuf,

    /// Hearth is reached over https (behind a proxy that terminates TLS): mark
    /// session cookies `Secure`.
    #[arg(long, env = "HEARTH_SECURE_COOKIES")]
    pub secure_cookies: bool,

    /// Do not import the bundled data into an empty store (for a directory fed
    /// only by --sync or by `hearth import`).
    #[arg(long)]
    pub no_seed: bool,

    /// Keep in step with another directory's HSDS 3.0 API (its base URL, such as
    /// https://host/hsds/): synced at start, then every --sync-every. Repeat for
    /// several. Each run and its result show at /admin/sync.
    #[arg(long, value_name = "URL", value_parser = parse_remote)]
    pub sync: Vec<RemoteSource>,

    /// How often to sync: a number and s, m, h or d (at least 1m).
    #[arg(long, default_value = "6h", value_name = "PERIOD", value_parser = parse_every)]
    pub sync_every: std::time::Duration,
}

fn parse_remote(url: &str) -> Result<RemoteSource, String> {
    RemoteSource::new(url).map_err(|e| e.to_string())
}

/// Runs each scheduled sync now and then every period, one run at a time per
/// remote, on a blocking thread; a failed run is logged and saved for the
/// status page, and the next run tries again.
fn spawn_syncs(state: &AppState) {
    for schedule in state.syncs.iter() {
        let schedule = schedule.clone();
        let directory = state.directory.clone();
        tokio::spawn(async move {
            loop {
                schedule.running.store(true, Ordering::Relaxed);
                if let Ok(mut next) = schedule.next_run.lock() {
                    *next = None;
                }
                let (run_directory, run_schedule) = (directory.clone(), schedule.clone());
                let result = tokio::task::spawn_blocking(move || {
                    run_directory.sync(&run_schedule.source, false, &Silent)
                })
                .await;
                match result {
                    Ok(Ok(report)) => {
                        tracing::info!(sync.url = %report.url, "{}", report.summary())
                    }
                    Ok(Err(e)) => {
                        tracing::error!(sync.url = %schedule.source.base_url(), error = %e, "sync failed; the next run tries again")
                    }
                    Err(e) => {
                        tracing::error!(sync.url = %schedule.source.base_url(), error = %e, "sync task failed")
                    }
                }
                schedule.running.store(false, Ordering::Relaxed);
                if let Ok(mut next) = schedule.next_run.lock() {
                    *next = chrono::Duration::from_std(schedule.every)
                        .ok()
                        .map(|every| chrono::Utc::now() + every);
                }
                tokio::time::sleep(schedule.every).await;
            }
        });
    }
}

/// Runs `serve`.
pub fn run(config: &Config, args: Args) -> anyhow::Result<()> {
    let serve = ServeConfig {
        addr: args.addr,
        seed_dir: args.seed_dir,
    };
    let started = Instant::now();
    let bar = Bar::default();
    let (directory, opened) = super::open_with(config, &bar)?;
    if opened.rebuilt && opened.reindexed > 0 {
        tracing::info!(
            listings = opened.reindexed,
            "search index rebuilt from the store"
        );
    } else if opened.reindexed > 0 {
        tracing::info!(
            listings = opened.reindexed,
            "search index caught up with the store"
        );
    }
    if !args.no_seed && directory.needs_seed().context("reading the store")? {
        seed(&directory, &serve, &bar)?;
    }
    let listings = directory.listing_count();
    let needs_admin = !directory.has_admin().context("reading the users")?;
    let mut state = AppState::new(directory);
    state.secure_cookies = args.secure_cookies;
    let mut sources: Vec<RemoteSource> = Vec::new();
    for source in args.sync {
        // Two spellings of one remote (http and https, a trailing slash) are one sync.
        if sources
            .iter()
            .any(|s| s.dataset_name() == source.dataset_name())
        {
            tracing::warn!(sync.url = %source.base_url(), "--sync names this remote twice; syncing it once");
            continue;
        }
        sources.push(source);
    }
    state.syncs = std::sync::Arc::new(
        sources
            .into_iter()
            .map(|source| std::sync::Arc::new(SyncSchedule::new(source, args.sync_every)))
            .collect(),
    );
    let local_secret =
        crate::auth::token::generate("hthlocal_").context("making the local backup secret")?;
    state.local_secret_digest = Some(crate::auth::token::digest(&local_secret).into());
    let setup_token = if needs_admin {
        Some(state.start_setup().context("making the admin setup link")?)
    } else {
        None
    };

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(serve.addr)
            .await
            .with_context(|| {
                format!(
                    "listening on {} (is another program using that port? pass --addr)",
                    serve.addr
                )
            })?;
        let local = listener
            .local_addr()
            .context("reading the listening address")?;
        let handoff = config.home.join(crate::config::SERVE_FILE);
        write_handoff(&handoff, local, &local_secret)
            .with_context(|| format!("writing {}", handoff.display()))?;
        tracing::info!(
            listings,
            ready_in_s = format!("{:.1}", started.elapsed().as_secs_f64()),
            "Hearth is ready: open http://{local}/ in a browser"
        );
        spawn_syncs(&state);
        if let Some(token) = &setup_token {
            // Printed, not logged: the link grants the first admin account, once.
            // Written, not logged, and never a panic when stdout is closed.
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            let _ = writeln!(
                out,
                "No admin yet. Create the first admin account (this link works once, until Hearth restarts):\n  http://{local}/setup?token={token}"
            );
            let _ = out.flush();
        }
        let served = axum::serve(
            listener,
            router(state).into_make_service_with_connect_info::<SocketAddr>(),
        )
            .with_graceful_shutdown(shutdown_signal())
            .await
            .context("serving HTTP");
        let _ = std::fs::remove_file(&handoff);
        served
    })
}

/// Writes the home's `serve.json` (readable by this user only): where this
/// server listens on this machine and the secret `hearth backup` sends it.
fn write_handoff(path: &std::path::Path, local: SocketAddr, secret: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut at = local;
    if at.ip().is_unspecified() {
        at.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
    }
    let text = serde_json::json!({ "url": format!("http://{at}/"), "secret": secret });
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(text.to_string().as_bytes())?;
    file.sync_all()
}

fn seed(directory: &Directory, serve: &ServeConfig, bar: &Bar) -> anyhow::Result<()> {
    let sources = bundled_sources(&serve.seed_dir)
        .with_context(|| format!("reading the bundled data in {}", serve.seed_dir.display()))?;
    anyhow::ensure!(
        !sources.is_empty(),
        "there is no bundled data in {} to import into this new store (run from the repository root, or pass --seed-dir)",
        serve.seed_dir.display()
    );
    tracing::info!(
        seed_dir = %serve.seed_dir.display(),
        sources = sources.len(),
        "importing the bundled data (first start, or resuming one that did not finish)"
    );
    let report = directory
        .seed(&serve.seed_dir, bar)
        .context("importing the bundled data; fix the cause and start again: the import resumes where it stopped")?;
    for s in &report.sources {
        tracing::info!(
            dataset = %s.dataset,
            rows = s.rows_read,
            imported = s.inserted,
            unchanged = s.unchanged,
            skipped = s.skipped.len(),
            "imported {}",
            s.path.display()
        );
    }
    tracing::info!(
        listings = directory.listing_count(),
        searchable = directory.searchable_count(),
        took_s = format!("{:.1}", report.took.as_secs_f64()),
        "bundled data imported"
    );
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM (what service managers and `docker stop` send).
async fn shutdown_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            // Without a handler we cannot stop gracefully on SIGTERM; Ctrl-C still works.
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
