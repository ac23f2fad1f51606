//! Coverage (`docs/domain.md` §5): for a unit, period, category and worker, the visits due by the
//! household's county schedule, visited on time, late, missed (or still pending), with percentages, and the overdue list.
//! Computed from clear metadata only; ID numbers are masked in everything this returns.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use fieldvisit_core::caseload::{Category, Interval, ScheduleConfig, mask_id_number};
use serde::Serialize;

use super::Actor;
use super::error::OpsError;
use super::schedules::{Schedules, VillageSchedules};
use crate::ids::is_safe_id;
use crate::state::AppState;
use crate::store::{BookVisit, CoverageBook, OrgLevel, Role, Scope};

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
    /// Its households (of the filter's worker, when one is asked for) with their visits.
    pub book: CoverageBook,
    /// The schedule of each village (its county's, or the defaults).
    pub schedules: VillageSchedules,
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

/// Loads what a coverage report of `filter` may read for `actor`.
pub async fn load(state: &AppState, actor: &Actor, filter: &Filter) -> Result<Data, OpsError> {
    let (unit_id, scope) = branch(state, actor, filter).await?;
    let schedules = Schedules::load(state)
        .await?
        .by_village(state, &scope.path)
        .await?;
    let branch_scope = Scope {
        path: scope.path.clone(),
        worker_id: None,
    };
    let (book, units) = tokio::try_join!(
        state.store.coverage_book(&scope),
        state.store.org_units(&branch_scope)
    )?;
    let children = match units.iter().find(|u| u.path == scope.path) {
        Some(unit) => Children::of(unit, &units),
        None => Children::default(),
    };
    Ok(Data {
        unit_id,
        book,
        unit_path: scope.path,
        schedules,
        children,
    })
}

/// The intervals of one schedule, by category and by the book's level numbers: the replay of a
/// million visits looks nothing up by name.
struct Intervals {
    /// Per category (in [`Category::ALL`] order): the default and the interval of each book level.
    by_category: Vec<Option<(Interval, Vec<Interval>)>>,
}

impl Intervals {
    fn new(schedule: &ScheduleConfig, levels: &[String]) -> Self {
        Intervals {
            by_category: Category::ALL
                .iter()
                .map(|c| {
                    schedule.rule(*c).map(|r| {
                        let by_level = levels.iter().map(|l| r.interval(Some(l))).collect();
                        (r.default, by_level)
                    })
                })
                .collect(),
        }
    }
}

fn category_index(c: Category) -> usize {
    Category::ALL.iter().position(|x| *x == c).unwrap_or(0)
}

/// Tallies by a small dense key (village, worker or category number).
struct Sums(Vec<Option<Tally>>);

impl Sums {
    fn new(n: usize) -> Self {
        Sums(vec![None; n])
    }

    fn add(&mut self, i: usize, t: &Tally) {
        self.0[i].get_or_insert_default().add_counts(t);
    }

    fn merge(&mut self, other: Sums) {
        for (i, t) in other.0.into_iter().enumerate() {
            if let Some(t) = t {
                self.add(i, &t);
            }
        }
    }

    fn rows(self, key: impl Fn(usize) -> String) -> Vec<TallyRow> {
        let mut rows: Vec<TallyRow> = self
            .0
            .into_iter()
            .enumerate()
            .filter_map(|(i, t)| {
                let mut tally = t?;
                tally.update_pcts();
                Some(TallyRow { key: key(i), tally })
            })
            .collect();
        rows.sort_by(|a, b| a.key.cmp(&b.key));
        rows
    }
}

/// What one share of a book's households adds up to.
struct Part {
    totals: Tally,
    villages: Sums,
    workers: Sums,
    categories: Sums,
    /// (due, household number, category): small records until sorted.
    overdue: Vec<(NaiveDate, u32, Category)>,
}

impl Part {
    fn new(book: &CoverageBook) -> Self {
        Part {
            totals: Tally::default(),
            villages: Sums::new(book.villages.len()),
            // The last slot is for households with no worker.
            workers: Sums::new(book.workers.len() + 1),
            categories: Sums::new(Category::ALL.len()),
            overdue: Vec::new(),
        }
    }

    fn merge(&mut self, other: Part) {
        self.totals.add_counts(&other.totals);
        self.villages.merge(other.villages);
        self.workers.merge(other.workers);
        self.categories.merge(other.categories);
        self.overdue.extend(other.overdue);
    }
}

/// Households per thread below which a report is not worth splitting.
const MIN_SHARE: usize = 20_000;

/// What became of one due date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
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

/// Replays one registration's visits against its schedule rule: every due date it had, with its
/// outcome, goes to `on_due`; returns the due date still open (the next visit's), if any. The
/// first visit is due at registration; each visit sets the next due date by its level.
fn replay(
    visits: &[BookVisit],
    reg: &fieldvisit_core::caseload::CategoryRegistration,
    rule: Option<&(Interval, Vec<Interval>)>,
    today: NaiveDate,
    mut on_due: impl FnMut(NaiveDate, Outcome),
) -> Option<NaiveDate> {
    let (default, by_level) = rule?;
    let mut due = Some(reg.since);
    for v in visits.iter().filter(|v| v.category == reg.category) {
        let Some(d) = due else { break };
        on_due(
            d,
            if v.on <= d {
                Outcome::OnTime
            } else {
                Outcome::Late
            },
        );
        let interval = v.level.map_or(*default, |l| by_level[l as usize]);
        due = interval.after(v.on);
    }
    if let Some(d) = due {
        on_due(
            d,
            if d < today {
                Outcome::Missed
            } else {
                Outcome::Pending
            },
        );
    }
    due
}

/// The intervals of every village of a book, each distinct schedule resolved once.
fn village_intervals(data: &Data) -> (Vec<Intervals>, Vec<usize>) {
    let book = &data.book;
    let mut schedules: Vec<(&ScheduleConfig, Intervals)> = Vec::new();
    let village_schedule: Vec<usize> = book
        .villages
        .iter()
        .map(|v| {
            let s = data.schedules.get(v);
            match schedules.iter().position(|(x, _)| std::ptr::eq(*x, s)) {
                Some(i) => i,
                None => {
                    schedules.push((s, Intervals::new(s, &book.levels)));
                    schedules.len() - 1
                }
            }
        })
        .collect();
    (
        schedules.into_iter().map(|(_, i)| i).collect(),
        village_schedule,
    )
}

/// Runs `f` over shares of `n` households on the machine's cores (one share when small).
fn on_shares<P: Send>(n: usize, f: impl Fn(std::ops::Range<usize>) -> P + Sync) -> Vec<P> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |p| p.get())
        .min(n / MIN_SHARE)
        .max(1);
    let share = n.div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let f = &f;
        let handles: Vec<_> = (1..threads)
            .map(|t| {
                let range = t * share..((t + 1) * share).min(n);
                scope.spawn(move || f(range))
            })
            .collect();
        let mut parts = vec![f(0..share.min(n))];
        // A share that panicked is a bug in the replay; re-raise it here rather than under-count.
        parts.extend(
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))),
        );
        parts
    })
}

/// Replays each household's visits in `range` against its schedule.
fn tally(
    book: &CoverageBook,
    intervals: &[&Intervals],
    filter: &Filter,
    today: NaiveDate,
    range: std::ops::Range<usize>,
) -> Part {
    let period = filter.from..=filter.to;
    let mut part = Part::new(book);
    for (hi, h) in book.households[range.clone()]
        .iter()
        .enumerate()
        .map(|(i, h)| (range.start + i, h))
    {
        let intervals = intervals[h.village as usize];
        let visits = book.visits_of(h);
        for reg in book.registrations_of(h) {
            if filter.category.is_some_and(|c| c != reg.category) {
                continue;
            }
            let ci = category_index(reg.category);
            let mut t = Tally::default();
            let open = replay(
                visits,
                reg,
                intervals.by_category[ci].as_ref(),
                today,
                |d, o| {
                    if period.contains(&d) {
                        t.count(o);
                    }
                },
            );
            if let Some(d) = open
                && d < today
            {
                part.overdue.push((d, hi as u32, reg.category));
            }
            part.villages.add(h.village as usize, &t);
            part.workers
                .add(h.worker.map_or(book.workers.len(), |w| w as usize), &t);
            part.categories.add(ci, &t);
            part.totals.add_counts(&t);
        }
    }
    part
}

/// Computes coverage for `filter` on `today`, each household by its village's schedule; a large
/// branch is shared out over the machine's cores.
pub fn compute(data: &Data, filter: &Filter, today: NaiveDate) -> Coverage {
    let book = &data.book;
    // Schedules are shared by many villages: resolve each distinct one once.
    let (schedules, village_schedule) = village_intervals(data);
    let intervals: Vec<&Intervals> = village_schedule.iter().map(|&i| &schedules[i]).collect();
    let n = book.households.len();
    let threads = std::thread::available_parallelism()
        .map_or(1, |p| p.get())
        .min(n / MIN_SHARE)
        .max(1);
    let mut parts = on_shares(n, |range| tally(book, &intervals, filter, today, range)).into_iter();
    let mut all = parts.next().unwrap_or_else(|| Part::new(book));
    for p in parts {
        all.merge(p);
    }
    let Part {
        mut totals,
        villages,
        workers,
        categories,
        mut overdue,
    } = all;
    totals.update_pcts();
    // Most overdue first, then in the book's order (village, worker, household id).
    overdue.sort_unstable();
    let item = |&(due, hi, category): &(NaiveDate, u32, Category)| {
        let h = &book.households[hi as usize];
        OverdueItem {
            household_id: book.id(h).to_owned(),
            head_name: book.head_name(h).to_owned(),
            id_number: mask_id_number(book.id_number(h)),
            village_id: book.village(h).to_owned(),
            category: category.code().to_owned(),
            worker_id: book.worker(h).map(str::to_owned),
            due,
            days_overdue: (today - due).num_days(),
        }
    };
    // A county's list has about 100,000 rows of owned text: build its halves side by side.
    let overdue: Vec<OverdueItem> = if threads > 1 {
        let (first, second) = overdue.split_at(overdue.len() / 2);
        std::thread::scope(|scope| {
            let second = scope.spawn(|| second.iter().map(item).collect::<Vec<_>>());
            let mut all: Vec<OverdueItem> = first.iter().map(item).collect();
            all.extend(
                second
                    .join()
                    .unwrap_or_else(|e| std::panic::resume_unwind(e)),
            );
            all
        })
    } else {
        overdue.iter().map(item).collect()
    };
    let by_village = villages.rows(|i| book.villages[i].clone());
    let by_worker = workers.rows(|i| book.workers.get(i).cloned().unwrap_or_else(|| "-".into()));
    let children = if filter.worker_id.is_some() {
        Vec::new()
    } else if data.children.level == "worker" {
        by_worker.clone()
    } else {
        roll_up(&by_village, &data.children)
    };
    Coverage {
        unit_id: data.unit_id.clone(),
        from: filter.from,
        to: filter.to,
        today,
        totals,
        by_village,
        by_worker,
        by_category: categories.rows(|i| Category::ALL[i].code().to_owned()),
        child_level: data.children.level.clone(),
        children,
        overdue,
    }
}

/// Adds village rows up to the child units that hold them.
fn roll_up(by_village: &[TallyRow], children: &Children) -> Vec<TallyRow> {
    let mut sums: std::collections::BTreeMap<&str, Tally> = std::collections::BTreeMap::new();
    for row in by_village {
        let Some(child) = children.of_village.get(&row.key) else {
            continue;
        };
        sums.entry(child.as_str()).or_default().add(&row.tally);
    }
    sums.into_iter()
        .map(|(k, tally)| TallyRow {
            key: k.to_owned(),
            tally,
        })
        .collect()
}

/// The on-time record of one month.
#[derive(Debug, Clone, PartialEq, Serialize)]
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

/// Coverage month by month over the `months` months up to and including `today`'s: one replay of
/// the filter's households (its period is ignored), each due date counted in its month.
pub fn trend(data: &Data, filter: &Filter, today: NaiveDate, months: u32) -> Vec<MonthTally> {
    let months = months.clamp(1, 36);
    let first = month_start(today, months - 1);
    let index = |d: NaiveDate| -> Option<usize> {
        let i = (d.year() - first.year()) * 12 + d.month0() as i32 - first.month0() as i32;
        (0..months as i32).contains(&i).then_some(i as usize)
    };
    let book = &data.book;
    let (schedules, village_schedule) = village_intervals(data);
    let parts = on_shares(book.households.len(), |range| {
        let mut buckets = vec![Tally::default(); months as usize];
        for h in &book.households[range] {
            let intervals = &schedules[village_schedule[h.village as usize]];
            let visits = book.visits_of(h);
            for reg in book.registrations_of(h) {
                if filter.category.is_some_and(|c| c != reg.category) {
                    continue;
                }
                let rule = intervals.by_category[category_index(reg.category)].as_ref();
                replay(visits, reg, rule, today, |d, o| {
                    if let Some(i) = index(d) {
                        buckets[i].count(o);
                    }
                });
            }
        }
        buckets
    });
    let mut all = vec![Tally::default(); months as usize];
    for p in parts {
        for (a, b) in all.iter_mut().zip(p) {
            a.add_counts(&b);
        }
    }
    all.into_iter()
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
        .collect()
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
#[derive(Debug, Clone, PartialEq, Serialize)]
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

/// The households (by category) behind one number of a report: their shares add up to it. In
/// the book's order (village, worker, household id).
pub fn households(
    data: &Data,
    filter: &Filter,
    today: NaiveDate,
    status: Status,
) -> Vec<HouseholdLine> {
    let period = filter.from..=filter.to;
    let book = &data.book;
    let (schedules, village_schedule) = village_intervals(data);
    let parts = on_shares(book.households.len(), |range| {
        let mut lines = Vec::new();
        for h in &book.households[range] {
            let intervals = &schedules[village_schedule[h.village as usize]];
            let visits = book.visits_of(h);
            for reg in book.registrations_of(h) {
                if filter.category.is_some_and(|c| c != reg.category) {
                    continue;
                }
                let rule = intervals.by_category[category_index(reg.category)].as_ref();
                let mut t = Tally::default();
                let open = replay(visits, reg, rule, today, |d, o| {
                    if period.contains(&d) {
                        t.count(o);
                    }
                });
                let overdue = open.filter(|d| *d < today).map(|d| (today - d).num_days());
                let counted = match status {
                    Status::Due => t.due,
                    Status::OnTime => t.on_time,
                    Status::Late => t.late,
                    Status::Missed => t.missed,
                    Status::Pending => t.pending,
                    Status::Overdue => u32::from(overdue.is_some()),
                };
                if counted == 0 {
                    continue;
                }
                t.update_pcts();
                lines.push(HouseholdLine {
                    household_id: book.id(h).to_owned(),
                    head_name: book.head_name(h).to_owned(),
                    id_number: mask_id_number(book.id_number(h)),
                    village_id: book.village(h).to_owned(),
                    worker_id: book.worker(h).map(str::to_owned),
                    category: reg.category.code().to_owned(),
                    tally: t,
                    next_due: open,
                    days_overdue: overdue,
                });
            }
        }
        lines
    });
    parts.into_iter().flatten().collect()
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

/// The categories of household `household_id` in the book with their next due dates.
pub fn household_dues(data: &Data, household_id: &str, today: NaiveDate) -> Vec<DueLine> {
    let book = &data.book;
    let Some(h) = book.households.iter().find(|h| book.id(h) == household_id) else {
        return Vec::new();
    };
    let (schedules, village_schedule) = village_intervals(data);
    let intervals = &schedules[village_schedule[h.village as usize]];
    let visits = book.visits_of(h);
    book.registrations_of(h)
        .iter()
        .map(|reg| {
            let rule = intervals.by_category[category_index(reg.category)].as_ref();
            let open = replay(visits, reg, rule, today, |_, _| {});
            DueLine {
                category: reg.category.code().to_owned(),
                interval: rule.map(|(d, _)| *d),
                next_due: open,
                days_overdue: open.filter(|d| *d < today).map(|d| (today - d).num_days()),
            }
        })
        .collect()
}
