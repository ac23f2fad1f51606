//! The upload outbox: every sealed visit waits here until the server's receipt, then until its
//! photos are complete; returned assessments are kept as tasks.

use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::{Encrypted, Store, StoreError};
use crate::protocol::{Receipt, ReturnedAssessment};

/// Where a sealed visit stands in the upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxState {
    /// The envelope has no receipt yet.
    Pending,
    /// The server holds the envelope; photos may still be missing.
    Receipted,
    /// Envelope and photos are on the server.
    Done,
    /// The server refused it for good (the error code is kept).
    Failed,
}

impl OutboxState {
    fn code(self) -> &'static str {
        match self {
            OutboxState::Pending => "pending",
            OutboxState::Receipted => "receipted",
            OutboxState::Done => "done",
            OutboxState::Failed => "failed",
        }
    }

    fn parse(s: &str) -> Result<Self, StoreError> {
        Ok(match s {
            "pending" => OutboxState::Pending,
            "receipted" => OutboxState::Receipted,
            "done" => OutboxState::Done,
            "failed" => OutboxState::Failed,
            _ => return Err(StoreError::Corrupt("unknown outbox state")),
        })
    }
}

/// One outbox row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    /// Visit id.
    pub visit_id: String,
    /// Chain sequence number (upload order).
    pub seq: u64,
    /// State.
    pub state: OutboxState,
    /// The receipt, once received.
    pub receipt: Option<Receipt>,
    /// Upload attempts so far.
    pub attempts: u32,
    /// The server's error code for a permanent refusal.
    pub error: Option<String>,
}

/// A returned assessment waiting for the worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    /// The returned visit.
    pub visit_id: String,
    /// Its household.
    pub household_id: String,
    /// The reviewer's comment.
    pub comment: String,
    /// When it was returned (RFC 3339).
    pub returned_at: String,
}

impl Store {
    /// Every outbox entry not yet done, in chain order.
    pub fn outbox(&self) -> Result<Vec<OutboxEntry>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT o.visit_id, s.seq, o.state, o.receipt, o.attempts, o.error
             FROM outbox o JOIN sealed s ON s.visit_id = o.visit_id
             WHERE o.state IN ('pending', 'receipted') ORDER BY s.seq",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, i64>(4)?,
                r.get::<_, Option<String>>(5)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (visit_id, seq, state, receipt, attempts, error) = row?;
            let receipt = receipt
                .map(|r| {
                    serde_json::from_str(&r)
                        .map_err(|_| StoreError::Corrupt("a stored receipt does not parse"))
                })
                .transpose()?;
            out.push(OutboxEntry {
                visit_id,
                seq: u64::try_from(seq).unwrap_or(0),
                state: OutboxState::parse(&state)?,
                receipt,
                attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
                error,
            });
        }
        Ok(out)
    }

    /// State of one visit in the outbox.
    pub fn outbox_state(&self, visit_id: &str) -> Result<Option<OutboxState>, StoreError> {
        let s: Option<String> = self
            .conn()
            .query_row(
                "SELECT state FROM outbox WHERE visit_id = ?1",
                [visit_id],
                |r| r.get(0),
            )
            .optional()?;
        s.map(|s| OutboxState::parse(&s)).transpose()
    }

    /// Counts one more upload attempt.
    pub fn outbox_attempted(&self, visit_id: &str) -> Result<(), StoreError> {
        self.write(|tx, _| {
            tx.execute(
                "UPDATE outbox SET attempts = attempts + 1 WHERE visit_id = ?1",
                [visit_id],
            )?;
            Ok(())
        })
    }

    /// Keeps the receipt (receipts are not personal: ids, a hash and times).
    pub fn outbox_receipted(&self, receipt: &Receipt) -> Result<(), StoreError> {
        let json = serde_json::to_string(receipt)
            .map_err(|_| StoreError::Corrupt("a receipt could not be encoded"))?;
        self.write(|tx, _| {
            tx.execute(
                "UPDATE outbox SET state = 'receipted', receipt = ?2, error = NULL WHERE visit_id = ?1",
                params![receipt.visit_id, json],
            )?;
            Ok(())
        })
    }

    /// Sets the final state of a visit's upload.
    pub fn outbox_finish(
        &self,
        visit_id: &str,
        state: OutboxState,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        self.write(|tx, _| {
            tx.execute(
                "UPDATE outbox SET state = ?2, error = ?3 WHERE visit_id = ?1",
                params![visit_id, state.code(), error],
            )?;
            Ok(())
        })
    }

    /// Removes a synced visit's content from the phone: answers, notes and photos. The sealed
    /// envelope stays (it is end-to-end encrypted and anchors the hash chain).
    pub fn purge_content(&self, visit_id: &str) -> Result<(), StoreError> {
        self.write(|tx, cipher| {
            clear_content_tx(tx, cipher, visit_id)?;
            tx.execute("DELETE FROM sealed_photos WHERE visit_id = ?1", [visit_id])?;
            tx.execute(
                "UPDATE outbox SET purged = 1 WHERE visit_id = ?1",
                [visit_id],
            )?;
            Ok(())
        })
    }

    /// Stores assessments returned by reviewers as open tasks (the comment is encrypted).
    pub fn put_tasks(&self, returned: &[ReturnedAssessment]) -> Result<(), StoreError> {
        self.write(|tx, cipher| {
            for r in returned {
                let data = cipher.seal("tasks", "data", &r.visit_id, r.comment.as_bytes())?;
                tx.execute(
                    "INSERT INTO tasks (visit_id, household_id, returned_at, data) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT(visit_id) DO UPDATE SET returned_at = excluded.returned_at, data = excluded.data, state = 'open'",
                    params![r.visit_id, r.household_id, r.returned_at.to_rfc3339(), data.as_bytes()],
                )?;
            }
            Ok(())
        })
    }

    /// Open tasks, oldest first.
    pub fn tasks(&self) -> Result<Vec<Task>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT visit_id, household_id, returned_at, data FROM tasks WHERE state = 'open' ORDER BY returned_at",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Vec<u8>>(3)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (visit_id, household_id, returned_at, data) = row?;
            let comment =
                self.cipher()
                    .open("tasks", "data", &visit_id, &Encrypted::from_db(data))?;
            out.push(Task {
                visit_id,
                household_id,
                comment: String::from_utf8_lossy(&comment).into_owned(),
                returned_at,
            });
        }
        Ok(out)
    }

    /// Closes a task (the amended visit was sealed).
    pub fn close_task(&self, visit_id: &str) -> Result<(), StoreError> {
        self.write(|tx, _| {
            tx.execute(
                "UPDATE tasks SET state = 'closed' WHERE visit_id = ?1",
                [visit_id],
            )?;
            Ok(())
        })
    }

    /// The since-token of the last assignments pull.
    pub fn assignments_since(&self) -> Result<Option<String>, StoreError> {
        Ok(self
            .meta_get("assignments_since")?
            .map(|b| String::from_utf8_lossy(&b).into_owned()))
    }

    /// Records the since-token of a pull.
    pub fn put_assignments_since(&self, token: &str) -> Result<(), StoreError> {
        self.write(|tx, cipher| Store::meta_put(tx, cipher, "assignments_since", token.as_bytes()))
    }
}

/// Clears a visit's readable content (answers, notes, photos and their files); the row stays, for
/// the sealed record that references it.
pub(crate) fn clear_content_tx(
    tx: &rusqlite::Transaction<'_>,
    cipher: &super::RowCipher,
    visit_id: &str,
) -> Result<(), StoreError> {
    let Some((_, mut draft)) = Store::load_visit_tx(tx, cipher, visit_id)? else {
        return Ok(());
    };
    draft.answers.clear();
    draft.notes.clear();
    draft.investigators.clear();
    draft.photos.clear();
    draft.overrides.clear();
    draft.fix = None;
    let data = cipher.seal_json("visits", "data", visit_id, &draft)?;
    tx.execute(
        "UPDATE visits SET data = ?2 WHERE id = ?1",
        params![visit_id, data.as_bytes()],
    )?;
    tx.execute("DELETE FROM photos WHERE visit_id = ?1", [visit_id])?;
    Ok(())
}
