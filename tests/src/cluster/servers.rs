//! `fieldvisit-server serve` processes sharing one PostgreSQL database and one S3 bucket.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::garage::{BUCKET, KEY_ID, KEY_SECRET, REGION};

/// What every server process is started with.
#[derive(Debug, Clone)]
pub struct ServerSettings {
    /// The server binary.
    pub binary: PathBuf,
    /// The PostgreSQL URL.
    pub database: String,
    /// The S3 endpoint (the load balancer in front of Garage).
    pub s3_endpoint: String,
    /// A folder for each process's data folder and log.
    pub dir: PathBuf,
}

impl ServerSettings {
    /// The `--blobs` value.
    pub fn blobs() -> String {
        format!("s3://{BUCKET}/cluster")
    }
}

/// One server process, restartable on the same port.
#[derive(Debug)]
pub struct ServerProcess {
    /// Its number (1-based), for logs.
    pub number: usize,
    /// The port it listens on.
    pub port: u16,
    settings: ServerSettings,
    process: Option<Child>,
    starts: usize,
}

impl ServerProcess {
    /// Starts server `number` on `port`.
    pub fn start(settings: &ServerSettings, number: usize, port: u16) -> ServerProcess {
        let mut server = ServerProcess {
            number,
            port,
            settings: settings.clone(),
            process: None,
            starts: 0,
        };
        server.spawn();
        server
    }

    /// Its own address, past the load balancer.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn spawn(&mut self) {
        self.starts += 1;
        let data = self.settings.dir.join(format!("server{}", self.number));
        std::fs::create_dir_all(&data).unwrap_or_else(|e| panic!("server folder: {e}"));
        let log = std::fs::File::create(data.join(format!("serve-{}.log", self.starts)))
            .unwrap_or_else(|e| panic!("server log: {e}"));
        let child = Command::new(&self.settings.binary)
            .arg("--data")
            .arg(&data)
            .arg("--alerts-key-file")
            .arg(self.settings.dir.join("alerts.key"))
            .arg("--audit-key-file")
            .arg(self.settings.dir.join("audit.key"))
            .args(["--database", &self.settings.database])
            .args(["--blobs", &ServerSettings::blobs()])
            .args(["--s3-endpoint", &self.settings.s3_endpoint])
            .args(["--s3-region", REGION])
            .arg("serve")
            .args(["--listen", &format!("127.0.0.1:{}", self.port)])
            .args(["--trusted-proxy", "127.0.0.1"])
            .args(["--db-connect-timeout-seconds", "2"])
            .env("AWS_ACCESS_KEY_ID", KEY_ID)
            .env("AWS_SECRET_ACCESS_KEY", KEY_SECRET)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start server {}: {e}", self.number));
        self.process = Some(child);
        let deadline = Instant::now() + Duration::from_secs(60);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "server {} did not start (see {})",
                self.number,
                data.display()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kills the process with SIGKILL: no request in flight finishes, nothing is flushed.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.process.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port.
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }

    /// Whether the process is still the one last started (it has not exited).
    pub fn still_running(&mut self) -> bool {
        self.process
            .as_mut()
            .is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }

    /// Its process id while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.process.as_ref().map(Child::id)
    }

    /// Times it was started.
    pub fn starts(&self) -> usize {
        self.starts
    }

    /// Lines of its logs (every start) that contain `needle`.
    pub fn log_lines_containing(&self, needle: &str) -> usize {
        (1..=self.starts)
            .filter_map(|n| {
                std::fs::read_to_string(self.folder().join(format!("serve-{n}.log"))).ok()
            })
            .map(|log| log.lines().filter(|l| l.contains(needle)).count())
            .sum()
    }

    /// Its data folder (logs).
    pub fn folder(&self) -> PathBuf {
        self.settings.dir.join(format!("server{}", self.number))
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}
