//! The audit key: entries are sealed with HMAC-SHA-256 under a key kept in a file outside the
//! database, so a person who can write to the database cannot rewrite an entry and make its seal
//! match again. Several servers and the admin commands share one file.

use std::path::{Path, PathBuf};

use ring::hmac;

/// Why the audit key could not be read or made.
#[derive(Debug, thiserror::Error)]
#[error("审计密钥文件不可用 / the audit key file {path} cannot be used: {why}")]
pub struct AuditKeyError {
    /// The file.
    pub path: PathBuf,
    /// What went wrong (no key material).
    pub why: String,
}

/// The key audit entries are sealed with.
pub struct AuditKey(hmac::Key);

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditKey(..)")
    }
}

impl AuditKey {
    /// Reads the key file (64 hex digits), making it with a fresh key, readable by the owner only,
    /// when it does not exist.
    pub fn load_or_create(path: &Path) -> Result<Self, AuditKeyError> {
        crate::files::load_or_create_key(path)
            .map(|k| Self::from_bytes(&k))
            .map_err(|why| AuditKeyError {
                path: path.to_owned(),
                why,
            })
    }

    /// Reads an existing key file (64 hex digits); a missing file is an error, for what must check
    /// entries sealed before, such as a restore.
    pub fn load(path: &Path) -> Result<Self, AuditKeyError> {
        let fail = |why: String| AuditKeyError {
            path: path.to_owned(),
            why,
        };
        if !path.is_file() {
            return Err(fail(
                "it does not exist; name the key the entries were sealed with (--audit-key-file)"
                    .into(),
            ));
        }
        Self::load_or_create(path)
    }

    /// A key from its bytes.
    pub fn from_bytes(key: &[u8; 32]) -> Self {
        AuditKey(hmac::Key::new(hmac::HMAC_SHA256, key))
    }

    /// The seal of `message`.
    pub fn seal(&self, message: &[u8]) -> [u8; 32] {
        let tag = hmac::sign(&self.0, message);
        let mut out = [0u8; 32];
        out.copy_from_slice(tag.as_ref());
        out
    }

    /// Whether `tag` is the seal of `message` (compared in constant time).
    pub fn verifies(&self, message: &[u8], tag: &[u8]) -> bool {
        hmac::verify(&self.0, message, tag).is_ok()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// RFC 4231, test case 2 ("Jefe"): the construction is standard HMAC-SHA-256.
    #[test]
    fn hmac_matches_rfc_4231() {
        let key = hmac::Key::new(hmac::HMAC_SHA256, b"Jefe");
        let tag = hmac::sign(&key, b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(tag.as_ref()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn a_seal_verifies_under_its_key_only() {
        let a = AuditKey::from_bytes(&[1; 32]);
        let b = AuditKey::from_bytes(&[2; 32]);
        let tag = a.seal(b"entry");
        assert!(a.verifies(b"entry", &tag));
        assert!(!a.verifies(b"entrx", &tag));
        assert!(!b.verifies(b"entry", &tag));
    }

    #[test]
    fn the_key_file_is_made_once_and_read_back() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("keys").join("audit.key");
        let first = AuditKey::load_or_create(&path).unwrap();
        let again = AuditKey::load_or_create(&path).unwrap();
        assert!(again.verifies(b"m", &first.seal(b"m")));
        std::fs::write(&path, "not a key").unwrap();
        let err = AuditKey::load_or_create(&path).unwrap_err();
        assert!(err.to_string().contains("64 hexadecimal digits"), "{err}");
    }
}
