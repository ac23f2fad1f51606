//! Progress reporting and cancellation.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Where a sync run stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SyncProgress {
    /// Visits fully uploaded in this run.
    pub items_done: u64,
    /// Visits to upload in this run.
    pub items_total: u64,
    /// Bytes sent in this run.
    pub bytes_sent: u64,
    /// Bytes this run expects to send.
    pub bytes_total: u64,
}

/// Receives progress; the apps show it in their sync status.
pub trait ProgressListener: Send + Sync {
    /// Called after each envelope and each photo chunk.
    fn on_progress(&self, progress: SyncProgress);
}

/// A listener that ignores progress.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;

impl ProgressListener for NoProgress {
    fn on_progress(&self, _: SyncProgress) {}
}

/// Cancels a running sync between requests.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    /// A token not yet cancelled.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks the sync to stop at the next request boundary.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether cancellation was asked for.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}
