//! Reading the audit log: admins browse it a page at a time, newest first, and verify its chain.
//! Entries hold ids and codes, never personal data.

use super::Actor;
use super::error::OpsError;
use crate::audit::{self, Verification};
use crate::state::AppState;
use crate::store::{AuditEntry, Role};

fn admins(actor: &Actor) -> Result<(), OpsError> {
    if actor.role == Role::Admin {
        Ok(())
    } else {
        Err(OpsError::ForbiddenRole("the audit log is for admins"))
    }
}

/// Up to `limit` entries ending at `until` (the newest when `None`), newest first, and how many
/// there are in all.
pub async fn page(
    state: &AppState,
    actor: &Actor,
    until: Option<u64>,
    limit: u32,
) -> Result<(Vec<AuditEntry>, u64), OpsError> {
    admins(actor)?;
    let total = state.store.counts().await?.audit;
    let until = until.unwrap_or(total).min(total);
    let after = until.saturating_sub(u64::from(limit));
    let mut entries = state
        .store
        .audit_entries(after, limit)
        .await?
        .into_iter()
        .filter(|e| e.seq <= until)
        .collect::<Vec<_>>();
    entries.reverse();
    Ok((entries, total))
}

/// Walks the chain; audited as `audit.verify`.
pub async fn verify(state: &AppState, actor: &Actor) -> Result<Verification, OpsError> {
    admins(actor)?;
    let v = audit::verify(state).await?;
    audit::record(
        state,
        &actor.id,
        "audit.verify",
        "-",
        serde_json::json!({ "intact": matches!(v, Verification::Intact { .. }) }),
    )
    .await?;
    Ok(v)
}
