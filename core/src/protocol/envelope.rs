//! The sealed envelope: clear metadata for coverage and triage, end-to-end encrypted content, and an
//! Ed25519 signature over the exact body bytes.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::ProtocolError;
use crate::crypto::{DeviceSigningKey, Sha256Hash, b64_decode, b64_encode, sha256, verify_ed25519};
use crate::geo::GpsFix;

/// Envelope version this build writes and accepts.
pub const ENVELOPE_VERSION: u16 = 1;

/// Domain separation: a signature over an envelope can never be taken for another message.
const SIGNING_CONTEXT: &[u8] = b"fieldvisit/envelope/v1\0";

/// A signed, sealed visit as it travels. `body` holds the exact signed bytes (base64 of JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SealedEnvelope {
    /// [`ENVELOPE_VERSION`].
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 1))]
    pub version: u16,
    /// Base64 of the canonical JSON of [`EnvelopeBody`].
    #[cfg_attr(
        feature = "openapi",
        schema(
            pattern = "^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/][AQgw]==|[A-Za-z0-9+/]{2}[AEIMQUYcgkosw048]=)?$"
        )
    )]
    pub body: String,
    /// Base64 Ed25519 signature over `SIGNING_CONTEXT || body bytes`.
    #[cfg_attr(feature = "openapi", schema(pattern = "^[A-Za-z0-9+/]{85}[AQgw]==$"))]
    pub signature: String,
}

/// Why the server should look twice at a visit (`docs/domain.md` §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceFlag {
    /// No GPS fix at start.
    NoFix,
    /// Fix farther than the threshold from the registered location.
    FarFromHome,
    /// Fix accuracy worse than the threshold.
    LowAccuracy,
    /// Fix older than the threshold when the visit started.
    StaleFix,
    /// The platform reported a mock location.
    MockLocation,
    /// Visit shorter than the threshold.
    ShortVisit,
    /// A photo was taken outside the visit window.
    PhotoOutsideWindow,
}

/// The level that drives scheduling and triage (risk level, tier).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VisitLevel {
    /// Score id.
    pub score: String,
    /// Level id after any override.
    pub level: String,
    /// Whether the worker overrode the computed level.
    pub overridden: bool,
}

/// One photo as uploaded: the hash and size of its ciphertext.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhotoManifest {
    /// Photo id.
    pub photo_id: String,
    /// SHA-256 of the encrypted bytes the phone uploads.
    pub sha256: Sha256Hash,
    /// Size of the encrypted bytes.
    pub size: u64,
    /// When it was taken.
    pub captured_at: DateTime<Utc>,
}

/// The link of this visit in its device's hash chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChainLink {
    /// 1 for the first sealed visit of the device, then +1.
    pub seq: u64,
    /// SHA-256 of the previous envelope's body bytes (zero for the first).
    pub prev: Sha256Hash,
}

/// A content key wrapped to one audience.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecipientKey {
    /// Audience id, e.g. `child-welfare`.
    pub audience: String,
    /// Base64 HPKE encapsulated key.
    pub enc: String,
    /// Base64 wrapped content key.
    pub sealed_key: String,
}

/// Encrypted visit content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EncryptedContent {
    /// Base64 of `nonce || AES-256-GCM ciphertext || tag` of the [`super::VisitContent`] JSON.
    pub ciphertext: String,
    /// The content key for each audience.
    pub recipients: Vec<RecipientKey>,
}

/// What is signed. Only what coverage and triage need is in the clear (`docs/design.md`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvelopeBody {
    /// Same as the outer version; signed so it cannot be re-labelled.
    pub version: u16,
    /// Visit id (32 hex digits).
    pub visit_id: String,
    /// Household id.
    pub household_id: String,
    /// Worker id.
    pub worker_id: String,
    /// Device id.
    pub device_id: String,
    /// Template id.
    pub template_id: String,
    /// Template version.
    pub template_version: u32,
    /// Category the visit serves (its code).
    pub category: String,
    /// Visit start.
    pub started_at: DateTime<Utc>,
    /// Visit end.
    pub ended_at: DateTime<Utc>,
    /// When it was sealed.
    pub sealed_at: DateTime<Utc>,
    /// Fix at start.
    pub gps: Option<GpsFix>,
    /// Distance from the fix to the registered location, in metres.
    pub distance_m: Option<f64>,
    /// Evidence flags.
    pub evidence: Vec<EvidenceFlag>,
    /// The schedule-driving level, if the template has one.
    pub level: Option<VisitLevel>,
    /// When the worker marked "reported to police", if they did.
    pub reported_to_police_at: Option<DateTime<Utc>>,
    /// The visit this one corrects, if any.
    pub amends: Option<String>,
    /// Number of investigators present.
    pub investigator_count: u32,
    /// Photos, to be uploaded separately.
    pub photos: Vec<PhotoManifest>,
    /// Hash-chain link.
    pub chain: ChainLink,
    /// Encrypted content.
    pub content: EncryptedContent,
}

/// An envelope whose signature has been checked.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedEnvelope {
    /// The body.
    pub body: EnvelopeBody,
    /// The body exactly as signed (JSON).
    pub body_json: String,
    /// SHA-256 of the body bytes: the chain hash of this visit.
    pub hash: Sha256Hash,
}

fn signing_message(body: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(SIGNING_CONTEXT.len() + body.len());
    m.extend_from_slice(SIGNING_CONTEXT);
    m.extend_from_slice(body);
    m
}

#[derive(Deserialize)]
struct VersionProbe {
    version: Option<u64>,
}

impl SealedEnvelope {
    /// Serializes and signs a body. The envelope carries this build's version whatever the body
    /// says, so a body of another version (never one the engine makes; tests make them to check
    /// the server) signs into an envelope that `verify` refuses with `VersionMismatch`.
    pub fn sign(
        body: &EnvelopeBody,
        key: &DeviceSigningKey,
    ) -> Result<(Self, Sha256Hash), ProtocolError> {
        let bytes = serde_json::to_vec(body).map_err(|e| malformed("envelope body", e))?;
        let signature = key.sign(&signing_message(&bytes));
        Ok((
            SealedEnvelope {
                version: ENVELOPE_VERSION,
                body: b64_encode(&bytes),
                signature: b64_encode(&signature),
            },
            sha256(&bytes),
        ))
    }

    /// Parses an envelope from JSON, telling an unknown version apart from a malformed message.
    pub fn from_json(bytes: &[u8]) -> Result<Self, ProtocolError> {
        let probe: VersionProbe =
            serde_json::from_slice(bytes).map_err(|e| malformed("envelope", e))?;
        match probe.version {
            Some(v) if v == u64::from(ENVELOPE_VERSION) => {}
            Some(v) => {
                return Err(ProtocolError::UnsupportedVersion {
                    what: "envelope",
                    found: v,
                    supported: ENVELOPE_VERSION,
                });
            }
            None => {
                return Err(ProtocolError::Malformed {
                    what: "envelope",
                    reason: "missing field `version`".into(),
                });
            }
        }
        serde_json::from_slice(bytes).map_err(|e| malformed("envelope", e))
    }

    /// Compact JSON.
    pub fn to_json(&self) -> Vec<u8> {
        // Serializing plain strings and integers cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }

    fn body_bytes(&self) -> Result<Vec<u8>, ProtocolError> {
        if self.version != ENVELOPE_VERSION {
            return Err(ProtocolError::UnsupportedVersion {
                what: "envelope",
                found: u64::from(self.version),
                supported: ENVELOPE_VERSION,
            });
        }
        Ok(b64_decode(&self.body, "body")?)
    }

    /// Reads the body without checking the signature: only to find which device key to verify with.
    pub fn peek_body(&self) -> Result<EnvelopeBody, ProtocolError> {
        let bytes = self.body_bytes()?;
        serde_json::from_slice(&bytes).map_err(|e| malformed("envelope body", e))
    }

    /// Checks the signature over the exact body bytes, then parses the body.
    pub fn verify(&self, device_public_key: &[u8]) -> Result<VerifiedEnvelope, ProtocolError> {
        let bytes = self.body_bytes()?;
        let signature = b64_decode(&self.signature, "signature")?;
        verify_ed25519(device_public_key, &signing_message(&bytes), &signature)
            .map_err(|_| ProtocolError::BadSignature)?;
        let body: EnvelopeBody =
            serde_json::from_slice(&bytes).map_err(|e| malformed("envelope body", e))?;
        if body.version != self.version {
            return Err(ProtocolError::VersionMismatch {
                outer: self.version,
                inner: body.version,
            });
        }
        let hash = sha256(&bytes);
        // It parsed as JSON, so it is UTF-8.
        let body_json = String::from_utf8(bytes).map_err(|_| ProtocolError::Malformed {
            what: "envelope body",
            reason: "not UTF-8".into(),
        })?;
        Ok(VerifiedEnvelope {
            body,
            body_json,
            hash,
        })
    }
}

fn malformed(what: &'static str, e: serde_json::Error) -> ProtocolError {
    ProtocolError::Malformed {
        what,
        reason: super::error::redacted_json_error(&e),
    }
}
