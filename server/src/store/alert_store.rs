//! Alerts (`docs/design.md`, alerts): the channels admins configure, the outbox of events that
//! raise alerts, and each event's delivery to each channel. An event is written in the same
//! transaction as what raised it; deliveries are fanned out, claimed, sent and recorded by the
//! sender (`crate::alerts`).

use async_trait::async_trait;
use chrono::{DateTime, NaiveTime, Utc};

use super::{AuditDraft, ChainStatus, NewVisit, Scope, StoreResult};

/// What happened.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// A worker reported a case to police (an urgent review).
    Police,
    /// A HIGH-risk review has little time left on its clock.
    ReviewDueSoon,
    /// A HIGH-risk review is past its deadline.
    ReviewOverdue,
    /// A station's daily digest.
    Digest,
    /// A device's chain forked: two visits claim one place.
    ChainFork,
    /// A device's chain has a hole: a visit arrived whose predecessor is missing.
    ChainGap,
    /// A device was revoked.
    DeviceRevoked,
    /// A test message an admin asked for.
    Test,
}

impl AlertKind {
    /// Every kind a channel can subscribe to (a test is always delivered).
    pub const SUBSCRIBABLE: [AlertKind; 7] = [
        AlertKind::Police,
        AlertKind::ReviewDueSoon,
        AlertKind::ReviewOverdue,
        AlertKind::Digest,
        AlertKind::ChainFork,
        AlertKind::ChainGap,
        AlertKind::DeviceRevoked,
    ];

    /// Stored and wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::Police => "police",
            AlertKind::ReviewDueSoon => "review_due_soon",
            AlertKind::ReviewOverdue => "review_overdue",
            AlertKind::Digest => "digest",
            AlertKind::ChainFork => "chain_fork",
            AlertKind::ChainGap => "chain_gap",
            AlertKind::DeviceRevoked => "device_revoked",
            AlertKind::Test => "test",
        }
    }

    /// Parses [`AlertKind::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        Self::SUBSCRIBABLE
            .into_iter()
            .chain([AlertKind::Test])
            .find(|k| k.as_str() == s)
    }
}

/// The stored form of a channel's events: their codes, comma-separated.
pub fn events_text(events: &[AlertKind]) -> String {
    events
        .iter()
        .map(|k| k.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// Parses [`events_text`]; `None` names an unknown code.
pub fn parse_events(s: &str) -> Option<Vec<AlertKind>> {
    s.split(',')
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(AlertKind::parse)
        .collect()
}

/// Where a channel posts.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ChannelKind {
    /// A WeCom (企业微信) group robot.
    Wecom,
    /// A DingTalk (钉钉) custom robot with a signing secret.
    Dingtalk,
    /// Any HTTPS endpoint, with an HMAC-signed JSON body.
    Webhook,
}

impl ChannelKind {
    /// Every kind.
    pub const ALL: [ChannelKind; 3] = [
        ChannelKind::Wecom,
        ChannelKind::Dingtalk,
        ChannelKind::Webhook,
    ];

    /// Stored and wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Wecom => "wecom",
            ChannelKind::Dingtalk => "dingtalk",
            ChannelKind::Webhook => "webhook",
        }
    }

    /// Parses [`ChannelKind::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether posting needs a signing secret besides the URL.
    pub fn needs_secret(self) -> bool {
        !matches!(self, ChannelKind::Wecom)
    }
}

/// A configured channel. The URL and secret are stored sealed (they are credentials: a WeCom URL
/// alone lets anyone post to the group).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertChannel {
    /// Id.
    pub id: String,
    /// The unit whose branch it serves (inherited by every unit below).
    pub unit_id: String,
    /// Its path (read from the unit; not written).
    pub unit_path: String,
    /// Kind.
    pub kind: ChannelKind,
    /// A name admins recognise, e.g. "县儿童督导群".
    pub label: String,
    /// The sealed webhook URL.
    pub url_sealed: String,
    /// The sealed signing secret (DingTalk, webhook).
    pub secret_sealed: Option<String>,
    /// Events it receives.
    pub events: Vec<AlertKind>,
    /// Local time (China Standard Time) of the daily digest.
    pub digest_at: NaiveTime,
    /// Added at.
    pub created_at: DateTime<Utc>,
    /// Added by (staff id or `cli`).
    pub created_by: String,
}

/// Which unit an event concerns, resolved inside the transaction that raises it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlertUnit {
    /// This unit.
    Unit(String),
    /// The village of this household.
    VillageOf(String),
    /// The branch unit of this staff account.
    PlacementOf(String),
}

/// An event to raise. Holds ids, codes, times and counts only: never personal data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertDraft {
    /// Idempotency key: an event with a key already raised is not raised again.
    pub key: String,
    /// What happened.
    pub kind: AlertKind,
    /// Where.
    pub unit: AlertUnit,
    /// The visit, device or unit it is about.
    pub subject: String,
    /// Risk level (`HIGH`, `MEDIUM`, `LOW`), when it has one.
    pub level: Option<String>,
    /// A deadline, when it has one.
    pub due_at: Option<DateTime<Utc>>,
    /// Counts (JSON object of numbers), for digests.
    pub counts: String,
    /// Only this channel (digests and tests); every subscribed channel of the branch when `None`.
    pub channel_id: Option<String>,
    /// When.
    pub raised_at: DateTime<Utc>,
}

impl AlertDraft {
    /// An event about a visit, keyed by its kind and the visit: raised once per visit.
    pub fn about_visit(
        kind: AlertKind,
        visit_id: &str,
        household_id: &str,
        level: Option<String>,
        due_at: Option<DateTime<Utc>>,
        raised_at: DateTime<Utc>,
    ) -> AlertDraft {
        AlertDraft {
            key: format!("{}:{visit_id}", kind.as_str()),
            kind,
            unit: AlertUnit::VillageOf(household_id.to_owned()),
            subject: visit_id.to_owned(),
            level,
            due_at,
            counts: "{}".into(),
            channel_id: None,
            raised_at,
        }
    }

    /// What a stored visit raises at once: a police report. (A gap in its device's chain may
    /// close when the missing visit arrives, so gaps are raised later, by time.)
    pub fn for_visit(v: &NewVisit, status: ChainStatus) -> Vec<AlertDraft> {
        let draft = |kind: AlertKind| {
            Self::about_visit(
                kind,
                &v.visit_id,
                &v.household_id,
                v.level.clone(),
                None,
                v.received_at,
            )
        };
        let mut out = Vec::new();
        if v.reported_to_police_at.is_some() {
            out.push(draft(AlertKind::Police));
        }
        if status == ChainStatus::Fork {
            out.push(draft(AlertKind::ChainFork));
        }
        out
    }

    /// A device revoked now.
    pub fn device_revoked(device_id: &str, worker_id: &str, at: DateTime<Utc>) -> AlertDraft {
        AlertDraft {
            key: format!("device_revoked:{device_id}"),
            kind: AlertKind::DeviceRevoked,
            unit: AlertUnit::PlacementOf(worker_id.to_owned()),
            subject: device_id.to_owned(),
            level: None,
            due_at: None,
            counts: "{}".into(),
            channel_id: None,
            raised_at: at,
        }
    }
}

/// A visit whose device chain still misses its predecessor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainGap {
    /// The visit after the hole.
    pub visit_id: String,
    /// Its household.
    pub household_id: String,
    /// When it arrived.
    pub received_at: DateTime<Utc>,
}

/// Where one event's delivery to one channel stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Waiting to be sent (again, after a failure).
    Pending,
    /// Claimed by a sender now.
    Sending,
    /// The channel accepted it.
    Sent,
    /// Every attempt failed.
    Failed,
    /// The sender stopped while sending: it may or may not have arrived, and it is not sent again
    /// by itself (a second copy in a group chat is not harmless either); an admin can resend it.
    Unconfirmed,
}

impl DeliveryState {
    /// Every state.
    pub const ALL: [DeliveryState; 5] = [
        DeliveryState::Pending,
        DeliveryState::Sending,
        DeliveryState::Sent,
        DeliveryState::Failed,
        DeliveryState::Unconfirmed,
    ];

    /// Stored and wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Sending => "sending",
            DeliveryState::Sent => "sent",
            DeliveryState::Failed => "failed",
            DeliveryState::Unconfirmed => "unconfirmed",
        }
    }

    /// Parses [`DeliveryState::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Needs an admin's look: it did not arrive, or may not have.
    pub fn undeliverable(self) -> bool {
        matches!(self, DeliveryState::Failed | DeliveryState::Unconfirmed)
    }
}

/// One event's delivery to one channel, with the event.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct AlertDelivery {
    /// The event's number: with the channel, the idempotency key receivers see.
    pub event_id: i64,
    /// The event's own key.
    pub key: String,
    /// Channel.
    pub channel_id: String,
    /// What happened.
    pub kind: AlertKind,
    /// The unit the event concerns.
    pub unit_id: String,
    /// Its path.
    pub unit_path: String,
    /// The visit, device or unit it is about.
    pub subject: String,
    /// Risk level.
    pub level: Option<String>,
    /// Deadline.
    pub due_at: Option<DateTime<Utc>>,
    /// Counts (JSON).
    pub counts: String,
    /// Raised at.
    pub raised_at: DateTime<Utc>,
    /// State.
    pub state: DeliveryState,
    /// Attempts so far.
    pub attempts: u32,
    /// Next attempt (pending) or when the claim lapses (sending).
    pub next_at: DateTime<Utc>,
    /// Why the last attempt failed (status or transport error; never the message).
    pub last_error: Option<String>,
    /// Accepted by the channel at.
    pub sent_at: Option<DateTime<Utc>>,
}

/// What became of one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptOutcome {
    /// Event.
    pub event_id: i64,
    /// Channel.
    pub channel_id: String,
    /// `Ok(at)`: accepted at; `Err((why, retry_at))`: failed, to be retried at `retry_at`, or
    /// given up when `None`.
    pub result: Result<DateTime<Utc>, (String, Option<DateTime<Utc>>)>,
}

/// Deliveries by state, for `/metrics` and the console.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct AlertTally {
    /// Waiting.
    pub pending: u64,
    /// Being sent.
    pub sending: u64,
    /// Delivered.
    pub sent: u64,
    /// Given up.
    pub failed: u64,
    /// Outcome unknown.
    pub unconfirmed: u64,
}

impl AlertTally {
    /// Adds `n` deliveries in `state`.
    pub fn add(&mut self, state: DeliveryState, n: u64) {
        match state {
            DeliveryState::Pending => self.pending += n,
            DeliveryState::Sending => self.sending += n,
            DeliveryState::Sent => self.sent += n,
            DeliveryState::Failed => self.failed += n,
            DeliveryState::Unconfirmed => self.unconfirmed += n,
        }
    }
}

/// The alerts concern of a store.
#[async_trait]
pub trait AlertStore: Send + Sync {
    /// Adds a channel; `audit` records it in the same transaction.
    async fn add_alert_channel(
        &self,
        channel: &AlertChannel,
        audit: &AuditDraft,
    ) -> StoreResult<()>;
    /// Removes a channel in `scope`'s branch and its pending deliveries; `false` if it was not
    /// there. `audit` records a removal in the same transaction.
    async fn remove_alert_channel(
        &self,
        id: &str,
        scope: &Scope,
        audit: &AuditDraft,
    ) -> StoreResult<bool>;
    /// Channels of units in the branch, and with `inherited`, of the units above it too.
    async fn alert_channels(
        &self,
        scope: &Scope,
        inherited: bool,
    ) -> StoreResult<Vec<AlertChannel>>;
    /// Raises an event in its own transaction (those found by time); `false` when its key was
    /// raised before.
    async fn raise_alert(&self, draft: &AlertDraft) -> StoreResult<bool>;
    /// Whether an event with this key was raised.
    async fn alert_raised(&self, key: &str) -> StoreResult<bool>;
    /// Gives every event not yet fanned out a delivery per channel that receives it: a channel
    /// of the event's unit or a unit above it, subscribed to its kind (or the event's own
    /// channel). Returns the deliveries made.
    async fn fan_out_alerts(&self, now: DateTime<Utc>) -> StoreResult<u64>;
    /// Marks deliveries whose claim lapsed as unconfirmed (their sender stopped mid-send).
    async fn lapse_alert_claims(&self, now: DateTime<Utc>) -> StoreResult<u64>;
    /// Claims up to `limit` pending deliveries that are due, until `until`; no other sender
    /// claims them meanwhile.
    async fn claim_alerts(
        &self,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<AlertDelivery>>;
    /// Records what became of claimed deliveries, in one transaction.
    async fn record_alert_attempts(&self, outcomes: &[AttemptOutcome]) -> StoreResult<()>;
    /// Makes a failed or unconfirmed delivery in the branch pending again; `false` if there was
    /// none.
    ///
    /// `audit` records a resend in the same transaction.
    async fn resend_alert(
        &self,
        event_id: i64,
        channel_id: &str,
        scope: &Scope,
        audit: &AuditDraft,
    ) -> StoreResult<bool>;
    /// The newest deliveries to channels of the branch, newest first; only undeliverable ones
    /// with `undeliverable`.
    async fn alert_deliveries(
        &self,
        scope: &Scope,
        undeliverable: bool,
        limit: u32,
    ) -> StoreResult<Vec<AlertDelivery>>;
    /// Deliveries by state, over the whole tree.
    async fn alert_tally(&self) -> StoreResult<AlertTally>;
    /// Visits received before `before` that still sit after a hole in their device's chain.
    async fn chain_gaps(&self, before: DateTime<Utc>) -> StoreResult<Vec<ChainGap>>;
}
