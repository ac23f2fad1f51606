//! SQLite store: one writer connection and a few read-only connections, used from
//! `spawn_blocking`, WAL journal (readers never wait for the writer).
//!
//! Per-concern SQL lives in the sibling files as functions over `&Connection` / `&Transaction`.

mod alerts;
mod assignments;
mod audit;
pub(crate) use audit::entries as audit_entries_of;
mod config;
mod devices;
mod dues;
mod group_commit;
mod key_sessions;
mod migrations;
mod org;
mod reports;
mod reviews;
mod staff;
mod visits;

use std::path::Path;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use fieldvisit_core::caseload::ScheduleConfig;
use rusqlite::Connection;

use group_commit::{Write, Written};
pub use migrations::{MIGRATIONS, current_version, migrate};

use super::*;

/// The SQLite implementation of [`Store`].
#[derive(Clone)]
pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
    /// Idle read-only connections (none for an in-memory database, which cannot share them).
    readers: Arc<Mutex<Vec<Connection>>>,
    /// One permit per read-only connection: a read waits for an idle reader rather than queueing
    /// behind the writer (none for an in-memory database).
    reader_slots: Option<Arc<tokio::sync::Semaphore>>,
    /// Visits waiting to be committed together.
    ingest_queue: Arc<group_commit::IngestQueue>,
}

/// Read-only connections kept for lookups (auth extractors run several per request; ingest at 32
/// concurrent phones keeps about this many busy).
const READERS: usize = 6;

/// Reader connections a large report reads on at once: one per core, at most the pool.
fn parallel_reads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().clamp(1, READERS))
}

/// Bytes of the database file each read-only connection maps (SQLite's default ceiling, 2 GiB).
const READER_MMAP_BYTES: i64 = 0x7fff_0000;

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SqliteStore")
    }
}

pub(crate) fn backend(e: rusqlite::Error) -> StoreError {
    StoreError::Backend(e.to_string())
}

/// Fixed-width UTC text, so text order is time order.
pub(crate) fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// The number written in ASCII digits at `r` of `b` (`None` past the end or at any other byte).
fn digits(b: &[u8], r: std::ops::Range<usize>) -> Option<u32> {
    b.get(r)?.iter().try_fold(0u32, |n, c| {
        c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
    })
}

/// `YYYY-MM-DD` without the general date parser (a county has 200,000 of them).
fn parse_own_day(b: &[u8]) -> Option<NaiveDate> {
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    NaiveDate::from_ymd_opt(
        i32::try_from(digits(b, 0..4)?).ok()?,
        digits(b, 5..7)?,
        digits(b, 8..10)?,
    )
}

/// The text [`ts`] writes, read without the general RFC 3339 parser (reports read hundreds of
/// thousands of them).
fn parse_own_ts(s: &str) -> Option<DateTime<Utc>> {
    let b = s.as_bytes();
    if b.len() != 27
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
        || b[19] != b'.'
        || b[26] != b'Z'
    {
        return None;
    }
    let time = chrono::NaiveTime::from_hms_micro_opt(
        digits(b, 11..13)?,
        digits(b, 14..16)?,
        digits(b, 17..19)?,
        digits(b, 20..26)?,
    )?;
    Some(parse_own_day(&b[..10])?.and_time(time).and_utc())
}

pub(crate) fn parse_ts(s: &str) -> rusqlite::Result<DateTime<Utc>> {
    if let Some(t) = parse_own_ts(s) {
        return Ok(t);
    }
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, e.into())
        })
}

pub(crate) fn parse_opt_ts(s: Option<String>) -> rusqlite::Result<Option<DateTime<Utc>>> {
    s.as_deref().map(parse_ts).transpose()
}

pub(crate) fn bad_column(what: &str) -> rusqlite::Error {
    rusqlite::Error::InvalidColumnName(what.to_owned())
}

/// Log size (pages, 256 MiB) above which the WAL is restarted from its beginning. A restart
/// holds the writer for one copy and two flushes (70–100 ms on a slow disk), so it is kept rare:
/// once per quarter GiB of log, about 8,000 visits.
const RESTART_PAGES: i64 = 65_536;
/// Most pages a restart may still have to copy: it holds the writer meanwhile, so it waits until
/// the passive checkpoints have nearly caught up.
const RESTART_BACKLOG: i64 = 1_024;
/// Longest a restart waits for readers while it holds the writer.
const RESTART_WAIT: std::time::Duration = std::time::Duration::from_millis(20);

/// A blocking task that panicked or was cancelled, as a store error.
fn blocking_failed(e: tokio::task::JoinError) -> StoreError {
    StoreError::Backend(format!("blocking task failed: {e}"))
}

/// Copies the log back and restarts it, on the writer connection while holding it: no commit can
/// add frames meanwhile, and no writer on another connection can time out waiting for the lock.
/// Readers still using the log get [`RESTART_WAIT`]; if they outlast it, the next tick retries.
fn restart_log(writer: &Connection) -> rusqlite::Result<()> {
    writer.busy_timeout(RESTART_WAIT)?;
    let done = writer.query_row("PRAGMA wal_checkpoint(RESTART)", [], |_| Ok(()));
    writer.busy_timeout(std::time::Duration::from_millis(5000))?;
    done
}

/// Copies the WAL back into the database every 200 ms on a connection of its own; stops when the
/// store is dropped. `PASSIVE` never blocks the writer or readers.
fn spawn_checkpointer(path: &Path, alive: std::sync::Weak<Mutex<Connection>>) -> StoreResult<()> {
    let conn = Connection::open(path).map_err(backend)?;
    conn.pragma_update(None, "busy_timeout", 5000)
        .map_err(backend)?;
    conn.pragma_update(None, "synchronous", "FULL")
        .map_err(backend)?;
    std::thread::Builder::new()
        .name("sqlite-checkpoint".into())
        .spawn(move || {
            while alive.strong_count() > 0 {
                std::thread::sleep(std::time::Duration::from_millis(200));
                // (busy, pages in the log, pages copied back). A log is only started over when a
                // commit begins with every frame copied and no reader inside it; under sustained
                // ingest with busy readers that moment never comes and the log would only grow.
                let log: rusqlite::Result<(i64, i64, i64)> =
                    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
                        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                    });
                match log {
                    Ok((_, pages, copied))
                        if pages >= RESTART_PAGES && pages - copied <= RESTART_BACKLOG =>
                    {
                        let Some(writer) = alive.upgrade() else { break };
                        let Ok(w) = writer.lock() else { break };
                        if let Err(e) = restart_log(&w) {
                            tracing::warn!(error = %e, "WAL restart failed");
                        }
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "WAL checkpoint failed"),
                }
            }
        })
        .map_err(|e| StoreError::Backend(format!("checkpoint thread: {e}")))?;
    Ok(())
}

/// Runs `f` and appends `audit` (when given) in one write transaction: the entry commits with the
/// change it records, or neither does.
pub(super) fn with_audit<T>(
    c: &mut Connection,
    audit: Option<&AuditDraft>,
    f: impl FnOnce(&Connection) -> StoreResult<T>,
) -> StoreResult<T> {
    audited(c, |tx| Ok((f(tx)?, audit.cloned())))
}

/// Runs `f`, which says what to record once it knows what it did (nothing, when it changed
/// nothing), and appends that entry in the same write transaction.
pub(super) fn audited<T>(
    c: &mut Connection,
    f: impl FnOnce(&Connection) -> StoreResult<(T, Option<AuditDraft>)>,
) -> StoreResult<T> {
    let tx = c
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(backend)?;
    let (out, entry) = f(&tx)?;
    if let Some(d) = entry {
        audit::append_in(&tx, &d, Utc::now())?;
    }
    tx.commit().map_err(backend)?;
    Ok(out)
}

impl SqliteStore {
    /// Opens (creating if needed) and migrates the database file.
    pub fn open(path: &Path) -> StoreResult<Self> {
        let conn = Connection::open(path).map_err(backend)?;
        // SQLite gives its WAL and shared-memory files the database file's mode: they follow.
        crate::files::owner_only(path)
            .map_err(|e| StoreError::Backend(format!("database file permissions: {e}")))?;
        // Checkpoints run on their own connection and thread (below), so a commit never waits for
        // one while holding the writer.
        conn.pragma_update(None, "wal_autocheckpoint", 0)
            .map_err(backend)?;
        let mut store = Self::setup(conn)?;
        store.reader_slots = Some(Arc::new(tokio::sync::Semaphore::new(READERS)));
        spawn_checkpointer(path, Arc::downgrade(&store.conn))?;
        let mut readers = Vec::with_capacity(READERS);
        for _ in 0..READERS {
            // Each connection is used by one thread at a time (the pool hands it out), so SQLite's
            // per-call locking is not needed.
            let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY
                | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
            let r = Connection::open_with_flags(path, flags).map_err(backend)?;
            r.pragma_update(None, "busy_timeout", 5000)
                .map_err(backend)?;
            // Report scans read the database through memory maps rather than a read call per
            // page (the log is still read the usual way).
            r.pragma_update(None, "mmap_size", READER_MMAP_BYTES)
                .map_err(backend)?;
            readers.push(r);
        }
        *store
            .readers
            .lock()
            .map_err(|_| StoreError::Backend("reader pool poisoned".into()))? = readers;
        Ok(store)
    }

    /// An in-memory database, for tests.
    pub fn open_in_memory() -> StoreResult<Self> {
        Self::setup(Connection::open_in_memory().map_err(backend)?)
    }

    fn setup(mut conn: Connection) -> StoreResult<Self> {
        conn.pragma_update_and_check(None, "journal_mode", "WAL", |_| Ok(()))
            .map_err(backend)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(backend)?;
        // A receipt promises the visit survives a power cut: every commit reaches the disk.
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(backend)?;
        conn.pragma_update(None, "busy_timeout", 5000)
            .map_err(backend)?;
        migrate(&mut conn)?;
        let store = SqliteStore {
            conn: Arc::new(Mutex::new(conn)),
            readers: Arc::new(Mutex::new(Vec::new())),
            reader_slots: None,
            ingest_queue: Arc::new(group_commit::IngestQueue::default()),
        };
        group_commit::spawn_writer(Arc::clone(&store.ingest_queue), Arc::downgrade(&store.conn))?;
        Ok(store)
    }

    /// Queues a write for the next group commit and waits until it is durably committed.
    async fn commit_grouped(&self, write: Write) -> StoreResult<Written> {
        // The writer thread applies it even if this caller goes away meanwhile.
        self.ingest_queue
            .push(write)
            .await
            .map_err(|_| StoreError::Backend("ingest writer stopped".into()))?
    }

    /// Runs `f` on the connection on the blocking pool.
    async fn call<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> StoreResult<T> + Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            let mut guard = conn
                .lock()
                .map_err(|_| StoreError::Backend("connection mutex poisoned".into()))?;
            f(&mut guard)
        })
        .await
        .map_err(blocking_failed)?
    }

    /// Runs a read on an idle read-only connection, or on the writer when none is idle.
    async fn read<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    {
        let permit = match &self.reader_slots {
            Some(slots) => Some(
                Arc::clone(slots)
                    .acquire_owned()
                    .await
                    .map_err(|_| StoreError::Backend("reader pool closed".into()))?,
            ),
            None => None,
        };
        let readers = Arc::clone(&self.readers);
        let taken = readers
            .lock()
            .map_err(|_| StoreError::Backend("reader pool poisoned".into()))?
            .pop();
        match taken {
            None => self.call(move |c| f(c)).await,
            Some(conn) => tokio::task::spawn_blocking(move || {
                let out = f(&conn);
                if let Ok(mut idle) = readers.lock() {
                    idle.push(conn);
                }
                drop(permit);
                out
            })
            .await
            .map_err(blocking_failed)?,
        }
    }

    /// Runs a point read (one row by key, from cached pages) on an idle read-only connection right
    /// here on the async worker: such a read takes microseconds, less than handing it to a blocking
    /// thread and back. Anything that scans goes through [`Self::read`].
    async fn point_read<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    {
        let Some(slots) = &self.reader_slots else {
            return self.read(f).await;
        };
        let _permit = slots
            .acquire()
            .await
            .map_err(|_| StoreError::Backend("reader pool closed".into()))?;
        let taken = self
            .readers
            .lock()
            .map_err(|_| StoreError::Backend("reader pool poisoned".into()))?
            .pop();
        let Some(conn) = taken else {
            return self.call(move |c| f(c)).await;
        };
        let out = f(&conn);
        if let Ok(mut idle) = self.readers.lock() {
            idle.push(conn);
        }
        out
    }

    /// Runs raw SQL; tests use it to tamper with data.
    #[cfg(test)]
    pub(crate) async fn exec_for_tests(&self, sql: &'static str) -> StoreResult<()> {
        self.call(move |c| c.execute_batch(sql).map_err(backend))
            .await
    }
}

impl LoadStore for SqliteStore {
    fn load(&self) -> StoreLoad {
        // The writer is always open; readers are open from the start (none in memory).
        let idle_readers = self.readers.lock().map_or(0, |r| r.len()) as u64;
        let readers = if self.reader_slots.is_some() {
            READERS as u64
        } else {
            0
        };
        StoreLoad {
            connections_max: readers + 1,
            connections_open: readers + 1,
            connections_idle: idle_readers,
            waiting: 0,
            queued_writes: self.ingest_queue.depth() as u64,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn stored_timestamps_read_back_exactly_and_other_text_still_parses() {
        for t in ["2026-11-20T15:59:59.123456Z", "1999-01-01T00:00:00.000000Z"] {
            let at = DateTime::parse_from_rfc3339(t).unwrap().with_timezone(&Utc);
            assert_eq!(parse_ts(t).unwrap(), at);
            assert_eq!(ts(at), t);
        }
        assert_eq!(
            parse_ts("2026-11-20T23:59:59+08:00").unwrap(),
            parse_ts("2026-11-20T15:59:59.000000Z").unwrap()
        );
        for bad in ["2026-13-20T15:59:59.123456Z", "2026-11-20T15:59:5x.123456Z"] {
            assert!(parse_own_ts(bad).is_none(), "{bad}");
            assert!(parse_ts(bad).is_err(), "{bad}");
        }
    }
}
