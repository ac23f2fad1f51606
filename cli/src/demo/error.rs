//! Why the demo could not run.

use std::path::PathBuf;

use fieldvisit_server::ops::OpsError;
use fieldvisit_server::state::StartError;
use fieldvisit_server::store::StoreError;
use fieldvisit_sim::SimError;

/// Why the demo could not run. Messages name files, steps and ids, never personal data.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// A file or folder could not be read or written.
    #[error("{0}: {1}")]
    Io(PathBuf, #[source] std::io::Error),
    /// The folder holds a server database that the demo did not make.
    #[error(
        "{0} holds FieldVisit data that is not a demo (no demo.json); choose another folder with --data"
    )]
    NotADemo(PathBuf),
    /// `demo.json` (or a phone key) is damaged.
    #[error("{0} is not a valid demo file: {1}")]
    BadDemoFile(PathBuf, String),
    /// `demo.json` lacks a password or passphrase.
    #[error("demo.json has no secret for {0}")]
    MissingSecret(String),
    /// The system's random source failed.
    #[error("no randomness: {0}")]
    Random(String),
    /// `--households` out of range.
    #[error("--households must be between {min} and {max}, not {given}")]
    Size {
        /// Given.
        given: usize,
        /// Fewest.
        min: usize,
        /// Most.
        max: usize,
    },
    /// The server state did not open.
    #[error(transparent)]
    Start(#[from] StartError),
    /// A store call failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A server operation refused.
    #[error("{step}: {error}")]
    Op {
        /// What the demo was doing.
        step: &'static str,
        /// The operation's error.
        error: OpsError,
    },
    /// The listen address.
    #[error("cannot listen on {0}: {1}")]
    Bind(String, #[source] std::io::Error),
    /// A simulated phone failed.
    #[error("simulated phone of {worker}: {error}")]
    Phone {
        /// Worker id.
        worker: String,
        /// What went wrong.
        error: SimError,
    },
    /// A background task failed.
    #[error("a demo task failed: {0}")]
    Task(String),
}
