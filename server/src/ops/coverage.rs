//! Coverage (`DOMAIN.md` §5): for a unit, period, category and worker, the visits due by the
//! household's county schedule, visited on time, late, missed (or still pending), with percentages, and the overdue list.
//! Computed from clear metadata only; ID numbers are masked in everything this returns.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use fieldvisit_core::caseload::{Category, mask_id_number};
use serde::Serialize;

use super::Actor;
use super::schedules::{Schedules, VillageSchedules};
use crate::error::AppError;
use crate::ids::is_safe_id;
use crate::state::AppState;
use crate::store::{CoverageHousehold, Role, Scope, VisitFacts, VisitMeta};

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
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
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

impl Default for Tally {
    /// Nothing due: both percentages are 100.
    fn default() -> Self {
        Tally {
            due: 0,
            on_time: 0,
            late: 0,
            missed: 0,
            pending: 0,
            on_time_pct: 100.0,
            visited_pct: 100.0,
        }
    }
}

impl Tally {
    /// Adds another tally's counts; the percentages follow the new counts.
    pub fn add(&mut self, t: &Tally) {
        self.due += t.due;
        self.on_time += t.on_time;
        self.late += t.late;
        self.missed += t.missed;
        self.pending += t.pending;
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
    crate::store::local_date(t)
}

/// The households and visits a report reads, already limited to the caller's branch.
#[derive(Debug, Clone)]
pub struct Data {
    /// Unit reported on.
    pub unit_id: String,
    /// Households in it (filtered by worker when asked), each with all its visits in compact form,
    /// corrections (visits that amend another) left out.
    pub households: Vec<CoverageHousehold>,
    /// Visits that started in the filter's period, corrections left out, with their evidence facts.
    pub visits: Vec<(VisitMeta, VisitFacts)>,
    /// The schedule of each village (its county's, or the defaults).
    pub schedules: VillageSchedules,
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
            let u = super::org::unit_in_scope(state, actor, id, "unit").await?;
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
    let schedules = Schedules::load(state)
        .await?
        .by_village(state, &scope.path)
        .await?;
    Ok(Data {
        unit_id,
        households: state.store.coverage_households(&scope).await?,
        visits: state
            .store
            .period_visits(&scope, filter.from, filter.to)
            .await?,
        schedules,
    })
}

/// Sums per key without allocating a key per household.
#[derive(Default)]
struct Sums<'a>(HashMap<&'a str, Tally>);

impl<'a> Sums<'a> {
    fn add(&mut self, key: &'a str, t: &Tally) {
        self.0.entry(key).or_default().add(t);
    }

    fn rows(self) -> Vec<TallyRow> {
        let mut rows: Vec<TallyRow> = self
            .0
            .into_iter()
            .map(|(key, t)| TallyRow {
                key: key.to_owned(),
                tally: t,
            })
            .collect();
        rows.sort_by(|a, b| a.key.cmp(&b.key));
        rows
    }
}

/// Computes coverage for `filter` on `today`, each household by its village's schedule.
pub fn compute(data: &Data, filter: &Filter, today: NaiveDate) -> Coverage {
    let period = filter.from..=filter.to;
    let mut totals = Tally::default();
    let mut villages = Sums::default();
    let mut workers = Sums::default();
    let mut categories = Sums::default();
    let mut overdue = Vec::new();
    for h in &data.households {
        let schedule = data.schedules.get(&h.village_id);
        for reg in &h.categories {
            if filter.category.is_some_and(|c| c != reg.category) {
                continue;
            }
            let mut t = Tally::default();
            let mut due = schedule.next_due(reg.category, reg.since, None);
            // Visits come ordered by category, then start.
            for v in h.visits.iter().filter(|v| v.category == reg.category) {
                let Some(d) = due else { break };
                if period.contains(&d) {
                    t.due += 1;
                    if v.on <= d {
                        t.on_time += 1;
                    } else {
                        t.late += 1;
                    }
                }
                due = schedule.due_after(reg.category, v.on, v.level.as_deref());
            }
            if let Some(d) = due {
                if d < today {
                    overdue.push(OverdueItem {
                        household_id: h.id.clone(),
                        head_name: h.head_name.clone(),
                        id_number: mask_id_number(&h.id_number),
                        village_id: h.village_id.clone(),
                        category: reg.category.code().to_owned(),
                        worker_id: h.worker_id.clone(),
                        due: d,
                        days_overdue: (today - d).num_days(),
                    });
                }
                if period.contains(&d) {
                    t.due += 1;
                    if d < today {
                        t.missed += 1;
                    } else {
                        t.pending += 1;
                    }
                }
            }
            villages.add(&h.village_id, &t);
            workers.add(h.worker_id.as_deref().unwrap_or("-"), &t);
            categories.add(reg.category.code(), &t);
            totals.add(&t);
        }
    }
    overdue.sort_by(|a, b| {
        b.days_overdue
            .cmp(&a.days_overdue)
            .then(a.household_id.cmp(&b.household_id))
    });
    Coverage {
        unit_id: data.unit_id.clone(),
        from: filter.from,
        to: filter.to,
        today,
        totals,
        by_village: villages.rows(),
        by_worker: workers.rows(),
        by_category: categories.rows(),
        overdue,
    }
}
