//! What the server sends a phone: its worker's caseload, templates, schedule, audience keys and
//! assessments returned for rework, incrementally after a since-token.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::caseload::{Category, Household, ScheduleConfig};
use crate::geo::EvidenceThresholds;
use crate::template::Template;

/// At most this many `have=TEMPLATE_ID.VERSION` pairs in a pull: the templates a phone already
/// holds, which the server then leaves out.
pub const MAX_HELD_TEMPLATES: usize = 64;

/// An audience's public key for wrapping content keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AudienceKeyRecord {
    /// Audience id.
    pub audience: String,
    /// Base64 X25519 public key.
    pub public_key: String,
}

/// A guardianship assessment sent back to the worker with the reviewer's comment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReturnedAssessment {
    /// The returned visit.
    pub visit_id: String,
    /// Its household.
    pub household_id: String,
    /// What to redo or add.
    pub comment: String,
    /// When it was returned.
    pub returned_at: DateTime<Utc>,
}

/// What the server knows of the last visit of one household in one category: a new or
/// replacement phone starts its due dates from it rather than from the registration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LastVisitRecord {
    /// Household.
    pub household_id: String,
    /// Category.
    pub category: Category,
    /// The visit.
    pub visit_id: String,
    /// Local day it started on (China Standard Time), as coverage counts it.
    pub on: NaiveDate,
    /// The level it gave (risk level, elderly tier), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
}

/// A person of the worker's station, offered when a form asks for its investigators, so that two
/// investigators are two people rather than two spellings of one name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct StaffMember {
    /// Staff account id.
    pub id: String,
    /// Display name.
    pub name: String,
}

/// The local low-income standard (低保标准) a county set for one year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LowIncomeStandard {
    // The bounds of the schema are those the server accepts from a county.
    /// The year it applies to.
    #[cfg_attr(feature = "openapi", schema(minimum = 2000, maximum = 2100))]
    pub year: i32,
    /// Yuan per person per month.
    #[cfg_attr(feature = "openapi", schema(exclusive_minimum = 0, maximum = 100_000))]
    pub yuan_per_person_month: f64,
}

/// What a county sets for its phones' checks beside its schedule (docs/domain.md §3): the values
/// its templates compare answers against.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CountyParameters {
    /// The low-income standards the county set, one per year; a visit compares against its own
    /// year's, or the latest earlier one.
    #[serde(default)]
    pub low_income_standards: Vec<LowIncomeStandard>,
}

/// One pull of assignments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Assignments {
    /// [`super::WIRE_VERSION`].
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 1))]
    pub version: u16,
    /// The worker.
    pub worker_id: String,
    /// Token to send with the next pull to get only what changed.
    pub since: String,
    /// Households added or changed.
    pub households: Vec<Household>,
    /// Households no longer on the caseload (their data is to be removed from the phone).
    pub removed_households: Vec<String>,
    /// Templates (all current versions).
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub templates: Vec<Template>,
    /// The county's schedule.
    pub schedule: ScheduleConfig,
    /// Evidence thresholds.
    pub evidence_thresholds: EvidenceThresholds,
    /// Audience keys.
    pub audience_keys: Vec<AudienceKeyRecord>,
    /// Assessments returned since the token.
    pub returned: Vec<ReturnedAssessment>,
    /// The last sealed visit of each household and category of the caseload that the server
    /// holds; a phone's own newer visits win. (Absent from older servers.)
    #[serde(default)]
    pub last_visits: Vec<LastVisitRecord>,
    /// The worker's station staff, for picking investigators. (Absent from older servers.)
    #[serde(default)]
    pub staff: Vec<StaffMember>,
    /// The county's parameters. (Absent from older servers.)
    #[serde(default)]
    pub parameters: CountyParameters,
}
