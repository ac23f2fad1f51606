//! Numbers and dates as pages show them, in one place, so a page shows exactly what the API gives:
//! counts as integers, percentages with the API's one decimal, times in China Standard Time.

use chrono::{DateTime, NaiveDate, Utc};

/// A percentage as the API gives it (one decimal), with its sign: `76.2%`.
pub fn pct(v: f64) -> String {
    format!("{v:.1}%")
}

/// A local date: `2026-12-06`.
pub fn date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// A local date and time to the minute: `2026-12-06 13:05`.
pub fn datetime(t: DateTime<Utc>) -> String {
    (t + chrono::Duration::hours(8))
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// Metres, rounded: `1,471` is shown as `1471`.
pub fn metres(m: f64) -> String {
    format!("{:.0}", m.round())
}

/// A duration in hours as days and hours when long: `3 天 4 小时` / `3 days 4 h`.
pub fn hours(h: i64, t: &super::i18n::Msgs) -> String {
    let h = h.max(0);
    if h >= 48 {
        format!("{} {} {} {}", h / 24, t.days, h % 24, t.hours)
    } else {
        format!("{h} {}", t.hours)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_the_api_gives_them() {
        assert_eq!(pct(76.2), "76.2%");
        assert_eq!(pct(100.0), "100.0%");
        assert_eq!(metres(1470.6), "1471");
        let t = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 12, 6, 5, 23, 0).unwrap();
        assert_eq!(datetime(t), "2026-12-06 13:23");
        assert_eq!(hours(50, &super::super::messages::EN), "2 days 2 h");
        assert_eq!(hours(5, &super::super::messages::ZH), "5 小时");
    }
}
