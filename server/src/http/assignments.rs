//! `GET /api/v1/assignments?since=TOKEN` for phones, and audience keys for admins.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use fieldvisit_core::protocol::{Assignments, AudienceKeyRecord, MAX_HELD_TEMPLATES};
use serde::Deserialize;
use tracing::instrument;

use super::{ApiJson, ApiPath};
use crate::auth::{DeviceCaller, StaffCaller};
use crate::error::AppError;
use crate::ids::is_safe_id;
use crate::ops::audience::KeyView;
use crate::ops::{self, Actor};
use crate::state::AppState;

fn since(query: Option<&str>) -> Option<&str> {
    query?.split('&').find_map(|kv| kv.strip_prefix("since="))
}

/// The `have=TEMPLATE_ID.VERSION` pairs: templates the phone already holds (the version follows
/// the last dot; ids and digits need no URL encoding).
fn held_templates(query: Option<&str>) -> Result<Vec<(String, u32)>, AppError> {
    let mut held = Vec::new();
    for value in query
        .unwrap_or("")
        .split('&')
        .filter_map(|kv| kv.strip_prefix("have="))
    {
        let pair = value
            .rsplit_once('.')
            .and_then(|(id, version)| Some((id, version.parse::<u32>().ok()?)))
            .filter(|(id, _)| is_safe_id(id));
        let Some((id, version)) = pair else {
            return Err(AppError::bad_request(
                "bad_have",
                "have is not TEMPLATE_ID.VERSION",
            ));
        };
        if held.len() == MAX_HELD_TEMPLATES {
            return Err(AppError::bad_request(
                "bad_have",
                format!("at most {MAX_HELD_TEMPLATES} have= pairs"),
            ));
        }
        held.push((id.to_owned(), version));
    }
    Ok(held)
}

/// A template the phone holds, `TEMPLATE_ID.VERSION`: the query value `have` repeats.
#[derive(Debug)]
pub struct HeldTemplate;

impl utoipa::PartialSchema for HeldTemplate {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some("^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}[.][0-9]{1,9}$"))
            .into()
    }
}

impl utoipa::ToSchema for HeldTemplate {}

/// `GET /api/v1/assignments?since=TOKEN&have=ID.VERSION…` (device).
#[instrument(skip_all, fields(device_id = %caller.device.id))]
#[utoipa::path(
    get,
    path = "/assignments",
    summary = "The device's assignments since a token; no token: everything",
    security(("bearer" = [])),
    params(
        ("since" = Option<String>, Query, description = "The token of the previous pull; absent for everything", pattern = "^c[0-9]{1,19}$"),
        ("have" = Option<Vec<HeldTemplate>>, Query, description = "Templates the phone holds, left out of the answer", max_items = 64)
    ),
    responses((status = 200, description = "Assignments", body = Assignments), (status = 400, description = "bad_since or bad_have", body = fieldvisit_core::protocol::ApiErrorBody), (status = 401, description = "unauthenticated", body = fieldvisit_core::protocol::ApiErrorBody), (status = 403, description = "device_revoked", body = fieldvisit_core::protocol::ApiErrorBody))
)]
pub async fn pull(
    State(s): State<AppState>,
    caller: DeviceCaller,
    RawQuery(query): RawQuery,
) -> Result<Json<Assignments>, AppError> {
    let held = held_templates(query.as_deref())?;
    if since(query.as_deref()) == Some("") {
        return Err(AppError::bad_request(
            "bad_since",
            "since is not a token this server issued",
        ));
    }
    let a =
        ops::assignments::for_device(&s, &caller.device, since(query.as_deref()), &held).await?;
    Ok(Json(a))
}

/// Request for a new audience key pair.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAudienceKey {
    /// `child-welfare` or `civil-affairs`.
    #[schema(pattern = "^(child-welfare|civil-affairs)$")]
    pub audience: String,
    /// County whose branch the key serves; the caller's own branch when absent.
    #[serde(default)]
    #[schema(pattern = "^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$")]
    pub unit_id: Option<String>,
    /// Passphrase that seals the private key (at least 12 characters); never stored or logged.
    #[schema(min_length = 12)]
    pub passphrase: String,
}

impl std::fmt::Debug for NewAudienceKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewAudienceKey")
            .field("audience", &self.audience)
            .field("unit_id", &self.unit_id)
            .finish_non_exhaustive()
    }
}

/// `POST /api/v1/audience-keys` (admin).
#[instrument(skip_all, fields(staff_id = %caller.staff_id))]
#[utoipa::path(
    post,
    path = "/audience-keys",
    summary = "Make an audience key pair for a county branch; the private key is sealed under the passphrase (admin)",
    security(("bearer" = []), ("session_cookie" = [])),
    request_body(content = NewAudienceKey, content_type = "application/json"),
    responses((status = 201, description = "Made", body = AudienceKeyRecord), (status = 400, description = "invalid input: malformed_json, invalid_id, bad_path and others naming the field", body = fieldvisit_core::protocol::ApiErrorBody), (status = 413, description = "too_large", body = fieldvisit_core::protocol::ApiErrorBody), (status = 415, description = "unsupported_media_type: the body must be JSON", body = fieldvisit_core::protocol::ApiErrorBody), (status = 401, description = "unauthenticated", body = fieldvisit_core::protocol::ApiErrorBody), (status = 403, description = "forbidden_role, out_of_scope, csrf or password_change_required", body = fieldvisit_core::protocol::ApiErrorBody), (status = 404, description = "not_found (also for ids outside the caller's branch)", body = fieldvisit_core::protocol::ApiErrorBody), (status = 409, description = "conflict", body = fieldvisit_core::protocol::ApiErrorBody))
)]
pub async fn create(
    State(s): State<AppState>,
    caller: StaffCaller,
    ApiJson(req): ApiJson<NewAudienceKey>,
) -> Result<(StatusCode, Json<AudienceKeyRecord>), AppError> {
    let rec = ops::audience::create_key_for(
        &s,
        &Actor::from(&caller),
        req.unit_id.as_deref(),
        &req.audience,
        &req.passphrase,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(rec)))
}

/// Request to rotate a county's audience key.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyRotationRequest {
    /// County whose key rotates; the caller's own branch when absent.
    #[serde(default)]
    #[schema(pattern = "^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$")]
    pub unit_id: Option<String>,
    /// The current passphrase, which must open the current key; never stored or logged.
    pub passphrase: String,
    /// The passphrase of the new key and, from now on, of every earlier one (at least 12
    /// characters); never stored or logged.
    #[schema(min_length = 12)]
    pub new_passphrase: String,
}

impl std::fmt::Debug for KeyRotationRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyRotationRequest")
            .field("unit_id", &self.unit_id)
            .finish_non_exhaustive()
    }
}

/// `POST /api/v1/audience-keys/{audience}/rotate` (admin).
#[instrument(skip_all, fields(staff_id = %caller.staff_id))]
#[utoipa::path(
    post,
    path = "/audience-keys/{audience}/rotate",
    summary = "Rotate a county's audience key: a new key pair, every earlier one re-sealed under the new passphrase (admin)",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("audience" = String, Path, description = "child-welfare or civil-affairs", pattern = "^(child-welfare|civil-affairs)$")),
    request_body(content = KeyRotationRequest, content_type = "application/json"),
    responses((status = 200, description = "Rotated: the key with its generations", body = crate::ops::audience::KeyView), (status = 400, description = "invalid input: malformed_json, invalid_id, bad_path and others naming the field", body = fieldvisit_core::protocol::ApiErrorBody), (status = 413, description = "too_large", body = fieldvisit_core::protocol::ApiErrorBody), (status = 415, description = "unsupported_media_type: the body must be JSON", body = fieldvisit_core::protocol::ApiErrorBody), (status = 401, description = "unauthenticated", body = fieldvisit_core::protocol::ApiErrorBody), (status = 403, description = "forbidden_role, out_of_scope, csrf, wrong_passphrase or password_change_required", body = fieldvisit_core::protocol::ApiErrorBody), (status = 404, description = "not_found (also for ids outside the caller's branch)", body = fieldvisit_core::protocol::ApiErrorBody), (status = 409, description = "rotated_meanwhile", body = fieldvisit_core::protocol::ApiErrorBody), (status = 429, description = "unlock_throttled: too many wrong passphrases", body = fieldvisit_core::protocol::ApiErrorBody))
)]
pub async fn rotate(
    State(s): State<AppState>,
    caller: StaffCaller,
    ApiPath(audience): ApiPath<String>,
    ApiJson(req): ApiJson<KeyRotationRequest>,
) -> Result<Json<KeyView>, AppError> {
    let view = ops::audience::rotate_key(
        &s,
        &Actor::from(&caller),
        req.unit_id.as_deref(),
        &audience,
        &req.passphrase,
        &req.new_passphrase,
    )
    .await?;
    Ok(Json(view))
}

/// `GET /api/v1/audience-keys` (staff): the keys serving the caller's branch (for admins also
/// those of the counties in it), each with its generations.
#[utoipa::path(
    get,
    path = "/audience-keys",
    summary = "Audience keys serving the caller's branch (for admins also those of its counties), each with its generations",
    security(("bearer" = []), ("session_cookie" = [])),
    responses((status = 200, description = "Keys", body = Vec<crate::ops::audience::KeyView>), (status = 401, description = "unauthenticated", body = fieldvisit_core::protocol::ApiErrorBody), (status = 403, description = "forbidden_role, out_of_scope, csrf or password_change_required", body = fieldvisit_core::protocol::ApiErrorBody))
)]
pub async fn list(
    State(s): State<AppState>,
    caller: StaffCaller,
) -> Result<Json<Vec<KeyView>>, AppError> {
    Ok(Json(ops::audience::views(&s, &Actor::from(&caller)).await?))
}
