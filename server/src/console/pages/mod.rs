//! The pages, one file per part of the console. Views are thin: they gather what `ops` returns and
//! hand it to a template.

pub mod admin;
pub mod audit;
pub mod coverage;
pub mod evidence;
pub mod households;
pub mod import;
pub mod keys;
pub mod login;
pub mod reviews;
pub mod schedules;
