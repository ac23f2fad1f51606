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

/// Checks entries one after the other, from the first: what [`verify`] and a backup's check
/// share.
#[derive(Debug)]
pub struct ChainCheck {
    expected_seq: u64,
    prev: Sha256Hash,
}

impl Default for ChainCheck {
    fn default() -> Self {
        ChainCheck {
            expected_seq: 1,
            prev: Sha256Hash::ZERO,
        }
    }
}

impl ChainCheck {
    /// The sequence number after the last entry checked (where the next page starts).
    pub fn checked(&self) -> u64 {
        self.expected_seq - 1
    }

    /// Checks the next entry; the verdict when it breaks the chain.
    pub fn next(&mut self, e: &AuditEntry) -> Result<(), Verification> {
        let reason = if e.seq != self.expected_seq {
            Some("missing entry before this one")
        } else if e.prev_hash != self.prev {
            Some("does not link to the previous entry")
        } else if entry_hash(e) != e.hash {
            Some("fields do not match the entry hash")
        } else {
            None
        };
        if let Some(reason) = reason {
            return Err(Verification::Broken {
                seq: self.expected_seq.min(e.seq),
                reason,
            });
        }
        self.prev = e.hash;
        self.expected_seq += 1;
        Ok(())
    }

    /// The verdict when every entry was checked.
    pub fn finish(self) -> Verification {
        Verification::Intact {
            entries: self.checked(),
        }
    }
}

/// Walks the whole chain in pages and reports the first broken entry.
pub async fn verify(store: &dyn Store) -> StoreResult<Verification> {
    let mut check = ChainCheck::default();
    loop {
        let page = store.audit_entries(check.checked(), 1000).await?;
        if page.is_empty() {
            return Ok(check.finish());
        }
        for e in &page {
            if let Err(broken) = check.next(e) {
                return Ok(broken);
            }
        }
    }
}

#[cfg(test)]
mod tests;
