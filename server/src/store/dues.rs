//! The due ledger (`docs/domain.md` §5): one row for every date a household's category was or is
//! due, with the day it was visited. The first visit is due at registration; each visit closes
//! the open due date and, by the interval its level selects in the county's schedule, opens the
//! next. Coverage, the overdue list, the trend and the briefing are set-based queries over these
//! rows on every backend. Each backend rewrites a household's rows by [`dues_of`] inside the
//! transaction that changes its visits, registrations, village or worker, and a county's rows in
//! the transaction that changes its schedule.

use chrono::{Datelike, NaiveDate};
use fieldvisit_core::caseload::{CategoryRegistration, ScheduleConfig};

use super::CountySchedule;

/// Whose ledger rows a backend rewrites.
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    /// One household (after a visit or a change to its record).
    Household(&'a str),
    /// Every household under an org path (after a schedule change, and when the ledger is built).
    Branch(&'a str),
}

/// A visit as the ledger reads it: corrections are never given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueVisit {
    /// Category code served.
    pub category: String,
    /// Local date it started.
    pub on: NaiveDate,
    /// The template's schedule level, if it sets one.
    pub level: Option<String>,
}

/// One due date of a household's category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    /// Category code.
    pub category: &'static str,
    /// 0 for the date due at registration, then one more per visit.
    pub seq: u32,
    /// When it was due.
    pub due_on: NaiveDate,
    /// When the visit that closed it happened; `None` while it is open.
    pub visited_on: Option<NaiveDate>,
}

/// The due dates of one household: per registration with a rule in `schedule`, its visits
/// (`visits` in start order, categories interleaved) replayed against the rule. Visits of
/// categories the household is not registered for are not counted. A category registered twice
/// (imports refuse it, older records may hold it) counts once, from its earliest date.
pub fn dues_of(
    registrations: &[CategoryRegistration],
    visits: &[DueVisit],
    schedule: &ScheduleConfig,
) -> Vec<Due> {
    let mut out = Vec::new();
    for (i, reg) in registrations.iter().enumerate() {
        let earlier = |(j, r): (usize, &CategoryRegistration)| {
            r.category == reg.category && (r.since, j) < (reg.since, i)
        };
        if registrations.iter().enumerate().any(earlier) {
            continue;
        }
        let Some(rule) = schedule.rule(reg.category) else {
            continue;
        };
        let code = reg.category.code();
        let mut due = Some(reg.since);
        let mut seq = 0;
        for v in visits.iter().filter(|v| v.category == code) {
            let Some(d) = due else { break };
            out.push(Due {
                category: code,
                seq,
                due_on: d,
                visited_on: Some(v.on),
            });
            seq += 1;
            due = rule.interval(v.level.as_deref()).after(v.on);
        }
        if let Some(d) = due {
            out.push(Due {
                category: code,
                seq,
                due_on: d,
                visited_on: None,
            });
        }
    }
    out
}

/// What a newly stored visit changes in its household's ledger, found from the last ledger row
/// of its category: most visits are later than every visit counted so far, and then only the open
/// date closes and the next one opens; any other visit replays the household.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Nothing: the category has no open date, and the visit comes after every visit counted (a
    /// one-off category already visited, or a category the household is not registered for).
    Nothing,
    /// The visit closes open date `seq`; `next` is due after it (none for a one-off category).
    Close {
        /// The open date's number.
        seq: u32,
        /// The next due date.
        next: Option<NaiveDate>,
    },
    /// The visit is not later than the last one counted: replay the household's visits.
    Replay,
}

/// The [`Step`] for a visit on `on`, given the category's open date (its number), the day of the
/// last visit counted, and when the next date falls after a visit on a given day.
pub fn step(
    open: Option<u32>,
    last_visited: Option<NaiveDate>,
    on: NaiveDate,
    next_after: impl FnOnce(NaiveDate) -> Option<NaiveDate>,
) -> Step {
    // Visits on one day are ordered by their time, which the ledger does not keep: replay.
    if last_visited.is_some_and(|last| on <= last) {
        return Step::Replay;
    }
    match open {
        None => Step::Nothing,
        Some(seq) => Step::Close {
            seq,
            next: next_after(on),
        },
    }
}

/// A county's schedule: core's defaults with the county's own rules in their place.
pub fn county_schedule(overrides: Option<&ScheduleConfig>) -> ScheduleConfig {
    let mut s = ScheduleConfig::default();
    for rule in overrides.map(|o| o.rules.as_slice()).unwrap_or_default() {
        match s.rules.iter_mut().find(|r| r.category == rule.category) {
            Some(r) => *r = rule.clone(),
            None => s.rules.push(rule.clone()),
        }
    }
    s
}

/// The schedule that governs a village at `path`: its county's, or the defaults.
pub fn schedule_at(counties: &[CountySchedule], path: &str) -> ScheduleConfig {
    county_schedule(
        counties
            .iter()
            .find(|c| path.starts_with(c.path.as_str()))
            .map(|c| &c.schedule),
    )
}

/// Days since 1970-01-01: how both backends store ledger dates, compared as integers.
pub fn day_number(d: NaiveDate) -> i32 {
    (d - NaiveDate::default()).num_days() as i32
}

/// The date of a [`day_number`].
pub fn from_day_number(n: i32) -> NaiveDate {
    NaiveDate::default() + chrono::Duration::days(i64::from(n))
}

/// The month of a date as one number (`year × 12 + month − 1`), the ledger's trend bucket.
pub fn month_number(d: NaiveDate) -> i32 {
    d.year() * 12 + d.month0() as i32
}

/// What a report asks of the ledger: due dates of a period, counted by village, worker and
/// category (and month, for the trend).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueCountQuery {
    /// First due date counted.
    pub from: NaiveDate,
    /// Last due date counted.
    pub to: NaiveDate,
    /// Open dates before it are missed; from it on, pending.
    pub today: NaiveDate,
    /// Count each month apart.
    pub by_month: bool,
}

/// Due dates of one village, worker and category (and month) and what became of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueCount {
    /// Village id.
    pub village_id: String,
    /// Worker id of the households' caseload.
    pub worker_id: Option<String>,
    /// Category code.
    pub category: String,
    /// The [`month_number`], when counted by month.
    pub month: Option<i32>,
    /// Due dates.
    pub due: u32,
    /// Visited on or before the date.
    pub on_time: u32,
    /// Visited after it.
    pub late: u32,
    /// Open, and the date has passed.
    pub missed: u32,
    /// Open, and the date is today or later.
    pub pending: u32,
    /// Dates due at registration: the period's new registrations.
    pub registered: u32,
}

/// Which ledger rows a report lists one by one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DueRows {
    /// Due dates in `from..=to`, closed or open.
    Period {
        /// First due date.
        from: NaiveDate,
        /// Last due date.
        to: NaiveDate,
    },
    /// Open due dates (one per household and category at most), only those before a day when
    /// one is given.
    Open {
        /// Only dates before it.
        before: Option<NaiveDate>,
    },
}

/// One ledger row with its household, for overdue lists and the households behind a number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueEntry {
    /// Household id.
    pub household_id: String,
    /// Head of household (personal data).
    pub head_name: String,
    /// ID number, masked (`3201**********1234`).
    pub id_number: String,
    /// Village id.
    pub village_id: String,
    /// Worker id.
    pub worker_id: Option<String>,
    /// Category code.
    pub category: String,
    /// When it was due.
    pub due_on: NaiveDate,
    /// When it was visited, if it was.
    pub visited_on: Option<NaiveDate>,
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use fieldvisit_core::caseload::{Category, Interval, ScheduleRule};

    use super::*;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).unwrap()
    }

    fn visit(category: &str, on: NaiveDate, level: Option<&str>) -> DueVisit {
        DueVisit {
            category: category.into(),
            on,
            level: level.map(str::to_owned),
        }
    }

    #[test]
    fn each_visit_closes_the_open_date_and_opens_the_next_by_its_level() {
        let regs = [CategoryRegistration {
            category: Category::LeftBehindChild,
            since: d(1, 10),
        }];
        let visits = [
            visit("left_behind_child", d(1, 12), Some("HIGH")),
            visit("dibao", d(1, 13), None),
            visit("left_behind_child", d(1, 15), Some("LOW")),
        ];
        let rows = dues_of(&regs, &visits, &ScheduleConfig::default());
        let got: Vec<_> = rows
            .iter()
            .map(|r| (r.seq, r.due_on, r.visited_on))
            .collect();
        assert_eq!(
            got,
            vec![
                (0, d(1, 10), Some(d(1, 12))),
                // HIGH: a week.
                (1, d(1, 19), Some(d(1, 15))),
                // LOW: three months, still open.
                (2, d(4, 15), None),
            ]
        );
        assert!(rows.iter().all(|r| r.category == "left_behind_child"));
    }

    #[test]
    fn a_one_off_category_has_nothing_due_after_its_visit_and_no_rule_means_no_rows() {
        let once = ScheduleConfig {
            rules: vec![ScheduleRule {
                category: Category::Dibao,
                default: Interval::Once,
                by_level: Default::default(),
            }],
        };
        let regs = [
            CategoryRegistration {
                category: Category::Dibao,
                since: d(2, 1),
            },
            CategoryRegistration {
                category: Category::Tekun,
                since: d(2, 1),
            },
        ];
        let visits = [visit("dibao", d(2, 3), None), visit("dibao", d(3, 3), None)];
        let rows = dues_of(&regs, &visits, &once);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].visited_on, Some(d(2, 3)));
    }

    /// The ledger a household's visits make, replayed whole or one visit at a time with
    /// [`step`], is the same whenever the visits arrive in start order (and `step` says to replay
    /// when they do not).
    #[test]
    fn stepping_one_visit_at_a_time_gives_the_ledger_a_replay_gives() {
        let schedule = ScheduleConfig::default();
        let regs = [
            CategoryRegistration {
                category: Category::LeftBehindChild,
                since: d(1, 10),
            },
            CategoryRegistration {
                category: Category::TemporaryAssistance,
                since: d(1, 10),
            },
        ];
        let levels = [Some("HIGH"), Some("LOW"), None, Some("MEDIUM")];
        let mut visits: Vec<DueVisit> = Vec::new();
        let mut rows = dues_of(&regs, &visits, &schedule);
        for (i, day) in [12u32, 15, 40, 41, 90, 91, 200].into_iter().enumerate() {
            let on = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + chrono::Days::new(day.into());
            for category in ["left_behind_child", "temporary_assistance", "orphan"] {
                let level = levels[i % levels.len()];
                let open = rows
                    .iter()
                    .find(|r| r.category == category && r.visited_on.is_none())
                    .map(|r| r.seq);
                let last_visited = rows
                    .iter()
                    .filter(|r| r.category == category)
                    .filter_map(|r| r.visited_on)
                    .max();
                let rule = Category::from_code(category).and_then(|c| schedule.rule(c));
                let next = |on| rule.and_then(|r| r.interval(level).after(on));
                visits.push(visit(category, on, level));
                match step(open, last_visited, on, next) {
                    Step::Nothing => {}
                    Step::Replay => panic!("visits in start order never replay"),
                    Step::Close { seq, next } => {
                        let r = rows
                            .iter_mut()
                            .find(|r| r.category == category && r.seq == seq)
                            .unwrap();
                        r.visited_on = Some(on);
                        let code = r.category;
                        if let Some(due_on) = next {
                            rows.push(Due {
                                category: code,
                                seq: seq + 1,
                                due_on,
                                visited_on: None,
                            });
                        }
                    }
                }
                let mut replayed = dues_of(&regs, &visits, &schedule);
                let key = |r: &Due| (r.category, r.seq);
                replayed.sort_by_key(key);
                rows.sort_by_key(key);
                assert_eq!(rows, replayed, "after the visit of {category} on {on}");
            }
        }
        // A visit on or before the last one counted replays.
        assert_eq!(
            step(Some(3), Some(d(5, 1)), d(5, 1), |_| None),
            Step::Replay
        );
        assert_eq!(step(None, Some(d(5, 1)), d(4, 1), |_| None), Step::Replay);
        assert_eq!(step(None, None, d(4, 1), |_| None), Step::Nothing);
    }

    #[test]
    fn a_category_registered_twice_counts_once_from_its_earliest_date() {
        let regs = [
            CategoryRegistration {
                category: Category::Tekun,
                since: d(3, 1),
            },
            CategoryRegistration {
                category: Category::Tekun,
                since: d(2, 1),
            },
        ];
        let rows = dues_of(&regs, &[], &ScheduleConfig::default());
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].due_on, d(2, 1));
    }

    #[test]
    fn a_county_rule_replaces_the_default_of_its_category_only() {
        let own = ScheduleConfig {
            rules: vec![ScheduleRule {
                category: Category::Tekun,
                default: Interval::Days(10),
                by_level: Default::default(),
            }],
        };
        let merged = county_schedule(Some(&own));
        let defaults = ScheduleConfig::default();
        assert_eq!(merged.rules.len(), defaults.rules.len());
        assert_eq!(merged.rule(Category::Tekun), own.rule(Category::Tekun));
        assert_eq!(merged.rule(Category::Dibao), defaults.rule(Category::Dibao));
        let counties = [CountySchedule {
            unit_id: "k".into(),
            path: "/p/k/".into(),
            schedule: own.clone(),
        }];
        assert_eq!(schedule_at(&counties, "/p/k/t/v/"), merged);
        assert_eq!(schedule_at(&counties, "/p/k2/t/v/"), defaults);
    }

    #[test]
    fn day_and_month_numbers_round_trip() {
        for day in [
            d(1, 1),
            d(12, 31),
            NaiveDate::from_ymd_opt(1969, 12, 31).unwrap(),
        ] {
            assert_eq!(from_day_number(day_number(day)), day);
        }
        assert_eq!(day_number(NaiveDate::from_ymd_opt(1970, 1, 2).unwrap()), 1);
        assert_eq!(month_number(d(3, 9)), 2026 * 12 + 2);
    }
}
