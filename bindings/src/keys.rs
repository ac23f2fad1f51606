//! The platform's key provider (Android Keystore, iOS Keychain) as a foreign trait, adapted to the
//! core's [`fieldvisit_core::crypto::KeyProvider`].

use std::sync::Arc;

use fieldvisit_core::crypto::{KeyProviderError as CoreKeyError, MasterKey};
use zeroize::Zeroizing;

use crate::error::foreign_reason;

/// What a [`KeyProvider`] throws: Kotlin `KeyProviderException.Unavailable(reason)`, Swift
/// `KeyProviderError.Unavailable(reason:)`. The store then fails with `KeyUnavailable`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum KeyProviderError {
    /// The keystore is locked, refused, or holds no key.
    #[error("{reason}")]
    Unavailable {
        /// Why, without key material.
        reason: String,
    },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for KeyProviderError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        // Kotlin reports an undeclared exception with its stack trace; its first line says enough.
        KeyProviderError::Unavailable {
            reason: foreign_reason(&e.reason).to_string(),
        }
    }
}

/// Supplies the store's 32-byte master key. Implemented by the app; called once when a store opens.
/// Throw `KeyProviderException.Unavailable` (Swift `KeyProviderError.Unavailable`) when the
/// keystore is locked or refuses.
#[uniffi::export(with_foreign)]
pub trait KeyProvider: Send + Sync {
    /// The 32-byte master key.
    fn master_key(&self) -> Result<Vec<u8>, KeyProviderError>;
}

/// Adapts a foreign [`KeyProvider`] to the core's trait. The bytes are wiped once copied.
pub(crate) struct ForeignKeys(pub(crate) Arc<dyn KeyProvider>);

impl fieldvisit_core::crypto::KeyProvider for ForeignKeys {
    fn master_key(&self) -> Result<MasterKey, CoreKeyError> {
        let bytes = Zeroizing::new(self.0.master_key().map_err(
            |KeyProviderError::Unavailable { reason }| CoreKeyError::Unavailable(reason),
        )?);
        MasterKey::from_bytes(&bytes).map_err(|_| {
            CoreKeyError::Unavailable("the key provider did not return 32 bytes".into())
        })
    }
}
