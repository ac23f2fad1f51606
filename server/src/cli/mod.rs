//! Command line: `serve` and the admin subcommands of the same binary.

mod admin;
pub mod backends;
mod schedule;
pub mod serve;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// FieldVisit server.
#[derive(Debug, Parser)]
#[command(name = "fieldvisit-server", version, about)]
pub struct Cli {
    /// Data folder (database and photos).
    #[arg(
        long,
        env = "FIELDVISIT_DATA",
        global = true,
        default_value = "fieldvisit-data"
    )]
    pub data: PathBuf,
    /// Database and photo storage.
    #[command(flatten)]
    pub backends: backends::BackendArgs,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the HTTP API.
    Serve(serve::ServeArgs),
    /// Org units.
    #[command(subcommand)]
    Org(admin::OrgCommand),
    /// Staff accounts.
    #[command(subcommand)]
    User(admin::UserCommand),
    /// Devices.
    #[command(subcommand)]
    Device(admin::DeviceCommand),
    /// Households.
    #[command(subcommand)]
    Household(admin::HouseholdCommand),
    /// Audience key pairs.
    #[command(subcommand)]
    Audience(admin::AudienceCommand),
    /// Audit log.
    #[command(subcommand)]
    Audit(admin::AuditCommand),
    /// Visit schedules per county.
    #[command(subcommand)]
    Schedule(schedule::ScheduleCommand),
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        let backends = cli.backends.backends()?;
        match cli.command {
            Command::Serve(args) => serve::serve(cli.data, backends, args).await,
            other => admin::run(cli.data, backends, other).await,
        }
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
