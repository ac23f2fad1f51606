//! Org tree and households.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::backend;
use crate::store::{HouseholdRow, OrgLevel, OrgUnit, Scope, StoreError, StoreResult};

fn unit_from_row(r: &Row<'_>) -> rusqlite::Result<OrgUnit> {
    let level: String = r.get(2)?;
    Ok(OrgUnit {
        id: r.get(0)?,
        parent_id: r.get(1)?,
        level: OrgLevel::parse(&level).ok_or_else(|| super::bad_column("level"))?,
        name: r.get(3)?,
        path: r.get(4)?,
    })
}

pub(super) fn add_unit(
    tx: &Connection,
    id: &str,
    parent_id: Option<&str>,
    level: OrgLevel,
    name: &str,
) -> StoreResult<OrgUnit> {
    let path = match parent_id {
        None if level == OrgLevel::Province => format!("/{id}/"),
        None => return Err(StoreError::NotFound("parent org unit")),
        Some(p) => {
            let parent = unit(tx, p)?.ok_or(StoreError::NotFound("parent org unit"))?;
            if parent.level.child() != Some(level) {
                return Err(StoreError::Conflict(
                    "org unit at this level under that parent",
                ));
            }
            format!("{}{id}/", parent.path)
        }
    };
    let n = tx
        .execute(
            "INSERT INTO org_units (id, parent_id, level, name, path) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT DO NOTHING",
            params![id, parent_id, level.as_str(), name, path],
        )
        .map_err(backend)?;
    if n == 0 {
        return Err(StoreError::Conflict("org unit"));
    }
    Ok(OrgUnit {
        id: id.to_owned(),
        parent_id: parent_id.map(str::to_owned),
        level,
        name: name.to_owned(),
        path,
    })
}

pub(super) fn unit(c: &Connection, id: &str) -> StoreResult<Option<OrgUnit>> {
    c.query_row(
        "SELECT id, parent_id, level, name, path FROM org_units WHERE id = ?1",
        [id],
        unit_from_row,
    )
    .optional()
    .map_err(backend)
}

pub(super) fn units(c: &Connection, scope: &Scope) -> StoreResult<Vec<OrgUnit>> {
    let mut st = c
        .prepare(
            "SELECT id, parent_id, level, name, path FROM org_units o
             WHERE substr(o.path, 1, length(?1)) = ?1 ORDER BY path",
        )
        .map_err(backend)?;
    let rows = st
        .query_map([&scope.path], unit_from_row)
        .map_err(backend)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(backend)?;
    Ok(rows)
}

/// Takes the next number of the change sequence (inside the caller's transaction).
pub(super) fn next_seq(tx: &Connection) -> StoreResult<u64> {
    tx.query_row(
        "UPDATE change_counter SET seq = seq + 1 WHERE id = 1 RETURNING seq",
        [],
        |r| r.get(0),
    )
    .map_err(backend)
}

/// Stores households; a row that really changed takes a new change number, and a household that
/// leaves a worker's caseload is recorded as removed for that worker. A row that would move a
/// household to another village is refused: moving is [`move_household`]'s, checked on both ends.
pub(super) fn upsert_households(tx: &Connection, rows: &[HouseholdRow]) -> StoreResult<usize> {
    write_households(tx, rows, false)?;
    Ok(rows.len())
}

/// Moves a household to another village (and worker), in one transaction with its record.
pub(super) fn move_household(
    tx: &Connection,
    id: &str,
    village_id: &str,
    worker_id: Option<&str>,
) -> StoreResult<()> {
    let (row, _) = household(tx, id)?.ok_or(StoreError::NotFound("household"))?;
    let mut moved = row;
    moved.household.village_id = village_id.to_owned();
    moved.worker_id = worker_id.map(str::to_owned);
    write_households(tx, std::slice::from_ref(&moved), true)?;
    Ok(())
}

/// The village of each of `ids` that exists.
pub(super) fn household_villages(
    c: &Connection,
    ids: &[String],
) -> StoreResult<std::collections::HashMap<String, String>> {
    let mut st = c
        .prepare_cached("SELECT village_id FROM households WHERE id = ?1")
        .map_err(backend)?;
    let mut out = std::collections::HashMap::new();
    for id in ids {
        if let Some(v) = st
            .query_row([id], |r| r.get::<_, String>(0))
            .optional()
            .map_err(backend)?
        {
            out.insert(id.clone(), v);
        }
    }
    Ok(out)
}

fn write_households(tx: &Connection, rows: &[HouseholdRow], may_move: bool) -> StoreResult<()> {
    for row in rows {
        let json = serde_json::to_string(&row.household)
            .map_err(|e| StoreError::Backend(format!("household json: {e}")))?;
        let old: Option<(Option<String>, String, String)> = tx
            .query_row(
                "SELECT worker_id, record_json, village_id FROM households WHERE id = ?1",
                [&row.household.id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
            .map_err(backend)?;
        if let Some((_, _, village)) = &old
            && !may_move
            && *village != row.household.village_id
        {
            return Err(StoreError::Conflict(
                "household registered in another village",
            ));
        }
        let old = old.map(|(w, j, _)| (w, j));
        if old.as_ref() == Some(&(row.worker_id.clone(), json.clone())) {
            continue;
        }
        let seq = next_seq(tx)?;
        if let Some((Some(old_worker), _)) = &old
            && row.worker_id.as_ref() != Some(old_worker)
        {
            tx.execute(
                "INSERT INTO household_removals (seq, household_id, worker_id) VALUES (?1, ?2, ?3)",
                params![seq, row.household.id, old_worker],
            )
            .map_err(backend)?;
        }
        let h = &row.household;
        tx.execute(
            "INSERT INTO households (id, village_id, worker_id, record_json, seq,
                 head_name, id_number, lat, lon)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT (id) DO UPDATE SET village_id = excluded.village_id,
                 worker_id = excluded.worker_id, record_json = excluded.record_json,
                 seq = excluded.seq,
                 head_name = excluded.head_name, id_number = excluded.id_number,
                 lat = excluded.lat, lon = excluded.lon",
            params![
                h.id,
                h.village_id,
                row.worker_id,
                json,
                seq,
                h.head_name,
                h.id_number,
                h.location.map(|p| p.lat),
                h.location.map(|p| p.lon),
            ],
        )
        .map_err(backend)?;
        super::dues::rewrite(tx, crate::store::dues::Target::Household(&h.id))?;
    }
    Ok(())
}

fn household_from_row(r: &Row<'_>) -> rusqlite::Result<(HouseholdRow, String)> {
    let json: String = r.get(1)?;
    let household = serde_json::from_str(&json).map_err(|_| super::bad_column("record_json"))?;
    Ok((
        HouseholdRow {
            household,
            worker_id: r.get(0)?,
        },
        r.get(2)?,
    ))
}

pub(super) fn household(c: &Connection, id: &str) -> StoreResult<Option<(HouseholdRow, String)>> {
    c.query_row(
        "SELECT h.worker_id, h.record_json, o.path FROM households h
         JOIN org_units o ON o.id = h.village_id WHERE h.id = ?1",
        [id],
        household_from_row,
    )
    .optional()
    .map_err(backend)
}

pub(super) fn household_worker(c: &Connection, id: &str) -> StoreResult<Option<Option<String>>> {
    c.prepare_cached("SELECT worker_id FROM households WHERE id = ?1")
        .and_then(|mut st| st.query_row([id], |r| r.get(0)).optional())
        .map_err(backend)
}

pub(super) fn households(c: &Connection, scope: &Scope) -> StoreResult<Vec<HouseholdRow>> {
    let mut st = c
        .prepare(
            "SELECT h.worker_id, h.record_json, o.path FROM households h
             JOIN org_units o ON o.id = h.village_id
             WHERE substr(o.path, 1, length(?1)) = ?1 AND (?2 IS NULL OR h.worker_id = ?2)
             ORDER BY h.id",
        )
        .map_err(backend)?;
    let rows = st
        .query_map(params![scope.path, scope.worker_id], household_from_row)
        .map_err(backend)?
        .map(|r| r.map(|(h, _)| h))
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(backend)?;
    Ok(rows)
}

/// [`OrgStore`](crate::store::OrgStore) over the SQL above.
mod as_store {
    use super::super::*;

    #[async_trait]
    impl OrgStore for SqliteStore {
        async fn add_org_unit(
            &self,
            id: &str,
            parent_id: Option<&str>,
            level: OrgLevel,
            name: &str,
            audit: Option<&AuditDraft>,
        ) -> StoreResult<OrgUnit> {
            let (id, parent, name) = (id.to_owned(), parent_id.map(str::to_owned), name.to_owned());
            let audit = audit.cloned();
            self.call(move |c| {
                with_audit(c, audit.as_ref(), |tx| {
                    org::add_unit(tx, &id, parent.as_deref(), level, &name)
                })
            })
            .await
        }

        async fn org_unit(&self, id: &str) -> StoreResult<Option<OrgUnit>> {
            let id = id.to_owned();
            self.read(move |c| org::unit(c, &id)).await
        }

        async fn org_units(&self, scope: &Scope) -> StoreResult<Vec<OrgUnit>> {
            let scope = scope.clone();
            self.read(move |c| org::units(c, &scope)).await
        }

        async fn upsert_households(
            &self,
            rows: Vec<HouseholdRow>,
            audit: Option<&AuditDraft>,
        ) -> StoreResult<usize> {
            let audit = audit.cloned();
            self.call(move |c| {
                with_audit(c, audit.as_ref(), |tx| org::upsert_households(tx, &rows))
            })
            .await
        }

        async fn household(&self, id: &str) -> StoreResult<Option<(HouseholdRow, String)>> {
            let id = id.to_owned();
            self.read(move |c| org::household(c, &id)).await
        }

        async fn move_household(
            &self,
            id: &str,
            village_id: &str,
            worker_id: Option<&str>,
            audit: &AuditDraft,
        ) -> StoreResult<()> {
            let (id, village, worker) = (
                id.to_owned(),
                village_id.to_owned(),
                worker_id.map(str::to_owned),
            );
            let audit = audit.clone();
            self.call(move |c| {
                with_audit(c, Some(&audit), |tx| {
                    org::move_household(tx, &id, &village, worker.as_deref())
                })
            })
            .await
        }

        async fn household_villages(
            &self,
            ids: &[String],
        ) -> StoreResult<std::collections::HashMap<String, String>> {
            let ids = ids.to_vec();
            self.read(move |c| org::household_villages(c, &ids)).await
        }

        async fn household_worker(&self, id: &str) -> StoreResult<Option<Option<String>>> {
            let id = id.to_owned();
            self.point_read(move |c| org::household_worker(c, &id))
                .await
        }

        async fn households(&self, scope: &Scope) -> StoreResult<Vec<HouseholdRow>> {
            let scope = scope.clone();
            self.read(move |c| org::households(c, &scope)).await
        }

        async fn add_audience_key(
            &self,
            key: &AudienceKeyRow,
            audit: Option<&AuditDraft>,
        ) -> StoreResult<()> {
            let (k, audit) = (key.clone(), audit.cloned());
            self.call(move |c| with_audit(c, audit.as_ref(), |tx| assignments::add_key(tx, &k)))
                .await
        }

        async fn audience_keys(&self) -> StoreResult<Vec<AudienceKeyRow>> {
            self.read(assignments::keys).await
        }

        async fn audience_key_generations(
            &self,
            audience: &str,
            unit_id: &str,
        ) -> StoreResult<Vec<AudienceKeyRow>> {
            let (a, u) = (audience.to_owned(), unit_id.to_owned());
            self.read(move |c| assignments::generations(c, &a, &u))
                .await
        }

        async fn rotate_audience_key(
            &self,
            rotation: &KeyRotation,
            audit: &AuditDraft,
        ) -> StoreResult<()> {
            let (r, audit) = (rotation.clone(), audit.clone());
            self.call(move |c| with_audit(c, Some(&audit), |tx| assignments::rotate(tx, &r)))
                .await
        }

        async fn caseload_delta(
            &self,
            worker_id: &str,
            since: Option<u64>,
        ) -> StoreResult<CaseloadDelta> {
            let w = worker_id.to_owned();
            self.read(move |c| assignments::caseload_delta(c, &w, since))
                .await
        }
    }
}
