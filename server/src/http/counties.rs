//! What an admin sets per county beside its schedule: its parameters (low-income standards by
//! year, evidence thresholds) and its template versions.

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use fieldvisit_core::geo::EvidenceThresholds;
use fieldvisit_core::protocol::LowIncomeStandard;
use serde::Serialize;
use tracing::instrument;

use super::{ApiJson, ApiPath, RawBody};
use crate::auth::StaffCaller;
use crate::error::AppError;
use crate::ops::{Actor, parameters, templates};
use crate::state::AppState;
use crate::store::{CountyParameterSet, IssuedTemplate};

/// A county's parameters: its own, and what is in force there.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ParametersView {
    /// County id.
    pub county_id: String,
    /// What the county set itself (absent: nothing, the defaults apply).
    pub own: Option<CountyParameterSet>,
    /// Low-income standards phones of the county compare with.
    pub low_income_standards: Vec<LowIncomeStandard>,
    /// Evidence thresholds in force (the county's or the defaults).
    pub evidence_thresholds: EvidenceThresholds,
}

async fn view(s: &AppState, actor: &Actor, county_id: &str) -> Result<ParametersView, AppError> {
    let (unit, own) = parameters::of_county(s, actor, county_id).await?;
    let all = parameters::Parameters::new(
        own.clone()
            .map(|p| crate::store::CountyParameterRow {
                unit_id: unit.id.clone(),
                path: unit.path.clone(),
                parameters: p,
            })
            .into_iter()
            .collect(),
    );
    Ok(ParametersView {
        low_income_standards: all.wire_for(&unit.path).low_income_standards,
        evidence_thresholds: all.thresholds_for(&unit.path).clone(),
        county_id: unit.id,
        own,
    })
}

/// `GET /api/v1/counties/{county_id}/parameters` (admin).
#[instrument(skip_all, fields(staff_id = %caller.staff_id))]
#[utoipa::path(
    get,
    path = "/counties/{county_id}/parameters",
    summary = "A county's parameters: what it set itself, and the low-income standards and evidence thresholds in force there (admin of a branch holding the county)",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("county_id" = String, Path, description = "County id", pattern = "^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$")),
    responses((status = 200, description = "Parameters", body = ParametersView), (status = 400, description = "invalid_id", body = fieldvisit_core::protocol::ApiErrorBody), (status = 401, description = "unauthenticated", body = fieldvisit_core::protocol::ApiErrorBody), (status = 403, description = "forbidden_role, out_of_scope, csrf or password_change_required", body = fieldvisit_core::protocol::ApiErrorBody), (status = 404, description = "not_found, also for a unit that is not a county", body = fieldvisit_core::protocol::ApiErrorBody))
)]
pub async fn get_parameters(
    State(s): State<AppState>,
    caller: StaffCaller,
    ApiPath(county_id): ApiPath<String>,
) -> Result<Json<ParametersView>, AppError> {
    Ok(Json(view(&s, &Actor::from(&caller), &county_id).await?))
}

/// `PUT /api/v1/counties/{county_id}/parameters` (admin): replaces the county's parameters.
#[instrument(skip_all, fields(staff_id = %caller.staff_id))]
#[utoipa::path(
    put,
    path = "/counties/{county_id}/parameters",
    summary = "Replace a county's parameters; phones receive them with their next assignments; audited (admin)",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("county_id" = String, Path, description = "County id", pattern = "^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$")),
    request_body(content = CountyParameterSet, content_type = "application/json"),
    responses((status = 200, description = "Parameters", body = ParametersView), (status = 400, description = "invalid_parameters, malformed_json or invalid_id", body = fieldvisit_core::protocol::ApiErrorBody), (status = 413, description = "too_large", body = fieldvisit_core::protocol::ApiErrorBody), (status = 415, description = "unsupported_media_type: the body must be JSON", body = fieldvisit_core::protocol::ApiErrorBody), (status = 401, description = "unauthenticated", body = fieldvisit_core::protocol::ApiErrorBody), (status = 403, description = "forbidden_role, out_of_scope, csrf or password_change_required", body = fieldvisit_core::protocol::ApiErrorBody), (status = 404, description = "not_found, also for a unit that is not a county", body = fieldvisit_core::protocol::ApiErrorBody))
)]
pub async fn put_parameters(
    State(s): State<AppState>,
    caller: StaffCaller,
    ApiPath(county_id): ApiPath<String>,
    ApiJson(set): ApiJson<CountyParameterSet>,
) -> Result<Json<ParametersView>, AppError> {
    let actor = Actor::from(&caller);
    parameters::set(&s, &actor, &county_id, Some(set)).await?;
    Ok(Json(view(&s, &actor, &county_id).await?))
}

/// `DELETE /api/v1/counties/{county_id}/parameters` (admin): back to the defaults.
#[instrument(skip_all, fields(staff_id = %caller.staff_id))]
#[utoipa::path(
    delete,
    path = "/counties/{county_id}/parameters",
    summary = "Clear a county's parameters (no standard, default thresholds); audited (admin)",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("county_id" = String, Path, description = "County id", pattern = "^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$")),
    responses((status = 200, description = "Parameters", body = ParametersView), (status = 400, description = "invalid_id", body = fieldvisit_core::protocol::ApiErrorBody), (status = 401, description = "unauthenticated", body = fieldvisit_core::protocol::ApiErrorBody), (status = 403, description = "forbidden_role, out_of_scope, csrf or password_change_required", body = fieldvisit_core::protocol::ApiErrorBody), (status = 404, description = "not_found, also for a unit that is not a county", body = fieldvisit_core::protocol::ApiErrorBody))
)]
pub async fn clear_parameters(
    State(s): State<AppState>,
    caller: StaffCaller,
    ApiPath(county_id): ApiPath<String>,
) -> Result<Json<ParametersView>, AppError> {
    let actor = Actor::from(&caller);
    parameters::set(&s, &actor, &county_id, None).await?;
    Ok(Json(view(&s, &actor, &county_id).await?))
}

/// A template version issued to a county's branch.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TemplateVersionView {
    /// Template id.
    pub id: String,
    /// Version.
    pub version: u32,
    /// Title (Chinese).
    pub title_zh: String,
    /// Title (English).
    pub title_en: String,
    /// Categories it serves.
    pub categories: Vec<String>,
    /// `built-in`, or `county` for one the county published.
    pub origin: &'static str,
    /// Phones of the county receive this version now.
    pub current: bool,
    /// First issued.
    pub published_at: DateTime<Utc>,
}

fn version_view(t: &IssuedTemplate, current: bool) -> TemplateVersionView {
    TemplateVersionView {
        id: t.template.id.clone(),
        version: t.template.version,
        title_zh: t.template.title.zh.clone(),
        title_en: t.template.title.en.clone(),
        categories: t
            .template
            .categories
            .iter()
            .map(|c| c.code().to_owned())
            .collect(),
        origin: if t.scope_path == templates::EVERYWHERE {
            "built-in"
        } else {
            "county"
        },
        current,
        published_at: t.published_at,
    }
}

/// `GET /api/v1/counties/{county_id}/templates` (admin): every version issued to the county.
#[instrument(skip_all, fields(staff_id = %caller.staff_id))]
#[utoipa::path(
    get,
    path = "/counties/{county_id}/templates",
    summary = "Every template version issued to a county's branch, marking those its phones receive now (admin)",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("county_id" = String, Path, description = "County id", pattern = "^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$")),
    responses((status = 200, description = "Versions", body = Vec<TemplateVersionView>), (status = 400, description = "invalid_id", body = fieldvisit_core::protocol::ApiErrorBody), (status = 401, description = "unauthenticated", body = fieldvisit_core::protocol::ApiErrorBody), (status = 403, description = "forbidden_role, out_of_scope, csrf or password_change_required", body = fieldvisit_core::protocol::ApiErrorBody), (status = 404, description = "not_found, also for a unit that is not a county", body = fieldvisit_core::protocol::ApiErrorBody))
)]
pub async fn list_templates(
    State(s): State<AppState>,
    caller: StaffCaller,
    ApiPath(county_id): ApiPath<String>,
) -> Result<Json<Vec<TemplateVersionView>>, AppError> {
    let rows = templates::of_county(&s, &Actor::from(&caller), &county_id).await?;
    Ok(Json(
        rows.iter().map(|(t, c)| version_view(t, *c)).collect(),
    ))
}

/// `POST /api/v1/counties/{county_id}/templates` (admin): publishes a template document (the
/// format of `core/TEMPLATES.md`) for the county's branch.
#[instrument(skip_all, fields(staff_id = %caller.staff_id))]
#[utoipa::path(
    post,
    path = "/counties/{county_id}/templates",
    summary = "Publish a county's template, or a new version of one, for its branch (the document of core/TEMPLATES.md); audited (admin)",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("county_id" = String, Path, description = "County id", pattern = "^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$")),
    request_body(content = Object, content_type = "application/json", description = "A template document (core/TEMPLATES.md)"),
    responses((status = 200, description = "Published", body = TemplateVersionView), (status = 400, description = "invalid_template, template_version_taken, category_served, audience_without_key, invalid_id", body = fieldvisit_core::protocol::ApiErrorBody), (status = 413, description = "too_large", body = fieldvisit_core::protocol::ApiErrorBody), (status = 415, description = "unsupported_media_type: the body must be JSON", body = fieldvisit_core::protocol::ApiErrorBody), (status = 401, description = "unauthenticated", body = fieldvisit_core::protocol::ApiErrorBody), (status = 403, description = "forbidden_role, out_of_scope, csrf or password_change_required", body = fieldvisit_core::protocol::ApiErrorBody), (status = 404, description = "not_found, also for a unit that is not a county", body = fieldvisit_core::protocol::ApiErrorBody))
)]
pub async fn publish_template(
    State(s): State<AppState>,
    caller: StaffCaller,
    ApiPath(county_id): ApiPath<String>,
    headers: axum::http::HeaderMap,
    RawBody(body): RawBody,
) -> Result<Json<TemplateVersionView>, AppError> {
    super::extract::require_json(&headers)?;
    let text = std::str::from_utf8(&body)
        .map_err(|_| AppError::bad_request("malformed_json", "the body is not UTF-8"))?;
    let issued = templates::publish(&s, &Actor::from(&caller), &county_id, text).await?;
    Ok(Json(version_view(&issued, true)))
}
