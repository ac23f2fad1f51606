//! Photo blobs behind a trait: a local folder (one machine) or an S3-compatible bucket (scale-out).
//!
//! Uploads are resumable: bytes go to a partial object whose length is the source of truth for the
//! resume offset, then the partial is hashed and committed (or discarded) as a whole.

mod folder;
mod s3;

use async_trait::async_trait;
use fieldvisit_core::crypto::Sha256Hash;

pub use folder::FolderBlobStore;
pub use s3::{S3BlobStore, S3Location, S3Options};

use crate::ids::is_safe_id;

/// A blob name made of safe id segments, e.g. `photos/<visit>/<photo>`; cannot escape its root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobKey {
    segments: Vec<String>,
}

impl BlobKey {
    /// Builds a key; `None` if any segment is not a safe id.
    pub fn new(segments: &[&str]) -> Option<Self> {
        if segments.is_empty() || !segments.iter().all(|s| is_safe_id(s)) {
            return None;
        }
        Some(BlobKey {
            segments: segments.iter().map(|s| (*s).to_owned()).collect(),
        })
    }

    /// The key for a visit's photo.
    pub fn photo(visit_id: &str, photo_id: &str) -> Option<Self> {
        Self::new(&["photos", visit_id, photo_id])
    }

    /// Segments.
    pub fn segments(&self) -> &[String] {
        &self.segments
    }
}

/// Why a blob call failed.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    /// The chunk does not start where the stored part of the photo ends.
    #[error("upload offset does not match: the server holds {current} bytes")]
    WrongOffset {
        /// Bytes held.
        current: u64,
    },
    /// The storage failed.
    #[error("blob storage: {0}")]
    Io(String),
}

/// Where photos live.
#[async_trait]
pub trait BlobStore: Send + Sync + std::fmt::Debug {
    /// Writes `data` at `offset` of the partial object and returns where it ends. The caller has
    /// checked `offset` against the progress the database records (`PhotoRecord::received`), so
    /// the store does not look for it; whatever the store holds at or past `offset` (a chunk
    /// whose record was lost) is replaced. `WrongOffset` when a store that can tell cheaply finds
    /// fewer than `offset` bytes.
    async fn append(&self, key: &BlobKey, offset: u64, data: &[u8]) -> Result<u64, BlobError>;
    /// SHA-256 of the partial object.
    async fn partial_sha256(&self, key: &BlobKey) -> Result<Sha256Hash, BlobError>;
    /// Turns the partial object into the final one.
    async fn commit(&self, key: &BlobKey) -> Result<(), BlobError>;
    /// Drops the partial object.
    async fn discard(&self, key: &BlobKey) -> Result<(), BlobError>;
    /// The committed object, if any.
    async fn get(&self, key: &BlobKey) -> Result<Option<Vec<u8>>, BlobError>;
    /// Stores `data` as the committed object at once (a photo sent in one piece), replacing any.
    async fn put(&self, key: &BlobKey, data: &[u8]) -> Result<(), BlobError> {
        self.append(key, 0, data).await?;
        self.commit(key).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_refuse_traversal() {
        assert!(BlobKey::photo("v1", "p1").is_some());
        for bad in ["..", "../../etc/passwd", "a/b", "", ".x", "p\0"] {
            assert!(BlobKey::photo("v1", bad).is_none(), "{bad}");
        }
    }
}
