//! Report reads: the due ledger (`dues.rs`), visits of a period with their evidence facts (from
//! the report columns filled at ingest), and county schedules.

use chrono::NaiveDate;
use deadpool_postgres::GenericClient;
use fieldvisit_core::caseload::ScheduleConfig;
use fieldvisit_core::geo::GeoPoint;
use tokio_postgres::Row;

use super::{bad_column, col, query};
use crate::store::{
    ChainStatus, CountySchedule, FixFacts, PeriodVisit, Scope, StoreError, StoreResult, VisitFacts,
    local_midnight,
};

pub(super) async fn period_visits<C: GenericClient>(
    c: &C,
    scope: &Scope,
    from: NaiveDate,
    to: NaiveDate,
) -> StoreResult<Vec<PeriodVisit>> {
    let start = local_midnight(from);
    let end = local_midnight(to.succ_opt().unwrap_or(NaiveDate::MAX));
    let rows = query(
        c,
        "SELECT v.visit_id, v.household_id, v.worker_id, v.category, v.level, v.started_at,
             v.ended_at, v.chain_status, v.fix_lat, v.fix_lon, v.fix_accuracy_m, v.fix_mock,
             v.fix_age_s, v.distance_m, v.flags, v.photo_count,
             h.lat, h.lon, o.path
         FROM visits v JOIN households h ON h.id = v.household_id
         JOIN org_units o ON o.id = h.village_id
         WHERE v.started_at >= $3 AND v.started_at < $4 AND NOT v.amends
             AND left(o.path, length($1)) = $1 AND ($2::text IS NULL OR v.worker_id = $2)
         ORDER BY v.started_at, v.visit_id COLLATE \"C\"",
        &[&scope.path, &scope.worker_id, &start, &end],
    )
    .await?;
    rows.iter()
        .map(|r| {
            let fix = match (
                col::<Option<f64>>(r, 8)?,
                col::<Option<f64>>(r, 9)?,
                col::<Option<f64>>(r, 10)?,
            ) {
                (Some(lat), Some(lon), Some(accuracy_m)) => Some(FixFacts {
                    point: GeoPoint { lat, lon },
                    accuracy_m,
                    mock: col(r, 11)?,
                    age_s: col::<Option<i64>>(r, 12)?.unwrap_or(0),
                }),
                _ => None,
            };
            let flags: i64 = col(r, 14)?;
            let photos: i64 = col(r, 15)?;
            let home = match (col::<Option<f64>>(r, 16)?, col::<Option<f64>>(r, 17)?) {
                (Some(lat), Some(lon)) => Some(GeoPoint { lat, lon }),
                _ => None,
            };
            let status: String = col(r, 7)?;
            Ok(PeriodVisit {
                visit_id: col(r, 0)?,
                household_id: col(r, 1)?,
                worker_id: col(r, 2)?,
                category: col(r, 3)?,
                level: col(r, 4)?,
                started_at: col(r, 5)?,
                ended_at: col(r, 6)?,
                chain_status: ChainStatus::parse(&status)
                    .ok_or_else(|| bad_column("chain_status"))?,
                facts: VisitFacts {
                    amends: false,
                    fix,
                    distance_m: col(r, 13)?,
                    flag_far: flags & 1 != 0,
                    flag_mock: flags & 2 != 0,
                    photo_outside_window: flags & 4 != 0,
                    photo_count: u32::try_from(photos).map_err(|_| bad_column("photo_count"))?,
                },
                home,
                village_path: col(r, 18)?,
            })
        })
        .collect()
}

/// Sets or clears a county's schedule and rewrites the county's ledger by it, in one transaction.
pub(super) async fn set_county_schedule(
    tx: &deadpool_postgres::Transaction<'_>,
    unit_id: &str,
    schedule: Option<&ScheduleConfig>,
) -> StoreResult<()> {
    let path = super::org::unit(tx, unit_id)
        .await?
        .ok_or(StoreError::NotFound("org unit"))?
        .path;
    write_schedule(tx, unit_id, schedule).await?;
    super::dues::rewrite(tx, crate::store::dues::Target::Branch(&path)).await?;
    Ok(())
}

async fn write_schedule<C: GenericClient>(
    c: &C,
    unit_id: &str,
    schedule: Option<&ScheduleConfig>,
) -> StoreResult<()> {
    let json = schedule
        .map(serde_json::to_string)
        .transpose()
        .map_err(|e| StoreError::Backend(format!("schedule json: {e}")))?;
    super::config::write_county_json(c, "county_schedules", "schedule_json", unit_id, json).await
}

/// Every county's schedule, with the county's path, in path order.
pub(super) const COUNTY_SCHEDULES: &str = "SELECT s.unit_id, o.path, s.schedule_json
    FROM county_schedules s JOIN org_units o ON o.id = s.unit_id ORDER BY o.path COLLATE \"C\"";

pub(super) async fn county_schedules<C: GenericClient>(c: &C) -> StoreResult<Vec<CountySchedule>> {
    schedules_from(&query(c, COUNTY_SCHEDULES, &[]).await?)
}

/// The rows of [`COUNTY_SCHEDULES`] as schedules.
pub(super) fn schedules_from(rows: &[Row]) -> StoreResult<Vec<CountySchedule>> {
    rows.iter()
        .map(|r| {
            let json: String = col(r, 2)?;
            Ok(CountySchedule {
                unit_id: col(r, 0)?,
                path: col(r, 1)?,
                schedule: serde_json::from_str(&json).map_err(|_| bad_column("schedule_json"))?,
            })
        })
        .collect()
}

impl super::PgStore {
    /// `read` of each run of the villages under `path` (each read takes its own pooled
    /// connection), side by side: how a county's ledger is read.
    async fn by_village_runs<T, F, Fut>(&self, path: &str, read: F) -> StoreResult<Vec<T>>
    where
        F: Fn((String, String)) -> Fut,
        Fut: std::future::Future<Output = StoreResult<Vec<T>>>,
    {
        let runs =
            super::dues::village_runs(&self.client().await?, path, super::dues::runs_wanted())
                .await?;
        Ok(
            futures_util::future::try_join_all(runs.into_iter().map(read))
                .await?
                .into_iter()
                .flatten()
                .collect(),
        )
    }
}

/// [`ReportStore`](crate::store::ReportStore) over the SQL above.
mod as_store {
    use super::super::*;

    #[async_trait]
    impl ReportStore for PgStore {
        async fn due_counts(
            &self,
            scope: &Scope,
            query: &DueCountQuery,
        ) -> StoreResult<Vec<DueCount>> {
            self.by_village_runs(&scope.path, move |run| async move {
                dues::counts(&self.client().await?, scope, &run, query).await
            })
            .await
        }

        async fn due_entries(&self, scope: &Scope, rows: DueRows) -> StoreResult<Vec<DueEntry>> {
            self.by_village_runs(&scope.path, move |run| async move {
                dues::entries(&self.client().await?, scope, &run, rows).await
            })
            .await
        }

        async fn period_visits(
            &self,
            scope: &Scope,
            from: NaiveDate,
            to: NaiveDate,
        ) -> StoreResult<Vec<PeriodVisit>> {
            reports::period_visits(&self.client().await?, scope, from, to).await
        }

        async fn set_county_schedule(
            &self,
            unit_id: &str,
            schedule: Option<&ScheduleConfig>,
            audit: Option<&AuditDraft>,
        ) -> StoreResult<()> {
            let mut c = self.client().await?;
            let tx = c.transaction().await.map_err(backend)?;
            reports::set_county_schedule(&tx, unit_id, schedule).await?;
            commit_audited(tx, audit).await
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
}
