//! `GET /api/v1/audit/verify`: admins check the audit chain without shell access.

use axum::Json;
use axum::extract::State;
use serde::Serialize;

use crate::audit::{self, Verification};
use crate::auth::StaffCaller;
use crate::error::AppError;
use crate::state::AppState;
use crate::store::Role;

/// The audit chain's verdict: intact with its length, or the first broken entry and why (a log
/// cut short breaks at the first entry a checkpoint names but the database lacks).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuditVerdict {
    /// Whether every entry links and hashes correctly.
    pub intact: bool,
    /// Entries checked (intact chains).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entries: Option<u64>,
    /// The newest checkpoint kept outside the database, all of which were found (intact chains
    /// that have one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checkpoint: Option<u64>,
    /// Sequence number of the first entry that does not verify (broken chains).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub broken_at: Option<u64>,
    /// What is wrong with it (broken chains).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
}

/// Verifies the whole chain; answers counts and the first broken entry only, never entry contents.
#[utoipa::path(
    get,
    path = "/audit/verify",
    summary = "Verify the sealed audit log against its key and the checkpoints kept outside the database; reports the first broken entry (admin)",
    security(("bearer" = []), ("session_cookie" = [])),
    responses((status = 200, description = "The verdict", body = AuditVerdict), (status = 401, description = "unauthenticated", body = fieldvisit_core::protocol::ApiErrorBody), (status = 403, description = "forbidden_role, out_of_scope, csrf or password_change_required", body = fieldvisit_core::protocol::ApiErrorBody))
)]
pub async fn verify(
    State(state): State<AppState>,
    caller: StaffCaller,
) -> Result<Json<AuditVerdict>, AppError> {
    caller.require(&[Role::Admin])?;
    Ok(Json(match audit::verify(&state).await? {
        Verification::Intact {
            entries,
            checkpoint,
        } => AuditVerdict {
            intact: true,
            entries: Some(entries),
            checkpoint,
            broken_at: None,
            reason: None,
        },
        Verification::Broken { seq, reason } => AuditVerdict {
            intact: false,
            entries: None,
            checkpoint: None,
            broken_at: Some(seq),
            reason: Some(reason),
        },
    }))
}
