//! Decrypted reads for reviewers: unlock an audience key with its passphrase for a limited session,
//! then open a visit's content or one photo. Every unlock (and refusal) and every decrypted read is
//! audited; decrypted data never reaches logs. After a rotation the passphrase opens the county's
//! current key and every earlier one, and a visit opens with whichever of them it was sealed to.

use chrono::{DateTime, Utc};
use fieldvisit_core::protocol::{SealedEnvelope, VisitContent, open_content, open_photo};
use serde_json::json;
use zeroize::Zeroizing;

use super::Actor;
use super::audience::keys_serving;
use super::error::OpsError;
use super::keysessions::{self, FAILURE_WINDOW_MIN, MAX_FAILURES};
use crate::audit;
use crate::blob::BlobKey;
use crate::ids::is_safe_id;
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

/// Unlocks the key of `audience` serving the actor's branch, with the generations it replaced, for
/// the configured session time.
pub async fn unlock(
    state: &AppState,
    actor: &Actor,
    audience: &str,
    passphrase: &str,
) -> Result<DateTime<Utc>, OpsError> {
    let Some(role) = audience_role(audience) else {
        return Err(OpsError::invalid("unknown_audience", "unknown audience"));
    };
    if actor.role != role {
        return Err(OpsError::ForbiddenRole("your role may not unlock this key"));
    }
    let window_from = Utc::now() - chrono::Duration::minutes(FAILURE_WINDOW_MIN);
    if state.store.unlock_failures(&actor.id, window_from).await? >= MAX_FAILURES {
        return Err(OpsError::Throttled {
            code: "unlock_throttled",
            message: "too many wrong passphrases; try again later".into(),
            retry_after_secs: None,
        });
    }
    let rows = state.store.audience_keys().await?;
    let row = keys_serving(&rows, &actor.scope_path)
        .into_iter()
        .find(|r| r.audience == audience)
        .ok_or(OpsError::NotFound("audience key"))?;
    let generations = state
        .store
        .audience_key_generations(&row.audience, &row.unit_id)
        .await?;
    let pass = Zeroizing::new(passphrase.to_owned());
    // The passphrase is stretched with argon2 (once per generation): it takes its turn with
    // sign-ins.
    let opened = super::sessions::password_work(state, move || {
        super::audience::open_generations(&generations, &pass)
    })
    .await?;
    let keys = match opened {
        Ok(k) => k,
        Err(_) => {
            let now = Utc::now();
            let window_from = now - chrono::Duration::minutes(FAILURE_WINDOW_MIN);
            let entry = audit::draft(
                &state.audit_key,
                &actor.id,
                "audience_key.unlock_refused",
                audience,
                json!({ "unit_id": row.unit_id }),
            );
            state
                .store
                .unlock_failed(&actor.id, now, window_from, &entry)
                .await?;
            return Err(OpsError::refused("wrong_passphrase", "wrong passphrase"));
        }
    };
    state.store.unlock_succeeded(&actor.id).await?;
    let expires_at = Utc::now() + state.config.review.key_session;
    let held: Vec<_> = keys.iter().map(|(_, k)| k).collect();
    let entry = audit::draft(
        &state.audit_key,
        &actor.id,
        "audience_key.unlock",
        audience,
        json!({
            "unit_id": row.unit_id,
            "generation": row.generation,
            "expires_at": expires_at,
        }),
    );
    keysessions::put(
        state,
        actor,
        audience,
        &held,
        &row.scope_path,
        expires_at,
        &entry,
    )
    .await?;
    Ok(expires_at)
}

/// Drops the actor's unlocked keys.
pub async fn lock(state: &AppState, actor: &Actor) -> Result<bool, OpsError> {
    let entry = audit::draft(
        &state.audit_key,
        &actor.id,
        "audience_key.lock",
        "-",
        json!({}),
    );
    match &actor.session {
        Some(holder) => Ok(keysessions::lock(state, holder, &entry).await?),
        None => {
            state
                .store
                .append_audit(&entry.with_detail("held", false.into()))
                .await?;
            Ok(false)
        }
    }
}

/// A review with its decrypted content.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct DecryptedVisit {
    /// The review.
    pub review: ReviewRow,
    /// Template the visit was answered against.
    pub template_id: String,
    /// Its version.
    pub template_version: u32,
    /// That version of the template, as issued to the household's branch: the labels the visit
    /// was answered with (absent only for a version this server never issued).
    #[schema(value_type = Option<Object>)]
    pub template: Option<fieldvisit_core::template::Template>,
    /// Answers, computed values, scores with fired rules, photos.
    #[schema(value_type = Object)]
    pub content: VisitContent,
}

/// Whether the actor's session holds the child-welfare key, and until when.
pub async fn key_until(state: &AppState, actor: &Actor) -> Result<Option<DateTime<Utc>>, OpsError> {
    Ok(keysessions::get(state, actor, CHILD_WELFARE, Utc::now())
        .await?
        .map(|k| k.expires_at))
}

async fn opened(
    state: &AppState,
    actor: &Actor,
    visit_id: &str,
) -> Result<
    (
        ReviewRow,
        VisitContent,
        fieldvisit_core::crypto::ContentKey,
        (String, u32),
    ),
    OpsError,
> {
    let review = super::review::find(state, actor, visit_id).await?;
    if actor.role != Role::ChildWelfareReviewer {
        return Err(OpsError::ForbiddenRole(
            "only child-welfare reviewers read assessments",
        ));
    }
    let unlocked = keysessions::get(state, actor, CHILD_WELFARE, Utc::now())
        .await?
        .ok_or_else(|| OpsError::refused("key_locked", "unlock the child-welfare key first"))?;
    let json = state
        .store
        .envelope(&review.visit_id)
        .await?
        .ok_or(OpsError::NotFound("visit"))?;
    let body = SealedEnvelope::from_json(json.as_bytes())
        .and_then(|e| e.peek_body())
        .map_err(|_| OpsError::internal("stored envelope unreadable"))?;
    // A visit sealed before a rotation is wrapped to an earlier key: an HPKE unwrap under any
    // other key fails its authentication, so each key is tried in turn, the current one first.
    let (content, key) = unlocked
        .keys
        .iter()
        .find_map(|k| open_content(&body, CHILD_WELFARE, k).ok())
        .ok_or(OpsError::Undecryptable)?;
    Ok((
        review,
        content,
        key,
        (body.template_id, body.template_version),
    ))
}

/// Decrypts a visit's content for a reviewer of its branch; audited.
pub async fn read_visit(
    state: &AppState,
    actor: &Actor,
    visit_id: &str,
) -> Result<DecryptedVisit, OpsError> {
    let (review, content, _, (template_id, template_version)) =
        opened(state, actor, visit_id).await?;
    audit::record(
        state,
        &actor.id,
        "visit.decrypt",
        &review.visit_id,
        json!({ "photos": content.photos.len() }),
    )
    .await?;
    let path = state
        .store
        .household(&review.household_id)
        .await?
        .map(|(_, path)| path)
        .unwrap_or_else(|| super::templates::EVERYWHERE.to_owned());
    let template =
        super::templates::version_at(state, &template_id, template_version, &path).await?;
    Ok(DecryptedVisit {
        review,
        template_id,
        template_version,
        template,
        content,
    })
}

/// Decrypts one photo of a visit (JPEG bytes); audited.
pub async fn read_photo(
    state: &AppState,
    actor: &Actor,
    visit_id: &str,
    photo_id: &str,
) -> Result<Zeroizing<Vec<u8>>, OpsError> {
    if !is_safe_id(photo_id) {
        return Err(OpsError::InvalidId("photo_id"));
    }
    let (review, _, key, _) = opened(state, actor, visit_id).await?;
    let complete = state
        .store
        .photos(&review.visit_id)
        .await?
        .into_iter()
        .any(|p| p.photo_id == photo_id && p.complete);
    let blob_key =
        BlobKey::photo(&review.visit_id, photo_id).ok_or(OpsError::InvalidId("photo_id"))?;
    let bytes = match complete {
        true => state
            .blobs
            .get(&blob_key)
            .await
            .map_err(OpsError::internal)?,
        false => None,
    }
    .ok_or(OpsError::NotFound("photo"))?;
    let clear = open_photo(&key, &review.visit_id, photo_id, &bytes)
        .map_err(|_| OpsError::internal("stored photo does not open with its content key"))?;
    audit::record(
        state,
        &actor.id,
        "photo.decrypt",
        &review.visit_id,
        json!({ "photo_id": photo_id }),
    )
    .await?;
    Ok(clear)
}
