//! Audience keys and the per-worker caseload delta behind `GET /assignments?since=`.

use fieldvisit_core::protocol::ReturnedAssessment;
use rusqlite::{Connection, Row, params};

use super::{backend, parse_ts, ts};
use crate::config::Argon2Cost;
use crate::keys::SealedPrivateKey;
use crate::store::{AudienceKeyRow, CaseloadDelta, KeyRotation, StoreError, StoreResult};

const KEY_COLUMNS: &str = "audience, unit_id, generation, scope_path, public_key, kdf_m, kdf_t,
    kdf_p, salt, nonce, ciphertext, created_by, created_at, retired_at";

pub(super) fn add_key(c: &Connection, k: &AudienceKeyRow) -> StoreResult<()> {
    // A conflict on any generation of the branch's key (or on its one current key) refuses it.
    let n = insert_key(c, k)?;
    if n == 0 {
        return Err(StoreError::Conflict("audience key for this branch"));
    }
    Ok(())
}

fn insert_key(c: &Connection, k: &AudienceKeyRow) -> StoreResult<usize> {
    c.execute(
        &format!(
            "INSERT INTO audience_keys ({KEY_COLUMNS})
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
             ON CONFLICT DO NOTHING"
        ),
        params![
            k.audience,
            k.unit_id,
            k.generation,
            k.scope_path,
            k.public_key,
            k.sealed.kdf.m_cost,
            k.sealed.kdf.t_cost,
            k.sealed.kdf.p_cost,
            k.sealed.salt,
            k.sealed.nonce,
            k.sealed.ciphertext,
            k.created_by,
            ts(k.created_at),
            k.retired_at.map(ts),
        ],
    )
    .map_err(backend)
}

fn key_from_row(r: &Row<'_>) -> rusqlite::Result<AudienceKeyRow> {
    Ok(AudienceKeyRow {
        audience: r.get(0)?,
        unit_id: r.get(1)?,
        generation: r.get(2)?,
        scope_path: r.get(3)?,
        public_key: r.get(4)?,
        sealed: SealedPrivateKey {
            kdf: Argon2Cost {
                m_cost: r.get(5)?,
                t_cost: r.get(6)?,
                p_cost: r.get(7)?,
            },
            salt: r.get(8)?,
            nonce: r.get(9)?,
            ciphertext: r.get(10)?,
        },
        created_by: r.get(11)?,
        created_at: parse_ts(&r.get::<_, String>(12)?)?,
        retired_at: r
            .get::<_, Option<String>>(13)?
            .map(|t| parse_ts(&t))
            .transpose()?,
    })
}

pub(super) fn keys(c: &Connection) -> StoreResult<Vec<AudienceKeyRow>> {
    let mut st = c
        .prepare(&format!(
            "SELECT {KEY_COLUMNS} FROM audience_keys WHERE retired_at IS NULL
             ORDER BY audience, scope_path"
        ))
        .map_err(backend)?;
    st.query_map([], key_from_row)
        .map_err(backend)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(backend)
}

pub(super) fn generations(
    c: &Connection,
    audience: &str,
    unit_id: &str,
) -> StoreResult<Vec<AudienceKeyRow>> {
    let mut st = c
        .prepare(&format!(
            "SELECT {KEY_COLUMNS} FROM audience_keys WHERE audience = ?1 AND unit_id = ?2
             ORDER BY generation DESC"
        ))
        .map_err(backend)?;
    st.query_map(params![audience, unit_id], key_from_row)
        .map_err(backend)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(backend)
}

pub(super) fn rotate(tx: &Connection, r: &KeyRotation) -> StoreResult<()> {
    let k = &r.new_key;
    let stale = || StoreError::Conflict("the key was rotated meanwhile");
    let retired = tx
        .execute(
            "UPDATE audience_keys SET retired_at = ?4
             WHERE audience = ?1 AND unit_id = ?2 AND generation = ?3 AND retired_at IS NULL",
            params![k.audience, k.unit_id, r.from_generation, ts(k.created_at)],
        )
        .map_err(backend)?;
    if retired != 1 {
        return Err(stale());
    }
    let stored: u32 = tx
        .query_row(
            "SELECT count(*) FROM audience_keys WHERE audience = ?1 AND unit_id = ?2",
            params![k.audience, k.unit_id],
            |row| row.get(0),
        )
        .map_err(backend)?;
    if usize::try_from(stored).ok() != Some(r.resealed.len()) {
        return Err(stale());
    }
    for (generation, sealed) in &r.resealed {
        let n = tx
            .execute(
                "UPDATE audience_keys SET kdf_m = ?4, kdf_t = ?5, kdf_p = ?6, salt = ?7,
                     nonce = ?8, ciphertext = ?9
                 WHERE audience = ?1 AND unit_id = ?2 AND generation = ?3",
                params![
                    k.audience,
                    k.unit_id,
                    generation,
                    sealed.kdf.m_cost,
                    sealed.kdf.t_cost,
                    sealed.kdf.p_cost,
                    sealed.salt,
                    sealed.nonce,
                    sealed.ciphertext,
                ],
            )
            .map_err(backend)?;
        if n != 1 {
            return Err(stale());
        }
    }
    if k.generation != r.from_generation + 1 || insert_key(tx, k)? != 1 {
        return Err(stale());
    }
    Ok(())
}

/// Reads everything in one read transaction, so the returned sequence number matches the rows.
pub(super) fn caseload_delta(
    c: &Connection,
    worker_id: &str,
    since: Option<u64>,
) -> StoreResult<CaseloadDelta> {
    let tx = c.unchecked_transaction().map_err(backend)?;
    let seq: u64 = tx
        .query_row("SELECT seq FROM change_counter WHERE id = 1", [], |r| {
            r.get(0)
        })
        .map_err(backend)?;
    // A token from the future (e.g. after a restore from backup) means a full pull.
    let after = since.filter(|s| *s <= seq).unwrap_or(0);
    let households = {
        let mut st = tx
            .prepare(
                "SELECT record_json FROM households WHERE worker_id = ?1 AND seq > ?2 ORDER BY id",
            )
            .map_err(backend)?;
        st.query_map(params![worker_id, after], |r| {
            let json: String = r.get(0)?;
            serde_json::from_str(&json).map_err(|_| super::bad_column("record_json"))
        })
        .map_err(backend)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(backend)?
    };
    let removed = if after == 0 {
        Vec::new()
    } else {
        let mut st = tx
            .prepare(
                "SELECT DISTINCT r.household_id FROM household_removals r
                 WHERE r.worker_id = ?1 AND r.seq > ?2 AND NOT EXISTS (
                     SELECT 1 FROM households h WHERE h.id = r.household_id AND h.worker_id = ?1)
                 ORDER BY r.household_id",
            )
            .map_err(backend)?;
        st.query_map(params![worker_id, after], |r| r.get(0))
            .map_err(backend)?
            .collect::<rusqlite::Result<Vec<String>>>()
            .map_err(backend)?
    };
    let returned = {
        let mut st = tx
            .prepare(
                // On a full pull, returns already answered by an amending visit are left out.
                "SELECT r.visit_id, r.household_id, r.comment, r.returned_at
                 FROM returned_assessments r
                 WHERE r.worker_id = ?1 AND r.seq > ?2 AND (?2 > 0 OR NOT EXISTS (
                     SELECT 1 FROM visits v
                     WHERE json_extract(v.body_json, '$.amends') = r.visit_id))
                 ORDER BY r.seq",
            )
            .map_err(backend)?;
        st.query_map(params![worker_id, after], |r| {
            Ok(ReturnedAssessment {
                visit_id: r.get(0)?,
                household_id: r.get(1)?,
                comment: r.get(2)?,
                returned_at: parse_ts(&r.get::<_, String>(3)?)?,
            })
        })
        .map_err(backend)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(backend)?
    };
    tx.finish().map_err(backend)?;
    Ok(CaseloadDelta {
        seq,
        households,
        removed,
        returned,
    })
}
