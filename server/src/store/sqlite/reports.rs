//! Report reads: households with compact visits for coverage (two ordered scans merged in Rust, no
//! JSON), visits of a period with their evidence facts, and county schedules.

use std::sync::Arc;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use fieldvisit_core::caseload::{Category, CategoryRegistration, ScheduleConfig};
use fieldvisit_core::geo::GeoPoint;
use rusqlite::{Connection, params};

use super::{backend, visits};
use crate::store::{
    CountySchedule, CoverageHousehold, CoverageVisit, FixFacts, Scope, StoreError, StoreResult,
    VisitFacts, VisitMeta,
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

fn parse_categories(text: &str) -> rusqlite::Result<Vec<CategoryRegistration>> {
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(|item| {
            let (code, since) = item
                .split_once(':')
                .ok_or_else(|| super::bad_column("categories"))?;
            Ok(CategoryRegistration {
                category: Category::from_code(code)
                    .ok_or_else(|| super::bad_column("categories"))?,
                since: since.parse().map_err(|_| super::bad_column("categories"))?,
            })
        })
        .collect()
}

fn point(lat: Option<f64>, lon: Option<f64>) -> Option<GeoPoint> {
    Some(GeoPoint {
        lat: lat?,
        lon: lon?,
    })
}

pub(super) fn coverage_households(
    c: &Connection,
    scope: &Scope,
) -> StoreResult<Vec<CoverageHousehold>> {
    let mut st = c
        .prepare(
            "SELECT h.id, h.village_id, h.worker_id, h.head_name, h.id_number, h.lat, h.lon,
                 h.categories
             FROM households h JOIN org_units o ON o.id = h.village_id
             WHERE substr(o.path, 1, length(?1)) = ?1 AND (?2 IS NULL OR h.worker_id = ?2)
             ORDER BY h.id",
        )
        .map_err(backend)?;
    let mut out: Vec<CoverageHousehold> = st
        .query_map(params![scope.path, scope.worker_id], |r| {
            Ok(CoverageHousehold {
                id: r.get(0)?,
                village_id: r.get(1)?,
                worker_id: r.get(2)?,
                head_name: r.get(3)?,
                id_number: r.get(4)?,
                location: point(r.get(5)?, r.get(6)?),
                categories: parse_categories(r.get_ref(7)?.as_str()?)?,
                visits: Vec::new(),
            })
        })
        .map_err(backend)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(backend)?;
    let (Some(first), Some(last)) = (out.first(), out.last()) else {
        return Ok(out);
    };
    // Visits of the id range, in the covering index's order; merged with the (equally ordered)
    // households, skipping households of other branches that fall inside the range.
    let mut st = c
        .prepare(
            "SELECT household_id, category, started_on, level FROM visits INDEXED BY visits_coverage
             WHERE amends = 0 AND household_id >= ?1 AND household_id <= ?2
             ORDER BY household_id, category, started_at",
        )
        .map_err(backend)?;
    let mut rows = st.query(params![first.id, last.id]).map_err(backend)?;
    let mut levels: Vec<Arc<str>> = Vec::new();
    let mut last_category: Option<(String, Category)> = None;
    let mut hi = 0;
    while let Some(r) = rows.next().map_err(backend)? {
        let hid = r
            .get_ref(0)
            .and_then(|v| Ok(v.as_str()?))
            .map_err(backend)?;
        while hi < out.len() && out[hi].id.as_str() < hid {
            hi += 1;
        }
        if hi == out.len() {
            break;
        }
        if out[hi].id != hid {
            continue;
        }
        let code = r
            .get_ref(1)
            .and_then(|v| Ok(v.as_str()?))
            .map_err(backend)?;
        let category = match &last_category {
            Some((c, cat)) if c == code => *cat,
            _ => match Category::from_code(code) {
                Some(cat) => {
                    last_category = Some((code.to_owned(), cat));
                    cat
                }
                // Coverage follows registered categories; a visit under another code counts nowhere.
                None => continue,
            },
        };
        let on = NaiveDate::from_num_days_from_ce_opt(r.get(2).map_err(backend)?)
            .ok_or(StoreError::Backend("visits.started_on out of range".into()))?;
        let level = match r
            .get_ref(3)
            .and_then(|v| Ok(v.as_str_or_null()?))
            .map_err(backend)?
        {
            None => None,
            Some(l) => Some(match levels.iter().find(|x| x.as_ref() == l) {
                Some(x) => Arc::clone(x),
                None => {
                    let x: Arc<str> = Arc::from(l);
                    levels.push(Arc::clone(&x));
                    x
                }
            }),
        };
        out[hi].visits.push(CoverageVisit {
            category,
            on,
            level,
        });
    }
    Ok(out)
}

pub(super) fn period_visits(
    c: &Connection,
    scope: &Scope,
    from: NaiveDate,
    to: NaiveDate,
) -> StoreResult<Vec<(VisitMeta, VisitFacts)>> {
    let mut st = c
        .prepare(&format!(
            "SELECT {}, v.fix_lat, v.fix_lon, v.fix_accuracy_m, v.fix_mock, v.fix_age_s,
                 v.distance_m, v.flags, v.photo_count
             FROM visits v JOIN households h ON h.id = v.household_id
             JOIN org_units o ON o.id = h.village_id
             WHERE v.started_on BETWEEN ?3 AND ?4 AND v.amends = 0
                 AND substr(o.path, 1, length(?1)) = ?1 AND (?2 IS NULL OR v.worker_id = ?2)
             ORDER BY v.started_at",
            visits::COLUMNS
        ))
        .map_err(backend)?;
    st.query_map(
        params![scope.path, scope.worker_id, day(from), day(to)],
        |r| {
            let meta = visits::from_row(r)?;
            let fix = match (r.get(14)?, r.get(15)?, r.get(16)?) {
                (Some(lat), Some(lon), Some(accuracy_m)) => Some(FixFacts {
                    point: GeoPoint { lat, lon },
                    accuracy_m,
                    mock: r.get(17)?,
                    age_s: r.get::<_, Option<i64>>(18)?.unwrap_or(0),
                }),
                _ => None,
            };
            let flags: i64 = r.get(20)?;
            Ok((
                meta,
                VisitFacts {
                    amends: false,
                    fix,
                    distance_m: r.get(19)?,
                    flag_far: flags & 1 != 0,
                    flag_mock: flags & 2 != 0,
                    photo_outside_window: flags & 4 != 0,
                    photo_count: r.get(21)?,
                },
            ))
        },
    )
    .map_err(backend)?
    .collect::<rusqlite::Result<Vec<_>>>()
    .map_err(backend)
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
        assert_eq!(parse_categories(&categories_column(&regs)).unwrap(), regs);
        assert!(parse_categories("").unwrap().is_empty());
        assert!(parse_categories("nope:2026-01-01").is_err());
    }
}
