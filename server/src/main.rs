//! The `fieldvisit-server` binary: `serve` and the admin subcommands.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = fieldvisit_server::cli::Cli::parse();
    fieldvisit_server::cli::run(cli)
}
