//! The server killed with SIGKILL while phones upload, then restarted on the same data: every visit
//! the server receipted is there after the restart, and nothing is stored twice.
#![allow(clippy::unwrap_used)]

use std::process::{Child, Command, Stdio};
use std::time::{Duration as StdDuration, Instant};

use chrono::{Duration, TimeZone, Utc};
use fieldvisit_core::sync::{Backoff, SyncOptions};
use fieldvisit_sim::phone::Phone;
use fieldvisit_tests::harness::{enrollment_code, free_port, open_state, runtime, seed};

fn start_server(data: &std::path::Path, port: u16) -> Child {
    let child = Command::new(env!("CARGO_BIN_EXE_fieldvisit-test-server"))
        .args(["serve", "--data"])
        .arg(data)
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start the server: {e}"));
    let deadline = Instant::now() + StdDuration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the server did not start");
        std::thread::sleep(StdDuration::from_millis(20));
    }
    child
}

#[test]
fn sigkill_during_ingest_keeps_every_receipted_visit_once() {
    let data = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let rt = runtime();
    let (workers, codes) = {
        let state = open_state(&rt, data.path());
        let workers = seed(&rt, &state, 2, 3);
        let codes: Vec<String> = workers
            .iter()
            .map(|w| enrollment_code(&rt, &state, &w.id))
            .collect();
        (workers, codes)
    };
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let mut server = start_server(data.path(), port);
    let start = Utc
        .with_ymd_and_hms(2026, 5, 20, 1, 0, 0)
        .single()
        .unwrap_or_default();
    let options = SyncOptions {
        chunk_size: 8 * 1024,
        backoff: Backoff {
            base: StdDuration::from_millis(10),
            max: StdDuration::from_millis(100),
            max_attempts: 3,
        },
        purge_after_receipt: false,
    };
    let mut phones = Vec::new();
    for (w, code) in workers.iter().zip(&codes) {
        let phone = Phone::temporary().unwrap();
        phone.enroll(&url, code, "test phone").unwrap();
        phone
            .sync(&url, options.clone())
            .unwrap_or_else(|e| panic!("first sync: {e}"));
        for i in 0..12 {
            phone
                .visit(
                    &w.households[i % 3],
                    start + Duration::hours(i as i64),
                    (800, 600),
                )
                .unwrap();
        }
        phones.push(phone);
    }

    // Kill the server at staggered moments while the phones upload, restart it each time.
    let mut receipted = Vec::new();
    for round in 0..6u64 {
        let url2 = url.clone();
        let killer = std::thread::spawn(move || {
            std::thread::sleep(StdDuration::from_millis(40 + round * 37))
        });
        std::thread::scope(|s| {
            for phone in &phones {
                let (url, options) = (url2.clone(), options.clone());
                s.spawn(move || {
                    let _ = phone.sync(&url, options);
                });
            }
            let _ = killer.join();
            let _ = server.kill(); // SIGKILL
            let _ = server.wait();
        });
        for phone in &phones {
            for entry in phone.engine.store().outbox().unwrap_or_default() {
                if entry.receipt.is_some() {
                    receipted.push(entry.visit_id);
                }
            }
        }
        server = start_server(data.path(), port);
    }
    for phone in &phones {
        let runs = phone.sync_until_done(&url, &options, 10);
        assert!(runs.last().is_some_and(|r| r.is_ok()), "{runs:?}");
    }
    let _ = server.kill();
    let _ = server.wait();

    let state = open_state(&rt, data.path());
    let counts = rt
        .block_on(state.store.counts())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        counts.visits, 24,
        "a visit was lost or stored twice across the kills"
    );
    for id in &receipted {
        assert!(
            rt.block_on(state.store.visit(id)).ok().flatten().is_some(),
            "a receipted visit is gone after a restart"
        );
    }
    for phone in &phones {
        for record in phone.engine.store().sealed_chain().unwrap_or_default() {
            let photos = rt
                .block_on(state.store.photos(&record.visit_id))
                .unwrap_or_default();
            assert!(photos.iter().all(|p| p.complete));
        }
    }
}
