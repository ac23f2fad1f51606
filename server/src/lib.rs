//! FieldVisit server: staff auth, org tree and households, device enrollment, exactly-once ingest of
//! sealed visits and their photos, and a hash-chained audit log.
//!
//! Wire types come from `fieldvisit_core::protocol`; this crate never defines copies of them.

pub mod alerts;
pub mod audit;
pub mod auth;
pub mod backends;
pub mod backup;
pub mod blob;
pub mod cli;
pub mod config;
pub mod console;
pub mod error;
pub mod files;
pub mod http;
pub mod ids;
pub mod keys;
pub mod ops;
pub mod state;
pub mod store;
#[cfg(test)]
pub(crate) mod testenv;

pub use config::Config;
pub use error::AppError;
pub use http::app;
pub use state::AppState;
