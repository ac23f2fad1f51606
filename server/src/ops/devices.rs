//! Enrollment codes, enrollment and revocation of devices.

use chrono::{DateTime, Utc};
use fieldvisit_core::crypto::{ED25519_PUBLIC_KEY_LEN, b64_decode, random_id, verify_ed25519};
use fieldvisit_core::protocol::{
    EnrollRequest, EnrollResponse, TokenRenewRequest, TokenRenewResponse, WIRE_VERSION,
};
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
    let entry = audit::draft(
        &state.audit_key,
        &actor.id,
        "enrollment_code.create",
        &worker.id,
        json!({ "expires_at": expires_at }),
    );
    state
        .store
        .add_enrollment_code(
            &EnrollmentCode {
                code_hash: token_hash(&normalized),
                worker_id: worker.id.clone(),
                created_by: actor.id.clone(),
                expires_at,
            },
            &entry,
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
    let now = Utc::now();
    let device = Device {
        id: random_id().map_err(OpsError::internal)?,
        worker_id: String::new(),
        public_key: key,
        token_hash: token_hash(&token),
        label,
        enrolled_at: now,
        revoked_at: None,
        token_expires_at: now + token_ttl(state)?,
        renewal_signed_at: 0,
    };
    let entry = audit::draft(
        &state.audit_key,
        &device.id,
        "device.enroll",
        &device.id,
        json!({}),
    );
    let stored = match state
        .store
        .enroll_device(&token_hash(&code), now, &device, &entry)
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
    Ok(EnrollResponse {
        version: WIRE_VERSION,
        device_id: stored.id,
        worker_id: stored.worker_id,
        token,
    })
}

/// How far a renewal's signing time may lie from the server's clock, either way: wide enough for a
/// phone whose clock drifts between the answers it reads the server's time from, narrow enough
/// that a captured request is of no use for long (and later ones replace it at once).
pub const RENEWAL_WINDOW: chrono::Duration = chrono::Duration::minutes(5);

fn token_ttl(state: &AppState) -> Result<chrono::Duration, OpsError> {
    chrono::Duration::from_std(state.config.device_token_ttl).map_err(OpsError::internal)
}

/// Gives a phone a new short-lived token for a signature of its device key over the purpose, its
/// id and the signing time. Refused (401) when the signature does not verify with the key enrolled
/// for the device or the device is unknown, when the signing time is off the server's clock by
/// more than [`RENEWAL_WINDOW`] or not later than the last renewal taken (a replay); refused (403
/// `device_revoked`) once the device is revoked. A token alone, stolen or expired, renews nothing.
#[instrument(skip_all, fields(device_id = %req.device_id))]
pub async fn renew_token(
    state: &AppState,
    req: TokenRenewRequest,
) -> Result<TokenRenewResponse, OpsError> {
    if req.version != WIRE_VERSION {
        return Err(OpsError::invalid(
            "unsupported_version",
            format!(
                "renewal request version {} is not supported; this server reads {WIRE_VERSION}",
                req.version
            ),
        ));
    }
    // Unknown devices and bad signatures are answered alike: the answer says nothing of which
    // device ids exist.
    let refused = || OpsError::Unauthenticated {
        code: "renewal_refused",
        message: "the signature does not prove possession of an enrolled device key".into(),
    };
    if !is_safe_id(&req.device_id) {
        return Err(refused());
    }
    let signature = b64_decode(&req.signature, "signature").map_err(|_| refused())?;
    let Some((device, _)) = state.store.device(&req.device_id).await? else {
        return Err(refused());
    };
    let message = TokenRenewRequest::signed_message(&device.id, req.signed_at);
    if verify_ed25519(&device.public_key, &message, &signature).is_err() {
        return Err(refused());
    }
    // Only the key's holder learns of the revocation, and it learns it at every attempt.
    if device.revoked_at.is_some() {
        return Err(revoked());
    }
    let now = Utc::now();
    let stale = || OpsError::Unauthenticated {
        code: "renewal_stale",
        message: format!(
            "the renewal must be signed within {} minutes of the server's time and later than the \
             last one",
            RENEWAL_WINDOW.num_minutes()
        ),
    };
    let offset = now.timestamp_millis().abs_diff(req.signed_at);
    if offset > RENEWAL_WINDOW.num_milliseconds().unsigned_abs() {
        return Err(stale());
    }
    if req.signed_at <= device.renewal_signed_at {
        return Err(stale());
    }
    let token = new_token(DEVICE_PREFIX).map_err(OpsError::internal)?;
    let expires_at = now + token_ttl(state)?;
    let renewed = state
        .store
        .renew_device_token(&device.id, req.signed_at, &token_hash(&token), expires_at)
        .await?;
    if !renewed {
        // Revoked, or another renewal signed as late or later, since the device was read.
        let now_revoked = state
            .store
            .device(&device.id)
            .await?
            .is_some_and(|(d, _)| d.revoked_at.is_some());
        return Err(if now_revoked { revoked() } else { stale() });
    }
    tracing::info!(device_id = %device.id, "device token renewed");
    Ok(TokenRenewResponse {
        version: WIRE_VERSION,
        token,
        expires_at,
    })
}

/// The refusal a revoked device gets for every call, renewal included.
pub fn revoked() -> OpsError {
    OpsError::refused("device_revoked", "this device has been revoked")
}

/// What revoking means for the data on the phone; the server cannot know how many unsent drafts
/// the phone holds, so it says what happens to them.
pub const REVOKE_WARNING: &str = "a revoked phone syncs no more; at its next contact with the \
     server, unsent drafts on it will be erased (how many, the server cannot know); sealed visits \
     it could not send stay, readable only by their audiences";

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
    let entry = audit::draft(
        &state.audit_key,
        &actor.id,
        "device.revoke",
        device_id,
        json!({}),
    );
    Ok(state
        .store
        .revoke_device(device_id, &scope, Utc::now(), &entry)
        .await?)
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
