//! The review workflow over HTTP: queue, overdue list, history, decisions, key unlock and
//! decrypted reads (each audited).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tracing::instrument;

use super::{ApiJson, ApiPath};
use crate::auth::StaffCaller;
use crate::error::AppError;
use crate::ops::decrypt::DecryptedVisit;
use crate::ops::review::{Decision, ReviewView};
use crate::ops::{self, Actor};
use crate::state::AppState;
use crate::store::ReviewEvent;

/// `GET /api/v1/reviews`.
#[utoipa::path(
    get,
    path = "/reviews",
    summary = "Open guardianship-assessment reviews in the branch, urgent first, with SLA clocks (reviewer, supervisor)",
    security(("bearer" = []), ("session_cookie" = [])),
    responses((status = 200, description = "Reviews", body = Vec<ReviewView>), (status = 401, description = "unauthenticated", body = fieldvisit_core::protocol::ApiErrorBody), (status = 403, description = "forbidden_role, out_of_scope, csrf or password_change_required", body = fieldvisit_core::protocol::ApiErrorBody))
)]
pub async fn queue(
    State(s): State<AppState>,
    caller: StaffCaller,
) -> Result<Json<Vec<ReviewView>>, AppError> {
    Ok(Json(
        ops::review::queue(&s, &Actor::from(&caller), Utc::now()).await?,
    ))
}

/// `GET /api/v1/reviews/overdue`.
#[utoipa::path(
    get,
    path = "/reviews/overdue",
    summary = "Open reviews past their SLA, most overdue first (reviewer, supervisor)",
    security(("bearer" = []), ("session_cookie" = [])),
    responses((status = 200, description = "Reviews", body = Vec<ReviewView>), (status = 401, description = "unauthenticated", body = fieldvisit_core::protocol::ApiErrorBody), (status = 403, description = "forbidden_role, out_of_scope, csrf or password_change_required", body = fieldvisit_core::protocol::ApiErrorBody))
)]
pub async fn overdue(
    State(s): State<AppState>,
    caller: StaffCaller,
) -> Result<Json<Vec<ReviewView>>, AppError> {
    Ok(Json(
        ops::review::overdue(&s, &Actor::from(&caller), Utc::now()).await?,
    ))
}

/// A review and its transitions.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReviewDetail {
    /// The review with its SLA clock.
    pub review: ReviewView,
    /// Who did what, when and why.
    pub history: Vec<ReviewEvent>,
}

/// `GET /api/v1/reviews/{visit_id}`.
#[utoipa::path(
    get,
    path = "/reviews/{visit_id}",
    summary = "A review with its SLA clock and every transition (reviewer, supervisor)",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("visit_id" = String, Path, description = "Visit id", pattern = "^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$")),
    responses((status = 200, description = "Review and history", body = ReviewDetail), (status = 400, description = "invalid input: malformed_json, invalid_id, bad_path and others naming the field", body = fieldvisit_core::protocol::ApiErrorBody), (status = 401, description = "unauthenticated", body = fieldvisit_core::protocol::ApiErrorBody), (status = 403, description = "forbidden_role, out_of_scope, csrf or password_change_required", body = fieldvisit_core::protocol::ApiErrorBody), (status = 404, description = "not_found (also for ids outside the caller's branch)", body = fieldvisit_core::protocol::ApiErrorBody))
)]
pub async fn detail(
    State(s): State<AppState>,
    caller: StaffCaller,
    ApiPath(visit_id): ApiPath<String>,
) -> Result<Json<ReviewDetail>, AppError> {
    let actor = Actor::from(&caller);
    let row = ops::review::find(&s, &actor, &visit_id).await?;
    let history = ops::review::history(&s, &actor, &visit_id).await?;
    Ok(Json(ReviewDetail {
        review: ops::review::view(row, &s.config.review, Utc::now()),
        history,
    }))
}

/// `POST /api/v1/reviews/{visit_id}/decision`.
#[instrument(skip_all, fields(staff_id = %caller.staff_id, visit_id = %visit_id))]
#[utoipa::path(
    post,
    path = "/reviews/{visit_id}/decision",
    summary = "start, confirm, return (the comment goes to the phone), escalate or close (child-welfare reviewer)",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("visit_id" = String, Path, description = "Visit id", pattern = "^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$")),
    request_body(content = Decision, content_type = "application/json"),
    responses((status = 200, description = "Decided", body = ReviewView), (status = 400, description = "invalid input: malformed_json, invalid_id, bad_path and others naming the field", body = fieldvisit_core::protocol::ApiErrorBody), (status = 413, description = "too_large", body = fieldvisit_core::protocol::ApiErrorBody), (status = 415, description = "unsupported_media_type: the body must be JSON", body = fieldvisit_core::protocol::ApiErrorBody), (status = 401, description = "unauthenticated", body = fieldvisit_core::protocol::ApiErrorBody), (status = 403, description = "forbidden_role, out_of_scope, csrf or password_change_required", body = fieldvisit_core::protocol::ApiErrorBody), (status = 404, description = "not_found (also for ids outside the caller's branch)", body = fieldvisit_core::protocol::ApiErrorBody), (status = 409, description = "invalid_transition", body = fieldvisit_core::protocol::ApiErrorBody))
)]
pub async fn decide(
    State(s): State<AppState>,
    caller: StaffCaller,
    ApiPath(visit_id): ApiPath<String>,
    ApiJson(d): ApiJson<Decision>,
) -> Result<Json<ReviewView>, AppError> {
    let row = ops::review::decide(&s, &Actor::from(&caller), &visit_id, &d).await?;
    Ok(Json(ops::review::view(row, &s.config.review, Utc::now())))
}

/// Request to unlock an audience key.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnlockRequest {
    /// Audience, e.g. `child-welfare`.
    #[schema(pattern = "^(child-welfare|civil-affairs)$")]
    pub audience: String,
    /// The key's passphrase; never stored or logged.
    pub passphrase: String,
}

impl std::fmt::Debug for UnlockRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UnlockRequest")
            .field("audience", &self.audience)
            .finish_non_exhaustive()
    }
}

/// Until when the key stays unlocked.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UnlockResponse {
    /// Audience.
    pub audience: String,
    /// Expiry of the unlocked session.
    pub expires_at: DateTime<Utc>,
}

/// `POST /api/v1/reviews/unlock`.
#[instrument(skip_all, fields(staff_id = %caller.staff_id))]
#[utoipa::path(
    post,
    path = "/reviews/unlock",
    summary = "Unlock the branch's audience private key with its passphrase for a limited session (memory only)",
    security(("bearer" = []), ("session_cookie" = [])),
    request_body(content = UnlockRequest, content_type = "application/json"),
    responses((status = 200, description = "Unlocked", body = UnlockResponse), (status = 400, description = "invalid input: malformed_json, invalid_id, bad_path and others naming the field", body = fieldvisit_core::protocol::ApiErrorBody), (status = 413, description = "too_large", body = fieldvisit_core::protocol::ApiErrorBody), (status = 415, description = "unsupported_media_type: the body must be JSON", body = fieldvisit_core::protocol::ApiErrorBody), (status = 401, description = "unauthenticated", body = fieldvisit_core::protocol::ApiErrorBody), (status = 403, description = "forbidden_role or wrong_passphrase", body = fieldvisit_core::protocol::ApiErrorBody), (status = 404, description = "not_found (also for ids outside the caller's branch)", body = fieldvisit_core::protocol::ApiErrorBody), (status = 429, description = "unlock_throttled", body = fieldvisit_core::protocol::ApiErrorBody))
)]
pub async fn unlock(
    State(s): State<AppState>,
    caller: StaffCaller,
    ApiJson(req): ApiJson<UnlockRequest>,
) -> Result<Json<UnlockResponse>, AppError> {
    let expires_at =
        ops::decrypt::unlock(&s, &Actor::from(&caller), &req.audience, &req.passphrase).await?;
    Ok(Json(UnlockResponse {
        audience: req.audience,
        expires_at,
    }))
}

/// `POST /api/v1/reviews/lock`.
#[utoipa::path(
    post,
    path = "/reviews/lock",
    summary = "Drop the caller's unlocked keys",
    security(("bearer" = []), ("session_cookie" = [])),
    responses((status = 204, description = "Locked"), (status = 401, description = "unauthenticated", body = fieldvisit_core::protocol::ApiErrorBody), (status = 403, description = "forbidden_role, out_of_scope, csrf or password_change_required", body = fieldvisit_core::protocol::ApiErrorBody))
)]
pub async fn lock(State(s): State<AppState>, caller: StaffCaller) -> Result<StatusCode, AppError> {
    ops::decrypt::lock(&s, &Actor::from(&caller)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/reviews/{visit_id}/content`.
#[instrument(skip_all, fields(staff_id = %caller.staff_id, visit_id = %visit_id))]
#[utoipa::path(
    get,
    path = "/reviews/{visit_id}/content",
    summary = "Decrypted content (answers, scores with fired rules); audited (child-welfare reviewer with an unlocked key)",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("visit_id" = String, Path, description = "Visit id", pattern = "^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$")),
    responses((status = 200, description = "Review and content", body = ops::decrypt::DecryptedVisit), (status = 400, description = "invalid input: malformed_json, invalid_id, bad_path and others naming the field", body = fieldvisit_core::protocol::ApiErrorBody), (status = 401, description = "unauthenticated", body = fieldvisit_core::protocol::ApiErrorBody), (status = 403, description = "forbidden_role or key_locked", body = fieldvisit_core::protocol::ApiErrorBody), (status = 404, description = "not_found (also for ids outside the caller's branch)", body = fieldvisit_core::protocol::ApiErrorBody), (status = 422, description = "cannot_decrypt", body = fieldvisit_core::protocol::ApiErrorBody))
)]
pub async fn content(
    State(s): State<AppState>,
    caller: StaffCaller,
    ApiPath(visit_id): ApiPath<String>,
) -> Result<Response, AppError> {
    let v: DecryptedVisit = ops::decrypt::read_visit(&s, &Actor::from(&caller), &visit_id).await?;
    Ok(([(CACHE_CONTROL, "no-store")], Json(v)).into_response())
}

/// `GET /api/v1/reviews/{visit_id}/photos/{photo_id}`: the decrypted JPEG.
#[instrument(skip_all, fields(staff_id = %caller.staff_id, visit_id = %visit_id))]
#[utoipa::path(
    get,
    path = "/reviews/{visit_id}/photos/{photo_id}",
    summary = "One decrypted photo; audited (child-welfare reviewer with an unlocked key)",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("visit_id" = String, Path, description = "Visit id", pattern = "^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$"), ("photo_id" = String, Path, description = "Photo id", pattern = "^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$")),
    responses((status = 200, description = "The JPEG", body = Vec<u8>, content_type = "image/jpeg"), (status = 400, description = "invalid input: malformed_json, invalid_id, bad_path and others naming the field", body = fieldvisit_core::protocol::ApiErrorBody), (status = 401, description = "unauthenticated", body = fieldvisit_core::protocol::ApiErrorBody), (status = 403, description = "forbidden_role or key_locked", body = fieldvisit_core::protocol::ApiErrorBody), (status = 404, description = "not_found (also for ids outside the caller's branch)", body = fieldvisit_core::protocol::ApiErrorBody), (status = 422, description = "cannot_decrypt", body = fieldvisit_core::protocol::ApiErrorBody))
)]
pub async fn photo(
    State(s): State<AppState>,
    caller: StaffCaller,
    ApiPath((visit_id, photo_id)): ApiPath<(String, String)>,
) -> Result<Response, AppError> {
    let bytes = ops::decrypt::read_photo(&s, &Actor::from(&caller), &visit_id, &photo_id).await?;
    Ok((
        [(CONTENT_TYPE, "image/jpeg"), (CACHE_CONTROL, "no-store")],
        bytes.to_vec(),
    )
        .into_response())
}
