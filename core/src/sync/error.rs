use thiserror::Error;

use crate::protocol::ProtocolError;
use crate::store::StoreError;
use crate::visit::VisitError;

/// Why a sync or an enrollment stopped. Messages carry ids and server codes, never personal data.
///
/// Each error falls in one [`SyncFailure`] class, which tells an app what to do about it.
#[derive(Debug, Error)]
pub enum SyncError {
    /// The network failed (no route, reset, timeout, unreadable answer); try again later.
    #[error("the server could not be reached ({0})")]
    Network(String),
    /// The server answered with an error status other than the refusals below.
    #[error("the server answered {status} {code} ({message})")]
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
    /// The server refused the enrollment code: unknown, already used or expired.
    #[error("the enrollment code is unknown, already used or expired; ask for a new one")]
    EnrollmentRefused,
    /// The device was revoked: nothing more will be accepted from it.
    #[error("this device has been revoked; ask an administrator to enroll it again")]
    Revoked,
    /// The device has no credential, or the server does not know the one it has.
    #[error("this device is not enrolled; scan an enrollment code first")]
    NotEnrolled,
    /// The user cancelled.
    #[error("the sync was cancelled")]
    Cancelled,
    /// The server address is not an `http` or `https` URL with a host.
    #[error("the server address is not a valid http(s) URL")]
    InvalidAddress,
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

/// What kind of failure a [`SyncError`] is, for deciding whether and when to try again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncFailure {
    /// The network or the server is down or busy: the same request can succeed later.
    Transient,
    /// The server refused for good (used code, revoked or unknown device, rejected request):
    /// retrying the same request cannot succeed; the worker must act first.
    Refused,
    /// The user stopped the run.
    Cancelled,
    /// An argument (the server address) is wrong.
    InvalidInput,
    /// The phone itself failed (storage, reading what the server sent).
    Local,
}

impl SyncError {
    /// The class of this failure.
    pub fn failure(&self) -> SyncFailure {
        match self {
            SyncError::Network(_) => SyncFailure::Transient,
            SyncError::Server { status, .. } if is_transient_status(*status) => {
                SyncFailure::Transient
            }
            SyncError::Server { .. }
            | SyncError::EnrollmentRefused
            | SyncError::Revoked
            | SyncError::NotEnrolled => SyncFailure::Refused,
            SyncError::Cancelled => SyncFailure::Cancelled,
            SyncError::InvalidAddress => SyncFailure::InvalidInput,
            SyncError::Protocol(_) | SyncError::Store(_) | SyncError::Visit(_) => {
                SyncFailure::Local
            }
        }
    }

    /// Whether retrying the same request later can succeed.
    pub fn is_transient(&self) -> bool {
        self.failure() == SyncFailure::Transient
    }

    /// The delay the server asked for, if any.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            SyncError::Server { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// Server errors, overload (429) and request timeouts (408) pass; other statuses are answers.
pub(crate) fn is_transient_status(status: u16) -> bool {
    status >= 500 || status == 429 || status == 408
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(status: u16) -> SyncError {
        SyncError::Server {
            status,
            code: "x".into(),
            message: "y".into(),
            retry_after: None,
        }
    }

    #[test]
    fn refusals_are_permanent_and_outages_transient() {
        assert_eq!(
            SyncError::Network("timed out".into()).failure(),
            SyncFailure::Transient
        );
        for status in [500, 502, 503, 429, 408] {
            assert_eq!(server(status).failure(), SyncFailure::Transient, "{status}");
        }
        for status in [400, 403, 404, 409, 413] {
            assert_eq!(server(status).failure(), SyncFailure::Refused, "{status}");
        }
        for e in [
            SyncError::EnrollmentRefused,
            SyncError::Revoked,
            SyncError::NotEnrolled,
        ] {
            assert_eq!(e.failure(), SyncFailure::Refused, "{e}");
            assert!(!e.is_transient());
        }
        assert_eq!(SyncError::Cancelled.failure(), SyncFailure::Cancelled);
        assert_eq!(
            SyncError::InvalidAddress.failure(),
            SyncFailure::InvalidInput
        );
    }
}
