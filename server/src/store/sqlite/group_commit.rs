//! Group commit of the writes phones wait for: visit ingest and photo completion. Each commit of a
//! durable (`synchronous = FULL`) SQLite database waits for an fsync, so one transaction per write
//! caps ingest at the disk's flush rate. Concurrent writes therefore queue here; whoever holds the
//! writer connection next takes every queued write, applies each in its own savepoint (one bad
//! write does not undo the others) inside one transaction, commits once, and only then answers
//! each caller. A receipt still means "durably committed".

use std::sync::Mutex;

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
}

impl IngestQueue {
    /// Queues a write; the answer arrives on the returned receiver after its batch commits.
    pub(super) fn push(&self, write: Write) -> oneshot::Receiver<StoreResult<Written>> {
        let (tx, rx) = oneshot::channel();
        match self.pending.lock() {
            Ok(mut q) => q.push((write, tx)),
            Err(_) => {
                let _ = tx.send(Err(StoreError::Backend("ingest queue poisoned".into())));
            }
        }
        rx
    }

    fn take(&self) -> Vec<(Write, Reply)> {
        match self.pending.lock() {
            Ok(mut q) => {
                let n = q.len().min(MAX_BATCH);
                q.drain(..n).collect()
            }
            Err(_) => Vec::new(),
        }
    }

    /// Applies and answers the queued writes (called with the writer connection held). Every push is
    /// followed by one drain, so no write waits for a drain that never comes.
    pub(super) fn drain(&self, c: &mut Connection) {
        let jobs = self.take();
        if jobs.is_empty() {
            return;
        }
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

    /// Fails every queued write (the writer connection is unusable).
    pub(super) fn fail_all(&self, why: &str) {
        for (_, reply) in self.take() {
            let _ = reply.send(Err(StoreError::Backend(why.to_owned())));
        }
    }
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
