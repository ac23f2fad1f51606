//! Small request and response bodies of the phone–server API.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::crypto::Sha256Hash;

/// Version of the messages in this file and of [`super::Assignments`].
pub const WIRE_VERSION: u16 = 1;

/// The server's acknowledgement of a stored envelope; the same envelope always gets the same receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Receipt {
    /// [`WIRE_VERSION`].
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 1))]
    pub version: u16,
    /// Visit id.
    pub visit_id: String,
    /// SHA-256 of the envelope body that was stored.
    pub body_hash: Sha256Hash,
    /// When the server first stored it.
    pub received_at: DateTime<Utc>,
    /// Photos the server still waits for.
    pub photos_missing: Vec<String>,
}

/// A phone redeeming an enrollment code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EnrollRequest {
    /// [`WIRE_VERSION`].
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 1))]
    pub version: u16,
    /// The one-time code from the QR.
    pub code: String,
    /// Base64 Ed25519 public key of the device.
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = "^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$")
    )]
    pub public_key: String,
    /// A label for the device list (model name).
    pub device_label: String,
}

/// The device credential returned at enrollment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EnrollResponse {
    /// [`WIRE_VERSION`].
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 1))]
    pub version: u16,
    /// Device id assigned by the server.
    pub device_id: String,
    /// The worker the device records for.
    pub worker_id: String,
    /// Bearer token for device calls.
    pub token: String,
}

/// What a device key signs to renew the device's token, so that the signature cannot serve any
/// other purpose (an envelope signature never starts with it).
pub const TOKEN_RENEWAL_PURPOSE: &str = "fieldvisit/device-token-renewal/v1";

/// A phone renewing its short-lived token with a signature of its device key (Ed25519, the key
/// registered at enrollment) over [`TokenRenewRequest::signed_message`]. The server takes a
/// renewal only if it was signed within a few minutes of its own clock and later than the last one
/// it took from the device, so a captured request cannot be replayed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TokenRenewRequest {
    /// [`WIRE_VERSION`].
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 1))]
    pub version: u16,
    /// The device id given at enrollment.
    pub device_id: String,
    /// When the phone signed, in milliseconds since the Unix epoch on the server's clock as the
    /// phone reckons it.
    pub signed_at: i64,
    /// Base64 Ed25519 signature of [`TokenRenewRequest::signed_message`].
    #[cfg_attr(feature = "openapi", schema(pattern = "^[A-Za-z0-9+/]{85}[AQgw]==$"))]
    pub signature: String,
}

impl TokenRenewRequest {
    /// The bytes signed: the purpose, the device id and the signing time, one per line.
    pub fn signed_message(device_id: &str, signed_at: i64) -> Vec<u8> {
        format!("{TOKEN_RENEWAL_PURPOSE}\n{device_id}\n{signed_at}").into_bytes()
    }
}

/// A renewed device token; the one it replaces no longer works.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TokenRenewResponse {
    /// [`WIRE_VERSION`].
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 1))]
    pub version: u16,
    /// Bearer token for device calls.
    pub token: String,
    /// When the token stops working; the phone renews it again then.
    pub expires_at: DateTime<Utc>,
}

/// How much of a photo the server holds (for resuming uploads).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UploadStatus {
    /// Photo id.
    pub photo_id: String,
    /// Bytes received so far.
    pub received: u64,
    /// Total size announced in the envelope.
    pub size: u64,
    /// Whether the photo is complete and its hash checked.
    pub complete: bool,
}

/// Body of every API error response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ApiErrorBody {
    /// The error.
    pub error: ApiError,
}

/// An API error: a stable code to act on and a readable message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ApiError {
    /// Machine-readable code, e.g. `bad_signature`.
    pub code: String,
    /// Human-readable message without personal data.
    pub message: String,
}
