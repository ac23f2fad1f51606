//! Org units, staff accounts and households: listings limited to the caller's branch, admin writes.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use fieldvisit_core::caseload::mask_id_number;
use serde::{Deserialize, Serialize};
use tracing::instrument;

use super::{ApiJson, ApiPath, RawBody};
use crate::auth::StaffCaller;
use crate::error::AppError;
use crate::ops::users::NewUser;
use crate::ops::{self, Actor, csv_import};
use crate::state::AppState;
use crate::store::{OrgLevel, OrgUnit, Role};

/// `GET /api/v1/org/units`.
pub async fn list_units(
    State(s): State<AppState>,
    caller: StaffCaller,
) -> Result<Json<Vec<OrgUnit>>, AppError> {
    let mut scope = caller.scope();
    scope.worker_id = None;
    Ok(Json(s.store.org_units(&scope).await?))
}

/// New org unit.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUnit {
    /// Id.
    pub id: String,
    /// Parent id (absent for a province).
    #[serde(default)]
    pub parent_id: Option<String>,
    /// `province`, `city`, `county`, `township` or `village`.
    #[schema(value_type = String)]
    pub level: OrgLevel,
    /// Chinese name.
    pub name: String,
}

/// `POST /api/v1/org/units` (admin).
#[instrument(skip_all, fields(staff_id = %caller.staff_id))]
pub async fn add_unit(
    State(s): State<AppState>,
    caller: StaffCaller,
    ApiJson(req): ApiJson<NewUnit>,
) -> Result<(StatusCode, Json<OrgUnit>), AppError> {
    caller.require(&[Role::Admin])?;
    let unit = ops::org::add_unit(
        &s,
        &Actor::from(&caller),
        &req.id,
        req.parent_id.as_deref(),
        req.level,
        &req.name,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(unit)))
}

/// A staff account as listed (no password hash).
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StaffView {
    /// Id.
    pub id: String,
    /// Login.
    pub login: String,
    /// Display name.
    pub display_name: String,
    /// Role.
    #[schema(value_type = String)]
    pub role: Role,
    /// Branch root.
    pub scope_unit_id: String,
    /// Whether the account is locked now.
    pub locked: bool,
}

/// `GET /api/v1/staff` (admin, supervisor).
pub async fn list_staff(
    State(s): State<AppState>,
    caller: StaffCaller,
) -> Result<Json<Vec<StaffView>>, AppError> {
    caller.require(&[Role::Admin, Role::Supervisor])?;
    let now = chrono::Utc::now();
    let staff = s.store.staff_in(&caller.scope()).await?;
    Ok(Json(
        staff
            .into_iter()
            .map(|st| StaffView {
                locked: st.locked_until.is_some_and(|u| u > now),
                id: st.id,
                login: st.login,
                display_name: st.display_name,
                role: st.role,
                scope_unit_id: st.scope_unit_id,
            })
            .collect(),
    ))
}

/// `POST /api/v1/staff` (admin).
#[instrument(skip_all, fields(staff_id = %caller.staff_id))]
pub async fn add_staff(
    State(s): State<AppState>,
    caller: StaffCaller,
    ApiJson(req): ApiJson<NewUser>,
) -> Result<(StatusCode, Json<StaffView>), AppError> {
    caller.require(&[Role::Admin])?;
    let st = ops::users::add_user(&s, &Actor::from(&caller), req).await?;
    Ok((
        StatusCode::CREATED,
        Json(StaffView {
            id: st.id,
            login: st.login,
            display_name: st.display_name,
            role: st.role,
            scope_unit_id: st.scope_unit_id,
            locked: false,
        }),
    ))
}

/// A household as listed: the ID number is always masked.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HouseholdView {
    /// Id.
    pub id: String,
    /// Village.
    pub village_id: String,
    /// Head of household.
    pub head_name: String,
    /// Masked ID number, e.g. `3201**********1234`.
    pub id_number_masked: String,
    /// Address.
    pub address: String,
    /// Category codes.
    pub categories: Vec<String>,
    /// Assigned worker.
    pub worker_id: Option<String>,
}

/// `GET /api/v1/households`: a worker sees their caseload, others their branch.
pub async fn list_households(
    State(s): State<AppState>,
    caller: StaffCaller,
) -> Result<Json<Vec<HouseholdView>>, AppError> {
    let rows = s.store.households(&caller.scope()).await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| HouseholdView {
                id_number_masked: mask_id_number(&r.household.id_number),
                categories: r
                    .household
                    .categories
                    .iter()
                    .map(|c| c.category.code().to_owned())
                    .collect(),
                id: r.household.id,
                village_id: r.household.village_id,
                head_name: r.household.head_name,
                address: r.household.address,
                worker_id: r.worker_id,
            })
            .collect(),
    ))
}

/// `POST /api/v1/households/import` (admin; body: UTF-8 CSV).
#[instrument(skip_all, fields(staff_id = %caller.staff_id))]
pub async fn import_households(
    State(s): State<AppState>,
    caller: StaffCaller,
    RawBody(body): RawBody,
) -> Result<Json<serde_json::Value>, AppError> {
    caller.require(&[Role::Admin])?;
    let rows =
        csv_import::parse(body.as_ref(), &mut || {}).map_err(|e| ops::households::csv_error(&e))?;
    let n = ops::households::import(&s, &Actor::from(&caller), rows).await?;
    Ok(Json(serde_json::json!({ "imported": n })))
}

/// `POST /api/v1/households/{household_id}/move` (admin of a branch covering both villages).
#[instrument(skip_all, fields(staff_id = %caller.staff_id))]
pub async fn move_household(
    State(s): State<AppState>,
    caller: StaffCaller,
    ApiPath(household_id): ApiPath<String>,
    ApiJson(req): ApiJson<ops::households::Move>,
) -> Result<Json<ops::households::Moved>, AppError> {
    caller.require(&[Role::Admin])?;
    Ok(Json(
        ops::households::move_household(&s, &Actor::from(&caller), &household_id, &req).await?,
    ))
}
