//! Audience private keys at rest: sealed under a passphrase with argon2id (key derivation) and
//! AES-256-GCM (ring). The associated data binds the ciphertext to its audience, branch and public
//! key, so a sealed key cannot be swapped between rows. Nothing here logs or keeps the passphrase.

use argon2::{Algorithm, Argon2, Params, Version};
use fieldvisit_core::crypto::{AudiencePrivateKey, random_bytes};
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use zeroize::Zeroizing;

use crate::config::Argon2Cost;

/// Shortest passphrase accepted for a new key.
pub const MIN_PASSPHRASE_LEN: usize = 12;

const SALT_LEN: usize = 16;

/// A private key sealed under a passphrase, with the KDF parameters needed to open it.
#[derive(Clone, PartialEq, Eq)]
pub struct SealedPrivateKey {
    /// argon2id memory (KiB), iterations, lanes used for this key.
    pub kdf: Argon2Cost,
    /// Random KDF salt.
    pub salt: Vec<u8>,
    /// Random AES-GCM nonce.
    pub nonce: Vec<u8>,
    /// Ciphertext and tag.
    pub ciphertext: Vec<u8>,
}

impl std::fmt::Debug for SealedPrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealedPrivateKey(<sealed>)")
    }
}

/// Why a key could not be sealed or opened. No variant carries secret material.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyError {
    /// The passphrase is wrong, or the sealed data or its binding was changed.
    #[error("wrong passphrase or altered key")]
    WrongPassphrase,
    /// Parameters or randomness failed.
    #[error("key sealing failed: {0}")]
    Crypto(&'static str),
}

/// What the ciphertext is bound to.
fn aad(audience: &str, scope_path: &str, public_key: &[u8]) -> Vec<u8> {
    let mut a = b"fieldvisit/audience-private-key/v1\0".to_vec();
    a.extend_from_slice(audience.as_bytes());
    a.push(0);
    a.extend_from_slice(scope_path.as_bytes());
    a.push(0);
    a.extend_from_slice(public_key);
    a
}

fn derive(passphrase: &str, salt: &[u8], kdf: &Argon2Cost) -> Result<LessSafeKey, KeyError> {
    let params = Params::new(kdf.m_cost, kdf.t_cost, kdf.p_cost, Some(32))
        .map_err(|_| KeyError::Crypto("argon2 parameters"))?;
    let mut key = Zeroizing::new([0u8; 32]);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(passphrase.as_bytes(), salt, key.as_mut())
        .map_err(|_| KeyError::Crypto("argon2"))?;
    let unbound =
        UnboundKey::new(&AES_256_GCM, key.as_ref()).map_err(|_| KeyError::Crypto("aes key"))?;
    Ok(LessSafeKey::new(unbound))
}

/// Seals `key` under `passphrase`. Blocking (argon2): call from `spawn_blocking`.
pub fn seal(
    key: &AudiencePrivateKey,
    passphrase: &str,
    kdf: Argon2Cost,
    audience: &str,
    scope_path: &str,
) -> Result<SealedPrivateKey, KeyError> {
    let mut salt = vec![0u8; SALT_LEN];
    let mut nonce = vec![0u8; NONCE_LEN];
    random_bytes(&mut salt).map_err(|_| KeyError::Crypto("random"))?;
    random_bytes(&mut nonce).map_err(|_| KeyError::Crypto("random"))?;
    let aead = derive(passphrase, &salt, &kdf)?;
    let n = Nonce::try_assume_unique_for_key(&nonce).map_err(|_| KeyError::Crypto("nonce"))?;
    let mut buf = key.to_bytes().to_vec();
    let public = key.public_key().to_bytes();
    let sealed = aead
        .seal_in_place_append_tag(n, Aad::from(aad(audience, scope_path, &public)), &mut buf)
        .map(|()| buf.clone());
    zeroize::Zeroize::zeroize(&mut buf);
    Ok(SealedPrivateKey {
        kdf,
        salt,
        nonce,
        ciphertext: sealed.map_err(|_| KeyError::Crypto("seal"))?,
    })
}

/// Opens a sealed key; `public_key` is the stored public key it must match. Blocking.
pub fn open(
    sealed: &SealedPrivateKey,
    passphrase: &str,
    audience: &str,
    scope_path: &str,
    public_key: &[u8],
) -> Result<AudiencePrivateKey, KeyError> {
    let aead = derive(passphrase, &sealed.salt, &sealed.kdf)?;
    let n =
        Nonce::try_assume_unique_for_key(&sealed.nonce).map_err(|_| KeyError::WrongPassphrase)?;
    let mut buf = Zeroizing::new(sealed.ciphertext.clone());
    let plain = aead
        .open_in_place(
            n,
            Aad::from(aad(audience, scope_path, public_key)),
            &mut buf,
        )
        .map_err(|_| KeyError::WrongPassphrase)?;
    let key = AudiencePrivateKey::from_bytes(plain).map_err(|_| KeyError::WrongPassphrase)?;
    if key.public_key().to_bytes() != public_key {
        return Err(KeyError::WrongPassphrase);
    }
    Ok(key)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const CHEAP: Argon2Cost = Argon2Cost {
        m_cost: 256,
        t_cost: 1,
        p_cost: 1,
    };

    #[test]
    fn seal_open_round_trip_and_refusals() {
        let key = AudiencePrivateKey::generate();
        let public = key.public_key().to_bytes();
        let s = seal(&key, "a long passphrase", CHEAP, "child-welfare", "/k/").unwrap();
        assert!(
            !s.ciphertext
                .windows(32)
                .any(|w| w == key.to_bytes().as_slice())
        );
        let back = open(&s, "a long passphrase", "child-welfare", "/k/", &public).unwrap();
        assert_eq!(back.to_bytes(), key.to_bytes());
        let wrong = [
            open(&s, "another passphrase", "child-welfare", "/k/", &public),
            open(&s, "a long passphrase", "civil-affairs", "/k/", &public),
            open(&s, "a long passphrase", "child-welfare", "/k2/", &public),
            open(&s, "a long passphrase", "child-welfare", "/k/", &[9u8; 32]),
        ];
        for w in wrong {
            assert_eq!(w.err(), Some(KeyError::WrongPassphrase));
        }
        let mut tampered = s.clone();
        tampered.ciphertext[0] ^= 1;
        assert!(
            open(
                &tampered,
                "a long passphrase",
                "child-welfare",
                "/k/",
                &public
            )
            .is_err()
        );
        assert_eq!(format!("{s:?}"), "SealedPrivateKey(<sealed>)");
    }
}
