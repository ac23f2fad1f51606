//! Extractors: `StaffCaller` (session cookie or bearer token) and `DeviceCaller` (device token).

use axum::extract::FromRequestParts;
use axum::http::Method;
use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::http::request::Parts;
use chrono::Utc;

use super::token::{DEVICE_PREFIX, STAFF_PREFIX, token_hash};
use super::{CSRF_HEADER, SESSION_COOKIE};
use crate::error::AppError;
use crate::state::AppState;
use crate::store::{Device, Role, Scope};

/// An authenticated staff member with role and scope loaded.
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
}

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

fn cookie(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == SESSION_COOKIE)
        .map(|(_, v)| v)
}

impl FromRequestParts<AppState> for StaffCaller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let (token, via_cookie) = match (bearer(parts), cookie(parts)) {
            (Some(t), _) => (t.to_owned(), false),
            (None, Some(t)) => (t.to_owned(), true),
            (None, None) => return Err(AppError::unauthenticated()),
        };
        if !token.starts_with(STAFF_PREFIX) {
            return Err(AppError::unauthenticated());
        }
        let session = state
            .store
            .session(&token_hash(&token), Utc::now())
            .await?
            .ok_or_else(AppError::unauthenticated)?;
        let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if via_cookie && !safe {
            // SameSite=Strict already stops cross-site posts; the header is a second lock.
            let sent = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
            if sent != Some(session.csrf_token.as_str()) {
                return Err(AppError::forbidden("csrf", "missing or wrong CSRF token"));
            }
        }
        let staff = state
            .store
            .staff(&session.staff_id)
            .await?
            .ok_or_else(AppError::unauthenticated)?;
        let unit = state
            .store
            .org_unit(&staff.scope_unit_id)
            .await?
            .ok_or_else(|| AppError::internal("staff scope unit missing"))?;
        Ok(StaffCaller {
            staff_id: staff.id,
            role: staff.role,
            scope_unit_id: unit.id,
            scope_path: unit.path,
            session_hash: session.token_hash,
        })
    }
}

/// An enrolled, unrevoked device.
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
        Ok(DeviceCaller { device })
    }
}
