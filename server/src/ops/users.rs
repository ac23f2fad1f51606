//! Creating staff accounts.

use serde_json::json;

use super::Actor;
use crate::audit;
use crate::auth::password::{self, MIN_PASSWORD_LEN};
use crate::error::AppError;
use crate::ids::{is_safe_id, is_safe_login};
use crate::state::AppState;
use crate::store::{Role, Staff};

/// A new account as requested.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
pub struct NewUser {
    /// Id; generated when absent.
    #[serde(default)]
    pub id: Option<String>,
    /// Login name.
    pub login: String,
    /// Display name (Chinese).
    pub display_name: String,
    /// Role.
    #[schema(value_type = String)]
    pub role: Role,
    /// Root unit of the account's branch.
    pub scope_unit_id: String,
    /// Initial password.
    pub password: String,
}

/// Adds an account inside the actor's branch.
pub async fn add_user(state: &AppState, actor: &Actor, new: NewUser) -> Result<Staff, AppError> {
    let id = match new.id {
        Some(id) => id,
        None => format!(
            "u-{}",
            fieldvisit_core::crypto::random_id().map_err(AppError::internal)?
        ),
    };
    if !is_safe_id(&id) {
        return Err(AppError::invalid_id("id"));
    }
    if !is_safe_login(&new.login) {
        return Err(AppError::bad_request(
            "invalid_login",
            "login may use letters, digits and - _ . @",
        ));
    }
    let name = new.display_name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(AppError::bad_request(
            "invalid_name",
            "display name must be 1–100 printable characters",
        ));
    }
    if new.password.chars().count() < MIN_PASSWORD_LEN {
        return Err(AppError::bad_request(
            "weak_password",
            format!("password needs at least {MIN_PASSWORD_LEN} characters"),
        ));
    }
    if !is_safe_id(&new.scope_unit_id) {
        return Err(AppError::invalid_id("scope_unit_id"));
    }
    let unit = state.store.org_unit(&new.scope_unit_id).await?;
    if !unit.is_some_and(|u| actor.covers(&u.path)) {
        return Err(AppError::not_found("scope org unit"));
    }
    let cost = state.config.argon2;
    let password = new.password;
    let hash = tokio::task::spawn_blocking(move || password::hash(&password, &cost))
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::internal)?;
    let staff = Staff {
        id,
        login: new.login,
        display_name: name,
        role: new.role,
        scope_unit_id: new.scope_unit_id,
        password_hash: hash,
        failed_logins: 0,
        locked_until: None,
    };
    state.store.add_staff(&staff).await?;
    audit::record(
        state.store.as_ref(),
        &actor.id,
        "staff.create",
        &staff.id,
        json!({ "role": staff.role.as_str(), "scope_unit_id": staff.scope_unit_id }),
    )
    .await?;
    Ok(staff)
}
