//! What coverage, evidence and the briefing read, and county schedules.

use async_trait::async_trait;
use chrono::NaiveDate;
use fieldvisit_core::caseload::ScheduleConfig;

use super::*;

/// What coverage, evidence and the briefing read, and county schedules.
#[async_trait]
pub trait ReportStore: Send + Sync {
    /// Due dates of the ledger ([`super::dues`]) in a scope and period, counted by village,
    /// worker and category (and month when asked): a grouped query, whatever the county's size.
    async fn due_counts(&self, scope: &Scope, query: &DueCountQuery) -> StoreResult<Vec<DueCount>>;

    /// Ledger rows of a scope one by one, with their households' names and ID numbers.
    async fn due_entries(&self, scope: &Scope, rows: DueRows) -> StoreResult<Vec<DueEntry>>;

    /// Visits in a scope whose local start date lies in `from..=to`, corrections left out, with
    /// their evidence facts and home locations; ordered by start time.
    async fn period_visits(
        &self,
        scope: &Scope,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<Vec<PeriodVisit>>;

    /// Sets (`Some`) or clears (`None`, back to the defaults) a county's schedule; `audit` records
    /// it in the same transaction (none only when seeding or testing).
    async fn set_county_schedule(
        &self,
        unit_id: &str,
        schedule: Option<&ScheduleConfig>,
        audit: Option<&AuditDraft>,
    ) -> StoreResult<()>;

    /// Every configured county schedule.
    async fn county_schedules(&self) -> StoreResult<Vec<CountySchedule>>;

    /// Row counts.
    async fn counts(&self) -> StoreResult<Counts>;
}
