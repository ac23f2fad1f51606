//! Visits (exactly-once ingest with the device hash-chain check) and their photo manifests.
//!
//! Concurrency: an ingest first locks its device's row, so ingests of one device run one after the
//! other (the chain check reads the device's other visits and must see every committed one), while
//! ingests of different devices run in parallel. The visit id's primary key with `ON CONFLICT DO
//! NOTHING` makes a visit stored once even when two devices claim the same id at the same time.

use deadpool_postgres::GenericClient;
use fieldvisit_core::crypto::Sha256Hash;
use tokio_postgres::Row;

use super::pipeline::{Param, Pipeline, params};
use super::{backend, bad_column, col, execute, get_u64, micros, query, query_opt, to_i64};
use crate::store::{
    AlertDraft, ChainStatus, IngestOutcome, NewVisit, PhotoRecord, Scope, StoreError, StoreResult,
    VisitMeta,
};

pub(super) const SELECT_META: &str = "SELECT v.visit_id, v.device_id, v.worker_id, v.household_id,
    v.body_hash, v.chain_seq, v.chain_status, v.category, v.template_id, v.started_at, v.ended_at,
    v.level, v.reported_to_police_at, v.received_at";

pub(super) fn hash_col(r: &Row, idx: usize) -> StoreResult<Sha256Hash> {
    let s: String = col(r, idx)?;
    Sha256Hash::from_hex(&s).ok_or_else(|| bad_column("hash"))
}

pub(super) fn from_row(r: &Row) -> StoreResult<VisitMeta> {
    let status: String = col(r, 6)?;
    Ok(VisitMeta {
        visit_id: col(r, 0)?,
        device_id: col(r, 1)?,
        worker_id: col(r, 2)?,
        household_id: col(r, 3)?,
        body_hash: hash_col(r, 4)?,
        chain_seq: get_u64(r, 5)?,
        chain_status: ChainStatus::parse(&status).ok_or_else(|| bad_column("chain_status"))?,
        category: col(r, 7)?,
        template_id: col(r, 8)?,
        started_at: col(r, 9)?,
        ended_at: col(r, 10)?,
        level: col(r, 11)?,
        reported_to_police_at: col(r, 12)?,
        received_at: col(r, 13)?,
    })
}

async fn meta<C: GenericClient>(c: &C, visit_id: &str) -> StoreResult<Option<VisitMeta>> {
    query_opt(
        c,
        &format!("{SELECT_META} FROM visits v WHERE v.visit_id = $1"),
        &[&visit_id],
    )
    .await?
    .as_ref()
    .map(from_row)
    .transpose()
}

/// The stored visit with this id, if any, beside one with `body_hash`: the same envelope is a
/// duplicate, another one a conflict.
async fn outcome_of_stored<C: GenericClient>(
    c: &C,
    v: &NewVisit,
    body_hash: Option<String>,
) -> StoreResult<Option<IngestOutcome>> {
    let Some(h) = body_hash else {
        return Ok(None);
    };
    if h != v.body_hash.to_hex() {
        return Ok(Some(IngestOutcome::Conflict));
    }
    let m = meta(c, &v.visit_id)
        .await?
        .ok_or(StoreError::NotFound("visit"))?;
    Ok(Some(IngestOutcome::Duplicate(m)))
}

/// An existing visit with this id, read outside the ingest transaction.
async fn existing<C: GenericClient>(c: &C, v: &NewVisit) -> StoreResult<Option<IngestOutcome>> {
    let stored = query_opt(
        c,
        "SELECT body_hash FROM visits WHERE visit_id = $1",
        &[&v.visit_id],
    )
    .await?
    .map(|r| col::<String>(&r, 0))
    .transpose()?;
    outcome_of_stored(c, v, stored).await
}

/// Stores a sealed visit exactly once, with its photo manifest, review, alerts and due-ledger
/// upkeep, in one transaction of five round trips (see [`super::pipeline`]): begin; the device
/// lock and what is stored already; every write and the ledger's reads; the ledger's write;
/// commit.
pub(super) async fn ingest(
    c: &mut deadpool_postgres::Client,
    v: &NewVisit,
) -> StoreResult<IngestOutcome> {
    let tx = c.transaction().await.map_err(backend)?;
    let mut p = Pipeline::default();
    // Serializes ingests of one device (see the module comment); the read after it sees every
    // visit of the device committed before. A missing device matches no row; the insert below
    // then fails on the foreign key, as in SQLite.
    p.push(
        "SELECT id FROM devices WHERE id = $1 FOR UPDATE",
        params![v.device_id.clone()],
    );
    // The id's stored hash, then the hashes at this chain position and the one before.
    let before = match v.chain_seq {
        0 | 1 => -1,
        seq => to_i64(seq - 1, "chain_seq")?,
    };
    let chain_seq = to_i64(v.chain_seq, "chain_seq")?;
    let next = to_i64(v.chain_seq.saturating_add(1), "chain_seq")?;
    // And whether a successor that arrived first was flagged as a gap this visit fills.
    let stored = p.push(
        "SELECT (SELECT body_hash FROM visits WHERE visit_id = $1),
             (SELECT body_hash FROM visits WHERE device_id = $2 AND chain_seq = $3 LIMIT 1),
             (SELECT body_hash FROM visits WHERE device_id = $2 AND chain_seq = $4 LIMIT 1),
             EXISTS (SELECT 1 FROM visits WHERE device_id = $2 AND chain_seq = $5
                 AND chain_status = 'gap' AND chain_prev = $6)",
        params![
            v.visit_id.clone(),
            v.device_id.clone(),
            chain_seq,
            before,
            next,
            v.body_hash.to_hex()
        ],
    );
    let mut rows = p.run(&tx).await?.rows()?;
    let stored = rows.take(stored);
    let stored = stored
        .first()
        .ok_or(StoreError::Backend("a probe returned no row".into()))?;
    let (existing_hash, taken, before): (Option<String>, Option<String>, Option<String>) =
        (col(stored, 0)?, col(stored, 1)?, col(stored, 2)?);
    let fills_gap: bool = col(stored, 3)?;
    if let Some(outcome) = outcome_of_stored(&tx, v, existing_hash).await? {
        return Ok(outcome);
    }
    let status = ChainStatus::of(
        v.chain_seq,
        &v.chain_prev,
        taken.is_some(),
        before.as_deref(),
    );

    let mut p = Pipeline::default();
    let inserted = p.push(INSERT_VISIT, insert_params(v, status)?);
    if !v.photos.is_empty() {
        let mut ids = Vec::with_capacity(v.photos.len());
        let mut hashes = Vec::with_capacity(v.photos.len());
        let mut sizes = Vec::with_capacity(v.photos.len());
        for (photo_id, sha, size) in &v.photos {
            ids.push(photo_id.clone());
            hashes.push(sha.to_hex());
            sizes.push(to_i64(*size, "photo size")?);
        }
        p.push(
            "INSERT INTO photos (visit_id, photo_id, sha256, size)
             SELECT $1, * FROM unnest($2::text[], $3::text[], $4::int8[])",
            params![v.visit_id.clone(), ids, hashes, sizes],
        );
    }
    super::reviews::open_for(&mut p, v);
    for alert in AlertDraft::for_visit(v, status) {
        super::alerts::queue_raise(&mut p, &alert);
    }
    if fills_gap {
        // The successor follows this visit, so it is fine now.
        p.push(
            "UPDATE visits SET chain_status = 'ok'
             WHERE device_id = $1 AND chain_seq = $2 AND chain_status = 'gap' AND chain_prev = $3",
            params![v.device_id.clone(), next, v.body_hash.to_hex()],
        );
    }
    let ledger =
        (!v.facts.amends).then(|| super::dues::queue_reads(&mut p, &v.household_id, &v.category));
    let mut answers = p.run(&tx).await?;
    if answers.take(inserted)?.is_empty() {
        // Another device's ingest of the same id committed after our check; it holds the id now.
        drop(tx);
        return match existing(&*c, v).await? {
            Some(outcome) => Ok(outcome),
            None => Err(StoreError::Backend(
                "visit id taken and released during ingest".into(),
            )),
        };
    }
    let mut rows = answers.rows()?;
    if let Some(ledger) = ledger {
        super::dues::after_visit(
            &tx,
            ledger,
            &mut rows,
            (&v.household_id, &v.category),
            crate::store::local_date(v.started_at),
            v.level.as_deref(),
        )
        .await?;
    }
    tx.commit().await.map_err(backend)?;
    Ok(IngestOutcome::Stored(VisitMeta::stored(v, status)))
}

const INSERT_VISIT: &str = "INSERT INTO visits (visit_id, device_id, worker_id, household_id,
        body_hash, chain_seq, chain_prev, chain_status, envelope_json, body_json, category,
        template_id, started_at, ended_at, level, reported_to_police_at, received_at, amends,
        fix_lat, fix_lon, fix_accuracy_m, fix_mock, fix_age_s, distance_m, flags, photo_count)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
        $19, $20, $21, $22, $23, $24, $25, $26)
    ON CONFLICT (visit_id) DO NOTHING RETURNING 1";

fn insert_params(v: &NewVisit, status: ChainStatus) -> StoreResult<Vec<Param>> {
    let f = &v.facts;
    let fix = f.fix.as_ref();
    let flags = f.flag_bits();
    Ok(params![
        v.visit_id.clone(),
        v.device_id.clone(),
        v.worker_id.clone(),
        v.household_id.clone(),
        v.body_hash.to_hex(),
        to_i64(v.chain_seq, "chain_seq")?,
        v.chain_prev.to_hex(),
        status.as_str(),
        v.envelope_json.clone(),
        v.body_json.clone(),
        v.category.clone(),
        v.template_id.clone(),
        v.started_at,
        v.ended_at,
        v.level.clone(),
        v.reported_to_police_at,
        micros(v.received_at),
        f.amends,
        fix.map(|x| x.point.lat),
        fix.map(|x| x.point.lon),
        fix.map(|x| x.accuracy_m),
        fix.is_some_and(|x| x.mock),
        fix.map(|x| x.age_s),
        f.distance_m,
        flags,
        i64::from(f.photo_count),
    ])
}

pub(super) async fn visit<C: GenericClient>(
    c: &C,
    visit_id: &str,
) -> StoreResult<Option<(VisitMeta, String)>> {
    let Some(r) = query_opt(
        c,
        &format!(
            "{SELECT_META}, o.path FROM visits v JOIN households h ON h.id = v.household_id
             JOIN org_units o ON o.id = h.village_id WHERE v.visit_id = $1"
        ),
        &[&visit_id],
    )
    .await?
    else {
        return Ok(None);
    };
    Ok(Some((from_row(&r)?, col(&r, 14)?)))
}

pub(super) async fn envelope<C: GenericClient>(
    c: &C,
    visit_id: &str,
) -> StoreResult<Option<String>> {
    match query_opt(
        c,
        "SELECT envelope_json FROM visits WHERE visit_id = $1",
        &[&visit_id],
    )
    .await?
    {
        Some(r) => Ok(Some(col(&r, 0)?)),
        None => Ok(None),
    }
}

pub(super) async fn in_scope<C: GenericClient>(
    c: &C,
    scope: &Scope,
) -> StoreResult<Vec<VisitMeta>> {
    query(
        c,
        &format!(
            "{SELECT_META} FROM visits v JOIN households h ON h.id = v.household_id
             JOIN org_units o ON o.id = h.village_id
             WHERE left(o.path, length($1)) = $1 AND ($2::text IS NULL OR v.worker_id = $2)
             ORDER BY v.received_at, v.visit_id COLLATE \"C\""
        ),
        &[&scope.path, &scope.worker_id],
    )
    .await?
    .iter()
    .map(from_row)
    .collect()
}

pub(super) async fn last_visits_of<C: GenericClient>(
    c: &C,
    worker_id: &str,
) -> StoreResult<Vec<fieldvisit_core::protocol::LastVisitRecord>> {
    let rows = query(
        c,
        "SELECT v.household_id, v.category, v.visit_id, v.started_at, v.level
         FROM visits v JOIN households h ON h.id = v.household_id
         WHERE h.worker_id = $1 AND NOT v.amends",
        &[&worker_id],
    )
    .await?
    .iter()
    .map(|r| Ok((col(r, 0)?, col(r, 1)?, col(r, 2)?, col(r, 3)?, col(r, 4)?)))
    .collect::<StoreResult<Vec<_>>>()?;
    Ok(crate::store::latest_visits(rows))
}

pub(super) async fn photos<C: GenericClient>(
    c: &C,
    visit_id: &str,
) -> StoreResult<Vec<PhotoRecord>> {
    query(
        c,
        "SELECT visit_id, photo_id, sha256, size, complete, received FROM photos
         WHERE visit_id = $1 ORDER BY photo_id COLLATE \"C\"",
        &[&visit_id],
    )
    .await?
    .iter()
    .map(|r| {
        Ok(PhotoRecord {
            visit_id: col(r, 0)?,
            photo_id: col(r, 1)?,
            sha256: hash_col(r, 2)?,
            size: get_u64(r, 3)?,
            complete: col(r, 4)?,
            received: get_u64(r, 5)?,
        })
    })
    .collect()
}

pub(super) async fn photo_completed<C: GenericClient>(
    c: &C,
    visit_id: &str,
    photo_id: &str,
) -> StoreResult<()> {
    let n = execute(
        c,
        "UPDATE photos SET complete = TRUE WHERE visit_id = $1 AND photo_id = $2",
        &[&visit_id, &photo_id],
    )
    .await?;
    if n == 0 {
        return Err(StoreError::NotFound("photo"));
    }
    Ok(())
}

/// [`VisitStore`](crate::store::VisitStore) over the SQL above.
mod as_store {
    use super::super::*;

    #[async_trait]
    impl VisitStore for PgStore {
        async fn ingest_visit(&self, visit: &NewVisit) -> StoreResult<IngestOutcome> {
            visits::ingest(&mut self.client().await?, visit).await
        }

        async fn visit(&self, visit_id: &str) -> StoreResult<Option<(VisitMeta, String)>> {
            visits::visit(&self.client().await?, visit_id).await
        }

        async fn envelope(&self, visit_id: &str) -> StoreResult<Option<String>> {
            visits::envelope(&self.client().await?, visit_id).await
        }

        async fn visits(&self, scope: &Scope) -> StoreResult<Vec<VisitMeta>> {
            visits::in_scope(&self.client().await?, scope).await
        }

        async fn last_visits_of(
            &self,
            worker_id: &str,
        ) -> StoreResult<Vec<fieldvisit_core::protocol::LastVisitRecord>> {
            visits::last_visits_of(&self.client().await?, worker_id).await
        }

        async fn photos(&self, visit_id: &str) -> StoreResult<Vec<PhotoRecord>> {
            visits::photos(&self.client().await?, visit_id).await
        }

        async fn photo_received(
            &self,
            visit_id: &str,
            photo_id: &str,
            from: u64,
            to: u64,
        ) -> StoreResult<bool> {
            let (from, to) = (to_i64(from, "received")?, to_i64(to, "received")?);
            let n = execute(
                &self.client().await?,
                "UPDATE photos SET received = $4
                 WHERE visit_id = $1 AND photo_id = $2 AND received = $3 AND NOT complete",
                &[&visit_id, &photo_id, &from, &to],
            )
            .await?;
            Ok(n == 1)
        }

        async fn photo_completed(&self, visit_id: &str, photo_id: &str) -> StoreResult<()> {
            visits::photo_completed(&self.client().await?, visit_id, photo_id).await
        }

        async fn photo_stored_whole(
            &self,
            visit_id: &str,
            photo_id: &str,
            size: u64,
        ) -> StoreResult<bool> {
            // One statement, so one commit, where the chunked path needs two.
            let size = to_i64(size, "size")?;
            let n = execute(
                &self.client().await?,
                "UPDATE photos SET received = $3, complete = TRUE
                 WHERE visit_id = $1 AND photo_id = $2 AND received = 0 AND NOT complete",
                &[&visit_id, &photo_id, &size],
            )
            .await?;
            Ok(n == 1)
        }
    }
}
