//! Offline-first sync: enroll, pull assignments incrementally, then push the outbox — envelopes
//! first, then photos in resumable chunks — keeping every receipt. Sync is a plan: compare what the
//! server has with the outbox, then execute the operations. Every error knows whether it is
//! permanent (used enrollment code, revoked or unknown device, refused envelope), transient
//! (network, 5xx, 429) or a cancellation ([`SyncFailure`]). A phone remembers the server it enrolled
//! with, so a sync needs no address.

mod backoff;
mod error;
mod http;
mod plan;
mod progress;
mod runner;
mod server;

pub use backoff::Backoff;
pub use error::{SyncError, SyncFailure};
pub use http::{ServerApi, server_address};
pub use plan::{Operation, plan};
pub use progress::{CancelToken, NoProgress, ProgressListener, SyncProgress};
pub use runner::{SyncOptions, SyncReport, Syncer, enroll};
pub use server::enrolled_server;
