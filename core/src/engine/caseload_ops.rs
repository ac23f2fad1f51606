//! The caseload list with due dates.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::Engine;
use crate::caseload::{CaseloadEntry, due_entries};
use crate::visit::VisitError;

impl Engine {
    /// Every household and category with its next due date on `today`, most overdue first.
    pub fn caseload(&self, today: NaiveDate) -> Result<Vec<CaseloadEntry>, VisitError> {
        // Clear columns only: no household is decrypted to list the caseload.
        let registrations = self.store.registrations()?;
        let last: HashMap<_, _> = self
            .store
            .last_visits()?
            .into_iter()
            .map(|(hh, cat, visit)| ((hh, cat), visit))
            .collect();
        let schedule = self.store.schedule()?;
        Ok(due_entries(&registrations, &last, &schedule, today))
    }
}
