//! Backup and restore of the embedded default, taken while phones upload: the restored folder's
//! audit chain verifies, every visit receipted before the backup began is in it with its photos,
//! and a backup that was tampered with, or a target that is not empty, is refused.

use fieldvisit_core::crypto::{AudiencePublicKey, Sha256Hash};

use super::reviews::{four, upload};
use super::*;
use crate::backup::{self, BackupError};

async fn county_key(w: &World) -> AudiencePublicKey {
    let rows = w.state.store.audience_keys().await.unwrap();
    let row = rows.iter().find(|r| r.audience == "child-welfare").unwrap();
    AudiencePublicKey::from_bytes(&row.public_key).unwrap()
}

#[tokio::test]
async fn a_backup_taken_under_ingest_restores_with_its_chain_receipts_and_photos() {
    if on_postgres() {
        // The embedded default's backup; PostgreSQL has its own tools (docs/deploy.md).
        return;
    }
    let w = world().await;
    four(&w).await;
    let before: Vec<String> = (1..=4).map(|i| format!("g{i}")).collect();
    let data = w.state.config.data_dir.clone();
    let pk = county_key(&w).await;
    let phone = w.enroll("wA").await;

    // Phones keep uploading while the backup is taken.
    let tmp = tempfile::tempdir().unwrap();
    let to = tmp.path().join("backup");
    let taking = {
        let (data, to) = (data.clone(), to.clone());
        let key = std::sync::Arc::clone(&w.state.audit_key);
        tokio::task::spawn_blocking(move || backup::backup(&data, &to, &key))
    };
    let mut prev = Sha256Hash::ZERO;
    for i in 1..=6u64 {
        prev = upload(
            &w,
            &phone,
            &format!("u{i}"),
            "hA",
            i,
            prev,
            "LOW",
            false,
            &pk,
        )
        .await;
    }
    let held = taking.await.unwrap().unwrap();
    assert!(held.visits >= 4 && held.photos >= 4, "{held:?}");
    assert!(held.audit_entries > 10);

    // A target that is not empty, a data folder that has a database: refused, nothing written.
    assert!(matches!(
        backup::backup(&data, &to, &w.state.audit_key),
        Err(BackupError::TargetNotEmpty(_))
    ));
    assert!(matches!(
        backup::restore(&to, &data, &w.state.audit_key),
        Err(BackupError::DataExists(_))
    ));

    let restored = tmp.path().join("restored");
    let got = backup::restore(&to, &restored, &w.state.audit_key).unwrap();
    assert_eq!(got, held);
    // The restored server keeps the audit key it had (a restore needs that key, kept apart from
    // the backup).
    let mut config = Config::for_tests(restored.clone());
    config.audit.key_file = Some(w.state.config.audit_key_path());
    let state = AppState::open(config).unwrap();
    assert!(matches!(
        crate::audit::verify(&state).await.unwrap(),
        crate::audit::Verification::Intact { .. }
    ));
    for id in &before {
        assert!(state.store.visit(id).await.unwrap().is_some(), "{id} lost");
        let photos = state.store.photos(id).await.unwrap();
        assert!(
            !photos.is_empty() && photos.iter().all(|p| p.complete),
            "{id}"
        );
        for p in photos {
            let key = crate::blob::BlobKey::photo(id, &p.photo_id).unwrap();
            let bytes = state.blobs.get(&key).await.unwrap().unwrap();
            assert_eq!(fieldvisit_core::crypto::sha256(&bytes), p.sha256);
        }
    }

    // A photo changed in the backup: the backup no longer verifies, and is not restored.
    // (A photo of g1, which the backup's database names; photos uploaded after the database was
    // copied may be in the backup too, unnamed.)
    let named = to.join("blobs").join("photos").join("g1").join("p1");
    assert!(named.is_file());
    std::fs::write(&named, b"not the photo").unwrap();
    let e = backup::verify(&to, &w.state.audit_key).unwrap_err();
    assert!(e.to_string().contains("does not match"), "{e}");
    assert!(backup::restore(&to, &tmp.path().join("again"), &w.state.audit_key).is_err());
    assert!(!tmp.path().join("again").join("fieldvisit.db").exists());
}
