//! What is due: one entry per household and category, with the next due date and days overdue.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{Category, CategoryRegistration, LastVisit, ScheduleConfig};

/// Where a household stands for one category.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DueStatus {
    /// Next visit lies in the future.
    Upcoming,
    /// Due today.
    DueToday,
    /// Past due with no sealed visit since.
    Overdue,
    /// Nothing more is due (one-off done).
    Done,
}

/// One line of the caseload list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseloadEntry {
    /// Household id.
    pub household_id: String,
    /// Category.
    pub category: Category,
    /// Next due date, if any.
    pub due_on: Option<NaiveDate>,
    /// Status on `today`.
    pub status: DueStatus,
    /// Days past due (0 unless overdue).
    pub days_overdue: i64,
}

/// Builds the caseload list for `today`, most overdue first. `registrations` holds each household's
/// categories (household id and registration); `last` maps (household, category) to the last
/// sealed visit.
pub fn due_entries(
    registrations: &[(String, CategoryRegistration)],
    last: &HashMap<(String, Category), LastVisit>,
    schedule: &ScheduleConfig,
    today: NaiveDate,
) -> Vec<CaseloadEntry> {
    let mut out = Vec::with_capacity(registrations.len());
    let mut key = (String::new(), Category::Dibao);
    for (household_id, reg) in registrations {
        // One reusable key: looking up a (String, Category) needs an owned String.
        key.0.clone_from(household_id);
        key.1 = reg.category;
        let lv = last.get(&key);
        let due_on = schedule.next_due(reg.category, reg.since, lv);
        let (status, days_overdue) = match due_on {
            None => (DueStatus::Done, 0),
            Some(d) if d > today => (DueStatus::Upcoming, 0),
            Some(d) if d == today => (DueStatus::DueToday, 0),
            Some(d) => (DueStatus::Overdue, (today - d).num_days()),
        };
        out.push(CaseloadEntry {
            household_id: household_id.clone(),
            category: reg.category,
            due_on,
            status,
            days_overdue,
        });
    }
    out.sort_by(|a, b| {
        b.days_overdue
            .cmp(&a.days_overdue)
            .then(a.due_on.cmp(&b.due_on))
            .then(a.household_id.cmp(&b.household_id))
    });
    out
}
