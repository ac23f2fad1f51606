//! A phone offline for a week syncs its visits in chain order; a revoked device erases its caseload
//! and drafts, keeps the sealed visits it could not send, stops and says so.
#![allow(clippy::unwrap_used)]

use chrono::{Duration, TimeZone, Utc};
use fieldvisit_core::sync::{SyncError, SyncOptions};
use fieldvisit_server::store::{ChainStatus, Scope};
use fieldvisit_sim::phone::VisitRecord;
use fieldvisit_tests::harness::{TestServer, revoke, runtime, seed};

#[test]
fn a_week_offline_then_everything_arrives_in_order() {
    let data = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let server = TestServer::start(data.path());
    let rt = runtime();
    let workers = seed(&rt, &server.state, 1, 3);
    let phone = server.enrolled_phone(&workers[0].id);
    phone
        .sync(&server.url, SyncOptions::default())
        .unwrap_or_else(|e| panic!("{e}"));
    // Seven days in the villages without signal (the clock is injected through the visit times).
    let monday = Utc
        .with_ymd_and_hms(2026, 6, 1, 1, 0, 0)
        .single()
        .unwrap_or_default();
    let mut sealed = Vec::new();
    for day in 0..7 {
        for v in 0..2 {
            let at = monday + Duration::days(day) + Duration::hours(v * 3);
            sealed.push(
                phone
                    .visit(
                        &workers[0].households[(day + v) as usize % 3],
                        at,
                        (320, 240),
                    )
                    .unwrap(),
            );
        }
    }
    assert_eq!(phone.engine.store().outbox().unwrap_or_default().len(), 14);
    let report = phone
        .sync(&server.url, SyncOptions::default())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report.visits_completed, 14);
    let scope = Scope {
        path: "/".into(),
        worker_id: Some(workers[0].id.clone()),
    };
    let mut on_server = server
        .block_on(server.state.store.visits(&scope))
        .unwrap_or_default();
    on_server.sort_by_key(|v| v.chain_seq);
    assert_eq!(on_server.len(), 14);
    for (i, v) in on_server.iter().enumerate() {
        assert_eq!(v.chain_seq, i as u64 + 1);
        assert_eq!(
            v.chain_status,
            ChainStatus::Ok,
            "visit {} arrived out of chain order",
            v.chain_seq
        );
        assert_eq!(v.visit_id, sealed[i].visit_id);
    }
    // The content was purged from the phone after the receipt; the chain still verifies.
    assert_eq!(phone.engine.verify_chain().unwrap_or(0), 14);
}

#[test]
fn a_revoked_device_stops_and_says_so() {
    let data = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let server = TestServer::start(data.path());
    let rt = runtime();
    let workers = seed(&rt, &server.state, 1, 3);
    let phone = server.enrolled_phone(&workers[0].id);
    phone
        .sync(&server.url, SyncOptions::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let at = Utc
        .with_ymd_and_hms(2026, 6, 1, 1, 0, 0)
        .single()
        .unwrap_or_default();
    phone
        .visit(&workers[0].households[0], at, (320, 240))
        .unwrap();
    phone
        .draft(&VisitRecord::sample(&workers[0].households[1], at + Duration::hours(2)).unwrap())
        .unwrap();
    let device_id = phone
        .engine
        .store()
        .identity()
        .unwrap_or_else(|e| panic!("{e}"))
        .device_id;
    revoke(&rt, &server.state, &device_id);
    match phone.sync(&server.url, SyncOptions::default()) {
        Err(e @ SyncError::Revoked) => assert!(e.to_string().contains("revoked")),
        other => panic!("expected the revoked error, got {other:?}"),
    }
    // The sealed visit waits in the outbox (only its audiences can open it); the caseload and the
    // unsent draft are erased, and the phone says so.
    let store = phone.engine.store();
    assert_eq!(store.outbox().unwrap_or_default().len(), 1);
    assert!(store.households().unwrap_or_default().is_empty());
    assert!(store.draft_ids().unwrap_or_default().is_empty());
    let record = store
        .revocation()
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("the revocation is recorded"));
    assert_eq!(
        (
            record.households_erased,
            record.drafts_erased,
            record.sealed_kept
        ),
        (3, 1, 1)
    );
    // The next sync says the same (it asks the server nothing: `core/tests/revocation.rs`).
    assert!(matches!(
        phone.sync(&server.url, SyncOptions::default()),
        Err(SyncError::Revoked)
    ));
    assert_eq!(store.revocation().ok().flatten(), Some(record));
}
