//! Decrypted reads for reviewers: unlock an audience key with its passphrase for a limited session,
//! then open a visit's content or one photo. Every unlock (and refusal) and every decrypted read is
//! audited; decrypted data never reaches logs.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use fieldvisit_core::protocol::{SealedEnvelope, VisitContent, open_content, open_photo};
use serde_json::json;
use zeroize::Zeroizing;

use super::Actor;
use super::audience::keys_serving;
use super::keysessions::UnlockedKey;
use crate::audit;
use crate::blob::BlobKey;
use crate::error::AppError;
use crate::ids::is_safe_id;
use crate::keys;
use crate::state::AppState;
use crate::store::{ReviewRow, Role};

/// The audience whose key opens guardianship assessments.
pub const CHILD_WELFARE: &str = "child-welfare";

fn audience_role(audience: &str) -> Option<Role> {
    match audience {
        CHILD_WELFARE => Some(Role::ChildWelfareReviewer),
        "civil-affairs" => Some(Role::Supervisor),
        _ => None,
    }
}

/// Unlocks the key of `audience` serving the actor's branch for the configured session time.
pub async fn unlock(
    state: &AppState,
    actor: &Actor,
    audience: &str,
    passphrase: &str,
) -> Result<DateTime<Utc>, AppError> {
    let Some(role) = audience_role(audience) else {
        return Err(AppError::bad_request(
            "unknown_audience",
            "unknown audience",
        ));
    };
    if actor.role != role {
        return Err(AppError::forbidden(
            "forbidden_role",
            "your role may not unlock this key",
        ));
    }
    if state.key_sessions.throttled(&actor.id, Utc::now()) {
        return Err(AppError::new(
            axum::http::StatusCode::TOO_MANY_REQUESTS,
            "unlock_throttled",
            "too many wrong passphrases; try again later",
        ));
    }
    let rows = state.store.audience_keys().await?;
    let row = keys_serving(&rows, &actor.scope_path)
        .into_iter()
        .find(|r| r.audience == audience)
        .ok_or_else(|| AppError::not_found("audience key"))?;
    let (r, pass) = (row.clone(), Zeroizing::new(passphrase.to_owned()));
    let opened = tokio::task::spawn_blocking(move || {
        keys::open(&r.sealed, &pass, &r.audience, &r.scope_path, &r.public_key)
    })
    .await
    .map_err(AppError::internal)?;
    let key = match opened {
        Ok(k) => k,
        Err(_) => {
            state.key_sessions.failed(&actor.id, Utc::now());
            audit::record(
                state.store.as_ref(),
                &actor.id,
                "audience_key.unlock_refused",
                audience,
                json!({ "unit_id": row.unit_id }),
            )
            .await?;
            return Err(AppError::forbidden("wrong_passphrase", "wrong passphrase"));
        }
    };
    state.key_sessions.succeeded(&actor.id);
    let expires_at = Utc::now() + state.config.review.key_session;
    state.key_sessions.put(
        &actor.id,
        audience,
        UnlockedKey {
            key: Arc::new(key),
            scope_path: row.scope_path.clone(),
            expires_at,
        },
    );
    audit::record(
        state.store.as_ref(),
        &actor.id,
        "audience_key.unlock",
        audience,
        json!({ "unit_id": row.unit_id, "expires_at": expires_at }),
    )
    .await?;
    Ok(expires_at)
}

/// Drops the actor's unlocked keys.
pub async fn lock(state: &AppState, actor: &Actor) -> Result<bool, AppError> {
    let held = state.key_sessions.lock(&actor.id);
    audit::record(
        state.store.as_ref(),
        &actor.id,
        "audience_key.lock",
        "-",
        json!({ "held": held }),
    )
    .await?;
    Ok(held)
}

/// A review with its decrypted content.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DecryptedVisit {
    /// The review.
    pub review: ReviewRow,
    /// Answers, computed values, scores with fired rules, photos.
    pub content: VisitContent,
}

async fn opened(
    state: &AppState,
    actor: &Actor,
    visit_id: &str,
) -> Result<(ReviewRow, VisitContent, fieldvisit_core::crypto::ContentKey), AppError> {
    let review = super::review::find(state, actor, visit_id).await?;
    if actor.role != Role::ChildWelfareReviewer {
        return Err(AppError::forbidden(
            "forbidden_role",
            "only child-welfare reviewers read assessments",
        ));
    }
    let unlocked = state
        .key_sessions
        .get(&actor.id, CHILD_WELFARE, Utc::now())
        .ok_or_else(|| AppError::forbidden("key_locked", "unlock the child-welfare key first"))?;
    let json = state
        .store
        .envelope(&review.visit_id)
        .await?
        .ok_or_else(|| AppError::not_found("visit"))?;
    let body = SealedEnvelope::from_json(json.as_bytes())
        .and_then(|e| e.peek_body())
        .map_err(|_| AppError::internal("stored envelope unreadable"))?;
    let (content, key) = open_content(&body, CHILD_WELFARE, &unlocked.key).map_err(|_| {
        AppError::new(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            "cannot_decrypt",
            "this visit is not readable with your key",
        )
    })?;
    Ok((review, content, key))
}

/// Decrypts a visit's content for a reviewer of its branch; audited.
pub async fn read_visit(
    state: &AppState,
    actor: &Actor,
    visit_id: &str,
) -> Result<DecryptedVisit, AppError> {
    let (review, content, _) = opened(state, actor, visit_id).await?;
    audit::record(
        state.store.as_ref(),
        &actor.id,
        "visit.decrypt",
        &review.visit_id,
        json!({ "photos": content.photos.len() }),
    )
    .await?;
    Ok(DecryptedVisit { review, content })
}

/// Decrypts one photo of a visit (JPEG bytes); audited.
pub async fn read_photo(
    state: &AppState,
    actor: &Actor,
    visit_id: &str,
    photo_id: &str,
) -> Result<Zeroizing<Vec<u8>>, AppError> {
    if !is_safe_id(photo_id) {
        return Err(AppError::invalid_id("photo_id"));
    }
    let (review, _, key) = opened(state, actor, visit_id).await?;
    let complete = state
        .store
        .photos(&review.visit_id)
        .await?
        .into_iter()
        .any(|p| p.photo_id == photo_id && p.complete);
    let blob_key = BlobKey::photo(&review.visit_id, photo_id)
        .ok_or_else(|| AppError::invalid_id("photo_id"))?;
    let bytes = match complete {
        true => state
            .blobs
            .get(&blob_key)
            .await
            .map_err(AppError::internal)?,
        false => None,
    }
    .ok_or_else(|| AppError::not_found("photo"))?;
    let clear = open_photo(&key, &review.visit_id, photo_id, &bytes)
        .map_err(|_| AppError::internal("stored photo does not open with its content key"))?;
    audit::record(
        state.store.as_ref(),
        &actor.id,
        "photo.decrypt",
        &review.visit_id,
        json!({ "photo_id": photo_id }),
    )
    .await?;
    Ok(clear)
}
