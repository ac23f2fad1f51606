//! Coverage (`docs/domain.md` §5): for a unit, period, category and worker, the visits due by the
//! household's county schedule, visited on time, late, missed (or still pending), with
//! percentages, and the overdue list. Read from the store's due ledger (`store::dues`) by grouped
//! queries; computed from clear metadata only; ID numbers are masked in everything this returns.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use fieldvisit_core::caseload::{Category, Interval};
use serde::Serialize;

use super::Actor;
use super::error::OpsError;
use super::schedules::Schedules;
use crate::ids::is_safe_id;
use crate::state::AppState;
use crate::store::dues::month_number;
use crate::store::{DueCount, DueCountQuery, DueEntry, DueRows, OrgLevel, Role, Scope};

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
#[derive(Debug, Clone, Copy, PartialEq, Serialize, utoipa::ToSchema)]
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
        self.add_counts(t);
        self.update_pcts();
    }

    fn add_counts(&mut self, t: &Tally) {
        self.due += t.due;
        self.on_time += t.on_time;
        self.late += t.late;
        self.missed += t.missed;
        self.pending += t.pending;
    }

    fn update_pcts(&mut self) {
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
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct TallyRow {
    /// Village id, worker id or category code.
    pub key: String,
    /// The tally.
    #[serde(flatten)]
    pub tally: Tally,
}

/// A household past its due date with no visit.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
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
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
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
    /// Level of the `children` rows: the units one level below (`township`, `village`, …), or
    /// `worker` below a village.
    pub child_level: String,
    /// By unit one level below the one reported on (by worker below a village); empty when the
    /// report is of one worker's caseload.
    pub children: Vec<TallyRow>,
    /// Overdue now, most overdue first.
    pub overdue: Vec<OverdueItem>,
}

/// China Standard Time (UTC+8, no daylight saving): visit dates are local dates.
pub fn local_date(t: DateTime<Utc>) -> NaiveDate {
    crate::store::local_date(t)
}

/// What coverage reads, already limited to the caller's branch.
#[derive(Debug, Clone)]
pub struct Data {
    /// Unit reported on.
    pub unit_id: String,
    /// Its org path.
    pub unit_path: String,
    /// The day the report is made (local): open due dates before it are missed or overdue.
    pub today: NaiveDate,
    /// The period's due dates (of the filter's worker, when one is asked for) by village, worker
    /// and category.
    pub counts: Vec<DueCount>,
    /// Open due dates before `today`, with their households.
    pub overdue: Vec<DueEntry>,
    /// The units one level below the one reported on, and which of them holds each village:
    /// what the report's `children` rows add up. Empty for a village (its children are workers).
    pub children: Children,
}

/// The units one level below a report's unit, and which of them holds each village.
#[derive(Debug, Clone, Default)]
pub struct Children {
    /// Level of the child units (`township`, `village`, …), or `worker` below a village.
    pub level: String,
    /// Village id → child unit id.
    pub of_village: std::collections::HashMap<String, String>,
}

impl Children {
    /// The child units of `unit` from the units of its branch (ordered by path, as stores give
    /// them).
    pub fn of(unit: &crate::store::OrgUnit, units: &[crate::store::OrgUnit]) -> Self {
        let Some(level) = unit.level.child() else {
            return Children {
                level: "worker".into(),
                of_village: Default::default(),
            };
        };
        let depth = unit.path.matches('/').count();
        let of_village = units
            .iter()
            .filter(|u| u.level == OrgLevel::Village && u.path.starts_with(&unit.path))
            .filter_map(|v| {
                // The child is the segment right after the unit's own in the village's path.
                let child = v.path.split('/').nth(depth)?;
                Some((v.id.clone(), child.to_owned()))
            })
            .collect();
        Children {
            level: level.as_str().into(),
            of_village,
        }
    }
}

/// The unit a report of `filter` covers, for `actor` (supervisors; 404 outside the branch): its id
/// and the scope to read (its path, and the filter's worker).
pub async fn branch(
    state: &AppState,
    actor: &Actor,
    filter: &Filter,
) -> Result<(String, Scope), OpsError> {
    if actor.role != Role::Supervisor {
        return Err(OpsError::ForbiddenRole("coverage is for supervisors"));
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
        return Err(OpsError::InvalidId("worker"));
    }
    Ok((
        unit_id,
        Scope {
            path,
            worker_id: filter.worker_id.clone(),
        },
    ))
}

/// The child units of the report's unit, from the units of its branch.
async fn children(state: &AppState, path: &str) -> Result<Children, OpsError> {
    let units = state
        .store
        .org_units(&Scope {
            path: path.to_owned(),
            worker_id: None,
        })
        .await?;
    Ok(match units.iter().find(|u| u.path == path) {
        Some(unit) => Children::of(unit, &units),
        None => Children::default(),
    })
}

/// Loads what a coverage report of `filter` on `today` may read for `actor`: the period's due
/// dates counted by the store, and the overdue list.
pub async fn load(
    state: &AppState,
    actor: &Actor,
    filter: &Filter,
    today: NaiveDate,
) -> Result<Data, OpsError> {
    let (unit_id, scope) = branch(state, actor, filter).await?;
    let query = DueCountQuery {
        from: filter.from,
        to: filter.to,
        today,
        by_month: false,
    };
    let (counts, overdue, children) = tokio::try_join!(
        async { Ok::<_, OpsError>(state.store.due_counts(&scope, &query).await?) },
        async {
            let rows = DueRows::Open {
                before: Some(today),
            };
            Ok(state.store.due_entries(&scope, rows).await?)
        },
        children(state, &scope.path),
    )?;
    Ok(Data {
        unit_id,
        unit_path: scope.path,
        today,
        counts,
        overdue,
        children,
    })
}

impl Tally {
    /// The tally of one group of the ledger.
    fn of(c: &DueCount) -> Tally {
        let mut t = Tally {
            due: c.due,
            on_time: c.on_time,
            late: c.late,
            missed: c.missed,
            pending: c.pending,
            ..Tally::default()
        };
        t.update_pcts();
        t
    }
}

/// Tallies by key, in key order.
#[derive(Default)]
struct Sums(BTreeMap<String, Tally>);

impl Sums {
    fn add(&mut self, key: &str, t: &Tally) {
        match self.0.get_mut(key) {
            Some(sum) => sum.add_counts(t),
            None => {
                self.0.insert(key.to_owned(), *t);
            }
        }
    }

    fn rows(self) -> Vec<TallyRow> {
        self.0
            .into_iter()
            .map(|(key, mut tally)| {
                tally.update_pcts();
                TallyRow { key, tally }
            })
            .collect()
    }
}

fn in_filter(filter: &Filter, category: &str) -> bool {
    filter.category.is_none_or(|c| c.code() == category)
}

/// Orders categories as [`Category::ALL`] lists them (unknown codes last).
fn category_rank(code: &str) -> usize {
    Category::ALL
        .iter()
        .position(|c| c.code() == code)
        .unwrap_or(Category::ALL.len())
}

/// Computes coverage for `filter` from what [`load`] read; the overdue list moves into the
/// report (a county's is about 100,000 households, so its text is not copied).
pub fn compute(data: Data, filter: &Filter) -> Coverage {
    let (mut totals, mut villages, mut workers, mut categories) = (
        Tally::default(),
        Sums::default(),
        Sums::default(),
        Sums::default(),
    );
    for c in data
        .counts
        .iter()
        .filter(|c| in_filter(filter, &c.category))
    {
        let t = Tally::of(c);
        totals.add_counts(&t);
        villages.add(&c.village_id, &t);
        workers.add(c.worker_id.as_deref().unwrap_or("-"), &t);
        categories.add(&c.category, &t);
    }
    totals.update_pcts();
    let today = data.today;
    let mut overdue = data.overdue;
    overdue.retain(|e| in_filter(filter, &e.category));
    // Most overdue first, then by village, worker (none first) and household.
    overdue.sort_unstable_by(|a, b| {
        (a.due_on, &a.village_id, &a.worker_id, &a.household_id)
            .cmp(&(b.due_on, &b.village_id, &b.worker_id, &b.household_id))
            .then_with(|| category_rank(&a.category).cmp(&category_rank(&b.category)))
    });
    let overdue = overdue
        .into_iter()
        .map(|e| OverdueItem {
            household_id: e.household_id,
            head_name: e.head_name,
            // The store hands ID numbers out masked.
            id_number: e.id_number,
            village_id: e.village_id,
            category: e.category,
            worker_id: e.worker_id,
            due: e.due_on,
            days_overdue: (today - e.due_on).num_days(),
        })
        .collect();
    let by_village = villages.rows();
    let by_worker = workers.rows();
    let children = if filter.worker_id.is_some() {
        Vec::new()
    } else if data.children.level == "worker" {
        by_worker.clone()
    } else {
        roll_up(&by_village, &data.children)
    };
    let by_category = categories.rows();
    Coverage {
        unit_id: data.unit_id,
        from: filter.from,
        to: filter.to,
        today,
        totals,
        by_village,
        by_worker,
        by_category,
        child_level: data.children.level,
        children,
        overdue,
    }
}

/// Adds village rows up to the child units that hold them.
fn roll_up(by_village: &[TallyRow], children: &Children) -> Vec<TallyRow> {
    let mut sums = Sums::default();
    for row in by_village {
        if let Some(child) = children.of_village.get(&row.key) {
            sums.add(child, &row.tally);
        }
    }
    sums.rows()
}

/// The on-time record of one month.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct MonthTally {
    /// `YYYY-MM`.
    pub month: String,
    /// Visits due that month and what became of them.
    #[serde(flatten)]
    pub tally: Tally,
}

/// The first day of the month `back` months before `d`'s.
fn month_start(d: NaiveDate, back: u32) -> NaiveDate {
    let m = d.year() * 12 + d.month0() as i32 - back as i32;
    NaiveDate::from_ymd_opt(m.div_euclid(12), m.rem_euclid(12) as u32 + 1, 1).unwrap_or(d)
}

/// Coverage month by month over the `months` months up to and including `today`'s (the filter's
/// period is ignored), each due date counted in its month.
pub async fn trend(
    state: &AppState,
    actor: &Actor,
    filter: &Filter,
    today: NaiveDate,
    months: u32,
) -> Result<Vec<MonthTally>, OpsError> {
    let months = months.clamp(1, 36);
    let first = month_start(today, months - 1);
    let last = month_start(today, 0)
        .checked_add_months(chrono::Months::new(1))
        .and_then(|d| d.pred_opt())
        .unwrap_or(today);
    let (_, scope) = branch(state, actor, filter).await?;
    let query = DueCountQuery {
        from: first,
        to: last,
        today,
        by_month: true,
    };
    let counts = state.store.due_counts(&scope, &query).await?;
    let mut all = vec![Tally::default(); months as usize];
    let first_month = month_number(first);
    for c in counts.iter().filter(|c| in_filter(filter, &c.category)) {
        let Some(i) = c
            .month
            .and_then(|m| usize::try_from(m - first_month).ok())
            .filter(|i| *i < all.len())
        else {
            continue;
        };
        all[i].add_counts(&Tally::of(c));
    }
    Ok(all
        .into_iter()
        .enumerate()
        .map(|(i, mut tally)| {
            tally.update_pcts();
            MonthTally {
                month: month_start(today, months - 1 - i as u32)
                    .format("%Y-%m")
                    .to_string(),
                tally,
            }
        })
        .collect())
}

/// Which households a number of a report counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// With a visit due in the period.
    Due,
    /// Visited on time in the period.
    OnTime,
    /// Visited late in the period.
    Late,
    /// A due date in the period passed unvisited.
    Missed,
    /// A due date later in the period.
    Pending,
    /// Past its due date now.
    Overdue,
}

impl Status {
    /// Parses the query form.
    pub fn parse(s: &str) -> Option<Status> {
        Some(match s {
            "due" => Status::Due,
            "on_time" => Status::OnTime,
            "late" => Status::Late,
            "missed" => Status::Missed,
            "pending" => Status::Pending,
            "overdue" => Status::Overdue,
            _ => return None,
        })
    }
}

/// One household and category behind a report's numbers.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct HouseholdLine {
    /// Household id.
    pub household_id: String,
    /// Head of household (personal data, for supervisors of the branch).
    pub head_name: String,
    /// ID number, masked.
    pub id_number: String,
    /// Village id.
    pub village_id: String,
    /// Worker id.
    pub worker_id: Option<String>,
    /// Category code.
    pub category: String,
    /// This household's share of the report's numbers.
    #[serde(flatten)]
    pub tally: Tally,
    /// The open due date, if any.
    pub next_due: Option<NaiveDate>,
    /// Days past it, when it has passed.
    pub days_overdue: Option<i64>,
}

/// The households (by category) behind one number of a report on `today`: their shares add up
/// to it. Ordered by village, worker (none first), household id and category.
pub async fn households(
    state: &AppState,
    actor: &Actor,
    filter: &Filter,
    today: NaiveDate,
    status: Status,
) -> Result<Vec<HouseholdLine>, OpsError> {
    let (_, scope) = branch(state, actor, filter).await?;
    let (period, open) = tokio::try_join!(
        state.store.due_entries(
            &scope,
            DueRows::Period {
                from: filter.from,
                to: filter.to,
            }
        ),
        state
            .store
            .due_entries(&scope, DueRows::Open { before: None }),
    )?;
    type Key = (String, Option<String>, String, usize);
    let mut lines: BTreeMap<Key, HouseholdLine> = BTreeMap::new();
    let key = |e: &DueEntry| -> Key {
        (
            e.village_id.clone(),
            e.worker_id.clone(),
            e.household_id.clone(),
            category_rank(&e.category),
        )
    };
    let line = |e: &DueEntry| HouseholdLine {
        household_id: e.household_id.clone(),
        head_name: e.head_name.clone(),
        id_number: e.id_number.clone(),
        village_id: e.village_id.clone(),
        worker_id: e.worker_id.clone(),
        category: e.category.clone(),
        tally: Tally::default(),
        next_due: None,
        days_overdue: None,
    };
    for e in period.iter().filter(|e| in_filter(filter, &e.category)) {
        let outcome = match e.visited_on {
            Some(v) if v <= e.due_on => Outcome::OnTime,
            Some(_) => Outcome::Late,
            None if e.due_on < today => Outcome::Missed,
            None => Outcome::Pending,
        };
        lines
            .entry(key(e))
            .or_insert_with(|| line(e))
            .tally
            .count(outcome);
    }
    for e in open.iter().filter(|e| in_filter(filter, &e.category)) {
        let l = lines.entry(key(e)).or_insert_with(|| line(e));
        l.next_due = Some(e.due_on);
        l.days_overdue = (e.due_on < today).then(|| (today - e.due_on).num_days());
    }
    Ok(lines
        .into_values()
        .filter(|l| {
            let t = &l.tally;
            let counted = match status {
                Status::Due => t.due,
                Status::OnTime => t.on_time,
                Status::Late => t.late,
                Status::Missed => t.missed,
                Status::Pending => t.pending,
                Status::Overdue => u32::from(l.days_overdue.is_some()),
            };
            counted > 0
        })
        .map(|mut l| {
            l.tally.update_pcts();
            l
        })
        .collect())
}

/// What became of one due date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// Visited on or before it.
    OnTime,
    /// Visited after it.
    Late,
    /// Passed with no visit.
    Missed,
    /// Still ahead, not yet visited.
    Pending,
}

impl Tally {
    /// Counts one due date.
    fn count(&mut self, o: Outcome) {
        self.due += 1;
        match o {
            Outcome::OnTime => self.on_time += 1,
            Outcome::Late => self.late += 1,
            Outcome::Missed => self.missed += 1,
            Outcome::Pending => self.pending += 1,
        }
    }
}

/// A household's standing in one category: its default interval and the open due date.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DueLine {
    /// Category code.
    pub category: String,
    /// Default visit interval of the category in the household's county, `None` when unscheduled.
    #[serde(skip)]
    pub interval: Option<Interval>,
    /// The open due date.
    pub next_due: Option<NaiveDate>,
    /// Days past it, when it has passed.
    pub days_overdue: Option<i64>,
}

/// The registrations of `household` (of a village in the supervisor `actor`'s branch) with their
/// open due dates on `today`.
pub async fn household_dues(
    state: &AppState,
    actor: &Actor,
    household: &fieldvisit_core::caseload::Household,
    today: NaiveDate,
) -> Result<Vec<DueLine>, OpsError> {
    let filter = Filter {
        unit_id: Some(household.village_id.clone()),
        from: today,
        to: today,
        category: None,
        worker_id: None,
    };
    let (_, scope) = branch(state, actor, &filter).await?;
    let (open, schedules) = tokio::try_join!(
        async {
            Ok::<_, OpsError>(
                state
                    .store
                    .due_entries(&scope, DueRows::Open { before: None })
                    .await?,
            )
        },
        Schedules::load(state),
    )?;
    let schedule = schedules.for_path(&scope.path);
    Ok(household
        .categories
        .iter()
        .map(|reg| {
            let next_due = open
                .iter()
                .find(|e| e.household_id == household.id && e.category == reg.category.code())
                .map(|e| e.due_on);
            DueLine {
                category: reg.category.code().to_owned(),
                interval: schedule.rule(reg.category).map(|r| r.default),
                next_due,
                days_overdue: next_due
                    .filter(|d| *d < today)
                    .map(|d| (today - d).num_days()),
            }
        })
        .collect())
}
