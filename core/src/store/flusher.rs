//! Background flushing of the write-ahead log.
//!
//! Commits run with `synchronous=NORMAL`: SQLite writes the WAL frames but does not wait for the
//! disk, so a killed app loses nothing (the frames are in the OS's cache) and a commit costs a
//! fraction of an fsync. Right after each commit this thread fsyncs the WAL file. A power cut can
//! therefore undo only commits younger than one fsync, and each of them whole: a seal undone that way
//! leaves its draft exactly as it was, so the visit itself is never lost. Nothing may leave the phone
//! before it is on disk, or the server could hold a visit the phone forgets: the sync waits for
//! [`Flusher::wait`] first.

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;

use super::StoreError;

/// Flushes the WAL of one store in a thread of its own.
#[derive(Debug)]
pub(crate) struct Flusher {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

#[derive(Debug, Default)]
struct Shared {
    state: Mutex<State>,
    /// Signalled when a commit asks for a flush, or at shutdown.
    wake: Condvar,
    /// Signalled when a flush finished.
    flushed: Condvar,
}

#[derive(Debug, Default)]
struct State {
    /// Commits so far.
    committed: u64,
    /// Commits known to be on disk.
    durable: u64,
    stop: bool,
    /// The last flush failed (the OS's error kind; no path or data).
    failure: Option<std::io::ErrorKind>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Flusher {
    /// Starts flushing the WAL of the database at `db_path` (`<db_path>-wal`).
    pub(crate) fn start(db_path: &Path) -> Result<Self, StoreError> {
        let mut wal = db_path.as_os_str().to_owned();
        wal.push("-wal");
        let wal = PathBuf::from(wal);
        let shared = Arc::new(Shared::default());
        let worker = shared.clone();
        let thread = std::thread::Builder::new()
            .name("fieldvisit-wal-flush".into())
            .spawn(move || run(&worker, &wal))
            .map_err(|e| StoreError::Flush(e.kind()))?;
        Ok(Flusher {
            shared,
            thread: Some(thread),
        })
    }

    /// A commit just finished: flush it soon.
    pub(crate) fn committed(&self) {
        self.shared.lock().committed += 1;
        self.shared.wake.notify_one();
    }

    /// Blocks until every commit made so far is on disk.
    pub(crate) fn wait(&self) -> Result<(), StoreError> {
        let mut state = self.shared.lock();
        let target = state.committed;
        while state.durable < target && state.failure.is_none() {
            state = self
                .shared
                .flushed
                .wait(state)
                .unwrap_or_else(|p| p.into_inner());
        }
        match state.failure {
            Some(kind) => Err(StoreError::Flush(kind)),
            None => Ok(()),
        }
    }
}

impl Drop for Flusher {
    /// Flushes what is pending, then stops the thread.
    fn drop(&mut self) {
        self.shared.lock().stop = true;
        self.shared.wake.notify_one();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn run(shared: &Shared, wal: &Path) {
    loop {
        let target = {
            let mut state = shared.lock();
            while state.durable == state.committed && !state.stop {
                state = shared.wake.wait(state).unwrap_or_else(|p| p.into_inner());
            }
            if state.durable == state.committed {
                return;
            }
            state.committed
        };
        let result = sync_file(wal);
        let mut state = shared.lock();
        match result {
            Ok(()) => {
                state.durable = target;
                state.failure = None;
            }
            Err(kind) => state.failure = Some(kind),
        }
        let stop = state.stop;
        let failed = state.failure.is_some();
        drop(state);
        shared.flushed.notify_all();
        if failed {
            if stop {
                return;
            }
            std::thread::sleep(RETRY);
        }
    }
}

/// Pause before retrying a flush that failed (a full or failing disk).
const RETRY: std::time::Duration = std::time::Duration::from_millis(200);

/// fsyncs the file's data. A WAL that does not exist (nothing written yet, or the store closed and
/// SQLite checkpointed and removed it, syncing the database file itself) has nothing to flush.
fn sync_file(path: &Path) -> Result<(), std::io::ErrorKind> {
    match OpenOptions::new().read(true).write(true).open(path) {
        Ok(file) => file.sync_data().map_err(|e| e.kind()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e.kind()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn wait_returns_once_every_commit_is_flushed() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("x.db");
        std::fs::write(dir.path().join("x.db-wal"), b"frames").unwrap();
        let f = Flusher::start(&db).unwrap();
        f.wait().unwrap();
        for _ in 0..100 {
            f.committed();
        }
        f.wait().unwrap();
        let state = f.shared.lock();
        assert_eq!(state.durable, 100);
        assert!(state.failure.is_none());
    }

    #[test]
    fn a_failed_flush_is_reported_not_hidden() {
        let dir = tempfile::tempdir().unwrap();
        // A directory where the WAL should be: it cannot be opened for writing.
        std::fs::create_dir(dir.path().join("x.db-wal")).unwrap();
        let f = Flusher::start(&dir.path().join("x.db")).unwrap();
        f.committed();
        assert!(matches!(f.wait(), Err(StoreError::Flush(_))));
    }
}
