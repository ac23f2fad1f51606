//! The caseload list with due dates.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::Engine;
use crate::caseload::{CaseloadEntry, LastVisit, due_entries};
use crate::visit::VisitError;

impl Engine {
    /// Every household and category with its next due date on `today`, most overdue first.
    pub fn caseload(&self, today: NaiveDate) -> Result<Vec<CaseloadEntry>, VisitError> {
        let households = self.store.households()?;
        let last: HashMap<_, _> = self
            .store
            .last_visits()?
            .into_iter()
            .map(|(hh, cat, on, s)| ((hh, cat), LastVisit { on, level: s.level }))
            .collect();
        let schedule = self.store.schedule()?;
        Ok(due_entries(&households, &last, &schedule, today))
    }
}
