//! HAProxy in front of the server processes (health-checked on `/readyz`, round robin) and in front
//! of the Garage nodes' S3 APIs (health-checked by connecting), as a county's machine room would run it.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::tools::Tools;
use crate::harness::free_port;

/// A running HAProxy.
#[derive(Debug)]
pub struct Haproxy {
    /// The port phones and staff reach the servers on.
    pub api_port: u16,
    /// The port the servers reach the S3 store on.
    pub s3_port: u16,
    process: Child,
}

/// Checks every 200 ms; down after 2 failures, up again after 1 success.
const CHECK: &str = "inter 200ms fall 2 rise 1";

impl Haproxy {
    /// Writes the configuration under `dir` and starts HAProxy in the foreground.
    pub fn start(tools: &Tools, dir: &Path, server_ports: &[u16], s3_ports: &[u16]) -> Haproxy {
        let (api_port, s3_port) = (free_port(), free_port());
        let servers: String = server_ports
            .iter()
            .enumerate()
            .map(|(i, p)| format!("    server fv{} 127.0.0.1:{p} check {CHECK}\n", i + 1))
            .collect();
        let garages: String = s3_ports
            .iter()
            .enumerate()
            .map(|(i, p)| format!("    server g{} 127.0.0.1:{p} check {CHECK}\n", i + 1))
            .collect();
        // A connection refused by a dead server is retried on another one (redispatch); nothing
        // else is retried here: phones and reviewers retry by themselves.
        let config = format!(
            "global
    maxconn 4096

defaults
    mode http
    timeout connect 2s
    timeout client 90s
    timeout server 90s
    retries 3
    option redispatch 1

frontend api
    bind 127.0.0.1:{api_port}
    default_backend fieldvisit

backend fieldvisit
    balance roundrobin
    option forwardfor
    option httpchk GET /readyz
    http-check expect status 200
{servers}
frontend s3
    bind 127.0.0.1:{s3_port}
    default_backend garage

backend garage
    balance roundrobin
{garages}"
        );
        let path = dir.join("haproxy.cfg");
        std::fs::write(&path, config).unwrap_or_else(|e| panic!("haproxy config: {e}"));
        let log = std::fs::File::create(dir.join("haproxy.log"))
            .unwrap_or_else(|e| panic!("haproxy log: {e}"));
        let process = Command::new(&tools.haproxy)
            .arg("-f")
            .arg(&path)
            .arg("-db")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start haproxy: {e}"));
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", api_port)).is_err() {
            assert!(Instant::now() < deadline, "haproxy did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        Haproxy {
            api_port,
            s3_port,
            process,
        }
    }

    /// The address phones and staff use.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.api_port)
    }

    /// The S3 endpoint the servers use.
    pub fn s3_endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.s3_port)
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.process.id()
    }
}

impl Drop for Haproxy {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}
