//! Storage behind a trait: the server holds an `Arc<dyn Store>`, so SQLite (one machine, zero
//! setup) and PostgreSQL (scale-out) are interchangeable. Every listing takes a [`Scope`]: scope is checked in the query.

mod alert_store;
mod audit_store;
mod config_store;
mod device_store;
pub mod dues;
mod key_session_store;
mod load_store;
mod org_store;
mod report_store;
mod report_types;
mod review_store;
mod review_types;
mod staff_store;
mod types;
mod visit_store;

pub mod postgres;
pub mod sqlite;

use chrono::NaiveDate;
use fieldvisit_core::caseload::ScheduleConfig;

pub use alert_store::*;
pub use audit_store::*;
pub use config_store::*;
pub use device_store::*;
pub use dues::{DueCount, DueCountQuery, DueEntry, DueRows};
pub use key_session_store::*;
pub use load_store::*;
pub use org_store::*;
pub use report_store::*;
pub use report_types::*;
pub use review_store::*;
pub use review_types::*;
pub use staff_store::*;
pub use types::*;
pub use visit_store::*;

/// Why a store call failed. Messages name tables and ids, never personal data.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The thing does not exist.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A uniqueness rule was broken.
    #[error("{0} already exists")]
    Conflict(&'static str),
    /// The enrollment code is unknown, used or expired.
    #[error("enrollment code unknown, used or expired")]
    CodeRejected,
    /// The database failed.
    #[error("storage backend: {0}")]
    Backend(String),
}

/// Result of store calls.
pub type StoreResult<T> = Result<T, StoreError>;

/// Everything the server keeps, apart from blobs: one trait per concern, each implemented by
/// every backend in the file that holds that concern's SQL.
pub trait Store:
    OrgStore
    + StaffStore
    + DeviceStore
    + VisitStore
    + ReviewStore
    + ReportStore
    + AuditStore
    + AlertStore
    + ConfigStore
    + KeySessionStore
    + LoadStore
    + Send
    + Sync
    + std::fmt::Debug
{
}

impl<T> Store for T where
    T: OrgStore
        + StaffStore
        + DeviceStore
        + VisitStore
        + ReviewStore
        + ReportStore
        + AuditStore
        + AlertStore
        + ConfigStore
        + KeySessionStore
        + LoadStore
        + Send
        + Sync
        + std::fmt::Debug
{
}

#[cfg(test)]
mod conformance;
#[cfg(test)]
mod upgrade_tests;
