//! The encrypted part of a visit: answers, computed values, scores, investigators and photo hashes.
//! Only the audiences the template names can open it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::{EnvelopeBody, ProtocolError};
use crate::crypto::{AudiencePrivateKey, ContentKey, Sha256Hash, WrappedKey, b64_decode};
use crate::template::AnswerValue;

/// The outcome of one score.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoreOutcome {
    /// Score id.
    pub score: String,
    /// Level the rules gave.
    pub computed_level: String,
    /// Level in force (differs when overridden).
    pub level: String,
    /// Ids of every rule that fired.
    pub fired: Vec<String>,
    /// The worker's reason for an override.
    pub override_reason: Option<String>,
}

/// A photo's place in the content: which item it answers and the hash of its clear bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhotoContent {
    /// Photo id.
    pub photo_id: String,
    /// Item (path) it answers.
    pub item: String,
    /// SHA-256 of the processed JPEG before encryption.
    pub sha256: Sha256Hash,
}

/// Decrypted visit content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VisitContent {
    /// Answers by item id (repeat groups hold their instances).
    pub answers: BTreeMap<String, AnswerValue>,
    /// Computed values by id.
    pub computed: BTreeMap<String, serde_json::Value>,
    /// Score outcomes.
    pub scores: Vec<ScoreOutcome>,
    /// Investigators present.
    pub investigators: Vec<String>,
    /// Free notes.
    pub notes: String,
    /// Photos.
    pub photos: Vec<PhotoContent>,
}

/// Associated data of the content ciphertext: binds it to its visit.
pub fn content_aad(visit_id: &str) -> Vec<u8> {
    format!("fieldvisit/content/v1|{visit_id}").into_bytes()
}

/// Associated data of a wrapped key: binds it to its visit and audience.
pub fn wrap_aad(visit_id: &str, audience: &str) -> Vec<u8> {
    format!("fieldvisit/wrap/v1|{visit_id}|{audience}").into_bytes()
}

/// Associated data of a photo ciphertext: binds it to its visit and photo id.
pub fn photo_aad(visit_id: &str, photo_id: &str) -> Vec<u8> {
    format!("fieldvisit/photo/v1|{visit_id}|{photo_id}").into_bytes()
}

/// Opens a visit's content with an audience's private key; also returns the content key for photos.
pub fn open_content(
    body: &EnvelopeBody,
    audience: &str,
    key: &AudiencePrivateKey,
) -> Result<(VisitContent, ContentKey), ProtocolError> {
    let recipient = body
        .content
        .recipients
        .iter()
        .find(|r| r.audience == audience)
        .ok_or_else(|| ProtocolError::NotForAudience(audience.to_string()))?;
    let wrapped = WrappedKey {
        enc: b64_decode(&recipient.enc, "enc")?,
        sealed_key: b64_decode(&recipient.sealed_key, "sealed_key")?,
    };
    let content_key = key.unwrap_key(&wrapped, &wrap_aad(&body.visit_id, audience))?;
    let ciphertext = b64_decode(&body.content.ciphertext, "ciphertext")?;
    let clear = content_key.open(&ciphertext, &content_aad(&body.visit_id))?;
    let content = serde_json::from_slice(&clear).map_err(|e| ProtocolError::Malformed {
        what: "visit content",
        reason: super::redacted_json_error(&e),
    })?;
    Ok((content, content_key))
}

/// Decrypts an uploaded photo with the visit's content key.
pub fn open_photo(
    content_key: &ContentKey,
    visit_id: &str,
    photo_id: &str,
    ciphertext: &[u8],
) -> Result<Zeroizing<Vec<u8>>, ProtocolError> {
    Ok(content_key.open(ciphertext, &photo_aad(visit_id, photo_id))?)
}
