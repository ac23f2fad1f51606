use thiserror::Error;

use crate::crypto::{CryptoError, KeyProviderError};

/// Failures of the local store. Messages never contain stored data.
#[derive(Debug, Error)]
pub enum StoreError {
    /// The master key does not open this store (the canary did not decrypt). Nothing was changed.
    #[error("the master key does not match this store; nothing was changed")]
    WrongKey,
    /// The platform could not provide the master key.
    #[error("the master key is unavailable: {0}")]
    KeyProvider(KeyProviderError),
    /// The file was written by a newer version of the app.
    #[error(
        "the store has schema version {found}, newer than this build's {supported}; update the app"
    )]
    NewerSchema {
        /// Found.
        found: i64,
        /// Supported.
        supported: u32,
    },
    /// A row failed to decrypt or decode: the file was modified outside the app.
    #[error("stored data is damaged: {0}")]
    Corrupt(&'static str),
    /// SQLite reported an error.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// Encryption failed.
    #[error("encryption error: {0}")]
    Crypto(#[from] CryptoError),
    /// Committed changes could not be flushed to disk (a full or failing disk).
    #[error("the store could not be written to disk ({0}); free some space and try again")]
    Flush(std::io::ErrorKind),
}
