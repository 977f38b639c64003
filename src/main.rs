//! The `hearth` binary: parse the command line, start tracing, hand off to `cli`.

use clap::Parser;
use tracing_subscriber::EnvFilter;

/// mimalloc instead of the system allocator: indexing and search allocate many
/// small, short-lived values on several threads, where glibc's malloc spent a
/// fifth of an import's time and kept memory it no longer used.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,tower_http=warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    // reqwest (used for remote HSDS sources) uses rustls with the ring provider.
    let _ = rustls::crypto::ring::default_provider().install_default();
    match hearth::cli::Cli::parse().run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
