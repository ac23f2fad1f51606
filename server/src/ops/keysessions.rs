//! Unlocked audience private keys, per session and audience, until they expire, the reviewer locks
//! them or the session ends. They live in the database (`key_sessions`), so every server process
//! behind a load balancer serves the reviewer alike, sealed with AES-256-GCM under a key derived
//! from the session token by HKDF-SHA256 (RFC 5869). The database holds only the token's hash: a
//! copy of it, or a person who administers it, opens no key; a request that carries the token
//! opens its own keys on any process. Ending a session deletes its rows (a foreign key cascades).
//! Wrong passphrases are counted per person in the database (`StaffStore::unlock_failed`).
//! After a rotation a passphrase opens a county's current key and every earlier one; the session
//! holds them all in one sealed row, the current key first, so visits sealed before the rotation
//! still open.

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use fieldvisit_core::crypto::AudiencePrivateKey;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::hkdf;
use ring::rand::{SecureRandom, SystemRandom};
use zeroize::Zeroizing;

use super::Actor;
use super::error::OpsError;
use crate::state::AppState;
use crate::store::KeySessionRow;

/// The unlocked keys of one audience: the current key and those it replaced.
#[derive(Debug, Clone)]
pub struct UnlockedKey {
    /// The keys, the current one first, then earlier generations, newest first.
    pub keys: Vec<Arc<AudiencePrivateKey>>,
    /// Path of the branch the key serves.
    pub scope_path: String,
    /// When it locks again.
    pub expires_at: DateTime<Utc>,
}

/// Wrong passphrases a reviewer may try within [`FAILURE_WINDOW_MIN`] minutes.
pub const MAX_FAILURES: u32 = 5;
/// The window of counted failures, in minutes.
pub const FAILURE_WINDOW_MIN: i64 = 15;

/// Prefix of the sealed form of one key, written before keys rotated; still read.
const PREFIX_ONE: &str = "v1:";
/// Prefix of the sealed form of one or more keys, each [`KEY_LEN`] bytes, the current one first.
const PREFIX: &str = "v2:";
/// Bytes of one X25519 private key.
const KEY_LEN: usize = 32;

/// HKDF-SHA256 (RFC 5869): `len` bytes from `ikm` with `salt` and `info`.
fn hkdf_sha256(salt: &[u8], ikm: &[u8], info: &[u8], len: usize) -> Option<Vec<u8>> {
    struct Len(usize);
    impl hkdf::KeyType for Len {
        fn len(&self) -> usize {
            self.0
        }
    }
    let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, salt).extract(ikm);
    let info = [info];
    let okm = prk.expand(&info, Len(len)).ok()?;
    let mut out = vec![0u8; len];
    okm.fill(&mut out).ok()?;
    Some(out)
}

/// The key a session's unlocked audience keys are sealed with: only a holder of the session token
/// can make it.
#[derive(Clone)]
pub struct SessionKey(Zeroizing<Vec<u8>>);

impl std::fmt::Debug for SessionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionKey(..)")
    }
}

impl SessionKey {
    /// The key of the session whose token is `token`.
    pub fn of_token(token: &str) -> Option<Self> {
        hkdf_sha256(
            b"fieldvisit/key-session/v1",
            token.as_bytes(),
            b"audience key wrap",
            32,
        )
        .map(|k| SessionKey(Zeroizing::new(k)))
    }

    fn aead(&self) -> Option<LessSafeKey> {
        UnboundKey::new(&AES_256_GCM, &self.0)
            .ok()
            .map(LessSafeKey::new)
    }

    /// Seals an audience's private keys (the current one first) for session `holder` (its token
    /// hash) and `audience`.
    fn seal(&self, holder: &str, audience: &str, keys: &[&AudiencePrivateKey]) -> Option<String> {
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new().fill(&mut nonce).ok()?;
        let mut buf = Zeroizing::new(Vec::with_capacity(keys.len() * KEY_LEN + 16));
        for key in keys {
            let bytes = key.to_bytes();
            if bytes.len() != KEY_LEN {
                return None;
            }
            buf.extend_from_slice(&bytes);
        }
        if buf.is_empty() {
            return None;
        }
        self.aead()?
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(aad("v2", holder, audience)),
                &mut *buf,
            )
            .ok()?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&buf);
        Some(format!("{PREFIX}{}", STANDARD.encode(out)))
    }

    /// Opens what [`SessionKey::seal`] made for the same session and audience (or the one-key
    /// form of earlier releases): the keys, the current one first.
    fn open(&self, holder: &str, audience: &str, sealed: &str) -> Option<Vec<AudiencePrivateKey>> {
        let (version, b64) = match sealed.strip_prefix(PREFIX) {
            Some(b) => ("v2", b),
            None => ("v1", sealed.strip_prefix(PREFIX_ONE)?),
        };
        let raw = STANDARD.decode(b64).ok().filter(|b| b.len() > NONCE_LEN)?;
        let (nonce, body) = raw.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let mut body = Zeroizing::new(body.to_vec());
        let plain = self
            .aead()?
            .open_in_place(nonce, Aad::from(aad(version, holder, audience)), &mut body)
            .ok()?;
        if plain.is_empty()
            || plain.len() % KEY_LEN != 0
            || (version == "v1" && plain.len() != KEY_LEN)
        {
            return None;
        }
        plain
            .chunks(KEY_LEN)
            .map(|k| AudiencePrivateKey::from_bytes(k).ok())
            .collect()
    }
}

fn aad(version: &str, holder: &str, audience: &str) -> Vec<u8> {
    format!("fieldvisit/key-session/{version}\n{holder}\n{audience}").into_bytes()
}

fn no_session() -> OpsError {
    OpsError::refused(
        "session_required",
        "unlocking a key needs a signed-in session",
    )
}

/// Holds `keys` (the current one first) for the actor's session and `audience` until
/// `expires_at`, for every process.
pub async fn put(
    state: &AppState,
    actor: &Actor,
    audience: &str,
    keys: &[&AudiencePrivateKey],
    scope_path: &str,
    expires_at: DateTime<Utc>,
    audit: &crate::store::AuditDraft,
) -> Result<(), OpsError> {
    let (Some(holder), Some(session_key)) = (&actor.session, &actor.session_key) else {
        return Err(no_session());
    };
    let sealed = session_key
        .seal(holder, audience, keys)
        .ok_or_else(|| OpsError::internal("sealing the unlocked key failed"))?;
    state
        .store
        .put_key_session(
            &KeySessionRow {
                token_hash: holder.clone(),
                audience: audience.to_owned(),
                sealed_key: sealed,
                scope_path: scope_path.to_owned(),
                expires_at,
            },
            Some(audit),
        )
        .await?;
    Ok(())
}

/// The live keys of the actor's session for an audience, if it unlocked them.
pub async fn get(
    state: &AppState,
    actor: &Actor,
    audience: &str,
    now: DateTime<Utc>,
) -> Result<Option<UnlockedKey>, OpsError> {
    let (Some(holder), Some(session_key)) = (&actor.session, &actor.session_key) else {
        return Ok(None);
    };
    let Some(row) = state.store.key_session(holder, audience, now).await? else {
        return Ok(None);
    };
    // A row that does not open (another token's, or altered) is no key.
    Ok(session_key
        .open(holder, audience, &row.sealed_key)
        .map(|keys| UnlockedKey {
            keys: keys.into_iter().map(Arc::new).collect(),
            scope_path: row.scope_path,
            expires_at: row.expires_at,
        }))
}

/// Drops every key of a session (its token hash); true if one was held.
pub async fn lock(
    state: &AppState,
    holder: &str,
    audit: &crate::store::AuditDraft,
) -> Result<bool, OpsError> {
    Ok(state.store.end_key_sessions(holder, audit).await?)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn hkdf_matches_rfc_5869_test_case_1() {
        let ikm = [0x0b; 22];
        let salt = hex::decode("000102030405060708090a0b0c").unwrap();
        let info = hex::decode("f0f1f2f3f4f5f6f7f8f9").unwrap();
        let okm = hkdf_sha256(&salt, &ikm, &info, 42).unwrap();
        assert_eq!(
            hex::encode(okm),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"
        );
    }

    #[test]
    fn a_sealed_key_opens_with_its_token_only_and_for_its_session_and_audience_only() {
        let key = AudiencePrivateKey::generate();
        let mine = SessionKey::of_token("fvs_token-a").unwrap();
        let sealed = mine.seal("hash-a", "child-welfare", &[&key]).unwrap();
        let opened = mine.open("hash-a", "child-welfare", &sealed).unwrap();
        assert_eq!(opened.len(), 1);
        assert_eq!(*opened[0].to_bytes(), *key.to_bytes());
        let other = SessionKey::of_token("fvs_token-b").unwrap();
        assert!(other.open("hash-a", "child-welfare", &sealed).is_none());
        assert!(mine.open("hash-b", "child-welfare", &sealed).is_none());
        assert!(mine.open("hash-a", "civil-affairs", &sealed).is_none());
        // Nothing of the key is in the sealed text.
        let raw = STANDARD
            .decode(sealed.strip_prefix(PREFIX).unwrap())
            .unwrap();
        let bytes = key.to_bytes();
        assert!(!raw.windows(bytes.len()).any(|w| w == bytes.as_slice()));
    }

    #[test]
    fn several_keys_come_back_in_their_order_and_the_one_key_form_still_opens() {
        let (current, earlier) = (
            AudiencePrivateKey::generate(),
            AudiencePrivateKey::generate(),
        );
        let mine = SessionKey::of_token("fvs_token-a").unwrap();
        let sealed = mine
            .seal("hash-a", "child-welfare", &[&current, &earlier])
            .unwrap();
        let opened = mine.open("hash-a", "child-welfare", &sealed).unwrap();
        let bytes: Vec<_> = opened.iter().map(|k| k.to_bytes().to_vec()).collect();
        assert_eq!(
            bytes,
            [current.to_bytes().to_vec(), earlier.to_bytes().to_vec()]
        );
        assert!(mine.seal("hash-a", "child-welfare", &[]).is_none());

        // A row sealed before keys rotated: one key under the v1 binding.
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new().fill(&mut nonce).unwrap();
        let mut buf = current.to_bytes().to_vec();
        mine.aead()
            .unwrap()
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(aad("v1", "hash-a", "child-welfare")),
                &mut buf,
            )
            .unwrap();
        let old = format!(
            "{PREFIX_ONE}{}",
            STANDARD.encode([&nonce[..], &buf].concat())
        );
        let opened = mine.open("hash-a", "child-welfare", &old).unwrap();
        assert_eq!(*opened[0].to_bytes(), *current.to_bytes());
        // The prefix names the binding: a v2 body under the v1 prefix does not open.
        let relabelled = sealed.replacen(PREFIX, PREFIX_ONE, 1);
        assert!(mine.open("hash-a", "child-welfare", &relabelled).is_none());
    }
}
