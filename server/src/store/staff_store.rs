//! Staff accounts, sign-in failures and sessions.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::*;

/// Staff accounts, sign-in failures and sessions.
#[async_trait]
pub trait StaffStore: Send + Sync {
    /// Adds a staff account; `audit` records it in the same transaction (none only when seeding
    /// or testing).
    async fn add_staff(&self, staff: &Staff, audit: Option<&AuditDraft>) -> StoreResult<()>;

    /// Staff by login name.
    async fn staff_by_login(&self, login: &str) -> StoreResult<Option<Staff>>;

    /// Staff by id.
    async fn staff(&self, id: &str) -> StoreResult<Option<Staff>>;

    /// Staff whose scope unit is in a branch.
    async fn staff_in(&self, scope: &Scope) -> StoreResult<Vec<Staff>>;

    /// Records a failed login in one atomic step: the failure that reaches `lock_after` locks the
    /// account until `lock_until` and starts a fresh count. Returns the failure count (including this
    /// one) and whether this failure locked the account.
    ///
    /// A lock is recorded as `locked` (the failure count added to its detail) in the same
    /// transaction.
    async fn login_failed(
        &self,
        id: &str,
        lock_after: u32,
        lock_until: DateTime<Utc>,
        locked: &AuditDraft,
    ) -> StoreResult<(u32, bool)>;

    /// Counts a wrong audience-key passphrase in the account's window (a window that began at or
    /// before `window_from` is over, and this failure starts a new one); returns the count in
    /// the window, this one included.
    /// `audit` records the refusal in the same transaction.
    async fn unlock_failed(
        &self,
        id: &str,
        now: DateTime<Utc>,
        window_from: DateTime<Utc>,
        audit: &AuditDraft,
    ) -> StoreResult<u32>;
    /// Wrong passphrases in the account's window, 0 when it began at or before `window_from`.
    async fn unlock_failures(&self, id: &str, window_from: DateTime<Utc>) -> StoreResult<u32>;
    /// Forgets wrong passphrases after a successful unlock.
    async fn unlock_succeeded(&self, id: &str) -> StoreResult<()>;
    /// Counts a failed sign-in in its minute (`staff_id` `None` for an unknown login).
    async fn count_signin_failure(
        &self,
        minute: DateTime<Utc>,
        staff_id: Option<&str>,
    ) -> StoreResult<()>;
    /// The counts of the minutes before `before`, oldest first.
    async fn signin_failures_before(
        &self,
        before: DateTime<Utc>,
    ) -> StoreResult<Vec<SigninFailures>>;
    /// Forgets the counts of the minutes before `before` (once summarised).
    async fn forget_signin_failures(&self, before: DateTime<Utc>) -> StoreResult<()>;
    /// Clears failures after a successful login.
    async fn login_succeeded(&self, id: &str) -> StoreResult<()>;

    /// Applies a change to an account and ends every session of it, in one transaction; returns
    /// how many sessions ended. `audit` records it in the same transaction, with the number of
    /// sessions ended added to its detail.
    async fn change_account(
        &self,
        id: &str,
        change: &AccountChange,
        audit: &AuditDraft,
    ) -> StoreResult<u32>;

    /// Replaces a password hash with one of a higher cost, keeping the account's sessions;
    /// `audit` records it in the same transaction.
    async fn upgrade_password_hash(
        &self,
        id: &str,
        hash: &str,
        audit: &AuditDraft,
    ) -> StoreResult<()>;

    /// Stores a session; `audit` records the sign-in in the same transaction (none only when
    /// seeding or testing).
    async fn add_session(&self, session: &Session, audit: Option<&AuditDraft>) -> StoreResult<()>;

    /// A live session and its account.
    async fn session(&self, token_hash: &str, now: DateTime<Utc>) -> StoreResult<Option<Session>>;

    /// The live sessions of an account, newest use first.
    async fn sessions_of(&self, staff_id: &str, now: DateTime<Utc>) -> StoreResult<Vec<Session>>;
    /// Records that a session was used at `now`.
    async fn touch_session(&self, token_hash: &str, now: DateTime<Utc>) -> StoreResult<()>;
    /// Ends a session; `audit` records why in the same transaction (none when it simply ran out).
    async fn end_session(&self, token_hash: &str, audit: Option<&AuditDraft>) -> StoreResult<()>;
}
