//! The visit plan: for each household, when it was registered and on which days its worker visited
//! it, following core's schedule (each visit's level sets the next due date), mostly on time, some
//! late, some households left unvisited (overdue now); then, per worker, the times of day, the GPS
//! fixes and the few visits that evidence checks should doubt.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use fieldvisit_core::caseload::{Category, LastVisit, ScheduleConfig};
use fieldvisit_core::template::VisitKind;

use super::dice::Dice;

/// What the visit found, which decides the answers and so the level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finding {
    /// Nothing of concern.
    Routine,
    /// Worth watching: MEDIUM child risk, KEY elderly tier, irregular income.
    Watch,
    /// Serious: HIGH child risk, HIGH_RISK elderly.
    Serious,
    /// A child found living alone, reported to police on the spot.
    Police,
}

/// Something about the evidence that reports should notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anomaly {
    /// A normal visit.
    None,
    /// The fix is kilometres from home.
    Far,
    /// The phone reported a mock location.
    Mock,
    /// Over in a minute.
    Short,
    /// A coarse fix (weak evidence, not suspicious by itself).
    LowAccuracy,
}

/// One planned visit.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedVisit {
    /// Household index.
    pub household: usize,
    /// Position among the household's visits.
    pub nth: usize,
    /// Local day.
    pub on: NaiveDate,
    /// What it found.
    pub finding: Finding,
    /// Evidence quirk.
    pub anomaly: Anomaly,
}

/// A planned visit with its time, ready for a phone.
#[derive(Debug, Clone, PartialEq)]
pub struct TimedVisit {
    /// The plan.
    pub visit: PlannedVisit,
    /// Start.
    pub start: DateTime<Utc>,
    /// Minutes it lasts.
    pub minutes: i64,
}

/// A household's registration day and visits.
#[derive(Debug, Clone, PartialEq)]
pub struct HouseholdPlan {
    /// Registered for its category on.
    pub since: NaiveDate,
    /// Visits, oldest first.
    pub visits: Vec<PlannedVisit>,
}

/// The level core's rules give a finding, as far as the schedule cares.
fn expected_level(category: Category, finding: Finding) -> Option<String> {
    let level = match (category.visit_kind(), finding) {
        // Parents dead, missing or in prison: no contact with them is a MEDIUM finding by rule.
        (VisitKind::Child, Finding::Routine)
            if matches!(category, Category::Orphan | Category::UnsupportedChild) =>
        {
            "MEDIUM"
        }
        (VisitKind::Child, Finding::Routine) => "LOW",
        (VisitKind::Child, Finding::Watch) => "MEDIUM",
        (VisitKind::Child, _) => "HIGH",
        (VisitKind::Elderly, Finding::Serious | Finding::Police) => "HIGH_RISK",
        // 特困老人 are KEY by rule.
        (VisitKind::Elderly, _) if category == Category::ElderlyTekun => "KEY",
        (VisitKind::Elderly, Finding::Watch) => "KEY",
        (VisitKind::Elderly, _) => "GENERAL",
        (VisitKind::Economic, Finding::Watch) => "IRREGULAR",
        (VisitKind::Economic, _) => "STABLE",
    };
    Some(level.to_owned())
}

fn finding(d: &mut Dice, category: Category) -> Finding {
    let (serious, watch) = match category.visit_kind() {
        VisitKind::Child => (0.06, 0.2),
        VisitKind::Elderly => (0.05, 0.18),
        VisitKind::Economic if category == Category::Dibao => (0.0, 0.3),
        VisitKind::Economic => (0.0, 0.0),
    };
    let x = d.unit();
    if x < serious {
        Finding::Serious
    } else if x < serious + watch {
        Finding::Watch
    } else {
        Finding::Routine
    }
}

/// Plans household `i` of `category` up to the day before `anchor`.
pub fn plan_household(i: usize, category: Category, anchor: NaiveDate) -> HouseholdPlan {
    let mut d = Dice::new("plan", i as u64);
    let schedule = ScheduleConfig::default();
    let days = |n: i64| Duration::days(n);
    // Registered a few weeks ago and never visited: overdue from the day of registration.
    if i % 23 == 19 {
        return HouseholdPlan {
            since: anchor - days(d.range(10, 40)),
            visits: Vec::new(),
        };
    }
    // Visited for a while, then not for the last six weeks: overdue now.
    let lapsed = i % 11 == 4;
    let since = anchor
        - days(match category {
            Category::Dibao => d.range(25, 300),
            Category::TemporaryAssistance => d.range(5, 100),
            _ => d.range(20, 130),
        });
    let mut visits: Vec<PlannedVisit> = Vec::new();
    let mut last: Option<LastVisit> = None;
    while let Some(due) = schedule.next_due(category, since, last.as_ref()) {
        let earliest = last.as_ref().map_or(since, |l| l.on + days(1));
        let on = if d.chance(0.82) {
            (due - days(d.range(0, 3))).max(earliest)
        } else {
            due + days(d.range(1, 9))
        };
        if on >= anchor || (lapsed && !visits.is_empty() && (anchor - on).num_days() < 45) {
            break;
        }
        let f = finding(&mut d, category);
        visits.push(PlannedVisit {
            household: i,
            nth: visits.len(),
            on,
            finding: f,
            anomaly: Anomaly::None,
        });
        last = Some(LastVisit {
            on,
            level: expected_level(category, f),
        });
    }
    // A few fixed households give every report something to show, whatever the county's size.
    if category.visit_kind() == VisitKind::Child
        && i % 8 == 1
        && let Some(v) = visits.first_mut()
    {
        v.finding = Finding::Serious;
    }
    let n = visits.len();
    for (rule, at, anomaly) in [
        (i % 37 == 5, 0, Anomaly::Far),
        (i % 41 == 8, n.saturating_sub(1), Anomaly::Mock),
        (i % 43 == 13, 0, Anomaly::Short),
        (i % 29 == 3, n.saturating_sub(1), Anomaly::LowAccuracy),
    ] {
        if rule && let Some(v) = visits.get_mut(at) {
            v.anomaly = anomaly;
        }
    }
    HouseholdPlan { since, visits }
}

/// Marks the last visit of the first child household with visits as the one reported to police;
/// exactly one visit in the county is. Returns its household index.
pub fn mark_police(plans: &mut [(Category, HouseholdPlan)]) -> Option<usize> {
    let (i, (_, plan)) = plans
        .iter_mut()
        .enumerate()
        .find(|(_, (c, p))| c.visit_kind() == VisitKind::Child && !p.visits.is_empty())?;
    let last = plan.visits.last_mut()?;
    last.finding = Finding::Police;
    last.anomaly = Anomaly::None;
    Some(i)
}

/// One worker's visits in the order the phone records them, each given a time of day: from 08:30
/// local time, 50 minutes apart, so that one worker's visits never overlap.
pub fn timetable(mut visits: Vec<PlannedVisit>) -> Vec<TimedVisit> {
    visits.sort_by_key(|v| (v.on, v.household, v.nth));
    let mut out: Vec<TimedVisit> = Vec::new();
    let mut slot = 0i64;
    let mut day: Option<NaiveDate> = None;
    for v in visits {
        if day != Some(v.on) {
            day = Some(v.on);
            slot = 0;
        }
        let mut d = Dice::new("time", (v.household * 100 + v.nth) as u64);
        let local =
            v.on.and_time(NaiveTime::from_hms_opt(8, 30, 0).unwrap_or_default())
                + Duration::minutes(slot * 50 + d.range(0, 8));
        // China Standard Time is UTC+8 all year.
        let start = Utc.from_utc_datetime(&(local - Duration::hours(8)));
        let minutes = if v.anomaly == Anomaly::Short {
            1
        } else {
            d.range(18, 40)
        };
        out.push(TimedVisit {
            visit: v,
            start,
            minutes,
        });
        slot += 1;
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::people::category_of;
    use super::*;

    #[test]
    fn plans_lie_before_the_anchor_in_order_and_some_households_fall_overdue() {
        let anchor = NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
        let schedule = ScheduleConfig::default();
        let mut plans: Vec<(Category, HouseholdPlan)> = (0..300)
            .map(|i| (category_of(i), plan_household(i, category_of(i), anchor)))
            .collect();
        let police = mark_police(&mut plans).unwrap();
        let mut overdue = 0;
        for (i, (c, p)) in plans.iter().enumerate() {
            let mut prev = p.since - Duration::days(1);
            for v in &p.visits {
                assert!(
                    v.on > prev && v.on >= p.since && v.on < anchor,
                    "household {i}"
                );
                prev = v.on;
            }
            let last = p.visits.last().map(|v| LastVisit {
                on: v.on,
                level: expected_level(*c, v.finding),
            });
            if schedule
                .next_due(*c, p.since, last.as_ref())
                .is_some_and(|due| due < anchor)
            {
                overdue += 1;
            }
        }
        assert!((10..150).contains(&overdue), "{overdue} overdue");
        let all: Vec<&PlannedVisit> = plans.iter().flat_map(|(_, p)| &p.visits).collect();
        assert_eq!(
            all.iter().filter(|v| v.finding == Finding::Police).count(),
            1
        );
        assert_eq!(
            plans[police].1.visits.last().unwrap().finding,
            Finding::Police
        );
        assert!(all.iter().any(|v| v.anomaly == Anomaly::Far));
        assert!(all.iter().any(|v| v.anomaly == Anomaly::Mock));
        assert!(all.iter().any(|v| v.anomaly == Anomaly::Short));
        assert!((400..1500).contains(&all.len()), "{} visits", all.len());
    }

    #[test]
    fn one_workers_visits_never_overlap() {
        let day = NaiveDate::from_ymd_opt(2026, 10, 1).unwrap();
        let visits = (0..6)
            .map(|h| PlannedVisit {
                household: h,
                nth: 0,
                on: day,
                finding: Finding::Routine,
                anomaly: Anomaly::None,
            })
            .collect();
        let t = timetable(visits);
        for pair in t.windows(2) {
            assert!(pair[0].start + Duration::minutes(pair[0].minutes) < pair[1].start);
        }
        // 08:30 local is 00:30 UTC.
        assert_eq!(t[0].start.format("%H").to_string(), "00");
    }
}
