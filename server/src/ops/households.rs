//! Importing households: parse, check every village and worker against the actor's branch, store
//! all rows in one transaction, audit the import.

use std::collections::HashMap;

use serde_json::json;

use super::Actor;
use super::csv_import::{ParsedRow, RowError};
use super::error::OpsError;
use crate::audit;
use crate::state::AppState;
use crate::store::{HouseholdRow, OrgLevel, Role, StoreError};

/// Checks references and stores the rows; all or nothing.
pub async fn import(
    state: &AppState,
    actor: &Actor,
    rows: Vec<ParsedRow>,
) -> Result<usize, OpsError> {
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
    // A row naming a household that already exists elsewhere would move it, and its history,
    // into this branch: an import never moves one (see `move_household`).
    let ids: Vec<String> = rows.iter().map(|r| r.household.id.clone()).collect();
    let stored = state.store.household_villages(&ids).await?;
    for row in &rows {
        if stored
            .get(&row.household.id)
            .is_some_and(|v| *v != row.household.village_id)
        {
            errors.push(RowError {
                line: row.line,
                column: "household_id",
                problem: "this household is registered in another village; an import does not \
                          move households (an admin whose branch covers both villages moves it)"
                    .into(),
            });
        }
    }
    if !errors.is_empty() {
        errors.sort_by_key(|e| e.line);
        return Err(OpsError::InvalidRows(errors));
    }
    let entry = audit::draft(
        &state.audit_key,
        &actor.id,
        "household.import",
        "-",
        json!({ "rows": rows.len() }),
    );
    let n = state
        .store
        .upsert_households(
            rows.into_iter()
                .map(|r| HouseholdRow {
                    household: r.household,
                    worker_id: r.worker_id,
                })
                .collect(),
            Some(&entry),
        )
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => OpsError::conflict(
                "household_moved",
                "a household of this file moved meanwhile; check the file and import it again",
            ),
            e => e.into(),
        })?;
    Ok(n)
}

/// Parses CSV text (the import format, header included) and imports it; row errors name line and
/// column.
pub async fn import_csv(
    state: &AppState,
    actor: &Actor,
    csv_text: &str,
) -> Result<usize, OpsError> {
    let rows =
        super::csv_import::parse(csv_text.as_bytes(), &mut || {}).map_err(OpsError::InvalidRows)?;
    import(state, actor, rows).await
}

/// Where a household goes in a move.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Move {
    /// The village it moves to.
    #[schema(pattern = "^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$")]
    pub village_id: String,
    /// The worker whose caseload it joins; when absent it keeps its worker if that worker's
    /// branch covers the new village, and is on nobody's caseload otherwise.
    #[serde(default)]
    #[schema(pattern = "^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$")]
    pub worker_id: Option<String>,
}

/// What a move did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Moved {
    /// Household id.
    pub household_id: String,
    /// The village it left.
    pub from_village_id: String,
    /// The village it is in now.
    pub village_id: String,
    /// The worker whose caseload it is on now.
    pub worker_id: Option<String>,
}

/// Moves a household, with its visit history, to another village: an admin whose branch covers
/// both villages; audited with both ends.
pub async fn move_household(
    state: &AppState,
    actor: &Actor,
    household_id: &str,
    to: &Move,
) -> Result<Moved, OpsError> {
    if actor.role != Role::Admin {
        return Err(OpsError::ForbiddenRole("your role may not do this"));
    }
    if !crate::ids::is_safe_id(household_id) {
        return Err(OpsError::InvalidId("household_id"));
    }
    let (row, _) = state
        .store
        .household(household_id)
        .await?
        .filter(|(_, path)| actor.covers(path))
        .ok_or(OpsError::NotFound("household"))?;
    let village = super::org::unit_in_scope(state, actor, &to.village_id, "village_id").await?;
    if village.level != OrgLevel::Village {
        return Err(OpsError::invalid(
            "not_a_village",
            "households belong to a village",
        ));
    }
    let covers_village = |w: &crate::store::Staff, path: Option<String>| {
        w.role == Role::Worker && path.is_some_and(|p| village.path.starts_with(&p))
    };
    let worker = match (&to.worker_id, &row.worker_id) {
        (Some(w), _) => {
            let staff = match crate::ids::is_safe_id(w) {
                true => state.store.staff(w).await?,
                false => return Err(OpsError::InvalidId("worker_id")),
            };
            let ok = match &staff {
                Some(s) => {
                    let path = state
                        .store
                        .org_unit(&s.scope_unit_id)
                        .await?
                        .map(|u| u.path);
                    covers_village(s, path)
                }
                None => false,
            };
            if !ok {
                return Err(OpsError::invalid(
                    "invalid_worker",
                    "no such worker covering the new village",
                ));
            }
            Some(w.clone())
        }
        (None, Some(current)) => {
            let keep = match state.store.staff(current).await? {
                Some(s) => {
                    let path = state
                        .store
                        .org_unit(&s.scope_unit_id)
                        .await?
                        .map(|u| u.path);
                    covers_village(&s, path)
                }
                None => false,
            };
            keep.then(|| current.clone())
        }
        (None, None) => None,
    };
    let from_village_id = row.household.village_id.clone();
    if from_village_id == village.id && worker == row.worker_id {
        return Ok(Moved {
            household_id: household_id.to_owned(),
            from_village_id,
            village_id: village.id,
            worker_id: worker,
        });
    }
    let entry = audit::draft(
        &state.audit_key,
        &actor.id,
        "household.move",
        household_id,
        json!({ "from_village_id": from_village_id, "village_id": village.id,
                "worker_id": worker }),
    );
    state
        .store
        .move_household(household_id, &village.id, worker.as_deref(), &entry)
        .await?;
    Ok(Moved {
        household_id: household_id.to_owned(),
        from_village_id,
        village_id: village.id,
        worker_id: worker,
    })
}

/// The village of each household of `ids` that lies in the branch `dir` names (others are left
/// out).
pub async fn villages_of(
    state: &AppState,
    dir: &super::directory::Directory,
    ids: &[String],
) -> Result<std::collections::HashMap<String, String>, OpsError> {
    let villages = state.store.household_villages(ids).await?;
    Ok(villages
        .into_iter()
        .filter(|(_, v)| dir.unit(v).is_some())
        .collect())
}

/// A household as the console shows it: the record, its village path, and its visits' metadata.
#[derive(Debug, Clone)]
pub struct Profile {
    /// The household and its worker.
    pub row: HouseholdRow,
    /// Its village's path.
    pub village_path: String,
    /// Metadata of its visits, newest first (never their sealed content).
    pub visits: Vec<crate::store::VisitMeta>,
}

/// A household of the actor's branch (supervisors, reviewers and admins; 404 outside the branch).
pub async fn profile(state: &AppState, actor: &Actor, id: &str) -> Result<Profile, OpsError> {
    if actor.role == Role::Worker {
        return Err(OpsError::ForbiddenRole("your role may not do this"));
    }
    if !crate::ids::is_safe_id(id) {
        return Err(OpsError::InvalidId("household_id"));
    }
    let Some((row, path)) = state.store.household(id).await? else {
        return Err(OpsError::NotFound("household"));
    };
    if !actor.covers(&path) {
        return Err(OpsError::NotFound("household"));
    }
    // Visits are read by village, which holds a few thousand at most.
    let scope = crate::store::Scope {
        path: path.clone(),
        worker_id: None,
    };
    let mut visits: Vec<_> = state
        .store
        .visits(&scope)
        .await?
        .into_iter()
        .filter(|v| v.household_id == row.household.id)
        .collect();
    visits.sort_by_key(|v| std::cmp::Reverse(v.started_at));
    Ok(Profile {
        row,
        village_path: path,
        visits,
    })
}
