//! Enrollment codes, enrollment and revocation of devices.

use chrono::{DateTime, Utc};
use fieldvisit_core::crypto::{ED25519_PUBLIC_KEY_LEN, b64_decode, random_id};
use fieldvisit_core::protocol::{EnrollRequest, EnrollResponse, WIRE_VERSION};
use serde_json::json;
use tracing::instrument;

use super::Actor;
use super::error::OpsError;
use crate::audit;
use crate::auth::token::{
    DEVICE_PREFIX, new_enrollment_code, new_token, normalize_code, token_hash,
};
use crate::ids::is_safe_id;
use crate::state::AppState;
use crate::store::{Device, EnrollmentCode, Role, StoreError};

/// Makes a one-time code that enrolls one phone for `worker_id`; returns the code and its expiry.
#[instrument(skip_all, fields(worker_id = %worker_id))]
pub async fn create_code(
    state: &AppState,
    actor: &Actor,
    worker_id: &str,
) -> Result<(String, DateTime<Utc>), OpsError> {
    if !is_safe_id(worker_id) {
        return Err(OpsError::InvalidId("worker_id"));
    }
    let worker = state.store.staff(worker_id).await?;
    let worker = match worker {
        Some(w) => w,
        None => return Err(OpsError::NotFound("worker")),
    };
    let unit = state.store.org_unit(&worker.scope_unit_id).await?;
    if !unit.is_some_and(|u| actor.covers(&u.path)) {
        return Err(OpsError::NotFound("worker"));
    }
    if worker.role != Role::Worker {
        return Err(OpsError::invalid(
            "not_a_worker",
            "only workers enroll phones",
        ));
    }
    let code = new_enrollment_code().map_err(OpsError::internal)?;
    let normalized = normalize_code(&code).ok_or_else(|| OpsError::internal("code format"))?;
    let ttl =
        chrono::Duration::from_std(state.config.enrollment_code_ttl).map_err(OpsError::internal)?;
    let expires_at = Utc::now() + ttl;
    state
        .store
        .add_enrollment_code(&EnrollmentCode {
            code_hash: token_hash(&normalized),
            worker_id: worker.id.clone(),
            created_by: actor.id.clone(),
            expires_at,
        })
        .await?;
    audit::record(
        state,
        &actor.id,
        "enrollment_code.create",
        &worker.id,
        json!({ "expires_at": expires_at }),
    )
    .await?;
    Ok((code, expires_at))
}

/// Redeems a code: registers the phone's public key and returns its token (shown once).
pub async fn enroll(state: &AppState, req: EnrollRequest) -> Result<EnrollResponse, OpsError> {
    if req.version != WIRE_VERSION {
        return Err(OpsError::invalid(
            "unsupported_version",
            format!(
                "enroll request version {} is not supported; this server reads {WIRE_VERSION}",
                req.version
            ),
        ));
    }
    let refused = || {
        OpsError::refused(
            "enrollment_refused",
            "enrollment code unknown, used or expired",
        )
    };
    let code = normalize_code(&req.code).ok_or_else(refused)?;
    let key = b64_decode(&req.public_key, "public_key")
        .ok()
        .filter(|k| k.len() == ED25519_PUBLIC_KEY_LEN)
        .ok_or_else(|| {
            OpsError::invalid("bad_public_key", "public_key must be 32 bytes of base64")
        })?;
    let label: String = req
        .device_label
        .chars()
        .filter(|c| !c.is_control())
        .take(100)
        .collect();
    let token = new_token(DEVICE_PREFIX).map_err(OpsError::internal)?;
    let device = Device {
        id: random_id().map_err(OpsError::internal)?,
        worker_id: String::new(),
        public_key: key,
        token_hash: token_hash(&token),
        label,
        enrolled_at: Utc::now(),
        revoked_at: None,
    };
    let stored = match state
        .store
        .enroll_device(&token_hash(&code), Utc::now(), &device)
        .await
    {
        Ok(d) => d,
        Err(StoreError::CodeRejected) => {
            audit::record(state, "anonymous", "device.enroll_refused", "-", json!({})).await?;
            return Err(refused());
        }
        Err(e) => return Err(e.into()),
    };
    tracing::info!(device_id = %stored.id, worker_id = %stored.worker_id, "device enrolled");
    audit::record(
        state,
        &stored.id,
        "device.enroll",
        &stored.id,
        json!({ "worker_id": stored.worker_id }),
    )
    .await?;
    Ok(EnrollResponse {
        version: WIRE_VERSION,
        device_id: stored.id,
        worker_id: stored.worker_id,
        token,
    })
}

/// Revokes a device in the actor's branch; its calls are refused from then on.
#[instrument(skip_all, fields(device_id = %device_id))]
pub async fn revoke(state: &AppState, actor: &Actor, device_id: &str) -> Result<bool, OpsError> {
    if !is_safe_id(device_id) {
        return Err(OpsError::InvalidId("device_id"));
    }
    let scope = crate::store::Scope {
        path: actor.scope_path.clone(),
        worker_id: None,
    };
    let changed = state
        .store
        .revoke_device(device_id, &scope, Utc::now())
        .await?;
    if changed {
        audit::record(state, &actor.id, "device.revoke", device_id, json!({})).await?;
    }
    Ok(changed)
}

/// The devices of the actor's branch (admins and supervisors).
pub async fn list(state: &AppState, actor: &Actor) -> Result<Vec<Device>, OpsError> {
    if !matches!(actor.role, Role::Admin | Role::Supervisor) {
        return Err(OpsError::ForbiddenRole("your role may not do this"));
    }
    let scope = crate::store::Scope {
        path: actor.scope_path.clone(),
        worker_id: None,
    };
    Ok(state.store.devices(&scope).await?)
}
