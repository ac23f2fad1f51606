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
        match serde_json::from_slice(&bytes) {
            Ok(t) => Ok(ApiJson(t)),
            // JSON, and the schema with it, counts `2.0` as an integer; serde does not. Only a
            // body refused once is read a second time.
            Err(e) => serde_json::from_slice::<serde_json::Value>(&bytes)
                .ok()
                .and_then(|mut v| integral_floats_as_integers(&mut v).then_some(v))
                .and_then(|v| serde_json::from_value(v).ok())
                .map(ApiJson)
                .ok_or_else(|| AppError::bad_request("malformed_json", redacted_json_error(&e))),
        }
    }
}

/// Writes every number with a zero fraction that fits an `i64` as an integer; whether any changed.
fn integral_floats_as_integers(v: &mut serde_json::Value) -> bool {
    use serde_json::Value;
    match v {
        Value::Number(n) if n.is_f64() => match n.as_f64() {
            // Both bounds (-2^63 and 2^63) are exact in f64; an integral f64 between them
            // converts without loss.
            Some(f) if f.fract() == 0.0 && (i64::MIN as f64..i64::MAX as f64).contains(&f) => {
                *v = Value::from(f as i64);
                true
            }
            _ => false,
        },
        Value::Array(items) => items
            .iter_mut()
            .fold(false, |changed, i| integral_floats_as_integers(i) | changed),
        Value::Object(fields) => fields
            .values_mut()
            .fold(false, |changed, f| integral_floats_as_integers(f) | changed),
        _ => false,
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
