//! Visits, photos, sealed envelopes, the device hash chain and the last visit per household and
//! category. Drafts and envelopes are encrypted; ids, states and times are clear for indexing.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::{Encrypted, RowCipher, Store, StoreError, due_columns};
use crate::caseload::{Category, LastVisit};
use crate::crypto::Sha256Hash;
use crate::protocol::SealedEnvelope;
use crate::template::Answers;
use crate::visit::Draft;

/// A photo id and its decrypted bytes.
pub(crate) type ClearPhoto = (String, Zeroizing<Vec<u8>>);

/// Whether a visit can still change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VisitState {
    /// Being recorded.
    Draft,
    /// Sealed and immutable.
    Sealed,
}

/// The last sealed visit of a household in a category: what scheduling needs, and the answers the
/// next visit reads as `previous.ITEM` facts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LastVisitSummary {
    /// Visit id.
    pub visit_id: String,
    /// Level of the schedule score.
    pub level: Option<String>,
    /// Answers passed on to the next visit (empty for visits known only from the server, and for
    /// summaries written before answers were passed on).
    #[serde(default, skip_serializing_if = "Answers::is_empty")]
    pub carried: Answers,
}

/// A sealed visit as stored on the phone.
#[derive(Debug, Clone)]
pub struct SealedRecord {
    /// Visit id.
    pub visit_id: String,
    /// Chain sequence number.
    pub seq: u64,
    /// Chain hash.
    pub hash: Sha256Hash,
    /// The envelope.
    pub envelope: SealedEnvelope,
}

fn state_of(s: &str) -> Result<VisitState, StoreError> {
    match s {
        "draft" => Ok(VisitState::Draft),
        "sealed" => Ok(VisitState::Sealed),
        _ => Err(StoreError::Corrupt("unknown visit state")),
    }
}

fn hash_of(bytes: &[u8]) -> Result<Sha256Hash, StoreError> {
    let arr: [u8; 32] = bytes
        .try_into()
        .map_err(|_| StoreError::Corrupt("a chain hash has the wrong length"))?;
    Ok(Sha256Hash(arr))
}

fn read_last_visit(
    conn: &rusqlite::Connection,
    cipher: &RowCipher,
    household_id: &str,
    category: Category,
) -> Result<Option<LastVisitSummary>, StoreError> {
    let raw: Option<Vec<u8>> = conn
        .prepare_cached("SELECT summary FROM last_visit WHERE household_id = ?1 AND category = ?2")?
        .query_row(params![household_id, category.code()], |r| r.get(0))
        .optional()?;
    let key = format!("{household_id}|{}", category.code());
    raw.map(|b| cipher.open_json("last_visit", "summary", &key, &Encrypted::from_db(b)))
        .transpose()
}

impl Store {
    /// Inserts a new draft.
    pub(crate) fn insert_draft(
        tx: &Transaction<'_>,
        cipher: &RowCipher,
        d: &Draft,
    ) -> Result<(), StoreError> {
        let data = cipher.seal_json("visits", "data", &d.visit_id, d)?;
        let now = Utc::now().to_rfc3339();
        tx.prepare_cached("INSERT INTO visits (id, household_id, template_id, template_version, category, state, started_at, updated_at, data)
             VALUES (?1, ?2, ?3, ?4, ?5, 'draft', ?6, ?7, ?8)")?.execute(
            params![d.visit_id, d.household_id, d.template_id, d.template_version, d.category.code(), d.started_at.to_rfc3339(), now, data.as_bytes()],
        )?;
        Ok(())
    }

    /// Rewrites a draft; refuses if it is no longer a draft.
    pub(crate) fn update_draft(
        tx: &Transaction<'_>,
        cipher: &RowCipher,
        d: &Draft,
    ) -> Result<bool, StoreError> {
        let data = cipher.seal_json("visits", "data", &d.visit_id, d)?;
        let n = tx
            .prepare_cached(
                "UPDATE visits SET data = ?2, updated_at = ?3 WHERE id = ?1 AND state = 'draft'",
            )?
            .execute(params![
                d.visit_id,
                data.as_bytes(),
                Utc::now().to_rfc3339()
            ])?;
        Ok(n == 1)
    }

    /// Loads a visit's state and draft inside a transaction.
    pub(crate) fn load_visit_tx(
        tx: &Transaction<'_>,
        cipher: &RowCipher,
        id: &str,
    ) -> Result<Option<(VisitState, Draft)>, StoreError> {
        let row: Option<(String, Vec<u8>)> = tx
            .prepare_cached("SELECT state, data FROM visits WHERE id = ?1")?
            .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        row.map(|(state, data)| {
            Ok((
                state_of(&state)?,
                cipher.open_json("visits", "data", id, &Encrypted::from_db(data))?,
            ))
        })
        .transpose()
    }

    /// A visit's state and template from its clear columns, without decrypting the draft.
    pub fn visit_template(
        &self,
        id: &str,
    ) -> Result<Option<(VisitState, String, u32)>, StoreError> {
        let row: Option<(String, String, u32)> = self
            .conn()
            .prepare_cached(
                "SELECT state, template_id, template_version FROM visits WHERE id = ?1",
            )?
            .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        row.map(|(state, template, version)| Ok((state_of(&state)?, template, version)))
            .transpose()
    }

    /// Loads a visit's state and draft.
    pub fn visit(&self, id: &str) -> Result<Option<(VisitState, Draft)>, StoreError> {
        let row: Option<(String, Vec<u8>)> = self
            .conn()
            .query_row("SELECT state, data FROM visits WHERE id = ?1", [id], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        row.map(|(state, data)| {
            Ok((
                state_of(&state)?,
                self.cipher()
                    .open_json("visits", "data", id, &Encrypted::from_db(data))?,
            ))
        })
        .transpose()
    }

    /// Ids of drafts not yet sealed (they survive restarts), oldest first.
    pub fn draft_ids(&self) -> Result<Vec<String>, StoreError> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare_cached("SELECT id FROM visits WHERE state = 'draft' ORDER BY started_at")?;
        Ok(stmt
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?)
    }

    /// Stores a photo's bytes and thumbnail encrypted.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn insert_photo(
        tx: &Transaction<'_>,
        cipher: &RowCipher,
        visit_id: &str,
        photo_id: &str,
        item: &str,
        captured_at: DateTime<Utc>,
        jpeg: &[u8],
        thumbnail: &[u8],
    ) -> Result<(), StoreError> {
        let data = cipher.seal("photos", "data", photo_id, jpeg)?;
        let thumb = cipher.seal("photos", "thumb", photo_id, thumbnail)?;
        tx.prepare_cached("INSERT INTO photos (id, visit_id, item, captured_at, data, thumb) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?.execute(
            params![photo_id, visit_id, item, captured_at.to_rfc3339(), data.as_bytes(), thumb.as_bytes()],
        )?;
        Ok(())
    }

    /// The thumbnail of a photo still on the phone.
    pub fn photo_thumbnail(
        &self,
        photo_id: &str,
    ) -> Result<Option<Zeroizing<Vec<u8>>>, StoreError> {
        let raw: Option<Option<Vec<u8>>> = self
            .conn()
            .query_row("SELECT thumb FROM photos WHERE id = ?1", [photo_id], |r| {
                r.get(0)
            })
            .optional()?;
        raw.flatten()
            .map(|t| {
                self.cipher()
                    .open("photos", "thumb", photo_id, &Encrypted::from_db(t))
            })
            .transpose()
    }

    /// Removes a photo from a draft.
    pub(crate) fn delete_photo(tx: &Transaction<'_>, photo_id: &str) -> Result<(), StoreError> {
        tx.prepare_cached("DELETE FROM photos WHERE id = ?1")?
            .execute([photo_id])?;
        Ok(())
    }

    /// Points a photo at another item path (its repeat instance moved up).
    pub(crate) fn move_photo(
        tx: &Transaction<'_>,
        photo_id: &str,
        item: &str,
    ) -> Result<(), StoreError> {
        tx.prepare_cached("UPDATE photos SET item = ?2 WHERE id = ?1")?
            .execute(params![photo_id, item])?;
        Ok(())
    }

    /// The decrypted JPEG of each photo of a visit.
    pub(crate) fn photos_tx(
        tx: &Transaction<'_>,
        cipher: &RowCipher,
        visit_id: &str,
    ) -> Result<Vec<ClearPhoto>, StoreError> {
        let mut stmt = tx.prepare_cached("SELECT id, data FROM photos WHERE visit_id = ?1")?;
        let rows = stmt.query_map([visit_id], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, data) = row?;
            let clear = cipher.open("photos", "data", &id, &Encrypted::from_db(data))?;
            out.push((id, clear));
        }
        Ok(out)
    }

    /// The last link of the device's hash chain: (0, zero) before the first seal.
    pub(crate) fn chain_head_tx(tx: &Transaction<'_>) -> Result<(u64, Sha256Hash), StoreError> {
        let row: Option<(i64, Vec<u8>)> = tx
            .prepare_cached("SELECT seq, hash FROM sealed ORDER BY seq DESC LIMIT 1")?
            .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        match row {
            None => Ok((0, Sha256Hash::ZERO)),
            Some((seq, hash)) => Ok((u64::try_from(seq).unwrap_or(0), hash_of(&hash)?)),
        }
    }

    /// Records a sealed visit: marks it sealed, stores the envelope and photo ciphertexts, updates the
    /// scheduling summary and queues the upload, all in the caller's transaction.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn commit_seal(
        tx: &Transaction<'_>,
        cipher: &RowCipher,
        draft: &Draft,
        seq: u64,
        hash: &Sha256Hash,
        envelope: &SealedEnvelope,
        sealed_at: DateTime<Utc>,
        photo_ciphertexts: &[(String, Vec<u8>)],
        level: Option<String>,
        carried: Answers,
    ) -> Result<(), StoreError> {
        let n = tx.prepare_cached("UPDATE visits SET state = 'sealed', updated_at = ?2 WHERE id = ?1 AND state = 'draft'")?.execute(
            params![draft.visit_id, sealed_at.to_rfc3339()],
        )?;
        if n != 1 {
            return Err(StoreError::Corrupt("the visit is no longer a draft"));
        }
        let env = cipher.seal("sealed", "envelope", &draft.visit_id, &envelope.to_json())?;
        tx.prepare_cached("INSERT INTO sealed (visit_id, seq, hash, sealed_at, envelope) VALUES (?1, ?2, ?3, ?4, ?5)")?.execute(
            params![draft.visit_id, i64::try_from(seq).unwrap_or(i64::MAX), hash.0.as_slice(), sealed_at.to_rfc3339(), env.as_bytes()],
        )?;
        for (photo_id, ct) in photo_ciphertexts {
            // Already end-to-end encrypted with the visit's content key.
            tx.prepare_cached(
                "INSERT INTO sealed_photos (photo_id, visit_id, ciphertext) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![photo_id, draft.visit_id, ct])?;
        }
        let summary_level = level.clone();
        let summary = LastVisitSummary {
            visit_id: draft.visit_id.clone(),
            level,
            carried,
        };
        let key = format!("{}|{}", draft.household_id, draft.category.code());
        let summary = cipher.seal_json("last_visit", "summary", &key, &summary)?;
        tx.prepare_cached("INSERT INTO last_visit (household_id, category, sealed_on, summary, level) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(household_id, category) DO UPDATE SET sealed_on = excluded.sealed_on, summary = excluded.summary,
                 level = excluded.level
             WHERE excluded.sealed_on >= last_visit.sealed_on")?.execute(
            params![draft.household_id, draft.category.code(), draft.started_at.date_naive().to_string(), summary.as_bytes(), summary_level],
        )?;
        tx.prepare_cached("INSERT INTO outbox (visit_id, state) VALUES (?1, 'pending')")?
            .execute([&draft.visit_id])?;
        Ok(())
    }

    /// Takes what the server knows of last visits (a new or replacement phone has none of its
    /// own), keeping this phone's record where it is as new or newer.
    pub fn merge_last_visits(
        &self,
        records: &[crate::protocol::LastVisitRecord],
    ) -> Result<(), StoreError> {
        if records.is_empty() {
            return Ok(());
        }
        let cipher = self.cipher();
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        for r in records {
            let summary = LastVisitSummary {
                visit_id: r.visit_id.clone(),
                level: r.level.clone(),
                carried: Answers::new(),
            };
            let key = format!("{}|{}", r.household_id, r.category.code());
            let summary = cipher.seal_json("last_visit", "summary", &key, &summary)?;
            tx.prepare_cached(
                "INSERT INTO last_visit (household_id, category, sealed_on, summary, level)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT(household_id, category) DO UPDATE SET sealed_on = excluded.sealed_on,
                     summary = excluded.summary, level = excluded.level
                 WHERE excluded.sealed_on > last_visit.sealed_on",
            )?
            .execute(params![
                r.household_id,
                r.category.code(),
                r.on.to_string(),
                summary.as_bytes(),
                r.level
            ])?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The last sealed visit of a household in a category, decrypted, inside a transaction.
    pub(crate) fn last_visit_tx(
        tx: &Transaction<'_>,
        cipher: &RowCipher,
        household_id: &str,
        category: Category,
    ) -> Result<Option<LastVisitSummary>, StoreError> {
        read_last_visit(tx, cipher, household_id, category)
    }

    /// The last sealed visit of a household in a category, decrypted.
    pub fn last_visit(
        &self,
        household_id: &str,
        category: Category,
    ) -> Result<Option<LastVisitSummary>, StoreError> {
        read_last_visit(&self.conn(), self.cipher(), household_id, category)
    }

    /// The last sealed visit of every household and category, from the clear columns (day and
    /// level) that the due dates need.
    pub fn last_visits(&self) -> Result<Vec<(String, Category, LastVisit)>, StoreError> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare_cached("SELECT household_id, category, sealed_on, level FROM last_visit")?;
        let mut rows = stmt.query([])?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let category = Category::from_code(due_columns::text(row, 1)?)
                .ok_or(StoreError::Corrupt("unknown category"))?;
            let on: NaiveDate = due_columns::text(row, 2)?
                .parse()
                .map_err(|_| StoreError::Corrupt("bad date"))?;
            out.push((
                row.get(0)?,
                category,
                LastVisit {
                    on,
                    level: row.get(3)?,
                },
            ));
        }
        Ok(out)
    }

    /// A sealed visit.
    pub fn sealed(&self, visit_id: &str) -> Result<Option<SealedRecord>, StoreError> {
        let conn = self.conn();
        let row: Option<(i64, Vec<u8>, Vec<u8>)> = conn
            .query_row(
                "SELECT seq, hash, envelope FROM sealed WHERE visit_id = ?1",
                [visit_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        row.map(|(seq, hash, env)| self.sealed_record(visit_id, seq, &hash, env))
            .transpose()
    }

    fn sealed_record(
        &self,
        visit_id: &str,
        seq: i64,
        hash: &[u8],
        env: Vec<u8>,
    ) -> Result<SealedRecord, StoreError> {
        let clear = self
            .cipher()
            .open("sealed", "envelope", visit_id, &Encrypted::from_db(env))?;
        let envelope = SealedEnvelope::from_json(&clear)
            .map_err(|_| StoreError::Corrupt("a sealed envelope does not parse"))?;
        Ok(SealedRecord {
            visit_id: visit_id.to_string(),
            seq: u64::try_from(seq).unwrap_or(0),
            hash: hash_of(hash)?,
            envelope,
        })
    }

    /// Every sealed visit in chain order.
    pub fn sealed_chain(&self) -> Result<Vec<SealedRecord>, StoreError> {
        let rows: Vec<(String, i64, Vec<u8>, Vec<u8>)> = {
            let conn = self.conn();
            let mut stmt =
                conn.prepare("SELECT visit_id, seq, hash, envelope FROM sealed ORDER BY seq")?;
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
                .collect::<Result<_, _>>()?
        };
        rows.into_iter()
            .map(|(id, seq, hash, env)| self.sealed_record(&id, seq, &hash, env))
            .collect()
    }

    /// Number of sealed visits.
    pub fn sealed_count(&self) -> Result<u64, StoreError> {
        let n: i64 = self
            .conn()
            .query_row("SELECT COUNT(*) FROM sealed", [], |r| r.get(0))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// The encrypted photo bytes to upload for a sealed visit.
    pub fn sealed_photo(&self, photo_id: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT ciphertext FROM sealed_photos WHERE photo_id = ?1",
                [photo_id],
                |r| r.get(0),
            )
            .optional()?)
    }
}
