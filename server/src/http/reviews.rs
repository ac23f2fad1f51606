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
pub async fn queue(
    State(s): State<AppState>,
    caller: StaffCaller,
) -> Result<Json<Vec<ReviewView>>, AppError> {
    Ok(Json(
        ops::review::queue(&s, &Actor::from(&caller), Utc::now()).await?,
    ))
}

/// `GET /api/v1/reviews/overdue`.
pub async fn overdue(
    State(s): State<AppState>,
    caller: StaffCaller,
) -> Result<Json<Vec<ReviewView>>, AppError> {
    Ok(Json(
        ops::review::overdue(&s, &Actor::from(&caller), Utc::now()).await?,
    ))
}

/// A review and its transitions.
#[derive(Debug, Serialize)]
pub struct ReviewDetail {
    /// The review with its SLA clock.
    pub review: ReviewView,
    /// Who did what, when and why.
    pub history: Vec<ReviewEvent>,
}

/// `GET /api/v1/reviews/{visit_id}`.
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
    #[schema(value_type = String)]
    pub expires_at: DateTime<Utc>,
}

/// `POST /api/v1/reviews/unlock`.
#[instrument(skip_all, fields(staff_id = %caller.staff_id))]
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
pub async fn lock(State(s): State<AppState>, caller: StaffCaller) -> Result<StatusCode, AppError> {
    ops::decrypt::lock(&s, &Actor::from(&caller)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/reviews/{visit_id}/content`.
#[instrument(skip_all, fields(staff_id = %caller.staff_id, visit_id = %visit_id))]
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
