//! Staff and device authentication: password hashing, tokens and codes, and the axum extractors
//! that load the caller's role and scope once per request.

pub mod extract;
pub mod password;
pub mod token;

pub use extract::{DeviceCaller, PendingStaffCaller, StaffCaller};

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "fv_session";
/// Header carrying the CSRF token on cookie-authenticated writes.
pub const CSRF_HEADER: &str = "x-csrf-token";
