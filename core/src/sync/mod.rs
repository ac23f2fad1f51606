//! Offline-first sync: enroll, pull assignments incrementally, then push the outbox — envelopes
//! first, then photos in resumable chunks — keeping every receipt. Sync is a plan: compare what the
//! server has with the outbox, then execute the operations. Every error knows whether it is
//! permanent (revoked device, refused envelope) or transient (network, 5xx, 429).

mod backoff;
mod error;
mod http;
mod plan;
mod progress;
mod runner;

pub use backoff::Backoff;
pub use error::SyncError;
pub use http::ServerApi;
pub use plan::{Operation, plan};
pub use progress::{CancelToken, NoProgress, ProgressListener, SyncProgress};
pub use runner::{SyncOptions, SyncReport, Syncer, enroll};
