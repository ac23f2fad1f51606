//! Events found by time rather than raised by a write: a HIGH-risk review's clock running low or
//! run out, a chain gap that did not close, and each station's daily digest. Each has a key, so
//! scanning again (or from a second server process) never raises one twice.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Utc};

use super::message::DigestCounts;
use crate::ops::{self, Actor, coverage, evidence};
use crate::state::AppState;
use crate::store::{
    AlertChannel, AlertDraft, AlertKind, AlertUnit, OrgLevel, OrgUnit, Role, Scope, local_date,
    local_midnight,
};

/// Raises every event that time has brought; returns how many were new.
pub async fn scan(state: &AppState, now: DateTime<Utc>) -> Result<u32, ops::OpsError> {
    let mut raised = 0;
    raised += review_clocks(state, now).await?;
    raised += chain_gaps(state, now).await?;
    raised += digests(state, now).await?;
    Ok(raised)
}

async fn raise_once(state: &AppState, draft: AlertDraft) -> Result<u32, ops::OpsError> {
    if state.store.alert_raised(&draft.key).await? {
        return Ok(0);
    }
    Ok(u32::from(state.store.raise_alert(&draft).await?))
}

/// HIGH-risk reviews still open: one reminder when less than the lead time is left, one alert
/// when the deadline passes.
async fn review_clocks(state: &AppState, now: DateTime<Utc>) -> Result<u32, ops::OpsError> {
    let lead = state.config.alerts.review_lead;
    let mut raised = 0;
    for r in state.store.reviews(&Scope::root()).await? {
        if !r.state.is_open() || r.level.as_deref() != Some("HIGH") {
            continue;
        }
        let due = ops::review::due_at(&r, &state.config.review);
        let kind = if now >= due {
            AlertKind::ReviewOverdue
        } else if now >= due - lead {
            AlertKind::ReviewDueSoon
        } else {
            continue;
        };
        let draft = AlertDraft::about_visit(
            kind,
            &r.visit_id,
            &r.household_id,
            r.level.clone(),
            Some(due),
            now,
        );
        raised += raise_once(state, draft).await?;
    }
    Ok(raised)
}

/// Visits still after a hole in their device's chain some time after they arrived (most holes
/// close within minutes, when the visits before arrive).
async fn chain_gaps(state: &AppState, now: DateTime<Utc>) -> Result<u32, ops::OpsError> {
    let mut raised = 0;
    for g in state
        .store
        .chain_gaps(now - state.config.alerts.gap_after)
        .await?
    {
        let draft = AlertDraft::about_visit(
            AlertKind::ChainGap,
            &g.visit_id,
            &g.household_id,
            None,
            None,
            now,
        );
        raised += raise_once(state, draft).await?;
    }
    Ok(raised)
}

/// Today's digest for every station of every channel that takes digests, once its local time
/// has come.
async fn digests(state: &AppState, now: DateTime<Utc>) -> Result<u32, ops::OpsError> {
    let today = local_date(now);
    let local_now = (now + chrono::Duration::hours(8)).time();
    let mut raised = 0;
    for ch in state.store.alert_channels(&Scope::root(), false).await? {
        if !ch.events.contains(&AlertKind::Digest) || local_now < ch.digest_at {
            continue;
        }
        for station in stations(state, &ch).await? {
            let key = format!("digest:{today}:{}:{}", ch.id, station.id);
            if state.store.alert_raised(&key).await? {
                continue;
            }
            let counts = digest_counts(state, &station, now).await?;
            raised += u32::from(
                state
                    .store
                    .raise_alert(&AlertDraft {
                        key,
                        kind: AlertKind::Digest,
                        unit: AlertUnit::Unit(station.id.clone()),
                        subject: station.id.clone(),
                        level: None,
                        due_at: None,
                        counts: serde_json::to_string(&counts).unwrap_or_else(|_| "{}".into()),
                        channel_id: Some(ch.id.clone()),
                        raised_at: now,
                    })
                    .await?,
            );
        }
    }
    Ok(raised)
}

/// The stations (townships) a channel's digest covers: those in its branch, or the one above a
/// village channel.
async fn stations(state: &AppState, ch: &AlertChannel) -> Result<Vec<OrgUnit>, ops::OpsError> {
    let Some(unit) = state.store.org_unit(&ch.unit_id).await? else {
        return Ok(Vec::new());
    };
    if unit.level == OrgLevel::Village {
        let parent = match &unit.parent_id {
            Some(p) => state.store.org_unit(p).await?,
            None => None,
        };
        return Ok(parent
            .filter(|p| p.level == OrgLevel::Township)
            .into_iter()
            .collect());
    }
    let branch = Scope {
        path: unit.path,
        worker_id: None,
    };
    Ok(state
        .store
        .org_units(&branch)
        .await?
        .into_iter()
        .filter(|u| u.level == OrgLevel::Township)
        .collect())
}

/// A station's numbers, read as its supervisor would read them.
pub async fn digest_counts(
    state: &AppState,
    station: &OrgUnit,
    now: DateTime<Utc>,
) -> Result<DigestCounts, ops::OpsError> {
    let today = local_date(now);
    let yesterday = today.pred_opt().unwrap_or(today);
    let actor = Actor {
        id: "alerts".into(),
        role: Role::Supervisor,
        scope_path: station.path.clone(),
        session: None,
        session_key: None,
    };
    let month = coverage::Filter {
        unit_id: Some(station.id.clone()),
        from: today.with_day(1).unwrap_or(today),
        to: today,
        category: None,
        worker_id: None,
    };
    let data = coverage::load(state, &actor, &month, today).await?;
    let mut overdue: BTreeMap<String, u32> = BTreeMap::new();
    for item in coverage::compute(data, &month).overdue {
        *overdue.entry(item.category).or_default() += 1;
    }
    let day = coverage::Filter {
        from: yesterday,
        to: yesterday,
        ..month
    };
    let suspicious_yesterday = evidence::report(state, &actor, &day)
        .await?
        .summary
        .suspicious;
    let (start, end) = (
        local_midnight(today),
        local_midnight(today) + chrono::Duration::days(1),
    );
    let reviews_due_today = state
        .store
        .reviews(&Scope {
            path: station.path.clone(),
            worker_id: None,
        })
        .await?
        .iter()
        .filter(|r| r.state.is_open())
        .map(|r| ops::review::due_at(r, &state.config.review))
        .filter(|due| (start..end).contains(due))
        .count();
    Ok(DigestCounts {
        overdue,
        suspicious_yesterday,
        reviews_due_today: u32::try_from(reviews_due_today).unwrap_or(u32::MAX),
    })
}
