//! The hash-chained audit log.

use async_trait::async_trait;

use super::*;

/// The hash-chained audit log.
#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Appends to the hash-chained audit log.
    async fn append_audit(&self, draft: &AuditDraft) -> StoreResult<AuditEntry>;

    /// Audit entries with `seq > after`, at most `limit`, in order.
    async fn audit_entries(&self, after: u64, limit: u32) -> StoreResult<Vec<AuditEntry>>;
}
