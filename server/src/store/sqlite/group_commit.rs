//! Group commit of visit ingest. Each commit of a durable (`synchronous = FULL`) SQLite database
//! waits for an fsync, so one transaction per visit caps ingest at the disk's flush rate. Concurrent
//! ingests therefore queue here; whoever holds the writer connection next takes every queued visit,
//! stores each in its own savepoint (one bad visit does not undo the others) inside one
//! transaction, commits once, and only then answers each caller. A receipt still means "durably
//! committed".

use std::sync::Mutex;

use rusqlite::Connection;
use tokio::sync::oneshot;

use super::{backend, visits};
use crate::store::{IngestOutcome, NewVisit, StoreError, StoreResult};

/// Most visits in one transaction; bounds the latency the first of them waits for the last.
const MAX_BATCH: usize = 512;

type Reply = oneshot::Sender<StoreResult<IngestOutcome>>;

/// Visits waiting for the writer connection.
#[derive(Debug, Default)]
pub(super) struct IngestQueue {
    pending: Mutex<Vec<(NewVisit, Reply)>>,
}

impl IngestQueue {
    /// Queues a visit; the answer arrives on the returned receiver after its batch commits.
    pub(super) fn push(&self, visit: NewVisit) -> oneshot::Receiver<StoreResult<IngestOutcome>> {
        let (tx, rx) = oneshot::channel();
        match self.pending.lock() {
            Ok(mut q) => q.push((visit, tx)),
            Err(_) => {
                let _ = tx.send(Err(StoreError::Backend("ingest queue poisoned".into())));
            }
        }
        rx
    }

    fn take(&self) -> Vec<(NewVisit, Reply)> {
        match self.pending.lock() {
            Ok(mut q) => {
                let n = q.len().min(MAX_BATCH);
                q.drain(..n).collect()
            }
            Err(_) => Vec::new(),
        }
    }

    /// Stores and answers the queued visits (called with the writer connection held). Every push is
    /// followed by one drain, so no visit waits for a drain that never comes.
    pub(super) fn drain(&self, c: &mut Connection) {
        let jobs = self.take();
        if jobs.is_empty() {
            return;
        }
        let (visits, replies): (Vec<NewVisit>, Vec<Reply>) = jobs.into_iter().unzip();
        match store_batch(c, &visits) {
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

    /// Fails every queued visit (the writer connection is unusable).
    pub(super) fn fail_all(&self, why: &str) {
        for (_, reply) in self.take() {
            let _ = reply.send(Err(StoreError::Backend(why.to_owned())));
        }
    }
}

fn store_batch(
    c: &mut Connection,
    batch: &[NewVisit],
) -> StoreResult<Vec<StoreResult<IngestOutcome>>> {
    let mut tx = c.transaction().map_err(backend)?;
    let mut out = Vec::with_capacity(batch.len());
    for v in batch {
        let sp = tx.savepoint().map_err(backend)?;
        match visits::ingest_in(&sp, v) {
            Ok(outcome) => {
                sp.commit().map_err(backend)?;
                out.push(Ok(outcome));
            }
            // Dropping the savepoint rolls back just this visit.
            Err(e) => out.push(Err(e)),
        }
    }
    tx.commit().map_err(backend)?;
    Ok(out)
}
