//! Importing households: parse, check every village and worker against the actor's branch, store
//! all rows in one transaction, audit the import.

use std::collections::HashMap;

use serde_json::json;

use super::Actor;
use super::csv_import::{ParsedRow, RowError};
use crate::audit;
use crate::error::AppError;
use crate::state::AppState;
use crate::store::{HouseholdRow, OrgLevel, Role};

/// Turns row errors into one 400 naming at most 20 of them.
pub fn csv_error(errors: &[RowError]) -> AppError {
    let mut msg: Vec<String> = errors.iter().take(20).map(ToString::to_string).collect();
    if errors.len() > 20 {
        msg.push(format!("and {} more", errors.len() - 20));
    }
    AppError::bad_request("invalid_csv", msg.join("; "))
}

/// Checks references and stores the rows; all or nothing.
pub async fn import(
    state: &AppState,
    actor: &Actor,
    rows: Vec<ParsedRow>,
) -> Result<usize, AppError> {
    let mut errors = Vec::new();
    let mut villages: HashMap<String, Option<String>> = HashMap::new();
    let mut workers: HashMap<String, Option<String>> = HashMap::new();
    for row in &rows {
        let vid = &row.household.village_id;
        if !villages.contains_key(vid) {
            let unit = state.store.org_unit(vid).await?;
            let path = unit
                .filter(|u| u.level == OrgLevel::Village && actor.covers(&u.path))
                .map(|u| u.path);
            villages.insert(vid.clone(), path);
        }
        let Some(Some(vpath)) = villages.get(vid) else {
            errors.push(RowError {
                line: row.line,
                column: "village_id",
                problem: "no such village in your branch".into(),
            });
            continue;
        };
        if let Some(wid) = &row.worker_id {
            if !workers.contains_key(wid) {
                let w = state
                    .store
                    .staff(wid)
                    .await?
                    .filter(|s| s.role == Role::Worker);
                let path = match w {
                    Some(w) => state
                        .store
                        .org_unit(&w.scope_unit_id)
                        .await?
                        .map(|u| u.path),
                    None => None,
                };
                workers.insert(wid.clone(), path);
            }
            let ok =
                matches!(workers.get(wid), Some(Some(wpath)) if vpath.starts_with(wpath.as_str()));
            if !ok {
                errors.push(RowError {
                    line: row.line,
                    column: "worker_id",
                    problem: "no such worker covering this village".into(),
                });
            }
        }
    }
    if !errors.is_empty() {
        return Err(csv_error(&errors));
    }
    let n = state
        .store
        .upsert_households(
            rows.into_iter()
                .map(|r| HouseholdRow {
                    household: r.household,
                    worker_id: r.worker_id,
                })
                .collect(),
        )
        .await?;
    audit::record(
        state.store.as_ref(),
        &actor.id,
        "household.import",
        "-",
        json!({ "rows": n }),
    )
    .await?;
    Ok(n)
}

/// Parses CSV text (the import format, header included) and imports it; row errors answer 400
/// `invalid_csv` naming line and column.
pub async fn import_csv(
    state: &AppState,
    actor: &Actor,
    csv_text: &str,
) -> Result<usize, AppError> {
    let rows = super::csv_import::parse(csv_text.as_bytes(), &mut || {})
        .map_err(|errors| csv_error(&errors))?;
    import(state, actor, rows).await
}
