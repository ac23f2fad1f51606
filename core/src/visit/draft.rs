//! A visit being recorded. It lives encrypted in the store and survives restarts.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::caseload::Category;
use crate::crypto::Sha256Hash;
use crate::geo::GpsFix;
use crate::template::Answers;

/// A worker's override of a computed level.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LevelOverride {
    /// Level chosen by the worker.
    pub level: String,
    /// Why (required).
    pub reason: String,
}

/// A photo attached to a draft (its bytes are in the photos table).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DraftPhoto {
    /// Photo id.
    pub photo_id: String,
    /// Item path it answers.
    pub item: String,
    /// When it was taken.
    pub captured_at: DateTime<Utc>,
    /// SHA-256 of the processed JPEG.
    pub sha256: Sha256Hash,
}

/// An unsealed visit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Draft {
    /// Visit id.
    pub visit_id: String,
    /// Household.
    pub household_id: String,
    /// Template id.
    pub template_id: String,
    /// Template version.
    pub template_version: u32,
    /// Category served.
    pub category: Category,
    /// Start time.
    pub started_at: DateTime<Utc>,
    /// GPS fix at start.
    pub fix: Option<GpsFix>,
    /// Answers so far.
    pub answers: Answers,
    /// Level overrides by score id.
    pub overrides: BTreeMap<String, LevelOverride>,
    /// Investigators present.
    pub investigators: Vec<String>,
    /// Free notes.
    pub notes: String,
    /// Attached photos.
    pub photos: Vec<DraftPhoto>,
    /// When "reported to police" was marked.
    pub reported_to_police_at: Option<DateTime<Utc>>,
    /// The sealed visit this one corrects.
    pub amends: Option<String>,
    /// When the worker finished; sealing uses it as the end time.
    pub finished_at: Option<DateTime<Utc>>,
}
