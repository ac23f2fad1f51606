//! Shared state handed to every handler: the store, the blob store and the settings.

use std::sync::Arc;

use crate::blob::{BlobStore, FolderBlobStore};
use crate::config::Config;
use crate::store::Store;
use crate::store::sqlite::SqliteStore;

/// Handler state; cheap to clone.
#[derive(Clone, Debug)]
pub struct AppState {
    /// Database.
    pub store: Arc<dyn Store>,
    /// Photos.
    pub blobs: Arc<dyn BlobStore>,
    /// Settings.
    pub config: Arc<Config>,
    /// Serializes chunk appends per photo.
    pub upload_locks: Arc<UploadLocks>,
    /// A hash verified against when the login is unknown, so timing does not reveal accounts; made
    /// on first need, so admin commands and start-up do not pay for it.
    pub dummy_hash: Arc<std::sync::OnceLock<String>>,
    /// Audience keys unlocked by reviewers, in memory only.
    pub key_sessions: Arc<crate::ops::keysessions::KeySessions>,
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// Store.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// Blobs.
    #[error(transparent)]
    Blob(#[from] crate::blob::BlobError),
    /// Data folder.
    #[error("data folder: {0}")]
    Io(#[from] std::io::Error),
    /// `open` was asked for remote backends.
    #[error("PostgreSQL or S3 backends are opened with AppState::connect")]
    RemoteBackends,
}

impl AppState {
    /// State over given backends.
    pub fn new(
        store: Arc<dyn Store>,
        blobs: Arc<dyn BlobStore>,
        config: Config,
    ) -> Result<Self, StartError> {
        Ok(AppState {
            store,
            blobs,
            config: Arc::new(config),
            upload_locks: Arc::new(UploadLocks::new()),
            dummy_hash: Arc::new(std::sync::OnceLock::new()),
            key_sessions: Arc::new(Default::default()),
        })
    }

    /// SQLite and a blob folder under `config.data_dir`.
    pub fn open(config: Config) -> Result<Self, StartError> {
        if config.backends != crate::backends::Backends::default() {
            return Err(StartError::RemoteBackends);
        }
        std::fs::create_dir_all(&config.data_dir)?;
        let store = SqliteStore::open(&config.db_path())?;
        let blobs = FolderBlobStore::new(&config.blob_dir())?;
        Self::new(Arc::new(store), Arc::new(blobs), config)
    }

    /// The backends `config.backends` names: SQLite and the folder in the data folder by default,
    /// PostgreSQL and S3 when configured.
    pub async fn connect(config: Config) -> Result<Self, StartError> {
        if config.backends.uses_data_folder() {
            std::fs::create_dir_all(&config.data_dir)?;
        }
        let store = config.backends.open_store(&config).await?;
        let blobs = config.backends.open_blobs(&config)?;
        Self::new(store, blobs, config)
    }
}

/// Striped locks: appends to one photo are serialized without one global lock.
#[derive(Debug)]
pub struct UploadLocks {
    stripes: Vec<tokio::sync::Mutex<()>>,
}

impl UploadLocks {
    fn new() -> Self {
        UploadLocks {
            stripes: (0..64).map(|_| tokio::sync::Mutex::new(())).collect(),
        }
    }

    /// Locks the stripe of `key`.
    pub async fn lock(&self, key: &str) -> tokio::sync::MutexGuard<'_, ()> {
        let h = fieldvisit_core::crypto::sha256(key.as_bytes());
        let i = usize::from(h.0[0]) % self.stripes.len();
        self.stripes[i].lock().await
    }
}
