//! `hearth serve`: open the directory, seed it with the bundled data when empty, serve HTTP.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;

use super::progress::Bar;
use crate::config::{Config, DEFAULT_ADDR, DEFAULT_SEED_DIR, ServeConfig};
use crate::directory::Directory;
use crate::import::bundled_sources;
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
    if directory.needs_seed().context("reading the store")? {
        seed(&directory, &serve, &bar)?;
    }
    let listings = directory.listing_count();
    let needs_admin = !directory.has_admin().context("reading the users")?;
    let mut state = AppState::new(directory);
    state.secure_cookies = args.secure_cookies;
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
        tracing::info!(
            listings,
            ready_in_s = format!("{:.1}", started.elapsed().as_secs_f64()),
            "Hearth is ready: open http://{local}/ in a browser"
        );
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
        axum::serve(
            listener,
            router(state).into_make_service_with_connect_info::<SocketAddr>(),
        )
            .with_graceful_shutdown(shutdown_signal())
            .await
            .context("serving HTTP")
    })
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
