//! The review workflow of guardianship assessments (`docs/domain.md` §4): the queue ordered by urgency,
//! risk and age with SLA clocks, and decisions as a state machine. Every transition records who,
//! when and why; only child-welfare reviewers of the household's branch decide.

use chrono::{DateTime, Datelike, Duration, Utc, Weekday};
use fieldvisit_core::protocol::ReturnedAssessment;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::Actor;
use super::error::OpsError;
use crate::audit;
use crate::config::ReviewPolicy;
use crate::ids::is_safe_id;
use crate::state::AppState;
use crate::store::{ReviewEvent, ReviewRow, ReviewState, Role, Scope, StoreError};

/// A decision on a review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Take it for review (submitted or urgent → in review).
    Start,
    /// Confirm the assessment (in review → confirmed).
    Confirm,
    /// Send it back to the worker with a comment (in review → returned).
    Return,
    /// Escalate (urgent, in review or confirmed → escalated).
    Escalate,
    /// Sign off (confirmed or escalated → closed).
    Close,
}

/// Escalation branches (`docs/domain.md` §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Escalation {
    /// Immediate danger or suspected abuse: police (mandatory reporting, MPL Art. 11).
    PoliceReport,
    /// Temporary state guardianship (MPL Art. 92).
    TemporaryGuardianship,
    /// Guardianship intervention or court revocation.
    GuardianshipIntervention,
    /// Long-term state guardianship (MPL Art. 94).
    LongTermGuardianship,
}

impl Escalation {
    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Escalation::PoliceReport => "police_report",
            Escalation::TemporaryGuardianship => "temporary_guardianship",
            Escalation::GuardianshipIntervention => "guardianship_intervention",
            Escalation::LongTermGuardianship => "long_term_guardianship",
        }
    }
}

/// A reviewer's decision.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// What to do.
    pub action: Action,
    /// Why; required for return (the comment the worker sees), escalate and close.
    #[serde(default)]
    #[schema(max_length = 2000, pattern = r"^[^\x00-\x09\x0b-\x1f\x7f-\x9f]*$")]
    pub reason: String,
    /// Branch, required for escalate.
    #[serde(default)]
    pub escalation: Option<Escalation>,
}

/// Longest reason or comment.
const MAX_REASON: usize = 2000;

/// A review in the queue with its SLA clock.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReviewView {
    /// Visit id.
    pub visit_id: String,
    /// Household id.
    pub household_id: String,
    /// Worker id.
    pub worker_id: String,
    /// Risk level from the envelope.
    pub level: Option<String>,
    /// Reported to police by the worker.
    pub urgent: bool,
    /// State (`submitted`, `urgent`, `in_review`, `returned`, `confirmed`, `escalated`, `closed`).
    pub state: ReviewState,
    /// Escalation branch.
    pub escalation: Option<String>,
    /// Arrived at.
    pub submitted_at: DateTime<Utc>,
    /// Review due by.
    pub due_at: DateTime<Utc>,
    /// Hours since arrival.
    pub age_hours: i64,
    /// Open and past due.
    pub overdue: bool,
    /// Hours past due (0 when not overdue).
    pub hours_overdue: i64,
    /// Reviewer who last acted.
    pub reviewer_id: Option<String>,
}

/// Adds `n` working days (Monday–Friday) to `t`.
pub fn add_working_days(t: DateTime<Utc>, n: u32) -> DateTime<Utc> {
    let mut d = t;
    let mut left = n;
    while left > 0 {
        d += Duration::days(1);
        if !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
            left -= 1;
        }
    }
    d
}

/// When a review is due: urgent at once, then by risk level.
pub fn due_at(r: &ReviewRow, p: &ReviewPolicy) -> DateTime<Utc> {
    if r.urgent {
        return r.submitted_at;
    }
    match r.level.as_deref() {
        Some("HIGH") => r.submitted_at + p.high,
        Some("MEDIUM") => add_working_days(r.submitted_at, p.medium_working_days),
        _ => r.submitted_at + p.low,
    }
}

fn level_rank(level: Option<&str>) -> u8 {
    match level {
        Some("HIGH") => 0,
        Some("MEDIUM") => 1,
        Some("LOW") => 2,
        _ => 3,
    }
}

/// The queue view of a review at `now`.
pub fn view(r: ReviewRow, p: &ReviewPolicy, now: DateTime<Utc>) -> ReviewView {
    let due = due_at(&r, p);
    let overdue = r.state.is_open() && due < now;
    ReviewView {
        age_hours: (now - r.submitted_at).num_hours(),
        hours_overdue: if overdue { (now - due).num_hours() } else { 0 },
        overdue,
        due_at: due,
        visit_id: r.visit_id,
        household_id: r.household_id,
        worker_id: r.worker_id,
        level: r.level,
        urgent: r.urgent,
        state: r.state,
        escalation: r.escalation,
        submitted_at: r.submitted_at,
        reviewer_id: r.reviewer_id,
    }
}

fn may_see(actor: &Actor) -> Result<(), OpsError> {
    match actor.role {
        Role::ChildWelfareReviewer | Role::Supervisor => Ok(()),
        _ => Err(OpsError::ForbiddenRole("your role may not do this")),
    }
}

/// Open reviews in the actor's branch: reported to police first, then by SLA time left (the level,
/// then age, break ties).
pub async fn queue(
    state: &AppState,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Vec<ReviewView>, OpsError> {
    may_see(actor)?;
    let scope = Scope {
        path: actor.scope_path.clone(),
        worker_id: None,
    };
    let mut rows: Vec<ReviewRow> = state
        .store
        .reviews(&scope)
        .await?
        .into_iter()
        .filter(|r| r.state.is_open())
        .collect();
    let p = state.config.review;
    // Police-reported cases first, then the least SLA time left; the level breaks ties.
    rows.sort_by_cached_key(|r| {
        (
            !r.urgent,
            due_at(r, &p),
            level_rank(r.level.as_deref()),
            r.submitted_at,
        )
    });
    Ok(rows.into_iter().map(|r| view(r, &p, now)).collect())
}

/// Open reviews past their SLA, most overdue first.
pub async fn overdue(
    state: &AppState,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Vec<ReviewView>, OpsError> {
    let mut v: Vec<ReviewView> = queue(state, actor, now)
        .await?
        .into_iter()
        .filter(|r| r.overdue)
        .collect();
    v.sort_by_key(|r| r.due_at);
    Ok(v)
}

/// A review in the actor's branch (404 outside it, as if absent).
pub async fn find(state: &AppState, actor: &Actor, visit_id: &str) -> Result<ReviewRow, OpsError> {
    may_see(actor)?;
    if !is_safe_id(visit_id) {
        return Err(OpsError::InvalidId("visit_id"));
    }
    match state.store.review(visit_id).await? {
        Some((r, path)) if actor.covers(&path) => Ok(r),
        _ => Err(OpsError::NotFound("review")),
    }
}

/// The transitions: from which states an action may move a review, and where to.
pub fn target(action: Action, from: ReviewState) -> Option<ReviewState> {
    use ReviewState::*;
    match (action, from) {
        (Action::Start, Submitted | Urgent) => Some(InReview),
        (Action::Confirm, InReview) => Some(Confirmed),
        (Action::Return, InReview) => Some(Returned),
        (Action::Escalate, Urgent | InReview | Confirmed) => Some(Escalated),
        (Action::Close, Confirmed | Escalated) => Some(Closed),
        _ => None,
    }
}

fn check_reason(d: &Decision) -> Result<String, OpsError> {
    let reason = d.reason.trim().to_owned();
    if reason.chars().count() > MAX_REASON || reason.chars().any(|c| c.is_control() && c != '\n') {
        return Err(OpsError::invalid(
            "invalid_reason",
            "reason must be at most 2000 printable characters",
        ));
    }
    let needs = matches!(d.action, Action::Return | Action::Escalate | Action::Close);
    if needs && reason.is_empty() {
        return Err(OpsError::invalid(
            "reason_required",
            "this decision needs a reason",
        ));
    }
    match (d.action, d.escalation) {
        (Action::Escalate, None) => Err(OpsError::invalid(
            "escalation_required",
            "escalate needs an escalation branch",
        )),
        (Action::Escalate, Some(_)) | (_, None) => Ok(reason),
        (_, Some(_)) => Err(OpsError::invalid(
            "unexpected_escalation",
            "only escalate takes an escalation branch",
        )),
    }
}

/// Applies a reviewer's decision; refused transitions answer 409 `invalid_transition`.
pub async fn decide(
    state: &AppState,
    actor: &Actor,
    visit_id: &str,
    decision: &Decision,
) -> Result<ReviewRow, OpsError> {
    let current = find(state, actor, visit_id).await?;
    if actor.role != Role::ChildWelfareReviewer {
        return Err(OpsError::ForbiddenRole(
            "only child-welfare reviewers decide",
        ));
    }
    let reason = check_reason(decision)?;
    let to = target(decision.action, current.state).ok_or_else(|| {
        OpsError::conflict(
            "invalid_transition",
            format!(
                "a review that is {} cannot take this decision",
                current.state.as_str()
            ),
        )
    })?;
    let now = Utc::now();
    let returned = (decision.action == Action::Return).then(|| ReturnedAssessment {
        visit_id: current.visit_id.clone(),
        household_id: current.household_id.clone(),
        comment: reason.clone(),
        returned_at: now,
    });
    let event = ReviewEvent {
        visit_id: current.visit_id.clone(),
        at: now,
        actor: actor.id.clone(),
        from: current.state,
        to,
        reason,
        escalation: decision.escalation.map(|e| e.as_str().to_owned()),
    };
    let entry = audit::draft(
        &state.audit_key,
        &actor.id,
        "review.decide",
        &event.visit_id,
        json!({ "from": event.from.as_str(), "to": to.as_str(), "escalation": event.escalation }),
    );
    let row = state
        .store
        .transition_review(&event, returned.as_ref(), Some(&entry))
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => OpsError::conflict(
                "invalid_transition",
                "the review changed meanwhile; reload it",
            ),
            e => e.into(),
        })?;
    Ok(row)
}

/// Who did what to a review, oldest first.
pub async fn history(
    state: &AppState,
    actor: &Actor,
    visit_id: &str,
) -> Result<Vec<ReviewEvent>, OpsError> {
    let r = find(state, actor, visit_id).await?;
    Ok(state.store.review_events(&r.visit_id).await?)
}
