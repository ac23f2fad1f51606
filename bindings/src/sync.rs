//! The sync progress listener the apps implement. Sync itself arrives later in the core (outbox →
//! server); the trait is defined now so that the apps' background workers are written against it.

/// Receives progress of a sync run. Called on the thread that runs the sync.
#[uniffi::export(with_foreign)]
pub trait SyncListener: Send + Sync {
    /// `done` of `total` sealed visits and photos uploaded so far.
    fn on_progress(&self, done: u64, total: u64);
    /// The run ended; `error` is `None` on success, else a message without personal data.
    fn on_finished(&self, uploaded: u64, error: Option<String>);
}
