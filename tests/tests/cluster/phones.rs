//! Simulated phones recording visits with photos and syncing through the load balancer while
//! faults happen; a failed sync is left to the core's backoff and the next run, as on a real phone.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration as StdDuration, Instant};

use chrono::{Duration, TimeZone, Utc};
use fieldvisit_core::sync::{Backoff, SyncOptions};
use fieldvisit_sim::phone::Phone;
use fieldvisit_tests::harness::SeededWorker;

/// What one phone did.
pub struct PhoneRun {
    pub phone: Phone,
    pub worker: SeededWorker,
    /// (visit id, household id, category code) of every visit it sealed.
    pub sealed: Vec<(String, String, String)>,
    pub sync_runs: usize,
    pub failed_runs: usize,
}

/// Small chunks, so a photo takes several requests and faults land between them.
pub fn options() -> SyncOptions {
    SyncOptions {
        chunk_size: 8 * 1024,
        backoff: Backoff {
            base: StdDuration::from_millis(50),
            max: StdDuration::from_millis(800),
            max_attempts: 4,
        },
        purge_after_receipt: false,
    }
}

/// Enrolls with `code`, then records a visit and syncs, again and again until `stop_recording`,
/// then syncs until every sealed visit is receipted.
pub fn run(base: &str, code: &str, worker: SeededWorker, stop_recording: &AtomicBool) -> PhoneRun {
    let phone = Phone::temporary().unwrap();
    phone.enroll(base, code, "test phone").unwrap();
    let start = Utc
        .with_ymd_and_hms(2026, 5, 20, 1, 0, 0)
        .single()
        .unwrap_or_default();
    let mut run = PhoneRun {
        phone,
        worker,
        sealed: Vec::new(),
        sync_runs: 0,
        failed_runs: 0,
    };
    // The first pull brings households, templates and audience keys; faults have not begun.
    run.sync(base);
    assert_eq!(run.failed_runs, 0, "the first sync failed");
    let mut i = 0usize;
    while !stop_recording.load(Ordering::SeqCst) {
        let h = run.worker.households[i % run.worker.households.len()].clone();
        let at = start + Duration::hours(i as i64);
        let id = run.phone.visit(&h, at, (320, 240)).unwrap().visit_id;
        let category = h.categories[0].category.code().to_string();
        run.sealed.push((id, h.id.clone(), category));
        run.sync(base);
        i += 1;
        std::thread::sleep(StdDuration::from_millis(150));
    }
    let deadline = Instant::now() + StdDuration::from_secs(120);
    while !run.outbox_empty() {
        assert!(
            Instant::now() < deadline,
            "phone of {} still has unreceipted visits",
            run.worker.id
        );
        run.sync(base);
        std::thread::sleep(StdDuration::from_millis(200));
    }
    run
}

impl PhoneRun {
    fn sync(&mut self, base: &str) {
        self.sync_runs += 1;
        if self.phone.sync(base, options()).is_err() {
            self.failed_runs += 1;
        }
    }

    /// Whether every sealed visit has its receipt.
    pub fn outbox_empty(&self) -> bool {
        self.phone.outbox_empty().unwrap_or(false)
    }
}
