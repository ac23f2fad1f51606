//! The sync plan: from the outbox (and the receipts it holds), the operations to run, in order.

use crate::protocol::EnvelopeBody;
use crate::store::{OutboxEntry, OutboxState};

/// One step of a sync run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operation {
    /// Send the envelope; the answer is its receipt.
    PushEnvelope {
        /// Visit id.
        visit_id: String,
    },
    /// Upload a photo, resuming from what the server holds.
    UploadPhoto {
        /// Visit id.
        visit_id: String,
        /// Photo id.
        photo_id: String,
        /// Size of the encrypted photo.
        size: u64,
    },
    /// Everything of this visit is on the server.
    Complete {
        /// Visit id.
        visit_id: String,
    },
}

/// Plans the upload of each outbox entry. For a visit without a receipt every photo is planned
/// (the runner skips those the receipt says arrived); after a receipt only the missing ones are.
pub fn plan(entries: &[(OutboxEntry, EnvelopeBody)]) -> Vec<Operation> {
    let mut ops = Vec::new();
    for (entry, body) in entries {
        let missing: Vec<&crate::protocol::PhotoManifest> = match (&entry.state, &entry.receipt) {
            (OutboxState::Receipted, Some(r)) => body
                .photos
                .iter()
                .filter(|p| r.photos_missing.contains(&p.photo_id))
                .collect(),
            (OutboxState::Pending, _) => {
                ops.push(Operation::PushEnvelope {
                    visit_id: entry.visit_id.clone(),
                });
                body.photos.iter().collect()
            }
            _ => continue,
        };
        for p in missing {
            ops.push(Operation::UploadPhoto {
                visit_id: entry.visit_id.clone(),
                photo_id: p.photo_id.clone(),
                size: p.size,
            });
        }
        ops.push(Operation::Complete {
            visit_id: entry.visit_id.clone(),
        });
    }
    ops
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::crypto::{DeviceSigningKey, Sha256Hash};
    use crate::protocol::{ChainLink, EncryptedContent, PhotoManifest, Receipt, SealedEnvelope};

    fn body(visit: &str, photos: &[&str]) -> EnvelopeBody {
        let now = Utc::now();
        let b = EnvelopeBody {
            version: 1,
            visit_id: visit.into(),
            household_id: "h".into(),
            worker_id: "w".into(),
            device_id: "d".into(),
            template_id: "t".into(),
            template_version: 1,
            category: "dibao".into(),
            started_at: now,
            ended_at: now,
            sealed_at: now,
            gps: None,
            distance_m: None,
            evidence: vec![],
            level: None,
            reported_to_police_at: None,
            amends: None,
            investigator_count: 1,
            photos: photos
                .iter()
                .map(|p| PhotoManifest {
                    photo_id: (*p).into(),
                    sha256: Sha256Hash::ZERO,
                    size: 1000,
                    captured_at: now,
                })
                .collect(),
            chain: ChainLink {
                seq: 1,
                prev: Sha256Hash::ZERO,
            },
            content: EncryptedContent {
                ciphertext: String::new(),
                recipients: vec![],
            },
        };
        // The body must be signable (a real envelope shape).
        SealedEnvelope::sign(&b, &DeviceSigningKey::generate().unwrap()).unwrap();
        b
    }

    fn entry(visit: &str, state: OutboxState, missing: Option<&[&str]>) -> OutboxEntry {
        OutboxEntry {
            visit_id: visit.into(),
            seq: 1,
            state,
            receipt: missing.map(|m| Receipt {
                version: 1,
                visit_id: visit.into(),
                body_hash: Sha256Hash::ZERO,
                received_at: Utc::now(),
                photos_missing: m.iter().map(|s| (*s).into()).collect(),
            }),
            attempts: 0,
            error: None,
        }
    }

    #[test]
    fn pending_visits_push_then_upload_every_photo() {
        let ops = plan(&[(
            entry("v1", OutboxState::Pending, None),
            body("v1", &["p1", "p2"]),
        )]);
        assert_eq!(ops.len(), 4);
        assert_eq!(
            ops[0],
            Operation::PushEnvelope {
                visit_id: "v1".into()
            }
        );
        assert!(matches!(&ops[1], Operation::UploadPhoto { photo_id, .. } if photo_id == "p1"));
        assert_eq!(
            ops[3],
            Operation::Complete {
                visit_id: "v1".into()
            }
        );
    }

    #[test]
    fn receipted_visits_upload_only_missing_photos() {
        let ops = plan(&[
            (
                entry("v1", OutboxState::Receipted, Some(&["p2"])),
                body("v1", &["p1", "p2"]),
            ),
            (
                entry("v2", OutboxState::Receipted, Some(&[])),
                body("v2", &["p3"]),
            ),
        ]);
        assert_eq!(
            ops,
            vec![
                Operation::UploadPhoto {
                    visit_id: "v1".into(),
                    photo_id: "p2".into(),
                    size: 1000
                },
                Operation::Complete {
                    visit_id: "v1".into()
                },
                Operation::Complete {
                    visit_id: "v2".into()
                },
            ]
        );
    }

    #[test]
    fn finished_entries_plan_nothing() {
        assert!(plan(&[(entry("v", OutboxState::Done, None), body("v", &[]))]).is_empty());
    }
}
