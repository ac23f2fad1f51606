//! `alerts …`: channels of a unit, a test message to them, the delivery history and resending
//! (`docs/alerts.md`). The CLI acts as root on the host: every unit is in its branch.

use std::process::ExitCode;

use clap::Subcommand;

use super::errors::show;
use crate::alerts::sender::Sender;
use crate::ops::{self, Actor, OpsError};
use crate::state::AppState;

/// `alerts …`.
#[derive(Debug, Subcommand)]
pub enum AlertsCommand {
    /// Add a channel to a unit: its alerts and those of every unit below reach it.
    Add {
        /// Unit id.
        #[arg(long)]
        unit: String,
        /// `wecom`, `dingtalk` or `webhook`.
        #[arg(long)]
        kind: String,
        /// A name admins recognise, e.g. 县儿童督导群.
        #[arg(long)]
        label: String,
        /// The robot or webhook URL.
        #[arg(long, env = "FIELDVISIT_ALERT_URL", hide_env_values = true)]
        url: String,
        /// Signing secret (DingTalk, webhook).
        #[arg(long, env = "FIELDVISIT_ALERT_SECRET", hide_env_values = true)]
        secret: Option<String>,
        /// Events, comma-separated (police, review_due_soon, review_overdue, digest, chain_fork,
        /// chain_gap, device_revoked) [default: all].
        #[arg(long, default_value = "")]
        events: String,
        /// Daily digest time, HH:MM China Standard Time.
        #[arg(long, default_value = "08:00")]
        digest_at: String,
    },
    /// List channels (all, or those a unit's alerts reach).
    List {
        /// Unit id.
        #[arg(long)]
        unit: Option<String>,
    },
    /// Remove a channel.
    Remove {
        /// Channel id.
        id: String,
    },
    /// Send a test message to every channel a unit's alerts reach, now, and say what came of it.
    Test {
        /// Unit id.
        #[arg(long)]
        unit: String,
    },
    /// The newest deliveries.
    History {
        /// Only those that failed or whose outcome is unknown.
        #[arg(long)]
        undeliverable: bool,
        /// How many.
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Send a failed or unconfirmed alert again.
    Resend {
        /// Event number.
        event: i64,
        /// Channel id.
        channel: String,
    },
}

/// Runs an `alerts` subcommand.
pub async fn run(
    state: &AppState,
    actor: &Actor,
    command: AlertsCommand,
) -> Result<ExitCode, String> {
    match command {
        AlertsCommand::Add {
            unit,
            kind,
            label,
            url,
            secret,
            events,
            digest_at,
        } => {
            let kind = ops::alerts::parse_kind(&kind).map_err(show)?;
            let events = ops::alerts::parse_event_list(&events).map_err(show)?;
            let digest_at = ops::alerts::parse_digest_at(&digest_at).map_err(show)?;
            let ch = ops::alerts::add(
                state,
                actor,
                ops::alerts::NewChannel {
                    unit_id: unit,
                    kind,
                    label,
                    url,
                    secret,
                    events,
                    digest_at,
                },
            )
            .await
            .map_err(show)?;
            println!(
                "added {} channel {} to {}",
                ch.kind.as_str(),
                ch.id,
                ch.unit_id
            );
        }
        AlertsCommand::List { unit } => {
            let channels = ops::alerts::list(state, actor).await.map_err(show)?;
            let path = match unit {
                Some(id) => Some(
                    ops::org::unit_in_scope(state, actor, &id, "unit")
                        .await
                        .map_err(show)?
                        .path,
                ),
                None => None,
            };
            for c in channels
                .iter()
                .filter(|c| path.as_ref().is_none_or(|p| p.starts_with(&c.unit_path)))
            {
                println!(
                    "{}\t{}\t{}\t{}\tdigest {}\t{}",
                    c.id,
                    c.unit_id,
                    c.kind.as_str(),
                    c.label,
                    c.digest_at.format("%H:%M"),
                    crate::store::events_text(&c.events)
                );
            }
        }
        AlertsCommand::Remove { id } => {
            ops::alerts::remove(state, actor, &id).await.map_err(show)?;
            println!("removed {id}");
        }
        AlertsCommand::Test { unit } => {
            let run = ops::alerts::test(state, actor, &unit).await.map_err(show)?;
            if run.channels == 0 {
                println!("no channel reaches {unit}");
                return Ok(ExitCode::FAILURE);
            }
            let sender = Sender::new(state).map_err(|e| e.to_string())?;
            sender
                .drain(state)
                .await
                .map_err(|e| show(OpsError::from(e)))?;
            let mut failed = 0;
            for d in ops::alerts::history(state, actor, false, 500)
                .await
                .map_err(show)?
                .iter()
                .filter(|d| d.key.starts_with(&run.key_prefix))
            {
                let outcome = match d.state {
                    crate::store::DeliveryState::Sent => "delivered".to_owned(),
                    other => {
                        failed += 1;
                        format!(
                            "{} ({})",
                            other.as_str(),
                            d.last_error.as_deref().unwrap_or("no answer yet")
                        )
                    }
                };
                println!("{}\t{outcome}", d.channel_id);
            }
            if failed > 0 {
                return Ok(ExitCode::FAILURE);
            }
        }
        AlertsCommand::History {
            undeliverable,
            limit,
        } => {
            for d in ops::alerts::history(state, actor, undeliverable, limit)
                .await
                .map_err(show)?
            {
                println!(
                    "{}\t{}\t{}\t{}\t{}\tattempts {}\t{}",
                    d.event_id,
                    d.channel_id,
                    d.kind.as_str(),
                    d.raised_at.to_rfc3339(),
                    d.state.as_str(),
                    d.attempts,
                    d.last_error.as_deref().unwrap_or("")
                );
            }
        }
        AlertsCommand::Resend { event, channel } => {
            ops::alerts::resend(state, actor, event, &channel)
                .await
                .map_err(show)?;
            println!("queued again; a running server sends it within seconds");
        }
    }
    Ok(ExitCode::SUCCESS)
}
