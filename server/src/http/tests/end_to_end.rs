//! A visit recorded, sealed and signed by the real core engine, uploaded with its photos.

use axum::body::Body;
use axum::http::StatusCode;
use chrono::TimeZone;
use fieldvisit_core::crypto::{AudiencePrivateKey, b64_encode};
use fieldvisit_core::protocol::{AudienceKeyRecord, Receipt, open_content};
use fieldvisit_core::store::DeviceIdentity;
use fieldvisit_sim::phone::Phone;
use serde_json::json;

use super::*;
use crate::blob::BlobKey;

#[tokio::test]
async fn real_phone_engine_to_server() {
    let w = world().await;
    let phone = Phone::temporary().unwrap();
    let engine = &phone.engine;

    // Enrollment with the engine's own device key.
    let (code, _) = ops::devices::create_code(&w.state, &Actor::cli(), "wA")
        .await
        .unwrap();
    let public = engine.store().device_key().unwrap().public_key();
    let r = w
        .json("POST", "/api/v1/devices/enroll", None, json!({ "version": 1, "code": code, "public_key": b64_encode(&public), "device_label": "engine" }))
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let token = r.json["token"].as_str().unwrap().to_owned();
    let device_id = r.json["device_id"].as_str().unwrap().to_owned();
    engine
        .store()
        .put_identity(&DeviceIdentity {
            device_id: device_id.clone(),
            worker_id: "wA".into(),
            token: Some(token.clone()),
        })
        .unwrap();

    // The caseload as the server holds it (assignments will carry this later).
    let household = w
        .state
        .store
        .household("hA")
        .await
        .unwrap()
        .unwrap()
        .0
        .household;
    engine
        .store()
        .put_households(std::slice::from_ref(&household))
        .unwrap();
    let civil = AudiencePrivateKey::generate();
    engine
        .store()
        .put_audience_keys(&[AudienceKeyRecord {
            audience: "civil-affairs".into(),
            public_key: b64_encode(&civil.public_key().to_bytes()),
        }])
        .unwrap();

    // Record and seal a visit from the built-in sample answers, with photos.
    let at = Utc.with_ymd_and_hms(2026, 5, 20, 2, 0, 0).unwrap();
    let visit = phone.visit(&household, at, (64, 48)).unwrap().visit_id;
    let sealed = engine.store().sealed(&visit).unwrap().unwrap();

    // Upload: receipt, then every photo in two chunks.
    let uri = format!("/api/v1/visits/{visit}");
    let r = w
        .call("PUT", &uri, Some(&token), sealed.envelope.to_json())
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.json);
    let receipt: Receipt = serde_json::from_value(r.json).unwrap();
    assert_eq!(receipt.body_hash, sealed.hash);
    let body = sealed.envelope.peek_body().unwrap();
    assert!(!body.photos.is_empty());
    assert_eq!(receipt.photos_missing.len(), body.photos.len());
    for p in &body.photos {
        let bytes = engine.store().sealed_photo(&p.photo_id).unwrap().unwrap();
        let half = bytes.len() / 2;
        let puri = format!("{uri}/photos/{}", p.photo_id);
        let r = w
            .call(
                "PUT",
                &format!("{puri}?offset=0"),
                Some(&token),
                bytes[..half].to_vec(),
            )
            .await;
        assert_eq!(r.json["received"], half as u64);
        let r = w
            .call(
                "PUT",
                &format!("{puri}?offset={half}"),
                Some(&token),
                bytes[half..].to_vec(),
            )
            .await;
        assert_eq!(r.json["complete"], true, "{:?}", r.json);
        let stored = w
            .state
            .blobs
            .get(&BlobKey::photo(&visit, &p.photo_id).unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored, bytes);
    }
    // The replay now reports nothing missing; the stored metadata is the chain's first link.
    let r = w
        .call("PUT", &uri, Some(&token), sealed.envelope.to_json())
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.json["photos_missing"].as_array().unwrap().is_empty());
    let (meta, _) = w.state.store.visit(&visit).await.unwrap().unwrap();
    assert_eq!(
        (meta.chain_seq, meta.chain_status),
        (1, crate::store::ChainStatus::Ok)
    );
    // What the server stored still opens for the audience (the server itself holds only ciphertext).
    let stored_json = w.state.store.envelope(&visit).await.unwrap().unwrap();
    assert_eq!(stored_json.as_bytes(), sealed.envelope.to_json().as_slice());
    let stored_env =
        fieldvisit_core::protocol::SealedEnvelope::from_json(stored_json.as_bytes()).unwrap();
    let verified = stored_env.verify(&public).unwrap();
    assert!(open_content(&verified.body, "civil-affairs", &civil).is_ok());
    let sup = w.login("supA").await;
    let list = w
        .call("GET", "/api/v1/visits", Some(&sup), Body::empty())
        .await;
    assert_eq!(list.json[0]["visit_id"], visit.as_str());
}
