//! Shared state handed to every handler: the store, the blob store and the settings.

use std::sync::Arc;

use crate::alerts::secrets::{AlertSecrets, SecretsError};
use crate::audit::{AuditKey, CheckpointFile};
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
    /// A hash verified against when the login is unknown, so timing does not reveal accounts; made
    /// on first need, so admin commands and start-up do not pay for it.
    pub dummy_hash: Arc<std::sync::OnceLock<String>>,
    /// The key alert channel credentials are sealed with, read on first need.
    alert_secrets: Arc<std::sync::OnceLock<Arc<AlertSecrets>>>,
    /// Turns at password work (argon2), `config.argon2_parallel` of them.
    pub password_work: Arc<tokio::sync::Semaphore>,
    /// The threads password work runs on, one per turn.
    pub password_threads: Arc<crate::auth::password_threads::PasswordThreads>,
    /// Sign-in attempts per client address, shared by the API and the console.
    pub signin_limiter: crate::http::signin_limit::Limiter,
    /// What `/metrics` reports.
    pub metrics: Arc<crate::http::metrics::Metrics>,
    /// Issued template versions as this process last read them.
    pub templates: Arc<crate::ops::templates::TemplateCache>,
    /// The key audit entries are sealed with.
    pub audit_key: Arc<AuditKey>,
    /// Where the audit chain's head is noted outside the database.
    pub audit_checkpoints: Arc<CheckpointFile>,
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
    /// The audit key file.
    #[error(transparent)]
    AuditKey(#[from] crate::audit::AuditKeyError),
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
        let audit_key = Arc::new(AuditKey::load_or_create(&config.audit_key_path())?);
        let audit_checkpoints = Arc::new(CheckpointFile::new(&config.audit_checkpoints_path()));
        Ok(AppState {
            store,
            blobs,
            audit_key,
            audit_checkpoints,
            password_work: Arc::new(tokio::sync::Semaphore::new(config.argon2_parallel.max(1))),
            password_threads: Arc::new(crate::auth::password_threads::PasswordThreads::start(
                config.argon2_parallel,
            )?),
            signin_limiter: crate::http::signin_limit::limiter(&config),
            metrics: Arc::new(crate::http::metrics::Metrics::default()),
            templates: Arc::default(),
            config: Arc::new(config),
            dummy_hash: Arc::new(std::sync::OnceLock::new()),
            alert_secrets: Arc::new(std::sync::OnceLock::new()),
        })
    }

    /// The key alert channel credentials are sealed with: the configured key file, made on
    /// first need when missing.
    pub fn alert_secrets(&self) -> Result<Arc<AlertSecrets>, SecretsError> {
        if let Some(s) = self.alert_secrets.get() {
            return Ok(Arc::clone(s));
        }
        let path = self.config.alerts_key_path();
        let loaded = Arc::new(AlertSecrets::load_or_create(&path)?);
        Ok(Arc::clone(self.alert_secrets.get_or_init(|| loaded)))
    }

    /// SQLite and a blob folder under `config.data_dir`.
    pub fn open(config: Config) -> Result<Self, StartError> {
        if config.backends != crate::backends::Backends::default() {
            return Err(StartError::RemoteBackends);
        }
        crate::files::private_dir(&config.data_dir)?;
        let store = SqliteStore::open(&config.db_path())?;
        let blobs = FolderBlobStore::new(&config.blob_dir())?;
        Self::new(Arc::new(store), Arc::new(blobs), config)
    }

    /// The backends `config.backends` names: SQLite and the folder in the data folder by default,
    /// PostgreSQL and S3 when configured.
    pub async fn connect(config: Config) -> Result<Self, StartError> {
        if config.backends.uses_data_folder() {
            crate::files::private_dir(&config.data_dir)?;
        }
        let store = config.backends.open_store(&config).await?;
        let blobs = config.backends.open_blobs(&config)?;
        Self::new(store, blobs, config)
    }
}

#[cfg(all(test, unix))]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    #[tokio::test]
    async fn the_database_its_log_and_photos_are_owner_only_files() {
        use crate::blob::BlobKey;
        let tmp = tempfile::tempdir().unwrap();
        let config = crate::config::Config::for_tests(tmp.path().join("data"));
        let state = super::AppState::open(config.clone()).unwrap();
        // A write makes the WAL file.
        crate::audit::record(&state, "cli", "test", "-", serde_json::json!({}))
            .await
            .unwrap();
        let key = BlobKey::photo("v1", "p1").unwrap();
        state.blobs.append(&key, 0, b"sealed bytes").await.unwrap();
        let mode =
            |p: std::path::PathBuf| std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(config.db_path()), 0o600);
        assert_eq!(mode(config.data_dir.join("fieldvisit.db-wal")), 0o600);
        let mut partials = Vec::new();
        let mut dirs = vec![config.blob_dir()];
        while let Some(d) = dirs.pop() {
            for e in std::fs::read_dir(d).unwrap().flatten() {
                if e.file_type().unwrap().is_dir() {
                    dirs.push(e.path());
                } else {
                    partials.push(e.path());
                }
            }
        }
        assert!(!partials.is_empty());
        for p in partials {
            assert_eq!(mode(p), 0o600);
        }
    }
}
