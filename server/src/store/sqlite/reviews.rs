//! Reviews of guardianship assessments: created with the visit, moved only by compare-and-set
//! transitions that append an event (and, for a return, the comment the phone pulls).

use fieldvisit_core::protocol::ReturnedAssessment;
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{backend, parse_ts, ts};
use crate::store::{
    GUARDIANSHIP_TEMPLATE, NewVisit, ReviewEvent, ReviewRow, ReviewState, Scope, StoreError,
    StoreResult,
};

const COLUMNS: &str = "r.visit_id, r.household_id, r.worker_id, r.level, r.urgent, r.state,
    r.escalation, r.submitted_at, r.updated_at, r.reviewer_id";

fn state_col(s: String) -> rusqlite::Result<ReviewState> {
    ReviewState::parse(&s).ok_or_else(|| super::bad_column("state"))
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<ReviewRow> {
    Ok(ReviewRow {
        visit_id: r.get(0)?,
        household_id: r.get(1)?,
        worker_id: r.get(2)?,
        level: r.get(3)?,
        urgent: r.get(4)?,
        state: state_col(r.get(5)?)?,
        escalation: r.get(6)?,
        submitted_at: parse_ts(&r.get::<_, String>(7)?)?,
        updated_at: parse_ts(&r.get::<_, String>(8)?)?,
        reviewer_id: r.get(9)?,
    })
}

fn add_event(tx: &Connection, e: &ReviewEvent) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO review_events (visit_id, at, actor, from_state, to_state, reason, escalation)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            e.visit_id,
            ts(e.at),
            e.actor,
            e.from.as_str(),
            e.to.as_str(),
            e.reason,
            e.escalation
        ],
    )
    .map_err(backend)?;
    Ok(())
}

/// Opens a review for a newly stored guardianship assessment, inside the ingest transaction. A
/// police report from the phone makes it urgent at once, with no approval step before it.
pub(super) fn open_for(tx: &Connection, v: &NewVisit) -> StoreResult<()> {
    if v.template_id != GUARDIANSHIP_TEMPLATE {
        return Ok(());
    }
    let urgent = v.reported_to_police_at.is_some();
    let state = if urgent {
        ReviewState::Urgent
    } else {
        ReviewState::Submitted
    };
    tx.execute(
        "INSERT INTO reviews (visit_id, household_id, worker_id, level, urgent, state,
             submitted_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
        params![
            v.visit_id,
            v.household_id,
            v.worker_id,
            v.level,
            urgent,
            state.as_str(),
            ts(v.received_at)
        ],
    )
    .map_err(backend)?;
    if urgent {
        add_event(
            tx,
            &ReviewEvent {
                visit_id: v.visit_id.clone(),
                at: v.received_at,
                actor: v.worker_id.clone(),
                from: ReviewState::Submitted,
                to: ReviewState::Urgent,
                reason: "reported to police by the worker".into(),
                escalation: Some("police_report".into()),
            },
        )?;
    }
    Ok(())
}

pub(super) fn review(c: &Connection, visit_id: &str) -> StoreResult<Option<(ReviewRow, String)>> {
    c.query_row(
        &format!(
            "SELECT {COLUMNS}, o.path FROM reviews r JOIN households h ON h.id = r.household_id
             JOIN org_units o ON o.id = h.village_id WHERE r.visit_id = ?1"
        ),
        [visit_id],
        |r| Ok((from_row(r)?, r.get(10)?)),
    )
    .optional()
    .map_err(backend)
}

pub(super) fn in_scope(c: &Connection, scope: &Scope) -> StoreResult<Vec<ReviewRow>> {
    let mut st = c
        .prepare(&format!(
            "SELECT {COLUMNS} FROM reviews r JOIN households h ON h.id = r.household_id
             JOIN org_units o ON o.id = h.village_id
             WHERE substr(o.path, 1, length(?1)) = ?1 AND (?2 IS NULL OR r.worker_id = ?2)
             ORDER BY r.submitted_at"
        ))
        .map_err(backend)?;
    st.query_map(params![scope.path, scope.worker_id], from_row)
        .map_err(backend)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(backend)
}

pub(super) fn events(c: &Connection, visit_id: &str) -> StoreResult<Vec<ReviewEvent>> {
    let mut st = c
        .prepare(
            "SELECT visit_id, at, actor, from_state, to_state, reason, escalation
             FROM review_events WHERE visit_id = ?1 ORDER BY id",
        )
        .map_err(backend)?;
    st.query_map([visit_id], |r| {
        Ok(ReviewEvent {
            visit_id: r.get(0)?,
            at: parse_ts(&r.get::<_, String>(1)?)?,
            actor: r.get(2)?,
            from: state_col(r.get(3)?)?,
            to: state_col(r.get(4)?)?,
            reason: r.get(5)?,
            escalation: r.get(6)?,
        })
    })
    .map_err(backend)?
    .collect::<rusqlite::Result<Vec<_>>>()
    .map_err(backend)
}

/// Moves a review from `event.from` to `event.to` only if it is still in `event.from`.
pub(super) fn transition(
    tx: &Connection,
    event: &ReviewEvent,
    returned: Option<&ReturnedAssessment>,
) -> StoreResult<ReviewRow> {
    let n = tx
        .execute(
            "UPDATE reviews SET state = ?1, escalation = COALESCE(?2, escalation),
                 updated_at = ?3, reviewer_id = ?4
             WHERE visit_id = ?5 AND state = ?6",
            params![
                event.to.as_str(),
                event.escalation,
                ts(event.at),
                event.actor,
                event.visit_id,
                event.from.as_str()
            ],
        )
        .map_err(backend)?;
    if n == 0 {
        return Err(StoreError::Conflict("review in that state"));
    }
    add_event(tx, event)?;
    if let Some(ret) = returned {
        let worker: String = tx
            .query_row(
                "SELECT worker_id FROM reviews WHERE visit_id = ?1",
                [&event.visit_id],
                |r| r.get(0),
            )
            .map_err(backend)?;
        let seq = super::org::next_seq(tx)?;
        tx.execute(
            "INSERT INTO returned_assessments (seq, visit_id, household_id, worker_id, comment,
                 returned_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                seq,
                ret.visit_id,
                ret.household_id,
                worker,
                ret.comment,
                ts(ret.returned_at)
            ],
        )
        .map_err(backend)?;
    }
    let row = tx
        .query_row(
            &format!("SELECT {COLUMNS} FROM reviews r WHERE r.visit_id = ?1"),
            [&event.visit_id],
            from_row,
        )
        .map_err(backend)?;
    Ok(row)
}

/// [`ReviewStore`](crate::store::ReviewStore) over the SQL above.
mod as_store {
    use super::super::*;

    #[async_trait]
    impl ReviewStore for SqliteStore {
        async fn reviews(&self, scope: &Scope) -> StoreResult<Vec<ReviewRow>> {
            let scope = scope.clone();
            self.read(move |c| reviews::in_scope(c, &scope)).await
        }

        async fn review(&self, visit_id: &str) -> StoreResult<Option<(ReviewRow, String)>> {
            let id = visit_id.to_owned();
            self.read(move |c| reviews::review(c, &id)).await
        }

        async fn review_events(&self, visit_id: &str) -> StoreResult<Vec<ReviewEvent>> {
            let id = visit_id.to_owned();
            self.read(move |c| reviews::events(c, &id)).await
        }

        async fn transition_review(
            &self,
            event: &ReviewEvent,
            returned: Option<&fieldvisit_core::protocol::ReturnedAssessment>,
            audit: Option<&AuditDraft>,
        ) -> StoreResult<ReviewRow> {
            let (e, r, audit) = (event.clone(), returned.cloned(), audit.cloned());
            self.call(move |c| {
                with_audit(c, audit.as_ref(), |tx| {
                    reviews::transition(tx, &e, r.as_ref())
                })
            })
            .await
        }
    }
}
