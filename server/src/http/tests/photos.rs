//! Resumable photo upload: chunks, offsets, hash check, limits.

use axum::body::Body;
use axum::http::StatusCode;
use fieldvisit_core::crypto::{Sha256Hash, sha256};
use fieldvisit_core::protocol::{PhotoManifest, UploadStatus};

use super::*;
use crate::blob::BlobKey;

async fn visit_with_photo(w: &World, data: &[u8]) -> Phone {
    let p = w.enroll("wA").await;
    let m = PhotoManifest {
        photo_id: "p1".into(),
        sha256: sha256(data),
        size: data.len() as u64,
        captured_at: Utc::now(),
    };
    let (env, _) = seal(&p, &body(&p, "v1", "hA", 1, Sha256Hash::ZERO, vec![m]));
    let r = w
        .call("PUT", "/api/v1/visits/v1", Some(&p.token), env)
        .await;
    assert_eq!(r.json["photos_missing"][0], "p1");
    p
}

#[tokio::test]
async fn resumable_upload_in_chunks() {
    upload_in_chunks(&world().await).await;
}

/// A world on a fresh PostgreSQL schema and the S3 test bucket, when both are configured.
async fn world_on_postgres_and_s3(schema_name: &str) -> Option<(World, crate::testenv::PgSchema)> {
    let schema = crate::testenv::PgSchema::create(schema_name).await?;
    let blobs = crate::testenv::s3_store()?;
    let store = crate::store::postgres::PgStore::connect_with(schema.config.clone())
        .await
        .unwrap();
    let w = world_on(std::sync::Arc::new(store), std::sync::Arc::new(blobs)).await;
    Some((w, schema))
}

/// The same upload through the HTTP API with PostgreSQL and S3 behind it.
#[tokio::test]
async fn resumable_upload_in_chunks_on_postgres_and_s3() {
    if let Some((w, schema)) = world_on_postgres_and_s3("fv_http").await {
        upload_in_chunks(&w).await;
        schema.drop_schema().await;
    }
}

#[tokio::test]
async fn a_photo_sent_whole_is_checked_then_stored_at_once() {
    sent_whole(&world().await).await;
}

/// The same on PostgreSQL and S3, where the whole photo is one PUT of its final object.
#[tokio::test]
async fn a_photo_sent_whole_is_checked_then_stored_at_once_on_postgres_and_s3() {
    if let Some((w, schema)) = world_on_postgres_and_s3("fv_whole").await {
        sent_whole(&w).await;
        schema.drop_schema().await;
    }
}

async fn sent_whole(w: &World) {
    let data: Vec<u8> = (0..9_000u32).map(|i| (i % 253) as u8).collect();
    let p = visit_with_photo(w, &data).await;
    let uri = "/api/v1/visits/v1/photos/p1";
    let key = BlobKey::photo("v1", "p1").unwrap();
    // Bytes that do not hash to the manifest: refused, nothing stored or recorded.
    let mut wrong = data.clone();
    wrong[100] ^= 1;
    let r = w
        .call("PUT", &format!("{uri}?offset=0"), Some(&p.token), wrong)
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::UNPROCESSABLE_ENTITY, "hash_mismatch")
    );
    assert_eq!(w.state.blobs.get(&key).await.unwrap(), None);
    let st = w.call("GET", uri, Some(&p.token), Body::empty()).await.json;
    assert_eq!(
        (st["received"].as_u64(), st["complete"].as_bool()),
        (Some(0), Some(false))
    );
    // The right bytes: complete in one request, the stored object equal to them.
    let r = w
        .call(
            "PUT",
            &format!("{uri}?offset=0"),
            Some(&p.token),
            data.clone(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    assert_eq!(
        (r.json["received"].as_u64(), r.json["complete"].as_bool()),
        (Some(9_000), Some(true))
    );
    assert_eq!(w.state.blobs.get(&key).await.unwrap(), Some(data.clone()));
    // Sent again after a lost answer: the same answer, nothing changed.
    let again = w
        .call(
            "PUT",
            &format!("{uri}?offset=0"),
            Some(&p.token),
            data.clone(),
        )
        .await;
    assert_eq!(again.json["complete"], true);
    assert_eq!(w.state.blobs.get(&key).await.unwrap(), Some(data));
}

async fn upload_in_chunks(w: &World) {
    let data: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
    let p = visit_with_photo(w, &data).await;
    let uri = "/api/v1/visits/v1/photos/p1";
    let st: UploadStatus =
        serde_json::from_value(w.call("GET", uri, Some(&p.token), Body::empty()).await.json)
            .unwrap();
    assert_eq!((st.received, st.size, st.complete), (0, 10_000, false));
    let r = w
        .call(
            "PUT",
            &format!("{uri}?offset=0"),
            Some(&p.token),
            data[..4000].to_vec(),
        )
        .await;
    assert_eq!(r.json["received"], 4000);
    // A resend of the first chunk after a lost answer: told where to resume.
    let r = w
        .call(
            "PUT",
            &format!("{uri}?offset=0"),
            Some(&p.token),
            data[..4000].to_vec(),
        )
        .await;
    assert_eq!((r.status, r.code()), (StatusCode::CONFLICT, "wrong_offset"));
    assert_eq!(r.headers["upload-offset"], "4000");
    // The next chunk reaches another server process on the same stores: it resumes where the
    // first recorded the photo, with nothing shared in memory.
    let other = crate::app(
        AppState::new(
            std::sync::Arc::clone(&w.state.store),
            std::sync::Arc::clone(&w.state.blobs),
            (*w.state.config).clone(),
        )
        .unwrap(),
    );
    let put = |app: &Router, offset: usize, bytes: &[u8]| {
        let req = axum::http::Request::put(format!("{uri}?offset={offset}"))
            .header("authorization", format!("Bearer {}", p.token))
            .header("content-type", "application/octet-stream")
            .body(Body::from(bytes.to_vec()))
            .unwrap();
        app.clone().oneshot(req)
    };
    let r = put(&other, 4000, &data[4000..7000]).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = put(&other, 4000, &data[4000..7000]).await.unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(r.headers()["upload-offset"], "7000");
    // A chunk stored whose record was lost (a process stopped between the two): the phone sends
    // it again from the recorded offset and it replaces what was stored.
    w.state
        .blobs
        .append(&BlobKey::photo("v1", "p1").unwrap(), 7000, b"lost record")
        .await
        .unwrap();
    let r = w
        .call(
            "PUT",
            &format!("{uri}?offset=7000"),
            Some(&p.token),
            data[7000..].to_vec(),
        )
        .await;
    assert_eq!(
        (r.status, r.json["complete"].clone()),
        (StatusCode::OK, true.into())
    );
    let stored = w
        .state
        .blobs
        .get(&BlobKey::photo("v1", "p1").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored, data);
    // Retrying after completion is harmless; the receipt no longer lists the photo.
    let r = w
        .call(
            "PUT",
            &format!("{uri}?offset=7000"),
            Some(&p.token),
            data[7000..].to_vec(),
        )
        .await;
    assert_eq!(r.json["complete"], true);
    let photos = w.state.store.photos("v1").await.unwrap();
    assert!(photos[0].complete);
}

/// The database went away after the last chunk's request committed the photo (its chunks
/// deleted) but before it recorded the completion: the phone's retry, an empty chunk at the end,
/// completes the photo instead of discarding it as a hash mismatch.
#[tokio::test]
async fn a_commit_whose_completion_was_not_recorded_completes_on_the_retry() {
    let w = world().await;
    let data: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
    let p = visit_with_photo(&w, &data).await;
    let uri = "/api/v1/visits/v1/photos/p1";
    let r = w
        .call(
            "PUT",
            &format!("{uri}?offset=0"),
            Some(&p.token),
            data[..7000].to_vec(),
        )
        .await;
    assert_eq!(r.json["received"], 7000);
    // What the last chunk's request did before the database failed.
    let key = BlobKey::photo("v1", "p1").unwrap();
    w.state
        .blobs
        .append(&key, 7000, &data[7000..])
        .await
        .unwrap();
    assert!(
        w.state
            .store
            .photo_received("v1", "p1", 7000, 10_000)
            .await
            .unwrap()
    );
    w.state.blobs.commit(&key).await.unwrap();

    let r = w
        .call(
            "PUT",
            &format!("{uri}?offset=10000"),
            Some(&p.token),
            Vec::new(),
        )
        .await;
    assert_eq!(
        (r.status, r.json["complete"].clone()),
        (StatusCode::OK, true.into())
    );
    assert_eq!(w.state.blobs.get(&key).await.unwrap().unwrap(), data);
    assert!(w.state.store.photos("v1").await.unwrap()[0].complete);
}

#[tokio::test]
async fn bad_photo_uploads() {
    let w = world().await;
    let data = b"0123456789".to_vec();
    let p = visit_with_photo(&w, &data).await;
    let stranger = w.enroll("wA").await;
    let uri = "/api/v1/visits/v1/photos/p1";
    type Case<'a> = (&'a str, String, &'a str, Vec<u8>, StatusCode, &'a str);
    let cases: Vec<Case> = vec![
        (
            "no offset",
            uri.to_owned(),
            &p.token,
            data.clone(),
            StatusCode::BAD_REQUEST,
            "bad_offset",
        ),
        (
            "wrong offset",
            format!("{uri}?offset=5"),
            &p.token,
            data[..3].to_vec(),
            StatusCode::CONFLICT,
            "wrong_offset",
        ),
        (
            "past the size",
            format!("{uri}?offset=0"),
            &p.token,
            vec![0; 11],
            StatusCode::BAD_REQUEST,
            "exceeds_size",
        ),
        (
            "photo not in manifest",
            "/api/v1/visits/v1/photos/p2?offset=0".into(),
            &p.token,
            data.clone(),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            "another device's visit",
            format!("{uri}?offset=0"),
            &stranger.token,
            data.clone(),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            "path traversal",
            "/api/v1/visits/v1/photos/..%2F..%2Fetc?offset=0".into(),
            &p.token,
            data.clone(),
            StatusCode::BAD_REQUEST,
            "invalid_id",
        ),
        (
            "dot-dot photo id",
            "/api/v1/visits/v1/photos/..?offset=0".into(),
            &p.token,
            data.clone(),
            StatusCode::BAD_REQUEST,
            "invalid_id",
        ),
        (
            "chunk too large",
            format!("{uri}?offset=0"),
            &p.token,
            vec![0; 4 * 1024 * 1024 + 1],
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
        ),
        (
            "hash mismatch",
            format!("{uri}?offset=0"),
            &p.token,
            b"9876543210".to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "hash_mismatch",
        ),
    ];
    for (name, uri, token, bytes, status, code) in cases {
        let r = w.call("PUT", &uri, Some(token), bytes).await;
        assert_eq!((r.status, r.code()), (status, code), "{name}: {:?}", r.json);
    }
    // The mismatched data was discarded: the upload starts again at 0 and then succeeds.
    let st = w.call("GET", uri, Some(&p.token), Body::empty()).await;
    assert_eq!(st.json["received"], 0);
    assert!(!w.state.store.photos("v1").await.unwrap()[0].complete);
    let r = w
        .call("PUT", &format!("{uri}?offset=0"), Some(&p.token), data)
        .await;
    assert_eq!(r.json["complete"], true);
    let r = w
        .call("GET", uri, Some(&stranger.token), Body::empty())
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn route_limits_override_the_json_limit() {
    // Chunks and envelopes far larger than the 64 KiB JSON limit are accepted on their routes.
    let w = world().await;
    let data = vec![5u8; 3 * 1024 * 1024];
    let p = visit_with_photo(&w, &data).await;
    let r = w
        .call(
            "PUT",
            "/api/v1/visits/v1/photos/p1?offset=0",
            Some(&p.token),
            data,
        )
        .await;
    assert_eq!(
        (r.status, r.json["complete"].clone()),
        (StatusCode::OK, true.into()),
        "{:?}",
        r.json
    );
    let mut big = body(&p, "v2", "hA", 2, Sha256Hash::ZERO, vec![]);
    big.content.ciphertext = fieldvisit_core::crypto::b64_encode(&vec![1u8; 300 * 1024]);
    let (env, _) = seal(&p, &big);
    assert!(env.len() > 64 * 1024);
    let r = w
        .call("PUT", "/api/v1/visits/v2", Some(&p.token), env)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.json);
}
