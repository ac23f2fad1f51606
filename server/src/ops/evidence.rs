//! Evidence quality and suspicious visits (`docs/domain.md` §5), from the clear, signed metadata (kept
//! in columns at ingest, `VisitFacts`): the
//! server recomputes distance, duration and photo times itself rather than trusting the phone's flags
//! alone, and adds what only it can see (overlapping visits of one worker, hash-chain breaks).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::Actor;
use super::coverage::{Filter, local_date};
use super::error::OpsError;
use super::parameters::Parameters;
use crate::state::AppState;
use crate::store::{ChainStatus, PeriodVisit, Role};

/// Shares of visits with good evidence.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct EvidenceSummary {
    /// Visits in the period.
    pub visits: u32,
    /// With a GPS fix.
    pub with_fix: u32,
    /// Fix within the distance threshold of the registered location.
    pub within_distance: u32,
    /// `within_distance` / `visits`, in percent.
    pub within_distance_pct: f64,
    /// Fix accuracy within the threshold.
    pub accurate_fix: u32,
    /// At least the minimum duration.
    pub long_enough: u32,
    /// With photos.
    pub with_photos: u32,
    /// Median duration in minutes.
    pub median_minutes: i64,
    /// Flagged as suspicious.
    pub suspicious: u32,
}

/// A visit with reasons to doubt it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SuspiciousVisit {
    /// Visit id.
    pub visit_id: String,
    /// Household id.
    pub household_id: String,
    /// Worker id.
    pub worker_id: String,
    /// Start.
    pub started_at: DateTime<Utc>,
    /// Minutes.
    pub minutes: i64,
    /// Distance from the registered location, metres (server-computed when possible).
    pub distance_m: Option<f64>,
    /// `far`, `mock_location`, `short`, `photo_outside_window`, `overlapping`, `no_fix`,
    /// `low_accuracy`, `stale_fix`, `chain_fork`, `chain_gap`.
    pub reasons: Vec<&'static str>,
}

/// The evidence report.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Evidence {
    /// Summary.
    pub summary: EvidenceSummary,
    /// Suspicious visits, oldest first.
    pub suspicious: Vec<SuspiciousVisit>,
}

fn in_period(t: DateTime<Utc>, f: &Filter) -> bool {
    let d: NaiveDate = local_date(t);
    (f.from..=f.to).contains(&d)
}

/// Loads the visits of the filter's period that `actor` may read (supervisors; 404 outside the
/// branch).
pub async fn load(
    state: &AppState,
    actor: &Actor,
    filter: &Filter,
) -> Result<Vec<PeriodVisit>, OpsError> {
    let (_, scope) = super::coverage::branch(state, actor, filter).await?;
    Ok(state
        .store
        .period_visits(&scope, filter.from, filter.to)
        .await?)
}

/// Loads the period's visits and every county's thresholds, and computes the report.
pub async fn report(
    state: &AppState,
    actor: &Actor,
    filter: &Filter,
) -> Result<Evidence, OpsError> {
    let (visits, parameters) =
        tokio::try_join!(load(state, actor, filter), Parameters::load(state))?;
    Ok(compute(&visits, filter, &parameters))
}

/// Computes evidence for the visits in the filter's period (and category), each by its
/// county's thresholds.
pub fn compute(visits: &[PeriodVisit], filter: &Filter, parameters: &Parameters) -> Evidence {
    let visits: Vec<&PeriodVisit> = visits
        .iter()
        .filter(|p| in_period(p.started_at, filter))
        .filter(|p| filter.category.is_none_or(|c| c.code() == p.category))
        .collect();
    // Overlapping visits of one worker: sort by start, compare with the latest end so far.
    let mut overlapping = std::collections::HashSet::new();
    let mut by_worker: HashMap<&str, Vec<_>> = HashMap::new();
    for v in &visits {
        by_worker.entry(v.worker_id.as_str()).or_default().push(v);
    }
    for list in by_worker.values_mut() {
        list.sort_by_key(|v| v.started_at);
        let mut latest: Option<(DateTime<Utc>, &str)> = None;
        for v in list.iter() {
            if let Some((end, id)) = latest
                && v.started_at < end
            {
                overlapping.insert(id);
                overlapping.insert(v.visit_id.as_str());
            }
            if latest.is_none_or(|(end, _)| v.ended_at > end) {
                latest = Some((v.ended_at, v.visit_id.as_str()));
            }
        }
    }
    let mut s = EvidenceSummary::default();
    let mut minutes = Vec::new();
    let mut suspicious = Vec::new();
    for v in visits {
        let (facts, home) = (&v.facts, v.home);
        let th = parameters.thresholds_for(&v.village_path);
        let mut reasons: Vec<&'static str> = Vec::new();
        let secs = (v.ended_at - v.started_at).num_seconds();
        minutes.push(secs / 60);
        s.visits += 1;
        if secs >= th.min_duration_s {
            s.long_enough += 1;
        } else {
            reasons.push("short");
        }
        let mut distance = None;
        match &facts.fix {
            None => reasons.push("no_fix"),
            Some(fix) => {
                s.with_fix += 1;
                distance = home
                    .map(|home| home.distance_m(&fix.point))
                    .or(facts.distance_m);
                if distance.is_some_and(|d| d <= th.max_distance_m) {
                    s.within_distance += 1;
                }
                if distance.is_some_and(|d| d > th.max_distance_m) || facts.flag_far {
                    reasons.push("far");
                }
                if fix.accuracy_m <= th.max_accuracy_m {
                    s.accurate_fix += 1;
                } else {
                    reasons.push("low_accuracy");
                }
                if fix.mock || facts.flag_mock {
                    reasons.push("mock_location");
                }
                if fix.age_s > th.max_fix_age_s {
                    reasons.push("stale_fix");
                }
            }
        }
        if facts.photo_count > 0 {
            s.with_photos += 1;
        }
        if facts.photo_outside_window {
            reasons.push("photo_outside_window");
        }
        if overlapping.contains(v.visit_id.as_str()) {
            reasons.push("overlapping");
        }
        match v.chain_status {
            ChainStatus::Fork => reasons.push("chain_fork"),
            ChainStatus::Gap => reasons.push("chain_gap"),
            ChainStatus::Ok => {}
        }
        // Missing or low-accuracy fixes alone are weak evidence, not suspicion.
        if reasons
            .iter()
            .any(|r| !matches!(*r, "no_fix" | "low_accuracy" | "stale_fix" | "chain_gap"))
        {
            s.suspicious += 1;
            suspicious.push(SuspiciousVisit {
                visit_id: v.visit_id.clone(),
                household_id: v.household_id.clone(),
                worker_id: v.worker_id.clone(),
                started_at: v.started_at,
                minutes: secs / 60,
                distance_m: distance.map(|d| d.round()),
                reasons,
            });
        }
    }
    minutes.sort_unstable();
    s.median_minutes = minutes.get(minutes.len() / 2).copied().unwrap_or(0);
    s.within_distance_pct = if s.visits == 0 {
        100.0
    } else {
        (f64::from(s.within_distance) * 1000.0 / f64::from(s.visits)).round() / 10.0
    };
    suspicious.sort_by_key(|x| x.started_at);
    Evidence {
        summary: s,
        suspicious,
    }
}

/// One visit's metadata for supervisors: what the envelope says about when, where and with what
/// evidence it was made, and the registered home to compare with. Never its sealed content.
#[derive(Debug, Clone)]
pub struct VisitRecord {
    /// Stored metadata.
    pub meta: crate::store::VisitMeta,
    /// Template version.
    pub template_version: u32,
    /// Fix at the start.
    pub gps: Option<fieldvisit_core::geo::GpsFix>,
    /// Distance from the fix to the registered home, metres.
    pub distance_m: Option<f64>,
    /// The phone's evidence flags, as reason codes.
    pub flags: Vec<&'static str>,
    /// Photos: id, when taken, uploaded completely.
    pub photos: Vec<(String, DateTime<Utc>, bool)>,
    /// Registered home location.
    pub home: Option<fieldvisit_core::geo::GeoPoint>,
    /// Investigators present.
    pub investigators: u32,
    /// Sealed at.
    pub sealed_at: DateTime<Utc>,
}

fn flag_code(f: fieldvisit_core::protocol::EvidenceFlag) -> &'static str {
    use fieldvisit_core::protocol::EvidenceFlag::*;
    match f {
        NoFix => "no_fix",
        FarFromHome => "far",
        LowAccuracy => "low_accuracy",
        StaleFix => "stale_fix",
        MockLocation => "mock_location",
        ShortVisit => "short",
        PhotoOutsideWindow => "photo_outside_window",
    }
}

/// The metadata of a visit in the actor's branch (supervisors; 404 outside the branch).
pub async fn visit(
    state: &AppState,
    actor: &Actor,
    visit_id: &str,
) -> Result<VisitRecord, OpsError> {
    if actor.role != Role::Supervisor {
        return Err(OpsError::ForbiddenRole("visit metadata is for supervisors"));
    }
    if !crate::ids::is_safe_id(visit_id) {
        return Err(OpsError::InvalidId("visit_id"));
    }
    let Some((meta, path)) = state.store.visit(visit_id).await? else {
        return Err(OpsError::NotFound("visit"));
    };
    if !actor.covers(&path) {
        return Err(OpsError::NotFound("visit"));
    }
    let (json, stored_photos, household) = tokio::try_join!(
        state.store.envelope(visit_id),
        state.store.photos(visit_id),
        state.store.household(&meta.household_id)
    )?;
    let json = json.ok_or(OpsError::NotFound("visit"))?;
    let body = fieldvisit_core::protocol::SealedEnvelope::from_json(json.as_bytes())
        .and_then(|e| e.peek_body())
        .map_err(|_| OpsError::internal("stored envelope unreadable"))?;
    Ok(VisitRecord {
        template_version: body.template_version,
        distance_m: body.distance_m,
        flags: body.evidence.iter().map(|f| flag_code(*f)).collect(),
        photos: body
            .photos
            .iter()
            .map(|p| {
                let complete = stored_photos
                    .iter()
                    .any(|s| s.photo_id == p.photo_id && s.complete);
                (p.photo_id.clone(), p.captured_at, complete)
            })
            .collect(),
        home: household.and_then(|(h, _)| h.household.location),
        investigators: body.investigator_count,
        sealed_at: body.sealed_at,
        gps: body.gps,
        meta,
    })
}
