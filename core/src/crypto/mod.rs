//! Cryptography of the phone engine, built only from standard constructions: AES-256-GCM (ring) for data
//! at rest and visit content, HKDF-SHA256 (ring) for sub-keys, HPKE (RFC 9180, X25519) to wrap content keys
//! for audiences, Ed25519 (ring) to sign envelopes, SHA-256 for hash chains.

mod aead;
mod b64;
mod error;
mod hash;
mod hpke_wrap;
mod keys;
mod signing;

pub use aead::{ContentKey, DataKey, NONCE_LEN, TAG_LEN};
pub use b64::{b64_decode, b64_encode};
pub use error::CryptoError;
pub use hash::{Sha256Hash, sha256};
pub use hpke_wrap::{AudiencePrivateKey, AudiencePublicKey, HPKE_INFO, WrappedKey};
pub use keys::{KeyProvider, KeyProviderError, MasterKey, StaticKeyProvider};
pub use signing::{DeviceSigningKey, ED25519_PUBLIC_KEY_LEN, verify_ed25519};

/// Fills `buf` from the operating system's secure random source.
pub fn random_bytes(buf: &mut [u8]) -> Result<(), CryptoError> {
    use ring::rand::SecureRandom;
    ring::rand::SystemRandom::new()
        .fill(buf)
        .map_err(|_| CryptoError::Random)
}

/// A random identifier: 16 random bytes as 32 lowercase hex digits.
pub fn random_id() -> Result<String, CryptoError> {
    let mut b = [0u8; 16];
    random_bytes(&mut b)?;
    Ok(hex::encode(b))
}

#[cfg(test)]
mod vectors_rfc8032;
#[cfg(test)]
mod vectors_rfc9180;
