//! Sign-in under a flood: the real server binary (built optimised, SQLite, default limits) while
//! one address sends wrong-password sign-ins at a fixed rate (open loop: each request leaves at
//! its scheduled time, whether or not earlier ones were answered) and other people, each from an
//! address of their own (127.0.0.2 to 127.0.0.9), sign in correctly.
//!
//! Reports the other people's sign-in latency (p50/p99/max) against the same schedule measured
//! without the flood in the same run, how the flood was answered (by status), the server's peak
//! RSS against its RSS after startup, and the audit log's growth: failed sign-ins are summarised
//! once a minute as `login.failures`, so it must grow by summaries, not by a row per attempt. The
//! bench waits for the summary of the flood's last minute (up to two minutes).
//!
//! Run: `cargo bench -p fieldvisit-cli --bench signin_flood`. Knobs: `FV_FLOOD_SECONDS` (30),
//! `FV_FLOOD_RATE` (200 a second), `FV_FLOOD_USERS_RATE` (2 a second). Without `--bench` (as
//! `cargo test --benches` runs benches) it does nothing: it takes minutes and wants the release
//! build.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fieldvisit_server::ops::users::NewUser;
use fieldvisit_server::ops::{Actor, org, users};
use fieldvisit_server::store::{OrgLevel, Role};
use fieldvisit_server::{AppState, Config};
use fieldvisit_sim::load::load_average;

const PASSWORD: &str = "correct horse battery staple";
/// People signing in correctly, one address each from 127.0.0.2 on.
const USERS: u8 = 8;
/// Accounts the flood guesses passwords of (none of them the people's); every fourth attempt
/// names a login that does not exist, which costs the server the same password work and never
/// locks.
const TARGETS: usize = 3;

fn env_f64(name: &str, default: f64) -> f64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|v: &f64| *v > 0.0)
        .unwrap_or(default)
}

/// One request: how late it left against its schedule, how long its answer took, its status
/// (`None`: no answer).
#[derive(Debug, Clone, Copy)]
struct Shot {
    lag: Duration,
    latency: Duration,
    status: Option<u16>,
}

/// The server process, killed when dropped (also when the bench panics).
struct Server {
    process: Child,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// Seeds the county's top units, the people's accounts and the flood's targets, hashed at the
/// production cost as `serve` checks them.
fn seed(rt: &tokio::runtime::Runtime, data: &Path) {
    let state = {
        let _guard = rt.enter();
        AppState::open(Config::new(data.to_path_buf())).expect("open the data folder")
    };
    let cli = Actor::cli();
    rt.block_on(async {
        for (id, parent, level, name) in [
            ("p-32", None, OrgLevel::Province, "江苏省"),
            ("c-3201", Some("p-32"), OrgLevel::City, "南京市"),
            ("x-320115", Some("c-3201"), OrgLevel::County, "江宁区"),
        ] {
            org::add_unit(&state, &cli, id, parent, level, name)
                .await
                .unwrap();
        }
        let logins = (1..=USERS)
            .map(|u| format!("staff-{u}"))
            .chain((1..=TARGETS).map(|t| format!("target-{t}")));
        for login in logins {
            users::add_user(
                &state,
                &cli,
                NewUser {
                    id: Some(login.clone()),
                    login: login.clone(),
                    display_name: login,
                    role: Role::Supervisor,
                    scope_unit_id: "x-320115".into(),
                    password: PASSWORD.into(),
                },
            )
            .await
            .unwrap();
        }
    });
}

fn start_server(data: &Path, port: u16, log: &Path) -> Server {
    let process = Command::new(env!("CARGO_BIN_EXE_fieldvisit-server"))
        .args(["serve", "--data"])
        .arg(data)
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .expect("start the server");
    let server = Server { process };
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the server did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    server
}

/// `VmRSS` and `VmHWM` (the peak) of a process, in MiB.
fn memory(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kib = |key: &str| -> f64 {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (kib("VmRSS:") / 1024.0, kib("VmHWM:") / 1024.0)
}

/// Audit rows by action, read from the database file beside the running server.
fn audit_rows(db: &Path) -> BTreeMap<String, i64> {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    conn.busy_timeout(Duration::from_secs(5)).unwrap();
    let mut stmt = conn
        .prepare("SELECT action, COUNT(*) FROM audit_log GROUP BY action")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// The latest minute a `login.failures` summary covers.
fn last_summarised_minute(db: &Path) -> Option<String> {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    conn.busy_timeout(Duration::from_secs(5)).unwrap();
    conn.query_row(
        "SELECT MAX(json_extract(detail, '$.minute')) FROM audit_log \
         WHERE action = 'login.failures'",
        [],
        |r| r.get(0),
    )
    .unwrap()
}

fn total(rows: &BTreeMap<String, i64>) -> i64 {
    rows.values().sum()
}

/// Sends `send(i)` for i = 0, 1, … at `rate` a second for `seconds`, each at its scheduled time,
/// without waiting for earlier answers; every shot once all are answered.
async fn open_loop<F, Fut>(rate: f64, seconds: f64, send: F) -> Vec<Shot>
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = Option<u16>> + Send + 'static,
{
    let n = (rate * seconds).round() as usize;
    let period = Duration::from_secs_f64(1.0 / rate);
    let t0 = tokio::time::Instant::now();
    let mut tasks = Vec::with_capacity(n);
    for i in 0..n {
        let due = t0 + period.mul_f64(i as f64);
        tokio::time::sleep_until(due).await;
        let lag = due.elapsed();
        let request = send(i);
        tasks.push(tokio::spawn(async move {
            let started = Instant::now();
            let status = request.await;
            Shot {
                lag,
                latency: started.elapsed(),
                status,
            }
        }));
    }
    let mut shots = Vec::with_capacity(n);
    for t in tasks {
        shots.push(t.await.unwrap());
    }
    shots
}

/// A client whose connections leave from `from`.
fn client(from: Ipv4Addr) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(IpAddr::V4(from))
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

/// A sign-in, its answer read to the end so the connection is reused; its status.
fn sign_in(
    c: &reqwest::Client,
    url: &str,
    login: String,
    password: &'static str,
) -> impl Future<Output = Option<u16>> + Send + 'static {
    let rb = c
        .post(url)
        .json(&serde_json::json!({ "login": login, "password": password }));
    async move {
        let r = rb.send().await.ok()?;
        let status = r.status().as_u16();
        r.bytes().await.ok()?;
        Some(status)
    }
}

/// The people's schedule: round robin over their accounts, each from its own address.
async fn people(clients: &[reqwest::Client], url: &str, rate: f64, seconds: f64) -> Vec<Shot> {
    open_loop(rate, seconds, |i| {
        let u = i % clients.len();
        sign_in(&clients[u], url, format!("staff-{}", u + 1), PASSWORD)
    })
    .await
}

/// p-th quantile (nearest rank) in milliseconds.
fn quantile_ms(sorted: &[Duration], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1].as_secs_f64() * 1000.0
}

/// The row of the people's table: sign-ins, successful ones, p50/p99/max of the successful ones.
fn people_row(name: &str, shots: &[Shot]) -> (String, f64) {
    let mut ok: Vec<Duration> = shots
        .iter()
        .filter(|s| s.status == Some(200))
        .map(|s| s.latency)
        .collect();
    ok.sort_unstable();
    let p99 = quantile_ms(&ok, 0.99);
    (
        format!(
            "  {name:<22} {:>6} {:>6} {:>9.1} {:>9.1} {:>9.1}",
            shots.len(),
            ok.len(),
            quantile_ms(&ok, 0.5),
            p99,
            quantile_ms(&ok, 1.0),
        ),
        p99,
    )
}

fn by_status(shots: &[Shot]) -> String {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for s in shots {
        let key = s.status.map_or("no answer".to_string(), |c| c.to_string());
        *counts.entry(key).or_default() += 1;
    }
    counts
        .iter()
        .map(|(k, v)| format!("{k}: {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn growth(before: &BTreeMap<String, i64>, after: &BTreeMap<String, i64>) -> String {
    let parts: Vec<String> = after
        .iter()
        .filter_map(|(action, n)| {
            let d = n - before.get(action).copied().unwrap_or(0);
            (d != 0).then(|| format!("{action} +{d}"))
        })
        .collect();
    if parts.is_empty() {
        "none".into()
    } else {
        parts.join(", ")
    }
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!(
            "signin_flood: skipped (minutes long); run `cargo bench -p fieldvisit-cli --bench signin_flood`"
        );
        return;
    }
    let seconds = env_f64("FV_FLOOD_SECONDS", 30.0);
    let flood_rate = env_f64("FV_FLOOD_RATE", 200.0);
    let people_rate = env_f64("FV_FLOOD_USERS_RATE", 2.0);

    let dir = tempfile::tempdir().unwrap();
    let data: PathBuf = dir.path().join("data");
    let db = data.join("fieldvisit.db");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    seed(&rt, &data);

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    let server = start_server(&data, port, &dir.path().join("server.log"));
    let pid = server.process.id();
    let url = format!("http://127.0.0.1:{port}/api/v1/auth/login");
    let people_clients: Vec<reqwest::Client> = (0..USERS)
        .map(|u| client(Ipv4Addr::new(127, 0, 0, 2 + u)))
        .collect();
    let flood_client = client(Ipv4Addr::LOCALHOST);

    // Every client has signed in once (connections open, pages of the server's code touched)
    // before RSS after startup is read.
    rt.block_on(async {
        for (u, c) in people_clients.iter().enumerate() {
            let status = sign_in(c, &url, format!("staff-{}", u + 1), PASSWORD).await;
            assert_eq!(status, Some(200), "a person's first sign-in");
        }
    });
    let (rss_start, _) = memory(pid);
    println!(
        "signin_flood: release server, SQLite, default limits (30 sign-in attempts at once per \
         address, then 1 every 2 s; lockout after 10 failures); load average {}",
        load_average()
    );

    let baseline = rt.block_on(people(&people_clients, &url, people_rate, seconds));
    let (_, hwm_baseline) = memory(pid);

    let audit_before = audit_rows(&db);
    let flood_started = chrono::Utc::now();
    let (flood, during) = rt.block_on(async {
        let flood = open_loop(flood_rate, seconds, |i| {
            let login = match i % (TARGETS + 1) {
                t if t < TARGETS => format!("target-{}", t + 1),
                _ => format!("nobody-{i}"),
            };
            sign_in(&flood_client, &url, login, "not the password")
        });
        tokio::join!(flood, people(&people_clients, &url, people_rate, seconds))
    });
    let flood_ended = chrono::Utc::now();
    let (rss_end, hwm_flood) = memory(pid);
    let audit_after = audit_rows(&db);

    // The summary of the flood's last minute is written at the first of the server's minutely
    // rounds after that minute ends.
    let last_minute = flood_ended.format("%Y-%m-%dT%H:%M:00Z").to_string();
    let deadline = Instant::now() + Duration::from_secs(130);
    while last_summarised_minute(&db).is_none_or(|m| m < last_minute) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_secs(1));
    }
    let audit_summarised = audit_rows(&db);
    let load = load_average();
    drop(server);

    let (row_base, p99_base) = people_row("without the flood", &baseline);
    let (row_flood, p99_flood) = people_row("during the flood", &during);
    let mut flood_latency: Vec<Duration> = flood.iter().map(|s| s.latency).collect();
    flood_latency.sort_unstable();
    let max_lag = flood
        .iter()
        .chain(&during)
        .map(|s| s.lag)
        .max()
        .unwrap_or_default();

    println!();
    println!(
        "{:.0} wrong-password sign-ins a second from 127.0.0.1 for {seconds:.0} s ({} sent, \
         {TARGETS} accounts guessed and unknown logins); {people_rate:.0} correct sign-ins a second from 127.0.0.2-9 \
         ({USERS} accounts)",
        flood_rate,
        flood.len()
    );
    println!();
    println!(
        "  {:<22} {:>6} {:>6} {:>9} {:>9} {:>9}",
        "other people's sign-ins", "sent", "200", "p50 ms", "p99 ms", "max ms"
    );
    println!("{row_base}");
    println!("{row_flood}");
    println!(
        "  p99 during the flood {:.2}x the p99 without it; target p99 < 1000 ms: {}",
        p99_flood / p99_base,
        if p99_flood < 1000.0 { "met" } else { "MISSED" }
    );
    println!();
    println!("  flood answers          {}", by_status(&flood));
    println!(
        "  flood answer time      p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        quantile_ms(&flood_latency, 0.5),
        quantile_ms(&flood_latency, 0.99),
        quantile_ms(&flood_latency, 1.0)
    );
    println!(
        "  latest send            {:.1} ms behind its schedule",
        max_lag.as_secs_f64() * 1000.0
    );
    println!();
    println!("  server RSS after startup          {rss_start:>8.1} MiB");
    println!("  peak RSS by the end of baseline   {hwm_baseline:>8.1} MiB");
    println!(
        "  peak RSS by the end of the flood  {hwm_flood:>8.1} MiB ({:+.1} MiB over startup)",
        hwm_flood - rss_start
    );
    println!("  RSS after the flood               {rss_end:>8.1} MiB");
    println!();
    println!(
        "  audit rows before the flood       {:>8}",
        total(&audit_before)
    );
    println!(
        "  right after it ({}–{})  {:>8}  ({})",
        flood_started.format("%H:%M:%S"),
        flood_ended.format("%H:%M:%S"),
        total(&audit_after),
        growth(&audit_before, &audit_after)
    );
    println!(
        "  once its minutes are summarised   {:>8}  ({} since the flood began)",
        total(&audit_summarised),
        growth(&audit_before, &audit_summarised)
    );
    println!("  load average at the end: {load}");
}
