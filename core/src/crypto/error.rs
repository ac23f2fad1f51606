use thiserror::Error;

/// Failures of cryptographic operations. None carries key material or plaintext.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum CryptoError {
    /// The system random source failed.
    #[error("the system random number generator failed")]
    Random,
    /// Decryption failed: wrong key, wrong associated data or modified ciphertext.
    #[error("decryption failed: the data was modified or the key is wrong")]
    Decrypt,
    /// Encryption failed (should not happen with valid keys).
    #[error("encryption failed")]
    Encrypt,
    /// A key had the wrong length or encoding.
    #[error("invalid {what} key: {reason}")]
    InvalidKey {
        what: &'static str,
        reason: &'static str,
    },
    /// A signature did not verify.
    #[error("signature verification failed")]
    BadSignature,
    /// Base64 text could not be decoded.
    #[error("invalid base64 in {field}")]
    Base64 { field: &'static str },
    /// HPKE key wrapping or unwrapping failed.
    #[error("content key could not be {0}")]
    Hpke(&'static str),
}
