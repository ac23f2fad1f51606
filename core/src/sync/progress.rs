//! Progress reporting and cancellation.

use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

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

/// Cancels a running sync between requests, and wakes it from a wait between retries.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<CancelState>);

#[derive(Debug, Default)]
struct CancelState {
    cancelled: Mutex<bool>,
    wake: Condvar,
}

impl CancelToken {
    /// A token not yet cancelled.
    pub fn new() -> Self {
        Self::default()
    }

    // A poisoned lock only means a panic elsewhere while holding a bool: the bool is still right.
    fn flag(&self) -> MutexGuard<'_, bool> {
        self.0.cancelled.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Asks the sync to stop at the next request boundary, or at once if it is waiting to retry.
    pub fn cancel(&self) {
        *self.flag() = true;
        self.0.wake.notify_all();
    }

    /// Whether cancellation was asked for.
    pub fn is_cancelled(&self) -> bool {
        *self.flag()
    }

    /// Waits for `delay` unless cancelled first; returns whether the run was cancelled.
    pub fn sleep(&self, delay: Duration) -> bool {
        let deadline = Instant::now() + delay;
        let mut cancelled = self.flag();
        while !*cancelled {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            cancelled = self
                .0
                .wake
                .wait_timeout(cancelled, left)
                .map(|(guard, _)| guard)
                .unwrap_or_else(|p| p.into_inner().0);
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cancel_wakes_a_waiting_retry() {
        let token = CancelToken::new();
        assert!(!token.sleep(Duration::from_millis(5)));
        let other = token.clone();
        let canceller = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            other.cancel();
        });
        let started = Instant::now();
        assert!(token.sleep(Duration::from_secs(30)));
        assert!(started.elapsed() < Duration::from_secs(10));
        assert!(token.is_cancelled());
        assert!(canceller.join().is_ok());
    }
}
