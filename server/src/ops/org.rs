//! Adding org units, and finding one in an actor's branch.

use serde_json::json;

use super::Actor;
use super::error::OpsError;
use crate::audit;
use crate::ids::is_safe_id;
use crate::state::AppState;
use crate::store::{OrgLevel, OrgUnit, StoreError};

/// Longest unit name.
const MAX_NAME: usize = 100;

/// The unit `id` when it lies in the actor's branch; `field` names the argument in the error for a
/// malformed id. A unit outside the branch is "not found", like one that does not exist.
pub async fn unit_in_scope(
    state: &AppState,
    actor: &Actor,
    id: &str,
    field: &'static str,
) -> Result<OrgUnit, OpsError> {
    if !is_safe_id(id) {
        return Err(OpsError::InvalidId(field));
    }
    state
        .store
        .org_unit(id)
        .await?
        .filter(|u| actor.covers(&u.path))
        .ok_or(OpsError::NotFound("org unit"))
}

/// Adds a unit under `parent_id` (a province has none); the parent must be in the actor's branch.
pub async fn add_unit(
    state: &AppState,
    actor: &Actor,
    id: &str,
    parent_id: Option<&str>,
    level: OrgLevel,
    name: &str,
) -> Result<OrgUnit, OpsError> {
    if !is_safe_id(id) {
        return Err(OpsError::InvalidId("id"));
    }
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME || name.chars().any(char::is_control) {
        return Err(OpsError::invalid(
            "invalid_name",
            "name must be 1–100 printable characters",
        ));
    }
    match parent_id {
        Some(p) => {
            let parent = state.store.org_unit(p).await?;
            if !parent.is_some_and(|u| actor.covers(&u.path)) {
                return Err(OpsError::NotFound("parent org unit"));
            }
        }
        None if actor.scope_path != "/" => return Err(OpsError::out_of_scope()),
        None => {}
    }
    let entry = audit::draft(
        &state.audit_key,
        &actor.id,
        "org_unit.create",
        id,
        json!({ "level": level.as_str(), "parent_id": parent_id }),
    );
    let unit = state
        .store
        .add_org_unit(id, parent_id, level, name, Some(&entry))
        .await
        .map_err(|e| match e {
            StoreError::Conflict(what) => OpsError::conflict(
                "conflict",
                format!("{what} already exists or does not fit there"),
            ),
            e => e.into(),
        })?;
    Ok(unit)
}
