//! `AppError`: what a client sees (status, stable code, message) and what only the log sees.

use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use fieldvisit_core::protocol::{ApiError, ApiErrorBody};

use crate::ops::OpsError;
use crate::store::StoreError;

/// An error answered as `{"error":{"code":"...","message":"..."}}` with its status.
#[derive(Debug)]
pub struct AppError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable machine-readable code.
    pub code: &'static str,
    /// Message for the client; never personal data or internals.
    pub message: String,
    /// Extra response headers (e.g. `Upload-Offset`).
    pub headers: Vec<(HeaderName, HeaderValue)>,
}

impl AppError {
    /// An error with a status, code and message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        AppError {
            status,
            code,
            message: message.into(),
            headers: Vec::new(),
        }
    }

    /// 400.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 401 `unauthenticated`.
    pub fn unauthenticated() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "missing or invalid credentials",
        )
    }

    /// 403.
    pub fn forbidden(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, code, message)
    }

    /// 403 `out_of_scope`.
    pub fn out_of_scope() -> Self {
        Self::forbidden("out_of_scope", "outside your branch of the organisation")
    }

    /// 404 `not_found`.
    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("{what} not found"),
        )
    }

    /// 409.
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }

    /// 413 `too_large`.
    pub fn too_large() -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            "request body too large",
        )
    }

    /// 400 `invalid_id`.
    pub fn invalid_id(field: &str) -> Self {
        Self::bad_request("invalid_id", format!("{field} is not a valid identifier"))
    }

    /// 500: logs the cause (which must itself hold no personal data) and tells the client nothing.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(%cause, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal server error",
        )
    }

    /// Adds a response header.
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        OpsError::from(e).into()
    }
}

/// The JSON API's one mapping of domain errors to statuses.
impl From<OpsError> for AppError {
    fn from(e: OpsError) -> Self {
        let status = match &e {
            OpsError::NotFound(_) => StatusCode::NOT_FOUND,
            OpsError::InvalidId(_) | OpsError::Invalid { .. } | OpsError::InvalidRows(_) => {
                StatusCode::BAD_REQUEST
            }
            OpsError::ForbiddenRole(_) | OpsError::Refused { .. } => StatusCode::FORBIDDEN,
            OpsError::Conflict { .. } => StatusCode::CONFLICT,
            OpsError::Undecryptable => StatusCode::UNPROCESSABLE_ENTITY,
            OpsError::BadCredentials | OpsError::Unauthenticated { .. } => StatusCode::UNAUTHORIZED,
            OpsError::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
            OpsError::Internal(cause) => return AppError::internal(cause),
        };
        let retry = match &e {
            OpsError::Throttled {
                retry_after_secs: Some(s),
                ..
            } => HeaderValue::from_str(&(*s).max(1).to_string()).ok(),
            _ => None,
        };
        let err = AppError::new(status, e.code(), e.to_string());
        match retry {
            Some(v) => err.with_header(axum::http::header::RETRY_AFTER, v),
            None => err,
        }
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.code,
            self.message
        )
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let body = ApiErrorBody {
            error: ApiError {
                code: self.code.to_owned(),
                message: self.message,
            },
        };
        let mut resp = (self.status, axum::Json(body)).into_response();
        for (name, value) in self.headers {
            resp.headers_mut().insert(name, value);
        }
        resp
    }
}
