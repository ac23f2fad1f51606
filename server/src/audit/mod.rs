//! The append-only, chained audit log: sealing, recording, checkpoints and verification.
//!
//! Each entry stores the previous entry's link and a link over its own fields plus that one, so
//! editing, deleting or reordering any entry breaks every later link. Links are HMAC-SHA-256 under
//! the audit key, kept outside the database ([`key`]): whoever can write the database cannot make
//! a rewritten entry verify. Entries written before the key existed carry a plain SHA-256 link
//! and are accepted only before the first sealed one. Cutting entries off the end leaves a chain
//! that links, so the head is also written, from time to time, to a checkpoint file outside the
//! database ([`checkpoints`]), and verification finds every checkpointed entry still there.

pub mod checkpoints;
pub mod client;
pub mod key;

use std::sync::Arc;

use fieldvisit_core::crypto::{Sha256Hash, sha256};

pub use checkpoints::{Checkpoint, CheckpointFile};
pub use key::{AuditKey, AuditKeyError};

use crate::state::AppState;
use crate::store::{AuditDraft, AuditEntry, Store, StoreResult};

/// The fields of an entry, each length-prefixed so no two field lists read alike.
fn message(e: &AuditEntry) -> Vec<u8> {
    let at = e.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let seq = e.seq.to_string();
    let prev = e.prev_hash.to_hex();
    let mut fields = vec![
        if e.keyed {
            "fieldvisit/audit/v2"
        } else {
            "fieldvisit/audit/v1"
        },
        &seq,
        &at,
        &e.actor,
        &e.action,
        &e.target,
        &e.detail,
    ];
    if e.keyed {
        fields.extend([e.address.as_str(), e.agent.as_str()]);
    }
    fields.push(&prev);
    let mut buf = Vec::new();
    for field in fields {
        buf.extend_from_slice(&(field.len() as u64).to_be_bytes());
        buf.extend_from_slice(field.as_bytes());
    }
    buf
}

/// The plain SHA-256 link of an entry written before the audit key (`keyed == false`).
pub fn entry_hash(e: &AuditEntry) -> Sha256Hash {
    sha256(&message(e))
}

/// Seals a new entry under `key`: marks it keyed and sets its link. The stores call this inside
/// the transaction that writes the entry.
pub fn seal(e: &mut AuditEntry, key: &AuditKey) {
    e.keyed = true;
    e.hash = Sha256Hash(key.seal(&message(e)));
}

/// Whether an entry's link is right: its seal under `key`, or its plain hash if it predates the
/// key.
fn link_holds(e: &AuditEntry, key: &AuditKey) -> bool {
    if e.keyed {
        key.verifies(&message(e), &e.hash.0)
    } else {
        entry_hash(e) == e.hash
    }
}

/// A draft of an event by `actor` on `target`, naming the client of the request being served;
/// `detail` must hold ids only.
pub fn draft(
    key: &Arc<AuditKey>,
    actor: &str,
    action: &str,
    target: &str,
    detail: serde_json::Value,
) -> AuditDraft {
    let client = client::current();
    AuditDraft {
        actor: actor.to_owned(),
        action: action.to_owned(),
        target: target.to_owned(),
        detail: detail.to_string(),
        address: client.address,
        agent: client.agent,
        key: Arc::clone(key),
    }
}

/// A draft under a fixed, public key, for fixtures (tests, benchmarks, examples) that write
/// through a store without a server. The server never uses it: entries sealed so do not verify
/// under a server's own key.
pub fn fixture_draft(action: &str) -> AuditDraft {
    let key = Arc::new(AuditKey::from_bytes(&[1; 32]));
    draft(&key, "test", action, "-", serde_json::json!({}))
}

/// Records an event that changes nothing else (a read, a sign-in failure summary); `detail` must
/// hold ids only. Failure to audit fails the caller's request.
pub async fn record(
    state: &AppState,
    actor: &str,
    action: &str,
    target: &str,
    detail: serde_json::Value,
) -> StoreResult<AuditEntry> {
    state
        .store
        .append_audit(&draft(&state.audit_key, actor, action, target, detail))
        .await
}

/// Writes the chain's head to the checkpoint file when it moved since the last call; what
/// `serve` runs every few seconds and an admin command runs when it ends.
pub async fn checkpoint(state: &AppState) -> StoreResult<Option<Checkpoint>> {
    let Some(head) = state.store.audit_head().await? else {
        return Ok(None);
    };
    state
        .audit_checkpoints
        .note(head)
        .map_err(|e| crate::store::StoreError::Backend(format!("audit checkpoint: {e}")))
}

/// Result of verifying the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    /// All `entries` entries link and hash correctly, and every checkpointed entry is there.
    Intact {
        /// Number of entries checked.
        entries: u64,
        /// The newest checkpoint found, if any.
        checkpoint: Option<u64>,
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
pub struct ChainCheck<'k> {
    key: &'k AuditKey,
    expected_seq: u64,
    prev: Sha256Hash,
    keyed_seen: bool,
    checkpoints: std::collections::BTreeMap<u64, Sha256Hash>,
}

impl<'k> ChainCheck<'k> {
    /// A check of seals under `key`, with the checkpoints kept outside the database.
    pub fn new(key: &'k AuditKey, checkpoints: &[Checkpoint]) -> Self {
        ChainCheck {
            key,
            expected_seq: 1,
            prev: Sha256Hash::ZERO,
            keyed_seen: false,
            checkpoints: checkpoints.iter().map(|c| (c.seq, c.link)).collect(),
        }
    }

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
        } else if !e.keyed && self.keyed_seen {
            Some("an unsealed entry after sealed ones")
        } else if !link_holds(e, self.key) {
            Some("fields do not match the entry's seal")
        } else if self.checkpoints.get(&e.seq).is_some_and(|c| *c != e.hash) {
            Some("differs from the checkpoint kept outside the database")
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
        self.keyed_seen |= e.keyed;
        self.expected_seq += 1;
        Ok(())
    }

    /// The verdict when every entry was checked: broken if a checkpoint names an entry past the
    /// end (the log was cut short).
    pub fn finish(self) -> Verification {
        let newest = self.checkpoints.keys().next_back().copied();
        match newest {
            Some(seq) if seq > self.checked() => Verification::Broken {
                seq: self.expected_seq,
                reason: "entries up to a checkpoint kept outside the database are missing: the log was cut short",
            },
            _ => Verification::Intact {
                entries: self.checked(),
                checkpoint: newest,
            },
        }
    }
}

/// Walks the whole chain in pages against `key` and `checkpoints`, and reports the first broken
/// entry.
pub async fn verify_with(
    store: &dyn Store,
    key: &AuditKey,
    checkpoints: &[Checkpoint],
) -> StoreResult<Verification> {
    let mut check = ChainCheck::new(key, checkpoints);
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

/// Verifies the chain of the server's database with its key and checkpoint file.
pub async fn verify(state: &AppState) -> StoreResult<Verification> {
    let checkpoints = state
        .audit_checkpoints
        .read()
        .map_err(|e| crate::store::StoreError::Backend(format!("audit checkpoints: {e}")))?;
    verify_with(state.store.as_ref(), &state.audit_key, &checkpoints).await
}

#[cfg(test)]
mod tests;
