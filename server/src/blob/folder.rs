//! Blobs as files under a root folder; partial uploads end in `.part` (ids never contain `.part`
//! as a suffix collision because committed names have no suffix and ids are checked).

use std::path::{Path, PathBuf};

use async_trait::async_trait;
use fieldvisit_core::crypto::Sha256Hash;
use tokio::io::{AsyncSeekExt, AsyncWriteExt};

use super::{BlobError, BlobKey, BlobStore};

/// A local folder of blobs.
#[derive(Debug, Clone)]
pub struct FolderBlobStore {
    root: PathBuf,
}

fn io(e: std::io::Error) -> BlobError {
    BlobError::Io(e.kind().to_string())
}

impl FolderBlobStore {
    /// Uses (and creates) `root`.
    pub fn new(root: &Path) -> Result<Self, BlobError> {
        std::fs::create_dir_all(root).map_err(io)?;
        Ok(FolderBlobStore {
            root: root.to_path_buf(),
        })
    }

    fn path(&self, key: &BlobKey) -> PathBuf {
        // Every segment is a checked id, so joining cannot leave the root.
        key.segments()
            .iter()
            .fold(self.root.clone(), |p, s| p.join(s))
    }

    fn partial(&self, key: &BlobKey) -> PathBuf {
        let mut p = self.path(key).into_os_string();
        p.push(".part");
        PathBuf::from(p)
    }
}

async fn len_or_zero(path: &Path) -> Result<u64, BlobError> {
    match tokio::fs::metadata(path).await {
        Ok(m) => Ok(m.len()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(0),
        Err(e) => Err(io(e)),
    }
}

#[async_trait]
impl BlobStore for FolderBlobStore {
    async fn append(&self, key: &BlobKey, offset: u64, data: &[u8]) -> Result<u64, BlobError> {
        let path = self.partial(key);
        if let Some(dir) = path.parent() {
            tokio::fs::create_dir_all(dir).await.map_err(io)?;
        }
        let current = len_or_zero(&path).await?;
        if current < offset {
            return Err(BlobError::WrongOffset { current });
        }
        let mut options = tokio::fs::OpenOptions::new();
        options.create(true).write(true);
        // Photos are sealed, yet still nobody else's to read: owner-only, like the database.
        #[cfg(unix)]
        options.mode(0o600);
        let mut f = options.open(&path).await.map_err(io)?;
        // Bytes past `offset` are a chunk whose record was lost: this one replaces them. Written
        // at its position, so two writers of one chunk leave the same bytes.
        if current > offset {
            f.set_len(offset).await.map_err(io)?;
        }
        f.seek(std::io::SeekFrom::Start(offset)).await.map_err(io)?;
        f.write_all(data).await.map_err(io)?;
        f.sync_data().await.map_err(io)?;
        Ok(offset + data.len() as u64)
    }

    async fn partial_sha256(&self, key: &BlobKey) -> Result<Sha256Hash, BlobError> {
        // Read in pieces on a blocking thread: a finished photo is never held whole in memory.
        let path = self.partial(key);
        let (_, hash) = tokio::task::spawn_blocking(move || crate::files::sha256_of(&path))
            .await
            .map_err(|e| BlobError::Io(e.to_string()))?
            .map_err(io)?;
        Ok(hash)
    }

    async fn commit(&self, key: &BlobKey) -> Result<(), BlobError> {
        let path = self.path(key);
        tokio::fs::rename(self.partial(key), &path)
            .await
            .map_err(io)?;
        // The rename is durable only once its folder is: the photo is marked complete next.
        if let Some(dir) = path.parent() {
            tokio::fs::File::open(dir)
                .await
                .map_err(io)?
                .sync_all()
                .await
                .map_err(io)?;
        }
        Ok(())
    }

    async fn discard(&self, key: &BlobKey) -> Result<(), BlobError> {
        match tokio::fs::remove_file(self.partial(key)).await {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io(e)),
            _ => Ok(()),
        }
    }

    async fn get(&self, key: &BlobKey) -> Result<Option<Vec<u8>>, BlobError> {
        match tokio::fs::read(self.path(key)).await {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io(e)),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn resumable_append_commit_and_discard() {
        let dir = tempfile::tempdir().unwrap();
        let store = FolderBlobStore::new(dir.path()).unwrap();
        let key = BlobKey::photo("v1", "p1").unwrap();
        assert_eq!(store.append(&key, 0, b"abc").await.unwrap(), 3);
        match store.append(&key, 9, b"x").await {
            Err(BlobError::WrongOffset { current }) => assert_eq!(current, 3),
            other => panic!("{other:?}"),
        }
        // A chunk whose record was lost is written again: it replaces what lies past its offset.
        assert_eq!(store.append(&key, 3, b"XYZW").await.unwrap(), 7);
        assert_eq!(store.append(&key, 3, b"def").await.unwrap(), 6);
        assert_eq!(
            store.partial_sha256(&key).await.unwrap(),
            fieldvisit_core::crypto::sha256(b"abcdef")
        );
        store.commit(&key).await.unwrap();
        assert_eq!(store.get(&key).await.unwrap().unwrap(), b"abcdef");
        assert!(dir.path().join("photos/v1/p1").exists());
        let k2 = BlobKey::photo("v1", "p2").unwrap();
        store.append(&k2, 0, b"zz").await.unwrap();
        store.discard(&k2).await.unwrap();
        assert!(!dir.path().join("photos/v1/p2.part").exists());
        assert!(store.get(&k2).await.unwrap().is_none());
    }
}
