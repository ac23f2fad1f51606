//! The audit log table: append seals the entry and links it inside the write transaction.

use chrono::{DateTime, Utc};
use fieldvisit_core::crypto::Sha256Hash;
use rusqlite::{Connection, OptionalExtension, params};

use super::{backend, parse_ts, ts};
use crate::audit::seal;
use crate::store::{AuditDraft, AuditEntry, StoreResult};

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
    let entry = append_in(&tx, d, now)?;
    tx.commit().map_err(backend)?;
    Ok(entry)
}

/// Appends inside the caller's write transaction: the entry commits with the change it records,
/// or not at all.
pub(crate) fn append_in(
    tx: &Connection,
    d: &AuditDraft,
    now: DateTime<Utc>,
) -> StoreResult<AuditEntry> {
    let head = head(tx)?;
    let (seq, prev_hash) = head.map_or((1, Sha256Hash::ZERO), |(s, h)| (s + 1, h));
    let at = parse_ts(&ts(now)).map_err(backend)?;
    let mut entry = AuditEntry {
        seq,
        at,
        actor: d.actor.clone(),
        action: d.action.clone(),
        target: d.target.clone(),
        detail: d.detail.clone(),
        address: d.address.clone(),
        agent: d.agent.clone(),
        keyed: true,
        prev_hash,
        hash: Sha256Hash::ZERO,
    };
    seal(&mut entry, &d.key);
    tx.execute(
        "INSERT INTO audit_log (seq, at, actor, action, target, detail, address, agent, keyed,
                                prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 1, ?9, ?10)",
        params![
            entry.seq,
            ts(entry.at),
            entry.actor,
            entry.action,
            entry.target,
            entry.detail,
            entry.address,
            entry.agent,
            entry.prev_hash.to_hex(),
            entry.hash.to_hex()
        ],
    )
    .map_err(backend)?;
    Ok(entry)
}

/// The newest entry's sequence number and link.
pub(super) fn head(c: &Connection) -> StoreResult<Option<(u64, Sha256Hash)>> {
    c.query_row(
        "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
        [],
        |r| Ok((r.get(0)?, hash(r.get(1)?)?)),
    )
    .optional()
    .map_err(backend)
}

/// Audit entries after `after`, on any connection (a backup's check reads a copy this way).
pub(crate) fn entries(c: &Connection, after: u64, limit: u32) -> StoreResult<Vec<AuditEntry>> {
    let mut st = c
        .prepare(
            "SELECT seq, at, actor, action, target, detail, address, agent, keyed, prev_hash,
                    hash FROM audit_log
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
                address: r.get(6)?,
                agent: r.get(7)?,
                keyed: r.get(8)?,
                prev_hash: hash(r.get(9)?)?,
                hash: hash(r.get(10)?)?,
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

        async fn audit_head(
            &self,
        ) -> StoreResult<Option<(u64, fieldvisit_core::crypto::Sha256Hash)>> {
            self.read(audit::head).await
        }

        async fn audit_entries(&self, after: u64, limit: u32) -> StoreResult<Vec<AuditEntry>> {
            self.read(move |c| audit::entries(c, after, limit)).await
        }
    }
}
