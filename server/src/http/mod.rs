//! The HTTP API: `app(state)` builds the router from [`api_routes`], which also makes the OpenAPI
//! document.

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
mod org;
mod panics;
mod photos;
mod reviews;
pub mod signin_limit;
pub mod tls;
mod visits;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use utoipa::OpenApi as _;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use extract::{ApiJson, ApiPath, ApiQuery, RawBody};

use crate::config::BodyLimits;
use crate::error::AppError;
use crate::state::AppState;

/// Every route of the API with its documentation: health and metrics at the root, the rest under
/// `/api/v1`. Routes with a body limit or a rate limit of their own are grouped so that the layer
/// covers them alone.
pub fn api_routes(limits: &BodyLimits, signin: &signin_limit::Limiter) -> OpenApiRouter<AppState> {
    let login = OpenApiRouter::new()
        .routes(routes!(auth::login))
        .layer(signin_limit::layer(signin));
    let csv = OpenApiRouter::new()
        .routes(routes!(org::import_households))
        .layer(DefaultBodyLimit::max(limits.csv));
    let envelopes = OpenApiRouter::new()
        .routes(routes!(
            counties::list_templates,
            counties::publish_template
        ))
        .routes(routes!(visits::put_visit))
        .layer(DefaultBodyLimit::max(limits.envelope));
    let chunks = OpenApiRouter::new()
        .routes(routes!(photos::status, photos::put_chunk))
        .layer(DefaultBodyLimit::max(limits.photo_chunk));
    let api = OpenApiRouter::new()
        .routes(routes!(openapi::document))
        .routes(routes!(auth::logout))
        .routes(routes!(auth::me))
        .routes(routes!(auth::change_password))
        .routes(routes!(auth::sessions))
        .routes(routes!(auth::end_session))
        .routes(routes!(audit::verify))
        .routes(routes!(org::list_units, org::add_unit))
        .routes(routes!(alerts::list, alerts::add))
        .routes(routes!(alerts::test))
        .routes(routes!(alerts::remove))
        .routes(routes!(alerts::history))
        .routes(routes!(alerts::resend))
        .routes(routes!(org::list_staff, org::add_staff))
        .routes(routes!(org::disable_staff))
        .routes(routes!(org::enable_staff))
        .routes(routes!(org::reset_password))
        .routes(routes!(org::place_staff))
        .routes(routes!(org::list_households))
        .routes(routes!(org::move_household))
        .routes(routes!(
            counties::get_parameters,
            counties::put_parameters,
            counties::clear_parameters
        ))
        .routes(routes!(assignments::pull))
        .routes(routes!(assignments::list, assignments::create))
        .routes(routes!(assignments::rotate))
        .routes(routes!(devices::list))
        .routes(routes!(devices::create_code))
        .routes(routes!(devices::enroll))
        .routes(routes!(devices::renew_token))
        .routes(routes!(devices::revoke))
        .routes(routes!(visits::list))
        .routes(routes!(coverage::coverage))
        .routes(routes!(coverage::evidence))
        .routes(routes!(coverage::trend))
        .routes(routes!(coverage::households))
        .routes(routes!(coverage::briefing))
        .routes(routes!(reviews::queue))
        .routes(routes!(reviews::overdue))
        .routes(routes!(reviews::unlock))
        .routes(routes!(reviews::lock))
        .routes(routes!(reviews::detail))
        .routes(routes!(reviews::decide))
        .routes(routes!(reviews::content))
        .routes(routes!(reviews::photo))
        .merge(login)
        .merge(csv)
        .merge(envelopes)
        .merge(chunks)
        .layer(DefaultBodyLimit::max(limits.json));
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .routes(routes!(health::healthz))
        .routes(routes!(health::livez))
        .routes(routes!(health::readyz))
        .routes(routes!(alerts::metrics))
        .nest("/api/v1", api)
}

/// The OpenAPI document of [`api_routes`].
pub fn document(state: &AppState) -> utoipa::openapi::OpenApi {
    api_routes(&state.config.limits, &state.signin_limiter).into_openapi()
}

/// The whole API over a state.
pub fn app(state: AppState) -> Router {
    let limits = state.config.limits;
    let (api, doc) = api_routes(&limits, &state.signin_limiter).split_for_parts();
    let doc = openapi::Served(std::sync::Arc::new(
        serde_json::to_value(&doc).unwrap_or_default(),
    ));
    let router = api
        .layer(axum::Extension(doc))
        .merge(crate::console::router(&limits, &state.signin_limiter))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            state.config.secure_cookies,
            headers::security_headers,
        ))
        .layer(axum::middleware::from_fn_with_state(
            std::sync::Arc::new(state.config.trusted_proxies.clone()),
            client::audit_context,
        ))
        // Pages, assets and reports travel gzip-compressed to clients that accept it (images and
        // small bodies are left alone).
        .layer(tower_http::compression::CompressionLayer::new())
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            panics::answer,
        ));
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
