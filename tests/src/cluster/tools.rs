//! The programs a cluster needs, found through the variables `scripts/install-cluster.sh` exports.

use std::path::PathBuf;
use std::process::Command;

/// Paths of the cluster's programs.
#[derive(Debug, Clone)]
pub struct Tools {
    /// The `garage` binary.
    pub garage: PathBuf,
    /// The `haproxy` binary.
    pub haproxy: PathBuf,
    /// The folder holding PostgreSQL's `initdb` and `pg_ctl`.
    pub pg_bin: PathBuf,
}

impl Tools {
    /// The tools, or why they cannot be used. `FIELDVISIT_GARAGE`, `FIELDVISIT_HAPROXY` and
    /// `FIELDVISIT_PG_BIN` name them; HAProxy and PostgreSQL are also found where Debian puts them.
    pub fn find() -> Result<Tools, String> {
        let garage = std::env::var_os("FIELDVISIT_GARAGE")
            .map(PathBuf::from)
            .ok_or("FIELDVISIT_GARAGE is not set (source scripts/install-cluster.sh)")?;
        let haproxy = std::env::var_os("FIELDVISIT_HAPROXY")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("/usr/sbin/haproxy"));
        let pg_bin = match std::env::var_os("FIELDVISIT_PG_BIN") {
            Some(p) => PathBuf::from(p),
            None => newest_debian_postgres().ok_or("no PostgreSQL under /usr/lib/postgresql")?,
        };
        for (what, path) in [
            ("garage", garage.clone()),
            ("haproxy", haproxy.clone()),
            ("initdb", pg_bin.join("initdb")),
            ("pg_ctl", pg_bin.join("pg_ctl")),
        ] {
            if !path.is_file() {
                return Err(format!("{what} is missing at {}", path.display()));
            }
        }
        Ok(Tools {
            garage,
            haproxy,
            pg_bin,
        })
    }
}

/// The newest `/usr/lib/postgresql/<version>/bin` on a Debian machine.
fn newest_debian_postgres() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse::<u32>().ok()?;
            Some((v, e.path().join("bin")))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, p)| p)
}

/// Whether this process runs as root (PostgreSQL refuses to, so its commands then run as `postgres`).
pub fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(1).map(|u| u == "0"))
        })
        .unwrap_or(false)
}

/// Runs `cmd` to completion and returns its stdout, panicking with its stderr when it fails.
pub fn run_ok(cmd: &mut Command, what: &str) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed ({}): {}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
