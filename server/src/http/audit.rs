//! `GET /api/v1/audit/verify`: admins check the audit chain without shell access.

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::audit::{self, Verification};
use crate::auth::StaffCaller;
use crate::error::AppError;
use crate::state::AppState;
use crate::store::Role;

/// Verifies the whole chain; answers counts and the first broken entry only, never entry contents.
pub async fn verify(
    State(state): State<AppState>,
    caller: StaffCaller,
) -> Result<Json<Value>, AppError> {
    caller.require(&[Role::Admin])?;
    Ok(Json(match audit::verify(&state).await? {
        Verification::Intact {
            entries,
            checkpoint,
        } => json!({ "intact": true, "entries": entries, "checkpoint": checkpoint }),
        Verification::Broken { seq, reason } => {
            json!({ "intact": false, "broken_at": seq, "reason": reason })
        }
    }))
}
