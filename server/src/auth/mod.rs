//! Staff and device authentication: password hashing, tokens and codes, and the axum extractors
//! that load the caller's role and scope once per request.

pub mod extract;
pub mod password;
pub mod password_threads;
pub mod token;

pub use extract::{DeviceCaller, PendingStaffCaller, StaffCaller};

/// Name of the session cookie over plain HTTP (development, the demo).
pub const SESSION_COOKIE: &str = "fv_session";
/// Name of the session cookie behind HTTPS: with the `__Host-` prefix a browser keeps the cookie
/// only if it is Secure, host-only and for path `/`, so no sibling subdomain can plant one.
pub const SECURE_SESSION_COOKIE: &str = "__Host-fv_session";

/// The session cookie's name: prefixed when cookies are Secure.
pub fn session_cookie_name(secure: bool) -> &'static str {
    if secure {
        SECURE_SESSION_COOKIE
    } else {
        SESSION_COOKIE
    }
}
/// Header carrying the CSRF token on cookie-authenticated writes.
pub const CSRF_HEADER: &str = "x-csrf-token";
