//! Storage behind a trait: the server holds an `Arc<dyn Store>`, so SQLite (one machine, zero
//! setup) and PostgreSQL (scale-out) are interchangeable. Every listing takes a [`Scope`]: scope is checked in the query.

mod alert_store;
mod coverage_book;
mod report_types;
mod review_types;
mod types;

pub mod postgres;
pub mod sqlite;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use fieldvisit_core::caseload::ScheduleConfig;

pub use alert_store::*;
pub use coverage_book::*;
pub use report_types::*;
pub use review_types::*;
pub use types::*;

/// Why a store call failed. Messages name tables and ids, never personal data.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The thing does not exist.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A uniqueness rule was broken.
    #[error("{0} already exists")]
    Conflict(&'static str),
    /// The enrollment code is unknown, used or expired.
    #[error("enrollment code unknown, used or expired")]
    CodeRejected,
    /// The database failed.
    #[error("storage backend: {0}")]
    Backend(String),
}

/// Result of store calls.
pub type StoreResult<T> = Result<T, StoreError>;

/// Everything the server keeps, apart from blobs.
#[async_trait]
pub trait Store: AlertStore + Send + Sync + std::fmt::Debug {
    /// Adds an org unit; its path is computed from the parent.
    async fn add_org_unit(
        &self,
        id: &str,
        parent_id: Option<&str>,
        level: OrgLevel,
        name: &str,
    ) -> StoreResult<OrgUnit>;
    /// One org unit.
    async fn org_unit(&self, id: &str) -> StoreResult<Option<OrgUnit>>;
    /// Units in a branch.
    async fn org_units(&self, scope: &Scope) -> StoreResult<Vec<OrgUnit>>;

    /// Inserts or replaces households, all or none. A row naming an existing household of another
    /// village is refused (`Conflict`): only [`Store::move_household`] moves one.
    async fn upsert_households(&self, rows: Vec<HouseholdRow>) -> StoreResult<usize>;
    /// Moves a household, with its visits, to another village and worker.
    async fn move_household(
        &self,
        id: &str,
        village_id: &str,
        worker_id: Option<&str>,
    ) -> StoreResult<()>;
    /// The village of each of `ids` that exists (an import's check before it writes).
    async fn household_villages(
        &self,
        ids: &[String],
    ) -> StoreResult<std::collections::HashMap<String, String>>;
    /// One household with its village path.
    async fn household(&self, id: &str) -> StoreResult<Option<(HouseholdRow, String)>>;
    /// The worker whose caseload a household is on (ingest's scope check, without reading the
    /// record): `None` for an unknown household, `Some(None)` for one on nobody's caseload.
    async fn household_worker(&self, id: &str) -> StoreResult<Option<Option<String>>>;
    /// Households in a scope.
    async fn households(&self, scope: &Scope) -> StoreResult<Vec<HouseholdRow>>;

    /// Adds a staff account.
    async fn add_staff(&self, staff: &Staff) -> StoreResult<()>;
    /// Staff by login name.
    async fn staff_by_login(&self, login: &str) -> StoreResult<Option<Staff>>;
    /// Staff by id.
    async fn staff(&self, id: &str) -> StoreResult<Option<Staff>>;
    /// Staff whose scope unit is in a branch.
    async fn staff_in(&self, scope: &Scope) -> StoreResult<Vec<Staff>>;
    /// Records a failed login in one atomic step: the failure that reaches `lock_after` locks the
    /// account until `lock_until` and starts a fresh count. Returns the failure count (including this
    /// one) and whether this failure locked the account.
    async fn login_failed(
        &self,
        id: &str,
        lock_after: u32,
        lock_until: DateTime<Utc>,
    ) -> StoreResult<(u32, bool)>;
    /// Clears failures after a successful login.
    async fn login_succeeded(&self, id: &str) -> StoreResult<()>;
    /// Applies a change to an account and ends every session of it, in one transaction; returns
    /// how many sessions ended.
    async fn change_account(&self, id: &str, change: &AccountChange) -> StoreResult<u32>;
    /// Replaces a password hash with one of a higher cost, keeping the account's sessions.
    async fn upgrade_password_hash(&self, id: &str, hash: &str) -> StoreResult<()>;

    /// Stores a session.
    async fn add_session(&self, session: &Session) -> StoreResult<()>;
    /// A live session and its account.
    async fn session(&self, token_hash: &str, now: DateTime<Utc>) -> StoreResult<Option<Session>>;
    /// Ends a session.
    async fn end_session(&self, token_hash: &str) -> StoreResult<()>;

    /// Stores an enrollment code.
    async fn add_enrollment_code(&self, code: &EnrollmentCode) -> StoreResult<()>;
    /// Redeems a code and registers the device, in one transaction.
    async fn enroll_device(
        &self,
        code_hash: &str,
        now: DateTime<Utc>,
        device: &Device,
    ) -> StoreResult<Device>;
    /// Device by token hash.
    async fn device_by_token(&self, token_hash: &str) -> StoreResult<Option<Device>>;
    /// Device by id with its worker's scope path.
    async fn device(&self, id: &str) -> StoreResult<Option<(Device, String)>>;
    /// Devices whose worker is in a branch.
    async fn devices(&self, scope: &Scope) -> StoreResult<Vec<Device>>;
    /// Revokes a device whose worker is in `scope`; false if it was already revoked, `NotFound` if it
    /// does not exist in the scope.
    async fn revoke_device(&self, id: &str, scope: &Scope, now: DateTime<Utc>)
    -> StoreResult<bool>;

    /// Stores a visit, its photo manifest and chain status in one transaction, exactly once.
    async fn ingest_visit(&self, visit: &NewVisit) -> StoreResult<IngestOutcome>;
    /// A visit's metadata with its household's village path.
    async fn visit(&self, visit_id: &str) -> StoreResult<Option<(VisitMeta, String)>>;
    /// The envelope JSON exactly as received (for reviewers' decryption and exports).
    async fn envelope(&self, visit_id: &str) -> StoreResult<Option<String>>;
    /// Visits in a scope.
    async fn visits(&self, scope: &Scope) -> StoreResult<Vec<VisitMeta>>;
    /// Households in a scope ordered by village id, worker id (none first) and household id, in
    /// byte order, each with its registrations and its visits
    /// in start order, corrections and unknown categories left out. Coverage at county scale reads
    /// this; it must read about one row per household, not one per visit, and parse no JSON.
    async fn coverage_book(&self, scope: &Scope) -> StoreResult<CoverageBook>;
    /// Reads ahead what coverage keeps between reports, so the first report after a start is not
    /// a cold read; a store that keeps nothing does nothing.
    async fn warm_reports(&self) -> StoreResult<()> {
        Ok(())
    }
    /// Brings what coverage keeps up to date with changes since, so a report after a quiet spell
    /// of heavy ingest finds little to catch up on; a store that keeps nothing does nothing.
    async fn refresh_reports(&self) -> StoreResult<()> {
        Ok(())
    }
    /// Writes down what coverage keeps and changed since the last write, for
    /// [`Self::warm_reports`] at the next start to read back (after a crash too); a store that
    /// keeps nothing does nothing.
    async fn save_reports(&self) -> StoreResult<()> {
        Ok(())
    }
    /// Visits in a scope whose local start date lies in `from..=to`, corrections left out, with
    /// their evidence facts and home locations; ordered by start time.
    async fn period_visits(
        &self,
        scope: &Scope,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<Vec<PeriodVisit>>;
    /// Photos of a visit.
    async fn photos(&self, visit_id: &str) -> StoreResult<Vec<PhotoRecord>>;
    /// Marks a photo complete.
    async fn photo_completed(&self, visit_id: &str, photo_id: &str) -> StoreResult<()>;

    /// Appends to the hash-chained audit log.
    async fn append_audit(&self, draft: &AuditDraft) -> StoreResult<AuditEntry>;
    /// Audit entries with `seq > after`, at most `limit`, in order.
    async fn audit_entries(&self, after: u64, limit: u32) -> StoreResult<Vec<AuditEntry>>;

    /// Stores an audience key pair; `Conflict` if the branch already has one for the audience.
    async fn add_audience_key(&self, key: &AudienceKeyRow) -> StoreResult<()>;
    /// All audience keys.
    async fn audience_keys(&self) -> StoreResult<Vec<AudienceKeyRow>>;
    /// A worker's caseload changes after change number `since` (everything when `None`).
    async fn caseload_delta(
        &self,
        worker_id: &str,
        since: Option<u64>,
    ) -> StoreResult<CaseloadDelta>;

    /// Reviews of guardianship assessments in a scope (all states), oldest first.
    async fn reviews(&self, scope: &Scope) -> StoreResult<Vec<ReviewRow>>;
    /// One review with its household's village path.
    async fn review(&self, visit_id: &str) -> StoreResult<Option<(ReviewRow, String)>>;
    /// The transitions of a review, oldest first.
    async fn review_events(&self, visit_id: &str) -> StoreResult<Vec<ReviewEvent>>;
    /// Moves a review from `event.from` to `event.to` (`Conflict` if it is no longer in `event.from`),
    /// appends the event and, for a return, the comment the worker's phone pulls; one transaction.
    async fn transition_review(
        &self,
        event: &ReviewEvent,
        returned: Option<&fieldvisit_core::protocol::ReturnedAssessment>,
    ) -> StoreResult<ReviewRow>;

    /// Sets (`Some`) or clears (`None`, back to the defaults) a county's schedule.
    async fn set_county_schedule(
        &self,
        unit_id: &str,
        schedule: Option<&ScheduleConfig>,
    ) -> StoreResult<()>;
    /// Every configured county schedule.
    async fn county_schedules(&self) -> StoreResult<Vec<CountySchedule>>;

    /// Row counts.
    async fn counts(&self) -> StoreResult<Counts>;
}

#[cfg(test)]
mod conformance;
