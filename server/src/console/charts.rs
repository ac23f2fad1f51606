//! Charts drawn on the server as SVG geometry: the templates place the shapes, so every label is
//! escaped like any other text and no script draws anything.

use super::format;
use super::i18n::Msgs;
use crate::ops::coverage::{MonthTally, Tally};

/// A stacked bar of a tally: the shares of on time, late, missed and pending in percent of due.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    /// On time, % of due.
    pub on_time: f64,
    /// Late, % of due.
    pub late: f64,
    /// Missed, % of due.
    pub missed: f64,
    /// Pending, % of due.
    pub pending: f64,
    /// Where late starts.
    pub late_x: f64,
    /// Where missed starts.
    pub missed_x: f64,
    /// Where pending starts.
    pub pending_x: f64,
}

impl Bar {
    /// The bar of `t`; an empty bar when nothing was due.
    pub fn of(t: &Tally) -> Bar {
        let due = f64::from(t.due.max(1));
        let share = |n: u32| f64::from(n) * 100.0 / due;
        let (on_time, late, missed, pending) = (
            share(t.on_time),
            share(t.late),
            share(t.missed),
            share(t.pending),
        );
        Bar {
            on_time,
            late,
            missed,
            pending,
            late_x: on_time,
            missed_x: on_time + late,
            pending_x: on_time + late + missed,
        }
    }
}

/// One month of the trend.
#[derive(Debug, Clone)]
pub struct TrendBar {
    /// `YYYY-MM`.
    pub month: String,
    /// Short label under the bar (`12月` / `Dec`).
    pub short: String,
    /// The on-time % as the API gives it, or a dash when nothing was closed.
    pub pct: String,
    /// Left edge.
    pub x: f64,
    /// Top edge.
    pub y: f64,
    /// Height.
    pub height: f64,
    /// Centre, for the labels.
    pub cx: f64,
    /// Due that month.
    pub due: u32,
    /// Closed (due minus pending) that month.
    pub closed: u32,
}

/// The 12-month on-time trend.
#[derive(Debug, Clone)]
pub struct TrendChart {
    /// The months, oldest first.
    pub bars: Vec<TrendBar>,
    /// Width of one bar.
    pub bar_width: f64,
    /// Text alternative of the chart.
    pub summary: String,
}

/// Drawing area of the trend: 600 × 200 units, 30 at the bottom for month labels.
pub const TREND_HEIGHT: f64 = 170.0;

impl TrendChart {
    /// The chart of `months` (oldest first).
    pub fn of(months: &[MonthTally], t: &Msgs) -> TrendChart {
        let n = months.len().max(1) as f64;
        let slot = 600.0 / n;
        let bar_width = slot * 0.6;
        let bars: Vec<TrendBar> = months
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let closed = m.tally.due - m.tally.pending;
                let pct = m.tally.on_time_pct;
                let height = if closed == 0 {
                    0.0
                } else {
                    pct / 100.0 * (TREND_HEIGHT - 20.0)
                };
                let x = i as f64 * slot + (slot - bar_width) / 2.0;
                let month_no = m
                    .month
                    .get(5..7)
                    .unwrap_or("")
                    .trim_start_matches('0')
                    .to_owned();
                TrendBar {
                    short: if t.is_zh() {
                        format!("{month_no}月")
                    } else {
                        month_no
                    },
                    month: m.month.clone(),
                    pct: if closed == 0 {
                        "–".into()
                    } else {
                        format::pct(pct)
                    },
                    x,
                    y: TREND_HEIGHT - height,
                    height,
                    cx: x + bar_width / 2.0,
                    due: m.tally.due,
                    closed,
                }
            })
            .collect();
        let summary = bars
            .iter()
            .map(|b| format!("{} {}", b.month, b.pct))
            .collect::<Vec<_>>()
            .join("; ");
        TrendChart {
            bars,
            bar_width,
            summary: format!("{}: {summary}", t.trend_title),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn a_bar_splits_due_into_its_outcomes() {
        let t = Tally {
            due: 10,
            on_time: 5,
            late: 2,
            missed: 1,
            pending: 2,
            on_time_pct: 62.5,
            visited_pct: 87.5,
        };
        let b = Bar::of(&t);
        assert_eq!(
            (b.on_time, b.late, b.missed, b.pending),
            (50.0, 20.0, 10.0, 20.0)
        );
        assert_eq!((b.late_x, b.missed_x, b.pending_x), (50.0, 70.0, 80.0));
        assert_eq!(Bar::of(&Tally::default()).on_time, 0.0);
    }

    #[test]
    fn trend_bars_grow_with_the_on_time_share_and_months_without_closed_visits_show_a_dash() {
        let m = |month: &str, due, on_time, pending| MonthTally {
            month: month.into(),
            tally: Tally {
                due,
                on_time,
                pending,
                on_time_pct: if due == pending {
                    100.0
                } else {
                    f64::from(on_time) * 100.0 / f64::from(due - pending)
                },
                ..Tally::default()
            },
        };
        let c = TrendChart::of(
            &[m("2026-11", 10, 5, 0), m("2026-12", 4, 0, 4)],
            &super::super::messages::ZH,
        );
        assert_eq!(c.bars[0].short, "11月");
        assert_eq!(c.bars[0].pct, "50.0%");
        assert!((c.bars[0].height - 75.0).abs() < 1e-9);
        assert_eq!(c.bars[1].pct, "–");
        assert_eq!(c.bars[1].height, 0.0);
        assert!(c.summary.contains("2026-11 50.0%"));
    }
}
