use thiserror::Error;

use crate::crypto::CryptoError;

/// Why a wire message was refused. Messages name fields, never their content.
#[derive(Debug, Error, PartialEq)]
pub enum ProtocolError {
    /// The message is not the JSON shape expected.
    #[error("malformed {what}: {reason}")]
    Malformed {
        /// Which message.
        what: &'static str,
        /// What was wrong (a serde message: names fields and positions only).
        reason: String,
    },
    /// The version is not one this build knows.
    #[error("unsupported {what} version {found}; this build reads version {supported}")]
    UnsupportedVersion {
        /// Which message.
        what: &'static str,
        /// Version found.
        found: u64,
        /// Version supported.
        supported: u16,
    },
    /// The signature does not verify with the device's key.
    #[error("the envelope signature does not verify with the device key")]
    BadSignature,
    /// The outer and inner versions differ (a re-labelled envelope).
    #[error("envelope version {outer} does not match its signed body version {inner}")]
    VersionMismatch {
        /// Outer version.
        outer: u16,
        /// Signed version.
        inner: u16,
    },
    /// No wrapped key for this audience.
    #[error("the content is not addressed to audience {0}")]
    NotForAudience(String),
    /// Decryption or decoding of the content failed.
    #[error("content could not be opened: {0}")]
    Crypto(#[from] CryptoError),
}

/// A serde_json error as text with every quoted value replaced by `"…"`, so a message can name the
/// field and position but never echo what was typed there (which may be a name or an ID number).
pub fn redacted_json_error(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let mut out = String::with_capacity(text.len());
    let mut in_quote = false;
    for ch in text.chars() {
        if ch == '"' {
            if in_quote {
                out.push_str("…\"");
            } else {
                out.push('"');
            }
            in_quote = !in_quote;
        } else if !in_quote {
            out.push(ch);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_errors_never_echo_values() {
        let e = serde_json::from_str::<u32>("\"张三\"").err();
        let text = e.map(|e| redacted_json_error(&e)).unwrap_or_default();
        assert!(!text.contains("张三"), "{text}");
        assert!(text.contains("invalid type"), "{text}");
    }
}
