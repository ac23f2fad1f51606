//! The requests a sync makes: a visit receipted in the same run uploads its photos without first
//! asking how much of them the server holds, and a pull leaves out the templates the phone holds.
#![allow(clippy::unwrap_used)]

use std::sync::atomic::Ordering;

use chrono::{TimeZone, Utc};
use fieldvisit_core::sync::SyncOptions;
use fieldvisit_core::template::builtin::builtin_templates;
use fieldvisit_sim::phone::Phone;
use fieldvisit_tests::harness::{SeededWorker, TestServer, runtime, seed};
use fieldvisit_tests::wire::CountingProxy;
use tempfile::TempDir;

const STATUS: &str = "GET /api/v1/visits/{id}/photos/{id}";
const CHUNK: &str = "PUT /api/v1/visits/{id}/photos/{id}";

/// A server with one worker of two households, a counting proxy before it, and a phone enrolled
/// through the proxy (the data folder must outlive the server).
fn enrolled_behind_proxy() -> (TempDir, TestServer, Vec<SeededWorker>, CountingProxy, Phone) {
    let data = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let server = TestServer::start(data.path());
    let rt = runtime();
    let workers = seed(&rt, &server.state, 1, 2);
    let proxy = CountingProxy::start(server.addr).unwrap_or_else(|e| panic!("proxy: {e}"));
    let phone = server.phone_through(&proxy.url(), &workers[0].id);
    (data, server, workers, proxy, phone)
}

#[test]
fn fresh_visits_upload_their_photos_without_a_status_request() {
    let (_data, server, workers, proxy, phone) = enrolled_behind_proxy();
    phone
        .sync(&proxy.url(), SyncOptions::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let at = Utc
        .with_ymd_and_hms(2026, 6, 2, 1, 0, 0)
        .single()
        .unwrap_or_default();
    let sealed = phone
        .visit(&workers[0].households[0], at, (320, 240))
        .unwrap();
    let photos = phone
        .engine
        .store()
        .sealed(&sealed.visit_id)
        .unwrap_or_else(|e| panic!("{e}"))
        .map(|s| s.envelope.peek_body().map(|b| b.photos.len()).unwrap_or(0))
        .unwrap_or(0);
    assert!(photos > 0, "the sample visit has photos");

    proxy.stats().reset();
    let report = phone
        .sync(&proxy.url(), SyncOptions::default())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report.visits_completed, 1);
    assert_eq!(report.photos_completed as usize, photos);
    let routes = proxy.stats().routes();
    assert_eq!(
        routes.get(STATUS).map_or(0, |r| r.requests),
        0,
        "{routes:?}"
    );
    // Small photos: one chunk each.
    assert_eq!(
        routes.get(CHUNK).map_or(0, |r| r.requests) as usize,
        photos,
        "{routes:?}"
    );
    let stored = server
        .block_on(server.state.store.photos(&sealed.visit_id))
        .unwrap_or_default();
    assert_eq!(stored.len(), photos);
    assert!(stored.iter().all(|p| p.complete));
}

#[test]
fn a_pull_leaves_out_the_templates_the_phone_holds() {
    let (_data, _server, _workers, proxy, phone) = enrolled_behind_proxy();
    let held = phone
        .engine
        .store()
        .template_versions()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(held.len(), 3, "the three built-in templates: {held:?}");
    let templates_json = serde_json::to_vec(&builtin_templates().unwrap_or_default())
        .unwrap_or_default()
        .len();
    assert!(templates_json > 40_000, "{templates_json} B");

    proxy.stats().reset();
    phone
        .sync(&proxy.url(), SyncOptions::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let down = proxy.stats().down.load(Ordering::SeqCst);
    assert!(
        down < 10_000,
        "the pull leaves out the {templates_json} B of templates the phone holds ({down} B came)"
    );
    let routes = proxy.stats().routes();
    assert_eq!(
        routes
            .get("GET /api/v1/assignments")
            .map_or(0, |r| r.requests),
        1,
        "{routes:?}"
    );
    // The phone still has every template it needs.
    assert_eq!(
        phone.engine.store().template_versions().unwrap_or_default(),
        held
    );
}
