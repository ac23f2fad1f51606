//! Extractors whose rejections are JSON `AppError`s: body bytes (413 `too_large`), JSON
//! (415 `unsupported_media_type` unless it says it is JSON, 400 `malformed_json`), query strings
//! (400 `bad_query`) and path parameters (400 `bad_path`).

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use fieldvisit_core::protocol::redacted_json_error;
use serde::de::DeserializeOwned;

use crate::error::AppError;

/// The raw body, within the route's body limit.
#[derive(Debug)]
pub struct RawBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for RawBody {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        Bytes::from_request(req, state)
            .await
            .map(RawBody)
            .map_err(|e| {
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    AppError::too_large()
                } else {
                    AppError::bad_request("bad_body", "the request body could not be read")
                }
            })
    }
}

/// A JSON body; errors name the field and position, never the value.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

/// Refuses a body that does not say it is JSON (`Content-Type: application/json`, or a `+json`
/// type): a cross-site form or `text/plain` post cannot reach a JSON route.
pub fn require_json(headers: &axum::http::HeaderMap) -> Result<(), AppError> {
    let essence = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        });
    match essence.as_deref() {
        Some("application/json") => Ok(()),
        Some(t) if t.starts_with("application/") && t.ends_with("+json") => Ok(()),
        _ => Err(AppError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "the body must be JSON, sent with Content-Type: application/json",
        )),
    }
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        require_json(req.headers())?;
        let RawBody(bytes) = RawBody::from_request(req, state).await?;
        serde_json::from_slice(&bytes)
            .map(ApiJson)
            .map_err(|e| AppError::bad_request("malformed_json", redacted_json_error(&e)))
    }
}

/// A query string; a parameter that is unknown or not of its type is a 400 `bad_query`.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(t)| ApiQuery(t))
            .map_err(|_| AppError::bad_request("bad_query", "query parameters are not valid"))
    }
}

/// Path parameters.
#[derive(Debug)]
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(t)| ApiPath(t))
            .map_err(|_| AppError::bad_request("bad_path", "path parameters are not valid"))
    }
}
