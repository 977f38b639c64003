//! Backing up a home's store and restoring one into a new home.

use std::path::Path;

use chrono::{DateTime, Utc};

use super::Directory;
use crate::store::{AuditEntry, BackupError, Manifest, Restored, Store};

impl Directory {
    /// Backs up the open store into the new folder `to` (see
    /// [`Store::backup`]): the way `serve` does it while it runs. Audited.
    pub fn backup(&self, to: &Path, by: &str, now: DateTime<Utc>) -> Result<Manifest, BackupError> {
        backup_audited(&self.store, to, by, now)
    }
}

/// Backs up `store` into `to`, then writes who did it to the audit log (the
/// folder's name, not its path).
fn backup_audited(
    store: &Store,
    to: &Path,
    by: &str,
    now: DateTime<Utc>,
) -> Result<Manifest, BackupError> {
    let manifest = store.backup(to, now)?;
    store.audit(&AuditEntry {
        at: now,
        actor: by.to_owned(),
        action: "store.backup".into(),
        target_kind: "backup".into(),
        target_id: to
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned(),
    })?;
    store.durable()?;
    Ok(manifest)
}

/// Backs up the store of the home at `home` into the new folder `to`, when no
/// other process has it open (the store's error says so when one does).
pub fn backup_home(
    home: &Path,
    to: &Path,
    by: &str,
    now: DateTime<Utc>,
) -> Result<Manifest, BackupError> {
    let path = home.join("store");
    if !path.exists() {
        return Err(BackupError::Invalid(format!(
            "there is no store at {} to back up (pass the home with --dir)",
            path.display()
        )));
    }
    backup_audited(&Store::open(&path)?, to, by, now)
}

/// Restores the backup folder `backup` as the store of the new home `home`
/// (its search index is built when the home is next opened).
pub fn restore_home(backup: &Path, home: &Path) -> Result<Restored, BackupError> {
    Store::restore(backup, &home.join("store"))
}
