//! The server a phone enrolled with, kept in the encrypted store so that a sync needs no address.

use super::SyncError;
use crate::Engine;
use crate::store::Store;

const KEY: &str = "server_address";

/// The server this phone enrolled with, if it has enrolled (with this build or a later one).
pub fn enrolled_server(engine: &Engine) -> Result<Option<String>, SyncError> {
    Ok(engine
        .store()
        .meta_get(KEY)?
        .map(|b| String::from_utf8_lossy(&b).into_owned()))
}

/// Records the server an enrollment succeeded with.
pub(crate) fn remember_server(engine: &Engine, address: &str) -> Result<(), SyncError> {
    engine
        .store()
        .write(|tx, cipher| Store::meta_put(tx, cipher, KEY, address.as_bytes()))?;
    Ok(())
}
