//! Backups of the store and restoring them into a new one.
//!
//! A backup is a folder: one file per tree of records (`TREE.kv`: each entry
//! as a big-endian u32 key length, the key, a u32 value length, the value) and
//! `manifest.json` naming each file with its entry count, size and SHA-256.
//! It is written to `DIR.partial` and renamed to `DIR` once whole, so a folder
//! named `DIR` is always complete.
//!
//! Only records are copied. The indexes kept beside them (e-mail to user, a
//! clinician's referrals, referrals by time, retried request ids, a person's
//! lists) are rebuilt from the records when restoring, and sessions are not
//! kept: everyone signs in again after a restore.
//!
//! While the server runs, writes go on during the copy. The backup point is
//! the flush that starts it: everything acknowledged before it is in the
//! backup. A write that lands during the copy may or may not be; the restore
//! keeps the records consistent either way (indexes rebuilt, the audit log cut
//! at the entry that was newest at the backup point).

use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{Store, StoreError, decode, keys};
use crate::model::{Referral, SavedList, User};

/// The version of the backup layout this Hearth writes and reads.
pub const BACKUP_FORMAT: u32 = 1;

/// The manifest's file name in a backup folder.
pub const MANIFEST: &str = "manifest.json";

/// The trees a backup copies, `meta` first (its audit head marks the backup
/// point for the audit log).
const COPIED: &[&str] = &[
    keys::META,
    keys::SERVICES,
    keys::ORGANIZATIONS,
    keys::CHANGES,
    keys::USERS,
    keys::TOKENS,
    keys::REFERRALS,
    keys::LISTS,
    keys::SUBMISSIONS,
    keys::CLAIMS,
    keys::OUTBOX,
    keys::SEARCH_LOG,
    keys::AUDIT,
];

/// What a backup holds, written last into its folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    /// The Hearth version that wrote it.
    pub hearth: String,
    pub store_id: String,
    pub created_at: DateTime<Utc>,
    /// The audit entry that was newest at the backup point: entries after it
    /// were written while the copy ran and are left out when restoring.
    pub audit_head: Option<u64>,
    pub trees: Vec<TreeFile>,
}

/// One tree's file in a backup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TreeFile {
    pub tree: String,
    pub file: String,
    pub entries: u64,
    pub bytes: u64,
    pub sha256: String,
}

/// What a restore wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restored {
    pub manifest: Manifest,
    /// Audit entries written after the backup point, left out.
    pub audit_left_out: u64,
}

/// A backup or restore that could not be done; nothing half-written is left
/// where a store or a backup is expected.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Invalid(String),
}

impl From<sled::Error> for BackupError {
    fn from(error: sled::Error) -> Self {
        BackupError::Store(StoreError::Sled(error))
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BackupError + '_ {
    move |source| BackupError::Io {
        path: path.to_owned(),
        source,
    }
}

/// `dir` with `.partial` after its name.
fn partial(dir: &Path) -> PathBuf {
    let mut name = dir.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    dir.with_file_name(name)
}

/// A folder that is missing, or present and empty.
fn is_free(dir: &Path) -> bool {
    std::fs::read_dir(dir).map_or(true, |mut entries| entries.next().is_none())
}

impl Store {
    /// Writes a backup of every record to the folder `dir` (which must not
    /// exist, or be empty), after making every acknowledged write durable.
    pub fn backup(&self, dir: &Path, now: DateTime<Utc>) -> Result<Manifest, BackupError> {
        if !is_free(dir) {
            return Err(BackupError::Invalid(format!(
                "{} already holds files; back up into a new folder",
                dir.display()
            )));
        }
        let work = partial(dir);
        if work.exists() {
            std::fs::remove_dir_all(&work).map_err(io(&work))?;
        }
        std::fs::create_dir_all(&work).map_err(io(&work))?;
        self.flush()?;
        let audit_head = self
            .meta
            .get(keys::META_AUDIT_HEAD)?
            .and_then(|head| keys::seq_from_key(head.get(..8)?));
        let mut trees = Vec::with_capacity(COPIED.len());
        for name in COPIED {
            let tree = self.db.open_tree(name)?;
            let file = format!("{name}.kv");
            let path = work.join(&file);
            let handle = std::fs::File::create(&path).map_err(io(&path))?;
            let mut out = Hashing::new(BufWriter::new(handle));
            let mut entries = 0;
            for item in tree.iter() {
                let (key, value) = item?;
                for part in [&key[..], &value[..]] {
                    let len = u32::try_from(part.len()).map_err(|_| {
                        BackupError::Invalid(format!("a record in {name} is over 4 GB"))
                    })?;
                    out.write_all(&len.to_be_bytes()).map_err(io(&path))?;
                    out.write_all(part).map_err(io(&path))?;
                }
                entries += 1;
            }
            let (bytes, sha256, writer) = out.finish();
            let handle = writer.into_inner().map_err(|e| io(&path)(e.into_error()))?;
            handle.sync_all().map_err(io(&path))?;
            trees.push(TreeFile {
                tree: (*name).to_owned(),
                file,
                entries,
                bytes,
                sha256,
            });
        }
        let manifest = Manifest {
            format: BACKUP_FORMAT,
            hearth: env!("CARGO_PKG_VERSION").to_owned(),
            store_id: self.id().to_owned(),
            created_at: now,
            audit_head,
            trees,
        };
        let path = work.join(MANIFEST);
        let text = serde_json::to_vec_pretty(&manifest).map_err(StoreError::from)?;
        let mut handle = std::fs::File::create(&path).map_err(io(&path))?;
        handle.write_all(&text).map_err(io(&path))?;
        handle.sync_all().map_err(io(&path))?;
        if dir.exists() {
            std::fs::remove_dir(dir).map_err(io(dir))?;
        }
        std::fs::rename(&work, dir).map_err(io(dir))?;
        Ok(manifest)
    }

    /// Restores the backup in `backup` as a new store at `store_path` (which
    /// must not hold one). Every file is checked against the manifest before
    /// anything is written; the store is built beside `store_path` and renamed
    /// into place once whole.
    pub fn restore(backup: &Path, store_path: &Path) -> Result<Restored, BackupError> {
        if !is_free(store_path) {
            return Err(BackupError::Invalid(format!(
                "there is already a store at {}; restore into a new --dir",
                store_path.display()
            )));
        }
        let manifest = read_manifest(backup)?;
        for tree in &manifest.trees {
            verify(backup, tree)?;
        }
        let work = partial(store_path);
        if work.exists() {
            std::fs::remove_dir_all(&work).map_err(io(&work))?;
        }
        {
            let db = sled::Config::new().path(&work).open()?;
            for tree in &manifest.trees {
                let target = db.open_tree(&tree.tree)?;
                let path = backup.join(&tree.file);
                let mut reader =
                    std::io::BufReader::new(std::fs::File::open(&path).map_err(io(&path))?);
                while let Some(key) = read_part(&mut reader, &path)? {
                    let value = read_part(&mut reader, &path)?.ok_or_else(|| {
                        BackupError::Invalid(format!("{}: ends inside an entry", path.display()))
                    })?;
                    target.insert(key, value)?;
                }
            }
            // Counted again when the store opens.
            db.open_tree(keys::META)?.remove(keys::META_LISTINGS)?;
            db.flush()?;
        }
        let audit_left_out = {
            let store = Store::open(&work)?;
            let left_out = store.rebuild_indexes(manifest.audit_head)?;
            store.flush()?;
            left_out
        };
        if store_path.exists() {
            std::fs::remove_dir(store_path).map_err(io(store_path))?;
        }
        std::fs::rename(&work, store_path).map_err(io(store_path))?;
        Ok(Restored {
            manifest,
            audit_left_out,
        })
    }

    /// Rebuilds the indexes kept beside the records from the records, drops
    /// sessions, and cuts the audit log after `audit_head` (when given).
    /// Returns how many audit entries were cut.
    fn rebuild_indexes(&self, audit_head: Option<u64>) -> Result<u64, StoreError> {
        for tree in [
            &self.users_by_email,
            &self.referrals_by_user,
            &self.referrals_by_time,
            &self.referral_requests,
            &self.lists_by_user,
            &self.sessions,
        ] {
            tree.clear()?;
        }
        for item in self.users.iter() {
            let (key, value) = item?;
            let user: User = decode(&key, &value)?;
            self.users_by_email
                .insert(user.email.as_bytes(), user.id.as_bytes())?;
        }
        for item in self.referrals.iter() {
            let (key, value) = item?;
            let referral: Referral = decode(&key, &value)?;
            self.referrals_by_user.insert(
                keys::user_scoped(&referral.created_by, &referral.id),
                &[] as &[u8],
            )?;
            self.referrals_by_time.insert(
                keys::referral_time_key(referral.created_at, &referral.id),
                &[] as &[u8],
            )?;
            if let Some(request) = &referral.request_id {
                self.referral_requests.insert(
                    keys::user_scoped(&referral.created_by, request),
                    referral.id.as_bytes(),
                )?;
            }
        }
        for item in self.lists.iter() {
            let (key, value) = item?;
            let list: SavedList = decode(&key, &value)?;
            for person in super::lists::people(Some(&list)) {
                self.lists_by_user
                    .insert(keys::user_scoped(person, &list.id), &[] as &[u8])?;
            }
        }
        let mut cut = 0;
        if let Some(head) = audit_head {
            let after = keys::seq_key(head.saturating_add(1));
            let later: Vec<sled::IVec> =
                self.audit.range(after..).keys().collect::<Result<_, _>>()?;
            for key in later {
                self.audit.remove(key)?;
                cut += 1;
            }
        }
        // The copied head may be newer than the entries kept (an entry written
        // between reading the backup point and copying `meta`): the head is
        // the newest entry kept.
        if self.meta.contains_key(keys::META_AUDIT_HEAD)? {
            match self.audit.last()? {
                Some((key, value)) => {
                    let mut head = key.to_vec();
                    head.extend_from_slice(super::accounts::link_hash(&key, &value).as_bytes());
                    self.meta.insert(keys::META_AUDIT_HEAD, head)?;
                }
                None => {
                    self.meta.remove(keys::META_AUDIT_HEAD)?;
                }
            }
        }
        Ok(cut)
    }
}

/// Reads and checks a backup folder's manifest.
pub fn read_manifest(backup: &Path) -> Result<Manifest, BackupError> {
    let path = backup.join(MANIFEST);
    let text = std::fs::read(&path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            BackupError::Invalid(format!(
                "{} has no {MANIFEST}: it is not a Hearth backup, or the backup did not finish",
                backup.display()
            ))
        } else {
            io(&path)(e)
        }
    })?;
    let manifest: Manifest = serde_json::from_slice(&text).map_err(|e| {
        BackupError::Invalid(format!("{}: not a backup manifest: {e}", path.display()))
    })?;
    if manifest.format != BACKUP_FORMAT {
        return Err(BackupError::Invalid(format!(
            "{}: backup format {} (this Hearth reads format {BACKUP_FORMAT})",
            path.display(),
            manifest.format
        )));
    }
    for tree in &manifest.trees {
        if !COPIED.contains(&tree.tree.as_str())
            || tree.file.contains(['/', '\\'])
            || tree.file.starts_with('.')
        {
            return Err(BackupError::Invalid(format!(
                "{}: names an unexpected tree or file ({} in {})",
                path.display(),
                tree.tree,
                tree.file
            )));
        }
    }
    Ok(manifest)
}

/// Checks one file of a backup against its manifest entry: size, checksum and
/// entry count.
pub fn verify(backup: &Path, tree: &TreeFile) -> Result<(), BackupError> {
    let path = backup.join(&tree.file);
    let file = std::fs::File::open(&path).map_err(io(&path))?;
    // One pass: the entries are counted as the bytes are hashed. A file that
    // does not parse is read to its end, so a changed byte is reported as
    // damage (the checksum) before what it broke.
    let mut reader = Hashing::new(std::io::BufReader::new(file));
    let mut entries = 0;
    let parsed = loop {
        match read_part(&mut reader, &path) {
            Ok(None) => break Ok(()),
            Ok(Some(_)) => match read_part(&mut reader, &path) {
                Ok(Some(_)) => entries += 1,
                Ok(None) => {
                    break Err(BackupError::Invalid(format!(
                        "{}: ends inside an entry",
                        path.display()
                    )));
                }
                Err(e) => break Err(e),
            },
            Err(e) => break Err(e),
        }
    };
    if parsed.is_err() {
        std::io::copy(&mut reader, &mut std::io::sink()).map_err(io(&path))?;
    }
    let (bytes, sha256, _) = reader.finish();
    if bytes != tree.bytes || sha256 != tree.sha256 {
        return Err(BackupError::Invalid(format!(
            "{}: does not match the manifest ({bytes} bytes, SHA-256 {sha256}; expected {} bytes, {}): the backup is damaged",
            path.display(),
            tree.bytes,
            tree.sha256
        )));
    }
    parsed?;
    if entries != tree.entries {
        return Err(BackupError::Invalid(format!(
            "{}: holds {entries} entries, the manifest says {}",
            path.display(),
            tree.entries
        )));
    }
    Ok(())
}

/// One length-prefixed part, or `None` at the end of the file.
fn read_part(reader: &mut impl Read, path: &Path) -> Result<Option<Vec<u8>>, BackupError> {
    let mut len = [0u8; 4];
    match reader.read_exact(&mut len) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(io(path)(e)),
    }
    let mut part = vec![0u8; u32::from_be_bytes(len) as usize];
    reader.read_exact(&mut part).map_err(|e| {
        if e.kind() == std::io::ErrorKind::UnexpectedEof {
            BackupError::Invalid(format!("{}: ends inside an entry", path.display()))
        } else {
            io(path)(e)
        }
    })?;
    Ok(Some(part))
}

/// A reader or writer that counts and hashes what passes through it.
struct Hashing<W> {
    inner: W,
    hasher: Sha256,
    bytes: u64,
}

impl<W> Hashing<W> {
    fn new(inner: W) -> Self {
        Hashing {
            inner,
            hasher: Sha256::new(),
            bytes: 0,
        }
    }

    /// The bytes passed, their SHA-256 in hex, and the inner reader or writer.
    fn finish(self) -> (u64, String, W) {
        (
            self.bytes,
            crate::auth::token::hex(&self.hasher.finalize()),
            self.inner,
        )
    }
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{AuditEntry, test_store};

    type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

    fn entry(action: &str) -> AuditEntry {
        AuditEntry {
            at: Utc::now(),
            actor: "u1".into(),
            action: action.into(),
            target_kind: "user".into(),
            target_id: "u2".into(),
        }
    }

    #[test]
    fn audit_entries_past_the_backup_point_are_left_out_and_the_chain_holds() -> Result {
        let (dir, store) = test_store();
        store.audit(&entry("a"))?;
        store.audit(&entry("b"))?;
        // An entry that lands after `meta` (with the head) was copied: in the
        // copy of the log, but after the backup point.
        let seq = store.db.generate_id()?;
        store.audit.insert(
            keys::seq_key(seq),
            serde_json::to_vec(&serde_json::json!({
                "at": "2026-01-01T00:00:00Z", "actor": "u1", "action": "late",
                "target_kind": "user", "target_id": "u2", "prev": "x"
            }))?,
        )?;
        let backup = dir.path().join("backup");
        let manifest = store.backup(&backup, Utc::now())?;
        assert_eq!(
            manifest
                .trees
                .iter()
                .find(|t| t.tree == keys::AUDIT)
                .map(|t| t.entries),
            Some(3)
        );
        let target = dir.path().join("restored");
        let restored = Store::restore(&backup, &target)?;
        assert_eq!(restored.audit_left_out, 1);
        let store = Store::open(&target)?;
        let check = store.check()?;
        assert!(check.is_sound(), "{check:?}");
        assert_eq!(check.audit.entries, 2);
        Ok(())
    }

    #[test]
    fn a_head_copied_after_the_backup_point_is_set_back_to_the_newest_entry_kept() -> Result {
        let (dir, store) = test_store();
        store.audit(&entry("a"))?;
        let point =
            keys::seq_from_key(&store.meta.get(keys::META_AUDIT_HEAD)?.unwrap_or_default()[..8]);
        // Written after the backup point was read, before `meta` was copied.
        store.audit(&entry("b"))?;
        let backup = dir.path().join("backup");
        let mut manifest = store.backup(&backup, Utc::now())?;
        manifest.audit_head = point;
        std::fs::write(backup.join(MANIFEST), serde_json::to_vec(&manifest)?)?;
        let target = dir.path().join("restored");
        let restored = Store::restore(&backup, &target)?;
        assert_eq!(restored.audit_left_out, 1);
        let check = Store::open(&target)?.check()?;
        assert!(check.is_sound(), "{check:?}");
        assert_eq!(check.audit.entries, 1);
        Ok(())
    }
}
