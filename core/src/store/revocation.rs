//! What a phone does when the server says it has been revoked: it erases what the worker could
//! read (the caseload, drafts and their photos, returned tasks, the readable copy of sealed visits)
//! and keeps the sealed envelopes it has not sent, which only their audiences can open. What was
//! erased and what was kept is recorded, so the app can tell the worker.

use chrono::{DateTime, Utc};
use rusqlite::{Transaction, params};
use serde::{Deserialize, Serialize};

use super::{RowCipher, Store, StoreError};

const KEY: &str = "revocation";

/// What a revocation erased from the phone and what it kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevocationRecord {
    /// When the phone erased its data (the phone's clock).
    pub erased_at: DateTime<Utc>,
    /// Households of the caseload erased.
    pub households_erased: u64,
    /// Unsent drafts erased.
    pub drafts_erased: u64,
    /// Photos erased: those of the drafts and the readable copies of sealed visits' photos.
    pub photos_erased: u64,
    /// Returned assessments erased.
    pub tasks_erased: u64,
    /// Sealed visits not yet wholly on the server, kept: encrypted to their audiences, the phone
    /// cannot read them, and a later enrollment can still send them.
    pub sealed_kept: u64,
}

fn count(tx: &Transaction<'_>, sql: &str) -> Result<u64, StoreError> {
    let n: i64 = tx.query_row(sql, [], |r| r.get(0))?;
    Ok(u64::try_from(n).unwrap_or(0))
}

impl Store {
    /// Erases what a revoked phone must not keep, in one transaction, and records it. Done once:
    /// a second call returns the first record and changes nothing.
    pub fn erase_for_revocation(&self, now: DateTime<Utc>) -> Result<RevocationRecord, StoreError> {
        if let Some(done) = self.revocation()? {
            return Ok(done);
        }
        self.write(|tx, cipher| {
            let record = RevocationRecord {
                erased_at: now,
                households_erased: count(tx, "SELECT COUNT(*) FROM households")?,
                drafts_erased: count(tx, "SELECT COUNT(*) FROM visits WHERE state = 'draft'")?,
                photos_erased: count(tx, "SELECT COUNT(*) FROM photos")?,
                tasks_erased: count(tx, "SELECT COUNT(*) FROM tasks")?,
                sealed_kept: count(tx, "SELECT COUNT(*) FROM outbox WHERE state != 'done'")?,
            };
            tx.execute("DELETE FROM photos", [])?;
            tx.execute("DELETE FROM visits WHERE state = 'draft'", [])?;
            clear_sealed_content(tx, cipher)?;
            for table in ["household_categories", "households", "last_visit", "tasks"] {
                tx.execute(&format!("DELETE FROM {table}"), [])?;
            }
            // The station's staff are names too; the since-token would make a later enrollment's
            // first pull skip the caseload just erased.
            tx.execute(
                "DELETE FROM meta WHERE key IN ('staff', 'assignments_since')",
                [],
            )?;
            Store::meta_put(tx, cipher, KEY, &serde_json::to_vec(&record).map_err(json)?)?;
            Ok(record)
        })
    }

    /// What the revocation of this phone erased, if it has been revoked (and not enrolled again).
    pub fn revocation(&self) -> Result<Option<RevocationRecord>, StoreError> {
        self.meta_get(KEY)?
            .map(|b| serde_json::from_slice(&b).map_err(json))
            .transpose()
    }

    /// Forgets a revocation once the phone is enrolled again.
    pub(crate) fn clear_revocation(&self) -> Result<(), StoreError> {
        self.write(|tx, _| {
            tx.execute("DELETE FROM meta WHERE key = ?1", params![KEY])?;
            Ok(())
        })
    }
}

fn json(_: serde_json::Error) -> StoreError {
    StoreError::Corrupt("the revocation record does not decode")
}

/// Clears the readable copy of every sealed visit (answers, notes, photos named); the sealed
/// envelopes and their encrypted photos stay for upload.
fn clear_sealed_content(tx: &Transaction<'_>, cipher: &RowCipher) -> Result<(), StoreError> {
    let ids: Vec<String> = tx
        .prepare("SELECT id FROM visits")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for id in ids {
        super::outbox::clear_content_tx(tx, cipher, &id)?;
    }
    Ok(())
}
