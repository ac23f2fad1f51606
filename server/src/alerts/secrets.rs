//! Channel credentials sealed at rest. A WeCom or DingTalk robot URL lets anyone who holds it post
//! to the group, and a signing secret lets anyone forge alerts, so both are stored sealed with
//! AES-256-GCM under a key kept outside the database (a file beside it by default; one shared
//! file for several servers). The channel id and field are the associated data, so a sealed value
//! cannot be moved to another channel or field.

use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};

/// Why a credential could not be sealed or opened.
#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    /// The key file could not be read or made.
    #[error("告警密钥文件不可用 / the alert key file {path} cannot be used: {why}")]
    KeyFile {
        /// The file.
        path: PathBuf,
        /// What went wrong (no key material).
        why: String,
    },
    /// A sealed value does not open under this key (another key file, or altered).
    #[error(
        "告警渠道凭据无法解密 / a channel credential does not open with this server's alert key"
    )]
    Open,
    /// The system random source failed.
    #[error("random source failed")]
    Random,
}

/// Prefix of the sealed form, so a later scheme can sit beside this one.
const PREFIX: &str = "v1:";

/// The key channel credentials are sealed with.
pub struct AlertSecrets {
    key: LessSafeKey,
    rng: SystemRandom,
}

impl std::fmt::Debug for AlertSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AlertSecrets(..)")
    }
}

impl AlertSecrets {
    /// Reads the key file (64 hex digits), making it with a fresh key, readable by the owner only,
    /// when it does not exist.
    pub fn load_or_create(path: &Path) -> Result<Self, SecretsError> {
        let key = crate::files::load_or_create_key(path).map_err(|why| SecretsError::KeyFile {
            path: path.to_owned(),
            why,
        })?;
        Self::from_key(&key, SystemRandom::new())
    }

    fn from_key(bytes: &[u8], rng: SystemRandom) -> Result<Self, SecretsError> {
        let key = UnboundKey::new(&AES_256_GCM, bytes).map_err(|_| SecretsError::Random)?;
        Ok(AlertSecrets {
            key: LessSafeKey::new(key),
            rng,
        })
    }

    /// Seals `value` as field `field` of channel `channel_id`.
    pub fn seal(&self, channel_id: &str, field: &str, value: &str) -> Result<String, SecretsError> {
        let mut nonce = [0u8; NONCE_LEN];
        self.rng
            .fill(&mut nonce)
            .map_err(|_| SecretsError::Random)?;
        let mut buf = value.as_bytes().to_vec();
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(aad(channel_id, field)),
                &mut buf,
            )
            .map_err(|_| SecretsError::Random)?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&buf);
        Ok(format!("{PREFIX}{}", STANDARD.encode(out)))
    }

    /// Opens what [`AlertSecrets::seal`] made for the same channel and field.
    pub fn open(
        &self,
        channel_id: &str,
        field: &str,
        sealed: &str,
    ) -> Result<String, SecretsError> {
        let raw = sealed
            .strip_prefix(PREFIX)
            .and_then(|b| STANDARD.decode(b).ok())
            .filter(|b| b.len() > NONCE_LEN)
            .ok_or(SecretsError::Open)?;
        let (nonce, body) = raw.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| SecretsError::Open)?;
        let mut body = body.to_vec();
        let plain = self
            .key
            .open_in_place(nonce, Aad::from(aad(channel_id, field)), &mut body)
            .map_err(|_| SecretsError::Open)?;
        String::from_utf8(plain.to_vec()).map_err(|_| SecretsError::Open)
    }
}

fn aad(channel_id: &str, field: &str) -> Vec<u8> {
    format!("fieldvisit/alert-channel/v1\n{channel_id}\n{field}").into_bytes()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_value_opens_only_for_its_channel_and_field_and_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("alerts.key");
        let a = AlertSecrets::load_or_create(&path).unwrap();
        let url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc";
        let sealed = a.seal("ch1", "url", url).unwrap();
        assert!(!sealed.contains("qyapi"));
        assert_eq!(a.open("ch1", "url", &sealed).unwrap(), url);
        assert!(a.open("ch2", "url", &sealed).is_err());
        assert!(a.open("ch1", "secret", &sealed).is_err());
        // The same file gives the same key; another file does not.
        let again = AlertSecrets::load_or_create(&path).unwrap();
        assert_eq!(again.open("ch1", "url", &sealed).unwrap(), url);
        let other = AlertSecrets::load_or_create(&dir.path().join("other.key")).unwrap();
        assert!(other.open("ch1", "url", &sealed).is_err());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_key_file_that_is_not_a_key_is_refused_with_its_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("alerts.key");
        std::fs::write(&path, "not a key").unwrap();
        let e = AlertSecrets::load_or_create(&path).unwrap_err().to_string();
        assert!(e.contains("alerts.key") && e.contains("64"), "{e}");
    }

    #[test]
    fn aes_256_gcm_matches_a_published_vector() {
        // NIST GCM test vector (gcmEncryptExtIV256.rsp, Count 0 of the 96-bit IV, 128-bit text,
        // no AAD group): proves the construction, not just that sealing round-trips.
        let key = hex::decode("31bdadd96698c204aa9ce1448ea94ae1fb4a9a0b3c9d773b51bb1822666b8f22")
            .unwrap();
        let nonce = hex::decode("0d18e06c7c725ac9e362e1ce").unwrap();
        let plain = hex::decode("2db5168e932556f8089a0622981d017d").unwrap();
        let s = AlertSecrets::from_key(&key, SystemRandom::new()).unwrap();
        let mut buf = plain.clone();
        s.key
            .seal_in_place_append_tag(
                Nonce::try_assume_unique_for_key(&nonce).unwrap(),
                Aad::empty(),
                &mut buf,
            )
            .unwrap();
        assert_eq!(
            hex::encode(&buf),
            "fa4362189661d163fcd6a56d8bf0405ad636ac1bbedd5cc3ee727dc2ab4a9489"
        );
    }
}
