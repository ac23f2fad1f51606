//! `schedule …`: a county's visit schedule from a JSON file (core's `ScheduleConfig`; categories not
//! listed keep the `docs/domain.md` §2 defaults), shown merged, or cleared back to the defaults.

use super::errors::show;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;

use crate::ops::{Actor, schedules};
use crate::state::AppState;

/// `schedule …`.
#[derive(Debug, Subcommand)]
pub enum ScheduleCommand {
    /// Set a county's schedule from a JSON file.
    Set {
        /// County id.
        #[arg(long)]
        county: String,
        /// The file, e.g. `{"rules":[{"category":"tekun","default":{"days":14}}]}`.
        file: PathBuf,
    },
    /// Print the schedule a county's phones and reports use (JSON).
    Show {
        /// County id.
        #[arg(long)]
        county: String,
    },
    /// Go back to the defaults.
    Clear {
        /// County id.
        #[arg(long)]
        county: String,
    },
}

/// Runs a `schedule` subcommand.
pub async fn run(
    state: &AppState,
    actor: &Actor,
    command: ScheduleCommand,
) -> Result<ExitCode, String> {
    match command {
        ScheduleCommand::Set { county, file } => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
            let s = schedules::parse(&text).map_err(show)?;
            let n = s.rules.len();
            schedules::set(state, actor, &county, Some(s))
                .await
                .map_err(show)?;
            println!("schedule of {county} set ({n} categories overridden)");
        }
        ScheduleCommand::Show { county } => {
            let unit = state
                .store
                .org_unit(&county)
                .await
                .map_err(|e| e.to_string())?
                .ok_or("no such org unit")?;
            let all = schedules::Schedules::load(state).await.map_err(show)?;
            let text = serde_json::to_string_pretty(all.for_path(&unit.path).as_ref())
                .map_err(|e| e.to_string())?;
            println!("{text}");
        }
        ScheduleCommand::Clear { county } => {
            schedules::set(state, actor, &county, None)
                .await
                .map_err(show)?;
            println!("schedule of {county} back to the defaults");
        }
    }
    Ok(ExitCode::SUCCESS)
}
