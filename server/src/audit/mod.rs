//! The append-only, hash-chained audit log: hashing, recording and verification.
//!
//! Each entry stores the previous entry's hash and a hash over its own fields plus that link, so
//! editing, deleting or reordering any entry breaks every later link.

use fieldvisit_core::crypto::{Sha256Hash, sha256};

use crate::store::{AuditDraft, AuditEntry, Store, StoreResult};

/// Hash of an entry: every field length-prefixed, so no two field lists hash alike.
pub fn entry_hash(e: &AuditEntry) -> Sha256Hash {
    let at = e.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let seq = e.seq.to_string();
    let prev = e.prev_hash.to_hex();
    let mut buf = Vec::new();
    for field in [
        "fieldvisit/audit/v1",
        &seq,
        &at,
        &e.actor,
        &e.action,
        &e.target,
        &e.detail,
        &prev,
    ] {
        buf.extend_from_slice(&(field.len() as u64).to_be_bytes());
        buf.extend_from_slice(field.as_bytes());
    }
    sha256(&buf)
}

/// Records an event; `detail` must hold ids only. Failure to audit fails the caller's request.
pub async fn record(
    store: &dyn Store,
    actor: &str,
    action: &str,
    target: &str,
    detail: serde_json::Value,
) -> StoreResult<AuditEntry> {
    store
        .append_audit(&AuditDraft {
            actor: actor.to_owned(),
            action: action.to_owned(),
            target: target.to_owned(),
            detail: detail.to_string(),
        })
        .await
}

/// Result of verifying the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    /// All `entries` entries link and hash correctly.
    Intact {
        /// Number of entries checked.
        entries: u64,
    },
    /// The first entry that does not verify.
    Broken {
        /// Its sequence number.
        seq: u64,
        /// What is wrong.
        reason: &'static str,
    },
}

/// Walks the whole chain in pages and reports the first broken entry.
pub async fn verify(store: &dyn Store) -> StoreResult<Verification> {
    let mut expected_seq = 1u64;
    let mut prev = Sha256Hash::ZERO;
    loop {
        let page = store.audit_entries(expected_seq - 1, 1000).await?;
        if page.is_empty() {
            return Ok(Verification::Intact {
                entries: expected_seq - 1,
            });
        }
        for e in page {
            let reason = if e.seq != expected_seq {
                Some("missing entry before this one")
            } else if e.prev_hash != prev {
                Some("does not link to the previous entry")
            } else if entry_hash(&e) != e.hash {
                Some("fields do not match the entry hash")
            } else {
                None
            };
            if let Some(reason) = reason {
                return Ok(Verification::Broken {
                    seq: expected_seq.min(e.seq),
                    reason,
                });
            }
            prev = e.hash;
            expected_seq += 1;
        }
    }
}

#[cfg(test)]
mod tests;
