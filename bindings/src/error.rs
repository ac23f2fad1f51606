//! The one error type of the FFI, and the single place where the core's errors map onto it.
//!
//! Variants are what an app can act on: sync failures come as `Network` (transient: retry later),
//! `EnrollmentRefused`, `NotEnrolled`, `Revoked` and `Refused` (permanent: the worker must act),
//! and `Cancelled`. Messages name ids, items and reasons, never answers, names or key material: the
//! core's errors already keep personal data out, and database and JSON errors are reduced to codes
//! and redacted positions here.

use fieldvisit_core::crypto::{CryptoError, KeyProviderError};
use fieldvisit_core::protocol::ProtocolError;
use fieldvisit_core::store::StoreError;
use fieldvisit_core::sync::SyncError;
use fieldvisit_core::template::{AnswerError, TemplateError};
use fieldvisit_core::visit::VisitError;

/// Why an operation failed. A flat error: Kotlin `FieldVisitException.<Variant>` and Swift
/// `FieldVisitError.<Variant>(message:)` carry the Display text below as their message, one
/// readable sentence in Chinese with English beside it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
#[uniffi(flat_error)]
pub enum FieldVisitError {
    /// The master key does not open this store. Nothing was changed.
    #[error(
        "主密钥与本机数据不符，未作任何更改 / the master key does not match this store; nothing was changed"
    )]
    WrongKey,
    /// The platform keystore could not give the master key (locked, refused, missing).
    #[error("无法取得主密钥 / the master key is unavailable: {reason}")]
    KeyUnavailable {
        /// Why, as the platform said it.
        reason: String,
    },
    /// A visit, household, template, photo or audience key is not on this phone.
    #[error("未找到 / not found: {what}")]
    NotFound {
        /// What is missing, by kind and id.
        what: String,
    },
    /// An argument or answer was refused; the message names the item path or argument.
    #[error("输入有误 / invalid input: {reason}")]
    InvalidInput {
        /// Item path (`item`, `group[n].item`), score id or argument name.
        item: String,
        /// Why, naming the item.
        reason: String,
    },
    /// The visit cannot be sealed yet; every problem is listed.
    #[error("走访尚不能封存 / the visit cannot be sealed yet: {}", problems.join("; "))]
    Incomplete {
        /// One line per problem, each naming its item.
        problems: Vec<String>,
    },
    /// The visit is sealed and cannot change; a correction is a new visit that amends it.
    #[error("走访已封存，不能修改 / visit {visit_id} is sealed and cannot change")]
    Sealed {
        /// Visit id.
        visit_id: String,
    },
    /// The chain of sealed visits on this device is broken.
    #[error(
        "已封存走访的链条断裂 / the chain of sealed visits is broken at sequence {seq}: {reason}"
    )]
    BrokenChain {
        /// Sequence number of the first bad link.
        seq: u64,
        /// What is wrong.
        reason: String,
    },
    /// The local store failed or is damaged.
    #[error("本机存储出错 / storage failed: {detail}")]
    Storage {
        /// What failed.
        detail: String,
    },
    /// A cryptographic operation failed.
    #[error("加密操作出错 / cryptography failed: {detail}")]
    Crypto {
        /// What failed.
        detail: String,
    },
    /// The server could not be reached, or is down or busy: transient, try again later.
    #[error(
        "暂时无法连接服务器，请稍后再试 / the server cannot be reached now; try again later ({detail})"
    )]
    Network {
        /// What failed.
        detail: String,
    },
    /// The server refused the enrollment code (unknown, used or expired): permanent, ask for a new
    /// code.
    #[error(
        "注册码无效、已使用或已过期，请向管理员索取新码 / the enrollment code is unknown, already used or expired; ask for a new one"
    )]
    EnrollmentRefused,
    /// The phone has not enrolled, or the server does not know it: permanent, enroll first.
    #[error(
        "本机尚未注册，请先扫描注册码 / this device is not enrolled; scan an enrollment code first"
    )]
    NotEnrolled,
    /// The server has revoked this device: permanent, it must be enrolled again.
    #[error(
        "本机已被停用，请联系管理员重新注册 / this device has been revoked; ask an administrator to enroll it again"
    )]
    Revoked,
    /// The server refused the request for another reason: permanent until the app or the server
    /// changes.
    #[error("服务器拒绝了请求 / the server refused the request: {detail}")]
    Refused {
        /// The server's status and error code.
        detail: String,
    },
    /// The sync was cancelled through its `SyncCancel` (or the coroutine or task running it).
    #[error("同步已取消 / the sync was cancelled")]
    Cancelled,
    /// A foreign callback (key provider, listener) failed in a way it did not declare.
    #[error("内部错误 / internal error: {detail}")]
    Internal {
        /// What failed.
        detail: String,
    },
}

impl From<SyncError> for FieldVisitError {
    fn from(e: SyncError) -> Self {
        let transient = e.is_transient();
        match e {
            SyncError::Network(detail) => FieldVisitError::Network { detail },
            SyncError::Server {
                status,
                code,
                retry_after,
                ..
            } if transient => FieldVisitError::Network {
                detail: match retry_after {
                    Some(s) => format!("HTTP {status} {code}, retry after {s} s"),
                    None => format!("HTTP {status} {code}"),
                },
            },
            // The server's own message is English for operators; the status and code suffice here.
            SyncError::Server { status, code, .. } => FieldVisitError::Refused {
                detail: format!("HTTP {status} {code}"),
            },
            SyncError::EnrollmentRefused => FieldVisitError::EnrollmentRefused,
            SyncError::NotEnrolled => FieldVisitError::NotEnrolled,
            SyncError::Revoked => FieldVisitError::Revoked,
            SyncError::Cancelled => FieldVisitError::Cancelled,
            e @ SyncError::InvalidAddress => FieldVisitError::InvalidInput {
                item: "base_url".to_string(),
                reason: format!("base_url: {e}"),
            },
            SyncError::Store(s) => s.into(),
            SyncError::Visit(v) => v.into(),
            SyncError::Protocol(p) => p.into(),
        }
    }
}

impl From<uniffi::UnexpectedUniFFICallbackError> for FieldVisitError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        FieldVisitError::Internal {
            detail: format!("a callback failed: {}", foreign_reason(&e.reason)),
        }
    }
}

/// What a foreign exception said, without the stack trace Kotlin sends and without the
/// exception's class name (`java.lang.IllegalStateException: keystore died` → `keystore died`).
pub(crate) fn foreign_reason(reason: &str) -> &str {
    let line = reason.lines().next().unwrap_or("").trim();
    match line.split_once(": ") {
        Some((class, said))
            if class.contains('.') && !class.contains(char::is_whitespace) && !said.is_empty() =>
        {
            said.trim()
        }
        _ => line,
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
                reason: format!("photo: {reason}"),
            },
            // The media pipeline's messages name the format or limit, never image content.
            VisitError::Media(m) => FieldVisitError::InvalidInput {
                item: "photo".to_string(),
                reason: format!("photo: {m}"),
            },
            e @ VisitError::BadFix => FieldVisitError::InvalidInput {
                item: "fix".to_string(),
                reason: format!("fix: {e}"),
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
        reason: format!(
            "{item}: {}",
            fieldvisit_core::protocol::redacted_json_error(e)
        ),
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

    fn server(status: u16, code: &str) -> SyncError {
        SyncError::Server {
            status,
            code: code.into(),
            message: "from the server".into(),
            retry_after: None,
        }
    }

    #[test]
    fn sync_failures_keep_what_an_app_acts_on() {
        let cases = [
            (
                SyncError::EnrollmentRefused,
                FieldVisitError::EnrollmentRefused,
            ),
            (SyncError::NotEnrolled, FieldVisitError::NotEnrolled),
            (SyncError::Revoked, FieldVisitError::Revoked),
            (SyncError::Cancelled, FieldVisitError::Cancelled),
        ];
        for (core, ffi) in cases {
            assert_eq!(FieldVisitError::from(core), ffi);
        }
        assert!(matches!(
            FieldVisitError::from(server(503, "busy")),
            FieldVisitError::Network { .. }
        ));
        assert!(matches!(
            FieldVisitError::from(SyncError::Network("connection refused".into())),
            FieldVisitError::Network { .. }
        ));
        assert_eq!(
            FieldVisitError::from(server(400, "unsupported_version")),
            FieldVisitError::Refused {
                detail: "HTTP 400 unsupported_version".into()
            }
        );
        assert!(matches!(
            FieldVisitError::from(SyncError::InvalidAddress),
            FieldVisitError::InvalidInput { item, .. } if item == "base_url"
        ));
    }

    #[test]
    fn messages_are_one_sentence_without_a_repeated_prefix() {
        let network = FieldVisitError::from(SyncError::Network("connection refused".into()));
        let text = network.to_string();
        assert_eq!(text.matches("try again later").count(), 1, "{text}");
        assert!(text.contains("connection refused"), "{text}");
        let input = FieldVisitError::from(AnswerError::Required {
            item: "child_age".into(),
        })
        .to_string();
        assert_eq!(input.matches("child_age").count(), 1, "{input}");
        for unit in [
            FieldVisitError::WrongKey,
            FieldVisitError::Revoked,
            FieldVisitError::NotEnrolled,
            FieldVisitError::EnrollmentRefused,
            FieldVisitError::Cancelled,
        ] {
            let text = unit.to_string();
            assert!(text.contains(" / ") && !text.contains('\n'), "{text}");
        }
    }

    #[test]
    fn a_foreign_stack_trace_is_cut_to_what_it_said() {
        let trace =
            "java.lang.IllegalStateException: keystore locked\n\tat Keys.masterKey(Keys.kt:3)\n";
        assert_eq!(foreign_reason(trace), "keystore locked");
        assert_eq!(
            foreign_reason("Keychain unavailable: -25308"),
            "Keychain unavailable: -25308"
        );
        assert_eq!(
            foreign_reason("java.lang.NullPointerException"),
            "java.lang.NullPointerException"
        );
    }
}
