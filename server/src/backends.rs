//! Which storage backends the server uses: SQLite and a folder inside the data folder (zero setup,
//! one machine), or PostgreSQL and an S3-compatible bucket (several server processes).

use std::sync::Arc;

use crate::blob::{BlobStore, FolderBlobStore, S3BlobStore, S3Location, S3Options};
use crate::config::Config;
use crate::state::StartError;
use crate::store::Store;
use crate::store::postgres::PgStore;
use crate::store::sqlite::SqliteStore;

/// Where records live.
#[derive(Clone, Default, PartialEq, Eq)]
pub enum Database {
    /// `fieldvisit.db` in the data folder.
    #[default]
    DataFolder,
    /// A PostgreSQL URL (may hold a password: never printed).
    Postgres(String),
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Database::DataFolder => f.write_str("DataFolder"),
            Database::Postgres(_) => f.write_str("Postgres(..)"),
        }
    }
}

/// Where photos live.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Blobs {
    /// `blobs/` in the data folder.
    #[default]
    DataFolder,
    /// An S3-compatible bucket and prefix.
    S3(S3Location, S3Options),
}

/// Both backends.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Backends {
    /// Records.
    pub database: Database,
    /// Photos.
    pub blobs: Blobs,
}

/// Why a backend setting was refused.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    /// The database URL is not a PostgreSQL URL.
    #[error(
        "数据库地址无效 / the database URL must start with postgres:// or postgresql:// \
         (leave it unset for SQLite in the data folder)"
    )]
    DatabaseUrl,
    /// The blob URL is not an `s3://` URL.
    #[error(
        "照片存储地址无效 / the blob URL must look like s3://bucket/prefix \
         (leave it unset for the folder in the data folder): {0}"
    )]
    BlobUrl(String),
}

impl Backends {
    /// Parses the `--database` and `--blobs` settings; `None` means the data folder.
    pub fn parse(
        database: Option<&str>,
        blobs: Option<&str>,
        s3: S3Options,
    ) -> Result<Self, BackendError> {
        let database = match database.map(str::trim).filter(|s| !s.is_empty()) {
            None => Database::DataFolder,
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Database::Postgres(url.to_owned())
            }
            Some(_) => return Err(BackendError::DatabaseUrl),
        };
        let blobs = match blobs.map(str::trim).filter(|s| !s.is_empty()) {
            None => Blobs::DataFolder,
            Some(url) => Blobs::S3(
                S3Location::parse(url).map_err(|e| BackendError::BlobUrl(e.to_string()))?,
                s3,
            ),
        };
        Ok(Backends { database, blobs })
    }

    /// PostgreSQL (for several processes) with photos in one machine's data folder.
    pub fn photos_local_beside_postgres(&self) -> bool {
        matches!(self.database, Database::Postgres(_)) && self.blobs == Blobs::DataFolder
    }

    /// Whether anything lives in the data folder.
    pub fn uses_data_folder(&self) -> bool {
        self.database == Database::DataFolder || self.blobs == Blobs::DataFolder
    }

    /// Opens (and migrates) the configured store.
    pub async fn open_store(&self, config: &Config) -> Result<Arc<dyn Store>, StartError> {
        Ok(match &self.database {
            Database::DataFolder => Arc::new(SqliteStore::open(&config.db_path())?),
            Database::Postgres(url) => Arc::new(PgStore::connect(url, &config.postgres).await?),
        })
    }

    /// Opens the configured blob store.
    pub fn open_blobs(&self, config: &Config) -> Result<Arc<dyn BlobStore>, StartError> {
        Ok(match &self.blobs {
            Blobs::DataFolder => Arc::new(FolderBlobStore::new(&config.blob_dir())?),
            Blobs::S3(location, options) => Arc::new(S3BlobStore::connect(location, options)?),
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn urls_choose_the_backends_and_bad_ones_are_refused() {
        let local = Backends::parse(None, Some(" "), S3Options::default()).unwrap();
        assert_eq!(local, Backends::default());
        assert!(local.uses_data_folder());
        let remote = Backends::parse(
            Some("postgres://fv:secret@db/fieldvisit"),
            Some("s3://photos/fv"),
            S3Options::default(),
        )
        .unwrap();
        assert!(!remote.uses_data_folder());
        assert!(!format!("{remote:?}").contains("secret"));
        assert!(matches!(
            Backends::parse(Some("mysql://x"), None, S3Options::default()),
            Err(BackendError::DatabaseUrl)
        ));
        assert!(matches!(
            Backends::parse(None, Some("/srv/photos"), S3Options::default()),
            Err(BackendError::BlobUrl(_))
        ));
    }
}
