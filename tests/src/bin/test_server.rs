//! The real server binary, built inside the test crate so tests can start it as a separate process
//! (and kill it with SIGKILL).

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    fieldvisit_server::cli::run(fieldvisit_server::cli::Cli::parse())
}
