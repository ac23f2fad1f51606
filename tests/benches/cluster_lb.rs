//! Through the load balancer: two `serve` processes behind HAProxy on PostgreSQL and a
//! three-node Garage S3 cluster (replication factor 3), against one server process on the
//! embedded default (SQLite and a local photo folder), in the same run and on the same machine:
//!
//! 1. `GET /healthz` from 32 clients: the baseline of each setup;
//! 2. ingest of sealed visits without photos, 32 phones at once;
//! 3. ingest with one 200 KB photo per visit (the envelope, then the photo);
//! 4. the county's coverage report (`/api/v1/coverage`, a supervisor) asked again and again while
//!    32 phones ingest.
//!
//! Beside each ingest phase the bench gives the CPU one visit cost each tier (PostgreSQL, Garage,
//! HAProxy, the servers, this process's load phones) and the cores the targets' rates take, read
//! from `/proc`: on one machine every tier competes for the same cores, and that figure is the
//! one that carries over to machines of their own.
//!
//! The phones are `fieldvisit_sim::load` phones: real signatures and encryption, made before
//! anything is timed. The servers are the release `fieldvisit-server` (this crate's copy), each
//! setup seeded the same way (one county, 32 workers with 120 households each). Knobs:
//! `FV_LB_CLIENTS` (32), `FV_LB_VISITS` (visits per phone and phase, 60), `FV_LB_PHOTO_VISITS`
//! (20), `FV_LB_PHOTO_KB` (200), `FV_LB_SERVERS` (2).
//!
//! Needs `scripts/install-cluster.sh` (Garage, HAProxy, PostgreSQL's binaries); without them it
//! says so and stops. Run: `cargo bench -p fieldvisit-tests --bench cluster_lb`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use fieldvisit_core::crypto::{
    AudiencePrivateKey, AudiencePublicKey, DeviceSigningKey, b64_encode,
};
use fieldvisit_core::protocol::WIRE_VERSION;
use fieldvisit_server::AppState;
use fieldvisit_server::store::Role;
use fieldvisit_sim::load::{self, Lane, LoadPhone, LoadReport, LoadVisit, knob, load_average};
use fieldvisit_tests::cluster::Cluster;
use fieldvisit_tests::cluster::cpu::{self, CpuUse, Tier};
use fieldvisit_tests::cluster::probe;
use fieldvisit_tests::cluster::tools::Tools;
use fieldvisit_tests::harness::{
    PASSWORD, SeededWorker, add_staff, enrollment_code, free_port, open_state, runtime, seed,
};
use serde_json::{Value, json};
use tokio::runtime::Runtime;

/// Households per worker: a third of them left-behind children, whom the load phones visit, each
/// about once in 60 hours (as in `cargo bench -p fieldvisit-server --bench ingest`).
const HOUSEHOLDS: usize = 120;
/// The targets: visits a second without photos, and with one photo each.
const VISITS_PER_SEC: f64 = 2000.0;
const PHOTO_VISITS_PER_SEC: f64 = 300.0;

/// The county the supervisor reads.
const COUNTY: &str = "x-320115";

/// What seeding a setup gives: each worker with an enrollment code.
struct Seeded {
    workers: Vec<(SeededWorker, String)>,
}

fn seed_county(rt: &Runtime, state: &AppState, clients: usize) -> Seeded {
    let workers = seed(rt, state, clients, HOUSEHOLDS);
    add_staff(rt, state, "sup", Role::Supervisor, COUNTY);
    Seeded {
        workers: workers
            .into_iter()
            .map(|w| {
                let code = enrollment_code(rt, state, &w.id);
                (w, code)
            })
            .collect(),
    }
}

/// Enrolls one load phone per worker through `base`.
fn enroll(rt: &Runtime, base: &str, seeded: &Seeded) -> Vec<(LoadPhone, Vec<String>)> {
    let http = reqwest::Client::new();
    rt.block_on(async {
        let mut phones = Vec::new();
        for (worker, code) in &seeded.workers {
            let key = DeviceSigningKey::generate().expect("device key");
            let r: Value = http
                .post(format!("{base}/api/v1/devices/enroll"))
                .json(&json!({
                    "version": WIRE_VERSION,
                    "code": code,
                    "public_key": b64_encode(&key.public_key()),
                    "device_label": "load phone",
                }))
                .send()
                .await
                .and_then(|r| r.error_for_status())
                .expect("enroll")
                .json()
                .await
                .expect("enrolled");
            let phone = LoadPhone::new(
                &worker.id,
                r["device_id"].as_str().expect("device id"),
                r["token"].as_str().expect("token"),
                key,
            );
            // The left-behind children on the caseload: the load phone's visits are theirs.
            let children = worker
                .households
                .iter()
                .filter(|h| {
                    h.categories[0].category == fieldvisit_core::caseload::Category::LeftBehindChild
                })
                .map(|h| h.id.clone())
                .collect();
            phones.push((phone, children));
        }
        phones
    })
}

/// `count` visits for each phone, continuing its chain; `tag` keeps ids apart between phases.
fn lanes(
    phones: &mut [(LoadPhone, Vec<String>)],
    audience: &AudiencePublicKey,
    count: usize,
    photo_bytes: usize,
    tag: &str,
) -> Vec<Lane> {
    let t0 = Utc
        .with_ymd_and_hms(2026, 11, 2, 1, 0, 0)
        .single()
        .expect("t0");
    phones
        .iter_mut()
        .map(|(phone, children)| Lane {
            token: phone.token.clone(),
            visits: (0..count)
                .map(|i| {
                    // Phases go on in time where the last one stopped: each visit is the
                    // household's latest, as when phones upload a day's work.
                    let n = phone.sealed() as usize;
                    let visit = LoadVisit {
                        visit_id: format!("{tag}-{}-{i:05}", phone.worker_id),
                        household_id: children[n % children.len()].clone(),
                        started: t0 + chrono::Duration::minutes(n as i64 * 90),
                        photo_bytes,
                        police: false,
                    };
                    phone.seal(audience, &visit).expect("seal")
                })
                .collect(),
        })
        .collect()
}

/// The figures of one setup.
struct Figures {
    baseline: LoadReport,
    ingest: LoadReport,
    ingest_cpu: CpuUse,
    photos: LoadReport,
    photos_cpu: CpuUse,
    coverage_idle: LoadReport,
    ingest_during: LoadReport,
    coverage_during: LoadReport,
}

fn sign_in(rt: &Runtime, base: &str) -> String {
    rt.block_on(async {
        let r: Value = reqwest::Client::new()
            .post(format!("{base}/api/v1/auth/login"))
            .json(&json!({ "login": "sup", "password": PASSWORD }))
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .expect("sign in")
            .json()
            .await
            .expect("session");
        r["token"].as_str().expect("token").to_owned()
    })
}

/// Runs the phases against `base`; `tiers` are the processes serving it, whose CPU is counted with
/// this process's (the load phones).
fn measure(name: &str, base: &str, seeded: &Seeded, mut tiers: Vec<Tier>) -> Figures {
    tiers.push(Tier {
        name: "load phones",
        roots: vec![std::process::id()],
    });
    let clients = seeded.workers.len();
    let visits = knob("FV_LB_VISITS", 60);
    let photo_visits = knob("FV_LB_PHOTO_VISITS", 20);
    let photo_bytes = knob("FV_LB_PHOTO_KB", 200) * 1024;
    let rt = runtime();
    let mut phones = enroll(&rt, base, seeded);
    let audience = AudiencePrivateKey::generate().public_key();
    let t = Instant::now();
    let plain = lanes(&mut phones, &audience, visits, 0, "a");
    let with_photo = lanes(&mut phones, &audience, photo_visits, photo_bytes, "b");
    let during = lanes(&mut phones, &audience, visits, 0, "c");
    println!(
        "{name}: sealed {} visits for {clients} phones in {:.1} s (not timed); load average {}",
        visits * clients * 2 + photo_visits * clients,
        t.elapsed().as_secs_f64(),
        load_average()
    );
    let token = sign_in(&rt, base);
    let coverage = format!("/api/v1/coverage?unit={COUNTY}&from=2026-11-01&to=2026-11-30");
    let get = |label: &str, path: &str, token: Option<&str>, clients, per| {
        rt.block_on(load::drive_get(label, base, path, token, clients, per))
            .expect(label)
    };
    get("warm-up", "/healthz", None, clients, 10);
    let baseline = get("GET /healthz", "/healthz", None, clients, 50);
    let before = cpu::sample(&tiers);
    let ingest = rt
        .block_on(load::drive("ingest, no photos", base, plain))
        .expect("ingest");
    let after_ingest = cpu::sample(&tiers);
    let ingest_cpu = after_ingest.since(&before);
    let photos = rt
        .block_on(load::drive("ingest, one photo each", base, with_photo))
        .expect("photos");
    let photos_cpu = cpu::sample(&tiers).since(&after_ingest);
    let coverage_idle = get("coverage, idle", &coverage, Some(&token), 1, 20);
    let running = Arc::new(AtomicBool::new(true));
    let (ingest_during, coverage_during) = rt.block_on(async {
        let poll = {
            let (running, url, token) = (
                Arc::clone(&running),
                format!("{base}{coverage}"),
                token.clone(),
            );
            tokio::spawn(async move {
                let http = reqwest::Client::new();
                let (start, mut lat) = (Instant::now(), Vec::new());
                while running.load(Ordering::Relaxed) {
                    let t = Instant::now();
                    load::get(&http, &url, Some(&token))
                        .await
                        .expect("coverage");
                    lat.push(t.elapsed());
                }
                let n = lat.len();
                LoadReport::new("coverage, during ingest", n, lat, start.elapsed())
            })
        };
        let ingest = load::drive("ingest, no photos, with coverage", base, during)
            .await
            .expect("ingest");
        running.store(false, Ordering::Relaxed);
        (ingest, poll.await.expect("coverage poll"))
    });
    Figures {
        baseline,
        ingest,
        ingest_cpu,
        photos,
        photos_cpu,
        coverage_idle,
        ingest_during,
        coverage_during,
    }
}

/// One server process on a SQLite data folder.
struct SqliteServer {
    child: Child,
    url: String,
}

impl Drop for SqliteServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_sqlite(binary: &Path, dir: &Path, clients: usize) -> (SqliteServer, Seeded) {
    let _ = std::fs::remove_dir_all(dir);
    let data = dir.join("data");
    std::fs::create_dir_all(&data).expect("data folder");
    let seeded = {
        let rt = runtime();
        let state = open_state(&rt, &data);
        let seeded = seed_county(&rt, &state, clients);
        drop(state);
        seeded
    };
    let port = free_port();
    let log = std::fs::File::create(dir.join("serve.log")).expect("log");
    let child = Command::new(binary)
        .arg("--data")
        .arg(&data)
        .arg("serve")
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start the SQLite server");
    probe::wait_ok(
        port,
        "/readyz",
        Duration::from_secs(60),
        "the SQLite server",
    );
    (
        SqliteServer {
            child,
            url: format!("http://127.0.0.1:{port}"),
        },
        seeded,
    )
}

fn report(name: &str, f: &Figures, base: Option<&Figures>) {
    println!("== {name}");
    let pick = |g: fn(&Figures) -> &LoadReport| base.map(g);
    println!("{}", f.baseline.line(pick(|b| &b.baseline)));
    println!("{}", f.ingest.line(pick(|b| &b.ingest)));
    println!(
        "   CPU: {}",
        f.ingest_cpu
            .per_unit(f.ingest.latencies.len(), "visit", VISITS_PER_SEC)
    );
    println!("{}", f.photos.line(pick(|b| &b.photos)));
    println!(
        "   CPU: {}",
        f.photos_cpu.per_unit(
            f.photos.latencies.len(),
            "visit with a photo",
            PHOTO_VISITS_PER_SEC
        )
    );
    println!("{}", f.coverage_idle.line(pick(|b| &b.coverage_idle)));
    println!("{}", f.ingest_during.line(pick(|b| &b.ingest_during)));
    println!("{}", f.coverage_during.line(pick(|b| &b.coverage_during)));
    println!(
        "   targets: ingest ≥ 2,000/s p99 ≤ 50 ms: {:.0}/s p99 {:.1} ms {}; with a photo ≥ 300/s: {:.0}/s {}; coverage during ingest ≤ 200 ms (p99): {:.1} ms {}",
        f.ingest.per_sec(),
        f.ingest.ms(0.99),
        verdict(f.ingest.per_sec() >= VISITS_PER_SEC && f.ingest.ms(0.99) <= 50.0),
        f.photos.per_sec(),
        verdict(f.photos.per_sec() >= PHOTO_VISITS_PER_SEC),
        f.coverage_during.ms(0.99),
        verdict(f.coverage_during.ms(0.99) <= 200.0),
    );
}

fn verdict(met: bool) -> &'static str {
    if met { "(met)" } else { "(NOT met)" }
}

fn main() {
    let tools = match Tools::find() {
        Ok(t) => t,
        Err(why) => {
            println!("cluster_lb: skipped: {why} (run scripts/install-cluster.sh)");
            return;
        }
    };
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_fieldvisit-test-server"));
    let clients = knob("FV_LB_CLIENTS", 32);
    let servers = knob("FV_LB_SERVERS", 2);
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cluster-lb");
    println!("load average at start: {}", load_average());

    let sqlite = {
        let (server, seeded) = start_sqlite(&binary, &root.join("sqlite"), clients);
        let tiers = vec![Tier {
            name: "server",
            roots: vec![server.child.id()],
        }];
        measure("one server, SQLite", &server.url, &seeded, tiers)
    };
    let cluster = {
        let (cluster, seeded) = Cluster::start(
            &tools,
            &root.join("cluster"),
            &binary,
            servers,
            |rt, state| seed_county(rt, state, clients),
        );
        let figures = measure(
            &format!("{servers} servers behind HAProxy, PostgreSQL and Garage"),
            &cluster.haproxy.url(),
            &seeded,
            cluster.cpu_tiers(),
        );
        drop(cluster);
        figures
    };
    report("one server, SQLite and a photo folder", &sqlite, None);
    report(
        &format!("{servers} servers behind HAProxy, PostgreSQL, Garage ×3 (ratios to SQLite)"),
        &cluster,
        Some(&sqlite),
    );
    println!("load average at the end: {}", load_average());
}
