//! Report reads: village books for coverage (one covering-index entry per household, with its
//! registrations and visit chain; no JSON), the change log that brings kept books up to date,
//! visits of a period with their evidence facts, and county schedules.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use fieldvisit_core::caseload::{Category, CategoryRegistration, ScheduleConfig};
use fieldvisit_core::geo::GeoPoint;
use rusqlite::{Connection, params};

use super::coverage_cache::{Changes, LogRead};
use super::{backend, visit_chains};
use crate::store::{
    ChainStatus, CountySchedule, CoverageBook, FixFacts, PeriodVisit, Scope, StoreError,
    StoreResult, VisitFacts,
};

/// The local (UTC+8) date of an instant as days from 0001-01-01 (= 1), the `started_on` column.
pub(super) fn local_day(t: DateTime<Utc>) -> i32 {
    crate::store::local_date(t).num_days_from_ce()
}

fn day(d: NaiveDate) -> i32 {
    d.num_days_from_ce()
}

/// Registrations as stored in `households.categories`: `code:YYYY-MM-DD` joined by commas.
pub(super) fn categories_column(regs: &[CategoryRegistration]) -> String {
    regs.iter()
        .map(|r| format!("{}:{}", r.category.code(), r.since))
        .collect::<Vec<_>>()
        .join(",")
}

fn point(lat: Option<f64>, lon: Option<f64>) -> Option<GeoPoint> {
    Some(GeoPoint {
        lat: lat?,
        lon: lon?,
    })
}

/// Adds registrations stored as `code:YYYY-MM-DD,…` to the book's current household.
fn read_categories(book: &mut CoverageBook, text: &str) -> rusqlite::Result<()> {
    for item in text.split(',').filter(|s| !s.is_empty()) {
        let (code, since) = item
            .split_once(':')
            .ok_or_else(|| super::bad_column("categories"))?;
        book.add_registration(CategoryRegistration {
            category: Category::from_code(code).ok_or_else(|| super::bad_column("categories"))?,
            since: super::parse_own_day(since.as_bytes())
                .ok_or_else(|| super::bad_column("categories"))?,
        });
    }
    Ok(())
}

/// Ids of the units of a branch, in byte order.
pub(super) fn unit_ids(c: &Connection, path: &str) -> StoreResult<Vec<String>> {
    let mut st = c
        .prepare_cached(
            "SELECT id FROM org_units WHERE substr(path, 1, length(?1)) = ?1 ORDER BY id",
        )
        .map_err(backend)?;
    st.query_map([path], |r| r.get(0))
        .map_err(backend)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(backend)
}

/// The columns coverage reads of a household, in the order [`read_household`] takes them.
const BOOK_COLUMNS: &str =
    "h.id, h.head_name, h.id_number, h.village_id, h.worker_id, h.categories, h.visit_chains";

/// Adds the household of a row of [`BOOK_COLUMNS`] to `book`.
fn read_household(book: &mut CoverageBook, r: &rusqlite::Row<'_>) -> rusqlite::Result<()> {
    fn text<'r>(r: &'r rusqlite::Row<'_>, i: usize) -> rusqlite::Result<&'r str> {
        Ok(r.get_ref(i)?.as_str()?)
    }
    book.begin_household(
        text(r, 0)?,
        text(r, 1)?,
        text(r, 2)?,
        text(r, 3)?,
        r.get_ref(4)?.as_str_or_null()?,
    );
    read_categories(book, text(r, 5)?)?;
    visit_chains::read_into(book, r.get_ref(6)?.as_bytes()?)
}

/// The households of each of `villages` (a book per village, in the order given) from the
/// `households_coverage` index, each with its registrations and visit chain: one index entry per
/// household, no visit rows read. With `worker_id`, only that worker's households.
pub(super) fn village_books(
    c: &Connection,
    villages: &[String],
    worker_id: Option<&str>,
) -> StoreResult<Vec<CoverageBook>> {
    let mut st = c
        .prepare_cached(&format!(
            "SELECT {BOOK_COLUMNS} FROM households h INDEXED BY households_coverage
             WHERE h.village_id = ?1 AND (?2 IS NULL OR h.worker_id = ?2)
             ORDER BY h.worker_id, h.id"
        ))
        .map_err(backend)?;
    let mut books = Vec::with_capacity(villages.len());
    for village in villages {
        let mut book = CoverageBook::default();
        let mut rows = st.query(params![village, worker_id]).map_err(backend)?;
        while let Some(r) = rows.next().map_err(backend)? {
            read_household(&mut book, r).map_err(backend)?;
        }
        books.push(book);
    }
    Ok(books)
}

/// Log entries kept in `household_changes` past the newest: more than a report ever catches up
/// on ([`super::coverage_cache::CATCH_UP_LIMIT`]), so kept books fall back to whole reads only when no
/// report ran for a long while.
const KEPT_CHANGES: i64 = 25_000;

/// Cuts the change log back to [`KEPT_CHANGES`] entries once it holds twice as many, so ingest
/// deletes old entries in runs rather than one per visit.
pub(super) fn prune_changes(c: &Connection) -> StoreResult<()> {
    let span: Option<i64> = c
        .prepare_cached(
            "SELECT (SELECT max(seq) FROM household_changes)
                 - (SELECT min(seq) FROM household_changes)",
        )
        .and_then(|mut st| st.query_row([], |r| r.get(0)))
        .map_err(backend)?;
    if span.is_some_and(|s| s >= 2 * KEPT_CHANGES) {
        c.prepare_cached(
            "DELETE FROM household_changes
             WHERE seq <= (SELECT max(seq) FROM household_changes) - ?1",
        )
        .and_then(|mut st| st.execute([KEPT_CHANGES]))
        .map_err(backend)?;
    }
    Ok(())
}

/// The change log after entry `after` as kept books need it (see [`LogRead`]), read in one
/// transaction: the entries and the households' rows as of the same moment. More than `limit`
/// entries, entries already cut from the log, or no `after` at all mean "read everything again".
pub(super) fn changes_after(
    c: &Connection,
    after: Option<i64>,
    limit: usize,
) -> StoreResult<LogRead> {
    let tx = c.unchecked_transaction().map_err(backend)?;
    let (first, last): (Option<i64>, Option<i64>) = tx
        .prepare_cached(
            "SELECT (SELECT min(seq) FROM household_changes),
                 (SELECT max(seq) FROM household_changes)",
        )
        .and_then(|mut st| st.query_row([], |r| Ok((r.get(0)?, r.get(1)?))))
        .map_err(backend)?;
    let last = last.unwrap_or(0);
    let Some(after) = after.filter(|&a| a <= last && first.is_none_or(|f| f <= a + 1)) else {
        return Ok(LogRead {
            last,
            changes: None,
        });
    };
    let mut touched: Vec<(String, String)> = Vec::new();
    {
        let mut st = tx
            .prepare_cached(
                "SELECT village_id, household_id FROM household_changes
                 WHERE seq > ?1 AND seq <= ?2 ORDER BY seq LIMIT ?3",
            )
            .map_err(backend)?;
        let mut rows = st
            .query(params![after, last, limit as i64 + 1])
            .map_err(backend)?;
        while let Some(r) = rows.next().map_err(backend)? {
            touched.push((r.get(0).map_err(backend)?, r.get(1).map_err(backend)?));
        }
    }
    if touched.len() > limit {
        return Ok(LogRead {
            last,
            changes: None,
        });
    }
    let rows = households_by_id(&tx, touched.iter().map(|(_, h)| h.as_str()))?;
    Ok(LogRead {
        last,
        changes: Some(Changes { touched, rows }),
    })
}

/// The stored ones of `ids` (repeats allowed) as one book, ordered as village books are
/// (village, worker, household).
fn households_by_id<'a>(
    c: &Connection,
    ids: impl Iterator<Item = &'a str>,
) -> StoreResult<CoverageBook> {
    let ids = serde_json::to_string(&ids.collect::<Vec<_>>())
        .map_err(|e| StoreError::Backend(format!("household ids: {e}")))?;
    let mut st = c
        .prepare_cached(&format!(
            "SELECT {BOOK_COLUMNS} FROM households h
             WHERE h.id IN (SELECT value FROM json_each(?1))
             ORDER BY h.village_id, h.worker_id, h.id"
        ))
        .map_err(backend)?;
    let mut book = CoverageBook::default();
    let mut rows = st.query([ids]).map_err(backend)?;
    while let Some(r) = rows.next().map_err(backend)? {
        read_household(&mut book, r).map_err(backend)?;
    }
    Ok(book)
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
                 v.fix_age_s, v.distance_m, v.flags, v.photo_count, h.lat, h.lon
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

pub(super) fn set_county_schedule(
    c: &Connection,
    unit_id: &str,
    schedule: Option<&ScheduleConfig>,
) -> StoreResult<()> {
    match schedule {
        None => {
            c.execute("DELETE FROM county_schedules WHERE unit_id = ?1", [unit_id])
                .map_err(backend)?;
        }
        Some(s) => {
            let json = serde_json::to_string(s)
                .map_err(|e| StoreError::Backend(format!("schedule json: {e}")))?;
            let n = c
                .execute(
                    "INSERT INTO county_schedules (unit_id, schedule_json, updated_at)
                     SELECT id, ?2, ?3 FROM org_units WHERE id = ?1
                     ON CONFLICT (unit_id) DO UPDATE SET schedule_json = excluded.schedule_json,
                         updated_at = excluded.updated_at",
                    params![unit_id, json, super::ts(Utc::now())],
                )
                .map_err(backend)?;
            if n == 0 {
                return Err(StoreError::NotFound("org unit"));
            }
        }
    }
    Ok(())
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

/// [`ReportStore`](crate::store::ReportStore) over the SQL above.
mod as_store {
    use super::super::*;

    #[async_trait]
    impl ReportStore for SqliteStore {
        async fn coverage_book(&self, scope: &Scope) -> StoreResult<CoverageBook> {
            let path = scope.path.clone();
            if let Some(worker) = &scope.worker_id {
                // One worker's caseload is small and asked for rarely: read it, keep nothing.
                let units = self.read(move |c| reports::unit_ids(c, &path)).await?;
                let books = self.village_books(units, Some(worker.clone())).await?;
                return Ok(CoverageBook::joined(books.iter()));
            }
            // The replay reads one book front to back: a copy into one costs less than it saves.
            let books = self.kept_county_books(path).await?;
            Ok(CoverageBook::joined(books.iter().map(AsRef::as_ref)))
        }

        async fn warm_reports(&self) -> StoreResult<()> {
            self.warm_kept().await
        }

        async fn refresh_reports(&self) -> StoreResult<()> {
            self.refresh_kept().await
        }

        async fn save_reports(&self) -> StoreResult<()> {
            self.save_kept().await
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
        ) -> StoreResult<()> {
            let (id, s) = (unit_id.to_owned(), schedule.cloned());
            self.call(move |c| reports::set_county_schedule(c, &id, s.as_ref()))
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

    /// A migrated database with households `a` (village v1) and `b` (v2): log entries 1 and 2.
    fn logged() -> Connection {
        let mut c = Connection::open_in_memory().unwrap();
        super::super::migrate(&mut c).unwrap();
        // The log needs no org tree to stand on.
        c.execute_batch(
            "PRAGMA foreign_keys = OFF;
             INSERT INTO households (id, village_id, record_json, head_name)
                 VALUES ('a', 'v1', '{}', '甲'), ('b', 'v2', '{}', '乙');",
        )
        .unwrap();
        c
    }

    fn touched(read: &LogRead) -> Vec<(&str, &str)> {
        let ch = read.changes.as_ref().unwrap();
        ch.touched
            .iter()
            .map(|(v, h)| (v.as_str(), h.as_str()))
            .collect()
    }

    #[test]
    fn the_log_gives_changes_in_order_with_the_rows_as_they_are_now() {
        let c = logged();
        c.execute_batch(
            "UPDATE households SET village_id = 'v2' WHERE id = 'a';
             UPDATE households SET record_json = '{\"x\":1}' WHERE id = 'b';
             DELETE FROM households WHERE id = 'b';",
        )
        .unwrap();
        let read = changes_after(&c, Some(1), 100).unwrap();
        assert_eq!(
            read.last, 5,
            "an update of a column coverage does not read is not logged"
        );
        assert_eq!(
            touched(&read),
            [("v2", "b"), ("v2", "a"), ("v1", "a"), ("v2", "b")]
        );
        let rows = &read.changes.as_ref().unwrap().rows;
        let now: Vec<_> = rows
            .households
            .iter()
            .map(|h| (rows.id(h), rows.village(h)))
            .collect();
        assert_eq!(now, [("a", "v2")], "a deleted household has no row");
        let nothing_new = changes_after(&c, Some(5), 100).unwrap();
        assert!(touched(&nothing_new).is_empty());
    }

    #[test]
    fn start_again_without_a_mark_past_the_limit_past_the_end_or_after_a_cut() {
        let c = logged();
        assert!(changes_after(&c, None, 100).unwrap().changes.is_none());
        assert!(
            changes_after(&c, Some(0), 1).unwrap().changes.is_none(),
            "2 > limit 1"
        );
        assert!(changes_after(&c, Some(0), 2).unwrap().changes.is_some());
        assert!(
            changes_after(&c, Some(9), 100).unwrap().changes.is_none(),
            "another database"
        );
        c.execute("DELETE FROM household_changes WHERE seq = 1", [])
            .unwrap();
        assert!(
            changes_after(&c, Some(0), 100).unwrap().changes.is_none(),
            "entry 1 was cut"
        );
        assert!(changes_after(&c, Some(1), 100).unwrap().changes.is_some());
    }

    #[test]
    fn the_log_is_cut_back_in_runs_and_keeps_its_newest_entries() {
        let c = logged();
        let fill = |n: i64| {
            c.execute(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
                 INSERT INTO household_changes (household_id, village_id) SELECT 'a', 'v1' FROM n",
                [n],
            )
            .unwrap();
        };
        let count = || -> (i64, i64, i64) {
            c.query_row(
                "SELECT count(*), min(seq), max(seq) FROM household_changes",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap()
        };
        fill(2 * KEPT_CHANGES - 3);
        prune_changes(&c).unwrap();
        assert_eq!(
            count().0,
            2 * KEPT_CHANGES - 1,
            "not yet twice the kept size"
        );
        fill(2);
        prune_changes(&c).unwrap();
        let (n, first, last) = count();
        assert_eq!((n, last - first + 1), (KEPT_CHANGES, KEPT_CHANGES));
        assert_eq!(last, 2 * KEPT_CHANGES + 1);
    }

    #[test]
    fn categories_column_round_trips() {
        let regs = vec![
            CategoryRegistration {
                category: Category::Dibao,
                since: NaiveDate::from_ymd_opt(2026, 1, 5).unwrap(),
            },
            CategoryRegistration {
                category: Category::LeftBehindChild,
                since: NaiveDate::from_ymd_opt(2025, 12, 31).unwrap(),
            },
        ];
        let mut book = CoverageBook::default();
        book.begin_household("h", "", "", "v", None);
        read_categories(&mut book, &categories_column(&regs)).unwrap();
        read_categories(&mut book, "").unwrap();
        assert_eq!(book.registrations, regs);
        assert!(read_categories(&mut book, "nope:2026-01-01").is_err());
        for bad in [
            "tekun:2026-1-01",
            "tekun:2026-02-30",
            "tekun:2026/01/01",
            "tekun:２０26-01-01",
        ] {
            assert!(read_categories(&mut book, bad).is_err(), "{bad}");
        }
    }
}
