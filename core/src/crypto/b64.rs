use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::CryptoError;

/// Standard padded base64 as used on the wire.
pub fn b64_encode(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// Strict base64 decoding (non-canonical trailing bits are refused, so one text has one meaning).
pub fn b64_decode(text: &str, field: &'static str) -> Result<Vec<u8>, CryptoError> {
    STANDARD
        .decode(text)
        .map_err(|_| CryptoError::Base64 { field })
}
