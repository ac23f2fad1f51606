//! Staff accounts: creating them, and an admin's changes to them (disable, enable, a password to
//! change at the next sign-in, a new role or branch), each of which ends the account's sessions.

use serde_json::json;

use super::Actor;
use super::error::OpsError;
use crate::audit;
use crate::ids::{is_safe_id, is_safe_login};
use crate::state::AppState;
use crate::store::{AccountChange, Role, Staff};

/// A new account as requested.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
pub struct NewUser {
    /// Id; generated when absent.
    #[serde(default)]
    #[schema(pattern = "^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$")]
    pub id: Option<String>,
    /// Login name.
    #[schema(pattern = "^[A-Za-z0-9_@-][A-Za-z0-9._@-]{0,63}$")]
    pub login: String,
    /// Display name (Chinese).
    #[schema(
        max_length = 100,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
    )]
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// Root unit of the account's branch.
    #[schema(pattern = "^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$")]
    pub scope_unit_id: String,
    /// Initial password.
    #[schema(min_length = 10)]
    pub password: String,
}

/// Adds an account inside the actor's branch.
pub async fn add_user(state: &AppState, actor: &Actor, new: NewUser) -> Result<Staff, OpsError> {
    if actor.role != Role::Admin {
        return Err(OpsError::ForbiddenRole("your role may not do this"));
    }
    let id = match new.id {
        Some(id) => id,
        None => format!(
            "u-{}",
            fieldvisit_core::crypto::random_id().map_err(OpsError::internal)?
        ),
    };
    if !is_safe_id(&id) {
        return Err(OpsError::InvalidId("id"));
    }
    if !is_safe_login(&new.login) {
        return Err(OpsError::invalid(
            "invalid_login",
            "login may use letters, digits and - _ . @",
        ));
    }
    let name = new.display_name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(OpsError::invalid(
            "invalid_name",
            "display name must be 1–100 printable characters",
        ));
    }
    super::sessions::check_new_password(&new.password)?;
    if !is_safe_id(&new.scope_unit_id) {
        return Err(OpsError::InvalidId("scope_unit_id"));
    }
    let unit = state.store.org_unit(&new.scope_unit_id).await?;
    if !unit.is_some_and(|u| actor.covers(&u.path)) {
        return Err(OpsError::NotFound("scope org unit"));
    }
    let hash = super::sessions::hash_password(state, new.password).await?;
    let staff = Staff {
        id,
        login: new.login,
        display_name: name,
        role: new.role,
        scope_unit_id: new.scope_unit_id,
        password_hash: hash,
        failed_logins: 0,
        locked_until: None,
        disabled: false,
        must_change_password: false,
    };
    let entry = audit::draft(
        &state.audit_key,
        &actor.id,
        "staff.create",
        &staff.id,
        json!({ "role": staff.role.as_str(), "scope_unit_id": staff.scope_unit_id }),
    );
    state.store.add_staff(&staff, Some(&entry)).await?;
    Ok(staff)
}

/// An account in the actor's branch, for an admin to change; never the actor's own, so an admin
/// cannot lock themselves out or raise their own branch.
async fn account_in_branch(
    state: &AppState,
    actor: &Actor,
    staff_id: &str,
) -> Result<Staff, OpsError> {
    if actor.role != Role::Admin {
        return Err(OpsError::ForbiddenRole("your role may not do this"));
    }
    if !is_safe_id(staff_id) {
        return Err(OpsError::InvalidId("staff_id"));
    }
    let staff = state
        .store
        .staff(staff_id)
        .await?
        .ok_or(OpsError::NotFound("staff"))?;
    let unit = state.store.org_unit(&staff.scope_unit_id).await?;
    if !unit.is_some_and(|u| actor.covers(&u.path)) {
        return Err(OpsError::NotFound("staff"));
    }
    if staff.id == actor.id {
        return Err(OpsError::refused(
            "own_account",
            "another administrator changes your own account",
        ));
    }
    Ok(staff)
}

async fn apply(
    state: &AppState,
    actor: &Actor,
    staff: &Staff,
    change: AccountChange,
    action: &str,
    detail: serde_json::Value,
) -> Result<u32, OpsError> {
    let entry = audit::draft(&state.audit_key, &actor.id, action, &staff.id, detail);
    Ok(state
        .store
        .change_account(&staff.id, &change, &entry)
        .await?)
}

/// Disables (`true`) or enables an account in the actor's branch; its sessions end.
pub async fn set_disabled(
    state: &AppState,
    actor: &Actor,
    staff_id: &str,
    disabled: bool,
) -> Result<u32, OpsError> {
    let staff = account_in_branch(state, actor, staff_id).await?;
    let action = if disabled {
        "staff.disable"
    } else {
        "staff.enable"
    };
    apply(
        state,
        actor,
        &staff,
        AccountChange::Disabled(disabled),
        action,
        json!({}),
    )
    .await
}

/// Sets a new password for an account in the actor's branch, which its owner must change at
/// the next sign-in; its sessions end.
pub async fn reset_password(
    state: &AppState,
    actor: &Actor,
    staff_id: &str,
    password: String,
) -> Result<u32, OpsError> {
    let staff = account_in_branch(state, actor, staff_id).await?;
    super::sessions::check_new_password(&password)?;
    let hash = super::sessions::hash_password(state, password).await?;
    apply(
        state,
        actor,
        &staff,
        AccountChange::Password {
            hash,
            must_change: true,
        },
        "staff.password_reset",
        json!({}),
    )
    .await
}

/// A new role and branch for an account.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Placement {
    /// Role.
    pub role: Role,
    /// Root unit of the account's branch (inside the admin's own).
    #[schema(pattern = "^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$")]
    pub scope_unit_id: String,
}

/// Changes the role and branch of an account in the actor's branch; its sessions end.
pub async fn place(
    state: &AppState,
    actor: &Actor,
    staff_id: &str,
    placement: &Placement,
) -> Result<u32, OpsError> {
    let staff = account_in_branch(state, actor, staff_id).await?;
    super::org::unit_in_scope(state, actor, &placement.scope_unit_id, "scope_unit_id").await?;
    apply(
        state,
        actor,
        &staff,
        AccountChange::Placement {
            role: placement.role,
            scope_unit_id: placement.scope_unit_id.clone(),
        },
        "staff.place",
        json!({ "from_role": staff.role.as_str(), "from_scope_unit_id": staff.scope_unit_id,
                "role": placement.role.as_str(), "scope_unit_id": placement.scope_unit_id }),
    )
    .await
}

/// The accounts of the actor's branch (admins and supervisors).
pub async fn list(state: &AppState, actor: &Actor) -> Result<Vec<Staff>, OpsError> {
    if !matches!(actor.role, Role::Admin | Role::Supervisor) {
        return Err(OpsError::ForbiddenRole("your role may not do this"));
    }
    let scope = crate::store::Scope {
        path: actor.scope_path.clone(),
        worker_id: None,
    };
    Ok(state.store.staff_in(&scope).await?)
}
