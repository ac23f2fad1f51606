//! The caseload: households, their categories, schedules and what is due or overdue.

mod due;
mod household;
mod schedule;

pub use due::{CaseloadEntry, DueStatus, due_entries};
pub use household::{Category, CategoryRegistration, Household, Member, mask_id_number};
pub use schedule::{Interval, LastVisit, ScheduleConfig, ScheduleRule};
