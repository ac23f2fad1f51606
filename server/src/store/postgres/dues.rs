//! The due ledger on PostgreSQL ([`crate::store::dues`]): rewritten inside the writing
//! transaction with the household rows locked, read by grouped queries over the `dues_by_day`
//! and `dues_open` indexes.

use std::collections::HashMap;

use chrono::NaiveDate;
use deadpool_postgres::GenericClient;
use fieldvisit_core::caseload::{Category, Household, mask_id_number};

use futures_util::TryStreamExt;
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

use super::pipeline::{Param, Pipeline, Rows, Slot, params, refs};
use super::{backend, bad_column, col, execute, query};
use crate::store::dues::{
    Due, DueCount, DueCountQuery, DueEntry, DueRows, DueVisit, Step, Target, day_number, dues_of,
    from_day_number, month_number, schedule_at, step,
};
use crate::store::{Scope, StoreError, StoreResult, local_date};

/// The ledger's reads for a visit, queued behind the visit's insert in the ingest pipeline: the
/// household row locked first (see [`rewrite`]), then its ledger state and the schedules, which
/// therefore see whatever an earlier holder of the lock committed.
pub(super) struct VisitLedger {
    subject: Slot,
    last: Slot,
    schedules: Slot,
}

/// Queues [`VisitLedger`]'s reads for a visit of `category` to `household_id`.
pub(super) fn queue_reads(p: &mut Pipeline, household_id: &str, category: &str) -> VisitLedger {
    VisitLedger {
        subject: p.push(SUBJECT, params![household_id.to_owned()]),
        // Visits close dates in start order, so the latest visited day is the last visit's.
        last: p.push(
            "SELECT max(seq) FILTER (WHERE visited_day IS NULL), max(visited_day) FROM dues
             WHERE household_id = $1 AND category = $2",
            params![household_id.to_owned(), category.to_owned()],
        ),
        schedules: p.push(super::reports::COUNTY_SCHEDULES, Vec::new()),
    }
}

/// Brings the ledger up to date with a visit just stored (not a correction) of `category` on
/// `on`, from the reads queued with it: one row closed and one opened when the visit is the
/// household's latest in its category (almost always), the household replayed otherwise.
pub(super) async fn after_visit<C: GenericClient>(
    tx: &C,
    read: VisitLedger,
    rows: &mut Rows,
    (household_id, category): (&str, &str),
    on: NaiveDate,
    level: Option<&str>,
) -> StoreResult<()> {
    let Some(s) = rows
        .take(read.subject)
        .first()
        .map(subject_from)
        .transpose()?
    else {
        // Visits of a household not imported yet count once it is (its import replays them).
        return Ok(());
    };
    let last = rows.take(read.last);
    let last = last
        .first()
        .ok_or(StoreError::Backend("an aggregate returned no row".into()))?;
    let (open, last_visited): (Option<i32>, Option<i32>) = (col(last, 0)?, col(last, 1)?);
    let counties = super::reports::schedules_from(&rows.take(read.schedules))?;
    let code = Category::from_code(category);
    let rule = code.and_then(|c| schedule_at(&counties, &s.path).rule(c).cloned());
    let next_after = |day| rule.as_ref().and_then(|r| r.interval(level).after(day));
    let open = open.and_then(|seq| u32::try_from(seq).ok());
    match step(open, last_visited.map(from_day_number), on, next_after) {
        Step::Nothing => Ok(()),
        Step::Replay => rewrite(tx, Target::Household(household_id)).await,
        Step::Close { seq, next } => {
            let closed = i32::try_from(seq).map_err(|_| bad_column("seq"))?;
            let close = params![
                household_id.to_owned(),
                category.to_owned(),
                closed,
                day_number(on)
            ];
            let Some((due_on, c)) = next.zip(code) else {
                execute(
                    tx,
                    "UPDATE dues SET visited_day = $4, head_name = NULL, id_masked = NULL
                     WHERE household_id = $1 AND category = $2 AND seq = $3",
                    &refs(&close),
                )
                .await?;
                return Ok(());
            };
            let due = Due {
                category: c.code(),
                seq: seq + 1,
                due_on,
                visited_on: None,
            };
            let mut opened = Columns::default();
            opened.push(&s, &due)?;
            // One statement: the closed row's update runs with the insert of the next one.
            let mut all = opened.params();
            all.extend(close);
            let sql = format!(
                "WITH closed AS (UPDATE dues SET visited_day = $14, head_name = NULL,
                     id_masked = NULL WHERE household_id = $11 AND category = $12 AND seq = $13)
                 {INSERT_ROWS}"
            );
            execute(tx, &sql, &refs(&all)).await?;
            Ok(())
        }
    }
}

/// A household as the ledger needs it, its row locked.
struct Subject {
    id: String,
    village_id: String,
    worker_id: Option<String>,
    path: String,
    record: Household,
}

/// One household, its row locked `FOR NO KEY UPDATE` (see [`rewrite`]).
const SUBJECT: &str = "SELECT h.id, h.village_id, h.worker_id, o.path, h.record_json
    FROM households h JOIN org_units o ON o.id = h.village_id WHERE h.id = $1
    FOR NO KEY UPDATE OF h";

/// The target's households, their rows locked `FOR NO KEY UPDATE` (see [`rewrite`]).
async fn subjects<C: GenericClient>(tx: &C, target: Target<'_>) -> StoreResult<Vec<Subject>> {
    let (sql, key) = match target {
        Target::Household(id) => (SUBJECT, id),
        Target::Branch(path) => (
            "SELECT h.id, h.village_id, h.worker_id, o.path, h.record_json FROM households h
             JOIN org_units o ON o.id = h.village_id WHERE left(o.path, length($1)) = $1
             ORDER BY h.id FOR NO KEY UPDATE OF h",
            path,
        ),
    };
    query(tx, sql, &[&key])
        .await?
        .iter()
        .map(subject_from)
        .collect()
}

fn subject_from(r: &Row) -> StoreResult<Subject> {
    let json: String = col(r, 4)?;
    Ok(Subject {
        id: col(r, 0)?,
        village_id: col(r, 1)?,
        worker_id: col(r, 2)?,
        path: col(r, 3)?,
        record: serde_json::from_str(&json).map_err(|_| bad_column("record_json"))?,
    })
}

/// Rows inserted per statement when a branch is rewritten.
const INSERT_BATCH: usize = 20_000;

/// Rewrites the ledger rows of the target's households from their registrations, visits and
/// county schedules, inside the caller's transaction. The household rows are locked first, so
/// two ingests for one household (from two phones) or an ingest and a schedule change write
/// one after the other, each reading what the other committed. The lock is `NO KEY UPDATE`: it
/// does not conflict with the key-share lock that inserting a visit takes on its household, so
/// two ingests that both inserted a visit do not deadlock on it.
pub(super) async fn rewrite<C: GenericClient>(tx: &C, target: Target<'_>) -> StoreResult<()> {
    let (visits_sql, delete_sql, key) = match target {
        Target::Household(id) => (
            "SELECT household_id, category, started_at, level FROM visits
             WHERE household_id = $1 AND NOT amends ORDER BY started_at",
            "DELETE FROM dues WHERE household_id = $1",
            id,
        ),
        Target::Branch(path) => (
            "SELECT v.household_id, v.category, v.started_at, v.level FROM visits v
             JOIN households h ON h.id = v.household_id JOIN org_units o ON o.id = h.village_id
             WHERE left(o.path, length($1)) = $1 AND NOT v.amends
             ORDER BY v.household_id, v.started_at",
            "DELETE FROM dues WHERE household_id IN (SELECT h.id FROM households h
                 JOIN org_units o ON o.id = h.village_id WHERE left(o.path, length($1)) = $1)",
            path,
        ),
    };
    let subjects = subjects(tx, target).await?;
    let counties = super::reports::county_schedules(tx).await?;
    let mut visits: HashMap<String, Vec<DueVisit>> = HashMap::new();
    for r in query(tx, visits_sql, &[&key]).await? {
        visits.entry(col(&r, 0)?).or_default().push(DueVisit {
            category: col(&r, 1)?,
            on: local_date(col(&r, 2)?),
            level: col(&r, 3)?,
        });
    }
    execute(tx, delete_sql, &[&key]).await?;
    let mut rows = Columns::default();
    // Households share a handful of schedules: resolve each county path once.
    let mut schedules = HashMap::new();
    for s in &subjects {
        let county = counties
            .iter()
            .position(|c| s.path.starts_with(c.path.as_str()));
        let schedule = schedules
            .entry(county)
            .or_insert_with(|| schedule_at(&counties, &s.path));
        let own = visits.remove(&s.id).unwrap_or_default();
        for d in dues_of(&s.record.categories, &own, schedule) {
            rows.push(s, &d)?;
            if rows.seq.len() == INSERT_BATCH {
                std::mem::take(&mut rows).insert(tx).await?;
            }
        }
    }
    rows.insert(tx).await
}

/// Ledger rows to insert, column by column (one `unnest` statement).
#[derive(Default)]
struct Columns {
    household_id: Vec<String>,
    category: Vec<String>,
    seq: Vec<i32>,
    due_day: Vec<i32>,
    due_month: Vec<i32>,
    visited_day: Vec<Option<i32>>,
    village_id: Vec<String>,
    worker_id: Vec<Option<String>>,
    head_name: Vec<Option<String>>,
    id_masked: Vec<Option<String>>,
}

impl Columns {
    /// Adds one ledger row of household `s`; an open date carries what the overdue list shows
    /// of its household.
    fn push(&mut self, s: &Subject, d: &Due) -> StoreResult<()> {
        let open = d.visited_on.is_none();
        self.household_id.push(s.id.clone());
        self.category.push(d.category.to_owned());
        self.seq
            .push(i32::try_from(d.seq).map_err(|_| bad_column("seq"))?);
        self.due_day.push(day_number(d.due_on));
        self.due_month.push(month_number(d.due_on));
        self.visited_day.push(d.visited_on.map(day_number));
        self.village_id.push(s.village_id.clone());
        self.worker_id.push(s.worker_id.clone());
        self.head_name
            .push(open.then(|| s.record.head_name.clone()));
        self.id_masked
            .push(open.then(|| mask_id_number(&s.record.id_number)));
        Ok(())
    }

    async fn insert<C: GenericClient>(self, tx: &C) -> StoreResult<()> {
        if self.seq.is_empty() {
            return Ok(());
        }
        execute(tx, INSERT_ROWS, &refs(&self.params())).await?;
        Ok(())
    }

    /// The rows as the arrays `$1..$10` of [`INSERT_ROWS`].
    fn params(self) -> Vec<Param> {
        params![
            self.household_id,
            self.category,
            self.seq,
            self.due_day,
            self.due_month,
            self.visited_day,
            self.village_id,
            self.worker_id,
            self.head_name,
            self.id_masked,
        ]
    }
}

/// Inserts the ledger rows of [`Columns::params`].
const INSERT_ROWS: &str = "INSERT INTO dues (household_id, category, seq, due_day, due_month,
        visited_day, village_id, worker_id, head_name, id_masked)
    SELECT * FROM unnest($1::text[], $2::text[], $3::int4[], $4::int4[], $5::int4[],
        $6::int4[], $7::text[], $8::text[], $9::text[], $10::text[])";

/// Scope test on `o.path`, the worker filter on `d.worker_id`, and a run of village ids
/// (`$5..=$6`), so a county is read on several connections at once.
const SCOPE: &str = "left(o.path, length($1)) = $1 AND ($2::text IS NULL OR d.worker_id = $2)
    AND o.id COLLATE \"C\" BETWEEN $5 AND $6";

/// Runs of villages a large scope is read in, side by side: one per core of this machine, at most
/// four (each takes a pooled connection while it reads).
pub(super) fn runs_wanted() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().clamp(1, 4))
}

/// The village ids under `path`, in byte order, cut into `runs` runs of about equal length, each
/// given by its first and last id.
pub(super) async fn village_runs<C: GenericClient>(
    c: &C,
    path: &str,
    runs: usize,
) -> StoreResult<Vec<(String, String)>> {
    let ids: Vec<String> = query(
        c,
        "SELECT id FROM org_units WHERE left(path, length($1)) = $1 AND level = 'village'
         ORDER BY id COLLATE \"C\"",
        &[&path],
    )
    .await?
    .iter()
    .map(|r| col(r, 0))
    .collect::<StoreResult<_>>()?;
    let share = ids.len().div_ceil(runs.max(1)).max(1);
    Ok(ids
        .chunks(share)
        .filter_map(|run| Some((run.first()?.clone(), run.last()?.clone())))
        .collect())
}

fn count(r: &tokio_postgres::Row, i: usize) -> StoreResult<u32> {
    let n: i64 = col(r, i)?;
    u32::try_from(n).map_err(|_| StoreError::Backend(format!("count out of range in column {i}")))
}

/// Due dates of a period in a scope, counted by village, worker and category (and month).
pub(super) async fn counts<C: GenericClient>(
    c: &C,
    scope: &Scope,
    run: &(String, String),
    q: &DueCountQuery,
) -> StoreResult<Vec<DueCount>> {
    let sql = format!(
        "SELECT d.village_id, d.worker_id, d.category, CASE WHEN $8 THEN d.due_month END AS m,
             count(*),
             count(*) FILTER (WHERE d.visited_day <= d.due_day),
             count(*) FILTER (WHERE d.visited_day > d.due_day),
             count(*) FILTER (WHERE d.visited_day IS NULL AND d.due_day < $7),
             count(*) FILTER (WHERE d.visited_day IS NULL AND d.due_day >= $7),
             count(*) FILTER (WHERE d.seq = 0)
         FROM org_units o JOIN dues d ON d.village_id = o.id
         WHERE {SCOPE} AND d.due_day BETWEEN $3 AND $4
         GROUP BY d.village_id, d.worker_id, d.category, m"
    );
    let rows = query(
        c,
        &sql,
        &[
            &scope.path,
            &scope.worker_id,
            &day_number(q.from),
            &day_number(q.to),
            &run.0,
            &run.1,
            &day_number(q.today),
            &q.by_month,
        ],
    )
    .await?;
    rows.iter()
        .map(|r| {
            Ok(DueCount {
                village_id: col(r, 0)?,
                worker_id: col(r, 1)?,
                category: col(r, 2)?,
                month: col(r, 3)?,
                due: count(r, 4)?,
                on_time: count(r, 5)?,
                late: count(r, 6)?,
                missed: count(r, 7)?,
                pending: count(r, 8)?,
                registered: count(r, 9)?,
            })
        })
        .collect()
}

/// Ledger rows of a scope one by one, with their households' names and masked ID numbers: an
/// open date carries them; a period's dates read them from the household.
pub(super) async fn entries<C: GenericClient>(
    c: &C,
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
                 FROM org_units o JOIN dues d ON d.village_id = o.id
                 JOIN households h ON h.id = d.household_id
                 WHERE {SCOPE} AND d.due_day BETWEEN $3 AND $4"
            ),
            day_number(from),
            day_number(to),
        ),
        DueRows::Open { before } => (
            format!(
                "SELECT d.household_id, d.head_name, d.id_masked, d.village_id, d.worker_id,
                     d.category, d.due_day, NULL::int4
                 FROM org_units o JOIN dues d ON d.village_id = o.id
                 WHERE {SCOPE} AND d.visited_day IS NULL AND d.due_day BETWEEN $3 AND $4"
            ),
            i32::MIN,
            before.map_or(i32::MAX, |b| day_number(b) - 1),
        ),
    };
    // Rows are decoded as they arrive, while the server still sends the rest (as SQLite steps
    // through its rows), rather than after the whole run has been received.
    let st = c.prepare_cached(&sql).await.map_err(backend)?;
    let params: [&(dyn ToSql + Sync); 6] =
        [&scope.path, &scope.worker_id, &from, &to, &run.0, &run.1];
    let stream = c.query_raw(&st, params).await.map_err(backend)?;
    futures_util::pin_mut!(stream);
    let mut out = Vec::new();
    while let Some(r) = stream.try_next().await.map_err(backend)? {
        let id: Option<String> = col(&r, 2)?;
        let id = id.unwrap_or_default();
        out.push(DueEntry {
            household_id: col(&r, 0)?,
            head_name: col::<Option<String>>(&r, 1)?.unwrap_or_default(),
            // An open date carries the number masked already.
            id_number: if open { id } else { mask_id_number(&id) },
            village_id: col(&r, 3)?,
            worker_id: col(&r, 4)?,
            category: col(&r, 5)?,
            due_on: from_day_number(col(&r, 6)?),
            visited_on: col::<Option<i32>>(&r, 7)?.map(from_day_number),
        });
    }
    Ok(out)
}
