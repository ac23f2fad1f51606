//! Ingest of sealed visits, exactly once, and the visit list for supervisors.

use std::collections::HashSet;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use fieldvisit_core::protocol::{ProtocolError, Receipt, SealedEnvelope, WIRE_VERSION};
use tracing::instrument;

use super::{ApiPath, RawBody};
use crate::auth::{DeviceCaller, StaffCaller};
use crate::error::AppError;
use crate::ids::is_safe_id;
use crate::state::AppState;
use crate::store::{ChainStatus, IngestOutcome, NewVisit, Role, VisitFacts, VisitMeta};

fn protocol_error(e: ProtocolError) -> AppError {
    match e {
        ProtocolError::UnsupportedVersion { .. } | ProtocolError::VersionMismatch { .. } => {
            AppError::bad_request("unsupported_version", e.to_string())
        }
        ProtocolError::BadSignature => {
            AppError::new(StatusCode::UNAUTHORIZED, "bad_signature", e.to_string())
        }
        ProtocolError::Malformed { .. } | ProtocolError::Crypto(_) => {
            AppError::bad_request("malformed_envelope", e.to_string())
        }
        ProtocolError::NotForAudience(_) => {
            AppError::internal("unexpected audience error at ingest")
        }
    }
}

/// The receipt; `new_photos` are the manifest's photo ids of a visit stored just now (none of them
/// can be complete yet, so the store is not asked).
async fn receipt(
    state: &AppState,
    m: &VisitMeta,
    new_photos: Option<Vec<String>>,
) -> Result<Receipt, AppError> {
    let photos_missing = match new_photos {
        Some(ids) => ids,
        None => state
            .store
            .photos(&m.visit_id)
            .await?
            .into_iter()
            .filter(|p| !p.complete)
            .map(|p| p.photo_id)
            .collect(),
    };
    Ok(Receipt {
        version: WIRE_VERSION,
        visit_id: m.visit_id.clone(),
        body_hash: m.body_hash,
        received_at: m.received_at,
        photos_missing,
    })
}

/// `PUT /api/v1/visits/{visit_id}`: verify, check scope and chain, store once, answer a receipt.
#[instrument(skip_all, fields(device_id = %caller.device.id, visit_id = %visit_id, chain_status))]
#[utoipa::path(
    put,
    path = "/visits/{visit_id}",
    summary = "Upload a sealed envelope, exactly once; answers the receipt",
    security(("bearer" = [])),
    params(("visit_id" = String, Path, description = "Visit id", pattern = "^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$")),
    request_body(content = SealedEnvelope, content_type = "application/json"),
    responses((status = 201, description = "Stored now", body = Receipt), (status = 200, description = "The same envelope again", body = Receipt), (status = 400, description = "malformed_json, malformed_envelope, unsupported_version, visit_id_mismatch, invalid_id", body = fieldvisit_core::protocol::ApiErrorBody), (status = 401, description = "unauthenticated or bad_signature", body = fieldvisit_core::protocol::ApiErrorBody), (status = 403, description = "device_revoked, device_mismatch or out_of_scope", body = fieldvisit_core::protocol::ApiErrorBody), (status = 409, description = "conflict", body = fieldvisit_core::protocol::ApiErrorBody), (status = 413, description = "too_large", body = fieldvisit_core::protocol::ApiErrorBody), (status = 415, description = "unsupported_media_type: the body must be JSON", body = fieldvisit_core::protocol::ApiErrorBody))
)]
pub async fn put_visit(
    State(state): State<AppState>,
    caller: DeviceCaller,
    ApiPath(visit_id): ApiPath<String>,
    headers: axum::http::HeaderMap,
    RawBody(bytes): RawBody,
) -> Result<(StatusCode, Json<Receipt>), AppError> {
    if !is_safe_id(&visit_id) {
        return Err(AppError::invalid_id("visit_id"));
    }
    super::extract::require_json(&headers)?;
    let envelope = SealedEnvelope::from_json(&bytes).map_err(|e| {
        // Only a refused body is parsed a second time, to tell bad JSON from a bad envelope.
        if serde_json::from_slice::<serde::de::IgnoredAny>(&bytes).is_err() {
            AppError::bad_request("malformed_json", "the body is not JSON")
        } else {
            protocol_error(e)
        }
    })?;
    let device = &caller.device;
    let verified = envelope
        .verify(&device.public_key)
        .map_err(protocol_error)?;
    let (body, body_json) = (verified.body, verified.body_json);
    if body.device_id != device.id || body.worker_id != device.worker_id {
        return Err(AppError::forbidden(
            "device_mismatch",
            "the envelope was not sealed by this device for its worker",
        ));
    }
    if body.visit_id != visit_id {
        return Err(AppError::bad_request(
            "visit_id_mismatch",
            "the path and the envelope name different visits",
        ));
    }
    for (field, id) in [
        ("household_id", &body.household_id),
        ("template_id", &body.template_id),
        ("category", &body.category),
    ] {
        if !is_safe_id(id) {
            return Err(AppError::invalid_id(field));
        }
    }
    if let Some(l) = &body.level
        && !is_safe_id(&l.level)
    {
        return Err(AppError::invalid_id("level"));
    }
    let mut seen = HashSet::new();
    for p in &body.photos {
        if !is_safe_id(&p.photo_id) || !seen.insert(p.photo_id.as_str()) {
            return Err(AppError::invalid_id("photos[].photo_id"));
        }
        let most = state.config.limits.photo;
        if p.size == 0 || p.size > most {
            return Err(AppError::bad_request(
                "photo_size",
                format!(
                    "photo {} is declared as {} bytes; a photo must be 1 to {most} bytes",
                    p.photo_id, p.size
                ),
            ));
        }
    }
    let allowed =
        crate::ops::templates::photos_allowed(&state, &body.template_id, body.template_version)
            .await?;
    if body.photos.len() as u64 > allowed {
        return Err(AppError::bad_request(
            "too_many_photos",
            format!(
                "the manifest lists {} photos; template {} version {} takes at most {allowed}",
                body.photos.len(),
                body.template_id,
                body.template_version
            ),
        ));
    }
    match state.store.household_worker(&body.household_id).await? {
        Some(Some(w)) if w == device.worker_id => {}
        _ => return Err(AppError::out_of_scope()),
    }
    let new = NewVisit {
        visit_id: visit_id.clone(),
        device_id: device.id.clone(),
        worker_id: device.worker_id.clone(),
        household_id: body.household_id.clone(),
        body_hash: verified.hash,
        chain_seq: body.chain.seq,
        chain_prev: body.chain.prev,
        // JSON that parsed is UTF-8.
        envelope_json: String::from_utf8(bytes.to_vec())
            .map_err(|_| AppError::bad_request("malformed_json", "the body is not UTF-8"))?,
        // Stored exactly as signed.
        body_json,
        category: body.category.clone(),
        template_id: body.template_id.clone(),
        started_at: body.started_at,
        ended_at: body.ended_at,
        level: body.level.as_ref().map(|l| l.level.clone()),
        reported_to_police_at: body.reported_to_police_at,
        photos: body
            .photos
            .iter()
            .map(|p| (p.photo_id.clone(), p.sha256, p.size))
            .collect(),
        received_at: chrono::Utc::now(),
        facts: VisitFacts::of(&body),
    };
    let (status, meta, new_photos) = match state.store.ingest_visit(&new).await? {
        IngestOutcome::Stored(m) => {
            state.metrics.ingested("stored");
            // The store lists photos by id; keep that order.
            let mut ids: Vec<String> = new.photos.iter().map(|p| p.0.clone()).collect();
            ids.sort();
            (StatusCode::CREATED, m, Some(ids))
        }
        IngestOutcome::Duplicate(m) => {
            state.metrics.ingested("duplicate");
            (StatusCode::OK, m, None)
        }
        IngestOutcome::Conflict => {
            state.metrics.ingested("conflict");
            return Err(AppError::conflict(
                "conflict",
                "a different envelope is stored under this visit id",
            ));
        }
    };
    tracing::Span::current().record(
        "chain_status",
        tracing::field::display(meta.chain_status.as_str()),
    );
    tracing::info!(status = status.as_u16(), "visit accepted");
    if meta.chain_status != ChainStatus::Ok {
        tracing::warn!("visit stored with a broken device chain; flagged for supervisors");
    }
    Ok((status, Json(receipt(&state, &meta, new_photos).await?)))
}

/// `GET /api/v1/visits`: metadata of visits in the caller's branch (workers: their own).
#[utoipa::path(
    get,
    path = "/visits",
    summary = "Visit metadata (chain status included) in the branch (worker, supervisor, child-welfare reviewer)",
    security(("bearer" = []), ("session_cookie" = [])),
    responses((status = 200, description = "Visits", body = Vec<VisitMeta>), (status = 401, description = "unauthenticated", body = fieldvisit_core::protocol::ApiErrorBody), (status = 403, description = "forbidden_role, out_of_scope, csrf or password_change_required", body = fieldvisit_core::protocol::ApiErrorBody))
)]
pub async fn list(
    State(state): State<AppState>,
    caller: StaffCaller,
) -> Result<Json<Vec<VisitMeta>>, AppError> {
    caller.require(&[Role::Worker, Role::Supervisor, Role::ChildWelfareReviewer])?;
    Ok(Json(state.store.visits(&caller.scope()).await?))
}
