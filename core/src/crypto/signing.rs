use std::fmt;

use ring::signature::{ED25519, Ed25519KeyPair, KeyPair, UnparsedPublicKey};
use zeroize::Zeroizing;

use super::CryptoError;

/// Length of an Ed25519 public key.
pub const ED25519_PUBLIC_KEY_LEN: usize = 32;

/// The phone's Ed25519 identity key; the PKCS#8 document is kept only in the encrypted store.
pub struct DeviceSigningKey {
    pkcs8: Zeroizing<Vec<u8>>,
    pair: Ed25519KeyPair,
}

impl DeviceSigningKey {
    /// Generates a new key pair.
    pub fn generate() -> Result<Self, CryptoError> {
        let rng = ring::rand::SystemRandom::new();
        let doc = Ed25519KeyPair::generate_pkcs8(&rng).map_err(|_| CryptoError::Random)?;
        Self::from_pkcs8(doc.as_ref())
    }

    /// Loads a key pair from its PKCS#8 v2 document.
    pub fn from_pkcs8(pkcs8: &[u8]) -> Result<Self, CryptoError> {
        let pair = Ed25519KeyPair::from_pkcs8(pkcs8).map_err(|_| CryptoError::InvalidKey {
            what: "device signing",
            reason: "not a valid Ed25519 PKCS#8 document",
        })?;
        Ok(DeviceSigningKey {
            pkcs8: Zeroizing::new(pkcs8.to_vec()),
            pair,
        })
    }

    /// The PKCS#8 document, for storing encrypted.
    pub fn pkcs8(&self) -> &[u8] {
        &self.pkcs8
    }

    /// The 32-byte public key that the server registers at enrollment.
    pub fn public_key(&self) -> [u8; 32] {
        let mut out = [0u8; 32];
        out.copy_from_slice(self.pair.public_key().as_ref());
        out
    }

    /// Signs `message` (RFC 8032 Ed25519, deterministic).
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        let mut out = [0u8; 64];
        out.copy_from_slice(self.pair.sign(message).as_ref());
        out
    }
}

impl fmt::Debug for DeviceSigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "DeviceSigningKey(public {}, private <redacted>)",
            hex::encode(self.public_key())
        )
    }
}

/// Verifies an Ed25519 signature.
pub fn verify_ed25519(
    public_key: &[u8],
    message: &[u8],
    signature: &[u8],
) -> Result<(), CryptoError> {
    UnparsedPublicKey::new(&ED25519, public_key)
        .verify(message, signature)
        .map_err(|_| CryptoError::BadSignature)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn sign_verify_and_reload() {
        let key = DeviceSigningKey::generate().unwrap();
        let sig = key.sign(b"msg");
        verify_ed25519(&key.public_key(), b"msg", &sig).unwrap();
        assert!(verify_ed25519(&key.public_key(), b"msh", &sig).is_err());
        let again = DeviceSigningKey::from_pkcs8(key.pkcs8()).unwrap();
        assert_eq!(again.public_key(), key.public_key());
        assert!(!format!("{key:?}").contains(&hex::encode(key.pkcs8())));
    }
}
