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
