//! Delivery: events become deliveries (one per channel that receives them), which are claimed,
//! sent, and recorded in batches.
//!
//! - **No loss.** An event is in the outbox from the transaction that raised it; a failed
//!   attempt is retried with backoff until the attempts run out, and what is given up shows in the
//!   console and in `/metrics`.
//! - **No repeat.** A delivery is claimed (in the database, for a lease) before it is sent, so a
//!   second server process does not send it too. A sender that stops between sending and
//!   recording leaves its claim to lapse: the delivery then becomes *unconfirmed* and is not sent
//!   again by itself, since a chat group cannot drop a second copy; an admin resends it if it did
//!   not arrive. Receivers of the generic webhook get the same `X-FieldVisit-Id` on every attempt.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::Utc;
use serde_json::json;
use tokio::task::JoinSet;

use super::AlertSettings;
use super::channels::{self, Outgoing};
use super::message::{AlertFacts, DigestCounts, Risk};
use super::secrets::AlertSecrets;
use crate::audit;
use crate::state::AppState;
use crate::store::{
    AlertChannel, AlertDelivery, AlertKind, AttemptOutcome, OrgLevel, OrgUnit, Scope, StoreError,
};

/// What one drain did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Drained {
    /// Accepted by their channel.
    pub sent: u32,
    /// Failed, to be tried again.
    pub retrying: u32,
    /// Failed for the last time.
    pub given_up: u32,
}

/// Sends what the outbox holds.
pub struct Sender {
    http: reqwest::Client,
    secrets: Arc<AlertSecrets>,
    settings: AlertSettings,
    /// Org units by id, for station names (units are rarely renamed; a restart picks it up).
    units: Mutex<HashMap<String, OrgUnit>>,
}

impl std::fmt::Debug for Sender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sender")
    }
}

/// Why the sender could not start.
#[derive(Debug, thiserror::Error)]
pub enum SenderError {
    /// The key channel credentials are sealed with.
    #[error(transparent)]
    Secrets(#[from] super::secrets::SecretsError),
    /// The HTTP client.
    #[error("HTTP client: {0}")]
    Http(String),
}

impl Sender {
    /// A sender for the server's settings.
    pub fn new(state: &AppState) -> Result<Self, SenderError> {
        let settings = state.config.alerts.clone();
        let http = reqwest::Client::builder()
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout)
            // A robot URL is the credential: a redirect must not carry the message elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| SenderError::Http(e.to_string()))?;
        Ok(Sender {
            http,
            secrets: state.alert_secrets()?,
            settings,
            units: Mutex::new(HashMap::new()),
        })
    }

    /// Fans out new events and sends every delivery that is due, batch after batch, until none
    /// is left.
    pub async fn drain(&self, state: &AppState) -> Result<Drained, StoreError> {
        let store = &state.store;
        let now = Utc::now();
        store.lapse_alert_claims(now).await?;
        store.fan_out_alerts(now).await?;
        let mut total = Drained::default();
        loop {
            // Read before claiming: a claim is only taken when what sending needs is at hand, so
            // a failed read cannot leave claimed alerts unsent (and then unconfirmed).
            let channels: HashMap<String, AlertChannel> = store
                .alert_channels(&Scope::root(), false)
                .await?
                .into_iter()
                .map(|c| (c.id.clone(), c))
                .collect();
            let now = Utc::now();
            let lease = chrono::Duration::from_std(self.settings.lease)
                .unwrap_or(chrono::Duration::minutes(2));
            let batch = store
                .claim_alerts(now, now + lease, self.settings.batch)
                .await?;
            if batch.is_empty() {
                // A store fans out a bounded number of events at a time: more may be waiting.
                if store.fan_out_alerts(Utc::now()).await? == 0 {
                    return Ok(total);
                }
                continue;
            }
            let outcomes = self.send_all(state, &channels, batch).await;
            let d = self.record(state, &outcomes).await?;
            total.sent += d.sent;
            total.retrying += d.retrying;
            total.given_up += d.given_up;
        }
    }

    async fn send_all(
        &self,
        state: &AppState,
        channels: &HashMap<String, AlertChannel>,
        batch: Vec<AlertDelivery>,
    ) -> Vec<AttemptOutcome> {
        let mut outcomes = Vec::with_capacity(batch.len());
        let mut jobs = JoinSet::new();
        let limit = Arc::new(tokio::sync::Semaphore::new(
            self.settings.concurrency.max(1),
        ));
        for d in batch {
            let prepared = match channels.get(&d.channel_id) {
                Some(ch) => self.prepare(state, &d, ch).await,
                None => Err("the channel was removed".to_owned()),
            };
            let key = (d.event_id, d.channel_id.clone(), d.attempts);
            match prepared {
                Ok((kind, out)) => {
                    let http = self.http.clone();
                    let limit = Arc::clone(&limit);
                    jobs.spawn(async move {
                        let _permit = limit.acquire_owned().await;
                        (key, post(&http, kind, out).await)
                    });
                }
                Err(why) => outcomes.push(self.outcome(key, Err(why))),
            }
        }
        while let Some(done) = jobs.join_next().await {
            match done {
                Ok((key, result)) => outcomes.push(self.outcome(key, result)),
                Err(e) => tracing::warn!(error = %e, "an alert send task failed"),
            }
        }
        outcomes
    }

    /// The request for one delivery, or why there is none.
    async fn prepare(
        &self,
        state: &AppState,
        d: &AlertDelivery,
        ch: &AlertChannel,
    ) -> Result<(crate::store::ChannelKind, Outgoing), String> {
        let url = self
            .secrets
            .open(&ch.id, "url", &ch.url_sealed)
            .map_err(|e| e.to_string())?;
        let secret = match &ch.secret_sealed {
            Some(s) => Some(
                self.secrets
                    .open(&ch.id, "secret", s)
                    .map_err(|e| e.to_string())?,
            ),
            None => None,
        };
        let facts = self
            .facts(state, d)
            .await
            .map_err(|_| "the unit could not be read".to_owned())?;
        channels::request(ch.kind, &url, secret.as_deref(), &facts, Utc::now())
            .map(|out| (ch.kind, out))
            .map_err(|e| e.to_string())
    }

    /// The facts of a delivery: what the message may say.
    pub async fn facts(
        &self,
        state: &AppState,
        d: &AlertDelivery,
    ) -> Result<AlertFacts, StoreError> {
        let station = self.station(state, &d.unit_path).await?;
        let base = self.settings.public_url.trim_end_matches('/');
        let link = match d.kind {
            AlertKind::Police | AlertKind::ReviewDueSoon | AlertKind::ReviewOverdue => {
                format!("{base}/reviews/{}", d.subject)
            }
            AlertKind::ChainFork | AlertKind::ChainGap => format!("{base}/visits/{}", d.subject),
            AlertKind::DeviceRevoked => format!("{base}/admin/devices"),
            AlertKind::Digest => format!("{base}/coverage/overdue?unit={}", d.subject),
            AlertKind::Test => format!("{base}/admin/alerts"),
        };
        let counts = (d.kind == AlertKind::Digest)
            .then(|| serde_json::from_str::<DigestCounts>(&d.counts).unwrap_or_default());
        Ok(AlertFacts {
            id: format!("{}-{}", d.event_id, d.channel_id),
            event: d.kind,
            station,
            level: Risk::parse(d.level.as_deref()),
            raised_at: d.raised_at,
            due_at: d.due_at,
            counts,
            link,
        })
    }

    /// The name of the township on `path`, or of the deepest unit when it lies above one.
    async fn station(&self, state: &AppState, path: &str) -> Result<String, StoreError> {
        let mut name = String::new();
        for id in path.split('/').filter(|s| !s.is_empty()) {
            let cached = self.units.lock().ok().and_then(|m| m.get(id).cloned());
            let unit = match cached {
                Some(u) => u,
                None => {
                    let Some(u) = state.store.org_unit(id).await? else {
                        continue;
                    };
                    if let Ok(mut m) = self.units.lock() {
                        m.insert(id.to_owned(), u.clone());
                    }
                    u
                }
            };
            if unit.level == OrgLevel::Village {
                break;
            }
            name = unit.name;
            if unit.level == OrgLevel::Township {
                break;
            }
        }
        Ok(name)
    }

    fn outcome(&self, key: (i64, String, u32), result: Result<(), String>) -> AttemptOutcome {
        let (event_id, channel_id, attempts) = key;
        let now = Utc::now();
        let result = match result {
            Ok(()) => Ok(now),
            Err(why) => {
                let retry = self
                    .settings
                    .backoff
                    .get(attempts.saturating_sub(1) as usize)
                    .and_then(|d| chrono::Duration::from_std(*d).ok())
                    .map(|d| now + d);
                Err((why, retry))
            }
        };
        AttemptOutcome {
            event_id,
            channel_id,
            result,
        }
    }

    /// Writes the outcomes, and one audit entry for the batch (ids only).
    async fn record(
        &self,
        state: &AppState,
        outcomes: &[AttemptOutcome],
    ) -> Result<Drained, StoreError> {
        state.store.record_alert_attempts(outcomes).await?;
        let mut d = Drained::default();
        let (mut sent, mut given_up) = (Vec::new(), Vec::new());
        for o in outcomes {
            let id = format!("{}-{}", o.event_id, o.channel_id);
            match &o.result {
                Ok(_) => {
                    d.sent += 1;
                    sent.push(id);
                }
                Err((_, Some(_))) => d.retrying += 1,
                Err((_, None)) => {
                    d.given_up += 1;
                    given_up.push(id);
                }
            }
        }
        if !sent.is_empty() || !given_up.is_empty() {
            audit::record(
                state,
                "alerts",
                "alert.delivery",
                "-",
                json!({"sent": sent, "given_up": given_up, "retrying": d.retrying}),
            )
            .await?;
        }
        Ok(d)
    }
}

/// Posts one request; the reason when the channel did not take it (never the URL or body).
async fn post(
    http: &reqwest::Client,
    kind: crate::store::ChannelKind,
    out: Outgoing,
) -> Result<(), String> {
    let mut req = http
        .post(&out.url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(out.body);
    for (name, value) in out.headers {
        req = req.header(name, value);
    }
    let resp = req.send().await.map_err(|e| {
        if e.is_timeout() {
            "timed out".to_owned()
        } else if e.is_connect() {
            "could not connect".to_owned()
        } else {
            "request failed".to_owned()
        }
    })?;
    let status = resp.status().as_u16();
    let body = resp.text().await.unwrap_or_default();
    channels::accepted(kind, status, &body)
}
