//! Records of the guardianship-assessment review workflow (`docs/domain.md` §4).

use chrono::{DateTime, Utc};

/// The template whose visits are reviewed.
pub const GUARDIANSHIP_TEMPLATE: &str = "child-guardianship";

/// Where a review stands.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ReviewState {
    /// Uploaded, waiting for a reviewer.
    Submitted,
    /// The worker reported to police: urgent for everyone above, top of the queue.
    Urgent,
    /// A reviewer has taken it.
    InReview,
    /// Sent back to the worker with a comment.
    Returned,
    /// Confirmed as assessed.
    Confirmed,
    /// Escalated (police, temporary guardianship, guardianship intervention).
    Escalated,
    /// Signed off.
    Closed,
}

impl ReviewState {
    /// Stored and wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewState::Submitted => "submitted",
            ReviewState::Urgent => "urgent",
            ReviewState::InReview => "in_review",
            ReviewState::Returned => "returned",
            ReviewState::Confirmed => "confirmed",
            ReviewState::Escalated => "escalated",
            ReviewState::Closed => "closed",
        }
    }

    /// Parses [`ReviewState::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        use ReviewState::*;
        [
            Submitted, Urgent, InReview, Returned, Confirmed, Escalated, Closed,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }

    /// Still waiting for a decision (in the queue).
    pub fn is_open(self) -> bool {
        matches!(
            self,
            ReviewState::Submitted | ReviewState::Urgent | ReviewState::InReview
        )
    }
}

/// A review of one guardianship assessment visit.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct ReviewRow {
    /// The visit.
    pub visit_id: String,
    /// Its household.
    pub household_id: String,
    /// The worker who made it.
    pub worker_id: String,
    /// Risk level from the envelope (`HIGH`, `MEDIUM`, `LOW`), if any.
    pub level: Option<String>,
    /// Reported to police by the worker.
    pub urgent: bool,
    /// State.
    pub state: ReviewState,
    /// Escalation branch, once escalated.
    pub escalation: Option<String>,
    /// When the visit arrived (the SLA clock starts here).
    pub submitted_at: DateTime<Utc>,
    /// Last transition.
    pub updated_at: DateTime<Utc>,
    /// Reviewer who last acted.
    pub reviewer_id: Option<String>,
}

/// One transition: who, when, why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct ReviewEvent {
    /// The visit.
    pub visit_id: String,
    /// When.
    pub at: DateTime<Utc>,
    /// Who (staff id).
    pub actor: String,
    /// From.
    pub from: ReviewState,
    /// To.
    pub to: ReviewState,
    /// Why (free text from the reviewer).
    pub reason: String,
    /// Escalation branch, for escalations.
    pub escalation: Option<String>,
}
