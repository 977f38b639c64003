//! Typed configuration: defaults, then `HEARTH_*` environment variables, then flags.
//!
//! clap reads the environment and the flags (each flag names its variable);
//! this module holds the defaults and the validated values every command uses.

use std::net::SocketAddr;
use std::path::PathBuf;

/// Where Hearth keeps its state unless told otherwise: `index/` in the working directory.
pub const DEFAULT_HOME: &str = "index";
/// Where `serve` listens unless told otherwise.
pub const DEFAULT_ADDR: &str = "127.0.0.1:8080";
/// The bundled open data `serve` imports into an empty store.
pub const DEFAULT_SEED_DIR: &str = "data";

/// The file in the home where a running `serve` says where it listens and the
/// secret `hearth backup` sends it (readable by its user only; removed when it
/// stops cleanly).
pub const SERVE_FILE: &str = "serve.json";

/// The settings every command shares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Hearth's home: `store/` (sled) and `search/` (tantivy) live here.
    pub home: PathBuf,
}

/// The settings of `serve`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServeConfig {
    pub addr: SocketAddr,
    /// Imported when the store is empty.
    pub seed_dir: PathBuf,
}
