//! Health for load balancers and orchestrators: `/livez` (the process answers), `/readyz` (the
//! database and the photo store answer) and `/healthz` (the process and the database). None of
//! them counts or scans anything: each asks for one row or object by key.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;

use crate::blob::BlobKey;
use crate::error::AppError;
use crate::state::AppState;

/// Longest a readiness probe waits for a backend.
const PROBE_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// Whether the database answers: a lookup of a unit id no unit has.
async fn database(state: &AppState) -> bool {
    state.store.org_unit("-").await.is_ok()
}

/// Whether the photo store answers: a read of a key no photo has.
async fn photos(state: &AppState) -> bool {
    match BlobKey::new(&["readyz"]) {
        Some(key) => state.blobs.get(&key).await.is_ok(),
        None => false,
    }
}

async fn within(probe: impl std::future::Future<Output = bool>) -> bool {
    tokio::time::timeout(PROBE_WAIT, probe)
        .await
        .unwrap_or(false)
}

/// A probe that answers.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Health {
    /// Always `ok`.
    #[schema(pattern = "^ok$")]
    pub status: &'static str,
}

/// Whether a backend answered a readiness probe.
#[derive(Debug, Clone, Copy, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Backend {
    /// It answered.
    Ok,
    /// It did not answer within the wait.
    Unreachable,
}

/// Readiness, backend by backend.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Readiness {
    /// `ok` or `not_ready`.
    #[schema(pattern = "^(ok|not_ready)$")]
    pub status: &'static str,
    /// The database.
    pub database: Backend,
    /// The photo store.
    pub photos: Backend,
}

/// `GET /livez`: the process answers (no backend is asked).
#[utoipa::path(
    get,
    path = "/livez",
    summary = "The process answers (no backend is asked)",
    responses((status = 200, description = "Alive", body = Health))
)]
pub async fn livez() -> Json<Health> {
    Json(Health { status: "ok" })
}

/// `GET /readyz`: 200 when the database and the photo store answer, 503 naming the one that does
/// not: a load balancer sends no traffic to this process until both do.
#[utoipa::path(
    get,
    path = "/readyz",
    summary = "The database and the photo store answer (503 names the one that does not)",
    responses((status = 200, description = "Ready", body = Readiness), (status = 503, description = "Not ready", body = Readiness))
)]
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Readiness>) {
    // A backend that does not answer within the wait counts as not answering: a probe must not
    // hang on a store's retries.
    let (db, blobs) = tokio::join!(within(database(&state)), within(photos(&state)));
    let word = |ok: bool| {
        if ok {
            Backend::Ok
        } else {
            Backend::Unreachable
        }
    };
    let status = if db && blobs {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        Json(Readiness {
            status: if db && blobs { "ok" } else { "not_ready" },
            database: word(db),
            photos: word(blobs),
        }),
    )
}

/// `GET /healthz`: the process is up and the database answers.
#[utoipa::path(
    get,
    path = "/healthz",
    summary = "The process and the database answer (one lookup by key, no counting)",
    responses((status = 200, description = "Healthy", body = Health), (status = 500, description = "the database does not answer", body = fieldvisit_core::protocol::ApiErrorBody))
)]
pub async fn healthz(State(state): State<AppState>) -> Result<Json<Health>, AppError> {
    state.store.org_unit("-").await?;
    Ok(Json(Health { status: "ok" }))
}
