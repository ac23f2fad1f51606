//! Blobs in an S3-compatible bucket (AWS S3, MinIO, Ceph RGW, Aliyun OSS in S3 mode, …) through
//! the `object_store` crate.
//!
//! S3 has no append, and multipart parts must be at least 5 MiB (except the last) while phone
//! chunks are usually smaller, so a resumable upload is kept as one object per chunk:
//! `.partial/<key>/<offset, 20 digits>`. Each chunk is written whole by a single PUT (S3 writes are
//! atomic), so a crash leaves either the chunk or nothing, like the folder store's written file.
//! How much is stored is the database's record (`photos.received`), so an append is one PUT and
//! lists nothing; a chunk whose record was lost is written again over the same name. Only the
//! finish lists the upload once: the hash reads the contiguous chunks from offset 0 in order, and
//! commit streams them into the final object (one PUT for a photo, multipart above 8 MiB) and then
//! deletes every chunk. `.partial` starts with a dot, which no safe id does, so chunk names never
//! collide with committed keys.

use std::sync::Arc;

use async_trait::async_trait;
use fieldvisit_core::crypto::Sha256Hash;
use futures_util::StreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::buffered::BufWriter;
use object_store::path::Path;
use object_store::prefix::PrefixStore;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use tokio::io::AsyncWriteExt;

use super::{BlobError, BlobKey, BlobStore};

/// Where in S3 the blobs live, parsed from `s3://bucket/prefix`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Location {
    /// Bucket name.
    pub bucket: String,
    /// Key prefix inside the bucket (may be empty).
    pub prefix: String,
}

impl S3Location {
    /// Parses `s3://bucket` or `s3://bucket/some/prefix`.
    pub fn parse(url: &str) -> Result<Self, BlobError> {
        let rest = url
            .strip_prefix("s3://")
            .ok_or_else(|| BlobError::Io("a blob URL must start with s3://".into()))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let bucket_ok = (3..=63).contains(&bucket.len())
            && bucket
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
        if !bucket_ok {
            return Err(BlobError::Io(
                "the bucket name in the s3:// URL is not valid (3–63 of a-z 0-9 - .)".into(),
            ));
        }
        let prefix = prefix.trim_matches('/').to_owned();
        if prefix.split('/').any(|p| p == "." || p == "..") {
            return Err(BlobError::Io(
                "the prefix in the s3:// URL may not contain . or .. segments".into(),
            ));
        }
        Ok(S3Location {
            bucket: bucket.to_owned(),
            prefix,
        })
    }
}

/// Connection settings beyond the standard `AWS_*` environment variables.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct S3Options {
    /// Endpoint URL of an S3-compatible service (`AWS_ENDPOINT_URL` otherwise).
    pub endpoint: Option<String>,
    /// Region (`AWS_REGION` / `AWS_DEFAULT_REGION` otherwise, else `us-east-1`).
    pub region: Option<String>,
    /// Access key id and secret, when not taken from the environment.
    pub credentials: Option<(String, String)>,
}

impl std::fmt::Debug for S3Options {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Options")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("credentials", &self.credentials.as_ref().map(|_| ".."))
            .finish()
    }
}

/// A bucket (and prefix) of blobs.
#[derive(Debug, Clone)]
pub struct S3BlobStore {
    store: Arc<dyn ObjectStore>,
}

/// Commit buffers this much before switching from one PUT to a multipart upload.
const COMMIT_BUFFER: usize = 8 * 1024 * 1024;

fn os_err(e: object_store::Error) -> BlobError {
    BlobError::Io(e.to_string())
}

/// A chunk of a partial upload.
#[derive(Debug)]
struct Chunk {
    offset: u64,
    len: u64,
    path: Path,
}

impl S3BlobStore {
    /// Connects to the bucket; credentials come from `options` or the usual AWS environment.
    pub fn connect(location: &S3Location, options: &S3Options) -> Result<Self, BlobError> {
        let mut builder = AmazonS3Builder::from_env().with_bucket_name(&location.bucket);
        if let Some(e) = &options.endpoint {
            builder = builder.with_endpoint(e);
        }
        if let Some(r) = &options.region {
            builder = builder.with_region(r);
        }
        if let Some((id, secret)) = &options.credentials {
            builder = builder
                .with_access_key_id(id)
                .with_secret_access_key(secret);
        }
        // A plain-http endpoint is a local or private service (MinIO, a test server); allow it
        // when it was asked for explicitly rather than failing with a scheme error.
        let endpoint = builder.get_config_value(&object_store::aws::AmazonS3ConfigKey::Endpoint);
        if endpoint.is_some_and(|e| e.starts_with("http://")) {
            builder = builder.with_allow_http(true);
        }
        let s3: Arc<dyn ObjectStore> = Arc::new(builder.build().map_err(os_err)?);
        let store: Arc<dyn ObjectStore> = if location.prefix.is_empty() {
            s3
        } else {
            Arc::new(PrefixStore::new(s3, location.prefix.as_str()))
        };
        Ok(S3BlobStore { store })
    }

    fn path(key: &BlobKey) -> Path {
        Path::from_iter(key.segments().iter().map(String::as_str))
    }

    fn partial_dir(key: &BlobKey) -> Path {
        Path::from_iter(
            std::iter::once(".partial").chain(key.segments().iter().map(String::as_str)),
        )
    }

    fn chunk_path(key: &BlobKey, offset: u64) -> Path {
        Self::partial_dir(key).join(format!("{offset:020}"))
    }

    /// The contiguous chunks from offset 0 and any others (left by an interrupted discard), in
    /// offset order.
    async fn chunks(&self, key: &BlobKey) -> Result<(Vec<Chunk>, Vec<Chunk>), BlobError> {
        let dir = Self::partial_dir(key);
        let mut all = Vec::new();
        let mut listing = self.store.list(Some(&dir));
        while let Some(meta) = listing.next().await {
            let meta = meta.map_err(os_err)?;
            let offset = meta
                .location
                .filename()
                .and_then(|n| n.parse::<u64>().ok())
                .ok_or_else(|| BlobError::Io("unexpected object among upload chunks".into()))?;
            all.push(Chunk {
                offset,
                len: meta.size,
                path: meta.location,
            });
        }
        all.sort_by_key(|c| c.offset);
        let (mut contiguous, mut stray) = (Vec::new(), Vec::new());
        let mut end = 0u64;
        // A chunk left by an earlier attempt that starts inside another is skipped, not the
        // end of the chain: every chunk of the chain was written since (one name per offset).
        for c in all {
            if c.offset == end {
                end += c.len;
                contiguous.push(c);
            } else {
                stray.push(c);
            }
        }
        Ok((contiguous, stray))
    }

    async fn delete_all(&self, chunks: &[Chunk]) -> Result<(), BlobError> {
        // Highest offset first: an interrupted delete leaves a contiguous prefix, never a gap.
        for c in chunks.iter().rev() {
            match self.store.delete(&c.path).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(os_err(e)),
            }
        }
        Ok(())
    }
}

#[async_trait]
impl BlobStore for S3BlobStore {
    async fn append(&self, key: &BlobKey, offset: u64, data: &[u8]) -> Result<u64, BlobError> {
        if data.is_empty() {
            return Ok(offset);
        }
        self.store
            .put(
                &Self::chunk_path(key, offset),
                PutPayload::from(data.to_vec()),
            )
            .await
            .map_err(os_err)?;
        Ok(offset + data.len() as u64)
    }

    async fn partial_sha256(&self, key: &BlobKey) -> Result<Sha256Hash, BlobError> {
        // No chunks is the empty partial (a zero-byte photo), as an empty `.part` file is.
        let (chunks, _) = self.chunks(key).await?;
        let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
        for c in &chunks {
            let bytes = self
                .store
                .get(&c.path)
                .await
                .map_err(os_err)?
                .bytes()
                .await
                .map_err(os_err)?;
            ctx.update(&bytes);
        }
        let mut out = [0u8; 32];
        out.copy_from_slice(ctx.finish().as_ref());
        Ok(Sha256Hash(out))
    }

    async fn commit(&self, key: &BlobKey) -> Result<(), BlobError> {
        let (chunks, stray) = self.chunks(key).await?;
        let mut out =
            BufWriter::with_capacity(Arc::clone(&self.store), Self::path(key), COMMIT_BUFFER);
        for c in &chunks {
            let bytes = self
                .store
                .get(&c.path)
                .await
                .map_err(os_err)?
                .bytes()
                .await
                .map_err(os_err)?;
            if let Err(e) = out.write_all(&bytes).await {
                let _ = out.abort().await;
                return Err(BlobError::Io(e.to_string()));
            }
        }
        // The final object appears whole at shutdown (PUT or multipart completion); only then
        // are the chunks dropped, so a crash in between leaves the upload committable again.
        out.shutdown()
            .await
            .map_err(|e| BlobError::Io(e.to_string()))?;
        self.delete_all(&stray).await?;
        self.delete_all(&chunks).await
    }

    async fn discard(&self, key: &BlobKey) -> Result<(), BlobError> {
        let (chunks, stray) = self.chunks(key).await?;
        self.delete_all(&stray).await?;
        self.delete_all(&chunks).await
    }

    async fn put(&self, key: &BlobKey, data: &[u8]) -> Result<(), BlobError> {
        // One PUT of the final object: no chunk to write, list, read back and delete.
        self.store
            .put(&Self::path(key), PutPayload::from(data.to_vec()))
            .await
            .map_err(os_err)?;
        Ok(())
    }

    async fn get(&self, key: &BlobKey) -> Result<Option<Vec<u8>>, BlobError> {
        match self.store.get(&Self::path(key)).await {
            Ok(r) => Ok(Some(r.bytes().await.map_err(os_err)?.to_vec())),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(os_err(e)),
        }
    }
}

#[cfg(test)]
mod tests;
