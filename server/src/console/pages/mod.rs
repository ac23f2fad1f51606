//! The pages, one file per part of the console. Views are thin: they gather what `ops` returns and
//! hand it to a template.

pub mod admin;
pub mod coverage;
pub mod evidence;
pub mod households;
pub mod login;
pub mod reviews;
