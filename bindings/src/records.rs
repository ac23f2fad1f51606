//! Records that cross the FFI where a core type cannot cross as it is: the core's types with chrono
//! dates, hashes or JSON values get a flat record here with times as epoch milliseconds and JSON as
//! text. Core types whose fields are all plain (`Category`, `DueStatus`, `Label`, `GeoPoint`,
//! `LevelOverride`, `ScoreResult`, `VisitKind`, `Investigator`, `StaffMember`) cross directly
//! through core's `uniffi` feature.

use std::collections::HashMap;

use fieldvisit_core::SealedSummary;
use fieldvisit_core::caseload::{CaseloadEntry, Category, DueStatus, Household, mask_id_number};
use fieldvisit_core::geo::{GeoPoint, GpsFix};
use fieldvisit_core::template::{Evaluation, Label, ScoreResult};
use fieldvisit_core::visit::{Draft, LevelOverride};

use crate::FieldVisitError;
use crate::answers::{DraftAnswer, plain_answers};
use crate::counts::{count, long};
use crate::time::{day_text, instant, millis};

/// One line of the caseload list.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct CaseloadItem {
    /// Household id.
    pub household_id: String,
    /// Category.
    pub category: Category,
    /// Category code (`left_behind_child` …), as `start_visit` takes it.
    pub category_code: String,
    /// Category name, Chinese and English.
    pub category_label: Label,
    /// Next due day (`YYYY-MM-DD`), if anything is due.
    pub due_on: Option<String>,
    /// Status on the day asked for.
    pub status: DueStatus,
    /// Days past due (0 unless overdue).
    pub days_overdue: i64,
}

impl From<CaseloadEntry> for CaseloadItem {
    fn from(e: CaseloadEntry) -> Self {
        CaseloadItem {
            household_id: e.household_id,
            category: e.category,
            category_code: e.category.code().to_string(),
            category_label: e.category.label(),
            due_on: e.due_on.map(day_text),
            status: e.status,
            days_overdue: e.days_overdue,
        }
    }
}

/// A household for display. The ID number is masked.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct HouseholdInfo {
    /// Household id.
    pub id: String,
    /// Village id.
    pub village_id: String,
    /// Head of household or the person supported.
    pub head_name: String,
    /// Resident ID number, masked (first and last 4 characters).
    pub id_number_masked: String,
    /// Address.
    pub address: String,
    /// Category codes.
    pub category_codes: Vec<String>,
    /// Registered location, if surveyed.
    pub location: Option<GeoPoint>,
    /// Number of members.
    pub member_count: i32,
}

impl From<Household> for HouseholdInfo {
    fn from(h: Household) -> Self {
        HouseholdInfo {
            id_number_masked: mask_id_number(&h.id_number),
            category_codes: h
                .categories
                .iter()
                .map(|c| c.category.code().to_string())
                .collect(),
            member_count: count(h.members.len()),
            id: h.id,
            village_id: h.village_id,
            head_name: h.head_name,
            address: h.address,
            location: h.location,
        }
    }
}

/// The GPS fix taken when a visit starts, as the platform reported it.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct GpsFixRecord {
    /// Position (WGS-84).
    pub point: GeoPoint,
    /// Horizontal accuracy radius in metres.
    pub accuracy_m: f64,
    /// When the platform took the fix, epoch milliseconds.
    pub fix_time_ms: i64,
    /// The platform flagged the location as mock (Android `Location.isMock`, iOS
    /// `CLLocationSourceInformation.isSimulatedBySoftware`).
    pub mock: bool,
}

impl TryFrom<GpsFixRecord> for GpsFix {
    type Error = FieldVisitError;
    fn try_from(f: GpsFixRecord) -> Result<Self, Self::Error> {
        Ok(GpsFix {
            point: f.point,
            accuracy_m: f.accuracy_m,
            fix_time: instant(f.fix_time_ms, "fix_time_ms")?,
            mock: f.mock,
        })
    }
}

/// A visit being recorded.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct DraftRecord {
    /// Visit id.
    pub visit_id: String,
    /// Household id.
    pub household_id: String,
    /// Category served.
    pub category: Category,
    /// Template id.
    pub template_id: String,
    /// Template version.
    pub template_version: i32,
    /// Start, epoch milliseconds.
    pub started_at_ms: i64,
    /// Finish, epoch milliseconds, once finished.
    pub finished_at_ms: Option<i64>,
    /// When "reported to police" was marked, epoch milliseconds.
    pub reported_to_police_at_ms: Option<i64>,
    /// Answers as `answer()` takes them, one per item path (`item`, `group[n].item`): replaying
    /// them with `answer()` restores the form.
    pub answers: Vec<DraftAnswer>,
    /// Photo ids by item path, in the order they were attached.
    pub photos: HashMap<String, Vec<String>>,
    /// Number of instances of each repeat group that has any.
    pub instances: HashMap<String, i32>,
    /// Level overrides by score id.
    pub overrides: HashMap<String, LevelOverride>,
    /// Investigators present.
    pub investigators: Vec<String>,
    /// Free notes.
    pub notes: String,
    /// Ids of attached photos.
    pub photo_ids: Vec<String>,
    /// The sealed visit this one corrects.
    pub amends: Option<String>,
}

impl From<Draft> for DraftRecord {
    fn from(d: Draft) -> Self {
        let plain = plain_answers(&d.answers);
        DraftRecord {
            answers: plain.answers,
            photos: plain.photos,
            instances: plain.instances,
            visit_id: d.visit_id,
            household_id: d.household_id,
            category: d.category,
            template_id: d.template_id,
            template_version: count(d.template_version),
            started_at_ms: millis(d.started_at),
            finished_at_ms: d.finished_at.map(millis),
            reported_to_police_at_ms: d.reported_to_police_at.map(millis),
            overrides: d.overrides.into_iter().collect(),
            investigators: d.investigators,
            notes: d.notes,
            photo_ids: d.photos.into_iter().map(|p| p.photo_id).collect(),
            amends: d.amends,
        }
    }
}

/// Live visibility, computed values and scores of a draft.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct EvaluationRecord {
    /// Top-level items hidden now.
    pub hidden: Vec<String>,
    /// Computed values as a JSON object by id.
    pub computed_json: String,
    /// Each score's level and the rules that fired.
    pub scores: Vec<ScoreResult>,
}

impl TryFrom<Evaluation> for EvaluationRecord {
    type Error = FieldVisitError;
    fn try_from(e: Evaluation) -> Result<Self, Self::Error> {
        Ok(EvaluationRecord {
            hidden: e.hidden.into_iter().collect(),
            computed_json: serde_json::to_string(&e.computed)
                .map_err(|e| crate::error::bad_json("computed", &e))?,
            scores: e.scores,
        })
    }
}

/// What the worker sees after sealing.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SealedRecord {
    /// Visit id.
    pub visit_id: String,
    /// Position in this device's chain of sealed visits (from 1).
    pub seq: i64,
    /// Chain hash, lowercase hex SHA-256.
    pub hash_hex: String,
    /// Level of the template's schedule score (e.g. child risk `HIGH`), if any.
    pub level: Option<String>,
}

impl From<SealedSummary> for SealedRecord {
    fn from(s: SealedSummary) -> Self {
        SealedRecord {
            visit_id: s.visit_id,
            seq: long(s.seq),
            hash_hex: s.hash.to_hex(),
            level: s.level,
        }
    }
}
