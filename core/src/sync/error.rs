use thiserror::Error;

use crate::protocol::ProtocolError;
use crate::store::StoreError;
use crate::visit::VisitError;

/// Why a sync stopped. Messages carry ids and server codes, never personal data.
#[derive(Debug, Error)]
pub enum SyncError {
    /// The network failed (no route, reset, timeout); try again later.
    #[error("network error: {0}")]
    Network(String),
    /// The server answered with an error.
    #[error("server refused ({status} {code}): {message}")]
    Server {
        /// HTTP status.
        status: u16,
        /// Error code from the body.
        code: String,
        /// Message from the body.
        message: String,
        /// Seconds to wait, from `Retry-After`.
        retry_after: Option<u64>,
    },
    /// The device was revoked: nothing more will be accepted from it.
    #[error("this device has been revoked; ask an administrator to enroll it again")]
    Revoked,
    /// The device has no credential yet.
    #[error("this device is not enrolled; scan an enrollment code first")]
    NotEnrolled,
    /// The user cancelled.
    #[error("sync cancelled")]
    Cancelled,
    /// The server sent something this build cannot read.
    #[error(transparent)]
    Protocol(#[from] ProtocolError),
    /// Local storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Applying assignments failed.
    #[error(transparent)]
    Visit(#[from] VisitError),
}

impl SyncError {
    /// Whether retrying the same request later can succeed.
    pub fn is_transient(&self) -> bool {
        match self {
            SyncError::Network(_) => true,
            SyncError::Server { status, .. } => *status >= 500 || *status == 429 || *status == 408,
            _ => false,
        }
    }

    /// The delay the server asked for, if any.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            SyncError::Server { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}
