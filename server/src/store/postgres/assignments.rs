//! Audience keys and the per-worker caseload delta behind `GET /assignments?since=`.

use deadpool_postgres::GenericClient;
use fieldvisit_core::protocol::ReturnedAssessment;
use tokio_postgres::IsolationLevel;
use tokio_postgres::Row;

use super::{backend, bad_column, col, execute, get_u64, query, query_opt, to_i64};
use crate::config::Argon2Cost;
use crate::keys::SealedPrivateKey;
use crate::store::{AudienceKeyRow, CaseloadDelta, KeyRotation, StoreError, StoreResult};

const KEY_COLUMNS: &str = "audience, unit_id, generation, scope_path, public_key, kdf_m, kdf_t,
    kdf_p, salt, nonce, ciphertext, created_by, created_at, retired_at";

pub(super) async fn add_key<C: GenericClient>(c: &C, k: &AudienceKeyRow) -> StoreResult<()> {
    // A conflict on any generation of the branch's key (or on its one current key) refuses it.
    if insert_key(c, k).await? == 0 {
        return Err(StoreError::Conflict("audience key for this branch"));
    }
    Ok(())
}

async fn insert_key<C: GenericClient>(c: &C, k: &AudienceKeyRow) -> StoreResult<u64> {
    let (m, t, p) = (
        i64::from(k.sealed.kdf.m_cost),
        i64::from(k.sealed.kdf.t_cost),
        i64::from(k.sealed.kdf.p_cost),
    );
    let generation = i64::from(k.generation);
    execute(
        c,
        &format!(
            "INSERT INTO audience_keys ({KEY_COLUMNS})
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
             ON CONFLICT DO NOTHING"
        ),
        &[
            &k.audience,
            &k.unit_id,
            &generation,
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
            &k.retired_at,
        ],
    )
    .await
}

fn u32_col(r: &Row, idx: usize, what: &'static str) -> StoreResult<u32> {
    let v: i64 = col(r, idx)?;
    u32::try_from(v).map_err(|_| bad_column(what))
}

fn key_from_row(r: &Row) -> StoreResult<AudienceKeyRow> {
    Ok(AudienceKeyRow {
        audience: col(r, 0)?,
        unit_id: col(r, 1)?,
        generation: u32_col(r, 2, "generation")?,
        scope_path: col(r, 3)?,
        public_key: col(r, 4)?,
        sealed: SealedPrivateKey {
            kdf: Argon2Cost {
                m_cost: u32_col(r, 5, "kdf cost")?,
                t_cost: u32_col(r, 6, "kdf cost")?,
                p_cost: u32_col(r, 7, "kdf cost")?,
            },
            salt: col(r, 8)?,
            nonce: col(r, 9)?,
            ciphertext: col(r, 10)?,
        },
        created_by: col(r, 11)?,
        created_at: col(r, 12)?,
        retired_at: col(r, 13)?,
    })
}

pub(super) async fn keys<C: GenericClient>(c: &C) -> StoreResult<Vec<AudienceKeyRow>> {
    query(
        c,
        &format!(
            "SELECT {KEY_COLUMNS} FROM audience_keys WHERE retired_at IS NULL
             ORDER BY audience COLLATE \"C\", scope_path COLLATE \"C\""
        ),
        &[],
    )
    .await?
    .iter()
    .map(key_from_row)
    .collect()
}

pub(super) async fn generations<C: GenericClient>(
    c: &C,
    audience: &str,
    unit_id: &str,
) -> StoreResult<Vec<AudienceKeyRow>> {
    query(
        c,
        &format!(
            "SELECT {KEY_COLUMNS} FROM audience_keys WHERE audience = $1 AND unit_id = $2
             ORDER BY generation DESC"
        ),
        &[&audience, &unit_id],
    )
    .await?
    .iter()
    .map(key_from_row)
    .collect()
}

/// A rotation racing this one waits on the current row's lock, then finds it retired.
pub(super) async fn rotate(
    tx: &deadpool_postgres::Transaction<'_>,
    r: &KeyRotation,
) -> StoreResult<()> {
    let k = &r.new_key;
    let stale = || StoreError::Conflict("the key was rotated meanwhile");
    let from = i64::from(r.from_generation);
    let retired = execute(
        tx,
        "UPDATE audience_keys SET retired_at = $4
         WHERE audience = $1 AND unit_id = $2 AND generation = $3 AND retired_at IS NULL",
        &[&k.audience, &k.unit_id, &from, &k.created_at],
    )
    .await?;
    if retired != 1 {
        return Err(stale());
    }
    let stored = query_opt(
        tx,
        "SELECT count(*) FROM audience_keys WHERE audience = $1 AND unit_id = $2",
        &[&k.audience, &k.unit_id],
    )
    .await?
    .map(|row| get_u64(&row, 0))
    .transpose()?
    .unwrap_or(0);
    if usize::try_from(stored).ok() != Some(r.resealed.len()) {
        return Err(stale());
    }
    for (generation, sealed) in &r.resealed {
        let (g, m, t, p) = (
            i64::from(*generation),
            i64::from(sealed.kdf.m_cost),
            i64::from(sealed.kdf.t_cost),
            i64::from(sealed.kdf.p_cost),
        );
        let n = execute(
            tx,
            "UPDATE audience_keys SET kdf_m = $4, kdf_t = $5, kdf_p = $6, salt = $7, nonce = $8,
                 ciphertext = $9
             WHERE audience = $1 AND unit_id = $2 AND generation = $3",
            &[
                &k.audience,
                &k.unit_id,
                &g,
                &m,
                &t,
                &p,
                &sealed.salt,
                &sealed.nonce,
                &sealed.ciphertext,
            ],
        )
        .await?;
        if n != 1 {
            return Err(stale());
        }
    }
    if k.generation != r.from_generation + 1 || insert_key(tx, k).await? != 1 {
        return Err(stale());
    }
    Ok(())
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
