//! `parameters …` and `template …`: what a county sets beside its schedule — its low-income
//! standards and evidence thresholds (a JSON file), and its own template versions.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Subcommand;

use super::errors::show;
use crate::ops::{Actor, parameters, templates};
use crate::state::AppState;

/// `parameters …`.
#[derive(Debug, Subcommand)]
pub enum ParametersCommand {
    /// Set a county's parameters from a JSON file.
    Set {
        /// County id.
        #[arg(long)]
        county: String,
        /// The file, e.g. `{"low_income_standards":[{"year":2026,"yuan_per_person_month":1020}],
        /// "evidence_thresholds":{"max_distance_m":300,"max_accuracy_m":100,"max_fix_age_s":120,
        /// "min_duration_s":600}}`.
        file: PathBuf,
    },
    /// Print a county's own parameters (JSON).
    Show {
        /// County id.
        #[arg(long)]
        county: String,
    },
    /// Clear them: no standard, default thresholds.
    Clear {
        /// County id.
        #[arg(long)]
        county: String,
    },
}

/// `template …`.
#[derive(Debug, Subcommand)]
pub enum TemplateCommand {
    /// Publish a template document (core/TEMPLATES.md) for a county's branch.
    Publish {
        /// County id.
        #[arg(long)]
        county: String,
        /// The template file.
        file: PathBuf,
    },
    /// List the versions issued to a county, `*` marking those its phones receive now.
    List {
        /// County id.
        #[arg(long)]
        county: String,
    },
}

fn read(file: &Path) -> Result<String, String> {
    std::fs::read_to_string(file).map_err(|e| format!("cannot read {}: {e}", file.display()))
}

/// Runs a `parameters` subcommand.
pub async fn run_parameters(
    state: &AppState,
    actor: &Actor,
    command: ParametersCommand,
) -> Result<ExitCode, String> {
    match command {
        ParametersCommand::Set { county, file } => {
            let p = parameters::parse(&read(&file)?).map_err(show)?;
            let n = p.low_income_standards.len();
            parameters::set(state, actor, &county, Some(p))
                .await
                .map_err(show)?;
            println!("parameters of {county} set ({n} yearly standards)");
        }
        ParametersCommand::Show { county } => {
            let (_, own) = parameters::of_county(state, actor, &county)
                .await
                .map_err(show)?;
            let text = serde_json::to_string_pretty(&own.unwrap_or_default())
                .map_err(|e| e.to_string())?;
            println!("{text}");
        }
        ParametersCommand::Clear { county } => {
            parameters::set(state, actor, &county, None)
                .await
                .map_err(show)?;
            println!("parameters of {county} cleared");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs a `template` subcommand.
pub async fn run_template(
    state: &AppState,
    actor: &Actor,
    command: TemplateCommand,
) -> Result<ExitCode, String> {
    match command {
        TemplateCommand::Publish { county, file } => {
            let t = templates::publish(state, actor, &county, &read(&file)?)
                .await
                .map_err(show)?;
            println!(
                "template {} version {} published for {county}",
                t.template.id, t.template.version
            );
        }
        TemplateCommand::List { county } => {
            for (t, current) in templates::of_county(state, actor, &county)
                .await
                .map_err(show)?
            {
                println!(
                    "{} {} v{} {} ({})",
                    if current { "*" } else { " " },
                    t.template.id,
                    t.template.version,
                    t.template.title.zh,
                    if t.scope_path == templates::EVERYWHERE {
                        "built-in"
                    } else {
                        "county"
                    }
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
