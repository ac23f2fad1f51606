//! Backup and restore of the embedded default (SQLite and the photo folder), while the server
//! runs (`docs/deploy.md`, backups).
//!
//! - **Database first.** `VACUUM INTO` writes a consistent copy of the database from one read
//!   transaction, so ingest goes on meanwhile.
//! - **Then photos.** A photo is marked complete only after its file is in place, and photo files
//!   are never changed or removed, so copying them after the database holds every photo the copy
//!   names (and perhaps a few newer ones it does not).
//! - **Verified after writing.** The copy's integrity check, its audit chain, and every complete
//!   photo's size and SHA-256 against the copy's own records. A restore verifies the backup before
//!   it writes anything, and the restored folder after.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};

use crate::audit::{AuditKey, ChainCheck, Verification};

/// The database file in a data folder or backup.
const DB_FILE: &str = "fieldvisit.db";
/// The photo folder in a data folder or backup.
const BLOB_DIR: &str = "blobs";

/// Why a backup or restore failed; nothing already stored is touched.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// The target already holds something.
    #[error("{0} is not empty: choose a new folder (nothing was written)")]
    TargetNotEmpty(PathBuf),
    /// The data folder already has a database.
    #[error("{0} already holds a database: restore into a new data folder (nothing was written)")]
    DataExists(PathBuf),
    /// There is no database to back up or restore.
    #[error("no database at {0}")]
    NoDatabase(PathBuf),
    /// A file could not be read or written.
    #[error("{path}: {why}")]
    Io {
        /// Where.
        path: PathBuf,
        /// What went wrong.
        why: String,
    },
    /// The database copy failed or does not read back.
    #[error("database: {0}")]
    Database(String),
    /// The copy does not verify.
    #[error("the backup does not verify: {0}")]
    Verify(String),
}

/// What a verified backup (or restored folder) holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Holdings {
    /// Visits.
    pub visits: u64,
    /// Complete photos, each checked.
    pub photos: u64,
    /// Audit entries, the chain intact.
    pub audit_entries: u64,
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> BackupError + '_ {
    move |e| BackupError::Io {
        path: path.to_owned(),
        why: e.to_string(),
    }
}

fn db(e: rusqlite::Error) -> BackupError {
    BackupError::Database(e.to_string())
}

fn is_empty_or_missing(dir: &Path) -> Result<bool, BackupError> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => Ok(entries.next().is_none()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(true),
        Err(e) => Err(io(dir)(e)),
    }
}

/// Copies the photo files (not unfinished uploads) of `from` into `to`; returns how many.
fn copy_photos(from: &Path, to: &Path) -> Result<u64, BackupError> {
    let mut copied = 0;
    let mut dirs = vec![PathBuf::new()];
    while let Some(rel) = dirs.pop() {
        let src = from.join(&rel);
        let entries = match std::fs::read_dir(&src) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(io(&src)(e)),
        };
        crate::files::private_dir(&to.join(&rel)).map_err(io(to))?;
        for entry in entries {
            let entry = entry.map_err(io(&src))?;
            let name = entry.file_name();
            let rel = rel.join(&name);
            let kind = entry.file_type().map_err(io(&src))?;
            if kind.is_dir() {
                dirs.push(rel);
            } else if kind.is_file() && !name.to_string_lossy().ends_with(".part") {
                let target = to.join(&rel);
                std::fs::copy(entry.path(), &target).map_err(io(&target))?;
                crate::files::owner_only(&target).map_err(io(&target))?;
                copied += 1;
            }
        }
    }
    Ok(copied)
}

/// Checks a backup or data folder: the database's integrity, its audit chain, and every photo it
/// marks complete against its recorded size and SHA-256.
pub fn verify(dir: &Path, key: &AuditKey) -> Result<Holdings, BackupError> {
    let path = dir.join(DB_FILE);
    if !path.is_file() {
        return Err(BackupError::NoDatabase(path));
    }
    let c = Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(db)?;
    let integrity: String = c
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(db)?;
    if integrity != "ok" {
        return Err(BackupError::Verify(format!(
            "the database's integrity check says {integrity:?}"
        )));
    }
    let mut chain = ChainCheck::new(key, &[]);
    loop {
        let page = crate::store::sqlite::audit_entries_of(&c, chain.checked(), 1000)
            .map_err(|e| BackupError::Database(e.to_string()))?;
        if page.is_empty() {
            break;
        }
        for e in &page {
            chain.next(e).map_err(|v| match v {
                Verification::Broken { seq, reason } => {
                    BackupError::Verify(format!("audit entry {seq}: {reason}"))
                }
                Verification::Intact { .. } => BackupError::Verify("audit chain".into()),
            })?;
        }
    }
    let audit_entries = chain.checked();
    let visits: u64 = c
        .query_row("SELECT COUNT(*) FROM visits", [], |r| r.get(0))
        .map_err(db)?;
    let mut st = c
        .prepare("SELECT visit_id, photo_id, sha256, size FROM photos WHERE complete = 1")
        .map_err(db)?;
    let mut rows = st.query([]).map_err(db)?;
    let mut photos = 0;
    while let Some(r) = rows.next().map_err(db)? {
        let (visit, photo, sha, size): (String, String, String, u64) = (
            r.get(0).map_err(db)?,
            r.get(1).map_err(db)?,
            r.get(2).map_err(db)?,
            r.get(3).map_err(db)?,
        );
        let file = crate::blob::BlobKey::photo(&visit, &photo)
            .map(|k| {
                k.segments()
                    .iter()
                    .fold(dir.join(BLOB_DIR), |p, s| p.join(s))
            })
            .ok_or_else(|| BackupError::Verify("a photo id that is not an id".into()))?;
        if !file.is_file() {
            return Err(BackupError::Verify(format!(
                "photo {photo} of visit {visit} is missing"
            )));
        }
        let (len, hash) = crate::files::sha256_of(&file).map_err(io(&file))?;
        if len != size || hash.to_hex() != sha {
            return Err(BackupError::Verify(format!(
                "photo {photo} of visit {visit} does not match its recorded size and SHA-256"
            )));
        }
        photos += 1;
    }
    Ok(Holdings {
        visits,
        photos,
        audit_entries,
    })
}

/// Backs up the data folder `data` into the new folder `to`, and verifies the copy.
pub fn backup(data: &Path, to: &Path, key: &AuditKey) -> Result<Holdings, BackupError> {
    let source = data.join(DB_FILE);
    if !source.is_file() {
        return Err(BackupError::NoDatabase(source));
    }
    if !is_empty_or_missing(to)? {
        return Err(BackupError::TargetNotEmpty(to.to_owned()));
    }
    crate::files::private_dir(to).map_err(io(to))?;
    let copy = to.join(DB_FILE);
    let c = Connection::open_with_flags(&source, OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(db)?;
    c.busy_timeout(std::time::Duration::from_secs(30))
        .map_err(db)?;
    let target = copy
        .to_str()
        .ok_or_else(|| BackupError::Verify("the backup path is not UTF-8".into()))?;
    c.execute("VACUUM INTO ?1", [target]).map_err(db)?;
    crate::files::owner_only(&copy).map_err(io(&copy))?;
    copy_photos(&data.join(BLOB_DIR), &to.join(BLOB_DIR))?;
    verify(to, key)
}

/// Restores a verified backup `from` into the data folder `data`, which must hold no database
/// yet, and verifies what it wrote.
pub fn restore(from: &Path, data: &Path, key: &AuditKey) -> Result<Holdings, BackupError> {
    let expected = verify(from, key)?;
    let target = data.join(DB_FILE);
    if target.exists() {
        return Err(BackupError::DataExists(data.to_owned()));
    }
    crate::files::private_dir(data).map_err(io(data))?;
    std::fs::copy(from.join(DB_FILE), &target).map_err(io(&target))?;
    crate::files::owner_only(&target).map_err(io(&target))?;
    copy_photos(&from.join(BLOB_DIR), &data.join(BLOB_DIR))?;
    let got = verify(data, key)?;
    if got != expected {
        return Err(BackupError::Verify(format!(
            "the restored folder holds {got:?}, the backup {expected:?}"
        )));
    }
    Ok(got)
}
