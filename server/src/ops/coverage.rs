//! Coverage (`DOMAIN.md` §5): for a unit, period, category and worker, the visits due by the
//! household's county schedule, visited on time, late, missed (or still pending), with percentages, and the overdue list.
//! Computed from clear metadata only; ID numbers are masked in everything this returns.

use chrono::{DateTime, NaiveDate, Utc};
use fieldvisit_core::caseload::{Category, Interval, ScheduleConfig, mask_id_number};
use serde::Serialize;

use super::Actor;
use super::error::OpsError;
use super::schedules::{Schedules, VillageSchedules};
use crate::ids::is_safe_id;
use crate::state::AppState;
use crate::store::{CoverageBook, Role, Scope};

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
    Ok(Data {
        unit_id,
        book: state.store.coverage_book(&scope).await?,
        unit_path: scope.path,
        schedules,
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
            let rule = intervals.by_category[ci].as_ref();
            let mut t = Tally::default();
            let mut due = rule.map(|_| reg.since);
            for v in visits.iter().filter(|v| v.category == reg.category) {
                let (Some(d), Some((default, by_level))) = (due, rule) else {
                    break;
                };
                if period.contains(&d) {
                    t.due += 1;
                    if v.on <= d {
                        t.on_time += 1;
                    } else {
                        t.late += 1;
                    }
                }
                let interval = v.level.map_or(*default, |l| by_level[l as usize]);
                due = interval.after(v.on);
            }
            if let Some(d) = due {
                if d < today {
                    part.overdue.push((d, hi as u32, reg.category));
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
    let intervals: Vec<&Intervals> = village_schedule.iter().map(|&i| &schedules[i].1).collect();
    let n = book.households.len();
    let threads = std::thread::available_parallelism()
        .map_or(1, |p| p.get())
        .min(n / MIN_SHARE)
        .max(1);
    let share = n.div_ceil(threads);
    let mut parts = std::thread::scope(|scope| {
        let handles: Vec<_> = (1..threads)
            .map(|t| {
                let range = t * share..((t + 1) * share).min(n);
                let intervals = &intervals;
                scope.spawn(move || tally(book, intervals, filter, today, range))
            })
            .collect();
        let mut parts = vec![tally(book, &intervals, filter, today, 0..share.min(n))];
        // A share that panicked is a bug in `tally`; re-raise it here rather than under-count.
        parts.extend(
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))),
        );
        parts
    })
    .into_iter();
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
    Coverage {
        unit_id: data.unit_id.clone(),
        from: filter.from,
        to: filter.to,
        today,
        totals,
        by_village: villages.rows(|i| book.villages[i].clone()),
        by_worker: workers.rows(|i| book.workers.get(i).cloned().unwrap_or_else(|| "-".into())),
        by_category: categories.rows(|i| Category::ALL[i].code().to_owned()),
        overdue,
    }
}
