//! Visits (exactly-once ingest with the device hash-chain check) and their photo manifests.

use fieldvisit_core::crypto::Sha256Hash;
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{backend, parse_opt_ts, parse_ts, ts};
use crate::store::{
    AlertDraft, ChainStatus, IngestOutcome, NewVisit, PhotoRecord, Scope, StoreError, StoreResult,
    VisitMeta,
};

pub(super) const COLUMNS: &str =
    "v.visit_id, v.device_id, v.worker_id, v.household_id, v.body_hash, v.chain_seq,
    v.chain_status, v.category, v.template_id, v.started_at, v.ended_at, v.level,
    v.reported_to_police_at, v.received_at";

fn hash_col(s: String) -> rusqlite::Result<Sha256Hash> {
    Sha256Hash::from_hex(&s).ok_or_else(|| super::bad_column("hash"))
}

pub(super) fn from_row(r: &Row<'_>) -> rusqlite::Result<VisitMeta> {
    Ok(VisitMeta {
        visit_id: r.get(0)?,
        device_id: r.get(1)?,
        worker_id: r.get(2)?,
        household_id: r.get(3)?,
        body_hash: hash_col(r.get(4)?)?,
        chain_seq: r.get(5)?,
        chain_status: ChainStatus::parse(&r.get::<_, String>(6)?)
            .ok_or_else(|| super::bad_column("chain_status"))?,
        category: r.get(7)?,
        template_id: r.get(8)?,
        started_at: parse_ts(&r.get::<_, String>(9)?)?,
        ended_at: parse_ts(&r.get::<_, String>(10)?)?,
        level: r.get(11)?,
        reported_to_police_at: parse_opt_ts(r.get(12)?)?,
        received_at: parse_ts(&r.get::<_, String>(13)?)?,
    })
}

fn hash_at(tx: &Connection, device_id: &str, seq: u64) -> StoreResult<Option<String>> {
    tx.prepare_cached(
        "SELECT body_hash FROM visits WHERE device_id = ?1 AND chain_seq = ?2 LIMIT 1",
    )
    .and_then(|mut st| {
        st.query_row(params![device_id, seq], |r| r.get(0))
            .optional()
    })
    .map_err(backend)
}

/// Where the visit sits in its device's chain ([`ChainStatus::of`]).
fn chain_status(tx: &Connection, v: &NewVisit) -> StoreResult<ChainStatus> {
    let taken = hash_at(tx, &v.device_id, v.chain_seq)?.is_some();
    let before = match v.chain_seq {
        0 | 1 => None,
        seq => hash_at(tx, &v.device_id, seq - 1)?,
    };
    Ok(ChainStatus::of(
        v.chain_seq,
        &v.chain_prev,
        taken,
        before.as_deref(),
    ))
}

fn meta(c: &Connection, visit_id: &str) -> StoreResult<Option<VisitMeta>> {
    c.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM visits v WHERE v.visit_id = ?1"
    ))
    .and_then(|mut st| st.query_row([visit_id], from_row).optional())
    .map_err(backend)
}

/// Stores one visit inside the caller's transaction (or savepoint); the caller commits.
pub(super) fn ingest_in(tx: &Connection, v: &NewVisit) -> StoreResult<IngestOutcome> {
    let existing: Option<String> = tx
        .prepare_cached("SELECT body_hash FROM visits WHERE visit_id = ?1")
        .and_then(|mut st| st.query_row([&v.visit_id], |r| r.get(0)).optional())
        .map_err(backend)?;
    if let Some(h) = existing {
        if h != v.body_hash.to_hex() {
            return Ok(IngestOutcome::Conflict);
        }
        let m = meta(tx, &v.visit_id)?.ok_or(StoreError::NotFound("visit"))?;
        return Ok(IngestOutcome::Duplicate(m));
    }
    let status = chain_status(tx, v)?;
    let f = &v.facts;
    let fix = f.fix.as_ref();
    let flags = f.flag_bits();
    tx.prepare_cached(
        "INSERT INTO visits (visit_id, device_id, worker_id, household_id, body_hash, chain_seq,
            chain_prev, chain_status, envelope_json, body_json, category, template_id, started_at,
            ended_at, level, reported_to_police_at, received_at, started_on, amends, fix_lat,
            fix_lon, fix_accuracy_m, fix_mock, fix_age_s, distance_m, flags, photo_count)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,
            ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27)",
    )
    .and_then(|mut st| {
        st.execute(params![
            v.visit_id,
            v.device_id,
            v.worker_id,
            v.household_id,
            v.body_hash.to_hex(),
            v.chain_seq,
            v.chain_prev.to_hex(),
            status.as_str(),
            v.envelope_json,
            v.body_json,
            v.category,
            v.template_id,
            ts(v.started_at),
            ts(v.ended_at),
            v.level,
            v.reported_to_police_at.map(ts),
            ts(v.received_at),
            super::reports::local_day(v.started_at),
            f.amends,
            fix.map(|x| x.point.lat),
            fix.map(|x| x.point.lon),
            fix.map(|x| x.accuracy_m),
            fix.is_some_and(|x| x.mock),
            fix.map(|x| x.age_s),
            f.distance_m,
            flags,
            f.photo_count,
        ])
    })
    .map_err(backend)?;
    for (photo_id, sha, size) in &v.photos {
        tx.prepare_cached(
            "INSERT INTO photos (visit_id, photo_id, sha256, size) VALUES (?1, ?2, ?3, ?4)",
        )
        .and_then(|mut st| st.execute(params![v.visit_id, photo_id, sha.to_hex(), size]))
        .map_err(backend)?;
    }
    if !f.amends {
        super::dues::after_visit(
            tx,
            &v.household_id,
            &v.category,
            crate::store::local_date(v.started_at),
            v.level.as_deref(),
        )?;
    }
    super::reviews::open_for(tx, v)?;
    for alert in AlertDraft::for_visit(v, status) {
        super::alerts::raise_in(tx, &alert)?;
    }
    // A successor that arrived first was flagged as a gap; it follows this visit, so it is fine now.
    tx.prepare_cached(
        "UPDATE visits SET chain_status = 'ok'
         WHERE device_id = ?1 AND chain_seq = ?2 AND chain_status = 'gap' AND chain_prev = ?3",
    )
    .and_then(|mut st| st.execute(params![v.device_id, v.chain_seq + 1, v.body_hash.to_hex()]))
    .map_err(backend)?;
    Ok(IngestOutcome::Stored(VisitMeta::stored(v, status)))
}

pub(super) fn visit(c: &Connection, visit_id: &str) -> StoreResult<Option<(VisitMeta, String)>> {
    // Every photo chunk runs this.
    c.prepare_cached(&format!(
        "SELECT {COLUMNS}, o.path FROM visits v JOIN households h ON h.id = v.household_id
         JOIN org_units o ON o.id = h.village_id WHERE v.visit_id = ?1"
    ))
    .and_then(|mut st| {
        st.query_row([visit_id], |r| Ok((from_row(r)?, r.get(14)?)))
            .optional()
    })
    .map_err(backend)
}

pub(super) fn envelope(c: &Connection, visit_id: &str) -> StoreResult<Option<String>> {
    c.query_row(
        "SELECT envelope_json FROM visits WHERE visit_id = ?1",
        [visit_id],
        |r| r.get(0),
    )
    .optional()
    .map_err(backend)
}

pub(super) fn in_scope(c: &Connection, scope: &Scope) -> StoreResult<Vec<VisitMeta>> {
    let mut st = c
        .prepare(&format!(
            "SELECT {COLUMNS} FROM visits v JOIN households h ON h.id = v.household_id
             JOIN org_units o ON o.id = h.village_id
             WHERE substr(o.path, 1, length(?1)) = ?1 AND (?2 IS NULL OR v.worker_id = ?2)
             ORDER BY v.received_at"
        ))
        .map_err(backend)?;
    let rows = st
        .query_map(params![scope.path, scope.worker_id], from_row)
        .map_err(backend)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(backend)?;
    Ok(rows)
}

pub(super) fn last_visits_of(
    c: &Connection,
    worker_id: &str,
) -> StoreResult<Vec<fieldvisit_core::protocol::LastVisitRecord>> {
    let mut st = c
        .prepare_cached(
            "SELECT v.household_id, v.category, v.visit_id, v.started_at, v.level
             FROM visits v JOIN households h ON h.id = v.household_id
             WHERE h.worker_id = ?1 AND NOT v.amends",
        )
        .map_err(backend)?;
    let rows = st
        .query_map([worker_id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                parse_ts(&r.get::<_, String>(3)?)?,
                r.get::<_, Option<String>>(4)?,
            ))
        })
        .map_err(backend)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(backend)?;
    Ok(crate::store::latest_visits(rows))
}

pub(super) fn photos(c: &Connection, visit_id: &str) -> StoreResult<Vec<PhotoRecord>> {
    let mut st = c
        .prepare_cached(
            "SELECT visit_id, photo_id, sha256, size, complete, received FROM photos
             WHERE visit_id = ?1 ORDER BY photo_id",
        )
        .map_err(backend)?;
    let rows = st
        .query_map([visit_id], |r| {
            Ok(PhotoRecord {
                visit_id: r.get(0)?,
                photo_id: r.get(1)?,
                sha256: hash_col(r.get(2)?)?,
                size: r.get(3)?,
                complete: r.get(4)?,
                received: r.get(5)?,
            })
        })
        .map_err(backend)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(backend)?;
    Ok(rows)
}

pub(super) fn photo_received(
    c: &Connection,
    visit_id: &str,
    photo_id: &str,
    from: u64,
    to: u64,
) -> StoreResult<bool> {
    let n = c
        .prepare_cached(
            "UPDATE photos SET received = ?4
             WHERE visit_id = ?1 AND photo_id = ?2 AND received = ?3 AND complete = 0",
        )
        .and_then(|mut st| st.execute(params![visit_id, photo_id, from, to]))
        .map_err(backend)?;
    Ok(n == 1)
}

pub(super) fn photo_completed(c: &Connection, visit_id: &str, photo_id: &str) -> StoreResult<()> {
    let n = c
        .prepare_cached("UPDATE photos SET complete = 1 WHERE visit_id = ?1 AND photo_id = ?2")
        .and_then(|mut st| st.execute(params![visit_id, photo_id]))
        .map_err(backend)?;
    if n == 0 {
        return Err(StoreError::NotFound("photo"));
    }
    Ok(())
}

/// [`VisitStore`](crate::store::VisitStore) over the SQL above.
mod as_store {
    use super::super::*;

    #[async_trait]
    impl VisitStore for SqliteStore {
        async fn ingest_visit(&self, visit: &NewVisit) -> StoreResult<IngestOutcome> {
            match self
                .commit_grouped(Write::Visit(Box::new(visit.clone())))
                .await?
            {
                Written::Visit(outcome) => Ok(*outcome),
                Written::PhotoCompleted => {
                    Err(StoreError::Backend("ingest answered wrongly".into()))
                }
            }
        }

        async fn visit(&self, visit_id: &str) -> StoreResult<Option<(VisitMeta, String)>> {
            let id = visit_id.to_owned();
            self.point_read(move |c| visits::visit(c, &id)).await
        }

        async fn envelope(&self, visit_id: &str) -> StoreResult<Option<String>> {
            let id = visit_id.to_owned();
            self.read(move |c| visits::envelope(c, &id)).await
        }

        async fn visits(&self, scope: &Scope) -> StoreResult<Vec<VisitMeta>> {
            let scope = scope.clone();
            self.read(move |c| visits::in_scope(c, &scope)).await
        }

        async fn last_visits_of(
            &self,
            worker_id: &str,
        ) -> StoreResult<Vec<fieldvisit_core::protocol::LastVisitRecord>> {
            let w = worker_id.to_owned();
            self.read(move |c| visits::last_visits_of(c, &w)).await
        }

        async fn photos(&self, visit_id: &str) -> StoreResult<Vec<PhotoRecord>> {
            let id = visit_id.to_owned();
            self.point_read(move |c| visits::photos(c, &id)).await
        }

        async fn photo_received(
            &self,
            visit_id: &str,
            photo_id: &str,
            from: u64,
            to: u64,
        ) -> StoreResult<bool> {
            let (v, p) = (visit_id.to_owned(), photo_id.to_owned());
            self.call(move |c| visits::photo_received(c, &v, &p, from, to))
                .await
        }

        async fn photo_completed(&self, visit_id: &str, photo_id: &str) -> StoreResult<()> {
            let write = Write::PhotoCompleted {
                visit_id: visit_id.to_owned(),
                photo_id: photo_id.to_owned(),
            };
            match self.commit_grouped(write).await? {
                Written::PhotoCompleted => Ok(()),
                Written::Visit(_) => Err(StoreError::Backend("photo answered wrongly".into())),
            }
        }
    }
}
