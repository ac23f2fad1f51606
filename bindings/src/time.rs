//! Conversions of instants (i64 milliseconds since the Unix epoch, UTC) and calendar days
//! (`YYYY-MM-DD`) at the boundary.

use chrono::{DateTime, NaiveDate, Utc};

use crate::FieldVisitError;

/// An instant from epoch milliseconds; `what` names the argument in the error.
pub(crate) fn instant(ms: i64, what: &str) -> Result<DateTime<Utc>, FieldVisitError> {
    DateTime::from_timestamp_millis(ms).ok_or_else(|| FieldVisitError::InvalidInput {
        item: what.to_string(),
        reason: format!("{what}: not a representable time in milliseconds since 1970-01-01 UTC"),
    })
}

/// Epoch milliseconds of an instant.
pub(crate) fn millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// A calendar day from `YYYY-MM-DD`.
pub(crate) fn day(text: &str, what: &str) -> Result<NaiveDate, FieldVisitError> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| FieldVisitError::InvalidInput {
        item: what.to_string(),
        reason: format!("{what}: expected a date as YYYY-MM-DD"),
    })
}

/// `YYYY-MM-DD` of a calendar day.
pub(crate) fn day_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}
