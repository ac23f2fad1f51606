//! The cluster under faults: PostgreSQL, three Garage nodes (replication factor 3) and three
//! `fieldvisit-server serve` processes behind HAProxy. Phones sync visits with photos through the
//! load balancer and reviewers decide cases through it while, in turn, a server is SIGKILLed and
//! restarted, PostgreSQL is restarted (the servers reconnect by themselves) and a Garage node is
//! stopped for good. Afterwards every sealed visit is on the server once, every photo's SHA-256
//! matches, coverage equals what the phones recorded, every decision is in its history once and
//! the audit chain verifies.
//!
//! Needs `scripts/install-cluster.sh` (Garage, HAProxy, PostgreSQL). Without its tools the test
//! skips with a note, unless `FIELDVISIT_REQUIRE_CLUSTER=1`, as the README's test command sets.
#![allow(clippy::unwrap_used)]

#[path = "cluster/checks.rs"]
mod checks;
#[path = "cluster/faults.rs"]
mod faults;
#[path = "cluster/phones.rs"]
mod phones;
#[path = "cluster/reviewers.rs"]
mod reviewers;
#[path = "cluster/staff.rs"]
mod staff;

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use fieldvisit_server::store::Role;
use fieldvisit_tests::cluster::Cluster;
use fieldvisit_tests::cluster::tools::Tools;
use fieldvisit_tests::harness::{SeededWorker, add_staff, enrollment_code, seed};

const SERVERS: usize = 3;
const PHONES: usize = 6;
const REVIEWERS: usize = 2;
/// Traffic before the first fault and between faults.
const SETTLE: Duration = Duration::from_secs(4);

#[test]
fn phones_and_reviewers_lose_nothing_through_a_server_kill_a_database_restart_and_a_lost_store_node()
 {
    let tools = match Tools::find() {
        Ok(t) => t,
        Err(why) if std::env::var_os("FIELDVISIT_REQUIRE_CLUSTER").is_none() => {
            eprintln!("cluster test skipped: {why}");
            return;
        }
        Err(why) => panic!("FIELDVISIT_REQUIRE_CLUSTER is set but {why}"),
    };
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cluster");
    let started = Instant::now();
    let (mut cluster, (workers, codes)) = Cluster::start(
        &tools,
        &dir,
        Path::new(env!("CARGO_BIN_EXE_fieldvisit-test-server")),
        SERVERS,
        |rt, state| {
            let workers = seed(rt, state, PHONES, 3);
            for r in 1..=REVIEWERS {
                let id = format!("rev-{r:02}");
                add_staff(rt, state, &id, Role::ChildWelfareReviewer, "x-320115");
            }
            add_staff(rt, state, "sup-01", Role::Supervisor, "x-320115");
            add_staff(rt, state, "adm-01", Role::Admin, "p-32");
            let codes: Vec<String> = workers
                .iter()
                .map(|w| enrollment_code(rt, state, &w.id))
                .collect();
            (workers, codes)
        },
    );
    let setup = started.elapsed();
    let base = cluster.haproxy.url();

    let stop_recording = AtomicBool::new(false);
    let stop_reviewing = AtomicBool::new(false);
    let (recoveries, phone_runs, reviewer_runs) = std::thread::scope(|s| {
        let phones: Vec<_> = workers
            .iter()
            .zip(&codes)
            .map(|(w, code)| {
                let (base, w, stop) = (base.as_str(), SeededWorker::clone(w), &stop_recording);
                s.spawn(move || phones::run(base, code, w, stop))
            })
            .collect();
        let reviewers: Vec<_> = (0..REVIEWERS)
            .map(|r| {
                let (base, stop) = (base.as_str(), &stop_reviewing);
                let login = format!("rev-{:02}", r + 1);
                s.spawn(move || reviewers::run(base, &login, r, REVIEWERS, stop))
            })
            .collect();

        std::thread::sleep(SETTLE);
        let mut recoveries = vec![faults::kill_a_server(&mut cluster, Duration::from_secs(2))];
        std::thread::sleep(SETTLE);
        recoveries.push(faults::restart_postgres(&mut cluster));
        std::thread::sleep(SETTLE);
        recoveries.push(faults::stop_a_garage_node(&mut cluster));
        std::thread::sleep(SETTLE);
        stop_recording.store(true, Ordering::SeqCst);

        let phone_runs: Vec<phones::PhoneRun> = phones
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| panic!("a phone thread panicked"))
            })
            .collect();
        stop_reviewing.store(true, Ordering::SeqCst);
        let reviewer_runs: Vec<reviewers::ReviewerRun> = reviewers
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| panic!("a reviewer thread panicked"))
            })
            .collect();
        (recoveries, phone_runs, reviewer_runs)
    });
    let traffic = started.elapsed() - setup;

    let rt = fieldvisit_tests::harness::runtime();
    let state = cluster.state(&rt);
    let tally = checks::visits_and_photos(&rt, &state, &phone_runs);
    let supervisor = staff::Staff::login(&base, "sup-01");
    let (covered, recorded) = checks::coverage(&supervisor, &phone_runs);
    let made: Vec<reviewers::Made> = reviewer_runs.iter().flat_map(|r| r.made.clone()).collect();
    let reader = staff::Staff::login(&base, "rev-01");
    let decisions_once = checks::decisions(&reader, &made);
    let admin = staff::Staff::login(&base, "adm-01");
    let audit_entries = checks::audit_chain(&admin);

    let failed_syncs: usize = phone_runs.iter().map(|p| p.failed_runs).sum();
    let syncs: usize = phone_runs.iter().map(|p| p.sync_runs).sum();
    let unanswered = made.iter().filter(|m| m.answer_lost).count();
    println!(
        "cluster: {SERVERS} servers, 3 Garage nodes (rf 3), PostgreSQL, HAProxy; setup {setup:.1?}, traffic {traffic:.1?}"
    );
    for r in &recoveries {
        let restart = r
            .restart_to_ready
            .map(|d| format!(" (restarted process ready {d:.0?} after its start)"))
            .unwrap_or_default();
        println!(
            "  {:<24} first 200 through the LB after {:>7.0?}; every server ready after {:>7.0?}{restart}",
            r.fault, r.through_lb, r.all_servers_ready
        );
    }
    let restarted_uploads: usize = cluster
        .servers
        .iter()
        .map(|s| s.log_lines_containing("photo hash mismatch"))
        .sum();
    println!(
        "  visits: {} sealed, {} lost, {} duplicated; photos: {} sealed, {} lost, {} duplicated, {} hash mismatches",
        tally.visits_sealed,
        tally.visits_lost,
        tally.visits_duplicated,
        tally.photos_sealed,
        tally.photos_lost,
        tally.photos_duplicated,
        tally.photos_hash_mismatch
    );
    println!(
        "  sync runs {syncs} ({failed_syncs} failed and retried); photo uploads the servers discarded on a hash mismatch and the phones sent again: {restarted_uploads}; coverage counts {covered} of {recorded} recorded"
    );
    println!(
        "  decisions: {} made ({unanswered} with a lost answer), {decisions_once} in their history once; audit chain intact ({audit_entries} entries)",
        made.len()
    );

    assert_eq!(tally.visits_lost, 0, "visits lost");
    assert_eq!(tally.visits_duplicated, 0, "visits duplicated");
    assert_eq!(tally.photos_lost, 0, "photos lost");
    assert_eq!(tally.photos_duplicated, 0, "photos duplicated");
    assert_eq!(
        tally.photos_hash_mismatch, 0,
        "photos whose SHA-256 differs"
    );
    assert!(tally.photos_sealed > 0, "no photo was recorded");
    assert_eq!(covered, recorded, "coverage against the phones");
    assert!(
        made.iter().any(|m| m.to == "confirmed") && made.iter().any(|m| m.to == "returned"),
        "the reviewers decided too little to test: {made:?}"
    );
    assert_eq!(cluster.servers[1].starts(), 2, "server 2 was not restarted");
}
