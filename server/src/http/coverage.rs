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
        Some((_, "")) => Ok(None),
        Some((_, v))
            if v.bytes()
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
pub async fn coverage(
    State(s): State<AppState>,
    caller: StaffCaller,
    RawQuery(query): RawQuery,
) -> Result<Json<Coverage>, AppError> {
    let f = filter(query.as_deref())?;
    let today = local_date(Utc::now());
    let data = coverage::load(&s, &Actor::from(&caller), &f, today).await?;
    Ok(Json(coverage::compute(&data, &f)))
}

/// `GET /api/v1/coverage/trend?unit=&category=&worker=&months=`: on-time record month by month.
#[instrument(skip_all, fields(staff_id = %caller.staff_id))]
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
    let f = if param(q, "month")?.is_some() || param(q, "from")?.is_none() {
        ops::briefing::month_filter(param(q, "unit")?.map(str::to_owned), &month)?
    } else {
        filter(q)?
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
