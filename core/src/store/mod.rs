//! The phone's encrypted local store: one SQLite file in WAL mode, numbered migrations, and every
//! piece of personal data sealed with AES-256-GCM under a key derived from the platform master key.
//! Associated data binds each ciphertext to its table, column, row and version, so a ciphertext moved
//! to another row or column does not decrypt.

mod cipher;
mod due_columns;
mod error;
mod flusher;
mod households;
mod outbox;
mod revocation;
mod schema;
mod settings;
mod visits;

pub use cipher::{Encrypted, RowCipher};
pub use error::StoreError;
pub use outbox::{OutboxEntry, OutboxState, Task};
pub use revocation::RevocationRecord;
pub use schema::SCHEMA_VERSION;
pub use settings::DeviceIdentity;
pub use visits::{LastVisitSummary, SealedRecord, VisitState};

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use rusqlite::{Connection, OpenFlags, OptionalExtension, Transaction};

use crate::crypto::KeyProvider;
use flusher::Flusher;

const CANARY_PLAINTEXT: &[u8] = b"fieldvisit store canary v1";

/// An open store. All access goes through one connection (one writer), behind a mutex so the
/// store can be shared between threads.
pub struct Store {
    /// Declared first so that it is dropped first: pending flushes finish before the connection closes.
    flusher: Flusher,
    conn: Mutex<Connection>,
    cipher: RowCipher,
    /// The device key once loaded (`Store::device_key`).
    device_key: Mutex<Option<Arc<crate::crypto::DeviceSigningKey>>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Store(<encrypted>)")
    }
}

impl Store {
    /// Opens (or creates) the store at `path`. A wrong key is detected by the canary before anything
    /// is written, and reported as [`StoreError::WrongKey`].
    pub fn open(path: &Path, keys: &dyn KeyProvider) -> Result<Self, StoreError> {
        let master = keys.master_key().map_err(StoreError::KeyProvider)?;
        let cipher = RowCipher::new(master.derive("store/rows/v1"));
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut conn = Connection::open_with_flags(path, flags)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version > 0 {
            check_canary(&conn, &cipher)?;
        }
        if version > i64::from(SCHEMA_VERSION) {
            return Err(StoreError::NewerSchema {
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // NORMAL: commits do not wait for the disk; the flusher fsyncs the WAL right after each one
        // (see `flusher.rs` for why a sealed visit is still never lost).
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        let tx = conn.transaction()?;
        schema::upgrade(&tx, version, &cipher)?;
        if version == 0 {
            let canary = cipher.seal("meta", "value", "canary", CANARY_PLAINTEXT)?;
            tx.execute(
                "INSERT INTO meta (key, value) VALUES ('canary', ?1)",
                [canary.as_bytes()],
            )?;
        }
        tx.commit()?;
        let flusher = Flusher::start(path)?;
        flusher.committed();
        Ok(Store {
            flusher,
            conn: Mutex::new(conn),
            cipher,
            device_key: Mutex::new(None),
        })
    }

    /// The row cipher, for modules that encrypt their columns.
    pub(crate) fn cipher(&self) -> &RowCipher {
        &self.cipher
    }

    /// Locks the connection. A poisoned lock (a panic while holding it) is recovered: SQLite's own
    /// transactions keep the file consistent.
    pub(crate) fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` in one immediate transaction; commits if it returns `Ok`.
    pub(crate) fn write<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&Transaction<'_>, &RowCipher) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(StoreError::from)?;
        let out = f(&tx, &self.cipher)?;
        tx.commit().map_err(StoreError::from)?;
        self.flusher.committed();
        Ok(out)
    }

    /// Blocks until everything committed so far is on disk (at most one fsync away after any
    /// commit). Anything that leaves the phone waits for this first.
    pub fn wait_durable(&self) -> Result<(), StoreError> {
        self.flusher.wait()
    }

    /// Reads a meta value and decrypts it.
    pub(crate) fn meta_get(
        &self,
        key: &str,
    ) -> Result<Option<zeroize::Zeroizing<Vec<u8>>>, StoreError> {
        let conn = self.conn();
        let raw: Option<Vec<u8>> = conn
            .prepare_cached("SELECT value FROM meta WHERE key = ?1")?
            .query_row([key], |r| r.get(0))
            .optional()?;
        raw.map(|v| {
            self.cipher
                .open("meta", "value", key, &Encrypted::from_db(v))
        })
        .transpose()
    }

    /// Encrypts and writes a meta value.
    pub(crate) fn meta_put(
        tx: &Transaction<'_>,
        cipher: &RowCipher,
        key: &str,
        value: &[u8],
    ) -> Result<(), StoreError> {
        let sealed = cipher.seal("meta", "value", key, value)?;
        tx.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            rusqlite::params![key, sealed.as_bytes()],
        )?;
        Ok(())
    }

    /// `PRAGMA integrity_check` result ("ok" when healthy).
    pub fn integrity_check(&self) -> Result<String, StoreError> {
        Ok(self
            .conn()
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))?)
    }

    /// Moves the WAL into the main file (SQLite does this on its own; tests and backups call it).
    pub fn checkpoint(&self) -> Result<(), StoreError> {
        self.conn()
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }

    /// Schema version of the open file.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn()
            .query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }
}

fn check_canary(conn: &Connection, cipher: &RowCipher) -> Result<(), StoreError> {
    let raw: Option<Vec<u8>> = conn
        .query_row("SELECT value FROM meta WHERE key = 'canary'", [], |r| {
            r.get(0)
        })
        .optional()?;
    let raw = raw.ok_or(StoreError::Corrupt("the key canary is missing"))?;
    match cipher.open("meta", "value", "canary", &Encrypted::from_db(raw)) {
        Ok(p) if p.as_slice() == CANARY_PLAINTEXT => Ok(()),
        _ => Err(StoreError::WrongKey),
    }
}

#[cfg(test)]
mod tests;
