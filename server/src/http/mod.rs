//! The HTTP API: `app(state)` builds the router; every route is also listed in [`openapi::ROUTES`].

mod access_log;
mod alerts;
mod assignments;
mod audit;
pub(crate) mod auth;
mod client;
mod counties;
mod coverage;
mod devices;
mod extract;
pub(crate) mod headers;
mod health;
mod limits;
pub mod metrics;
pub mod openapi;
mod openapi_routes;
mod openapi_schemas;
mod org;
mod photos;
mod reviews;
pub mod signin_limit;
pub mod tls;
mod visits;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{delete, get, post, put};

pub use extract::{ApiJson, ApiPath, RawBody};

use crate::error::AppError;
use crate::state::AppState;

/// The whole API over a state.
pub fn app(state: AppState) -> Router {
    let limits = state.config.limits;
    let api = Router::new()
        .route("/openapi.json", get(openapi::document))
        .route(
            "/auth/login",
            post(axum::handler::Handler::layer(
                auth::login,
                signin_limit::layer(&state.signin_limiter),
            )),
        )
        .route("/auth/logout", post(auth::logout))
        .route("/auth/me", get(auth::me))
        .route("/auth/password", post(auth::change_password))
        .route("/auth/sessions", get(auth::sessions))
        .route("/auth/sessions/{session_id}", delete(auth::end_session))
        .route("/audit/verify", get(audit::verify))
        .route("/org/units", get(org::list_units).post(org::add_unit))
        .route("/alert-channels", get(alerts::list).post(alerts::add))
        .route("/alert-channels/test", post(alerts::test))
        .route("/alert-channels/{channel_id}", delete(alerts::remove))
        .route("/alerts", get(alerts::history))
        .route(
            "/alerts/{event_id}/{channel_id}/resend",
            post(alerts::resend),
        )
        .route("/staff", get(org::list_staff).post(org::add_staff))
        .route("/staff/{staff_id}/disable", post(org::disable_staff))
        .route("/staff/{staff_id}/enable", post(org::enable_staff))
        .route("/staff/{staff_id}/password", post(org::reset_password))
        .route("/staff/{staff_id}/placement", post(org::place_staff))
        .route("/households", get(org::list_households))
        .route(
            "/households/import",
            post(org::import_households).layer(DefaultBodyLimit::max(limits.csv)),
        )
        .route("/households/{household_id}/move", post(org::move_household))
        .route(
            "/counties/{county_id}/parameters",
            get(counties::get_parameters)
                .put(counties::put_parameters)
                .delete(counties::clear_parameters),
        )
        .route(
            "/counties/{county_id}/templates",
            get(counties::list_templates)
                .post(counties::publish_template)
                .layer(DefaultBodyLimit::max(limits.envelope)),
        )
        .route("/assignments", get(assignments::pull))
        .route(
            "/audience-keys",
            get(assignments::list).post(assignments::create),
        )
        .route("/devices", get(devices::list))
        .route("/devices/enrollment-codes", post(devices::create_code))
        .route("/devices/enroll", post(devices::enroll))
        .route("/devices/token", post(devices::renew_token))
        .route("/devices/{device_id}/revoke", post(devices::revoke))
        .route("/visits", get(visits::list))
        .route(
            "/visits/{visit_id}",
            put(visits::put_visit).layer(DefaultBodyLimit::max(limits.envelope)),
        )
        .route(
            "/visits/{visit_id}/photos/{photo_id}",
            get(photos::status)
                .put(photos::put_chunk)
                .layer(DefaultBodyLimit::max(limits.photo_chunk)),
        )
        .route("/coverage", get(coverage::coverage))
        .route("/coverage/evidence", get(coverage::evidence))
        .route("/coverage/trend", get(coverage::trend))
        .route("/coverage/households", get(coverage::households))
        .route("/reports/briefing", get(coverage::briefing))
        .route("/reviews", get(reviews::queue))
        .route("/reviews/overdue", get(reviews::overdue))
        .route("/reviews/unlock", post(reviews::unlock))
        .route("/reviews/lock", post(reviews::lock))
        .route("/reviews/{visit_id}", get(reviews::detail))
        .route("/reviews/{visit_id}/decision", post(reviews::decide))
        .route("/reviews/{visit_id}/content", get(reviews::content))
        .route("/reviews/{visit_id}/photos/{photo_id}", get(reviews::photo))
        .layer(DefaultBodyLimit::max(limits.json));
    let router = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/livez", get(health::livez))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(alerts::metrics))
        .nest("/api/v1", api)
        .merge(crate::console::router(&limits, &state.signin_limiter))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            state.config.secure_cookies,
            headers::security_headers,
        ))
        // Pages, assets and reports travel gzip-compressed to clients that accept it (images and
        // small bodies are left alone).
        .layer(tower_http::compression::CompressionLayer::new());
    limits::apply(router, &state.config)
        .layer(axum::middleware::from_fn_with_state(
            std::sync::Arc::clone(&state.metrics),
            access_log::access_log,
        ))
        .with_state(state)
}

/// JSON for the API, a page for everything else.
async fn not_found(
    uri: axum::http::Uri,
    headers: axum::http::HeaderMap,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    if uri.path().starts_with("/api/") {
        AppError::not_found("route").into_response()
    } else {
        crate::console::errors::not_found(crate::console::i18n::Lang::of(&headers))
    }
}

async fn method_not_allowed() -> AppError {
    AppError::new(
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "method not allowed on this route",
    )
}

#[cfg(test)]
mod tests;
