//! A PostgreSQL instance of the cluster's own (Debian's binaries, a fresh data folder, a loopback
//! port), so restarting it disturbs no other database on the machine.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use super::tools::{Tools, run_ok, running_as_root};

/// A running PostgreSQL instance that the test may restart.
#[derive(Debug)]
pub struct Postgres {
    bin: PathBuf,
    data: PathBuf,
    port: u16,
    // Under the system's temporary folder, which the postgres user can reach when the test runs
    // as root (a folder in the clone may not be).
    _dir: tempfile::TempDir,
}

impl Postgres {
    /// Initialises a database folder and starts it on `port` (trust on loopback).
    pub fn start(tools: &Tools, port: u16) -> Postgres {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("PostgreSQL folder: {e}"));
        let data = dir.path().join("pgdata");
        std::fs::create_dir_all(&data).unwrap_or_else(|e| panic!("pgdata: {e}"));
        if running_as_root() {
            // PostgreSQL does not run as root: its folder belongs to the postgres user.
            run_ok(
                Command::new("chown")
                    .args(["-R", "postgres:postgres"])
                    .arg(dir.path()),
                "chown of the PostgreSQL folder",
            );
        }
        let pg = Postgres {
            bin: tools.pg_bin.clone(),
            data,
            port,
            _dir: dir,
        };
        run_ok(
            &mut pg.command(
                "initdb",
                &[
                    "-D",
                    &pg.data_str(),
                    "-U",
                    "fieldvisit",
                    "--auth=trust",
                    "--encoding=UTF8",
                    "--no-sync",
                ],
            ),
            "initdb",
        );
        pg.pg_ctl("start");
        pg
    }

    /// The URL the servers connect with.
    pub fn url(&self) -> String {
        format!("postgres://fieldvisit@127.0.0.1:{}/postgres", self.port)
    }

    /// Restarts the server the way an operator does (`pg_ctl restart -m fast`): every client
    /// connection is cut, then it accepts new ones.
    pub fn restart(&self) {
        self.pg_ctl("restart");
    }

    /// The postmaster's process id (its backends are its children), while it runs.
    pub fn pid(&self) -> Option<u32> {
        std::fs::read_to_string(self.data.join("postmaster.pid"))
            .ok()?
            .lines()
            .next()?
            .trim()
            .parse()
            .ok()
    }

    fn data_str(&self) -> String {
        self.data.display().to_string()
    }

    fn pg_ctl(&self, action: &str) {
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -k {} -c max_connections=200 -c fsync=off",
            self.port,
            self.data_str()
        );
        let log = self.data.join("postgres.log").display().to_string();
        run_ok(
            &mut self.command(
                "pg_ctl",
                &[
                    "-D",
                    &self.data_str(),
                    "-l",
                    &log,
                    "-o",
                    &options,
                    "-m",
                    "fast",
                    "-w",
                    "-t",
                    "60",
                    action,
                ],
            ),
            &format!("pg_ctl {action}"),
        );
    }

    fn command(&self, program: &str, args: &[&str]) -> Command {
        let path = self.bin.join(program);
        let mut cmd = if running_as_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(path);
            c
        } else {
            Command::new(path)
        };
        cmd.args(args).current_dir("/");
        cmd
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = self
            .command(
                "pg_ctl",
                &["-D", &self.data_str(), "-m", "immediate", "stop"],
            )
            .output();
        std::thread::sleep(Duration::from_millis(100));
    }
}
