//! The due ledger on SQLite ([`crate::store::dues`]): rewritten inside the writing transaction,
//! read by grouped queries over the `dues_by_day` and `dues_open` indexes.

use std::collections::HashMap;

use chrono::NaiveDate;
use fieldvisit_core::caseload::{Category, Household, mask_id_number};
use rusqlite::{Connection, params};

use super::{backend, bad_column};
use crate::store::dues::{
    Due, DueCount, DueCountQuery, DueEntry, DueRows, DueVisit, Step, Target, day_number, dues_of,
    from_day_number, month_number, schedule_at, step,
};
use crate::store::{Scope, StoreResult};

/// A household as the ledger needs it.
struct Subject {
    id: String,
    village_id: String,
    worker_id: Option<String>,
    path: String,
    record: Household,
}

fn subjects(c: &Connection, target: Target<'_>) -> StoreResult<Vec<Subject>> {
    let (sql, key) = match target {
        Target::Household(id) => (
            "SELECT h.id, h.village_id, h.worker_id, o.path, h.record_json FROM households h
             JOIN org_units o ON o.id = h.village_id WHERE h.id = ?1",
            id,
        ),
        Target::Branch(path) => (
            "SELECT h.id, h.village_id, h.worker_id, o.path, h.record_json FROM org_units o
             CROSS JOIN households h ON h.village_id = o.id
             WHERE substr(o.path, 1, length(?1)) = ?1",
            path,
        ),
    };
    let mut st = c.prepare_cached(sql).map_err(backend)?;
    let rows = st
        .query_map([key], |r| {
            let json: String = r.get(4)?;
            Ok(Subject {
                id: r.get(0)?,
                village_id: r.get(1)?,
                worker_id: r.get(2)?,
                path: r.get(3)?,
                record: serde_json::from_str(&json).map_err(|_| bad_column("record_json"))?,
            })
        })
        .map_err(backend)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(backend)?;
    Ok(rows)
}

/// The visits of the target's households (corrections left out), by household in start order.
fn visits(c: &Connection, target: Target<'_>) -> StoreResult<HashMap<String, Vec<DueVisit>>> {
    let (sql, key) = match target {
        Target::Household(id) => (
            "SELECT household_id, category, started_on, level FROM visits
             WHERE household_id = ?1 AND amends = 0 ORDER BY started_at",
            id,
        ),
        Target::Branch(path) => (
            "SELECT v.household_id, v.category, v.started_on, v.level FROM org_units o
             CROSS JOIN households h ON h.village_id = o.id
             CROSS JOIN visits v ON v.household_id = h.id
             WHERE substr(o.path, 1, length(?1)) = ?1 AND v.amends = 0
             ORDER BY v.household_id, v.started_at",
            path,
        ),
    };
    let mut st = c.prepare_cached(sql).map_err(backend)?;
    let mut rows = st.query([key]).map_err(backend)?;
    let mut out: HashMap<String, Vec<DueVisit>> = HashMap::new();
    while let Some(r) = rows.next().map_err(backend)? {
        let day: i32 = r.get(2).map_err(backend)?;
        let visit = DueVisit {
            category: r.get(1).map_err(backend)?,
            on: NaiveDate::from_num_days_from_ce_opt(day)
                .ok_or_else(|| backend(bad_column("started_on")))?,
            level: r.get(3).map_err(backend)?,
        };
        let household: String = r.get(0).map_err(backend)?;
        out.entry(household).or_default().push(visit);
    }
    Ok(out)
}

/// Rewrites the ledger rows of the target's households from their registrations, visits and
/// county schedules, inside the caller's transaction.
pub(super) fn rewrite(tx: &Connection, target: Target<'_>) -> StoreResult<()> {
    let counties = super::reports::county_schedules(tx)?;
    let subjects = subjects(tx, target)?;
    let mut visits = visits(tx, target)?;
    let delete = match target {
        Target::Household(_) => "DELETE FROM dues WHERE household_id = ?1",
        Target::Branch(_) => {
            "DELETE FROM dues WHERE village_id IN
                 (SELECT id FROM org_units WHERE substr(path, 1, length(?1)) = ?1)"
        }
    };
    let key = match target {
        Target::Household(id) => id,
        Target::Branch(path) => path,
    };
    tx.prepare_cached(delete)
        .and_then(|mut st| st.execute([key]))
        .map_err(backend)?;
    // Households share a handful of schedules: resolve each county path once.
    let mut schedules = HashMap::new();
    for s in subjects {
        let county = counties
            .iter()
            .position(|c| s.path.starts_with(c.path.as_str()));
        let schedule = schedules
            .entry(county)
            .or_insert_with(|| schedule_at(&counties, &s.path));
        let own = visits.remove(&s.id).unwrap_or_default();
        for d in dues_of(&s.record.categories, &own, schedule) {
            insert(tx, &s, &d)?;
        }
    }
    Ok(())
}

/// Stores one ledger row of household `s`; an open date carries what the overdue list shows of
/// its household.
fn insert(tx: &Connection, s: &Subject, d: &Due) -> StoreResult<()> {
    let open = d.visited_on.is_none();
    tx.prepare_cached(
        "INSERT INTO dues (household_id, category, seq, due_day, due_month, visited_day,
             village_id, worker_id, head_name, id_masked)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )
    .and_then(|mut st| {
        st.execute(params![
            s.id,
            d.category,
            d.seq,
            day_number(d.due_on),
            month_number(d.due_on),
            d.visited_on.map(day_number),
            s.village_id,
            s.worker_id,
            open.then_some(s.record.head_name.as_str()),
            open.then(|| mask_id_number(&s.record.id_number)),
        ])
    })
    .map_err(backend)?;
    Ok(())
}

/// The open date of a household's category (its number) and the day of the last visit counted:
/// visits close dates in start order, so the latest visited day is the last visit's.
const LAST_OF_CATEGORY: &str = "SELECT max(seq) FILTER (WHERE visited_day IS NULL),
    max(visited_day) FROM dues WHERE household_id = ?1 AND category = ?2";

/// Closes an open date with the day of its visit; the closed row no longer carries names.
const CLOSE: &str = "UPDATE dues SET visited_day = ?4, head_name = NULL, id_masked = NULL
    WHERE household_id = ?1 AND category = ?2 AND seq = ?3";

/// Brings the ledger up to date with a visit just stored (not a correction) of `category` on
/// `on`, inside the caller's transaction: one row closed and one opened when the visit is the
/// household's latest in its category (almost always), the household replayed otherwise.
pub(super) fn after_visit(
    tx: &Connection,
    household_id: &str,
    category: &str,
    on: NaiveDate,
    level: Option<&str>,
) -> StoreResult<()> {
    let Some(s) = subjects(tx, Target::Household(household_id))?.pop() else {
        // Visits of a household not imported yet count once it is (its import replays them).
        return Ok(());
    };
    let (open, last_visited): (Option<u32>, Option<i32>) = tx
        .prepare_cached(LAST_OF_CATEGORY)
        .and_then(|mut st| st.query_row([household_id, category], |r| Ok((r.get(0)?, r.get(1)?))))
        .map_err(backend)?;
    let counties = super::reports::county_schedules(tx)?;
    let code = Category::from_code(category);
    let rule = code.and_then(|c| schedule_at(&counties, &s.path).rule(c).cloned());
    let next_after = |day| rule.as_ref().and_then(|r| r.interval(level).after(day));
    match step(open, last_visited.map(from_day_number), on, next_after) {
        Step::Nothing => Ok(()),
        Step::Replay => rewrite(tx, Target::Household(household_id)),
        Step::Close { seq, next } => {
            tx.prepare_cached(CLOSE)
                .and_then(|mut st| st.execute(params![household_id, category, seq, day_number(on)]))
                .map_err(backend)?;
            match (next, code) {
                (Some(due_on), Some(c)) => insert(
                    tx,
                    &s,
                    &Due {
                        category: c.code(),
                        seq: seq + 1,
                        due_on,
                        visited_on: None,
                    },
                ),
                _ => Ok(()),
            }
        }
    }
}

/// `LIKE`-free scope test on `o.path`, the worker filter on `d.worker_id`, and a run of village
/// ids (`?5..=?6`), so a county is read on several connections at once.
const SCOPE: &str = "substr(o.path, 1, length(?1)) = ?1 AND (?2 IS NULL OR d.worker_id = ?2)
    AND o.id BETWEEN ?5 AND ?6";

/// The village ids under `path`, in order, cut into `runs` runs of about equal length, each given
/// by its first and last id.
pub(super) fn village_runs(
    c: &Connection,
    path: &str,
    runs: usize,
) -> StoreResult<Vec<(String, String)>> {
    let ids: Vec<String> = c
        .prepare_cached(
            "SELECT id FROM org_units WHERE substr(path, 1, length(?1)) = ?1 AND level = 'village'
             ORDER BY id",
        )
        .and_then(|mut st| {
            st.query_map([path], |r| r.get(0))?
                .collect::<rusqlite::Result<Vec<String>>>()
        })
        .map_err(backend)?;
    let share = ids.len().div_ceil(runs.max(1)).max(1);
    Ok(ids
        .chunks(share)
        .filter_map(|run| Some((run.first()?.clone(), run.last()?.clone())))
        .collect())
}

/// Due dates of a period in a scope and a run of villages, counted by village, worker and
/// category (and month).
pub(super) fn counts(
    c: &Connection,
    scope: &Scope,
    run: &(String, String),
    q: &DueCountQuery,
) -> StoreResult<Vec<DueCount>> {
    let sql = format!(
        "SELECT d.village_id, d.worker_id, d.category, CASE WHEN ?8 THEN d.due_month END AS m,
             count(*),
             count(*) FILTER (WHERE d.visited_day <= d.due_day),
             count(*) FILTER (WHERE d.visited_day > d.due_day),
             count(*) FILTER (WHERE d.visited_day IS NULL AND d.due_day < ?7),
             count(*) FILTER (WHERE d.visited_day IS NULL AND d.due_day >= ?7),
             count(*) FILTER (WHERE d.seq = 0)
         FROM org_units o CROSS JOIN dues d INDEXED BY dues_by_day ON d.village_id = o.id
         WHERE {SCOPE} AND d.due_day BETWEEN ?3 AND ?4
         GROUP BY d.village_id, d.worker_id, d.category, m"
    );
    let mut st = c.prepare_cached(&sql).map_err(backend)?;
    st.query_map(
        params![
            scope.path,
            scope.worker_id,
            day_number(q.from),
            day_number(q.to),
            run.0,
            run.1,
            day_number(q.today),
            q.by_month,
        ],
        |r| {
            Ok(DueCount {
                village_id: r.get(0)?,
                worker_id: r.get(1)?,
                category: r.get(2)?,
                month: r.get(3)?,
                due: r.get(4)?,
                on_time: r.get(5)?,
                late: r.get(6)?,
                missed: r.get(7)?,
                pending: r.get(8)?,
                registered: r.get(9)?,
            })
        },
    )
    .map_err(backend)?
    .collect::<rusqlite::Result<Vec<_>>>()
    .map_err(backend)
}

/// Ledger rows of a scope and a run of villages one by one, with their households' names and
/// masked ID numbers: an open date carries them; a period's dates read them from the household.
pub(super) fn entries(
    c: &Connection,
    scope: &Scope,
    run: &(String, String),
    rows: DueRows,
) -> StoreResult<Vec<DueEntry>> {
    let open = matches!(rows, DueRows::Open { .. });
    let (sql, from, to) = match rows {
        DueRows::Period { from, to } => (
            format!(
                "SELECT d.household_id, h.head_name, h.id_number, d.village_id, d.worker_id,
                     d.category, d.due_day, d.visited_day
                 FROM org_units o
                 CROSS JOIN dues d INDEXED BY dues_by_day ON d.village_id = o.id
                 CROSS JOIN households h ON h.id = d.household_id
                 WHERE {SCOPE} AND d.due_day BETWEEN ?3 AND ?4"
            ),
            day_number(from),
            day_number(to),
        ),
        DueRows::Open { before } => (
            format!(
                "SELECT d.household_id, d.head_name, d.id_masked, d.village_id, d.worker_id,
                     d.category, d.due_day, NULL
                 FROM org_units o
                 CROSS JOIN dues d INDEXED BY dues_open ON d.village_id = o.id
                 WHERE {SCOPE} AND d.visited_day IS NULL AND d.due_day BETWEEN ?3 AND ?4"
            ),
            i32::MIN,
            before.map_or(i32::MAX, |b| day_number(b) - 1),
        ),
    };
    let mut st = c.prepare_cached(&sql).map_err(backend)?;
    st.query_map(
        params![scope.path, scope.worker_id, from, to, run.0, run.1],
        |r| {
            let id: Option<String> = r.get(2)?;
            let id = id.unwrap_or_default();
            Ok(DueEntry {
                household_id: r.get(0)?,
                head_name: r.get::<_, Option<String>>(1)?.unwrap_or_default(),
                // An open date carries the number masked already.
                id_number: if open { id } else { mask_id_number(&id) },
                village_id: r.get(3)?,
                worker_id: r.get(4)?,
                category: r.get(5)?,
                due_on: from_day_number(r.get(6)?),
                visited_on: r.get::<_, Option<i32>>(7)?.map(from_day_number),
            })
        },
    )
    .map_err(backend)?
    .collect::<rusqlite::Result<Vec<_>>>()
    .map_err(backend)
}
