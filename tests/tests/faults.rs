//! Phones syncing through a proxy that cuts connections at random byte offsets, delays and resets
//! them: every visit still arrives exactly once, and after each cut at most one chunk (or one
//! envelope) is sent again.
#![allow(clippy::unwrap_used)]

use std::collections::HashSet;
use std::sync::atomic::Ordering;
use std::time::Duration as StdDuration;

use chrono::{Duration, TimeZone, Utc};
use fieldvisit_core::sync::{Backoff, SyncOptions};

use fieldvisit_tests::harness::{TestServer, seed};
use fieldvisit_tests::proxy::{FaultPlan, FaultProxy};

const CHUNK: usize = 16 * 1024;

#[test]
fn cuts_delays_and_resets_lose_nothing_and_resend_at_most_a_chunk_per_cut() {
    let data = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let server = TestServer::start(data.path());
    let rt = fieldvisit_tests::harness::runtime();
    let workers = seed(&rt, &server.state, 4, 3);
    let start = Utc
        .with_ymd_and_hms(2026, 5, 20, 1, 0, 0)
        .single()
        .unwrap_or_default();
    let options = SyncOptions {
        chunk_size: CHUNK,
        backoff: Backoff {
            base: StdDuration::from_millis(5),
            max: StdDuration::from_millis(50),
            max_attempts: 8,
        },
        purge_after_receipt: true,
    };

    let mut phones = Vec::new();
    for w in &workers {
        let phone = server.enrolled_phone(&w.id);
        phone
            .sync(&server.url, options.clone())
            .unwrap_or_else(|e| panic!("first sync: {e}"));
        let mut sealed = Vec::new();
        for i in 0..6 {
            let at = start + Duration::hours(i);
            // Large enough photos that each spans several chunks.
            sealed.push(
                phone
                    .visit(&w.households[i as usize % 3], at, (640, 480))
                    .unwrap()
                    .visit_id,
            );
        }
        phones.push((phone, sealed));
    }
    let payload: u64 = phones
        .iter()
        .flat_map(|(p, v)| v.iter().map(move |id| (p, id)))
        .map(|(p, id)| {
            let env = p
                .engine
                .store()
                .sealed(id)
                .ok()
                .flatten()
                .map(|s| s.envelope)
                .unwrap_or_else(|| panic!("sealed"));
            let body = env.peek_body().unwrap_or_else(|e| panic!("{e}"));
            env.to_json().len() as u64 + body.photos.iter().map(|m| m.size).sum::<u64>()
        })
        .sum();
    let largest_envelope = phones
        .iter()
        .flat_map(|(p, v)| v.iter().map(move |id| (p, id)))
        .filter_map(|(p, id)| p.engine.store().sealed(id).ok().flatten())
        .map(|s| s.envelope.to_json().len())
        .max()
        .unwrap_or(0);

    // Every connection is cut somewhere in its first 128 KiB (and some are reset at once), so the
    // faults scale with the bytes sent rather than with the few kept-alive connections.
    let plan = FaultPlan {
        seed: 20261129,
        cut_probability: 1.0,
        max_cut_offset: 128 * 1024,
        reset_probability: 0.1,
        max_delay_ms: 20,
    };
    let proxy = FaultProxy::start(server.addr, plan).unwrap_or_else(|e| panic!("proxy: {e}"));
    let url = format!("http://{}", proxy.addr());
    let mut sent = 0u64;
    for (phone, _) in &phones {
        let mut done = false;
        for _ in 0..200 {
            match phone.sync(&url, options.clone()) {
                Ok(r) => sent += r.bytes_sent,
                Err(e) => assert!(e.is_transient(), "a permanent error through the proxy: {e}"),
            }
            if phone.engine.store().outbox().unwrap_or_default().is_empty() {
                done = true;
                break;
            }
        }
        assert!(done, "a phone did not finish syncing through the faults");
    }
    let stats = proxy.stats();
    let cuts = stats.cuts.load(Ordering::SeqCst) + stats.resets.load(Ordering::SeqCst);
    assert!(
        cuts > 0,
        "the proxy injected no fault; the test proves nothing ({} connections, {} bytes up, sent {sent})",
        stats.connections.load(Ordering::SeqCst),
        stats.bytes_up.load(Ordering::SeqCst)
    );

    let all: Vec<&String> = phones.iter().flat_map(|(_, v)| v.iter()).collect();
    let unique: HashSet<&&String> = all.iter().collect();
    assert_eq!(unique.len(), all.len());
    let counts = server
        .block_on(server.state.store.counts())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        counts.visits as usize,
        all.len(),
        "a visit was stored twice or lost"
    );
    for id in &all {
        let photos = server
            .block_on(server.state.store.photos(id))
            .unwrap_or_default();
        assert!(photos.iter().all(|p| p.complete));
    }
    // Bytes counted by failed runs are not in `sent`, so compare the bytes the proxy forwarded.
    let _ = sent;
    let up = stats.bytes_up.load(Ordering::SeqCst);
    // One chunk (or one envelope) may go again per fault; every request carries under 1 KiB of
    // HTTP headers.
    let requests = payload / CHUNK as u64 + 2 * cuts + 20 * phones.len() as u64;
    let allowance = cuts * CHUNK.max(largest_envelope) as u64 + requests * 1024;
    eprintln!(
        "payload {payload} B, forwarded {up} B (incl. HTTP headers and pulls), faults {cuts}"
    );
    assert!(
        up <= payload + allowance,
        "re-sent more than one chunk per cut: forwarded {up}, payload {payload}, faults {cuts}"
    );
}
