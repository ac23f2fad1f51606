//! Group commit of the writes phones wait for: visit ingest and photo completion. Each commit of a
//! durable (`synchronous = FULL`) SQLite database waits for an fsync, so one transaction per write
//! caps ingest at the disk's flush rate. Concurrent writes therefore queue here; the writer thread
//! takes every queued write, applies each in its own savepoint (one bad write does not undo the
//! others) inside one transaction, commits once, and only then answers each caller. A receipt still
//! means "durably committed".

use std::sync::{Arc, Condvar, Mutex, Weak};
use std::time::Duration;

use rusqlite::Connection;
use tokio::sync::oneshot;

use super::{backend, visits};
use crate::store::{IngestOutcome, NewVisit, StoreError, StoreResult};

/// Most writes in one transaction; bounds the latency the first of them waits for the last.
const MAX_BATCH: usize = 512;

/// A write that is committed with others.
#[derive(Debug)]
pub(super) enum Write {
    /// Store a visit exactly once.
    Visit(Box<NewVisit>),
    /// Mark a photo complete (its bytes are already safe in the blob store).
    PhotoCompleted {
        /// Visit id.
        visit_id: String,
        /// Photo id.
        photo_id: String,
    },
}

/// What a committed write gives back.
#[derive(Debug)]
pub(super) enum Written {
    /// The visit's outcome.
    Visit(Box<IngestOutcome>),
    /// The photo is marked complete.
    PhotoCompleted,
}

type Reply = oneshot::Sender<StoreResult<Written>>;

/// Writes waiting for the writer connection.
#[derive(Debug, Default)]
pub(super) struct IngestQueue {
    pending: Mutex<Vec<(Write, Reply)>>,
    /// Signalled on every push.
    wake: Condvar,
}

impl IngestQueue {
    /// Queues a write and wakes the writer thread; the answer arrives on the returned receiver
    /// after its batch commits.
    pub(super) fn push(&self, write: Write) -> oneshot::Receiver<StoreResult<Written>> {
        let (tx, rx) = oneshot::channel();
        match self.pending.lock() {
            Ok(mut q) => q.push((write, tx)),
            Err(_) => {
                let _ = tx.send(Err(StoreError::Backend("ingest queue poisoned".into())));
            }
        }
        self.wake.notify_one();
        rx
    }

    /// Writes waiting now.
    pub(super) fn depth(&self) -> usize {
        self.pending.lock().map_or(0, |q| q.len())
    }

    /// The next batch, waiting at most `patience` for one to arrive.
    fn next_batch(&self, patience: Duration) -> Vec<(Write, Reply)> {
        let Ok(mut q) = self.pending.lock() else {
            return Vec::new();
        };
        if q.is_empty() {
            q = match self.wake.wait_timeout(q, patience) {
                Ok((q, _)) => q,
                Err(_) => return Vec::new(),
            };
        }
        let n = q.len().min(MAX_BATCH);
        q.drain(..n).collect()
    }

    /// Applies and answers a batch of writes on the writer connection.
    fn commit(c: &mut Connection, jobs: Vec<(Write, Reply)>) {
        let (writes, replies): (Vec<Write>, Vec<Reply>) = jobs.into_iter().unzip();
        match store_batch(c, &writes) {
            Ok(results) => {
                for (reply, r) in replies.into_iter().zip(results) {
                    let _ = reply.send(r);
                }
            }
            Err(e) => {
                let msg = e.to_string();
                for reply in replies {
                    let _ = reply.send(Err(StoreError::Backend(msg.clone())));
                }
            }
        }
    }

    fn fail(jobs: Vec<(Write, Reply)>, why: &str) {
        for (_, reply) in jobs {
            let _ = reply.send(Err(StoreError::Backend(why.to_owned())));
        }
    }
}

/// Starts the thread that commits queued writes, one batch at a time, while the store lives. One
/// thread instead of a blocking task per write: with 32 phones sending at once, the tasks mostly
/// woke up to find their write already committed by another.
pub(super) fn spawn_writer(
    queue: Arc<IngestQueue>,
    conn: Weak<Mutex<Connection>>,
) -> StoreResult<()> {
    std::thread::Builder::new()
        .name("sqlite-writer".into())
        .spawn(move || {
            loop {
                let jobs = queue.next_batch(Duration::from_millis(200));
                let Some(conn) = conn.upgrade() else {
                    IngestQueue::fail(jobs, "the store is closed");
                    return;
                };
                if jobs.is_empty() {
                    continue;
                }
                match conn.lock() {
                    Ok(mut c) => IngestQueue::commit(&mut c, jobs),
                    Err(_) => IngestQueue::fail(jobs, "connection mutex poisoned"),
                }
            }
        })
        .map_err(|e| StoreError::Backend(format!("writer thread: {e}")))?;
    Ok(())
}

fn apply(c: &Connection, w: &Write) -> StoreResult<Written> {
    match w {
        Write::Visit(v) => visits::ingest_in(c, v).map(|o| Written::Visit(Box::new(o))),
        Write::PhotoCompleted { visit_id, photo_id } => {
            visits::photo_completed(c, visit_id, photo_id).map(|()| Written::PhotoCompleted)
        }
    }
}

fn store_batch(c: &mut Connection, batch: &[Write]) -> StoreResult<Vec<StoreResult<Written>>> {
    let mut tx = c.transaction().map_err(backend)?;
    let mut out = Vec::with_capacity(batch.len());
    for w in batch {
        let sp = tx.savepoint().map_err(backend)?;
        match apply(&sp, w) {
            Ok(written) => {
                sp.commit().map_err(backend)?;
                out.push(Ok(written));
            }
            // Dropping the savepoint rolls back just this write.
            Err(e) => out.push(Err(e)),
        }
    }
    tx.commit().map_err(backend)?;
    Ok(out)
}
