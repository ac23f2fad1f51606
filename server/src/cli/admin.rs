//! Admin subcommands run on the server host against the configured backends (actor `cli` in the
//! audit log).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};

use super::Command;
use super::errors::show;
use crate::audit::{self, Verification};
use crate::config::Config;
use crate::ops::{self, Actor, csv_import};
use crate::state::AppState;
use crate::store::{OrgLevel, Role};

/// `org …`.
#[derive(Debug, Subcommand)]
pub enum OrgCommand {
    /// Add an org unit.
    Add {
        /// Id.
        #[arg(long)]
        id: String,
        /// Parent id (none for a province).
        #[arg(long)]
        parent: Option<String>,
        /// province, city, county, township or village.
        #[arg(long)]
        level: String,
        /// Chinese name.
        #[arg(long)]
        name: String,
    },
}

/// `user …`.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a staff account; the password is read from FIELDVISIT_NEW_PASSWORD or the first stdin line.
    Add {
        /// Login name.
        #[arg(long)]
        login: String,
        /// Display name.
        #[arg(long)]
        name: String,
        /// worker, supervisor, child_welfare_reviewer or admin.
        #[arg(long)]
        role: String,
        /// Root unit of the account's branch.
        #[arg(long)]
        scope: String,
        /// Id (generated when absent).
        #[arg(long)]
        id: Option<String>,
    },
}

/// `device …`.
#[derive(Debug, Subcommand)]
pub enum DeviceCommand {
    /// Make a one-time enrollment code for a worker.
    Code {
        /// Worker id.
        #[arg(long)]
        worker: String,
    },
    /// Revoke a device.
    Revoke {
        /// Device id.
        device_id: String,
    },
}

/// `household …`.
#[derive(Debug, Subcommand)]
pub enum HouseholdCommand {
    /// Import households from a CSV file.
    Import {
        /// The file.
        file: PathBuf,
    },
    /// Move a household, with its visit history, to another village (an import never moves one).
    Move {
        /// Household id.
        household_id: String,
        /// The village it moves to.
        #[arg(long)]
        village: String,
        /// The worker whose caseload it joins (default: its worker if that worker covers the new
        /// village, otherwise nobody's).
        #[arg(long)]
        worker: Option<String>,
    },
}

/// `audience …`.
#[derive(Debug, Subcommand)]
pub enum AudienceCommand {
    /// Make an audience key pair; the passphrase is read from FIELDVISIT_AUDIENCE_PASSPHRASE or a
    /// prompt, and seals the private key.
    Create {
        /// `child-welfare` or `civil-affairs`.
        #[arg(long)]
        audience: String,
        /// County whose branch the key serves (the whole tree when absent).
        #[arg(long)]
        unit: Option<String>,
    },
    /// Rotate an audience key: a new key pair becomes the one phones receive, and the earlier
    /// keys are re-sealed under the new passphrase. The current passphrase is read from
    /// FIELDVISIT_AUDIENCE_PASSPHRASE or a prompt, the new one from
    /// FIELDVISIT_NEW_AUDIENCE_PASSPHRASE or a prompt.
    Rotate {
        /// `child-welfare` or `civil-affairs`.
        #[arg(long)]
        audience: String,
        /// County whose key rotates (the whole tree's when absent).
        #[arg(long)]
        unit: Option<String>,
    },
}

/// `audit …`.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Verify the hash chain and report the first broken entry.
    Verify,
}

fn read_password() -> Result<String, String> {
    if let Ok(p) = std::env::var("FIELDVISIT_NEW_PASSWORD") {
        return Ok(p);
    }
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| e.to_string())?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

fn read_passphrase() -> Result<zeroize::Zeroizing<String>, String> {
    read_secret(
        "FIELDVISIT_AUDIENCE_PASSPHRASE",
        "passphrase for the audience private key: ",
    )
}

fn read_secret(var: &str, prompt: &str) -> Result<zeroize::Zeroizing<String>, String> {
    if let Ok(p) = std::env::var(var) {
        return Ok(zeroize::Zeroizing::new(p));
    }
    eprint!("{prompt}");
    let mut line = zeroize::Zeroizing::new(String::new());
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| e.to_string())?;
    Ok(zeroize::Zeroizing::new(
        line.trim_end_matches(['\r', '\n']).to_owned(),
    ))
}

/// Runs an admin subcommand against the configured backends.
pub async fn run(config: Config, command: Command) -> Result<ExitCode, String> {
    let state = AppState::connect(config).await.map_err(|e| e.to_string())?;
    let result = execute(&state, command).await;
    // What the command wrote is noted outside the database before the process ends.
    crate::audit::checkpoint(&state)
        .await
        .map_err(|e| e.to_string())?;
    result
}

async fn execute(state: &AppState, command: Command) -> Result<ExitCode, String> {
    let actor = Actor::cli();
    match command {
        Command::Serve(_)
        | Command::Backup { .. }
        | Command::Restore { .. }
        | Command::Migrate(_) => {
            Err("serve, backup, restore and migrate are not admin commands".into())
        }
        Command::Schedule(c) => super::schedule::run(state, &actor, c).await,
        Command::Parameters(c) => super::county::run_parameters(state, &actor, c).await,
        Command::Template(c) => super::county::run_template(state, &actor, c).await,
        Command::Alerts(c) => super::alerts::run(state, &actor, c).await,
        Command::Org(OrgCommand::Add {
            id,
            parent,
            level,
            name,
        }) => {
            let level = OrgLevel::parse(&level).ok_or("unknown level")?;
            let unit = ops::org::add_unit(state, &actor, &id, parent.as_deref(), level, &name)
                .await
                .map_err(show)?;
            println!("added {} {}", unit.level.as_str(), unit.id);
            Ok(ExitCode::SUCCESS)
        }
        Command::User(UserCommand::Add {
            login,
            name,
            role,
            scope,
            id,
        }) => {
            let role = Role::parse(&role).ok_or("unknown role")?;
            let new = ops::users::NewUser {
                id,
                login,
                display_name: name,
                role,
                scope_unit_id: scope,
                password: read_password()?,
            };
            let staff = ops::users::add_user(state, &actor, new)
                .await
                .map_err(show)?;
            println!("added {} {}", staff.role.as_str(), staff.id);
            Ok(ExitCode::SUCCESS)
        }
        Command::Device(DeviceCommand::Code { worker }) => {
            let (code, expires) = ops::devices::create_code(state, &actor, &worker)
                .await
                .map_err(show)?;
            println!("{code}\nexpires {}", expires.to_rfc3339());
            Ok(ExitCode::SUCCESS)
        }
        Command::Device(DeviceCommand::Revoke { device_id }) => {
            let changed = ops::devices::revoke(state, &actor, &device_id)
                .await
                .map_err(show)?;
            println!(
                "{}\n{}",
                if changed {
                    "revoked"
                } else {
                    "already revoked"
                },
                ops::devices::REVOKE_WARNING
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Household(HouseholdCommand::Import { file }) => {
            let bytes = std::fs::read(&file).map_err(|e| format!("cannot read the file: {e}"))?;
            let total = bytes
                .iter()
                .filter(|b| **b == b'\n')
                .count()
                .saturating_sub(1);
            let bar = ProgressBar::new(total as u64);
            if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} rows") {
                bar.set_style(style);
            }
            let parsed = csv_import::parse(bytes.as_slice(), &mut || bar.inc(1));
            bar.finish_and_clear();
            let rows = match parsed {
                Ok(rows) => rows,
                Err(errors) => {
                    for e in &errors {
                        eprintln!("{e}");
                    }
                    return Ok(ExitCode::FAILURE);
                }
            };
            let n = ops::households::import(state, &actor, rows)
                .await
                .map_err(show)?;
            println!("imported {n} households");
            Ok(ExitCode::SUCCESS)
        }
        Command::Household(HouseholdCommand::Move {
            household_id,
            village,
            worker,
        }) => {
            let to = ops::households::Move {
                village_id: village,
                worker_id: worker,
            };
            let moved = ops::households::move_household(state, &actor, &household_id, &to)
                .await
                .map_err(show)?;
            println!(
                "moved {} from {} to {} (worker: {})",
                moved.household_id,
                moved.from_village_id,
                moved.village_id,
                moved.worker_id.as_deref().unwrap_or("none")
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Audience(AudienceCommand::Create { audience, unit }) => {
            let pass = read_passphrase()?;
            let rec =
                ops::audience::create_key_for(state, &actor, unit.as_deref(), &audience, &pass)
                    .await
                    .map_err(show)?;
            println!("created {} {}", rec.audience, rec.public_key);
            Ok(ExitCode::SUCCESS)
        }
        Command::Audience(AudienceCommand::Rotate { audience, unit }) => {
            let pass = read_secret(
                "FIELDVISIT_AUDIENCE_PASSPHRASE",
                "current passphrase of the audience key: ",
            )?;
            let new_pass = read_secret(
                "FIELDVISIT_NEW_AUDIENCE_PASSPHRASE",
                "new passphrase for the audience keys: ",
            )?;
            let view = ops::audience::rotate_key(
                state,
                &actor,
                unit.as_deref(),
                &audience,
                &pass,
                &new_pass,
            )
            .await
            .map_err(show)?;
            println!(
                "rotated {} of {} to generation {} {}",
                view.audience, view.unit_id, view.generation, view.public_key
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit(AuditCommand::Verify) => {
            match audit::verify(state).await.map_err(|e| e.to_string())? {
                Verification::Intact {
                    entries,
                    checkpoint,
                } => {
                    match checkpoint {
                        Some(seq) => println!(
                            "audit log intact: {entries} entries, every checkpoint present (newest: entry {seq})"
                        ),
                        None => println!("audit log intact: {entries} entries (no checkpoint yet)"),
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Verification::Broken { seq, reason } => {
                    println!("audit log broken at entry {seq}: {reason}");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
    }
}
