//! Enrollment codes, enrollment, device list and revocation.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use fieldvisit_core::protocol::{
    EnrollRequest, EnrollResponse, TokenRenewRequest, TokenRenewResponse,
};
use serde::{Deserialize, Serialize};
use tracing::instrument;

use super::{ApiJson, ApiPath};
use crate::auth::StaffCaller;
use crate::error::AppError;
use crate::ops::{self, Actor};
use crate::state::AppState;
use crate::store::{Device, Role};

/// Request for an enrollment code.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeRequest {
    /// The worker the phone will record for.
    #[schema(pattern = "^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$")]
    pub worker_id: String,
}

/// A one-time enrollment code (show it as a QR code).
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CodeResponse {
    /// The code, e.g. `K3M9Q-7TXZ2`.
    pub code: String,
    /// Worker.
    pub worker_id: String,
    /// Expiry.
    pub expires_at: DateTime<Utc>,
}

/// `POST /api/v1/devices/enrollment-codes` (admin).
#[instrument(skip_all, fields(staff_id = %caller.staff_id))]
#[utoipa::path(
    post,
    path = "/devices/enrollment-codes",
    summary = "A one-time expiring enrollment code for a worker (admin)",
    security(("bearer" = []), ("session_cookie" = [])),
    request_body(content = CodeRequest, content_type = "application/json"),
    responses((status = 201, description = "Code", body = CodeResponse), (status = 400, description = "invalid input: malformed_json, invalid_id, bad_path and others naming the field", body = fieldvisit_core::protocol::ApiErrorBody), (status = 413, description = "too_large", body = fieldvisit_core::protocol::ApiErrorBody), (status = 415, description = "unsupported_media_type: the body must be JSON", body = fieldvisit_core::protocol::ApiErrorBody), (status = 401, description = "unauthenticated", body = fieldvisit_core::protocol::ApiErrorBody), (status = 403, description = "forbidden_role, out_of_scope, csrf or password_change_required", body = fieldvisit_core::protocol::ApiErrorBody), (status = 404, description = "not_found (also for ids outside the caller's branch)", body = fieldvisit_core::protocol::ApiErrorBody))
)]
pub async fn create_code(
    State(s): State<AppState>,
    caller: StaffCaller,
    ApiJson(req): ApiJson<CodeRequest>,
) -> Result<(StatusCode, Json<CodeResponse>), AppError> {
    caller.require(&[Role::Admin])?;
    let (code, expires_at) =
        ops::devices::create_code(&s, &Actor::from(&caller), &req.worker_id).await?;
    Ok((
        StatusCode::CREATED,
        Json(CodeResponse {
            code,
            worker_id: req.worker_id,
            expires_at,
        }),
    ))
}

/// `POST /api/v1/devices/enroll` (the phone, with the code).
#[utoipa::path(
    post,
    path = "/devices/enroll",
    summary = "Register a phone's Ed25519 key with an enrollment code",
    request_body(content = EnrollRequest, content_type = "application/json"),
    responses((status = 201, description = "Enrolled", body = EnrollResponse), (status = 400, description = "unsupported_version, bad_public_key or malformed_json", body = fieldvisit_core::protocol::ApiErrorBody), (status = 403, description = "enrollment_refused", body = fieldvisit_core::protocol::ApiErrorBody), (status = 413, description = "too_large", body = fieldvisit_core::protocol::ApiErrorBody), (status = 415, description = "unsupported_media_type: the body must be JSON", body = fieldvisit_core::protocol::ApiErrorBody))
)]
pub async fn enroll(
    State(s): State<AppState>,
    ApiJson(req): ApiJson<EnrollRequest>,
) -> Result<(StatusCode, Json<EnrollResponse>), AppError> {
    Ok((
        StatusCode::CREATED,
        Json(ops::devices::enroll(&s, req).await?),
    ))
}

/// `POST /api/v1/devices/token` (the phone, with a signature of its device key).
#[utoipa::path(
    post,
    path = "/devices/token",
    summary = "Renew a phone's short-lived token with a signature of its device key over the purpose, its id and the signing time",
    request_body(content = TokenRenewRequest, content_type = "application/json"),
    responses((status = 200, description = "Renewed; the old token no longer works", body = TokenRenewResponse), (status = 400, description = "unsupported_version or malformed_json", body = fieldvisit_core::protocol::ApiErrorBody), (status = 401, description = "renewal_refused (bad signature or unknown device) or renewal_stale (outside the time window, or replayed)", body = fieldvisit_core::protocol::ApiErrorBody), (status = 403, description = "device_revoked", body = fieldvisit_core::protocol::ApiErrorBody), (status = 413, description = "too_large", body = fieldvisit_core::protocol::ApiErrorBody), (status = 415, description = "unsupported_media_type: the body must be JSON", body = fieldvisit_core::protocol::ApiErrorBody))
)]
pub async fn renew_token(
    State(s): State<AppState>,
    ApiJson(req): ApiJson<TokenRenewRequest>,
) -> Result<Json<TokenRenewResponse>, AppError> {
    Ok(Json(ops::devices::renew_token(&s, req).await?))
}

/// `GET /api/v1/devices` (admin, supervisor; their branch).
#[utoipa::path(
    get,
    path = "/devices",
    summary = "Devices of workers in the branch (admin, supervisor)",
    security(("bearer" = []), ("session_cookie" = [])),
    responses((status = 200, description = "Devices", body = Vec<Device>), (status = 401, description = "unauthenticated", body = fieldvisit_core::protocol::ApiErrorBody), (status = 403, description = "forbidden_role, out_of_scope, csrf or password_change_required", body = fieldvisit_core::protocol::ApiErrorBody))
)]
pub async fn list(
    State(s): State<AppState>,
    caller: StaffCaller,
) -> Result<Json<Vec<Device>>, AppError> {
    Ok(Json(ops::devices::list(&s, &Actor::from(&caller)).await?))
}

/// A revocation's outcome.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Revoked {
    /// Device id.
    pub device_id: String,
    /// Always true: the device is revoked now.
    pub revoked: bool,
    /// False when it was revoked already.
    pub changed: bool,
    /// What the person revoking must know: unsent drafts on the phone are erased at its next
    /// contact, and the server cannot tell how many there are.
    pub warning: String,
}

/// `POST /api/v1/devices/{device_id}/revoke` (admin, supervisor; e.g. a lost phone).
#[instrument(skip_all, fields(staff_id = %caller.staff_id, device_id = %device_id))]
#[utoipa::path(
    post,
    path = "/devices/{device_id}/revoke",
    summary = "Revoke a device (admin, supervisor)",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("device_id" = String, Path, description = "Device id", pattern = "^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$")),
    responses((status = 200, description = "Revoked", body = Revoked), (status = 400, description = "invalid input: malformed_json, invalid_id, bad_path and others naming the field", body = fieldvisit_core::protocol::ApiErrorBody), (status = 401, description = "unauthenticated", body = fieldvisit_core::protocol::ApiErrorBody), (status = 403, description = "forbidden_role, out_of_scope, csrf or password_change_required", body = fieldvisit_core::protocol::ApiErrorBody), (status = 404, description = "not_found (also for ids outside the caller's branch)", body = fieldvisit_core::protocol::ApiErrorBody))
)]
pub async fn revoke(
    State(s): State<AppState>,
    caller: StaffCaller,
    ApiPath(device_id): ApiPath<String>,
) -> Result<Json<Revoked>, AppError> {
    caller.require(&[Role::Admin, Role::Supervisor])?;
    let changed = ops::devices::revoke(&s, &Actor::from(&caller), &device_id).await?;
    Ok(Json(Revoked {
        device_id,
        revoked: true,
        changed,
        warning: ops::devices::REVOKE_WARNING.to_owned(),
    }))
}
