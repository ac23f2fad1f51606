//! Extractors: `StaffCaller` (session cookie or bearer token) and `DeviceCaller` (device token).

use axum::extract::FromRequestParts;
use axum::http::Method;
use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::http::request::Parts;

use super::CSRF_HEADER;
use super::token::{DEVICE_PREFIX, token_hash};
use crate::error::AppError;
use crate::state::AppState;
use crate::store::{Device, Role, Scope};

/// An authenticated staff member with role and scope loaded. An account whose password an admin
/// set is refused (403 `password_change_required`) until its owner changes it; the routes that
/// let them do so take [`PendingStaffCaller`].
#[derive(Debug, Clone)]
pub struct StaffCaller {
    /// Staff id.
    pub staff_id: String,
    /// Role.
    pub role: Role,
    /// Root unit of the branch.
    pub scope_unit_id: String,
    /// Path of that unit.
    pub scope_path: String,
    /// Hash of the session token (for logout).
    pub session_hash: String,
    /// The password must be changed before anything else.
    pub must_change_password: bool,
    /// The key made from the session's token, which opens the keys it unlocked.
    pub session_key: Option<crate::ops::keysessions::SessionKey>,
}

/// A signed-in staff member who may still have to change an admin-set password: for signing out,
/// `me`, and the password change itself.
#[derive(Debug, Clone)]
pub struct PendingStaffCaller(pub StaffCaller);

impl StaffCaller {
    /// What this caller's queries are limited to: a worker sees only their own caseload.
    pub fn scope(&self) -> Scope {
        Scope {
            path: self.scope_path.clone(),
            worker_id: (self.role == Role::Worker).then(|| self.staff_id.clone()),
        }
    }

    /// Refuses roles not in `allowed`.
    pub fn require(&self, allowed: &[Role]) -> Result<(), AppError> {
        if allowed.contains(&self.role) {
            Ok(())
        } else {
            Err(AppError::forbidden(
                "forbidden_role",
                "your role may not do this",
            ))
        }
    }
}

fn bearer(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// The session cookie's value, if the request carries one under the name these settings use (a
/// server behind HTTPS reads only the `__Host-` cookie).
pub fn session_cookie(parts: &Parts, secure: bool) -> Option<&str> {
    let name = super::session_cookie_name(secure);
    parts
        .headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

async fn staff_caller(parts: &Parts, state: &AppState) -> Result<StaffCaller, AppError> {
    let cookie = session_cookie(parts, state.config.secure_cookies);
    let (token, via_cookie) = match (bearer(parts), cookie) {
        (Some(t), _) => (t, false),
        (None, Some(t)) => (t, true),
        (None, None) => return Err(AppError::unauthenticated()),
    };
    let caller = crate::ops::sessions::resolve(state, token)
        .await?
        .ok_or_else(AppError::unauthenticated)?;
    let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
    if via_cookie && !safe {
        // SameSite=Strict already stops cross-site posts; the header is a second lock.
        let sent = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
        if !sent.is_some_and(|s| same_secret(s, &caller.session.csrf_token)) {
            return Err(AppError::forbidden("csrf", "missing or wrong CSRF token"));
        }
    }
    Ok(StaffCaller {
        staff_id: caller.staff.id,
        role: caller.staff.role,
        scope_unit_id: caller.unit.id,
        scope_path: caller.unit.path,
        session_hash: caller.session.token_hash,
        must_change_password: caller.staff.must_change_password,
        session_key: caller.session_key,
    })
}

/// Compares two secrets in time that does not depend on where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    subtle::ConstantTimeEq::ct_eq(a.as_bytes(), b.as_bytes()).into()
}

impl FromRequestParts<AppState> for StaffCaller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let caller = staff_caller(parts, state).await?;
        if caller.must_change_password {
            return Err(AppError::forbidden(
                "password_change_required",
                "an administrator set this password: change it first (POST /api/v1/auth/password)",
            ));
        }
        Ok(caller)
    }
}

impl FromRequestParts<AppState> for PendingStaffCaller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        staff_caller(parts, state).await.map(PendingStaffCaller)
    }
}

/// An enrolled, unrevoked device whose token has not expired. A revoked device is refused (403
/// `device_revoked`) before its token's age is looked at, so a phone learns of its revocation
/// however long it stayed away; an expired token is refused with 401 `token_expired`, which the
/// phone answers by renewing it with its device key.
#[derive(Debug, Clone)]
pub struct DeviceCaller {
    /// The device.
    pub device: Device,
}

impl FromRequestParts<AppState> for DeviceCaller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let token = bearer(parts)
            .filter(|t| t.starts_with(DEVICE_PREFIX))
            .ok_or_else(AppError::unauthenticated)?;
        let device = state
            .store
            .device_by_token(&token_hash(token))
            .await?
            .ok_or_else(AppError::unauthenticated)?;
        if device.revoked_at.is_some() {
            return Err(AppError::forbidden(
                "device_revoked",
                "this device has been revoked",
            ));
        }
        if device.token_expires_at <= chrono::Utc::now() {
            return Err(AppError::new(
                axum::http::StatusCode::UNAUTHORIZED,
                "token_expired",
                "the device token has expired; renew it with the device key (POST /api/v1/devices/token)",
            ));
        }
        Ok(DeviceCaller { device })
    }
}
