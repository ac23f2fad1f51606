//! The report filter of the coverage pages: the unit, worker, category and a period given as a
//! month, a quarter or two dates. Every link between report pages carries it, so a number leads to
//! the households behind it and a download holds exactly what the screen shows.

use chrono::{Datelike, Months, NaiveDate};
use fieldvisit_core::caseload::Category;
use serde::Deserialize;

use super::links;
use crate::ops::OpsError;
use crate::ops::coverage::Filter;

/// How the period is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodKind {
    /// A calendar month.
    Month,
    /// A calendar quarter.
    Quarter,
    /// Two dates.
    Custom,
}

impl PeriodKind {
    /// The query form.
    pub fn code(self) -> &'static str {
        match self {
            PeriodKind::Month => "month",
            PeriodKind::Quarter => "quarter",
            PeriodKind::Custom => "custom",
        }
    }
}

/// The query of a report page, as sent.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ReportQuery {
    /// Unit id.
    #[serde(default)]
    pub unit: String,
    /// Worker id.
    #[serde(default)]
    pub worker: String,
    /// Category code.
    #[serde(default)]
    pub category: String,
    /// `month`, `quarter` or `custom`.
    #[serde(default)]
    pub period: String,
    /// `YYYY-MM`.
    #[serde(default)]
    pub month: String,
    /// `YYYY-Qn`.
    #[serde(default)]
    pub quarter: String,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub from: String,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub to: String,
}

/// The filter a report query resolves to, and what the filter form shows.
#[derive(Debug, Clone)]
pub struct Report {
    /// How the period was given.
    pub kind: PeriodKind,
    /// `YYYY-MM` of the period's first month.
    pub month: String,
    /// `YYYY-Qn` of the period's first quarter.
    pub quarter: String,
    /// The coverage filter.
    pub filter: Filter,
}

fn bad(field: &'static str, message: &str) -> OpsError {
    OpsError::invalid("bad_query", format!("{field}: {message}"))
}

fn month_of(s: &str) -> Option<NaiveDate> {
    let (y, m) = s.split_once('-')?;
    NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, 1)
}

fn quarter_of(s: &str) -> Option<NaiveDate> {
    let (y, q) = s.split_once("-Q")?;
    let q: u32 = q.parse().ok()?;
    if !(1..=4).contains(&q) {
        return None;
    }
    NaiveDate::from_ymd_opt(y.parse().ok()?, (q - 1) * 3 + 1, 1)
}

fn quarter_code(d: NaiveDate) -> String {
    format!("{}-Q{}", d.year(), d.month0() / 3 + 1)
}

fn last_day(first: NaiveDate, months: u32) -> NaiveDate {
    first
        .checked_add_months(Months::new(months))
        .and_then(|d| d.pred_opt())
        .unwrap_or(first)
}

fn ids(field: &'static str, v: &str) -> Result<Option<String>, OpsError> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(None);
    }
    if v.len() > 64
        || !v
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
    {
        return Err(bad(field, "not an id"));
    }
    Ok(Some(v.to_owned()))
}

impl ReportQuery {
    /// Resolves the query on `today`: this month unless a period is given.
    pub fn resolve(&self, today: NaiveDate) -> Result<Report, OpsError> {
        let this_month = today.with_day(1).unwrap_or(today);
        let kind = match self.period.as_str() {
            "" | "month" => PeriodKind::Month,
            "quarter" => PeriodKind::Quarter,
            "custom" => PeriodKind::Custom,
            _ => return Err(bad("period", "must be month, quarter or custom")),
        };
        let (from, to) = match kind {
            PeriodKind::Month => {
                let first = if self.month.is_empty() {
                    this_month
                } else {
                    month_of(&self.month).ok_or_else(|| bad("month", "must be YYYY-MM"))?
                };
                (first, last_day(first, 1))
            }
            PeriodKind::Quarter => {
                let first = if self.quarter.is_empty() {
                    quarter_of(&quarter_code(today)).unwrap_or(this_month)
                } else {
                    quarter_of(&self.quarter).ok_or_else(|| bad("quarter", "must be YYYY-Qn"))?
                };
                (first, last_day(first, 3))
            }
            PeriodKind::Custom => {
                let date = |field: &'static str, v: &str, default: NaiveDate| {
                    if v.is_empty() {
                        Ok(default)
                    } else {
                        NaiveDate::parse_from_str(v, "%Y-%m-%d")
                            .map_err(|_| bad(field, "must be YYYY-MM-DD"))
                    }
                };
                (
                    date("from", &self.from, this_month)?,
                    date("to", &self.to, today)?,
                )
            }
        };
        if to < from || (to - from).num_days() > 366 {
            return Err(bad("period", "must run forwards and last at most a year"));
        }
        let category = if self.category.is_empty() {
            None
        } else {
            Some(Category::from_code(&self.category).ok_or_else(|| bad("category", "unknown"))?)
        };
        Ok(Report {
            kind,
            month: from.format("%Y-%m").to_string(),
            quarter: quarter_code(from),
            filter: Filter {
                unit_id: ids("unit", &self.unit)?,
                from,
                to,
                category,
                worker_id: ids("worker", &self.worker)?,
            },
        })
    }
}

impl Report {
    /// The query pairs that give this report again, with the unit and worker replaced.
    fn pairs<'a>(&'a self, unit: &'a str, worker: &'a str) -> Vec<(&'static str, String)> {
        let f = &self.filter;
        let mut p: Vec<(&'static str, String)> = vec![
            ("unit", unit.to_owned()),
            ("worker", worker.to_owned()),
            (
                "category",
                f.category.map_or_else(String::new, |c| c.code().to_owned()),
            ),
        ];
        match self.kind {
            PeriodKind::Month => p.push(("month", self.month.clone())),
            PeriodKind::Quarter => {
                p.push(("period", "quarter".into()));
                p.push(("quarter", self.quarter.clone()));
            }
            PeriodKind::Custom => {
                p.push(("period", "custom".into()));
                p.push(("from", f.from.to_string()));
                p.push(("to", f.to.to_string()));
            }
        }
        p
    }

    fn link(&self, path: &str, unit: &str, worker: &str, extra: &[(&str, &str)]) -> String {
        let pairs = self.pairs(unit, worker);
        let mut all: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        all.extend_from_slice(extra);
        links::to(path, &all)
    }

    fn unit(&self) -> &str {
        self.filter.unit_id.as_deref().unwrap_or("")
    }

    fn worker(&self) -> &str {
        self.filter.worker_id.as_deref().unwrap_or("")
    }

    /// This report on another page (`/coverage/overdue`, …), with extra pairs.
    pub fn on(&self, path: &str, extra: &[(&str, &str)]) -> String {
        self.link(path, self.unit(), self.worker(), extra)
    }

    /// Coverage of a unit below (or above) this one, for the same period and category.
    pub fn of_unit(&self, unit: &str) -> String {
        self.link("/coverage", unit, "", &[])
    }

    /// Coverage of one worker in this report's unit.
    pub fn of_worker(&self, worker: &str) -> String {
        self.link("/coverage", self.unit(), worker, &[])
    }

    /// The households behind one number, of this report or of a unit or worker within it.
    pub fn households(
        &self,
        status: &str,
        unit: Option<&str>,
        worker: Option<&str>,
        category: Option<&str>,
    ) -> String {
        let mut pairs = self.pairs(unit.unwrap_or(self.unit()), worker.unwrap_or(self.worker()));
        if let Some(c) = category {
            for p in pairs.iter_mut().filter(|(k, _)| *k == "category") {
                p.1 = c.to_owned();
            }
        }
        let mut all: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        all.push(("status", status));
        links::to("/coverage/households", &all)
    }

    /// The briefing of this filter from the API, as `xlsx` or `csv`.
    pub fn briefing(&self, format: &str) -> String {
        let f = &self.filter;
        let from = f.from.to_string();
        let to = f.to.to_string();
        links::to(
            "/api/v1/reports/briefing",
            &[
                ("unit", self.unit()),
                ("worker", self.worker()),
                ("from", &from),
                ("to", &to),
                ("category", f.category.map_or("", |c| c.code())),
                ("format", format),
            ],
        )
    }

    /// The quarters a form offers: the last eight, newest first, and the chosen one.
    pub fn quarters(&self, today: NaiveDate) -> Vec<String> {
        let mut q: Vec<String> = (0..8u32)
            .filter_map(|i| today.checked_sub_months(Months::new(3 * i)))
            .map(quarter_code)
            .collect();
        if !q.contains(&self.quarter) {
            q.push(self.quarter.clone());
        }
        q
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn periods_resolve_to_whole_months_quarters_or_the_dates_given() {
        let today = d("2026-12-06");
        let r = ReportQuery::default().resolve(today).unwrap();
        assert_eq!(
            (r.filter.from, r.filter.to),
            (d("2026-12-01"), d("2026-12-31"))
        );
        let q = ReportQuery {
            period: "quarter".into(),
            quarter: "2026-Q2".into(),
            ..Default::default()
        };
        let r = q.resolve(today).unwrap();
        assert_eq!(
            (r.filter.from, r.filter.to),
            (d("2026-04-01"), d("2026-06-30"))
        );
        let c = ReportQuery {
            period: "custom".into(),
            from: "2026-02-03".into(),
            to: "2026-02-10".into(),
            category: "dibao".into(),
            ..Default::default()
        };
        let r = c.resolve(today).unwrap();
        assert_eq!(
            (r.filter.from, r.filter.to),
            (d("2026-02-03"), d("2026-02-10"))
        );
        assert_eq!(r.filter.category, Some(Category::Dibao));
        assert!(
            r.briefing("csv")
                .contains("from=2026-02-03&to=2026-02-10&category=dibao")
        );
    }

    #[test]
    fn bad_periods_and_ids_are_refused_by_field() {
        let today = d("2026-12-06");
        for (q, field) in [
            (
                ReportQuery {
                    month: "2026-13".into(),
                    ..Default::default()
                },
                "month",
            ),
            (
                ReportQuery {
                    period: "week".into(),
                    ..Default::default()
                },
                "period",
            ),
            (
                ReportQuery {
                    period: "custom".into(),
                    from: "2026-05-01".into(),
                    to: "2026-04-01".into(),
                    ..Default::default()
                },
                "period",
            ),
            (
                ReportQuery {
                    unit: "a/b".into(),
                    ..Default::default()
                },
                "unit",
            ),
            (
                ReportQuery {
                    category: "x".into(),
                    ..Default::default()
                },
                "category",
            ),
        ] {
            let e = q.resolve(today).unwrap_err();
            assert!(e.to_string().contains(field), "{e}");
        }
    }

    #[test]
    fn links_keep_the_period_and_replace_the_unit() {
        let q = ReportQuery {
            period: "quarter".into(),
            quarter: "2026-Q3".into(),
            unit: "t1".into(),
            ..Default::default()
        };
        let r = q.resolve(d("2026-12-06")).unwrap();
        assert_eq!(
            r.of_unit("v1"),
            "/coverage?unit=v1&period=quarter&quarter=2026-Q3"
        );
        assert_eq!(
            r.households("missed", None, None, Some("tekun")),
            "/coverage/households?unit=t1&category=tekun&period=quarter&quarter=2026-Q3&status=missed"
        );
    }
}
