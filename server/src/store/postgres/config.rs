//! County parameters and issued templates in PostgreSQL.

use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;

use super::{bad_column, col, execute, micros, query};
use crate::store::{CountyParameterRow, IssuedTemplate, StoreError, StoreResult};

/// Writes (`Some`) or deletes (`None`) the one JSON row a county has in `table` (a county's
/// schedule, its parameters).
pub(super) async fn write_county_json<C: GenericClient>(
    c: &C,
    table: &'static str,
    column: &'static str,
    unit_id: &str,
    json: Option<String>,
) -> StoreResult<()> {
    match json {
        None => {
            execute(
                c,
                &format!("DELETE FROM {table} WHERE unit_id = $1"),
                &[&unit_id],
            )
            .await?;
        }
        Some(json) => {
            let n = execute(
                c,
                &format!(
                    "INSERT INTO {table} (unit_id, {column}, updated_at)
                     SELECT id, $2, $3 FROM org_units WHERE id = $1
                     ON CONFLICT (unit_id) DO UPDATE SET {column} = excluded.{column},
                         updated_at = excluded.updated_at"
                ),
                &[&unit_id, &json, &micros(Utc::now())],
            )
            .await?;
            if n == 0 {
                return Err(StoreError::NotFound("org unit"));
            }
        }
    }
    Ok(())
}

async fn county_parameters<C: GenericClient>(c: &C) -> StoreResult<Vec<CountyParameterRow>> {
    query(
        c,
        "SELECT p.unit_id, o.path, p.parameters_json FROM county_parameters p
         JOIN org_units o ON o.id = p.unit_id ORDER BY o.path COLLATE \"C\"",
        &[],
    )
    .await?
    .iter()
    .map(|r| {
        let json: String = col(r, 2)?;
        Ok(CountyParameterRow {
            unit_id: col(r, 0)?,
            path: col(r, 1)?,
            parameters: serde_json::from_str(&json).map_err(|_| bad_column("parameters_json"))?,
        })
    })
    .collect()
}

async fn issue(
    tx: &deadpool_postgres::Transaction<'_>,
    templates: &[IssuedTemplate],
) -> StoreResult<Vec<bool>> {
    let mut added = Vec::with_capacity(templates.len());
    for t in templates {
        let json = serde_json::to_string(&t.template)
            .map_err(|e| StoreError::Backend(format!("template json: {e}")))?;
        let n = execute(
            tx,
            "INSERT INTO templates (id, version, scope_path, template_json, published_by,
                 published_at) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (id, version, scope_path) DO NOTHING",
            &[
                &t.template.id,
                &i32::try_from(t.template.version).map_err(|_| bad_column("version"))?,
                &t.scope_path,
                &json,
                &t.published_by,
                &micros(t.published_at),
            ],
        )
        .await?;
        added.push(n == 1);
    }
    Ok(added)
}

async fn issued<C: GenericClient>(c: &C) -> StoreResult<Vec<IssuedTemplate>> {
    query(
        c,
        "SELECT scope_path, template_json, published_by, published_at FROM templates
         ORDER BY id COLLATE \"C\", version, scope_path COLLATE \"C\"",
        &[],
    )
    .await?
    .iter()
    .map(|r| {
        let json: String = col(r, 1)?;
        Ok(IssuedTemplate {
            scope_path: col(r, 0)?,
            template: serde_json::from_str(&json).map_err(|_| bad_column("template_json"))?,
            published_by: col(r, 2)?,
            published_at: col::<DateTime<Utc>>(r, 3)?,
        })
    })
    .collect()
}

/// [`ConfigStore`](crate::store::ConfigStore) over the SQL above.
mod as_store {
    use super::super::*;
    use crate::store::{ConfigStore, CountyParameterSet};

    #[async_trait]
    impl ConfigStore for PgStore {
        async fn set_county_parameters(
            &self,
            unit_id: &str,
            parameters: Option<&CountyParameterSet>,
            audit: &AuditDraft,
        ) -> StoreResult<()> {
            let json = parameters
                .map(serde_json::to_string)
                .transpose()
                .map_err(|e| StoreError::Backend(format!("parameters json: {e}")))?;
            let mut c = self.client().await?;
            let tx = c.transaction().await.map_err(backend)?;
            config::write_county_json(&tx, "county_parameters", "parameters_json", unit_id, json)
                .await?;
            commit_audited(tx, Some(audit)).await
        }

        async fn county_parameters(&self) -> StoreResult<Vec<CountyParameterRow>> {
            config::county_parameters(&self.client().await?).await
        }

        async fn issue_templates(
            &self,
            templates: &[IssuedTemplate],
            audit: Option<&AuditDraft>,
        ) -> StoreResult<Vec<bool>> {
            let mut c = self.client().await?;
            let tx = c.transaction().await.map_err(backend)?;
            let added = config::issue(&tx, templates).await?;
            commit_audited(tx, audit).await?;
            Ok(added)
        }

        async fn issued_templates(&self) -> StoreResult<Vec<IssuedTemplate>> {
            config::issued(&self.client().await?).await
        }
    }
}
