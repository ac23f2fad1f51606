//! Alert channels and their history, for admins of a branch (`docs/alerts.md`): add, list and
//! remove channels, send a test, read what was delivered, resend what was not. Each change is
//! audited; channel credentials are sealed before they are stored and never shown again.

use chrono::{NaiveTime, Utc};
use serde_json::json;

use super::Actor;
use super::error::OpsError;
use crate::alerts::channels;
use crate::audit;
use crate::state::AppState;
use crate::store::{
    AlertChannel, AlertDelivery, AlertDraft, AlertKind, AlertTally, AlertUnit, ChannelKind, Role,
    Scope,
};

/// A channel as an admin asks for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewChannel {
    /// The unit whose branch it serves.
    pub unit_id: String,
    /// Kind.
    pub kind: ChannelKind,
    /// A name admins recognise.
    pub label: String,
    /// The robot or webhook URL.
    pub url: String,
    /// Signing secret (DingTalk, webhook).
    pub secret: Option<String>,
    /// Events it receives; empty means all.
    pub events: Vec<AlertKind>,
    /// Local time of the daily digest.
    pub digest_at: NaiveTime,
}

/// Parses a channel kind as a form, a request or the command line names it.
pub fn parse_kind(kind: &str) -> Result<ChannelKind, OpsError> {
    ChannelKind::parse(kind.trim()).ok_or_else(|| {
        OpsError::invalid(
            "invalid_kind",
            format!("渠道类型应为 wecom、dingtalk 或 webhook / kind must be wecom, dingtalk or webhook, not {kind:?}"),
        )
    })
}

/// Parses event codes, comma-separated; none means all.
pub fn parse_event_list(events: &str) -> Result<Vec<AlertKind>, OpsError> {
    crate::store::parse_events(events).ok_or_else(|| {
        OpsError::invalid(
            "invalid_events",
            "未知事件 / unknown event; the events are police, review_due_soon, review_overdue, \
             digest, chain_fork, chain_gap and device_revoked",
        )
    })
}

/// The default digest time: 08:00 China Standard Time.
pub fn default_digest_at() -> NaiveTime {
    NaiveTime::from_hms_opt(8, 0, 0).unwrap_or(NaiveTime::MIN)
}

/// Parses a digest time written `HH:MM`.
pub fn parse_digest_at(s: &str) -> Result<NaiveTime, OpsError> {
    NaiveTime::parse_from_str(s.trim(), "%H:%M").map_err(|_| {
        OpsError::invalid(
            "invalid_digest_time",
            format!("简报时间应为 时:分 / the digest time must look like 08:00, not {s:?}"),
        )
    })
}

fn admin(actor: &Actor) -> Result<(), OpsError> {
    if actor.role != Role::Admin {
        return Err(OpsError::ForbiddenRole(
            "alert channels are managed by admins",
        ));
    }
    Ok(())
}

fn branch(actor: &Actor) -> Scope {
    Scope {
        path: actor.scope_path.clone(),
        worker_id: None,
    }
}

fn new_id() -> Result<String, OpsError> {
    let mut b = [0u8; 8];
    fieldvisit_core::crypto::random_bytes(&mut b).map_err(OpsError::internal)?;
    Ok(format!("ch-{}", hex::encode(b)))
}

/// Adds a channel to a unit of the actor's branch. Audited as `alert.channel.add`.
pub async fn add(
    state: &AppState,
    actor: &Actor,
    req: NewChannel,
) -> Result<AlertChannel, OpsError> {
    admin(actor)?;
    let unit = super::org::unit_in_scope(state, actor, &req.unit_id, "unit").await?;
    let label = req.label.trim();
    if label.is_empty() || label.chars().count() > 60 {
        return Err(OpsError::invalid(
            "invalid_label",
            "渠道名称须为 1–60 个字 / the channel name must be 1 to 60 characters",
        ));
    }
    channels::check_url(req.url.trim()).map_err(|_| {
        OpsError::invalid(
            "invalid_url",
            "地址须为 http(s) 网址 / the URL must be an http:// or https:// address",
        )
    })?;
    let secret = req
        .secret
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty());
    if req.kind.needs_secret() && secret.is_none() {
        return Err(OpsError::invalid(
            "secret_required",
            format!(
                "{} 渠道需要签名密钥 / a {} channel needs its signing secret",
                req.kind.as_str(),
                req.kind.as_str()
            ),
        ));
    }
    let events = if req.events.is_empty() {
        AlertKind::SUBSCRIBABLE.to_vec()
    } else {
        req.events
    };
    let secrets = state
        .alert_secrets()
        .map_err(|e| OpsError::invalid("alert_key", e.to_string()))?;
    let id = new_id()?;
    let seal = |field: &str, value: &str| {
        secrets
            .seal(&id, field, value)
            .map_err(|e| OpsError::invalid("alert_key", e.to_string()))
    };
    let channel = AlertChannel {
        id: id.clone(),
        unit_id: unit.id.clone(),
        unit_path: unit.path.clone(),
        kind: req.kind,
        label: label.to_owned(),
        url_sealed: seal("url", req.url.trim())?,
        secret_sealed: secret.as_deref().map(|s| seal("secret", s)).transpose()?,
        events,
        digest_at: req.digest_at,
        created_at: Utc::now(),
        created_by: actor.id.clone(),
    };
    let entry = audit::draft(
        &state.audit_key,
        &actor.id,
        "alert.channel.add",
        &channel.id,
        json!({
            "unit": unit.id,
            "kind": channel.kind.as_str(),
            "events": crate::store::events_text(&channel.events),
        }),
    );
    state.store.add_alert_channel(&channel, &entry).await?;
    Ok(channel)
}

/// Removes a channel of the actor's branch. Audited as `alert.channel.remove`.
pub async fn remove(state: &AppState, actor: &Actor, id: &str) -> Result<(), OpsError> {
    admin(actor)?;
    if !crate::ids::is_safe_id(id) {
        return Err(OpsError::InvalidId("channel"));
    }
    let entry = audit::draft(
        &state.audit_key,
        &actor.id,
        "alert.channel.remove",
        id,
        json!({}),
    );
    if !state
        .store
        .remove_alert_channel(id, &branch(actor), &entry)
        .await?
    {
        return Err(OpsError::NotFound("alert channel"));
    }
    Ok(())
}

/// Channels of the actor's branch, and those above it that its alerts also reach.
pub async fn list(state: &AppState, actor: &Actor) -> Result<Vec<AlertChannel>, OpsError> {
    admin(actor)?;
    Ok(state.store.alert_channels(&branch(actor), true).await?)
}

/// Test alerts raised together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestRun {
    /// The key every one of them starts with.
    pub key_prefix: String,
    /// How many channels get one.
    pub channels: u32,
}

/// Raises a test alert for every channel a unit's alerts reach (its own and those above it).
/// Audited as `alert.test`.
pub async fn test(state: &AppState, actor: &Actor, unit_id: &str) -> Result<TestRun, OpsError> {
    admin(actor)?;
    let unit = super::org::unit_in_scope(state, actor, unit_id, "unit").await?;
    let scope = Scope {
        path: unit.path.clone(),
        worker_id: None,
    };
    let channels: Vec<AlertChannel> = state
        .store
        .alert_channels(&scope, true)
        .await?
        .into_iter()
        .filter(|c| unit.path.starts_with(&c.unit_path))
        .collect();
    let now = Utc::now();
    let run = new_id()?;
    let mut n = 0;
    for ch in &channels {
        let raised = state
            .store
            .raise_alert(&AlertDraft {
                key: format!("test:{run}:{}", ch.id),
                kind: AlertKind::Test,
                unit: AlertUnit::Unit(unit.id.clone()),
                subject: unit.id.clone(),
                level: None,
                due_at: None,
                counts: "{}".into(),
                channel_id: Some(ch.id.clone()),
                raised_at: now,
            })
            .await?;
        n += u32::from(raised);
    }
    audit::record(
        state,
        &actor.id,
        "alert.test",
        &unit.id,
        json!({ "channels": n }),
    )
    .await?;
    Ok(TestRun {
        key_prefix: format!("test:{run}:"),
        channels: n,
    })
}

/// The newest deliveries to channels of the actor's branch.
pub async fn history(
    state: &AppState,
    actor: &Actor,
    undeliverable: bool,
    limit: u32,
) -> Result<Vec<AlertDelivery>, OpsError> {
    admin(actor)?;
    Ok(state
        .store
        .alert_deliveries(&branch(actor), undeliverable, limit.clamp(1, 500))
        .await?)
}

/// Sends a failed or unconfirmed delivery again. Audited as `alert.resend`.
pub async fn resend(
    state: &AppState,
    actor: &Actor,
    event_id: i64,
    channel_id: &str,
) -> Result<(), OpsError> {
    admin(actor)?;
    if !crate::ids::is_safe_id(channel_id) {
        return Err(OpsError::InvalidId("channel"));
    }
    let entry = audit::draft(
        &state.audit_key,
        &actor.id,
        "alert.resend",
        channel_id,
        json!({ "event": event_id }),
    );
    if !state
        .store
        .resend_alert(event_id, channel_id, &branch(actor), &entry)
        .await?
    {
        return Err(OpsError::NotFound("undelivered alert"));
    }
    Ok(())
}

/// Deliveries by state over the whole tree.
pub async fn tally(state: &AppState) -> Result<AlertTally, OpsError> {
    Ok(state.store.alert_tally().await?)
}
