//! The audit log table: append computes the chain hash inside the write transaction, holding the
//! lock on the one-row `audit_head` table so appends from every connection and every server
//! process form one unbroken chain.

use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;
use fieldvisit_core::crypto::Sha256Hash;

use super::visits::hash_col;
use super::{backend, col, execute, get_u64, micros, query, query_opt, to_i64};
use crate::audit::seal;
use crate::store::{AuditDraft, AuditEntry, StoreError, StoreResult};

pub(super) async fn append(
    c: &mut deadpool_postgres::Client,
    d: &AuditDraft,
    now: DateTime<Utc>,
) -> StoreResult<AuditEntry> {
    let tx = c.transaction().await.map_err(backend)?;
    let entry = append_in(&tx, d, now).await?;
    tx.commit().await.map_err(backend)?;
    Ok(entry)
}

/// Appends inside the caller's transaction, as its last statement: the entry commits with the
/// change it records, or not at all. Taken last, the head's lock is held only until that commit.
pub(crate) async fn append_in<C: GenericClient>(
    tx: &C,
    d: &AuditDraft,
    now: DateTime<Utc>,
) -> StoreResult<AuditEntry> {
    // FOR UPDATE makes a concurrent append wait here until this one commits, then read the new head.
    let head = query_opt(
        tx,
        "SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE",
        &[],
    )
    .await?
    .ok_or(StoreError::Backend("audit_head has no row".into()))?;
    let seq = get_u64(&head, 0)? + 1;
    let prev_hash = hash_col(&head, 1)?;
    let mut entry = AuditEntry {
        seq,
        at: micros(now),
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
    let seq_i = to_i64(entry.seq, "audit seq")?;
    let hash_hex = entry.hash.to_hex();
    execute(
        tx,
        "INSERT INTO audit_log (seq, at, actor, action, target, detail, address, agent, keyed,
                                prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, true, $9, $10)",
        &[
            &seq_i,
            &entry.at,
            &entry.actor,
            &entry.action,
            &entry.target,
            &entry.detail,
            &entry.address,
            &entry.agent,
            &entry.prev_hash.to_hex(),
            &hash_hex,
        ],
    )
    .await?;
    execute(
        tx,
        "UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1",
        &[&seq_i, &hash_hex],
    )
    .await?;
    Ok(entry)
}

/// The newest entry's sequence number and link.
pub(super) async fn head<C: GenericClient>(c: &C) -> StoreResult<Option<(u64, Sha256Hash)>> {
    let row = query_opt(c, "SELECT seq, hash FROM audit_head WHERE id = 1", &[]).await?;
    match row {
        Some(r) if get_u64(&r, 0)? > 0 => Ok(Some((get_u64(&r, 0)?, hash_col(&r, 1)?))),
        _ => Ok(None),
    }
}

pub(super) async fn entries<C: GenericClient>(
    c: &C,
    after: u64,
    limit: u32,
) -> StoreResult<Vec<AuditEntry>> {
    let after = to_i64(after, "audit seq")?;
    let limit = i64::from(limit);
    query(
        c,
        "SELECT seq, at, actor, action, target, detail, address, agent, keyed, prev_hash, hash
         FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2",
        &[&after, &limit],
    )
    .await?
    .iter()
    .map(|r| {
        Ok(AuditEntry {
            seq: get_u64(r, 0)?,
            at: col(r, 1)?,
            actor: col(r, 2)?,
            action: col(r, 3)?,
            target: col(r, 4)?,
            detail: col(r, 5)?,
            address: col(r, 6)?,
            agent: col(r, 7)?,
            keyed: col(r, 8)?,
            prev_hash: hash_col(r, 9)?,
            hash: hash_col(r, 10)?,
        })
    })
    .collect()
}

/// [`AuditStore`](crate::store::AuditStore) over the SQL above.
mod as_store {
    use super::super::*;

    #[async_trait]
    impl AuditStore for PgStore {
        async fn append_audit(&self, draft: &AuditDraft) -> StoreResult<AuditEntry> {
            audit::append(&mut self.client().await?, draft, Utc::now()).await
        }

        async fn audit_head(
            &self,
        ) -> StoreResult<Option<(u64, fieldvisit_core::crypto::Sha256Hash)>> {
            audit::head(&self.client().await?).await
        }

        async fn audit_entries(&self, after: u64, limit: u32) -> StoreResult<Vec<AuditEntry>> {
            audit::entries(&self.client().await?, after, limit).await
        }
    }
}
