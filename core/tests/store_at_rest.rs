//! What a lost phone or a copied file reveals: nothing personal; a wrong key touches nothing; a
//! tampered chain is detected.

#![allow(clippy::unwrap_used)]

mod support;

use chrono::Duration;
use fieldvisit_core::Engine;
use fieldvisit_core::caseload::Category;
use fieldvisit_core::crypto::StaticKeyProvider;
use fieldvisit_core::store::StoreError;
use fieldvisit_core::visit::VisitError;
use serde_json::json;
use support::{Fixture, visit_time};

fn file_bytes(dir: &std::path::Path) -> Vec<u8> {
    let mut all = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        all.extend(std::fs::read(entry.unwrap().path()).unwrap());
    }
    all
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn raw_database_and_wal_hold_no_names_or_answers() {
    let f = Fixture::new();
    let secrets = [
        "王秀兰",
        "李小明",
        "赵德福",
        "320115195001011234",
        "江宁区某村3组",
        "社工甲",
        "夜里常常一个人哭泣",
        "奶奶腿脚不便",
    ];
    let child = f.record("hh-child", Category::LeftBehindChild, visit_time());
    f.engine
        .answer(&child, "child_view", &json!("夜里常常一个人哭泣"))
        .unwrap();
    f.engine
        .answer(&child, "support_plan", &json!("奶奶腿脚不便"))
        .unwrap();
    f.engine
        .seal(&child, visit_time() + Duration::hours(1))
        .unwrap();
    let draft = f
        .engine
        .start_visit("hh-econ", Category::Tekun, None, visit_time())
        .unwrap();
    f.engine.set_notes(&draft, "夜里常常一个人哭泣").unwrap();
    // Both the WAL (before checkpoint) and the main file are scanned.
    let before = file_bytes(f.dir.path());
    assert!(std::fs::metadata(f.dir.path().join("phone.db-wal")).is_ok_and(|m| m.len() > 0));
    f.engine.store().checkpoint().unwrap();
    let after = file_bytes(f.dir.path());
    for s in secrets {
        assert!(
            !contains(&before, s.as_bytes()),
            "found a personal string in the raw files"
        );
        assert!(
            !contains(&after, s.as_bytes()),
            "found a personal string after checkpoint"
        );
    }
    // The scan itself works: a string that is stored in the clear (a template id) is found.
    assert!(contains(&after, b"child-guardianship"));
}

#[test]
fn a_wrong_master_key_is_reported_and_changes_nothing() {
    let f = Fixture::new();
    let visit = f.record("hh-elder", Category::ElderlyAlone, visit_time());
    f.engine
        .seal(&visit, visit_time() + Duration::hours(1))
        .unwrap();
    f.engine.store().checkpoint().unwrap();
    let path = support::path(f.dir.path());
    drop(f.engine);
    let before = file_bytes(f.dir.path());
    let wrong = StaticKeyProvider::new([0x13; 32]);
    match Engine::open(&path, &wrong) {
        Err(VisitError::Store(StoreError::WrongKey)) => {}
        other => panic!("expected WrongKey, got {other:?}"),
    }
    assert_eq!(
        file_bytes(f.dir.path()),
        before,
        "opening with a wrong key modified the files"
    );
    let engine = Engine::open(&path, &support::keys()).unwrap();
    assert_eq!(engine.verify_chain().unwrap(), 1);
}

#[test]
fn a_broken_hash_chain_is_detected() {
    let f = Fixture::new();
    for i in 0..3 {
        let v = f.record(
            "hh-elder",
            Category::ElderlyAlone,
            visit_time() + Duration::days(i),
        );
        f.engine
            .seal(&v, visit_time() + Duration::days(i) + Duration::hours(1))
            .unwrap();
    }
    assert_eq!(f.engine.verify_chain().unwrap(), 3);
    let path = support::path(f.dir.path());
    drop(f.engine);
    // Someone removes the middle visit from the file.
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute(
        "DELETE FROM outbox WHERE visit_id = (SELECT visit_id FROM sealed WHERE seq = 2)",
        [],
    )
    .unwrap();
    conn.execute("DELETE FROM sealed WHERE seq = 2", [])
        .unwrap();
    drop(conn);
    let engine = Engine::open(&path, &support::keys()).unwrap();
    match engine.verify_chain() {
        Err(VisitError::Chain { seq: 2, .. }) => {}
        other => panic!("expected a broken chain at 2, got {other:?}"),
    }
}
