//! Login (session cookie + bearer token), logout, `me` and the owner's password change; the rules
//! (slowing, locking, audit) are `ops::sessions`'.

use axum::Json;
use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tracing::instrument;

use super::ApiJson;
use crate::auth::PendingStaffCaller;
use crate::error::AppError;
use crate::ops::{Actor, sessions};
use crate::state::AppState;
use crate::store::Role;

/// Login request.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// Login name.
    pub login: String,
    /// Password.
    pub password: String,
}

/// Login answer; the same token is also set as an HttpOnly cookie.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LoginResponse {
    /// Bearer token for API clients.
    pub token: String,
    /// Send as `X-CSRF-Token` on cookie-authenticated writes.
    pub csrf_token: String,
    /// Session expiry.
    pub expires_at: DateTime<Utc>,
    /// Staff id.
    pub staff_id: String,
    /// Role.
    pub role: Role,
    /// An administrator set this password: change it (`POST /auth/password`) before anything else.
    pub must_change_password: bool,
}

/// Sets the session cookie (HttpOnly, SameSite=Strict; behind HTTPS Secure and `__Host-` named);
/// an empty value and zero age clear it.
pub fn session_cookie(
    state: &AppState,
    value: &str,
    max_age: i64,
) -> Result<HeaderValue, AppError> {
    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let name = crate::auth::session_cookie_name(state.config.secure_cookies);
    HeaderValue::from_str(&format!(
        "{name}={value}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}{secure}"
    ))
    .map_err(AppError::internal)
}

/// `POST /api/v1/auth/login`.
#[instrument(skip_all, fields(staff_id))]
#[utoipa::path(
    post,
    path = "/auth/login",
    summary = "Staff sign-in: a session cookie and a bearer token",
    request_body(content = LoginRequest, content_type = "application/json"),
    responses((status = 200, description = "Signed in", body = LoginResponse), (status = 400, description = "invalid input: malformed_json, invalid_id, bad_path and others naming the field", body = fieldvisit_core::protocol::ApiErrorBody), (status = 401, description = "invalid_credentials", body = fieldvisit_core::protocol::ApiErrorBody), (status = 413, description = "too_large", body = fieldvisit_core::protocol::ApiErrorBody), (status = 415, description = "unsupported_media_type: the body must be JSON", body = fieldvisit_core::protocol::ApiErrorBody), (status = 429, description = "account_locked or rate_limited", body = fieldvisit_core::protocol::ApiErrorBody))
)]
pub async fn login(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<Response, AppError> {
    let signed = sessions::sign_in(&state, &req.login, req.password).await?;
    let max_age = (signed.session.expires_at - Utc::now()).num_seconds();
    let set_cookie = session_cookie(&state, &signed.token, max_age)?;
    let body = LoginResponse {
        token: signed.token,
        csrf_token: signed.session.csrf_token,
        expires_at: signed.session.expires_at,
        staff_id: signed.staff.id,
        role: signed.staff.role,
        must_change_password: signed.staff.must_change_password,
    };
    Ok(([(SET_COOKIE, set_cookie)], Json(body)).into_response())
}

/// `POST /api/v1/auth/logout`: ends the session and locks the keys it unlocked.
#[instrument(skip_all, fields(staff_id = %caller.0.staff_id))]
#[utoipa::path(
    post,
    path = "/auth/logout",
    summary = "End the session (and lock the keys it unlocked)",
    security(("bearer" = []), ("session_cookie" = [])),
    responses((status = 204, description = "Signed out"), (status = 401, description = "unauthenticated", body = fieldvisit_core::protocol::ApiErrorBody), (status = 403, description = "csrf", body = fieldvisit_core::protocol::ApiErrorBody))
)]
pub async fn logout(
    State(state): State<AppState>,
    caller: PendingStaffCaller,
) -> Result<Response, AppError> {
    sessions::sign_out(&state, &Actor::from(&caller.0)).await?;
    Ok((
        [(SET_COOKIE, session_cookie(&state, "", 0)?)],
        StatusCode::NO_CONTENT,
    )
        .into_response())
}

/// The caller as `GET /api/v1/auth/me` answers.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Me {
    /// Staff id.
    pub staff_id: String,
    /// Role.
    pub role: Role,
    /// Root unit of the caller's branch.
    pub scope_unit_id: String,
    /// An administrator set the password: it must be changed before anything else.
    pub must_change_password: bool,
}

/// `GET /api/v1/auth/me`.
#[utoipa::path(
    get,
    path = "/auth/me",
    summary = "The caller's id, role and branch",
    security(("bearer" = []), ("session_cookie" = [])),
    responses((status = 200, description = "The caller", body = Me), (status = 401, description = "unauthenticated", body = fieldvisit_core::protocol::ApiErrorBody))
)]
pub async fn me(caller: PendingStaffCaller) -> Json<Me> {
    let c = caller.0;
    Json(Me {
        staff_id: c.staff_id,
        role: c.role,
        scope_unit_id: c.scope_unit_id,
        must_change_password: c.must_change_password,
    })
}

/// `GET /api/v1/auth/sessions`: the caller's own live sessions.
#[utoipa::path(
    get,
    path = "/auth/sessions",
    summary = "The caller's own live sessions (newest use first), the current one marked",
    security(("bearer" = []), ("session_cookie" = [])),
    responses((status = 200, description = "Sessions", body = Vec<sessions::SessionView>), (status = 401, description = "unauthenticated", body = fieldvisit_core::protocol::ApiErrorBody), (status = 403, description = "forbidden_role, out_of_scope, csrf or password_change_required", body = fieldvisit_core::protocol::ApiErrorBody))
)]
pub async fn sessions(
    State(state): State<AppState>,
    caller: crate::auth::StaffCaller,
) -> Result<Json<Vec<sessions::SessionView>>, AppError> {
    Ok(Json(
        sessions::list_own(&state, &Actor::from(&caller)).await?,
    ))
}

/// `DELETE /api/v1/auth/sessions/{session_id}`: ends one of the caller's own sessions.
#[instrument(skip_all, fields(staff_id = %caller.staff_id))]
#[utoipa::path(
    delete,
    path = "/auth/sessions/{session_id}",
    summary = "End one of the caller's own sessions (and lock the keys it unlocked)",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("session_id" = String, Path, description = "Session id (as listed)", pattern = "^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$")),
    responses((status = 204, description = "Ended"), (status = 400, description = "invalid input: malformed_json, invalid_id, bad_path and others naming the field", body = fieldvisit_core::protocol::ApiErrorBody), (status = 401, description = "unauthenticated", body = fieldvisit_core::protocol::ApiErrorBody), (status = 403, description = "forbidden_role, out_of_scope, csrf or password_change_required", body = fieldvisit_core::protocol::ApiErrorBody), (status = 404, description = "not_found (also for ids outside the caller's branch)", body = fieldvisit_core::protocol::ApiErrorBody))
)]
pub async fn end_session(
    State(state): State<AppState>,
    caller: crate::auth::StaffCaller,
    super::ApiPath(id): super::ApiPath<String>,
) -> Result<axum::http::StatusCode, AppError> {
    sessions::end_own(&state, &Actor::from(&caller), &id).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// A password change by the account's owner.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    /// The current password.
    pub current_password: String,
    /// The new one (at least 10 characters).
    #[schema(min_length = 10)]
    pub new_password: String,
}

impl std::fmt::Debug for PasswordChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordChange { .. }")
    }
}

/// `POST /api/v1/auth/password`: every session of the account ends, this one too.
#[instrument(skip_all, fields(staff_id = %caller.0.staff_id))]
#[utoipa::path(
    post,
    path = "/auth/password",
    summary = "Change one's own password (given the current one); every session of the account ends",
    security(("bearer" = []), ("session_cookie" = [])),
    request_body(content = PasswordChange, content_type = "application/json"),
    responses((status = 204, description = "Changed; sign in again"), (status = 400, description = "weak_password, same_password or malformed_json", body = fieldvisit_core::protocol::ApiErrorBody), (status = 401, description = "unauthenticated", body = fieldvisit_core::protocol::ApiErrorBody), (status = 403, description = "wrong_password or csrf", body = fieldvisit_core::protocol::ApiErrorBody), (status = 413, description = "too_large", body = fieldvisit_core::protocol::ApiErrorBody), (status = 415, description = "unsupported_media_type: the body must be JSON", body = fieldvisit_core::protocol::ApiErrorBody))
)]
pub async fn change_password(
    State(state): State<AppState>,
    caller: PendingStaffCaller,
    ApiJson(req): ApiJson<PasswordChange>,
) -> Result<Response, AppError> {
    sessions::change_own_password(
        &state,
        &Actor::from(&caller.0),
        req.current_password,
        req.new_password,
    )
    .await?;
    Ok((
        [(SET_COOKIE, session_cookie(&state, "", 0)?)],
        StatusCode::NO_CONTENT,
    )
        .into_response())
}
