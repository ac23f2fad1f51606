//! The OpenAPI document. It is not written anywhere: the router registers every API route with
//! its `#[utoipa::path]` annotation (utoipa-axum), so the routes served and the routes documented
//! are one list, and the schemas are derived from the request and response types themselves.

use std::sync::Arc;

use axum::Json;
use axum::extract::Extension;
use utoipa::openapi::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};

/// Identifier syntax of path and body ids (`fieldvisit_core::protocol::is_safe_id`).
pub const ID_PATTERN: &str = "^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$";

/// The parts of the document that belong to no route: title, security schemes, shared schemas.
#[derive(Debug, utoipa::OpenApi)]
#[openapi(
    info(title = "FieldVisit server API"),
    // The types of query parameters, which `routes!` does not collect.
    components(schemas(
        fieldvisit_core::protocol::ApiErrorBody,
        fieldvisit_core::caseload::Category,
        crate::ops::coverage::Status,
        crate::ops::briefing::ExportFormat,
        super::assignments::HeldTemplate
    )),
    modifiers(&SecuritySchemes)
)]
pub struct ApiDoc;

/// Adds the bearer-token and session-cookie schemes.
struct SecuritySchemes;

impl utoipa::Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "session_cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                crate::auth::SESSION_COOKIE,
            ))),
        );
    }
}

/// The document as served, serialized once when the router is built.
#[derive(Debug, Clone)]
pub struct Served(pub Arc<serde_json::Value>);

/// One route of the document: its method (upper case) and path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// Method, e.g. `GET`.
    pub method: String,
    /// Path with `{param}` placeholders, from the server root.
    pub path: String,
}

/// Every (method, path) pair of a document (as JSON), in path order.
pub fn routes(doc: &serde_json::Value) -> Vec<Route> {
    let mut out = Vec::new();
    if let Some(paths) = doc["paths"].as_object() {
        for (path, item) in paths {
            for method in ["get", "put", "post", "delete", "patch"] {
                if item.get(method).is_some() {
                    out.push(Route {
                        method: method.to_ascii_uppercase(),
                        path: path.clone(),
                    });
                }
            }
        }
    }
    out
}

/// `GET /api/v1/openapi.json`.
#[utoipa::path(
    get,
    path = "/openapi.json",
    summary = "This document (OpenAPI 3.1)",
    responses((status = 200, description = "The OpenAPI document", body = Object))
)]
pub async fn document(Extension(doc): Extension<Served>) -> Json<serde_json::Value> {
    Json(doc.0.as_ref().clone())
}
