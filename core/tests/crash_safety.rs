//! Crash safety: a child process seals visits in a loop and is killed with SIGKILL at random
//! moments; after every kill the store opens, passes `PRAGMA integrity_check`, and holds every visit
//! the child reported as sealed, each verifying in an unbroken chain.

#![allow(clippy::unwrap_used)]

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration as StdDuration, Instant};

use chrono::Duration;
use fieldvisit_core::Engine;
use fieldvisit_core::caseload::Category;

const CHILD_ENV: &str = "FIELDVISIT_CRASH_CHILD_DIR";
const ROUNDS: u32 = 50;

/// The child: seal visits forever, printing each id after `seal` returned.
#[test]
fn crash_child_process() {
    let Ok(dir) = std::env::var(CHILD_ENV) else {
        return;
    };
    let path = std::path::Path::new(&dir).join("phone.db");
    let engine = Engine::open(&path, &support::keys()).unwrap();
    let mut i = engine.store().sealed_count().unwrap() as i64;
    loop {
        let at = support::visit_time() + Duration::minutes(i * 40);
        let visit = support::record(&engine, "hh-elder", Category::ElderlyAlone, at);
        engine.seal(&visit, at + Duration::minutes(30)).unwrap();
        println!("SEALED {visit}");
        i += 1;
    }
}

/// A small deterministic generator for kill delays (reproducible runs).
fn next(seed: &mut u64) -> u64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    *seed
}

#[test]
fn sigkill_at_random_moments_loses_no_sealed_visit() {
    let f = support::Fixture::new();
    let dir = f.dir.path().to_path_buf();
    drop(f.engine);
    let exe = std::env::current_exe().unwrap();
    let mut reported: Vec<String> = Vec::new();
    let mut seed = 0x5eed_f1e1_d015_u64;
    for round in 0..ROUNDS {
        let mut child = Command::new(&exe)
            .args([
                "--exact",
                "crash_child_process",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, &dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(id) = line.strip_prefix("SEALED ") {
                    let _ = tx.send(id.to_string());
                }
            }
        });
        // Wait for at least one seal in this round, then kill after a random extra delay.
        let deadline = Instant::now() + StdDuration::from_secs(60);
        let first = rx
            .recv_timeout(deadline - Instant::now())
            .expect("child sealed nothing");
        reported.push(first);
        std::thread::sleep(StdDuration::from_millis(next(&mut seed) % 40));
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        reader.join().unwrap();
        reported.extend(rx.try_iter());

        let engine = Engine::open(&dir.join("phone.db"), &support::keys()).unwrap();
        assert_eq!(
            engine.store().integrity_check().unwrap(),
            "ok",
            "round {round}"
        );
        for id in &reported {
            assert!(
                engine.store().sealed(id).unwrap().is_some(),
                "round {round}: sealed visit lost"
            );
        }
        assert_eq!(
            engine.verify_chain().unwrap(),
            engine.store().sealed_count().unwrap()
        );
    }
    assert!(reported.len() as u32 >= ROUNDS);
}
