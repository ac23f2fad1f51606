//! Report reads: the due ledger (`dues.rs`), visits of a period with their evidence facts, and
//! county schedules.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use fieldvisit_core::caseload::ScheduleConfig;
use fieldvisit_core::geo::GeoPoint;
use rusqlite::{Connection, params};

use super::dues;
use super::{SqliteStore, backend};
use crate::store::dues::Target;
use crate::store::{
    ChainStatus, CountySchedule, FixFacts, PeriodVisit, Scope, StoreError, StoreResult, VisitFacts,
};

/// The local (UTC+8) date of an instant as days from 0001-01-01 (= 1), the `started_on` column.
pub(super) fn local_day(t: DateTime<Utc>) -> i32 {
    crate::store::local_date(t).num_days_from_ce()
}

fn day(d: NaiveDate) -> i32 {
    d.num_days_from_ce()
}

fn point(lat: Option<f64>, lon: Option<f64>) -> Option<GeoPoint> {
    Some(GeoPoint {
        lat: lat?,
        lon: lon?,
    })
}

/// The visits of `scope` that started in `from..=to` (local dates), corrections left out, by start
/// (ties by visit id). One covering index holds every column read (`visits_period`), and the
/// household's home comes from another (`households_home`): no visit row is touched.
pub(super) fn period_visits(
    c: &Connection,
    scope: &Scope,
    from: NaiveDate,
    to: NaiveDate,
) -> StoreResult<Vec<PeriodVisit>> {
    let mut st = c
        .prepare_cached(
            "SELECT v.visit_id, v.household_id, v.worker_id, v.category, v.level, v.started_at,
                 v.ended_at, v.chain_status, v.fix_lat, v.fix_lon, v.fix_accuracy_m, v.fix_mock,
                 v.fix_age_s, v.distance_m, v.flags, v.photo_count, h.lat, h.lon, o.path
             FROM visits v INDEXED BY visits_period
             JOIN households h INDEXED BY households_home ON h.id = v.household_id
             JOIN org_units o ON o.id = h.village_id
             WHERE v.started_on BETWEEN ?3 AND ?4 AND v.amends = 0
                 AND substr(o.path, 1, length(?1)) = ?1 AND (?2 IS NULL OR v.worker_id = ?2)",
        )
        .map_err(backend)?;
    let mut visits = st
        .query_map(
            params![scope.path, scope.worker_id, day(from), day(to)],
            |r| {
                let fix = match (r.get(8)?, r.get(9)?, r.get(10)?) {
                    (Some(lat), Some(lon), Some(accuracy_m)) => Some(FixFacts {
                        point: GeoPoint { lat, lon },
                        accuracy_m,
                        mock: r.get(11)?,
                        age_s: r.get::<_, Option<i64>>(12)?.unwrap_or(0),
                    }),
                    _ => None,
                };
                let flags: i64 = r.get(14)?;
                Ok(PeriodVisit {
                    visit_id: r.get(0)?,
                    household_id: r.get(1)?,
                    worker_id: r.get(2)?,
                    category: r.get(3)?,
                    level: r.get(4)?,
                    started_at: super::parse_ts(r.get_ref(5)?.as_str()?)?,
                    ended_at: super::parse_ts(r.get_ref(6)?.as_str()?)?,
                    chain_status: ChainStatus::parse(r.get_ref(7)?.as_str()?)
                        .ok_or_else(|| super::bad_column("chain_status"))?,
                    facts: VisitFacts {
                        amends: false,
                        fix,
                        distance_m: r.get(13)?,
                        flag_far: flags & 1 != 0,
                        flag_mock: flags & 2 != 0,
                        photo_outside_window: flags & 4 != 0,
                        photo_count: r.get(15)?,
                    },
                    home: point(r.get(16)?, r.get(17)?),
                    village_path: r.get(18)?,
                })
            },
        )
        .map_err(backend)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(backend)?;
    // Sorting here is cheaper than SQLite's sorter over whole rows.
    visits.sort_unstable_by(|a, b| (a.started_at, &a.visit_id).cmp(&(b.started_at, &b.visit_id)));
    Ok(visits)
}

/// Sets or clears a county's schedule and rewrites the county's ledger by it, in one transaction.
pub(super) fn set_county_schedule(
    tx: &Connection,
    unit_id: &str,
    schedule: Option<&ScheduleConfig>,
) -> StoreResult<()> {
    let path = super::org::unit(tx, unit_id)?
        .ok_or(StoreError::NotFound("org unit"))?
        .path;
    write_schedule(tx, unit_id, schedule)?;
    dues::rewrite(tx, Target::Branch(&path))?;
    Ok(())
}

fn write_schedule(
    c: &Connection,
    unit_id: &str,
    schedule: Option<&ScheduleConfig>,
) -> StoreResult<()> {
    let json = schedule
        .map(|s| super::config::to_json("schedule", s))
        .transpose()?;
    super::config::write_county_json(c, "county_schedules", "schedule_json", unit_id, json)
}

pub(super) fn county_schedules(c: &Connection) -> StoreResult<Vec<CountySchedule>> {
    let mut st = c
        .prepare(
            "SELECT s.unit_id, o.path, s.schedule_json FROM county_schedules s
             JOIN org_units o ON o.id = s.unit_id ORDER BY o.path",
        )
        .map_err(backend)?;
    st.query_map([], |r| {
        let json: String = r.get(2)?;
        Ok(CountySchedule {
            unit_id: r.get(0)?,
            path: r.get(1)?,
            schedule: serde_json::from_str(&json)
                .map_err(|_| super::bad_column("schedule_json"))?,
        })
    })
    .map_err(backend)?
    .collect::<rusqlite::Result<Vec<_>>>()
    .map_err(backend)
}

impl SqliteStore {
    /// `read` of each run of the villages under `path`, one run per core, on reader connections
    /// side by side: how a county's ledger is read.
    async fn by_village_runs<T, F>(&self, path: &str, read: F) -> StoreResult<Vec<T>>
    where
        T: Send + 'static,
        F: Fn(&Connection, &(String, String)) -> StoreResult<Vec<T>> + Clone + Send + 'static,
    {
        let path = path.to_owned();
        let runs = self
            .read(move |c| dues::village_runs(c, &path, super::parallel_reads()))
            .await?;
        let reads = runs.into_iter().map(|run| {
            let read = read.clone();
            self.read(move |c| read(c, &run))
        });
        Ok(futures_util::future::try_join_all(reads)
            .await?
            .into_iter()
            .flatten()
            .collect())
    }
}

/// [`ReportStore`](crate::store::ReportStore) over the SQL above.
mod as_store {
    use super::super::*;

    #[async_trait]
    impl ReportStore for SqliteStore {
        async fn due_counts(
            &self,
            scope: &Scope,
            query: &DueCountQuery,
        ) -> StoreResult<Vec<DueCount>> {
            let (scope, query) = (scope.clone(), query.clone());
            self.by_village_runs(&scope.path.clone(), move |c, run| {
                dues::counts(c, &scope, run, &query)
            })
            .await
        }

        async fn due_entries(&self, scope: &Scope, rows: DueRows) -> StoreResult<Vec<DueEntry>> {
            let scope = scope.clone();
            self.by_village_runs(&scope.path.clone(), move |c, run| {
                dues::entries(c, &scope, run, rows)
            })
            .await
        }

        async fn period_visits(
            &self,
            scope: &Scope,
            from: NaiveDate,
            to: NaiveDate,
        ) -> StoreResult<Vec<PeriodVisit>> {
            // A month of a county is tens of thousands of visits: read runs of days side by side.
            let days = (to - from).num_days().max(0) as u64 + 1;
            let share = days.div_ceil(parallel_reads() as u64).max(1);
            let reads = (0..days).step_by(share as usize).map(|start| {
                let scope = scope.clone();
                let first = from + chrono::Days::new(start);
                let last = (first + chrono::Days::new(share - 1)).min(to);
                self.read(move |c| reports::period_visits(c, &scope, first, last))
            });
            // Runs are in day order and each is sorted by start, so they join in order.
            Ok(futures_util::future::try_join_all(reads)
                .await?
                .into_iter()
                .flatten()
                .collect())
        }

        async fn set_county_schedule(
            &self,
            unit_id: &str,
            schedule: Option<&ScheduleConfig>,
            audit: Option<&AuditDraft>,
        ) -> StoreResult<()> {
            let (id, s, audit) = (unit_id.to_owned(), schedule.cloned(), audit.cloned());
            self.call(move |c| {
                with_audit(c, audit.as_ref(), |tx| {
                    reports::set_county_schedule(tx, &id, s.as_ref())
                })
            })
            .await
        }

        async fn county_schedules(&self) -> StoreResult<Vec<CountySchedule>> {
            self.read(reports::county_schedules).await
        }

        async fn counts(&self) -> StoreResult<Counts> {
            self.read(|c| {
                let n = |table: &str| -> StoreResult<u64> {
                    c.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
                        .map_err(backend)
                };
                Ok(Counts {
                    org_units: n("org_units")?,
                    households: n("households")?,
                    staff: n("staff")?,
                    devices: n("devices")?,
                    visits: n("visits")?,
                    photos: n("photos")?,
                    audit: n("audit_log")?,
                })
            })
            .await
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn local_day_is_the_china_date_and_matches_the_migration_formula() {
        let c = Connection::open_in_memory().unwrap();
        for t in [
            "2026-11-20T15:59:59.000000Z",
            "2026-11-20T16:00:00.000000Z",
            "2026-01-01T00:00:00.000000Z",
        ] {
            let at: DateTime<Utc> = t.parse().unwrap();
            let sql: i32 = c
                .query_row(
                    "SELECT CAST(julianday(?1, '+8 hours') - 1721424.5 AS INTEGER)",
                    [t],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(sql, local_day(at), "{t}");
        }
        let late: DateTime<Utc> = "2026-11-20T16:00:00Z".parse().unwrap();
        assert_eq!(
            NaiveDate::from_num_days_from_ce_opt(local_day(late)),
            NaiveDate::from_ymd_opt(2026, 11, 21)
        );
    }
}
