//! Alerts for admins (`docs/alerts.md`): the channels of the branch and those above it, a form
//! to add one, a test button per unit, and the delivery history with what did not arrive first,
//! each resendable.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::console::csrf::Posted;
use crate::console::errors::{self, PageError, explain};
use crate::console::format;
use crate::console::frame::{Frame, Section};
use crate::console::i18n::Msgs;
use crate::console::session::Signed;
use crate::ops::directory::{self, Directory};
use crate::ops::{self, OpsError};
use crate::state::AppState;
use crate::store::{AlertChannel, AlertDelivery, AlertKind, ChannelKind, DeliveryState};

/// Deliveries shown.
const HISTORY: u32 = 50;

/// A channel as listed.
#[derive(Debug, Clone)]
pub struct ChannelRow {
    /// Id.
    pub id: String,
    /// Name.
    pub label: String,
    /// Its unit's name.
    pub unit: String,
    /// Its unit's id (the test button sends to it).
    pub unit_id: String,
    /// Kind.
    pub kind: &'static str,
    /// Events, named.
    pub events: String,
    /// Digest time.
    pub digest_at: String,
    /// Configured above the admin's branch: shown, not removable here.
    pub inherited: bool,
}

/// A delivery as listed.
#[derive(Debug, Clone)]
pub struct DeliveryRow {
    /// Event number.
    pub event_id: i64,
    /// Channel id.
    pub channel_id: String,
    /// Channel name.
    pub channel: String,
    /// Event name.
    pub event: &'static str,
    /// The unit it concerns.
    pub unit: String,
    /// Raised at.
    pub at: String,
    /// State, named.
    pub state: &'static str,
    /// Badge class of the state.
    pub badge: &'static str,
    /// Attempts.
    pub attempts: u32,
    /// Last error.
    pub error: String,
    /// Failed or unconfirmed: resendable.
    pub undeliverable: bool,
}

#[derive(Template)]
#[template(path = "admin_alerts.html")]
struct AlertsPage {
    frame: Frame,
    channels: Vec<ChannelRow>,
    units: Vec<(String, String)>,
    kinds: Vec<(&'static str, &'static str)>,
    events: Vec<(&'static str, &'static str)>,
    undeliverable: Vec<DeliveryRow>,
    history: Vec<DeliveryRow>,
    error: Option<String>,
}

fn channel_row(c: &AlertChannel, dir: &Directory, branch: &str, t: &Msgs) -> ChannelRow {
    ChannelRow {
        id: c.id.clone(),
        label: c.label.clone(),
        unit: dir.unit_name(&c.unit_id),
        unit_id: c.unit_id.clone(),
        kind: t.channel_kind(c.kind),
        events: c
            .events
            .iter()
            .map(|k| t.alert_event(*k))
            .collect::<Vec<_>>()
            .join("、"),
        digest_at: c.digest_at.format("%H:%M").to_string(),
        inherited: !c.unit_path.starts_with(branch),
    }
}

fn delivery_row(
    d: &AlertDelivery,
    channels: &[AlertChannel],
    dir: &Directory,
    t: &Msgs,
) -> DeliveryRow {
    DeliveryRow {
        event_id: d.event_id,
        channel_id: d.channel_id.clone(),
        channel: channels
            .iter()
            .find(|c| c.id == d.channel_id)
            .map_or_else(|| d.channel_id.clone(), |c| c.label.clone()),
        event: t.alert_event(d.kind),
        unit: dir.unit_name(&d.unit_id),
        at: format::datetime(d.raised_at),
        state: t.delivery_state(d.state),
        badge: match d.state {
            DeliveryState::Sent => "ok",
            DeliveryState::Failed | DeliveryState::Unconfirmed => "bad",
            DeliveryState::Pending | DeliveryState::Sending => "late",
        },
        attempts: d.attempts,
        error: d.last_error.clone().unwrap_or_default(),
        undeliverable: d.state.undeliverable(),
    }
}

async fn page(
    state: &AppState,
    user: &Signed,
    notice: Option<&'static str>,
    error: errors::Failure,
) -> Response {
    let t = user.lang.msgs();
    let frame = user
        .frame(Section::Alerts, t.alerts_title)
        .with_notice(notice);
    let actor = user.actor();
    let loaded = async {
        tokio::try_join!(
            ops::alerts::list(state, &actor),
            ops::alerts::history(state, &actor, false, HISTORY),
            ops::alerts::history(state, &actor, true, HISTORY),
            directory::of_branch(state, &actor),
        )
    };
    let (channels, history, undeliverable, dir) = match loaded.await {
        Ok(x) => x,
        Err(e) => return PageError::new(frame, e).into_response(),
    };
    let p = AlertsPage {
        channels: channels
            .iter()
            .map(|c| channel_row(c, &dir, &actor.scope_path, t))
            .collect(),
        units: dir
            .units
            .iter()
            .map(|u| {
                (
                    u.id.clone(),
                    format!("{} ({})", u.name, t.org_level(u.level)),
                )
            })
            .collect(),
        kinds: ChannelKind::ALL
            .iter()
            .map(|k| (k.as_str(), t.channel_kind(*k)))
            .collect(),
        events: AlertKind::SUBSCRIBABLE
            .iter()
            .map(|k| (k.as_str(), t.alert_event(*k)))
            .collect(),
        undeliverable: undeliverable
            .iter()
            .map(|d| delivery_row(d, &channels, &dir, t))
            .collect(),
        history: history
            .iter()
            .map(|d| delivery_row(d, &channels, &dir, t))
            .collect(),
        error: error.as_ref().map(|(_, m)| m.clone()),
        frame,
    };
    errors::render_failed(&p, &error)
}

/// `GET /admin/alerts`.
pub async fn show(
    State(state): State<AppState>,
    user: Signed,
    Query(q): Query<super::DoneQuery>,
) -> Response {
    let t = user.lang.msgs();
    let notice = match q.done.as_str() {
        "added" => Some(t.channel_added),
        "removed" => Some(t.channel_removed),
        "tested" => Some(t.test_queued),
        "resent" => Some(t.resent),
        _ => None,
    };
    page(&state, &user, notice, None).await
}

/// The add-a-channel form; each event is a checkbox of its own.
#[derive(Debug, Deserialize)]
pub struct ChannelForm {
    unit: String,
    kind: String,
    label: String,
    url: String,
    #[serde(default)]
    secret: String,
    #[serde(default)]
    digest_at: String,
    #[serde(default)]
    ev_police: String,
    #[serde(default)]
    ev_review_due_soon: String,
    #[serde(default)]
    ev_review_overdue: String,
    #[serde(default)]
    ev_digest: String,
    #[serde(default)]
    ev_chain_fork: String,
    #[serde(default)]
    ev_chain_gap: String,
    #[serde(default)]
    ev_device_revoked: String,
}

impl ChannelForm {
    fn events(&self) -> Vec<AlertKind> {
        [
            (&self.ev_police, AlertKind::Police),
            (&self.ev_review_due_soon, AlertKind::ReviewDueSoon),
            (&self.ev_review_overdue, AlertKind::ReviewOverdue),
            (&self.ev_digest, AlertKind::Digest),
            (&self.ev_chain_fork, AlertKind::ChainFork),
            (&self.ev_chain_gap, AlertKind::ChainGap),
            (&self.ev_device_revoked, AlertKind::DeviceRevoked),
        ]
        .into_iter()
        .filter(|(on, _)| !on.is_empty())
        .map(|(_, k)| k)
        .collect()
    }
}

/// `POST /admin/alerts/channels`.
pub async fn add(State(state): State<AppState>, posted: Posted<ChannelForm>) -> Response {
    let Posted { user, form } = posted;
    let t = user.lang.msgs();
    let result = async {
        let kind = ops::alerts::parse_kind(&form.kind)?;
        let events = form.events();
        if events.is_empty() {
            return Err(OpsError::invalid(
                "invalid_events",
                "请至少选择一种事件 / choose at least one event",
            ));
        }
        let digest_at = match form.digest_at.trim() {
            "" => ops::alerts::default_digest_at(),
            s => ops::alerts::parse_digest_at(s)?,
        };
        ops::alerts::add(
            &state,
            &user.actor(),
            ops::alerts::NewChannel {
                unit_id: form.unit.clone(),
                kind,
                label: form.label.clone(),
                url: form.url.clone(),
                secret: Some(form.secret.clone()),
                events,
                digest_at,
            },
        )
        .await
    };
    match result.await {
        Ok(_) => Redirect::to("/admin/alerts?done=added").into_response(),
        Err(e) => page(&state, &user, None, Some(explain(t, &e))).await,
    }
}

/// `POST /admin/alerts/channels/{channel_id}/remove`.
pub async fn remove(
    State(state): State<AppState>,
    Path(id): Path<String>,
    posted: Posted<super::Empty>,
) -> Response {
    let user = posted.user;
    match ops::alerts::remove(&state, &user.actor(), &id).await {
        Ok(()) => Redirect::to("/admin/alerts?done=removed").into_response(),
        Err(e) => page(&state, &user, None, Some(explain(user.lang.msgs(), &e))).await,
    }
}

/// The unit a test goes to.
#[derive(Debug, Deserialize)]
pub struct TestForm {
    unit: String,
}

/// `POST /admin/alerts/test`.
pub async fn test(State(state): State<AppState>, posted: Posted<TestForm>) -> Response {
    let Posted { user, form } = posted;
    match ops::alerts::test(&state, &user.actor(), &form.unit).await {
        Ok(_) => Redirect::to("/admin/alerts?done=tested").into_response(),
        Err(e) => page(&state, &user, None, Some(explain(user.lang.msgs(), &e))).await,
    }
}

/// `POST /admin/alerts/{event_id}/{channel_id}/resend`.
pub async fn resend(
    State(state): State<AppState>,
    Path((event, channel)): Path<(i64, String)>,
    posted: Posted<super::Empty>,
) -> Response {
    let user = posted.user;
    match ops::alerts::resend(&state, &user.actor(), event, &channel).await {
        Ok(()) => Redirect::to("/admin/alerts?done=resent").into_response(),
        Err(e) => page(&state, &user, None, Some(explain(user.lang.msgs(), &e))).await,
    }
}
