//! Coverage, evidence and the monthly briefing export for supervisors of a branch.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, NaiveDate, Utc};
use fieldvisit_core::caseload::Category;
use tracing::instrument;

use crate::auth::StaffCaller;
use crate::error::AppError;
use crate::ops::briefing::ExportFormat;
use crate::ops::coverage::{self, Coverage, Filter, local_date};
use crate::ops::evidence::{self, Evidence};
use crate::ops::{self, Actor};
use crate::state::AppState;

/// The value of `key` in a query string; values here are ids, codes and dates (no escapes).
fn param<'a>(query: Option<&'a str>, key: &str) -> Result<Option<&'a str>, AppError> {
    let Some(q) = query else { return Ok(None) };
    match q
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == key)
    {
        None => Ok(None),
        Some((_, v))
            if !v.is_empty()
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)) =>
        {
            Ok(Some(v))
        }
        Some(_) => Err(AppError::bad_request(
            "bad_query",
            format!("query parameter {key} is not valid"),
        )),
    }
}

fn date(query: Option<&str>, key: &str) -> Result<Option<NaiveDate>, AppError> {
    param(query, key)?
        .map(|v| {
            NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| {
                AppError::bad_request("bad_query", format!("{key} must be YYYY-MM-DD"))
            })
        })
        .transpose()
}

/// Reads `unit`, `from`, `to` (default: this month), `category` and `worker`.
fn filter(query: Option<&str>) -> Result<Filter, AppError> {
    let today = local_date(Utc::now());
    let first = today.with_day(1).unwrap_or(today);
    let from = date(query, "from")?.unwrap_or(first);
    let to = date(query, "to")?.unwrap_or(today);
    if to < from || (to - from).num_days() > 366 {
        return Err(AppError::bad_request(
            "bad_query",
            "the period must run forwards and last at most a year",
        ));
    }
    let category = param(query, "category")?
        .map(|c| {
            Category::from_code(c)
                .ok_or_else(|| AppError::bad_request("bad_query", "unknown category"))
        })
        .transpose()?;
    Ok(Filter {
        unit_id: param(query, "unit")?.map(str::to_owned),
        from,
        to,
        category,
        worker_id: param(query, "worker")?.map(str::to_owned),
    })
}

/// `GET /api/v1/coverage?unit=&from=&to=&category=&worker=`.
#[instrument(skip_all, fields(staff_id = %caller.staff_id))]
#[utoipa::path(
    get,
    path = "/coverage",
    summary = "Coverage of a unit for a period: due, on time, late, missed, pending, percentages; the overdue list, ID numbers masked (supervisor)",
    security(("bearer" = []), ("session_cookie" = [])),
    params(
        ("unit" = Option<String>, Query, description = "County, township or village; the caller's branch when absent", pattern = "^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$"),
        ("from" = Option<chrono::NaiveDate>, Query, description = "First day (default: the first of this month); the period runs forwards and lasts at most 366 days"),
        ("to" = Option<chrono::NaiveDate>, Query, description = "Last day (default: today)"),
        ("category" = Option<fieldvisit_core::caseload::Category>, Query, description = "Only this category"),
        ("worker" = Option<String>, Query, description = "Only this worker's caseload", pattern = "^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$")
    ),
    responses((status = 200, description = "Coverage", body = Coverage), (status = 400, description = "bad_query or invalid_id", body = fieldvisit_core::protocol::ApiErrorBody), (status = 401, description = "unauthenticated", body = fieldvisit_core::protocol::ApiErrorBody), (status = 403, description = "forbidden_role, out_of_scope, csrf or password_change_required", body = fieldvisit_core::protocol::ApiErrorBody), (status = 404, description = "not_found (also for ids outside the caller's branch)", body = fieldvisit_core::protocol::ApiErrorBody))
)]
pub async fn coverage(
    State(s): State<AppState>,
    caller: StaffCaller,
    RawQuery(query): RawQuery,
) -> Result<Json<Coverage>, AppError> {
    let f = filter(query.as_deref())?;
    let today = local_date(Utc::now());
    let data = coverage::load(&s, &Actor::from(&caller), &f, today).await?;
    Ok(Json(coverage::compute(data, &f)))
}

/// `GET /api/v1/coverage/trend?unit=&category=&worker=&months=`: on-time record month by month.
#[instrument(skip_all, fields(staff_id = %caller.staff_id))]
#[utoipa::path(
    get,
    path = "/coverage/trend",
    summary = "On-time record month by month up to this one; the unit, category and worker filters of coverage (supervisor)",
    security(("bearer" = []), ("session_cookie" = [])),
    params(
        ("unit" = Option<String>, Query, description = "County, township or village; the caller's branch when absent", pattern = "^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$"),
        ("from" = Option<chrono::NaiveDate>, Query, description = "First day (default: the first of this month); the period runs forwards and lasts at most 366 days"),
        ("to" = Option<chrono::NaiveDate>, Query, description = "Last day (default: today)"),
        ("category" = Option<fieldvisit_core::caseload::Category>, Query, description = "Only this category"),
        ("worker" = Option<String>, Query, description = "Only this worker's caseload", pattern = "^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$"),
        ("months" = Option<u32>, Query, description = "Months up to this one (default 12)", minimum = 1, maximum = 36)
    ),
    responses((status = 200, description = "Months, oldest first", body = Vec<coverage::MonthTally>), (status = 400, description = "bad_query or invalid_id", body = fieldvisit_core::protocol::ApiErrorBody), (status = 401, description = "unauthenticated", body = fieldvisit_core::protocol::ApiErrorBody), (status = 403, description = "forbidden_role, out_of_scope, csrf or password_change_required", body = fieldvisit_core::protocol::ApiErrorBody), (status = 404, description = "not_found (also for ids outside the caller's branch)", body = fieldvisit_core::protocol::ApiErrorBody))
)]
pub async fn trend(
    State(s): State<AppState>,
    caller: StaffCaller,
    RawQuery(query): RawQuery,
) -> Result<Json<Vec<coverage::MonthTally>>, AppError> {
    let q = query.as_deref();
    let f = filter(q)?;
    let months = match param(q, "months")? {
        None => 12,
        Some(m) => m
            .parse::<u32>()
            .ok()
            .filter(|m| (1..=36).contains(m))
            .ok_or_else(|| AppError::bad_request("bad_query", "months must be 1 to 36"))?,
    };
    let today = local_date(Utc::now());
    let trend = coverage::trend(&s, &Actor::from(&caller), &f, today, months).await?;
    Ok(Json(trend))
}

/// `GET /api/v1/coverage/households?status=due|on_time|late|missed|pending|overdue&…`: the
/// households behind one number of `/api/v1/coverage` with the same filter.
#[instrument(skip_all, fields(staff_id = %caller.staff_id))]
#[utoipa::path(
    get,
    path = "/coverage/households",
    summary = "The households (one line per category) behind one number of coverage, ID numbers masked (supervisor)",
    security(("bearer" = []), ("session_cookie" = [])),
    params(
        ("unit" = Option<String>, Query, description = "County, township or village; the caller's branch when absent", pattern = "^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$"),
        ("from" = Option<chrono::NaiveDate>, Query, description = "First day (default: the first of this month); the period runs forwards and lasts at most 366 days"),
        ("to" = Option<chrono::NaiveDate>, Query, description = "Last day (default: today)"),
        ("category" = Option<fieldvisit_core::caseload::Category>, Query, description = "Only this category"),
        ("worker" = Option<String>, Query, description = "Only this worker's caseload", pattern = "^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$"),
        ("status" = Option<crate::ops::coverage::Status>, Query, description = "Which number (default due)")
    ),
    responses((status = 200, description = "Lines", body = Vec<coverage::HouseholdLine>), (status = 400, description = "bad_query or invalid_id", body = fieldvisit_core::protocol::ApiErrorBody), (status = 401, description = "unauthenticated", body = fieldvisit_core::protocol::ApiErrorBody), (status = 403, description = "forbidden_role, out_of_scope, csrf or password_change_required", body = fieldvisit_core::protocol::ApiErrorBody), (status = 404, description = "not_found (also for ids outside the caller's branch)", body = fieldvisit_core::protocol::ApiErrorBody))
)]
pub async fn households(
    State(s): State<AppState>,
    caller: StaffCaller,
    RawQuery(query): RawQuery,
) -> Result<Json<Vec<coverage::HouseholdLine>>, AppError> {
    let q = query.as_deref();
    let f = filter(q)?;
    let status = param(q, "status")?
        .map(|v| {
            coverage::Status::parse(v).ok_or_else(|| {
                AppError::bad_request(
                    "bad_query",
                    "status must be due, on_time, late, missed, pending or overdue",
                )
            })
        })
        .transpose()?
        .unwrap_or(coverage::Status::Due);
    let today = local_date(Utc::now());
    let lines = coverage::households(&s, &Actor::from(&caller), &f, today, status).await?;
    Ok(Json(lines))
}

/// `GET /api/v1/coverage/evidence?unit=&from=&to=&category=&worker=`.
#[instrument(skip_all, fields(staff_id = %caller.staff_id))]
#[utoipa::path(
    get,
    path = "/coverage/evidence",
    summary = "Evidence quality and suspicious visits; the filters of coverage (supervisor)",
    security(("bearer" = []), ("session_cookie" = [])),
    params(
        ("unit" = Option<String>, Query, description = "County, township or village; the caller's branch when absent", pattern = "^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$"),
        ("from" = Option<chrono::NaiveDate>, Query, description = "First day (default: the first of this month); the period runs forwards and lasts at most 366 days"),
        ("to" = Option<chrono::NaiveDate>, Query, description = "Last day (default: today)"),
        ("category" = Option<fieldvisit_core::caseload::Category>, Query, description = "Only this category"),
        ("worker" = Option<String>, Query, description = "Only this worker's caseload", pattern = "^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$")
    ),
    responses((status = 200, description = "Evidence", body = Evidence), (status = 400, description = "bad_query or invalid_id", body = fieldvisit_core::protocol::ApiErrorBody), (status = 401, description = "unauthenticated", body = fieldvisit_core::protocol::ApiErrorBody), (status = 403, description = "forbidden_role, out_of_scope, csrf or password_change_required", body = fieldvisit_core::protocol::ApiErrorBody), (status = 404, description = "not_found (also for ids outside the caller's branch)", body = fieldvisit_core::protocol::ApiErrorBody))
)]
pub async fn evidence(
    State(s): State<AppState>,
    caller: StaffCaller,
    RawQuery(query): RawQuery,
) -> Result<Json<Evidence>, AppError> {
    let f = filter(query.as_deref())?;
    Ok(Json(evidence::report(&s, &Actor::from(&caller), &f).await?))
}

/// `GET /api/v1/reports/briefing?unit=&month=YYYY-MM&format=csv|xlsx`, or with `from`, `to` and
/// `category` in place of `month`: the same filter as `/api/v1/coverage`.
#[instrument(skip_all, fields(staff_id = %caller.staff_id))]
#[utoipa::path(
    get,
    path = "/reports/briefing",
    summary = "The briefing (工作简报) of a unit for a month or a period, as XLSX or CSV, Chinese headings, ID numbers masked; audited (supervisor)",
    security(("bearer" = []), ("session_cookie" = [])),
    params(
        ("unit" = Option<String>, Query, description = "County, township or village; the caller's branch when absent", pattern = "^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$"),
        ("month" = Option<String>, Query, description = "YYYY-MM (default: this month); takes precedence over from and to", pattern = "^[0-9]{4}-(0[1-9]|1[0-2])$"),
        ("from" = Option<chrono::NaiveDate>, Query, description = "First day (default: the first of this month); the period runs forwards and lasts at most 366 days"),
        ("to" = Option<chrono::NaiveDate>, Query, description = "Last day (default: today)"),
        ("category" = Option<fieldvisit_core::caseload::Category>, Query, description = "Only this category"),
        ("worker" = Option<String>, Query, description = "Only this worker's caseload", pattern = "^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$"),
        ("format" = Option<ExportFormat>, Query, description = "File format (default xlsx)")
    ),
    responses((status = 200, description = "The file", content((Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (String = "text/csv"))), (status = 400, description = "bad_query or bad_month", body = fieldvisit_core::protocol::ApiErrorBody), (status = 401, description = "unauthenticated", body = fieldvisit_core::protocol::ApiErrorBody), (status = 403, description = "forbidden_role, out_of_scope, csrf or password_change_required", body = fieldvisit_core::protocol::ApiErrorBody), (status = 404, description = "not_found (also for ids outside the caller's branch)", body = fieldvisit_core::protocol::ApiErrorBody))
)]
pub async fn briefing(
    State(s): State<AppState>,
    caller: StaffCaller,
    RawQuery(query): RawQuery,
) -> Result<Response, AppError> {
    let q = query.as_deref();
    let this_month = local_date(Utc::now()).format("%Y-%m").to_string();
    let month = param(q, "month")?.map_or(this_month, str::to_owned);
    let (format, mime, ext) = match param(q, "format")? {
        None | Some("xlsx") => (
            ExportFormat::Xlsx,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
        Some("csv") => (ExportFormat::Csv, "text/csv; charset=utf-8", "csv"),
        Some(_) => {
            return Err(AppError::bad_request(
                "bad_query",
                "format must be csv or xlsx",
            ));
        }
    };
    // Every parameter is checked, whichever period applies; a month keeps the category and
    // worker filters.
    let period = filter(q)?;
    let f = if param(q, "month")?.is_some() || param(q, "from")?.is_none() {
        Filter {
            category: period.category,
            worker_id: period.worker_id,
            ..ops::briefing::month_filter(period.unit_id, &month)?
        }
    } else {
        period
    };
    let bytes = ops::briefing::export(&s, &Actor::from(&caller), &f, format).await?;
    let name = briefing_file_name(
        f.unit_id.as_deref().unwrap_or(&caller.scope_unit_id),
        &f,
        ext,
    );
    Ok((
        [
            (CONTENT_TYPE, mime.to_owned()),
            (
                CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

/// `briefing-UNIT-2026-11.xlsx` for a whole month, `briefing-UNIT-FROM_TO[-CATEGORY].xlsx` otherwise.
pub fn briefing_file_name(unit: &str, f: &Filter, ext: &str) -> String {
    let month = f.from.format("%Y-%m").to_string();
    let period = match ops::briefing::month_bounds(&month) {
        Some((first, last)) if first == f.from && last == f.to => month,
        _ => format!("{}_{}", f.from, f.to),
    };
    let category = f
        .category
        .map_or_else(String::new, |c| format!("-{}", c.code()));
    format!("briefing-{unit}-{period}{category}.{ext}")
}
