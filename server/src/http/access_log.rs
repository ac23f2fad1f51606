//! One log line per request: method, route template (never the raw path or query), status, time;
//! and a request id on every line logged while the request is served, sent back in
//! `X-Request-Id` so a person reporting a failure can quote it.

use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

/// The header carrying the request id, both ways.
pub const REQUEST_ID: &str = "x-request-id";

/// The id of a request: the one a proxy in front gave it, when that is a plain token, or a fresh
/// random one.
fn request_id(request: &Request) -> String {
    let given = request
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            (1..=64).contains(&v.len())
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        });
    match given {
        Some(id) => id.to_owned(),
        None => {
            let mut b = [0u8; 8];
            // An id only names a request in the logs; a failed random source leaves it zero.
            let _ = fieldvisit_core::crypto::random_bytes(&mut b);
            hex::encode(b)
        }
    }
}

/// Serves the request inside a span carrying its id, logs it after it is answered, and returns
/// the id in the response.
pub async fn access_log(
    axum::extract::State(metrics): axum::extract::State<std::sync::Arc<super::metrics::Metrics>>,
    request: Request,
    next: Next,
) -> Response {
    // The template (`/api/v1/visits/{visit_id}`) is safe to log; the raw path may carry hostile text.
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "<unmatched>".to_owned(), |m| m.as_str().to_owned());
    let method = request.method().clone();
    let id = request_id(&request);
    let span = tracing::info_span!("request", request_id = %id);
    let started = Instant::now();
    let mut response = async {
        let response = next.run(request).await;
        metrics.request(
            method.as_str(),
            &route,
            response.status().as_u16(),
            started.elapsed().as_secs_f64(),
        );
        tracing::info!(
            %method,
            %route,
            status = response.status().as_u16(),
            ms = started.elapsed().as_millis() as u64,
            "request"
        );
        response
    }
    .instrument(span)
    .await;
    if let Ok(v) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, v);
    }
    response
}
