//! The `fieldvisit-server` binary: `serve`, the admin subcommands, and `demo`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use fieldvisit_cli::demo::{self, DemoArgs};
use fieldvisit_server::cli::{self, Global};

/// FieldVisit server.
#[derive(Debug, Parser)]
#[command(
    name = "fieldvisit-server",
    version,
    about = "FieldVisit server: the API and console for phones and staff, the admin commands, and a demo county."
)]
struct Cli {
    /// Options of every subcommand.
    #[command(flatten)]
    global: Global,
    /// What to do.
    #[command(subcommand)]
    command: Command,
}

/// Subcommands.
// Parsed once per process; boxing the larger variant would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
enum Command {
    /// A demo county with simulated phones, served at once; nothing to set up.
    Demo(DemoArgs),
    /// The server's own.
    #[command(flatten)]
    Server(cli::Command),
}

fn main() -> ExitCode {
    let Cli { global, command } = Cli::parse();
    match command {
        Command::Demo(args) => {
            // The demo's thousands of uploads would bury its summary under access-log lines.
            cli::init_logs(global.log_format, "warn");
            let data = global
                .data
                .unwrap_or_else(|| PathBuf::from(demo::DEFAULT_DATA));
            cli::block_on(demo::main(data, args))
        }
        Command::Server(command) => {
            cli::init_logs(global.log_format, "info");
            cli::block_on(cli::execute(global, command))
        }
    }
}
