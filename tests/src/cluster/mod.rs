//! A FieldVisit cluster on loopback for fault tests: PostgreSQL, three Garage nodes (replication
//! factor 3), several `serve` processes and HAProxy in front of the servers and of Garage.

pub mod cpu;
pub mod garage;
pub mod haproxy;
pub mod postgres;
pub mod probe;
pub mod servers;
pub mod tools;

use std::path::{Path, PathBuf};
use std::time::Duration;

use fieldvisit_server::backends::Backends;
use fieldvisit_server::blob::S3Options;
use fieldvisit_server::{AppState, Config};
use tokio::runtime::Runtime;

use crate::harness::free_port;
use garage::{Garage, KEY_ID, KEY_SECRET, REGION};
use haproxy::Haproxy;
use postgres::Postgres;
use servers::{ServerProcess, ServerSettings};
use tools::Tools;

/// Everything running; dropped, it stops the servers, the load balancer, Garage, then PostgreSQL.
#[derive(Debug)]
pub struct Cluster {
    /// The `serve` processes.
    pub servers: Vec<ServerProcess>,
    /// The load balancer.
    pub haproxy: Haproxy,
    /// The photo store.
    pub garage: Garage,
    /// The database.
    pub postgres: Postgres,
    /// Where configs, data and logs are.
    pub dir: PathBuf,
}

impl Cluster {
    /// Starts PostgreSQL, Garage and HAProxy under `dir` (emptied first), runs `seed` on a
    /// server state opened on the shared backends (it migrates the schema), then starts
    /// `server_count` server processes of `binary` and waits until the load balancer answers.
    pub fn start<T>(
        tools: &Tools,
        dir: &Path,
        binary: &Path,
        server_count: usize,
        seed: impl FnOnce(&Runtime, &AppState) -> T,
    ) -> (Cluster, T) {
        let _ = std::fs::remove_dir_all(dir);
        std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("cluster folder: {e}"));
        let postgres = Postgres::start(tools, free_port());
        let garage = Garage::start(tools, dir);
        let ports: Vec<u16> = (0..server_count).map(|_| free_port()).collect();
        let s3_ports: Vec<u16> = garage.nodes.iter().map(|n| n.s3_port).collect();
        let haproxy = Haproxy::start(tools, dir, &ports, &s3_ports);
        let settings = ServerSettings {
            binary: binary.to_path_buf(),
            database: postgres.url(),
            s3_endpoint: haproxy.s3_endpoint(),
            dir: dir.to_path_buf(),
        };
        let seeded = {
            let rt = crate::harness::runtime();
            let state = open_shared_state(&rt, &settings);
            seed(&rt, &state)
        };
        let servers: Vec<ServerProcess> = ports
            .iter()
            .enumerate()
            .map(|(i, port)| ServerProcess::start(&settings, i + 1, *port))
            .collect();
        for s in &servers {
            probe::wait_ok(
                s.port,
                "/readyz",
                Duration::from_secs(60),
                &format!("server {} ({})", s.number, s.folder().display()),
            );
        }
        probe::wait_ok(
            haproxy.api_port,
            "/readyz",
            Duration::from_secs(30),
            "the load balancer",
        );
        let cluster = Cluster {
            servers,
            haproxy,
            garage,
            postgres,
            dir: dir.to_path_buf(),
        };
        (cluster, seeded)
    }

    /// The cluster's processes by tier, for [`cpu::sample`].
    pub fn cpu_tiers(&self) -> Vec<cpu::Tier> {
        vec![
            cpu::Tier {
                name: "PostgreSQL",
                roots: self.postgres.pid().into_iter().collect(),
            },
            cpu::Tier {
                name: "Garage",
                roots: self.garage.nodes.iter().filter_map(|n| n.pid()).collect(),
            },
            cpu::Tier {
                name: "HAProxy",
                roots: vec![self.haproxy.pid()],
            },
            cpu::Tier {
                name: "servers",
                roots: self.servers.iter().filter_map(|s| s.pid()).collect(),
            },
        ]
    }

    /// A server state in this process on the cluster's database and bucket (through the load
    /// balancer), for seeding and for checking what the servers stored.
    pub fn state(&self, rt: &Runtime) -> AppState {
        let settings = ServerSettings {
            binary: PathBuf::new(),
            database: self.postgres.url(),
            s3_endpoint: self.haproxy.s3_endpoint(),
            dir: self.dir.clone(),
        };
        open_shared_state(rt, &settings)
    }
}

fn open_shared_state(rt: &Runtime, settings: &ServerSettings) -> AppState {
    let data = settings.dir.join("checker");
    std::fs::create_dir_all(&data).unwrap_or_else(|e| panic!("checker folder: {e}"));
    let mut config = Config::for_tests(data);
    config.alerts.key_file = Some(settings.dir.join("alerts.key"));
    config.audit.key_file = Some(settings.dir.join("audit.key"));
    config.backends = Backends::parse(
        Some(&settings.database),
        Some(&ServerSettings::blobs()),
        S3Options {
            endpoint: Some(settings.s3_endpoint.clone()),
            region: Some(REGION.into()),
            credentials: Some((KEY_ID.into(), KEY_SECRET.into())),
        },
    )
    .unwrap_or_else(|e| panic!("cluster backends: {e}"));
    rt.block_on(AppState::connect(config))
        .unwrap_or_else(|e| panic!("the shared backends do not open: {e}"))
}
