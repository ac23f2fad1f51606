//! A Garage cluster of three nodes on loopback with replication factor 3: each node with its own
//! config file, folders and ports, joined into one layout, with a bucket and a key for the servers.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::tools::{Tools, run_ok};
use crate::harness::free_port;

/// The region the nodes answer to.
pub const REGION: &str = "garage";
/// The bucket the servers keep photos in.
pub const BUCKET: &str = "fieldvisit-photos";
/// The servers' access key id (Garage's `GK` + 24 hex digits).
pub const KEY_ID: &str = "GK31c2f218a2e44f485b94239e";
/// The servers' secret key.
pub const KEY_SECRET: &str = "b892c0665f0ada8a4755dae98baa3b133590e11dae3bcc1f9d769d67f16c3835";
/// The cluster's shared RPC secret.
const RPC_SECRET: &str = "4425f5c26c5e11581d3223904324dcb5b5d5dfb14e5e7f35e38c595424f5f1e6";

/// One Garage node.
#[derive(Debug)]
pub struct GarageNode {
    /// Its config file.
    pub config: PathBuf,
    /// Its S3 API port.
    pub s3_port: u16,
    rpc_port: u16,
    process: Option<Child>,
}

/// Three nodes.
#[derive(Debug)]
pub struct Garage {
    /// The nodes, in start order.
    pub nodes: Vec<GarageNode>,
    binary: PathBuf,
}

impl GarageNode {
    fn write_config(dir: &Path) -> GarageNode {
        std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("garage folder: {e}"));
        let (rpc_port, s3_port, admin_port) = (free_port(), free_port(), free_port());
        let config = dir.join("garage.toml");
        let text = format!(
            r#"metadata_dir = "{dir}/meta"
data_dir = "{dir}/data"
db_engine = "sqlite"
metadata_fsync = false
data_fsync = false
replication_factor = 3
compression_level = "none"
rpc_bind_addr = "127.0.0.1:{rpc_port}"
rpc_public_addr = "127.0.0.1:{rpc_port}"
rpc_secret = "{RPC_SECRET}"

[s3_api]
s3_region = "{REGION}"
api_bind_addr = "127.0.0.1:{s3_port}"

[admin]
api_bind_addr = "127.0.0.1:{admin_port}"
admin_token = "{RPC_SECRET}"
"#,
            dir = dir.display()
        );
        std::fs::write(&config, text).unwrap_or_else(|e| panic!("garage config: {e}"));
        GarageNode {
            config,
            s3_port,
            rpc_port,
            process: None,
        }
    }

    fn spawn(&mut self, binary: &Path) {
        let dir = self.config.parent().unwrap_or(Path::new("."));
        let log = std::fs::File::create(dir.join("garage.log"))
            .unwrap_or_else(|e| panic!("garage log: {e}"));
        let child = Command::new(binary)
            .arg("-c")
            .arg(&self.config)
            .arg("server")
            .env("RUST_LOG", "garage=warn")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start garage: {e}"));
        self.process = Some(child);
    }

    /// Its process id while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.process.as_ref().map(Child::id)
    }

    /// Stops the node at once (SIGKILL), as a machine that loses power.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.process.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Garage {
    /// Starts three nodes under `dir`, joins them, lays out 1 GB on each in one zone and makes the
    /// bucket and the key.
    pub fn start(tools: &Tools, dir: &Path) -> Garage {
        let mut garage = Garage {
            nodes: (1..=3)
                .map(|i| GarageNode::write_config(&dir.join(format!("garage{i}"))))
                .collect(),
            binary: tools.garage.clone(),
        };
        for node in &mut garage.nodes {
            node.spawn(&tools.garage);
        }
        let ids: Vec<String> = (0..3)
            .map(|i| garage.retry(i, &["node", "id", "-q"]).trim().to_string())
            .collect();
        for (id, node) in ids.iter().zip(&garage.nodes).skip(1) {
            let short = id.split('@').next().unwrap_or(id);
            garage.retry(
                0,
                &[
                    "node",
                    "connect",
                    &format!("{short}@127.0.0.1:{}", node.rpc_port),
                ],
            );
        }
        for id in &ids {
            let short = id.split('@').next().unwrap_or(id);
            garage.retry(0, &["layout", "assign", "-z", "dc1", "-c", "1G", short]);
        }
        garage.retry(0, &["layout", "apply", "--version", "1"]);
        garage.retry(
            0,
            &[
                "key",
                "import",
                "-n",
                "fieldvisit",
                "--yes",
                KEY_ID,
                KEY_SECRET,
            ],
        );
        garage.retry(0, &["bucket", "create", BUCKET]);
        garage.retry(
            0,
            &[
                "bucket", "allow", "--read", "--write", "--owner", BUCKET, "--key", KEY_ID,
            ],
        );
        garage
    }

    /// Runs a `garage` command against node `i`, retrying while the cluster settles.
    fn retry(&self, i: usize, args: &[&str]) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let mut cmd = Command::new(&self.binary);
            cmd.arg("-c").arg(&self.nodes[i].config).args(args);
            let out = cmd
                .output()
                .unwrap_or_else(|e| panic!("cannot run garage: {e}"));
            if out.status.success() {
                return String::from_utf8_lossy(&out.stdout).into_owned();
            }
            if Instant::now() > deadline {
                // Once more, to fail with its output.
                return run_ok(&mut cmd, &format!("garage {}", args.join(" ")));
            }
            std::thread::sleep(Duration::from_millis(300));
        }
    }
}

impl Drop for Garage {
    fn drop(&mut self) {
        for node in &mut self.nodes {
            node.kill();
        }
    }
}
