//! Photos entering a visit: JPEG or PNG from the in-app camera, through the media pipeline
//! (upright, at most 1600 px, re-encoded, every metadata segment gone) before anything is stored.

use crate::crypto::Sha256Hash;
use crate::media::{PhotoConfig, process_photo};

use super::VisitError;

/// A photo ready to store: the processed JPEG, its thumbnail and the JPEG's hash.
#[derive(Debug, Clone)]
pub struct PreparedPhoto {
    /// JPEG bytes without metadata.
    pub jpeg: Vec<u8>,
    /// A small JPEG for lists.
    pub thumbnail: Vec<u8>,
    /// SHA-256 of `jpeg`.
    pub sha256: Sha256Hash,
}

/// Prepares camera bytes for a visit with the given pipeline settings.
pub fn prepare_photo(bytes: &[u8], config: &PhotoConfig) -> Result<PreparedPhoto, VisitError> {
    let p = process_photo(bytes, config)?;
    Ok(PreparedPhoto {
        jpeg: p.jpeg,
        thumbnail: p.thumbnail,
        sha256: Sha256Hash(p.sha256),
    })
}
