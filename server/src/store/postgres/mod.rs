//! PostgreSQL store: a deadpool connection pool, cached prepared statements, one transaction per
//! write. Concurrency is the database's job here (several server processes may share it), so each
//! write that reads before it writes takes a row lock first; see the sibling files for which.
//!
//! Per-concern SQL lives in the sibling files as functions over a [`GenericClient`], laid out like
//! the SQLite store.

mod alerts;
mod assignments;
mod audit;
mod devices;
mod migrations;
mod org;
mod reports;
mod reviews;
mod staff;
mod visits;

use async_trait::async_trait;
use chrono::{DateTime, SubsecRound, Utc};
use deadpool_postgres::{GenericClient, Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres::NoTls;
use tokio_postgres::types::ToSql;

pub use migrations::{MIGRATIONS, current_version, migrate};

use super::*;

/// The PostgreSQL implementation of [`Store`].
#[derive(Clone)]
pub struct PgStore {
    pool: Pool,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PgStore")
    }
}

/// Connections kept open by default; the pool grows to this on demand.
const POOL_SIZE: usize = 16;

/// A database error without its DETAIL line: PostgreSQL puts row values there (a duplicate login,
/// a failing row), which are personal data and must not reach logs or answers.
pub(crate) fn backend(e: tokio_postgres::Error) -> StoreError {
    match e.as_db_error() {
        Some(db) => StoreError::Backend(format!(
            "postgres {} {}: {}",
            db.severity(),
            db.code().code(),
            db.message()
        )),
        None => StoreError::Backend(format!("postgres: {e}")),
    }
}

/// Whether `e` is the given SQLSTATE.
pub(crate) fn is_state(e: &tokio_postgres::Error, state: &tokio_postgres::error::SqlState) -> bool {
    e.code() == Some(state)
}

/// Timestamps are stored with microsecond precision; values handed back must match what a later
/// read returns (the audit hash covers the time).
pub(crate) fn micros(t: DateTime<Utc>) -> DateTime<Utc> {
    t.trunc_subsecs(6)
}

/// Counters are `BIGINT`; the store's types use `u64`.
pub(crate) fn to_i64(n: u64, what: &'static str) -> StoreResult<i64> {
    i64::try_from(n).map_err(|_| StoreError::Backend(format!("{what} out of range")))
}

/// Reads a non-negative `BIGINT` column as `u64`.
pub(crate) fn get_u64(row: &tokio_postgres::Row, idx: usize) -> StoreResult<u64> {
    let v: i64 = row.try_get(idx).map_err(backend)?;
    u64::try_from(v).map_err(|_| StoreError::Backend(format!("negative value in column {idx}")))
}

/// Reads a column, as an error rather than a panic when its type is not the expected one.
pub(crate) fn col<'a, T: tokio_postgres::types::FromSql<'a>>(
    row: &'a tokio_postgres::Row,
    idx: usize,
) -> StoreResult<T> {
    row.try_get(idx).map_err(backend)
}

/// A column that failed to parse into its Rust type.
pub(crate) fn bad_column(what: &str) -> StoreError {
    StoreError::Backend(format!("unexpected value in column {what}"))
}

/// Runs a cached prepared statement and returns its rows.
pub(crate) async fn query<C: GenericClient>(
    c: &C,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> StoreResult<Vec<tokio_postgres::Row>> {
    let st = c.prepare_cached(sql).await.map_err(backend)?;
    c.query(&st, params).await.map_err(backend)
}

/// Runs a cached prepared statement that returns at most one row.
pub(crate) async fn query_opt<C: GenericClient>(
    c: &C,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> StoreResult<Option<tokio_postgres::Row>> {
    let st = c.prepare_cached(sql).await.map_err(backend)?;
    c.query_opt(&st, params).await.map_err(backend)
}

/// Runs a cached prepared statement and returns the number of rows it touched.
pub(crate) async fn execute<C: GenericClient>(
    c: &C,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> StoreResult<u64> {
    let st = c.prepare_cached(sql).await.map_err(backend)?;
    c.execute(&st, params).await.map_err(backend)
}

/// Like [`execute`], keeping the driver error so callers can map constraint violations.
pub(crate) async fn execute_raw<C: GenericClient>(
    c: &C,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<u64, tokio_postgres::Error> {
    let st = c.prepare_cached(sql).await?;
    c.execute(&st, params).await
}

impl PgStore {
    /// Connects to `url` (`postgres://user:pass@host:port/db`, or key=value form) and migrates.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let config: tokio_postgres::Config = url
            .parse()
            .map_err(|_| StoreError::Backend("the PostgreSQL URL is not valid".into()))?;
        Self::connect_with(config).await
    }

    /// Connects with a parsed configuration (tests use it to set a per-test `search_path`).
    pub async fn connect_with(config: tokio_postgres::Config) -> StoreResult<Self> {
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .build()
            .map_err(|e| StoreError::Backend(format!("postgres pool: {e}")))?;
        let store = PgStore { pool };
        let mut client = store.client().await?;
        migrate(&mut client).await?;
        Ok(store)
    }

    async fn client(&self) -> StoreResult<deadpool_postgres::Client> {
        self.pool
            .get()
            .await
            .map_err(|e| StoreError::Backend(format!("postgres pool: {e}")))
    }
}

#[async_trait]
impl Store for PgStore {
    async fn add_org_unit(
        &self,
        id: &str,
        parent_id: Option<&str>,
        level: OrgLevel,
        name: &str,
    ) -> StoreResult<OrgUnit> {
        org::add_unit(&mut self.client().await?, id, parent_id, level, name).await
    }

    async fn org_unit(&self, id: &str) -> StoreResult<Option<OrgUnit>> {
        org::unit(&self.client().await?, id).await
    }

    async fn org_units(&self, scope: &Scope) -> StoreResult<Vec<OrgUnit>> {
        org::units(&self.client().await?, scope).await
    }

    async fn upsert_households(&self, rows: Vec<HouseholdRow>) -> StoreResult<usize> {
        org::upsert_households(&mut self.client().await?, &rows).await
    }

    async fn move_household(
        &self,
        id: &str,
        village_id: &str,
        worker_id: Option<&str>,
    ) -> StoreResult<()> {
        org::move_household(&mut self.client().await?, id, village_id, worker_id).await
    }

    async fn household_villages(
        &self,
        ids: &[String],
    ) -> StoreResult<std::collections::HashMap<String, String>> {
        org::household_villages(&self.client().await?, ids).await
    }

    async fn household(&self, id: &str) -> StoreResult<Option<(HouseholdRow, String)>> {
        org::household(&self.client().await?, id).await
    }

    async fn household_worker(&self, id: &str) -> StoreResult<Option<Option<String>>> {
        org::household_worker(&self.client().await?, id).await
    }

    async fn households(&self, scope: &Scope) -> StoreResult<Vec<HouseholdRow>> {
        org::households(&self.client().await?, scope).await
    }

    async fn add_staff(&self, s: &Staff) -> StoreResult<()> {
        staff::add(&self.client().await?, s).await
    }

    async fn staff_by_login(&self, login: &str) -> StoreResult<Option<Staff>> {
        staff::by_login(&self.client().await?, login).await
    }

    async fn staff(&self, id: &str) -> StoreResult<Option<Staff>> {
        staff::by_id(&self.client().await?, id).await
    }

    async fn staff_in(&self, scope: &Scope) -> StoreResult<Vec<Staff>> {
        staff::in_scope(&self.client().await?, scope).await
    }

    async fn login_failed(
        &self,
        id: &str,
        lock_after: u32,
        lock_until: DateTime<Utc>,
    ) -> StoreResult<(u32, bool)> {
        staff::login_failed(&self.client().await?, id, lock_after, lock_until).await
    }

    async fn login_succeeded(&self, id: &str) -> StoreResult<()> {
        staff::login_succeeded(&self.client().await?, id).await
    }

    async fn change_account(&self, id: &str, change: &AccountChange) -> StoreResult<u32> {
        staff::change_account(&mut self.client().await?, id, change).await
    }

    async fn upgrade_password_hash(&self, id: &str, hash: &str) -> StoreResult<()> {
        staff::upgrade_password_hash(&self.client().await?, id, hash).await
    }

    async fn add_session(&self, s: &Session) -> StoreResult<()> {
        staff::add_session(&self.client().await?, s).await
    }

    async fn session(&self, token_hash: &str, now: DateTime<Utc>) -> StoreResult<Option<Session>> {
        staff::session(&self.client().await?, token_hash, now).await
    }

    async fn end_session(&self, token_hash: &str) -> StoreResult<()> {
        staff::end_session(&self.client().await?, token_hash).await
    }

    async fn add_enrollment_code(&self, code: &EnrollmentCode) -> StoreResult<()> {
        devices::add_code(&self.client().await?, code).await
    }

    async fn enroll_device(
        &self,
        code_hash: &str,
        now: DateTime<Utc>,
        device: &Device,
    ) -> StoreResult<Device> {
        devices::enroll(&mut self.client().await?, code_hash, now, device).await
    }

    async fn device_by_token(&self, token_hash: &str) -> StoreResult<Option<Device>> {
        devices::by_token(&self.client().await?, token_hash).await
    }

    async fn device(&self, id: &str) -> StoreResult<Option<(Device, String)>> {
        devices::by_id(&self.client().await?, id).await
    }

    async fn devices(&self, scope: &Scope) -> StoreResult<Vec<Device>> {
        devices::in_scope(&self.client().await?, scope).await
    }

    async fn revoke_device(
        &self,
        id: &str,
        scope: &Scope,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let mut c = self.client().await?;
        // The alert is raised with the revocation or not at all.
        let tx = c.transaction().await.map_err(backend)?;
        let revoked = devices::revoke(&tx, id, scope, now).await?;
        if revoked {
            let row = query_opt(&tx, "SELECT worker_id FROM devices WHERE id = $1", &[&id])
                .await?
                .ok_or(StoreError::NotFound("device"))?;
            let worker: String = col(&row, 0)?;
            alerts::raise_in(&tx, &AlertDraft::device_revoked(id, &worker, now)).await?;
        }
        tx.commit().await.map_err(backend)?;
        Ok(revoked)
    }

    async fn ingest_visit(&self, visit: &NewVisit) -> StoreResult<IngestOutcome> {
        visits::ingest(&mut self.client().await?, visit).await
    }

    async fn visit(&self, visit_id: &str) -> StoreResult<Option<(VisitMeta, String)>> {
        visits::visit(&self.client().await?, visit_id).await
    }

    async fn envelope(&self, visit_id: &str) -> StoreResult<Option<String>> {
        visits::envelope(&self.client().await?, visit_id).await
    }

    async fn visits(&self, scope: &Scope) -> StoreResult<Vec<VisitMeta>> {
        visits::in_scope(&self.client().await?, scope).await
    }

    async fn coverage_book(&self, scope: &Scope) -> StoreResult<CoverageBook> {
        reports::coverage_book(&self.client().await?, scope).await
    }

    async fn period_visits(
        &self,
        scope: &Scope,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<Vec<PeriodVisit>> {
        reports::period_visits(&self.client().await?, scope, from, to).await
    }

    async fn photos(&self, visit_id: &str) -> StoreResult<Vec<PhotoRecord>> {
        visits::photos(&self.client().await?, visit_id).await
    }

    async fn photo_completed(&self, visit_id: &str, photo_id: &str) -> StoreResult<()> {
        visits::photo_completed(&self.client().await?, visit_id, photo_id).await
    }

    async fn append_audit(&self, draft: &AuditDraft) -> StoreResult<AuditEntry> {
        audit::append(&mut self.client().await?, draft, Utc::now()).await
    }

    async fn audit_entries(&self, after: u64, limit: u32) -> StoreResult<Vec<AuditEntry>> {
        audit::entries(&self.client().await?, after, limit).await
    }

    async fn add_audience_key(&self, key: &AudienceKeyRow) -> StoreResult<()> {
        assignments::add_key(&self.client().await?, key).await
    }

    async fn audience_keys(&self) -> StoreResult<Vec<AudienceKeyRow>> {
        assignments::keys(&self.client().await?).await
    }

    async fn caseload_delta(
        &self,
        worker_id: &str,
        since: Option<u64>,
    ) -> StoreResult<CaseloadDelta> {
        assignments::caseload_delta(&mut self.client().await?, worker_id, since).await
    }

    async fn reviews(&self, scope: &Scope) -> StoreResult<Vec<ReviewRow>> {
        reviews::in_scope(&self.client().await?, scope).await
    }

    async fn review(&self, visit_id: &str) -> StoreResult<Option<(ReviewRow, String)>> {
        reviews::review(&self.client().await?, visit_id).await
    }

    async fn review_events(&self, visit_id: &str) -> StoreResult<Vec<ReviewEvent>> {
        reviews::events(&self.client().await?, visit_id).await
    }

    async fn transition_review(
        &self,
        event: &ReviewEvent,
        returned: Option<&fieldvisit_core::protocol::ReturnedAssessment>,
    ) -> StoreResult<ReviewRow> {
        reviews::transition(&mut self.client().await?, event, returned).await
    }

    async fn set_county_schedule(
        &self,
        unit_id: &str,
        schedule: Option<&ScheduleConfig>,
    ) -> StoreResult<()> {
        reports::set_county_schedule(&self.client().await?, unit_id, schedule).await
    }
    async fn county_schedules(&self) -> StoreResult<Vec<CountySchedule>> {
        reports::county_schedules(&self.client().await?).await
    }

    async fn counts(&self) -> StoreResult<Counts> {
        let c = self.client().await?;
        let row = query_opt(
            &c,
            "SELECT (SELECT COUNT(*) FROM org_units), (SELECT COUNT(*) FROM households),
                 (SELECT COUNT(*) FROM staff), (SELECT COUNT(*) FROM devices),
                 (SELECT COUNT(*) FROM visits), (SELECT COUNT(*) FROM photos),
                 (SELECT COUNT(*) FROM audit_log)",
            &[],
        )
        .await?
        .ok_or(StoreError::Backend("counts returned no row".into()))?;
        Ok(Counts {
            org_units: get_u64(&row, 0)?,
            households: get_u64(&row, 1)?,
            staff: get_u64(&row, 2)?,
            devices: get_u64(&row, 3)?,
            visits: get_u64(&row, 4)?,
            photos: get_u64(&row, 5)?,
            audit: get_u64(&row, 6)?,
        })
    }
}

#[cfg(test)]
mod tests;
