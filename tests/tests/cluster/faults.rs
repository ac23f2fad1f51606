//! The three faults, one after the other, each with its recovery clock: the time from the fault
//! until the first request through the load balancer that needs the failed part answers 200.

use std::time::{Duration, Instant};

use fieldvisit_tests::cluster::Cluster;
use fieldvisit_tests::cluster::probe::time_until_ok;

/// How long the cluster may take to recover before the test fails.
const RECOVERY_LIMIT: Duration = Duration::from_secs(60);

/// What one fault cost.
#[derive(Debug)]
pub struct Recovery {
    pub fault: &'static str,
    /// First 200 through the load balancer after the fault.
    pub through_lb: Duration,
    /// Until every server process answered `/readyz` 200 on its own port again.
    pub all_servers_ready: Duration,
    /// For a restarted process: from its start until its `/readyz` answered 200.
    pub restart_to_ready: Option<Duration>,
}

fn measure(cluster: &Cluster, fault: &'static str, since: Instant, path: &str) -> Recovery {
    let through_lb = time_until_ok(cluster.haproxy.api_port, path, since, RECOVERY_LIMIT)
        .unwrap_or_else(|| panic!("{fault}: no 200 for {path} through the load balancer"));
    let mut all_servers_ready = through_lb;
    for s in &cluster.servers {
        let t = time_until_ok(s.port, "/readyz", since, RECOVERY_LIMIT).unwrap_or_else(|| {
            panic!(
                "{fault}: server {} is not ready again (logs in {})",
                s.number,
                s.folder().display()
            )
        });
        all_servers_ready = all_servers_ready.max(t);
    }
    Recovery {
        fault,
        through_lb,
        all_servers_ready,
        restart_to_ready: None,
    }
}

/// SIGKILL of server 2, restarted after `down`.
pub fn kill_a_server(cluster: &mut Cluster, down: Duration) -> Recovery {
    let since = Instant::now();
    cluster.servers[1].kill();
    let through_lb = time_until_ok(cluster.haproxy.api_port, "/healthz", since, RECOVERY_LIMIT)
        .unwrap_or_else(|| panic!("no 200 through the load balancer with a server killed"));
    std::thread::sleep(down.saturating_sub(since.elapsed()));
    let restarted = Instant::now();
    cluster.servers[1].restart();
    let mut r = measure(cluster, "SIGKILL of a server", since, "/healthz");
    r.through_lb = through_lb;
    r.restart_to_ready = time_until_ok(
        cluster.servers[1].port,
        "/readyz",
        restarted,
        RECOVERY_LIMIT,
    );
    r
}

/// `pg_ctl restart -m fast`: every connection of every server is cut. The servers are not
/// restarted: they must reconnect by themselves.
pub fn restart_postgres(cluster: &mut Cluster) -> Recovery {
    let since = Instant::now();
    cluster.postgres.restart();
    let r = measure(cluster, "PostgreSQL restart", since, "/healthz");
    for s in &mut cluster.servers {
        assert!(
            s.still_running(),
            "server {} exited after the database restart (logs in {})",
            s.number,
            s.folder().display()
        );
    }
    r
}

/// SIGKILL of Garage node 3, which stays down to the end of the test.
pub fn stop_a_garage_node(cluster: &mut Cluster) -> Recovery {
    let since = Instant::now();
    cluster.garage.nodes[2].kill();
    measure(cluster, "Garage node 3 stopped", since, "/readyz")
}
