//! Verification of the device's own chain of sealed visits: signatures, sequence and links.

use super::Engine;
use crate::crypto::Sha256Hash;
use crate::visit::VisitError;

impl Engine {
    /// Checks every sealed visit: its signature, its sequence number and its link to the previous
    /// one. Returns the number of visits checked.
    pub fn verify_chain(&self) -> Result<u64, VisitError> {
        let public = self.store.device_key()?.public_key();
        let mut prev = Sha256Hash::ZERO;
        let mut expected = 1u64;
        for record in self.store.sealed_chain()? {
            let verified = record
                .envelope
                .verify(&public)
                .map_err(|_| VisitError::Chain {
                    seq: record.seq,
                    reason: "the signature does not verify",
                })?;
            let link = &verified.body.chain;
            if record.seq != expected || link.seq != expected {
                return Err(VisitError::Chain {
                    seq: expected,
                    reason: "a visit is missing or out of order",
                });
            }
            if link.prev != prev {
                return Err(VisitError::Chain {
                    seq: record.seq,
                    reason: "the link to the previous visit does not match",
                });
            }
            if verified.hash != record.hash {
                return Err(VisitError::Chain {
                    seq: record.seq,
                    reason: "the stored hash does not match the envelope",
                });
            }
            prev = verified.hash;
            expected += 1;
        }
        Ok(expected - 1)
    }
}
