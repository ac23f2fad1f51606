//! The audit chain verifies, and reports the first tampered or deleted entry.
#![allow(clippy::unwrap_used)]

use serde_json::json;

use super::*;
use crate::store::AuditStore;
use crate::store::sqlite::SqliteStore;

#[tokio::test]
async fn chain_verifies_and_reports_first_tampered_entry() {
    let store = SqliteStore::open_in_memory().unwrap();
    assert_eq!(
        verify(&store).await.unwrap(),
        Verification::Intact { entries: 0 }
    );
    for i in 0..5 {
        record(
            &store,
            "admin-1",
            "login.success",
            &format!("s{i}"),
            json!({}),
        )
        .await
        .unwrap();
    }
    assert_eq!(
        verify(&store).await.unwrap(),
        Verification::Intact { entries: 5 }
    );
    let e = store.audit_entries(0, 10).await.unwrap();
    assert_eq!(e[1].prev_hash, e[0].hash);
    // The triggers refuse edits; a copied disk could still be edited, so drop them to simulate it.
    assert!(
        store
            .exec_for_tests("UPDATE audit_log SET actor = 'x' WHERE seq = 3")
            .await
            .is_err()
    );
    store
        .exec_for_tests(
            "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET actor = 'x' WHERE seq = 3",
        )
        .await
        .unwrap();
    assert_eq!(
        verify(&store).await.unwrap(),
        Verification::Broken {
            seq: 3,
            reason: "fields do not match the entry hash"
        }
    );
}

#[tokio::test]
async fn deleted_entry_is_reported() {
    let store = SqliteStore::open_in_memory().unwrap();
    for _ in 0..3 {
        record(&store, "a", "x", "t", json!({})).await.unwrap();
    }
    store
        .exec_for_tests("DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE seq = 2")
        .await
        .unwrap();
    assert!(matches!(
        verify(&store).await.unwrap(),
        Verification::Broken { seq: 2, .. }
    ));
}
