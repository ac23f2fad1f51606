//! Resumable photo upload: status, and chunks written at exactly the offset the database records
//! (`photos.received`); recording a chunk is a compare-and-set, so uploads of one photo through
//! several server processes take turns without a lock in any of them. The SHA-256 is checked
//! against the manifest on completion and a mismatch discards the data.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use fieldvisit_core::crypto::{Sha256Hash, sha256};
use fieldvisit_core::protocol::UploadStatus;
use tracing::instrument;

use super::{ApiPath, RawBody};
use crate::auth::DeviceCaller;
use crate::blob::{BlobError, BlobKey};
use crate::error::AppError;
use crate::state::AppState;
use crate::store::PhotoRecord;

/// Header naming the bytes the server holds (as in the tus protocol).
pub const UPLOAD_OFFSET: HeaderName = HeaderName::from_static("upload-offset");

/// 409 naming the bytes the server holds, for the phone to resume from.
fn wrong_offset(current: u64) -> AppError {
    let err = AppError::conflict(
        "wrong_offset",
        format!("the server holds {current} bytes; resume from there"),
    );
    match HeaderValue::from_str(&current.to_string()) {
        Ok(v) => err.with_header(UPLOAD_OFFSET, v),
        Err(_) => err,
    }
}

fn blob_error(e: BlobError) -> AppError {
    match e {
        BlobError::WrongOffset { current } => wrong_offset(current),
        other => AppError::internal(other),
    }
}

/// The photo record if the visit is this device's and lists the photo; 404 otherwise.
/// The photo record of a visit sealed by the caller's device.
async fn lookup(
    state: &AppState,
    caller: &DeviceCaller,
    visit_id: &str,
    photo_id: &str,
) -> Result<(PhotoRecord, BlobKey), AppError> {
    let key = BlobKey::photo(visit_id, photo_id)
        .ok_or_else(|| AppError::invalid_id("visit_id or photo_id"))?;
    match state.store.visit(visit_id).await? {
        Some((v, _)) if v.device_id == caller.device.id => {}
        _ => return Err(AppError::not_found("visit")),
    }
    Ok((photo_record(state, visit_id, photo_id).await?, key))
}

async fn photo_record(
    state: &AppState,
    visit_id: &str,
    photo_id: &str,
) -> Result<PhotoRecord, AppError> {
    state
        .store
        .photos(visit_id)
        .await?
        .into_iter()
        .find(|p| p.photo_id == photo_id)
        .ok_or_else(|| AppError::not_found("photo"))
}

fn status_of(p: &PhotoRecord) -> UploadStatus {
    UploadStatus {
        photo_id: p.photo_id.clone(),
        received: if p.complete { p.size } else { p.received },
        size: p.size,
        complete: p.complete,
    }
}

/// `GET /api/v1/visits/{visit_id}/photos/{photo_id}`.
#[instrument(skip_all, fields(device_id = %caller.device.id, visit_id = %ids.0, photo_id = %ids.1))]
#[utoipa::path(
    get,
    path = "/visits/{visit_id}/photos/{photo_id}",
    summary = "How much of a photo the server holds",
    security(("bearer" = [])),
    params(("visit_id" = String, Path, description = "Visit id", pattern = "^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$"), ("photo_id" = String, Path, description = "Photo id", pattern = "^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$")),
    responses((status = 200, description = "Status", body = UploadStatus), (status = 400, description = "invalid input: malformed_json, invalid_id, bad_path and others naming the field", body = fieldvisit_core::protocol::ApiErrorBody), (status = 401, description = "unauthenticated", body = fieldvisit_core::protocol::ApiErrorBody), (status = 403, description = "device_revoked", body = fieldvisit_core::protocol::ApiErrorBody), (status = 404, description = "not_found (also for ids outside the caller's branch)", body = fieldvisit_core::protocol::ApiErrorBody))
)]
pub async fn status(
    State(state): State<AppState>,
    caller: DeviceCaller,
    ApiPath(ids): ApiPath<(String, String)>,
) -> Result<Json<UploadStatus>, AppError> {
    let (photo, _) = lookup(&state, &caller, &ids.0, &ids.1).await?;
    Ok(Json(status_of(&photo)))
}

fn offset(query: Option<&str>) -> Result<u64, AppError> {
    query
        .unwrap_or("")
        .split('&')
        .find_map(|kv| kv.strip_prefix("offset="))
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| {
            AppError::bad_request("bad_offset", "query parameter offset (bytes) is required")
        })
}

/// Whether an earlier request already committed this photo whole: one that stopped, or lost its
/// database, between the commit (which removes the chunks) and recording the completion. All
/// bytes are then recorded but no chunk is left, so the retry must complete, not start over.
async fn committed_before(
    state: &AppState,
    key: &BlobKey,
    expected: &Sha256Hash,
) -> Result<bool, AppError> {
    let committed = state.blobs.get(key).await.map_err(blob_error)?;
    Ok(committed.is_some_and(|bytes| sha256(&bytes) == *expected))
}

/// The answer to a photo whose bytes do not hash to its manifest's SHA-256; nothing of it is kept.
fn hash_mismatch() -> AppError {
    tracing::warn!("photo hash mismatch; partial data discarded");
    AppError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "hash_mismatch",
        "the photo's SHA-256 does not match the manifest; upload it again from offset 0",
    )
}

/// A photo sent whole in one request: checked in memory and stored as its final object at once,
/// then recorded. A crash between the two leaves nothing recorded, and the phone sends it again;
/// a request that recorded a chunk of it first keeps the upload, and this one answers where that
/// one left it.
async fn put_whole(
    state: &AppState,
    ids: &(String, String),
    photo: PhotoRecord,
    key: &BlobKey,
    bytes: &[u8],
) -> Result<Json<UploadStatus>, AppError> {
    if sha256(bytes) != photo.sha256 {
        return Err(hash_mismatch());
    }
    state.blobs.put(key, bytes).await.map_err(blob_error)?;
    if !state
        .store
        .photo_stored_whole(&ids.0, &ids.1, photo.size)
        .await?
    {
        let now = photo_record(state, &ids.0, &ids.1).await?;
        if now.complete {
            return Ok(Json(status_of(&now)));
        }
        return Err(wrong_offset(now.received));
    }
    state.metrics.photo_bytes(photo.size);
    Ok(Json(UploadStatus {
        photo_id: photo.photo_id,
        received: photo.size,
        size: photo.size,
        complete: true,
    }))
}

/// `PUT /api/v1/visits/{visit_id}/photos/{photo_id}?offset=N`.
#[instrument(skip_all, fields(device_id = %caller.device.id, visit_id = %ids.0, photo_id = %ids.1))]
#[utoipa::path(
    put,
    path = "/visits/{visit_id}/photos/{photo_id}",
    summary = "Append a chunk at an offset; the SHA-256 is checked on completion",
    security(("bearer" = [])),
    params(("visit_id" = String, Path, description = "Visit id", pattern = "^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$"), ("photo_id" = String, Path, description = "Photo id", pattern = "^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$"), ("offset" = u64, Query, description = "Where the chunk starts: the bytes the server holds")),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 200, description = "Status", body = UploadStatus), (status = 400, description = "bad_offset, exceeds_size or invalid_id", body = fieldvisit_core::protocol::ApiErrorBody), (status = 401, description = "unauthenticated", body = fieldvisit_core::protocol::ApiErrorBody), (status = 403, description = "device_revoked", body = fieldvisit_core::protocol::ApiErrorBody), (status = 404, description = "not_found (also for ids outside the caller's branch)", body = fieldvisit_core::protocol::ApiErrorBody), (status = 409, description = "wrong_offset (the Upload-Offset header names the bytes held)", body = fieldvisit_core::protocol::ApiErrorBody), (status = 413, description = "too_large", body = fieldvisit_core::protocol::ApiErrorBody), (status = 422, description = "hash_mismatch (data discarded)", body = fieldvisit_core::protocol::ApiErrorBody))
)]
pub async fn put_chunk(
    State(state): State<AppState>,
    caller: DeviceCaller,
    ApiPath(ids): ApiPath<(String, String)>,
    RawQuery(query): RawQuery,
    RawBody(chunk): RawBody,
) -> Result<Json<UploadStatus>, AppError> {
    let offset = offset(query.as_deref())?;
    let (photo, key) = lookup(&state, &caller, &ids.0, &ids.1).await?;
    if photo.complete {
        // A retry after a lost response: the photo is already safe.
        return Ok(Json(status_of(&photo)));
    }
    if offset != photo.received {
        return Err(wrong_offset(photo.received));
    }
    if photo.received == photo.size
        && photo.size > 0
        && committed_before(&state, &key, &photo.sha256).await?
    {
        state.store.photo_completed(&ids.0, &ids.1).await?;
        return Ok(Json(status_of(&PhotoRecord {
            complete: true,
            ..photo
        })));
    }
    if offset.saturating_add(chunk.len() as u64) > photo.size {
        return Err(AppError::bad_request(
            "exceeds_size",
            "the chunk goes past the size in the manifest",
        ));
    }
    if offset == 0 && chunk.len() as u64 == photo.size && photo.size > 0 {
        return put_whole(&state, &ids, photo, &key, &chunk).await;
    }
    let held = state
        .blobs
        .append(&key, offset, &chunk)
        .await
        .map_err(blob_error)?;
    if held != offset
        && !state
            .store
            .photo_received(&ids.0, &ids.1, offset, held)
            .await?
    {
        // Another request (on this process or another) recorded a chunk first: resume from
        // where it left the photo.
        let now = photo_record(&state, &ids.0, &ids.1).await?;
        if now.complete {
            return Ok(Json(status_of(&now)));
        }
        return Err(wrong_offset(now.received));
    }
    state.metrics.photo_bytes(chunk.len() as u64);
    if held == photo.size {
        // (A photo sent in one chunk went to `put_whole`.)
        let hash = state.blobs.partial_sha256(&key).await.map_err(blob_error)?;
        if hash != photo.sha256 {
            state.blobs.discard(&key).await.map_err(blob_error)?;
            // The upload starts over from the first byte.
            state.store.photo_received(&ids.0, &ids.1, held, 0).await?;
            return Err(hash_mismatch());
        }
        state.blobs.commit(&key).await.map_err(blob_error)?;
        state.store.photo_completed(&ids.0, &ids.1).await?;
        return Ok(Json(UploadStatus {
            photo_id: photo.photo_id,
            received: held,
            size: photo.size,
            complete: true,
        }));
    }
    Ok(Json(UploadStatus {
        photo_id: photo.photo_id,
        received: held,
        size: photo.size,
        complete: false,
    }))
}
