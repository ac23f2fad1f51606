//! Audience keys and the per-worker caseload delta behind `GET /assignments?since=`.

use fieldvisit_core::protocol::ReturnedAssessment;
use rusqlite::{Connection, Row, params};

use super::{backend, parse_ts, ts};
use crate::config::Argon2Cost;
use crate::keys::SealedPrivateKey;
use crate::store::{AudienceKeyRow, CaseloadDelta, StoreError, StoreResult};

pub(super) fn add_key(c: &Connection, k: &AudienceKeyRow) -> StoreResult<()> {
    let n = c
        .execute(
            "INSERT INTO audience_keys (audience, unit_id, scope_path, public_key, kdf_m, kdf_t,
                 kdf_p, salt, nonce, ciphertext, created_by, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) ON CONFLICT DO NOTHING",
            params![
                k.audience,
                k.unit_id,
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
            ],
        )
        .map_err(backend)?;
    if n == 0 {
        return Err(StoreError::Conflict("audience key for this branch"));
    }
    Ok(())
}

fn key_from_row(r: &Row<'_>) -> rusqlite::Result<AudienceKeyRow> {
    Ok(AudienceKeyRow {
        audience: r.get(0)?,
        unit_id: r.get(1)?,
        scope_path: r.get(2)?,
        public_key: r.get(3)?,
        sealed: SealedPrivateKey {
            kdf: Argon2Cost {
                m_cost: r.get(4)?,
                t_cost: r.get(5)?,
                p_cost: r.get(6)?,
            },
            salt: r.get(7)?,
            nonce: r.get(8)?,
            ciphertext: r.get(9)?,
        },
        created_by: r.get(10)?,
        created_at: parse_ts(&r.get::<_, String>(11)?)?,
    })
}

pub(super) fn keys(c: &Connection) -> StoreResult<Vec<AudienceKeyRow>> {
    let mut st = c
        .prepare(
            "SELECT audience, unit_id, scope_path, public_key, kdf_m, kdf_t, kdf_p, salt, nonce,
                 ciphertext, created_by, created_at FROM audience_keys ORDER BY audience, scope_path",
        )
        .map_err(backend)?;
    st.query_map([], key_from_row)
        .map_err(backend)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(backend)
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
