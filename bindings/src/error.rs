//! The one error type of the FFI, and the single place where the core's errors map onto it.
//!
//! Variants are what an app can act on. Messages name ids, items and reasons, never answers, names or
//! key material: the core's errors already keep personal data out, and database and JSON errors are
//! reduced to codes and redacted positions here.

use fieldvisit_core::crypto::{CryptoError, KeyProviderError};
use fieldvisit_core::protocol::ProtocolError;
use fieldvisit_core::store::StoreError;
use fieldvisit_core::sync::SyncError;
use fieldvisit_core::template::{AnswerError, TemplateError};
use fieldvisit_core::visit::VisitError;

/// Why an operation failed. The Display text is the readable message: Kotlin `toString()`, Swift
/// `description` (uniffi 0.32's Python shows the fields instead). Free-text fields are called
/// `detail`, not `message`, which Kotlin's `Throwable` already has.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
#[uniffi::export(Display)]
pub enum FieldVisitError {
    /// The master key does not open this store. Nothing was changed.
    #[error("the master key does not match this store; nothing was changed")]
    WrongKey,
    /// The platform keystore could not give the master key (locked, refused, missing).
    #[error("the master key is unavailable: {reason}")]
    KeyUnavailable {
        /// Why, as the platform said it.
        reason: String,
    },
    /// A visit, household, template, photo or audience key is not on this phone.
    #[error("not found: {what}")]
    NotFound {
        /// What is missing, by kind and id.
        what: String,
    },
    /// An argument or answer was refused; `item` names the item path or argument.
    #[error("{item}: {reason}")]
    InvalidInput {
        /// Item path (`item`, `group[n].item`), score id or argument name.
        item: String,
        /// Why.
        reason: String,
    },
    /// The visit cannot be sealed yet; every problem is listed.
    #[error("the visit cannot be sealed yet: {}", problems.join("; "))]
    Incomplete {
        /// One line per problem, each naming its item.
        problems: Vec<String>,
    },
    /// The visit is sealed and cannot change; a correction is a new visit that amends it.
    #[error("visit {visit_id} is sealed and cannot change")]
    Sealed {
        /// Visit id.
        visit_id: String,
    },
    /// The chain of sealed visits on this device is broken.
    #[error("the chain of sealed visits is broken at sequence {seq}: {reason}")]
    BrokenChain {
        /// Sequence number of the first bad link.
        seq: u64,
        /// What is wrong.
        reason: String,
    },
    /// The local store failed or is damaged.
    #[error("storage error: {detail}")]
    Storage {
        /// What failed.
        detail: String,
    },
    /// A cryptographic operation failed.
    #[error("cryptography error: {detail}")]
    Crypto {
        /// What failed.
        detail: String,
    },
    /// The server could not be reached or answered with an error; try again later.
    #[error("network error: {detail}")]
    Network {
        /// What failed.
        detail: String,
    },
    /// The server has revoked this device.
    #[error("this device has been revoked; enroll it again")]
    Revoked,
    /// A foreign callback (key provider, listener) failed in a way it did not declare.
    #[error("internal error: {detail}")]
    Internal {
        /// What failed.
        detail: String,
    },
}

impl From<SyncError> for FieldVisitError {
    fn from(e: SyncError) -> Self {
        match e {
            SyncError::Revoked => FieldVisitError::Revoked,
            SyncError::Store(s) => s.into(),
            SyncError::Visit(v) => v.into(),
            SyncError::Protocol(p) => p.into(),
            e @ (SyncError::Network(_)
            | SyncError::Server { .. }
            | SyncError::NotEnrolled
            | SyncError::Cancelled) => FieldVisitError::Network {
                detail: e.to_string(),
            },
        }
    }
}

impl From<uniffi::UnexpectedUniFFICallbackError> for FieldVisitError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        FieldVisitError::Internal {
            detail: format!("a callback failed: {}", e.reason),
        }
    }
}

/// The item path (or score, or argument) an answer error is about.
fn answer_item(e: &AnswerError) -> String {
    match e {
        AnswerError::UnknownItem { item }
        | AnswerError::WrongType { item, .. }
        | AnswerError::OutOfRange { item, .. }
        | AnswerError::UnknownOption { item }
        | AnswerError::ExclusiveOption { item, .. }
        | AnswerError::TooLong { item, .. }
        | AnswerError::Required { item }
        | AnswerError::Count { item, .. }
        | AnswerError::PhotoItem { item }
        | AnswerError::NoInstance { item, .. } => item.clone(),
        AnswerError::BadPath { path } => path.clone(),
        AnswerError::Investigators { .. } => "investigators".to_string(),
        AnswerError::Override { score, .. } => score.clone(),
    }
}

impl From<AnswerError> for FieldVisitError {
    fn from(e: AnswerError) -> Self {
        FieldVisitError::InvalidInput {
            item: answer_item(&e),
            reason: e.to_string(),
        }
    }
}

impl From<TemplateError> for FieldVisitError {
    fn from(e: TemplateError) -> Self {
        FieldVisitError::InvalidInput {
            item: "template".to_string(),
            reason: e.to_string(),
        }
    }
}

impl From<CryptoError> for FieldVisitError {
    fn from(e: CryptoError) -> Self {
        // CryptoError messages are fixed texts with no key material or plaintext.
        FieldVisitError::Crypto {
            detail: e.to_string(),
        }
    }
}

impl From<StoreError> for FieldVisitError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::WrongKey => FieldVisitError::WrongKey,
            StoreError::KeyProvider(KeyProviderError::Unavailable(reason)) => {
                FieldVisitError::KeyUnavailable { reason }
            }
            StoreError::Crypto(c) => c.into(),
            // SQLite's own text can quote SQL and values; keep only its result code.
            StoreError::Sqlite(s) => FieldVisitError::Storage {
                detail: match s.sqlite_error_code() {
                    Some(code) => format!("database error ({code:?})"),
                    None => "database error".to_string(),
                },
            },
            e
            @ (StoreError::NewerSchema { .. } | StoreError::Corrupt(_) | StoreError::Flush(_)) => {
                FieldVisitError::Storage {
                    detail: e.to_string(),
                }
            }
        }
    }
}

impl From<ProtocolError> for FieldVisitError {
    fn from(e: ProtocolError) -> Self {
        match e {
            ProtocolError::Crypto(c) => c.into(),
            ProtocolError::Malformed { what, .. }
            | ProtocolError::UnsupportedVersion { what, .. } => FieldVisitError::InvalidInput {
                item: what.to_string(),
                reason: e.to_string(),
            },
            e @ (ProtocolError::BadSignature
            | ProtocolError::VersionMismatch { .. }
            | ProtocolError::NotForAudience(_)) => FieldVisitError::Crypto {
                detail: e.to_string(),
            },
        }
    }
}

impl From<VisitError> for FieldVisitError {
    fn from(e: VisitError) -> Self {
        match e {
            VisitError::NotFound(id) => FieldVisitError::NotFound {
                what: format!("visit or photo {id}"),
            },
            VisitError::UnknownHousehold(id) => FieldVisitError::NotFound {
                what: format!("household {id}"),
            },
            VisitError::NoTemplate(id) => FieldVisitError::NotFound {
                what: format!("template for {id}"),
            },
            VisitError::MissingAudienceKey(a) => FieldVisitError::NotFound {
                what: format!("public key of audience {a} (sync assignments first)"),
            },
            e @ VisitError::WrongCategory { .. } => FieldVisitError::InvalidInput {
                item: "category".to_string(),
                reason: e.to_string(),
            },
            VisitError::Sealed(visit_id) => FieldVisitError::Sealed { visit_id },
            VisitError::Answer(a) => a.into(),
            VisitError::Incomplete(list) => FieldVisitError::Incomplete {
                problems: list.iter().map(ToString::to_string).collect(),
            },
            VisitError::Photo(reason) => FieldVisitError::InvalidInput {
                item: "photo".to_string(),
                reason,
            },
            // The media pipeline's messages name the format or limit, never image content.
            VisitError::Media(m) => FieldVisitError::InvalidInput {
                item: "photo".to_string(),
                reason: m.to_string(),
            },
            e @ VisitError::BadFix => FieldVisitError::InvalidInput {
                item: "fix".to_string(),
                reason: e.to_string(),
            },
            VisitError::Chain { seq, reason } => FieldVisitError::BrokenChain {
                seq,
                reason: reason.to_string(),
            },
            VisitError::Template(t) => t.into(),
            VisitError::Store(s) => s.into(),
            VisitError::Crypto(c) => c.into(),
            VisitError::Protocol(p) => p.into(),
        }
    }
}

/// A JSON argument that does not parse, with the parser's message redacted of values.
pub(crate) fn bad_json(item: &str, e: &serde_json::Error) -> FieldVisitError {
    FieldVisitError::InvalidInput {
        item: item.to_string(),
        reason: fieldvisit_core::protocol::redacted_json_error(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answer_errors_keep_the_item() {
        let e: FieldVisitError = VisitError::Answer(AnswerError::Required {
            item: "child_age".into(),
        })
        .into();
        assert_eq!(
            e,
            FieldVisitError::InvalidInput {
                item: "child_age".into(),
                reason: "item child_age: required".into()
            }
        );
    }

    #[test]
    fn wrong_key_maps_to_its_own_variant() {
        let e: FieldVisitError = VisitError::Store(StoreError::WrongKey).into();
        assert_eq!(e, FieldVisitError::WrongKey);
    }

    #[test]
    fn json_errors_never_echo_values() {
        let e = serde_json::from_str::<u32>("\"张三\"").err();
        let text = e.map(|e| bad_json("x", &e).to_string()).unwrap_or_default();
        assert!(!text.contains("张三"), "{text}");
    }
}
