//! Visit schedules per category (`docs/domain.md` §2 defaults, configurable per county) and due dates.

use std::collections::BTreeMap;

use chrono::{Days, Months, NaiveDate};
use serde::{Deserialize, Serialize};

use super::Category;

/// How long until the next visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Interval {
    /// A number of days.
    Days(u32),
    /// A number of calendar months.
    Months(u32),
    /// One visit only (temporary assistance): nothing is due after it.
    Once,
}

impl Interval {
    /// The date one interval after `from`; `None` for [`Interval::Once`].
    pub fn after(self, from: NaiveDate) -> Option<NaiveDate> {
        match self {
            Interval::Days(d) => from.checked_add_days(Days::new(u64::from(d))),
            Interval::Months(m) => from.checked_add_months(Months::new(m)),
            Interval::Once => None,
        }
    }
}

/// The schedule of one category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ScheduleRule {
    /// Category.
    pub category: Category,
    /// Interval when the last visit gave no level this rule knows.
    pub default: Interval,
    /// Interval by the level of the last sealed visit (risk level, elderly tier, income regularity).
    #[serde(default)]
    pub by_level: BTreeMap<String, Interval>,
}

impl ScheduleRule {
    /// The interval after a visit that gave `level` (the default for none or an unknown one).
    pub fn interval(&self, level: Option<&str>) -> Interval {
        level
            .and_then(|l| self.by_level.get(l))
            .copied()
            .unwrap_or(self.default)
    }
}

/// All schedule rules of a county.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ScheduleConfig {
    /// One rule per category.
    pub rules: Vec<ScheduleRule>,
}

/// The last sealed visit of a household for one category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastVisit {
    /// Day it was sealed (local date).
    pub on: NaiveDate,
    /// Level of the template's schedule score, if any.
    pub level: Option<String>,
}

fn levels(pairs: &[(&str, Interval)]) -> BTreeMap<String, Interval> {
    pairs.iter().map(|(k, v)| ((*k).to_string(), *v)).collect()
}

impl Default for ScheduleConfig {
    fn default() -> Self {
        use Interval::{Days, Months, Once};
        let child = levels(&[("HIGH", Days(7)), ("MEDIUM", Months(1)), ("LOW", Months(3))]);
        let elderly = levels(&[
            ("HIGH_RISK", Days(7)),
            ("KEY", Months(1)),
            ("GENERAL", Months(3)),
        ]);
        let rules = Category::ALL
            .into_iter()
            .map(|category| {
                let (default, by_level) = match category {
                    Category::Dibao => (
                        Months(12),
                        levels(&[("IRREGULAR", Months(6)), ("STABLE", Months(12))]),
                    ),
                    Category::Tekun => (Months(1), BTreeMap::new()),
                    Category::TemporaryAssistance => (Once, BTreeMap::new()),
                    Category::LeftBehindChild
                    | Category::DistressedChild
                    | Category::Orphan
                    | Category::UnsupportedChild => (Months(1), child.clone()),
                    Category::ElderlyTekun
                    | Category::ElderlyLeftBehind
                    | Category::ElderlyAged
                    | Category::ElderlyDisabled
                    | Category::ElderlyAlone => (Months(1), elderly.clone()),
                };
                ScheduleRule {
                    category,
                    default,
                    by_level,
                }
            })
            .collect();
        ScheduleConfig { rules }
    }
}

impl ScheduleConfig {
    /// The rule of a category, if configured.
    pub fn rule(&self, category: Category) -> Option<&ScheduleRule> {
        self.rules.iter().find(|r| r.category == category)
    }

    /// When the next visit is due: at registration before any visit, then by the interval that the
    /// last visit's level selects. `None` when nothing more is due (one-off categories, no rule).
    pub fn next_due(
        &self,
        category: Category,
        registered: NaiveDate,
        last: Option<&LastVisit>,
    ) -> Option<NaiveDate> {
        match last {
            None => self.rule(category).map(|_| registered),
            Some(last) => self.due_after(category, last.on, last.level.as_deref()),
        }
    }

    /// When the next visit is due after a sealed visit on `on` with `level`: [`Self::next_due`]
    /// without building a [`LastVisit`] (reports call this once per visit of a whole county).
    pub fn due_after(
        &self,
        category: Category,
        on: NaiveDate,
        level: Option<&str>,
    ) -> Option<NaiveDate> {
        self.rule(category)?.interval(level).after(on)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    fn visit(on: NaiveDate, level: &str) -> LastVisit {
        LastVisit {
            on,
            level: Some(level.into()),
        }
    }

    #[test]
    fn child_interval_follows_risk_level() {
        let s = ScheduleConfig::default();
        let c = Category::LeftBehindChild;
        let on = d(2026, 1, 31);
        assert_eq!(s.next_due(c, d(2025, 1, 1), None), Some(d(2025, 1, 1)));
        assert_eq!(
            s.next_due(c, on, Some(&visit(on, "HIGH"))),
            Some(d(2026, 2, 7))
        );
        assert_eq!(
            s.next_due(c, on, Some(&visit(on, "MEDIUM"))),
            Some(d(2026, 2, 28))
        );
        assert_eq!(
            s.next_due(c, on, Some(&visit(on, "LOW"))),
            Some(d(2026, 4, 30))
        );
    }

    #[test]
    fn elderly_tier_dibao_regularity_and_one_offs() {
        let s = ScheduleConfig::default();
        let on = d(2026, 3, 1);
        let e = Category::ElderlyAlone;
        assert_eq!(
            s.next_due(e, on, Some(&visit(on, "HIGH_RISK"))),
            Some(d(2026, 3, 8))
        );
        assert_eq!(
            s.next_due(e, on, Some(&visit(on, "GENERAL"))),
            Some(d(2026, 6, 1))
        );
        let dibao = Category::Dibao;
        assert_eq!(
            s.next_due(dibao, on, Some(&visit(on, "IRREGULAR"))),
            Some(d(2026, 9, 1))
        );
        assert_eq!(
            s.next_due(dibao, on, Some(&visit(on, "STABLE"))),
            Some(d(2027, 3, 1))
        );
        let none = LastVisit { on, level: None };
        assert_eq!(
            s.next_due(Category::Tekun, on, Some(&none)),
            Some(d(2026, 4, 1))
        );
        assert_eq!(
            s.next_due(Category::TemporaryAssistance, on, Some(&none)),
            None
        );
    }

    #[test]
    fn config_round_trips_as_json() {
        let s = ScheduleConfig::default();
        let text = serde_json::to_string(&s).unwrap_or_default();
        let back: ScheduleConfig =
            serde_json::from_str(&text).unwrap_or_else(|_| ScheduleConfig { rules: vec![] });
        assert_eq!(back, s);
    }
}
