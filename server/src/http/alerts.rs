//! Alert channels, their history and the outbox figures (`docs/alerts.md`).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tracing::instrument;

use super::{ApiJson, ApiPath};
use crate::auth::StaffCaller;
use crate::error::AppError;
use crate::ops::{self, Actor};
use crate::state::AppState;
use crate::store::{AlertChannel, AlertDelivery, AlertKind, ChannelKind, Role};

/// A channel as listed: never its URL or secret.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ChannelView {
    /// Id.
    pub id: String,
    /// The unit whose branch it serves.
    pub unit_id: String,
    /// `wecom`, `dingtalk` or `webhook`.
    pub kind: String,
    /// Name.
    pub label: String,
    /// Events it receives.
    pub events: Vec<String>,
    /// Local time of the daily digest (`HH:MM`, China Standard Time).
    pub digest_at: String,
    /// Added at.
    pub created_at: DateTime<Utc>,
    /// Added by.
    pub created_by: String,
}

impl From<AlertChannel> for ChannelView {
    fn from(c: AlertChannel) -> Self {
        ChannelView {
            id: c.id,
            unit_id: c.unit_id,
            kind: c.kind.as_str().into(),
            label: c.label,
            events: c.events.iter().map(|k| k.as_str().to_owned()).collect(),
            digest_at: c.digest_at.format("%H:%M").to_string(),
            created_at: c.created_at,
            created_by: c.created_by,
        }
    }
}

/// A new channel.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewChannelRequest {
    /// The unit whose branch it serves (its alerts and those of every unit below).
    #[schema(pattern = "^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$")]
    pub unit_id: String,
    /// The robot's service.
    pub kind: ChannelKind,
    /// A name admins recognise (1–60 characters).
    #[schema(min_length = 1, max_length = 60, pattern = r"\S")]
    pub label: String,
    /// The robot or webhook URL (http or https).
    #[schema(
        max_length = 2000,
        pattern = "^https?://[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?([.][A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*(:[1-9][0-9]{0,3})?(/[A-Za-z0-9._~!$&'()*+,;=:@/%-]*)?([?][A-Za-z0-9._~!$&'()*+,;=:@/?%-]*)?$"
    )]
    pub url: String,
    /// Signing secret: required for `dingtalk` and `webhook`.
    #[serde(default)]
    pub secret: Option<String>,
    /// Events it receives; all when absent or empty.
    #[serde(default)]
    pub events: Vec<AlertKind>,
    /// Daily digest time, `HH:MM` China Standard Time (default 08:00).
    #[serde(default)]
    #[schema(pattern = "^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    pub digest_at: Option<String>,
}

/// `GET /api/v1/alert-channels` (admin): the branch's channels and those above it.
#[utoipa::path(
    get,
    path = "/alert-channels",
    summary = "Alert channels of the caller's branch and of the units above it, never their URL or secret (admin)",
    security(("bearer" = []), ("session_cookie" = [])),
    responses((status = 200, description = "Channels", body = Vec<ChannelView>), (status = 401, description = "unauthenticated", body = fieldvisit_core::protocol::ApiErrorBody), (status = 403, description = "forbidden_role, out_of_scope, csrf or password_change_required", body = fieldvisit_core::protocol::ApiErrorBody))
)]
pub async fn list(
    State(s): State<AppState>,
    caller: StaffCaller,
) -> Result<Json<Vec<ChannelView>>, AppError> {
    caller.require(&[Role::Admin])?;
    let channels = ops::alerts::list(&s, &Actor::from(&caller)).await?;
    Ok(Json(channels.into_iter().map(ChannelView::from).collect()))
}

/// `POST /api/v1/alert-channels` (admin).
#[instrument(skip_all, fields(staff_id = %caller.staff_id))]
#[utoipa::path(
    post,
    path = "/alert-channels",
    summary = "Add a WeCom, DingTalk or webhook channel to a unit of the caller's branch; its URL and secret are stored sealed (admin)",
    security(("bearer" = []), ("session_cookie" = [])),
    request_body(content = NewChannelRequest, content_type = "application/json"),
    responses((status = 201, description = "Added", body = ChannelView), (status = 400, description = "invalid input: malformed_json, invalid_id, bad_path and others naming the field", body = fieldvisit_core::protocol::ApiErrorBody), (status = 413, description = "too_large", body = fieldvisit_core::protocol::ApiErrorBody), (status = 415, description = "unsupported_media_type: the body must be JSON", body = fieldvisit_core::protocol::ApiErrorBody), (status = 401, description = "unauthenticated", body = fieldvisit_core::protocol::ApiErrorBody), (status = 403, description = "forbidden_role, out_of_scope, csrf or password_change_required", body = fieldvisit_core::protocol::ApiErrorBody), (status = 404, description = "not_found (also for ids outside the caller's branch)", body = fieldvisit_core::protocol::ApiErrorBody))
)]
pub async fn add(
    State(s): State<AppState>,
    caller: StaffCaller,
    ApiJson(req): ApiJson<NewChannelRequest>,
) -> Result<(StatusCode, Json<ChannelView>), AppError> {
    caller.require(&[Role::Admin])?;
    let digest_at = match req.digest_at.as_deref() {
        // The API takes exactly `HH:MM`, as its schema says; forms and the command line are lenient.
        Some(t) if !is_hh_mm(t) => {
            return Err(AppError::bad_request(
                "invalid_digest_time",
                "the digest time must look like 08:00",
            ));
        }
        Some(t) => ops::alerts::parse_digest_at(t)?,
        None => ops::alerts::default_digest_at(),
    };
    let channel = ops::alerts::add(
        &s,
        &Actor::from(&caller),
        ops::alerts::NewChannel {
            unit_id: req.unit_id,
            kind: req.kind,
            label: req.label,
            url: req.url,
            secret: req.secret,
            events: req.events,
            digest_at,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(channel.into())))
}

/// Whether `t` is a time of day written exactly `HH:MM`.
fn is_hh_mm(t: &str) -> bool {
    let b = t.as_bytes();
    let digits = |i: usize| b[i].is_ascii_digit();
    b.len() == 5
        && b[2] == b':'
        && [0, 1, 3, 4].into_iter().all(digits)
        && (b[0] - b'0') * 10 + (b[1] - b'0') < 24
        && b[3] < b'6'
}

/// `DELETE /api/v1/alert-channels/{channel_id}` (admin).
#[instrument(skip_all, fields(staff_id = %caller.staff_id))]
#[utoipa::path(
    delete,
    path = "/alert-channels/{channel_id}",
    summary = "Remove a channel of the caller's branch; what it was still to send goes with it (admin)",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("channel_id" = String, Path, description = "Channel id", pattern = "^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$")),
    responses((status = 204, description = "Removed"), (status = 400, description = "invalid input: malformed_json, invalid_id, bad_path and others naming the field", body = fieldvisit_core::protocol::ApiErrorBody), (status = 401, description = "unauthenticated", body = fieldvisit_core::protocol::ApiErrorBody), (status = 403, description = "forbidden_role, out_of_scope, csrf or password_change_required", body = fieldvisit_core::protocol::ApiErrorBody), (status = 404, description = "not_found (also for ids outside the caller's branch)", body = fieldvisit_core::protocol::ApiErrorBody))
)]
pub async fn remove(
    State(s): State<AppState>,
    caller: StaffCaller,
    ApiPath(channel_id): ApiPath<String>,
) -> Result<StatusCode, AppError> {
    caller.require(&[Role::Admin])?;
    ops::alerts::remove(&s, &Actor::from(&caller), &channel_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Which unit to test.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TestRequest {
    /// The unit whose channels (its own and those above it) get a test message.
    #[schema(pattern = "^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$")]
    pub unit_id: String,
}

/// How many test messages were queued.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TestQueued {
    /// Channels that will receive one within seconds.
    pub channels: u32,
}

/// `POST /api/v1/alert-channels/test` (admin).
#[instrument(skip_all, fields(staff_id = %caller.staff_id))]
#[utoipa::path(
    post,
    path = "/alert-channels/test",
    summary = "Queue a test message to every channel a unit's alerts reach (admin)",
    security(("bearer" = []), ("session_cookie" = [])),
    request_body(content = TestRequest, content_type = "application/json"),
    responses((status = 200, description = "Queued", body = TestQueued), (status = 400, description = "invalid input: malformed_json, invalid_id, bad_path and others naming the field", body = fieldvisit_core::protocol::ApiErrorBody), (status = 413, description = "too_large", body = fieldvisit_core::protocol::ApiErrorBody), (status = 415, description = "unsupported_media_type: the body must be JSON", body = fieldvisit_core::protocol::ApiErrorBody), (status = 401, description = "unauthenticated", body = fieldvisit_core::protocol::ApiErrorBody), (status = 403, description = "forbidden_role, out_of_scope, csrf or password_change_required", body = fieldvisit_core::protocol::ApiErrorBody), (status = 404, description = "not_found (also for ids outside the caller's branch)", body = fieldvisit_core::protocol::ApiErrorBody))
)]
pub async fn test(
    State(s): State<AppState>,
    caller: StaffCaller,
    ApiJson(req): ApiJson<TestRequest>,
) -> Result<Json<TestQueued>, AppError> {
    caller.require(&[Role::Admin])?;
    let run = ops::alerts::test(&s, &Actor::from(&caller), &req.unit_id).await?;
    Ok(Json(TestQueued {
        channels: run.channels,
    }))
}

/// Which deliveries to list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// Only those that failed or whose outcome is unknown.
    #[serde(default)]
    pub undeliverable: bool,
    /// At most this many (default 100).
    #[serde(default)]
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
}

/// `GET /api/v1/alerts` (admin): the newest deliveries to the branch's channels.
#[utoipa::path(
    get,
    path = "/alerts",
    summary = "The newest alert deliveries to the branch's channels (admin)",
    security(("bearer" = []), ("session_cookie" = [])),
    params(HistoryQuery),
    responses((status = 200, description = "Deliveries, newest first", body = Vec<AlertDelivery>), (status = 400, description = "bad_query", body = fieldvisit_core::protocol::ApiErrorBody), (status = 401, description = "unauthenticated", body = fieldvisit_core::protocol::ApiErrorBody), (status = 403, description = "forbidden_role, out_of_scope, csrf or password_change_required", body = fieldvisit_core::protocol::ApiErrorBody))
)]
pub async fn history(
    State(s): State<AppState>,
    caller: StaffCaller,
    super::ApiQuery(q): super::ApiQuery<HistoryQuery>,
) -> Result<Json<Vec<AlertDelivery>>, AppError> {
    caller.require(&[Role::Admin])?;
    if q.limit.is_some_and(|n| !(1..=500).contains(&n)) {
        return Err(AppError::bad_request("bad_query", "limit must be 1 to 500"));
    }
    Ok(Json(
        ops::alerts::history(
            &s,
            &Actor::from(&caller),
            q.undeliverable,
            q.limit.unwrap_or(100),
        )
        .await?,
    ))
}

/// `POST /api/v1/alerts/{event_id}/{channel_id}/resend` (admin).
#[instrument(skip_all, fields(staff_id = %caller.staff_id))]
#[utoipa::path(
    post,
    path = "/alerts/{event_id}/{channel_id}/resend",
    summary = "Send a failed or unconfirmed alert again (admin)",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("event_id" = i64, Path, description = "Event number", minimum = 1), ("channel_id" = String, Path, description = "Channel id", pattern = "^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$")),
    responses((status = 204, description = "Queued"), (status = 400, description = "invalid input: malformed_json, invalid_id, bad_path and others naming the field", body = fieldvisit_core::protocol::ApiErrorBody), (status = 401, description = "unauthenticated", body = fieldvisit_core::protocol::ApiErrorBody), (status = 403, description = "forbidden_role, out_of_scope, csrf or password_change_required", body = fieldvisit_core::protocol::ApiErrorBody), (status = 404, description = "not_found (also for ids outside the caller's branch)", body = fieldvisit_core::protocol::ApiErrorBody))
)]
pub async fn resend(
    State(s): State<AppState>,
    caller: StaffCaller,
    ApiPath((event_id, channel_id)): ApiPath<(i64, String)>,
) -> Result<StatusCode, AppError> {
    caller.require(&[Role::Admin])?;
    ops::alerts::resend(&s, &Actor::from(&caller), event_id, &channel_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /metrics`: Prometheus (OpenMetrics) text. Counts only; nothing about a person.
#[utoipa::path(
    get,
    path = "/metrics",
    summary = "OpenMetrics text: requests and latency by route, visits ingested, photo bytes, alert deliveries (counts only)",
    responses((status = 200, description = "Metrics", body = String, content_type = "application/openmetrics-text"))
)]
pub async fn metrics(State(s): State<AppState>) -> Result<axum::response::Response, AppError> {
    use axum::response::IntoResponse;
    let tally = ops::alerts::tally(&s).await?;
    let text = s
        .metrics
        .render(&tally, &s.store.load())
        .map_err(AppError::internal)?;
    Ok((
        [(
            axum::http::header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        text,
    )
        .into_response())
}
