//! Content-key wrapping with HPKE (RFC 9180), base mode, suite DHKEM(X25519, HKDF-SHA256) / HKDF-SHA256 /
//! ChaCha20-Poly1305.

use std::fmt;

use hpke::aead::ChaCha20Poly1305;
use hpke::kdf::HkdfSha256;
use hpke::kem::X25519HkdfSha256;
use hpke::{Deserializable, Kem, OpModeR, OpModeS, Serializable};
use zeroize::Zeroizing;

use super::{ContentKey, CryptoError};

type SuiteKem = X25519HkdfSha256;
type SuiteKdf = HkdfSha256;
type SuiteAead = ChaCha20Poly1305;

/// The HPKE `info` string; it names this use so a wrapped key cannot be replayed in another protocol.
pub const HPKE_INFO: &[u8] = b"fieldvisit/content-key/v1";

/// An audience's X25519 public key (e.g. the county child-welfare unit).
#[derive(Clone, PartialEq, Eq)]
pub struct AudiencePublicKey(<SuiteKem as Kem>::PublicKey);

/// An audience's X25519 private key; held by the server encrypted under a passphrase.
pub struct AudiencePrivateKey(<SuiteKem as Kem>::PrivateKey);

/// A content key wrapped to one audience: the HPKE encapsulated key and the sealed key bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WrappedKey {
    /// HPKE `enc` (32 bytes for X25519).
    pub enc: Vec<u8>,
    /// The content key sealed in the HPKE context (32 bytes + 16-byte tag).
    pub sealed_key: Vec<u8>,
}

impl AudiencePublicKey {
    /// Parses a 32-byte X25519 public key.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CryptoError> {
        <SuiteKem as Kem>::PublicKey::from_bytes(bytes)
            .map(AudiencePublicKey)
            .map_err(|_| CryptoError::InvalidKey {
                what: "audience public",
                reason: "expected a 32-byte X25519 public key",
            })
    }

    /// The 32 raw bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.0.to_bytes().to_vec()
    }

    /// Wraps `key` to this audience; `aad` binds the wrap to one visit.
    pub fn wrap(&self, key: &ContentKey, aad: &[u8]) -> Result<WrappedKey, CryptoError> {
        let (enc, sealed_key) = hpke::single_shot_seal::<SuiteAead, SuiteKdf, SuiteKem>(
            &OpModeS::Base,
            &self.0,
            HPKE_INFO,
            key.as_bytes(),
            aad,
        )
        .map_err(|_| CryptoError::Hpke("wrapped"))?;
        Ok(WrappedKey {
            enc: enc.to_bytes().to_vec(),
            sealed_key,
        })
    }
}

impl fmt::Debug for AudiencePublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AudiencePublicKey({})", hex::encode(self.to_bytes()))
    }
}

impl AudiencePrivateKey {
    /// A new random key pair.
    pub fn generate() -> Self {
        let (sk, _pk) = SuiteKem::gen_keypair();
        AudiencePrivateKey(sk)
    }

    /// Parses 32 raw private-key bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CryptoError> {
        <SuiteKem as Kem>::PrivateKey::from_bytes(bytes)
            .map(AudiencePrivateKey)
            .map_err(|_| CryptoError::InvalidKey {
                what: "audience private",
                reason: "expected a 32-byte X25519 private key",
            })
    }

    /// The raw bytes, for encrypting under a passphrase; zeroized when dropped.
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(self.0.to_bytes().to_vec())
    }

    /// The matching public key.
    pub fn public_key(&self) -> AudiencePublicKey {
        AudiencePublicKey(SuiteKem::sk_to_pk(&self.0))
    }

    /// Unwraps a content key wrapped to this audience with the same `aad`.
    pub fn unwrap_key(&self, wrapped: &WrappedKey, aad: &[u8]) -> Result<ContentKey, CryptoError> {
        let enc = <SuiteKem as Kem>::EncappedKey::from_bytes(&wrapped.enc)
            .map_err(|_| CryptoError::Hpke("unwrapped: bad encapsulated key"))?;
        let bytes = Zeroizing::new(
            hpke::single_shot_open::<SuiteAead, SuiteKdf, SuiteKem>(
                &OpModeR::Base,
                &self.0,
                &enc,
                HPKE_INFO,
                &wrapped.sealed_key,
                aad,
            )
            .map_err(|_| CryptoError::Hpke("unwrapped: wrong audience key or modified data"))?,
        );
        ContentKey::from_bytes(&bytes)
    }
}

impl fmt::Debug for AudiencePrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AudiencePrivateKey(<redacted>)")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn wrap_unwrap_round_trip() {
        let sk = AudiencePrivateKey::generate();
        let key = ContentKey::generate().unwrap();
        let wrapped = sk.public_key().wrap(&key, b"visit-1").unwrap();
        let back = sk.unwrap_key(&wrapped, b"visit-1").unwrap();
        assert_eq!(back.as_bytes(), key.as_bytes());
    }

    #[test]
    fn another_audience_cannot_unwrap() {
        let sk = AudiencePrivateKey::generate();
        let other = AudiencePrivateKey::generate();
        let key = ContentKey::generate().unwrap();
        let wrapped = sk.public_key().wrap(&key, b"v").unwrap();
        assert!(other.unwrap_key(&wrapped, b"v").is_err());
        assert!(sk.unwrap_key(&wrapped, b"other-visit").is_err());
    }

    #[test]
    fn key_bytes_round_trip() {
        let sk = AudiencePrivateKey::generate();
        let again = AudiencePrivateKey::from_bytes(&sk.to_bytes()).unwrap();
        assert_eq!(again.public_key(), sk.public_key());
        assert!(AudiencePublicKey::from_bytes(&[1, 2, 3]).is_err());
    }
}
