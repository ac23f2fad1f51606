//! Coverage (`DOMAIN.md` §5): for a unit, period, category and worker, the visits due by core's
//! schedule, visited on time, late, missed (or still pending), with percentages, and the overdue list.
//! Computed from clear metadata only; ID numbers are masked in everything this returns.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use fieldvisit_core::caseload::{Category, LastVisit, ScheduleConfig, mask_id_number};
use serde::Serialize;

use super::Actor;
use crate::error::AppError;
use crate::ids::is_safe_id;
use crate::state::AppState;
use crate::store::{HouseholdRow, Role, Scope, VisitMeta};

/// What a report covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    /// County, township or village; the caller's own branch when `None`.
    pub unit_id: Option<String>,
    /// First day (local date, inclusive).
    pub from: NaiveDate,
    /// Last day (inclusive).
    pub to: NaiveDate,
    /// Only this category.
    pub category: Option<Category>,
    /// Only this worker's caseload.
    pub worker_id: Option<String>,
}

/// Due visits and what became of them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Tally {
    /// Visits due in the period.
    pub due: u32,
    /// Visited on or before the due date.
    pub on_time: u32,
    /// Visited after the due date.
    pub late: u32,
    /// Due date passed with no visit.
    pub missed: u32,
    /// Due later in the period, not yet visited.
    pub pending: u32,
    /// `on_time` / (`due` − `pending`), in percent (100 when nothing was due yet).
    pub on_time_pct: f64,
    /// (`on_time` + `late`) / (`due` − `pending`), in percent.
    pub visited_pct: f64,
}

impl Tally {
    fn finish(mut self) -> Self {
        let closed = self.due - self.pending;
        let pct = |n: u32| {
            if closed == 0 {
                100.0
            } else {
                (f64::from(n) * 1000.0 / f64::from(closed)).round() / 10.0
            }
        };
        self.on_time_pct = pct(self.on_time);
        self.visited_pct = pct(self.on_time + self.late);
        self
    }
}

/// A tally for one village, worker or category.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TallyRow {
    /// Village id, worker id or category code.
    pub key: String,
    /// The tally.
    #[serde(flatten)]
    pub tally: Tally,
}

/// A household past its due date with no visit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OverdueItem {
    /// Household id.
    pub household_id: String,
    /// Head of household (personal data, for supervisors of the branch).
    pub head_name: String,
    /// ID number, masked.
    pub id_number: String,
    /// Village id.
    pub village_id: String,
    /// Category code.
    pub category: String,
    /// Worker id.
    pub worker_id: Option<String>,
    /// Due date.
    pub due: NaiveDate,
    /// Days past due.
    pub days_overdue: i64,
}

/// The coverage report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Coverage {
    /// Unit reported on.
    pub unit_id: String,
    /// Period.
    pub from: NaiveDate,
    /// Period end.
    pub to: NaiveDate,
    /// Day the report was made (local).
    pub today: NaiveDate,
    /// All of it.
    pub totals: Tally,
    /// By village.
    pub by_village: Vec<TallyRow>,
    /// By worker (`-` for households with none).
    pub by_worker: Vec<TallyRow>,
    /// By category.
    pub by_category: Vec<TallyRow>,
    /// Overdue now, most overdue first.
    pub overdue: Vec<OverdueItem>,
}

/// China Standard Time (UTC+8, no daylight saving): visit dates are local dates.
pub fn local_date(t: DateTime<Utc>) -> NaiveDate {
    (t + chrono::Duration::hours(8)).date_naive()
}

/// The households and visits a report reads, already limited to the caller's branch.
#[derive(Debug, Clone)]
pub struct Data {
    /// Unit reported on.
    pub unit_id: String,
    /// Households in it (filtered by worker when asked).
    pub households: Vec<HouseholdRow>,
    /// Their visits, corrections (visits that amend another) left out.
    pub visits: Vec<VisitMeta>,
    /// The signed clear metadata of those visits: (visit id, body JSON).
    pub bodies: Vec<(String, String)>,
}

/// Only the `amends` field of a body.
#[derive(serde::Deserialize)]
struct AmendsOnly {
    #[serde(default)]
    amends: Option<String>,
}

/// Loads what a report of `filter` may read for `actor` (supervisors; 404 outside the branch).
pub async fn load(state: &AppState, actor: &Actor, filter: &Filter) -> Result<Data, AppError> {
    if actor.role != Role::Supervisor {
        return Err(AppError::forbidden(
            "forbidden_role",
            "coverage is for supervisors",
        ));
    }
    let (unit_id, path) = match &filter.unit_id {
        None => (
            actor
                .scope_path
                .trim_end_matches('/')
                .rsplit('/')
                .next()
                .unwrap_or("-")
                .to_owned(),
            actor.scope_path.clone(),
        ),
        Some(id) => {
            if !is_safe_id(id) {
                return Err(AppError::invalid_id("unit"));
            }
            let u = state
                .store
                .org_unit(id)
                .await?
                .filter(|u| actor.covers(&u.path))
                .ok_or_else(|| AppError::not_found("org unit"))?;
            (u.id, u.path)
        }
    };
    if let Some(w) = &filter.worker_id
        && !is_safe_id(w)
    {
        return Err(AppError::invalid_id("worker"));
    }
    let scope = Scope {
        path,
        worker_id: filter.worker_id.clone(),
    };
    let bodies = state.store.visit_bodies(&scope).await?;
    // A correction is the same visit again, not another one: it must not reset the schedule.
    let corrections: std::collections::HashSet<&str> = bodies
        .iter()
        .filter(|(_, b)| serde_json::from_str::<AmendsOnly>(b).is_ok_and(|a| a.amends.is_some()))
        .map(|(id, _)| id.as_str())
        .collect();
    let visits = state
        .store
        .visits(&scope)
        .await?
        .into_iter()
        .filter(|v| !corrections.contains(v.visit_id.as_str()))
        .collect();
    Ok(Data {
        unit_id,
        households: state.store.households(&scope).await?,
        visits,
        bodies,
    })
}

/// Computes coverage for `filter` on `today` with `schedule`.
pub fn compute(
    data: &Data,
    filter: &Filter,
    schedule: &ScheduleConfig,
    today: NaiveDate,
) -> Coverage {
    let mut by_household: HashMap<&str, Vec<&VisitMeta>> = HashMap::new();
    for v in &data.visits {
        by_household
            .entry(v.household_id.as_str())
            .or_default()
            .push(v);
    }
    let mut totals = Tally::default();
    let mut villages: BTreeMap<String, Tally> = BTreeMap::new();
    let mut workers: BTreeMap<String, Tally> = BTreeMap::new();
    let mut categories: BTreeMap<String, Tally> = BTreeMap::new();
    let mut overdue = Vec::new();
    for row in &data.households {
        let h = &row.household;
        for reg in &h.categories {
            if filter.category.is_some_and(|c| c != reg.category) {
                continue;
            }
            let mut visits: Vec<&VisitMeta> = by_household
                .get(h.id.as_str())
                .map(|v| {
                    v.iter()
                        .copied()
                        .filter(|v| v.category == reg.category.code())
                        .collect()
                })
                .unwrap_or_default();
            visits.sort_by_key(|v| v.started_at);
            let mut t = Tally::default();
            let mut due = schedule.next_due(reg.category, reg.since, None);
            for v in visits {
                let Some(d) = due else { break };
                let on = local_date(v.started_at);
                if (filter.from..=filter.to).contains(&d) {
                    t.due += 1;
                    if on <= d {
                        t.on_time += 1;
                    } else {
                        t.late += 1;
                    }
                }
                let last = LastVisit {
                    on,
                    level: v.level.clone(),
                };
                due = schedule.next_due(reg.category, reg.since, Some(&last));
            }
            if let Some(d) = due {
                if d < today {
                    overdue.push(OverdueItem {
                        household_id: h.id.clone(),
                        head_name: h.head_name.clone(),
                        id_number: mask_id_number(&h.id_number),
                        village_id: h.village_id.clone(),
                        category: reg.category.code().to_owned(),
                        worker_id: row.worker_id.clone(),
                        due: d,
                        days_overdue: (today - d).num_days(),
                    });
                }
                if (filter.from..=filter.to).contains(&d) {
                    t.due += 1;
                    if d < today {
                        t.missed += 1;
                    } else {
                        t.pending += 1;
                    }
                }
            }
            let worker = row.worker_id.clone().unwrap_or_else(|| "-".into());
            for (map, key) in [
                (&mut villages, h.village_id.clone()),
                (&mut workers, worker),
                (&mut categories, reg.category.code().to_owned()),
            ] {
                add(map.entry(key).or_default(), &t);
            }
            add(&mut totals, &t);
        }
    }
    overdue.sort_by(|a, b| {
        b.days_overdue
            .cmp(&a.days_overdue)
            .then(a.household_id.cmp(&b.household_id))
    });
    let rows = |m: BTreeMap<String, Tally>| {
        m.into_iter()
            .map(|(key, t)| TallyRow {
                key,
                tally: t.finish(),
            })
            .collect()
    };
    Coverage {
        unit_id: data.unit_id.clone(),
        from: filter.from,
        to: filter.to,
        today,
        totals: totals.finish(),
        by_village: rows(villages),
        by_worker: rows(workers),
        by_category: rows(categories),
        overdue,
    }
}

fn add(into: &mut Tally, t: &Tally) {
    into.due += t.due;
    into.on_time += t.on_time;
    into.late += t.late;
    into.missed += t.missed;
    into.pending += t.pending;
}
