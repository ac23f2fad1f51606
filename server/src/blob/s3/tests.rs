//! The resumable-upload contract, checked on the folder store and on a real S3-compatible server
//! named by `FIELDVISIT_TEST_S3` (`http://host:port/bucket`; each test uses its own prefix).
#![allow(clippy::unwrap_used)]

use fieldvisit_core::crypto::sha256;

use super::*;
use crate::blob::FolderBlobStore;
use crate::testenv;

fn test_store() -> Option<S3BlobStore> {
    testenv::s3_store()
}

/// What the upload handler relies on, for any [`BlobStore`]: chunks written where the database
/// says the photo ends, a chunk whose record was lost written again, hash, commit and discard.
async fn contract(store: &dyn BlobStore) {
    let key = BlobKey::photo("v1", "p1").unwrap();
    assert!(store.get(&key).await.unwrap().is_none());
    assert_eq!(store.append(&key, 0, b"abc").await.unwrap(), 3);
    // Written, but its record lost: the same offset comes again, with other bytes this time.
    assert_eq!(store.append(&key, 3, b"XYZW").await.unwrap(), 7);
    assert_eq!(store.append(&key, 3, b"def").await.unwrap(), 6);
    assert_eq!(store.partial_sha256(&key).await.unwrap(), sha256(b"abcdef"));
    // Nothing is visible under the final name before the commit.
    assert!(store.get(&key).await.unwrap().is_none());
    store.commit(&key).await.unwrap();
    assert_eq!(store.get(&key).await.unwrap().unwrap(), b"abcdef");
    // A photo whose id is a prefix of another's keeps its own partial.
    let k2 = BlobKey::photo("v1", "p").unwrap();
    store.append(&k2, 0, b"zz").await.unwrap();
    assert_eq!(store.partial_sha256(&k2).await.unwrap(), sha256(b"zz"));
    store.discard(&k2).await.unwrap();
    assert!(store.get(&k2).await.unwrap().is_none());
    // Discarding nothing is fine; a new upload after a discard starts at 0.
    store.discard(&k2).await.unwrap();
    assert_eq!(store.append(&k2, 0, b"new").await.unwrap(), 3);
    assert_eq!(store.partial_sha256(&k2).await.unwrap(), sha256(b"new"));
}

#[tokio::test]
async fn folder_store_meets_the_upload_contract() {
    let dir = tempfile::tempdir().unwrap();
    contract(&FolderBlobStore::new(dir.path()).unwrap()).await;
}

#[tokio::test]
async fn s3_store_meets_the_upload_contract() {
    let Some(store) = test_store() else {
        return;
    };
    contract(&store).await;
}

#[tokio::test]
async fn s3_commit_of_a_large_blob_uses_multipart_and_keeps_every_byte() {
    let Some(store) = test_store() else {
        return;
    };
    let key = BlobKey::photo("big", "p").unwrap();
    // 11 MiB in 3 MiB chunks: more than the commit buffer, so the commit is a multipart upload.
    let data: Vec<u8> = (0..11 * 1024 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let mut offset = 0u64;
    for chunk in data.chunks(3 * 1024 * 1024) {
        offset = store.append(&key, offset, chunk).await.unwrap();
    }
    assert_eq!(offset, data.len() as u64);
    assert_eq!(store.partial_sha256(&key).await.unwrap(), sha256(&data));
    store.commit(&key).await.unwrap();
    assert_eq!(
        sha256(&store.get(&key).await.unwrap().unwrap()),
        sha256(&data)
    );
}

#[tokio::test]
async fn s3_chunks_left_by_an_interrupted_discard_do_not_corrupt_the_next_upload() {
    let Some(store) = test_store() else {
        return;
    };
    let key = BlobKey::photo("v2", "p").unwrap();
    // A discard that stopped after deleting chunk 0 left chunk 1 behind, in the middle of where
    // the next upload's chunks go.
    store
        .store
        .put(
            &S3BlobStore::chunk_path(&key, 1),
            PutPayload::from(b"XX".to_vec()),
        )
        .await
        .unwrap();
    assert_eq!(store.append(&key, 0, b"ab").await.unwrap(), 2);
    assert_eq!(store.append(&key, 2, b"cd").await.unwrap(), 4);
    assert_eq!(store.partial_sha256(&key).await.unwrap(), sha256(b"abcd"));
    store.commit(&key).await.unwrap();
    assert_eq!(store.get(&key).await.unwrap().unwrap(), b"abcd");
}

#[tokio::test]
async fn an_s3_append_lists_nothing() {
    let Some(store) = test_store() else {
        return;
    };
    let key = BlobKey::photo("v3", "p").unwrap();
    // An object among the chunks that a listing could not read: appends never meet it.
    let odd = S3BlobStore::partial_dir(&key).join("not-an-offset");
    store
        .store
        .put(&odd, PutPayload::from(b"?".to_vec()))
        .await
        .unwrap();
    assert_eq!(store.append(&key, 0, b"ab").await.unwrap(), 2);
    assert_eq!(store.append(&key, 2, b"cd").await.unwrap(), 4);
    // The finish lists the chunks once, and would refuse it.
    assert!(store.partial_sha256(&key).await.is_err());
    store.store.delete(&odd).await.unwrap();
    assert_eq!(store.partial_sha256(&key).await.unwrap(), sha256(b"abcd"));
}

#[test]
fn s3_urls_are_checked() {
    assert_eq!(
        S3Location::parse("s3://photos-bucket/fieldvisit/prod/").unwrap(),
        S3Location {
            bucket: "photos-bucket".into(),
            prefix: "fieldvisit/prod".into()
        }
    );
    assert_eq!(S3Location::parse("s3://bkt").unwrap().prefix, "");
    for bad in ["http://b/x", "s3://", "s3://B", "s3://ab", "s3://bkt/../x"] {
        assert!(S3Location::parse(bad).is_err(), "{bad}");
    }
}
