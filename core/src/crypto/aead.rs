use std::fmt;

use ring::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use zeroize::Zeroizing;

use super::CryptoError;

/// Length of the random nonce that prefixes every ciphertext.
pub const NONCE_LEN: usize = 12;
/// Length of the AES-GCM tag that ends every ciphertext.
pub const TAG_LEN: usize = 16;

fn make_key(bytes: &[u8; 32]) -> LessSafeKey {
    // AES-256 accepts every 32-byte string, so this cannot fail.
    match UnboundKey::new(&AES_256_GCM, bytes) {
        Ok(k) => LessSafeKey::new(k),
        Err(_) => unreachable!("AES-256-GCM accepts any 32-byte key"),
    }
}

/// AES-256-GCM with a random 96-bit nonce; output is `nonce || ciphertext || tag`.
fn seal_with(key: &LessSafeKey, plaintext: &[u8], aad: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let mut nonce = [0u8; NONCE_LEN];
    super::random_bytes(&mut nonce)?;
    let mut out = Vec::with_capacity(NONCE_LEN + plaintext.len() + TAG_LEN);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(plaintext);
    let tag = key
        .seal_in_place_separate_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(aad),
            &mut out[NONCE_LEN..],
        )
        .map_err(|_| CryptoError::Encrypt)?;
    out.extend_from_slice(tag.as_ref());
    Ok(out)
}

fn open_with(
    key: &LessSafeKey,
    sealed: &[u8],
    aad: &[u8],
) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    if sealed.len() < NONCE_LEN + TAG_LEN {
        return Err(CryptoError::Decrypt);
    }
    let (nonce, body) = sealed.split_at(NONCE_LEN);
    let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| CryptoError::Decrypt)?;
    let mut buf = Zeroizing::new(body.to_vec());
    let len = key
        .open_in_place(nonce, Aad::from(aad), buf.as_mut_slice())
        .map_err(|_| CryptoError::Decrypt)?
        .len();
    buf.truncate(len);
    Ok(buf)
}

/// A sub-key of the master key that encrypts data at rest in the phone's store.
pub struct DataKey {
    key: LessSafeKey,
}

impl DataKey {
    pub(crate) fn from_bytes(bytes: &[u8; 32]) -> Self {
        DataKey {
            key: make_key(bytes),
        }
    }

    /// Encrypts `plaintext`, binding it to `aad` (row, column and version).
    pub fn seal(&self, plaintext: &[u8], aad: &[u8]) -> Result<Vec<u8>, CryptoError> {
        seal_with(&self.key, plaintext, aad)
    }

    /// Decrypts what [`DataKey::seal`] produced with the same `aad`.
    pub fn open(&self, sealed: &[u8], aad: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        open_with(&self.key, sealed, aad)
    }
}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DataKey(<redacted>)")
    }
}

/// A fresh key for one visit's content; wrapped to each audience with HPKE.
pub struct ContentKey {
    bytes: Zeroizing<[u8; 32]>,
    key: LessSafeKey,
}

impl ContentKey {
    /// A new random content key.
    pub fn generate() -> Result<Self, CryptoError> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        super::random_bytes(bytes.as_mut())?;
        Ok(Self::from_array(bytes))
    }

    /// Rebuilds a content key from unwrapped bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CryptoError> {
        let arr: [u8; 32] = bytes.try_into().map_err(|_| CryptoError::InvalidKey {
            what: "content",
            reason: "a content key must be exactly 32 bytes",
        })?;
        Ok(Self::from_array(Zeroizing::new(arr)))
    }

    fn from_array(bytes: Zeroizing<[u8; 32]>) -> Self {
        let key = make_key(&bytes);
        ContentKey { bytes, key }
    }

    pub(crate) fn as_bytes(&self) -> &[u8; 32] {
        &self.bytes
    }

    /// Encrypts content, binding it to `aad`.
    pub fn seal(&self, plaintext: &[u8], aad: &[u8]) -> Result<Vec<u8>, CryptoError> {
        seal_with(&self.key, plaintext, aad)
    }

    /// Decrypts content sealed with this key and `aad`.
    pub fn open(&self, sealed: &[u8], aad: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        open_with(&self.key, sealed, aad)
    }
}

impl fmt::Debug for ContentKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ContentKey(<redacted>)")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_aad_binding() {
        let key = ContentKey::generate().unwrap();
        let ct = key.seal(b"answers", b"visit-1").unwrap();
        assert_eq!(key.open(&ct, b"visit-1").unwrap().as_slice(), b"answers");
        assert_eq!(key.open(&ct, b"visit-2"), Err(CryptoError::Decrypt));
    }

    #[test]
    fn every_flipped_byte_is_detected() {
        let key = DataKey::from_bytes(&[3; 32]);
        let ct = key.seal(b"some secret text", b"row").unwrap();
        for i in 0..ct.len() {
            let mut bad = ct.clone();
            bad[i] ^= 0x01;
            assert!(
                key.open(&bad, b"row").is_err(),
                "flip at {i} went unnoticed"
            );
        }
        assert!(key.open(&ct[..10], b"row").is_err());
    }

    #[test]
    fn nonces_differ_between_encryptions() {
        let key = DataKey::from_bytes(&[3; 32]);
        assert_ne!(key.seal(b"x", b"").unwrap(), key.seal(b"x", b"").unwrap());
    }
}
