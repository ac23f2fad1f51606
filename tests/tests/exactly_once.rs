//! Many phones, many visits with photos: every visit arrives exactly once, and what the server
//! counts per worker equals what the phones sealed.

use std::collections::HashSet;

use chrono::{Duration, TimeZone, Utc};
use fieldvisit_core::sync::SyncOptions;
use fieldvisit_server::store::Scope;
use fieldvisit_tests::harness::{TestServer, enrollment_code, seed};
use fieldvisit_tests::phone::Phone;

const PHONES: usize = 20;
const VISITS_PER_PHONE: usize = 50;

#[test]
fn twenty_phones_fifty_visits_each_arrive_exactly_once() {
    let data = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let server = TestServer::start(data.path());
    let rt = fieldvisit_tests::harness::runtime();
    let workers = seed(&rt, &server.state, PHONES, 3);
    let start = Utc
        .with_ymd_and_hms(2026, 5, 20, 1, 0, 0)
        .single()
        .unwrap_or_default();

    let phones: Vec<(Phone, Vec<String>)> = std::thread::scope(|s| {
        let handles: Vec<_> = workers
            .iter()
            .map(|w| {
                let code = enrollment_code(&rt, &server.state, &w.id);
                let url = server.url.clone();
                s.spawn(move || {
                    let phone = Phone::new();
                    phone.enroll(&url, &code);
                    // First pull brings households, templates and audience keys.
                    phone
                        .sync(&url, SyncOptions::default())
                        .unwrap_or_else(|e| panic!("first sync: {e}"));
                    let mut sealed = Vec::new();
                    for i in 0..VISITS_PER_PHONE {
                        let h = &w.households[i % w.households.len()];
                        let at = start + Duration::hours(i as i64);
                        sealed.push(phone.visit(h, at, (160, 120)).visit_id);
                        // Sync now and then, as a phone with patchy signal would.
                        if i % 10 == 9 {
                            phone
                                .sync(&url, SyncOptions::default())
                                .unwrap_or_else(|e| panic!("sync: {e}"));
                        }
                    }
                    let runs = phone.sync_until_done(&url, &SyncOptions::default(), 3);
                    assert!(runs.iter().all(|r| r.is_ok()), "{runs:?}");
                    (phone, sealed)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| panic!("a phone thread panicked"))
            })
            .collect()
    });

    let all: Vec<String> = phones.iter().flat_map(|(_, v)| v.clone()).collect();
    let unique: HashSet<&String> = all.iter().collect();
    assert_eq!(unique.len(), PHONES * VISITS_PER_PHONE);
    let counts = server
        .block_on(server.state.store.counts())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        counts.visits as usize,
        PHONES * VISITS_PER_PHONE,
        "the server stored a visit twice or lost one"
    );
    for (w, (phone, sealed)) in workers.iter().zip(&phones) {
        let scope = Scope {
            path: "/".into(),
            worker_id: Some(w.id.clone()),
        };
        let on_server = server
            .block_on(server.state.store.visits(&scope))
            .unwrap_or_else(|e| panic!("{e}"));
        let ids: HashSet<String> = on_server.iter().map(|v| v.visit_id.clone()).collect();
        assert_eq!(ids.len(), sealed.len(), "worker {}", w.id);
        assert!(sealed.iter().all(|v| ids.contains(v)));
        assert!(phone.engine.store().outbox().unwrap_or_default().is_empty());
        for v in sealed {
            let photos = server
                .block_on(server.state.store.photos(v))
                .unwrap_or_default();
            assert!(
                photos.iter().all(|p| p.complete),
                "an incomplete photo on the server"
            );
        }
    }
}
