//! What must hold after the faults, counted rather than only asserted, so the figures can be
//! reported: visits and photos lost or stored twice, coverage, decisions and the audit chain.

use std::collections::{BTreeMap, HashMap, HashSet};

use fieldvisit_core::crypto::sha256;
use fieldvisit_server::AppState;
use fieldvisit_server::blob::BlobKey;
use fieldvisit_server::store::Scope;
use serde_json::Value;
use tokio::runtime::Runtime;

use super::phones::PhoneRun;
use super::reviewers::{Made, transitions_to};
use super::staff::Staff;

/// Visits and photos the server lost or holds twice.
#[derive(Debug, Default)]
pub struct Tally {
    pub visits_sealed: usize,
    pub visits_lost: usize,
    pub visits_duplicated: usize,
    pub photos_sealed: usize,
    pub photos_lost: usize,
    pub photos_duplicated: usize,
    pub photos_hash_mismatch: usize,
}

/// Every sealed visit once on the server; every photo complete, once, with the phone's SHA-256
/// in the record and in the bytes the bucket returns.
pub fn visits_and_photos(rt: &Runtime, state: &AppState, phones: &[PhoneRun]) -> Tally {
    let mut t = Tally::default();
    for run in phones {
        let scope = Scope {
            path: "/".into(),
            worker_id: Some(run.worker.id.clone()),
        };
        let stored = rt
            .block_on(state.store.visits(&scope))
            .unwrap_or_else(|e| panic!("visits of {}: {e}", run.worker.id));
        let mut on_server: HashMap<String, usize> = HashMap::new();
        for v in &stored {
            *on_server.entry(v.visit_id.clone()).or_default() += 1;
        }
        let sealed: HashSet<&String> = run.sealed.iter().map(|s| &s.0).collect();
        t.visits_sealed += sealed.len();
        t.visits_lost += sealed
            .iter()
            .filter(|v| !on_server.contains_key(**v))
            .count();
        t.visits_duplicated += on_server.values().map(|n| n - 1).sum::<usize>();
        t.visits_duplicated += on_server.keys().filter(|v| !sealed.contains(v)).count();

        let records = run
            .phone
            .engine
            .store()
            .sealed_chain()
            .unwrap_or_else(|e| panic!("sealed chain: {e}"));
        for record in records {
            let body = record
                .envelope
                .peek_body()
                .unwrap_or_else(|e| panic!("envelope: {e}"));
            let on_server = rt
                .block_on(state.store.photos(&record.visit_id))
                .unwrap_or_else(|e| panic!("photos of {}: {e}", record.visit_id));
            let manifest: HashSet<&String> = body.photos.iter().map(|p| &p.photo_id).collect();
            let mut seen: HashMap<&String, usize> = HashMap::new();
            for p in &on_server {
                *seen.entry(&p.photo_id).or_default() += 1;
            }
            t.photos_duplicated += seen.values().map(|n| n - 1).sum::<usize>();
            t.photos_duplicated += seen.keys().filter(|p| !manifest.contains(**p)).count();
            for m in &body.photos {
                t.photos_sealed += 1;
                let phone_bytes = run
                    .phone
                    .engine
                    .store()
                    .sealed_photo(&m.photo_id)
                    .ok()
                    .flatten()
                    .unwrap_or_default();
                assert_eq!(sha256(&phone_bytes), m.sha256, "the phone's own photo");
                let Some(rec) = on_server.iter().find(|p| p.photo_id == m.photo_id) else {
                    t.photos_lost += 1;
                    continue;
                };
                let key = BlobKey::photo(&record.visit_id, &m.photo_id)
                    .unwrap_or_else(|| panic!("photo key"));
                let bytes = rt.block_on(state.blobs.get(&key)).ok().flatten();
                match bytes {
                    None => t.photos_lost += 1,
                    Some(_) if !rec.complete => t.photos_lost += 1,
                    Some(b) if sha256(&b) != m.sha256 || rec.sha256 != m.sha256 => {
                        t.photos_hash_mismatch += 1
                    }
                    Some(b) => assert_eq!(b.len() as u64, m.size, "photo size"),
                }
            }
        }
    }
    t
}

/// Visits a coverage tally counted as made (on time or late).
fn visited(tally: &Value) -> u64 {
    tally["on_time"].as_u64().unwrap_or(0) + tally["late"].as_u64().unwrap_or(0)
}

/// The county's coverage for 2026, read by a supervisor through the load balancer, counts what
/// the phones recorded: in total and per worker.
pub fn coverage(supervisor: &Staff, phones: &[PhoneRun]) -> (u64, u64) {
    let report = supervisor.get("/coverage?from=2026-01-01&to=2026-12-31");
    let per_worker: BTreeMap<String, u64> = report["by_worker"]
        .as_array()
        .unwrap_or_else(|| panic!("no by_worker in {report}"))
        .iter()
        .map(|r| (r["key"].as_str().unwrap_or("").to_string(), visited(r)))
        .collect();
    let recorded: BTreeMap<String, u64> = phones
        .iter()
        .map(|p| (p.worker.id.clone(), p.sealed.len() as u64))
        .collect();
    assert_eq!(per_worker, recorded, "coverage per worker");
    let total: u64 = recorded.values().sum();
    (visited(&report["totals"]), total)
}

/// Each decision a reviewer saw take effect is in its case's history exactly once; returns how
/// many were found once.
pub fn decisions(reader: &Staff, made: &[Made]) -> usize {
    let mut once = 0;
    for m in made {
        let n = transitions_to(reader, &m.visit_id, &m.to);
        assert_eq!(
            n, 1,
            "decision {} → {} is in the history {n} times",
            m.visit_id, m.to
        );
        once += 1;
    }
    once
}

/// The audit chain verifies, read by an admin through the load balancer; returns its length.
pub fn audit_chain(admin: &Staff) -> u64 {
    let v = admin.get("/audit/verify");
    assert_eq!(v["intact"], true, "the audit chain is broken: {v}");
    v["entries"].as_u64().unwrap_or(0)
}
