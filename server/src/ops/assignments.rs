//! What a phone pulls: its worker's caseload changes since an opaque token, templates, its county's
//! schedule, parameters and evidence thresholds, its station's staff, audience public keys and
//! assessments returned for rework.

use fieldvisit_core::caseload::ScheduleConfig;
use fieldvisit_core::protocol::{Assignments, StaffMember, WIRE_VERSION};
use serde_json::json;

use super::error::OpsError;
use crate::audit;
use crate::state::AppState;
use crate::store::{Device, OrgLevel, OrgUnit, Role, Scope};

/// Prefix of since-tokens; the number after it is the server's change sequence.
const TOKEN_PREFIX: &str = "c";

/// Parses a since-token; `None` for a first pull.
pub fn parse_since(token: Option<&str>) -> Result<Option<u64>, OpsError> {
    match token.filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => t
            .strip_prefix(TOKEN_PREFIX)
            .and_then(|n| n.parse::<u64>().ok())
            .map(Some)
            .ok_or_else(|| {
                OpsError::invalid("bad_since", "since is not a token this server issued")
            }),
    }
}

/// The token for change number `seq`.
pub fn token(seq: u64) -> String {
    format!("{TOKEN_PREFIX}{seq}")
}

/// Assignments for an enrolled (unrevoked) device after `since`, leaving out the templates
/// (id and version) the phone says it `held`.
pub async fn for_device(
    state: &AppState,
    device: &Device,
    since: Option<&str>,
    held: &[(String, u32)],
) -> Result<Assignments, OpsError> {
    let after = parse_since(since)?;
    let worker = state
        .store
        .staff(&device.worker_id)
        .await?
        .ok_or_else(|| OpsError::refused("out_of_scope", "the device's worker is gone"))?;
    let unit = state
        .store
        .org_unit(&worker.scope_unit_id)
        .await?
        .ok_or_else(|| OpsError::internal("worker scope unit missing"))?;
    let delta = state.store.caseload_delta(&worker.id, after).await?;
    // Every pull: a phone's caseload is small, and a visit made on another phone of the worker
    // (or a replaced one) changes its due dates as much as a changed household does.
    let last_visits = state.store.last_visits_of(&worker.id).await?;
    let templates = super::templates::all(state)
        .await?
        .current_at(&unit.path)
        .into_iter()
        .map(|t| &t.template)
        .filter(|t| !held.iter().any(|(id, v)| *id == t.id && *v == t.version))
        .cloned()
        .collect();
    let audience_keys = super::audience::public_keys_for(state, &unit.path).await?;
    // The county's schedule, so the phone computes the same due dates as coverage. A worker placed
    // above county level gets the defaults.
    let schedule = ScheduleConfig::clone(
        super::schedules::Schedules::load(state)
            .await?
            .for_path(&unit.path),
    );
    let parameters = super::parameters::Parameters::load(state).await?;
    let staff = station_staff(state, &unit).await?;
    if !delta.households.is_empty() || !delta.removed.is_empty() || !delta.returned.is_empty() {
        audit::record(
            state,
            &device.id,
            "assignments.send",
            &worker.id,
            json!({
                "households": delta.households.len(),
                "removed": delta.removed.len(),
                "returned": delta.returned.len(),
                "seq": delta.seq,
            }),
        )
        .await?;
    }
    Ok(Assignments {
        version: WIRE_VERSION,
        worker_id: worker.id,
        since: token(delta.seq),
        households: delta.households,
        removed_households: delta.removed,
        templates,
        schedule,
        evidence_thresholds: parameters.thresholds_for(&unit.path).clone(),
        audience_keys,
        returned: delta.returned,
        last_visits,
        staff,
        parameters: parameters.wire_for(&unit.path),
    })
}

/// The staff of the station (township) a worker's unit belongs to who may investigate: workers
/// and supervisors, enabled, by name.
async fn station_staff(state: &AppState, unit: &OrgUnit) -> Result<Vec<StaffMember>, OpsError> {
    let station_path = match (unit.level, &unit.parent_id) {
        (OrgLevel::Village, Some(parent)) => state
            .store
            .org_unit(parent)
            .await?
            .map_or_else(|| unit.path.clone(), |p| p.path),
        _ => unit.path.clone(),
    };
    let mut staff: Vec<StaffMember> = state
        .store
        .staff_in(&Scope {
            path: station_path,
            worker_id: None,
        })
        .await?
        .into_iter()
        .filter(|s| !s.disabled && matches!(s.role, Role::Worker | Role::Supervisor))
        .map(|s| StaffMember {
            id: s.id,
            name: s.display_name,
        })
        .collect();
    staff.sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
    Ok(staff)
}
