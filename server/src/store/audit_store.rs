//! The chained audit log.

use async_trait::async_trait;

use super::*;

/// The chained audit log.
#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Appends to the chained audit log, sealing the entry with the draft's key.
    async fn append_audit(&self, draft: &AuditDraft) -> StoreResult<AuditEntry>;

    /// The newest entry's sequence number and link.
    async fn audit_head(&self) -> StoreResult<Option<(u64, fieldvisit_core::crypto::Sha256Hash)>>;

    /// Audit entries with `seq > after`, at most `limit`, in order.
    async fn audit_entries(&self, after: u64, limit: u32) -> StoreResult<Vec<AuditEntry>>;
}
