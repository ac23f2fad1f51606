//! Enrollment codes and devices.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::*;

/// Enrollment codes and devices.
#[async_trait]
pub trait DeviceStore: Send + Sync {
    /// Stores an enrollment code.
    /// `audit` records it in the same transaction.
    async fn add_enrollment_code(
        &self,
        code: &EnrollmentCode,
        audit: &AuditDraft,
    ) -> StoreResult<()>;

    /// Redeems a code and registers the device, in one transaction with `audit` (the worker the
    /// code named added to its detail).
    async fn enroll_device(
        &self,
        code_hash: &str,
        now: DateTime<Utc>,
        device: &Device,
        audit: &AuditDraft,
    ) -> StoreResult<Device>;

    /// Device by token hash.
    async fn device_by_token(&self, token_hash: &str) -> StoreResult<Option<Device>>;

    /// Gives an unrevoked device a new token (the old one stops working) if `signed_at` is later
    /// than the last renewal taken from it; false otherwise (a replay, a revoked device).
    async fn renew_device_token(
        &self,
        id: &str,
        signed_at: i64,
        token_hash: &str,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<bool>;

    /// Device by id with its worker's scope path.
    async fn device(&self, id: &str) -> StoreResult<Option<(Device, String)>>;

    /// Devices whose worker is in a branch.
    async fn devices(&self, scope: &Scope) -> StoreResult<Vec<Device>>;

    /// Revokes a device whose worker is in `scope`; false if it was already revoked, `NotFound` if it
    /// does not exist in the scope.
    /// `audit` records a revocation in the same transaction.
    async fn revoke_device(
        &self,
        id: &str,
        scope: &Scope,
        now: DateTime<Utc>,
        audit: &AuditDraft,
    ) -> StoreResult<bool>;
}
