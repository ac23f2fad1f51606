//! The audit chain verifies, and reports the first tampered, deleted, rewritten or cut-off entry.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;

use super::*;
use crate::store::AuditStore;
use crate::store::sqlite::SqliteStore;

/// A server state over an in-memory database, its key and checkpoints in a temporary folder.
fn state(tmp: &tempfile::TempDir) -> (AppState, Arc<SqliteStore>) {
    let store = Arc::new(SqliteStore::open_in_memory().unwrap());
    let config = crate::config::Config::for_tests(tmp.path().to_owned());
    let blobs = crate::blob::FolderBlobStore::new(&config.blob_dir()).unwrap();
    let state = AppState::new(store.clone(), Arc::new(blobs), config).unwrap();
    (state, store)
}

async fn entries(state: &AppState, n: usize) {
    for i in 0..n {
        record(
            state,
            "admin-1",
            "login.success",
            &format!("s{i}"),
            json!({}),
        )
        .await
        .unwrap();
    }
}

#[tokio::test]
async fn chain_verifies_and_reports_first_tampered_entry() {
    let tmp = tempfile::tempdir().unwrap();
    let (state, store) = state(&tmp);
    assert_eq!(
        verify(&state).await.unwrap(),
        Verification::Intact {
            entries: 0,
            checkpoint: None
        }
    );
    entries(&state, 5).await;
    assert_eq!(
        verify(&state).await.unwrap(),
        Verification::Intact {
            entries: 5,
            checkpoint: None
        }
    );
    let e = store.audit_entries(0, 10).await.unwrap();
    assert_eq!(e[1].prev_hash, e[0].hash);
    assert!(e.iter().all(|e| e.keyed));
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
        verify(&state).await.unwrap(),
        Verification::Broken {
            seq: 3,
            reason: "fields do not match the entry's seal"
        }
    );
}

#[tokio::test]
async fn deleted_entry_is_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let (state, store) = state(&tmp);
    entries(&state, 3).await;
    store
        .exec_for_tests("DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE seq = 2")
        .await
        .unwrap();
    assert!(matches!(
        verify(&state).await.unwrap(),
        Verification::Broken { seq: 2, .. }
    ));
}

/// Without the key, whoever rewrites an entry cannot make its link right again: not by
/// recomputing plain SHA-256 links from there on (what an unkeyed chain allowed), nor by sealing
/// under a key of their own.
#[tokio::test]
async fn a_rewrite_with_recomputed_links_is_found_without_the_key() {
    let tmp = tempfile::tempdir().unwrap();
    let (state, store) = state(&tmp);
    entries(&state, 4).await;
    let mut all = store.audit_entries(0, 10).await.unwrap();
    // Entry 3 is rewritten and 3 and 4 are relinked as plain entries.
    all[2].actor = "someone-else".into();
    let mut prev = all[1].hash;
    for e in &mut all[2..] {
        e.keyed = false;
        e.prev_hash = prev;
        e.hash = entry_hash(e);
        prev = e.hash;
    }
    let rewrite = |entries: &[crate::store::AuditEntry]| {
        let mut sql = String::from("DROP TRIGGER IF EXISTS audit_log_no_update;");
        for e in entries {
            sql.push_str(&format!(
                "UPDATE audit_log SET actor = '{}', keyed = {}, prev_hash = '{}', hash = '{}' WHERE seq = {};",
                e.actor,
                u8::from(e.keyed),
                e.prev_hash.to_hex(),
                e.hash.to_hex(),
                e.seq
            ));
        }
        sql
    };
    store
        .exec_for_tests(Box::leak(rewrite(&all[2..]).into_boxed_str()))
        .await
        .unwrap();
    assert_eq!(
        verify(&state).await.unwrap(),
        Verification::Broken {
            seq: 3,
            reason: "an unsealed entry after sealed ones"
        }
    );
    // Sealed again, under another key.
    let other = AuditKey::from_bytes(&[7; 32]);
    let mut prev = all[1].hash;
    for e in &mut all[2..] {
        e.prev_hash = prev;
        seal(e, &other);
        prev = e.hash;
    }
    store
        .exec_for_tests(Box::leak(rewrite(&all[2..]).into_boxed_str()))
        .await
        .unwrap();
    assert_eq!(
        verify(&state).await.unwrap(),
        Verification::Broken {
            seq: 3,
            reason: "fields do not match the entry's seal"
        }
    );
}

/// Cutting entries off the end leaves a chain that links; the checkpoint outside the database
/// still names the last of them.
#[tokio::test]
async fn a_log_cut_short_is_found_by_its_checkpoint() {
    let tmp = tempfile::tempdir().unwrap();
    let (state, store) = state(&tmp);
    entries(&state, 5).await;
    let noted = checkpoint(&state).await.unwrap().unwrap();
    assert_eq!(noted.seq, 5);
    assert!(checkpoint(&state).await.unwrap().is_none(), "unmoved head");
    assert_eq!(
        verify(&state).await.unwrap(),
        Verification::Intact {
            entries: 5,
            checkpoint: Some(5)
        }
    );
    store
        .exec_for_tests("DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE seq >= 4")
        .await
        .unwrap();
    assert_eq!(
        verify(&state).await.unwrap(),
        Verification::Broken {
            seq: 4,
            reason: "entries up to a checkpoint kept outside the database are missing: the log was cut short"
        }
    );
}

/// Entries from before the key (plain links) still verify, followed by sealed ones.
#[tokio::test]
async fn entries_from_before_the_key_verify_before_sealed_ones() {
    let tmp = tempfile::tempdir().unwrap();
    let (state, store) = state(&tmp);
    let mut prev = fieldvisit_core::crypto::Sha256Hash::ZERO;
    let mut sql = String::new();
    for seq in 1..=2u64 {
        let mut e = crate::store::AuditEntry {
            seq,
            at: chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
                .unwrap()
                .into(),
            actor: "cli".into(),
            action: "org.add".into(),
            target: "u1".into(),
            detail: "{}".into(),
            address: String::new(),
            agent: String::new(),
            keyed: false,
            prev_hash: prev,
            hash: prev,
        };
        e.hash = entry_hash(&e);
        prev = e.hash;
        sql.push_str(&format!(
            "INSERT INTO audit_log (seq, at, actor, action, target, detail, prev_hash, hash)
             VALUES ({seq}, '2026-01-01T00:00:00.000000Z', 'cli', 'org.add', 'u1', '{{}}', '{}', '{}');",
            e.prev_hash.to_hex(),
            e.hash.to_hex()
        ));
    }
    store
        .exec_for_tests(Box::leak(sql.into_boxed_str()))
        .await
        .unwrap();
    entries(&state, 2).await;
    assert_eq!(
        verify(&state).await.unwrap(),
        Verification::Intact {
            entries: 4,
            checkpoint: None
        }
    );
}

/// An entry names the client of the request it was written in, and the seal covers it.
#[tokio::test]
async fn an_entry_names_its_client() {
    let tmp = tempfile::tempdir().unwrap();
    let (state, store) = state(&tmp);
    let client = client::Client::new(Some("203.0.113.7".parse().unwrap()), Some("Mozilla/5.0"));
    let e = client::serving(client, record(&state, "a", "x", "t", json!({})))
        .await
        .unwrap();
    assert_eq!(
        (e.address.as_str(), e.agent.as_str()),
        ("203.0.113.7", "Mozilla/5.0")
    );
    store
        .exec_for_tests(
            "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET address = '10.0.0.1'",
        )
        .await
        .unwrap();
    assert!(matches!(
        verify(&state).await.unwrap(),
        Verification::Broken { seq: 1, .. }
    ));
}

/// An entry commits with the change it records or neither does: a change whose entry cannot be
/// written is not made, and a change the store refuses leaves no entry.
#[tokio::test]
async fn a_change_and_its_entry_commit_together() {
    use crate::store::{OrgLevel, OrgStore, StaffStore};
    let tmp = tempfile::tempdir().unwrap();
    let (state, store) = state(&tmp);
    let entry = |action: &str| draft(&state.audit_key, "cli", action, "-", json!({}));
    store
        .add_org_unit(
            "p1",
            None,
            OrgLevel::Province,
            "省",
            Some(&entry("org_unit.create")),
        )
        .await
        .unwrap();
    assert_eq!(store.audit_entries(0, 10).await.unwrap().len(), 1);
    // The same unit again: refused by the store, and nothing recorded.
    assert!(
        store
            .add_org_unit(
                "p1",
                None,
                OrgLevel::Province,
                "省",
                Some(&entry("org_unit.create"))
            )
            .await
            .is_err()
    );
    assert_eq!(store.audit_entries(0, 10).await.unwrap().len(), 1);
    // The audit log refuses to take the entry: the account is not created either.
    store
        .exec_for_tests(
            "CREATE TRIGGER audit_down BEFORE INSERT ON audit_log
             BEGIN SELECT RAISE(ABORT, 'audit log unavailable'); END;",
        )
        .await
        .unwrap();
    let staff = crate::store::Staff {
        id: "s1".into(),
        login: "s1@fv".into(),
        display_name: "S".into(),
        role: crate::store::Role::Admin,
        scope_unit_id: "p1".into(),
        password_hash: "x".into(),
        failed_logins: 0,
        locked_until: None,
        disabled: false,
        must_change_password: false,
    };
    assert!(
        store
            .add_staff(&staff, Some(&entry("staff.create")))
            .await
            .is_err()
    );
    assert!(store.staff("s1").await.unwrap().is_none());
}
