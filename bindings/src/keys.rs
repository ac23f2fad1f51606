//! The platform's key provider (Android Keystore, iOS Keychain) as a foreign trait, adapted to the
//! core's [`fieldvisit_core::crypto::KeyProvider`].

use std::sync::Arc;

use fieldvisit_core::crypto::{KeyProviderError, MasterKey};
use zeroize::Zeroizing;

use crate::FieldVisitError;

/// Supplies the store's 32-byte master key. Implemented by the app; called once when a store opens.
/// Throw `FieldVisitError.KeyUnavailable` when the keystore is locked or refuses.
#[uniffi::export(with_foreign)]
pub trait KeyProvider: Send + Sync {
    /// The 32-byte master key.
    fn master_key(&self) -> Result<Vec<u8>, FieldVisitError>;
}

/// Adapts a foreign [`KeyProvider`] to the core's trait. The bytes are wiped once copied.
pub(crate) struct ForeignKeys(pub(crate) Arc<dyn KeyProvider>);

impl fieldvisit_core::crypto::KeyProvider for ForeignKeys {
    fn master_key(&self) -> Result<MasterKey, KeyProviderError> {
        let bytes = Zeroizing::new(self.0.master_key().map_err(|e| match e {
            FieldVisitError::KeyUnavailable { reason } => KeyProviderError::Unavailable(reason),
            other => KeyProviderError::Unavailable(other.to_string()),
        })?);
        MasterKey::from_bytes(&bytes).map_err(|_| {
            KeyProviderError::Unavailable("the key provider did not return 32 bytes".into())
        })
    }
}
