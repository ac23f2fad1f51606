//! Sealing a draft inside one transaction, so the chain head read and the sealed row written cannot
//! interleave with another seal.

use chrono::{DateTime, Utc};

use super::facts::draft_facts;
use super::{Engine, draft_in_tx};
use crate::crypto::Sha256Hash;
use crate::store::Store;
use crate::visit::{SealInput, VisitError, seal_visit};

/// What the worker sees after sealing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedSummary {
    /// Visit id.
    pub visit_id: String,
    /// Position in the device chain.
    pub seq: u64,
    /// Chain hash.
    pub hash: Sha256Hash,
    /// Level of the schedule score, if any.
    pub level: Option<String>,
}

impl Engine {
    /// Validates, scores, encrypts, signs and chains a draft. A sealed visit never changes again.
    ///
    /// The draft and its household are decrypted once, inside the write transaction; the template
    /// comes from memory by the visit's clear columns. The commit does not wait for the disk: the
    /// store's flusher fsyncs it right after, and a power cut in between undoes the whole seal,
    /// leaving the draft intact (`store/flusher.rs`).
    pub fn seal(&self, visit_id: &str, now: DateTime<Utc>) -> Result<SealedSummary, VisitError> {
        let template = self.draft_template(visit_id)?;
        let signing_key = self.store.device_key()?;
        let identity = self.store.identity_of(&signing_key)?;
        let audience_keys = self.store.audience_keys()?;
        let thresholds = self.store.thresholds()?;
        let parameters = self.store.parameters()?;
        self.store.write(|tx, cipher| {
            let draft = draft_in_tx(tx, cipher, visit_id)?;
            let previous = Store::last_visit_tx(tx, cipher, &draft.household_id, draft.category)?;
            let facts = draft_facts(&parameters, previous, &draft);
            let household = Store::household_tx(tx, cipher, &draft.household_id)?
                .ok_or_else(|| VisitError::UnknownHousehold(draft.household_id.clone()))?;
            let photos = Store::photos_tx(tx, cipher, visit_id)?
                .into_iter()
                .map(|(id, bytes)| (id, bytes.to_vec()))
                .collect();
            let chain_head = Store::chain_head_tx(tx)?;
            let out = seal_visit(SealInput {
                draft: &draft,
                template: &template,
                household: &household,
                audience_keys: &audience_keys,
                signing_key: &signing_key,
                device_id: &identity.device_id,
                worker_id: &identity.worker_id,
                chain_head,
                thresholds: &thresholds,
                facts: &facts,
                now,
                photos,
            })?;
            let level = out.body.level.as_ref().map(|l| l.level.clone());
            Store::commit_seal(
                tx,
                cipher,
                &draft,
                out.body.chain.seq,
                &out.hash,
                &out.envelope,
                now,
                &out.photo_ciphertexts,
                level.clone(),
                out.carried,
            )?;
            Ok(SealedSummary {
                visit_id: visit_id.to_string(),
                seq: out.body.chain.seq,
                hash: out.hash,
                level,
            })
        })
    }
}
