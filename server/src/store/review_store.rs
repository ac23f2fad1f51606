//! The review workflow of guardianship assessments.

use async_trait::async_trait;

use super::*;

/// The review workflow of guardianship assessments.
#[async_trait]
pub trait ReviewStore: Send + Sync {
    /// Reviews of guardianship assessments in a scope (all states), oldest first.
    async fn reviews(&self, scope: &Scope) -> StoreResult<Vec<ReviewRow>>;

    /// One review with its household's village path.
    async fn review(&self, visit_id: &str) -> StoreResult<Option<(ReviewRow, String)>>;

    /// The transitions of a review, oldest first.
    async fn review_events(&self, visit_id: &str) -> StoreResult<Vec<ReviewEvent>>;

    /// Moves a review from `event.from` to `event.to` (`Conflict` if it is no longer in `event.from`),
    /// appends the event and, for a return, the comment the worker's phone pulls; one transaction.
    /// `audit` records the decision in the same transaction (none only when seeding or testing).
    async fn transition_review(
        &self,
        event: &ReviewEvent,
        returned: Option<&fieldvisit_core::protocol::ReturnedAssessment>,
        audit: Option<&AuditDraft>,
    ) -> StoreResult<ReviewRow>;
}
