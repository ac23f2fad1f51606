use std::fmt;

use ring::hkdf;
use thiserror::Error;
use zeroize::Zeroizing;

use super::{CryptoError, DataKey};

/// Why the platform could not hand out the master key (no key material in the message).
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum KeyProviderError {
    /// The platform keystore refused or is locked (e.g. before first unlock).
    #[error("the platform keystore is unavailable: {0}")]
    Unavailable(String),
}

/// Supplies the 32-byte master key: Android Keystore or iOS Keychain in the apps, a fixed key in tests.
pub trait KeyProvider: Send + Sync {
    /// Returns the master key; called once when a store opens.
    fn master_key(&self) -> Result<MasterKey, KeyProviderError>;
}

/// The 32-byte root key of a phone's store. Never written anywhere by the core.
pub struct MasterKey(Zeroizing<[u8; 32]>);

impl MasterKey {
    /// Length of a master key in bytes.
    pub const LEN: usize = 32;

    /// Takes a key from raw bytes; refuses anything but 32 bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CryptoError> {
        let arr: [u8; 32] = bytes.try_into().map_err(|_| CryptoError::InvalidKey {
            what: "master",
            reason: "a master key must be exactly 32 bytes",
        })?;
        Ok(MasterKey(Zeroizing::new(arr)))
    }

    /// Derives a sub-key for one purpose with HKDF-SHA256 (RFC 5869), so that no two uses share a key.
    pub fn derive(&self, purpose: &str) -> DataKey {
        let salt = hkdf::Salt::new(hkdf::HKDF_SHA256, b"fieldvisit/master/v1");
        let prk = salt.extract(self.0.as_ref());
        let info = [purpose.as_bytes()];
        let mut out = Zeroizing::new([0u8; 32]);
        // expand/fill fail only when the requested length exceeds 255 * hash length; 32 bytes never does.
        if let Ok(okm) = prk.expand(&info, hkdf::HKDF_SHA256) {
            let _ = okm.fill(out.as_mut());
        }
        DataKey::from_bytes(&out)
    }
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterKey(<redacted>)")
    }
}

/// A key provider holding a fixed key, for tests, benchmarks and the demo.
pub struct StaticKeyProvider {
    key: Zeroizing<[u8; 32]>,
}

impl StaticKeyProvider {
    /// Uses the given 32 bytes as the master key.
    pub fn new(key: [u8; 32]) -> Self {
        StaticKeyProvider {
            key: Zeroizing::new(key),
        }
    }

    /// A fresh random master key.
    pub fn random() -> Result<Self, CryptoError> {
        let mut key = [0u8; 32];
        super::random_bytes(&mut key)?;
        Ok(Self::new(key))
    }
}

impl fmt::Debug for StaticKeyProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StaticKeyProvider(<redacted>)")
    }
}

impl KeyProvider for StaticKeyProvider {
    fn master_key(&self) -> Result<MasterKey, KeyProviderError> {
        Ok(MasterKey(Zeroizing::new(*self.key)))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_key_bytes() {
        let key = MasterKey::from_bytes(&[0xAB; 32]).unwrap();
        let text = format!("{key:?} {:?}", StaticKeyProvider::new([0xAB; 32]));
        assert!(!text.to_lowercase().contains("ab, ab"));
        assert!(!text.to_lowercase().contains("abab"));
        assert!(text.contains("redacted"));
    }

    #[test]
    fn wrong_length_is_refused() {
        assert!(MasterKey::from_bytes(&[0u8; 31]).is_err());
    }

    #[test]
    fn different_purposes_give_different_keys() {
        let key = MasterKey::from_bytes(&[7; 32]).unwrap();
        let sealed = key.derive("a").seal(b"hello", b"aad").unwrap();
        assert!(key.derive("b").open(&sealed, b"aad").is_err());
        assert_eq!(
            key.derive("a").open(&sealed, b"aad").unwrap().as_slice(),
            b"hello"
        );
    }
}
