//! Audience keys and the per-worker caseload delta behind `GET /assignments?since=`.

use deadpool_postgres::GenericClient;
use fieldvisit_core::protocol::ReturnedAssessment;
use tokio_postgres::IsolationLevel;
use tokio_postgres::Row;

use super::{backend, bad_column, col, execute, get_u64, query, query_opt, to_i64};
use crate::config::Argon2Cost;
use crate::keys::SealedPrivateKey;
use crate::store::{AudienceKeyRow, CaseloadDelta, StoreError, StoreResult};

pub(super) async fn add_key<C: GenericClient>(c: &C, k: &AudienceKeyRow) -> StoreResult<()> {
    let (m, t, p) = (
        i64::from(k.sealed.kdf.m_cost),
        i64::from(k.sealed.kdf.t_cost),
        i64::from(k.sealed.kdf.p_cost),
    );
    let n = execute(
        c,
        "INSERT INTO audience_keys (audience, unit_id, scope_path, public_key, kdf_m, kdf_t,
             kdf_p, salt, nonce, ciphertext, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT DO NOTHING",
        &[
            &k.audience,
            &k.unit_id,
            &k.scope_path,
            &k.public_key,
            &m,
            &t,
            &p,
            &k.sealed.salt,
            &k.sealed.nonce,
            &k.sealed.ciphertext,
            &k.created_by,
            &k.created_at,
        ],
    )
    .await?;
    if n == 0 {
        return Err(StoreError::Conflict("audience key for this branch"));
    }
    Ok(())
}

fn u32_col(r: &Row, idx: usize) -> StoreResult<u32> {
    let v: i64 = col(r, idx)?;
    u32::try_from(v).map_err(|_| bad_column("kdf cost"))
}

fn key_from_row(r: &Row) -> StoreResult<AudienceKeyRow> {
    Ok(AudienceKeyRow {
        audience: col(r, 0)?,
        unit_id: col(r, 1)?,
        scope_path: col(r, 2)?,
        public_key: col(r, 3)?,
        sealed: SealedPrivateKey {
            kdf: Argon2Cost {
                m_cost: u32_col(r, 4)?,
                t_cost: u32_col(r, 5)?,
                p_cost: u32_col(r, 6)?,
            },
            salt: col(r, 7)?,
            nonce: col(r, 8)?,
            ciphertext: col(r, 9)?,
        },
        created_by: col(r, 10)?,
        created_at: col(r, 11)?,
    })
}

pub(super) async fn keys<C: GenericClient>(c: &C) -> StoreResult<Vec<AudienceKeyRow>> {
    query(
        c,
        "SELECT audience, unit_id, scope_path, public_key, kdf_m, kdf_t, kdf_p, salt, nonce,
             ciphertext, created_by, created_at FROM audience_keys
         ORDER BY audience COLLATE \"C\", scope_path COLLATE \"C\"",
        &[],
    )
    .await?
    .iter()
    .map(key_from_row)
    .collect()
}

/// Reads everything in one repeatable-read transaction (one snapshot), so the returned sequence
/// number matches the rows.
pub(super) async fn caseload_delta(
    c: &mut deadpool_postgres::Client,
    worker_id: &str,
    since: Option<u64>,
) -> StoreResult<CaseloadDelta> {
    let tx = c
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await
        .map_err(backend)?;
    let seq = get_u64(
        &query_opt(&tx, "SELECT seq FROM change_counter WHERE id = 1", &[])
            .await?
            .ok_or(StoreError::Backend("change_counter has no row".into()))?,
        0,
    )?;
    // A token from the future (e.g. after a restore from backup) means a full pull.
    let after = to_i64(since.filter(|s| *s <= seq).unwrap_or(0), "since")?;
    let households = query(
        &tx,
        "SELECT record_json FROM households WHERE worker_id = $1 AND seq > $2
         ORDER BY id COLLATE \"C\"",
        &[&worker_id, &after],
    )
    .await?
    .iter()
    .map(|r| {
        let json: String = col(r, 0)?;
        serde_json::from_str(&json).map_err(|_| bad_column("record_json"))
    })
    .collect::<StoreResult<Vec<_>>>()?;
    let removed = if after == 0 {
        Vec::new()
    } else {
        query(
            &tx,
            "SELECT DISTINCT r.household_id COLLATE \"C\" FROM household_removals r
             WHERE r.worker_id = $1 AND r.seq > $2 AND NOT EXISTS (
                 SELECT 1 FROM households h WHERE h.id = r.household_id AND h.worker_id = $1)
             ORDER BY 1",
            &[&worker_id, &after],
        )
        .await?
        .iter()
        .map(|r| col(r, 0))
        .collect::<StoreResult<Vec<String>>>()?
    };
    let returned = query(
        &tx,
        // On a full pull, returns already answered by an amending visit are left out.
        "SELECT r.visit_id, r.household_id, r.comment, r.returned_at
         FROM returned_assessments r
         WHERE r.worker_id = $1 AND r.seq > $2 AND ($2 > 0 OR NOT EXISTS (
             SELECT 1 FROM visits v WHERE (v.body_json::jsonb ->> 'amends') = r.visit_id))
         ORDER BY r.seq",
        &[&worker_id, &after],
    )
    .await?
    .iter()
    .map(|r| {
        Ok(ReturnedAssessment {
            visit_id: col(r, 0)?,
            household_id: col(r, 1)?,
            comment: col(r, 2)?,
            returned_at: col(r, 3)?,
        })
    })
    .collect::<StoreResult<Vec<_>>>()?;
    tx.commit().await.map_err(backend)?;
    Ok(CaseloadDelta {
        seq,
        households,
        removed,
        returned,
    })
}
