//! Limits every request meets: a deadline (its body included, so a client that trickles bytes
//! holds a connection no longer than that) and a ceiling on requests served at once, above which
//! the server answers 503 at once instead of queueing without end.

use std::time::Duration;

use axum::BoxError;
use axum::error_handling::HandleErrorLayer;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use tower::ServiceBuilder;

use crate::config::Config;
use crate::error::AppError;

/// The deadline and the ceiling over `router`, their refusals answered as JSON errors.
pub fn apply<S: Clone + Send + Sync + 'static>(
    router: axum::Router<S>,
    config: &Config,
) -> axum::Router<S> {
    router.layer(
        ServiceBuilder::new()
            .layer(HandleErrorLayer::new(refusal))
            .load_shed()
            .layer(tower::limit::GlobalConcurrencyLimitLayer::new(
                config.max_in_flight.max(1),
            ))
            .timeout(config.request_timeout.max(Duration::from_millis(1))),
    )
}

async fn refusal(e: BoxError) -> Response {
    if e.is::<tower::timeout::error::Elapsed>() {
        AppError::new(
            StatusCode::REQUEST_TIMEOUT,
            "timeout",
            "the request took too long and was stopped",
        )
        .into_response()
    } else if e.is::<tower::load_shed::error::Overloaded>() {
        AppError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "overloaded",
            "the server is busy; try again shortly",
        )
        .into_response()
    } else {
        AppError::internal(e).into_response()
    }
}
