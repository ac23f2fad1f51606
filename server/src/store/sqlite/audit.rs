//! The audit log table: append computes the chain hash inside the write transaction.

use chrono::{DateTime, Utc};
use fieldvisit_core::crypto::Sha256Hash;
use rusqlite::{Connection, OptionalExtension, params};

use super::{backend, parse_ts, ts};
use crate::audit::entry_hash;
use crate::store::{AuditDraft, AuditEntry, StoreError, StoreResult};

fn hash(s: String) -> rusqlite::Result<Sha256Hash> {
    Sha256Hash::from_hex(&s).ok_or_else(|| super::bad_column("hash"))
}

pub(super) fn append(
    c: &mut Connection,
    d: &AuditDraft,
    now: DateTime<Utc>,
) -> StoreResult<AuditEntry> {
    // IMMEDIATE takes the write lock before reading the head, so two appends cannot share a parent.
    let tx = c
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(backend)?;
    let head: Option<(u64, String)> = tx
        .query_row(
            "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .map_err(backend)?;
    let (seq, prev_hash) = match head {
        None => (1, Sha256Hash::ZERO),
        Some((s, h)) => (
            s + 1,
            Sha256Hash::from_hex(&h).ok_or(StoreError::Backend("audit head hash".into()))?,
        ),
    };
    let at = parse_ts(&ts(now)).map_err(backend)?;
    let mut entry = AuditEntry {
        seq,
        at,
        actor: d.actor.clone(),
        action: d.action.clone(),
        target: d.target.clone(),
        detail: d.detail.clone(),
        prev_hash,
        hash: Sha256Hash::ZERO,
    };
    entry.hash = entry_hash(&entry);
    tx.execute(
        "INSERT INTO audit_log (seq, at, actor, action, target, detail, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            entry.seq,
            ts(entry.at),
            entry.actor,
            entry.action,
            entry.target,
            entry.detail,
            entry.prev_hash.to_hex(),
            entry.hash.to_hex()
        ],
    )
    .map_err(backend)?;
    tx.commit().map_err(backend)?;
    Ok(entry)
}

/// Audit entries after `after`, on any connection (a backup's check reads a copy this way).
pub(crate) fn entries(c: &Connection, after: u64, limit: u32) -> StoreResult<Vec<AuditEntry>> {
    let mut st = c
        .prepare(
            "SELECT seq, at, actor, action, target, detail, prev_hash, hash FROM audit_log
             WHERE seq > ?1 ORDER BY seq LIMIT ?2",
        )
        .map_err(backend)?;
    let rows = st
        .query_map(params![after, limit], |r| {
            Ok(AuditEntry {
                seq: r.get(0)?,
                at: parse_ts(&r.get::<_, String>(1)?)?,
                actor: r.get(2)?,
                action: r.get(3)?,
                target: r.get(4)?,
                detail: r.get(5)?,
                prev_hash: hash(r.get(6)?)?,
                hash: hash(r.get(7)?)?,
            })
        })
        .map_err(backend)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(backend)?;
    Ok(rows)
}

/// [`AuditStore`](crate::store::AuditStore) over the SQL above.
mod as_store {
    use super::super::*;

    #[async_trait]
    impl AuditStore for SqliteStore {
        async fn append_audit(&self, draft: &AuditDraft) -> StoreResult<AuditEntry> {
            let d = draft.clone();
            self.call(move |c| audit::append(c, &d, Utc::now())).await
        }

        async fn audit_entries(&self, after: u64, limit: u32) -> StoreResult<Vec<AuditEntry>> {
            self.read(move |c| audit::entries(c, after, limit)).await
        }
    }
}
