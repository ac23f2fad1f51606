//! Unlocked audience keys of sessions, sealed under a key only the session's token makes
//! (`ops::keysessions`), shared by every server process.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{AuditDraft, StoreResult};

/// An audience key a session unlocked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeySessionRow {
    /// Hash of the session's token (the session's key in `sessions`).
    pub token_hash: String,
    /// The audience.
    pub audience: String,
    /// The private key, sealed for this session and audience.
    pub sealed_key: String,
    /// Path of the branch the key serves.
    pub scope_path: String,
    /// When it locks again.
    pub expires_at: DateTime<Utc>,
}

/// Unlocked audience keys of sessions.
#[async_trait]
pub trait KeySessionStore: Send + Sync {
    /// Holds a key for a live session (replacing the one it held for that audience); a session
    /// that has ended holds nothing.
    ///
    /// `audit` records the unlock in the same transaction (none only in tests).
    async fn put_key_session(
        &self,
        row: &KeySessionRow,
        audit: Option<&AuditDraft>,
    ) -> StoreResult<()>;

    /// The key a session holds for an audience, if it has not expired by `now`.
    async fn key_session(
        &self,
        token_hash: &str,
        audience: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<KeySessionRow>>;

    /// Drops every key of a session, and every expired key of any; true if the session held one.
    /// `audit` records it in the same transaction, whether the session held a key added to its
    /// detail.
    async fn end_key_sessions(&self, token_hash: &str, audit: &AuditDraft) -> StoreResult<bool>;
}
