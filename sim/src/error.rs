//! What can go wrong in the simulated world. Messages name the step and the file, never a
//! household's data.

use std::path::PathBuf;

/// Why a simulated phone or photo could not do its part.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The core refused or failed a step (opening, recording, sealing, syncing).
    #[error("phone: {step}: {message}")]
    Phone {
        /// What the phone was doing.
        step: &'static str,
        /// The core's message.
        message: String,
    },
    /// A file of the phone could not be read or written.
    #[error("phone: cannot use {0}: {1}")]
    Io(PathBuf, #[source] std::io::Error),
    /// The phone's master key file is not 32 bytes of hex.
    #[error("phone: {0} is not a master key (32 bytes of hex)")]
    BadKey(PathBuf),
    /// A household to visit has no category.
    #[error("phone: a household to visit has no category")]
    NoCategory,
    /// The template has no sample answers to start from.
    #[error("phone: no sample answers for template {0}")]
    NoSample(String),
    /// The photo encoder failed.
    #[error("photo: cannot encode a {width}×{height} picture")]
    Photo {
        /// Width asked for.
        width: u32,
        /// Height asked for.
        height: u32,
    },
}

/// A core error met at `step`.
pub(crate) fn at(step: &'static str, e: impl std::fmt::Display) -> SimError {
    SimError::Phone {
        step,
        message: e.to_string(),
    }
}
