//! Org tree and households.

use deadpool_postgres::GenericClient;
use tokio_postgres::Row;

use super::{backend, bad_column, col, execute, get_u64, query, query_opt, to_i64};
use crate::store::{HouseholdRow, OrgLevel, OrgUnit, Scope, StoreError, StoreResult};

fn unit_from_row(r: &Row) -> StoreResult<OrgUnit> {
    let level: String = col(r, 2)?;
    Ok(OrgUnit {
        id: col(r, 0)?,
        parent_id: col(r, 1)?,
        level: OrgLevel::parse(&level).ok_or_else(|| bad_column("level"))?,
        name: col(r, 3)?,
        path: col(r, 4)?,
    })
}

pub(super) async fn add_unit(
    tx: &deadpool_postgres::Transaction<'_>,
    id: &str,
    parent_id: Option<&str>,
    level: OrgLevel,
    name: &str,
) -> StoreResult<OrgUnit> {
    let path = match parent_id {
        None if level == OrgLevel::Province => format!("/{id}/"),
        None => return Err(StoreError::NotFound("parent org unit")),
        Some(p) => {
            let parent = unit(tx, p)
                .await?
                .ok_or(StoreError::NotFound("parent org unit"))?;
            if parent.level.child() != Some(level) {
                return Err(StoreError::Conflict(
                    "org unit at this level under that parent",
                ));
            }
            format!("{}{id}/", parent.path)
        }
    };
    let n = execute(
        tx,
        "INSERT INTO org_units (id, parent_id, level, name, path) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT DO NOTHING",
        &[&id, &parent_id, &level.as_str(), &name, &path],
    )
    .await?;
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

pub(super) async fn unit<C: GenericClient>(c: &C, id: &str) -> StoreResult<Option<OrgUnit>> {
    query_opt(
        c,
        "SELECT id, parent_id, level, name, path FROM org_units WHERE id = $1",
        &[&id],
    )
    .await?
    .as_ref()
    .map(unit_from_row)
    .transpose()
}

pub(super) async fn units<C: GenericClient>(c: &C, scope: &Scope) -> StoreResult<Vec<OrgUnit>> {
    query(
        c,
        "SELECT id, parent_id, level, name, path FROM org_units o
         WHERE left(o.path, length($1)) = $1 ORDER BY path COLLATE \"C\"",
        &[&scope.path],
    )
    .await?
    .iter()
    .map(unit_from_row)
    .collect()
}

/// Takes the next number of the change sequence (inside the caller's transaction). The counter
/// row stays locked until the transaction ends, so numbers become visible in the order taken and a
/// since-token never skips a change that commits later.
pub(super) async fn next_seq<C: GenericClient>(tx: &C) -> StoreResult<u64> {
    let row = query_opt(
        tx,
        "UPDATE change_counter SET seq = seq + 1 WHERE id = 1 RETURNING seq",
        &[],
    )
    .await?
    .ok_or(StoreError::Backend("change_counter has no row".into()))?;
    get_u64(&row, 0)
}

/// Stores households; a row that really changed takes a new change number, and a household that
/// leaves a worker's caseload is recorded as removed for that worker. A row that would move a
/// household to another village is refused: moving is [`move_household`]'s, checked on both ends.
pub(super) async fn upsert_households(
    tx: &deadpool_postgres::Transaction<'_>,
    rows: &[HouseholdRow],
) -> StoreResult<usize> {
    lock_changes(tx).await?;
    write_households(tx, rows, false).await?;
    Ok(rows.len())
}

/// Imports are rare and whole; holding the counter row from the start serializes them, so the
/// read of an old row cannot race another import of the same household.
async fn lock_changes(tx: &deadpool_postgres::Transaction<'_>) -> StoreResult<()> {
    query_opt(
        tx,
        "SELECT seq FROM change_counter WHERE id = 1 FOR UPDATE",
        &[],
    )
    .await?;
    Ok(())
}

/// Moves a household to another village (and worker), in one transaction with its record.
pub(super) async fn move_household(
    tx: &deadpool_postgres::Transaction<'_>,
    id: &str,
    village_id: &str,
    worker_id: Option<&str>,
) -> StoreResult<()> {
    lock_changes(tx).await?;
    let (mut row, _) = household(tx, id)
        .await?
        .ok_or(StoreError::NotFound("household"))?;
    row.household.village_id = village_id.to_owned();
    row.worker_id = worker_id.map(str::to_owned);
    write_households(tx, std::slice::from_ref(&row), true).await?;
    Ok(())
}

/// The village of each of `ids` that exists.
pub(super) async fn household_villages<C: GenericClient>(
    c: &C,
    ids: &[String],
) -> StoreResult<std::collections::HashMap<String, String>> {
    query(
        c,
        "SELECT id, village_id FROM households WHERE id = ANY($1)",
        &[&ids],
    )
    .await?
    .iter()
    .map(|r| Ok((col(r, 0)?, col(r, 1)?)))
    .collect()
}

async fn write_households(
    tx: &deadpool_postgres::Transaction<'_>,
    rows: &[HouseholdRow],
    may_move: bool,
) -> StoreResult<()> {
    for row in rows {
        let json = serde_json::to_string(&row.household)
            .map_err(|e| StoreError::Backend(format!("household json: {e}")))?;
        let old: Option<(Option<String>, String, String)> = match query_opt(
            tx,
            "SELECT worker_id, record_json, village_id FROM households WHERE id = $1",
            &[&row.household.id],
        )
        .await?
        {
            Some(r) => Some((col(&r, 0)?, col(&r, 1)?, col(&r, 2)?)),
            None => None,
        };
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
        let seq = to_i64(next_seq(tx).await?, "change sequence")?;
        if let Some((Some(old_worker), _)) = &old
            && row.worker_id.as_ref() != Some(old_worker)
        {
            execute(
                tx,
                "INSERT INTO household_removals (seq, household_id, worker_id) VALUES ($1, $2, $3)",
                &[&seq, &row.household.id, old_worker],
            )
            .await?;
        }
        let n = super::execute_raw(
            tx,
            "INSERT INTO households (id, village_id, worker_id, record_json, seq, head_name,
                 id_number, lat, lon)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             ON CONFLICT (id) DO UPDATE SET village_id = excluded.village_id,
                 worker_id = excluded.worker_id, record_json = excluded.record_json,
                 seq = excluded.seq, head_name = excluded.head_name,
                 id_number = excluded.id_number, lat = excluded.lat, lon = excluded.lon",
            &[
                &row.household.id,
                &row.household.village_id,
                &row.worker_id,
                &json,
                &seq,
                &row.household.head_name,
                &row.household.id_number,
                &row.household.location.map(|p| p.lat),
                &row.household.location.map(|p| p.lon),
            ],
        )
        .await;
        match n {
            Ok(_) => {}
            Err(e)
                if super::is_state(&e, &tokio_postgres::error::SqlState::FOREIGN_KEY_VIOLATION) =>
            {
                return Err(StoreError::NotFound("village or worker of a household"));
            }
            Err(e) => return Err(backend(e)),
        }
        super::dues::rewrite(tx, crate::store::dues::Target::Household(&row.household.id)).await?;
    }
    Ok(())
}

fn household_from_row(r: &Row) -> StoreResult<(HouseholdRow, String)> {
    let json: String = col(r, 1)?;
    let household = serde_json::from_str(&json).map_err(|_| bad_column("record_json"))?;
    Ok((
        HouseholdRow {
            household,
            worker_id: col(r, 0)?,
        },
        col(r, 2)?,
    ))
}

pub(super) async fn household_worker<C: GenericClient>(
    c: &C,
    id: &str,
) -> StoreResult<Option<Option<String>>> {
    query_opt(c, "SELECT worker_id FROM households WHERE id = $1", &[&id])
        .await?
        .as_ref()
        .map(|r| col(r, 0))
        .transpose()
}

pub(super) async fn household<C: GenericClient>(
    c: &C,
    id: &str,
) -> StoreResult<Option<(HouseholdRow, String)>> {
    query_opt(
        c,
        "SELECT h.worker_id, h.record_json, o.path FROM households h
         JOIN org_units o ON o.id = h.village_id WHERE h.id = $1",
        &[&id],
    )
    .await?
    .as_ref()
    .map(household_from_row)
    .transpose()
}

pub(super) async fn households<C: GenericClient>(
    c: &C,
    scope: &Scope,
) -> StoreResult<Vec<HouseholdRow>> {
    query(
        c,
        "SELECT h.worker_id, h.record_json, o.path FROM households h
         JOIN org_units o ON o.id = h.village_id
         WHERE left(o.path, length($1)) = $1 AND ($2::text IS NULL OR h.worker_id = $2)
         ORDER BY h.id COLLATE \"C\"",
        &[&scope.path, &scope.worker_id],
    )
    .await?
    .iter()
    .map(|r| household_from_row(r).map(|(h, _)| h))
    .collect()
}

/// [`OrgStore`](crate::store::OrgStore) over the SQL above.
mod as_store {
    use super::super::*;

    #[async_trait]
    impl OrgStore for PgStore {
        async fn add_org_unit(
            &self,
            id: &str,
            parent_id: Option<&str>,
            level: OrgLevel,
            name: &str,
            audit: Option<&AuditDraft>,
        ) -> StoreResult<OrgUnit> {
            let mut c = self.client().await?;
            let tx = c.transaction().await.map_err(backend)?;
            let unit = org::add_unit(&tx, id, parent_id, level, name).await?;
            commit_audited(tx, audit).await?;
            Ok(unit)
        }

        async fn org_unit(&self, id: &str) -> StoreResult<Option<OrgUnit>> {
            org::unit(&self.client().await?, id).await
        }

        async fn org_units(&self, scope: &Scope) -> StoreResult<Vec<OrgUnit>> {
            org::units(&self.client().await?, scope).await
        }

        async fn upsert_households(
            &self,
            rows: Vec<HouseholdRow>,
            audit: Option<&AuditDraft>,
        ) -> StoreResult<usize> {
            let mut c = self.client().await?;
            let tx = c.transaction().await.map_err(backend)?;
            let n = org::upsert_households(&tx, &rows).await?;
            commit_audited(tx, audit).await?;
            Ok(n)
        }

        async fn move_household(
            &self,
            id: &str,
            village_id: &str,
            worker_id: Option<&str>,
            audit: &AuditDraft,
        ) -> StoreResult<()> {
            let mut c = self.client().await?;
            let tx = c.transaction().await.map_err(backend)?;
            org::move_household(&tx, id, village_id, worker_id).await?;
            commit_audited(tx, Some(audit)).await
        }

        async fn household_villages(
            &self,
            ids: &[String],
        ) -> StoreResult<std::collections::HashMap<String, String>> {
            org::household_villages(&self.client().await?, ids).await
        }

        async fn household(&self, id: &str) -> StoreResult<Option<(HouseholdRow, String)>> {
            org::household(&self.client().await?, id).await
        }

        async fn household_worker(&self, id: &str) -> StoreResult<Option<Option<String>>> {
            org::household_worker(&self.client().await?, id).await
        }

        async fn households(&self, scope: &Scope) -> StoreResult<Vec<HouseholdRow>> {
            org::households(&self.client().await?, scope).await
        }

        async fn add_audience_key(
            &self,
            key: &AudienceKeyRow,
            audit: Option<&AuditDraft>,
        ) -> StoreResult<()> {
            let mut c = self.client().await?;
            let tx = c.transaction().await.map_err(backend)?;
            assignments::add_key(&tx, key).await?;
            commit_audited(tx, audit).await
        }

        async fn audience_keys(&self) -> StoreResult<Vec<AudienceKeyRow>> {
            assignments::keys(&self.client().await?).await
        }

        async fn audience_key_generations(
            &self,
            audience: &str,
            unit_id: &str,
        ) -> StoreResult<Vec<AudienceKeyRow>> {
            assignments::generations(&self.client().await?, audience, unit_id).await
        }

        async fn rotate_audience_key(
            &self,
            rotation: &KeyRotation,
            audit: &AuditDraft,
        ) -> StoreResult<()> {
            let mut c = self.client().await?;
            let tx = c.transaction().await.map_err(backend)?;
            assignments::rotate(&tx, rotation).await?;
            commit_audited(tx, Some(audit)).await
        }

        async fn caseload_delta(
            &self,
            worker_id: &str,
            since: Option<u64>,
        ) -> StoreResult<CaseloadDelta> {
            assignments::caseload_delta(&mut self.client().await?, worker_id, since).await
        }
    }
}
