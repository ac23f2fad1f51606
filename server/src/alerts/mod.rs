//! Alerts: urgent cases and other events pushed to WeCom, DingTalk or a signed webhook within
//! seconds (`docs/alerts.md`). Events are written to an outbox in the transaction that raises
//! them (`store::AlertStore`); [`sender`] delivers them, [`scanner`] raises those that time
//! brings, and [`message`] is the only place a message's words come from.

pub mod channels;
pub mod message;
pub mod receiver;
pub mod scanner;
pub mod secrets;
pub mod sender;

use std::path::PathBuf;
use std::time::Duration;

use crate::state::AppState;

/// How alerts are delivered.
#[derive(Debug, Clone)]
pub struct AlertSettings {
    /// The console's address as readers reach it, for the links in messages.
    pub public_url: String,
    /// The key file channel credentials are sealed with (default: `alerts.key` in the data
    /// folder; several servers share one).
    pub key_file: Option<PathBuf>,
    /// Longest wait for a channel's answer.
    pub timeout: Duration,
    /// Waits before the 2nd, 3rd, … attempt; after the last, a delivery is given up.
    pub backoff: Vec<Duration>,
    /// How long a claimed delivery is held by its sender.
    pub lease: Duration,
    /// How often the outbox is drained.
    pub poll: Duration,
    /// How often time-found events are looked for.
    pub scan: Duration,
    /// A HIGH review is reminded of when less than this is left.
    pub review_lead: chrono::Duration,
    /// A chain gap still open this long after its visit arrived is alerted.
    pub gap_after: chrono::Duration,
    /// Deliveries claimed at once.
    pub batch: u32,
    /// Requests in flight at once.
    pub concurrency: usize,
}

impl Default for AlertSettings {
    fn default() -> Self {
        AlertSettings {
            public_url: "http://127.0.0.1:8080".into(),
            key_file: None,
            timeout: Duration::from_secs(10),
            // About six hours of trying in all: a group robot that is down for a morning still
            // gets the alert.
            backoff: [10, 30, 120, 600, 1800, 3600, 3600, 3600, 3600, 3600]
                .into_iter()
                .map(Duration::from_secs)
                .collect(),
            lease: Duration::from_secs(120),
            poll: Duration::from_secs(1),
            scan: Duration::from_secs(30),
            review_lead: chrono::Duration::hours(4),
            gap_after: chrono::Duration::minutes(15),
            batch: 200,
            concurrency: 32,
        }
    }
}

/// Drains the outbox every `poll` and scans for time-found events every `scan`, until dropped.
pub fn spawn(state: AppState) -> Result<tokio::task::JoinHandle<()>, sender::SenderError> {
    let sender = sender::Sender::new(&state)?;
    Ok(tokio::spawn(async move {
        let mut drain = tokio::time::interval(state.config.alerts.poll);
        let mut scan = tokio::time::interval(state.config.alerts.scan);
        for tick in [&mut drain, &mut scan] {
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        }
        loop {
            tokio::select! {
                _ = drain.tick() => {
                    if let Err(e) = sender.drain(&state).await {
                        tracing::warn!(error = %e, "sending alerts failed");
                    }
                }
                _ = scan.tick() => {
                    if let Err(e) = scanner::scan(&state, chrono::Utc::now()).await {
                        tracing::warn!(error = %e, "looking for due alerts failed");
                    }
                }
            }
        }
    }))
}
