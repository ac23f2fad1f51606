//! Health for load balancers and orchestrators: `/livez` (the process answers), `/readyz` (the
//! database and the photo store answer) and `/healthz` (the process and the database). None of
//! them counts or scans anything: each asks for one row or object by key.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

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

/// `GET /livez`: the process answers (no backend is asked).
pub async fn livez() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// `GET /readyz`: 200 when the database and the photo store answer, 503 naming the one that does
/// not: a load balancer sends no traffic to this process until both do.
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    // A backend that does not answer within the wait counts as not answering: a probe must not
    // hang on a store's retries.
    let (db, blobs) = tokio::join!(within(database(&state)), within(photos(&state)));
    let word = |ok: bool| if ok { "ok" } else { "unreachable" };
    let status = if db && blobs {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        Json(json!({
            "status": if db && blobs { "ok" } else { "not_ready" },
            "database": word(db),
            "photos": word(blobs),
        })),
    )
}

/// `GET /healthz`: the process is up and the database answers.
pub async fn healthz(State(state): State<AppState>) -> Result<Json<Value>, AppError> {
    state.store.org_unit("-").await?;
    Ok(Json(json!({ "status": "ok" })))
}
