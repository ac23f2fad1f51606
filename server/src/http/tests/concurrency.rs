//! Exactly once under concurrent retries, and recovery from a crash between blob and database.

use axum::body::Body;
use axum::http::StatusCode;
use fieldvisit_core::crypto::{Sha256Hash, sha256};
use fieldvisit_core::protocol::{PhotoManifest, Receipt};

use super::*;
use crate::blob::BlobKey;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_retries_store_one_visit_and_agree_on_the_receipt() {
    let w = world().await;
    let p = w.enroll("wA").await;
    let (env, hash) = seal(&p, &body(&p, "v1", "hA", 1, Sha256Hash::ZERO, vec![]));
    let mut tasks = Vec::new();
    for _ in 0..12 {
        let (app, env, token) = (w.app.clone(), env.clone(), p.token.clone());
        tasks.push(tokio::spawn(async move {
            let req = Request::put("/api/v1/visits/v1")
                .header("authorization", format!("Bearer {token}"))
                .header("content-type", "application/json")
                .body(Body::from(env))
                .unwrap();
            let resp = app.oneshot(req).await.unwrap();
            let status = resp.status();
            let bytes = resp.into_body().collect().await.unwrap().to_bytes();
            (status, serde_json::from_slice::<Receipt>(&bytes).unwrap())
        }));
    }
    let mut created = 0;
    let mut receipts = Vec::new();
    for t in tasks {
        let (status, receipt) = t.await.unwrap();
        created += usize::from(status == StatusCode::CREATED);
        receipts.push(receipt);
    }
    assert_eq!(created, 1, "exactly one request stored the visit");
    assert!(
        receipts
            .iter()
            .all(|r| r == &receipts[0] && r.body_hash == hash)
    );
    assert_eq!(w.counts().await.visits, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_chunks_at_one_offset_append_once() {
    let w = world().await;
    let p = w.enroll("wA").await;
    let data = vec![9u8; 1000];
    let m = PhotoManifest {
        photo_id: "p1".into(),
        sha256: sha256(&data),
        size: 1000,
        captured_at: Utc::now(),
    };
    let (env, _) = seal(&p, &body(&p, "v1", "hA", 1, Sha256Hash::ZERO, vec![m]));
    w.call("PUT", "/api/v1/visits/v1", Some(&p.token), env)
        .await;
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (app, token, chunk) = (w.app.clone(), p.token.clone(), data[..600].to_vec());
        tasks.push(tokio::spawn(async move {
            let req = Request::put("/api/v1/visits/v1/photos/p1?offset=0")
                .header("authorization", format!("Bearer {token}"))
                .body(Body::from(chunk))
                .unwrap();
            app.oneshot(req).await.unwrap().status()
        }));
    }
    let mut ok = 0;
    for t in tasks {
        let s = t.await.unwrap();
        assert!(s == StatusCode::OK || s == StatusCode::CONFLICT, "{s}");
        ok += usize::from(s == StatusCode::OK);
    }
    assert_eq!(ok, 1);
    let st = w
        .call(
            "GET",
            "/api/v1/visits/v1/photos/p1",
            Some(&p.token),
            Body::empty(),
        )
        .await;
    assert_eq!(st.json["received"], 600);
}

#[tokio::test]
async fn crash_between_blob_commit_and_database_heals_on_retry() {
    let w = world().await;
    let p = w.enroll("wA").await;
    let data = b"photo bytes".to_vec();
    let m = PhotoManifest {
        photo_id: "p1".into(),
        sha256: sha256(&data),
        size: data.len() as u64,
        captured_at: Utc::now(),
    };
    let (env, _) = seal(&p, &body(&p, "v1", "hA", 1, Sha256Hash::ZERO, vec![m]));
    w.call("PUT", "/api/v1/visits/v1", Some(&p.token), env.clone())
        .await;
    // The server wrote and committed the blob, then died before marking the photo complete.
    let key = BlobKey::photo("v1", "p1").unwrap();
    w.state.blobs.append(&key, 0, &data).await.unwrap();
    w.state.blobs.commit(&key).await.unwrap();
    // The phone asks where to resume, sends everything again, and the photo completes once.
    let st = w
        .call(
            "GET",
            "/api/v1/visits/v1/photos/p1",
            Some(&p.token),
            Body::empty(),
        )
        .await;
    assert_eq!(
        (st.json["received"].clone(), st.json["complete"].clone()),
        (0.into(), false.into())
    );
    let r = w
        .call(
            "PUT",
            "/api/v1/visits/v1/photos/p1?offset=0",
            Some(&p.token),
            data.clone(),
        )
        .await;
    assert_eq!(r.json["complete"], true);
    assert_eq!(w.state.blobs.get(&key).await.unwrap().unwrap(), data);
    let r = w
        .call("PUT", "/api/v1/visits/v1", Some(&p.token), env)
        .await;
    assert!(r.json["photos_missing"].as_array().unwrap().is_empty());
}
