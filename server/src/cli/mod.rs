//! Command line: `serve` and the admin subcommands. The `fieldvisit-server` binary (package
//! `fieldvisit-cli`) adds `demo` beside them.

mod admin;
mod alerts;
pub mod backends;
mod county;
mod errors;
pub mod migrate;
mod schedule;
pub mod serve;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Options every subcommand takes.
#[derive(Debug, Clone, clap::Args)]
pub struct Global {
    /// Data folder (database and photos) [default: fieldvisit-data; for `demo`: fieldvisit-demo].
    #[arg(long, env = "FIELDVISIT_DATA", global = true)]
    pub data: Option<PathBuf>,
    /// Database and photo storage.
    #[command(flatten)]
    pub backends: backends::BackendArgs,
    /// The key file alert channel credentials are sealed with; several servers and the admin
    /// commands must share one [default: alerts.key in the data folder].
    #[arg(long, env = "FIELDVISIT_ALERTS_KEY_FILE", global = true)]
    pub alerts_key_file: Option<PathBuf>,
    /// The key audit entries are sealed with, kept outside the database; several servers and the
    /// admin commands must share one, and a restore needs the one the backup was sealed with
    /// [default: audit.key in the data folder].
    #[arg(long, env = "FIELDVISIT_AUDIT_KEY_FILE", global = true)]
    pub audit_key_file: Option<PathBuf>,
    /// The file the audit chain's head is noted in, outside the database, so a log cut short is
    /// found; best on storage the database's administrators cannot write
    /// [default: audit-checkpoints in the data folder].
    #[arg(long, env = "FIELDVISIT_AUDIT_CHECKPOINTS", global = true)]
    pub audit_checkpoints: Option<PathBuf>,
    /// Log lines as text for people, or JSON for a log collector.
    #[arg(long, env = "FIELDVISIT_LOG_FORMAT", global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

/// FieldVisit server.
#[derive(Debug, Parser)]
#[command(name = "fieldvisit-server", version, about)]
pub struct Cli {
    /// Options of every subcommand.
    #[command(flatten)]
    pub global: Global,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Text for people.
    Text,
    /// One JSON object a line.
    Json,
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
    /// A county's parameters: low-income standards by year, evidence thresholds.
    #[command(subcommand)]
    Parameters(county::ParametersCommand),
    /// Template versions a county publishes for its branch.
    #[command(subcommand)]
    Template(county::TemplateCommand),
    /// Alert channels (WeCom, DingTalk, webhooks), tests and delivery history.
    #[command(subcommand)]
    Alerts(alerts::AlertsCommand),
    /// Back up the data folder (SQLite and photos) while the server runs; verified after writing.
    Backup {
        /// A new, empty folder for the backup.
        #[arg(long)]
        to: PathBuf,
    },
    /// Move the data folder (SQLite and photos) to PostgreSQL and an S3-compatible bucket, for
    /// several servers; run it with the server stopped.
    Migrate(migrate::MigrateArgs),
    /// Restore a backup into a data folder that holds no database yet; verified before and after.
    Restore {
        /// The backup folder.
        #[arg(long)]
        from: PathBuf,
    },
}

/// The data folder of `serve` and the admin subcommands when none is given.
fn default_data() -> PathBuf {
    PathBuf::from("fieldvisit-data")
}

/// Backup and restore cover the embedded default; PostgreSQL and S3 have their own tools.
/// The audit key of the data folder `data` (or the file named on the command line); made when
/// missing only if `create`.
fn audit_key(
    data: &std::path::Path,
    files: crate::config::AuditFiles,
    create: bool,
) -> Result<crate::audit::AuditKey, String> {
    let mut config = crate::config::Config::new(data.to_owned());
    config.audit = files;
    let path = config.audit_key_path();
    if create {
        crate::audit::AuditKey::load_or_create(&path)
    } else {
        crate::audit::AuditKey::load(&path)
    }
    .map_err(|e| e.to_string())
}

fn refuse_remote(backends: &crate::backends::Backends, what: &str) -> Result<(), String> {
    if *backends == crate::backends::Backends::default() {
        Ok(())
    } else {
        Err(format!(
            "{what} covers the data folder (SQLite and photos); for PostgreSQL and S3 use \
             pg_dump/pg_restore and the bucket's versioning (docs/deploy.md)"
        ))
    }
}

/// Starts logging to standard error in `format`, at `default_level` unless `RUST_LOG` says
/// otherwise.
pub fn init_logs(format: LogFormat, default_level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_level));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if format == LogFormat::Json {
        // One JSON object a line, with the request id of the span each line was logged in.
        logs.json()
            .with_current_span(true)
            .with_span_list(false)
            .init();
    } else {
        logs.with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .init();
    }
}

/// Runs `future` on a new runtime and turns its outcome into the process's exit code, printing
/// an error.
pub fn block_on(future: impl std::future::Future<Output = Result<ExitCode, String>>) -> ExitCode {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(future) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> ExitCode {
    init_logs(cli.global.log_format, "info");
    block_on(execute(cli.global, cli.command))
}

/// Carries out `command`.
pub async fn execute(cli: Global, command: Command) -> Result<ExitCode, String> {
    let backends = cli.backends.backends()?;
    let audit_files = crate::config::AuditFiles {
        key_file: cli.audit_key_file.clone(),
        checkpoints: cli.audit_checkpoints.clone(),
    };
    match command {
        Command::Backup { to } => {
            refuse_remote(&backends, "backup")?;
            let data = cli.data.unwrap_or_else(default_data);
            let key = audit_key(&data, audit_files, true)?;
            let held = crate::backup::backup(&data, &to, &key).map_err(|e| e.to_string())?;
            println!(
                "backup in {} verified: {} visits, {} photos (each hash checked), audit chain of {} entries intact",
                to.display(),
                held.visits,
                held.photos,
                held.audit_entries
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Restore { from } => {
            refuse_remote(&backends, "restore")?;
            let data = cli.data.unwrap_or_else(default_data);
            // The key the backup was sealed with; a new one would not open its entries.
            let key = audit_key(&data, audit_files, false)?;
            let held = crate::backup::restore(&from, &data, &key).map_err(|e| e.to_string())?;
            println!(
                "restored into {} and verified: {} visits, {} photos, audit chain of {} entries intact",
                data.display(),
                held.visits,
                held.photos,
                held.audit_entries
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate(args) => {
            let mut config = crate::config::Config::new(cli.data.unwrap_or_else(default_data));
            config.backends = backends;
            config.audit = audit_files;
            migrate::run(&config, &args).await
        }
        Command::Serve(args) => {
            let mut config = args.config(cli.data.unwrap_or_else(default_data));
            config.backends = backends;
            config.alerts.key_file = cli.alerts_key_file;
            config.audit = audit_files;
            serve::serve(config, &args).await
        }
        other => {
            let mut config = crate::config::Config::new(cli.data.unwrap_or_else(default_data));
            config.backends = backends;
            config.alerts.key_file = cli.alerts_key_file;
            config.audit = audit_files;
            admin::run(config, other).await
        }
    }
}
