//! The pages, one file per part of the console. Views are thin: they gather what `ops` returns and
//! hand it to a template.

pub mod admin;
pub mod alerts;
pub mod audit;
pub mod coverage;
pub mod evidence;
pub mod households;
pub mod import;
pub mod keys;
pub mod login;
pub mod parameters;
pub mod reviews;
pub mod schedules;

use serde::Deserialize;

/// The `?done=` a page is redirected to after an action, naming the notice to show.
#[derive(Debug, Deserialize)]
pub struct DoneQuery {
    /// Which action was done.
    #[serde(default)]
    pub done: String,
}

/// A form that carries only its CSRF token (sign-out, lock, revoke, verify).
#[derive(Debug, Deserialize)]
pub struct Empty {}
