//! Reviews of guardianship assessments: created with the visit, moved only by compare-and-set
//! transitions that append an event (and, for a return, the comment the phone pulls).

use deadpool_postgres::GenericClient;
use fieldvisit_core::protocol::ReturnedAssessment;
use tokio_postgres::Row;

use super::pipeline::{Pipeline, params};
use super::{bad_column, col, execute, micros, query, query_opt, to_i64};
use crate::store::{
    GUARDIANSHIP_TEMPLATE, NewVisit, ReviewEvent, ReviewRow, ReviewState, Scope, StoreError,
    StoreResult,
};

const SELECT_ROW: &str = "SELECT r.visit_id, r.household_id, r.worker_id, r.level, r.urgent,
    r.state, r.escalation, r.submitted_at, r.updated_at, r.reviewer_id";

fn state_col(r: &Row, idx: usize) -> StoreResult<ReviewState> {
    let s: String = col(r, idx)?;
    ReviewState::parse(&s).ok_or_else(|| bad_column("state"))
}

fn from_row(r: &Row) -> StoreResult<ReviewRow> {
    Ok(ReviewRow {
        visit_id: col(r, 0)?,
        household_id: col(r, 1)?,
        worker_id: col(r, 2)?,
        level: col(r, 3)?,
        urgent: col(r, 4)?,
        state: state_col(r, 5)?,
        escalation: col(r, 6)?,
        submitted_at: col(r, 7)?,
        updated_at: col(r, 8)?,
        reviewer_id: col(r, 9)?,
    })
}

/// Appends a review event.
const INSERT_EVENT: &str = "INSERT INTO review_events (visit_id, at, actor, from_state, to_state,
    reason, escalation) VALUES ($1, $2, $3, $4, $5, $6, $7)";

async fn add_event<C: GenericClient>(tx: &C, e: &ReviewEvent) -> StoreResult<()> {
    execute(
        tx,
        INSERT_EVENT,
        &[
            &e.visit_id,
            &e.at,
            &e.actor,
            &e.from.as_str(),
            &e.to.as_str(),
            &e.reason,
            &e.escalation,
        ],
    )
    .await?;
    Ok(())
}

/// Queues the review of a newly stored guardianship assessment into the ingest transaction's
/// pipeline. A police report from the phone makes it urgent at once, with no approval step
/// before it.
pub(super) fn open_for(p: &mut Pipeline, v: &NewVisit) {
    if v.template_id != GUARDIANSHIP_TEMPLATE {
        return;
    }
    let urgent = v.reported_to_police_at.is_some();
    let state = if urgent {
        ReviewState::Urgent
    } else {
        ReviewState::Submitted
    };
    p.push(
        "INSERT INTO reviews (visit_id, household_id, worker_id, level, urgent, state,
             submitted_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
        params![
            v.visit_id.clone(),
            v.household_id.clone(),
            v.worker_id.clone(),
            v.level.clone(),
            urgent,
            state.as_str(),
            micros(v.received_at),
        ],
    );
    if urgent {
        p.push(
            INSERT_EVENT,
            params![
                v.visit_id.clone(),
                v.received_at,
                v.worker_id.clone(),
                ReviewState::Submitted.as_str(),
                ReviewState::Urgent.as_str(),
                "reported to police by the worker",
                Some("police_report"),
            ],
        );
    }
}

pub(super) async fn review<C: GenericClient>(
    c: &C,
    visit_id: &str,
) -> StoreResult<Option<(ReviewRow, String)>> {
    let Some(r) = query_opt(
        c,
        &format!(
            "{SELECT_ROW}, o.path FROM reviews r JOIN households h ON h.id = r.household_id
             JOIN org_units o ON o.id = h.village_id WHERE r.visit_id = $1"
        ),
        &[&visit_id],
    )
    .await?
    else {
        return Ok(None);
    };
    Ok(Some((from_row(&r)?, col(&r, 10)?)))
}

pub(super) async fn in_scope<C: GenericClient>(
    c: &C,
    scope: &Scope,
) -> StoreResult<Vec<ReviewRow>> {
    query(
        c,
        &format!(
            "{SELECT_ROW} FROM reviews r JOIN households h ON h.id = r.household_id
             JOIN org_units o ON o.id = h.village_id
             WHERE left(o.path, length($1)) = $1 AND ($2::text IS NULL OR r.worker_id = $2)
             ORDER BY r.submitted_at, r.visit_id COLLATE \"C\""
        ),
        &[&scope.path, &scope.worker_id],
    )
    .await?
    .iter()
    .map(from_row)
    .collect()
}

pub(super) async fn events<C: GenericClient>(
    c: &C,
    visit_id: &str,
) -> StoreResult<Vec<ReviewEvent>> {
    query(
        c,
        "SELECT visit_id, at, actor, from_state, to_state, reason, escalation
         FROM review_events WHERE visit_id = $1 ORDER BY id",
        &[&visit_id],
    )
    .await?
    .iter()
    .map(|r| {
        Ok(ReviewEvent {
            visit_id: col(r, 0)?,
            at: col(r, 1)?,
            actor: col(r, 2)?,
            from: state_col(r, 3)?,
            to: state_col(r, 4)?,
            reason: col(r, 5)?,
            escalation: col(r, 6)?,
        })
    })
    .collect()
}

/// Moves a review from `event.from` to `event.to` only if it is still in `event.from`. The UPDATE's
/// `state = from` check is the compare-and-set: a concurrent transition waits for the row lock,
/// re-checks against the committed state and matches nothing.
pub(super) async fn transition(
    tx: &deadpool_postgres::Transaction<'_>,
    event: &ReviewEvent,
    returned: Option<&ReturnedAssessment>,
) -> StoreResult<ReviewRow> {
    let Some(worker) = query_opt(
        tx,
        "UPDATE reviews SET state = $1, escalation = COALESCE($2, escalation),
             updated_at = $3, reviewer_id = $4
         WHERE visit_id = $5 AND state = $6 RETURNING worker_id",
        &[
            &event.to.as_str(),
            &event.escalation,
            &event.at,
            &event.actor,
            &event.visit_id,
            &event.from.as_str(),
        ],
    )
    .await?
    else {
        return Err(StoreError::Conflict("review in that state"));
    };
    let worker: String = col(&worker, 0)?;
    add_event(tx, event).await?;
    if let Some(ret) = returned {
        let seq = to_i64(super::org::next_seq(tx).await?, "change sequence")?;
        execute(
            tx,
            "INSERT INTO returned_assessments (seq, visit_id, household_id, worker_id, comment,
                 returned_at) VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                &seq,
                &ret.visit_id,
                &ret.household_id,
                &worker,
                &ret.comment,
                &ret.returned_at,
            ],
        )
        .await?;
    }
    let row = query_opt(
        tx,
        &format!("{SELECT_ROW} FROM reviews r WHERE r.visit_id = $1"),
        &[&event.visit_id],
    )
    .await?
    .ok_or(StoreError::NotFound("review"))?;
    let row = from_row(&row)?;
    Ok(row)
}

/// [`ReviewStore`](crate::store::ReviewStore) over the SQL above.
mod as_store {
    use super::super::*;

    #[async_trait]
    impl ReviewStore for PgStore {
        async fn reviews(&self, scope: &Scope) -> StoreResult<Vec<ReviewRow>> {
            reviews::in_scope(&self.client().await?, scope).await
        }

        async fn review(&self, visit_id: &str) -> StoreResult<Option<(ReviewRow, String)>> {
            reviews::review(&self.client().await?, visit_id).await
        }

        async fn review_events(&self, visit_id: &str) -> StoreResult<Vec<ReviewEvent>> {
            reviews::events(&self.client().await?, visit_id).await
        }

        async fn transition_review(
            &self,
            event: &ReviewEvent,
            returned: Option<&fieldvisit_core::protocol::ReturnedAssessment>,
            audit: Option<&AuditDraft>,
        ) -> StoreResult<ReviewRow> {
            let mut c = self.client().await?;
            let tx = c.transaction().await.map_err(backend)?;
            let row = reviews::transition(&tx, event, returned).await?;
            commit_audited(tx, audit).await?;
            Ok(row)
        }
    }
}
