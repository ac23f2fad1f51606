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
    #[schema(value_type = String)]
    pub expires_at: DateTime<Utc>,
}

/// `POST /api/v1/devices/enrollment-codes` (admin).
#[instrument(skip_all, fields(staff_id = %caller.staff_id))]
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
pub async fn renew_token(
    State(s): State<AppState>,
    ApiJson(req): ApiJson<TokenRenewRequest>,
) -> Result<Json<TokenRenewResponse>, AppError> {
    Ok(Json(ops::devices::renew_token(&s, req).await?))
}

/// `GET /api/v1/devices` (admin, supervisor; their branch).
pub async fn list(
    State(s): State<AppState>,
    caller: StaffCaller,
) -> Result<Json<Vec<Device>>, AppError> {
    Ok(Json(ops::devices::list(&s, &Actor::from(&caller)).await?))
}

/// `POST /api/v1/devices/{device_id}/revoke` (admin, supervisor; e.g. a lost phone).
#[instrument(skip_all, fields(staff_id = %caller.staff_id, device_id = %device_id))]
pub async fn revoke(
    State(s): State<AppState>,
    caller: StaffCaller,
    ApiPath(device_id): ApiPath<String>,
) -> Result<Json<serde_json::Value>, AppError> {
    caller.require(&[Role::Admin, Role::Supervisor])?;
    let changed = ops::devices::revoke(&s, &Actor::from(&caller), &device_id).await?;
    Ok(Json(serde_json::json!({
        "device_id": device_id,
        "revoked": true,
        "changed": changed,
        "warning": ops::devices::REVOKE_WARNING,
    })))
}
