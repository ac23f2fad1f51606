//! The OpenAPI document, built with utoipa's builder types from [`ROUTES`], the one list of routes.
//! A test checks that every listed route exists in the router.

use axum::Json;
use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::{
    ContentBuilder, InfoBuilder, OpenApi, OpenApiBuilder, PathItem, PathsBuilder, Ref, Required,
    ResponseBuilder,
};

/// One route of the API.
#[derive(Debug, Clone, Copy)]
pub struct Route {
    /// Method.
    pub method: &'static str,
    /// Path, with `{param}` placeholders, relative to the server root.
    pub path: &'static str,
    /// What it does.
    pub summary: &'static str,
    /// Who may call it.
    pub auth: &'static str,
    /// Status codes and their meaning.
    pub responses: &'static [(&'static str, &'static str)],
    /// Request body: content type and schema name (see `openapi_schemas`).
    pub request: Option<(&'static str, &'static str)>,
    /// Schema name of the success body.
    pub response: Option<&'static str>,
}

pub use super::openapi_routes::ROUTES;

fn method(m: &str) -> HttpMethod {
    match m {
        "POST" => HttpMethod::Post,
        "PUT" => HttpMethod::Put,
        "DELETE" => HttpMethod::Delete,
        _ => HttpMethod::Get,
    }
}

/// Builds the document from [`ROUTES`].
pub fn build() -> OpenApi {
    let mut paths = PathsBuilder::new();
    for r in ROUTES {
        let mut op = OperationBuilder::new()
            .summary(Some(r.summary))
            .description(Some(format!(
                "Authentication: {}. Errors: {{\"error\":{{\"code\",\"message\"}}}}.",
                r.auth
            )))
            .operation_id(Some(format!("{} {}", r.method, r.path)));
        for param in r
            .path
            .split('/')
            .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
        {
            op = op.parameter(
                ParameterBuilder::new()
                    .name(param)
                    .parameter_in(ParameterIn::Path)
                    .build(),
            );
        }
        if let Some((content_type, schema)) = r.request {
            let body = RequestBodyBuilder::new()
                .content(
                    content_type,
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name(schema)))
                        .build(),
                )
                .required(Some(Required::True))
                .build();
            op = op.request_body(Some(body));
        }
        for (code, what) in r.responses {
            let mut resp = ResponseBuilder::new().description(*what);
            let schema = match (code.starts_with('2'), r.response) {
                (true, Some(s)) => Some(s),
                (true, None) => None,
                (false, _) => Some("ApiErrorBody"),
            };
            if let Some(s) = schema {
                resp = resp.content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name(s)))
                        .build(),
                );
            }
            op = op.response(*code, resp.build());
        }
        paths = paths.path(r.path, PathItem::new(method(r.method), op.build()));
    }
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("FieldVisit server API")
                .version(env!("CARGO_PKG_VERSION"))
                .build(),
        )
        .paths(paths.build())
        .components(Some(super::openapi_schemas::components()))
        .build()
}

/// `GET /api/v1/openapi.json`.
pub async fn document() -> Json<OpenApi> {
    Json(build())
}
