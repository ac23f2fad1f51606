//! What coverage, evidence and the briefing read, and county schedules.

use async_trait::async_trait;
use chrono::NaiveDate;
use fieldvisit_core::caseload::ScheduleConfig;

use super::*;

/// What coverage, evidence and the briefing read, and county schedules.
#[async_trait]
pub trait ReportStore: Send + Sync {
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
