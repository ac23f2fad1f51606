//! The master key of a phone kept in a folder: 32 random bytes in hex beside its store, written
//! once, readable by the owner only.

use std::io::Write;
use std::path::Path;

use crate::error::{SimError, at};

/// Reads the key at `path`, or makes one there when there is none.
pub(super) fn load_or_create(path: &Path) -> Result<[u8; 32], SimError> {
    match std::fs::read_to_string(path) {
        Ok(text) => hex::decode(text.trim())
            .ok()
            .and_then(|k| <[u8; 32]>::try_from(k).ok())
            .ok_or_else(|| SimError::BadKey(path.to_path_buf())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut key = [0u8; 32];
            fieldvisit_core::crypto::random_bytes(&mut key).map_err(|e| at("master key", e))?;
            write_private(path, hex::encode(key).as_bytes())?;
            Ok(key)
        }
        Err(e) => Err(SimError::Io(path.to_path_buf(), e)),
    }
}

/// Creates `path` (it must not exist) readable by its owner only.
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), SimError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .map_err(|e| SimError::Io(path.to_path_buf(), e))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| SimError::Io(path.to_path_buf(), e))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_made_once_kept_private_and_a_damaged_one_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("master.key");
        let made = load_or_create(&path).unwrap();
        assert_eq!(load_or_create(&path).unwrap(), made);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(&path, "not hex").unwrap();
        let err = load_or_create(&path).unwrap_err();
        assert!(
            matches!(err, SimError::BadKey(ref p) if p == &path),
            "{err}"
        );
    }
}
