//! County parameters and issued templates in SQLite.

use chrono::Utc;
use rusqlite::{Connection, params};

use super::{backend, parse_ts, ts};
use crate::store::{CountyParameterRow, IssuedTemplate, StoreError, StoreResult};

/// Writes (`Some`) or deletes (`None`) the one JSON row a county has in `table` (a county's
/// schedule, its parameters).
pub(super) fn write_county_json(
    c: &Connection,
    table: &'static str,
    column: &'static str,
    unit_id: &str,
    json: Option<String>,
) -> StoreResult<()> {
    match json {
        None => {
            c.execute(
                &format!("DELETE FROM {table} WHERE unit_id = ?1"),
                [unit_id],
            )
            .map_err(backend)?;
        }
        Some(json) => {
            let n = c
                .execute(
                    &format!(
                        "INSERT INTO {table} (unit_id, {column}, updated_at)
                         SELECT id, ?2, ?3 FROM org_units WHERE id = ?1
                         ON CONFLICT (unit_id) DO UPDATE SET {column} = excluded.{column},
                             updated_at = excluded.updated_at"
                    ),
                    params![unit_id, json, ts(Utc::now())],
                )
                .map_err(backend)?;
            if n == 0 {
                return Err(StoreError::NotFound("org unit"));
            }
        }
    }
    Ok(())
}

/// Encodes a stored document; a failure is the server's, not the caller's.
pub(super) fn to_json<T: serde::Serialize>(what: &str, value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Backend(format!("{what} json: {e}")))
}

fn county_parameters(c: &Connection) -> StoreResult<Vec<CountyParameterRow>> {
    let mut st = c
        .prepare_cached(
            "SELECT p.unit_id, o.path, p.parameters_json FROM county_parameters p
             JOIN org_units o ON o.id = p.unit_id ORDER BY o.path",
        )
        .map_err(backend)?;
    st.query_map([], |r| {
        Ok(CountyParameterRow {
            unit_id: r.get(0)?,
            path: r.get(1)?,
            parameters: serde_json::from_str(r.get_ref(2)?.as_str()?)
                .map_err(|_| super::bad_column("parameters_json"))?,
        })
    })
    .map_err(backend)?
    .collect::<rusqlite::Result<Vec<_>>>()
    .map_err(backend)
}

fn issue(tx: &Connection, templates: &[IssuedTemplate]) -> StoreResult<Vec<bool>> {
    let mut added = Vec::with_capacity(templates.len());
    for t in templates {
        let n = tx
            .execute(
                "INSERT INTO templates (id, version, scope_path, template_json, published_by,
                     published_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (id, version, scope_path) DO NOTHING",
                params![
                    t.template.id,
                    t.template.version,
                    t.scope_path,
                    to_json("template", &t.template)?,
                    t.published_by,
                    ts(t.published_at)
                ],
            )
            .map_err(backend)?;
        added.push(n == 1);
    }
    Ok(added)
}

fn issued(c: &Connection) -> StoreResult<Vec<IssuedTemplate>> {
    let mut st = c
        .prepare_cached(
            "SELECT scope_path, template_json, published_by, published_at FROM templates
             ORDER BY id, version, scope_path",
        )
        .map_err(backend)?;
    st.query_map([], |r| {
        Ok(IssuedTemplate {
            scope_path: r.get(0)?,
            template: serde_json::from_str(r.get_ref(1)?.as_str()?)
                .map_err(|_| super::bad_column("template_json"))?,
            published_by: r.get(2)?,
            published_at: parse_ts(r.get_ref(3)?.as_str()?)?,
        })
    })
    .map_err(backend)?
    .collect::<rusqlite::Result<Vec<_>>>()
    .map_err(backend)
}

mod as_store {
    use super::super::*;
    use crate::store::{ConfigStore, CountyParameterSet};

    #[async_trait]
    impl ConfigStore for SqliteStore {
        async fn set_county_parameters(
            &self,
            unit_id: &str,
            parameters: Option<&CountyParameterSet>,
            audit: &AuditDraft,
        ) -> StoreResult<()> {
            let json = parameters
                .map(|p| config::to_json("parameters", p))
                .transpose()?;
            let (id, audit) = (unit_id.to_owned(), audit.clone());
            self.call(move |c| {
                with_audit(c, Some(&audit), |tx| {
                    config::write_county_json(tx, "county_parameters", "parameters_json", &id, json)
                })
            })
            .await
        }

        async fn county_parameters(&self) -> StoreResult<Vec<CountyParameterRow>> {
            self.read(config::county_parameters).await
        }

        async fn issue_templates(
            &self,
            templates: &[IssuedTemplate],
            audit: Option<&AuditDraft>,
        ) -> StoreResult<Vec<bool>> {
            let (templates, audit) = (templates.to_vec(), audit.cloned());
            self.call(move |c| with_audit(c, audit.as_ref(), |tx| config::issue(tx, &templates)))
                .await
        }

        async fn issued_templates(&self) -> StoreResult<Vec<IssuedTemplate>> {
            self.read(config::issued).await
        }
    }
}
