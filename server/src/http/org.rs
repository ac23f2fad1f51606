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
#[utoipa::path(
    get,
    path = "/org/units",
    summary = "Org units in the caller's branch",
    security(("bearer" = []), ("session_cookie" = [])),
    responses((status = 200, description = "Units", body = Vec<OrgUnit>), (status = 401, description = "unauthenticated", body = fieldvisit_core::protocol::ApiErrorBody), (status = 403, description = "forbidden_role, out_of_scope, csrf or password_change_required", body = fieldvisit_core::protocol::ApiErrorBody))
)]
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
    #[schema(pattern = "^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$")]
    pub id: String,
    /// Parent id (absent for a province).
    #[serde(default)]
    #[schema(pattern = "^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$")]
    pub parent_id: Option<String>,
    /// `province`, `city`, `county`, `township` or `village`.
    pub level: OrgLevel,
    /// Chinese name.
    #[schema(
        max_length = 100,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
    )]
    pub name: String,
}

/// `POST /api/v1/org/units` (admin).
#[instrument(skip_all, fields(staff_id = %caller.staff_id))]
#[utoipa::path(
    post,
    path = "/org/units",
    summary = "Add an org unit (admin)",
    security(("bearer" = []), ("session_cookie" = [])),
    request_body(content = NewUnit, content_type = "application/json"),
    responses((status = 201, description = "Added", body = OrgUnit), (status = 400, description = "invalid input: malformed_json, invalid_id, bad_path and others naming the field", body = fieldvisit_core::protocol::ApiErrorBody), (status = 413, description = "too_large", body = fieldvisit_core::protocol::ApiErrorBody), (status = 415, description = "unsupported_media_type: the body must be JSON", body = fieldvisit_core::protocol::ApiErrorBody), (status = 401, description = "unauthenticated", body = fieldvisit_core::protocol::ApiErrorBody), (status = 403, description = "forbidden_role, out_of_scope, csrf or password_change_required", body = fieldvisit_core::protocol::ApiErrorBody), (status = 404, description = "not_found (also for ids outside the caller's branch)", body = fieldvisit_core::protocol::ApiErrorBody), (status = 409, description = "conflict", body = fieldvisit_core::protocol::ApiErrorBody))
)]
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
    pub role: Role,
    /// Branch root.
    pub scope_unit_id: String,
    /// Whether the account is locked now (too many failed sign-ins).
    pub locked: bool,
    /// Disabled by an administrator.
    pub disabled: bool,
    /// Must change an administrator-set password at the next sign-in.
    pub must_change_password: bool,
}

impl StaffView {
    /// The listed form of an account at `now`.
    pub fn of(st: crate::store::Staff, now: chrono::DateTime<chrono::Utc>) -> Self {
        StaffView {
            locked: st.locked_until.is_some_and(|u| u > now),
            disabled: st.disabled,
            must_change_password: st.must_change_password,
            id: st.id,
            login: st.login,
            display_name: st.display_name,
            role: st.role,
            scope_unit_id: st.scope_unit_id,
        }
    }
}

/// `GET /api/v1/staff` (admin, supervisor).
#[utoipa::path(
    get,
    path = "/staff",
    summary = "Staff accounts in the branch (admin, supervisor)",
    security(("bearer" = []), ("session_cookie" = [])),
    responses((status = 200, description = "Accounts", body = Vec<StaffView>), (status = 401, description = "unauthenticated", body = fieldvisit_core::protocol::ApiErrorBody), (status = 403, description = "forbidden_role, out_of_scope, csrf or password_change_required", body = fieldvisit_core::protocol::ApiErrorBody))
)]
pub async fn list_staff(
    State(s): State<AppState>,
    caller: StaffCaller,
) -> Result<Json<Vec<StaffView>>, AppError> {
    caller.require(&[Role::Admin, Role::Supervisor])?;
    let now = chrono::Utc::now();
    let staff = s.store.staff_in(&caller.scope()).await?;
    Ok(Json(
        staff.into_iter().map(|st| StaffView::of(st, now)).collect(),
    ))
}

/// `POST /api/v1/staff` (admin).
#[instrument(skip_all, fields(staff_id = %caller.staff_id))]
#[utoipa::path(
    post,
    path = "/staff",
    summary = "Add a staff account (admin)",
    security(("bearer" = []), ("session_cookie" = [])),
    request_body(content = NewUser, content_type = "application/json"),
    responses((status = 201, description = "Added", body = StaffView), (status = 400, description = "invalid input: malformed_json, invalid_id, bad_path and others naming the field", body = fieldvisit_core::protocol::ApiErrorBody), (status = 413, description = "too_large", body = fieldvisit_core::protocol::ApiErrorBody), (status = 415, description = "unsupported_media_type: the body must be JSON", body = fieldvisit_core::protocol::ApiErrorBody), (status = 401, description = "unauthenticated", body = fieldvisit_core::protocol::ApiErrorBody), (status = 403, description = "forbidden_role, out_of_scope, csrf or password_change_required", body = fieldvisit_core::protocol::ApiErrorBody), (status = 404, description = "not_found (also for ids outside the caller's branch)", body = fieldvisit_core::protocol::ApiErrorBody), (status = 409, description = "conflict", body = fieldvisit_core::protocol::ApiErrorBody))
)]
pub async fn add_staff(
    State(s): State<AppState>,
    caller: StaffCaller,
    ApiJson(req): ApiJson<NewUser>,
) -> Result<(StatusCode, Json<StaffView>), AppError> {
    caller.require(&[Role::Admin])?;
    let st = ops::users::add_user(&s, &Actor::from(&caller), req).await?;
    Ok((
        StatusCode::CREATED,
        Json(StaffView::of(st, chrono::Utc::now())),
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
#[utoipa::path(
    get,
    path = "/households",
    summary = "Households (ID numbers masked) in the branch or caseload",
    security(("bearer" = []), ("session_cookie" = [])),
    responses((status = 200, description = "Households", body = Vec<HouseholdView>), (status = 401, description = "unauthenticated", body = fieldvisit_core::protocol::ApiErrorBody), (status = 403, description = "forbidden_role, out_of_scope, csrf or password_change_required", body = fieldvisit_core::protocol::ApiErrorBody))
)]
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

/// How many households an import added or replaced.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Imported {
    /// Rows imported.
    pub imported: u64,
}

/// `POST /api/v1/households/import` (admin; body: UTF-8 CSV).
#[instrument(skip_all, fields(staff_id = %caller.staff_id))]
#[utoipa::path(
    post,
    path = "/households/import",
    summary = "Import households from CSV, all rows or none (admin)",
    security(("bearer" = []), ("session_cookie" = [])),
    request_body(content = String, content_type = "text/csv", description = "UTF-8 CSV with the header of ops::csv_import::COLUMNS"),
    responses((status = 200, description = "Imported", body = Imported), (status = 400, description = "invalid_csv naming line and column", body = fieldvisit_core::protocol::ApiErrorBody), (status = 401, description = "unauthenticated", body = fieldvisit_core::protocol::ApiErrorBody), (status = 403, description = "forbidden_role, out_of_scope, csrf or password_change_required", body = fieldvisit_core::protocol::ApiErrorBody), (status = 404, description = "not_found (also for ids outside the caller's branch)", body = fieldvisit_core::protocol::ApiErrorBody), (status = 413, description = "too_large", body = fieldvisit_core::protocol::ApiErrorBody))
)]
pub async fn import_households(
    State(s): State<AppState>,
    caller: StaffCaller,
    RawBody(body): RawBody,
) -> Result<Json<Imported>, AppError> {
    caller.require(&[Role::Admin])?;
    let rows = csv_import::parse(body.as_ref(), &mut || {}).map_err(ops::OpsError::InvalidRows)?;
    let n = ops::households::import(&s, &Actor::from(&caller), rows).await?;
    Ok(Json(Imported { imported: n as u64 }))
}

/// `POST /api/v1/households/{household_id}/move` (admin of a branch covering both villages).
#[instrument(skip_all, fields(staff_id = %caller.staff_id))]
#[utoipa::path(
    post,
    path = "/households/{household_id}/move",
    summary = "Move a household, with its visit history, to another village (admin of a branch covering both)",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("household_id" = String, Path, description = "Household id", pattern = "^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$")),
    request_body(content = ops::households::Move, content_type = "application/json"),
    responses((status = 200, description = "Moved", body = ops::households::Moved), (status = 400, description = "invalid input: malformed_json, invalid_id, bad_path and others naming the field", body = fieldvisit_core::protocol::ApiErrorBody), (status = 413, description = "too_large", body = fieldvisit_core::protocol::ApiErrorBody), (status = 415, description = "unsupported_media_type: the body must be JSON", body = fieldvisit_core::protocol::ApiErrorBody), (status = 401, description = "unauthenticated", body = fieldvisit_core::protocol::ApiErrorBody), (status = 403, description = "forbidden_role, out_of_scope, csrf or password_change_required", body = fieldvisit_core::protocol::ApiErrorBody), (status = 404, description = "not_found (also for ids outside the caller's branch)", body = fieldvisit_core::protocol::ApiErrorBody))
)]
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

/// How many sessions an account change ended.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AccountChanged {
    /// Sessions of the account that ended.
    pub sessions_ended: u32,
}

/// `POST /api/v1/staff/{staff_id}/disable` (admin).
#[instrument(skip_all, fields(staff_id = %caller.staff_id))]
#[utoipa::path(
    post,
    path = "/staff/{staff_id}/disable",
    summary = "Disable an account; its sessions end (admin of its branch, not one's own)",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("staff_id" = String, Path, description = "Staff id", pattern = "^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$")),
    responses((status = 200, description = "Disabled", body = AccountChanged), (status = 400, description = "invalid input: malformed_json, invalid_id, bad_path and others naming the field", body = fieldvisit_core::protocol::ApiErrorBody), (status = 401, description = "unauthenticated", body = fieldvisit_core::protocol::ApiErrorBody), (status = 403, description = "forbidden_role, out_of_scope, csrf or password_change_required", body = fieldvisit_core::protocol::ApiErrorBody), (status = 404, description = "not_found (also for ids outside the caller's branch)", body = fieldvisit_core::protocol::ApiErrorBody))
)]
pub async fn disable_staff(
    State(s): State<AppState>,
    caller: StaffCaller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<AccountChanged>, AppError> {
    let sessions_ended = ops::users::set_disabled(&s, &Actor::from(&caller), &id, true).await?;
    Ok(Json(AccountChanged { sessions_ended }))
}

/// `POST /api/v1/staff/{staff_id}/enable` (admin).
#[instrument(skip_all, fields(staff_id = %caller.staff_id))]
#[utoipa::path(
    post,
    path = "/staff/{staff_id}/enable",
    summary = "Enable a disabled account (admin of its branch, not one's own)",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("staff_id" = String, Path, description = "Staff id", pattern = "^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$")),
    responses((status = 200, description = "Enabled", body = AccountChanged), (status = 400, description = "invalid input: malformed_json, invalid_id, bad_path and others naming the field", body = fieldvisit_core::protocol::ApiErrorBody), (status = 401, description = "unauthenticated", body = fieldvisit_core::protocol::ApiErrorBody), (status = 403, description = "forbidden_role, out_of_scope, csrf or password_change_required", body = fieldvisit_core::protocol::ApiErrorBody), (status = 404, description = "not_found (also for ids outside the caller's branch)", body = fieldvisit_core::protocol::ApiErrorBody))
)]
pub async fn enable_staff(
    State(s): State<AppState>,
    caller: StaffCaller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<AccountChanged>, AppError> {
    let sessions_ended = ops::users::set_disabled(&s, &Actor::from(&caller), &id, false).await?;
    Ok(Json(AccountChanged { sessions_ended }))
}

/// A password set by an administrator.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordReset {
    /// The new password (at least 10 characters); its owner must change it at the next sign-in.
    #[schema(min_length = 10)]
    pub password: String,
}

impl std::fmt::Debug for PasswordReset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordReset { .. }")
    }
}

/// `POST /api/v1/staff/{staff_id}/password` (admin).
#[instrument(skip_all, fields(staff_id = %caller.staff_id))]
#[utoipa::path(
    post,
    path = "/staff/{staff_id}/password",
    summary = "Set a password its owner must change at the next sign-in; its sessions end (admin of its branch, not one's own)",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("staff_id" = String, Path, description = "Staff id", pattern = "^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$")),
    request_body(content = PasswordReset, content_type = "application/json"),
    responses((status = 200, description = "Set", body = AccountChanged), (status = 400, description = "invalid input: malformed_json, invalid_id, bad_path and others naming the field", body = fieldvisit_core::protocol::ApiErrorBody), (status = 413, description = "too_large", body = fieldvisit_core::protocol::ApiErrorBody), (status = 415, description = "unsupported_media_type: the body must be JSON", body = fieldvisit_core::protocol::ApiErrorBody), (status = 401, description = "unauthenticated", body = fieldvisit_core::protocol::ApiErrorBody), (status = 403, description = "forbidden_role, out_of_scope, csrf or password_change_required", body = fieldvisit_core::protocol::ApiErrorBody), (status = 404, description = "not_found (also for ids outside the caller's branch)", body = fieldvisit_core::protocol::ApiErrorBody))
)]
pub async fn reset_password(
    State(s): State<AppState>,
    caller: StaffCaller,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<PasswordReset>,
) -> Result<Json<AccountChanged>, AppError> {
    let sessions_ended =
        ops::users::reset_password(&s, &Actor::from(&caller), &id, req.password).await?;
    Ok(Json(AccountChanged { sessions_ended }))
}

/// `POST /api/v1/staff/{staff_id}/placement` (admin).
#[instrument(skip_all, fields(staff_id = %caller.staff_id))]
#[utoipa::path(
    post,
    path = "/staff/{staff_id}/placement",
    summary = "Change an account's role and branch; its sessions end (admin of its branch, not one's own)",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("staff_id" = String, Path, description = "Staff id", pattern = "^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$")),
    request_body(content = ops::users::Placement, content_type = "application/json"),
    responses((status = 200, description = "Placed", body = AccountChanged), (status = 400, description = "invalid input: malformed_json, invalid_id, bad_path and others naming the field", body = fieldvisit_core::protocol::ApiErrorBody), (status = 413, description = "too_large", body = fieldvisit_core::protocol::ApiErrorBody), (status = 415, description = "unsupported_media_type: the body must be JSON", body = fieldvisit_core::protocol::ApiErrorBody), (status = 401, description = "unauthenticated", body = fieldvisit_core::protocol::ApiErrorBody), (status = 403, description = "forbidden_role, out_of_scope, csrf or password_change_required", body = fieldvisit_core::protocol::ApiErrorBody), (status = 404, description = "not_found (also for ids outside the caller's branch)", body = fieldvisit_core::protocol::ApiErrorBody))
)]
pub async fn place_staff(
    State(s): State<AppState>,
    caller: StaffCaller,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<ops::users::Placement>,
) -> Result<Json<AccountChanged>, AppError> {
    let sessions_ended = ops::users::place(&s, &Actor::from(&caller), &id, &req).await?;
    Ok(Json(AccountChanged { sessions_ended }))
}
