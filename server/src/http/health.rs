//! `GET /healthz`: the process is up and the database answers.

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::error::AppError;
use crate::state::AppState;

/// Liveness and database reachability.
pub async fn healthz(State(state): State<AppState>) -> Result<Json<Value>, AppError> {
    state.store.counts().await?;
    Ok(Json(json!({ "status": "ok" })))
}
