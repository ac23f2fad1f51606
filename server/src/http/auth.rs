//! Login (session cookie + bearer token), logout and `me`, with per-account slowing and locking.

use axum::Json;
use axum::extract::State;
use axum::http::header::{RETRY_AFTER, SET_COOKIE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tracing::instrument;

use super::ApiJson;
use crate::audit;
use crate::auth::token::{STAFF_PREFIX, new_token, token_hash};
use crate::auth::{SESSION_COOKIE, StaffCaller, password};
use crate::error::AppError;
use crate::ids::is_safe_login;
use crate::state::AppState;
use crate::store::{Role, Session};

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
    #[schema(value_type = String)]
    pub expires_at: DateTime<Utc>,
    /// Staff id.
    pub staff_id: String,
    /// Role.
    #[schema(value_type = String)]
    pub role: Role,
}

fn invalid() -> AppError {
    AppError::new(
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
        "wrong login or password",
    )
}

fn locked(retry_secs: i64) -> AppError {
    let e = AppError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "account_locked",
        "too many failed logins; try again later",
    );
    match HeaderValue::from_str(&retry_secs.max(1).to_string()) {
        Ok(v) => e.with_header(RETRY_AFTER, v),
        Err(_) => e,
    }
}

async fn check_password(password: String, phc: String) -> Result<bool, AppError> {
    tokio::task::spawn_blocking(move || password::verify(&password, &phc))
        .await
        .map_err(AppError::internal)
}

fn cookie(state: &AppState, value: &str, max_age: i64) -> Result<HeaderValue, AppError> {
    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={value}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}{secure}"
    ))
    .map_err(AppError::internal)
}

/// `POST /api/v1/auth/login`.
#[instrument(skip_all, fields(staff_id))]
pub async fn login(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<Response, AppError> {
    let store = state.store.as_ref();
    let staff = if is_safe_login(&req.login) {
        store.staff_by_login(&req.login).await?
    } else {
        None
    };
    let Some(staff) = staff else {
        // Same work as a real check, so response time does not tell which logins exist.
        let (cell, cost) = (state.dummy_hash.clone(), state.config.argon2);
        let password = req.password;
        tokio::task::spawn_blocking(move || {
            let phc = cell
                .get_or_init(|| password::hash("not a real password", &cost).unwrap_or_default());
            password::verify(&password, phc)
        })
        .await
        .map_err(AppError::internal)?;
        tracing::info!("login failed: unknown login");
        audit::record(
            store,
            "anonymous",
            "login.failure",
            "-",
            json!({ "reason": "unknown_login" }),
        )
        .await?;
        return Err(invalid());
    };
    tracing::Span::current().record("staff_id", tracing::field::display(&staff.id));
    let now = Utc::now();
    if let Some(until) = staff.locked_until.filter(|u| *u > now) {
        audit::record(store, &staff.id, "login.locked", &staff.id, json!({})).await?;
        return Err(locked((until - now).num_seconds()));
    }
    if !check_password(req.password, staff.password_hash.clone()).await? {
        let policy = state.config.lockout;
        let lock_until = chrono::Duration::from_std(policy.lock_for)
            .map(|d| now + d)
            .map_err(AppError::internal)?;
        let (failures, locked_now) = store
            .login_failed(&staff.id, policy.lock_after, lock_until)
            .await?;
        audit::record(
            store,
            &staff.id,
            "login.failure",
            &staff.id,
            json!({ "failures": failures, "locked": locked_now }),
        )
        .await?;
        tracing::info!(failures, locked_now, "login failed");
        if failures > policy.slow_after {
            let delay = policy.delay_step * (failures - policy.slow_after);
            tokio::time::sleep(delay.min(policy.max_delay)).await;
        }
        return Err(if locked_now {
            locked(policy.lock_for.as_secs() as i64)
        } else {
            invalid()
        });
    }
    store.login_succeeded(&staff.id).await?;
    let token = new_token(STAFF_PREFIX).map_err(AppError::internal)?;
    let csrf = new_token("").map_err(AppError::internal)?;
    let ttl = chrono::Duration::from_std(state.config.session_ttl).map_err(AppError::internal)?;
    let session = Session {
        token_hash: token_hash(&token),
        staff_id: staff.id.clone(),
        csrf_token: csrf.clone(),
        expires_at: now + ttl,
    };
    store.add_session(&session).await?;
    audit::record(store, &staff.id, "login.success", &staff.id, json!({})).await?;
    tracing::info!("login succeeded");
    let set_cookie = cookie(&state, &token, ttl.num_seconds())?;
    let body = LoginResponse {
        token,
        csrf_token: csrf,
        expires_at: session.expires_at,
        staff_id: staff.id,
        role: staff.role,
    };
    Ok(([(SET_COOKIE, set_cookie)], Json(body)).into_response())
}

/// `POST /api/v1/auth/logout`.
#[instrument(skip_all, fields(staff_id = %caller.staff_id))]
pub async fn logout(
    State(state): State<AppState>,
    caller: StaffCaller,
) -> Result<Response, AppError> {
    state.store.end_session(&caller.session_hash).await?;
    audit::record(
        state.store.as_ref(),
        &caller.staff_id,
        "logout",
        &caller.staff_id,
        json!({}),
    )
    .await?;
    Ok((
        [(SET_COOKIE, cookie(&state, "", 0)?)],
        StatusCode::NO_CONTENT,
    )
        .into_response())
}

/// `GET /api/v1/auth/me`.
pub async fn me(caller: StaffCaller) -> Json<serde_json::Value> {
    Json(json!({
        "staff_id": caller.staff_id,
        "role": caller.role,
        "scope_unit_id": caller.scope_unit_id,
    }))
}
